"""Correcting a project's fields in the project view (editors).

loaders is imported where it is used: it takes a tenth of a second to import (spreadsheet
libraries, country names), and most page runs never read or write a spreadsheet.
"""

from __future__ import annotations

import re

import streamlit as st

from portfolio import imports
from portfolio.store import STATUSES, StoreError
from ui import access, db
from ui.format import changes_shown, known, literal, store_error

NOT_RECORDED = "(not recorded)"


def _text(value) -> str:
    return "" if not known(value) else str(value)


def project_editor(project: dict) -> None:
    """A form over the project's own fields. Saving checks them as an import would, then writes
    them in one transaction, logged with the editor's name, shown in the history, undoable."""
    key = project["project_id"]
    with st.form(f"edit_{key}"):
        title = st.text_input("Title", _text(project["title"]))
        description = st.text_area("Description", _text(project["description"]))
        programme = st.text_input("Programme", _text(project["programme"]))
        left, middle, right = st.columns(3)
        statuses = [NOT_RECORDED, *STATUSES]
        status = left.selectbox(
            "Status", statuses, index=statuses.index(project["status"]) if known(project["status"]) else 0
        )
        start = middle.date_input(
            "Start date", project["start_date"] if known(project["start_date"]) else None, format="DD.MM.YYYY"
        )
        end = right.date_input(
            "End date", project["end_date"] if known(project["end_date"]) else None, format="DD.MM.YYYY"
        )
        left, middle, right = st.columns(3)
        currencies = sorted(db.currency_codes() | {project["currency"]})
        currency = left.selectbox("Currency", currencies, index=currencies.index(project["currency"]))
        budget = middle.text_input(
            "Total budget",
            _text(project["budget"]),
            help="As in a sheet: 1500000, 1.5 million, 1,500,000.00. Blank: not known.",
        )
        visibility = right.radio(
            "Visibility",
            ["public", "internal"],
            index=["public", "internal"].index(project["visibility"]),
            horizontal=True,
            help="Internal projects are seen by editors and admins only.",
        )
        url = st.text_input("Web page", _text(project["url"]))
        saved = st.form_submit_button("Save changes", type="primary")
    if not saved:
        return
    fields = {
        "title": title,
        "description": description,
        "programme": programme,
        "status": None if status == NOT_RECORDED else status,
        "start_date": start,
        "end_date": end,
        "currency": currency,
        "budget": budget,
        "url": url,
        "visibility": visibility,
    }
    from loaders import pipeline

    plan, loaded = pipeline.preview_edit(db.store(), key, fields)
    problems = pipeline.all_problems(plan, loaded)
    # A warning keeps an imported row with the field not known; on this form the user is typing
    # the value now, so it is refused instead of saved blank.
    errors = [p for p in problems if p.severity in ("error", "warning")]
    if errors:
        st.error("Not saved: " + " ".join(literal(f"{p.column}: {_refused(p.message)}") for p in errors))
        return
    if not plan.writes_anything:
        st.info("Nothing was changed.")
        return
    try:
        imports.apply(db.store(), plan, by=access.user_name())
    except StoreError as e:
        store_error(e)
        return
    st.session_state["edit_saved"] = [
        f"{c.field}: {c.old} → {c.new}" for c in changes_shown(plan.updated).itertuples()
    ] + [f"{p.column}: {p.message}" for p in problems]
    st.rerun()


def saved_note() -> None:
    """After a save: what changed, once."""
    changed = st.session_state.pop("edit_saved", None)
    if changed:
        st.success("Saved. " + "; ".join(map(literal, changed)), icon=":material/check:")


def _refused(message: str) -> str:
    """An import's message for a value it keeps as not known, without saying so: the form saves
    nothing."""
    return re.sub(r"[;.]? ?[Ss]tored as not known\.$", ".", message)
