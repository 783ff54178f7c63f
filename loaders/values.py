"""One spreadsheet cell to one value: amounts, dates, lists of names and shares.

Every function takes a cell as python-calamine returns it (str, int, float, bool, date,
datetime, time, or None/"" when empty), never raises on what a user typed, and says what is
wrong in words a programme manager can act on. Money is `Decimal`, never float.

Pure: no streamlit, no database. The importer calls these once per distinct cell value, so
they are written for 100,000-row sheets: regexes are compiled here, plain numbers and ISO
dates take a fast path.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import ftfy

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"

CENT = Decimal("0.01")
LARGEST_AMOUNT = Decimal(10) ** 15  # more than any project budget: a pasted id or account number
AMOUNT_EXAMPLE = "write a number such as 250000 or 'EUR 250,000'"
NOT_KNOWN = "Stored as not known."
DATE_EXAMPLE = "write a date such as 2019-01-15"
WRITE_ISO = "Write dates as year-month-day, e.g. 2019-01-15."
FIRST_YEAR, LAST_YEAR = 1950, 2100
EXCEL_EPOCH = dt.date(1899, 12, 30)
LAST_EXCEL_SERIAL = 2958465  # 9999-12-31
# Written out, not calendar.month_name: that follows the locale, and messages are in English.
MONTH_NAMES = (None, "January", "February", "March", "April", "May", "June", "July", "August")
MONTH_NAMES += ("September", "October", "November", "December")

# What people write for "not known yet"; kept as unknown, never read as 0.
PLACEHOLDERS = frozenset(
    {
        "tbc",
        "tbd",
        "tba",
        "n/a",
        "na",
        "n.a.",
        "-",
        "–",
        "—",
        "?",
        "??",
        "unknown",
        "pending",
        "none",
        "not known",
        "to be confirmed",
        "to be determined",
        "to be announced",
    }
)
# Parts of a list cell that name nothing.
EMPTY_NAMES = frozenset(
    {"unspecified", "n/a", "n.a.", "-", "–", "—", "?", "tbc", "tbd", "none", "unknown"}
    | {"to be confirmed", "to be determined", "not applicable"}
)


def _read_currency_codes() -> frozenset[str]:
    with open(REFERENCE / "currencies.csv", encoding="utf-8", newline="") as f:
        return frozenset(row["code"].strip() for row in csv.DictReader(f) if row["code"].strip())


CURRENCY_CODES = _read_currency_codes()
CURRENCY_SYMBOLS = {"US$": "USD", "€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY"}


@dataclass(frozen=True)
class Amount:
    value: Decimal | None
    currency: str | None
    problem: str | None = None
    blank: bool = False
    estimated: bool = False  # written as an estimate ("approx. EUR 300,000"): `problem` says so


@dataclass(frozen=True)
class ParsedDate:
    value: dt.date | None
    problem: str | None = None
    ambiguous: bool = False
    blank: bool = False


def is_blank(cell) -> bool:
    """True for an empty cell: None, "", only spaces, or NaN."""
    if cell is None:
        return True
    if isinstance(cell, str):
        return not cell.strip()
    if isinstance(cell, float | Decimal):
        return cell != cell  # NaN is the only value not equal to itself
    return False


def quote(text: str) -> str:
    """A cell's text in quotes for a message, its first 60 characters when longer."""
    text = " ".join(text.split())
    return f"'{text[:59]}…'" if len(text) > 60 else f"'{text}'"


def _shown(cell) -> str:
    """The cell as the user sees it, for quoting in a message."""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


# ---------------------------------------------------------------------------------------
# Text

# Control characters (all but tab and line breaks): never meant as text, and some drive a
# terminal (escape sequences) or cannot be written to a workbook at all.
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
# Marks that embed, override or isolate a direction of writing ("Trojan Source"): they make
# text display in another order than it is stored. Arabic and Hebrew need none of them.
_DIRECTION = "\u202a-\u202e\u2066-\u2069"
_INVISIBLE = re.compile(f"[{_CONTROL}{_DIRECTION}]")
_DIRECTION_MARK = re.compile(f"[{_DIRECTION}]")
# UTF-8 read as Latin-1 or Windows-1252 somewhere before the file was saved: "’" became "â€™"
# (or "â" and two control characters), "é" "Ã©", "č" "Ä\x8d", "ж" "Ð¶". A lead byte's letter,
# then a continuation byte's letter, which text in any language hardly ever has.
_GARBLED = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
# The lead letters of the garbling of Latin letters, punctuation, Cyrillic and Greek: looked for
# first, at the speed of `in`, so a column of 100,000 titles costs milliseconds.
_GARBLED_LEADS = ("Â", "Ã", "Ä", "Å", "â", "Ð", "Ñ", "Î", "Ï")


def _garbled(text: str) -> bool:
    return any(lead in text for lead in _GARBLED_LEADS) and _GARBLED.search(text) is not None


def any_invisible(texts: Iterable[str]) -> bool:
    """Whether any of `texts` holds a character `clean_text` removes or repairs: one search for a
    column."""
    joined = "\n".join(texts)
    return _INVISIBLE.search(joined) is not None or _garbled(joined)


def _first_change(before: str, after: str) -> tuple[str, str]:
    """The words around the first word that differs between `before` and `after`, in each (a
    repair changes letters within words, so both have the same words)."""
    old, new = before.split(" "), after.split(" ")
    at = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), 0)
    start = max(at - 1, 0)
    return " ".join(old[start : at + 3]), " ".join(new[start : at + 3])


def clean_text(text: str) -> tuple[str, str | None]:
    """Text with letters garbled by a wrong encoding repaired and without control characters or
    direction overrides, and a message saying what was changed."""
    said = []
    if _garbled(text) and (repaired := ftfy.fix_encoding(text)) != text:
        before, after = _first_change(text, repaired)
        shown = _INVISIBLE.sub("", before)  # as the spreadsheet showed it
        said.append(f"Repaired letters garbled by a wrong encoding: '{shown}' is now '{after}'.")
        text = repaired
    if _INVISIBLE.search(text):
        found = sorted(set(_INVISIBLE.findall(text)))
        control = [f"U+{ord(c):04X}" for c in found if not _DIRECTION_MARK.match(c)]
        direction = [f"U+{ord(c):04X}" for c in found if _DIRECTION_MARK.match(c)]
        removed = [f"control characters ({', '.join(control)})"] if control else []
        if direction:
            removed.append(f"marks that change the direction of the text ({', '.join(direction)})")
        why = " They make text show differently from what it holds." if direction else ""
        said.append(f"Removed invisible {' and '.join(removed)}.{why}")
        text = _INVISIBLE.sub("", text)
    return text, " ".join(said) or None


# ---------------------------------------------------------------------------------------
# Amounts

_SPACES = re.compile(r"[\s\u00a0\u2007\u2009\u202f]+")
# Plain numbers that cannot be misread; "1.000" (a thousand, or one?) takes the slow path.
_PLAIN_NUMBER = re.compile(r"-?(?:\d+|\d{4,}\.\d+|\d+\.(?:\d{1,2}|\d{4,}))(?:[eE][-+]?\d{1,3})?")
_CURRENCY_TOKEN = re.compile(
    r"US\$|[€$£¥]"
    r"|(?<![A-Za-z])(?:S?Fr\.|sFr\.?|SFr)(?![A-Za-z])"
    r"|(?<![A-Za-z])(?i:euros?)(?![A-Za-z])"
    r"|(?<![A-Za-z])[A-Z]{3}(?![A-Za-z])"
)
_GROUP_SEPARATOR = re.compile(r"[.,' ’]")
_MULTIPLIER_WORDS = frozenset({"MIO", "MLN", "BLN"})
_AMOUNT = re.compile(
    r"(?P<sign>[-+])?\s*"
    r"(?P<number>\d(?:[\d.,' ’]*\d)?)\s*"
    r"(?P<unit>k|thousands?|mn|mio|mill?ions?|mln|m|bn|bln|mrd|billions?|b)?\.?\s*"
    r"(?P<trailing_minus>-)?",
    re.IGNORECASE,
)
# "Mrd" is German and Dutch for a thousand million ("Milliarde", "miljard").
_UNITS = {"k": 3, "thousand": 3, "thousands": 3, "bn": 9, "bln": 9, "mrd": 9, "b": 9}
_UNITS |= {"billion": 9, "billions": 9}


def _unit_power(unit: str) -> int:
    unit = unit.lower()
    return _UNITS.get(unit, 6)  # m, mn, mio, mil(l)ion(s), mln


def parse_amount(
    cell, currency: str | None = None, scale: int = 0, decimal_comma: bool | None = None
) -> Amount:
    """An amount of money and its currency from one cell.

    `currency` is the column's currency (from its header or a currency column): a currency
    written in the cell wins over it. `scale` is the power of ten the column's header says its
    amounts are in (3 for "Budget (EUR '000)"): a unit written in the cell ("EUR 1.2m") wins over
    it. `decimal_comma` says how the sheet writes decimals when a cell alone cannot tell ("1,000"
    is a thousand unless it is True).
    """
    fallback = currency.strip().upper() if isinstance(currency, str) and currency.strip() else None
    if type(cell) is float and math.isfinite(cell):  # most amounts: straight to the number's reading
        return _amount_from_number(cell, fallback, scale)
    if is_blank(cell):
        return Amount(None, None, blank=True)
    if isinstance(cell, bool):
        return Amount(None, fallback, f"{str(cell).upper()} is not an amount; {AMOUNT_EXAMPLE}.")
    if isinstance(cell, int | float | Decimal):
        return _amount_from_number(cell, fallback, scale)
    if isinstance(cell, dt.date | dt.time):
        return Amount(None, fallback, f"{quote(str(cell))} is a date, not an amount; {AMOUNT_EXAMPLE}.")
    return _amount_from_text(str(cell), fallback, decimal_comma, scale)


def _amount_from_number(number: int | float | Decimal, currency: str | None, scale: int = 0) -> Amount:
    if isinstance(number, float):
        if math.isinf(number):
            return Amount(None, currency, f"{quote(str(number))} is not an amount; {AMOUNT_EXAMPLE}.")
        # repr gives the shortest decimal that reads back as the same float: what Excel shows.
        number = Decimal(repr(number))
    return _checked(Decimal(number).scaleb(scale) if scale else Decimal(number), currency)


def _checked(value: Decimal, currency: str | None, text: str | None = None) -> Amount:
    """The amount to the cent, or a problem when it is too large; `text` is the cell as written,
    for the message (a number's own digits when None)."""
    if abs(value) >= LARGEST_AMOUNT:
        shown = str(value) if text is None else text
        return Amount(None, currency, f"{quote(shown)} is too large to be an amount; {AMOUNT_EXAMPLE}.")
    return Amount(value.quantize(CENT, ROUND_HALF_UP), currency)


# "approx. EUR 300,000", "ca. 1,2 Mio. €", "~500,000", "250,000 (est.)": an amount given as an estimate.
_APPROXIMATE = re.compile(
    r"^(?:approx(?:imately|\.)?|ca\.|c\.|circa|about|around|some|estimated|est\.|~|≈)\s*"
    r"|\s*\((?:approx(?:imately|\.)?|ca\.?|est\.?|estimated?)\)$",
    re.IGNORECASE,
)
_FOOTNOTE_MARK = re.compile(r"(?<=[\d\w€$£¥])\s*(?:\*+|[†‡]+|\(\*+\))$")
_SWISS_NO_CENTS = re.compile(r"(?<=\d)[.,][-–—]{1,2}(?=\s*(?:[A-Za-z]{0,3}|[€$£¥])\s*$)")


def _amount_from_text(raw: str, fallback: str | None, decimal_comma: bool | None, scale: int = 0) -> Amount:
    text = _SPACES.sub(" ", raw).strip().replace("−", "-")
    if text.startswith("'"):  # "'1250000": the apostrophe that keeps a number as text, pasted in
        text = text[1:].lstrip()
    written = text
    text = _SWISS_NO_CENTS.sub("", text)  # "CHF 1'250'000.-", "EUR 250.000,-": no cents, not a minus
    # "1,200,000*": a mark pointing to a note below the table ("* estimate"), as "Kosovo*" is.
    text = _FOOTNOTE_MARK.sub("", text)
    if _PLAIN_NUMBER.fullmatch(text):
        return _checked(Decimal(text).scaleb(scale) if scale else Decimal(text), fallback, written)
    not_an_amount = f"{quote(written)} is not an amount; {AMOUNT_EXAMPLE}."
    if text.casefold() in PLACEHOLDERS:
        return Amount(None, fallback, f"{not_an_amount} {NOT_KNOWN}")
    if (exact := _APPROXIMATE.sub("", text)) != text and exact:
        amount = _amount_from_text(exact, fallback, decimal_comma, scale)
        if amount.value is None or amount.problem:  # said of the cell as written
            problem = amount.problem and amount.problem.replace(quote(exact), quote(written), 1)
            return Amount(amount.value, amount.currency, problem)
        read = f"{amount.value:,} {amount.currency or ''}".rstrip()
        return Amount(
            amount.value,
            amount.currency,
            f"{quote(written)} is an estimate, read as {read}. Write the amount alone once it is known.",
            estimated=True,
        )

    found: set[str] = set()
    unknown: list[str] = []

    def take_currency(m: re.Match) -> str:
        token = m.group()
        if len(token) == 3 and token.isalpha() and token.isupper():
            if token in _MULTIPLIER_WORDS:
                return token
            if token not in CURRENCY_CODES:
                unknown.append(token)
                return " "
            found.add(token)
        elif token in CURRENCY_SYMBOLS:
            found.add(CURRENCY_SYMBOLS[token])
        else:
            found.add("EUR" if token.lower().startswith("euro") else "CHF")
        return " "

    rest = _CURRENCY_TOKEN.sub(take_currency, text).strip()
    if unknown:
        problem = f"{unknown[0]} is not a currency code; write an ISO 4217 code such as EUR or USD."
        return Amount(None, fallback, f"{quote(text)}: {problem}")
    if len(found) > 1:
        codes = " and ".join(sorted(found))
        return Amount(
            None,
            fallback,
            f"{quote(text)} names two currencies ({codes}); write one amount in one currency.",
        )
    cell_currency = found.pop() if found else fallback
    if rest.casefold() in PLACEHOLDERS:
        return Amount(None, cell_currency, f"{not_an_amount} {NOT_KNOWN}")

    negative = False
    if rest.startswith("(") and rest.endswith(")"):  # accounting style: (1,000) is minus 1,000
        negative, rest = True, rest[1:-1].strip()
    m = _AMOUNT.fullmatch(rest)
    if not m:
        return Amount(None, cell_currency, not_an_amount)
    value = _number(m["number"], decimal_comma)
    if value is None:
        return Amount(None, cell_currency, not_an_amount)
    value = value.scaleb(_unit_power(m["unit"]) if m["unit"] else scale)
    if negative or m["sign"] == "-" or m["trailing_minus"]:
        value = -value
    return _checked(value, cell_currency, text)


def _number(text: str, decimal_comma: bool | None) -> Decimal | None:
    """'1.000.000,00', '2,400,000.00', "750'000", '1 500 000', '1,5' as a Decimal; None if malformed."""
    grouped_by_space = any(c in text for c in " '’")
    dots, commas = text.count("."), text.count(",")
    if dots and commas:
        point = "." if text.rfind(".") > text.rfind(",") else ","
        if text.count(point) > 1:
            return None
    elif dots or commas:
        mark = "." if dots else ","
        whole, _, after = text.rpartition(mark)
        if text.count(mark) > 1:
            point = None
        elif len(after) != 3 or grouped_by_space or whole in ("0", "") or len(whole) > 3:
            point = mark  # "1,5", "12,50", "0.500", "250 000,500": only a decimal mark fits
        elif decimal_comma is None:
            point = None  # "1,000" and "1.000": a thousand, as most sheets mean it
        else:
            point = "," if decimal_comma else "."
            if mark != point:
                point = None
    else:
        point = None

    whole, frac = text.rsplit(point, 1) if point else (text, "")
    groups = _GROUP_SEPARATOR.split(whole)
    if len(groups) > 1 and not (
        1 <= len(groups[0]) <= 3
        and all(len(g) == 3 for g in groups[1:])
        and len(set(_GROUP_SEPARATOR.findall(whole))) == 1  # "1.000,000.5" mixes two
    ):
        return None
    digits = "".join(groups)
    if not digits.isdigit() or (frac and not frac.isdigit()):
        return None
    return Decimal(f"{digits}.{frac}" if frac else digits)


# ---------------------------------------------------------------------------------------
# Dates

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[ap]\.?m\.?)?\s*(?:z|[+-]\d{2}:?\d{2})?)?"
_ISO_DATE = re.compile(rf"(\d{{4}})-(\d{{1,2}})-(\d{{1,2}}){_TIME}", re.IGNORECASE)
_YMD = re.compile(rf"(\d{{4}})([./])(\d{{1,2}})\2(\d{{1,2}}){_TIME}", re.IGNORECASE)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SERIAL_WITH_TIME = re.compile(r"\d{5}\.\d+")
# "31.12.2019." and "1. 3. 2017": how dates are written in much of Central and South-East Europe.
_DOTTED_DAY = re.compile(r"(?<=\d)\.(?:\s+(?=\d)|$)")
_NUMERIC = re.compile(rf"(\d{{1,2}})([./-])(\d{{1,2}})\2(\d{{4}}|\d{{2}}){_TIME}", re.IGNORECASE)
_MONTH_YEAR_NUMERIC = re.compile(r"(\d{1,2})[./-](\d{4})")
_YEAR_MONTH_NUMERIC = re.compile(r"(\d{4})[./-](\d{1,2})")
_YEAR = re.compile(r"\d{4}")
# "Q3 2019", "2019 Q3", "3Q 2019", "Q3-19" (a two-digit year, as in "Jan-19"); halves the same.
_PART_OF_YEAR = (
    r"(?:{p}(?P<n>[{n}])|(?P<m>[{n}]){p})"
    r"(?:[\s/-]*(?P<year>\d{{4}})|\s*[/'’-]?\s*(?P<short_year>\d{{2}}))"
)
_YEAR_THEN_PART = r"|(?P<first_year>\d{{4}})[\s/-]*(?:{p}(?P<k>[{n}])|(?P<j>[{n}]){p})"
_QUARTER = re.compile((_PART_OF_YEAR + _YEAR_THEN_PART).format(p="q", n="1-4"))
_HALF = re.compile((_PART_OF_YEAR + _YEAR_THEN_PART).format(p="h", n="12"))
# "FY2020", "FY 2019/20", "2019/20", "2019-2020": a year of accounts, whose first day depends on whose.
# "Q3 FY2019", "H1 FY21": a quarter or half of one.
_FINANCIAL_YEAR = re.compile(
    r"(?P<part>[qh][1-4][\s/-]*)?"
    r"(?:fy\s*'?(?P<fy>\d{4}|\d{2})(?:\s*[/-]\s*(?P<fy_to>\d{2}|\d{4}))?|(?P<from>\d{4})\s*[/-]\s*(?P<to>\d{2}|\d{4}))"
)
_VAGUE = re.compile(
    r"(?:mid|early|late|(?:end|beginning|start)(?:\s+of)?|spring|summer|autumn|fall|winter)[\s-]*\d{4}"
)
_MON = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ORDINAL = r"(?:st|nd|rd|th)?"
_DAY_MONTH_YEAR = re.compile(
    rf"(?P<day>\d{{1,2}}){_ORDINAL}(?:\s+of)?[\s./-]*{_MON}[\s.,/-]*(?P<year>\d{{4}}|\d{{2}})"
)
_MONTH_DAY_YEAR = re.compile(rf"{_MON}\s*(?P<day>\d{{1,2}}){_ORDINAL},?\s+(?P<year>\d{{4}})")
_MONTH_YEAR = re.compile(rf"{_MON}(?:[\s.,/-]*(?P<year>\d{{4}})|\s*[-'’]\s*(?P<short_year>\d{{2}}))")
_WEEKDAY = re.compile(r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+")
_MONTHS = {name[:3].lower(): i for i, name in enumerate(MONTH_NAMES) if name}


def _long(d: dt.date) -> str:
    return f"{d.day} {MONTH_NAMES[d.month]} {d.year}"


def _full_year(year: str) -> int:
    """Two-digit years: 00-69 are 2000-2069, 70-99 are 1970-1999."""
    y = int(year)
    if len(year) > 2:
        return y
    return 2000 + y if y < 70 else 1900 + y


def parse_date(cell, order: str | None = None, end: bool = False) -> ParsedDate:
    """A date from one cell.

    `order` ("dmy" or "mdy") settles 03/04/2017 when the column's other cells have shown it
    (see `infer_date_order`). A month or a year alone stands for its first day, or its last
    day when `end` is true ("June 2018" ends on 2018-06-30).
    """
    if is_blank(cell):
        return ParsedDate(None, blank=True)
    if isinstance(cell, bool):
        return ParsedDate(None, f"{str(cell).upper()} is not a date; {DATE_EXAMPLE}.")
    if isinstance(cell, dt.datetime):
        return _plausible(cell.date(), str(cell))
    if isinstance(cell, dt.date):
        return _plausible(cell, str(cell))
    if isinstance(cell, dt.time | dt.timedelta):
        return ParsedDate(None, f"{quote(str(cell))} is a time of day, not a date; {DATE_EXAMPLE}.")
    if isinstance(cell, int | float | Decimal):
        return _date_from_serial(cell, end)
    return _date_from_text(str(cell), order, end)


def _implausible(year: int, text: str) -> ParsedDate:
    return ParsedDate(
        None,
        f"{quote(text)}: the year {year} is not a plausible project date; "
        f"write a year between {FIRST_YEAR} and {LAST_YEAR}.",
    )


def _plausible(d: dt.date, text: str) -> ParsedDate:
    return ParsedDate(d) if FIRST_YEAR <= d.year <= LAST_YEAR else _implausible(d.year, text)


def _period(year: int, first_month: int, months: int, end: bool, text: str) -> ParsedDate:
    """The first or last day of a year, quarter or month."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return _implausible(year, text)
    if not end:
        return ParsedDate(dt.date(year, first_month, 1))
    last_month = first_month + months - 1
    return ParsedDate(dt.date(year, last_month, calendar.monthrange(year, last_month)[1]))


def _date_from_serial(number: int | float | Decimal, end: bool) -> ParsedDate:
    shown = _shown(number)
    if isinstance(number, float) and not math.isfinite(number):
        return ParsedDate(None, f"{quote(shown)} is not a date; {DATE_EXAMPLE}.")
    # A four-digit number is a year (2018), not an Excel date: serials 1000-9999 fall in 1902-1927.
    if number == int(number) and 1000 <= number <= 9999:
        return _period(int(number), 1, 12, end, shown)
    if not 1 <= number <= LAST_EXCEL_SERIAL:
        return ParsedDate(None, f"{quote(shown)} is not a date; {DATE_EXAMPLE}.")
    d = EXCEL_EPOCH + dt.timedelta(days=int(number))
    if not FIRST_YEAR <= d.year <= LAST_YEAR:
        problem = f"read as an Excel date is {_long(d)}, not a plausible project date; {DATE_EXAMPLE}."
        return ParsedDate(None, f"{quote(shown)} {problem}")
    return ParsedDate(d)


def _day(year: int, month: int, day: int, text: str) -> ParsedDate:
    """A calendar date, or a problem saying why these numbers are not one."""
    fix = WRITE_ISO
    if not 1 <= month <= 12:
        return ParsedDate(None, f"{quote(text)} is not a date: there is no month {month}. {fix}")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return _implausible(year, text)
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return ParsedDate(
            None,
            f"{quote(text)} is not a date: {MONTH_NAMES[month]} {year} has {days} days, not {day}. {fix}",
        )
    return ParsedDate(dt.date(year, month, day))


def _date_from_text(raw: str, order: str | None, end: bool) -> ParsedDate:
    text = " ".join(raw.split())
    if text.startswith("'"):  # "'2019-01-15": the apostrophe that keeps a date as text, pasted in
        text = text[1:].lstrip()
    m = _ISO_DATE.fullmatch(text)
    if m:
        return _day(int(m[1]), int(m[2]), int(m[3]), text)
    lower = _WEEKDAY.sub("", text.lower(), count=1) if text[:1].isalpha() else text.lower()
    if "." in lower:
        lower = _DOTTED_DAY.sub(lambda m: "" if m.end() == len(lower) else ".", lower)

    if (m := _FINANCIAL_YEAR.fullmatch(lower)) and _next_year(m):
        return ParsedDate(
            None,
            f"{quote(text)} is {'in ' if m['part'] else ''}a financial year, which starts in January, April, "
            "July or October depending "
            f"on who keeps the accounts; write the day it {'ends' if end else 'starts'} (such as "
            f"{'2020-06-30' if end else '2019-07-01'}). {NOT_KNOWN}",
        )
    if m := _NUMERIC.fullmatch(lower):
        # Dotted dates (01.03.2017) are day-first wherever they are written.
        return _day_month(int(m[1]), int(m[3]), _full_year(m[4]), text, "dmy" if m[2] == "." else order)
    if m := _YMD.fullmatch(lower):
        return _day(int(m[1]), int(m[3]), int(m[4]), text)
    if m := _DAY_MONTH_YEAR.fullmatch(lower):
        return _day(_full_year(m["year"]), _MONTHS[m["month"][:3]], int(m["day"]), text)
    if m := _MONTH_DAY_YEAR.fullmatch(lower):
        return _day(int(m["year"]), _MONTHS[m["month"][:3]], int(m["day"]), text)
    if m := _MONTH_YEAR.fullmatch(lower):
        year = int(m["year"]) if m["year"] else _full_year(m["short_year"])
        return _month(year, _MONTHS[m["month"][:3]], end, text)
    if _YEAR.fullmatch(lower):
        return _period(int(lower), 1, 12, end, text)
    if m := _MONTH_YEAR_NUMERIC.fullmatch(lower):
        return _month(int(m[2]), int(m[1]), end, text)
    if m := _YEAR_MONTH_NUMERIC.fullmatch(lower):
        return _month(int(m[1]), int(m[2]), end, text)
    if m := _QUARTER.fullmatch(lower):
        quarter, year = _part_of_year(m)
        return _period(year, 3 * quarter - 2, 3, end, text)
    if m := _HALF.fullmatch(lower):
        half, year = _part_of_year(m)
        return _period(year, 6 * half - 5, 6, end, text)
    if _VAGUE.fullmatch(lower):
        return ParsedDate(
            None,
            f"{quote(text)} does not say which day; write the date (such as 2020-07-01). {NOT_KNOWN}",
        )
    if m := _COMPACT.fullmatch(lower):  # 20190115, as some systems export dates
        return _day(int(m[1]), int(m[2]), int(m[3]), text)
    if lower.isdigit():  # an Excel serial number that arrived as text
        return _date_from_serial(int(lower), end)
    if _SERIAL_WITH_TIME.fullmatch(lower):  # "43466.0", "43466.5": as pandas and some exports write one
        return _date_from_serial(float(lower), end)
    return ParsedDate(None, f"{quote(text)} is not a date; {DATE_EXAMPLE}.")


def _part_of_year(m: re.Match) -> tuple[int, int]:
    """Which quarter or half, and of which year, from a match of _QUARTER or _HALF."""
    part = m["n"] or m["m"] or m["k"] or m["j"]
    year = m["year"] or m["first_year"] or str(_full_year(m["short_year"]))
    return int(part), int(year)


def _next_year(m: re.Match) -> bool:
    """Whether a financial year's match is one: 'FY2020' always; '2019/20' only when the second year
    follows the first (not '2019/05', a month)."""
    if m["fy"]:
        return True
    first, second = m["from"], m["to"]
    return int(second) == (int(first) + 1) % (100 if len(second) == 2 else 10**6)


def _month(year: int, month: int, end: bool, text: str) -> ParsedDate:
    if not 1 <= month <= 12:
        return ParsedDate(None, f"{quote(text)} is not a date: there is no month {month}. {WRITE_ISO}")
    return _period(year, month, 1, end, text)


def _day_month(first: int, second: int, year: int, text: str, order: str | None) -> ParsedDate:
    """Settle which of two numbers is the day: by itself, by the column's order, or day-first."""
    if first > 12 or second > 12 or first == second:
        day, month = (second, first) if second > 12 else (first, second)
        return _day(year, month, day, text)
    if order == "mdy":
        return _day(year, first, second, text)
    if order == "dmy":
        return _day(year, second, first, text)
    read = _day(year, second, first, text)
    if read.value is None:
        return read
    other = _day(year, first, second, text).value
    return ParsedDate(
        read.value,
        f"{quote(text)} could be {_long(read.value)} or {_long(other)}; read as {_long(read.value)}. "
        f"Write dates as {read.value.isoformat()} to be sure.",
        ambiguous=True,
    )


_RANGE_MARK = re.compile(r"\s*(?:[-–—]|\b(?:to|until|till)\b)\s*", re.IGNORECASE)


def parse_period(cell, order: str | None = None) -> tuple[dt.date | None, dt.date | None, str | None]:
    """The start and end of a period written in one cell ("2018-2020", "01/2018 - 12/2020",
    "March 2017 to February 2019"): a month or year alone starts on its first day and ends on its
    last. Also what is wrong with the cell, or what was guessed."""
    if is_blank(cell):
        return None, None, None
    text = " ".join(_shown(cell).split())
    for m in _RANGE_MARK.finditer(text):
        first, last = text[: m.start()], text[m.end() :]
        if not first or not last:
            continue
        seen = order or infer_date_order([first, last])
        start, end = parse_date(first, seen), parse_date(last, seen, end=True)
        if start.value and end.value:
            guessed = " ".join(p for p in (start.problem, end.problem) if p)
            return start.value, end.value, guessed or None
    return (
        None,
        None,
        f"{quote(text)} is not a period from one date to another; write it as '2018-01-01 - "
        f"2020-12-31', or use Start and End columns. {NOT_KNOWN}",
    )


def infer_date_order(cells: Iterable) -> str | None:
    """'dmy' or 'mdy' when a column's own unambiguous dates show it (28/02/2019, 9/30/2022), else None."""
    day_first = month_first = False
    for cell in cells:
        if not isinstance(cell, str):
            continue
        m = _NUMERIC.fullmatch(cell.strip())
        if not m:
            continue
        first, second = int(m[1]), int(m[3])
        day_first |= first > 12 >= second
        month_first |= second > 12 >= first
    if day_first != month_first:
        return "dmy" if day_first else "mdy"
    return None


# ---------------------------------------------------------------------------------------
# Lists and shares

_HARD_SEPARATOR = re.compile(r"\s*(?:;|\||\r\n|\n|\r|\v)\s*")
_COMMA = re.compile(r"\s*,\s*")
_SLASH = re.compile(r"\s*/\s*")
# Tried in this order, each only where the previous did not give known names.
_SOFT_SEPARATORS = (
    _COMMA,
    _SLASH,
    re.compile(r"\s*\+\s*"),
    re.compile(r"\s+&\s+"),
    re.compile(r"\s+and\s+", re.IGNORECASE),
)
_NUMBER = r"(?P<share>\d{1,3}(?:[.,]\d+)?)\s*%"
_SHARE_IN_BRACKETS = re.compile(rf"(?P<name>.*?\S)\s*[(\[]\s*{_NUMBER}\s*[)\]]")
_SHARE_AFTER = re.compile(rf"(?P<name>.*?\S)\s*(?:[:=–-]\s*|\s)(?:{_NUMBER})")
_SHARE_BEFORE = re.compile(rf"{_NUMBER}\s*(?:[:=–-]\s*|\s)?(?P<name>\S.*)")


def _split_outside_brackets(text: str, separator: re.Pattern) -> list[str]:
    """Split where `separator` stands outside brackets, so 'EU (80,5%)' stays in one piece."""
    parts, start, depth, scanned = [], 0, 0, 0
    for m in separator.finditer(text):
        for c in text[scanned : m.start()]:
            depth += (c in "([") - (c in ")]")
        scanned = m.end()
        if depth <= 0:
            parts.append(text[start : m.start()])
            start = m.end()
        for c in text[m.start() : m.end()]:
            depth += (c in "([") - (c in ")]")
    parts.append(text[start:])
    return parts


def split_cell(cell, known: Callable[[str], bool] | None = None) -> list[str]:
    """The names in one cell, in order, each once.

    Always split on ';', '|' and line breaks. Without `known`, also split on ',' and '/'.
    With `known` (does this name exist?), a piece is kept whole when it is known, and split on
    ',', '/', '+', ' & ' or ' and ' only when every part is known: 'Bosnia and Herzegovina'
    and 'Bill & Melinda Gates Foundation' stay whole, 'Serbia and Montenegro' splits.
    Shares written with a piece ('EU (80%)') stay on it; see `parse_share`.
    """
    if is_blank(cell):
        return []
    text = _shown(cell).replace("\u00a0", " ")
    names: list[str] = []
    for piece in _HARD_SEPARATOR.split(text):
        piece = piece.strip()
        if not piece or piece.casefold() in EMPTY_NAMES:  # before '/' can split 'n/a'
            continue
        if known is None:
            for part in _split_outside_brackets(piece, _COMMA):
                names += [part] if part.casefold() in EMPTY_NAMES else _split_outside_brackets(part, _SLASH)
        else:
            names += _split_known(piece, known, _SOFT_SEPARATORS) or [piece]
    seen: set[str] = set()
    kept = []
    for name in names:
        name = " ".join(name.split())
        folded = name.casefold()
        if name and folded not in EMPTY_NAMES and folded not in seen:
            seen.add(folded)
            kept.append(name)
    return kept


def _split_known(piece: str, known: Callable[[str], bool], separators) -> list[str] | None:
    """`piece` as known names, splitting on the first separator that yields only known parts."""
    if known(parse_share(piece)[0]):
        return [piece]
    for i, separator in enumerate(separators):
        parts = [p.strip() for p in _split_outside_brackets(piece, separator)]
        if len(parts) < 2:
            continue
        names: list[str] = []
        for part in parts:
            if not part or part.casefold() in EMPTY_NAMES:
                continue
            found = _split_known(part, known, separators[i + 1 :])
            if found is None:
                break
            names += found
        else:
            if names:
                return names
    return None


def split_partly(name: str, known: Callable[[str], bool]) -> list[str] | None:
    """A name that `split_cell` kept whole, cut where some of its parts are known: 'Türkiye,
    Atlantis' is Türkiye and Atlantis, so the unknown one can be reported rather than the whole
    read as one place. None when no separator gives a known part."""
    for i, separator in enumerate(_SOFT_SEPARATORS):
        parts = [p.strip() for p in _split_outside_brackets(name, separator)]
        parts = [p for p in parts if p and p.casefold() not in EMPTY_NAMES]
        if len(parts) < 2:
            continue
        if any(known(parse_share(p)[0]) for p in parts):
            later = _SOFT_SEPARATORS[i + 1 :]
            return [q for p in parts for q in (_split_known(p, known, later) or [p])]
    return None


def parse_share(piece) -> tuple[str, Decimal | None]:
    """A name and the percent written with it: 'EU (80%)', 'Germany 20%', '80% EU' -> ('EU', 80)."""
    text = " ".join(str(piece).split())
    m = _SHARE_IN_BRACKETS.fullmatch(text) or _SHARE_AFTER.fullmatch(text) or _SHARE_BEFORE.fullmatch(text)
    if not m:
        return text, None
    name = m["name"].strip(" :-–=")
    if not name:
        return text, None
    return name, Decimal(m["share"].replace(",", "."))
