"""Overview: the portfolio at a glance for stakeholders."""

import streamlit as st

import ui
from portfolio import charts
from ui.filters import filters_in_words
from ui.format import UNKNOWN

ui.through_dashboard("overview")

CURRENCY = ui.reporting_currency()

filters = ui.current_filters()
seen = ui.audience()
head = ui.headline(filters, CURRENCY)
# Where a viewer may not see amounts, the charts count projects instead of adding budgets.
COUNTED = seen.withholds("amounts")

st.title("Portfolio overview")
scope = "the filtered portfolio" if filters.is_narrowed() else "the whole portfolio"
if not filters.include_illustrative:
    scope += " (illustrative projects left out)"
# On a phone the sidebar is folded away: a shared link's filters must be named on the page.
if filters.is_narrowed():
    st.info(f"Filtered: {filters_in_words(filters)}.", icon=":material/filter_alt:")
if seen.public_only:
    scope = f"the public projects of {scope}"
if COUNTED:
    st.caption(f"Counting {scope}: amounts are withheld, so the charts show numbers of projects.")
else:
    # A filter chooses projects; their budgets stay whole. Said as the Spend review says it: filtered by
    # a funder, the total and the charts hold its projects' whole budgets, co-funders' money too.
    by_part = filters.funders or filters.implementers or filters.countries or filters.sectors
    by_year = filters.year_from is not None or filters.year_to is not None
    st.caption(
        f"Budgets of {scope} in {CURRENCY}, converted at {ui.conversion_method()} (or your own rates "
        "where you imported them). Each project is counted once; charts split its budget by recorded shares."
        + (
            " Each matching project is counted whole, its whole budget, not only the part of the chosen "
            "funders, implementers, countries, sectors or years: the charts show how it splits."
            if by_part or by_year
            else ""
        )
    )

if head.projects == 0 and not filters.is_narrowed() and filters.include_illustrative:
    # A new database: zeros and "no project matches the filters" would read as a broken page.
    st.info(
        "The portfolio has no projects yet."
        + (
            " Add them on the Import page: a spreadsheet, aidtrack's template or an IATI file."
            if ui.may("imports")
            else ""
        ),
        icon=":material/info:",
    )
    if ui.may("imports"):
        st.page_link("pages/imports.py", label="Import projects", icon=":material/upload_file:")
    st.stop()


def counted(n: int) -> str:
    """A count of organisations or countries: where no project records any, it is not known."""
    return f"{n:,}" if n or not head.projects else UNKNOWN


cols = st.columns(3) + st.columns(3)
cols[0].metric("Public projects" if seen.public_only else "Projects", f"{head.projects:,}")
if COUNTED:
    cols[1].metric("Total budget", ui.WITHHELD)
else:
    cols[1].metric(
        "Total budget",
        UNKNOWN if head.total is None else ui.short_money(head.total, CURRENCY),
        help=ui.budget_total_help(head, CURRENCY),
    )
cols[2].metric("Funders", counted(head.funders))
cols[3].metric("Implementing agencies", counted(head.implementers))
cols[4].metric("Beneficiary countries", f"{head.countries:,}")
cols[5].metric("Active now", f"{head.active:,}", help="Projects in implementation today.")

notes = []
if head.without_budget and not COUNTED:
    notes.append(ui.without_budget_note(head))
if head.unconverted and not COUNTED:
    notes.append(
        f"{ui.count(head.unconverted, 'project')} could not be converted to {CURRENCY} "
        + (
            "(no rate for its date) and is left out of the total."
            if head.unconverted == 1
            else "(no rate for their date) and are left out of the total."
        )
    )
if head.illustrative:
    notes.append(
        f"{head.illustrative:,} of {head.projects:,} projects are **illustrative** "
        "(generated sample data, not real projects); switch them off in the sidebar "
        "to see only the seed page's projects."
    )
for note in notes:
    st.info(note, icon=":material/info:")
# The detail tables below are read and sent only once opened: few stakeholders open them, and
# at a million projects they are most of what the page would read and send.
if head.unconverted and not COUNTED:
    with st.expander(
        f"Not converted to {CURRENCY}: {ui.count(head.unconverted, 'project')}",
        key="overview_unconverted",
        on_change="rerun",
    ) as listed:
        if listed.open:
            st.dataframe(
                ui.unconverted(filters, CURRENCY),
                column_config={
                    "project_id": "ID",
                    "title": st.column_config.TextColumn("Project", width="large"),
                    "currency": "Currency",
                    "budget": st.column_config.NumberColumn("Budget (own currency)", format="accounting"),
                },
                hide_index=True,
                width="stretch",
            )
            st.caption(
                "Open a project to see which of its amounts has no rate, and for which date."
                + (f" The first {ui.DETAIL_ROWS:,} are listed." if head.unconverted > ui.DETAIL_ROWS else "")
            )

if head.projects == 0:
    st.warning("No project matches the filters.")
    st.stop()


if COUNTED:
    ui.project_counts(filters)
    st.stop()

# With no budget in the reporting currency every chart would be empty ('NaN' axes, a bare map).
if not head.with_budget:
    st.info(
        f"Nothing to chart: no budget of these projects could be converted to {CURRENCY}."
        if head.unconverted
        else "Nothing to chart: none of these projects has a recorded budget.",
        icon=":material/info:",
    )
    st.stop()

left, right = st.columns(2)
with left:
    st.subheader("Budget by funder")
    by_funder = ui.breakdown("funder", filters, CURRENCY)
    st.altair_chart(charts.ranked_bars(by_funder, CURRENCY), width="stretch")
    st.caption(ui.split_note(by_funder, "funder", CURRENCY))
with right:
    st.subheader("Budget by implementing agency")
    by_implementer = ui.breakdown("implementer", filters, CURRENCY)
    st.altair_chart(charts.ranked_bars(by_implementer, CURRENCY), width="stretch")
    st.caption(ui.split_note(by_implementer, "implementer", CURRENCY))

st.subheader("Budget by beneficiary country")
by_country = ui.breakdown("country", filters, CURRENCY)
map_col, bar_col = st.columns([3, 2])
with map_col:
    st.altair_chart(charts.choropleth(by_country, CURRENCY), width="stretch")
with bar_col:
    st.altair_chart(charts.ranked_bars(by_country, CURRENCY), width="stretch")
st.caption(ui.split_note(by_country, "country", CURRENCY))
regional = charts.not_on_map(by_country)
if not regional.empty:
    st.caption(
        "Not on the map: "
        + "; ".join(f"{r.name} {ui.money(r.amount, CURRENCY)}" for r in regional.itertuples())
        + "."
    )

left, right = st.columns(2)
with left:
    st.subheader("Budget by sector")
    by_sector = ui.breakdown("sector", filters, CURRENCY)
    st.altair_chart(charts.ranked_bars(by_sector, CURRENCY), width="stretch")
    st.caption(ui.split_note(by_sector, "sector", CURRENCY))
with right:
    st.subheader("Budget by year")
    by_year = ui.breakdown("year", filters, CURRENCY)
    st.altair_chart(charts.year_bars(by_year, CURRENCY), width="stretch")
    st.caption(
        "Each year gets the budget periods starting in it; without periods, the budget is spread "
        f"over the project's days. Parts add up to {ui.money(by_year['amount'].sum(), CURRENCY)}."
    )

rebased = ui.rebased(filters)
if len(rebased):
    with st.expander(
        f"Shares scaled to 100% ({ui.count(rebased['project_id'].nunique(), 'project')})",
        key="overview_rebased",
        on_change="rerun",
    ) as listed:
        if listed.open:
            st.caption(
                "These projects' recorded shares do not add up to 100% (or their funders' contributions "
                "to the budget); the charts split each one's whole budget in proportion to them."
            )
            st.dataframe(
                rebased,
                column_config={
                    "project_id": "ID",
                    "title": st.column_config.TextColumn("Project", width="large"),
                    "shares": "Shares",
                    "recorded": st.column_config.NumberColumn("Add up to %", format="%.2f"),
                },
                hide_index=True,
                width="stretch",
            )

with st.expander(
    f"How every budget was converted to {CURRENCY}", key="overview_conversions", on_change="rerun"
) as listed:
    if listed.open:
        conversions = ui.budget_conversions(filters, CURRENCY)
        st.caption(
            "Each budget amount of the projects shown, with the rate it was converted at, the rate's "
            "date and source. Open a project for its transactions too."
            + (
                f" The first {len(conversions):,} amounts are shown."
                if len(conversions) >= ui.DETAIL_ROWS
                else ""
            )
        )
        ui.conversions_table(conversions, CURRENCY)

with st.expander("The figures behind the charts", key="overview_figures", on_change="rerun") as listed:
    if listed.open:
        for label, rows in [
            ("Funder", by_funder),
            ("Implementing agency", by_implementer),
            ("Country or region", by_country),
            ("Sector", by_sector),
            ("Year", by_year),
        ]:
            st.markdown(f"**{label}**")
            st.dataframe(
                rows[["name", "amount", "projects", "estimated"]],
                column_config={
                    "name": label,
                    **ui.money_columns(rows, CURRENCY),
                    "projects": "Projects",
                    "estimated": st.column_config.CheckboxColumn("Partly estimated"),
                },
                hide_index=True,
                width="stretch",
            )
