"""Pages run through dashboard.py, whatever URL a browser opens first."""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def through_dashboard() -> None:
    """Rerun a page the server started without dashboard.py.

    A fresh server that is first asked for a page's URL (say /imports) treats pages/ as the
    old folder-based navigation and runs the page alone, without the sidebar's filters and
    navigation, until some run calls st.navigation. Turning that mode off and rerunning puts
    the page back behind dashboard.py.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
