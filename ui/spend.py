"""The spend review's cached reads and its download.

loaders is imported where it is used: it takes a tenth of a second to import (spreadsheet
libraries, country names), and most page runs never read or write a spreadsheet.
"""

from __future__ import annotations

import io
from datetime import date

import pandas as pd

from portfolio import spend
from portfolio.filters import Filters
from ui.db import _con, cached_read, data_version, db_path


@cached_read(64)
def _project_review(path: str, version: int, filters: Filters, currency: str, today: date) -> pd.DataFrame:
    return spend.project_review(_con(path), filters, currency, today)


def project_review(filters: Filters, currency: str) -> pd.DataFrame:
    return _project_review(db_path(), data_version(), filters, currency, date.today())


@cached_read(64)
def _review_by(path: str, version: int, by: str, filters: Filters, currency: str) -> pd.DataFrame:
    return spend.review_by(_con(path), by, filters, currency)


def review_by(by: str, filters: Filters, currency: str) -> pd.DataFrame:
    return _review_by(db_path(), data_version(), by, filters, currency)


def table_workbook(frame: pd.DataFrame, sheet_name: str, note: str) -> bytes:
    from loaders import template

    out = io.BytesIO()
    template.write_table(out, frame, sheet_name, note)
    return out.getvalue()


@cached_read(32)
def _by_year_and(
    path: str, version: int, what: str, by: str, filters: Filters, currency: str
) -> pd.DataFrame:
    split = spend.budget_by_year_and if what == "budget" else spend.spent_by_year_and
    return split(_con(path), by, filters, currency)


def by_year_and(what: str, by: str, filters: Filters, currency: str) -> pd.DataFrame:
    """Budget or spending per year, split over funders or countries."""
    return _by_year_and(db_path(), data_version(), what, by, filters, currency)
