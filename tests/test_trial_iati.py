"""The IATI round trip and mixed portfolios, as a donor officer uses them: found in a trial."""

import io
from datetime import UTC, datetime
from decimal import Decimal

from loaders import iati_export, pipeline
from portfolio import export, imports, store

from .test_import import rows

GENERATED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def exported(db: store.Store) -> bytes:
    out = io.BytesIO()
    iati_export.write_iati(out, export.iati_tables(db.connection), generated=GENERATED)
    return out.getvalue()


def changed_fields(db: store.Store, data: bytes, name: str = "export.xml") -> dict[str, int]:
    """How many projects each field would change in, were `data` imported into `db`."""
    plan, _ = pipeline.preview_file(db, data, name)
    return plan.updated.groupby("field")["project_id"].nunique().to_dict()


def activity(body: str, identifier: str = "XM-TEST-1", currency: str = "EUR") -> str:
    return f"""
 <iati-activity default-currency="{currency}">
  <iati-identifier>{identifier}</iati-identifier>
  <title><narrative>Test {identifier}</narrative></title>
  <participating-org role="1" ref="XI-IATI-EC_DEVCO">
   <narrative>European Commission</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date type="2" iso-date="2022-01-01"/>
{body}
 </iati-activity>"""


def iati(*activities: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">'
        + "".join(activities)
        + "\n</iati-activities>\n"
    ).encode()


def test_the_portfolios_own_export_brings_its_transactions_back_unchanged(sample_db):
    db = store.open_store(sample_db)
    before = rows(db, "SELECT * FROM transactions ORDER BY transaction_id")
    assert "Transactions" not in changed_fields(db, exported(db))
    # Imported, the transactions keep their ids and dates (they were renumbered ILL-0001-T0001 and
    # given their date again as value date, so every project showed as changed).
    plan, _ = pipeline.preview_file(db, exported(db), "export.xml")
    imports.apply(db, plan)
    assert rows(db, "SELECT * FROM transactions ORDER BY transaction_id") == before
    db.close()


def test_a_transaction_ref_of_the_activity_is_its_id_and_other_refs_are_not(empty_db):
    data = iati(
        activity(
            """  <transaction ref="XM-TEST-1-A"><transaction-type code="2"/>
   <transaction-date iso-date="2022-01-05"/><value value-date="2022-01-05">100</value></transaction>
  <transaction ref="1"><transaction-type code="3"/><transaction-date iso-date="2022-02-05"/>
   <value value-date="2022-02-01">50</value></transaction>"""
        ),
        activity(
            """  <transaction ref="1"><transaction-type code="3"/><transaction-date iso-date="2022-02-05"/>
   <value>70</value></transaction>
  <transaction ref="XM-TEST-2-X"><transaction-type code="3"/><transaction-date iso-date="2022-03-05"/>
   <value>10</value></transaction>
  <transaction ref="XM-TEST-2-X"><transaction-type code="3"/><transaction-date iso-date="2022-04-05"/>
   <value>20</value></transaction>""",
            identifier="XM-TEST-2",
        ),
    )
    plan, _ = pipeline.preview_file(empty_db, data, "refs.xml")
    imports.apply(empty_db, plan)
    assert [
        (t, str(v) if v else None)
        for t, v in rows(empty_db, "SELECT transaction_id, value_date FROM transactions ORDER BY date")
    ] == [
        ("XM-TEST-1-A", None),  # the value date is the transaction date: nothing more to keep
        ("XM-TEST-1-T0002", "2022-02-01"),  # '1' could be any project's transaction
        ("XM-TEST-2-T0001", None),
        ("XM-TEST-2-T0002", None),  # a ref the file has twice is no one transaction's id
        ("XM-TEST-2-T0003", None),
    ]


def test_a_file_without_parent_activities_leaves_the_programmes_as_they_are(sample_db):
    db = store.open_store(sample_db)
    programmes = rows(db, "SELECT project_id, programme FROM projects ORDER BY 1")
    assert "programme" not in changed_fields(db, exported(db))  # 18 projects' programme was cleared
    plan, _ = pipeline.preview_file(db, exported(db), "export.xml")
    imports.apply(db, plan)
    assert rows(db, "SELECT project_id, programme FROM projects ORDER BY 1") == programmes
    db.close()


def test_a_parent_activity_still_gives_its_children_their_programme(empty_db):
    parent = activity("", identifier="XM-TEST-P")
    child = activity('  <related-activity ref="XM-TEST-P" type="1"/>', identifier="XM-TEST-C")
    plan, _ = pipeline.preview_file(empty_db, iati(parent, child), "hierarchy.xml")
    imports.apply(empty_db, plan)
    assert rows(empty_db, "SELECT project_id, programme FROM projects ORDER BY 1") == [
        ("XM-TEST-C", "Test XM-TEST-P"),
        ("XM-TEST-P", None),
    ]


def test_aims_exported_as_objectives_come_back_as_the_same_numbered_aims(sample_db, tmp_path):
    db = store.open_store(sample_db)
    data = exported(db)
    again = store.open_store(tmp_path / "again.duckdb")
    plan, _ = pipeline.preview_file(again, data, "export.xml")
    imports.apply(again, plan)
    published = [r[0] for r in rows(again, "SELECT project_id FROM projects")]
    aims = "SELECT project_id, seq, aim FROM project_aims WHERE list_contains(?, project_id) ORDER BY ALL"
    # The export writes them as the objectives description; they were not read back at all.
    assert rows(again, aims, [published]) == rows(db, aims, [published]) != []
    # Objectives as a publisher writes them, without numbers, are one aim.
    text = "Reduce  maternal deaths.\n Train 300 midwives."
    xml = iati(activity(f'  <description type="2"><narrative>{text}</narrative></description>'))
    plan, _ = pipeline.preview_file(again, xml, "objectives.xml")
    imports.apply(again, plan)
    assert rows(again, "SELECT seq, aim FROM project_aims WHERE project_id = 'XM-TEST-1'") == [
        (1, "Reduce maternal deaths. Train 300 midwives.")
    ]
    again.close()
    db.close()


def test_percentages_that_do_not_add_up_to_100_are_reported_with_the_split_used(empty_db):
    xml = iati(
        activity(
            """  <recipient-country code="RS" percentage="60"/>
  <recipient-country code="AL" percentage="20"/>
  <sector vocabulary="1" code="15210" percentage="50"/>
  <sector vocabulary="1" code="15130"/>""",
        )
    )
    plan, loaded = pipeline.preview_file(empty_db, xml, "shares.xml")
    said = [(p.column, p.message) for p in loaded.problems]
    # Nothing was said: the Overview split the money 75/25 and equally, unlike the file's figures.
    assert (
        "recipient-country",
        "The percentages of the recipient countries and regions add up to 80%, not 100%; the money is "
        "split in proportion to them (SRB 75.0%, ALB 25.0%).",
    ) in said
    assert (
        "sector",
        "Not all the DAC sectors have a percentage; the money is split equally among them "
        "(marked estimated).",
    ) in said


def test_a_parent_and_its_children_both_holding_money_is_reported(empty_db):
    budget = """  <budget><period-start iso-date="2022-01-01"/><period-end iso-date="2022-12-31"/>
   <value value-date="2022-01-01">{}</value></budget>"""
    parent = activity(
        budget.format(1000)
        + '\n  <related-activity ref="XM-TEST-C1" type="2"/><related-activity ref="XM-TEST-C2" type="2"/>',
        identifier="XM-TEST-P",
    )
    children = [
        activity(budget.format(500) + '\n  <related-activity ref="XM-TEST-P" type="1"/>', identifier=i)
        for i in ("XM-TEST-C1", "XM-TEST-C2")
    ]
    plan, loaded = pipeline.preview_file(empty_db, iati(parent, *children), "hierarchy.xml")
    imports.apply(empty_db, plan)
    # The total is the parent's 1,000 and the children's 500 twice: nothing said it may be twice over.
    assert rows(empty_db, "SELECT sum(amount) FROM budgets") == [(2000,)]
    (said,) = [p for p in loaded.problems if p.column == "related-activity"]
    assert (said.sheet, said.severity) == ("XM-TEST-P", "warning")
    assert said.message.startswith(
        "This activity and its child activities in the file (XM-TEST-C1, XM-TEST-C2) all have budgets: "
        "every total counts both"
    )


def test_a_project_where_more_came_back_than_was_spent_is_flagged(empty_db):
    from datetime import date

    from portfolio import spend
    from portfolio.filters import Filters

    # As in Spain's file: a budget of 0, commitments of 0 and EUR -5,369,208.87 disbursed.
    xml = iati(
        activity(
            """  <activity-date type="4" iso-date="2012-12-31"/>
  <budget><period-start iso-date="2012-01-01"/><period-end iso-date="2012-12-31"/>
   <value value-date="2012-01-01">0</value></budget>
  <transaction><transaction-type code="2"/><transaction-date iso-date="2012-01-01"/>
   <value>0</value></transaction>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2012-12-31"/>
   <value>-5369208.87</value></transaction>"""
        )
    )
    plan, _ = pipeline.preview_file(empty_db, xml, "spain-like.xml")
    imports.apply(empty_db, plan)
    row = spend.project_review(empty_db.connection, Filters(), "EUR", date(2026, 11, 28)).iloc[0]
    # It showed no flag, and 'Remaining EUR 5,369,208.87' on a budget of 0.
    assert row["remaining"] == Decimal("5369208.87") and row["spent_negative"] and row["flags"] == 1
    assert row["flag_text"] == (
        "More came back than was spent: net -5,369,208.87 EUR (refunds, repayments or corrections "
        "beyond the spending recorded); check the transactions"
    )
    totals = spend.review_totals(empty_db.connection, Filters(), "EUR", date(2026, 11, 28))
    assert (totals.flagged, totals.by_flag["spent_negative"]) == (1, 1)


def test_iati_texts_lose_invisible_marks_and_get_garbled_letters_repaired_as_sheets_do(empty_db):
    data = iati(
        activity(
            '<description type="1"><narrative>Support to the electricity sector\u00e2\u0080\u0099s'
            " finances</narrative></description>"
            '<description type="2"><narrative>1. Safer \u202eborders</narrative></description>'
        )
    )
    plan, loaded = pipeline.preview_file(empty_db, data, "garbled.xml")
    imports.apply(empty_db, plan)
    assert rows(empty_db, "SELECT description FROM projects") == [
        ("Support to the electricity sector’s finances",)
    ]
    assert rows(empty_db, "SELECT aim FROM project_aims") == [("Safer borders",)]
    assert sorted(
        p.message.split(":")[0].split(" (")[0] for p in loaded.problems if p.severity == "warning"
    ) == [
        "Removed invisible marks that change the direction of the text",
        "Repaired letters garbled by a wrong encoding",
    ]


def test_an_iati_identifier_with_a_direction_override_is_stored_without_it(empty_db):
    plan, loaded = pipeline.preview_file(
        empty_db, iati(activity("", identifier="XM-\u202eTSET-1")), "rlo.xml"
    )
    imports.apply(empty_db, plan)
    assert rows(empty_db, "SELECT project_id FROM projects") == [("XM-TSET-1",)]
    # once for the identifier, once for the title, which repeats it
    assert [(p.sheet, p.message) for p in loaded.problems if p.severity == "warning"] == [
        (
            "XM-TSET-1",
            "Removed invisible marks that change the direction of the text (U+202E). They make text show "
            "differently from what it holds.",
        )
    ] * 2


def test_a_sheets_single_country_and_web_page_come_back_unchanged_from_its_iati_export(empty_db):
    from portfolio.filters import Filters

    from .test_import import REALWORLD

    world_bank = REALWORLD / "projects_worldbank_2018_1-500.xlsx"
    plan, _ = pipeline.preview_file(empty_db, world_bank.read_bytes(), world_bank.name, "USD")
    imports.apply(empty_db, plan)
    out = io.BytesIO()
    assert pipeline.write_iati_export(out, empty_db.connection, Filters()).written == 427
    plan, _ = pipeline.preview_file(empty_db, out.getvalue(), "world-bank.xml")
    # A single country stored without a share was 'IND' -> 'IND 100.00' in 390 projects, and the
    # project's web page came back as a new document in 427. (Double spaces in 6 titles and 77
    # aims are closed up: IATI narratives are read with their spacing collapsed.)
    assert sorted(set(plan.updated["field"])) == ["Aims", "title"]
