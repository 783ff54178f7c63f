"""Files aidtrack must refuse, or import only in part (tests/data/bad, made by
scripts/make_bad_inputs.py): the exact words the user sees, and exactly what is stored.

Every file goes the way the Import page and the CLI send it: `pipeline.preview_file`, then
`imports.apply`. A refused file leaves every table of the store as it was.
"""

import csv
import datetime as dt
import importlib.util
import io
import json
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from loaders import pipeline, template, workbook
from loaders.problems import UnreadableFile
from portfolio import imports, store

from .conftest import ROOT
from .test_import import rows, run_cli

BAD = Path(__file__).parent / "data" / "bad"
IMPLAUSIBLE = "the year 9999 is not a plausible project date; write a year between 1950 and 2100."
START, END, END_2022 = dt.date(2020, 1, 1), dt.date(2021, 12, 31), dt.date(2022, 12, 31)
_spec = importlib.util.spec_from_file_location("make_bad_inputs", ROOT / "scripts" / "make_bad_inputs.py")
make_bad_inputs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_bad_inputs)

SPREADSHEET_KINDS = "an Excel workbook (.xlsx, .xls), an OpenDocument sheet (.ods) or a csv file"
DAMAGED = (
    "cannot be read: it is damaged or incomplete (a download or copy that did not finish, say). "
    "Open it in your spreadsheet program and save it again, or get a fresh copy."
)
XML_ATTACK = (
    "declares a DTD or entities, which IATI files never do; aidtrack refuses such XML because it can be "
    "used to attack the machine reading it (billion laughs, external entities)."
)
EMPTY = "is empty. Choose a file that holds your projects."

REFUSED = {
    "empty.xlsx": EMPTY,
    "empty.csv": EMPTY,
    "empty.xml": EMPTY,
    "no_rows.xlsx": "has no filled cells. Choose a file that holds your projects.",
    "template_without_rows.xlsx": "is the aidtrack template with no rows filled in. Fill in one row per "
    "project on the Projects sheet and import it again.",
    "header_only.xlsx": "has column headers on sheet 'Portfolio' (row 1) but no projects under them. Fill in "
    "one row per project below the headers and import it again.",
    "pdf_renamed.xlsx": f"is a PDF document, not a spreadsheet. Use {SPREADSHEET_KINDS}.",
    "png_renamed.xlsx": f"is a PNG image, not a spreadsheet. Use {SPREADSHEET_KINDS}.",
    "word_renamed.xlsx": f"is a Word document, not a spreadsheet. Use {SPREADSHEET_KINDS}.",
    "web_page_renamed.xls": "is a web page (HTML), not a spreadsheet, whatever its name says: many systems' "
    '"Export to Excel" write one. Open it in Excel, save it as an Excel workbook (.xlsx) and import that.',
    "password_protected.xlsx": "is protected with a password. Open it in Excel, remove the password "
    "(File > Info > Protect Workbook) and save it again.",
    "truncated.xlsx": DAMAGED,
    "billion_laughs.xml": XML_ATTACK,
    "external_entity.xml": XML_ATTACK,
    "iati_version_1.xml": "is IATI version 1.05; aidtrack imports versions 2.01, 2.02, 2.03. Ask the "
    "publisher for version 2.03 of the file.",
    "spreadsheet_2003.xml": "is an Excel 2003 XML spreadsheet, not an IATI file. Open it in Excel, save it "
    "as an Excel workbook (.xlsx) and import that.",
}
# Made at test time: too large to keep in the repository.
REFUSED_LARGE = {
    "too_big.csv": "is 50.0 MB; aidtrack imports files of up to 25 MB. Split the projects over several "
    "files, or delete what aidtrack does not read (pictures, charts, other sheets) and save it again.",
    "zip_bomb.xlsx": "would unpack to 3,072 MB; aidtrack opens workbooks of up to 1,024 MB unpacked. "
    "Nothing in it was read: a file that grows this much is damaged or made to overwhelm the computer "
    'opening it (a "zip bomb"). If it is your own workbook, delete the unused sheets, rows and columns '
    "and save it again.",
    "wide.xlsx": "sheet 'Portfolio' has 1,000 columns; aidtrack reads at most 500. Delete the unused "
    "columns and save the file again.",
}


def store_dump(db: store.Store) -> dict[str, str]:
    """Every table in the store, each as csv text with its rows sorted: two dumps are equal when
    the store holds exactly the same data."""
    with db.cursor() as cur:
        tables = [t for (t,) in cur.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
    dump = {}
    with tempfile.TemporaryDirectory() as folder:
        for table in tables:
            path = Path(folder) / f"{table}.csv"
            with db.cursor() as cur:
                cur.execute(f"COPY (SELECT * FROM \"{table}\" ORDER BY ALL) TO '{path}' (HEADER)")
            dump[table] = path.read_text()
    return dump


@pytest.fixture
def db(sample_db):
    """The sample portfolio (43 projects), open."""
    opened = store.open_store(sample_db)
    yield opened
    opened.close()


def imported(db: store.Store, name: str) -> dict:
    """Preview the corpus file `name`, save it, and return the preview's report."""
    plan, loaded = pipeline.preview_file(db, (BAD / name).read_bytes(), name)
    report = pipeline.report(plan, loaded)
    imports.apply(db, plan)
    return report


def problems(report: dict) -> list[tuple]:
    return [(p["severity"], p["sheet"], p["row"], p["column"], p["message"]) for p in report["problems"]]


def projects(db: store.Store, ids: list[str]) -> list[tuple]:
    return rows(
        db,
        "SELECT project_id, title, budget, currency, start_date, end_date FROM projects "
        "WHERE project_id IN (SELECT unnest(?)) ORDER BY project_id",
        [ids],
    )


def funding(db: store.Store, project_id: str) -> list[tuple]:
    return rows(
        db,
        "SELECT o.name, po.amount FROM project_orgs po JOIN organisations o USING (org_id) "
        "WHERE po.project_id = ? AND po.role = 'funding' ORDER BY o.name",
        [project_id],
    )


def test_the_corpus_is_what_the_script_makes():
    """The committed files are the generator's output, byte for byte, and nothing else is there."""
    assert sorted(p.name for p in BAD.iterdir()) == sorted(make_bad_inputs.SMALL)
    for name, make in make_bad_inputs.SMALL.items():
        assert (BAD / name).read_bytes() == make(), name


@pytest.mark.parametrize("name", REFUSED)
def test_a_refused_file_says_why_in_one_message_and_stores_nothing(db, name):
    before = store_dump(db)
    with pytest.raises(UnreadableFile) as refused:
        pipeline.preview_file(db, (BAD / name).read_bytes(), name)
    assert str(refused.value) == f"{name}: {REFUSED[name]}"
    assert store_dump(db) == before


@pytest.mark.parametrize(
    "name", ["pdf_renamed.xlsx", "truncated.xlsx", "empty.csv", "password_protected.xlsx", "no_rows.xlsx"]
)
def test_a_file_read_ahead_as_the_command_line_does_is_refused_the_same(db, name):
    # The command line checks the file before it begins reading it on a thread.
    data = (BAD / name).read_bytes()
    workbook.read_ahead(data, name)
    with pytest.raises(UnreadableFile) as refused:
        pipeline.preview_file(db, data, name)
    assert str(refused.value) == f"{name}: {REFUSED[name]}"


@pytest.mark.parametrize("name", REFUSED_LARGE)
def test_a_large_file_is_refused_before_it_is_read(db, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(make_bad_inputs.LARGE[name]())
    before = store_dump(db)
    started = time.perf_counter()
    with pytest.raises(UnreadableFile) as refused:
        pipeline.preview_file(db, path.read_bytes(), name)
    assert time.perf_counter() - started < 2
    assert str(refused.value) == f"{name}: {REFUSED_LARGE[name]}"
    assert store_dump(db) == before


# A fresh interpreter, so that its peak memory (VmHWM, in kB) is the refusal's and nothing else's.
MEASURE = """
import re, sys
from loaders.problems import UnreadableFile
from loaders.workbook import read_bytes
data = open(sys.argv[1], "rb").read()
try:
    read_bytes(data, "zip_bomb.xlsx")
except UnreadableFile:
    status = open("/proc/self/status").read()
    print(int(re.search(r"VmHWM:\\s+(\\d+) kB", status)[1]) // 1024)
"""


def test_a_zip_bomb_is_refused_from_the_zip_directory_without_unpacking_it(tmp_path):
    path = tmp_path / "zip_bomb.xlsx"
    path.write_bytes(make_bad_inputs.zip_bomb_xlsx())
    assert path.stat().st_size < 4 * 2**20  # 3 GB of sheet in under 4 MB
    measured = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert measured.returncode == 0, measured.stderr
    assert int(measured.stdout) < 100  # MB at its peak, the interpreter and libraries included (about 20)


@pytest.mark.parametrize(
    "name, make",
    [
        ("password_protected.xlsx", None),
        ("external_entity.xml", None),
        ("too_big.csv", make_bad_inputs.too_big_csv),
        ("zip_bomb.xlsx", make_bad_inputs.zip_bomb_xlsx),
    ],
)
def test_the_cli_refuses_with_the_same_words_and_exit_code_2(sample_db, tmp_path, name, make):
    path = BAD / name
    if make:
        path = tmp_path / name
        path.write_bytes(make())
    db = store.open_store(sample_db)
    before = store_dump(db)
    db.close()
    result = run_cli("import", str(path), "--json", env_db=sample_db)
    assert result.returncode == 2, result.stderr
    expected = (REFUSED | REFUSED_LARGE)[name]
    assert json.loads(result.stdout) == {"file": name, "error": expected}
    plain = run_cli("import", str(path), env_db=sample_db)
    assert plain.stderr.splitlines()[-1] == f"Cannot import {name}: {expected}"  # after any progress
    db = store.open_store(sample_db)
    assert store_dump(db) == before
    db.close()


# A csv has no extent to check before it is read, as a workbook's sheets have: it is held to the
# same rows and cells as it is read. 25 MB of blank lines with a value after them are 26 million
# rows: held as lists and checked, they took 6.5 GB.


def test_a_csv_of_more_rows_than_aidtrack_reads_is_refused(db):
    at_the_limit = b"Title,Budget\n" + b"\n" * (workbook.MAX_ROWS - 2) + b"Road repair,100\n"
    assert len(workbook.read_bytes(at_the_limit, "long.csv").sheets[0].rows) == workbook.MAX_ROWS
    before = store_dump(db)
    with pytest.raises(UnreadableFile) as refused:
        pipeline.preview_file(db, b"Title,Budget\n" + at_the_limit, "long.csv")
    assert refused.value.message == "has 1,100,001 rows; aidtrack reads at most 1,100,000. Split the file."
    assert store_dump(db) == before


def test_a_csv_of_more_cells_than_aidtrack_reads_is_refused(db, monkeypatch):
    monkeypatch.setattr(workbook, "MAX_CELLS", 1_000)  # ten million cells take a 10 MB csv
    header = "Title,Budget," + ",".join(f"Note {i}" for i in range(8))
    lines = [header] + [f"Project {i},100" + "," * 8 for i in range(100)]  # 101 rows of 10 columns
    with pytest.raises(UnreadableFile) as refused:
        pipeline.preview_file(db, "\n".join(lines).encode(), "wide.csv")
    assert refused.value.message == (
        "has 101 rows and 10 columns: 1,010 cells, where aidtrack reads at most 1,000. Delete the columns "
        "you do not import, or split the file."
    )
    plan, _ = pipeline.preview_file(db, "\n".join(lines[:-1]).encode(), "wide.csv")
    assert (plan.counts["added"], plan.counts["rejected"]) == (99, 0)


def test_blank_lines_after_a_csvs_last_value_are_neither_counted_nor_kept(db):
    # A spreadsheet program saves the rows it once formatted as lines of separators: like a
    # workbook's empty cells, they do not count against the limits.
    data = b"Title,Budget\r\nRoad repair,100\r\n" + b",\r\n" * (workbook.MAX_ROWS + 1)
    assert workbook.read_bytes(data, "formatted.csv").sheets[0].rows == [
        ["Title", "Budget"],
        ["Road repair", "100"],
    ]
    plan, _ = pipeline.preview_file(db, data, "formatted.csv")
    assert (plan.counts["added"], plan.counts["rejected"]) == (1, 0)


# --- Files that import, in part or with warnings --------------------------------------------


def test_sql_in_names_is_stored_as_written_and_drops_nothing(db):
    tables = set(store_dump(db))
    report = imported(db, "sql_names.csv")
    assert (report["added"], report["rejected"], report["problems"]) == (2, 0, [])
    assert set(store_dump(db)) == tables
    assert rows(db, "SELECT count(*) FROM projects") == [(45,)]
    sql = "BAD-151'; DELETE FROM projects; --"
    assert projects(db, ["BAD-150", sql]) == [
        ("BAD-150", "x'); DROP TABLE projects; --", Decimal("100000.00"), "EUR", START, END),
        (sql, "Customs reform", Decimal("100000.00"), "EUR", START, END),
    ]
    assert funding(db, sql) == [("Acme' OR '1'='1", None)]


@pytest.mark.parametrize(
    "name, ids",
    [
        ("formula_text.xlsx", ["BAD-130", "BAD-131", "BAD-132", "BAD-133"]),
        ("formula_text.csv", ["BAD-140", "BAD-141", "BAD-142", "BAD-143"]),
    ],
)
def test_formula_looking_text_is_stored_as_text_and_exported_so_it_never_runs(db, name, ids):
    formulas = ['=HYPERLINK("http://evil","x")', "@SUM(A1)", "+1+1", "-2+3"]
    report = imported(db, name)
    assert (report["added"], report["rejected"], report["problems"]) == (4, 0, [])
    assert [title for _, title, *_ in projects(db, ids)] == formulas
    exported = io.BytesIO()
    pipeline.write_export(exported, db.connection)
    sheet = openpyxl.load_workbook(exported)["Projects"]
    cells = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2) if row[0].value in ids}
    assert [(cells[i].value, cells[i].data_type, cells[i].quotePrefix) for i in ids] == [
        (f, "s", True) for f in formulas
    ]
    as_csv = template.csv_bytes(pd.DataFrame({"title": formulas})).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(as_csv))) == [["title"], *[["'" + f] for f in formulas]]


def test_control_characters_are_removed_from_titles_and_reported(db):
    report = imported(db, "control_characters.csv")
    assert problems(report) == [
        (
            "warning",
            "control_characters",
            2,
            "Title",
            "Removed invisible control characters (U+0001, U+0007).",
        ),
        (
            "warning",
            "control_characters",
            3,
            "Title",
            "Removed invisible control characters (U+001B, U+007F).",
        ),
    ]
    assert [title for _, title, *_ in projects(db, ["BAD-110", "BAD-111"])] == [
        "Border police training",
        "[31mCustoms[0m reform",
    ]


def test_right_to_left_titles_are_kept_and_direction_overrides_removed(db):
    report = imported(db, "right_to_left.xlsx")
    assert problems(report) == [
        (
            "warning",
            "Portfolio",
            4,
            "Title",
            "Removed invisible marks that change the direction of the text (U+202C, U+202E). They make text "
            "show differently from what it holds.",
        )
    ]
    assert [title for _, title, *_ in projects(db, ["BAD-120", "BAD-121", "BAD-122"])] == [
        "إدارة الحدود المتكاملة",
        "ניהול גבולות",
        "Border training slx.exe",
    ]


def test_ten_thousand_character_cells_are_kept_whole_and_quoted_short(db):
    started = time.perf_counter()
    report = imported(db, "long_cells.xlsx")
    assert time.perf_counter() - started < 5  # a paragraph in the country column is not searched
    clipped = "'Integrated border management along the green border Integra…'"
    assert problems(report) == [
        (
            "warning",
            "Portfolio",
            2,
            "Status",
            f"{clipped} is not a status aidtrack knows; write one of pipeline, implementation, finalisation, "
            "closed, cancelled, suspended (or active, completed...). Stored as not recorded.",
        ),
        (
            "warning",
            "Portfolio",
            3,
            "Country",
            f"{clipped} is not a country or region aidtrack knows; it is left out. Use the "
            "country's English name or ISO code.",
        ),
    ]
    long = make_bad_inputs.LONG
    assert len(long) == 10_000
    assert rows(db, "SELECT title, description, status FROM projects WHERE project_id = 'BAD-060'") == [
        (long, long, None)
    ]
    assert rows(db, "SELECT count(*) FROM project_countries WHERE project_id = 'BAD-061'") == [(0,)]
    assert funding(db, "BAD-062") == [(long, None)]


def test_a_repeated_project_id_or_title_rejects_the_later_row(db):
    report = imported(db, "duplicate_ids.xlsx")
    assert (report["added"], report["rejected"]) == (2, 2)
    assert problems(report) == [
        (
            "error",
            "Portfolio",
            3,
            "Project ID",
            "Project ID BAD-001 is also on row 2; only the first row with an ID is imported.",
        ),
        (
            "error",
            "Portfolio",
            5,
            "Title",
            "Same title as row 4; only the first is imported. Give the rows different titles or a Project ID "
            "column.",
        ),
    ]
    titles = ["Border crossing equipment", "Border crossing equipment, phase 2", "Customs training"]
    assert rows(
        db, "SELECT title, budget FROM projects WHERE title IN (SELECT unnest(?)) ORDER BY title", [titles]
    ) == [("Border crossing equipment", Decimal("100000.00")), ("Customs training", Decimal("50000.00"))]


def test_a_negative_budget_is_reported_and_stored_as_not_known(db):
    report = imported(db, "negative_budget.xlsx")
    assert (report["added"], report["rejected"]) == (2, 0)
    assert problems(report) == [
        (
            "warning",
            "Portfolio",
            2,
            "Total budget (EUR)",
            "The budget -500,000.00 is negative; a budget is 0 or more. Stored as not known.",
        ),
        (
            "warning",
            "Portfolio",
            3,
            "Total budget (EUR)",
            "The budget -250,000.00 is negative; a budget is 0 or more. Stored as not known.",
        ),
    ]
    assert projects(db, ["BAD-010", "BAD-011"]) == [
        ("BAD-010", "Coast guard boats", None, "EUR", START, END),
        ("BAD-011", "Document security", None, "EUR", START, END),
    ]


def test_a_negative_budget_period_is_rejected_and_a_negative_transaction_kept(db):
    report = imported(db, "negative_amounts_template.xlsx")
    assert (report["added"], report["rejected"]) == (1, 1)
    assert problems(report) == [
        ("error", "Budgets", 3, "Amount", "-400,000.00 is negative; write 0 or more.")
    ]
    assert rows(db, "SELECT period_start, amount FROM budgets WHERE project_id = 'BAD-012'") == [
        (dt.date(2021, 1, 1), Decimal("400000.00"))
    ]
    assert rows(
        db, "SELECT transaction_id, amount FROM transactions WHERE project_id = 'BAD-012' ORDER BY 1"
    ) == [("BAD-012-T1", Decimal("150000.00")), ("BAD-012-T2", Decimal("-20000.00"))]


def test_funder_shares_over_100_percent_record_no_contributions(db):
    report = imported(db, "shares_250.xlsx")
    assert (report["added"], report["rejected"]) == (2, 0)
    assert problems(report) == [
        (
            "warning",
            "Portfolio",
            2,
            "Donor",
            "The shares (EU 150%, Germany 100%) add up to 250%, more than 100%, so contributions are not "
            "recorded. Correct the shares so that they add up to 100% at most.",
        ),
        (
            "warning",
            "Portfolio",
            3,
            "Donor",
            "The shares (EU 60%, Germany 40.5%) add up to 100.5%, a little over 100% by rounding; each is "
            "taken as its part of the total.",
        ),
    ]
    eu, germany = "European Union", "Federal Republic of Germany"
    assert funding(db, "BAD-020") == [(eu, None), (germany, None)]
    assert funding(db, "BAD-021") == [(eu, Decimal("597014.93")), (germany, Decimal("402985.07"))]


def test_a_date_in_the_year_9999_is_reported_and_stored_as_not_known(db):
    report = imported(db, "year_9999.xlsx")
    assert (report["added"], report["rejected"]) == (2, 0)
    assert problems(report) == [
        (
            "warning",
            "Portfolio",
            2,
            "End",
            f"'9999-12-31': {IMPLAUSIBLE}",
        ),
        (
            "warning",
            "Portfolio",
            3,
            "End",
            f"'31/12/9999': {IMPLAUSIBLE}",
        ),
    ]
    assert [(i, start, end) for i, _, _, _, start, end in projects(db, ["BAD-030", "BAD-031"])] == [
        ("BAD-030", dt.date(2020, 1, 1), None),
        ("BAD-031", dt.date(2020, 1, 1), None),
    ]


def test_a_project_ending_before_it_starts_is_rejected(db):
    report = imported(db, "end_before_start.xlsx")
    assert (report["added"], report["rejected"]) == (1, 1)
    assert problems(report) == [
        (
            "error",
            "Portfolio",
            2,
            "End",
            "The end date 01 May 2019 is before the start date 01 May 2020. Correct one of them.",
        )
    ]
    assert [i for i, *_ in projects(db, ["BAD-040", "BAD-041"])] == ["BAD-041"]


@pytest.mark.parametrize("name", ["utf16_bom.csv", "utf16_no_bom.csv"])
def test_a_utf16_csv_imports_with_or_without_its_byte_order_mark(db, name):
    report = imported(db, name)
    assert (report["added"], report["rejected"], report["problems"]) == (2, 0, [])
    assert projects(db, ["BAD-100", "BAD-101"]) == [
        ("BAD-100", "Гранична полиција: обука", Decimal("250000.00"), "EUR", dt.date(2021, 1, 1), END_2022),
        ("BAD-101", "Sınır yönetimi", Decimal("400000.00"), "EUR", dt.date(2021, 3, 1), dt.date(2023, 2, 28)),
    ]


def test_the_cli_stores_sql_looking_names_verbatim(sample_db):
    result = run_cli("import", str(BAD / "sql_names.csv"), "--json", env_db=sample_db)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["added"], report["rejected"], report["problems"]) == (2, 0, [])
    db = store.open_store(sample_db)
    assert rows(db, "SELECT title FROM projects WHERE project_id = 'BAD-150'") == [
        ("x'); DROP TABLE projects; --",)
    ]
    assert rows(db, "SELECT count(*) FROM projects") == [(45,)]
    db.close()


@pytest.mark.parametrize("name", ["quarter.xlsx", "quarter.XLS", "quarter.ods"])
def test_text_under_a_workbooks_name_that_is_no_table_says_the_name_and_contents_disagree(db, name):
    # A file named .xlsx holding one line of text was told 'does not look like a table ... Use an Excel
    # workbook (.xlsx, .xls)': to someone who had uploaded an .xlsx.
    suffix = name.rsplit(".", 1)[1].lower()
    with pytest.raises(UnreadableFile) as refused:
        pipeline.preview_file(db, b"Project portfolio Q3 2026\n", name, None)
    assert str(refused.value) == (
        f"{name}: is named .{suffix}, but holds text, not a workbook, and as text it does not look like a "
        "table: every line has a single value. It was saved under the wrong name, or is damaged: if it came "
        "from Excel, open it there and save it as an Excel workbook (.xlsx) again."
    )


def test_a_csv_under_a_workbooks_name_still_imports(db):
    # Many systems' "Export to Excel" write a csv named .xls.
    plan, _ = pipeline.preview_file(db, b"Project ID;Title\nQ-1;Water supply\n", "export.xls", None)
    assert plan.counts["added"] == 1
