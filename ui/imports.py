"""The Import page's cached reads, workbooks to download, and the preview it draws.

loaders is imported where it is used: it takes a tenth of a second to import (spreadsheet
libraries, country names), and most page runs never read or write a spreadsheet.
"""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from portfolio import imports
from portfolio.access import Audience
from portfolio.filters import Filters
from ui.db import _con, cached_read, data_version, db_path, store
from ui.format import changes_shown, literal

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN = 5000  # rows of a preview table sent to the browser
PROBLEM_ROW_HEIGHT = 72  # pixels: three lines of a problem's message
CURRENCY_CHOICES = ["EUR", "USD", "GBP", "CHF", "JPY", "SEK", "NOK", "DKK", "CAD", "AUD"]


@cached_read(4)
def _template(path: str, version: int) -> bytes:
    from loaders import pipeline

    out = io.BytesIO()
    pipeline.write_template(out, _con(path))
    return out.getvalue()


def template_workbook() -> bytes:
    return _template(db_path(), data_version())


def portfolio_workbook(filters: Filters, audience: Audience) -> bytes:
    """The filtered projects in the template's layout, as `audience` may see them.

    Download buttons call this after the script run, when the session is out of reach, so the
    audience is taken while the page runs and passed in.
    """
    from loaders import pipeline

    out = io.BytesIO()
    pipeline.write_export(out, _con(db_path()), filters, audience)
    return out.getvalue()


def portfolio_csv(filters: Filters, audience: Audience) -> bytes:
    """The filtered projects' Projects sheet as csv, as `audience` may see them."""
    from loaders import pipeline

    out = io.BytesIO()
    pipeline.write_csv_export(out, _con(db_path()), filters, audience)
    return out.getvalue()


def portfolio_iati(filters: Filters, include_illustrative: bool = False):
    """The filtered public projects as IATI XML, with what the export left out; illustrative
    (made-up) ones only when asked for. (pipeline.IatiExport, the file's bytes)"""
    from loaders import pipeline

    out = io.BytesIO()
    written = pipeline.write_iati_export(out, _con(db_path()), filters, include_illustrative)
    return written, out.getvalue()


def fixme_workbook(plan, loaded) -> bytes:
    from loaders import pipeline

    out = io.BytesIO()
    pipeline.write_fixme_workbook(out, loaded, plan)
    return out.getvalue()


@cached_read(16)
def _import_log(path: str, version: int) -> pd.DataFrame:
    return imports.import_log(_con(path))


def import_log() -> pd.DataFrame:
    return _import_log(db_path(), data_version())


@cached_read(64)
def _import_changes(path: str, version: int, import_id: int) -> pd.DataFrame:
    return imports.import_changes(_con(path), import_id)


def import_changes(import_id: int) -> pd.DataFrame:
    return _import_changes(db_path(), data_version(), import_id)


@cached_read(64)
def _undo_first(path: str, version: int, import_id: int) -> str:
    with _con(path).cursor() as cur:
        return imports.undo_first(import_id, imports.later_imports(cur, import_id))


def undo_first(import_id: int) -> str:
    """Which later imports to undo before `import_id`, as the undo itself would say."""
    return _undo_first(db_path(), data_version(), import_id)


def nothing_to_import(report: dict, sha256: str, log: pd.DataFrame) -> str:
    """Why a file's preview writes nothing: already imported (this very file, and when), and which
    of its rows could not be, so "nothing to import" is not read as "all of it is in"."""
    same = log[(log["sha256"] == sha256) & (log["status"] == "done")]
    if len(same):
        when = same.iloc[0]["imported_at"]
        text = (
            f"Nothing to import: this file was imported before (import {same.iloc[0]['import_id']}, "
            f"{when:%d %b %Y %H:%M}) and the portfolio holds everything in it"
        )
    else:
        text = "Nothing to import: the portfolio already holds everything in this file"
    if report["rejected"]:
        rows = f"{report['rejected']:,} rejected row" + ("" if report["rejected"] == 1 else "s")
        return f"{text} except its {rows}: fix them (see Problems) and upload the file again."
    return text + "."


def import_preview(report: dict, plan: imports.Preview) -> None:
    """New, changed, unchanged and rejected rows, and every problem with its place in the file."""
    from loaders import pipeline, template

    st.markdown(f"**{literal(report['file'])}**: what importing it will do")
    xml = report["format"] == "iati"
    new, changed, same, rejected = st.columns(4)
    new.metric("New projects", f"{report['added']:,}")
    changed.metric("Changed projects", f"{report['updated']:,}")
    same.metric("Unchanged", f"{report['unchanged']:,}")
    rejected.metric("Activities rejected" if xml else "Rows rejected", f"{report['rejected']:,}")
    problems = pd.DataFrame(report["problems"], columns=["severity", "sheet", "row", "column", "message"])
    tabs = st.tabs(
        [
            f"Problems ({len(problems):,})",
            f"New ({report['added']:,})",
            f"Changes ({len(report['changes']):,})",
            "Elements" if xml else "Columns",
        ]
    )
    with tabs[0]:
        if problems.empty:
            st.caption("No problems found.")
        else:
            st.caption(
                "Errors reject the activity; warnings keep it and leave out the element, as said."
                if xml
                else "Errors reject the row; warnings keep the row and store the field as not known. "
                "Rows are numbered as your spreadsheet shows them."
            )
            if len(problems) > SHOWN:
                st.caption(f"The first {SHOWN:,} of {len(problems):,} problems; download them all below.")
            # Tall rows wrap the message (Streamlit wraps text in rows over 4rem): at one line a
            # row, most messages were cut off after 50 characters, before what to write instead.
            st.dataframe(
                problems[["severity", "sheet", "row", "column", "message"]].head(SHOWN),
                column_config={
                    "severity": st.column_config.TextColumn("", width=70),
                    "sheet": st.column_config.TextColumn("Activity" if xml else "Sheet", width=100),
                    "row": st.column_config.NumberColumn("Line" if xml else "Row", format="%d", width=50),
                    "column": st.column_config.TextColumn("Element" if xml else "Column", width=120),
                    "message": st.column_config.TextColumn("Problem", width="large"),
                },
                hide_index=True,
                width="stretch",
                row_height=PROBLEM_ROW_HEIGHT,
                # Up to eight problems without scrolling inside the table.
                height=38 + PROBLEM_ROW_HEIGHT * min(len(problems), 8),  # the header row and borders
            )
            st.download_button(
                f"Download the {len(problems):,} problem{'' if len(problems) == 1 else 's'} (csv)",
                data=template.csv_bytes(problems),
                file_name=f"{report['file'].rsplit('.', 1)[0]}-problems.csv",
                mime="text/csv",
                icon=":material/download:",
            )
    with tabs[1]:
        new_projects_table(plan, xml)
    with tabs[2]:
        changes = pd.DataFrame(
            report["changes"][:SHOWN],
            columns=["project_id", "title", "field", "old", "new", "removed", "added"],
        )
        # A list (funders, countries, transactions) is shown whole on both sides; what it gains
        # and loses is said beside it, so one added transaction is not lost among forty.
        shown = changes_shown(changes, verbs=("removes", "adds"))
        st.dataframe(
            shown,
            column_config={
                "project_id": "ID",
                "title": "Title",
                "field": "Field",
                "change": st.column_config.TextColumn("What changes", width="medium"),
                "old": "Now",
                "new": "After the import",
            },
            hide_index=True,
            width="stretch",
            placeholder="",  # a field's change has nothing here; a grey 'None' read as a value
        )
    with tabs[3]:
        st.caption(
            "What aidtrack reads of the file. Anything marked 'not imported' is left out."
            if xml
            else "What each column of the file became. Columns marked 'not imported' are left out."
        )
        columns = pd.DataFrame(report["columns"], columns=["sheet", "column", "imported as"])
        st.dataframe(
            columns.drop(columns=["sheet"]) if xml else columns,
            column_config={
                "sheet": "Sheet",
                "column": "Element in the file" if xml else "Column in the file",
                "imported as": "Imported as",
            },
            hide_index=True,
            width="stretch",
        )
    for note in report["notes"][:20]:
        where = pipeline.place(note, xml)
        st.caption(
            literal(f"{where[:1].upper() + where[1:]}: {note['message']}" if where else note["message"])
        )


def new_projects_table(plan: imports.Preview, xml: bool) -> None:
    """The new projects with what the file gives for their money, dates, organisations and
    countries, so that a column read wrongly or not at all is seen before saving."""
    from loaders import pipeline

    # Worked out once per preview (0.2 s for 5,000 of 100,000 new projects), not on every rerun.
    kept = st.session_state.get("new_projects_shown")
    if kept is None or kept[0] is not plan:
        shown = pipeline.new_projects_shown(store(), plan, SHOWN)
        kept = st.session_state["new_projects_shown"] = (plan, shown)
    if len(plan.added) > SHOWN:
        st.caption(f"The first {SHOWN:,} of {len(plan.added):,} new projects.")
    st.dataframe(
        kept[1],
        column_config={
            "project_id": "ID",
            "title": "Title",
            "budget": "Budget",
            "start_date": "Start",
            "end_date": "End",
            "funders": st.column_config.TextColumn(
                "Funders", help="With their contributions, as the file gives them"
            ),
            "implementers": "Implementers",
            "countries": st.column_config.TextColumn(
                "Countries", help="With their shares, as the file gives them"
            ),
            "sheet": "Activity" if xml else "Sheet",
            "row": st.column_config.NumberColumn("Line" if xml else "Row", format="%d"),
        },
        hide_index=True,
        width="stretch",
    )
