"""Column headers in people's own words, matched to the fields aidtrack stores.

Headers are compared after normalising case, punctuation, "(s)" and "&"; a currency
written in a header ("Total budget (EUR)", "Amount in USD", "Budget €") is taken off the
header and applies to every amount in that column, as does a unit ("Budget (EUR '000)",
"EUR m", "kEUR": amounts in thousands or millions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Field -> the ways people head that column, most specific first. Written normalised.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "project_id": (
        "project id",
        "id",
        "project no",
        "project number",
        "project code",
        "project ref",
        "project reference",
        "reference",
        "ref",
        "code",
        "iati identifier",
        "iati id",
        "activity id",
        "contract number",
        "contract no",
        "grant number",
        "grant no",
        "ref no",
        "reference no",
        "project",
    ),
    "title": (
        "title",
        "project title",
        "project name",
        "name",
        "name of project",
        "activity",
        "activity title",
        "project activity",
        "intervention",
        "programme title",
        "program title",
        "activity name",
        "name of activity",
        "intervention title",
        "grant title",
        "contract title",
        "title of the project",
        "name of the project",
    ),
    "description": ("description", "project description", "summary", "short description", "details"),
    "aims": (
        "objectives",
        "objective",
        "aims",
        "aim",
        "goals",
        "goal",
        "purpose",
        "project development objective",
        "overall objective",
        "overall objectives",
        "specific objective",
        "specific objectives",
        "expected results",
        "outcomes",
    ),
    "programme": ("programme", "program", "programme name", "program name", "portfolio"),
    "status": ("status", "project status", "activity status", "stage", "phase"),
    "start_date": (
        "start",
        "start date",
        "starting date",
        "start of project",
        "date start",
        "from",
        "actual start",
        "actual start date",
        "start actual isodate",
        "start date planned",
        "planned start",
        "planned start date",
        "begin",
        "commencement date",
        "agreement date",
        "signature date",
        "date of signature",
        "approval date",
        "board approval date",
    ),
    "end_date": (
        "end",
        "end date",
        "ending date",
        "end of project",
        "date end",
        "to",
        "until",
        "completion",
        "completion date",
        "closing date",
        "project closing date",
        "actual end",
        "actual end date",
        "end actual isodate",
        "end date planned",
        "planned end",
        "planned end date",
        "expected end date",
        "expected end",
        "planned completion",
        "planned completion date",
        "expected completion date",
        "date of completion",
        "finish",
    ),
    # Both dates in one cell ("2018-2020", "01/2018 - 12/2020"): read where the sheet has no start
    # or end column of its own.
    "period": (
        "project period",
        "implementation period",
        "period",
        "project duration",
        "duration",
        "timeframe",
        "time frame",
        "implementation timeframe",
        "project dates",
        "dates",
        "start end",
        "start and end",
        "start end date",
        "start end dates",
        "start and end date",
        "start and end dates",
    ),
    "currency": ("currency", "cur", "curr", "ccy", "budget currency", "currency code"),
    "budget": (
        "budget",
        "total budget",
        "project budget",
        "total",
        "amount",
        "total amount",
        "value",
        "total value",
        "project value",
        "project cost",
        "current project cost",
        "total cost",
        "cost",
        "grant amount",
        "contract value",
        "funding",
        "total funding",
        "total commitments",
        "commitment",
        "commitments",
        "total estimated cost",
        "estimated cost",
        "tec",
        "total project cost",
        "budget total",
        "approved budget",
        "total approved budget",
        "allocation",
        "grant value",
    ),
    "url": ("url", "link", "web page", "webpage", "website", "web site", "project url", "web link"),
    "visibility": ("visibility", "public or internal", "publish"),
    "funders": (
        "donor",
        "donors",
        "funder",
        "funders",
        "funded by",
        "financed by",
        "funding agency",
        "funding agencies",
        "donor agency",
        "donor agencies",
        "funding partner",
        "funding partners",
        "financing",
        "source of funding",
        "funding source",
        "donor organisation",
        "donor organization",
        "development partner",
        "development partners",
        "donor funder",
        "donors funders",
        "funder donor",
        "funding organisation",
        "funding organization",
        "lead donor",
        "lead donors",
        "lead funder",
        "main donor",
        "main donors",
        "donor name",
        "donor country",
        "donor countries",
    ),
    # Each funder's share of the budget, in a column of its own beside the funders' names.
    "funder_shares": (
        "share",
        "shares",
        "donor share",
        "donor shares",
        "donors share",
        "donors shares",
        "funder share",
        "funder shares",
        "funders share",
        "funders shares",
        "funding share",
        "funding shares",
        "share of funding",
        "share of budget",
        "share of the budget",
        "co financing share",
        "co financing shares",
        "cofinancing share",
        "cofinancing shares",
    ),
    "implementers": (
        "implementer",
        "implementers",
        "implementing partner",
        "implementing partners",
        "implementing agency",
        "implementing agencies",
        "implementing organisation",
        "implementing organization",
        "implemented by",
        "executing agency",
        "contractor",
        "lead organisation",
        "lead organization",
        "grantee",
        "impl partner",
        "impl partners",
        "implementing org",
        "lead agency",
        "lead partner",
        "implementing entity",
        "implementing agency partner",
    ),
    "partners": (
        "partner",
        "partners",
        "partner organisations",
        "partner organizations",
        "co partners",
        "delivery partner",
        "delivery partners",
        "other partners",
    ),
    "beneficiaries": (
        "beneficiary",
        "beneficiaries",
        "beneficiary institution",
        "beneficiary institutions",
        "target institutions",
        "beneficiary organisations",
    ),
    "countries": (
        "country",
        "countries",
        "beneficiary country",
        "beneficiary countries",
        "recipient country",
        "recipient countries",
        "recipient",
        "recipients",
        "location",
        "locations",
        "countries covered",
        "country of implementation",
        "country of intervention",
        "countries of intervention",
        "target country",
        "target countries",
        "partner country",
        "region country",
        "benef country",
        "benef countries",
        "country countries",
        "countries regions",
        "country region",
        # Codes ('RS, BA, MK') are read as names are; a 'Country' column beside them ranks first.
        "country iso",
        "countries iso",
        "country code",
        "country codes",
        "country iso code",
        "country iso codes",
        "countries iso codes",
        "iso country code",
        "iso country codes",
        "iso code",
        "iso codes",
        "country iso3",
        "countries iso3",
    ),
    "sectors": (
        "sector",
        "sectors",
        "dac sector",
        "dac sectors",
        "purpose code",
        "purpose codes",
        "dac purpose code",
        "crs purpose code",
        "ad purpose codes",
        "sector code",
        "sector codes",
    ),
}

# Names aidtrack uses on screen and in messages.
FIELD_LABELS = {
    "project_id": "Project ID",
    "title": "Title",
    "description": "Description",
    "aims": "Aims",
    "programme": "Programme",
    "status": "Status",
    "start_date": "Start date",
    "end_date": "End date",
    "period": "Start and end dates",
    "currency": "Currency",
    "budget": "Total budget",
    "url": "Web page",
    "visibility": "Visibility",
    "funders": "Funders",
    "funder_shares": "Funders' shares of the budget",
    "implementers": "Implementers",
    "partners": "Partners",
    "beneficiaries": "Beneficiaries",
    "countries": "Countries",
    "sectors": "Sectors",
}

# Phrase -> (field, rank); when two columns name one field, the lower rank wins.
LOOKUP = {phrase: (field, rank) for field, phrases in SYNONYMS.items() for rank, phrase in enumerate(phrases)}

CURRENCY_SYMBOLS = {"€": "EUR", "$": "USD", "us$": "USD", "£": "GBP", "¥": "JPY", "chf": "CHF"}
_CURRENCY_IN_HEADER = re.compile(r"(?:\bin\s+)?(?<![a-z])([a-z]{3})(?![a-z])|([€$£¥])")
_NOISE = re.compile(r"\(s\)|[^\w\s€$£¥]", re.UNICODE)
# "Country/ies", "Country(ies)" and "Donor/s" are plurals, as "Donor(s)" is.
_PLURAL_Y = re.compile(r"y\s*(?:\(ies\)|/ies\b)")
_PLURAL_S = re.compile(r"(?<=\w)/s\b")


# "Budget (EUR '000)", "in thousands", "(k EUR)", "TEUR", "EUR m", "€m", "(EUR million)": the
# column's amounts are thousands or millions of the currency. A bare 'k' or 'm' counts only beside
# a currency.
_SCALE_WORD = re.compile(
    r"(?:\bin\s+)?(?:['’]\s?000s?\b|(?<![\d.,'’])\b000s?\b|\bthousands?\b|\bmillions?\b|\bmio\b\.?|\bmln\b)",
    re.IGNORECASE,
)
_SCALE_BEFORE_CODE = re.compile(r"(?<![A-Za-z])(?P<unit>[kKTM]|[kKm]\s)(?P<code>[A-Z]{3})(?![A-Za-z])")
_SCALE_AFTER_CODE = re.compile(
    r"(?P<code>(?<![A-Za-z])[A-Z]{3}|[€$£¥])\s?(?P<unit>k|K|m|M|mn|MN|Mn|bn|Mio|MIO)(?![A-Za-z])"
)
_SCALE_POWERS = {"k": 3, "t": 3, "thousand": 3, "thousands": 3, "m": 6, "mn": 6, "mio": 6, "mln": 6}
_SCALE_POWERS |= {"million": 6, "millions": 6, "bn": 9}
SCALE_WORDS = {3: "thousands", 6: "millions", 9: "billions"}


def take_scale(text: str, currencies: frozenset[str]) -> tuple[str, int]:
    """A header without the unit its amounts are written in, and that unit as a power of ten
    (3 for thousands, 6 for millions; 0 when the header names none)."""
    m = _SCALE_WORD.search(text)
    if m:
        word = m[0].lower().removeprefix("in").strip(" .'’")
        power = 3 if word.startswith("000") else _SCALE_POWERS[word]
        return (text[: m.start()] + " " + text[m.end() :]).strip(), power
    for pattern in (_SCALE_BEFORE_CODE, _SCALE_AFTER_CODE):
        for m in pattern.finditer(text):
            code = m["code"]
            if code in currencies or code in CURRENCY_SYMBOLS:
                unit = m["unit"].strip().lower()
                rest = text[: m.start()] + code + text[m.end() :]
                return " ".join(rest.split()), _SCALE_POWERS[unit]
    return text, 0


@dataclass(frozen=True)
class Header:
    text: str  # as written in the file
    column: int  # 0-based position
    field: str | None  # None: not imported
    currency: str | None = None  # a currency written in the header
    scale: int = 0  # amounts written in thousands (3) or millions (6), as the header says


def normalise(text: str) -> str:
    text = str(text).lower().replace("&", " and ").replace("_", " ").replace("(s)", "s")
    text = _PLURAL_S.sub("s", _PLURAL_Y.sub("ies", text))
    text = _NOISE.sub(" ", text)
    return " ".join(text.split())


def match_header(text: str, currencies: frozenset[str]) -> tuple[str | None, str | None]:
    """The field a header names, and a currency written in it."""
    field, currency, _, _ = _match(text, currencies)
    return field, currency


DATE_HINT = re.compile(r"\((?P<hint>[dmy]{1,4}[./-][dmy]{1,4}[./-][dmy]{1,4})\)", re.IGNORECASE)


def date_order_hint(text: str) -> str | None:
    """'dmy' or 'mdy' when a header says how its dates are written: 'Start (dd/mm/yyyy)'."""
    m = DATE_HINT.search(str(text))
    if not m:
        return None
    first = m["hint"].lower()[0]
    return "dmy" if first == "d" else "mdy" if first == "m" else None


_CONTRIBUTION_WORDS = re.compile(
    r"\b(?:co-?financing|co-?funding|contributions?|commitments?|share|funding|financing|grants?|amount|part)\b",
    re.IGNORECASE,
)
_BY_DONOR = re.compile(r"\b(?:(?:by|per|from|of)\s+)?(?:donors?|funders?)\b", re.IGNORECASE)
# A group over several columns that says each is a donor's money: 'Contributions by donor (EUR)',
# 'Donors', 'Funders', 'Co-financing'. 'Funding' or 'Budget' alone says no such thing.
_DONOR_GROUP = re.compile(
    r"\b(?:donors?|funders?|contributions?|co-?financ(?:ing|iers?)|co-?funding)\b", re.IGNORECASE
)
_CURRENCY_WRITTEN = re.compile(
    r"[(\[]\s*(?:in\s+)?(US\$|[A-Za-z]{3}|[€$£¥])\s*[)\]]|\s(?:in\s+)?(US\$|[A-Z]{3}|[€$£¥])\s*$"
)


@dataclass(frozen=True)
class Contribution:
    """A header naming one funder's money: 'EU contribution (EUR)', 'Germany (EUR)', 'SIDA share'."""

    name: str  # the funder as written
    currency: str | None
    shares: bool  # the column may hold percentages of the budget ('share', '%')
    worded: bool  # a word says it is money given ('contribution', 'commitment', 'share'...)
    total: bool = False  # 'Total IDA and IBRD Commitment': the sum of the funder's other columns
    scale: int = 0  # amounts written in thousands (3) or millions (6)


def contribution_header(text: str, currencies: frozenset[str]) -> Contribution | None:
    """What a column of one funder's money says of itself, or None; whether the name is a funder
    is for the caller to decide."""
    raw, scale = take_scale(" ".join(DATE_HINT.sub(" ", str(text)).split()), currencies)
    currency = None
    for m in _CURRENCY_WRITTEN.finditer(raw):
        token = m[1] or m[2]
        code = CURRENCY_SYMBOLS.get(token.lower(), token.upper())
        if code in currencies or token.lower() in CURRENCY_SYMBOLS:
            currency, raw = code, (raw[: m.start()] + " " + raw[m.end() :]).strip()
            break
        # An acronym in brackets is part of a name: 'Open Society Foundations (OSF)'.
        if not (m[1] and token.isupper()):
            return None
    shares = "%" in raw or re.search(r"\bshare\b", raw, re.IGNORECASE) is not None
    # Under a group ('Contributions by donor (EUR)' merged over 'EU' | 'Germany'), the group's words.
    raw, by_donor = _BY_DONOR.subn(" ", raw)
    name, words = _CONTRIBUTION_WORDS.subn(" ", raw.replace("%", " "))
    words += by_donor
    words += "%" in raw
    name = re.sub(r"[’']s\b", " ", name)  # "EU's contribution"
    name = " ".join(name.split()).strip(" -–:/()[].,")
    if name.count("(") > name.count(")"):  # 'Open Society Foundations (OSF)': the bracket is the name's
        name += ")"
    total = re.match(r"total\s+", name, re.IGNORECASE)
    name = name[total.end() :] if total else name
    if not name or any(c.isdigit() for c in name) or not (words or currency):
        return None
    return Contribution(name, currency, shares, bool(words), bool(total), scale)


def names_donors(group: str) -> bool:
    """Whether a group header over several columns says each column is a donor's money
    ('Contributions by donor (EUR)' merged over 'EU' | 'Germany' | 'Open Society Foundations')."""
    return _DONOR_GROUP.search(str(group)) is not None


def _match(text: str, currencies: frozenset[str]) -> tuple[str | None, str | None, int, int]:
    field, currency, rank, scale = _match_words(text, currencies)
    # A unit says a column holds numbers: 'Beneficiaries ('000)' counts people, and names no one.
    if scale and field != "budget":
        return None, currency, 0, scale
    return field, currency, rank, scale


def _match_words(text: str, currencies: frozenset[str]) -> tuple[str | None, str | None, int, int]:
    text, scale = take_scale(DATE_HINT.sub(" ", str(text)), currencies)
    words = normalise(text.replace("US$", "USD").replace("us$", "usd"))
    if not words:
        return None, None, 0, 0
    found = _lookup(words)
    if found:
        return found[0], None, found[1], scale
    # Take a currency off the header: "Total budget (EUR)", "Amount in USD", "Budget €".
    currency = None
    for m in _CURRENCY_IN_HEADER.finditer(words):
        token = m.group(1) or m.group(2)
        code = CURRENCY_SYMBOLS.get(token, token.upper())
        if code in currencies or token in CURRENCY_SYMBOLS:
            currency = code
            words = (words[: m.start()] + " " + words[m.end() :]).strip()
            words = re.sub(r"\bin$", "", words).strip()
            break
    found = _lookup(" ".join(words.split()))
    return (found[0], currency, found[1], scale) if found else (None, currency, 0, scale)


def _lookup(words: str) -> tuple[str, int] | None:
    if words in LOOKUP:
        return LOOKUP[words]
    for prefix in ("total ", "project ", "the "):
        if words.startswith(prefix) and words[len(prefix) :] in LOOKUP:
            return LOOKUP[words[len(prefix) :]]
    # "Donors" is a donor column, but "Projects" (a count, on a summary sheet) is no project ID.
    if words.endswith("s") and words[:-1] in LOOKUP and LOOKUP[words[:-1]][0] != "project_id":
        return LOOKUP[words[:-1]]
    return None


def find_header_row(rows: list[list], currencies: frozenset[str], scan: int = 30) -> int | None:
    """Index of the row that heads the table: the one naming most known fields, with a title."""
    best, best_score = None, 1
    for i, row in enumerate(rows[:scan]):
        fields = {match_header(c, currencies)[0] for c in row if isinstance(c, str) and c.strip()}
        fields.discard(None)
        if not fields & {"title", "project_id"}:
            continue
        if len(fields) > best_score:
            best, best_score = i, len(fields)
    return best


def map_headers(row: list, currencies: frozenset[str]) -> list[Header]:
    """Each header cell with the field it fills; when two name one field, the likelier wins."""
    matches = []
    for cell in row:
        text = "" if cell is None else str(cell).strip()
        matches.append((text, *(_match(text, currencies) if text else (None, None, 0, 0))))
    best: dict[str, tuple[int, int]] = {}
    for i, (_, field, _, rank, _) in enumerate(matches):
        if field and (field not in best or rank < best[field][0]):
            best[field] = (rank, i)
    headers = [
        Header(text, i, field if field and best[field][1] == i else None, currency, scale)
        for i, (text, field, currency, _, scale) in enumerate(matches)
    ]
    taken = set(best)
    # A sheet with one name column and no title column: the name column is the title. Beside a
    # "Project code" column, a "Project" column holds the names, not a second id.
    if "title" not in taken and "project_id" in taken:
        named = [h for h in headers if h.text and normalise(h.text) == "project" and not h.field]
        first = next(h for h in headers if h.field == "project_id")
        if normalise(first.text) == "project":
            named = [first]
        if named:
            headers[named[0].column] = Header(named[0].text, named[0].column, "title", named[0].currency)
    return headers
