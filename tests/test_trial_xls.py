"""Old Excel workbooks (.xls) that would take the computer's memory, or are damaged, refused before
calamine lays them out; ordinary ones still import as they did.

The hostile files are written here record by record (BIFF8 in a compound file): no library
that writes .xls is installed, and these files must say things no such library would write.
"""

import struct
import time
from pathlib import Path

import pytest

from loaders import pipeline, workbook
from loaders.problems import UnreadableFile
from portfolio import store

from .test_trial_hostile import _peak_memory_mb

DATA = Path(__file__).parent / "data"


def _record(typ: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", typ, len(data)) + data


def _number(row: int, column: int, value: float) -> bytes:
    return _record(0x0203, struct.pack("<HHHd", row, column, 0, value))


def _text(row: int, column: int, text: str) -> bytes:
    return _record(0x0204, struct.pack("<HHHHB", row, column, 0, len(text), 1) + text.encode("utf-16-le"))


def _blank(row: int, column: int) -> bytes:
    return _record(0x0201, struct.pack("<HHH", row, column, 0))


def _dimensions(first_row: int, last_row: int, first_column: int, last_column: int) -> bytes:
    return _record(0x0200, struct.pack("<IIHHH", first_row, last_row, first_column, last_column, 0))


PORTFOLIO = [
    ["Project ID", "Title", "Donor", "Country", "Total budget (EUR)", "Start", "End"],
    ["H-1", "Customs reform", "EU", "Serbia", 100000.0, "2020-01-01", "2021-12-31"],
]
TABLE = [
    _text(r, c, v) if isinstance(v, str) else _number(r, c, v)
    for r, values in enumerate(PORTFOLIO)
    for c, v in enumerate(values)
]
BOF_SHEET = _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 0x0206))
BOF_BOOK = _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x0206))
EOF = _record(0x000A)


def _stream(sheets: dict[str, list[bytes]], before: bytes = b"") -> bytes:
    """A Workbook stream: the workbook's records (`before` among them), then each sheet's."""

    def book(positions: list[int]) -> bytes:
        sheet_records = b"".join(
            _record(0x0085, struct.pack("<IBBBB", at, 0, 0, len(name), 1) + name.encode("utf-16-le"))
            for at, name in zip(positions, sheets, strict=True)
        )
        return BOF_BOOK + _record(0x0042, struct.pack("<H", 1200)) + before + sheet_records + EOF

    bodies = [BOF_SHEET + b"".join(records) + EOF for records in sheets.values()]
    positions, at = [], len(book([0] * len(sheets)))
    for body in bodies:
        positions.append(at)
        at += len(body)
    return book(positions) + b"".join(bodies)


ENDOFCHAIN, FREESECT, FATSECT = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD


def _entry(name: str, kind: int, start: int, size: int, child: int = FREESECT) -> bytes:
    encoded = name.encode("utf-16-le") + b"\0\0"
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBBIII", len(encoded), kind, 1, FREESECT, FREESECT, child)
        + bytes(36)
        + struct.pack("<II", start, size)
    ).ljust(128, b"\0")


def _compound(stream: bytes, chain=None) -> bytes:
    """A compound file of 512-byte sectors holding `stream` as its Workbook (padded to 4 KB, past
    the mini stream); `chain` may replace the stream's sector chain in the allocation table."""
    stream = stream.ljust(4096, b"\0")
    count = -(-len(stream) // 512)
    sectors = [stream[i * 512 : (i + 1) * 512].ljust(512, b"\0") for i in range(count)]
    directory = len(sectors)
    sectors.append(
        (_entry("Root Entry", 5, ENDOFCHAIN, 0, child=1) + _entry("Workbook", 2, 0, len(stream))).ljust(
            512, b"\0"
        )
    )
    fat_sectors = -(-(len(sectors) + 1) // 127)
    fat = chain or [*range(1, count), ENDOFCHAIN]
    fat = [*fat, ENDOFCHAIN, *[FATSECT] * fat_sectors]
    fat += [FREESECT] * (fat_sectors * 128 - len(fat))
    first_fat = len(sectors)
    sectors.append(struct.pack(f"<{len(fat)}I", *fat))
    difat = [first_fat + i for i in range(fat_sectors)] + [FREESECT] * (109 - fat_sectors)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<9I", 0, fat_sectors, directory, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
        + struct.pack("<109I", *difat)
    )
    return header + b"".join(sectors)


def _xls(*records: bytes, before: bytes = b"") -> bytes:
    return _compound(_stream({"Portfolio": [*TABLE, *records]}, before))


@pytest.fixture
def db(sample_db):
    opened = store.open_store(sample_db)
    yield opened
    opened.close()


STRAY_REFUSED = (
    "sheet 'Portfolio' reaches row 65,536 and column 256: 16,777,216 cells from A1, where aidtrack reads at "
    "most 10,000,000. Delete the rows and columns beyond your table (a stray value far below or to the right "
    "of it, say) and save the file again."
)


def test_a_stray_cell_at_the_far_corner_of_an_xls_is_refused_before_calamine_lays_it_out():
    # calamine lays every sheet of an .xls out as it opens the file: this 5 KB file took 1.2 GB and
    # 1.9 s before the sheet's size could be looked at, more memory than a small server has.
    data = _xls(_dimensions(0, 65536, 0, 256), _number(65535, 255, 1.0))
    assert len(data) < 10_000
    begun = time.perf_counter()
    with pytest.raises(UnreadableFile) as e:
        workbook.read_bytes(data, "far.xls")
    assert time.perf_counter() - begun < 1
    assert e.value.message == STRAY_REFUSED
    peak, said = _peak_memory_mb(data, "far.xls")
    assert said == STRAY_REFUSED
    assert peak < 250


def test_sheets_that_fit_one_by_one_but_not_together_are_refused():
    # calamine holds every sheet laid out at once: six of 65,536 rows by 30 columns are 11.8 million.
    far = [_number(65535, 29, 1.0)]
    data = _compound(_stream({f"Q{i}": [*TABLE, *far] for i in range(1, 7)}))
    with pytest.raises(UnreadableFile) as e:
        workbook.read_bytes(data, "quarters.xls")
    assert e.value.message.startswith(
        "has sheets that together reach 11,796,480 cells from A1 ('Q1' 1,966,080, 'Q2' 1,966,080, 'Q3' "
        "1,966,080), where aidtrack reads at most 10,000,000 in all"
    )


def test_formatting_far_off_and_a_dimensions_record_for_the_whole_sheet_still_import(db):
    # calamine keeps no blank cell, and only reserves (never fills) what DIMENSIONS gives.
    data = _xls(_blank(65535, 255))
    data_dimensions = _compound(_stream({"Portfolio": [_dimensions(0, 65536, 0, 256), *TABLE]}))
    for book in (data, data_dimensions):
        plan, _ = pipeline.preview_file(db, book, "formatted.xls")
        assert (plan.counts["added"], plan.counts["rejected"]) == (1, 0)
        peak, said = _peak_memory_mb(book, "formatted.xls")
        assert (said, peak < 250) == ("", True)


@pytest.mark.parametrize("name", ["t02_usaid_mission_tracker", "t06_quarterly_tabs_notes_summary"])
def test_an_xls_saved_by_a_spreadsheet_program_reads_as_its_xlsx_does(db, name):
    # Saved by LibreOffice from the trial workbooks: a small Workbook stream in the mini stream.
    xls = workbook.read_file(DATA / "xls" / f"{name}.xls")
    xlsx = workbook.read_file(DATA / "trials" / f"{name}.xlsx")
    assert [(s.name, s.rows) for s in xls.sheets] == [(s.name, s.rows) for s in xlsx.sheets]
    xls_plan, _ = pipeline.preview_file(db, (DATA / "xls" / f"{name}.xls").read_bytes(), f"{name}.xls")
    xlsx_plan, _ = pipeline.preview_file(db, (DATA / "trials" / f"{name}.xlsx").read_bytes(), f"{name}.xlsx")
    assert xls_plan.counts == xlsx_plan.counts


def _looped() -> bytes:
    stream = _stream({"Portfolio": TABLE}).ljust(4096, b"\0")
    return _compound(stream, chain=[1, 2, 3, 4, 5, 6, 7, 0])  # the last sector leads back to the first


def _lying_length() -> bytes:
    stream = bytearray(_stream({"Portfolio": TABLE}))
    at = stream.index(_number(1, 4, 100000.0))
    stream[at + 2 : at + 4] = struct.pack("<H", 60_000)
    return _compound(bytes(stream)[: at + 100])


DAMAGED_FILES = {
    "cut short": _xls()[:3000],
    "a record longer than the stream": _lying_length(),
    "a sector chain in a loop": _looped(),
    # calamine subtracted without checking and asked for 44 TB, 4 billion rows: it ended the process.
    "dimensions beyond any sheet": _xls(_dimensions(0, 0xFFFFFFFF, 0, 256)),
    "dimensions ending before they begin": _xls(_dimensions(10, 5, 0, 3)),
    # calamine panicked (a BaseException, not an error) reading 50 merged ranges from 8 bytes
    "a merged-cell count past its record": _xls(_record(0x00E5, struct.pack("<H", 50) + bytes(8))),
    "no Workbook stream": _xls().replace("Workbook".encode("utf-16-le"), "Workbuch".encode("utf-16-le")),
}


@pytest.mark.parametrize("damage", DAMAGED_FILES)
def test_a_damaged_xls_is_one_plain_message_in_bounded_time_and_memory(damage):
    data = DAMAGED_FILES[damage]
    peak, said = _peak_memory_mb(data, "damaged.xls")
    assert said == f"{workbook.DAMAGED}"
    assert peak < 250
    begun = time.perf_counter()
    with pytest.raises(UnreadableFile):
        workbook.read_bytes(data, "damaged.xls")
    assert time.perf_counter() - begun < 1


def test_an_xls_saved_with_a_password_says_so():
    # Its cells are encrypted: read as they are, they would be cells anywhere on the sheet.
    data = _xls(before=_record(0x002F, struct.pack("<HHH", 1, 1, 1) + bytes(48)))
    with pytest.raises(UnreadableFile) as e:
        workbook.read_bytes(data, "locked.xls")
    assert e.value.message == workbook.PASSWORD
