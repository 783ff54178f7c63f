"""The import pipeline shared by the Import page and the CLI: read, check, preview, report.

Writing is `portfolio.imports.apply` on the preview made here, and nothing else.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pandas as pd

from loaders import iati_export, sheets, template
from loaders.headers import FIELD_LABELS
from loaders.layout import SHEETS_BY_NAME
from loaders.problems import Problem
from portfolio import access, export, imports
from portfolio.access import Audience
from portfolio.filters import Filters
from portfolio.store import Store

Target = str | Path | io.BytesIO


Progress = Callable[[float, str], None]


def preview_file(
    store: Store,
    data: bytes,
    file_name: str,
    currency: str | None = None,
    progress: Progress | None = None,
) -> tuple[imports.Preview, sheets.Loaded]:
    """What importing `data` would do. Raises UnreadableFile when nothing in it can be read.

    `progress(fraction, what)` hears of each step, for large files.
    """
    say = progress or (lambda fraction, what: None)
    say(0.05, f"Reading {file_name} ({len(data) / 1e6:.1f} MB)")
    loaded = sheets.load(
        data, file_name, imports.reference(store.connection), currency=currency, progress=say
    )
    say(0.8, f"Comparing {len(loaded.incoming.projects):,} projects with the portfolio")
    plan = imports.preview(store, loaded.incoming)
    say(1.0, "Preview ready")
    return plan, loaded


def preview_edit(store: Store, project_id: str, fields: dict) -> tuple[imports.Preview, sheets.Loaded]:
    """What saving a project's fields from the project view would do.

    The fields go through the template's Projects sheet, so an edit is read and checked by
    exactly the code that reads an import, and is logged, shown in the history and undone
    like one. Fields not given stay as stored; a field given as None or "" is cleared.
    """
    row = {**fields, "project_id": project_id}
    columns = [c for c in SHEETS_BY_NAME["Projects"].columns if c.field in row]
    frame = pd.DataFrame([[row[c.field] for c in columns]], columns=[c.header for c in columns])
    data = io.BytesIO()
    template.write_table(data, frame, "Projects")
    loaded = sheets.load(data.getvalue(), "the project view", imports.reference(store.connection))
    loaded.incoming = replace(
        loaded.incoming, format=imports.EDIT, file_name=f"Edited in the app: {project_id}"
    )
    return imports.preview(store, loaded.incoming), loaded


def all_problems(plan: imports.Preview, loaded: sheets.Loaded) -> list[Problem]:
    """The file's problems and the comparison's, in file order."""
    found = list(loaded.problems) + [
        Problem(p["message"], p["severity"], loaded.incoming.file_name, p["sheet"], p["row"], p["column"])
        for p in plan.problems
    ]
    order = {s: i for i, s in enumerate(dict.fromkeys(p.sheet for p in found))}
    return sorted(found, key=lambda p: (order[p.sheet], p.row or 0))


def report(
    plan: imports.Preview, loaded: sheets.Loaded, import_id: int | None = None, dry_run: bool = False
) -> dict:
    """The preview as plain data: the CLI's JSON, and what the tests check."""
    problems = all_problems(plan, loaded)
    return {
        "file": loaded.incoming.file_name,
        "format": loaded.incoming.format,
        "dry_run": dry_run,
        "import_id": import_id,
        **plan.counts,
        "errors": sum(p.severity == "error" for p in problems),
        "warnings": sum(p.severity == "warning" for p in problems),
        "problems": [
            {k: v for k, v in p.as_dict().items() if k != "file"} for p in problems if p.severity != "note"
        ],
        "notes": [
            {k: v for k, v in p.as_dict().items() if k != "file"} for p in problems if p.severity == "note"
        ],
        "columns": loaded.columns,
        "new": _records(plan.added, ["project_id", "title", "sheet", "row"]),
        "changes": _records(plan.updated, ["project_id", "title", "field", "old", "new", "removed", "added"]),
    }


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    """The rows of `frame` as dicts of plain Python values, as `to_dict("records")` makes them,
    in a tenth of its time for the 100,000 new projects of a large import."""
    values = zip(*(frame[c].tolist() for c in columns), strict=True)
    return [dict(zip(columns, row, strict=True)) for row in values]


def place(problem: dict, xml: bool) -> str:
    """Where a problem is, in the file's own terms: "sheet 'Projects', row 4, column 'Budget'", or
    for an IATI file "activity 'XM-1', line 17, element 'budget'"."""
    names = ("activity", "line", "element") if xml else ("sheet", "row", "column")
    return ", ".join(
        x
        for x in (
            f"{names[0]} '{problem['sheet']}'" if problem["sheet"] else "",
            f"{names[1]} {problem['row']}" if problem["row"] else "",
            f"{names[2]} '{problem['column']}'" if problem.get("column") else "",
        )
        if x
    )


def change_text(change: dict) -> str:
    """One change in words: "old -> new" for a field; for a list (funders, countries,
    transactions...) the lines it loses and gains, not the whole list twice."""
    removed, added = change.get("removed"), change.get("added")
    if removed or added:
        return "; ".join(
            f"{verb} {lines}" for verb, lines in (("removes", removed), ("adds", added)) if lines
        )
    return f"{change['old'] or '(blank)'} -> {change['new'] or '(blank)'}"


NOT_GIVEN = "not recorded"  # as the pages say it (ui.format.UNKNOWN)


def new_projects_shown(db: Store, plan: imports.Preview, limit: int) -> pd.DataFrame:
    """The first `limit` new projects in words, for the Import page and the command line: ID,
    title, budget ('EUR 1,500,000.00'), start, end, funders ('Austria (EUR 300,000.00); EU'),
    implementers, countries ('Serbia (60.00%); Kosovo (40.00%)'), sheet and row. A column the
    file does not have is left out; a value it leaves blank reads 'not recorded'."""
    found = imports.new_projects(db, plan, limit)

    def money(amount, currency) -> str:
        return NOT_GIVEN if amount is None else f"{currency} {amount:,.2f}"

    def organisations(orgs: list) -> str:
        named = (name if amount is None else f"{name} ({money(amount, c)})" for name, amount, c in orgs)
        return "; ".join(named) or NOT_GIVEN

    def countries(places: list) -> str:
        named = (name if share is None else f"{name} ({share:.2f}%)" for name, share in places)
        return "; ".join(named) or NOT_GIVEN

    shown = found[["project_id", "title"]].copy()
    if found["budget"].notna().any() or found["currency"].notna().any():
        shown["budget"] = [money(b, c) for b, c in zip(found["budget"], found["currency"], strict=True)]
    for column in ("start_date", "end_date"):
        if found[column].notna().any():
            shown[column] = [NOT_GIVEN if d is None else d.isoformat() for d in found[column]]
    for column, words in (
        ("funders", organisations),
        ("implementers", organisations),
        ("countries", countries),
    ):
        if found[column].notna().any():
            shown[column] = [words(given) for given in found[column]]
    shown["sheet"], shown["row"] = found["sheet"], found["row"]
    return shown


def new_projects_text(shown: pd.DataFrame, total: int) -> list[str]:
    """The lines of report_text on new projects, from new_projects_shown."""
    labels = {
        "budget": "budget",
        "start_date": "start",
        "end_date": "end",
        "funders": "funders",
        "implementers": "implementers",
        "countries": "countries",
    }
    lines = ["", "New projects:"]
    for row in shown.to_dict("records"):
        lines.append(f"  {row['project_id']} {row['title']}")
        said = [f"{label}: {row[c]}" for c, label in labels.items() if c in row]
        if said:
            lines.append(f"    {' | '.join(said)}")
    if total > len(shown):
        lines.append(f"  ... and {total - len(shown):,} more")
    return lines


def report_text(r: dict, limit: int = 50, new: pd.DataFrame | None = None) -> str:
    """The preview in words; `new` (new_projects_shown) lists the new projects."""
    lines = [f"{r['file']} ({r['format']})", ""]
    xml = r["format"] == "iati"
    lines.append("Elements:" if xml else "Columns:")
    for c in r["columns"]:
        sheet = f"{c['sheet']}: " if c["sheet"] else ""
        lines.append(f"  {sheet}{c['column']} -> {c['imported as']}")
    lines.append("")
    verb = "Would" if r["dry_run"] or r["import_id"] is None else "Did"
    lines.append(
        f"{verb} add {r['added']} projects, update {r['updated']}; {r['unchanged']} unchanged, "
        f"{r['rejected']} rows rejected ({r['errors']} errors, {r['warnings']} warnings)."
    )
    if new is not None and len(new):
        lines += new_projects_text(new, r["added"])
    if r["changes"]:
        lines += ["", "Changes:"]
        for c in r["changes"][:limit]:
            # Named as the template and the Import page name them ('End date'); --json keeps end_date.
            lines.append(f"  {c['project_id']} {FIELD_LABELS.get(c['field'], c['field'])}: {change_text(c)}")
        if len(r["changes"]) > limit:
            lines.append(f"  ... and {len(r['changes']) - limit} more")
    if r["problems"]:
        lines += ["", "Problems:"]
        for p in r["problems"][:limit]:
            lines.append(f"  {p['severity']}: {place(p, xml)}: {p['message']}")
        if len(r["problems"]) > limit:
            lines.append(f"  ... and {len(r['problems']) - limit} more (use --json for all)")
    if r["notes"]:
        lines += ["", "Notes:"]
        for note in r["notes"][:limit]:
            where = place(note, xml)
            lines.append(f"  {where + ': ' if where else ''}{note['message']}")
    if r["import_id"] is not None:
        lines += ["", f"Saved as import {r['import_id']}. Undo with: python -m loaders undo {r['import_id']}"]
    elif not r["dry_run"] and r["added"] + r["updated"] == 0:
        lines += ["", "Nothing to save: the portfolio already holds everything in this file."]
    return "\n".join(lines)


def rows_to_fix(plan: imports.Preview | None, loaded: sheets.Loaded) -> dict:
    """The rows of the fix-me workbook by sheet: those rejected when the file was read, and from
    the template also those rejected when compared with the portfolio (a Project ID neither on
    the Projects sheet nor stored), so the workbook has every row the preview counts as rejected."""
    later = [
        (p["sheet"], p["row"], f"{p['column']}: {p['message']}" if p["column"] else p["message"])
        for p in (plan.problems if plan else [])
        if p["severity"] == "error" and p["sheet"] and p["row"]
    ]
    return loaded.rows_to_fix(later)


def write_fixme_workbook(target: Target, loaded: sheets.Loaded, plan: imports.Preview | None = None) -> None:
    """Every rejected row as written, sheet by sheet, with its problems in a last column.

    From the template, the sheets keep the template's names and hold every row of the projects
    with a rejected row, so the fixed workbook imports as the template does.
    """
    template_form = bool(loaded.template_rows)
    file_name, csv = loaded.incoming.file_name, loaded.incoming.format == "csv"

    def origin(sheet: str, number: int) -> str:
        # The row's place in the file imported: in this workbook it sits elsewhere, and a bare
        # "Row 14" was read as a row of this workbook.
        return (
            f"From row {number} of {file_name}."
            if csv
            else f"From row {number} of sheet '{sheet}' in {file_name}."
        )

    template.write_fixme_sheets(
        target,
        [
            template.FixSheet(
                name if template_form else f"{name} - to fix",
                header,
                [cells for _, cells, _ in rows],
                [[*messages, origin(name, number)] if messages else [] for number, _, messages in rows],
            )
            for name, (header, rows) in rows_to_fix(plan, loaded).items()
        ],
        readme=template.TO_FIX_README if template_form else None,
    )


def write_template(target: Target, con: duckdb.DuckDBPyConnection) -> None:
    template.write_workbook(target, export.reference_lists(con))


def write_export(
    target: Target,
    con: duckdb.DuckDBPyConnection,
    filters: Filters | None = None,
    audience: Audience | None = None,
) -> int:
    """The portfolio (or the filtered part) in the template's layout; returns the project count.

    For a viewer, pass filters with public_only and the viewer's audience: the fields withheld
    from them read 'withheld' in the workbook too.
    """
    tables = _export_tables(con, filters, audience)
    template.write_workbook(target, export.reference_lists(con), tables, title="aidtrack portfolio export")
    return len(tables["projects"])


def write_csv_export(
    target: Target,
    con: duckdb.DuckDBPyConnection,
    filters: Filters | None = None,
    audience: Audience | None = None,
) -> int:
    """The export's Projects sheet alone as csv (one row per project); returns the project count.
    A csv holds one table: funders, countries, budgets by period and transactions are in the
    workbook export."""
    tables = _export_tables(con, filters, audience)
    template.write_csv(target, SHEETS_BY_NAME["Projects"], tables["projects"])
    return len(tables["projects"])


def _export_tables(
    con: duckdb.DuckDBPyConnection, filters: Filters | None, audience: Audience | None
) -> dict[str, pd.DataFrame]:
    tables = export.export_tables(con, filters)
    if audience is not None:
        tables = {table: access.withhold(frame, audience) for table, frame in tables.items()}
        tables["transactions"] = access.withhold_parties(con, tables["transactions"], audience)
    return tables


@dataclass(frozen=True)
class IatiExport:
    """What an IATI export wrote, what it had to leave out, and any schema errors."""

    written: int
    left_out: list[str]
    errors: list[str]


def write_iati_export(
    target: Target,
    con: duckdb.DuckDBPyConnection,
    filters: Filters | None = None,
    include_illustrative: bool = False,
) -> IatiExport:
    """The public projects the filters select, as IATI 2.03 activities checked against the schema.

    Publishing is for real, public projects: illustrative ones (made up, such as the sample
    portfolio's) are left out unless `include_illustrative`, internal ones always, and both are
    counted; so are the fields the owner marked internal.
    """
    tables = export.iati_tables(con, filters)
    projects = tables["projects"]
    illustrative = projects["illustrative"].fillna(False).astype(bool)
    made_up = set() if include_illustrative else set(projects.loc[illustrative, "project_id"])
    internal = set(projects.loc[projects["visibility"] == "internal", "project_id"]) - made_up
    if internal or made_up:
        tables = {
            t: f[~f["project_id"].isin(internal | made_up)] if "project_id" in f else f
            for t, f in tables.items()
        }
    internal_fields = access.internal_fields(con)
    tables = access.published(tables, internal_fields)
    missing = iati_export.left_out(tables)
    written = len(tables["projects"]) - sum(missing.projects.values())
    lines = [f"{len(made_up)} illustrative projects (made up, not real projects)"] if made_up else []
    if internal:
        lines.append(f"{len(internal)} internal projects (only public projects are published)")
    related = export.internal_relations(con, list(tables["projects"]["project_id"]))
    if related:
        what = (
            "activity that is an internal project"
            if related == 1
            else "activities that are internal projects"
        )
        lines.append(f"{related} related {what} (a publication names no internal project)")
    if internal_fields:
        fields = ", ".join(access.WITHHOLDABLE[f][0] for f in sorted(internal_fields))
        lines.append(f"the fields marked internal ({fields})")
    lines += [f"{n} projects: {reason}" for reason, n in missing.projects.items()]
    lines += [f"{n} {what}" for what, n in missing.items.items()]
    if not written:
        return IatiExport(0, lines, [])
    buffer = io.BytesIO()
    iati_export.write_iati(buffer, tables)
    data = buffer.getvalue()
    if isinstance(target, io.BytesIO):
        target.write(data)
    else:
        Path(target).write_bytes(data)
    return IatiExport(written, lines, iati_export.validate(data))
