"""What calamine does not tell: an xlsx sheet's hidden rows and columns, and its error cells.

A programme manager hides superseded rows and columns rather than deleting them, and a
broken formula shows #N/A or #REF!; calamine reads both as if nothing were special (error
cells as blank). The sheet XML says so directly.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from io import BytesIO

_SHEET = re.compile(rb'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_RELATION = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_RELATION_REVERSED = re.compile(rb'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')
_HIDDEN_ROW = re.compile(rb'<row\b[^>]*?\br="(\d+)"[^>]*?\bhidden="(?:1|true)"')
_HIDDEN_ROW_REVERSED = re.compile(rb'<row\b[^>]*?\bhidden="(?:1|true)"[^>]*?\br="(\d+)"')
_COL = re.compile(rb"<col\b([^>]*)/?>")
# An error cell's attributes and what it holds, which cannot run on into the next cell: with
# '.*?<v>' each error cell without a value searched on to the end of the sheet, so 20,000 of them
# (a 100 KB file) took 46 s, holding the interpreter.
_ERROR_CELL = re.compile(rb'<c\b([^>]*\bt="e"[^>]*)(?<!/)>((?:[^<]|<(?!/?c[\s>/]))*)')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
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
    # ((first row, first column), (last row, last column)), 0-based: an ods's merged cells, which
    # calamine gives for an xlsx or xls but not for an ods
    merged: tuple = ()


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
    start = styles.find(b"<cellXfs")
    end = styles.find(b"</cellXfs>", start) if start >= 0 else -1
    for index, attributes in enumerate(_XF.findall(styles, start, end) if end >= 0 else []):
        number = dict(_ATTRIBUTE.findall(attributes)).get(b"numFmtId")
        if number and formats.get(number):
            found[str(index).encode()] = formats[number]
    return found


def sheet_paths(z: zipfile.ZipFile) -> dict[str, str]:
    """Each sheet's name -> the path of its XML in the zip."""
    names = set(z.namelist())
    if "xl/workbook.xml" not in names:
        return {}
    rels = _read(z, "xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b""
    targets = {rid: target for rid, target in _RELATION.findall(rels)}
    targets.update({rid: target for target, rid in _RELATION_REVERSED.findall(rels)})
    paths = {}
    for name, rid in _SHEET.findall(_read(z, "xl/workbook.xml")):
        target = targets.get(rid, b"").decode()
        path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        if path in names:
            paths[_unescape(name)] = path
    return paths


def _read(z: zipfile.ZipFile, path: str) -> bytes:
    """A part, no longer than the zip's directory says: one that unpacks to more (a "zip bomb"
    whose directory lies) stops there, where zipfile's read() unpacked up to 2 GB at once."""
    info = z.getinfo(path)
    with z.open(info) as stream:
        return stream.read(info.file_size)


def sheet_marks(data: bytes) -> dict[str, Marks]:
    """Hidden rows, hidden columns, error cells and currency formats of each sheet, by name."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as z:
            paths = sheet_paths(z)
            names = set(z.namelist())
            styles = _number_styles(_read(z, "xl/styles.xml")) if "xl/styles.xml" in names else {}
            return {name: _marks(_read(z, path), styles) for name, path in paths.items()}
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}


def _marks(xml: bytes, number_styles: dict[bytes, str]) -> Marks:
    hidden_rows: set[int] = set()
    hidden_columns: set[int] = set()
    errors: dict[tuple[int, int], str] = {}
    if b"hidden=" in xml:
        hidden_rows = {int(r) - 1 for r in _HIDDEN_ROW.findall(xml) + _HIDDEN_ROW_REVERSED.findall(xml)}
        hidden = bytearray(16384)  # one flag a column: 100,000 <col> elements each hiding A:XFD stay quick
        for attributes in _COL.findall(xml):
            found = dict(_ATTRIBUTE.findall(attributes))
            first, last = found.get(b"min", b"1"), found.get(b"max", b"1")
            if found.get(b"hidden") in (b"1", b"true") and first.isdigit() and last.isdigit():
                first, last = max(int(first), 1), min(int(last), 16384)
                hidden[first - 1 : last] = b"\x01" * max(last - first + 1, 0)
        hidden_columns = {i for i, flag in enumerate(hidden) if flag} if any(hidden) else set()
    if b't="e"' in xml:
        for attributes, content in _ERROR_CELL.findall(xml):
            ref, value = _REF.search(attributes), _VALUE.search(content)
            if ref and value:
                errors[(int(ref.group(2)) - 1, column_index(ref.group(1).decode()))] = value.group(1).decode()
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


# --- How far a sheet's cells reach, before calamine reads it --------------------------------
#
# calamine lays a sheet out as one block from A1 to its last row and column before anything can
# look at it: a 5 KB file with one cell at A1 and one at ALF1048576 asks for 33 GB, and the
# failed allocation ends the whole process (the dashboard with it). The sheet XML says how far
# the cells reach. Rows come in order, so each piece of the XML is checked with one pattern that
# matches only a reference beyond its last row (rounded up where that still fits) or beyond the
# columns the first rows use: no match
# in an ordinary sheet, at C speed. A sheet that has one (or cells without a reference, which
# calamine puts after the one before) has every reference read instead.

# calamine reads a reference's letters in either case ('b3' is B3), so every pattern here does too.
_FIRST_REFS = re.compile(rb'\br="([A-Z]{1,3})\d{1,9}"', re.IGNORECASE)
_LAST_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d{1,9})"')
_NO_REF = re.compile(rb'<c(?! r=")[\s>/]')  # a cell whose reference is not where writers put it
_NAMESPACED_CELL = re.compile(rb":c[\s>/]")
_ODD_ATTRIBUTE = re.compile(rb"r(?:\s+=|=\s|=')")  # r = "A1", r= "A1", r='A1'
# What r = "A1" needs, looked for from each '=' rather than from each 'r', of which text has many more.
_SPACE_BEFORE_EQUALS = re.compile(rb"=(?<=\s=)")
# The slow reading's: a cell's attributes, and whether it is empty (<c r="XFD1" s="3"/>); any r
# attribute however written; a row's attributes.
_CELL_ATTRIBUTES = re.compile(rb"<(?:\w+:)?c((?:\s[^>]*?)?)(/?)>")
# calamine reads any number of letters (AAAAAA is column 12,356,631): eight are kept, enough to refuse.
_R_ATTRIBUTE = re.compile(rb"""\br\s*=\s*["']([A-Za-z]{0,8})[A-Za-z]*0*(\d{1,9})""")
_ROW_ATTRIBUTES = re.compile(rb"<(?:\w+:)?row(\s[^>]*)>")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
CHUNK = 16 * 2**20


def _greater_number(limit: str) -> bytes:
    """A pattern for a number written without leading zeros that is greater than `limit`."""
    options = [rb"[1-9]\d{%d,}" % len(limit)]
    for i, digit in enumerate(limit):
        if digit != "9":
            options.append(limit[:i].encode() + b"[%d-9]" % (int(digit) + 1) + rb"\d" * (len(limit) - i - 1))
    return b"(?:" + b"|".join(options) + b")"


def _letters_up_to(limit: str) -> bytes:
    """A pattern for column letters up to `limit` (A to M, A to AF), in either case, that takes all
    it can: a letter after them is a column beyond `limit`."""
    options = []
    for i, letter in enumerate(limit):
        last = i == len(limit) - 1
        if letter != "A" or last:
            top = letter if last else chr(ord(letter) - 1)
            options.append(
                b"".join(b"[%s%s]" % (c.encode(), c.lower().encode()) for c in limit[:i])
                + b"[A-%sa-%s]" % (top.encode(), top.lower().encode())
                + b"[A-Za-z]" * (len(limit) - i - 1)
            )
    if len(limit) > 1:
        options.append(b"[A-Za-z]{1,%d}" % (len(limit) - 1))
    return b"(?:" + b"|".join(options) + b")?+"


def _rounded(row: int, columns: int, fits: Callable[[int, int], bool]) -> int:
    """`row`, or a rounder number above it that still fits with `columns`: 99,999 or else 59,999
    for 54,321. References checked against 99,999 need one step each, against 54,321 several."""
    digits = str(row)
    for bound in (10 ** len(digits) - 1, (int(digits[0]) + 1) * 10 ** (len(digits) - 1) - 1):
        if fits(bound, columns):
            return bound
    return row


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _chunks(stream, size: int = CHUNK) -> Iterator[bytes]:
    """The XML in pieces of about `size` that end at a tag's end, so no reference is cut in two.

    Raises zipfile.BadZipFile where no tag ends in 16 MB: no spreadsheet program writes such a
    tag or text, and skipping its middle let a second r attribute there (which calamine takes)
    pass unseen, so a 40 KB file made calamine ask for 16 GB.
    """
    carry = b""
    while piece := stream.read(size):
        piece = carry + piece
        end = piece.rfind(b">") + 1
        if end == 0:
            if len(piece) > CHUNK:
                raise zipfile.BadZipFile(f"no tag ends in {len(piece):,} bytes")
            carry = piece
            continue
        carry = piece[end:]
        yield piece[:end]
    if carry:
        yield carry


def sheet_extent(z: zipfile.ZipFile, path: str, fits: Callable[[int, int], bool]) -> tuple[int, int]:
    """How many rows and columns (from A1) calamine would lay the sheet out in, at most.

    The quick reading counts empty formatted cells too, and rounds the last row up where that
    still fits; when what it finds does not `fit`, the filled cells alone are counted. Raises
    zipfile.BadZipFile when the part unpacks to more than the zip's directory says.
    """
    info = z.getinfo(path)
    rows = columns = 0
    with z.open(info) as stream:
        # In pieces of 4 MB rather than 16: unpacking and cutting them took 0.10 s instead of 0.14
        # on the 100,000-row sheet.
        for chunk in _chunks(_Bounded(stream, info), 4 * 2**20):
            if not columns:
                columns = max(
                    (column_index(c.decode().upper()) + 1 for c in _FIRST_REFS.findall(chunk, 0, 65536)),
                    default=1,
                )
            last_row = chunk.rfind(b"<row ")
            found = _LAST_ROW.match(chunk, last_row) if last_row >= 0 else None
            if found is None and b"<c" not in chunk and b":c" not in chunk:
                continue  # no cells here
            if found is None or _no_ref(chunk):
                return _every_reference(z, info)
            rows = max(rows, _rounded(int(found.group(1)), columns, fits))
            # Leading zeros ('r="0000099"') would otherwise let every shorter number pass unseen. r= "A1"
            # and r='A1' are looked for here too: cheaper than in a search of their own.
            beyond = rb"""r=(?:"%s(?:[A-Za-z]|0*+%s")|[\s'])""" % (
                _letters_up_to(_column_letters(columns - 1)),
                _greater_number(str(rows)),
            )
            if re.search(beyond, chunk):
                return _every_reference(z, info)
    return (rows, columns) if fits(rows, columns) else _every_reference(z, info)


def _no_ref(chunk: bytes) -> bool:
    """Whether some cell in `chunk` may have no reference, or one written other than as
    r="A1" (r='A1', r = "A1": calamine reads them all, and the last of two r attributes)."""
    return (
        _NO_REF.search(chunk) is not None
        # Most sheets' cells have no ':' (openpyxl's none at all), which is quicker to look for than ':c'
        or (b":" in chunk and _NAMESPACED_CELL.search(chunk) is not None)
        or (_SPACE_BEFORE_EQUALS.search(chunk) is not None and _ODD_ATTRIBUTE.search(chunk) is not None)
    )


def filled_extent(z: zipfile.ZipFile, path: str) -> tuple[int, int]:
    """How many rows and columns (from A1) the sheet's filled cells reach, read exactly."""
    return _every_reference(z, z.getinfo(path))


def _every_reference(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, int]:
    """The slow reading: every cell's every r attribute, however written."""
    rows = columns = 0
    row_tags = widest = 0  # counted only where some cell has no reference
    # Cells of the row the last piece ended in, and whether that piece had a cell without a
    # reference: a row of such cells cut in two by the pieces is one row as wide as both parts.
    open_row, missing_before = 0, False
    with z.open(info) as stream:
        for chunk in _chunks(_Bounded(stream, info)):
            reference_missing = False
            for attributes, empty in _CELL_ATTRIBUTES.findall(chunk):
                references = _R_ATTRIBUTE.findall(attributes)
                reference_missing = reference_missing or not references
                if empty:  # <c r="XFD1" s="3"/>: formatting only, which calamine leaves out
                    continue
                for letters, row in references:
                    rows = max(rows, int(row))
                    columns = max(columns, column_index(letters.decode().upper()) + 1 if letters else 0)
            cells = [len(_CELL_TAG.findall(r)) for r in _ROW_TAG.split(chunk)]
            cells[0] += open_row
            if reference_missing or missing_before:
                # calamine puts such a cell after the one before it, and such a row after the last
                rows = max(
                    [
                        rows,
                        *(int(r) for _, r in _R_ATTRIBUTE.findall(b" ".join(_ROW_ATTRIBUTES.findall(chunk)))),
                    ]
                )
                row_tags += len(cells) - 1
                widest = max(widest, *cells)
            # A row running on through this whole piece keeps what its start had.
            open_row, missing_before = cells[-1], reference_missing or (missing_before and len(cells) == 1)
    return rows + row_tags, columns + widest


class _Bounded:
    """A zip member's stream read in pieces: at most the size the zip's directory gives, so a
    part that lies about its size costs no more memory than an honest one."""

    def __init__(self, stream, info: zipfile.ZipInfo):
        self.stream, self.left = stream, info.file_size

    def read(self, n: int) -> bytes:
        piece = self.stream.read(min(n, self.left)) if self.left > 0 else b""
        self.left -= len(piece)
        return piece


# --- The same for an OpenDocument sheet ------------------------------------------------------
#
# An ods says "this row, 190,000 times" (table:number-rows-repeated) and calamine lays every
# repetition out: 933 bytes asked for 95 million cells (6 GB of memory). The repetitions are
# added up here, as calamine will, before it does.

_ODS_TOKEN = re.compile(rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>")
_ODS_REPEAT = re.compile(rb'number-(?:rows|columns)-repeated="(\d{1,9})"')


def _repeat(attributes: bytes) -> int:
    found = _ODS_REPEAT.search(attributes)
    return int(found.group(1)) if found else 1


def ods_extents(z: zipfile.ZipFile) -> dict[str, tuple[int, int, int]]:
    """Each table's rows and columns (from A1) up to its last filled cell, and its filled cells,
    repetitions counted."""
    info = z.getinfo("content.xml")
    extents: dict[str, tuple[int, int, int]] = {}
    name, row, repeat, column, filled_row, last_row, last_column = "", 0, 1, 0, False, 0, 0
    filled = 0
    with z.open(info) as stream:
        for chunk in _chunks(_Bounded(stream, info)):
            for closing, tag, attributes, empty in _ODS_TOKEN.findall(chunk):
                if tag == b"table":
                    if closing:
                        extents[name] = (last_row, last_column, filled)
                    else:
                        found = re.search(rb'table:name="([^"]*)"', attributes)
                        name = _unescape(found.group(1)) if found else ""
                        row = last_row = last_column = filled = 0
                elif tag == b"table-row":
                    if not closing:
                        repeat, column, filled_row = _repeat(attributes), 0, False
                    if closing or empty:
                        last_row = row + repeat if filled_row else last_row
                        row += repeat
                elif not closing:
                    columns = _repeat(attributes)
                    if tag == b"table-cell" and (not empty or b"value-type" in attributes):
                        last_column, filled_row = max(last_column, column + columns), True
                        filled += repeat * columns
                    column += columns
    return extents


# What calamine does not tell of an OpenDocument sheet: LibreOffice keeps "600,000.00 EUR" as the
# number 600000 with office:currency="EUR", 20% as 0.2, and rows or columns it hides as collapsed.
_ODS_MARK_TOKEN = re.compile(
    rb"<(/?)table:(table-row|table-cell|covered-table-cell|table-column|table)(?=[\s/>])([^>]*?)(/?)>"
)
_ODS_CURRENCY = re.compile(rb'office:currency="([A-Za-z]{3})"')
_ODS_HIDDEN = re.compile(rb'table:visibility="(collapse|filter)"')
_ODS_KIND = re.compile(rb'office:value-type="(currency|percentage)"')
_ODS_SPANNED = re.compile(rb'table:number-(rows|columns)-spanned="(\d+)"')
# Marks are kept only within the rows and columns aidtrack reads (loaders.workbook refuses a
# sheet beyond them): LibreOffice writes the empty rest of a sheet as one row repeated a million times.
_ODS_LAST_ROW, _ODS_LAST_COLUMN = 1_100_000, 500


def ods_marks(data: bytes) -> dict[str, Marks]:
    """Hidden rows and columns, merged cells and currency and percentage cells of each table, by name; read
    after ods_extents has refused a table whose repetitions unfold too far."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as z:
            xml = _read(z, "content.xml")
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}
    found: dict[str, Marks] = {}
    name, row, repeat, column, table_column = "", 0, 1, 0, 0
    hidden_rows: set[int] = set()
    hidden_columns: set[int] = set()
    currencies: dict[tuple[int, int], str] = {}
    percents: set[tuple[int, int]] = set()
    filtered = False
    merged: list[tuple] = []
    for closing, tag, attributes, empty in _ODS_MARK_TOKEN.findall(xml):
        if tag == b"table":
            if closing:
                found[name] = Marks(
                    frozenset(hidden_rows),
                    frozenset(hidden_columns),
                    {},
                    currencies,
                    frozenset(percents),
                    filtered,
                    tuple(merged),
                )
            else:
                named = re.search(rb'table:name="([^"]*)"', attributes)
                name = _unescape(named.group(1)) if named else ""
                row = table_column = 0
                hidden_rows, hidden_columns, currencies, percents, filtered = set(), set(), {}, set(), False
                merged = []
        elif tag == b"table-column" and not closing:
            columns = _repeat(attributes)
            if _ODS_HIDDEN.search(attributes):
                hidden_columns.update(range(table_column, min(table_column + columns, _ODS_LAST_COLUMN)))
            table_column += columns
        elif tag == b"table-row":
            if not closing:
                repeat, column = _repeat(attributes), 0
                if hidden := _ODS_HIDDEN.search(attributes):
                    filtered = filtered or hidden.group(1) == b"filter"
                    hidden_rows.update(range(row, min(row + repeat, _ODS_LAST_ROW)))
            if closing or empty:
                row += repeat
        elif not closing:
            columns = _repeat(attributes)
            if tag == b"table-cell" and b"-spanned=" in attributes and row < _ODS_LAST_ROW:
                spans = {k: int(v) for k, v in _ODS_SPANNED.findall(attributes)}
                down, across = spans.get(b"rows", 1), spans.get(b"columns", 1)
                if down > 1 or across > 1:
                    merged.append(((row, column), (row + down - 1, column + across - 1)))
            kind = _ODS_KIND.search(attributes)
            if kind and tag == b"table-cell":
                currency = _ODS_CURRENCY.search(attributes)
                for r in range(row, min(row + repeat, _ODS_LAST_ROW)):
                    for c in range(column, min(column + columns, _ODS_LAST_COLUMN)):
                        if kind.group(1) == b"percentage":
                            percents.add((r, c))
                        elif currency:
                            currencies[(r, c)] = currency.group(1).decode().upper()
            column += columns
    return found
