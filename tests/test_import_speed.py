"""What the fast paths of the importer must keep: every row its own warnings, in row order, and
the interpreter as it was found (issue 3)."""

import gc
import io

import openpyxl
import pytest

from loaders import sheets
from loaders.problems import UnreadableFile
from portfolio import imports


def repeated_sheet(rows: int) -> bytes:
    """The same few donors, amounts and dates over many rows, as large sheets have them."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Project ID", "Project title", "Donor(s)", "Total budget", "Currency", "Start", "End"])
    for i in range(rows):
        ws.append(
            [
                f"P-{i:04d}",
                f"Project {i}",
                ["Abt Associates, DAI", "EU (60%); UK (40%)", "EU (100%)", "Sweden (SEK 2m)"][i % 4],
                ["tbc", 1000.01, 250000, "EUR 1 million"][i % 4],
                ["EUR", "USD", "GBP", None][i % 4],
                "2019-01-15",
                "2018-01-01" if i % 5 == 4 else "2020-12-31",
            ]
        )
    ws.append(["", "Total", "", 1251000.01])
    ws.append(["* Amounts as agreed"])
    data = io.BytesIO()
    wb.save(data)
    return data.getvalue()


def test_repeated_cells_warn_on_every_row_in_row_order(empty_db):
    loaded = sheets.load(repeated_sheet(40), "repeated.xlsx", imports.reference(empty_db.connection))
    for column in {p.column for p in loaded.problems}:
        rows = [p.row for p in loaded.problems if p.column == column and p.severity != "note"]
        assert rows == sorted(rows), column
    one_organisation = [p.row for p in loaded.problems if "is taken as one organisation" in p.message]
    assert one_organisation == list(range(2, 42, 4))
    no_budget = [p.row for p in loaded.problems if p.message.startswith("'tbc' is not an amount")]
    assert no_budget == list(range(2, 42, 4))
    end_first = [p.row for p in loaded.problems if "is before the start date" in p.message]
    assert end_first == list(range(6, 42, 5))
    assert [(p.row, p.message) for p in loaded.problems if p.severity == "note"] == [
        (42, "Looks like a total row; skipped."),
        (43, "A note below the table, not a project; skipped."),
    ]
    projects = loaded.incoming.projects.set_index("project_id")
    assert len(projects) == 32  # the rows ending before they start are rejected
    orgs = loaded.incoming.children["project_orgs"]
    split = orgs[orgs["project_id"] == "P-0001"].sort_values("org_id")
    assert [str(a) for a in split["amount"]] == ["600.01", "400.00"]  # 60% and 40% of 1000.01
    whole = orgs[orgs["project_id"] == "P-0002"]  # EU (100%) of GBP 250,000
    assert [(str(a), c) for a, c in zip(whole["amount"], whole["currency"], strict=True)] == [
        ("250000.00", "GBP")
    ]
    written = orgs[orgs["project_id"] == "P-0003"]  # Sweden (SEK 2m)
    assert [(str(a), c) for a, c in zip(written["amount"], written["currency"], strict=True)] == [
        ("2000000.00", "SEK")
    ]


@pytest.mark.parametrize("collecting", [True, False])
def test_reading_leaves_the_cycle_collector_as_it_was(empty_db, collecting):
    was = gc.isenabled()
    try:
        if not collecting:
            gc.disable()
        sheets.load(repeated_sheet(4), "repeated.xlsx", imports.reference(empty_db.connection))
        assert gc.isenabled() is collecting
        with pytest.raises(UnreadableFile):
            sheets.load(b"%PDF-1.4", "scan.xlsx", imports.reference(empty_db.connection))
        assert gc.isenabled() is collecting
    finally:
        if was:
            gc.enable()
        else:
            gc.disable()
