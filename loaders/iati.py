"""IATI activity XML (versions 2.01-2.03) to the same validated rows as a spreadsheet.

Parsing is safe: no DTDs, no entities, no network; a file that declares any is refused.
Every problem names the activity's identifier, the XML line and the element.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import pandas as pd
from lxml import etree

from loaders.problems import ERROR, WARNING, Problem, UnreadableFile
from loaders.values import CENT, LARGEST_AMOUNT, clean_text
from loaders.workbook import Workbook
from portfolio.imports import Incoming, Slice
from portfolio.store import PROJECT_FIELDS, PROJECT_TABLES, STATUSES, TRANSACTION_TYPES

SUPPORTED = ("2.01", "2.02", "2.03")
SPREADSHEET_2003 = "urn:schemas-microsoft-com:office:spreadsheet"  # Excel's "XML Spreadsheet 2003"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NOTE = "note"
ROLE_CODES = {"1": "funding", "2": "accountable", "3": "extending", "4": "implementing"}
STATUS_CODES = {str(i): s for i, s in enumerate(STATUSES, 1)}
TRANSACTION_CODES = {str(i): t for i, t in enumerate(TRANSACTION_TYPES, 1)}
RELATION_CODES = {"1": "parent", "2": "child", "3": "sibling", "4": "co-funded", "5": "third party"}
# An organisation identifier (XM-DAC-41114, GB-GOV-1, ES-DIR3-E04585801), not a category code.
ORG_REF = re.compile(r"^[A-Z]{2}-[A-Za-z0-9][A-Za-z0-9._:/-]*$")
# The elements of an activity aidtrack reads; others are listed as not imported.
READ = {
    "iati-identifier", "title", "description", "participating-org", "activity-status",
    "activity-date", "recipient-country", "recipient-region", "sector", "budget", "transaction",
    "document-link", "related-activity",
}  # fmt: skip
TRANSACTION_READ = {
    "transaction-type", "transaction-date", "value", "provider-org", "receiver-org", "description",
}  # fmt: skip
# The project tables an activity fills: all but events, which IATI has no place for. Aims come
# from the objectives description (type 2), where aidtrack's export writes them.
CHILD_TABLES = tuple(t for t in PROJECT_TABLES if t not in ("projects", "activities"))
# One numbered aim of an objectives description, as the export writes them: "2. To improve ...".
NUMBERED_AIM = re.compile(r"^\s*(\d{1,3})[.)]\s+(\S.*)$")


DTD_REFUSED = (
    "declares a DTD or entities, which IATI files never do; aidtrack refuses such XML because it can be "
    "used to attack the machine reading it (billion laughs, external entities)."
)


def parse(data: bytes, file_name: str) -> etree._Element:
    """The root of an IATI activity file, parsed without entities, DTDs or network access."""
    # Without its zero bytes, UTF-16 (or UTF-32) XML reads as ASCII, so a declaration there is seen too.
    if re.search(rb"<!(DOCTYPE|ENTITY)", data[:1_000_000].replace(b"\0", b"")):
        raise UnreadableFile(file_name, DTD_REFUSED)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        if "amplification" in e.msg:
            # Entities declared past the part searched above, stopped by libxml2's own limit.
            raise UnreadableFile(file_name, DTD_REFUSED) from e
        if e.lineno and e.lineno >= data.rstrip().count(b"\n") + 1:
            # The parser stops at the file's last line: an interrupted download or copy, not a typo
            # that the parser's words ("AttValue: ' expected") would help anyone find.
            raise UnreadableFile(
                file_name,
                f"is not well-formed XML (line {e.lineno}): it ends in the middle of an element, as a file "
                "cut short by an interrupted download or copy does. Get the whole file again.",
            ) from e
        raise UnreadableFile(file_name, f"is not well-formed XML (line {e.lineno}): {e.msg}.") from e
    if root.getroottree().docinfo.internalDTD is not None:
        # In an encoding the check above cannot read: refused all the same, nothing in it used.
        raise UnreadableFile(file_name, DTD_REFUSED)
    if root.tag == "iati-organisations":
        raise UnreadableFile(
            file_name,
            "is an IATI organisation file; aidtrack imports IATI activity files (<iati-activities>).",
        )
    name = etree.QName(root)
    if name.namespace == SPREADSHEET_2003:
        raise UnreadableFile(
            file_name,
            "is an Excel 2003 XML spreadsheet, not an IATI file. Open it in Excel, save it as an Excel "
            "workbook (.xlsx) and import that.",
        )
    if root.tag != "iati-activities":
        raise UnreadableFile(
            file_name,
            f"is XML but not IATI activity data: its root element is <{_clip(name.localname, 40)}>.",
        )
    version = (root.get("version") or "").strip()
    if version not in SUPPORTED:
        hint = "Ask the publisher for version 2.03 of the file." if version.startswith("1") else ""
        raise UnreadableFile(
            file_name,
            f"is IATI version {version or '(not stated)'}; aidtrack imports versions "
            f"{', '.join(SUPPORTED)}. {hint}".strip(),
        )
    return root


def _clip(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _decimal(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _date(el: etree._Element | None) -> date | None:
    if el is None:
        return None
    try:
        return date.fromisoformat((el.get("iso-date") or "").strip()[:10])
    except ValueError:
        return None


class IatiReader:
    """Each <iati-activity> as a project, its organisations, places, sectors, budgets and money."""

    def __init__(self, book: Workbook, context):
        self.book = book
        self.context = context
        self.problems: list[Problem] = []
        self.tables: dict[str, list[dict]] = {t: [] for t in CHILD_TABLES}
        self.projects: list[dict] = []
        self.ref_orgs: dict[str, dict] = {}  # organisations this file creates under their identifier
        self.ref_ids: dict[str, str] = {}  # identifier -> the org_id it is stored under
        self.ref_names: dict[str, str] = {}  # identifier -> the first name the file gives it
        self.stored_orgs = set(context.reference.organisations["org_id"])
        self.not_read: Counter = Counter()
        self.read_tags: Counter = Counter()
        self.odd_refs: set[str] = set()
        self.rejected = 0
        self.transaction_refs: Counter = Counter()  # each transaction ref, with how often the file has it
        self.transaction_ids: set[str] = set()
        self.activity_id = ""  # the activity being read, for problems found deep inside it

    def problem(self, message: str, activity: str, el, severity: str = WARNING) -> None:
        line = el.sourceline if el is not None else None
        tag = el.tag if el is not None and isinstance(el.tag, str) else ""
        self.problems.append(Problem(message, severity, self.book.file_name, activity, line, tag))

    def read(self):
        from loaders.sheets import Loaded

        root = parse(self.book.text, self.book.file_name)
        lang = root.get(XML_LANG)
        activities = root.findall("iati-activity")
        if not activities:
            raise UnreadableFile(self.book.file_name, "is an IATI file with no <iati-activity> in it.")
        titles = {}
        seen: dict[str, int] = {}
        self.transaction_refs.update(" ".join((t.get("ref") or "").split()) for t in root.iter("transaction"))
        for el in activities:
            project = self._activity(el, el.get(XML_LANG) or lang, seen)
            if project:
                titles[project["project_id"]] = project["title"]
        for ref, org in self.ref_orgs.items():
            # Named by its identifier alone where first met, and by name further on (or as a
            # transaction's provider): the name is what people know it by.
            if org["name"] == ref and ref in self.ref_names:
                org["name"] = self.ref_names[ref]
        has_parents = False
        for project in self.projects:
            parent = project.pop("_parent", None)
            if parent:
                project["programme"] = titles.get(parent, parent)
                has_parents = True
        self._hierarchy_money(titles)
        if self.not_read:
            listed = ", ".join(f"{tag} ({n:,})" for tag, n in self.not_read.most_common())
            self.problems.append(
                Problem(f"Elements aidtrack does not import: {listed}.", NOTE, self.book.file_name)
            )
        projects = pd.DataFrame(self.projects, dtype=object)
        if projects.empty:
            projects = pd.DataFrame(columns=["project_id", "title", "id_given", "sheet", "row"])
        children = {
            t: pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame(columns=["project_id"])
            for t, rows in self.tables.items()
        }
        # A file without objectives says nothing of aims: the stored ones stay.
        has_aims = bool(self.tables["project_aims"])
        slices = tuple(Slice("project_orgs", role) for role in ROLE_CODES.values()) + tuple(
            Slice(t) for t in CHILD_TABLES if t != "project_orgs" and (has_aims or t != "project_aims")
        )
        new_orgs = pd.concat(
            [
                self.context.organisations.created(),
                pd.DataFrame(list(self.ref_orgs.values()), columns=["org_id", "name", "acronym", "org_type"]),
            ],
            ignore_index=True,
        )
        incoming = Incoming(
            file_name=self.book.file_name,
            sha256=self.book.sha256,
            format="iati",
            projects=projects,
            # IATI gives budgets by period (no total), no web page and no visibility: those stay. A
            # programme comes only from a parent activity: a file without any says nothing of it, and
            # re-importing the portfolio's own export had cleared every project's programme.
            project_fields=tuple(
                f
                for f in PROJECT_FIELDS
                if f not in ("budget", "url", "visibility") and (has_parents or f != "programme")
            ),
            children=children,
            slices=slices,
            organisations=new_orgs,
            rejected=self.rejected,
        )
        # The elements the file has, with counts to hold against the file: listing those it lacks
        # as 'imported' (a document-link in a file without one) said something the file does not.
        columns = [
            {"sheet": "", "column": f"<{tag}>", "imported as": f"imported ({n:,} in the file)"}
            for tag, n in sorted(self.read_tags.items())
        ] + [
            {"sheet": "", "column": f"<{tag}>", "imported as": f"not imported ({n:,})"}
            for tag, n in sorted(self.not_read.items())
        ]
        return Loaded(incoming, self.problems, columns)

    def _hierarchy_money(self, titles: dict[str, str]) -> None:
        """Report parents and children in the file that both carry budgets or transactions."""
        children: dict[str, set[str]] = {}
        for r in self.tables["project_relations"]:
            if r["relation"] == "parent" and r["related_id"] in titles:
                children.setdefault(r["related_id"], set()).add(r["project_id"])
            elif r["relation"] == "child" and r["related_id"] in titles:
                children.setdefault(r["project_id"], set()).add(r["related_id"])
        if not children:
            return
        money = {
            table: {r["project_id"] for r in self.tables[table]} for table in ("budgets", "transactions")
        }
        lines = {p["project_id"]: p["row"] for p in self.projects}
        for parent, kids in sorted(children.items()):
            for table, what in (("budgets", "budgets"), ("transactions", "transactions")):
                both = sorted(k for k in kids if k in money[table])
                if parent not in money[table] or not both:
                    continue
                # IATI asks for money at one level of a hierarchy; reported at both, every total
                # here counts it twice, since each activity is a project of its own.
                named = ", ".join(both[:3]) + (f" and {len(both) - 3} more" if len(both) > 3 else "")
                self.problems.append(
                    Problem(
                        f"This activity and its child activities in the file ({named}) all have {what}: "
                        f"every total counts both, so where the parent's {what} include the children's, "
                        "that money is counted twice. IATI asks publishers to report money at one level; "
                        "ask the publisher which level holds it.",
                        WARNING,
                        self.book.file_name,
                        parent,
                        lines.get(parent),
                        "related-activity",
                    )
                )

    def _text(self, el, lang: str | None) -> str | None:
        """An element's narrative: the English one where there is one, else the first; as written,
        but for garbled letters repaired and invisible marks removed (said, as from a sheet)."""
        if el is None:
            return None
        narratives = [n for n in el.findall("narrative") if (n.text or "").strip()]
        english = [
            n for n in narratives if (n.get(XML_LANG) or el.get(XML_LANG) or lang or "").lower()[:2] == "en"
        ]
        text = " ".join((english or narratives)[0].text.split()) if narratives else (el.text or "").strip()
        return self._cleaned(text, el) or None

    def _cleaned(self, text: str, el) -> str:
        text, changed = clean_text(text)
        if changed:
            self.problem(changed, self.activity_id, el)
        return text

    def _activity(self, el, lang: str | None, seen: dict[str, int]) -> dict | None:
        id_el = el.find("iati-identifier")
        iid = " ".join((id_el.text or "").split()) if id_el is not None else ""
        self.activity_id = iid = clean_text(iid)[0]  # problems name the activity as it is stored
        if iid != " ".join((id_el.text or "").split()):
            self._cleaned(id_el.text, id_el)
        if not iid:
            self.problem("This activity has no <iati-identifier>; it was not imported.", "", el, ERROR)
            self.rejected += 1
            return None
        if iid in seen:
            self.problem(
                f"The identifier {iid} was already used by the activity on line {seen[iid]}; only the "
                "first is imported.",
                iid,
                id_el,
                ERROR,
            )
            self.rejected += 1
            return None
        seen[iid] = el.sourceline
        for child in el:
            if isinstance(child.tag, str):
                (self.read_tags if child.tag in READ else self.not_read)[child.tag] += 1
        title = self._text(el.find("title"), lang)
        if not title:
            self.problem("This activity has no title; its identifier is used as the title.", iid, el)
            title = iid
        descriptions = el.findall("description")
        general = [d for d in descriptions if d.get("type", "1") == "1"] or descriptions
        status_el = el.find("activity-status")
        status = STATUS_CODES.get((status_el.get("code") or "").strip()) if status_el is not None else None
        if status_el is not None and status is None:
            self.problem(
                f"Activity status code '{status_el.get('code')}' is not on the IATI list.", iid, status_el
            )
        dates = {d.get("type"): d for d in el.findall("activity-date")}
        start = _date(dates.get("2")) or _date(dates.get("1"))
        end = _date(dates.get("4")) or _date(dates.get("3"))
        if start and end and end < start:
            self.problem(
                f"The end date {end} is before the start date {start}; the end date is left out.",
                iid,
                dates.get("4") if dates.get("4") is not None else dates.get("3"),
            )
            end = None
        currency = (el.get("default-currency") or "").strip().upper() or None
        project = {
            "project_id": iid,
            "id_given": True,
            "title": title,
            "description": self._text(general[0], lang) if general else None,
            "programme": None,
            "status": status,
            "start_date": start,
            "end_date": end,
            "currency": currency or self._first_value_currency(el) or "EUR",
            "sheet": iid,
            "row": el.sourceline,
        }
        objectives = [d for d in descriptions if (d.get("type") or "").strip() == "2"]
        if objectives:
            self._aims(objectives[0], iid, lang)
        self._organisations(el, iid, lang)
        self._places(el, iid)
        self._sectors(el, iid, lang)
        self._budgets(el, iid, currency)
        self._transactions(el, iid, currency, lang)
        for link in el.findall("document-link"):
            url = (link.get("url") or "").strip()
            if url and all(r["url"] != url for r in self.tables["project_links"] if r["project_id"] == iid):
                category = link.find("category")
                self.tables["project_links"].append(
                    {
                        "project_id": iid,
                        "url": url,
                        "title": self._text(link.find("title"), lang),
                        "category": category.get("code") if category is not None else None,
                    }
                )
        for related in el.findall("related-activity"):
            ref = (related.get("ref") or "").strip()
            relation = RELATION_CODES.get(related.get("type") or "")
            if not ref or not relation:
                self.problem("A <related-activity> without a ref or a known type was left out.", iid, related)
                continue
            self.tables["project_relations"].append(
                {"project_id": iid, "related_id": ref, "relation": relation}
            )
            if relation == "parent":
                project["_parent"] = ref
        results = el.findall("result")
        if results:
            self.problem(
                f"{len(results)} result(s) with their indicators are not imported; aidtrack keeps no "
                "results yet.",
                iid,
                results[0],
                NOTE,
            )
        self.projects.append(project)
        return project

    def _aims(self, el, iid: str, lang: str | None) -> None:
        """The objectives description as numbered aims: one per numbered line ("1. To ..."), as
        aidtrack's export writes them, else the whole text as one aim."""
        narratives = [n for n in el.findall("narrative") if (n.text or "").strip()]
        english = [
            n for n in narratives if (n.get(XML_LANG) or el.get(XML_LANG) or lang or "").lower()[:2] == "en"
        ]
        if not narratives:
            return
        text = self._cleaned((english or narratives)[0].text, el)
        lines = [line for line in text.splitlines() if line.strip()]
        numbered = [NUMBERED_AIM.match(line) for line in lines]
        seqs = [int(m.group(1)) for m in numbered if m]
        if all(numbered) and len(set(seqs)) == len(seqs) and min(seqs) >= 1:
            aims = [(int(m.group(1)), " ".join(m.group(2).split())) for m in numbered]
        else:
            aims = [(1, " ".join(" ".join(lines).split()))]
        self.tables["project_aims"] += [{"project_id": iid, "seq": seq, "aim": aim} for seq, aim in aims]

    def _first_value_currency(self, el) -> str | None:
        value = el.find(".//value[@currency]")
        return value.get("currency").strip().upper() if value is not None else None

    def _org(self, el, iid: str, lang: str | None) -> str | None:
        """The organisation an element names, by its identifier where it has one, else by name."""
        ref = (el.get("ref") or "").strip()
        name = self._text(el, lang)
        if ref and ORG_REF.match(ref):
            if name:
                self.ref_names.setdefault(ref, name)
            if ref in self.stored_orgs:
                return ref
            if ref not in self.ref_ids:
                same = self.context.organisations.stored(name) if name else None
                if same is not None and same.org_id not in self.ref_ids.values():
                    self.ref_ids[ref] = same.org_id
                else:
                    self.ref_ids[ref] = ref
                    self.ref_orgs[ref] = {
                        "org_id": ref,
                        "name": name or ref,
                        "acronym": None,
                        "org_type": el.get("type"),
                    }
            return self.ref_ids[ref]
        if ref and name and ref not in self.odd_refs:
            self.odd_refs.add(ref)
            self.problem(
                f"The ref '{ref}' of '{_clip(name, 40)}' is not an organisation identifier (such as "
                "XM-DAC-41114); the organisation is matched by its name.",
                iid,
                el,
                NOTE,
            )
        if name or ref:
            match = self.context.organisations.match(name or ref)
            if match is not None:
                return match.org_id
        self.problem("An organisation with neither an identifier nor a name was left out.", iid, el)
        return None

    def _organisations(self, el, iid: str, lang: str | None) -> None:
        for org_el in el.findall("participating-org"):
            role = ROLE_CODES.get((org_el.get("role") or "").strip())
            if role is None:
                self.problem(f"Organisation role '{org_el.get('role')}' is not 1-4; left out.", iid, org_el)
                continue
            org = self._org(org_el, iid, lang)
            rows = self.tables["project_orgs"]
            if org and not any(
                r["project_id"] == iid and r["org_id"] == org and r["role"] == role for r in rows
            ):
                rows.append(
                    {"project_id": iid, "org_id": org, "role": role, "amount": None, "currency": None}
                )

    def _places(self, el, iid: str) -> None:
        known_regions = set(self.context.reference.regions["code"].astype(str))
        places = []
        for c in el.findall("recipient-country"):
            code = self.context.countries.code(c.get("code") or "")
            if code is None:
                self.problem(
                    f"Country code '{c.get('code')}' is not on the IATI country list; left out.", iid, c
                )
                continue
            places.append((code, self._percentage(c, iid), c, "country"))
        for r in el.findall("recipient-region"):
            vocabulary = (r.get("vocabulary") or "1").strip()
            code = (r.get("code") or "").strip()
            if vocabulary != "1":
                self.problem(
                    f"Region {code} is in vocabulary {vocabulary}, not the OECD DAC regions; left out.",
                    iid,
                    r,
                )
                continue
            if code not in known_regions:
                self.problem(f"Region code '{code}' is not on the IATI Region list; kept as written.", iid, r)
            places.append((code, self._percentage(r, iid), r, "region"))
        countries = [p for p in places if p[3] == "country"]
        regions = [p for p in places if p[3] == "region"]
        # The only place without a percentage is all of it, as a sheet's single country is (stored
        # with no share): IATI asks for none there. One with another percentage is taken as 100%.
        only = countries[0][1] if len(countries) == 1 and all(r[1] is None for r in regions) else None
        if only is not None and only != Decimal(100):
            code, share, c_el, _ = countries[0]
            self.problem(f"The only recipient country has {share}%; it is taken as 100%.", iid, c_el)
            places = [(code, Decimal(100), c_el, "country")] + regions
        given = [p[1] for p in places if p[1] is not None]
        if given and len(given) < len(places) and sum(given) == 100:
            # The percentages given already add up to 100: the others are 0, not an equal split.
            places = [(code, Decimal(0) if share is None else share, e, k) for code, share, e, k in places]
        if len(places) > 1:
            shares = [(code, share) for code, share, _, _ in places]
            self._shares_add_up(shares, "recipient countries and regions", iid, places[0][2])
        for code, share, _, _ in places:
            rows = self.tables["project_countries"]
            if not any(r["project_id"] == iid and r["country"] == code for r in rows):
                rows.append({"project_id": iid, "country": code, "share": share})

    def _shares_add_up(self, shares: list[tuple[str, Decimal | None]], what: str, iid: str, el) -> None:
        """Report percentages that do not add up to 100, and how the money is split instead."""
        given = [share for _, share in shares if share is not None]
        if len(given) < len(shares):
            self.problem(
                f"Not all the {what} have a percentage; the money is split equally among them (marked "
                "estimated).",
                iid,
                el,
            )
        elif sum(given) != 100 and sum(given) > 0:
            # IATI asks for 100; the breakdowns scale them, which the file should say itself.
            total = sum(given)
            scaled = ", ".join(f"{code} {share * 100 / total:.1f}%" for code, share in shares)
            self.problem(
                f"The percentages of the {what} add up to {total.normalize():f}%, not 100%; the money is "
                f"split in proportion to them ({scaled}).",
                iid,
                el,
            )

    def _percentage(self, el, iid: str) -> Decimal | None:
        text = el.get("percentage")
        if text is None or not text.strip():
            return None
        value = _decimal(text)
        if value is None or not 0 <= value <= 100:
            self.problem(f"Percentage '{text}' is not between 0 and 100; left blank.", iid, el)
            return None
        return value.quantize(Decimal("0.01"))

    def _sectors(self, el, iid: str, lang: str | None) -> None:
        dac = []
        for s in el.findall("sector"):
            vocabulary = (s.get("vocabulary") or "1").strip()
            code = (s.get("code") or "").strip()
            share = self._percentage(s, iid)
            if vocabulary == "1":
                found, message = self.context.sector(code)
                if message:
                    self.problem(message, iid, s)
                rows = self.tables["project_sectors"]
                if found and not any(r["project_id"] == iid and r["sector"] == found for r in rows):
                    rows.append({"project_id": iid, "sector": found, "share": share})
                    dac.append((found, share))
            elif code:
                rows = self.tables["project_classifications"]
                if not any(
                    r["project_id"] == iid and r["vocabulary"] == vocabulary and r["code"] == code
                    for r in rows
                ):
                    rows.append(
                        {
                            "project_id": iid,
                            "vocabulary": vocabulary,
                            "code": code,
                            "name": self._text(s, lang),
                            "share": share,
                        }
                    )
        if len(dac) > 1:
            self._shares_add_up(dac, "DAC sectors", iid, el.find("sector"))

    def _value(self, holder, iid: str, default_currency: str | None):
        """(amount, currency, value date) of a <value>, or None with the problem reported."""
        value = holder.find("value")
        if value is None:
            self.problem(f"<{holder.tag}> has no <value>; left out.", iid, holder)
            return None
        amount = _decimal(value.text)
        if amount is None:
            self.problem(f"'{_clip(value.text or '')}' is not an amount; left out.", iid, value)
            return None
        if abs(amount) >= LARGEST_AMOUNT:
            # Beyond what the database holds (and any project's money): a pasted id, or a typo.
            self.problem(
                f"{_clip(value.text or '')} is too large to be an amount (aidtrack keeps amounts below "
                f"{LARGEST_AMOUNT:,}); left out.",
                iid,
                value,
            )
            return None
        currency = (value.get("currency") or "").strip().upper() or default_currency
        if not currency:
            self.problem(
                "The value names no currency and the activity has no default-currency; left out.", iid, value
            )
            return None
        if currency not in self.context.currencies:
            self.problem(f"'{currency}' is not an ISO 4217 currency code; left out.", iid, value)
            return None
        value_date = None
        if value.get("value-date"):
            try:
                value_date = date.fromisoformat(value.get("value-date").strip()[:10])
            except ValueError:
                self.problem(f"value-date '{value.get('value-date')}' is not a date; ignored.", iid, value)
        return amount.quantize(CENT, ROUND_HALF_UP), currency, value_date

    def _budgets(self, el, iid: str, default_currency: str | None) -> None:
        periods = {}
        for b in el.findall("budget"):
            kind = "revised" if (b.get("type") or "1").strip() == "2" else "original"
            start, end = _date(b.find("period-start")), _date(b.find("period-end"))
            if not start or not end or end < start:
                self.problem("A budget without a valid period (start on or before end) was left out.", iid, b)
                continue
            found = self._value(b, iid, default_currency)
            if found is None:
                continue
            amount, currency, value_date = found
            if amount < 0:
                self.problem(f"A negative budget ({amount}) was left out.", iid, b)
                continue
            if (start, end, kind) in periods:
                self.problem(
                    f"A second {kind} budget for {start} to {end} was left out (the first one is kept).",
                    iid,
                    b,
                )
                continue
            periods[(start, end, kind)] = {
                "project_id": iid,
                "period_start": start,
                "period_end": end,
                "type": kind,
                "amount": amount,
                "currency": currency,
                "value_date": value_date,
                "_el": b,
            }
        # Budgets for periods inside a longer one (monthly inside annual) would count the same
        # money twice: the longest periods are kept, the ones inside them are reported.
        spans = sorted({(s, e) for s, e, _ in periods}, key=lambda p: (-(p[1] - p[0]).days, p[0]))
        kept: list[tuple[date, date]] = []
        for s, e in spans:
            overlaps = [k for k in kept if s <= k[1] and k[0] <= e]
            if overlaps:
                inside = any(k[0] <= s and e <= k[1] for k in overlaps)
                # Only partly inside: leaving it out loses its other days too, which the user must know.
                outcome = (
                    "it is not counted again"
                    if inside
                    else "it is left out so the overlap is not counted twice, and with it the days the "
                    "other budget does not cover; budgets should not overlap: ask the publisher for "
                    "periods that do not"
                )
                for key in [k for k in periods if k[:2] == (s, e)]:
                    self.problem(
                        f"The budget for {s} to {e} overlaps the budget for {overlaps[0][0]} to "
                        f"{overlaps[0][1]}; {outcome}.",
                        iid,
                        periods[key]["_el"],
                    )
                continue
            kept.append((s, e))
        for key, row in periods.items():
            if key[:2] in kept:
                row.pop("_el")
                self.tables["budgets"].append(row)

    def _transactions(self, el, iid: str, default_currency: str | None, lang: str | None) -> None:
        for n, t in enumerate(el.findall("transaction"), 1):
            type_el = t.find("transaction-type")
            code = (type_el.get("code") or "").strip() if type_el is not None else ""
            kind = TRANSACTION_CODES.get(code)
            if kind is None:
                written = f"type '{code}'" if code else "no <transaction-type> code"
                self.problem(
                    f"A transaction with {written} was left out: the IATI transaction types are 1 (incoming "
                    "funds) to 13 (incoming pledge).",
                    iid,
                    type_el if code else t,
                )
                continue
            found = self._value(t, iid, default_currency)
            if found is None:
                continue
            amount, currency, value_date = found
            when = _date(t.find("transaction-date")) or value_date
            if when is None:
                self.problem("A transaction without a date was left out.", iid, t)
                continue
            if value_date == when:
                # The same date twice says nothing more: amounts convert at the transaction date when
                # no value date is stored, and the export writes that date as the value-date IATI
                # requires; stored, it showed every transaction as changed when the export came back.
                value_date = None
            for child in t:
                if isinstance(child.tag, str) and child.tag not in TRANSACTION_READ:
                    self.not_read[f"transaction/{child.tag}"] += 1
            provider, receiver = t.find("provider-org"), t.find("receiver-org")
            self.tables["transactions"].append(
                {
                    "transaction_id": self._transaction_id(t, iid, n),
                    "project_id": iid,
                    "type": kind,
                    "date": when,
                    "value_date": value_date,
                    "amount": amount,
                    "currency": currency,
                    "provider_org": self._party(provider, lang),
                    "receiver_org": self._party(receiver, lang),
                    "description": self._text(t.find("description"), lang),
                }
            )

    def _transaction_id(self, t, iid: str, n: int) -> str:
        """The transaction's own ref where it is one of this activity's (it starts with the activity's
        identifier, as aidtrack's exports and many publishers write them) and the file has it once;
        else the activity's identifier and the transaction's place in it."""
        # Other refs ('1', '2' in every activity) could be another project's transaction ids.
        ref = " ".join((t.get("ref") or "").split())
        if ref.startswith(iid) and self.transaction_refs[ref] == 1 and ref not in self.transaction_ids:
            found = ref
        else:
            found, k = f"{iid}-T{n:04d}", 1
            while found in self.transaction_ids:
                k += 1
                found = f"{iid}-T{n:04d}-{k}"
        self.transaction_ids.add(found)
        return found

    def _party(self, el, lang: str | None) -> str | None:
        if el is None:
            return None
        ref = (el.get("ref") or "").strip()
        name = self._text(el, lang)
        if ref and ORG_REF.match(ref):
            if name:
                self.ref_names.setdefault(ref, name)
            return ref
        return name or ref or None
