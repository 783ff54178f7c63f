"""IATI activity files from real publishers: counts and totals checked against the XML itself."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from loaders import pipeline
from loaders.problems import UnreadableFile
from portfolio import imports, store

from .conftest import SHARED
from .test_import import rows, run_cli, table_dump

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
        (len(etree.parse(str(EXAMPLE)).findall("iati-activity/document-link")),)
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


PUBLISHER = b"""<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
 <iati-activity default-currency="GBP" xml:lang="fr">
  <iati-identifier>GB-TEST-1</iati-identifier>
  <title><narrative>Titre</narrative><narrative xml:lang="en">English title</narrative></title>
  <participating-org role="1" ref="GB-GOV-1"><narrative>FCDO</narrative></participating-org>
  <participating-org role="4"><narrative>Oxfam</narrative></participating-org>
  <participating-org role="3" ref="GB-COH-123"/>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2020-01-01"/>
  <activity-date type="2" iso-date="2020-02-01"/>
  <activity-date type="3" iso-date="2022-12-31"/>
  <recipient-region code="298" vocabulary="1" percentage="100"/>
  <sector vocabulary="1" code="15210" percentage="60"/>
  <sector code="15220" percentage="40"/>
  <budget type="1"><period-start iso-date="2020-01-01"/><period-end iso-date="2020-12-31"/>
   <value currency="GBP" value-date="2020-01-01">1200</value></budget>
  <budget type="2"><period-start iso-date="2020-01-01"/><period-end iso-date="2020-12-31"/>
   <value value-date="2020-01-01">1500</value></budget>
  <budget type="1"><period-start iso-date="2020-01-01"/><period-end iso-date="2020-01-31"/>
   <value value-date="2020-01-01">100</value></budget>
  <budget type="1"><period-start iso-date="2020-02-01"/><period-end iso-date="2020-02-29"/>
   <value value-date="2020-02-01">100</value></budget>
  <transaction><transaction-type code="2"/><transaction-date iso-date="2020-02-01"/>
   <value value-date="2020-02-01">1500</value></transaction>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2020-03-01"/>
   <value currency="USD" value-date="2020-03-01">-50.5</value>
   <provider-org ref="GB-GOV-1"><narrative>FCDO</narrative></provider-org></transaction>
 </iati-activity>
 <iati-activity>
  <iati-identifier>GB-TEST-2</iati-identifier>
  <title><narrative>Second</narrative></title>
  <participating-org role="1" ref="GB-GOV-1"><narrative>Foreign Office</narrative></participating-org>
  <recipient-country code="KE"/>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2021-01-01"/>
   <value value-date="2021-01-01">10</value></transaction>
 </iati-activity>
</iati-activities>
"""


def test_a_publishers_file_with_every_rule(empty_db):
    plan, loaded = pipeline.preview_file(empty_db, PUBLISHER, "publisher.xml")
    imports.apply(empty_db, plan)
    assert rows(empty_db, "SELECT project_id, title, status, start_date FROM projects ORDER BY 1")[0][:3] == (
        "GB-TEST-1",
        "English title",
        "implementation",
    )
    # Actual start over planned.
    assert (
        str(rows(empty_db, "SELECT start_date FROM projects WHERE project_id = 'GB-TEST-1'")[0][0])
        == "2020-02-01"
    )
    # The same ref in two activities is one organisation; a ref alone or a name alone is one too.
    orgs = rows(empty_db, "SELECT org_id, name FROM organisations ORDER BY org_id")
    assert ("GB-GOV-1", "FCDO") in orgs and ("GB-COH-123", "GB-COH-123") in orgs
    assert rows(empty_db, "SELECT count(DISTINCT org_id) FROM project_orgs WHERE role = 'funding'") == [(1,)]
    # Region only: kept as the regional bucket, not dropped.
    assert rows(empty_db, "SELECT country, share FROM project_countries WHERE project_id = 'GB-TEST-1'") == [
        ("298", Decimal("100.00"))
    ]
    # The annual budget holds the monthly ones: they are not counted again; the revision is kept.
    assert rows(
        empty_db, "SELECT period_start, period_end, type, amount, currency FROM budgets ORDER BY type"
    ) == [
        (date(2020, 1, 1), date(2020, 12, 31), "original", Decimal("1200.00"), "GBP"),
        (date(2020, 1, 1), date(2020, 12, 31), "revised", Decimal("1500.00"), "GBP"),
    ]
    assert sum("not counted again" in p.message for p in loaded.problems) == 2
    # default-currency fills a value's missing currency; without either the value is reported.
    assert rows(empty_db, "SELECT amount, currency FROM transactions ORDER BY transaction_id") == [
        (Decimal("1500.00"), "GBP"),
        (Decimal("-50.50"), "USD"),
    ]
    missing = [p for p in loaded.problems if "names no currency" in p.message]
    assert len(missing) == 1 and missing[0].sheet == "GB-TEST-2" and missing[0].column == "value"
    # A single country without a percentage is all of it, stored as a sheet's single country is (no
    # share), and nothing to report: IATI asks for no percentage there.
    assert rows(empty_db, "SELECT country, share FROM project_countries WHERE project_id = 'GB-TEST-2'") == [
        ("KEN", None)
    ]
    assert not any(p.sheet == "GB-TEST-2" and "recipient country" in p.message for p in loaded.problems)


def test_shares_that_do_not_add_up_are_listed_as_scaled(empty_db):
    from portfolio import queries
    from portfolio.filters import Filters

    imported(empty_db, EXAMPLE)
    scaled = queries.rebased(empty_db.connection, Filters())
    assert scaled[["project_id", "shares"]].values.tolist() == [
        ["AA-AAA-123456789-ABC123", "Countries and regions"]
    ]
    assert scaled["recorded"].iloc[0] == Decimal("75.00")  # region A1 (vocabulary 99) was left out
    by_country = queries.breakdown(empty_db.connection, "country", Filters(), "EUR")
    assert by_country["amount"].sum() == queries.headline(empty_db.connection, Filters(), "EUR").total_budget


def activity(body: str, currency: str = "EUR") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
 <iati-activity default-currency="{currency}">
  <iati-identifier>XM-TEST-1</iati-identifier>
  <title><narrative>Test</narrative></title>
{body}
 </iati-activity>
</iati-activities>
""".encode()


def test_an_amount_too_large_for_the_database_is_reported_and_the_rest_saved(empty_db):
    data = activity(
        '<budget><period-start iso-date="2020-01-01"/><period-end iso-date="2020-12-31"/>'
        '<value value-date="2020-01-01">12345678901234567890</value></budget>\n'
        '<transaction><transaction-type code="3"/><transaction-date iso-date="2020-05-01"/>'
        '<value value-date="2020-05-01">0.125</value></transaction>'
    )
    plan, loaded = pipeline.preview_file(empty_db, data, "big.xml")
    imports.apply(empty_db, plan)
    assert rows(empty_db, "SELECT count(*) FROM budgets") == [(0,)]
    # Half a cent rounds up, as it does in a spreadsheet.
    assert rows(empty_db, "SELECT amount FROM transactions") == [(Decimal("0.13"),)]
    (problem,) = [p for p in loaded.problems if "too large" in p.message]
    assert (problem.sheet, problem.row, problem.column) == ("XM-TEST-1", 6, "value")
    assert problem.message.startswith("12345678901234567890 is too large to be an amount")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_an_iati_file_saved_as_utf16_imports_and_its_attacks_are_still_refused(empty_db, codec):
    text = activity('<recipient-country code="BA" percentage="100"/>').decode()
    data = (
        text.replace('encoding="UTF-8"', 'encoding="UTF-16"').replace("Test", "Gränssäkerhet").encode(codec)
    )
    plan, _ = pipeline.preview_file(empty_db, data, "utf16.xml")
    imports.apply(empty_db, plan)
    assert rows(empty_db, "SELECT project_id, title FROM projects") == [("XM-TEST-1", "Gränssäkerhet")]
    for attack in (BOMB, EXTERNAL):
        utf16 = attack.replace(b'version="1.0"', b'version="1.0" encoding="UTF-16"').decode().encode(codec)
        with pytest.raises(UnreadableFile) as e:
            pipeline.preview_file(empty_db, utf16, "attack.xml")
        assert "declares a DTD or entities" in str(e.value)


def test_an_organisation_the_portfolio_holds_is_not_made_again_under_its_iati_identifier(sample_db):
    db = store.open_store(sample_db)
    data = activity(
        '<participating-org role="4" ref="XM-DAC-47066"><narrative>IOM</narrative></participating-org>\n'
        '<participating-org role="1" ref="XM-DAC-41301"/>\n'
        '<transaction><transaction-type code="3"/><transaction-date iso-date="2020-05-01"/>'
        '<value value-date="2020-05-01">10</value>'
        '<provider-org ref="XM-DAC-41301"><narrative>Food and Agriculture Organization</narrative>'
        "</provider-org></transaction>"
    )
    plan, _ = pipeline.preview_file(db, data, "orgs.xml")
    imports.apply(db, plan)
    # One IOM in the implementers' breakdown, the one the portfolio already held.
    assert rows(
        db, "SELECT org_id FROM project_orgs WHERE project_id = 'XM-TEST-1' AND role = 'implementing'"
    ) == [("IOM",)]
    assert rows(db, "SELECT count(*) FROM organisations WHERE name = 'IOM' OR org_id = 'XM-DAC-47066'") == [
        (0,)
    ]
    # Given by its identifier alone, the funder takes the name the file gives it elsewhere.
    assert rows(db, "SELECT name FROM organisations WHERE org_id = 'XM-DAC-41301'") == [
        ("Food and Agriculture Organization",)
    ]


def test_a_transaction_of_an_unknown_type_names_the_type_and_the_ones_that_exist(empty_db):
    data = activity(
        '<transaction><transaction-type code="14"/><transaction-date iso-date="2020-05-01"/>'
        '<value value-date="2020-05-01">10</value></transaction>'
    )
    _, loaded = pipeline.preview_file(empty_db, data, "types.xml")
    (problem,) = [p for p in loaded.problems if "transaction" in p.message]
    assert (problem.sheet, problem.row, problem.column) == ("XM-TEST-1", 6, "transaction-type")
    assert "type '14'" in problem.message and "1 (incoming funds) to 13" in problem.message


def test_a_budget_only_partly_inside_another_says_its_other_days_are_not_counted(empty_db):
    period = (
        '<budget><period-start iso-date="{}"/><period-end iso-date="{}"/>'
        '<value value-date="{}">{}</value></budget>'
    )
    data = activity(
        "\n".join(
            [
                period.format("2021-01-01", "2021-12-31", "2021-01-01", 200),
                period.format("2021-07-01", "2022-06-30", "2021-07-01", 50),
                period.format("2021-03-01", "2021-03-31", "2021-03-01", 10),
            ]
        )
    )
    _, loaded = pipeline.preview_file(empty_db, data, "overlap.xml")
    partly, inside = sorted((p for p in loaded.problems if "overlaps" in p.message), key=lambda p: p.row)
    assert partly.message.startswith("The budget for 2021-07-01 to 2022-06-30 overlaps")
    assert "the days the other budget does not cover" in partly.message
    assert inside.message.endswith("it is not counted again.")


@pytest.mark.parametrize("cut", [700, 1200, len(PUBLISHER) - 30])
def test_a_file_cut_short_says_so_and_stores_nothing(sample_db, cut):
    db = store.open_store(sample_db)
    before = table_dump(db)
    with pytest.raises(UnreadableFile) as e:
        pipeline.preview_file(db, PUBLISHER[:cut], "cut.xml")
    line = PUBLISHER[:cut].count(b"\n") + 1
    assert f"is not well-formed XML (line {line}): it ends in the middle of an element" in str(e.value)
    assert "interrupted download" in str(e.value)
    assert table_dump(db) == before


def test_the_elements_listed_are_those_the_file_has_with_their_counts(empty_db):
    data = activity(
        '<reporting-org ref="XM-TEST"><narrative>Publisher</narrative></reporting-org>\n'
        '<recipient-country code="BA" percentage="100"/>\n'
        '<transaction><transaction-type code="3"/><transaction-date iso-date="2020-05-01"/>'
        '<value value-date="2020-05-01">10</value></transaction>\n'
        '<transaction><transaction-type code="4"/><transaction-date iso-date="2020-05-02"/>'
        '<value value-date="2020-05-02">20</value></transaction>'
    )
    _, loaded = pipeline.preview_file(empty_db, data, "elements.xml")
    listed = {c["column"]: c["imported as"] for c in loaded.columns}
    assert listed["<transaction>"] == "imported (2 in the file)"
    assert listed["<recipient-country>"] == "imported (1 in the file)"
    # Nothing is kept of the reporting organisation, and the file has no document links.
    assert listed["<reporting-org>"] == "not imported (1)"
    assert "<document-link>" not in listed


def test_entities_declared_after_a_megabyte_of_comment_are_refused_as_entities(empty_db):
    padded = BOMB.replace(b"<!DOCTYPE", b"<!--" + b"x" * 1_100_000 + b"-->\n<!DOCTYPE").replace(
        b"&lol2;", b"&lol9;"
    )
    levels = b"".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">'.encode() for n in range(3, 10))
    padded = padded.replace(b"]>", levels + b"]>")
    with pytest.raises(UnreadableFile) as e:
        pipeline.preview_file(empty_db, padded, "late.xml")
    assert "declares a DTD or entities" in str(e.value)


def test_the_command_line_places_an_iati_note_by_activity_and_line_and_has_no_rows_to_fix(
    sample_db, tmp_path
):
    path = tmp_path / "activities.xml"
    path.write_bytes(
        activity(
            '  <participating-org ref="21" role="4"><narrative>Some INGO</narrative></participating-org>'
        )
    )
    fixme = tmp_path / "fix.xlsx"
    done = run_cli("import", str(path), "--dry-run", "--fixme", str(fixme), env_db=sample_db)
    assert done.returncode == 0, done.stderr
    assert (
        "  activity 'XM-TEST-1', line 6, element 'participating-org': The ref '21' of 'Some INGO'"
        in done.stdout
    )
    assert "sheet 'XM-TEST-1'" not in done.stdout
    assert not fixme.exists()
    assert f"--fixme: nothing written to {fixme}: an IATI file has no rows to write back" in done.stderr
