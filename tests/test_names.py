"""Country, region and organisation names as people write them, matched to one code or id."""

import logging
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from loaders import names
from loaders.names import WELL_KNOWN, Countries, Match, Organisations, _key
from loaders.values import split_cell

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "sample" / "seed-border-security-programme.toml"


@pytest.fixture(scope="module")
def countries() -> Countries:
    return Countries.from_reference()


@pytest.fixture(scope="module")
def seed_organisations() -> pd.DataFrame:
    """The organisations the seed portfolio stores: EU, DE, DCAF, IOM, RS-MOI..."""
    rows = tomllib.loads(SEED.read_text(encoding="utf-8"))["organisations"]
    return pd.DataFrame(rows, columns=["org_id", "name", "acronym", "country"])


@pytest.fixture
def orgs(seed_organisations, countries) -> Organisations:
    return Organisations(seed_organisations, countries)


# ---------------------------------------------------------------------------------------
# country_converter under pandas 3


def test_country_converter_loads_and_keeps_namibia(caplog):
    converter = names._converter()
    assert converter.convert("Namibia", to="ISO3") == "NAM"
    assert converter.convert("NA", to="ISO3") == "NAM"
    with caplog.at_level(logging.DEBUG):
        assert converter.convert("Atlantis", to="ISO3", not_found=None) == "Atlantis"
    assert not caplog.records


# ---------------------------------------------------------------------------------------
# Countries and regions


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("SRB", "SRB"),
        ("srb", "SRB"),
        ("RS", "SRB"),
        ("XKX", "XKX"),
        ("89", "89"),
        ("Serbia", "SRB"),
        ("Côte d'Ivoire", "CIV"),
        ("Cote d’Ivoire", "CIV"),
        ("Netherlands", "NLD"),
        ("The Netherlands", "NLD"),
        ("Europe, regional", "89"),
        ("Developing countries, unspecified", "998"),
        ("BiH", "BIH"),
        ("B&H", "BIH"),
        ("Bosnia & Herzegovina", "BIH"),
        ("FYROM", "MKD"),
        ("Macedonia", "MKD"),
        ("Former Yugoslav Republic of Macedonia", "MKD"),
        ("Kosovo", "XKX"),
        ("Kosovo*", "XKX"),
        ("UNMIK/Kosovo", "XKX"),
        ("Türkiye", "TUR"),
        ("Turkey", "TUR"),
        ("UK", "GBR"),
        ("Western Balkans", "89"),
        ("World", "998"),
        ("Global", "998"),
        ("Worldwide", "998"),
        ("Africa", "298"),
        ("Republic of Serbia", "SRB"),
        ("Federative Republic of Brazil", "BRA"),
        ("Republic of Cote d'Ivoire", "CIV"),
        ("Republic of Mozambique", "MOZ"),
        ("Kingdom of  Morocco", "MAR"),
        ("Lao People's Democratic Republic", "LAO"),
        ("Korea, Republic of", "KOR"),
        ("  Serbia  ", "SRB"),
        ("Serbia¹", "SRB"),
        ("Serbia [1]", "SRB"),
        ("Kosova", "XKX"),
        ("Kosovo under UNSCR 1244/1999", "XKX"),
        ("WB6", "89"),
    ],
)
def test_country_and_region_names_resolve_to_one_code(countries, name, code):
    assert countries.resolve(name) == code
    assert countries.known(name)


@pytest.mark.parametrize(
    "name",
    [
        "Unspecified",
        "N/a",
        "",
        "   ",
        "Nationwide",
        "Regional",
        "Atlantis",
        "Serbia and Montenegro",  # two countries, not one
        "Kosovo, Western Balkans",  # a list, not a place
        "Virgin Islands",  # British or U.S.?
        "2018",
        "NA",  # in a column of names, "not applicable"; Namibia by code is Countries.code("NA")
    ],
)
def test_names_that_are_no_single_place_do_not_resolve(countries, name):
    assert countries.resolve(name) is None
    assert not countries.known(name)


def test_reference_tables_as_a_database_returns_them():
    countries = Countries(
        pd.DataFrame({"code": ["NAM", "XKX"], "alpha2": ["NA", None], "name": ["Namibia", "Kosovo"]}),
        pd.DataFrame({"code": [89, 998], "name": ["Europe, regional", "Developing countries, unspecified"]}),
    )
    assert countries.code("NA") == "NAM"
    assert countries.resolve("89") == "89"
    assert countries.resolve("Kosovo") == "XKX"
    assert countries.resolve("None") is None
    assert countries.name_of(89) == "Europe, regional"


def test_display_names_come_from_the_reference(countries):
    assert countries.name_of("XKX") == "Kosovo"
    assert countries.name_of("89") == "Europe, regional"
    assert countries.name_of("ZZZ") is None


@pytest.mark.parametrize(
    ("cell", "places"),
    [
        ("Bosnia and Herzegovina", ["Bosnia and Herzegovina"]),
        ("Trinidad and Tobago", ["Trinidad and Tobago"]),
        ("Serbia and Montenegro", ["Serbia", "Montenegro"]),
        ("Bosnia and Herzegovina, Serbia", ["Bosnia and Herzegovina", "Serbia"]),
        ("UNMIK/Kosovo", ["UNMIK/Kosovo"]),
        ("Kosovo*, Western Balkans", ["Kosovo*", "Western Balkans"]),
        ("Serbia (60%); Montenegro (40%)", ["Serbia (60%)", "Montenegro (40%)"]),
        ("Unspecified; Serbia", ["Serbia"]),
    ],
)
def test_country_cells_split_only_into_known_places(countries, cell, places):
    assert split_cell(cell, known=countries.known) == places


# ---------------------------------------------------------------------------------------
# Organisations


@pytest.mark.parametrize(
    "name",
    [
        "EU",
        "European Union",
        "European Commission",
        "EC",
        "Delegation of the European Union",
        "DG NEAR",
        "the european union",
        "European  Union.",
    ],
)
def test_every_spelling_of_the_eu_is_the_stored_eu(orgs, name):
    assert orgs.match(name) == Match("EU", "European Union", "EU", new=False)


@pytest.mark.parametrize(
    "name", ["Germany", "Federal Republic of Germany", "German Government", "Government of Germany"]
)
def test_every_spelling_of_germany_is_the_stored_de(orgs, name):
    assert orgs.match(name) == Match("DE", "Federal Republic of Germany", None, new=False)


@pytest.mark.parametrize(
    ("name", "org_id", "canonical", "country"),
    [
        ("United Kingdom", "GB", "United Kingdom", "GBR"),
        ("UK", "GB", "United Kingdom", "GBR"),
        ("Great Britain", "GB", "United Kingdom", "GBR"),
        ("United States", "US", "United States of America", "USA"),
        ("USA", "US", "United States of America", "USA"),
        ("US", "US", "United States of America", "USA"),
        ("U.S.", "US", "United States of America", "USA"),
        ("France", "FR", "France", "FRA"),
        ("Netherlands", "NL", "Kingdom of the Netherlands", "NLD"),
        ("The Netherlands", "NL", "Kingdom of the Netherlands", "NLD"),
        ("Kingdom of the Netherlands", "NL", "Kingdom of the Netherlands", "NLD"),
        ("Norway", "NO", "Norway", "NOR"),
        ("Sweden", "SE", "Sweden", "SWE"),
        ("Switzerland", "CH", "Switzerland", "CHE"),
        ("Swiss Confederation", "CH", "Switzerland", "CHE"),
        ("Denmark", "DK", "Denmark", "DNK"),
        ("Austria", "AT", "Austria", "AUT"),
        ("Italy", "IT", "Italy", "ITA"),
        ("Spain", "ES", "Spain", "ESP"),
        ("Japan", "JP", "Japan", "JPN"),
        ("Canada", "CA", "Canada", "CAN"),
        ("Ireland", "IE", "Ireland", "IRL"),
        ("Finland", "FI", "Finland", "FIN"),
        ("Belgium", "BE", "Belgium", "BEL"),
        ("Luxembourg", "LU", "Luxembourg", "LUX"),
    ],
)
def test_bilateral_donors_are_one_government_each(orgs, name, org_id, canonical, country):
    assert orgs.match(name) == Match(org_id, canonical, None, new=True)
    created = orgs.created()
    assert created.to_dict("records") == [
        {"org_id": org_id, "name": canonical, "acronym": None, "country": country}
    ]


@pytest.mark.parametrize(
    ("name", "org_id", "acronym"),
    [
        ("World Bank", "WB", "WB"),
        ("IBRD", "WB", "WB"),
        ("IDA", "WB", "WB"),
        ("World Bank Group", "WB", "WB"),
        ("UNDP", "UNDP", "UNDP"),
        ("UNICEF", "UNICEF", "UNICEF"),
        ("UNHCR", "UNHCR", "UNHCR"),
        ("UNODC", "UNODC", "UNODC"),
        ("OSCE", "OSCE", "OSCE"),
        ("NATO", "NATO", "NATO"),
        ("Council of Europe", "COE", "CoE"),
        ("WHO", "WHO", "WHO"),
        ("FAO", "FAO", "FAO"),
        ("Food & Agriculture Organisation (FAO)", "FAO", "FAO"),
        ("Food and Agriculture Organization", "FAO", "FAO"),
        ("Bill & Melinda Gates Foundation", "BMGF", "BMGF"),
        ("Bill and Melinda Gates Foundation", "BMGF", "BMGF"),
        ("BMGF", "BMGF", "BMGF"),
        ("Gates Foundation", "BMGF", "BMGF"),
        ("Global Fund", "GFATM", "GFATM"),
        ("GAVI", "GAVI", "Gavi"),
        ("United Nations", "UN", "UN"),
        ("Sida", "SIDA", "Sida"),
        ("Swedish International Development Cooperation Agency", "SIDA", "Sida"),
        ("Austrian Development Agency (ADA)", "ADA", "ADA"),
        ("Norad", "NORAD", "Norad"),
        ("Agence Francaise de Developpement", "AFD", "AFD"),
        ("European Bank for Reconstruction and Development", "EBRD", "EBRD"),
    ],
)
def test_multilaterals_and_foundations_are_one_organisation_each(orgs, name, org_id, acronym):
    found = orgs.match(name)
    assert (found.org_id, found.acronym, found.new) == (org_id, acronym, True)


def test_the_stored_iom_is_found_by_name_acronym_or_spelling(orgs):
    iom = Match("IOM", "International Organization for Migration", "IOM", new=False)
    assert orgs.match("IOM") == iom
    assert orgs.match("International Organisation for Migration") == iom
    assert orgs.match("UN agency for Migration") == iom
    assert orgs.match("International Organization for Migration (IOM)") == iom


def test_a_well_known_donor_stored_under_another_id_keeps_that_id(countries):
    existing = pd.DataFrame(
        [
            ("NL-MFA", "The Netherlands", None),
            ("WBG", "World Bank Group", "IBRD"),
            ("WB", "Western Balkans Fund", None),
        ],
        columns=["org_id", "name", "acronym"],
    )
    orgs = Organisations(existing, countries)
    assert orgs.match("Kingdom of the Netherlands") == Match("NL-MFA", "The Netherlands", None, new=False)
    assert orgs.match("IDA") == Match("WBG", "World Bank Group", "IBRD", new=False)
    assert orgs.match("Gates Foundation").org_id == "BMGF"
    assert orgs.created()["org_id"].tolist() == ["BMGF"]


def test_an_empty_store_without_acronyms_still_matches(countries):
    orgs = Organisations(pd.DataFrame({"org_id": [], "name": []}), countries)
    assert orgs.match("European Commission") == Match("EU", "European Union", "EU", new=True)


def test_a_well_known_donors_id_taken_by_another_organisation_gets_a_suffix(countries):
    existing = pd.DataFrame([("GB", "Green Bonds Ltd", None)], columns=["org_id", "name", "acronym"])
    orgs = Organisations(existing, countries)
    assert orgs.match("Great Britain") == Match("GB-2", "United Kingdom", None, new=True)


def test_synthetic_organisations_are_found_where_they_are_stored(countries):
    from portfolio import synthetic

    orgs = Organisations(synthetic.organisations(), countries)
    assert orgs.match("Sida").org_id == "SE-SIDA"
    assert orgs.match("Swiss Agency for Development and Cooperation (SDC)").org_id == "CH-SDC"
    assert orgs.match("UNDP") == Match("UNDP", "United Nations Development Programme", "UNDP", new=False)
    assert orgs.match("Organization for Security and Co-operation in Europe").org_id == "OSCE"
    assert orgs.created().empty


@pytest.mark.parametrize(
    ("name", "org_id", "canonical", "acronym"),
    [
        ("UNOPS", "UNOPS", "UNOPS", "UNOPS"),
        ("Regional Cooperation Council (RCC)", "RCC", "Regional Cooperation Council", "RCC"),
        ("Ministry of Health", "MINISTRY-OF-HEALTH", "Ministry of Health", None),
        ("Ministère de la Santé", "MINISTERE-DE-LA-SANTE", "Ministère de la Santé", None),
        (
            "Centre for Security Studies of the Western Balkans Region",
            "CENTRE-FOR-SECURITY-STUDIES-OF-THE-WESTE",
            "Centre for Security Studies of the Western Balkans Region",
            None,
        ),
    ],
)
def test_an_unknown_organisation_is_new_with_an_id_from_its_acronym_or_name(
    orgs, name, org_id, canonical, acronym
):
    assert orgs.match(name) == Match(org_id, canonical, acronym, new=True)
    assert len(org_id) <= 40


def test_a_new_organisation_is_the_same_one_every_time_it_is_written(orgs):
    first = orgs.match("Regional Cooperation Council (RCC)")
    assert orgs.match("RCC") == first
    assert orgs.match("regional co-operation council") != first  # a different spelling is not guessed at
    assert orgs.match("Regional  Cooperation Council.") == first
    assert orgs.match("UNOPS") == orgs.match("UNOPS") == Match("UNOPS", "UNOPS", "UNOPS", new=True)
    assert orgs.created()["org_id"].tolist() == ["RCC", "REGIONAL-CO-OPERATION-COUNCIL", "UNOPS"]


@pytest.mark.parametrize(
    ("written", "org_id"),
    [
        ("dcaf office ljubljana", "DCAF-LJU"),
        ("DCAF Office (Ljubljana)", "DCAF-LJU"),
        ("DCAF  Office,  Ljubljana", "DCAF-LJU"),
        ("Serbian Ministry of the Interior", "RS-MOI"),
        ("International Organisation for Migration", "IOM"),
        ("RACVIAC", "RACVIAC"),
        ("Racviac", "RACVIAC"),
    ],
)
def test_case_punctuation_the_and_spacing_do_not_make_another_organisation(orgs, written, org_id):
    assert orgs.match(written) == orgs.match(written.upper())
    assert orgs.match(written).org_id == org_id
    assert not orgs.match(written).new


def test_new_ids_are_unique_against_the_store_and_this_run(orgs):
    long_name = "Association of Border Police Chiefs of South East Europe"
    assert orgs.match(long_name + " North").org_id == "ASSOCIATION-OF-BORDER-POLICE-CHIEFS-OF-S"
    assert orgs.match(long_name + " South").org_id == "ASSOCIATION-OF-BORDER-POLICE-CHIEFS-OF-2"
    assert orgs.match("Ljubljana Office").org_id == "LJUBLJANA-OFFICE"


def test_a_country_written_as_an_organisation_is_its_government(orgs):
    serbia = orgs.match("Serbia")
    assert serbia == Match("RS", "Serbia", None, new=True)
    assert orgs.match("Republic of Serbia") == serbia
    assert orgs.match("Government of Serbia") == serbia
    assert orgs.match("Serbian Ministry of Interior") == Match(
        "RS-MOI", "Serbian Ministry of Interior", None, False
    )
    assert orgs.created().to_dict("records") == [
        {"org_id": "RS", "name": "Serbia", "acronym": None, "country": "SRB"}
    ]


def test_a_government_already_stored_is_found_by_its_country(countries):
    existing = pd.DataFrame(
        [("RS-GOV", "Government of the Republic of Serbia", None)], columns=["org_id", "name", "acronym"]
    )
    orgs = Organisations(existing, countries)
    assert orgs.match("Serbia") == Match("RS-GOV", "Government of the Republic of Serbia", None, new=False)


def test_a_bracketed_word_that_is_no_acronym_stays_in_the_name(orgs):
    assert orgs.match("Border Police Academy (Belgrade)") == Match(
        "BORDER-POLICE-ACADEMY-BELGRADE", "Border Police Academy (Belgrade)", None, new=True
    )
    assert orgs.match("Ministry of Interior (MoI)") == Match("MOI", "Ministry of Interior", "MoI", new=True)


@pytest.mark.parametrize("name", ["", "   ", None, "n/a", "N/A", "Unspecified", "-", "tbc"])
def test_a_blank_organisation_matches_nothing(orgs, name):
    assert orgs.match(name) is None
    assert not orgs.known(name)
    assert orgs.created().empty
    assert list(orgs.created().columns) == ["org_id", "name", "acronym", "country"]


@pytest.mark.parametrize(
    ("name", "known"),
    [
        ("European Commission", True),
        ("DCAF Office Ljubljana", True),
        ("Bill & Melinda Gates Foundation", True),
        ("Norway", True),
        ("Republic of Serbia", True),
        ("UNOPS", True),
        ("Regional Cooperation Council (RCC)", True),
        ("Ministry of Agriculture", False),
        ("Food Security", False),
        ("Serbia and Montenegro", False),
        ("Atlantis Development Trust", False),
    ],
)
def test_known_organisations(orgs, name, known):
    assert orgs.known(name) is known


@pytest.mark.parametrize(
    ("cell", "parts"),
    [
        ("UNDP|Norway", ["UNDP", "Norway"]),
        ("United Nations; Norway", ["United Nations", "Norway"]),
        ("Bill & Melinda Gates Foundation", ["Bill & Melinda Gates Foundation"]),
        ("Ministry of Agriculture and Food Security", ["Ministry of Agriculture and Food Security"]),
        ("Food & Agriculture Organisation (FAO)", ["Food & Agriculture Organisation (FAO)"]),
        ("EU and Federal Republic of Germany", ["EU", "Federal Republic of Germany"]),
        ("UNDP and Serbian Ministry of Interior", ["UNDP", "Serbian Ministry of Interior"]),
        ("EU (80%), Germany (20%)", ["EU (80%)", "Germany (20%)"]),
    ],
)
def test_organisation_cells_split_into_known_organisations(orgs, cell, parts):
    assert split_cell(cell, known=orgs.known) == parts


def test_nigeria_style_cells_give_one_organisation_per_name(orgs):
    matched = [
        orgs.match(p).org_id
        for c in ("UNDP|Norway", "United Nations; Norway")
        for p in split_cell(c, orgs.known)
    ]
    assert matched == ["UNDP", "NO", "UN", "NO"]


def test_no_spelling_in_the_well_known_table_names_two_organisations():
    seen: dict[str, str] = {}
    for org in WELL_KNOWN:
        for spelling in (org.name, org.acronym, *org.spellings):
            if spelling:
                assert seen.setdefault(_key(spelling), org.org_id) == org.org_id, spelling


def test_governments_in_the_well_known_table_are_reference_countries(countries):
    for org in WELL_KNOWN:
        if org.country and org.acronym is None:
            assert countries.name_of(org.country), org
            assert org.org_id == countries.alpha2(org.country)


@pytest.mark.parametrize(
    "name, code, guessed",
    [
        ("Niger Delta", "NER", True),
        ("Gulf of Guinea", "GIN", True),
        ("Southern Africa", "1029", False),  # the region, not South Africa
        ("Middle East", "589", False),
        ("Republic of Serbia", "SRB", False),
    ],
)
def test_names_found_only_by_searching_within_the_text_are_marked_as_guesses(countries, name, code, guessed):
    assert countries.resolve(name) == code
    assert countries.guessed(name) is guessed


def test_countries_are_shown_by_the_names_people_say_and_found_by_isos_too(countries):
    reference = pd.read_csv(names.REFERENCE / "countries.csv", dtype=str, keep_default_na=False)
    shown = dict(zip(reference["code"], reference["name"], strict=True))
    assert [shown[c] for c in ("NLD", "MDA", "TZA", "GBR", "COD", "ANT")] == [
        "Netherlands",
        "Moldova",
        "Tanzania",
        "United Kingdom",
        "Democratic Republic of the Congo",
        "Netherlands Antilles",
    ]
    for code, name, iati_name in zip(
        reference["code"], reference["name"], reference["iati_name"], strict=True
    ):
        assert (countries.resolve(name), countries.resolve(iati_name)) == (code, code)


def test_the_world_banks_regions_are_regions(countries):
    assert [
        countries.resolve(n)
        for n in (
            "Eastern and Southern Africa",
            "Western and Central Africa",
            "Pacific Islands",
            "Organization of Eastern Caribbean States",
        )
    ] == ["289", "289", "889", "1031"]
