"""The app's store and its cached reads.

One Store per process and database path (`st.cache_resource`). Reads are cached with
`st.cache_data` keyed on the database's data version, which every write bumps, so an import
shows on every page at once. Writes are never cached.

A page run reads at one data version, taken when the run starts (pin_data_version). A read
that finds the version moved on while it ran (an import committed meanwhile) is not cached and
raises PortfolioChanged; dashboard.py then reruns the page, so a page never shows figures from
before an import beside figures from after it.
"""

from __future__ import annotations

import functools
import os
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from portfolio import access, history, quality, queries, rollups, spend
from portfolio.filters import Filters
from portfolio.store import (
    DEFAULT_DB,
    FX_METHODS,
    Store,
    fx_method,
    open_store,
    portfolio_is_empty,
)


def db_path() -> str:
    return os.environ.get("AIDTRACK_DB") or str(DEFAULT_DB)


# DuckDB's share of the app's memory. Past it, a large read (a million projects converted to
# another currency as they are read) spills to disk and takes longer, rather than growing the
# process (DuckDB would take up to 80% of the machine).
DUCKDB_MEMORY = "1GB"


@st.cache_resource(show_spinner="Opening the portfolio…")
def _store(path: str) -> Store:
    is_new = not Path(path).exists()
    opened = open_store(path, memory_limit=DUCKDB_MEMORY)
    if is_new and portfolio_is_empty(opened):
        from loaders import sample

        sample.install(opened)
    return opened


def store() -> Store:
    """The store for this process, created with the sample portfolio on first run."""
    return _store(db_path())


def keep_figures_in(currency: str) -> None:
    """Have the write path keep every project's figures in `currency`, worked out now if they
    are not yet: seconds once at a million projects, rather than on every view in it."""
    if not rollups.wanted(_con(db_path()), currency):
        return
    with st.spinner(f"Working out every project's figures in {currency}: once, then views in it are quick."):
        rollups.keep(store(), currency)


def settle_figures() -> None:
    """Work out the figures an import left for after its write (portfolio.rollups.settle): the
    import is saved and every page shows it already, worked out live until this is done."""
    if not rollups.pending(_con(db_path())):
        return
    with st.spinner("Working out the figures the pages keep for the imported projects…"):
        rollups.settle(store())


PINNED = "data_version_of_this_run"


class PortfolioChanged(Exception):
    """The portfolio changed while a page was reading it; the page must be read again."""


def pin_data_version() -> None:
    """Called by dashboard.py at the start of every run: the version every read of the run uses."""
    st.session_state[PINNED] = store().data_version()


def conversion_method() -> str:
    """How this portfolio converts amounts, in words ("the ECB reference rate of each amount's own
    date"), for the captions that say so: the Exchange rates page changes it."""
    return FX_METHODS[fx_method(store())]


def data_version() -> int:
    """The version this run reads at (the latest outside a run, e.g. for a deferred download)."""
    try:
        return st.session_state[PINNED]
    except (KeyError, StreamlitAPIException):
        return store().data_version()


def cached_read(max_entries: int):
    """st.cache_data for a read `(path, version, ...)`, refusing to keep what another write's
    commit may have changed under it."""

    def decorate(read):
        @functools.wraps(read)
        def checked(path: str, version: int, *args):
            result = read(path, version, *args)
            if _store(path).data_version() != version:
                raise PortfolioChanged()
            return result

        return st.cache_data(show_spinner=False, max_entries=max_entries)(checked)

    return decorate


def _con(path: str):
    return _store(path).connection


@cached_read(512)
def _headline(path: str, version: int, filters: Filters, currency: str, today: date):
    return queries.headline(_con(path), filters, currency, today)


@cached_read(512)
def _breakdown(path: str, version: int, by: str, filters: Filters, currency: str) -> pd.DataFrame:
    return queries.breakdown(_con(path), by, filters, currency)


@cached_read(128)
def _project_table(path: str, version: int, filters: Filters, currency: str) -> pd.DataFrame:
    return queries.project_table(_con(path), filters, currency)


@cached_read(128)
def _project_detail(path: str, version: int, project_id: str, currency: str, public_only: bool):
    return queries.project_detail(_con(path), project_id, currency, public_only)


@cached_read(128)
def _activities(path: str, version: int, filters: Filters, kinds: tuple[str, ...]) -> pd.DataFrame:
    return queries.activities(_con(path), filters, kinds)


@cached_read(16)
def _filter_choices(path: str, version: int, public_only: bool) -> queries.FilterChoices:
    return queries.filter_choices(_con(path), public_only)


def headline(filters: Filters, currency: str = queries.REPORTING_CURRENCY) -> queries.Headline:
    return _headline(db_path(), data_version(), filters, currency, date.today())


def breakdown(by: str, filters: Filters, currency: str = queries.REPORTING_CURRENCY) -> pd.DataFrame:
    return _breakdown(db_path(), data_version(), by, filters, currency)


def project_table(filters: Filters, currency: str = queries.REPORTING_CURRENCY) -> pd.DataFrame:
    return _project_table(db_path(), data_version(), filters, currency)


def project_detail(project_id: str, currency: str = queries.REPORTING_CURRENCY, public_only: bool = False):
    return _project_detail(db_path(), data_version(), project_id, currency, public_only)


def activities(filters: Filters, kinds: tuple[str, ...] = ()) -> pd.DataFrame:
    return _activities(db_path(), data_version(), filters, tuple(kinds))


def filter_choices(public_only: bool = False) -> queries.FilterChoices:
    return _filter_choices(db_path(), data_version(), public_only)


@cached_read(4)
def _internal_fields(path: str, version: int) -> frozenset[str]:
    return access.internal_fields(_con(path))


def internal_fields() -> frozenset[str]:
    """The fields the portfolio's owner keeps from viewers."""
    return _internal_fields(db_path(), data_version())


@cached_read(128)
def _conversion_trace(path: str, version: int, project_id: str, currency: str) -> pd.DataFrame:
    return queries.conversion_trace(_con(path), project_id, currency)


def conversion_trace(project_id: str, currency: str) -> pd.DataFrame:
    return _conversion_trace(db_path(), data_version(), project_id, currency)


@cached_read(16)
def _rate_summary(path: str, version: int) -> pd.DataFrame:
    return queries.rate_summary(_con(path))


def rate_summary() -> pd.DataFrame:
    return _rate_summary(db_path(), data_version())


@cached_read(16)
def _unrated_currencies(path: str, version: int) -> pd.DataFrame:
    return queries.unrated_currencies(_con(path))


def unrated_currencies() -> pd.DataFrame:
    return _unrated_currencies(db_path(), data_version())


@cached_read(4)
def _currency_codes(path: str, version: int) -> frozenset[str]:
    return queries.currency_codes(_con(path))


def currency_codes() -> frozenset[str]:
    return _currency_codes(db_path(), data_version())


@cached_read(64)
def _rebased(path: str, version: int, filters: Filters) -> pd.DataFrame:
    return queries.rebased(_con(path), filters)


def rebased(filters: Filters) -> pd.DataFrame:
    return _rebased(db_path(), data_version(), filters)


# Rows of the Overview's detail tables (conversions, unconverted projects): the first this many.
DETAIL_ROWS = 1000


@cached_read(32)
def _budget_conversions(path: str, version: int, filters: Filters, currency: str) -> pd.DataFrame:
    return queries.budget_conversions(_con(path), filters, currency, limit=DETAIL_ROWS)


def budget_conversions(filters: Filters, currency: str) -> pd.DataFrame:
    return _budget_conversions(db_path(), data_version(), filters, currency)


@cached_read(4)
def _code_names(path: str, version: int) -> history.Names:
    return history.names(_con(path))


def code_names() -> history.Names:
    """What each country, region, sector and organisation code is called, for the change log."""
    return _code_names(db_path(), data_version())


@cached_read(64)
def _project_history(path: str, version: int, project_id: str) -> pd.DataFrame:
    return history.project_history(_con(path), project_id)


def project_history(project_id: str) -> pd.DataFrame:
    return _project_history(db_path(), data_version(), project_id)


@cached_read(32)
def _changes_between(path: str, version: int, since: date, until: date) -> dict[str, pd.DataFrame]:
    return history.changes_between(_con(path), since, until)


def changes_between(since: date, until: date) -> dict[str, pd.DataFrame]:
    return _changes_between(db_path(), data_version(), since, until)


@cached_read(32)
def _change_counts(path: str, version: int, since: date, until: date) -> dict[str, int]:
    return history.change_counts(_con(path), since, until)


def change_counts(since: date, until: date) -> dict[str, int]:
    return _change_counts(db_path(), data_version(), since, until)


@cached_read(32)
def _undone_imports(path: str, version: int, since: date, until: date) -> pd.DataFrame:
    return history.undone_imports(_con(path), since, until)


def undone_imports(since: date, until: date) -> pd.DataFrame:
    """Imports and edits from `since` to `until` that were undone (What changed leaves them out)."""
    return _undone_imports(db_path(), data_version(), since, until)


@cached_read(64)
def _project_quality(path: str, version: int, filters: Filters, today: date) -> pd.DataFrame:
    return quality.project_quality(_con(path), filters, today, with_problems_only=True)


def project_quality(filters: Filters) -> pd.DataFrame:
    return _project_quality(db_path(), data_version(), filters, date.today())


@cached_read(8)
def _quality_history(path: str, version: int) -> pd.DataFrame:
    return quality.score_history(_con(path))


def quality_history() -> pd.DataFrame:
    return _quality_history(db_path(), data_version())


@cached_read(64)
def _activity_counts(path: str, version: int, filters: Filters, kinds: tuple[str, ...]):
    return queries.activity_counts(_con(path), filters, kinds)


def activity_counts(filters: Filters, kinds: tuple[str, ...] = ()) -> queries.ActivityCounts:
    """How many events the filters match in all (activities() lists the first of them)."""
    return _activity_counts(db_path(), data_version(), filters, tuple(kinds))


@cached_read(64)
def _quality_totals(path: str, version: int, filters: Filters, today: date) -> quality.QualityTotals:
    return quality.quality_totals(_con(path), filters, today)


def quality_totals(filters: Filters) -> quality.QualityTotals:
    """The filtered portfolio's quality over every project (project_quality() lists the worst)."""
    return _quality_totals(db_path(), data_version(), filters, date.today())


@cached_read(64)
def _review_totals(path: str, version: int, filters: Filters, currency: str, today: date):
    return spend.review_totals(_con(path), filters, currency, today)


def review_totals(filters: Filters, currency: str) -> spend.ReviewTotals:
    """The spend review's sums and flag counts over every filtered project."""
    return _review_totals(db_path(), data_version(), filters, currency, date.today())


@cached_read(32)
def _flagged_review(
    path: str, version: int, filters: Filters, currency: str, today: date, flags: tuple[str, ...]
) -> pd.DataFrame:
    return spend.project_review(_con(path), filters, currency, today, flags=flags)


def flagged_review(filters: Filters, currency: str, flags: tuple[str, ...]) -> pd.DataFrame:
    """The spend review's projects with every one of `flags`, chosen among all the filtered
    projects (ui.project_review lists the most flagged of them all)."""
    return _flagged_review(db_path(), data_version(), filters, currency, date.today(), tuple(flags))


@cached_read(64)
def _spend_flags(path: str, version: int, project_id: str, currency: str, today: date) -> list[str]:
    return spend.project_flags(_con(path), project_id, currency, today)


def spend_flags(project_id: str, currency: str) -> list[str]:
    """What the spend review flags for one project, in its words."""
    return _spend_flags(db_path(), data_version(), project_id, currency, date.today())


@cached_read(32)
def _events_by_month(path: str, version: int, filters: Filters, kinds: tuple[str, ...]) -> pd.DataFrame:
    return queries.events_by_month(_con(path), filters, kinds)


def events_by_month(filters: Filters, kinds: tuple[str, ...] = ()) -> pd.DataFrame:
    return _events_by_month(db_path(), data_version(), filters, tuple(kinds))


@cached_read(32)
def _events_by_place(path: str, version: int, filters: Filters, kinds: tuple[str, ...]) -> pd.DataFrame:
    return queries.events_by_place(_con(path), filters, kinds)


def events_by_place(filters: Filters, kinds: tuple[str, ...] = ()) -> pd.DataFrame:
    return _events_by_place(db_path(), data_version(), filters, tuple(kinds))


@cached_read(32)
def _events_by_country(path: str, version: int, filters: Filters, kinds: tuple[str, ...]) -> pd.DataFrame:
    return queries.events_by_country(_con(path), filters, kinds)


def events_by_country(filters: Filters, kinds: tuple[str, ...] = ()) -> pd.DataFrame:
    return _events_by_country(db_path(), data_version(), filters, tuple(kinds))


@cached_read(32)
def _unconverted(path: str, version: int, filters: Filters, currency: str) -> pd.DataFrame:
    return queries.unconverted(_con(path), filters, currency, limit=DETAIL_ROWS)


def unconverted(filters: Filters, currency: str) -> pd.DataFrame:
    """The filtered projects whose budget has no rate into `currency`."""
    return _unconverted(db_path(), data_version(), filters, currency)


def read_ahead_overview() -> None:
    """Open the store and read what the Overview shows first: no filter, the default currency.

    serve.py calls this on a thread as the server starts, while the first visitor's browser loads
    Streamlit's page (about a second), so that visitor's first page finds the portfolio open and
    its figures read (half a second at a million projects). A viewer who sees only public
    projects, or another filter, reads as usual.
    """
    filters = Filters()
    internal_fields()
    filter_choices(public_only=False)
    headline(filters)
    for by in ("funder", "implementer", "country", "sector", "year"):
        breakdown(by, filters)
    rebased(filters)
