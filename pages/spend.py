"""Spend review: budget against commitments, disbursements and expenditure, with what needs a look."""

from datetime import date

import pandas as pd
import streamlit as st

import ui
from portfolio import charts, spend
from ui.db import flagged_review
from ui.filters import filters_in_words
from ui.format import UNKNOWN

ui.through_dashboard("spend")

CURRENCY = ui.reporting_currency()
FLAGS = {
    "ahead": "Spending ahead of time",
    "little_spent": "Little spent near the end",
    "money_after_end": "Money after the end date",
    "contributions_off": "Contributions do not match the budget",
    "no_rate": "Amounts with no rate",
    "spent_negative": "More came back than was spent",
}

# "Spent" is one figure everywhere (expenditure, else disbursements): expenditure alone is not it.
MONEY = {
    "budget": "Budget",
    "commitments": "Committed",
    "disbursements": "Disbursed",
    "expenditure": "Expenditure",
    "spent": "Spent",
    "remaining": "Remaining",
}


def money(label: str):
    return st.column_config.NumberColumn(f"{label} ({CURRENCY})", format="accounting")


filters = ui.current_filters()
review = ui.project_review(filters, CURRENCY)

st.title("Spend review")
st.caption(
    f"Budget against money committed, disbursed and spent, in {CURRENCY} at {ui.conversion_method()}. "
    "Spent is expenditure where a project reports any, else disbursements; "
    f"burn rate is spent over budget, set against the share of the project's time elapsed on "
    f"{date.today():%d %b %Y}."
)
# A filter chooses projects; their figures stay whole. Named on the page: on a phone the sidebar is
# folded away, and a funder's or a year's part is easily taken for what the filter shows.
by_year = filters.year_from is not None or filters.year_to is not None
if filters.is_narrowed():
    by_part = filters.funders or filters.implementers or filters.countries or filters.sectors
    st.info(
        f"Filtered: {filters_in_words(filters)}."
        + (
            " Each project is counted whole, its whole budget and every transaction, not only the part "
            "of the chosen funders, countries, sectors or years: Review by Funder or Year splits them."
            if by_part or by_year
            else ""
        ),
        icon=":material/filter_alt:",
    )
total = ui.headline(filters, CURRENCY)
# Over every filtered project: the table below lists the most flagged 5,000.
totals = ui.review_totals(filters, CURRENCY)
# Three to a row: five abreast, 'EUR 202.3bn' was cut to 'EUR 202.…' on a 1,400-pixel screen.
cols = st.columns(3) + st.columns(3)
# Nothing recorded or nothing converted is nothing added up, not a budget of 0.00: said as the Overview
# says it.
cols[0].metric(
    "Budget",
    UNKNOWN if total.total is None else ui.short_money(total.total, CURRENCY),
    help=ui.budget_total_help(total, CURRENCY),
)
# No transaction of a kind is not a sum of 0: it says none is recorded (or none has a rate).
NONE = spend.no_transaction(totals)
for col, (label, amount, kind, meaning) in zip(
    cols[1:5],
    [
        ("Committed", totals.commitments, "commitment", ""),
        ("Disbursed", totals.disbursements, "disbursement", ""),
        ("Expenditure", totals.expenditure, "expenditure", ""),
        (
            "Spent",
            totals.spent,
            "expenditure or disbursement",
            ": expenditure where a project reports any, else its disbursements",
        ),
    ],
    strict=True,
):
    if amount is None:
        col.metric(label, NONE, help=f"No {kind} of these projects is recorded with a rate for {CURRENCY}.")
    else:
        col.metric(label, ui.short_money(amount, CURRENCY), help=ui.money(amount, CURRENCY) + meaning)
if total.without_budget:
    st.info(ui.without_budget_note(total), icon=":material/info:")
if total.unconverted:
    st.info(
        f"{ui.count(total.unconverted, 'project')} could not be converted to {CURRENCY} (no rate for "
        "the budget's date): left out of the budget, and flagged in the table.",
        icon=":material/info:",
    )
if totals.unconverted:
    st.info(
        f"{ui.count(totals.unconverted, 'transaction')} in {totals.unconverted_currencies} "
        f"{'has' if totals.unconverted == 1 else 'have'} no rate for {CURRENCY} on "
        f"{'its' if totals.unconverted == 1 else 'their'} date: left out of Committed, Disbursed, "
        "Expenditure and Spent, here and in every table below, never counted as zero; flagged in the table.",
        icon=":material/info:",
    )
if totals.flagged:
    st.warning(
        f"**{totals.flagged:,} of {totals.projects:,} projects need a look**: see the flags in the table."
    )
else:
    st.success(
        "The project is not flagged."
        if totals.projects == 1
        else f"None of the {totals.projects:,} projects is flagged."
    )

view = st.segmented_control(
    "Review by", ["Project", "Funder", "Implementer", "Year"], default="Project", key="spend_view"
)
note = f"aidtrack spend review, {CURRENCY}, {date.today():%d %b %Y}"
if view in (None, "Project"):
    shown_flags = st.multiselect(
        "Show only projects flagged for", list(FLAGS), format_func=FLAGS.get, placeholder="Any flag or none"
    )
    # Chosen among every filtered project, not among the most flagged 5,000 the table lists.
    rows = flagged_review(filters, CURRENCY, tuple(shown_flags)) if shown_flags else review
    if shown_flags:
        matching = int(rows["matching_projects"].iloc[0]) if len(rows) else 0
        flagged_for = " and ".join(FLAGS[flag].lower() for flag in shown_flags)
        listed = matching
        st.caption(
            f"{matching:,} of {totals.projects:,} projects flagged for {flagged_for}"
            + (f"; the {len(rows):,} most flagged are listed." if matching > len(rows) else ".")
            if matching
            else f"The project is not flagged for {flagged_for}."
            if totals.projects == 1
            else f"None of the {totals.projects:,} projects is flagged for {flagged_for}."
        )
    else:
        listed = totals.projects
        if totals.projects > len(review):
            st.caption(f"The {len(review):,} most flagged of {totals.projects:,} projects.")
    table = rows[
        [
            "project_id",
            "title",
            "flag_text",
            "status",
            "budget",
            "commitments",
            "disbursements",
            "expenditure",
            "remaining",
            "burn",
            "elapsed",
        ]
    ].assign(link=[ui.project_link(pid) for pid in rows["project_id"]])
    # The amounts stay numbers, so that a click on a column sorts them by size; a blank amount is
    # said why beside them (no budget, no rate, no such transaction).
    labels = {c: label for c, label in MONEY.items() if c in table}
    shown = table.copy()
    shown.insert(
        shown.columns.get_loc("remaining") + 1, "blank", ui.blank_amounts(spend.why_missing(rows), labels)
    )
    st.dataframe(
        ui.unknowns_shown(shown, ["status"]),
        column_config={
            "project_id": "ID",
            "title": st.column_config.TextColumn("Project", width="medium"),
            "status": "Status",
            **{c: money(label) for c, label in MONEY.items()},
            "blank": st.column_config.TextColumn("Blank amounts", width="medium"),
            "burn": st.column_config.ProgressColumn("Spent", format="percent", min_value=0, max_value=1),
            "elapsed": st.column_config.ProgressColumn(
                "Time elapsed", format="percent", min_value=0, max_value=1
            ),
            "flag_text": st.column_config.TextColumn("Needs a look", width="large"),
            "link": st.column_config.LinkColumn("Open", display_text="Open project"),
        },
        hide_index=True,
        width="stretch",
    )
    download = table.drop(columns="link")
    # The workbook holds the rows listed: say so where they are not all the projects.
    download_help = (
        f"The {len(rows):,} projects listed, not all {listed:,}: narrow them with the filters."
        if listed > len(rows)
        else None
    )
else:
    download_help = None
    by = view.lower()
    rows = ui.review_by(by, filters, CURRENCY)
    if by == "year":
        stack = st.segmented_control(
            "Stack the years by",
            ["Funder", "Country"],
            key="stack_by",
            help="Leave empty to compare the columns.",
        )
        if stack:
            left, right = st.columns(2)
            for column, what, label in ((left, "budget", "Budget"), (right, "spent", "Spent")):
                split = ui.by_year_and(what, stack.lower(), filters, CURRENCY)
                column.markdown(f"**{label} by year and {stack.lower()}**")
                column.altair_chart(charts.stacked_by_year(split, what, CURRENCY), width="stretch")
            st.caption(
                f"Budgets by their periods, spending by transaction date; each split over "
                f"{stack.lower()}s by the project's shares (equal where none are recorded)."
            )
        else:
            st.altair_chart(charts.spend_by_year(rows, CURRENCY), width="stretch")
    shown = rows.drop(columns="key")
    if by != "year":  # every year has its money, 0.00 where none of a kind
        # A funder with no budget counted, or no spending, is said, not left a grey 'None' alone.
        reasons = pd.DataFrame({"budget": UNKNOWN, "spent": NONE}, index=rows.index)
        shown["blank"] = ui.blank_amounts(reasons.where(rows[["budget", "spent"]].isna(), None), MONEY)
    st.dataframe(
        shown,
        column_config={
            "name": view,
            **{c: money(label) for c, label in MONEY.items()},
            "blank": st.column_config.TextColumn("Blank amounts"),
        },
        hide_index=True,
        width="stretch",
    )
    if by != "year":
        st.caption(
            f"Budget and spending split over {by}s by the same shares (recorded contributions, else "
            "equal); both columns add up to the portfolio's totals."
        )
    else:
        # The year rows are on two bases, and a year filter chooses projects, not years: a project
        # running 2019-2021 brings its 2018 and 2022 money with it. Unsaid, a row outside the filter's
        # years, or a year's budget beside that year's spending, read as an error.
        st.caption(
            "Budget by the years its periods start in (without periods, spread over the project's days); "
            "committed, disbursed and spent by transaction date, so a year's spending is not measured "
            "against that year's budget. Every column adds up to the totals above"
            + (", over all the years of the projects the filter chooses." if by_year else ".")
        )
    download = rows.drop(columns="key").rename(columns={"name": view})
# The workbook's headers are the table's, with the currency: not the query's column names.
HEADERS = {
    "project_id": "ID",
    "title": "Project",
    "flag_text": "Needs a look",
    "status": "Status",
    **{c: f"{label} ({CURRENCY})" for c, label in MONEY.items()},
    "burn": "Spent (share of budget)",
    "elapsed": "Time elapsed (share)",
}
download = download.rename(columns=HEADERS)
st.download_button(
    f"Download these {len(download):,} projects (xlsx)" if download_help else "Download this table (xlsx)",
    help=download_help,
    # Built when asked for: building it on every run cost a third of a second at 5,000 rows.
    data=lambda: ui.table_workbook(download, "Spend review", note),
    file_name=f"aidtrack-spend-review-{(view or 'project').lower()}.xlsx",
    mime=ui.XLSX,
    icon=":material/download:",
)
