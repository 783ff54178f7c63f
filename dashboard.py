"""aidtrack: donor-funded projects, their money and their events. Run with `make run`."""

import streamlit as st

import ui

st.set_page_config(page_title="aidtrack", page_icon=":material/public:", layout="wide")

# Every page, keyed by its file in pages/; the navigation lists those the role may use.
PAGES = {
    "overview": ("Overview", ":material/dashboard:"),
    "projects": ("Projects", ":material/folder_open:"),
    "activities": ("Activities", ":material/event:"),
    "spend": ("Spend review", ":material/account_balance:"),
    "changes": ("What changed", ":material/history:"),
    "quality": ("Data quality", ":material/rule:"),
    "imports": ("Import", ":material/upload_file:"),
    "rates": ("Exchange rates", ":material/currency_exchange:"),
    "settings": ("Settings", ":material/settings:"),
    "backups": ("Backups", ":material/backup:"),
}


def listed(names: list[str]) -> list[st.Page]:
    return [
        st.Page(f"pages/{name}.py", title=title, icon=icon, default=name == "overview")
        for name, (title, icon) in PAGES.items()
        if name in names
    ]


# Until the visitor is signed in, no page is listed: a run that stops early (the database
# unavailable, sign-in refused) would otherwise show Streamlit's list of the files in pages/.
# Naming every page keeps the one a link asked for, to open after signing in.
st.navigation(listed(list(PAGES)), position="hidden")

try:
    ui.store()
except ui.StoreError as error:
    ui.store_error(error)
    st.stop()

ui.pin_data_version()
user = ui.sign_in()
if user is None:
    ui.sign_in_form()
    st.stop()
pages = st.navigation(listed([name for name in PAGES if ui.may(name)]))
try:
    ui.sidebar_filters()
    ui.signed_in_box(user)
    pages.run()
except ui.PortfolioChanged:
    # An import landed while this page was being read: read it again, all at the new version.
    st.rerun()
