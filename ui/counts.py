"""The Overview for viewers from whom amounts are withheld: how many projects, not how much."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from portfolio import charts
from portfolio.filters import Filters
from ui import db

SPLITS = {
    "funder": "Projects by funder",
    "implementer": "Projects by implementing agency",
    "country": "Projects by beneficiary country",
    "sector": "Projects by sector",
}


def _counted(rows: pd.DataFrame) -> pd.DataFrame:
    """A breakdown with its amounts gone, most projects first and then by name. The breakdown
    comes ranked by amount: kept in that order (or with its row numbers) the charts' data and
    tables would rank the withheld budgets."""
    counted = rows.sort_values(["projects", "name"], ascending=[False, True], kind="stable")
    return counted.assign(amount=counted["projects"], estimated_amount=0).reset_index(drop=True)


def project_counts(filters: Filters) -> None:
    """Bars and a map of project counts; a project with two funders counts for each of them."""
    breakdowns = {by: _counted(db.breakdown(by, filters)) for by in SPLITS}
    rows = {by: breakdowns[by][["name", "projects"]] for by in SPLITS}
    left, right = st.columns(2)
    for column, by in zip((left, right), ("funder", "implementer"), strict=True):
        with column:
            st.subheader(SPLITS[by])
            st.altair_chart(charts.ranked_counts(rows[by]), width="stretch")
    st.subheader(SPLITS["country"])
    map_col, bar_col = st.columns([3, 2])
    with map_col:
        st.altair_chart(charts.choropleth(breakdowns["country"], "", counted=True), width="stretch")
    with bar_col:
        st.altair_chart(charts.ranked_counts(rows["country"]), width="stretch")
    st.subheader(SPLITS["sector"])
    st.altair_chart(charts.ranked_counts(rows["sector"]), width="stretch")
    st.caption("A project with several funders, agencies, countries or sectors counts once for each.")
    with st.expander("The figures behind the charts"):
        for by, title in SPLITS.items():
            st.markdown(f"**{title}**")
            st.dataframe(
                rows[by],
                column_config={
                    "name": title.removeprefix("Projects by ").capitalize(),
                    "projects": "Projects",
                },
                hide_index=True,
                width="stretch",
            )
