"""Pages run through dashboard.py, whatever URL a browser opens first, and only for the roles
that may use them."""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from ui import access


def through_dashboard(page: str) -> None:
    """Rerun a page the server started without dashboard.py, then check the role again: the
    navigation lists only a role's pages, and each page refuses the rest on its own too.

    A fresh server that is first asked for a page's URL (say /imports) treats pages/ as the
    old folder-based navigation and runs the page alone, without the sidebar's filters and
    navigation, until some run calls st.navigation. Turning that mode off and rerunning puts
    the page back behind dashboard.py.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
    access.page(page)
