"""Build tests/data/bad/: files aidtrack must refuse, or import only in part, and say why.

Run:  .venv/bin/python scripts/make_bad_inputs.py [--out tests/data/bad]

Pure and deterministic: every run writes the same bytes, with nothing read from the network or
the database. The small files are committed. The large ones — a 50 MB upload, a zip bomb and a
sheet 1,000 columns wide — are never committed: tests make them in a temporary folder with
`too_big_csv`, `zip_bomb_xlsx` and `wide_xlsx`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # noqa: E402

from loaders.layout import SHEETS  # noqa: E402

BAD = ROOT / "tests" / "data" / "bad"

# A header aidtrack recognises, as a programme manager might write it.
HEADER = ["Project ID", "Title", "Donor", "Country", "Total budget (EUR)", "Start", "End"]
# Zip entries and document properties carry this time, not the time of the run.
FIXED_TIME = (2024, 1, 1, 0, 0, 0)
FIXED_STAMP = "2024-01-01T00:00:00Z"
_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)")


# --- Workbooks ------------------------------------------------------------------------------


def _repacked(entries: list[tuple[str, bytes]]) -> bytes:
    """A zip of `entries`, each stamped with the same fixed time, so the bytes never vary."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name, FIXED_TIME), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def xlsx(sheets: dict[str, list[list]]) -> bytes:
    """A workbook with one sheet per entry. Text that looks like a formula stays text."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, values in enumerate(rows, 1):
            for c, value in enumerate(values, 1):
                if value is None:
                    continue
                cell = ws.cell(r, c, value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # openpyxl would otherwise write it as a formula
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as z:
        entries = [(i.filename, z.read(i)) for i in z.infolist()]
    return _repacked([(n, _STAMP.sub(rb"\g<1>" + FIXED_STAMP.encode() + rb"\g<2>", d)) for n, d in entries])


def projects(*rows: list) -> bytes:
    """A one-sheet workbook of projects under HEADER."""
    return xlsx({"Portfolio": [HEADER, *rows]})


def csv_text(rows: list[list], separator: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=separator, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def no_rows() -> bytes:
    return xlsx({"Sheet1": []})


def header_only() -> bytes:
    return projects()


def template_without_rows() -> bytes:
    """aidtrack's template as downloaded: every sheet headed, no row filled in."""
    return xlsx({sheet.name: [[c.header for c in sheet.columns]] for sheet in SHEETS})


def truncated() -> bytes:
    """A workbook cut off half-way, as an interrupted download or copy leaves it."""
    whole = projects(
        ["BAD-001", "Border crossing equipment", "EU", "Serbia", 100000, "2020-01-01", "2021-12-31"]
    )
    return whole[: len(whole) // 2]


def word_document() -> bytes:
    """A Word document (.docx) renamed .xlsx: a zip, but no workbook inside."""
    return _repacked(
        [
            (
                "[Content_Types].xml",
                b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                b'content-types"><Override PartName="/word/document.xml" ContentType="application/'
                b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
            ),
            (
                "word/document.xml",
                b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Project list</w:t></w:r></w:p>'
                b"</w:body></w:document>",
            ),
        ]
    )


def negative_amounts_template() -> bytes:
    """aidtrack's template with a negative budget period and a negative disbursement."""
    return xlsx(
        {
            "Projects": [
                ["Project ID", "Title", "Currency"],
                ["BAD-012", "Refugee reception centres", "EUR"],
            ],
            "Budgets": [
                ["Project ID", "Period start", "Period end", "Type", "Amount", "Currency"],
                ["BAD-012", "2021-01-01", "2021-12-31", "original", 400000, "EUR"],
                ["BAD-012", "2022-01-01", "2022-12-31", "original", -400000, "EUR"],
            ],
            "Transactions": [
                ["Transaction ID", "Project ID", "Type", "Date", "Amount", "Currency"],
                ["BAD-012-T1", "BAD-012", "disbursement", "2021-03-01", 150000, "EUR"],
                ["BAD-012-T2", "BAD-012", "disbursement", "2021-06-01", -20000, "EUR"],
            ],
        }
    )


def wide_xlsx(columns: int = 1_000) -> bytes:
    """A sheet `columns` wide: a header aidtrack knows, then columns named Extra 8, Extra 9..."""
    header = HEADER + [f"Extra {i}" for i in range(len(HEADER) + 1, columns + 1)]
    row = ["BAD-070", "Wide sheet project", "EU", "Serbia", 100000, "2020-01-01", "2021-12-31"]
    return xlsx({"Portfolio": [header, row + [i for i in range(len(row) + 1, columns + 1)]]})


# --- A password-protected workbook: an OLE compound file holding an EncryptedPackage stream --

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SECTOR = 512
END_OF_CHAIN, FAT_SECTOR, FREE, NO_STREAM = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF, 0xFFFFFFFF


def _directory_entry(name: str, kind: int, child: int, left: int, start: int, size: int) -> bytes:
    """One 128-byte entry of a compound file's directory (kind 5: the root, 2: a stream)."""
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        encoded,
        len(encoded),
        kind,
        1,  # black, in the directory's red-black tree
        left,
        NO_STREAM,
        child,
        b"",
        0,
        0,
        0,
        start,
        size,
    )


def encrypted_workbook() -> bytes:
    """What Excel writes for File > Info > Protect Workbook > Encrypt with Password: a compound
    file whose streams are EncryptionInfo and EncryptedPackage (here filled with zeros)."""
    stream_sectors = 8  # 4,096 bytes each, so both live in the main FAT, not the mini stream
    info_start, package_start = 2, 2 + stream_sectors
    fat = [FAT_SECTOR, END_OF_CHAIN]
    for start in (info_start, package_start):
        fat += [start + i + 1 for i in range(stream_sectors - 1)] + [END_OF_CHAIN]
    fat += [FREE] * (SECTOR // 4 - len(fat))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIIII",
        OLE_SIGNATURE,
        b"",
        0x3E,
        3,
        0xFFFE,
        9,  # 512-byte sectors
        6,  # 64-byte mini sectors
        b"",
        0,
        1,  # one FAT sector
        1,  # the directory starts at sector 1
        0,
        4096,
        END_OF_CHAIN,
        0,
        END_OF_CHAIN,
        0,
        0,  # the FAT is sector 0
    )
    header += struct.pack("<I", FREE) * 108
    size = stream_sectors * SECTOR
    directory = (
        _directory_entry("Root Entry", 5, 2, NO_STREAM, END_OF_CHAIN, 0)
        + _directory_entry("EncryptionInfo", 2, NO_STREAM, NO_STREAM, info_start, size)
        + _directory_entry("EncryptedPackage", 2, NO_STREAM, 1, package_start, size)
        + _directory_entry("", 0, NO_STREAM, NO_STREAM, 0, 0)
    )
    return header + struct.pack(f"<{len(fat)}I", *fat) + directory + bytes(2 * size)


# --- A zip bomb -----------------------------------------------------------------------------


def _deflated(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _zip(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip from (name, deflated bytes, crc32, unpacked size): lets a member be far larger
    unpacked than anything held in memory here."""
    out, directory = io.BytesIO(), io.BytesIO()
    time, date = 0, (FIXED_TIME[0] - 1980) << 9 | FIXED_TIME[1] << 5 | FIXED_TIME[2]
    for name, deflated, crc, size in entries:
        encoded = name.encode()
        offset = out.tell()
        fields = struct.pack("<HHHHHIII", 20, 0, 8, time, date, crc, len(deflated), size)
        out.write(b"PK\x03\x04" + fields + struct.pack("<HH", len(encoded), 0) + encoded + deflated)
        directory.write(
            b"PK\x01\x02"
            + struct.pack("<H", 20)
            + fields
            + struct.pack("<HHHHHII", len(encoded), 0, 0, 0, 0, 0, offset)
            + encoded
        )
    start, listing = out.tell(), directory.getvalue()
    out.write(listing)
    out.write(
        b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(entries), len(entries), len(listing), start, 0)
    )
    return out.getvalue()


def zip_bomb_xlsx(gigabytes: int = 3) -> bytes:
    """A well-formed workbook of about 3 MB whose one sheet unpacks to `gigabytes` GiB of blank
    space: refused from the sizes in the zip's directory, before anything is unpacked."""
    parts = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
        b'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxml'
        b'formats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        b"</Types>",
        "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships"><sheets><sheet name="Portfolio" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.'
        b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        b"</Relationships>",
    }
    entries = [(name, _deflated(data), zlib.crc32(data), len(data)) for name, data in parts.items()]
    head = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    tail = b"</sheetData></worksheet>"
    block = b" " * 2**24
    # After a full flush the compressor starts afresh, so every block deflates to the same bytes.
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    deflated_block = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    blocks = gigabytes * 2**30 // len(block)
    crc = zlib.crc32(head)
    for _ in range(blocks):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    sheet = first + deflated_block * blocks + compressor.compress(tail) + compressor.flush()
    entries.append(("xl/worksheets/sheet1.xml", sheet, crc, len(head) + blocks * len(block) + len(tail)))
    return _zip(entries)


# --- Other files people mistake for spreadsheets ---------------------------------------------


def pdf() -> bytes:
    """A one-page PDF, as a scanned budget table arrives."""
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def png() -> bytes:
    """A 1x1 white PNG, as a screenshot of a table arrives."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


def html_table() -> bytes:
    """A web page with a table, saved with an .xls name: what many web systems' "Excel export" is."""
    return (
        b"<html><head><title>Projects</title></head><body><table>"
        b"<tr><th>Project ID</th><th>Title</th></tr><tr><td>BAD-080</td><td>Border posts</td></tr>"
        b"</table></body></html>\n"
    )


# --- XML -----------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<iati-activities version="2.03">
 <iati-activity>
  <iati-identifier>XM-BAD-1</iati-identifier>
  <title><narrative>&lol9;</narrative></title>
 </iati-activity>
</iati-activities>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE iati-activities [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<iati-activities version="2.03">
 <iati-activity>
  <iati-identifier>XM-BAD-2</iati-identifier>
  <title><narrative>&xxe;</narrative></title>
 </iati-activity>
</iati-activities>
"""

IATI_VERSION_1 = b"""<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="1.05" generated-datetime="2014-03-01T00:00:00">
 <iati-activity default-currency="EUR">
  <iati-identifier>XM-BAD-3</iati-identifier>
  <title>Border management support</title>
 </iati-activity>
</iati-activities>
"""

# Excel's "XML Spreadsheet 2003": XML, and a spreadsheet, but not IATI.
SPREADSHEET_2003 = b"""<?xml version="1.0"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Worksheet ss:Name="Portfolio">
  <Table>
   <Row>
    <Cell><Data ss:Type="String">Project ID</Data></Cell><Cell><Data ss:Type="String">Title</Data></Cell>
   </Row>
   <Row>
    <Cell><Data ss:Type="String">BAD-090</Data></Cell><Cell><Data ss:Type="String">Border posts</Data></Cell>
   </Row>
  </Table>
 </Worksheet>
</Workbook>
"""


# --- Text files ------------------------------------------------------------------------------

UNICODE_ROWS = [
    ["Project ID", "Title", "Donor", "Country", "Total budget (EUR)", "Start", "End"],
    ["BAD-100", "Гранична полиција: обука", "EU", "Serbia", "250000", "2021-01-01", "2022-12-31"],
    ["BAD-101", "Sınır yönetimi", "Germany", "Türkiye", "400000", "2021-03-01", "2023-02-28"],
]


def too_big_csv(size: int = 50 * 2**20) -> bytes:
    """A csv of well-formed projects, `size` bytes at most: too large to upload."""
    header = ",".join(HEADER) + "\n"
    line = "BAD-{:07d},Border management project {:07d},EU,Serbia,250000,2020-01-01,2022-12-31\n"
    count = (size - len(header)) // len(line.format(0, 0))
    return (header + "".join(line.format(i, i) for i in range(count))).encode()


# --- The corpus ------------------------------------------------------------------------------

LONG = ("Integrated border management along the green border " * 200)[:10_000]

SMALL: dict[str, Callable[[], bytes]] = {
    "empty.xlsx": lambda: b"",
    "empty.csv": lambda: b"",
    "empty.xml": lambda: b"",
    "no_rows.xlsx": no_rows,
    "header_only.xlsx": header_only,
    "template_without_rows.xlsx": template_without_rows,
    "pdf_renamed.xlsx": pdf,
    "png_renamed.xlsx": png,
    "word_renamed.xlsx": word_document,
    "web_page_renamed.xls": html_table,
    "password_protected.xlsx": encrypted_workbook,
    "truncated.xlsx": truncated,
    "billion_laughs.xml": lambda: BILLION_LAUGHS,
    "external_entity.xml": lambda: EXTERNAL_ENTITY,
    "iati_version_1.xml": lambda: IATI_VERSION_1,
    "spreadsheet_2003.xml": lambda: SPREADSHEET_2003,
    "long_cells.xlsx": lambda: xlsx(
        {
            "Portfolio": [
                HEADER + ["Description", "Status"],
                ["BAD-060", LONG, "EU", "Serbia", 100000, "2020-01-01", "2021-12-31", LONG, LONG],
                ["BAD-061", "Long country cell", "EU", LONG, 100000, "2020-01-01", "2021-12-31"],
                ["BAD-062", "Long donor cell", LONG, "Serbia", 100000, "2020-01-01", "2021-12-31"],
            ]
        }
    ),
    "control_characters.csv": lambda: csv_text(
        [
            HEADER,
            ["BAD-110", "Border\x07 police\x01 training", "EU", "Serbia", 100000, "2020-01-01", "2021-12-31"],
            [
                "BAD-111",
                "\x1b[31mCustoms\x1b[0m reform\x7f",
                "EU",
                "Serbia",
                100000,
                "2020-01-01",
                "2021-12-31",
            ],
        ]
    ).encode(),
    "right_to_left.xlsx": lambda: projects(
        ["BAD-120", "إدارة الحدود المتكاملة", "EU", "Jordan", 300000, "2020-01-01", "2021-12-31"],
        ["BAD-121", "ניהול גבולות", "EU", "Israel", 200000, "2020-01-01", "2021-12-31"],
        [
            "BAD-122",
            "Border training \u202eslx.exe\u202c",
            "EU",
            "Serbia",
            100000,
            "2020-01-01",
            "2021-12-31",
        ],
    ),
    "formula_text.xlsx": lambda: projects(
        ["BAD-130", '=HYPERLINK("http://evil","x")', "EU", "Serbia", 100000, "2020-01-01", "2021-12-31"],
        ["BAD-131", "@SUM(A1)", "EU", "Serbia", 100000, "2020-01-01", "2021-12-31"],
        ["BAD-132", "+1+1", "EU", "Serbia", 100000, "2020-01-01", "2021-12-31"],
        ["BAD-133", "-2+3", "EU", "Serbia", 100000, "2020-01-01", "2021-12-31"],
    ),
    "formula_text.csv": lambda: csv_text(
        [
            HEADER,
            ["BAD-140", '=HYPERLINK("http://evil","x")', "EU", "Serbia", 100000, "2020-01-01", "2021-12-31"],
            ["BAD-141", "@SUM(A1)", "EU", "Serbia", 100000, "2020-01-01", "2021-12-31"],
            ["BAD-142", "+1+1", "EU", "Serbia", 100000, "2020-01-01", "2021-12-31"],
            ["BAD-143", "-2+3", "EU", "Serbia", 100000, "2020-01-01", "2021-12-31"],
        ]
    ).encode(),
    "sql_names.csv": lambda: csv_text(
        [
            HEADER,
            ["BAD-150", "x'); DROP TABLE projects; --", "EU", "Serbia", 100000, "2020-01-01", "2021-12-31"],
            [
                "BAD-151'; DELETE FROM projects; --",
                "Customs reform",
                "Acme' OR '1'='1",
                "Serbia",
                100000,
                "2020-01-01",
                "2021-12-31",
            ],
        ]
    ).encode(),
    "duplicate_ids.xlsx": lambda: projects(
        ["BAD-001", "Border crossing equipment", "EU", "Serbia", 100000, "2020-01-01", "2021-12-31"],
        ["BAD-001", "Border crossing equipment, phase 2", "EU", "Serbia", 200000, "2022-01-01", "2023-12-31"],
        [None, "Customs training", "Germany", "Albania", 50000, "2020-01-01", "2020-12-31"],
        [None, "Customs training", "Germany", "Albania", 60000, "2021-01-01", "2021-12-31"],
    ),
    "negative_budget.xlsx": lambda: projects(
        ["BAD-010", "Coast guard boats", "EU", "Montenegro", -500000, "2020-01-01", "2021-12-31"],
        ["BAD-011", "Document security", "EU", "Albania", "(250,000)", "2020-01-01", "2021-12-31"],
    ),
    "negative_amounts_template.xlsx": negative_amounts_template,
    "shares_250.xlsx": lambda: projects(
        [
            "BAD-020",
            "Joint border patrols",
            "EU (150%), Germany (100%)",
            "Serbia",
            1000000,
            "2020-01-01",
            "2022-12-31",
        ],
        [
            "BAD-021",
            "Risk analysis network",
            "EU (60%), Germany (40.5%)",
            "Serbia",
            1000000,
            "2020-01-01",
            "2022-12-31",
        ],
    ),
    "year_9999.xlsx": lambda: projects(
        [
            "BAD-030",
            "Open-ended mentoring",
            "EU",
            "Serbia",
            100000,
            dt.datetime(2020, 1, 1),
            dt.datetime(9999, 12, 31),
        ],
        ["BAD-031", "Open-ended advice", "EU", "Serbia", 100000, "2020-01-01", "31/12/9999"],
    ),
    "end_before_start.xlsx": lambda: projects(
        ["BAD-040", "Late start", "EU", "Albania", 750000, "2020-05-01", "2019-05-01"],
        ["BAD-041", "On time", "EU", "Albania", 750000, "2019-05-01", "2020-05-01"],
    ),
    "utf16_bom.csv": lambda: b"\xff\xfe" + csv_text(UNICODE_ROWS, "\t").encode("utf-16-le"),
    "utf16_no_bom.csv": lambda: csv_text(UNICODE_ROWS).encode("utf-16-le"),
}

# Made at test time into a temporary folder; never committed.
LARGE: dict[str, Callable[[], bytes]] = {
    "too_big.csv": too_big_csv,
    "zip_bomb.xlsx": zip_bomb_xlsx,
    "wide.xlsx": wide_xlsx,
}


def write(folder: Path, cases: dict[str, Callable[[], bytes]]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in cases.items():
        path = folder / name
        path.write_bytes(make())
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=BAD, help=f"folder to write to (default: {BAD})")
    args = parser.parse_args()
    for path in write(args.out, SMALL):
        print(f"{path.stat().st_size:>9,}  {path}")


if __name__ == "__main__":
    main()
