"""A portfolio's own exchange rates (say, monthly accounting rates) from a sheet: currency,
date or month, rate. They take precedence over the ECB's for the days they cover."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pandas as pd

from loaders import values
from loaders.headers import normalise
from loaders.problems import ERROR, Problem, UnreadableFile
from loaders.workbook import read_bytes

HEADERS = {
    "currency": ("currency", "ccy", "currency code", "code", "iso code"),
    "when": ("date", "rate date", "valid from", "day", "month", "period", "value date"),
    "per_eur": ("rate", "per eur", "units per eur", "exchange rate", "eur rate", "rate per eur", "fx rate"),
    "eur_per_unit": ("eur per unit", "value in eur", "in eur", "eur equivalent"),
}
LOOKUP = {phrase: field for field, phrases in HEADERS.items() for phrase in phrases}


@dataclass
class Rates:
    rates: pd.DataFrame  # currency, valid_from, valid_to, per_eur
    problems: list[Problem]


def read_rates(data: bytes, file_name: str, currencies: frozenset[str]) -> Rates:
    """The rates in the first sheet with a currency column and a rate column."""
    book = read_bytes(data, file_name)
    for sheet in book.sheets:
        for at, row in enumerate(sheet.rows[:20]):
            fields = {LOOKUP.get(normalise(c)): i for i, c in enumerate(row) if isinstance(c, str)}
            fields.pop(None, None)
            if (
                "currency" in fields
                and "when" in fields
                and ("per_eur" in fields or "eur_per_unit" in fields)
            ):
                return _rows(file_name, sheet.name, sheet.rows, at, fields, currencies)
    raise UnreadableFile(
        file_name,
        "has no header row with a currency, a date (or month) and a rate column, such as "
        "'Currency | Month | Rate per EUR'.",
    )


def _rows(file_name, sheet, rows, at, fields, currencies) -> Rates:
    header = rows[at]
    found, problems = [], []

    def problem(number, field, message):
        problems.append(Problem(message, ERROR, file_name, sheet, number, str(header[fields[field]])))

    for offset, cells in enumerate(rows[at + 1 :]):
        number = at + 2 + offset
        cells = list(cells) + [None] * (len(header) - len(cells))
        if all(values.is_blank(c) for c in cells):
            continue
        currency = str(cells[fields["currency"]] or "").strip().upper()
        if currency not in currencies or currency == "EUR":
            problem(
                number, "currency", f"'{currency}' is not an ISO currency code other than EUR; row left out."
            )
            continue
        when = cells[fields["when"]]
        start, end = values.parse_date(when), values.parse_date(when, end=True)
        if start.value is None:
            problem(number, "when", start.problem or "No date or month; row left out.")
            continue
        rate = _rate(cells, fields)
        if rate is None:
            column = "per_eur" if "per_eur" in fields else "eur_per_unit"
            problem(number, column, "The rate is not a number above 0; row left out.")
            continue
        found.append(
            {"currency": currency, "valid_from": start.value, "valid_to": end.value, "per_eur": rate}
        )
    frame = pd.DataFrame(found, columns=["currency", "valid_from", "valid_to", "per_eur"])
    twice = frame.duplicated(["currency", "valid_from"], keep="first")
    if twice.any():
        problems.append(
            Problem(
                f"{int(twice.sum())} rate(s) repeat a currency and date given earlier; only the first "
                "is kept.",
                ERROR,
                file_name,
                sheet,
            )
        )
    return Rates(frame[~twice].reset_index(drop=True), problems)


def _rate(cells, fields) -> Decimal | None:
    """Units of the currency for one euro, to six places; from 'EUR per unit' by inverting."""
    try:
        if "per_eur" in fields and not values.is_blank(cells[fields["per_eur"]]):
            rate = Decimal(str(cells[fields["per_eur"]]).replace(",", ".").strip())
        else:
            rate = 1 / Decimal(str(cells[fields["eur_per_unit"]]).replace(",", ".").strip())
    except (InvalidOperation, ZeroDivisionError, ValueError):
        return None
    if not rate.is_finite() or rate <= 0:
        return None
    return rate.quantize(Decimal("0.000001"))
