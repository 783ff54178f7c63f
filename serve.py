"""How aidtrack is served: `streamlit run serve.py` (what `make run` does) runs dashboard.py.

The server has nothing to do while a visitor's browser loads Streamlit's page, about a second;
it imports the libraries every page needs then, opens the portfolio and reads the Overview's
figures, rather than when the first page asks for them. `streamlit run dashboard.py` works too,
a second slower to the first page at a million projects.
"""

import logging
import threading
from contextlib import asynccontextmanager

import streamlit as st


def _read_ahead() -> None:
    import altair  # noqa: F401
    import pandas  # noqa: F401

    import ui

    try:
        ui.read_ahead_overview()
    except Exception:
        # The first page reads it again and shows what went wrong (the database locked, say).
        logging.getLogger(__name__).warning("Reading the Overview ahead failed", exc_info=True)


@asynccontextmanager
async def _lifespan(_app):
    threading.Thread(target=_read_ahead, name="aidtrack-read-ahead", daemon=True).start()
    yield


app = st.App("dashboard.py", lifespan=_lifespan)
