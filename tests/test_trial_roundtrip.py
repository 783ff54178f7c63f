"""The programme manager's round trip, as someone new to aidtrack does it: the template filled in,
an export edited and uploaded again, last quarter's sheet and this quarter's, the fix-me file."""

import datetime as dt
import io

import openpyxl

from loaders import pipeline
from portfolio import imports


def template_with(db, sheets: dict[str, list[list]]) -> bytes:
    """The template as `python -m loaders template` writes it, filled in with openpyxl as Excel would."""
    out = io.BytesIO()
    pipeline.write_template(out, db.connection)
    wb = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    for name, rows in sheets.items():
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row, start=1):
                wb[name].cell(r, c, value)
    filled = io.BytesIO()
    wb.save(filled)
    return filled.getvalue()


def preview(db, data: bytes, name: str = "portfolio.xlsx") -> tuple[imports.Preview, dict]:
    plan, loaded = pipeline.preview_file(db, data, name)
    return plan, pipeline.report(plan, loaded)


def test_importing_the_same_template_again_changes_nothing_when_visibility_is_blank(empty_db):
    # Visibility is optional ("Blank means public"); most managers leave it blank.
    data = template_with(
        empty_db,
        {"Projects": [["WB-03", "Migration dialogue", None, None, "closed", dt.date(2016, 1, 1)]]},
    )
    plan, _ = preview(empty_db, data)
    imports.apply(empty_db, plan)
    again, report = preview(empty_db, data)
    assert (report["added"], report["updated"], report["unchanged"]) == (0, 0, 1)
    assert report["changes"] == []
