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


def read_rates(
    data: bytes, file_name: str, currencies: frozenset[str], stored: pd.DataFrame | None = None
) -> Rates:
    """The rates in the first sheet with a currency column and a rate column.

    A row whose days overlap an earlier row's for the same currency, or a stored rate's (one with
    the same currency and first day is replaced, not overlapped), is left out: an amount on a
    day two rates cover would be converted twice."""
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
                return _rows(file_name, sheet.name, sheet.rows, at, fields, currencies, stored)
    raise UnreadableFile(
        file_name,
        "has no header row with a currency, a date (or month) and a rate column, such as "
        "'Currency | Month | Rate per EUR'.",
    )


def _rows(file_name, sheet, rows, at, fields, currencies, stored) -> Rates:
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
        earlier = next(
            (
                f
                for f in found
                if f["currency"] == currency and f["valid_from"] <= end.value and start.value <= f["valid_to"]
            ),
            None,
        )
        if earlier is not None:
            problem(
                number,
                "when",
                f"{currency} {_days(start.value, end.value)} overlaps the rate in row {earlier['row']} "
                f"({_days(earlier['valid_from'], earlier['valid_to'])}); a day has one rate, so this row "
                "is left out.",
            )
            continue
        found.append(
            {
                "currency": currency,
                "valid_from": start.value,
                "valid_to": end.value,
                "per_eur": rate,
                "row": number,
            }
        )
    if stored is not None and len(stored):
        found = _not_overlapping_stored(found, stored, problem)
    frame = pd.DataFrame(found, columns=["currency", "valid_from", "valid_to", "per_eur"])
    return Rates(frame.reset_index(drop=True), problems)


def _days(first, last) -> str:
    return f"on {first}" if first == last else f"from {first} to {last}"


def _not_overlapping_stored(found: list[dict], stored: pd.DataFrame, problem) -> list[dict]:
    """The rows that overlap no stored rate other than those they replace (same currency and first day)."""
    stored = stored.assign(
        valid_from=pd.to_datetime(stored["valid_from"]).dt.date,
        valid_to=pd.to_datetime(stored["valid_to"]).dt.date,
    )
    while True:
        replaced = {(f["currency"], f["valid_from"]) for f in found}
        pairs = zip(stored["currency"], stored["valid_from"], strict=True)
        kept = stored[[pair not in replaced for pair in pairs]]
        for f in found:
            hit = kept[
                (kept["currency"] == f["currency"])
                & (kept["valid_from"] <= f["valid_to"])
                & (kept["valid_to"] >= f["valid_from"])
            ]
            if len(hit):
                other = hit.iloc[0]
                problem(
                    f["row"],
                    "when",
                    f"{f['currency']} {_days(f['valid_from'], f['valid_to'])} overlaps a rate already "
                    f"stored from {other['source']} ({_days(other['valid_from'], other['valid_to'])}); "
                    "a day has one rate, so this row is left out (remove those rates first, or start this "
                    "one on the same day to replace it).",
                )
                found = [g for g in found if g is not f]
                break
        else:
            return found


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
