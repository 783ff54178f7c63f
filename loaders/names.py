"""Names as people write them, matched to one country, region or organisation.

`Countries` turns "BiH", "Kosovo*", "Republic of Serbia" or "Western Balkans" into the ISO
alpha-3 or IATI region code the store uses. `Organisations` turns "EC", "DG NEAR" and
"European Union" into the one organisation they are, and hands out stable ids for
organisations aidtrack has not seen before.

Pure: no streamlit, no database. The importer passes in what the store holds.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"

_SPELLING = {
    "organisation": "organization",
    "organisations": "organizations",
    "programme": "program",
    "programmes": "programs",
    "centre": "center",
    "defence": "defense",
    "labour": "labor",
}


@functools.lru_cache(maxsize=65536)
def _key(text: str) -> str:
    """A name reduced to what tells it apart: no case, accents, punctuation, 'the' or '&'."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[.'’`´]", "", text.replace("&", " and "))  # U.S. -> us, People's -> peoples
    words = re.sub(r"[\W_]+", " ", text).split()
    return " ".join(_SPELLING.get(w, w) for w in words if w != "the")


def _clean(text) -> str:
    return " ".join(str(text).split())


def _text(value) -> str | None:
    """A stored value as text; None for missing (None, NaN, NA, "")."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return _clean(value) or None


def _column(frame: pd.DataFrame, name: str) -> list[str | None]:
    return [_text(v) for v in frame[name]] if name in frame else [None] * len(frame)


# ---------------------------------------------------------------------------------------
# Countries and regions

# What programme managers write that the reference names and country_converter miss or
# get wrong. Compared after `_key`, so case, accents and punctuation do not matter.
COUNTRY_ALIASES: dict[str, str] = {
    "Netherland Antilles": "ANT",  # IATI's own spelling of the withdrawn code
    "BiH": "BIH",
    "B&H": "BIH",
    "FYROM": "MKD",
    "Macedonia": "MKD",
    "Former Yugoslav Republic of Macedonia": "MKD",
    "The former Yugoslav Republic of Macedonia": "MKD",
    "Republic of Macedonia": "MKD",
    "Kosovo": "XKX",
    "UNMIK/Kosovo": "XKX",
    "Kosovo (UNSCR 1244)": "XKX",
    "Kosovo under UNSCR 1244": "XKX",
    "Kosovo under UNSCR 1244/99": "XKX",
    "Kosovo under UNSCR 1244/1999": "XKX",
    "Kosovo (UNSCR 1244/99)": "XKX",
    "Kosovo (UNSCR 1244/1999)": "XKX",
    "Kosova": "XKX",
    "Türkiye": "TUR",
    "Turkey": "TUR",
    "Republic of Türkiye": "TUR",
    "Holland": "NLD",
    "DRC": "COD",
    "UK": "GBR",
    "UAE": "ARE",
    "DR Congo": "COD",
    "Congo, Dem. Rep.": "COD",
    "Congo, Democratic Republic of": "COD",
    "Congo, Rep.": "COG",
    "Ivory Coast": "CIV",
    "Burma": "MMR",
    "Swaziland": "SWZ",
    "Cape Verde": "CPV",
    "East Timor": "TLS",
    "Gambia, The": "GMB",
    "Egypt, Arab Rep.": "EGY",
    "Yemen, Rep.": "YEM",
    "Iran, Islamic Rep.": "IRN",
    "Lao PDR": "LAO",
    "Kyrgyz Republic": "KGZ",
    "Slovak Republic": "SVK",
    "Micronesia, Fed. Sts.": "FSM",
    "Venezuela, RB": "VEN",
    "West Bank and Gaza": "PSE",
    "Palestine": "PSE",
    "Macedonia, FYR": "MKD",
    "Bosnia-Herzegovina": "BIH",
}
REGION_ALIASES: dict[str, str] = {
    "Western Balkans": "89",
    "WB6": "89",
    "Western Balkans 6": "89",
    "Western Balkans Six": "89",
    "West Balkans": "89",
    "Balkans": "89",
    "South East Europe": "89",
    "South-East Europe": "89",
    "Southeast Europe": "89",
    "South Eastern Europe": "89",
    "Europe": "89",
    "Former Yugoslavia": "88",
    "Ex-Yugoslavia": "88",
    "World": "998",
    "Global": "998",
    "Worldwide": "998",
    "Africa": "298",
    "Sub-Saharan Africa": "289",
    "North Africa": "189",
    "East Africa": "1027",
    "Central Africa": "1028",
    "West Africa": "1030",
    "Latin America": "498",
    "Americas": "498",
    "Pacific": "889",
    # The World Bank's own regions, as its project lists name them.
    "Eastern and Southern Africa": "289",
    "Western and Central Africa": "289",
    "Pacific Islands": "889",
    "Organization of Eastern Caribbean States": "1031",
    "OECS": "1031",
}
# Words that name no one place and must not be guessed at.
NOT_PLACES = (
    "Unspecified",
    "Not specified",
    "N/a",
    "N.a.",
    "None",
    "Nationwide",
    "National",
    "Regional",
    "Multiple",
    "Multi-country",
    "Various",
    "Several",
    "Other",
    "Others",
    "Unknown",
    "tbc",
    "tbd",
    "To be confirmed",
    "To be determined",
    "Not applicable",
    "-",
    # In a column of names "NA" is "not applicable" far more often than Namibia.
    "NA",
)
_FOOTNOTE = re.compile(r"(?:\s*(?:\*+|[†‡§]+|[¹²³⁰⁴-⁹]+|\[\w{1,3}\]|\(\d{1,2}\)))+$")
_REGIONAL = re.compile(r"(?P<a>.+) regional|regional (?P<b>.+)")
_GOVERNMENT = re.compile(r"(?:government|govt|gov) of (?P<a>.+)|(?P<b>.+) government")
_NOT_FOUND = "\x00not found"
# Longer than any place's name ("United Kingdom of Great Britain and Northern Ireland" is 52):
# country_converter's search takes seconds on a pasted paragraph and would find nothing useful.
LONGEST_PLACE = 100
_LIST_SEPARATOR = re.compile(r"\s*(?:,|/|\+|\s&\s|\sand\s)\s*", re.IGNORECASE)


_CONVERTER_LOCK = threading.Lock()


def load_country_converter() -> None:
    """Load country_converter's names now, not at the first name that needs them: a caller may do
    it on a thread while a file is read."""
    _converter()


def _converter():
    """country_converter's CountryConverter, loaded once: a caller on another thread waits for
    that load rather than starting one of its own."""
    with _CONVERTER_LOCK:
        return _load_converter()


@functools.cache
def _load_converter():
    """country_converter's CountryConverter, loaded the one way that works under pandas 3.

    Its own loader lets pandas read Namibia's ISO2 "NA" as missing and then fails; reading
    the file with keep_default_na=False keeps every code as written.
    """
    import country_converter

    # It logs every name it cannot find; our callers report unknown names themselves.
    logging.getLogger("country_converter").setLevel(logging.CRITICAL)
    data = pd.read_csv(
        Path(country_converter.__file__).parent / "country_data.tsv",
        sep="\t",
        encoding="utf-8",
        keep_default_na=False,
        na_values=[""],
    )
    return country_converter.CountryConverter(country_data=data)


class Countries:
    """Country and region names as written, to ISO alpha-3 or IATI region codes."""

    def __init__(self, countries: pd.DataFrame, regions: pd.DataFrame):
        country_rows = [
            (code, alpha2, name or code)
            for code, alpha2, name in zip(
                *(_column(countries, c) for c in ("code", "alpha2", "name")), strict=True
            )
            if code
        ]
        # Region codes may arrive as numbers (89) from a database or a csv read without dtype=str.
        region_rows = [
            (code.removesuffix(".0"), name or code)
            for code, name in zip(_column(regions, "code"), _column(regions, "name"), strict=True)
            if code
        ]
        self._names_by_code = {code: name for code, _, name in country_rows} | dict(region_rows)
        self._country_codes = frozenset(code for code, _, _ in country_rows)
        self._alpha2 = {code: alpha2 for code, alpha2, _ in country_rows if alpha2}

        self._codes: dict[str, str] = {}
        for code, alpha2, _ in country_rows:
            self._codes[code.upper()] = code
            if alpha2:
                self._codes[alpha2.upper()] = code
        self._codes.update({code: code for code, _ in region_rows})

        # A name's bracketed part may be left out ("Cocos (Keeling) Islands" is also "Cocos
        # Islands"); a shortening two countries share is left to country_converter.
        self._country_names = {_key(name): code for code, _, name in country_rows}
        short: dict[str, set[str]] = {}
        for code, _, name in country_rows:
            short.setdefault(_key(re.sub(r"\s*\([^)]*\)", "", name)), set()).add(code)
        for k, codes in short.items():
            if len(codes) == 1 and k not in self._country_names:
                self._country_names[k] = codes.pop()

        self._region_names = {_key(name): code for code, name in region_rows}
        # "Middle East" is the region the list calls "Middle East, regional".
        for code, name in region_rows:
            self._region_names.setdefault(_key(re.sub(r",?\s*regional$", "", name)), code)
        self._aliases: dict[str, str | None] = {
            _key(n): c for n, c in (COUNTRY_ALIASES | REGION_ALIASES).items()
        }
        for name in NOT_PLACES:
            self._aliases[_key(name)] = None
        self._country_aliases = {_key(n): c for n, c in COUNTRY_ALIASES.items()}
        self._memo: dict[str, str | None] = {}
        self._named_memo: dict[str, str | None] = {}
        self._guesses: set[str] = set()

    @classmethod
    def from_reference(cls) -> Countries:
        """The reference lists shipped in data/reference."""
        read = functools.partial(pd.read_csv, dtype=str, keep_default_na=False)
        return cls(read(REFERENCE / "countries.csv"), read(REFERENCE / "regions.csv"))

    @staticmethod
    def normalise(name) -> str:
        """Spaces collapsed, footnote marks dropped: 'Kosovo*' -> 'Kosovo'."""
        return _FOOTNOTE.sub("", _clean(name)).strip()

    def resolve(self, name) -> str | None:
        """The ISO alpha-3 or IATI region code a name stands for, or None if it names no known place."""
        text = self.normalise(name)
        if text not in self._memo:
            self._memo[text] = self._resolve(text)
        return self._memo[text]

    def known(self, name) -> bool:
        return self.resolve(name) is not None

    def name_of(self, code) -> str | None:
        """The reference's name for a country or region code."""
        return self._names_by_code.get(str(code))

    def alpha2(self, code: str) -> str | None:
        """The ISO alpha-2 code of a country's alpha-3 code."""
        return self._alpha2.get(code) or None

    def country_named(self, name) -> str | None:
        """The ISO alpha-3 code of a country written out by name ("Norway", "Republic of Serbia",
        "Government of Serbia"); codes and partial names are not taken. Tells governments
        apart from other organisations, where "Serbian Ministry of Interior" is not Serbia."""
        k = _key(self.normalise(name))
        if k not in self._named_memo:
            self._named_memo[k] = self._country_named(k)
        return self._named_memo[k]

    def code(self, code: str) -> str | None:
        """The alpha-3 or region code for an ISO alpha-2/alpha-3 or IATI region code, exactly."""
        return self._codes.get(str(code).strip().upper())

    def guessed(self, name) -> bool:
        """Whether `resolve` found this name only by country_converter's search within the text
        ("Niger Delta" gives Niger), so the reader should be told what it was read as."""
        return self.normalise(name) in self._guesses

    def _resolve(self, text: str) -> str | None:
        if not text:
            return None
        k = _key(text)
        if k in self._aliases and self._aliases[k] is None:
            return None  # "N/A", "Unspecified", "NA"
        if len(text) <= 4 and text.upper() in self._codes:
            return self._codes[text.upper()]
        for table in (self._country_names, self._region_names, self._aliases):
            if k in table:
                return table[k]
        # "Western Balkans (regional)", "Regional: Western Balkans": the region, said twice.
        regional = _REGIONAL.fullmatch(k)
        if regional:
            code = self._region_names.get(regional["a"] or regional["b"]) or self._aliases.get(
                regional["a"] or regional["b"]
            )
            if code and code not in self._country_codes:
                return code
        if len(k) > 3 and k in self._converter_names:  # "Republic of Serbia": an official name
            return self._converter_names[k]
        found = self._guess(text)
        if found:
            self._guesses.add(text)
        return found

    def _guess(self, text: str) -> str | None:
        """country_converter's regular expressions, for official and short forms we do not list."""
        if not 3 < len(text) <= LONGEST_PLACE or any(c.isdigit() for c in text):
            return None
        found = _converter().convert(text, to="ISO3", not_found=_NOT_FOUND)
        if not isinstance(found, str) or found not in self._country_codes:
            return None  # not found, or several countries matched
        # Its expressions search within the text: "Kosovo, Western Balkans" would be Kosovo.
        # A list whose parts are different places is not one place.
        parts = [p for p in _LIST_SEPARATOR.split(text) if p]
        if len(parts) > 1:
            codes = [self.resolve(p) for p in parts]
            if None not in codes and len(set(codes)) > 1:
                return None
        return found

    def _country_named(self, k: str) -> str | None:
        if not k:
            return None
        code = self._country_names.get(k) or self._country_aliases.get(k) or self._converter_names.get(k)
        if code:
            return code
        m = _GOVERNMENT.fullmatch(k)
        return self._country_named(m["a"] or m["b"]) if m else None

    @functools.cached_property
    def _converter_names(self) -> dict[str, str]:
        """country_converter's short and official names ("Federative Republic of Brazil")."""
        data = _converter().data
        names: dict[str, str] = {}
        for column in ("name_short", "name_official"):
            for name, code in zip(data[column], data["ISO3"], strict=True):
                if isinstance(name, str) and code in self._country_codes:
                    names.setdefault(_key(name), code)
        return names


# ---------------------------------------------------------------------------------------
# Organisations


@dataclass(frozen=True)
class WellKnown:
    """A donor or agency with the ways people write it."""

    org_id: str  # the id it gets when the store does not hold it yet
    name: str
    acronym: str | None
    country: str | None  # ISO alpha-3, for governments
    spellings: tuple[str, ...] = ()


def _government(org_id: str, name: str, country: str, *spellings: str) -> WellKnown:
    short = spellings[0] if spellings else name
    usual = (f"Government of {short}", f"Government of the {short}", f"{short} Government")
    return WellKnown(org_id, name, None, country, (*spellings, *usual))


WELL_KNOWN: tuple[WellKnown, ...] = (
    WellKnown(
        "EU",
        "European Union",
        "EU",
        None,
        (
            "European Commission",
            "EC",
            "Delegation of the European Union",
            "Delegation of the EU",
            "EU Delegation",
            "EUD",
            "DG NEAR",
            "DG INTPA",
            "DG DEVCO",
            "DEVCO",
            "DG ECHO",
            "EuropeAid",
            "Commission of the European Communities",
        ),
    ),
    _government(
        "DE",
        "Federal Republic of Germany",
        "DEU",
        "Germany",
        "German Government",
        "Federal Government of Germany",
        "German Federal Government",
        "Bundesrepublik Deutschland",
        "Deutschland",
    ),
    _government(
        "GB",
        "United Kingdom",
        "GBR",
        "United Kingdom",
        "UK",
        "U.K.",
        "Great Britain",
        "Britain",
        "United Kingdom of Great Britain and Northern Ireland",
        "UK Government",
        "HM Government",
        "HMG",
        "British Government",
        "UK aid",
        "UKaid",
        "UK Aid Direct",
    ),
    _government(
        "US",
        "United States of America",
        "USA",
        "United States",
        "USA",
        "US",
        "U.S.",
        "U.S.A.",
        "US Government",
        "USG",
        "U.S. Government",
    ),
    _government("FR", "France", "FRA", "France", "French Republic", "French Government"),
    _government(
        "NL",
        "Kingdom of the Netherlands",
        "NLD",
        "Netherlands",
        "Holland",
        "Dutch Government",
    ),
    _government("NO", "Norway", "NOR", "Norway", "Kingdom of Norway", "Norwegian Government"),
    _government("SE", "Sweden", "SWE", "Sweden", "Kingdom of Sweden", "Swedish Government"),
    _government(
        "CH",
        "Switzerland",
        "CHE",
        "Switzerland",
        "Swiss Confederation",
        "Swiss Government",
        "Confoederatio Helvetica",
    ),
    _government("DK", "Denmark", "DNK", "Denmark", "Kingdom of Denmark", "Danish Government"),
    _government("AT", "Austria", "AUT", "Austria", "Republic of Austria", "Austrian Government"),
    _government("IT", "Italy", "ITA", "Italy", "Italian Republic", "Italian Government"),
    _government("ES", "Spain", "ESP", "Spain", "Kingdom of Spain", "Spanish Government"),
    _government("JP", "Japan", "JPN", "Japan", "Japanese Government"),
    _government("CA", "Canada", "CAN", "Canada", "Canadian Government"),
    _government("IE", "Ireland", "IRL", "Ireland", "Irish Government", "Irish Aid"),
    _government("FI", "Finland", "FIN", "Finland", "Republic of Finland", "Finnish Government"),
    _government("BE", "Belgium", "BEL", "Belgium", "Kingdom of Belgium", "Belgian Government"),
    _government(
        "LU", "Luxembourg", "LUX", "Luxembourg", "Grand Duchy of Luxembourg", "Luxembourgish Government"
    ),
    WellKnown(
        "WB",
        "World Bank",
        "WB",
        None,
        (
            "World Bank Group",
            "WBG",
            "IBRD",
            "IDA",
            "International Bank for Reconstruction and Development",
            "International Development Association",
        ),
    ),
    WellKnown("UN", "United Nations", "UN", None),
    WellKnown(
        "SDC",
        "Swiss Agency for Development and Cooperation",
        "SDC",
        None,
        (
            "DEZA",
            "Direktion für Entwicklung und Zusammenarbeit",
            "Direction du développement et de la coopération",
        ),
    ),
    WellKnown(
        "FCDO",
        "Foreign, Commonwealth & Development Office",
        "FCDO",
        None,
        ("Foreign, Commonwealth and Development Office", "UK Foreign, Commonwealth & Development Office"),
    ),
    WellKnown(
        "INL",
        "US Bureau of International Narcotics and Law Enforcement Affairs",
        "INL",
        None,
        (
            "Bureau of International Narcotics and Law Enforcement Affairs",
            "International Narcotics and Law Enforcement Affairs",
            "US INL",
        ),
    ),
    WellKnown(
        "GIZ",
        "Deutsche Gesellschaft für Internationale Zusammenarbeit",
        "GIZ",
        None,
        (
            "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ) GmbH",
            "Deutsche Gesellschaft fur Internationale Zusammenarbeit",
            "German Agency for International Cooperation",
        ),
    ),
    WellKnown(
        "KFW",
        "KfW Development Bank",
        "KfW",
        None,
        ("KfW", "KfW Entwicklungsbank", "Kreditanstalt für Wiederaufbau"),
    ),
    WellKnown("UNDP", "United Nations Development Programme", "UNDP", None, ("UN Development Programme",)),
    WellKnown("UNICEF", "United Nations Children's Fund", "UNICEF", None, ("UN Children's Fund",)),
    WellKnown(
        "UNHCR",
        "United Nations High Commissioner for Refugees",
        "UNHCR",
        None,
        ("Office of the United Nations High Commissioner for Refugees", "UN Refugee Agency"),
    ),
    WellKnown(
        "IOM",
        "International Organization for Migration",
        "IOM",
        None,
        ("UN Migration", "UN agency for Migration"),
    ),
    WellKnown(
        "UNODC",
        "United Nations Office on Drugs and Crime",
        "UNODC",
        None,
        ("UN Office on Drugs and Crime",),
    ),
    WellKnown(
        "OSCE",
        "Organization for Security and Co-operation in Europe",
        "OSCE",
        None,
        ("Organization for Security and Cooperation in Europe",),
    ),
    WellKnown("NATO", "North Atlantic Treaty Organization", "NATO", None, ("OTAN",)),
    WellKnown("COE", "Council of Europe", "CoE", None),
    WellKnown("WHO", "World Health Organization", "WHO", None),
    WellKnown(
        "FAO",
        "Food and Agriculture Organization of the United Nations",
        "FAO",
        None,
        ("Food and Agriculture Organization",),
    ),
    WellKnown(
        "BMGF",
        "Bill & Melinda Gates Foundation",
        "BMGF",
        None,
        ("Gates Foundation", "Bill and Melinda Gates Foundation"),
    ),
    WellKnown(
        "GFATM",
        "Global Fund to Fight AIDS, Tuberculosis and Malaria",
        "GFATM",
        None,
        ("Global Fund", "The Global Fund"),
    ),
    WellKnown(
        "GAVI",
        "Gavi, the Vaccine Alliance",
        "Gavi",
        None,
        (
            "GAVI Alliance",
            "Global Alliance for Vaccines and Immunisation",
            "Global Alliance for Vaccines and Immunization",
        ),
    ),
    # Bilateral agencies that fund across the region, written by acronym on one row and in full on the next.
    WellKnown(
        "SIDA",
        "Swedish International Development Cooperation Agency",
        "Sida",
        None,
        ("Swedish International Development Agency",),
    ),
    WellKnown("ADA", "Austrian Development Agency", "ADA", None),
    WellKnown("NORAD", "Norwegian Agency for Development Cooperation", "Norad", None),
    WellKnown("DANIDA", "Danish International Development Agency", "Danida", None),
    WellKnown("JICA", "Japan International Cooperation Agency", "JICA", None),
    WellKnown("AFD", "Agence Française de Développement", "AFD", None, ("French Development Agency",)),
    WellKnown(
        "DFID",
        "Department for International Development",
        "DFID",
        None,
        ("UK Department for International Development",),
    ),
    WellKnown("EBRD", "European Bank for Reconstruction and Development", "EBRD", None),
    WellKnown("EIB", "European Investment Bank", "EIB", None),
    WellKnown(
        "USAID",
        "United States Agency for International Development",
        "USAID",
        "USA",
        ("US Agency for International Development",),
    ),
)


def _well_known_by_key() -> dict[str, WellKnown]:
    table: dict[str, WellKnown] = {}
    for org in WELL_KNOWN:
        for spelling in (org.name, org.acronym, *org.spellings):
            if spelling:
                table.setdefault(_key(spelling), org)
    return table


WELL_KNOWN_BY_KEY = _well_known_by_key()
_NAME_AND_ACRONYM = re.compile(r"(?P<name>.+?)\s*\((?P<acronym>[^()]+)\)")
_ACRONYM = re.compile(r"(?=.*[A-Z])[A-Z0-9]{2,8}")
_WRITTEN_ACRONYM = re.compile(r"(?=(?:.*[A-Z]){2})[A-Za-z0-9][A-Za-z0-9.\-]{1,11}")  # "RCC", "MoI"
_NOT_ORGANISATIONS = frozenset(
    _key(n)
    for n in ("", "n/a", "unspecified", "unknown", "none", "tbc", "tbd", "-", "other")
    + ("to be confirmed", "to be determined", "not applicable")
)
MAX_ID = 40


@dataclass(frozen=True)
class Match:
    org_id: str
    name: str
    acronym: str | None
    new: bool  # not in the store: the importer inserts it (see Organisations.created)


@dataclass
class _Organisation:
    org_id: str
    name: str
    acronym: str | None
    country: str | None
    new: bool

    def match(self) -> Match:
        return Match(self.org_id, self.name, self.acronym, self.new)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", "-", ascii_text.upper()).strip("-")[:MAX_ID].rstrip("-")


class Organisations:
    """Organisation names as written, matched to the store's organisations or to new ones.

    One instance serves one import: organisations it has to create are remembered, so a name
    repeated down the sheet gets the same new id, and `created()` lists them for insertion.
    """

    def __init__(self, existing: pd.DataFrame, countries: Countries | None = None):
        self._countries = countries if countries is not None else Countries.from_reference()
        self._organisations: dict[str, _Organisation] = {}
        self._by_key: dict[str, str] = {}  # normalised name, acronym or id -> org_id
        self._used_ids: set[str] = set()
        self._memo: dict[str, Match] = {}
        self._well_known_ids: dict[str, str] = {}  # well-known org_id -> org_id in the store or this run
        self._governments: dict[str, str] = {}  # ISO alpha-3 -> org_id

        columns = (_column(existing, c) for c in ("org_id", "name", "acronym"))
        rows = [(i, n or i, a) for i, n, a in zip(*columns, strict=True) if i]
        for org_id, name, acronym in rows:
            self._add(_Organisation(org_id, name, acronym, None, new=False))
        # The store may hold a well-known donor under its own id: "NL-MFA" named "Netherlands".
        # Only a spelling says so; an id alone ("GB") may belong to anyone.
        for org_id, name, acronym in rows:
            for spelling in (name, acronym):
                org = WELL_KNOWN_BY_KEY.get(_key(spelling)) if spelling else None
                if org:
                    self._well_known_ids.setdefault(org.org_id, org_id)
            country = self._countries.country_named(name)
            if country:
                self._governments.setdefault(country, org_id)

    def _add(self, org: _Organisation) -> None:
        self._organisations[org.org_id] = org
        self._used_ids.add(org.org_id.casefold())
        for spelling in (org.name, org.acronym):
            if spelling:
                self._by_key.setdefault(_key(spelling), org.org_id)
        self._by_key.setdefault(_key(org.org_id), org.org_id)

    def match(self, name) -> Match | None:
        """The organisation a name stands for; None for a blank or 'n/a' name."""
        text = _clean(name) if name is not None else ""
        k = _key(text)
        if k in _NOT_ORGANISATIONS:
            return None
        if k not in self._memo:
            self._memo[k] = self._find(text) or self._create(text)
        return self._memo[k]

    def stored(self, name) -> Match | None:
        """The organisation already in the store that a name stands for, or None; creates nothing.

        For IATI's organisation identifiers: 'IOM' under XM-DAC-47066 is the IOM the portfolio
        holds, not a second one."""
        text = _clean(name) if name is not None else ""
        if _key(text) in _NOT_ORGANISATIONS:
            return None
        found = self._find(text, create=False)
        return found if found is not None and not found.new else None

    def known(self, name) -> bool:
        """Whether a name is one organisation (stored, well known, a country, or an acronym);
        for `values.split_cell`, so 'Bill & Melinda Gates Foundation' stays whole."""
        text = _clean(name) if name is not None else ""
        k = _key(text)
        if not k or k in _NOT_ORGANISATIONS:
            return False
        if k in self._by_key or k in WELL_KNOWN_BY_KEY or _ACRONYM.fullmatch(text):
            return True
        m = _NAME_AND_ACRONYM.fullmatch(text)
        if m and (self.known(m["name"]) or self.known(m["acronym"])):
            return True
        return self._countries.country_named(text) is not None

    def placeholder(self, name) -> bool:
        """Whether a name stands for no organisation: 'n/a', 'unknown', 'TBC', 'other'."""
        return _key(_clean(name) if name is not None else "") in _NOT_ORGANISATIONS

    def names_funder(self, name: str, well_known_only: bool = False) -> bool:
        """Whether a column of contributions names a funder ('EU contribution', 'IBRD Commitment'):
        a well-known donor, else (unless `well_known_only`) a stored organisation or a country's
        government. Any other name is no funder: a column is not taken for one on a guess."""
        text = _clean(name)
        k = _key(text)
        if not k or k in _NOT_ORGANISATIONS:
            return False
        if k in WELL_KNOWN_BY_KEY:
            return True
        return not well_known_only and (k in self._by_key or self._countries.country_named(text) is not None)

    def created(self) -> pd.DataFrame:
        """The organisations this instance had to create, in the order it met them."""
        rows = [
            {"org_id": o.org_id, "name": o.name, "acronym": o.acronym, "country": o.country}
            for o in self._organisations.values()
            if o.new
        ]
        return pd.DataFrame(rows, columns=["org_id", "name", "acronym", "country"], dtype=object)

    def _find(self, text: str, create: bool = True) -> Match | None:
        k = _key(text)
        if k in self._by_key:
            return self._organisations[self._by_key[k]].match()
        if k in WELL_KNOWN_BY_KEY:
            org = WELL_KNOWN_BY_KEY[k]
            if create or org.org_id in self._well_known_ids:
                return self._well_known(org)
            return None
        m = _NAME_AND_ACRONYM.fullmatch(text)
        if m:
            return self._find(m["name"], create) or self._find(m["acronym"], create)
        country = self._countries.country_named(text)
        if country and (create or country in self._governments):
            return self._government(text, country)
        return None

    def _well_known(self, org: WellKnown) -> Match:
        if org.org_id not in self._well_known_ids:
            new = _Organisation(self._unique_id(org.org_id), org.name, org.acronym, org.country, new=True)
            self._add(new)
            self._well_known_ids[org.org_id] = new.org_id
        return self._organisations[self._well_known_ids[org.org_id]].match()

    def _government(self, text: str, country: str) -> Match:
        """A country named as an organisation is its government: "Serbia" funds or benefits."""
        if country not in self._governments:
            org_id = self._unique_id(self._countries.alpha2(country) or country)
            new = _Organisation(org_id, text, None, country, new=True)
            self._add(new)
            self._governments[country] = new.org_id
        return self._organisations[self._governments[country]].match()

    def _create(self, text: str) -> Match:
        m = _NAME_AND_ACRONYM.fullmatch(text)
        if m and _WRITTEN_ACRONYM.fullmatch(m["acronym"].strip()):
            name, acronym = m["name"], m["acronym"].strip()
        elif _ACRONYM.fullmatch(text):
            name, acronym = text, text
        else:
            name, acronym = text, None
        new = _Organisation(self._unique_id(_slug(acronym or name) or "ORG"), name, acronym, None, new=True)
        self._add(new)
        return new.match()

    def _unique_id(self, base: str) -> str:
        candidate, n = base, 1
        while candidate.casefold() in self._used_ids:
            n += 1
            suffix = f"-{n}"
            candidate = base[: MAX_ID - len(suffix)].rstrip("-") + suffix
        return candidate
