"""What calamine does not tell: an xlsx sheet's hidden rows and columns, and its error cells.

A programme manager hides superseded rows and columns rather than deleting them, and a
broken formula shows #N/A or #REF!; calamine reads both as if nothing were special (error
cells as blank). The sheet XML says so directly.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from io import BytesIO

_SHEET = re.compile(rb'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_RELATION = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_RELATION_REVERSED = re.compile(rb'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')
_HIDDEN_ROW = re.compile(rb'<row\b[^>]*?\br="(\d+)"[^>]*?\bhidden="(?:1|true)"')
_HIDDEN_ROW_REVERSED = re.compile(rb'<row\b[^>]*?\bhidden="(?:1|true)"[^>]*?\br="(\d+)"')
_COL = re.compile(rb"<col\b([^>]*)/?>")
_ERROR_CELL = re.compile(rb'<c\b([^>]*\bt="e"[^>]*)>.*?<v>([^<]*)</v>', re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_ATTRIBUTE = re.compile(rb'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class Marks:
    hidden_rows: frozenset[int] = frozenset()  # 0-based row indexes
    hidden_columns: frozenset[int] = frozenset()  # 0-based column indexes
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column) -> "#N/A"
    # (row, column) -> "EUR": numbers whose cell format shows a currency ("€#,##0", "[$CHF] #,##0")
    currencies: dict[tuple[int, int], str] = field(default_factory=dict)
    # (row, column) of numbers shown as a percentage: Excel keeps 60% as 0.6
    percents: frozenset[tuple[int, int]] = frozenset()
    filtered: bool = False  # a filter chooses the rows shown: Excel hides the others


def column_index(letters: str) -> int:
    index = 0
    for c in letters:
        index = index * 26 + ord(c) - 64
    return index - 1


def _unescape(name: bytes) -> str:
    text = name.decode("utf-8")
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&")):
        text = text.replace(entity, char)
    return text


_NUMBER_FORMAT = re.compile(rb'<numFmt\b[^>]*?\bnumFmtId="(\d+)"[^>]*?\bformatCode="([^"]*)"')
_CELL_XFS = re.compile(rb"<cellXfs\b[^>]*>(.*?)</cellXfs>", re.S)
_XF = re.compile(rb"<xf\b([^>]*)")
_FORMAT_CURRENCY = (
    (re.compile(r"\[\$(?:€|EUR)"), "EUR"),
    (re.compile(r"\[\$(?:£|GBP)"), "GBP"),
    (re.compile(r"\[\$(?:CHF|SFr)"), "CHF"),
    (re.compile(r"\[\$(?:\$|USD|US\$)"), "USD"),
    (re.compile(r"\[\$(?:¥|JPY)"), "JPY"),
    (re.compile(r'"(?:€|EUR)'), "EUR"),
    (re.compile(r'"(?:£|GBP)'), "GBP"),
    (re.compile(r'"(?:CHF|SFr\.?)'), "CHF"),
    (re.compile(r'"(?:\$|USD|US\$)'), "USD"),
    (re.compile(r"€"), "EUR"),
    (re.compile(r"£"), "GBP"),
)


def format_currency(code: str) -> str | None:
    """The currency an Excel number format shows, if it shows one."""
    for pattern, currency in _FORMAT_CURRENCY:
        if pattern.search(code):
            return currency
    return None


# Excel's built-in number formats 0% and 0.00%, which styles.xml does not spell out.
_PERCENT_FORMATS = {b"9": "0%", b"10": "0.00%"}
_QUOTED = re.compile(r'"[^"]*"')


def _number_styles(styles: bytes) -> dict[bytes, str]:
    """Cell style index (the `s` of a cell) -> the currency its number format shows, or '%' for
    a percentage."""
    codes = {**_PERCENT_FORMATS, **{n: _unescape(c) for n, c in _NUMBER_FORMAT.findall(styles)}}
    formats = {
        number: "%" if "%" in _QUOTED.sub("", code) else format_currency(code)
        for number, code in codes.items()
    }
    found = {}
    xfs = _CELL_XFS.search(styles)
    for index, attributes in enumerate(_XF.findall(xfs.group(1)) if xfs else []):
        number = dict(_ATTRIBUTE.findall(attributes)).get(b"numFmtId")
        if number and formats.get(number):
            found[str(index).encode()] = formats[number]
    return found


def sheet_marks(data: bytes) -> dict[str, Marks]:
    """Hidden rows, hidden columns, error cells and currency formats of each sheet, by name."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as z:
            names = set(z.namelist())
            if "xl/workbook.xml" not in names:
                return {}
            rels = z.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b""
            targets = {rid: target for rid, target in _RELATION.findall(rels)}
            targets.update({rid: target for target, rid in _RELATION_REVERSED.findall(rels)})
            styles = _number_styles(z.read("xl/styles.xml")) if "xl/styles.xml" in names else {}
            marks = {}
            for name, rid in _SHEET.findall(z.read("xl/workbook.xml")):
                target = targets.get(rid, b"").decode()
                path = target.lstrip("/") if target.startswith("/") else "xl/" + target
                if path in names:
                    marks[_unescape(name)] = _marks(z.read(path), styles)
            return marks
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}


def _marks(xml: bytes, number_styles: dict[bytes, str]) -> Marks:
    hidden_rows: set[int] = set()
    hidden_columns: set[int] = set()
    errors: dict[tuple[int, int], str] = {}
    if b"hidden=" in xml:
        hidden_rows = {int(r) - 1 for r in _HIDDEN_ROW.findall(xml) + _HIDDEN_ROW_REVERSED.findall(xml)}
        for attributes in _COL.findall(xml):
            found = dict(_ATTRIBUTE.findall(attributes))
            if found.get(b"hidden") in (b"1", b"true"):
                first, last = int(found.get(b"min", b"1")), int(found.get(b"max", b"1"))
                hidden_columns |= set(range(first - 1, min(last, 16384)))
    if b't="e"' in xml:
        for attributes, value in _ERROR_CELL.findall(xml):
            ref = _REF.search(attributes)
            if ref:
                errors[(int(ref.group(2)) - 1, column_index(ref.group(1).decode()))] = value.decode()
    currencies: dict[tuple[int, int], str] = {}
    percents: set[tuple[int, int]] = set()
    if number_styles:
        styled = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?\bs="(' + b"|".join(number_styles) + rb')"')
        for letters, row, style in styled.findall(xml):
            cell = (int(row) - 1, column_index(letters.decode()))
            if number_styles[style] == "%":
                percents.add(cell)
            else:
                currencies[cell] = number_styles[style]
    filtered = b"<filterColumn" in xml
    return Marks(
        frozenset(hidden_rows), frozenset(hidden_columns), errors, currencies, frozenset(percents), filtered
    )
