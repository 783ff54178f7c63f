"""Outside files to validated portfolio records. Pure functions; never imports streamlit."""
