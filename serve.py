"""How aidtrack is served: `streamlit run serve.py` (what `make run` does) runs dashboard.py.

As the server starts it imports the libraries every page needs, opens the portfolio and reads
the Overview's figures on a thread, rather than when the first page asks for them. At a million
projects the first visitor's Overview took 2.7 s from the click, and takes 1.7 s when they come
a few seconds after the server started; one whose browser was already waiting gains little
(medians of 8 starts, 2.76 s against 2.83 s), as the reads then run beside Streamlit serving its
page. `streamlit run dashboard.py` works too, without any of this.
"""

import logging
import threading
from contextlib import asynccontextmanager

import streamlit as st


def _read_ahead() -> None:
    import altair  # noqa: F401
    import pandas  # noqa: F401

    import ui

    # Streamlit warns, for each cached read, that this thread runs no page ("missing
    # ScriptRunContext"): ten lines in the terminal of every `make run`, about nothing wrong.
    no_page = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    level = no_page.level
    no_page.setLevel(logging.ERROR)
    try:
        ui.read_ahead_overview()
    except Exception:
        # The first page reads it again and shows what went wrong (the database locked, say).
        logging.getLogger(__name__).warning("Reading the Overview ahead failed", exc_info=True)
    finally:
        no_page.setLevel(level)


@asynccontextmanager
async def _lifespan(_app):
    threading.Thread(target=_read_ahead, name="aidtrack-read-ahead", daemon=True).start()
    yield


app = st.App("dashboard.py", lifespan=_lifespan)
