"""Spreadsheets to validated rows: the template's sheets, or one row per project in the
user's own words.

`load` is pure: bytes in, a `Loaded` out (the rows to compare with the portfolio, every
problem with its sheet, row and column, and the rejected rows as they were written).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import operator
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from loaders import values
from loaders.headers import (
    CURRENCY_SYMBOLS,
    FIELD_LABELS,
    SCALE_WORDS,
    Contribution,
    Header,
    contribution_header,
    date_order_hint,
    find_header_row,
    map_headers,
    match_header,
    names_donors,
    normalise,
)
from loaders.layout import LISTS_SHEET, PROBLEMS_COLUMN, README_SHEET, SHEETS, SHEETS_BY_NAME
from loaders.names import Countries, Organisations, load_country_converter
from loaders.problems import ERROR, WARNING, Problem, UnreadableFile
from loaders.workbook import Workbook, collector_paused, read_bytes
from loaders.xlsx_marks import Marks
from portfolio.imports import Incoming, Reference, Slice
from portfolio.store import (
    ACTIVITY_KINDS,
    KEYS,
    PROJECT_FIELDS,
    PROJECT_TABLES,
    ROLES,
    STATUSES,
    TRANSACTION_TYPES,
)

NOTE = "note"
CENT = Decimal("0.01")
# Funders' shares may add up to a little over 100% by rounding (33.4% three times); beyond
# that they are a mistake, and no split of the budget is guessed from them.
SHARES_ROUNDING = Decimal(1)
SHARES_LIMIT = 100 + SHARES_ROUNDING

# What people write for a project's status, normalised, to the IATI status.
STATUS_WORDS = {
    **{s: s for s in STATUSES},
    **{str(i): s for i, s in enumerate(STATUSES, 1)},
    "identification": "pipeline",
    "planned": "pipeline",
    "planning": "pipeline",
    "proposed": "pipeline",
    "pending": "pipeline",
    "approved": "pipeline",
    "not started": "pipeline",
    "pipeline identification": "pipeline",
    "in pipeline": "pipeline",
    "hard pipeline": "pipeline",
    "soft pipeline": "pipeline",
    "preparation": "pipeline",
    "in preparation": "pipeline",
    "under preparation": "pipeline",
    "formulation": "pipeline",
    "in formulation": "pipeline",
    "active": "implementation",
    "ongoing": "implementation",
    "on going": "implementation",
    "in progress": "implementation",
    "running": "implementation",
    "open": "implementation",
    "in implementation": "implementation",
    "under implementation": "implementation",
    "finalization": "finalisation",
    "closing": "finalisation",
    # IATI's finalisation: the work is done, the accounts are not closed yet.
    "operationally closed": "finalisation",
    "closed operationally": "finalisation",
    "ending": "finalisation",
    "completed": "closed",
    "completion": "closed",
    "complete": "closed",
    "finished": "closed",
    "ended": "closed",
    "done": "closed",
    "terminated": "closed",
    "closed project": "closed",
    "financially closed": "closed",
    "closed financially": "closed",
    "canceled": "cancelled",
    "dropped": "cancelled",
    "withdrawn": "cancelled",
    "on hold": "suspended",
    "paused": "suspended",
    "frozen": "suspended",
}
ROLE_FIELDS = {
    "funders": "funding",
    "implementers": "implementing",
    "partners": "partner",
    "beneficiaries": "beneficiary",
}
VISIBILITY_WORDS = {
    "public": "public",
    "internal": "internal",
    "private": "internal",
    "yes": "public",
    "no": "internal",
    "confidential": "internal",
    "restricted": "internal",
}
CURRENCY_WORDS = {
    "euro": "EUR",
    "euros": "EUR",
    "€": "EUR",
    "us dollar": "USD",
    "us dollars": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "$": "USD",
    "us$": "USD",
    "pound": "GBP",
    "pounds": "GBP",
    "pound sterling": "GBP",
    "£": "GBP",
    "swiss franc": "CHF",
    "swiss francs": "CHF",
    "fr": "CHF",
    "sfr": "CHF",
    "yen": "JPY",
}
_TOTAL_ROW = re.compile(
    r"^\s*(?:(?:grand|overall|sub|component\s+\w+|programme|program|portfolio)\s*-?\s*)?totals?\b|^\s*sum\b",
    re.IGNORECASE,
)
_FOOTNOTE = re.compile(
    r"^\s*(?:\*|†|note\b|notes\b|nb\b|n\.b\.|source\b|sources\b|remarks?\b|disclaimer\b"
    # "Figures in thousands of euro.", "All amounts are in EUR", "Prepared by ...", "Updated 5 May"
    r"|(?:all\s+)?(?:figures|amounts)\s+(?:are\s+)?in\b|(?:prepared|compiled)\s+by\b|(?:last\s+)?updated\b)",
    re.IGNORECASE,
)
_AIM_SPLIT = re.compile(r"\s*(?:\r?\n)+\s*(?:[-•*·]\s*|\d+[.)]\s*)?|(?:^|\s)[•·]\s*")


@dataclass
class Loaded:
    """A file read and checked, not yet compared with the portfolio."""

    incoming: Incoming
    problems: list[Problem]
    columns: list[dict]  # sheet, column as written, what aidtrack does with it
    rejected_rows: dict[str, tuple[list[str], list[tuple[int, list, list[str]]]]] = field(
        default_factory=dict
    )
    # For the template: every filled row of each sheet, with its project id as written.
    template_rows: dict[str, tuple[list[str], list[tuple[int, list, str | None]]]] = field(
        default_factory=dict
    )

    def rows_to_fix(self, more: Iterable[tuple[str, int, str]] = ()) -> dict:
        """The fix-me workbook's rows by sheet, in the form of `rejected_rows`; `more` are rows
        rejected later, when compared with the portfolio (sheet, row, message).

        From the template, each project with a rejected row comes with all its rows on every sheet:
        a sheet replaces each project's rows of its table, so a fix-me sheet holding only the one
        budget row to fix would, imported, delete the project's other budgets; and a project whose
        Projects row was rejected needs its other rows imported with it.
        """
        if not self.template_rows:
            return self.rejected_rows
        problems: dict[tuple[str, int], list[str]] = {}
        for sheet, (_, rows) in self.rejected_rows.items():
            for number, _, messages in rows:
                problems[(sheet, number)] = list(messages)
        for sheet, number, message in more:
            problems.setdefault((sheet, number), []).append(message)
        if not problems:
            return {}
        affected = {
            project
            for sheet, (_, rows) in self.template_rows.items()
            for number, _, project in rows
            if project and (sheet, number) in problems
        }
        fixme = {}
        for sheet, (header, rows) in self.template_rows.items():
            kept = [
                (number, cells, problems.get((sheet, number), []))
                for number, cells, project in rows
                if (sheet, number) in problems or project in affected
            ]
            if kept:
                fixme[sheet] = (header, kept)
        return fixme

    def problems_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [p.as_dict() for p in self.problems],
            columns=["message", "severity", "file", "sheet", "row", "column"],
        )


class Context:
    """The store's organisations, countries, sectors and currencies, with memoised lookups."""

    def __init__(self, reference: Reference):
        self.reference = reference
        self.currencies = reference.currencies
        self.countries = Countries(reference.countries, reference.regions)
        self.organisations = Organisations(reference.organisations)
        # The same names come back on every row: answer each distinct text once.
        self.country_known = functools.cache(self.countries.known)
        self.country_sure = functools.cache(
            lambda name: self.country_known(name) and not self.countries.guessed(name)
        )
        self.organisation_known = functools.cache(self.organisations.known)
        self.share = functools.cache(values.parse_share)
        self.organisation_pieces = functools.cache(self._organisation_piece)
        self.place_pieces = functools.cache(self._place_piece)
        self.sectors = {
            str(c): bool(w)
            for c, w in zip(reference.sectors["code"], reference.sectors["withdrawn"], strict=True)
        }
        self.sector_names = {
            normalise(n): str(c)
            for c, n in zip(reference.sectors["code"], reference.sectors["name"], strict=True)
        }

    def _organisation_piece(self, piece: str) -> tuple[tuple, ...]:
        """(org_id, share, amount, currency, warning, name as written) for each organisation in one
        piece of a cell."""
        found = []
        for name_and_share in values.split_cell(piece, known=self.organisation_known):
            name, amount = _name_and_amount(name_and_share)
            name, share = self.share(name)
            match = self.organisations.match(name) if name else None
            if match is None:
                continue
            warning = None
            if not self.organisation_known(name) and _may_name_several(name):
                warning = (
                    f"'{_clip(name)}' is taken as one organisation; if it names several, separate them "
                    "with ';'."
                )
            elif amount and amount.problem:
                warning = f"{_clip(name)}'s contribution {amount.problem[0].lower()}{amount.problem[1:]}"
            found.append(
                (
                    match.org_id,
                    share,
                    amount.value if amount else None,
                    amount.currency if amount else None,
                    warning,
                    name,
                )
            )
        return tuple(found)

    def _place_piece(self, piece: str) -> tuple[list[tuple[str, Decimal | None]], list[str]]:
        """(code, share) for each place in one piece of a cell, and what to tell about them."""
        found, messages = [], []
        names = []
        for name in values.split_cell(piece, known=self.country_known):
            # A list with a name nobody knows ("Türkiye, Atlantis") is no one place that a search
            # within the text may stand for: its parts are read, and the unknown one reported.
            parts = None
            if not self.country_sure(self.share(name)[0]):
                parts = values.split_partly(name, self.country_sure)
            names += parts or [name]
        for name, share in map(self.share, names):
            code = self.countries.resolve(name)
            if self.countries.guessed(name):
                read_as = re.sub(r" [(]the[)]", "", self.countries.name_of(code) or code)
                messages.append(
                    f"'{_clip(name)}' was read as {read_as} ({code}). "
                    "If it means somewhere else, write the country's name or ISO code."
                )
            if code is None and str(name).strip().upper() == "NA":
                messages.append("'NA' is read as not applicable; write Namibia if you mean the country.")
                continue
            if code is None:
                messages.append(
                    f"'{_clip(name)}' is not a country or region aidtrack knows; it is left out. Use the "
                    "country's English name or ISO code."
                )
                continue
            if share is not None and not 0 <= share <= 100:
                messages.append(
                    f"The share {share}% for {name} is not between 0 and 100; stored without a share."
                )
                share = None
            found.append((code, share))
        return found, messages

    def currency(self, cell) -> str | None:
        text = str(cell).strip()
        if text.upper() in self.currencies:
            return text.upper()
        return CURRENCY_WORDS.get(text.lower().rstrip("."))

    def sector(self, text: str) -> tuple[str | None, str | None]:
        """A DAC purpose code from '15210', '15210 Security system ...' or the sector's name."""
        m = re.match(r"^\s*(\d{5})\b", text)
        if m:
            code = m.group(1)
            if code not in self.sectors:
                if code.endswith("00") and any(known.startswith(code[:3]) for known in self.sectors):
                    return None, (
                        f"'{code}' stands for the whole DAC sector category {code[:3]}, not one purpose "
                        "code; the project is stored without a sector. Use a 5-digit code such as 15210."
                    )
                return None, f"'{code}' is not an OECD DAC purpose code. Use a 5-digit code such as 15210."
            if self.sectors[code]:
                return code, f"Sector {code} has been withdrawn from the DAC list; it is kept as written."
            return code, None
        code = self.sector_names.get(normalise(text))
        if code:
            return code, None
        return None, (
            f"'{_clip(text)}' is not an OECD DAC purpose code or name; the project is stored without "
            "this sector. Use a 5-digit code such as 15210."
        )


def _within(merged: tuple, height: int) -> tuple:
    """The merged cells that reach into a sheet of `height` rows, cut at its last row, each once.
    They are walked row by row; a 5 KB file may list 'B2:B1048576' a thousand times (0.08 s each)."""
    return tuple(
        dict.fromkeys(((r1, c1), (min(r2, height - 1), c2)) for (r1, c1), (r2, c2) in merged if r1 < height)
    )


def _two_row_header(
    rows: list[list], at: int, merged: tuple, currencies: frozenset[str]
) -> tuple[list, dict[int, str]] | None:
    """The header row `at` and the row below as one, when the row below names the columns of groups
    in the header row ('Budget' merged over 'EUR' | 'USD', 'Dates' over 'Start' | 'End'): each such
    column is headed 'Budget EUR', or by its own name where that alone names a field ('Start').
    With it, the columns under a group that says each is a donor's money ('Contributions by donor
    (EUR)' over 'EU' | 'Open Society Foundations'), and that group's name."""
    if at + 1 >= len(rows):
        return None
    top, below = rows[at], rows[at + 1]
    filled = [i for i, c in enumerate(below) if not values.is_blank(c)]
    if not filled or not all(isinstance(below[i], str) for i in filled):
        return None
    group: dict[int, str] = {}
    for (r1, c1), (r2, c2) in merged:
        if r1 == at == r2 and c2 > c1 and not values.is_blank(top[c1]):
            group.update({c: str(top[c1]).strip() for c in range(c1, min(c2, len(top) - 1) + 1)})
    # Without merged cells (a csv): a group's name stands over its first column, blanks over the rest.
    for i in filled:
        if i in group or i >= len(top):
            continue
        j = i
        while j > 0 and values.is_blank(top[j]) and j - 1 not in group:
            j -= 1
        if values.is_blank(top[j]) and j - 1 in group:  # the group to the left goes on over it
            group[i] = group[j - 1]
            continue
        if values.is_blank(top[j]) or j not in filled:
            return None
        if j == i and not (i + 1 < len(top) and values.is_blank(top[i + 1]) and i + 1 in filled):
            return None  # a header of its own with a value under it: the row below is data
        group[i] = str(top[j]).strip()
    if not group:
        return None
    joined = list(top)
    donor_groups = {}
    for i, name in group.items():
        sub = "" if i >= len(below) or values.is_blank(below[i]) else str(below[i]).strip()
        both = f"{name} {sub}".strip()
        field = match_header(both, currencies)[0]
        if names_donors(name):
            donor_groups[i] = name
            if field and (sub == "%" or sub.upper() in currencies or sub.lower() in CURRENCY_SYMBOLS):
                field = None  # 'Donors' over '%' or 'EUR': a share or sum column, not the funders' names
                both = sub
        if field or not sub or not match_header(sub, currencies)[0]:
            joined[i] = both
        else:
            joined[i] = sub
    return joined, donor_groups


def _unit(currency: str | None, scale: int) -> str:
    """What a column's amounts are in, for the Columns tab: 'EUR', 'thousands of EUR'."""
    if not scale:
        return str(currency)
    words = SCALE_WORDS.get(scale, f"10^{scale}")
    return f"{words} of {currency}" if currency else words


def _clip(text, n: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def prepare(reference: Reference) -> None:
    """Do now what the first check in a process would do first: load country_converter's names
    and reduce the reference's names to the keys they are matched by. A caller may run this on a
    thread while the workbook is read: python-calamine's parse leaves the interpreter free."""
    load_country_converter()
    Context(reference)


def _read_while_preparing(data: bytes, file_name: str, reference: Reference) -> Workbook:
    """The workbook, read on a thread while this one gets the names ready (`prepare`)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        reading = pool.submit(read_bytes, data, file_name)
        prepare(reference)
        return reading.result()


def load(
    data: bytes,
    file_name: str,
    reference: Reference,
    currency: str | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> Loaded:
    """Read `data` (the bytes of `file_name`) into rows to compare with the portfolio.

    `currency` applies to amounts that name no currency in the cell, the row or the header.
    Raises UnreadableFile when nothing in the file can be imported.
    """
    with collector_paused():
        book = _read_while_preparing(data, file_name, reference)
        if progress:
            rows = sum(len(s.rows) for s in book.sheets)
            progress(0.3, f"Checking {rows:,} rows of {file_name}")
        context = Context(reference)
        if book.format == "xml":
            from loaders.iati import IatiReader

            return IatiReader(book, context).read()
        if _is_template(book):
            return TemplateReader(book, context, currency).read()
        return FlatReader(book, context, currency).read()


def _is_template(book: Workbook) -> bool:
    """Sheets named as the template's, each headed with the template's headers and nothing else.

    The Projects sheet may be missing: a manager may send back only the Transactions sheet of
    an export, or a fix-me workbook may hold only the budget rows to fix.
    """
    named = [s for s in book.sheets if s.name in SHEETS_BY_NAME and s.rows]
    for sheet in named:
        first = [str(c).strip() for c in sheet.rows[0] if c is not None and str(c).strip()]
        template = [c.header for c in SHEETS_BY_NAME[sheet.name].columns]
        # A sheet of one's own may start "Project ID, Title" too; only the template's headers, and
        # nothing else, make it the template, so no column of one's own goes unread.
        if first[:2] != template[:2] or not set(first) <= {*template, PROBLEMS_COLUMN}:
            return False
    return bool(named)


def _memo(parse: Callable) -> Callable:
    memo: dict = {}
    missing = object()

    def parse_once(cell, *args):
        key = (cell, *args)
        try:
            result = memo.get(key, missing)
        except TypeError:  # an unhashable cell
            return parse(cell, *args)
        if result is missing:
            result = memo[key] = parse(cell, *args)
        return result

    return parse_once


def made_up_id(title: str) -> str:
    """A stable id for a row whose sheet has none: the same title always gives the same id."""
    key = " ".join(re.sub(r"[^a-z0-9]+", " ", title.lower()).split())
    return "AT-" + hashlib.sha1(key.encode()).hexdigest()[:10].upper()


def _text_cell(cell) -> str | None:
    if values.is_blank(cell):
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = str(cell).strip()
    return text or None


def _shown_cell(cell) -> str:
    """A cell as the user sees it, for a message: 1250000.0 as 1250000."""
    return str(int(cell)) if isinstance(cell, float) and cell.is_integer() else str(cell)


def _clean_text_cell(cell) -> tuple[str | None, str | None]:
    text = _text_cell(cell)
    return values.clean_text(text) if text else (None, None)


def _split_shares(amount: Decimal, shares: list[Decimal], total: Decimal) -> list[Decimal]:
    """A budget split by percentages that add up to `total` (more than 0), to the cent. Shares
    over 100% in all are scaled down so the parts add up to the whole; shares under 100% leave
    the rest to no one named."""
    if total < 100:
        return [(amount * s / 100).quantize(CENT, ROUND_HALF_UP) for s in shares]
    parts = [(amount * s / total).quantize(CENT, ROUND_HALF_UP) for s in shares]
    parts[-1] += amount - sum(parts)
    return parts


class _Reader:
    def __init__(self, book: Workbook, context: Context, currency: str | None):
        self.book = book
        self.context = context
        self.currency = currency
        self.problems: list[Problem] = []
        self.columns: list[dict] = []
        self.rejected_rows: dict = {}
        # Not a method of the reader's own: the memo would hold the reader, and the two would
        # wait for the cycle collector to free them, with every amount read.
        self.parse_amount = _memo(functools.partial(values.parse_amount, decimal_comma=book.decimal_comma))
        self.parse_date = _memo(values.parse_date)
        self.country = _memo(self.context.countries.resolve)
        self.sector = _memo(self.context.sector)

    def problem(self, message, sheet, row=None, column="", severity=ERROR):
        self.problems.append(Problem(message, severity, self.book.file_name, sheet, row, column))

    def reject(self, sheet: str, header: list, row_number: int, cells: list, messages: list[str]):
        self.rejected_rows.setdefault(sheet, ([str(h) for h in header], []))[1].append(
            (row_number, cells, messages)
        )


class FlatReader(_Reader):
    """One row per project, headed in the user's own words, on one or more sheets.

    Works column by column, parsing each distinct cell once: sheets of 100,000 projects
    repeat the same donors, countries and dates over and over.
    """

    def read(self) -> Loaded:
        frames, children = [], {t: [] for t in CHILD_FRAME_COLUMNS}
        fields: set[str] = set()
        sheet_fields: list[set[str]] = []  # what each sheet's columns give, in the order of `frames`
        seen_ids: dict[str, int] = {}
        seen_titles: dict[str, int] = {}
        headed: list[tuple[str, int]] = []  # each sheet with a header row, and that row's number
        rejected = filled = 0
        found = []
        all_hidden: list[str] = []  # sheets whose every column aidtrack reads is hidden
        for sheet in self.book.sheets:
            if sheet.hidden:
                continue
            at = find_header_row(sheet.rows, self.context.currencies)
            if at is None:
                if any(not values.is_blank(c) for r in sheet.rows for c in r):
                    self.problem(
                        "This sheet has no row of column headers aidtrack recognises (such as 'Title' or "
                        "'Project name'), so it was skipped as notes.",
                        sheet.name,
                        severity=NOTE,
                    )
                continue
            merged = _within(
                sheet.merged or sheet.marks.merged, len(sheet.rows)
            )  # an ods's come with its marks
            two_rows = _two_row_header(sheet.rows, at, merged, self.context.currencies)
            donor_groups: dict[int, str] = {}
            if two_rows:
                # The groups' row over their columns' row ('Budget' over 'EUR' | 'USD'): one header row
                # made of both, and the projects start below the second.
                joined, donor_groups = two_rows
                sheet = replace(sheet, rows=[*sheet.rows[: at + 1], joined, *sheet.rows[at + 2 :]])
                at += 1
            hidden = sheet.marks.hidden_columns
            visible = [None if i in hidden else c for i, c in enumerate(sheet.rows[at])]
            headers = map_headers(visible, self.context.currencies)
            for i in sorted(hidden):
                if i < len(sheet.rows[at]) and not values.is_blank(sheet.rows[at][i]):
                    headers[i] = Header(str(sheet.rows[at][i]).strip(), i, None)
            if not any(h.field for h in headers):  # the header row was found among hidden columns
                all_hidden.append(sheet.name)
                continue
            found.append((sheet, at, headers, donor_groups))
        titled = [s.name for s, _, headers, _ in found if any(h.field == "title" for h in headers)]
        for k, (sheet, at, headers, donor_groups) in enumerate(found):
            if titled and not any(h.field == "title" for h in headers):
                # A list beside the projects ('Code', 'Country' for a lookup): its rows have no title
                # and would each be rejected as a project without one. Said as a warning, naming the
                # columns, since a sheet of funders by project id is skipped the same way.
                named = [h.text for h in headers if h.text]
                self.problem(
                    f"This sheet has no title column, unlike sheet '{titled[0]}', so it was skipped as a "
                    f"list, not projects: its columns ({', '.join(named)}) were not imported. To import "
                    f"them, put them on sheet '{titled[0]}' as columns of the projects' rows.",
                    sheet.name,
                    severity=WARNING,
                )
                self.columns += [
                    {"sheet": sheet.name, "column": c, "imported as": "not imported: sheet skipped as a list"}
                    for c in named
                ]
                continue
            headed.append((sheet.name, at + 1))
            sheet_rows = _SheetColumns(
                self, sheet.name, sheet.rows, at, headers, sheet.marks, merged, donor_groups
            )
            filled += sheet_rows.filled
            last = k == len(found) - 1
            projects, sheet_children, sheet_rejected = sheet_rows.read(seen_ids, seen_titles, last)
            frames.append(projects)
            for table, entries in sheet_children.items():
                children[table].append(entries)
            given = set(sheet_rows.by_field)
            if sheet_rows.funder_columns:
                given.add("funders")
            if sheet_rows.sheet_country:
                given.add("countries")
            if sheet_rows.year_columns:
                given |= {"budget", "budgets"}
            if "period" in sheet_rows.by_field:
                given |= {"start_date", "end_date"}
            sheet_fields.append(given)
            fields |= given
            rejected += sheet_rejected
        if not headed and all_hidden:
            raise UnreadableFile(
                self.book.file_name,
                f"has its columns hidden on sheet '{all_hidden[0]}', and aidtrack does not import hidden "
                "columns (where people keep superseded figures). Unhide them (select the sheet, right-click "
                "a column letter, Unhide) and import it again.",
            )
        if not headed:
            raise UnreadableFile(
                self.book.file_name,
                "has no row of column headers aidtrack recognises in its first 30 rows. Put the column "
                "names (for example 'Project ID', 'Title', 'Donor', 'Country', 'Total budget', 'Start', "
                "'End') in one row above the projects, or download the template from the Import page.",
            )
        if not filled:
            sheet, row = headed[0]
            raise UnreadableFile(
                self.book.file_name,
                f"has column headers on sheet '{sheet}' (row {row}) but no projects under them. Fill in "
                "one row per project below the headers and import it again.",
            )
        project_fields, slices = _covered(fields)
        covered = {*project_fields, *slices}
        for i, given in enumerate(sheet_fields):
            # A sheet without a column the others have (Country, say) leaves that field of its
            # projects as stored, where the other sheets' projects take the file's.
            own_fields, own_slices = _covered(given)
            if not_given := covered - {*own_fields, *own_slices}:
                unread = frames[i]["not_given"] if "not_given" in frames[i] else [None] * len(frames[i])
                frames[i] = frames[i].assign(not_given=[frozenset(not_given | (u or set())) for u in unread])
                missing = [FIELD_LABELS.get(f, f) for f in project_fields if f in not_given]
                missing += [s.label for s in slices if s in not_given]
                self.problem(
                    f"This sheet has no column for {', '.join(missing)}, which other sheets of the file "
                    "have: its projects already in aidtrack keep what is stored for them there.",
                    headed[i][0],
                    severity=NOTE,
                )
        projects = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        incoming = Incoming(
            file_name=self.book.file_name,
            sha256=self.book.sha256,
            format=self.book.format,
            projects=projects,
            project_fields=project_fields,
            children={
                t: pd.DataFrame(
                    {n: _joined([part[n] for part in parts], object) for n in CHILD_FRAME_COLUMNS[t]},
                    columns=CHILD_FRAME_COLUMNS[t],
                    dtype=object,
                )
                for t, parts in children.items()
            },
            slices=slices,
            organisations=self.context.organisations.created(),
            rejected=rejected,
        )
        return Loaded(incoming, self.problems, self.columns, self.rejected_rows)


def _covered(fields: set[str]) -> tuple[tuple[str, ...], tuple[Slice, ...]]:
    """The project fields and the slices of child rows that columns for `fields` give."""
    fields = fields | {"currency"} if "budget" in fields else fields
    slices = [Slice("project_orgs", role) for f, role in ROLE_FIELDS.items() if f in fields]
    for table, source in (
        ("project_countries", "countries"),
        ("project_sectors", "sectors"),
        ("project_aims", "aims"),
        ("budgets", "budgets"),
    ):
        if source in fields:
            slices.append(Slice(table))
    return tuple(f for f in PROJECT_FIELDS if f in fields), tuple(slices)


class _Distinct:
    """A column's cells as its distinct values and, for each row, which of them it holds.

    Sheets of 100,000 projects repeat the same donors, countries, dates and amounts: each
    distinct value is parsed once and the rows are filled in from the indexes. Values are told
    apart as a dict tells keys apart, so 1 and 1.0 are one value.
    """

    def __init__(self, cells: list):
        index: dict = {}
        try:
            self.codes = [index.setdefault(cell, len(index)) for cell in cells]
            self.values = list(index)
        except TypeError:  # an unhashable cell is a value of its own
            index.clear()
            self.codes, self.values = [], []
            for cell in cells:
                try:
                    code = index.setdefault(cell, len(self.values))
                except TypeError:
                    code = len(self.values)
                if code == len(self.values):
                    self.values.append(cell)
                self.codes.append(code)

    def parse(self, parse: Callable) -> list:
        """`parse` of each distinct value, in the order of `values`."""
        return [parse(value) for value in self.values]

    def rows(self, results: list) -> list:
        """Each row's result, from a result per distinct value."""
        return list(map(results.__getitem__, self.codes))

    @functools.cached_property
    def texts(self) -> list[str]:
        """The values that are text."""
        return [value for value in self.values if isinstance(value, str)]

    @functools.cached_property
    def text(self) -> str:
        """The values that are text, one per line: the whole column searched at once."""
        return "\n".join(self.texts)

    def any_starting_with(self, pattern: re.Pattern) -> bool:
        """`_any_starting_with` the values."""
        return bool(self.texts) and _any_line_starting_with(self.text, pattern)

    @functools.cached_property
    def code_array(self) -> np.ndarray:
        """`codes` as a numpy array."""
        return np.asarray(self.codes, dtype=np.intp)

    def positions(self, chosen: Iterable[int]) -> list[int]:
        """The rows holding any of the `chosen` distinct values, in order."""
        chosen = set(chosen)
        if not chosen:
            return []
        if len(chosen) == len(self.values):
            return list(range(len(self.codes)))
        wanted = np.zeros(len(self.values), dtype=bool)
        wanted[list(chosen)] = True
        return np.flatnonzero(wanted[self.code_array]).tolist()


def _any_starting_with(cells: Iterable, pattern: re.Pattern) -> bool:
    """Whether `pattern` (anchored at the start) may match any of the text cells: False settles a
    whole column in one search, through all its texts, each on a line of its own (a text the
    pattern matches also matches where its line starts); True means look at each."""
    texts = [c for c in cells if isinstance(c, str)]
    return bool(texts) and _any_line_starting_with("\n".join(texts), pattern)


def _any_line_starting_with(text: str, pattern: re.Pattern) -> bool:
    lines = re.compile(pattern.pattern, pattern.flags | re.MULTILINE)
    return lines.search(text) is not None


def _starting_with(cells: list, pattern: re.Pattern) -> list[bool]:
    """Whether each cell is text that `pattern` (anchored at its start) matches."""
    if not _any_starting_with(cells, pattern):
        return [False] * len(cells)
    return [isinstance(c, str) and bool(pattern.match(c)) for c in cells]


def _joined(arrays: list[np.ndarray], dtype) -> np.ndarray:
    """The arrays one after the other; the array itself when there is one."""
    if len(arrays) == 1:
        return arrays[0]
    return np.concatenate([np.empty(0, dtype), *arrays])


def _objects(items: Iterable, count: int) -> np.ndarray:
    """An object array of `items`, each kept as it is (a tuple stays one element)."""
    return np.fromiter(items, dtype=object, count=count)


def _spread(codes: np.ndarray, entries: list[tuple], names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Rows of a project table as columns: for each row (its position) every entry of the
    distinct value it holds, in order; `names` names the fields of an entry."""
    lengths = np.fromiter(map(len, entries), dtype=np.intp, count=len(entries))
    offsets = np.cumsum(lengths) - lengths
    size = int(lengths.sum())
    every = list(itertools.chain.from_iterable(entries))
    flat = [_objects(map(operator.itemgetter(j), every), size) for j in range(len(names))]
    held = np.asarray(codes, dtype=np.intp)
    counts = lengths[held]
    total = int(counts.sum())
    starts = np.repeat(offsets[held] - (np.cumsum(counts) - counts), counts) + np.arange(total)
    columns = {"position": np.repeat(np.arange(len(held)), counts)}
    for name, column in zip(names, flat, strict=True):
        columns[name] = column[starts]
    return columns


def _child_rows(parts: list[dict[str, np.ndarray]], table: str) -> list[tuple]:
    """Columns of a project table (see `_spread`) as rows: (position, *the table's fields)."""
    names = ["position", *CHILD_FRAME_COLUMNS[table][1:]]
    return [row for part in parts for row in zip(*(part[n].tolist() for n in names), strict=True)]


def _child_columns(rows: list[tuple], table: str) -> dict[str, np.ndarray]:
    """Rows (position, *the table's fields) as columns again, after `_child_rows`."""
    names = ["position", *CHILD_FRAME_COLUMNS[table][1:]]
    columns = {n: _objects((r[j] for r in rows), len(rows)) for j, n in enumerate(names)}
    columns["position"] = columns["position"].astype(np.intp)
    return columns


class _SheetColumns:
    """The projects on one flat sheet, read a column at a time."""

    def __init__(
        self,
        reader: FlatReader,
        sheet: str,
        rows: list[list],
        at: int,
        headers: list[Header],
        marks: Marks,
        merged: tuple = (),
        donor_groups: dict[int, str] | None = None,
    ):
        self.reader = reader
        self.context = reader.context
        self.marks = marks
        self.at = at
        self.sheet = sheet
        self.header = rows[at]
        self.by_field = {h.field: h for h in headers if h.field}
        if "period" in self.by_field and ("start_date" in self.by_field or "end_date" in self.by_field):
            del self.by_field["period"]  # the sheet's own start and end columns say it better
        if "funder_shares" in self.by_field and "funders" not in self.by_field:
            del self.by_field["funder_shares"]  # shares of no one named
        self.donor_groups = donor_groups or {}
        self.funder_columns = self._funder_columns(headers, marks.hidden_columns)
        # Budgets spread over year columns ('2019', '2020', 'Budget 2021'): each year a budget
        # period, and without a total column their sum the budget.
        years = [
            h
            for h in headers
            if not h.field
            and h.text
            and h.column not in marks.hidden_columns
            and _YEAR_COLUMN.fullmatch(h.text)
        ]
        self.year_columns = years if len(years) > 1 else []
        self.sheet_country = None
        if "countries" not in self.by_field and self.context.country_sure(sheet.strip()):
            self.sheet_country = self.context.countries.resolve(sheet.strip())
        # 'Budget EUR' and 'Budget USD': the budget is in whichever of them a row fills.
        budget = self.by_field.get("budget")
        self.other_budgets = [
            replace(h, field="budget", currency=currency)
            for h in headers
            if budget and not h.field and h.text and h.column not in marks.hidden_columns
            for field, currency in [match_header(h.text, self.context.currencies)]
            if field == "budget" and currency and currency != budget.currency
        ]
        for h in headers:
            if h.text:
                use = FIELD_LABELS[h.field] if h.field and self.by_field.get(h.field) is h else "not imported"
                if (
                    use == "not imported"
                    and h.column in self.donor_groups
                    and _DONORS_TOTAL.fullmatch(h.text)
                ):
                    use = _NOT_A_DONOR_USE["total"]  # 'Total (EUR)' beside the budget: the same sum
                if any(h is b or h.column == b.column for b in self.other_budgets):
                    use = (
                        f"{FIELD_LABELS['budget']} (amounts in {_unit(h.currency, h.scale)}), where "
                        f"'{budget.text}' is blank"
                    )
                    h = replace(h, currency=None, scale=0)
                if h in self.year_columns:
                    use = f"Budgets: the {_YEAR.search(h.text)[0]} budget (1 Jan - 31 Dec)" + (
                        ""
                        if budget
                        else f"; {FIELD_LABELS['budget']}: added up with the other years' columns"
                    )
                if h.column in self.funder_columns:
                    said = self.funder_columns[h.column]
                    use = f"Funders: {said.name}'s contribution" + (
                        " (or share of the budget)" if said.shares else ""
                    )
                    if said.currency or said.scale:
                        use += f" (amounts in {_unit(said.currency, said.scale)})"
                    if h.column in self.new_funders:
                        use += "; a new organisation"
                elif h.column in self.not_donors:
                    use = _NOT_A_DONOR_USE[self.not_donors[h.column]]
                if h.column in marks.hidden_columns:
                    use = "hidden column: not imported"
                if h.field and (h.currency or h.scale):
                    use += f" (amounts in {_unit(h.currency, h.scale)})"
                reader.columns.append({"sheet": sheet, "column": h.text, "imported as": use})
        width = len(rows[at])
        data = rows[at + 1 :]
        if min(map(len, data), default=width) < width:  # csv lines can be short
            data = [list(r) + [None] * (width - len(r)) if len(r) < width else r for r in data]
        self.data = data
        # The cells column by column: one pass over the rows instead of one per column read.
        longest = max(map(len, data), default=0)
        if data and longest == width:
            # Every row as wide as the header, as a rule: the cells row after row, in the order they
            # lie in memory, then every width-th of them, take half the time zip(*data) does.
            cells = list(itertools.chain.from_iterable(data))
            self.by_column = [cells[c::width] for c in range(width)]
        else:
            self.by_column = list(zip(*data, strict=False)) if data else [()] * width  # csv rows run long
        first = at + 2  # the first data row as the spreadsheet numbers it
        # Rows with nothing in them are skipped. A column filled on every row (the titles, as a
        # rule) shows there are none without a look at every cell.
        self._screened, self._screened_values = list(range(len(data))), {}
        filled = self.by_field.get("title") or self.by_field.get("project_id")
        if filled and all(self._screened_column(filled.column).values):
            kept = self._screened
        else:
            kept = [i for i, r in enumerate(data) if any(r)]
        self.filled = len(kept)
        hidden = [i for i in kept if at + 1 + i in marks.hidden_rows]
        if hidden:
            shown = ", ".join(str(first + i) for i in hidden[:20]) + (" ..." if len(hidden) > 20 else "")
            # Unhide does not show rows a filter hides: the filter has to be cleared.
            them = "them" if len(hidden) > 1 else "it"
            how = (
                f"the sheet's filter hides {them}: clear the filter (Data > Clear) and unhide any rows still "
                f"hidden to import {them}."
                if marks.filtered
                else f"unhide {them} in the spreadsheet to import {them}."
            )
            what = (
                f"Hidden rows are not imported (rows {shown})"
                if len(hidden) > 1
                else f"A hidden row is not imported (row {shown})"
            )
            reader.problem(
                f"{what}; {how}",
                sheet,
                first + hidden[0],
                severity=NOTE,
            )
            kept = [i for i in kept if at + 1 + i not in marks.hidden_rows]
        if len(kept) < len(self._screened):
            self._screened, self._screened_values = kept, {}
        totals = self._total_rows(kept)
        for i in totals:
            reader.problem("Looks like a total row; skipped.", sheet, first + i, severity=NOTE)
        headings, self.continues = self._merged_rows(merged, at, kept)
        for i in sorted(headings):
            reader.problem(
                "A section heading (merged across the row); skipped.", sheet, first + i, severity=NOTE
            )
        footnotes = self._footnotes([i for i in kept if i not in headings] if headings else kept)
        for i in sorted(footnotes):
            reader.problem("A note below the table, not a project; skipped.", sheet, first + i, severity=NOTE)
        self.kept = kept
        if totals or headings or footnotes:
            self.kept = [i for i in kept if i not in totals and i not in headings and i not in footnotes]
        self.numbers = [first + i for i in self.kept]
        self.errors: dict[int, list[str]] = {}
        first_field = next(iter(self.by_field))
        if longest > width:
            for position, i in enumerate(self.kept):
                extra = [c for c in data[i][width:] if not values.is_blank(c)]
                if extra:
                    self.flag(
                        first_field,
                        position,
                        f"This row has {width + len(extra)} values but the header has {width}: a separator "
                        "inside a value (put such values in quotes) has shifted the columns.",
                        ERROR,
                    )
        if marks.errors:
            mapped = {h.column: f for f, h in self.by_field.items()}
            with_errors = {row - at - 1 for row, _ in marks.errors}
            for position, i in enumerate(self.kept):
                if i not in with_errors:
                    continue
                for column, f in mapped.items():
                    shown = marks.errors.get((at + 1 + i, column))
                    if shown:
                        self.flag(
                            f,
                            position,
                            f"The cell shows the spreadsheet error {shown} (a broken formula or lookup); "
                            "fix it or clear the cell, then import the row.",
                            ERROR,
                        )

    def _funder_columns(self, headers: list[Header], hidden) -> dict[int, Contribution]:
        """Columns of one funder's money ('EU contribution (EUR)', 'Germany (EUR)', 'SIDA share',
        'IBRD Commitment'), as co-financing tables and the World Bank's export keep funders. A name
        without a word such as 'contribution' counts only when it is a well-known donor, so
        'Serbia (EUR)' (a country's part of the budget) is not read as Serbia funding. Any other
        name counts only under a group that says each column is a donor's money ('Open Society
        Foundations' under 'Contributions by donor (EUR)'), and is then a new organisation."""
        found = {}
        self.funder_of: dict[int, str] = {}  # the funder's name to match, where not the column's name
        self.new_funders: set[int] = set()  # columns of a funder aidtrack has yet to add
        self.not_donors: dict[int, str] = {}  # columns under a donor group naming no donor -> why
        organisations = self.context.organisations
        for h in headers:
            if h.field or not h.text or h.column in hidden:
                continue
            said = contribution_header(h.text, self.context.currencies)
            if said is None:
                continue
            if organisations.names_funder(said.name, well_known_only=not said.worded):
                found[h.column] = said
                continue
            # "IDA and IBRD": several names of one funder (both are the World Bank) are that funder.
            parts = _SEVERAL_NAMES.split(said.name)
            if (
                said.worded
                and len(parts) > 1
                and all(organisations.names_funder(part.strip(), well_known_only=True) for part in parts)
                and len({organisations.match(part.strip()).org_id for part in parts}) == 1
            ):
                found[h.column] = replace(said, total=True)
                self.funder_of[h.column] = parts[0].strip()
            elif h.column in self.donor_groups:
                why = self._not_a_donor(said.name, parts)
                if why:
                    self.not_donors[h.column] = why
                    continue
                found[h.column] = said
                if organisations.stored(said.name) is None:
                    self.new_funders.add(h.column)
        # A funder's total column goes last: where it is filled it replaces the sum of the others.
        return dict(sorted(found.items(), key=lambda item: item[1].total))

    def _not_a_donor(self, name: str, parts: list[str]) -> str | None:
        """Why a column under a donor group is no donor's money: "others" (several donors together,
        or none named: 'Other donors', 'Unknown'), "several" (donors named together: 'Sweden and
        Norway'), "total", or "other" (a currency, or a kind of money: 'Cash', 'In-kind'); None
        when the name is a donor's."""
        if _NO_ONE_DONOR.fullmatch(name) or self.context.organisations.placeholder(name):
            return "others"
        if len(parts) > 1 and all(self.context.organisation_known(part.strip()) for part in parts):
            return "several"
        if _DONORS_TOTAL.fullmatch(name):
            return "total"
        if self.context.currency(name) or _NO_DONOR.fullmatch(name):
            return "other"
        return None

    def _unrecorded_donors(self) -> None:
        """Say, once for each column under a donor group that names no one donor ('Other donors'),
        on which rows its amounts are left out: they are no one funder's contribution."""
        for column, why in self.not_donors.items():
            if why not in ("others", "several"):
                continue
            cells = self.by_column[column]
            rows = [
                self.numbers[position]
                for position, i in enumerate(self.kept)
                if not values.is_blank(cells[i]) and cells[i] != 0
            ]
            if not rows:
                continue
            group = self.donor_groups[column]
            header = str(self.header[column]).strip()
            written = header.removeprefix(group).strip() or header
            shown = ", ".join(map(str, rows[:20])) + (" ..." if len(rows) > 20 else "")
            what = (
                "names no one donor"
                if why == "others"
                else "names several donors in one column, and which part is whose is not said"
            )
            self.reader.problem(
                f"'{written}' under '{group}' {what}, so its amounts (row{'s' * (len(rows) > 1)} {shown}) "
                "are not recorded as any funder's contribution. Give each donor a column of its own to "
                "import its contribution.",
                self.sheet,
                rows[0],
                header,
                WARNING,
            )

    def _contributions(self, parts: list[dict], columns: dict) -> list[dict]:
        """The funders of the funder columns, with their contributions, added to `parts` (the
        organisation columns' rows): a funder named in both keeps the column's amount."""
        n = len(self.kept)
        budgets = columns.get("budget") or [None] * n
        currencies = columns.get("currency") or [None] * n
        found: dict[tuple[int, str], list] = {}  # (position, org_id) -> [amount, currency]
        for column, said in self.funder_columns.items():
            header = str(self.header[column]).strip()
            org_id = self.context.organisations.match(self.funder_of.get(column, said.name)).org_id
            rows = [self.at + 1 + i for i in self.kept]
            formats, percents = self.marks.currencies, self.marks.percents
            keys = _Distinct(
                list(
                    zip(
                        [self.by_column[column][i] for i in self.kept],
                        [formats.get((r, column)) for r in rows] if formats else [None] * n,
                        [(r, column) in percents for r in rows] if percents else [False] * n,
                        strict=True,
                    )
                )
            )
            parsed = keys.parse(lambda key, said=said: self._contribution(key, said))
            for position in keys.positions(k for k, r in enumerate(parsed) if r is not None):
                kind, value, currency, message = parsed[keys.codes[position]]
                if kind == "share":
                    budget = budgets[position]
                    if budget is None:
                        message = (
                            f"{_shown_cell(value)}% is a share of the budget, which is not known, so "
                            f"{said.name}'s contribution is not recorded."
                        )
                        value = None
                    else:
                        value = (budget * value / 100).quantize(CENT, ROUND_HALF_UP)
                    currency = currencies[position]
                elif value is not None:
                    currency = currency or currencies[position] or self.reader.currency
                    if currency is None:
                        message = (
                            f"{said.name}'s contribution {value:,.2f} names no currency, and neither does "
                            "its column or row. Choose the sheet's currency when importing (or add a "
                            f"Currency column); {said.name} is kept as a funder with its contribution not "
                            "known."
                        )
                        value = None
                if message:
                    self.reader.problem(message, self.sheet, self.numbers[position], header, WARNING)
                key = (position, org_id)
                if key not in found:
                    found[key] = [value, currency if value is not None else None]
                    continue
                if said.total:
                    earlier = found[key]
                    if earlier[0] is not None and value is not None and earlier != [value, currency]:
                        self.reader.problem(
                            f"{said.name}'s contribution is {value:,.2f} {currency} here, but its other "
                            f"columns add up to {earlier[0]:,.2f} {earlier[1]}; {value:,.2f} {currency} is "
                            "recorded. Correct the one that is wrong.",
                            self.sheet,
                            self.numbers[position],
                            header,
                            WARNING,
                        )
                    if value is not None or message is None:
                        found[key] = [value, currency if value is not None else None]
                    continue
                # Two columns of one funder ('IBRD Commitment' and 'IDA Commitment', both the World Bank).
                earlier = found[key]
                if earlier[0] is None or value is None:
                    found[key] = [None, None]
                elif earlier[1] == currency:
                    earlier[0] += value
                else:
                    self.reader.problem(
                        f"{said.name}'s contribution is in {currency} here and in {earlier[1]} in another "
                        "column; only the first is recorded. Write both in one currency.",
                        self.sheet,
                        self.numbers[position],
                        header,
                        WARNING,
                    )
        kept_parts = []
        for part in parts:
            named = zip(
                part["position"].tolist(), part["org_id"].tolist(), part["role"].tolist(), strict=True
            )
            drop = np.fromiter(
                ((p, o) in found and r == "funding" for p, o, r in named), bool, len(part["position"])
            )
            kept_parts.append({k: v[~drop] for k, v in part.items()} if drop.any() else part)
        entries = sorted(found.items())
        kept_parts.append(
            {
                "position": np.fromiter((p for (p, _), _ in entries), np.intp, len(entries)),
                "org_id": _objects((o for (_, o), _ in entries), len(entries)),
                "role": _objects(itertools.repeat("funding", len(entries)), len(entries)),
                "amount": _objects((a for _, (a, _) in entries), len(entries)),
                "currency": _objects((c for _, (_, c) in entries), len(entries)),
            }
        )
        return kept_parts

    def _contribution(self, key: tuple, said: Contribution) -> tuple | None:
        """One funder column's cell: ("amount" or "share", the number, its currency, a message), or
        None where the funder gives nothing (a blank cell, or 0)."""
        cell, formatted, percent = key
        if values.is_blank(cell):
            return None
        number = isinstance(cell, int | float) and not isinstance(cell, bool)
        written = cell.strip() if isinstance(cell, str) else ""
        if percent and number:  # typed as 20% in Excel, which keeps 0.2
            share = Decimal(repr(cell)) * 100
        elif written.endswith("%"):
            amount = values.parse_amount(written[:-1])
            share = amount.value if amount.value is not None and not amount.currency else None
        elif said.shares and number and 0 <= cell <= 100:
            share = Decimal(repr(cell))
        else:
            share = False
        if share is not False:
            if share is None or not 0 <= share <= 100:
                message = f"{values.quote(written or _shown_cell(cell))} is not a share between 0 and 100"
                return (
                    "share",
                    None,
                    None,
                    f"{message}; {said.name} is kept as a funder with its contribution not known.",
                )
            return None if share == 0 else ("share", share, None, None)
        amount = self.reader.parse_amount(cell, formatted or said.currency, said.scale)
        if amount.problem and not amount.estimated:
            return (
                "amount",
                None,
                None,
                f"{amount.problem.removesuffix(' ' + values.NOT_KNOWN)} {said.name} is kept as a funder with "
                "its contribution not known.",
            )
        if amount.value == 0:
            return None  # gives nothing: not a funder of this project
        if amount.value < 0:
            return (
                "amount",
                None,
                None,
                f"{said.name}'s contribution {amount.value:,} is negative; write 0 or more. {said.name} is "
                "kept as a funder with its contribution not known.",
            )
        return "amount", amount.value, amount.currency, amount.problem  # an estimate says so

    def _merged_rows(self, merged: tuple, at: int, kept: list[int]) -> tuple[set[int], dict[int, int]]:
        """Rows that are section headings (one cell merged across the row), and rows whose title
        cell is merged down from the row above (one project written over several rows, say one
        donor per row): data index -> the data index of the project's first row."""
        headings: set[int] = set()
        continues: dict[int, int] = {}
        title = self.by_field.get("title") or self.by_field.get("project_id")
        mapped = [h.column for h in self.by_field.values()]
        for (r1, c1), (r2, c2) in merged:
            first = r1 - at - 1
            if first < 0:
                continue
            if r1 == r2 and c2 > c1 and c1 <= min(mapped) and sum(c1 <= c <= c2 for c in mapped) > 1:
                headings.add(first)
            elif title and c1 <= title.column <= c2 and r2 > r1:
                for r in range(r1 + 1, r2 + 1):
                    if r - at - 1 in continues:
                        break  # merged cells never overlap: a file whose do has each row walked once
                    continues[r - at - 1] = first
        kept_set = set(kept)
        return headings & kept_set, {i: t for i, t in continues.items() if i in kept_set and t in kept_set}

    def _footnote(self, row: list) -> bool:
        """A row holding only a remark in its first filled cell: '* Amounts are ...', 'Source: ...'."""
        first = next((c for c in row if c), None)
        if not isinstance(first, str) or not _FOOTNOTE.match(first):
            return False
        return sum(not values.is_blank(c) for c in row) == 1

    def _footnotes(self, candidates: list[int]) -> set[int]:
        """The footnote rows among `candidates`. A row whose first cell is filled is one only when
        that cell reads like a remark, which is decided once per distinct first cell."""
        if not candidates or not self.header:
            return {i for i in candidates if self._footnote(self.data[i])}
        # Every first cell filled, and none with a remark: among the rows screened (the candidates,
        # and any headings) as told apart once for the whole check, else among the candidates.
        screened = self._screened_column(0)
        if all(screened.values) and not screened.any_starting_with(_FOOTNOTE):
            return set()
        column = self.by_column[0]
        cells = [column[i] for i in candidates]
        if all(cells) and not _any_starting_with(cells, _FOOTNOTE):
            return set()
        first = _Distinct(cells)
        # A filled first cell that is no remark settles it; the rest are looked at whole.
        remarks = _starting_with(first.values, _FOOTNOTE)
        settled = [bool(c) and not remark for c, remark in zip(first.values, remarks, strict=True)]
        open_codes = [code for code, done in enumerate(settled) if not done]
        return {
            candidates[p] for p in first.positions(open_codes) if self._footnote(self.data[candidates[p]])
        }

    def _total_rows(self, kept: list[int]) -> set[int]:
        columns = {h.column for f, h in self.by_field.items() if f in ("title", "project_id")} | {0}
        found = set()
        for c in columns:
            if not self._screened_column(c).any_starting_with(_TOTAL_ROW):
                continue
            column = self.by_column[c]
            texts = [column[i] for i in kept]
            cells = _Distinct(texts)
            is_total = _starting_with(cells.values, _TOTAL_ROW)
            found |= {kept[p] for p in cells.positions(k for k, total in enumerate(is_total) if total)}
        # A total without a label: a row of bare numbers (sums under the amount columns) and no
        # title or ID. Looked at only where the title or ID cell is blank.
        named = [self.by_field[f].column for f in ("title", "project_id") if f in self.by_field]
        cells = self._screened_column(named[0]) if named else None
        if cells is not None and not all(cells.values):
            blank = cells.positions(k for k, v in enumerate(cells.values) if values.is_blank(v))
            for i in (self._screened[p] for p in blank):
                row = self.data[i]
                filled = [c for c in row if not values.is_blank(c)]
                if all(values.is_blank(row[c]) for c in named) and all(
                    isinstance(c, int | float) and not isinstance(c, bool) for c in filled
                ):
                    found.add(i)
        return found

    def cells(self, field: str) -> list:
        column = self.by_column[self.by_field[field].column]
        if len(self.kept) == len(self.data):
            return list(column)
        return [column[i] for i in self.kept]

    def _screened_column(self, c: int) -> _Distinct:
        """Column `c` on the rows screened for totals, headings and notes, told apart once."""
        if c not in self._screened_values:
            column = self.by_column[c]
            cells = column if len(self._screened) == len(column) else [column[i] for i in self._screened]
            self._screened_values[c] = _Distinct(cells)
        return self._screened_values[c]

    def distinct(self, field: str) -> _Distinct:
        if len(self.kept) == len(self._screened):  # nothing was skipped as a total, heading or note
            return self._screened_column(self.by_field[field].column)
        return _Distinct(self.cells(field))

    def texts(self, field: str) -> list[str | None]:
        """A text column's cells, without invisible control and direction characters (reported)."""
        cells = self.distinct(field)
        texts = cells.texts
        if texts and not values.any_invisible([cells.text]):  # the texts, joined once
            if len(texts) == len(cells.values):
                # Only text, and nothing to remove or report: spaces trimmed, blanks as None.
                return cells.rows([c.strip() or None for c in cells.values])
            # Nothing to remove: text cells need only their spaces trimmed.
            found = [
                (c.strip() or None, None) if isinstance(c, str) else _clean_text_cell(c) for c in cells.values
            ]
        else:
            found = cells.parse(_clean_text_cell)
        self.flag_distinct(field, cells, [[r[1]] if r[1] else [] for r in found])
        return cells.rows([r[0] for r in found])

    def flag(self, field: str, position: int, message: str, severity: str = WARNING) -> None:
        self.reader.problem(message, self.sheet, self.numbers[position], self.by_field[field].text, severity)
        if severity == ERROR:
            self.errors.setdefault(position, []).append(f"{self.by_field[field].text}: {message}")

    def flag_distinct(self, field: str, cells: _Distinct, messages: list) -> None:
        """Warn on every row holding a distinct value with messages (one list per value)."""
        for position in cells.positions(k for k, found in enumerate(messages) if found):
            for message in messages[cells.codes[position]]:
                self.flag(field, position, message)

    def read(self, seen_ids: dict, seen_titles: dict, last: bool = False):
        n = len(self.kept)
        has = self.by_field.__contains__
        columns: dict[str, list] = {}
        titles = self.texts("title") if has("title") else [None] * n
        given = self.texts("project_id") if has("project_id") else [None] * n
        title_field = "title" if has("title") else "project_id"
        # A row merged down from one that was skipped (a total, heading or note) continues nothing.
        continuation = {}
        if self.continues:
            where = {i: p for p, i in enumerate(self.kept)}
            continuation = {
                p: where[self.continues[i]] for p, i in enumerate(self.kept) if self.continues.get(i) in where
            }
        # all() settles the usual sheet, with no blank titles or ids, in a fourth of the time a look
        # at each row takes.
        if not all(titles):
            # The row with a title just above rows without one (none skipped between), and the last of them.
            above = reach = None
            # A row with dates or countries of its own is a project of its own, its title forgotten.
            own = [self.cells(f) for f in ("start_date", "end_date", "countries") if has(f)]
            for position, title in enumerate(titles):
                if title or position in continuation:
                    above, reach = (position, position) if title else (above, position)
                    continue
                message = "This row has no title. Every project needs a title."
                follows = reach == position - 1 and self.numbers[position] == self.numbers[position - 1] + 1
                of_its_own = any(not values.is_blank(cells[position]) for cells in own)
                if follows and above is not None and not given[position] and not of_its_own:
                    reach = position
                    # One donor per row below the project's, the merge of its title lost in a copy.
                    part = f" If it is part of {values.quote(titles[above])} on row {self.numbers[above]}, "
                    # A csv cannot merge cells: its donors go in one cell of the project's row.
                    if self.reader.book.format == "csv":
                        donors = self.by_field.get("funders")
                        cell = f"that row's '{donors.text}' cell" if donors else "one cell of that row"
                        message += (
                            f"{part}put its donor in {cell} with the others ('EU: EUR 400,000; Sweden: EUR "
                            "150,000'), with the project's total as its budget, and delete this row."
                        )
                    else:
                        message += part + "merge that title cell down over this row."
                self.flag(title_field, position, message, ERROR)
        ids = list(given)
        made_up = functools.cache(made_up_id)
        if not all(given):
            for position in [p for p, g in enumerate(given) if not g]:
                ids[position] = made_up(titles[position] or "")
        self._duplicates(ids, given, titles, seen_ids, seen_titles, last)
        columns["project_id"] = ids
        columns["id_given"] = [g is not None for g in given]
        columns["title"] = [t or "" for t in titles]
        columns["sheet"] = [self.sheet] * n
        columns["row"] = self.numbers
        for f in ("description", "programme", "url"):
            if has(f):
                columns[f] = self.texts(f)
        if has("status"):
            statuses = self.distinct("status")
            found = statuses.parse(_status)
            self.flag_distinct("status", statuses, [r[1:] for r in found])
            columns["status"] = statuses.rows([r[0] for r in found])
        if has("visibility"):
            seen = self.distinct("visibility")
            found = seen.parse(_visibility)
            self.flag_distinct("visibility", seen, [r[1:] for r in found])
            columns["visibility"] = seen.rows([r[0] for r in found])
        # Day or month first: what a header says ("Start (dd/mm/yyyy)"), else what every date
        # column of the sheet shows together (an end of 31/05/2024 settles a start of 03/04/2019).
        date_fields = [f for f in ("start_date", "end_date") if has(f)]
        date_cells = {f: self.distinct(f) for f in date_fields}
        sheet_order = values.infer_date_order(
            {c for cells in date_cells.values() for c in cells.values if isinstance(c, str)}
        )
        for f, cells in date_cells.items():
            order = date_order_hint(self.by_field[f].text) or sheet_order
            dates = cells.parse(lambda c, f=f, order=order: values.parse_date(c, order, f == "end_date"))
            self.flag_distinct(f, cells, [[d.problem] if d.problem else [] for d in dates])
            columns[f] = cells.rows([d.value for d in dates])
        if has("period"):
            cells = self.distinct("period")
            order = date_order_hint(self.by_field["period"].text)
            found = cells.parse(lambda c: values.parse_period(c, order))
            self.flag_distinct("period", cells, [[r[2]] if r[2] else [] for r in found])
            columns["start_date"] = cells.rows([r[0] for r in found])
            columns["end_date"] = cells.rows([r[1] for r in found])
        if "start_date" in columns and "end_date" in columns:
            starts, ends = columns["start_date"], columns["end_date"]
            for position in [
                p for p, (a, b) in enumerate(zip(starts, ends, strict=True)) if a and b and b < a
            ]:
                self.flag(
                    "end_date" if has("end_date") else "period",
                    position,
                    f"The end date {ends[position]:%d %b %Y} is before the start date "
                    f"{starts[position]:%d %b %Y}. Correct one of them.",
                    ERROR,
                )
        currencies = [None] * n
        if has("currency"):
            cells = self.distinct("currency")
            found = cells.parse(self._currency)
            self.flag_distinct("currency", cells, [r[1:] for r in found])
            currencies = cells.rows([r[0] for r in found])
        if has("budget"):
            self._budget(columns, currencies)
        elif has("currency") and not self.year_columns:
            columns["currency"] = [c or self.reader.currency for c in currencies]
        # Each project table as columns, one part per column of the sheet; "position" is the
        # row's place among the kept rows until the project ids are known for good.
        children: dict[str, list[dict[str, np.ndarray]]] = {t: [] for t in CHILD_FRAME_COLUMNS}
        if self.year_columns:
            children["budgets"].append(self._years(columns, currencies))
        if has("funder_shares"):
            self._funder_shares()
        for f, role in ROLE_FIELDS.items():
            if has(f):
                children["project_orgs"].append(self._organisations(f, role, columns))
        if self.funder_columns:
            children["project_orgs"] = self._contributions(children["project_orgs"], columns)
        if self.not_donors:
            self._unrecorded_donors()
        if not has("countries") and (code := self.sheet_country):
            # One sheet per country, none with a country column: the sheet's name is where they are.
            children["project_countries"].append(
                {
                    "position": np.arange(n, dtype=np.intp),
                    "country": _objects(itertools.repeat(code, n), n),
                    "share": _objects(itertools.repeat(None, n), n),
                }
            )
            name = self.context.countries.name_of(code) or code
            self.reader.problem(
                f"This sheet has no country column; its name is taken as the country of its projects: {name} "
                f"({code}). If they are elsewhere, add a Country column.",
                self.sheet,
                severity=NOTE,
            )
        # Rows whose list cell names nothing aidtrack knows ('Westeros', AidData's sector names):
        # a project already stored keeps its list rather than losing it to an unread cell.
        unread: dict[int, set] = {}
        if has("countries"):
            cells = self.distinct("countries")
            places = cells.parse(self._places)
            self.flag_distinct("countries", cells, [r[1] for r in places])
            children["project_countries"].append(
                _spread(cells.code_array, [r[0] for r in places], ("country", "share"))
            )
            self._unread("countries", cells, places, Slice("project_countries"), unread)
        if has("sectors"):
            cells = self.distinct("sectors")
            sectors = cells.parse(self._sectors)
            self.flag_distinct("sectors", cells, [r[1] for r in sectors])
            children["project_sectors"].append(
                _spread(cells.code_array, [r[0] for r in sectors], ("sector", "share"))
            )
            self._unread("sectors", cells, sectors, Slice("project_sectors"), unread)
        if unread:
            columns["not_given"] = [frozenset(unread[p]) if p in unread else None for p in range(n)]
        if has("aims"):
            cells = self.distinct("aims")
            found = cells.parse(_aims)
            self.flag_distinct("aims", cells, [[changed] if changed else [] for _, changed in found])
            aims = [tuple(enumerate(each, 1)) for each, _ in found]
            children["project_aims"].append(_spread(cells.code_array, aims, ("seq", "aim")))
        if continuation:
            rows = {t: _child_rows(parts, t) for t, parts in children.items()}
            self._fold(continuation, columns, rows)
            children = {t: [_child_columns(found, t)] for t, found in rows.items()}
        return self._without_rejected(columns, children)

    def _fold(self, continuation: dict[int, int], columns: dict, children: dict) -> None:
        """Rows that continue a project (its title merged over them) become part of it: their
        organisations, places and sectors join it, and their amounts add to its budget. When
        each row names one funder and an amount, that amount is the funder's contribution."""
        groups: dict[int, list[int]] = {}
        for p, t in continuation.items():
            groups.setdefault(t, [t]).append(p)
        budgets, currencies = columns.get("budget"), columns.get("currency")
        funders = {}
        for pos, _org, role, *_ in children["project_orgs"]:
            if role == "funding":
                funders[pos] = funders.get(pos, 0) + 1
        contributions = {}
        for t, rows in groups.items():
            if budgets and all(funders.get(p) == 1 and budgets[p] is not None for p in rows):
                contributions.update({p: (budgets[p], currencies[p]) for p in rows})
            if budgets:
                amounts = [budgets[p] for p in rows if budgets[p] is not None]
                same_currency = len({currencies[p] for p in rows if budgets[p] is not None}) <= 1
                if amounts and same_currency:
                    budgets[t] = sum(amounts)
                    currencies[t] = next(currencies[p] for p in rows if budgets[p] is not None)
        orgs = []
        for pos, org, role, amount, currency in children["project_orgs"]:
            if role == "funding" and pos in contributions:
                amount, currency = contributions[pos]
            orgs.append((continuation.get(pos, pos), org, role, amount, currency))
        children["project_orgs"] = orgs
        for table in ("project_countries", "project_sectors", "project_aims"):
            seen, rows = set(), []
            for pos, *rest in children[table]:
                key = (continuation.get(pos, pos), rest[0])
                if key not in seen:
                    seen.add(key)
                    rows.append((continuation.get(pos, pos), *rest))
            children[table] = rows
        # A year's amounts on the project's rows add up to that year's budget, as their totals do.
        periods: dict[tuple, list] = {}
        for pos, start, end, kind, amount, currency, value_date in children["budgets"]:
            key = (continuation.get(pos, pos), start, end, kind)
            if key not in periods:
                periods[key] = [amount, currency, value_date]
            elif periods[key][1] == currency:
                periods[key][0] += amount
            else:  # in two currencies: not one amount
                periods[key][0] = None
        children["budgets"] = [(*key, *rest) for key, rest in periods.items() if rest[0] is not None]
        for p, t in continuation.items():
            self.reader.problem(
                f"Continues the project on row {self.numbers[t]} (its title cell is merged over this row).",
                self.sheet,
                self.numbers[p],
                severity=NOTE,
            )
        self.folded = set(continuation)

    def _budget(self, columns: dict, currencies: list) -> None:
        header_currency = self.by_field["budget"].currency
        fallback = self.reader.currency
        parse = self.reader.parse_amount
        # A number formatted as "€ #,##0" says its currency as plainly as "EUR 1,000" would.
        column = self.by_field["budget"].column
        formats = self.marks.currencies
        shown = [None] * len(self.kept)
        if formats:
            shown = [formats.get((self.at + 1 + i, column)) for i in self.kept]
        cells, header_currencies = self.cells("budget"), [header_currency] * len(self.kept)
        scales = [self.by_field["budget"].scale] * len(self.kept)
        for other in self.other_budgets:
            for position, i in enumerate(self.kept):
                cell = self.by_column[other.column][i]
                if values.is_blank(cell):
                    continue
                if values.is_blank(cells[position]):
                    cells[position], header_currencies[position], shown[position] = cell, other.currency, None
                    scales[position] = other.scale
                else:
                    self.reader.problem(
                        f"Both '{self.by_field['budget'].text}' and '{other.text}' are filled; the budget is "
                        f"the one in '{self.by_field['budget'].text}'. Leave one of them blank.",
                        self.sheet,
                        self.numbers[position],
                        other.text,
                        WARNING,
                    )
        # Each distinct cell, cell format, row currency and header currency is parsed and checked once.
        keys = _Distinct(list(zip(cells, shown, currencies, header_currencies, scales, strict=True)))
        found = []
        for cell, formatted, row_currency, header_currency, scale in keys.values:
            amount = parse(cell, formatted or row_currency or header_currency or fallback, scale)
            budget, messages = amount.value, []
            if amount.problem:
                messages.append(amount.problem)
            if budget is not None and row_currency and amount.currency != row_currency:
                # The cell names one currency and the row's currency column another: storing the
                # number in either would be a guess, and a wrong one changes the money.
                label = self.by_field["currency"].text
                messages.append(
                    f"{values.quote(_shown_cell(cell))} is in {amount.currency}, but this row's '{label}' is "
                    f"{row_currency}. Write the amount in {row_currency}, or change '{label}' to "
                    f"{amount.currency}. {values.NOT_KNOWN}"
                )
                budget = None
            if budget is not None and budget < 0:
                messages.append(
                    f"The budget {budget:,} is negative; a budget is 0 or more. Stored as not known."
                )
                budget = None
            if budget is not None and not amount.currency:
                messages.append(
                    (
                        f"The budget {budget:,.2f} names no currency and this row's "
                        f"'{self.by_field['currency'].text}' cell is blank. Fill it in"
                        if "currency" in self.by_field
                        else f"The budget {budget:,.2f} names no currency and the sheet has no currency "
                        "column. Choose the sheet's currency when importing (or add a Currency column)"
                    )
                    + "; stored as not known.",
                )
                budget = None
            found.append((budget, messages, row_currency or amount.currency or header_currency or fallback))
        self.flag_distinct("budget", keys, [r[1] for r in found])
        columns["budget"] = keys.rows([r[0] for r in found])
        columns["currency"] = keys.rows([r[2] for r in found])

    def _years(self, columns: dict, currencies: list) -> dict[str, np.ndarray]:
        """Each year column's amount as that year's original budget (1 Jan - 31 Dec, in the amount's
        currency), as rows of the budgets table. Without a total column the budget is the years'
        sum, where every year filled is an amount in one currency, else not known, and said. With
        one, the total is the budget and a sum of the years that differs from it is said; a blank
        total is the years' sum."""
        total_header = self.by_field.get("budget")
        budgets = columns.get("budget") or [None] * len(self.kept)
        budget_currencies = columns.get("currency") or [None] * len(self.kept)
        formats = self.marks.currencies
        periods: list[tuple] = []
        found_budgets, found_currencies = [], []
        years = [(h, int(_YEAR.search(h.text)[0])) for h in self.year_columns]
        spans = {year: (date(year, 1, 1), date(year, 12, 31)) for _, year in years}
        for position, i in enumerate(self.kept):
            total, currency, wrong, added = None, None, False, []
            for h, year in years:
                cell = self.by_column[h.column][i]
                formatted = formats.get((self.at + 1 + i, h.column)) if formats else None
                amount = self.reader.parse_amount(
                    cell,
                    formatted
                    or currencies[position]
                    or budget_currencies[position]
                    or h.currency
                    or self.reader.currency,
                    h.scale,
                )
                if amount.blank:
                    continue
                problem = None if amount.estimated else amount.problem
                if amount.estimated:  # kept as the year's budget, and said
                    self.reader.problem(amount.problem, self.sheet, self.numbers[position], h.text, WARNING)
                if not problem and amount.value < 0:
                    problem = f"{amount.value:,} is negative; a budget is 0 or more."
                if not problem and not amount.currency:
                    problem = (
                        f"{amount.value:,.2f} names no currency. Add a Currency column, or choose the "
                        "sheet's currency when importing."
                    )
                if problem:
                    then = (
                        f"the total budget is the one in '{total_header.text}'."
                        if total_header
                        # The money views count a project's budget periods where its total is blank.
                        else f"the total budget is left blank: until {year} is filled in, the project's "
                        "budget counts only the other years."
                    )
                    self.reader.problem(
                        f"{problem.removesuffix(' ' + values.NOT_KNOWN)} No {year} budget is stored, and "
                        + then,
                        self.sheet,
                        self.numbers[position],
                        h.text,
                        WARNING,
                    )
                    wrong = True
                    continue
                periods.append((position, *spans[year], "original", amount.value, amount.currency))
                if currency and amount.currency != currency:
                    if not total_header:
                        self.reader.problem(
                            f"{amount.value:,.2f} is in {amount.currency}, the other years in {currency}; "
                            f"the {year} budget is kept in {amount.currency}, and the total budget (the sum "
                            "of the years) is stored as not known.",
                            self.sheet,
                            self.numbers[position],
                            h.text,
                            WARNING,
                        )
                    wrong = True
                    continue
                total = (total or 0) + amount.value
                currency = amount.currency
                added.append(h.text)
            budget = budgets[position]
            if not total_header:
                found_budgets.append(None if wrong else total)
                found_currencies.append(currencies[position] or currency or self.reader.currency)
            elif budget is None and total is not None and not wrong and self._total_blank(i):
                found_budgets.append(total)
                found_currencies.append(budget_currencies[position] or currency)
            else:
                found_budgets.append(budget)
                found_currencies.append(budget_currencies[position])
                row_currency = budget_currencies[position]
                known = budget is not None and total is not None and not wrong
                if known and currency == row_currency and total != budget:
                    named = ", ".join(f"'{t}'" for t in added)
                    self.reader.problem(
                        f"The total budget in '{total_header.text}' is {budget:,.2f} {row_currency}, but "
                        f"the years ({named}) add up to {total:,.2f} {currency}. The total budget is "
                        f"stored as {budget:,.2f} and each year as its budget period; correct the one "
                        "that is wrong.",
                        self.sheet,
                        self.numbers[position],
                        total_header.text,
                        WARNING,
                    )
        columns["budget"], columns["currency"] = found_budgets, found_currencies
        n = len(periods)
        names = ("position", "period_start", "period_end", "type", "amount", "currency")
        columns_of = list(zip(*periods, strict=True)) or [()] * len(names)  # no year filled on any row
        found = {name: _objects(column, n) for name, column in zip(names, columns_of, strict=True)}
        found["position"] = found["position"].astype(np.intp)
        found["value_date"] = _objects(itertools.repeat(None, n), n)
        return found

    def _total_blank(self, i: int) -> bool:
        """Whether row `i` leaves every budget column blank."""
        return all(
            values.is_blank(self.by_column[h.column][i])
            for h in (self.by_field["budget"], *self.other_budgets)
        )

    def _funder_shares(self) -> None:
        """A shares column beside the funders ('EU; Austria' | '80%; 20%'): each share joins its
        funder in the funders' cells, as though written 'EU (80%); Austria (20%)'."""
        column = self.by_field["funders"].column
        shares = self.by_field["funder_shares"].column
        percents = self.marks.percents
        keys = _Distinct(
            [
                (
                    self.by_column[column][i],
                    self.by_column[shares][i],
                    bool(percents) and (self.at + 1 + i, shares) in percents,
                )
                for i in self.kept
            ]
        )
        joined = keys.parse(self._with_shares)
        self.flag_distinct("funder_shares", keys, [[message] if message else [] for _, message in joined])
        cells = list(self.by_column[column])
        for position, i in enumerate(self.kept):
            cells[i] = joined[keys.codes[position]][0]
        self.by_column[column] = cells
        self._screened_values.pop(column, None)

    def _with_shares(self, key: tuple) -> tuple:
        """A funders' cell with the shares written beside it joined to their names, and what is wrong."""
        cell, written, percent = key
        if values.is_blank(cell) or values.is_blank(written):
            return cell, None
        known = self.context.organisation_known
        names = [name for piece in _pieces(cell) for name in values.split_cell(piece, known=known)]
        found = _shares(written, percent)
        funders = self.by_field["funders"].text
        shown = values.quote(_shown_cell(written))
        if found is None:
            return cell, (
                f"{shown} is not a share of the budget; write a percentage per funder, such as '80%; 20%', "
                f"in the order of '{funders}'. The funders are kept without shares."
            )
        if len(found) != len(names):
            return cell, (
                f"{shown} gives {len(found)} share{'s' if len(found) > 1 else ''} for {len(names)} funders "
                f"({', '.join(names)}); which is whose is not clear, so the funders are kept without shares. "
                f"Write one share per funder, in the order of '{funders}'."
            )
        if any(self.context.share(name)[1] is not None for name in names):
            return cell, (
                f"'{funders}' gives shares of its own, so {shown} is not used; write each share once."
            )
        return "; ".join(f"{name} ({share:f}%)" for name, share in zip(names, found, strict=True)), None

    def _organisations(self, f: str, role: str, columns: dict) -> dict[str, np.ndarray]:
        cells = self.distinct(f)
        parsed = cells.parse(self._org_cell)
        codes = cells.codes
        rows = _spread(cells.code_array, [entries for entries, _, _ in parsed], ("org_id",))
        total = len(rows["position"])
        rows["role"] = _objects(itertools.repeat(role, total), total)
        # Each organisation's contribution, where the cell or the budget gives one.
        amounts: list = [None] * total
        amount_currencies: list = [None] * total
        # Where each row's organisations start among the table's rows.
        counts = np.fromiter((len(entries) for entries, _, _ in parsed), dtype=np.intp, count=len(parsed))
        held = counts[cells.code_array]
        starts = (np.cumsum(held) - held).tolist()
        budgets = columns.get("budget") or [None] * len(codes)
        currencies = columns.get("currency") or [None] * len(codes)
        noisy = {k for k, (_, messages, _) in enumerate(parsed) if messages}
        by_shares = {k for k, (_, _, mode) in enumerate(parsed) if mode == "shares"}
        # The rows to warn on: a cell with something to say, or shares and no budget to share.
        unshared = [p for p, b in enumerate(budgets) if b is None and codes[p] in by_shares]
        for position in sorted({*cells.positions(noisy), *unshared}):
            k = codes[position]
            for message in parsed[k][1]:
                self.flag(f, position, message)
            if k in by_shares and budgets[position] is None:
                self.flag(
                    f,
                    position,
                    "Shares are given but the budget is not known, so contributions are not recorded.",
                )
        # One funder with all of the budget (100%, or up to a point over by rounding) contributes
        # the budget itself: on most sheets, most rows.
        whole = {k for k in by_shares if len(parsed[k][0]) == 1 and parsed[k][0][0][1] >= 100}
        for position in cells.positions(whole):
            budget = budgets[position]
            if budget is not None:
                amounts[starts[position]] = budget
                amount_currencies[starts[position]] = currencies[position]
        # Amounts written with the names ("EU: EUR 800,000") are the contributions.
        for position in cells.positions(k for k, (_, _, mode) in enumerate(parsed) if mode == "amounts"):
            currency = currencies[position]
            for at, (_, _, amount, amount_currency, *_) in enumerate(
                parsed[codes[position]][0], starts[position]
            ):
                amounts[at] = amount
                amount_currencies[at] = (amount_currency or currency) if amount is not None else None
        # Other shares split the budget: each cell's shares, and what they add up to, found once.
        shares = {k: [e[1] for e in parsed[k][0]] for k in by_shares - whole}
        totals = {k: sum(found) for k, found in shares.items()}
        for position in cells.positions(k for k, total in totals.items() if total > 0):
            budget = budgets[position]
            if budget is None:
                continue
            k = codes[position]
            parts = _split_shares(budget, shares[k], totals[k])
            start, end = starts[position], starts[position] + len(parts)
            amounts[start:end] = parts
            amount_currencies[start:end] = [currencies[position]] * len(parts)
        rows["amount"] = _objects(amounts, total)
        rows["currency"] = _objects(amount_currencies, total)
        return rows

    def _place(self, where: tuple[str, int]) -> str:
        sheet, number = where
        return f"row {number}" if sheet == self.sheet else f"row {number} of sheet '{sheet}'"

    def _duplicates(self, ids, given, titles, seen_ids: dict, seen_titles: dict, last: bool) -> None:
        unique = set(given) if all(given) else ()
        if len(unique) == len(given) and seen_ids.keys().isdisjoint(unique):
            # Every row has an id of its own, seen nowhere before: nothing to report. Where the ids
            # are is for the sheets after this one to look up, if any.
            if not last:
                seen_ids.update(zip(given, zip(itertools.repeat(self.sheet), self.numbers), strict=True))
            return
        for position, (pid, g, title) in enumerate(zip(ids, given, titles, strict=True)):
            number = self.numbers[position]
            if g:
                if g in seen_ids:
                    self.flag(
                        "project_id",
                        position,
                        f"Project ID {g} is also on {self._place(seen_ids[g])}; only the first row "
                        "with an ID is imported."
                        + (
                            # One sheet per year or quarter: the later sheet is often the newer one.
                            " If this row is the up-to-date one, delete the other row and import again."
                            if seen_ids[g][0] != self.sheet
                            else ""
                        ),
                        ERROR,
                    )
                else:
                    seen_ids[g] = (self.sheet, number)
            elif title:
                if pid in seen_titles:
                    self.flag(
                        "title",
                        position,
                        f"Same title as {self._place(seen_titles[pid])}; only the first is imported. "
                        "Give the rows different titles or a Project ID column.",
                        ERROR,
                    )
                else:
                    seen_titles[pid] = (self.sheet, number)

    def _currency(self, cell) -> tuple:
        text = _text_cell(cell)
        if not text:
            return (None,)
        code = self.context.currency(text)
        if code:
            return (code,)
        return (
            None,
            f"'{_clip(text)}' is not a currency code; write an ISO 4217 code such as EUR, USD or CHF.",
        )

    def _org_cell(self, cell) -> tuple[tuple, list[str], str | None]:
        """The organisations in a cell, what is wrong with it, and how contributions are given:
        "amounts" written with the names, "shares" for every name, or None."""
        entries = []
        messages = []
        org_ids = set()
        shares = []  # those given
        mode = None
        for piece in _pieces(cell):
            for entry in self.context.organisation_pieces(piece):
                if entry[0] not in org_ids:
                    org_ids.add(entry[0])
                    entries.append(entry)
                    if entry[1] is not None:
                        shares.append(entry[1])
                    if entry[2] is not None:
                        mode = "amounts"
                if entry[4]:
                    messages.append(entry[4])
        if shares:

            def written() -> str:  # the shares as written, for a message: most cells need none
                return ", ".join(f"{e[5]} {'?' if e[1] is None else f'{e[1]}%'}" for e in entries)

            total = sum(shares)
            if len(shares) < len(entries):
                messages.append(
                    f"Shares are given for some organisations only ({written()}); contributions are not "
                    "recorded."
                )
            elif total > SHARES_LIMIT:
                messages.append(
                    f"The shares ({written()}) add up to {total}%, more than 100%, so contributions are not "
                    "recorded. Correct the shares so that they add up to 100% at most."
                )
            else:
                mode = mode or "shares"
                if total < 100:
                    messages.append(
                        f"The shares ({written()}) add up to {total}%; each funder's part is its share of "
                        f"the budget, and the other {100 - total}% is not attributed to a funder named here."
                    )
                elif total > 100:
                    messages.append(
                        f"The shares ({written()}) add up to {total}%, a little over 100% by rounding; each "
                        "is taken as its part of the total."
                    )
        return tuple(entries), messages, mode

    def _unread(self, field: str, cells: _Distinct, found: list[tuple], part: Slice, unread: dict) -> None:
        """Mark the rows whose cell holds something but names nothing known (only messages)."""
        nothing = [k for k, (entries, said) in enumerate(found) if not entries and said]
        positions = cells.positions(nothing)
        for position in positions:
            unread.setdefault(position, set()).add(part)
        if positions:
            one, many = {"project_countries": ("country or region", "countries")}.get(
                part.table, ("sector", "sectors")
            )
            rows = "1 row names" if len(positions) == 1 else f"{len(positions):,} rows name"
            self.reader.problem(
                f"{rows} no {one} aidtrack knows in this column: a project already in aidtrack keeps the "
                f"{many} stored for it, a new one has none.",
                self.sheet,
                self.numbers[positions[0]],
                self.by_field[field].text,
                severity=NOTE,
            )

    def _places(self, cell) -> tuple[tuple, list[str]]:
        entries, messages, codes = [], [], set()
        for piece in _pieces(cell):
            found, said = self.context.place_pieces(piece)
            messages += said
            for code, share in found:
                if code not in codes:
                    codes.add(code)
                    entries.append((code, share))
        return tuple(entries), messages

    def _sectors(self, cell) -> tuple[tuple, list[str]]:
        entries, messages = [], []
        for piece in values.split_cell(cell):
            name, share = values.parse_share(piece)
            code, message = self.reader.sector(str(name))
            if message:
                messages.append(message)
            if code and all(c != code for c, _ in entries):
                entries.append((code, share))
        return tuple(entries), messages

    def _without_rejected(self, columns: dict, children: dict[str, list[dict[str, np.ndarray]]]):
        """The kept rows; children are keyed by row position until here, since a rejected
        duplicate shares its project id with the row that is kept."""
        rejected = set(self.errors)
        drop = rejected | getattr(self, "folded", set())
        ids = _objects(columns["project_id"], len(columns["project_id"]))
        dropped = np.zeros(len(ids), dtype=bool)
        dropped[sorted(drop)] = True
        tables = {}
        for t, parts in children.items():
            position = _joined([part["position"] for part in parts], np.intp)
            found = {n: _joined([part[n] for part in parts], object) for n in CHILD_FRAME_COLUMNS[t][1:]}
            if drop:
                keep = ~dropped[position]
                position = position[keep]
                found = {n: column[keep] for n, column in found.items()}
            tables[t] = {"project_id": ids[position]} | found
        for position in sorted(rejected):
            i = self.kept[position]
            self.reader.reject(
                self.sheet, self.header, self.numbers[position], self.data[i], self.errors[position]
            )
        if drop:
            keep = [p not in drop for p in range(len(self.kept))]
            columns = {c: list(itertools.compress(vs, keep)) for c, vs in columns.items()}
        return pd.DataFrame(columns, dtype=object), tables, len(rejected)


_HARD_SEPARATORS = re.compile(r"[;|\r\n]+")
_YEAR_COLUMN = re.compile(
    r"\s*(?:(?:budget|allocation|amount)\s+)?(?:19[5-9]\d|20\d\d)(?:\s+budget)?\s*", re.IGNORECASE
)
_YEAR = re.compile(r"19[5-9]\d|20\d\d")
# Under a group of donors' columns ('Contributions by donor (EUR)'), lower headers that are no donor:
# several donors together or none named; the donors' total; a kind of money, or a remark.
_NO_ONE_DONOR = re.compile(r"(?:all\s+)?others?\b.*|(?:the\s+)?rest|various|multiple", re.IGNORECASE)
_DONORS_TOTAL = re.compile(r"(?:grand\s+|sub-?\s*)?totals?\b.*|sum|sub-?totals?", re.IGNORECASE)
_NO_DONOR = re.compile(
    r"cash|in[-\s]?kind|kind|own(?:\s+(?:funds|resources))?|local|loans?|committed|disbursed|paid|received|"
    r"pledged|planned|actual|spent|balance|remaining|expected|confirmed|secured|pending|notes?|comments?|"
    r"remarks?|sources?",
    re.IGNORECASE,
)
_NOT_A_DONOR_USE = {
    "others": "not imported: no one funder (other donors together, or none named); its amounts are left out",
    "several": "not imported: several funders in one column; its amounts are left out",
    "total": "not imported: the donors' total",
    "other": "not imported",
}
_SEVERAL_NAMES = re.compile(r",|/|\s\+\s|\s&\s|\sand\s", re.IGNORECASE)
# Words that make a phrase an organisation's name of its own. "Ministry of Health and Family
# Welfare" is one name (such a word before 'and', none after); "Ministry of Finance, Rural
# Electrification Agency" and "Abt Associates, DAI" may be two.
_ORGANISATION_WORD = re.compile(
    r"\b(?:ministry|minist[eè]re|ministerio|agency|department|directorate|office|authority|commission|"
    r"council|bureau|secretariat|unit|institute|university|bank|fund|foundation|corporation|company|"
    r"government|municipality|organi[sz]ation|association|centre|center|committee|board|society|"
    r"trust|ngo|ltd|inc|gmbh)\b",
    re.IGNORECASE,
)


def _may_name_several(name: str) -> bool:
    """Whether a name kept whole may be several organisations: not when it begins as one
    ("Ministry of Health") and goes on naming what it does ("and Family Welfare")."""
    parts = _SEVERAL_NAMES.split(re.sub(r"\([^()]*\)", "", name))  # "(Ministère de l'Eau)" is its name again
    if len(parts) < 2:
        return False
    return not _ORGANISATION_WORD.search(parts[0]) or any(_ORGANISATION_WORD.search(p) for p in parts[1:])


_NAME_WITH_AMOUNT = re.compile(
    r"^(?P<name>[^:=()]+?)\s*(?:[:=]\s*(?P<after>[^%]*\d[^%]*)|\((?P<inside>[^%()]*\d[^%()]*)\))\s*$"
)


_SHARE_SEPARATORS = re.compile(r"\s*(?:[;|/\r\n]|,(?!\d)|\band\b|&)\s*", re.IGNORECASE)


def _shares(written, percent: bool) -> list[Decimal] | None:
    """The percentages a shares cell gives, in order: '80%; 20%', '0.6, 0.4', 1 or 0.8 (typed as
    100% or 80% in Excel, which keeps the fraction); None when one of them is no number."""
    if isinstance(written, int | float) and not isinstance(written, bool):
        share = Decimal(repr(written))
        return [(share * 100).normalize() if percent or 0 < share <= 1 else share.normalize()]
    pieces = [p for p in _SHARE_SEPARATORS.split(str(written)) if p.strip()]
    found, signed = [], False
    for piece in pieces:
        piece = piece.strip()
        signed |= piece.endswith("%")
        amount = values.parse_amount(piece.removesuffix("%").strip())
        if amount.value is None or amount.currency or amount.value < 0:
            return None
        found.append(amount.value)
    if not found:
        return None
    if not signed and all(share <= 1 for share in found):  # fractions of the budget: 0.6, 0.4
        found = [share * 100 for share in found]
    return [share.normalize() for share in found]


def _name_and_amount(text: str):
    """'EU: EUR 800,000' or 'Sweden (SEK 2m)' -> ('EU', the amount); else (text, None)."""
    m = _NAME_WITH_AMOUNT.match(text)
    if not m:
        return text, None
    amount = values.parse_amount(m["after"] or m["inside"])
    # "UNDP (2)" is a footnote mark, not money: an amount names a currency or is 1,000 or more.
    said = amount.problem and not amount.estimated  # "EU: approx. EUR 500,000" is the EU's estimate
    if amount.value is None or said or not (amount.currency or abs(amount.value) >= 1000):
        return text, None
    return m["name"].strip(), amount


def _pieces(cell) -> list:
    """A cell cut where names are always apart (';', '|', line breaks); other cells whole."""
    if isinstance(cell, str):
        if "|" in cell or "\n" in cell or "\r" in cell:
            return list(filter(str.strip, _HARD_SEPARATORS.split(cell)))
        # Only ';' can separate: str.split is twice as fast as the pattern on a column of names.
        return list(filter(str.strip, cell.split(";")))
    return [] if values.is_blank(cell) else [cell]


_QUALIFIER = re.compile(r"\s*[(\[][^()\[\]]*[)\]]")


def _status(cell) -> tuple:
    text = _text_cell(cell)
    if not text:
        return (None,)
    found = STATUS_WORDS.get(normalise(text))
    if found:
        return (found,)
    # A word in brackets qualifies the status: 'Ongoing (no-cost extension)' is ongoing.
    unqualified = _QUALIFIER.sub(" ", text)
    if unqualified != text and (found := STATUS_WORDS.get(normalise(unqualified))):
        return (found,)
    return (
        None,
        f"'{_clip(text)}' is not a status aidtrack knows; write one of pipeline, implementation, "
        "finalisation, "
        "closed, cancelled, suspended (or active, completed...). Stored as not recorded.",
    )


def _visibility(cell) -> tuple:
    text = _text_cell(cell)
    if not text:
        return (None,)
    found = VISIBILITY_WORDS.get(text.lower())
    if found:
        return (found,)
    return (None, f"'{_clip(text)}' is not a visibility; write public or internal. Stored as public.")


_AIM_MARK = re.compile(r"^\s*(?:[-–•*·]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+")


def _aims(cell) -> tuple[tuple[str, ...], str | None]:
    """The aims in a cell: one per line or bullet, without their numbers or bullets; and what
    was repaired or removed from the text (garbled letters, control characters), if anything."""
    text = _text_cell(cell)
    if not text:
        return (), None
    text, changed = values.clean_text(text)
    aims = (_AIM_MARK.sub("", a).strip() for a in _AIM_SPLIT.split(text) if a and a.strip())
    return tuple(a for a in aims if a), changed


CHILD_FRAME_COLUMNS = {
    "project_orgs": ["project_id", "org_id", "role", "amount", "currency"],
    "project_countries": ["project_id", "country", "share"],
    "project_sectors": ["project_id", "sector", "share"],
    "project_aims": ["project_id", "seq", "aim"],
    "budgets": ["project_id", "period_start", "period_end", "type", "amount", "currency", "value_date"],
}


ROLE_WORDS = {
    **{r: r for r in ROLES},
    "funder": "funding",
    "donor": "funding",
    "financing": "funding",
    "implementer": "implementing",
    "implementing partner": "implementing",
    "implementation": "implementing",
    "accountable": "accountable",
    "extending": "extending",
    "beneficiary institution": "beneficiary",
    **{str(i): r for i, r in ((1, "funding"), (2, "accountable"), (3, "extending"), (4, "implementing"))},
}
TYPE_WORDS = {
    **{t: t for t in TRANSACTION_TYPES},
    **{t.replace("_", " "): t for t in TRANSACTION_TYPES},
    **{str(i): t for i, t in enumerate(TRANSACTION_TYPES, 1)},
    "expense": "expenditure",
    "payment": "disbursement",
    "incoming funding": "incoming_funds",
}
KIND_WORDS = {
    **{k: k for k in ACTIVITY_KINDS},
    "conference": "meeting",
    "course": "training",
    "study visit": "visit",
    "event": "other",
}
BUDGET_TYPES = {"original": "original", "revised": "revised", "1": "original", "2": "revised"}


class TemplateReader(_Reader):
    """aidtrack's own workbook: one sheet per table, headed exactly as the template heads them."""

    def read(self) -> Loaded:
        sheets = {s.name: s for s in self.book.sheets}
        self.written: dict[str, tuple[list[str], list]] = {}  # each sheet's rows, and their project
        tables: dict[str, list[dict]] = {}
        rejected = 0
        for layout in SHEETS:
            raw = sheets.get(layout.name)
            if raw is None or not raw.rows:
                continue
            rows, sheet_rejected = self._sheet(layout, raw.rows, raw.marks.percents)
            rejected += sheet_rejected
            if rows:
                tables[layout.table] = rows
        if not tables and not rejected:
            raise UnreadableFile(
                self.book.file_name,
                "is the aidtrack template with no rows filled in. Fill in one row per project on the "
                "Projects sheet and import it again.",
            )
        for name in sheets:
            if name not in SHEETS_BY_NAME and name not in (README_SHEET, LISTS_SHEET):
                self.problem("Not a sheet of the aidtrack template; skipped.", name, severity=NOTE)
        projects = pd.DataFrame(tables.pop("projects", []))
        for column in ("project_id", "title", "id_given", "sheet", "row"):
            if column not in projects:
                projects[column] = None
        on_projects_sheet = set(projects["project_id"])
        # Rows on other sheets for projects not on the Projects sheet: those projects are stored
        # ones whose funding, budgets or transactions this file updates (checked in the preview).
        extra = {}
        for rows in tables.values():
            for r in rows:
                pid = r["project_id"]
                if pid not in on_projects_sheet and pid not in extra:
                    extra[pid] = {
                        "project_id": pid,
                        "id_given": True,
                        "child_only": True,
                        "title": None,
                        "sheet": r.pop("_sheet"),
                        "row": r.pop("_row"),
                    }
                else:
                    r.pop("_sheet"), r.pop("_row")
        projects = pd.concat(
            [projects.assign(child_only=False), pd.DataFrame(list(extra.values()))], ignore_index=True
        )
        present = [c.field for c in SHEETS_BY_NAME["Projects"].columns if c.field != "project_id"]
        covered = tuple(f for f in present if f in projects.columns)
        slices = tuple(Slice(table) for table in PROJECT_TABLES if table in tables)
        children = {t: pd.DataFrame(rows).astype(object) for t, rows in tables.items()}
        incoming = Incoming(
            file_name=self.book.file_name,
            sha256=self.book.sha256,
            format="template",
            projects=projects,
            project_fields=covered,
            children=children,
            slices=slices,
            organisations=self.context.organisations.created(),
            rejected=rejected,
        )
        return Loaded(incoming, self.problems, self.columns, self.rejected_rows, self.written)

    def _sheet(self, layout, rows: list[list], percents: frozenset = frozenset()) -> tuple[list[dict], int]:
        header = [str(c).strip() if c is not None else "" for c in rows[0]]
        by_header = {normalise(c.header): c for c in layout.columns}
        positions = {}
        for i, text in enumerate(header):
            column = by_header.get(normalise(text))
            if column and column.field not in positions:
                positions[column.field] = i
            if text:
                self.columns.append(
                    {
                        "sheet": layout.name,
                        "column": text,
                        "imported as": column.header if column else "not imported",
                    }
                )
        missing = [c.header for c in layout.columns if c.required and c.field not in positions]
        data = [r for r in rows[1:]]
        if missing:
            if any(not values.is_blank(c) for r in data for c in r):
                self.problem(
                    f"The sheet has no column {', '.join(repr(m) for m in missing)}; its rows were not "
                    "imported. Use the headers of the aidtrack template.",
                    layout.name,
                    1,
                )
                return [], sum(any(not values.is_blank(c) for c in r) for r in data)
            return [], 0
        out, rejected, seen = [], 0, {}
        written = self.written.setdefault(layout.name, (header, []))[1]
        for offset, cells in enumerate(data):
            number = offset + 2
            cells = list(cells) + [None] * (len(header) - len(cells))
            if all(values.is_blank(c) for c in cells):
                continue
            written.append((number, cells, _text_cell(cells[positions["project_id"]])))
            errors: list[str] = []
            refused: set[str] = set()  # fields whose cell was filled but not usable: said once
            record = {"_sheet": layout.name, "_row": number}
            # Currencies first: an amount without one takes its row's.
            for column in sorted(layout.columns, key=lambda c: c.codes != "currencies"):
                if column.field not in positions:
                    continue
                cell = cells[positions[column.field]]
                if column.kind == "share" and (number - 1, positions[column.field]) in percents:
                    # Typed as 60% in Excel, which keeps it as 0.6.
                    cell = Decimal(repr(cell)) * 100 if isinstance(cell, float | int) else cell
                value, message, severity = self._value(layout, column, cell, record)
                if message:
                    self.problem(message, layout.name, number, header[positions[column.field]], severity)
                    if severity == ERROR:
                        errors.append(f"{column.header}: {message}")
                        refused.add(column.field)
                record[column.field] = value
            errors += self._check(layout, record, number, header, positions, seen, refused)
            if errors:
                rejected += 1
                self.reject(layout.name, header, number, cells, errors)
                continue
            out.append(record)
        if layout.table == "projects":
            for r in out:
                r["id_given"] = True
                r["sheet"], r["row"] = r.pop("_sheet"), r.pop("_row")
        return out, rejected

    def _check(
        self, layout, record: dict, number: int, header, positions, seen: dict, refused: set[str]
    ) -> list[str]:
        """Whole-row rules: required fields (unless already refused), dates in order, one row per key."""
        errors = []

        def error(field: str, message: str):
            self.problem(message, layout.name, number, header[positions[field]])
            errors.append(message)

        for column in layout.columns:
            if (
                column.required
                and column.field in positions
                and record.get(column.field) is None
                and column.field not in refused
            ):
                error(column.field, f"{column.header} is required.")
        for start, end in (("start_date", "end_date"), ("period_start", "period_end")):
            a, b = record.get(start), record.get(end)
            if a and b and b < a:
                error(end, f"The end {b:%d %b %Y} is before the start {a:%d %b %Y}. Correct one of them.")
        if layout.table == "budgets" and record.get("type") is None:
            record["type"] = "original"
        if layout.table == "projects" and record.get("project_id") is None and record.get("title"):
            record["project_id"] = made_up_id(record["title"])
        # The store's key, with the organisation as the sheet names it (its id is found later).
        keys = {**KEYS, "project_orgs": ("project_id", "organisation", "role")}[layout.table]
        key = tuple(record.get(k) for k in keys)
        if not errors and all(k is not None for k in key):
            if key in seen:
                first = keys[-1] if keys[-1] in positions else keys[0]
                error(
                    first,
                    f"The same {' / '.join(k.replace('_', ' ') for k in keys)} as row {seen[key]}; "
                    "only the first is imported.",
                )
            else:
                seen[key] = number
        if layout.table == "project_orgs" and not errors:
            record["org_id"] = record.pop("organisation")
        return errors

    def _value(self, layout, column, cell, record: dict):
        """The cell as the store keeps it, and a message when it is not what the column wants."""
        kind = column.kind
        if values.is_blank(cell):
            return None, None, None
        if kind == "date":
            parsed = self.parse_date(cell, None, column.field in ("end_date", "period_end"))
            return (
                parsed.value,
                parsed.problem,
                WARNING if parsed.value else ERROR if column.required else WARNING,
            )
        if kind == "amount":
            currency = record.get("currency")
            amount = self.parse_amount(cell, currency)
            if amount.problem and layout.table == "project_orgs" and str(cell).strip().endswith("%"):
                # A funder's share, as a one-row-per-project sheet takes it ("EU (80%)"): the
                # template's Funding sheet asks for the money itself.
                return (
                    None,
                    f"'{_clip(cell)}' is a share; Contribution is the funder's amount of money: write "
                    f"{_clip(cell)} of the project's budget as an amount (800000 for 80% of 1,000,000). "
                    + values.NOT_KNOWN,
                    WARNING,
                )
            if amount.problem and not amount.estimated:
                return None, amount.problem, ERROR if column.required else WARNING
            if currency and amount.currency != currency:
                # The cell names one currency and the row's Currency column another: storing the
                # number in either would be a guess, and a wrong one changes the money.
                return (
                    None,
                    f"'{_clip(cell)}' is in {amount.currency}, but this row's Currency is {currency}. "
                    f"Write the amount in {currency}, or change the Currency to {amount.currency}."
                    + ("" if column.required else " Stored as not known."),
                    ERROR if column.required else WARNING,
                )
            if amount.currency and not record.get("currency"):
                record["currency"] = amount.currency
            if amount.value is not None and amount.value < 0 and layout.table != "transactions":
                return (
                    None,
                    f"{amount.value:,} is negative; write 0 or more.",
                    ERROR if column.required else WARNING,
                )
            if amount.estimated:  # "approx. 250,000": kept, and said
                return amount.value, amount.problem, WARNING
            return amount.value, None, None
        if kind == "share":
            # A number is read as one: as text, 33.333 would be read as 33,333.
            number = isinstance(cell, float | int | Decimal) and not isinstance(cell, bool)
            amount = values.parse_amount(cell if number else str(cell).replace("%", ""), currency=None)
            if amount.value is None or not 0 <= amount.value <= 100:
                return (
                    None,
                    f"'{_clip(cell)}' is not a share between 0 and 100; stored without a share.",
                    WARNING,
                )
            return amount.value, None, None
        if kind == "number":
            try:
                number = float(str(cell).replace(",", "."))
            except ValueError:
                return None, f"'{_clip(cell)}' is not a number.", ERROR if column.required else WARNING
            if column.field == "seq":
                return int(number), None, None
            limit = 90 if column.field == "latitude" else 180
            if abs(number) > limit:
                return None, f"{number} is outside -{limit} to {limit}; stored as not known.", WARNING
            return number, None, None
        text = _text_cell(cell)
        if kind != "code":
            text, removed = values.clean_text(text)
            if column.field == "organisation":
                match = self.context.organisations.match(text)
                return (match.org_id if match else None), removed, WARNING
            return text, removed, WARNING
        return self._code(column, text)

    def _code(self, column, text: str):
        severity = ERROR if column.required else WARNING
        words = normalise(text)
        if column.codes == "currencies":
            code = self.context.currency(text)
            return (
                code,
                None if code else f"'{_clip(text)}' is not a currency code such as EUR, USD or CHF.",
                severity,
            )
        if column.codes == "countries":
            code = self.country(text)
            return (
                code,
                None
                if code
                else f"'{_clip(text)}' is not a country or region aidtrack knows. Choose one from the "
                "cell's drop-down list, or write its English name or ISO code (SRB for Serbia).",
                severity,
            )
        if column.codes == "sectors":
            code, message = self.sector(text)
            return code, message, WARNING if code else severity
        table = {
            "statuses": STATUS_WORDS,
            "roles": ROLE_WORDS,
            "activity_kinds": KIND_WORDS,
            "transaction_types": TYPE_WORDS,
            "budget_types": BUDGET_TYPES,
            "visibilities": VISIBILITY_WORDS,
        }[column.codes]
        code = table.get(words) or table.get(text.strip().lower())
        if code:
            return code, None, None
        # In words, as the drop-down offers them ('incoming funds', not 'incoming_funds').
        allowed = ", ".join(sorted({v.replace("_", " ") for v in table.values()}))
        return None, f"'{_clip(text)}' is not one of: {allowed}.", severity
