"""IATI activity files from real publishers: counts and totals checked against the XML itself."""

from collections import defaultdict
from decimal import Decimal

import pytest
from lxml import etree

from loaders import pipeline
from loaders.problems import UnreadableFile
from portfolio import imports, store

from .conftest import SHARED
from .test_import import rows, table_dump

REALWORLD = SHARED / "realworld"
SPAIN = REALWORLD / "iati_spain_maec_indonesia_v2.01.xml"
EXAMPLE = REALWORLD / "iati_standard_activity_example_v2.03.xml"


def imported(db, path, **kwargs):
    plan, loaded = pipeline.preview_file(db, path.read_bytes(), path.name, **kwargs)
    imports.apply(db, plan)
    return plan, loaded


def xml_transactions(path) -> dict[str, tuple[int, Decimal]]:
    """Count and total of transactions per currency, straight from the XML."""
    found = defaultdict(lambda: [0, Decimal(0)])
    root = etree.parse(str(path)).getroot()
    for activity in root.iter("iati-activity"):
        default = activity.get("default-currency")
        for value in activity.findall("transaction/value"):
            currency = value.get("currency") or default
            found[currency][0] += 1
            found[currency][1] += Decimal(value.text.strip())
    return {c: (n, total) for c, (n, total) in found.items()}


def test_spain_imports_every_activity_and_every_transaction(empty_db):
    plan, loaded = imported(empty_db, SPAIN)
    root = etree.parse(str(SPAIN)).getroot()
    assert plan.counts["added"] == len(root.findall("iati-activity")) == 83
    stored = {
        c: (n, total)
        for c, n, total in rows(
            empty_db, "SELECT currency, count(*), sum(amount) FROM transactions GROUP BY 1"
        )
    }
    assert stored == xml_transactions(SPAIN)
    # Negative transactions are corrections and are kept.
    assert rows(empty_db, "SELECT count(*) FROM transactions WHERE amount < 0")[0][0] > 0


def test_spain_budgets_are_kept_except_the_negative_ones_which_are_reported(empty_db):
    _, loaded = imported(empty_db, SPAIN)
    root = etree.parse(str(SPAIN)).getroot()
    values = [Decimal(v.text) for v in root.findall("iati-activity/budget/value")]
    negative = [v for v in values if v < 0]
    assert rows(empty_db, "SELECT count(*), sum(amount) FROM budgets") == [
        (len(values) - len(negative), sum(v for v in values if v >= 0))
    ]
    reported = [p for p in loaded.problems if p.column == "budget" and "negative budget" in p.message]
    assert len(reported) == len(negative)
    assert all(p.row and p.sheet.startswith("ES-DIR3-") for p in reported)


def test_spain_quirks_are_handled_or_reported(empty_db):
    _, loaded = imported(empty_db, SPAIN)
    # The funder "Spain" has no ref: still one organisation, Spain's government.
    funders = rows(
        empty_db,
        "SELECT DISTINCT o.name, o.country FROM project_orgs po JOIN organisations o USING (org_id) "
        "WHERE po.role = 'funding'",
    )
    assert len(funders) == 1 and funders[0][1] == "ESP"
    # A single country at 0.00% or 16.66% is reported and taken as 100%.
    single = [p for p in loaded.problems if "only recipient country" in p.message]
    assert len(single) == 9
    assert rows(empty_db, "SELECT DISTINCT share FROM project_countries WHERE country = 'IDN'") == [
        (Decimal("100.00"),)
    ]
    # Category codes given as refs are not organisation identifiers.
    assert any("is not an organisation identifier" in p.message for p in loaded.problems)
    # Titles in Spanish are kept as written, never translated.
    assert rows(empty_db, "SELECT count(*) FROM projects WHERE title LIKE 'Personas cooperantes%'")[0][0] > 1


def test_the_standard_example_keeps_what_the_file_says(empty_db):
    _, loaded = imported(empty_db, EXAMPLE)
    (pid, title, currency, start, end) = rows(
        empty_db, "SELECT project_id, title, currency, start_date, end_date FROM projects"
    )[0]
    assert pid == "AA-AAA-123456789-ABC123"
    assert title == "Activity title"
    # default-currency is USD but every value says EUR: the value's own currency counts.
    assert rows(empty_db, "SELECT DISTINCT currency FROM transactions") == [("EUR",)]
    # Sectors in vocabularies 2 and 99 are kept apart, not mixed into DAC sectors.
    assert rows(empty_db, "SELECT count(*) FROM project_sectors") == [(0,)]
    assert {v for (v,) in rows(empty_db, "SELECT vocabulary FROM project_classifications")} == {"2", "99"}
    assert ("489",) in rows(empty_db, "SELECT country FROM project_countries")
    assert any("vocabulary 99" in p.message for p in loaded.problems)
    assert any(p.severity == "note" and "planned-disbursement" in p.message for p in loaded.problems)
    assert rows(empty_db, "SELECT count(*) FROM project_links") == [
        (len(etree.parse(str(EXAMPLE)).findall("//iati-activity/document-link")),)
    ]


def test_importing_the_same_file_twice_changes_nothing_and_undo_restores(sample_db):
    db = store.open_store(sample_db)
    before = table_dump(db)
    plan, _ = imported(db, SPAIN)
    again, _ = pipeline.preview_file(db, SPAIN.read_bytes(), SPAIN.name)
    assert again.counts == {"added": 0, "updated": 0, "unchanged": 83, "rejected": 0}
    import_id = int(imports.import_log(db.connection).iloc[0].import_id)
    imports.undo(db, import_id)
    assert table_dump(db) == before


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<iati-activities version="2.03"><iati-activity><iati-identifier>&lol2;</iati-identifier></iati-activity>
</iati-activities>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<iati-activities version="2.03"><iati-activity><iati-identifier>&xxe;</iati-identifier></iati-activity>
</iati-activities>"""


@pytest.mark.parametrize(
    "data, message",
    [
        (BOMB, "declares a DTD or entities"),
        (EXTERNAL, "declares a DTD or entities"),
        (
            b"<?xml version='1.0'?><rss><channel/></rss>",
            "is XML but not IATI activity data: its root element is <rss>",
        ),
        (b"<iati-activities version='1.05'><iati-activity/></iati-activities>", "is IATI version 1.05"),
        (b"<iati-organisations version='2.03'/>", "is an IATI organisation file"),
        (b"<iati-activities version='2.03'><iati-activity>", "is not well-formed XML (line 1)"),
    ],
)
def test_xml_that_is_not_importable_is_refused_with_a_reason(sample_db, data, message):
    db = store.open_store(sample_db)
    before = table_dump(db)
    with pytest.raises(UnreadableFile) as e:
        pipeline.preview_file(db, data, "upload.xml")
    assert message in str(e.value)
    assert table_dump(db) == before
