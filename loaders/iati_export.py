"""The portfolio as IATI activity XML, version 2.03, and the check against the official schema.

Pure: the rows of portfolio.export.iati_tables in, XML out; no database, no streamlit. The
file is written so that loaders.iati reads it back to the same projects, organisations,
shares, budgets and transactions. What IATI 2.03 has no place for is left out, never guessed,
and `left_out` says how much of it there is, in plain words, so the caller can report it.

Choices the schema forces (see docs and the report of `left_out`):
- a project without a status, without any date, or without an organisation in one of IATI's
  four roles cannot be a valid activity: it is not written;
- a missing description, or a link without a title, is an empty narrative (the schema needs
  the element; the importer reads an empty narrative back as no text);
- every value needs a value date: the stored one, else the budget's period start or the
  transaction's date;
- aims go into the objectives description (type 2); the project's web page into a
  document-link of category A12 ("Activity web page").
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import pandas as pd
from lxml import etree

from loaders.iati import ORG_REF
from portfolio.store import REFERENCE

VERSION = "2.03"
SCHEMA = REFERENCE / "iati-schema-2.03" / "iati-activities-schema.xsd"

# The organisation that publishes the file, from the environment. The defaults only make the
# file valid: "XX-AIDTRACK" is a placeholder, not a registered identifier, and a publisher
# must set their own organisation identifier (AIDTRACK_REPORTING_ORG_REF), type (IATI
# OrganisationType, e.g. 10 government, 21 international NGO) and name before publishing.
REPORTING_ORG_DEFAULTS = {
    "AIDTRACK_REPORTING_ORG_REF": "XX-AIDTRACK",
    "AIDTRACK_REPORTING_ORG_TYPE": "90",  # Other
    "AIDTRACK_REPORTING_ORG_NAME": "aidtrack portfolio",
}

# Projects that cannot be a valid 2.03 activity, by the first reason that applies.
NO_STATUS = "no status (IATI requires an activity-status)"
NO_DATES = "no start or end date (IATI requires an activity-date)"
NO_IATI_ORG = (
    "no funding, accountable, extending or implementing organisation (IATI requires a participating-org)"
)
# Parts of the projects written that IATI 2.03 has no place for.
OTHER_ROLES = "partner/beneficiary organisations are not in IATI's roles"
CONTRIBUTIONS = "funder contributions (amount per funder) have no place in IATI"
EVENTS = "activities (meetings, workshops, seminars, ...) have no place in IATI"
PROGRAMMES = "programme names without a parent activity have no place in IATI"
TOTAL_BUDGETS = "total budgets without budget periods (IATI holds budgets per period only)"
UNKNOWN_PLACES = "places that are neither an IATI country nor a region code"
BAD_URLS = "web addresses that are not valid URIs"
UNKNOWN_CODES = "transactions or relations without an IATI code"

# XML 1.0 cannot hold most control characters, lone surrogates or U+FFFE/U+FFFF.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class LeftOut:
    """What an export leaves out: projects not written, and parts of the written ones."""

    projects: dict[str, int]  # reason -> projects not written
    items: dict[str, int]  # what -> how many were left out of the projects written


def reporting_org_from_env() -> tuple[str, str, str]:
    """(ref, type, name) of the publishing organisation, from the environment or the defaults."""
    ref, kind, name = (os.environ.get(k) or default for k, default in REPORTING_ORG_DEFAULTS.items())
    return ref, kind, name


def _given(value) -> bool:
    return value is not None and value is not pd.NaT and not (isinstance(value, float) and value != value)


def _clean(value) -> str:
    """Text XML can hold: control characters that XML 1.0 forbids are dropped."""
    return NOT_XML.sub("", str(value))


def _number(value) -> str:
    """A decimal as xsd:decimal writes it: plain digits, never an exponent."""
    return format(value if isinstance(value, Decimal) else Decimal(str(value)), "f")


def _date(value) -> str:
    """An xsd:date: the day only, also when a timestamp comes in."""
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


def _add(parent: etree._Element, tag: str, text=None, **attributes) -> etree._Element:
    """A child element; attributes whose value is not given are left out."""
    el = etree.SubElement(parent, tag)
    for name, value in attributes.items():
        if _given(value):
            el.set(name.rstrip("_").replace("_", "-"), _clean(value))
    if _given(text):
        el.text = _clean(text)
    return el


def _narrative(parent: etree._Element, tag: str | None, text, **attributes) -> etree._Element:
    """`<tag><narrative>text</narrative></tag>` (or the narrative alone when tag is None)."""
    holder = _add(parent, tag, **attributes) if tag else parent
    _add(holder, "narrative", text if _given(text) else None)
    return holder


def _by_project(frame: pd.DataFrame | None) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    if frame is None or frame.empty:
        return grouped
    for row in frame.to_dict("records"):
        grouped.setdefault(row["project_id"], []).append(row)
    return grouped


_LOCK = threading.Lock()  # an lxml schema keeps its error log on itself: one check at a time


@functools.cache
def _schema() -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(SCHEMA), parser))


@functools.cache
def _uri_schema() -> etree.XMLSchema:
    return etree.XMLSchema(
        etree.XML(
            b'<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema"><xsd:element name="u">'
            b'<xsd:complexType><xsd:attribute name="v" type="xsd:anyURI"/></xsd:complexType>'
            b"</xsd:element></xsd:schema>"
        )
    )


def _is_uri(text: str) -> bool:
    """Whether the schema's xsd:anyURI takes `text`, asked of the same validator."""
    if not text.strip():
        return False
    with _LOCK:
        return _uri_schema().validate(etree.Element("u", v=text))


def validate(xml: bytes) -> list[str]:
    """Where `xml` breaks the IATI 2.03 activity schema, one line per error; empty when valid."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    try:
        document = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as e:
        return [f"line {e.lineno}: not well-formed XML: {e.msg}"]
    with _LOCK:
        schema = _schema()
        if schema.validate(document):
            return []
        return [f"line {e.line}: {e.message}" for e in schema.error_log]


class _Writer:
    """Builds the <iati-activities> document and counts what it leaves out."""

    def __init__(self, tables: dict[str, pd.DataFrame], reporting_org: tuple[str, str, str]):
        self.tables = tables
        self.reporting_org = reporting_org
        self.rows = {t: _by_project(f) for t, f in tables.items() if t != "projects"}
        self.not_written: Counter = Counter()
        self.left_out: Counter = Counter()

    def children(self, table: str, project_id: str) -> list[dict]:
        return self.rows.get(table, {}).get(project_id, [])

    def document(self, generated: datetime) -> etree._Element:
        root = etree.Element("iati-activities", version=VERSION)
        root.set("generated-datetime", generated.isoformat(timespec="seconds"))
        for project in self.tables["projects"].to_dict("records"):
            self.activity(root, project)
        return root

    def _why_not(self, project: dict, orgs: list[dict]) -> str | None:
        if not _given(project["status_code"]):
            return NO_STATUS
        if not _given(project["start_date"]) and not _given(project["end_date"]):
            return NO_DATES
        if not any(_given(o["role_code"]) for o in orgs):
            return NO_IATI_ORG
        return None

    def activity(self, root: etree._Element, project: dict) -> None:
        pid = project["project_id"]
        orgs = self.children("project_orgs", pid)
        reason = self._why_not(project, orgs)
        if reason:
            self.not_written[reason] += 1
            return
        currency = project["currency"]
        updated = project.get("updated_at")
        el = _add(
            root,
            "iati-activity",
            last_updated_datetime=updated.isoformat(timespec="seconds") if _given(updated) else None,
            default_currency=currency,
        )
        _add(el, "iati-identifier", pid)
        ref, kind, name = self.reporting_org
        _narrative(el, "reporting-org", name, ref=ref, type=kind)
        _narrative(el, "title", project["title"])
        _narrative(el, "description", project["description"], type="1")
        aims = self.children("project_aims", pid)
        if aims:
            objectives = "\n".join(f"{a['seq']}. {a['aim']}" for a in aims)
            _narrative(el, "description", objectives, type="2")
        self.organisations(el, orgs)
        _add(el, "activity-status", code=project["status_code"])
        self.dates(el, project)
        self.places(el, pid)
        self.sectors(el, pid)
        self.budgets(el, pid, currency)
        self.transactions(el, pid, currency)
        self.links(el, project)
        self.relations(el, project)
        self.left_out[EVENTS] += len(self.children("activities", pid))
        if _given(project["budget"]) and not self.children("budgets", pid):
            self.left_out[TOTAL_BUDGETS] += 1

    def organisations(self, el: etree._Element, orgs: list[dict]) -> None:
        for org in orgs:
            if _given(org["amount"]):
                self.left_out[CONTRIBUTIONS] += 1
            if not _given(org["role_code"]):
                self.left_out[OTHER_ROLES] += 1
                continue
            org_id, name, acronym = org["org_id"], org["name"], org["acronym"]
            is_ref = bool(ORG_REF.match(org_id))
            # Without a ref the importer finds the organisation by name; "Name (ACR)" brings
            # back the acronym and the id made from it.
            if not is_ref and _given(acronym) and acronym != name:
                name = f"{name} ({acronym})"
            _narrative(
                el,
                "participating-org",
                name,
                ref=org_id if is_ref else None,
                role=org["role_code"],
                type=org["org_type"],
            )

    def dates(self, el: etree._Element, project: dict) -> None:
        started = project["status"] in ("implementation", "finalisation", "closed")
        if _given(project["start_date"]):
            _add(el, "activity-date", type="2" if started else "1", iso_date=_date(project["start_date"]))
        if _given(project["end_date"]):
            closed = project["status"] == "closed"
            _add(el, "activity-date", type="4" if closed else "3", iso_date=_date(project["end_date"]))

    def places(self, el: etree._Element, pid: str) -> None:
        places = self.children("project_countries", pid)
        for place in places:
            if _given(place["alpha2"]):
                _add(el, "recipient-country", code=place["alpha2"], percentage=self._share(place))
        for place in places:
            if _given(place["alpha2"]):
                continue
            # Region codes the reference does not know are kept as written on import.
            if place["is_region"] or str(place["country"]).isdigit():
                _add(
                    el,
                    "recipient-region",
                    code=place["country"],
                    vocabulary="1",
                    percentage=self._share(place),
                )
            else:
                self.left_out[UNKNOWN_PLACES] += 1

    @staticmethod
    def _share(row: dict) -> str | None:
        return _number(row["share"]) if _given(row["share"]) else None

    def sectors(self, el: etree._Element, pid: str) -> None:
        for sector in self.children("project_sectors", pid):
            _add(el, "sector", vocabulary="1", code=sector["sector"], percentage=self._share(sector))
        for other in self.children("project_classifications", pid):
            holder = _add(
                el,
                "sector",
                vocabulary=other["vocabulary"],
                code=other["code"],
                percentage=self._share(other),
            )
            if _given(other["name"]):
                _add(holder, "narrative", other["name"])

    def budgets(self, el: etree._Element, pid: str, currency: str) -> None:
        for budget in self.children("budgets", pid):
            holder = _add(el, "budget", type=budget["type_code"])
            _add(holder, "period-start", iso_date=_date(budget["period_start"]))
            _add(holder, "period-end", iso_date=_date(budget["period_end"]))
            value_date = budget["value_date"] if _given(budget["value_date"]) else budget["period_start"]
            _add(
                holder,
                "value",
                _number(budget["amount"]),
                currency=budget["currency"] if _given(budget["currency"]) else currency,
                value_date=_date(value_date),
            )

    def transactions(self, el: etree._Element, pid: str, currency: str) -> None:
        for t in self.children("transactions", pid):
            if not _given(t["type_code"]):
                self.left_out[UNKNOWN_CODES] += 1
                continue
            holder = _add(el, "transaction", ref=t["transaction_id"])
            _add(holder, "transaction-type", code=t["type_code"])
            _add(holder, "transaction-date", iso_date=_date(t["date"]))
            value_date = t["value_date"] if _given(t["value_date"]) else t["date"]
            _add(
                holder,
                "value",
                _number(t["amount"]),
                currency=t["currency"] if _given(t["currency"]) else currency,
                value_date=_date(value_date),
            )
            if _given(t["description"]):
                _narrative(holder, "description", t["description"])
            for side in ("provider", "receiver"):
                self._party(holder, f"{side}-org", t[f"{side}_org"], t[f"{side}_name"])

    @staticmethod
    def _party(holder: etree._Element, tag: str, org, name) -> None:
        """A transaction's provider or receiver: an identifier as ref (with the name when known),
        anything else as the name it is stored under, which is what the importer keeps."""
        if not _given(org):
            return
        if ORG_REF.match(str(org)):
            party = _add(holder, tag, ref=org)
            if _given(name):
                _add(party, "narrative", name)
        else:
            _narrative(holder, tag, org)

    def links(self, el: etree._Element, project: dict) -> None:
        links = [
            (r["url"], r["title"], r["category"])
            for r in self.children("project_links", project["project_id"])
        ]
        if _given(project["url"]) and all(url != project["url"] for url, _, _ in links):
            links.append((project["url"], None, "A12"))
        for url, title, category in links:
            url = _clean(url).strip()
            if not _is_uri(url):
                self.left_out[BAD_URLS] += 1
                continue
            holder = _add(el, "document-link", url=url, format="text/html")
            _narrative(holder, "title", title)
            _add(holder, "category", code=category if _given(category) else "A01")

    def relations(self, el: etree._Element, project: dict) -> None:
        relations = self.children("project_relations", project["project_id"])
        for r in relations:
            if _given(r["relation_code"]):
                _add(el, "related-activity", ref=r["related_id"], type=r["relation_code"])
            else:
                self.left_out[UNKNOWN_CODES] += 1
        if _given(project["programme"]) and not any(r["relation"] == "parent" for r in relations):
            self.left_out[PROGRAMMES] += 1


def _build(
    tables: dict[str, pd.DataFrame],
    reporting_org: tuple[str, str, str] | None,
    generated: datetime | None,
) -> tuple[etree._Element, _Writer]:
    writer = _Writer(tables, reporting_org or reporting_org_from_env())
    root = writer.document(generated or datetime.now(UTC))
    return root, writer


def write_iati(
    target: str | Path | BinaryIO,
    tables: dict[str, pd.DataFrame],
    reporting_org: tuple[str, str, str] | None = None,
    generated: datetime | None = None,
) -> None:
    """Write `tables` (portfolio.export.iati_tables) to `target` as an IATI 2.03 activity file.

    `reporting_org` is (ref, type, name); by default it comes from AIDTRACK_REPORTING_ORG_REF,
    _TYPE and _NAME (see REPORTING_ORG_DEFAULTS). `generated` stamps the file (default: now).
    """
    root, _ = _build(tables, reporting_org, generated)
    out = str(target) if isinstance(target, Path) else target
    etree.ElementTree(root).write(out, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def left_out(tables: dict[str, pd.DataFrame]) -> LeftOut:
    """What write_iati leaves out of `tables`: projects not written by reason, and other parts."""
    _, writer = _build(tables, None, None)
    return LeftOut(
        projects=dict(writer.not_written),
        items={what: n for what, n in writer.left_out.items() if n},
    )
