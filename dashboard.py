"""aidtrack: donor-funded projects, their money and their events. Run with `make run`."""

import streamlit as st

import ui

st.set_page_config(page_title="aidtrack", page_icon=":material/public:", layout="wide")

try:
    ui.store()
except ui.StoreError as error:
    st.error(f"**{error.title}.** {error}")
    st.stop()

pages = st.navigation(
    [
        st.Page(
            "pages/overview.py",
            title="Overview",
            icon=":material/dashboard:",
            default=True,
        ),
        st.Page("pages/projects.py", title="Projects", icon=":material/folder_open:"),
        st.Page("pages/activities.py", title="Activities", icon=":material/event:"),
        st.Page("pages/spend.py", title="Spend review", icon=":material/account_balance:"),
        st.Page("pages/changes.py", title="What changed", icon=":material/history:"),
        st.Page("pages/quality.py", title="Data quality", icon=":material/rule:"),
        st.Page("pages/imports.py", title="Import", icon=":material/upload_file:"),
        st.Page("pages/rates.py", title="Exchange rates", icon=":material/currency_exchange:"),
        st.Page("pages/backups.py", title="Backups", icon=":material/backup:"),
    ]
)
ui.sidebar_filters()
pages.run()
