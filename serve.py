"""How aidtrack is served: `streamlit run serve.py` (what `make run` does) runs dashboard.py.

The server has nothing to do while a visitor's browser loads Streamlit's page, about a second;
it imports the libraries every page needs then, rather than when the first page asks for them.
`streamlit run dashboard.py` works too, a few tenths of a second slower to the first page.
"""

import threading
from contextlib import asynccontextmanager

import streamlit as st


def _import_libraries() -> None:
    import altair  # noqa: F401
    import pandas  # noqa: F401

    import ui  # noqa: F401


@asynccontextmanager
async def _lifespan(_app):
    threading.Thread(target=_import_libraries, name="aidtrack-imports", daemon=True).start()
    yield


app = st.App("dashboard.py", lifespan=_lifespan)
