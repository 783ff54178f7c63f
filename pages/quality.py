"""Data quality: what each project is missing or gets wrong, worst first, and the portfolio's
score over time."""

import altair as alt
import streamlit as st

import ui
from ui.filters import filters_in_words
from ui.format import project_link, time_axis_format

ui.through_dashboard("quality")

filters = ui.current_filters()
st.title("Data quality")
if filters.is_narrowed():
    st.info(f"Filtered: {filters_in_words(filters)}.", icon=":material/filter_alt:")
st.caption(
    "Each project is checked for a budget (not 0), dates, status, funders, countries and sectors; "
    "shares adding up to 100%; codes on the reference lists; dates that fit its status; recent "
    "transactions or events while it runs; no money disbursed or spent after its end date; and "
    "funder contributions matching its budget. The score is the share of checks passed."
)
# The projects with a problem, lowest scores first (at most 5,000); the totals are over every
# filtered project.
review = ui.project_quality(filters)
totals = ui.quality_totals(filters)
left, middle, right = st.columns(3)
left.metric("Average score", f"{totals.average_score:.0f}" if totals.projects else "-")
middle.metric("Projects with a problem", f"{totals.with_problems:,} of {totals.projects:,}")
right.metric("Problems in all", f"{totals.problems:,}")
if totals.projects and not totals.with_problems:
    st.success("Every project passes every check.", icon=":material/check:")
    st.stop()
passing = totals.projects - totals.with_problems
shown = (
    f"The {len(review):,} lowest scores of the {totals.with_problems:,} projects with a problem, worst first"
    if totals.with_problems > len(review)
    else "The projects with a problem, worst first"
)
st.caption(shown + (f"; the {passing:,} that pass every check are not listed." if passing else "."))

st.dataframe(
    review[["project_id", "title", "score", "problem_text"]].assign(
        link=review["project_id"].map(project_link)
    ),
    column_config={
        "project_id": "ID",
        "title": st.column_config.TextColumn("Project", width="medium"),
        "score": st.column_config.ProgressColumn("Score", format="%d", min_value=0, max_value=100),
        "problem_text": st.column_config.TextColumn("What to fix", width="large"),
        "link": st.column_config.LinkColumn("Open", display_text="Open project"),
    },
    hide_index=True,
    width="stretch",
)
st.caption(
    "Where to fix it: a budget, dates or status in the project's own view (Open project, then "
    "'Edit this project'); funders and their contributions, countries, sectors and their shares, "
    "and transactions on the Import page: download the portfolio as a workbook, correct its "
    "Funding, Countries, Sectors or Transactions sheet and upload it again."
)

history = ui.quality_history()
if len(history) > 1:
    st.subheader("The portfolio's score over time")
    st.caption("Real projects only (illustrative ones left out), recorded after every import and undo.")
    st.altair_chart(
        alt.Chart(history)
        .mark_line(point=True)
        .encode(
            x=alt.X("at:T", title=None, axis=alt.Axis(format=time_axis_format(history["at"]), labelAngle=0)),
            y=alt.Y("score:Q", title="Average score", scale=alt.Scale(domain=[0, 100])),
            tooltip=[
                alt.Tooltip("at:T", title="When"),
                alt.Tooltip("score:Q", title="Score"),
                alt.Tooltip("projects:Q", title="Projects"),
                alt.Tooltip("file_name:N", title="After"),
            ],
        )
        .properties(height=220),
        width="stretch",
    )
