"""The shared sidebar filters, kept in the session and mirrored in the URL's query parameters.

A filtered view is a link: opening it sets the filters from the URL; changing a filter
rewrites the URL. Unknown values in a URL are ignored rather than failing the page.
"""

from __future__ import annotations

import streamlit as st

from portfolio.filters import Filters
from portfolio.queries import REPORTING_CURRENCY
from ui import access, db
from ui.format import literal

# URL parameter -> Filters field, for the multi-choice filters.
CHOICE_PARAMS = {
    "funder": "funders",
    "implementer": "implementers",
    "country": "countries",
    "sector": "sectors",
    "status": "statuses",
}
LABELS = {
    "funders": "Funder",
    "implementers": "Implementing agency",
    "countries": "Beneficiary country or region",
    "sectors": "Sector",
    "statuses": "Status",
}


def _year(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _from_url(choices) -> None:
    """First run of a session: take the filters from the URL."""
    params = st.query_params
    for param, field in CHOICE_PARAMS.items():
        allowed = getattr(choices, field)
        st.session_state[f"filter_{field}"] = [v for v in params.get_all(param) if v in allowed]
    if choices.first_year is not None:
        low = _year(params.get("from")) or choices.first_year
        high = _year(params.get("to")) or choices.last_year
        low = min(max(low, choices.first_year), choices.last_year)
        high = max(min(high, choices.last_year), low)
        st.session_state["filter_years"] = (low, high)
    st.session_state["filter_text"] = params.get("q", "")
    st.session_state["filter_illustrative"] = params.get("illustrative", "yes") != "no"
    currency = (params.get("currency") or REPORTING_CURRENCY).upper()
    st.session_state["reporting_currency"] = (
        currency if currency in choices.currencies else REPORTING_CURRENCY
    )


def _to_url(filters: Filters) -> None:
    wanted: dict[str, str | list[str]] = {}
    for param, field in CHOICE_PARAMS.items():
        if getattr(filters, field):
            wanted[param] = list(getattr(filters, field))
    if filters.year_from is not None:
        wanted["from"] = str(filters.year_from)
    if filters.year_to is not None:
        wanted["to"] = str(filters.year_to)
    if filters.text:
        wanted["q"] = filters.text
    if not filters.include_illustrative:
        wanted["illustrative"] = "no"
    currency = st.session_state.get("reporting_currency", REPORTING_CURRENCY)
    if currency != REPORTING_CURRENCY:
        wanted["currency"] = currency
    for param in [*CHOICE_PARAMS, "from", "to", "q", "illustrative", "currency"]:
        if param in wanted:
            if st.query_params.get_all(param) != (
                wanted[param] if isinstance(wanted[param], list) else [wanted[param]]
            ):
                st.query_params[param] = wanted[param]
        elif param in st.query_params:
            del st.query_params[param]


def sidebar_filters() -> Filters:
    """Draw the filters in the sidebar and return what they select."""
    seen = access.audience()
    choices = db.filter_choices(seen.public_only)
    if "filter_text" not in st.session_state:
        _from_url(choices)
    with st.sidebar:
        st.selectbox(
            "Reporting currency",
            choices.currencies,
            key="reporting_currency",
            help=f"Every amount is converted to this currency at {db.conversion_method()}, where an "
            "amount's date is its transaction date, else its budget period's start, else its project's "
            "start. Rates of your own, on the Exchange rates page, come before the ECB's.",
        )
        st.subheader("Filter the portfolio")
        for field, label in LABELS.items():
            options = getattr(choices, field)
            st.multiselect(
                label,
                options=list(options),
                format_func=lambda code, options=options: options.get(code, code),
                key=f"filter_{field}",
                placeholder="All",
            )
        year_from = year_to = None
        if choices.first_year is not None and choices.first_year < choices.last_year:
            low, high = st.session_state.get("filter_years", (choices.first_year, choices.last_year))
            # An import can move the portfolio's years; keep the chosen range inside them.
            st.session_state["filter_years"] = (
                min(max(low, choices.first_year), choices.last_year),
                max(min(high, choices.last_year), choices.first_year),
            )
            low, high = st.slider(
                "Years (project running)",
                min_value=choices.first_year,
                max_value=choices.last_year,
                key="filter_years",
            )
            year_from = low if low > choices.first_year else None
            year_to = high if high < choices.last_year else None
        searched = (
            "titles, organisations"
            if seen.withholds("descriptions")
            else "titles, descriptions, organisations"
        )
        text = st.text_input(f"Search {searched}", key="filter_text")
        include_illustrative = st.toggle(
            "Include illustrative projects",
            key="filter_illustrative",
            help="The sample portfolio adds generated projects to the seed page's real ones. "
            "They are marked 'Illustrative' everywhere.",
        )
    filters = Filters(
        **{field: tuple(st.session_state[f"filter_{field}"]) for field in LABELS},
        year_from=year_from,
        year_to=year_to,
        text=text.strip(),
        include_illustrative=include_illustrative,
    )
    _to_url(filters)
    st.session_state["filters"] = access.shown(filters)
    return st.session_state["filters"]


def reporting_currency() -> str:
    """The currency every figure is shown in (sidebar and URL `currency`; EUR by default). The
    first view in a currency whose figures are not kept yet works them out (keep_figures_in)."""
    currency = st.session_state.get("reporting_currency", REPORTING_CURRENCY)
    db.keep_figures_in(currency)
    return currency


def current_filters() -> Filters:
    """The filters the sidebar set on this run (pages call this; the entry point draws them)."""
    return st.session_state.get("filters") or access.shown(Filters())


def filters_in_words(filters: Filters) -> str:
    """What the filters narrow the portfolio to, by name ('Funder: EU, Germany; running in 2018 to
    2020'), for pages to say on the page itself: on a phone the sidebar is folded away."""
    choices = db.filter_choices(filters.public_only)
    parts = []
    for field, label in LABELS.items():
        chosen = getattr(filters, field)
        if chosen:
            names = getattr(choices, field)
            parts.append(f"{label}: " + ", ".join(literal(names.get(code, code)) for code in chosen))
    if filters.year_from is not None or filters.year_to is not None:
        low = filters.year_from or choices.first_year
        high = filters.year_to or choices.last_year
        parts.append(f"running in {low}" if low == high else f"running in {low} to {high}")
    if filters.text:
        parts.append(f"matching '{literal(filters.text)}'")
    return "; ".join(parts)
