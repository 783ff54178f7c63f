"""What changed: the portfolio's new projects, status changes, budget revisions, moved end dates
and new funders between two dates, from the import log (imports and edits), with who made them."""

from datetime import date, timedelta

import streamlit as st

import ui
from ui.format import literal, project_link

ui.through_dashboard("changes")

st.title("What changed")
st.caption(
    "Changes recorded by imports and by edits in the project view between two dates (undone "
    "imports left out), with who made them. Each row links to its project, where the full "
    "history is."
)
left, right = st.columns(2)
since = left.date_input("From", value=date.today() - timedelta(days=90), key="changes_since")
until = right.date_input("To", value=date.today(), key="changes_until")
if since > until:
    st.warning("The start date is after the end date.")
    st.stop()

found = ui.changes_between(since, until)
counts = ui.change_counts(since, until)
undone = ui.undone_imports(since, until)
if len(undone):
    st.info(
        "Left out because undone: "
        + "; ".join(
            f"{literal(u.file_name)} (imported {u.imported_at:%d %b %Y %H:%M}"
            f"{' by ' + literal(u.by) if u.by else ''})"
            for u in undone.head(5).itertuples()
        )
        + (f" and {len(undone) - 5:,} more" if len(undone) > 5 else "")
        + ". The Import page's log lists every import and undo.",
        icon=":material/undo:",
    )
for column, kind in zip(st.columns(len(found)), found, strict=True):
    column.metric(kind, f"{counts[kind]:,}")
for kind, rows in found.items():
    if rows.empty:
        continue
    st.subheader(kind)
    if counts[kind] > len(rows):
        st.caption(f"The latest {len(rows):,} of {counts[kind]:,}, newest first.")
    st.dataframe(
        (ui.changes_shown(rows) if "field" in rows else rows).assign(
            link=rows["project_id"].map(project_link)
        ),
        column_config={
            "project_id": "ID",
            "title": st.column_config.TextColumn("Project", width=220),
            "when": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
            "by": "By",
            "field": "Field",
            "change": st.column_config.TextColumn("What changed", width="large"),
            "old": st.column_config.TextColumn("Before", width=120),
            "new": st.column_config.TextColumn("After", width=120),
            "budget_before": st.column_config.TextColumn("Budget before", width=130),
            "budget_after": st.column_config.TextColumn("Budget after", width=130),
            "source": "From file",
            "link": st.column_config.LinkColumn("Open", display_text="Open project"),
        },
        hide_index=True,
        width="stretch",
    )
