"""Command line: `python -m loaders import|template|export|undo|log`, on the app's database.

`import` prints the same preview as the Import page and, without --dry-run, writes it as
one import. It exits 0 when the file was read (rows may still be rejected), 2 when the
file cannot be imported at all, and 1 when the database is unavailable. `export` to a
file ending in .xml writes IATI 2.03 activity XML and exits 3 if it breaks the schema.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from loaders import workbook
from loaders.problems import UnreadableFile

# The rest of aidtrack (pandas, DuckDB: half a second) is imported by each command that uses it,
# so that `import` imports it while calamine reads the file, which it does without holding
# the interpreter.

if TYPE_CHECKING:
    from portfolio.filters import Filters
    from portfolio.store import Store

READ_FAILED, DATABASE_UNAVAILABLE, INVALID_OUTPUT, NOTHING_WRITTEN = 2, 1, 3, 4
ILLUSTRATIVE_LEFT_OUT = re.compile(r"\d+ illustrative projects")


def _db_path(args: argparse.Namespace) -> str:
    from portfolio import store

    return args.db or os.environ.get("AIDTRACK_DB") or str(store.DEFAULT_DB)


# What a command held off by the dashboard did not do, and where the dashboard does it.
INSTEAD = {
    "import": "Nothing was imported. Import through the dashboard's Import page",
    "rates": "No rates were imported. Import them on the dashboard's Exchange rates page",
    "template": "Nothing was written. Download the template from the dashboard's Import page",
    "export": "Nothing was written. Download the portfolio from the dashboard's Import page",
    "undo": "Nothing was undone. Undo the import on the dashboard's Import page",
    "log": "The log was not read. See it on the dashboard's Import page",
}


def open_database(args: argparse.Namespace) -> Store:
    """The store, waiting up to --wait seconds while another process (the dashboard) holds it."""
    from portfolio import store

    path = _db_path(args)
    deadline = time.monotonic() + args.wait
    while True:
        try:
            return store.open_store(path)
        except store.DatabaseHeld as e:
            if time.monotonic() >= deadline:
                raise store.StoreError(
                    f"{path} is held by {e.holder}, most likely the aidtrack dashboard, which keeps the "
                    f"database open while it runs. {INSTEAD.get(args.command, INSTEAD['import'])}, or stop "
                    "the dashboard and run this command again.",
                    title="The dashboard holds the database",
                ) from e
            time.sleep(0.5)


def import_file(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        workbook.check_size(path.stat().st_size, path.name)
        data = path.read_bytes()
    except OSError as e:
        print(f"Cannot import {path}: {e.strerror or e}.", file=sys.stderr)
        return READ_FAILED
    except UnreadableFile as e:
        return _unreadable(e, args)
    workbook.read_ahead(data, path.name)
    from loaders import pipeline
    from portfolio import imports

    db = open_database(args)
    try:
        plan, loaded = pipeline.preview_file(
            db, data, path.name, currency=args.currency, progress=_progress if len(data) > 1_000_000 else None
        )
    except UnreadableFile as e:
        return _unreadable(e, args)
    # Worked out before the write, which stores the file's new organisations.
    new = None if args.json else pipeline.new_projects_shown(db, plan, NEW_SHOWN)
    import_id = None
    if not args.dry_run and plan.writes_anything:
        if len(data) > 1_000_000:
            _progress(1.0, f"Saving {plan.counts['added'] + plan.counts['updated']:,} projects")
        import_id = imports.apply(db, plan, by=args.by)
    if args.fixme and pipeline.rows_to_fix(plan, loaded):
        pipeline.write_fixme_workbook(args.fixme, loaded, plan)
    elif args.fixme:
        why = (
            "an IATI file has no rows to write back; its rejected activities are under Problems"
            if loaded.incoming.format == "iati"
            else "no row was rejected"
        )
        print(f"--fixme: nothing written to {args.fixme}: {why}.", file=sys.stderr)
    report = pipeline.report(plan, loaded, import_id=import_id, dry_run=args.dry_run)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    else:
        print(pipeline.report_text(report, new=new))
    return 0


NEW_SHOWN = 50  # new projects listed in the text report; --json gives every one's ID and row


def _unreadable(e: UnreadableFile, args: argparse.Namespace) -> int:
    if args.json:
        print(json.dumps({"file": e.file, "error": e.message}, ensure_ascii=False))
    else:
        print(f"Cannot import {e}", file=sys.stderr)
    return READ_FAILED


def _progress(fraction: float, what: str) -> None:
    print(f"[{fraction:4.0%}] {what}...", file=sys.stderr, flush=True)


def template(args: argparse.Namespace) -> int:
    from loaders import pipeline

    db = open_database(args)
    pipeline.write_template(args.out, db.connection)
    print(f"Wrote the template to {args.out}.")
    return 0


def export(args: argparse.Namespace) -> int:
    from loaders import pipeline
    from portfolio import access
    from portfolio.filters import Filters

    db = open_database(args)
    filters = Filters(
        funders=tuple(args.funder),
        countries=tuple(args.country),
        statuses=tuple(args.status),
        include_illustrative=not args.no_illustrative,
        public_only=args.as_viewer,
    )
    if args.out.lower().endswith(".xml"):
        return export_iati(args.out, db, filters, args.include_illustrative)
    viewer = access.audience("viewer", access.internal_fields(db.connection)) if args.as_viewer else None
    public = "public " if args.as_viewer else ""
    if args.out.lower().endswith(".csv"):
        projects = pipeline.write_csv_export(args.out, db.connection, filters, viewer)
        print(
            f"Wrote {projects} {public}projects to {args.out}: the Projects sheet alone, one row per "
            "project. Their funders, countries, sectors, budgets by period and transactions are in an "
            "export to .xlsx."
        )
        return 0
    projects = pipeline.write_export(args.out, db.connection, filters, viewer)
    print(f"Wrote {projects} {public}projects to {args.out}.")
    return 0


def export_iati(out: str, db: Store, filters: Filters, include_illustrative: bool = False) -> int:
    """The filtered public projects as an IATI 2.03 activity file, checked against the schema.

    Illustrative projects are made up: they are published only with --include-illustrative.
    """
    from loaders import pipeline

    result = pipeline.write_iati_export(out, db.connection, filters, include_illustrative)
    if result.written:
        projects = "project" if result.written == 1 else "projects"
        print(f"Wrote {result.written} {projects} as IATI 2.03 activities to {out}.")
    else:
        print(f"No project can be written as an IATI activity; {out} was not written.")
    for line in result.left_out:
        hint = "; --include-illustrative publishes them" if ILLUSTRATIVE_LEFT_OUT.match(line) else ""
        print(f"  Left out: {line}{hint}.")
    for error in result.errors[:20]:
        print(f"  Schema error: {error}", file=sys.stderr)
    if not result.written:
        return NOTHING_WRITTEN
    return INVALID_OUTPUT if result.errors else 0


def import_rates(args: argparse.Namespace) -> int:
    """A portfolio's own exchange rates; they take precedence over the ECB's."""
    from loaders import rates
    from portfolio import queries, store

    path = Path(args.file)
    db = open_database(args)
    try:
        found = rates.read_rates(
            path.read_bytes(),
            path.name,
            queries.currency_codes(db.connection),
            store.user_rates(db),
        )
    except (UnreadableFile, OSError) as e:
        print(f"Cannot import {e}", file=sys.stderr)
        return READ_FAILED
    for problem in found.problems:
        print(f"  {problem}")
    if len(found.rates):
        store.replace_user_rates(db, found.rates, f"{path.name} (your rates)")
    print(f"Stored {len(found.rates)} rates from {path.name}; they take precedence over the ECB's.")
    return 0


def undo(args: argparse.Namespace) -> int:
    from portfolio import imports

    db = open_database(args)
    print(imports.undo_import(db, args.import_id, by=args.by).message)
    return 0


def log(args: argparse.Namespace) -> int:
    from portfolio import imports

    db = open_database(args)
    entries = imports.import_log(db.connection)
    if args.json:
        print(entries.drop(columns=["message"]).to_json(orient="records", date_format="iso", indent=2))
        return 0
    for e in entries.itertuples():
        print(
            f"{e.import_id:>4}  {e.imported_at:%Y-%m-%d %H:%M}  {e.status:<14} {e.file_name}  "
            f"(+{e.added} ~{e.updated} ={e.unchanged} x{e.rejected})"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loaders", description=__doc__.splitlines()[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="database file (default: $AIDTRACK_DB or data/aidtrack.duckdb)")
    common.add_argument(
        "--wait", type=float, default=10, help="seconds to wait while the dashboard holds the database"
    )
    common.add_argument("--by", default=os.environ.get("USER"), help="who is importing, for the log")
    commands = parser.add_subparsers(dest="command", required=True)

    i = commands.add_parser("import", parents=[common], help="preview a spreadsheet and import it")
    i.add_argument("file")
    i.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    i.add_argument("--json", action="store_true", help="print the preview as JSON")
    i.add_argument("--currency", type=str.upper, help="currency of amounts that name none")
    i.add_argument("--fixme", help="write the rejected rows and their problems to this xlsx")
    i.set_defaults(run=import_file)

    t = commands.add_parser("template", parents=[common], help="write the empty template workbook")
    t.add_argument("out")
    t.set_defaults(run=template)

    x = commands.add_parser(
        "export",
        parents=[common],
        help="write the portfolio in the template's layout (xlsx), its Projects sheet alone (.csv), or "
        "as IATI 2.03 activity XML (.xml)",
    )
    x.add_argument("out")
    x.add_argument("--funder", action="append", default=[], help="only projects of this funder (org id)")
    x.add_argument("--country", action="append", default=[], help="only projects in this country (ISO3)")
    x.add_argument("--status", action="append", default=[], help="only projects with this status")
    x.add_argument(
        "--no-illustrative",
        action="store_true",
        help="leave out illustrative projects (an IATI file (.xml) leaves them out anyway)",
    )
    x.add_argument(
        "--include-illustrative",
        action="store_true",
        help="IATI (.xml) only: publish illustrative projects too; they are made up, so left out by default",
    )
    x.add_argument(
        "--as-viewer",
        action="store_true",
        help="what a viewer may download: public projects, internal fields as 'withheld'",
    )
    x.set_defaults(run=export)

    f = commands.add_parser("rates", parents=[common], help="import your own exchange rates (xlsx/csv)")
    f.add_argument("file")
    f.set_defaults(run=import_rates)

    u = commands.add_parser("undo", parents=[common], help="undo one import")
    u.add_argument("import_id", type=int)
    u.set_defaults(run=undo)

    g = commands.add_parser("log", parents=[common], help="list the imports")
    g.add_argument("--json", action="store_true")
    g.set_defaults(run=log)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except Exception as e:
        from portfolio.store import StoreError

        if not isinstance(e, StoreError):
            raise
        print(f"{e.title}: {e}", file=sys.stderr)
        return DATABASE_UNAVAILABLE


if __name__ == "__main__":
    sys.exit(main())
