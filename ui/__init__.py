"""The only non-page code that imports streamlit: the cached store, cached reads, filters, formats."""

from portfolio.store import StoreError
from ui.db import (
    activities,
    breakdown,
    conversion_trace,
    data_version,
    filter_choices,
    headline,
    project_detail,
    project_table,
    store,
)
from ui.filters import current_filters, reporting_currency, sidebar_filters
from ui.format import (
    count,
    known,
    money,
    money_columns,
    or_unknown,
    short_money,
    source_of,
    split_note,
    unknowns_shown,
)
from ui.imports import (
    CURRENCY_CHOICES,
    XLSX,
    fixme_workbook,
    import_changes,
    import_log,
    import_preview,
    portfolio_iati,
    portfolio_workbook,
    template_workbook,
    user_name,
)
from ui.navigation import through_dashboard
from ui.spend import project_review, review_by, table_workbook

__all__ = [
    "conversion_trace",
    "project_review",
    "review_by",
    "table_workbook",
    "reporting_currency",
    "through_dashboard",
    "CURRENCY_CHOICES",
    "XLSX",
    "fixme_workbook",
    "import_changes",
    "import_log",
    "import_preview",
    "portfolio_iati",
    "portfolio_workbook",
    "template_workbook",
    "user_name",
    "count",
    "StoreError",
    "activities",
    "breakdown",
    "current_filters",
    "data_version",
    "filter_choices",
    "headline",
    "known",
    "money",
    "money_columns",
    "or_unknown",
    "project_detail",
    "project_table",
    "short_money",
    "source_of",
    "sidebar_filters",
    "split_note",
    "unknowns_shown",
    "store",
]
