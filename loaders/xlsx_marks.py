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


def sheet_marks(data: bytes) -> dict[str, Marks]:
    """Hidden rows, hidden columns and error cells of each sheet, by sheet name."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as z:
            names = set(z.namelist())
            if "xl/workbook.xml" not in names:
                return {}
            rels = z.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b""
            targets = {rid: target for rid, target in _RELATION.findall(rels)}
            targets.update({rid: target for target, rid in _RELATION_REVERSED.findall(rels)})
            marks = {}
            for name, rid in _SHEET.findall(z.read("xl/workbook.xml")):
                target = targets.get(rid, b"").decode()
                path = target.lstrip("/") if target.startswith("/") else "xl/" + target
                if path in names:
                    marks[_unescape(name)] = _marks(z.read(path))
            return marks
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}


def _marks(xml: bytes) -> Marks:
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
    return Marks(frozenset(hidden_rows), frozenset(hidden_columns), errors)
