"""How money, unknowns and people's own text read on a page."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import quote

import pandas as pd
import streamlit as st

from portfolio.access import WITHHELD

UNKNOWN = "not recorded"

# Signs markdown (or Streamlit on top of it) reads anywhere in a line: emphasis, links, code,
# HTML and entities, tables, LaTeX between dollar signs ("$250k-$300k"), colours (":red[text]"),
# icons (":material/home:") and emoji codes (":fire:"). CommonMark keeps each literal behind a
# backslash.
MARKDOWN_SIGNS = re.compile(r"([\\`*_{}\[\]()#<>!|~^$:&/])")
# Signs it reads only at the start of a line: lists ("- ", "+ ", "1. "), rules and headings ("===").
LINE_START = re.compile(r"^(\d*)([-+=.])")


def _escaped(line: str) -> str:
    return LINE_START.sub(r"\1\\\2", MARKDOWN_SIGNS.sub(r"\\\1", line))


def literal(text, lines: bool = False) -> str:
    """Text from a file or a user, to put into st.markdown, st.caption, st.header, st.info and the
    like, so that it shows as typed rather than as markdown, LaTeX or HTML. On one line unless
    `lines`; then line breaks and blank lines between paragraphs are kept, and leading spaces
    dropped (four of them would start a code block)."""
    text = str(text)
    if not lines:
        return _escaped(" ".join(text.split()))
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join("  \n".join(_escaped(line.strip()) for line in p.splitlines()) for p in paragraphs)


def store_error(error) -> None:
    """A database error (a StoreError: its title, then what happened and what to do), shown as
    written: its message can hold a file's path or name."""
    st.error(f"**{literal(error.title)}.** {literal(error)}")


def link(text, url: str) -> str:
    """A markdown link showing `text` as typed. The address goes between angle brackets, where
    spaces and parentheses cannot end it early."""
    address = str(url).strip().replace("\\", "%5C").replace("<", "%3C").replace(">", "%3E")
    address = address.replace(" ", "%20").replace("\n", "")
    return f"[{literal(text)}](<{address}>)"


def project_link(project_id: str) -> str:
    """The project view's address: the ID quoted, so that one holding '+', '&', '#' or '%' opens
    that project and not another (or none)."""
    return "/projects?project=" + quote(str(project_id), safe="")


def money(amount: Decimal | float | str | None, currency: str) -> str:
    """'EUR 1,000,000.00'; unknown amounts say so instead of showing zero, withheld ones that
    they are withheld."""
    if isinstance(amount, str):
        return amount
    if amount is None or pd.isna(amount):
        return UNKNOWN
    return f"{currency} {amount:,.2f}"


def short_money(amount: Decimal | float, currency: str) -> str:
    """'EUR 95.9m' for headline figures; the exact figure goes in the metric's help."""
    value = float(amount)
    for limit, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{currency} {value / limit:,.1f}{suffix}"
    return f"{currency} {value:,.0f}"


def money_columns(frame: pd.DataFrame, currency: str) -> dict:
    """Column settings that show the amount columns of a table with thousands separators."""
    labels = {
        "budget": "Budget (own currency)",
        "budget_reporting": f"Budget ({currency})",
        "amount": f"Amount ({currency})",
        "contribution": "Contribution",
    }
    return {
        column: amount_column(frame, column, label) for column, label in labels.items() if column in frame
    }


def blank_amounts(why: pd.DataFrame, labels: dict[str, str]) -> list[str | None]:
    """For each row, why its blank amounts are blank, the columns by their `labels` ('Committed,
    Disbursed: none recorded; Budget, Remaining: not converted'), from a frame of reasons by amount
    column (None where the amount is known); None for a row with every amount."""
    columns = [c for c in labels if c in why]
    said = []
    for reasons in why[columns].itertuples(index=False):
        by_reason: dict[str, list[str]] = {}
        for column, reason in zip(columns, reasons, strict=True):
            if known(reason):
                by_reason.setdefault(reason, []).append(labels[column])
        said.append("; ".join(f"{', '.join(names)}: {reason}" for reason, names in by_reason.items()) or None)
    return said


def amount_column(frame: pd.DataFrame, column: str, label: str):
    """A money column: thousands separators and always two decimals (120,000.20, not 120,000.2),
    or plain text where the amounts are withheld."""
    if column in frame and (frame[column].astype(object) == WITHHELD).any():
        return st.column_config.TextColumn(label)
    return st.column_config.NumberColumn(label, format="accounting")


def budget_fact(project: dict, has_periods: bool, currency: str) -> str:
    """A project's budget as its page states it: its own figure and what it is in `currency`; the
    sum of its budget periods when it has no total of its own; and, when no rate converts it, that
    it is left out of every total (the conversion trace is collapsed)."""
    own = money(project["budget"], project["currency"])
    reporting = project["budget_reporting"]
    if not known(reporting):
        if known(project["budget"]) or has_periods:
            unconverted = f"not converted to {currency}: no rate for its date"
            return f"{own}  \n{unconverted}" if known(project["budget"]) else unconverted
        return own
    if reporting == WITHHELD:
        return own
    if not known(project["budget"]):
        return f"{money(reporting, currency)}  \nthe sum of its budget periods"
    if project["currency"] != currency:
        return f"{own}  \n= {money(reporting, currency)}"
    return own


def budget_total_help(head, currency: str) -> str:
    """The help of a page's total budget (Overview, Spend review): the exact figure and the projects it
    is over, or why there is none ('None of these projects has a budget that could be added up.')."""
    if head.total is None:
        return head.why_no_total
    over = f"over {count(head.with_budget, 'project')} with a budget"
    if head.unconverted:
        over += f" in {currency}; {head.unconverted:,} more with no rate for {currency} left out"
    return f"Exactly {money(head.total, currency)}, {over}."


def without_budget_note(head) -> str:
    """'2 of 3 projects have no recorded budget and add nothing to the total.'"""
    if head.without_budget == head.projects:
        if head.projects == 1:
            return "The project has no recorded budget."
        return f"None of the {head.projects:,} projects has a recorded budget."
    has = "has no recorded budget and adds" if head.without_budget == 1 else "have no recorded budget and add"
    return f"{head.without_budget:,} of {head.projects:,} projects {has} nothing to the total."


def budget_total_note(head, currency: str) -> str:
    """Under a list of projects: what their budgets add up to, and which of them are not in it
    ('Total budget EUR 95,865,652.63; 2 projects have no budget recorded. ')."""
    # Where no budget is recorded, or none converts, nothing was added up: 'EUR 0.00' read as a budget
    # of nothing beside the Overview's 'not recorded' (the Spend review's Budget says so too).
    text = "Total budget " + money(head.total, currency)
    left_out = []
    if head.without_budget:
        left_out.append(
            f"{count(head.without_budget, 'project')} "
            f"{'has' if head.without_budget == 1 else 'have'} no budget recorded"
        )
    if head.unconverted:
        left_out.append(
            f"{count(head.unconverted, 'project')} not converted to {currency} (no rate for "
            f"{'its' if head.unconverted == 1 else 'their'} date), left out"
        )
    return text + ("; " + "; ".join(left_out) if left_out else "") + ". "


def dates_as_text(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A copy of `frame` whose dates in `columns` read 2018-07-18, as text that sorts as dates do,
    so that unknowns_shown() can say 'not recorded' where a table would show a grey 'None'."""
    return frame.assign(
        **{
            c: pd.to_datetime(frame[c], errors="coerce").dt.strftime("%Y-%m-%d").astype(object)
            for c in columns
        }
    )


def time_axis_format(times: pd.Series) -> str:
    """A d3 time format for a chart's axis over `times` that names what tells its ticks apart.
    Vega's own format names the smallest unit that changes: imports a few seconds apart showed
    every tick as '.800' (milliseconds)."""
    span = pd.to_datetime(times).max() - pd.to_datetime(times).min()
    if span >= pd.Timedelta(days=2):
        return "%d %b %Y"
    if span >= pd.Timedelta(hours=1):
        return "%d %b %H:%M"
    return "%H:%M:%S"


def split_note(rows: pd.DataFrame, what: str, currency: str) -> str:
    """Under a breakdown chart: what the parts add up to, and how much of it is an equal split."""
    text = f"Parts add up to {money(rows['amount'].sum(), currency)}."
    estimated = rows.loc[rows["estimated"], "estimated_amount"].sum()
    if estimated:
        text += (
            f" {money(estimated, currency)} is split equally because the {what} shares of some "
            "projects are not recorded (lighter bars, 'Equal split')."
        )
    return text


def known(value) -> bool:
    return value is not None and not pd.isna(value)


def or_unknown(value) -> str:
    """A fact as text, or 'not recorded' when the source did not state it."""
    if not known(value):
        return UNKNOWN
    if hasattr(value, "strftime"):
        return value.strftime("%d %b %Y")
    return str(value)


def unknowns_shown(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A copy of `frame` whose missing texts in `columns` read 'not recorded' instead of 'None'."""
    return frame.assign(**{c: frame[c].astype("object").where(frame[c].notna(), UNKNOWN) for c in columns})


def blanks_shown(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A copy of `frame` whose missing texts in `columns` are empty rather than a grey 'None', for
    texts that are often absent and need no remark (a description, a link)."""
    return frame.assign(**{c: frame[c].astype("object").where(frame[c].notna(), "") for c in columns})


def count(n: int, thing: str, things: str | None = None) -> str:
    """'1 event', '3 events', '5,200 events'."""
    return f"{n:,} {thing if n == 1 else (things or thing + 's')}"


SOURCES = {
    "sample": "the seed page of the sample portfolio",
    "synthetic": "generated illustrative data",
    "iati": "IATI activity file",
    "template": "aidtrack workbook",
    "xlsx": "spreadsheet",
    "xls": "spreadsheet",
    "ods": "spreadsheet",
    "csv": "csv file",
}


def source_of(project: dict, file_named: bool = True) -> str:
    """Where a project's data came from, for the project view. Without `file_named` (a viewer) the
    kind of file and the date, not the file's name: it can tell of internal work in the same file."""
    if not known(project.get("import_file")):
        return "Source: not recorded."
    kind = SOURCES.get(project.get("import_format"), project.get("import_format"))
    when = project.get("imported_at")
    if project.get("import_format") == "edit":
        if not file_named:
            return f"Last edited in the app on {when:%d %b %Y %H:%M}."
        return (
            f"Last edited in the app on {when:%d %b %Y %H:%M}; the history says where each field came from."
        )
    if not file_named:
        return f"Source: {kind or 'a file'}" + (f", imported {when:%d %b %Y %H:%M}." if known(when) else ".")
    when = f", imported {when:%d %b %Y %H:%M}" if known(when) else ""
    return f"Source: {literal(project['import_file'])} ({kind}){when}. Last changed by that import."


def conversions_table(rows: pd.DataFrame, currency: str) -> None:
    """Amounts with the rate each was converted at, its date and source (Overview, project view)."""
    st.dataframe(
        unknowns_shown(rows, ["note"]),
        column_config={
            "project_id": "Project",
            "what": "Amount",
            "amount": st.column_config.NumberColumn("Original", format="accounting"),
            "currency": "Currency",
            "value_date": st.column_config.DateColumn("Value date"),
            "rate_from_eur": st.column_config.NumberColumn("Rate (per EUR)", format="%.4f"),
            "rate_date": st.column_config.DateColumn("Rate of"),
            "rate_to_reporting": st.column_config.NumberColumn(f"{currency} per EUR", format="%.4f"),
            "reporting_rate_date": st.column_config.DateColumn("Rate of"),
            "source": "Source",
            "converted": st.column_config.NumberColumn(f"In {currency}", format="accounting"),
            "note": st.column_config.TextColumn("Note", width="medium"),
        },
        hide_index=True,
        width="stretch",
    )


BLANK = "(blank)"  # a value not set, before or after a change


def changes_shown(changes: pd.DataFrame, verbs: tuple[str, str] = ("removed", "added")) -> pd.DataFrame:
    """A change log as a page shows it: fields by the names the template gives them ('End date',
    not end_date), codes by their names ('Kosovo (XKX)', history.named), and a value not set as
    '(blank)'. Rows with neither value are events of the log ('project added'), not changes, and
    stay empty (blank, not a grey 'None'). A list (funders, countries, budgets...) also gets a
    `change` column, the lines it lost and gained ("removed Croatia (HRV) 9.81%; added Kosovo (XKX)
    40.00%"), from the `removed` and `added` lines an import's preview gives, else worked out from
    its old and new values; `verbs` say them ('removes', 'adds' for an import not yet made)."""
    from loaders.headers import FIELD_LABELS
    from portfolio.history import CODED_LISTS, list_change, named
    from ui.db import code_names

    changes = changes.copy()
    if "removed" not in changes:
        sides = [
            list_change(f, o, n) or (None, None)
            for f, o, n in zip(*(changes[c].tolist() for c in ("field", "old", "new")), strict=True)
        ]
        changes["removed"] = [removed for removed, _ in sides]
        changes["added"] = [added for _, added in sides]
    coded = changes["field"].isin(list(CODED_LISTS))
    if coded.any():
        names = code_names()
        for side in ("old", "new", "removed", "added"):
            fields, values = changes.loc[coded, "field"], changes.loc[coded, side]
            changes.loc[coded, side] = [named(f, v, names) for f, v in zip(fields, values, strict=True)]
    # A field's change has no lines (None, or NaN once in a frame): blank, not a grey 'None'.
    change = [
        "; ".join(
            f"{verb} {lines}"
            for verb, lines in zip(verbs, (removed, added), strict=True)
            if isinstance(lines, str) and lines
        )
        for removed, added in zip(changes.pop("removed"), changes.pop("added"), strict=True)
    ]
    shown = changes.assign(field=changes["field"].map(lambda f: FIELD_LABELS.get(f, f)))
    if any(change):  # no column of blanks beside fields that are not lists
        shown.insert(shown.columns.get_loc("field") + 1, "change", change)
    # A total budget as a donor officer reads it: 2,500,000.00, not 2500000.00.
    budget = changes["field"] == "budget"
    if budget.any():
        for side in ("old", "new"):
            changes.loc[budget, side] = changes.loc[budget, side].map(_thousands)
    missing = {side: changes[side].isna() | (changes[side].astype(object) == "") for side in ("old", "new")}
    event = missing["old"] & missing["new"]
    for side in ("old", "new"):
        shown[side] = (
            changes[side].astype(object).where(~missing[side], "").mask(missing[side] & ~event, BLANK)
        )
    return shown


def _thousands(value):
    """'2500000.00' as '2,500,000.00'; anything not a number as it is."""
    try:
        return f"{Decimal(str(value)):,.2f}" if known(value) and str(value) != "" else value
    except ArithmeticError:
        return value
