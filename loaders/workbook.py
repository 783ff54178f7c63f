"""Any file a user offers, as plain rows of cells: xlsx/xls/ods through calamine, csv by hand.

Whatever the file is, the answer is either a `Workbook` of sheets of rows, or an
`UnreadableFile` that says in one sentence what the file is and what would work instead.
"""

from __future__ import annotations

import csv
import ctypes
import gc
import hashlib
import io
import math
import re
import threading
import tomllib
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import python_calamine as calamine

from loaders import xls_marks, xlsx_marks
from loaders.problems import UnreadableFile
from loaders.xlsx_marks import Marks, sheet_marks

SPREADSHEET_KINDS = "an Excel workbook (.xlsx, .xls), an OpenDocument sheet (.ods) or a csv file"
MAX_ROWS = 1_100_000
MAX_COLUMNS = 500
# calamine lays a sheet out as one block from A1 to its last cell, 32 bytes a cell: 10 million
# cells are 320 MB. A workbook within the upload limit holds a few million filled cells.
MAX_CELLS = 10_000_000
# An ods sheet may unfold to more filled cells than its XML has bytes only up to this many: a real
# sheet takes tens of bytes a cell; one row said to repeat 100,000 times takes a few hundred.
ODS_REPEATED_CELLS = 100_000
STREAMLIT_CONFIG = Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml"
STREAMLIT_DEFAULT_UPLOAD_MB = 200
MB = 2**20  # Streamlit's megabyte, in which server.maxUploadSize is given


def _upload_limit_mb() -> int:
    """The Import page's upload limit (server.maxUploadSize): the CLI keeps to the same one."""
    try:
        with STREAMLIT_CONFIG.open("rb") as f:
            config = tomllib.load(f)
    except FileNotFoundError:
        return STREAMLIT_DEFAULT_UPLOAD_MB
    return int(config.get("server", {}).get("maxUploadSize", STREAMLIT_DEFAULT_UPLOAD_MB))


MAX_UPLOAD_MB = _upload_limit_mb()
# What a workbook may hold once unpacked. Sheets compress about tenfold, so a workbook at the
# upload limit holds a few hundred MB; far more is a damaged file or a "zip bomb".
MAX_UNPACKED_MB = 1_024
# A part of a workbook that unpacks to over 100 MB at more than 100 times its packed size: 1 MB of
# a sheet of spaces unpacks to 1,000 MB (deflate's limit is about 1,030 times), within the limit
# above, and reading it took 2.2 GB of memory. Sheets of real data grow 5 to 15 times; a sheet of
# one long text repeated, about 60.
MAX_UNPACKED_PART_MB = 100
MAX_RATIO = 100
DAMAGED = (
    "cannot be read: it is damaged or incomplete (a download or copy that did not finish, say). "
    "Open it in your spreadsheet program and save it again, or get a fresh copy."
)
PASSWORD = "is protected with a password. Open it in Excel, remove the password and save it again."
# Office documents that are zip files like a workbook, by the folder their content is in.
OTHER_DOCUMENTS = (("word/", "a Word document"), ("ppt/", "a PowerPoint presentation"))
_WEB_PAGE = re.compile(rb"<(?:!doctype\s+html|html)\b", re.IGNORECASE)

# Leading bytes of files people mistake for spreadsheets.
SIGNATURES = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"{\\rtf", "an RTF document"),
)
OLE = b"\xd0\xcf\x11\xe0"
ZIP = b"PK\x03\x04"


@dataclass(frozen=True)
class RawSheet:
    name: str
    rows: list[list]
    hidden: bool = False
    marks: Marks = field(default_factory=Marks)  # hidden rows and columns, error cells (xlsx)
    merged: tuple = ()  # ((first row, first column), (last row, last column)), 0-based


@dataclass(frozen=True)
class Workbook:
    file_name: str
    format: str  # xlsx, xls, ods, csv, xml
    sha256: str
    sheets: list[RawSheet]
    # For csv: whether ',' is the decimal mark (a ';'-separated file written in Europe).
    decimal_comma: bool | None = None
    text: bytes = b""  # the raw bytes of an XML file, for the IATI reader


def read_file(path: str | Path) -> Workbook:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UnreadableFile(path.name, f"cannot be opened: {e.strerror or e}.") from e
    return read_bytes(data, path.name)


def check_size(size: int, file_name: str) -> None:
    """Refuse a file over the upload limit, before anything reads it into memory."""
    if size > MAX_UPLOAD_MB * MB:
        # A file a byte over the limit would read "is 25.0 MB; ... up to 25 MB".
        shown = (
            f"{size / MB:,.1f} MB" if size >= (MAX_UPLOAD_MB + 0.05) * MB else f"just over {MAX_UPLOAD_MB} MB"
        )
        raise UnreadableFile(
            file_name,
            f"is {shown}; aidtrack imports files of up to {MAX_UPLOAD_MB} MB. Split the "
            "projects over several files, or delete what aidtrack does not read (pictures, charts, other "
            "sheets) and save it again.",
        )


# Loads running in this process, and whether the cycle collector ran before the first began.
_loads = 0
_loads_lock = threading.Lock()
_collector_was_on = True


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while files are read and checked, then as it was.

    A large sheet keeps its cells and what they were read as alive until the check ends; the
    collector would walk all of them over and over (a third of the time on 100,000 rows) and
    find nothing to free. Reference counting frees memory as usual meanwhile, and any cycles
    left over are collected once it runs again.
    """
    global _loads, _collector_was_on
    with _loads_lock:
        if _loads == 0:
            _collector_was_on = gc.isenabled()
            gc.disable()
        _loads += 1
    try:
        yield
    finally:
        with _loads_lock:
            _loads -= 1
            if _loads == 0 and _collector_was_on:
                gc.enable()


# Reads begun by `read_ahead`, by the bytes and name they read.
_ahead: dict[tuple[bytes, str], Future] = {}
_ahead_lock = threading.Lock()


def read_ahead(data: bytes, file_name: str) -> None:
    """Check `data`, then begin reading it on a thread; the next `read_bytes` of the same bytes
    takes the result (or the refusal).

    calamine parses without holding the interpreter, so the command line imports the rest of
    aidtrack and opens the database meanwhile instead of before. The checks before it hold the
    interpreter (0.3 s on the 100,000-row sheet), so they are done first: beside the imports
    they would only take turns with them.
    """
    begun: Future = Future()
    try:
        read = _checked(data, file_name)
    except UnreadableFile as refused:
        begun.set_exception(refused)
    else:
        begun = ThreadPoolExecutor(max_workers=1).submit(_read_paused, read)
    with _ahead_lock:
        _ahead[data, file_name] = begun


def _read_paused(read: Callable[[], Workbook]) -> Workbook:
    with collector_paused():
        return read()


def read_bytes(data: bytes, file_name: str) -> Workbook:
    """The sheets in `data`; `file_name` is only used to name the file in messages."""
    with _ahead_lock:
        begun = _ahead.pop((data, file_name), None)
    return begun.result() if begun else _checked(data, file_name)()


def _checked(data: bytes, file_name: str) -> Callable[[], Workbook]:
    """How to read `data`, once it is known to be a file aidtrack can read: refused here if not,
    before any reader is given it."""
    check_size(len(data), file_name)
    if not data.strip():
        raise UnreadableFile(file_name, "is empty. Choose a file that holds your projects.")
    sha256 = hashlib.sha256(data).hexdigest()
    head = data[:8]
    for magic, what in SIGNATURES:
        if head.startswith(magic):
            raise UnreadableFile(file_name, f"is {what}, not a spreadsheet. Use {SPREADSHEET_KINDS}.")
    if head.startswith(OLE):
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in data:
            raise UnreadableFile(
                file_name,
                "is protected with a password. Open it in Excel, remove the password "
                "(File > Info > Protect Workbook) and save it again.",
            )
        _check_xls_extents(data, file_name)
        return partial(_calamine, data, file_name, "xls", sha256)
    if head.startswith(ZIP):
        kind = _zip_kind(data, file_name)
        if kind == "xlsx":
            _check_xlsx_extents(data, file_name)
        elif kind == "ods":
            _check_ods_extents(data, file_name)
        return partial(_calamine, data, file_name, kind, sha256)
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if _utf16_markup(data):
        return partial(Workbook, file_name, "xml", sha256, [], text=data)
    if stripped.startswith(b"<"):
        if _WEB_PAGE.search(stripped[:1024]):
            raise UnreadableFile(
                file_name,
                "is a web page (HTML), not a spreadsheet, whatever its name says: many systems' "
                '"Export to Excel" write one. Open it in Excel, save it as an Excel workbook (.xlsx) and '
                "import that.",
            )
        return partial(Workbook, file_name, "xml", sha256, [], text=data)
    suffix = Path(file_name).suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return partial(_text_named_as_workbook, data, file_name, sha256, suffix)
    return partial(_csv, data, file_name, sha256)


# Names of workbooks; a file so named that holds text is read as a csv (many systems' "Export to
# Excel" write one), and where that fails, the message says the name and the contents disagree.
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


def _text_named_as_workbook(data: bytes, file_name: str, sha256: str, suffix: str) -> Workbook:
    try:
        return _csv(data, file_name, sha256)
    except UnreadableFile as e:
        read_as_text = e.message.split(". ")[0].rstrip(".")  # what is wrong, without what to use instead
        raise UnreadableFile(
            file_name,
            f"is named {suffix}, but holds text, not a workbook, and as text it {read_as_text}. It was "
            "saved under the wrong name, or is damaged: if it came from Excel, open it there and save it "
            "as an Excel workbook (.xlsx) again.",
        ) from None


def _utf16_markup(data: bytes) -> bool:
    """XML saved as UTF-16, as some Windows tools write it: told by its byte-order mark before a '<',
    or without one by the zero byte beside the '<' of its first tag."""
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[2:202].decode(codec, errors="ignore").lstrip().startswith("<")
    return data.startswith((b"<\x00", b"\x00<"))


def _zip_kind(data: bytes, file_name: str) -> str:
    """xlsx or ods, from the zip's directory alone: nothing is unpacked before the sizes the
    directory gives are known to be sane."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise UnreadableFile(file_name, DAMAGED) from e
    unpacked = sum(p.file_size for p in parts)
    if unpacked > MAX_UNPACKED_MB * MB:
        raise UnreadableFile(
            file_name,
            f"would unpack to {unpacked / MB:,.0f} MB; aidtrack opens workbooks of up to "
            f"{MAX_UNPACKED_MB:,} MB unpacked. Nothing in it was read: a file that grows this much is "
            'damaged or made to overwhelm the computer opening it (a "zip bomb"). If it is your own '
            "workbook, delete the unused sheets, rows and columns and save it again.",
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > MAX_UNPACKED_PART_MB * MB and ratio > MAX_RATIO:
            raise UnreadableFile(
                file_name,
                f"would unpack to {part.file_size / MB:,.0f} MB from {part.compress_size / MB:,.1f} MB "
                f"({ratio:,.0f} times its size; a workbook's sheets grow about ten times). Nothing in it "
                "was read: a file that grows this much is damaged or made to overwhelm the computer opening "
                'it (a "zip bomb"). If it is your own workbook, delete the unused sheets, rows and '
                "columns and save it again.",
            )
    names = [p.filename for p in parts]
    if b"application/vnd.oasis.opendocument.spreadsheet" in data[:200]:
        if _ods_encrypted(data):
            raise UnreadableFile(
                file_name,
                "is protected with a password. Open it in LibreOffice Calc, save it again (File > Save As) "
                "with 'Save with password' unticked, and import that.",
            )
        return "ods"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    for folder, what in OTHER_DOCUMENTS:
        if any(n.startswith(folder) for n in names):
            raise UnreadableFile(file_name, f"is {what}, not a spreadsheet. Use {SPREADSHEET_KINDS}.")
    raise UnreadableFile(
        file_name, "is a zip archive, not a spreadsheet. Unzip it and import the spreadsheet inside."
    )


def _fits(rows: int, columns: int) -> bool:
    return columns <= MAX_COLUMNS and rows <= MAX_ROWS and rows * columns <= MAX_CELLS


def _too_large(file_name: str, sheet: str, rows: int, columns: int) -> UnreadableFile | None:
    """The message for a sheet beyond what aidtrack reads, if it is."""
    if columns > MAX_COLUMNS:
        return UnreadableFile(
            file_name,
            f"sheet '{sheet}' has {columns:,} columns; aidtrack reads at most {MAX_COLUMNS}. Delete the "
            "unused columns and save the file again.",
        )
    if rows > MAX_ROWS:
        return UnreadableFile(
            file_name,
            f"sheet '{sheet}' has {rows:,} rows; aidtrack reads at most {MAX_ROWS:,}. Split the file.",
        )
    if rows * columns > MAX_CELLS:
        return UnreadableFile(
            file_name,
            f"sheet '{sheet}' reaches row {rows:,} and column {columns:,}: {rows * columns:,} cells from A1, "
            f"where aidtrack reads at most {MAX_CELLS:,}. Delete the rows and columns beyond your table "
            "(a stray value far below or to the right of it, say) and save the file again.",
        )
    return None


def _check_xlsx_extents(data: bytes, file_name: str) -> None:
    """Refuse a sheet too large to lay out before calamine tries to: it would ask for more memory
    than the computer has, and a failed allocation ends the process. Every sheet is read before
    the import begins, so the sheets together are held to the same limit."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            paths = xlsx_marks.sheet_paths(z)
            laid_out = {}
            for sheet, path in paths.items():
                rows, columns = xlsx_marks.sheet_extent(z, path, _fits)
                if refused := _too_large(file_name, sheet, rows, columns):
                    raise refused
                laid_out[sheet] = rows * columns
            if sum(laid_out.values()) > MAX_CELLS:
                # The quick reading may round a sheet's last row up: count the filled cells alone.
                laid_out = {sheet: math.prod(xlsx_marks.filled_extent(z, p)) for sheet, p in paths.items()}
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError) as e:
        raise UnreadableFile(file_name, DAMAGED) from e
    if refused := _too_large_together(file_name, laid_out, "a workbook has all its sheets read at once"):
        raise refused


def _ods_encrypted(data: bytes) -> bool:
    """Whether an OpenDocument file's manifest says its parts are encrypted (saved with a password)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z, z.open("META-INF/manifest.xml") as manifest:
            return b"encryption-data" in manifest.read(2**20)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError):
        return False


def _check_ods_extents(data: bytes, file_name: str) -> None:
    """The same for an OpenDocument sheet, whose rows and cells can say "repeated 190,000 times":
    933 bytes asked calamine for 95 million cells (6 GB), and 929 bytes of one filled row
    repeated a million times took 36 s and 2.6 GB to read and report on."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            size = z.getinfo("content.xml").file_size
            laid_out = {}
            for sheet, (rows, columns, filled) in xlsx_marks.ods_extents(z).items():
                if refused := _too_large(file_name, sheet, rows, columns):
                    raise refused
                laid_out[sheet] = rows * columns
                if filled > max(ODS_REPEATED_CELLS, size):
                    raise UnreadableFile(
                        file_name,
                        f"sheet '{sheet}' unfolds to {filled:,} filled cells from {size:,} bytes: it repeats "
                        "rows or cells far beyond any real sheet. Nothing in it was read. If it is your own "
                        "sheet, delete the repeated rows and save it again.",
                    )
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError) as e:
        raise UnreadableFile(file_name, DAMAGED) from e
    if refused := _too_large_together(file_name, laid_out, "a workbook has all its sheets read at once"):
        raise refused


def _check_xls_extents(data: bytes, file_name: str) -> None:
    """The same for an old Excel workbook, whose sheets calamine lays out all at once as it opens
    it: a stray cell at IV65536 took 1.2 GB and 2 s before the file could be refused."""
    try:
        extents = xls_marks.sheet_extents(data, MAX_CELLS)
    except xls_marks.Protected as e:
        raise UnreadableFile(file_name, PASSWORD) from e
    except xls_marks.Damaged as e:
        raise UnreadableFile(file_name, DAMAGED) from e
    for sheet, extent in extents.items():
        if refused := _too_large(file_name, sheet, extent.rows, extent.columns):
            raise refused
        if extent.cells > MAX_CELLS:  # more cells than its block holds: the same ones over and over
            raise UnreadableFile(file_name, DAMAGED)
    laid_out = {sheet: e.rows * e.columns for sheet, e in extents.items()}
    if refused := _too_large_together(file_name, laid_out, "an .xls has all its sheets read at once"):
        raise refused


def _too_large_together(file_name: str, laid_out: dict[str, int], why: str) -> UnreadableFile | None:
    """The message for sheets that each fit but together are beyond what aidtrack reads, if they are."""
    if sum(laid_out.values()) <= MAX_CELLS:
        return None
    largest = sorted(((sheet, n) for sheet, n in laid_out.items() if n), key=lambda item: -item[1])[:3]
    return UnreadableFile(
        file_name,
        f"has sheets that together reach {sum(laid_out.values()):,} cells from A1 ("
        + ", ".join(f"'{sheet}' {cells:,}" for sheet, cells in largest)
        + f"), where aidtrack reads at most {MAX_CELLS:,} in all: {why}. Delete the rows and columns beyond "
        "your tables, or the sheets you do not import, and save the file again.",
    )


def _calamine(data: bytes, file_name: str, kind: str, sha256: str) -> Workbook:
    """The workbook as calamine reads it, once `_checked` has seen its sheets fit."""
    # What calamine does not tell (hidden rows, error cells, currency formats) is read from the
    # file on a thread of its own meanwhile: calamine parses without holding the interpreter, so
    # on a computer with two cores the marks of a large sheet come at no extra time.
    read_marks = {"xlsx": sheet_marks, "ods": xlsx_marks.ods_marks}.get(kind)
    with ThreadPoolExecutor(max_workers=1) as pool:
        marks = pool.submit(read_marks, data) if read_marks else None
        sheets = _calamine_sheets(data, file_name)
        found = marks.result() if marks else {}
    _give_back_freed_memory()
    sheets = [replace(s, marks=found.get(s.name, Marks())) for s in sheets]
    if not any(_has_values(s.rows) for s in sheets):
        raise UnreadableFile(file_name, "has no filled cells. Choose a file that holds your projects.")
    return Workbook(file_name, kind, sha256, sheets)


try:
    _malloc_trim = ctypes.CDLL(None).malloc_trim  # glibc's: Linux, not macOS, Windows or Alpine
except (OSError, AttributeError, TypeError):
    _malloc_trim = None


def _give_back_freed_memory() -> None:
    """Hand the memory calamine has freed back to the system, once its sheets are Python lists.

    calamine lays a sheet out on the thread that reads it, and the C library keeps what a thread
    frees for that thread's next use: the check after, on another thread, asked the system for
    more instead. A sheet of 1,100,000 rows by 9 columns (10 million cells, 16 MB) took 2.2 GB
    to import (--dry-run), 350 MB of it calamine's block, freed and kept; given back, 1.85 GB.
    """
    if _malloc_trim is not None:
        _malloc_trim(0)


def _calamine_sheets(data: bytes, file_name: str) -> list[RawSheet]:
    """The worksheets as calamine reads them, without their marks."""
    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for meta in book.sheets_metadata:
            if meta.typ != calamine.SheetTypeEnum.WorkSheet:
                continue
            sheet = book.get_sheet_by_name(meta.name)
            # The last used cell's 0-based indexes: one short of the count from A1 that the
            # spreadsheet program shows (as are calamine's total_width and total_height).
            last_row, last_column = sheet.end or (-1, -1)
            if refused := _too_large(file_name, meta.name, last_row + 1, last_column + 1):
                raise refused
            rows = sheet.to_python(skip_empty_area=False)
            hidden = meta.visible != calamine.SheetVisibleEnum.Visible
            merged = tuple(sheet.merged_cell_ranges or ())
            sheets.append(RawSheet(meta.name, rows, hidden, merged=merged))
    except calamine.PasswordError as e:
        raise UnreadableFile(file_name, PASSWORD) from e
    except (calamine.CalamineError, calamine.ZipError, calamine.XmlError) as e:
        raise UnreadableFile(file_name, DAMAGED) from e
    except BaseException as e:
        # A record that says it holds more than it does (a merged-cell count, say) makes calamine
        # panic, which Python sees as a BaseException rather than an error.
        if type(e).__name__ != "PanicException":
            raise
        raise UnreadableFile(file_name, DAMAGED) from None
    return sheets


def _has_values(rows: list[list]) -> bool:
    return any(cell not in (None, "") for row in rows for cell in row)


# Bytes that are letters of Central European languages in Windows-1250 (č, ć, đ, ě, ą, ł, ť, ľ...)
# but rare signs or letters in Windows-1252 (È, æ, ð, ì, ¹, ³...), and the other way round (à, å,
# and signs Windows-1250 lacks). Most bytes both use (é, á, š, ž, ü) say nothing; č and è share one.
_CENTRAL_EUROPEAN = tuple(bytes([b]) for b in (0xC8, 0xC6, 0xE6, 0xD0, 0xF0, 0xEC, 0xCC, 0xB9, 0xB3, 0xA5))
_CENTRAL_EUROPEAN += tuple(bytes([b]) for b in (0x8D, 0x9D, 0x8F, 0xBE, 0xBC, 0xDE, 0xFE))
_WESTERN_EUROPEAN = tuple(bytes([b]) for b in (0xE0, 0xC0, 0xE5, 0xC5, 0x83, 0x88, 0x98))
_NOT_IN_1250 = (b"\x81", b"\x83", b"\x88", b"\x90", b"\x98")


def _legacy_code_page(data: bytes) -> str:
    """Windows-1250 when the bytes read as Serbian, Croatian, Czech or Polish letters there, else
    Windows-1252: Excel saves csv in the code page of the computer's language."""
    if any(b in data for b in _NOT_IN_1250):
        return "cp1252"
    central = sum(data.count(b) for b in _CENTRAL_EUROPEAN)
    western = sum(data.count(b) for b in _WESTERN_EUROPEAN)
    return "cp1250" if central > western else "cp1252"


def decode_text(data: bytes, file_name: str) -> str:
    """Text in UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1250 or Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data[:4096]:
        # UTF-16 without its byte-order mark: every other byte of plain text is zero.
        sample = data[:4096]
        if sample[1::2].count(0) > len(sample) * 0.4:
            return data.decode("utf-16-le", errors="replace")
        if sample[0::2].count(0) > len(sample) * 0.4:
            return data.decode("utf-16-be", errors="replace")
        raise UnreadableFile(file_name, f"is not a text or spreadsheet file. Use {SPREADSHEET_KINDS}.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(_legacy_code_page(data), errors="replace")


def _csv(data: bytes, file_name: str, sha256: str) -> Workbook:
    text = decode_text(data, file_name)
    delimiter = _delimiter(text)
    try:
        rows, count, width = _csv_rows(text, delimiter)
    except csv.Error as e:
        raise UnreadableFile(file_name, _csv_error(text, delimiter)) from e
    if width > MAX_COLUMNS:
        raise UnreadableFile(
            file_name, f"has {width:,} columns; aidtrack reads at most {MAX_COLUMNS}. Delete the unused ones."
        )
    if count > MAX_ROWS:
        raise UnreadableFile(
            file_name, f"has {count:,} rows; aidtrack reads at most {MAX_ROWS:,}. Split the file."
        )
    if rows is None:
        raise UnreadableFile(
            file_name,
            f"has {count:,} rows and {width:,} columns: {count * width:,} cells, where aidtrack reads at "
            f"most {MAX_CELLS:,}. Delete the columns you do not import, or split the file.",
        )
    if not _has_values(rows):
        raise UnreadableFile(file_name, "has no values. Choose a file that holds your projects.")
    if width < 2:
        raise UnreadableFile(
            file_name,
            f"does not look like a table: every line has a single value. Use {SPREADSHEET_KINDS} "
            "with one column per field.",
        )
    name = Path(file_name).stem or "csv"
    return Workbook(file_name, "csv", sha256, [RawSheet(name, rows)], decimal_comma=delimiter == ";")


def _csv_rows(text: str, delimiter: str) -> tuple[list[list[str]] | None, int, int]:
    """The csv's rows down to the last with a value in it, how many they are and the widest of them;
    None for the rows when they are more than aidtrack reads (`_fits`).

    A csv has no extent to check before it is read, as a workbook's sheets have: its rows are
    held only while they fit, and past that only counted, for the message. 25 MB of blank lines
    are 26 million rows; held as lists and checked, they took 6.5 GB. Blank lines after the last
    value are not counted, as a workbook's empty cells are not: a spreadsheet program saves the
    rows it once formatted as lines of separators.
    """
    rows: list[list[str]] | None = []
    blank: list[list[str]] | None = []  # the blank rows since the last with a value, while they fit
    count = width = 0  # down to the last row with a value
    blanks = blank_width = 0  # the blank rows since
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        if not any(row):
            blanks += 1
            blank_width = max(blank_width, len(row))
            if blank is not None:
                blank.append(row)
                if not _fits(count + blanks, max(width, blank_width)):
                    blank = None  # a row with a value after them is refused; without one, they are dropped
            continue
        count += blanks + 1
        width = max(width, blank_width, len(row))
        blanks = blank_width = 0
        if rows is not None and _fits(count, width):
            if blank:
                rows += blank
            rows.append(row)
        else:
            rows = None
        blank = None if rows is None else []
    return rows, count, width


def _csv_error(text: str, delimiter: str) -> str:
    """What stopped the csv reader, with the line the value it could not read starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for _ in reader:
            start = reader.line_num + 1
    except csv.Error:
        pass
    # Python's csv reader stops at 131,072 characters in one value; a spreadsheet cell holds
    # at most 32,767, so such a value is a quote opened and never closed (or not a csv at all).
    return (
        f"cannot be read from line {start:,}: a value starting there runs on for more than "
        f"{csv.field_size_limit():,} characters, far more than a spreadsheet cell holds. Most likely a "
        f'quote (") on that line is opened and never closed, so the rest of the file reads as one value. '
        "Close or remove the quote and import the file again."
    )


def _delimiter(text: str) -> str:
    """The separator that splits the first lines into the same, largest number of columns."""
    sample = text[:20_000].splitlines()[:30]
    best, best_score = ",", 0
    for candidate in (",", ";", "\t", "|"):
        try:
            counts = [len(r) for r in csv.reader(sample, delimiter=candidate) if r]
        except csv.Error:
            continue
        if not counts:
            continue
        common = max(set(counts), key=counts.count)
        score = counts.count(common) * (common - 1)
        if score > best_score:
            best, best_score = candidate, score
    return best
