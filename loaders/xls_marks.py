"""How far calamine will lay out each sheet of an old Excel workbook (.xls), read before it does.

calamine parses every sheet of an .xls as it opens the file, laying each out as one block from its
first to its last cell, so a stray cell at IV65536 costs about 1.2 GB before anything can look at
the sheet. This reads the compound file's directory and the Workbook stream's records the way
calamine 0.37 does (src/cfb.rs, src/xls.rs) and counts only the records it keeps as cells.

It must not: allocate more than the file's own size, follow a sector chain or record run forever,
or trust a length the file gives without checking it against the bytes there are.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
MINI_STREAM_CUTOFF = 4096
# The largest sheet an .xls holds (BIFF8): a DIMENSIONS record beyond it made no spreadsheet program.
XLS_ROWS = 65_536
XLS_COLUMNS = 256

BOF, EOF, CONTINUE, FILEPASS, BOUNDSHEET = 0x0809, 0x000A, 0x003C, 0x002F, 0x0085
DIMENSIONS, FORMULA, STRING, MULRK = 0x0200, 0x0006, 0x0207, 0x00BD
# The records calamine keeps as one cell, by the shortest it reads without failing. BLANK and
# MULBLANK (formatting alone) it skips.
CELLS = {0x0203: 14, 0x0204: 6, 0x0205: 8, 0x027E: 10, 0x00FD: 10}


class Damaged(ValueError):
    """The compound file or its Workbook stream is not what it says it is."""


class Protected(ValueError):
    """The workbook is saved with a password (or obfuscated): its cells cannot be read."""


@dataclass(frozen=True)
class Extent:
    rows: int  # from row 1 to the last row calamine keeps a cell in
    columns: int  # from column A to the last such column
    cells: int  # cell records: calamine holds each until the sheet is laid out


def _u32s(chunk: bytes) -> tuple[int, ...]:
    return struct.unpack(f"<{len(chunk) // 4}I", chunk)


class _Compound:
    """The sectors of a compound file, read from `data` without copying more than a stream."""

    def __init__(self, data: bytes):
        if len(data) < 512 or data[:8] != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise Damaged("not a compound file")
        self.data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 30)
        if shift not in (9, 12) or mini_shift != 6:
            raise Damaged("sector sizes")
        self.size = 1 << shift
        self.sectors = max(len(data) // self.size - 1, 0)  # the header takes the first sector
        dir_start, _, _, mini_fat_start, _, difat_start = struct.unpack_from("<IIIIII", data, 48)
        difat = list(_u32s(data[76:512]))
        for sector in self._chain_from(difat_start, lambda s: _u32s(self.sector(s))[-1]):
            difat += _u32s(self.sector(sector))[:-1]
        fat_sectors = [s for s in difat if s != FREESECT]
        if len(set(fat_sectors)) < len(fat_sectors):
            raise Damaged("a sector of the allocation table listed twice")
        # Kept as bytes: a file's allocation table has an entry for each of its sectors.
        self.fat = b"".join(self.sector(s) for s in fat_sectors)
        self.directory = self.chain(dir_start)
        if len(self.directory) < 128:
            raise Damaged("no root directory entry")
        root_start, root_size = self._entry(0)[1:]
        self.mini_stream = self.chain(root_start, root_size)
        self.mini_fat = self.chain(mini_fat_start)

    def sector(self, sector: int) -> bytes:
        if sector >= self.sectors:
            raise Damaged("sector beyond the end of the file")
        start = (sector + 1) * self.size
        return self.data[start : start + self.size]

    def _chain_from(self, start: int, following, limit: int | None = None):
        """The sectors of a chain; one visited twice is a loop, which would never end."""
        seen: set[int] = set()
        sector = start
        while sector not in (ENDOFCHAIN, FREESECT):
            if sector in seen or len(seen) > (limit if limit is not None else self.sectors):
                raise Damaged("a sector chain runs in a loop")
            seen.add(sector)
            yield sector
            sector = following(sector)

    def _next(self, sector: int) -> int:
        if sector >= len(self.fat) // 4:
            raise Damaged("sector beyond the allocation table")
        return struct.unpack_from("<I", self.fat, sector * 4)[0]

    def chain(self, start: int, size: int | None = None) -> bytes:
        """A chain's bytes, at most `size` of them: the whole chain is followed all the same."""
        sectors = list(self._chain_from(start, self._next))
        if size is not None:
            sectors = sectors[: -(-size // self.size)]
        return b"".join(self.sector(s) for s in sectors)[:size]

    def mini_chain(self, start: int, size: int) -> bytes:
        def following(sector: int) -> int:
            if sector >= len(self.mini_fat) // 4:
                raise Damaged("mini sector beyond its allocation table")
            return struct.unpack_from("<I", self.mini_fat, sector * 4)[0]

        pieces = []
        for sector in self._chain_from(start, following, len(self.mini_stream) // 64):
            if (sector + 1) * 64 > len(self.mini_stream):
                raise Damaged("mini sector beyond the mini stream")
            pieces.append(self.mini_stream[sector * 64 : (sector + 1) * 64])
        return b"".join(pieces)[:size]

    def _entry(self, index: int) -> tuple[str, int, int]:
        entry = self.directory[index * 128 : (index + 1) * 128]
        name = entry[:64].decode("utf-16-le", errors="ignore").split("\0", 1)[0]
        start = struct.unpack_from("<I", entry, 116)[0]
        size = struct.unpack_from("<I" if self.size == 512 else "<Q", entry, 120)[0]
        return name, start, size

    def stream(self, *names: str) -> bytes:
        """The first stream by the first of `names` found, every entry in order as calamine reads
        them (not the directory's tree, which could hide one)."""
        for wanted in names:
            for index in range(len(self.directory) // 128):
                name, start, size = self._entry(index)
                if name == wanted and size >= MINI_STREAM_CUTOFF:
                    return self.chain(start, size)
                if name == wanted:
                    return self.mini_chain(start, size)
        raise Damaged("no Workbook stream")


def _records(stream: bytes, pos: int):
    """(type, where its data starts, its length) of each record from `pos`, as calamine reads them:
    the CONTINUE records after one are part of it."""
    end = len(stream)
    unpack = struct.unpack_from
    while pos < end:
        if end - pos < 4:
            raise Damaged("a record cut short")
        typ, length = unpack("<HH", stream, pos)
        if pos + 4 + length > end:
            raise Damaged("a record longer than the stream")
        yield typ, pos + 4, length
        pos += 4 + length
        while end - pos > 4 and unpack("<H", stream, pos)[0] == CONTINUE:
            length = unpack("<H", stream, pos + 2)[0]
            if pos + 4 + length > end:
                raise Damaged("a record longer than the stream")
            pos += 4 + length


def _sheet_name(data: bytes, biff8: bool) -> str:
    count = data[6] if len(data) > 6 else 0
    if not biff8:
        return data[7 : 7 + count].decode("cp1252", errors="replace")
    wide = len(data) > 7 and data[7] & 1
    text = data[8 : 8 + count * (2 if wide else 1)]
    return text.decode("utf-16-le" if wide else "latin-1", errors="replace").replace("\0", "")


def _boundsheets(stream: bytes) -> list[tuple[str, int]]:
    """Each sheet's name and where its records start, from the workbook's own records."""
    sheets, biff8 = [], True
    for typ, at, length in _records(stream, 0):
        data = stream[at : at + length]
        if typ == EOF:
            break
        if typ == FILEPASS:
            raise Protected
        if typ == BOF and length >= 2:
            biff8 = struct.unpack_from("<H", data)[0] not in (0x0200, 0x0002, 0x0007, 0x0300, 0x0400, 0x0500)
        elif typ == BOUNDSHEET:
            if length < 8:
                raise Damaged("a sheet record cut short")
            sheets.append((_sheet_name(data, biff8), struct.unpack_from("<I", data)[0]))
    return sheets


def _dimensions_fit(stream: bytes, at: int, length: int) -> bool:
    """calamine reserves room for the cells a DIMENSIONS record gives, subtracting without checking:
    first row 10 and last row 5 asked for 4 billion rows and ended the process."""
    if length == 14:
        first_row, last_row, first_column, last_column = struct.unpack_from("<IIHH", stream, at)
    elif length == 10:
        first_row, last_row, first_column, last_column = struct.unpack_from("<HHHH", stream, at)
    else:
        return False
    if last_row == 0 or last_column == 0:
        return True  # calamine takes the first cell alone
    return first_row < last_row <= XLS_ROWS and first_column < last_column <= XLS_COLUMNS


def _extent(stream: bytes, pos: int, max_cells: int) -> Extent:
    """The cells calamine keeps from a sheet's records: it stops at the sheet's EOF."""
    if pos > len(stream):
        raise Damaged("a sheet starts beyond the stream")
    unpack = struct.unpack_from
    last_row = last_column = -1
    cells = 0
    formula_at = (0, 0)  # calamine puts a formula's text where the formula before it was
    for typ, at, length in _records(stream, pos):
        if typ == EOF:
            break
        places: tuple[tuple[int, int], ...] = ()
        if typ in CELLS:
            if length < CELLS[typ]:
                raise Damaged("a cell record cut short")
            places = (unpack("<HH", stream, at),)
        elif typ == FORMULA:
            if length < 20:
                raise Damaged("a formula record cut short")
            formula_at = unpack("<HH", stream, at)
            # A text result is kept only from the STRING record that follows.
            if not (stream[at + 6] == 0 and stream[at + 12 : at + 14] == b"\xff\xff"):
                places = (formula_at,)
        elif typ == STRING:
            places = (formula_at,)
        elif typ == MULRK:
            if length < 6:
                raise Damaged("a cell record cut short")
            row, first = unpack("<HH", stream, at)
            count = (unpack("<H", stream, at + length - 2)[0] - first + 1) & 0xFFFF
            if length != 6 + 6 * count:
                raise Damaged("a MULRK record of the wrong length")
            places = ((row, first), (row, first + count - 1)) if count else ()
            cells += max(count - 2, 0)
        elif typ == DIMENSIONS and not _dimensions_fit(stream, at, length):
            raise Damaged("a DIMENSIONS record beyond any sheet")
        for row, column in places:
            last_row, last_column = max(last_row, row), max(last_column, column)
            cells += 1
        if cells > max_cells:
            break  # already too many to hold: no need to read on
    return Extent(last_row + 1, last_column + 1, cells)


def sheet_extents(data: bytes, max_cells: int) -> dict[str, Extent]:
    """How far calamine will lay out each sheet (worksheets, charts and macro sheets alike: it reads
    all of them), by name in the workbook's order. Raises Damaged or Protected."""
    try:
        stream = _Compound(data).stream("Workbook", "Book")
        return {name: _extent(stream, pos, max_cells) for name, pos in _boundsheets(stream)}
    except (struct.error, IndexError) as e:
        raise Damaged(str(e)) from e
