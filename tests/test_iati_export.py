"""IATI 2.03 export: valid against the official schema, and read back to the same portfolio."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import pytest
from lxml import etree

from loaders import iati_export, pipeline
from loaders.__main__ import main
from portfolio import export, imports, store
from portfolio.filters import Filters

from .conftest import SHARED

REALWORLD = SHARED / "realworld"
SPAIN = REALWORLD / "iati_spain_maec_indonesia_v2.01.xml"
EXAMPLE = REALWORLD / "iati_standard_activity_example_v2.03.xml"
GENERATED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

# What must survive export and import, as sorted rows of each store.
SAME = {
    "projects": "SELECT project_id, title, description, status, start_date, end_date, currency FROM projects",
    "organisations": """
        SELECT po.project_id, po.role, po.org_id, o.name, o.acronym, o.org_type
        FROM project_orgs po JOIN organisations o USING (org_id)""",
    "countries": "SELECT project_id, country, share FROM project_countries",
    "sectors": "SELECT project_id, sector, share FROM project_sectors",
    "classifications": "SELECT project_id, vocabulary, code, name, share FROM project_classifications",
    "budgets": "SELECT project_id, period_start, period_end, type, amount, currency, value_date FROM budgets",
    "transactions": """
        SELECT transaction_id, project_id, type, date, value_date, amount, currency, provider_org,
               receiver_org, description
        FROM transactions""",
    "links": "SELECT project_id, url, title, category FROM project_links",
    "relations": "SELECT project_id, related_id, relation FROM project_relations",
}


def xml_of(con, filters: Filters | None = None) -> bytes:
    out = io.BytesIO()
    iati_export.write_iati(out, export.iati_tables(con, filters), generated=GENERATED)
    return out.getvalue()


def imported(db: store.Store, data: bytes, name: str):
    plan, loaded = pipeline.preview_file(db, data, name)
    imports.apply(db, plan)
    return loaded


def same_rows(db: store.Store) -> dict[str, list[tuple]]:
    with db.cursor() as cur:
        return {what: sorted(cur.execute(sql).fetchall(), key=repr) for what, sql in SAME.items()}


def activities(xml: bytes) -> list[etree._Element]:
    return etree.fromstring(xml).findall("iati-activity")


def test_the_sample_portfolio_exports_valid_iati(sample_db):
    db = store.open_store(sample_db)
    xml = xml_of(db.connection)
    assert iati_export.validate(xml) == []
    # The three seed projects have no status yet: IATI requires one, so they are left out and said so.
    left = iati_export.left_out(export.iati_tables(db.connection))
    assert left.projects == {iati_export.NO_STATUS: 3}
    assert len(activities(xml)) == 40
    assert left.items[iati_export.EVENTS] > 0
    db.close()


def test_a_filtered_export_holds_only_the_filtered_projects(sample_db):
    db = store.open_store(sample_db)
    everything = {a.findtext("iati-identifier") for a in activities(xml_of(db.connection))}
    eu_xml = xml_of(db.connection, Filters(funders=("EU",)))
    eu = {a.findtext("iati-identifier") for a in activities(eu_xml)}
    assert iati_export.validate(eu_xml) == []
    assert eu and eu < everything
    for activity in activities(eu_xml):
        funders = activity.xpath("participating-org[@role='1']/narrative/text()")
        assert "European Union (EU)" in funders
    db.close()


@pytest.mark.parametrize("path", [SPAIN, EXAMPLE], ids=["spain", "iati-example"])
def test_export_then_import_gives_the_same_portfolio(empty_db, tmp_path, path):
    imported(empty_db, path.read_bytes(), path.name)
    xml = xml_of(empty_db.connection)
    assert iati_export.validate(xml) == []
    assert len(activities(xml)) == empty_db.value("SELECT count(*) FROM projects")

    again = store.open_store(tmp_path / "b.duckdb")
    loaded = imported(again, xml, "export.xml")
    assert not [p for p in loaded.problems if p.severity == "error"]
    before, after = same_rows(empty_db), same_rows(again)
    assert before["transactions"] and before["budgets"] and before["organisations"]
    for what in SAME:
        assert after[what] == before[what], what
    again.close()


def add(db: store.Store, **tables) -> None:
    store.add_records(db, {t: pd.DataFrame(rows) for t, rows in tables.items()}, "test.xlsx", "test")


def test_markup_and_control_characters_are_written_as_text(empty_db, tmp_path):
    add(
        empty_db,
        organisations=[
            {"org_id": "XM-DAC-41114", "name": "UNDP & <partners>"},
            {"org_id": "CIVIL", "name": "Civil society \x0bforum"},
        ],
        projects=[
            {
                "project_id": "P-1",
                "title": 'Border <script>alert("x")</script> & \x00\x07\x1f "controls"',
                "description": "Line one\x0c\nline two \ufffe",
                "status": "implementation",
                "start_date": date(2023, 1, 1),
                "currency": "EUR",
                "url": "http://[not a web address",
            },
            {
                "project_id": "P-2",
                "title": "No organisation",
                "status": "pipeline",
                "start_date": date(2024, 1, 1),
                "currency": "EUR",
            },
        ],
        project_orgs=[
            {"project_id": "P-1", "org_id": "XM-DAC-41114", "role": "implementing"},
            {"project_id": "P-1", "org_id": "CIVIL", "role": "partner"},
            {"project_id": "P-2", "org_id": "CIVIL", "role": "beneficiary"},
        ],
        transactions=[
            {
                "transaction_id": "P-1-T0001",
                "project_id": "P-1",
                "type": "disbursement",
                "date": date(2023, 3, 1),
                "amount": Decimal("1000000.00"),
                "currency": "EUR",
                "provider_org": "Ministry \x01of <Interior>",
                "receiver_org": "XM-DAC-41114",
                "description": "first & only",
            }
        ],
    )
    tables = export.iati_tables(empty_db.connection)
    xml = xml_of(empty_db.connection)
    assert iati_export.validate(xml) == []
    (activity,) = activities(xml)
    assert activity.findtext("title/narrative") == 'Border <script>alert("x")</script> &  "controls"'
    assert activity.findtext("transaction/provider-org/narrative") == "Ministry of <Interior>"
    assert activity.xpath("participating-org/@role") == ["4"]
    left = iati_export.left_out(tables)
    assert left.projects == {iati_export.NO_IATI_ORG: 1}
    assert left.items == {iati_export.OTHER_ROLES: 1, iati_export.BAD_URLS: 1}

    again = store.open_store(tmp_path / "b.duckdb")
    imported(again, xml, "export.xml")
    assert again.value("SELECT title FROM projects") == 'Border <script>alert("x")</script> & "controls"'
    again.close()


def test_the_command_line_writes_iati_when_the_file_ends_in_xml(sample_db, tmp_path, capsys):
    out = tmp_path / "portfolio.xml"
    assert main(["export", str(out), "--db", str(sample_db), "--funder", "EU", "--include-illustrative"]) == 0
    printed = capsys.readouterr().out
    assert iati_export.validate(out.read_bytes()) == []
    assert f"Wrote {len(activities(out.read_bytes()))} projects as IATI 2.03 activities" in printed
    assert "funder contributions" in printed


def test_a_publication_leaves_out_internal_projects_and_says_so(sample_db):
    import io

    from loaders import pipeline
    from portfolio import store as store_module

    db = store_module.open_store(sample_db)
    with db.cursor() as cur:
        internal = {
            r[0]
            for r in cur.execute("SELECT project_id FROM projects WHERE visibility = 'internal'").fetchall()
        }
    assert internal
    out = io.BytesIO()
    result = pipeline.write_iati_export(out, db.connection, include_illustrative=True)
    assert result.errors == []
    assert f"{len(internal)} internal projects (only public projects are published)" in result.left_out
    xml = out.getvalue().decode()
    assert not any(f">{pid}<" in xml for pid in internal)
