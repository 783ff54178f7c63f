"""Hostile input trial: files a user, or someone sending a file to a programme manager, could
offer aidtrack, and what aidtrack writes back out. Each test failed before its fix.
"""

import csv
import io
import itertools
import struct
import subprocess
import sys
import time
import zipfile
import zlib

import openpyxl
import pandas as pd
import pytest

from loaders import pipeline, template, workbook
from loaders.problems import UnreadableFile
from portfolio import imports, store
from ui.format import literal

from .conftest import ROOT
from .test_import import rows
from .test_import_page import upload
from .test_pages import app

HEADER = [
    "Project ID",
    "Title",
    "Description",
    "Donor",
    "Country",
    "Objectives",
    "Total budget (EUR)",
    "Start",
    "End",
]


def _csv(lines: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *lines])
    return out.getvalue().encode()


@pytest.fixture
def db(sample_db):
    opened = store.open_store(sample_db)
    yield opened
    opened.close()


def _formulas(book: bytes) -> list[tuple[str, str, object]]:
    """Every cell of every sheet that a spreadsheet program would run as a formula."""
    wb = openpyxl.load_workbook(io.BytesIO(book))
    return [
        (ws.title, c.coordinate, c.value)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ]


# A control character before the '=' passed the formula check, was then dropped, and the cell
# was written as '=HYPERLINK(...)': a formula.
HIDDEN = '\x01=HYPERLINK("http://evil","click")'


def test_a_control_character_before_a_formula_does_not_make_a_formula_in_any_written_workbook(db):
    plan, loaded = pipeline.preview_file(
        db,
        _csv(
            [
                ["HX-1", "Customs", HIDDEN, "EU", "Serbia", HIDDEN, "1000", "2020-01-01", "2021-12-31"],
                ["HX-2", HIDDEN, "x", "EU", "Serbia", "", "-5", "2022-01-01", "2021-12-31"],  # ends first
            ]
        ),
        "hostile.csv",
    )
    assert plan.counts["rejected"] == 1
    imports.apply(db, plan)
    # The aim is stored without the control character, as titles and descriptions are.
    assert rows(db, "SELECT aim FROM project_aims WHERE project_id = 'HX-1'") == [(HIDDEN[1:],)]

    exported = io.BytesIO()
    pipeline.write_export(exported, db.connection)
    assert _formulas(exported.getvalue()) == []
    sheet = openpyxl.load_workbook(io.BytesIO(exported.getvalue()))["Projects"]
    cell = next(r[2] for r in sheet.iter_rows(min_row=2) if r[0].value == "HX-1")
    assert (cell.value, cell.data_type, cell.quotePrefix) == (HIDDEN[1:], "s", True)

    fixme = io.BytesIO()
    pipeline.write_fixme_workbook(fixme, loaded, plan)
    assert _formulas(fixme.getvalue()) == []
    fix_sheet = openpyxl.load_workbook(io.BytesIO(fixme.getvalue())).worksheets[0]
    assert [c.value for c in next(fix_sheet.iter_rows(min_row=2))][:2] == ["HX-2", HIDDEN[1:]]

    table = io.BytesIO()
    template.write_table(table, pd.DataFrame({"Title": [HIDDEN, "-2+3", "plain"], "Budget": [-5, 1, 2]}))
    assert _formulas(table.getvalue()) == []
    values = [[c.value for c in r] for r in openpyxl.load_workbook(table).active.iter_rows(min_row=2)]
    assert values == [[HIDDEN[1:], -5], ["-2+3", 1], ["plain", 2]]  # numbers stay numbers

    # The exported workbook imports back unchanged.
    plan, _ = pipeline.preview_file(db, exported.getvalue(), "export.xlsx")
    assert (plan.counts["added"], plan.counts["updated"], plan.counts["rejected"]) == (0, 0, 0)


QUOTE_NEVER_CLOSED = (
    "cannot be read from line 3: a value starting there runs on for more than 131,072 characters, far "
    'more than a spreadsheet cell holds. Most likely a quote (") on that line is opened and never closed, '
    "so the rest of the file reads as one value. Close or remove the quote and import the file again."
)


def _unclosed_quote_csv() -> bytes:
    line = "C-{0},Customs {0},x,EU,Serbia,,1000,2020-01-01,2021-12-31\n"
    head = _csv([]).decode() + line.format(1)
    return (head + 'C-2,"Border' + " management" * 20_000 + "\n" + line.format(3)).encode()


def test_a_quote_never_closed_in_a_csv_is_one_message_not_a_traceback(db):
    # Python's csv reader raised "_csv.Error: field larger than field limit (131072)": the CLI
    # printed a traceback and the Import page showed an exception.
    with pytest.raises(UnreadableFile) as e:
        pipeline.preview_file(db, _unclosed_quote_csv(), "quote.csv")
    assert (e.value.file, e.value.message) == ("quote.csv", QUOTE_NEVER_CLOSED)


def test_the_import_page_says_what_is_wrong_with_a_quote_never_closed(sample_db):
    at = upload(app("pages/imports.py"), "quote.csv", _unclosed_quote_csv())
    assert at.error[0].value == "**Nothing was imported.** " + literal(f"quote.csv: {QUOTE_NEVER_CLOSED}")


def test_a_file_a_byte_over_the_upload_limit_says_it_is_over_it():
    # It said "is 25.0 MB; aidtrack imports files of up to 25 MB".
    with pytest.raises(UnreadableFile) as e:
        workbook.check_size(workbook.MAX_UPLOAD_MB * workbook.MB + 1, "big.csv")
    assert e.value.message.startswith(
        f"is just over {workbook.MAX_UPLOAD_MB} MB; aidtrack imports files of up to"
    )


# --- Workbooks that would take the computer's memory -----------------------------------------

PORTFOLIO = [
    ["Project ID", "Title", "Donor", "Country", "Total budget (EUR)", "Start", "End"],
    ["H-1", "Customs reform", "EU", "Serbia", "100000", "2020-01-01", "2021-12-31"],
]


def _inline(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def _sheet_xml(extra: bytes = b"", dimension: bytes = b"") -> bytes:
    rows = b"".join(
        b'<row r="%d">' % r
        + b"".join(_inline(f"{chr(65 + c)}{r}", v) for c, v in enumerate(values))
        + b"</row>"
        for r, values in enumerate(PORTFOLIO, 1)
    )
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + dimension
        + b"<sheetData>"
        + rows
        + extra
        + b"</sheetData></worksheet>"
    )


def _xlsx(sheet_xml: bytes) -> bytes:
    """A workbook of openpyxl's making with its sheet's XML replaced."""
    book = openpyxl.Workbook()
    book.active.title = "Portfolio"
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            is_sheet = info.filename == "xl/worksheets/sheet1.xml"
            dst.writestr(info.filename, sheet_xml if is_sheet else src.read(info.filename))
    return out.getvalue()


CELLS_REFUSED = (
    "sheet 'Portfolio' reaches row 1,048,576 and column 500: 524,288,000 cells from A1, where aidtrack "
    "reads at most 10,000,000. Delete the rows and columns beyond your table (a stray value far below or "
    "to the right of it, say) and save the file again."
)


ZEROS_REFUSED = CELLS_REFUSED.replace("1,048,576", "999,999").replace("524,288,000", "499,999,500")
ROWS_REFUSED = "sheet 'Portfolio' has 1,100,001 rows; aidtrack reads at most 1,100,000. Split the file."
NAMESPACED_REFUSED = (
    "sheet 'Portfolio' has 607 columns; aidtrack reads at most 500. Delete the unused columns and save the "
    "file again."
)
LETTERS_REFUSED = (
    "sheet 'Portfolio' has 12,356,631 columns; aidtrack reads at most 500. Delete the unused columns and "
    "save the file again."
)


@pytest.mark.parametrize(
    "where, refused",
    [
        (
            b'<row r="1048576">' + _inline("SF1048576", "x") + b"</row>",
            CELLS_REFUSED,
        ),  # a stray value far off
        # ... before the table, or inside its first row: calamine takes the largest of all
        (b'<row r="3"><c r="SF1048576" t="inlineStr"><is><t>x</t></is></c></row>', CELLS_REFUSED),
        # ... or written in small letters, which calamine reads as capitals
        (b'<row r="1048576">' + _inline("sf1048576", "x") + b"</row>", CELLS_REFUSED),
        # ... or with its reference written as calamine reads it but writers do not: in single
        # quotes, with spaces, as a second r attribute (calamine takes the last), in a namespace
        (b"<row r='3'><c r='SF1048576' t='inlineStr'><is><t>x</t></is></c></row>", CELLS_REFUSED),
        (b'<row r="3"><c r = "SF1048576" t="inlineStr"><is><t>x</t></is></c></row>', CELLS_REFUSED),
        (b'<row r="3"><c r="B3" r = "SF1048576" t="inlineStr"><is><t>x</t></is></c></row>', CELLS_REFUSED),
        (b'<row r="3"><x:c r="SF1048576" t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c></row>', CELLS_REFUSED),
        # ... or behind a row number with leading zeros, which a check of the rows must not trust
        (
            b'<row r="0000099">' + _inline("SF999999", "x") + _inline("A0000099", "y") + b"</row>",
            ZEROS_REFUSED,
        ),
        (b'<row r="3"><c r="B3" r\t="SF1048576" t="inlineStr"><is><t>x</t></is></c></row>', CELLS_REFUSED),
        (b'<row r="3"><c r="B3" r=\'SF1048576\' t="inlineStr"><is><t>x</t></is></c></row>', CELLS_REFUSED),
        # ... or cells without a reference, which calamine puts after the one before, in a namespace
        (
            b'<row r="3">' + b"<x:c t='inlineStr'><x:is><x:t>x</x:t></x:is></x:c>" * 600 + b"</row>",
            NAMESPACED_REFUSED,
        ),
        # ... or far below in a column the table uses, before the rows that come next
        (b'<row r="3">' + _inline("G1100001", "x") + b"</row>", ROWS_REFUSED),
        # ... or in a column of more than three letters, which calamine reads (AAAAAA is column
        # 12,356,631: it asked for 39 GB)
        (b'<row r="100">' + _inline("AAAAAA100", "x") + b"</row>", LETTERS_REFUSED),
    ],
)
def test_a_few_kilobytes_reaching_row_1048576_and_column_500_are_refused_before_calamine_lays_them_out(
    db, where, refused
):
    # calamine asked for 16 GB (32 bytes a cell from A1 to SF1048576) and, failing, ended the
    # whole process: the dashboard with it (or, where the computer had it, spent 30 s filling it).
    # Read in a child process so that the old code's crash does not end the test run.
    data = _xlsx(_sheet_xml(where))
    assert len(data) < 10_000
    peak, said = _peak_memory_mb(data, "far.xlsx")
    assert said == refused
    assert peak < 400


def test_a_dimension_claiming_the_whole_sheet_or_empty_formatted_cells_far_off_still_import(db):
    # What a spreadsheet program writes for formatting is not refused: only filled cells count.
    for xml in (
        _sheet_xml(dimension=b'<dimension ref="A1:XFD1048576"/>'),
        _sheet_xml(b'<row r="1048576"><c r="XFD1048576" s="0"/></row>'),
    ):
        plan, _ = pipeline.preview_file(db, _xlsx(xml), "wide.xlsx")
        assert (plan.counts["added"], plan.counts["rejected"]) == (1, 0)


def _deflated(name: str, pieces, declared: int | None = None) -> tuple[bytes, bytes]:
    """A zip entry's local header and data, and its central directory record; `declared` is the
    unpacked size the headers give (a lie when it differs)."""
    packer, crc, size, packed = zlib.compressobj(9, zlib.DEFLATED, -15), 0, 0, bytearray()
    for piece in pieces:
        packed += packer.compress(piece)
        crc, size = zlib.crc32(piece, crc), size + len(piece)
    packed += packer.flush()
    size = size if declared is None else declared
    fields = (crc, len(packed), size, len(name))
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, *fields, 0) + name.encode() + packed
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, *fields, 0, 0, 0, 0, 0, 0)
    return local, central + name.encode()


def _zip(entries: list[tuple[bytes, bytes]]) -> bytes:
    out, directory = bytearray(), bytearray()
    for local, central in entries:
        directory += central[:42] + struct.pack("<I", len(out)) + central[46:]
        out += local
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), len(out), 0)
    return bytes(out + directory + end)


def _spaces_bomb(megabytes: int, declared: int | None = None) -> bytes:
    """A workbook whose sheet is a run of spaces: a megabyte of file per gigabyte of sheet."""
    with zipfile.ZipFile(io.BytesIO(_xlsx(_sheet_xml()))) as z:
        entries = [
            _deflated(i.filename, [z.read(i.filename)])
            for i in z.infolist()
            if i.filename != "xl/worksheets/sheet1.xml"
        ]
    head, tail = _sheet_xml().split(b"<sheetData>")
    spaces = itertools.repeat(b" " * 2**20, megabytes)
    entries.append(_deflated("xl/worksheets/sheet1.xml", [head, b"<sheetData>", *spaces, tail], declared))
    return _zip(entries)


def _peak_memory_mb(data: bytes, name: str) -> tuple[int, str]:
    """Read `data` in a child process: its peak memory (MB) and the message it was refused with.

    VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so it would give pytest's own size."""
    probe = (
        "import sys; from loaders import workbook; from loaders.problems import UnreadableFile\n"
        "try:\n    workbook.read_bytes(sys.stdin.buffer.read(), sys.argv[1]); said = ''\n"
        "except UnreadableFile as e:\n    said = e.message\n"
        "peak = [line for line in open('/proc/self/status') if line.startswith('VmHWM')][0]\n"
        "print(int(peak.split()[1]) // 1024); print(said)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, name], input=data, capture_output=True, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr[-500:]
    peak, said = done.stdout.decode().split("\n", 1)
    return int(peak), said.strip()


def test_a_zip_bomb_within_the_unpacked_limit_is_refused_from_the_directory():
    # 1 MB that unpacks to 1,000 MB passed the 1,024 MB check: reading it took 2.2 GB and 15 s.
    data = _spaces_bomb(1000)
    assert len(data) < 1.1 * 2**20
    peak, said = _peak_memory_mb(data, "spaces.xlsx")
    assert said.startswith("would unpack to 1,000 MB from 1.0 MB (1,028 times its size; a workbook's sheets")
    assert peak < 400


def test_a_zip_bomb_whose_directory_lies_about_its_size_is_refused_without_unpacking_it():
    # The directory says the sheet is 10 KB; it unpacks to 3 GB. calamine noticed, but the
    # reader of hidden rows (zipfile's read()) unpacked 2 GB at once: 2.3 GB of memory for 3 MB.
    peak, said = _peak_memory_mb(_spaces_bomb(3000, declared=10_000), "lying.xlsx")
    assert said == workbook.DAMAGED
    assert peak < 400


def test_a_reference_inside_a_tag_longer_than_16_mb_is_not_skipped():
    # The check kept only the last 64 bytes of 16 MB without a '>': a second r attribute between
    # two 17 MB attribute values (a 40 KB file) passed unseen, and calamine asked for 16 GB.
    pad = b"x" * (17 * 2**20)
    where = b'<row r="3"><c r="C3" a="%s" r="SF1048576" b="%s" t="inlineStr"><is><t>x</t></is></c></row>'
    data = _xlsx(_sheet_xml(where % (pad, pad)))
    assert len(data) < 100_000
    peak, said = _peak_memory_mb(data, "long.xlsx")
    assert said == workbook.DAMAGED
    assert peak < 400


# A fresh interpreter reads the workbook on a thread, as the Import page and the command line do:
# how much more memory the process holds after (MB), and how much of it its rows are as Python lists.
HELD_AFTER_READING = """
import sys
from concurrent.futures import ThreadPoolExecutor
from loaders.workbook import read_bytes
def rss():
    status = open("/proc/self/status").read()
    return int(status.split("VmRSS:")[1].split()[0]) // 1024
data = sys.stdin.buffer.read()
before = rss()
rows = ThreadPoolExecutor(1).submit(read_bytes, data, "long.xlsx").result().sheets[0].rows
held = rss() - before
lists = sys.getsizeof(rows) + sum(sys.getsizeof(r) + sum(map(sys.getsizeof, r)) for r in rows)
print(held, lists // 2**20)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc; glibc's malloc_trim gives the memory back")
def test_what_calamine_frees_after_reading_a_workbook_on_a_thread_is_given_back():
    # The C library kept what calamine freed for the thread that read the sheet, and the check
    # after took more: 350 MB of the 2.2 GB an import of 1,100,000 rows by 9 columns took. Here
    # 100,000 rows by 10 columns, 70 MB as lists: the process held 136 to 139 MB more after reading.
    row = b"<row>" + b'<c t="inlineStr"><is><t>Road repair</t></is></c>' * 10 + b"</row>"
    data = _xlsx(_sheet_xml(row * 100_000))
    done = subprocess.run(
        [sys.executable, "-c", HELD_AFTER_READING], input=data, capture_output=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr[-500:]
    held, lists = map(int, done.stdout.split())
    assert lists > 60
    assert held < lists + 40


# --- What calamine does not tell (hidden columns, error cells), read from the sheet XML ---------


def _timed_preview(db, xml: bytes) -> tuple[float, dict]:
    start = time.perf_counter()
    plan, _ = pipeline.preview_file(db, _xlsx(xml), "marks.xlsx")
    return time.perf_counter() - start, plan.counts


def test_error_cells_without_a_value_take_no_time(db):
    # Each searched on to the end of the sheet for a value: 10,000 of them (50 KB) took 12 s,
    # 20,000 took 46 s, holding the interpreter (the dashboard stood still meanwhile).
    errors = b"".join(b'<row r="%d"><c r="H%d" t="e"/></row>' % (r, r) for r in range(3, 10_003))
    seconds, counts = _timed_preview(db, _sheet_xml(errors))
    assert (counts["added"], counts["rejected"]) == (1, 0)
    assert seconds < 4


def test_an_error_cell_is_still_found_with_its_value(db):
    broken = b'<row r="3">' + b"".join(
        _inline(f"{c}3", v) for c, v in zip("ABC", ["H-2", "Border", "EU"], strict=True)
    )
    broken += b'<c r="D3" t="e"><f>VLOOKUP(X1,Y:Y,1,0)</f><v>#N/A</v></c></row>'
    plan, loaded = pipeline.preview_file(db, _xlsx(_sheet_xml(broken)), "marks.xlsx")
    report = pipeline.report(plan, loaded)
    assert [(p["row"], p["column"]) for p in report["problems"] if p["severity"] == "error"] == [
        (3, "Country")
    ]


def test_odd_hidden_column_ranges_do_not_fail_the_import(db):
    # min="x": ValueError, and the import failed with a traceback.
    xml = _sheet_xml().replace(b"<sheetData>", b'<cols><col min="x" max="3" hidden="1"/></cols><sheetData>')
    assert _timed_preview(db, xml)[1]["added"] == 1


ALL_HIDDEN = (
    "has its columns hidden on sheet 'Portfolio', and aidtrack does not import hidden columns (where people "
    "keep superseded figures). Unhide them (select the sheet, right-click a column letter, Unhide) and "
    "import it again."
)


def test_a_sheet_with_every_column_hidden_says_so_quickly(db):
    # 30,000 <col> elements each hiding A:XFD took 12 s (a set of 16,384 columns each), and a
    # sheet whose columns are all hidden then failed with StopIteration (a traceback).
    cols = b'<col min="1" max="16384" hidden="1"/>' * 30_000
    xml = _sheet_xml().replace(b"<sheetData>", b"<cols>" + cols + b"</cols><sheetData>")
    start = time.perf_counter()
    with pytest.raises(UnreadableFile) as e:
        pipeline.preview_file(db, _xlsx(xml), "hidden.xlsx")
    assert time.perf_counter() - start < 4
    assert e.value.message == ALL_HIDDEN


def _ods(manifest_entry: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            f"{manifest_entry}</manifest:manifest>",
        )
        z.writestr("content.xml", content)
    return out.getvalue()


def test_an_ods_saved_with_a_password_says_so(db):
    # It was called damaged ("a download or copy that did not finish"), so the user fetched it again.
    encrypted = (
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
        '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x">'
        '<manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="x"/>'
        "</manifest:encryption-data></manifest:file-entry>"
    )
    with pytest.raises(UnreadableFile) as e:
        pipeline.preview_file(db, _ods(encrypted, bytes(range(256)) * 20), "budget.ods")
    assert e.value.message == (
        "is protected with a password. Open it in LibreOffice Calc, save it again (File > Save As) with "
        "'Save with password' unticked, and import that."
    )


def _ods_table(body: str) -> bytes:
    """An ods of one sheet, Portfolio, holding the header and one project, then `body`."""
    cell = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'
    table_rows = "".join(
        "<table:table-row>" + "".join(map(cell.format, r)) + "</table:table-row>" for r in PORTFOLIO
    )
    return _ods(
        "",
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
        '<office:spreadsheet><table:table table:name="Portfolio">'
        '<table:table-column table:number-columns-repeated="1024"/>'
        f"{table_rows}{body}</table:table></office:spreadsheet></office:body></office:document-content>".encode(),
    )


X = '<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>'
SEVEN_X = X.replace("<table:table-cell ", '<table:table-cell table:number-columns-repeated="7" ')
TOO_FAR = (
    "sheet 'Portfolio' reaches row 190,002 and column 500: 95,001,000 cells from A1, where aidtrack reads "
    "at most 10,000,000. Delete the rows and columns beyond your table (a stray value far below or to the "
    "right of it, say) and save the file again."
)
UNFOLDS = (
    "sheet 'Portfolio' unfolds to 7,000,014 filled cells from {size} bytes: it repeats rows or cells far "
    "beyond any real sheet. Nothing in it was read. If it is your own sheet, delete the repeated rows "
    "and save it again."
)


@pytest.mark.parametrize(
    "body, refused",
    [
        # 933 bytes asked calamine for 95 million cells: 6 GB of memory, then refused
        (
            '<table:table-row table:number-rows-repeated="190000"><table:table-cell '
            f'table:number-columns-repeated="499"/>{X}</table:table-row>',
            TOO_FAR,
        ),
        # one filled row said to repeat a million times: 36 s and 2.6 GB to reject a million rows
        (f'<table:table-row table:number-rows-repeated="1000000">{SEVEN_X}</table:table-row>', UNFOLDS),
    ],
)
def test_an_ods_repeating_rows_far_beyond_its_size_is_refused_before_it_is_unfolded(body, refused):
    data = _ods_table(body)
    assert len(data) < 4_000  # stored, not even compressed
    size = zipfile.ZipFile(io.BytesIO(data)).getinfo("content.xml").file_size
    peak, said = _peak_memory_mb(data, "repeats.ods")
    assert said == refused.replace("{size}", f"{size:,}")
    assert peak < 400


def test_an_ods_with_its_empty_rows_and_columns_repeated_to_the_sheet_end_imports(db):
    # What LibreOffice writes after the last filled cell counts for nothing.
    blank = (
        '<table:table-row table:number-rows-repeated="1048570"><table:table-cell '
        'table:number-columns-repeated="1024"/></table:table-row>'
    )
    plan, _ = pipeline.preview_file(db, _ods_table(blank), "portfolio.ods")
    assert (plan.counts["added"], plan.counts["rejected"]) == (1, 0)


def test_a_row_of_cells_without_a_reference_cut_in_two_by_the_16_mb_pieces_is_counted_whole():
    # The slow reading counted such a row in each 16 MB piece apart: 600 cells, 300 on each side
    # of the cut, passed as 300 columns wide.
    cell = b"<x:c t='inlineStr'><x:is><x:t>x</x:t></x:is></x:c>"
    start = len(_sheet_xml()) - len(b"</sheetData></worksheet>")
    filler = b'<row r="50"><c r="A50" a="%s" t="inlineStr"><is><t>x</t></is></c></row>'
    pad = 16 * 2**20 - 300 * len(cell) - start - len(filler % b"") - len(b'<row r="51">')
    data = _xlsx(_sheet_xml(filler % (b"y" * pad) + b'<row r="51">' + cell * 600 + b"</row>"))
    assert len(data) < 100_000
    peak, said = _peak_memory_mb(data, "cut.xlsx")
    assert said == NAMESPACED_REFUSED


def _quarters(sheets: int) -> bytes:
    """A workbook of `sheets` small tables, each with one value at AD65536 (65,536 rows by 30
    columns from A1: 1,966,080 cells)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for i in range(1, sheets + 1):
        sheet = book.create_sheet(f"Q{i}")
        for row in PORTFOLIO:
            sheet.append(list(row))
        sheet["AD65536"] = "x"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_sheets_of_a_workbook_that_fit_one_by_one_but_not_together_are_refused():
    # Every sheet is read before the import begins: six such sheets are 11.8 million cells.
    peak, said = _peak_memory_mb(_quarters(6), "quarters.xlsx")
    assert said == (
        "has sheets that together reach 11,796,480 cells from A1 ('Q1' 1,966,080, 'Q2' 1,966,080, 'Q3' "
        "1,966,080), where aidtrack reads at most 10,000,000 in all: a workbook has all its sheets read at "
        "once. Delete the rows and columns beyond your tables, or the sheets you do not import, and save the "
        "file again."
    )
    assert peak < 400


def test_sheets_that_fit_together_are_read_though_the_quick_reading_rounds_them_up():
    # Four are 7.9 million cells, under the limit; the quick reading takes each as 99,999 rows.
    book = workbook.read_bytes(_quarters(4), "quarters.xlsx")
    assert [sheet.name for sheet in book.sheets] == ["Q1", "Q2", "Q3", "Q4"]


def _merged_down_a_thousand_times() -> bytes:
    """Two projects whose title cell B2 is merged down to B1048576, listed 1,000 times (5 KB)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Project ID", "Title", "Budget (EUR)"])
    sheet.append(["P-1", "Water supply", 100])
    sheet.append([None, None, 200])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(plain.getvalue())) as z,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as w,
    ):
        for item in z.infolist():
            data = z.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                merges = '<mergeCell ref="B2:B1048576"/>' * 1000
                data = data.replace(
                    b"</sheetData>", f'</sheetData><mergeCells count="1000">{merges}</mergeCells>'.encode()
                )
            w.writestr(item, data)
    return out.getvalue()


def test_a_merged_cell_listed_a_thousand_times_down_to_the_last_row_is_read_as_one(db):
    # Each was walked row by row to row 1,048,576: 0.08 s apiece, so a 5 KB file with a thousand held
    # the Import page for over a minute (ten thousand: a quarter of an hour).
    from loaders.sheets import _within

    assert _within((((1, 1), (1_048_575, 1)),) * 1000, 3) == (((1, 1), (2, 1)),)
    plan, loaded = pipeline.preview_file(db, _merged_down_a_thousand_times(), "merged.xlsx", None)
    imports.apply(db, plan)
    # Row 3 continues P-1, as the merge over it says.
    assert plan.counts["rejected"] == 0
    assert rows(db, "SELECT project_id, title FROM projects WHERE project_id LIKE 'P-%'") == [
        ("P-1", "Water supply")
    ]
