"""Command line: `python -m portfolio COMMAND ...`, on the same store as the app.

summary and spend read it; synthetic writes generated projects; backup, backups and restore
keep and put back copies of the whole database.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from decimal import Decimal
from pathlib import Path

from portfolio import access, backup, queries, store
from portfolio.filters import Filters
from portfolio.money import BREAKDOWNS


def _db(args: argparse.Namespace) -> str:
    return args.db or os.environ.get("AIDTRACK_DB") or str(store.DEFAULT_DB)


def _filters(args: argparse.Namespace) -> Filters:
    """The sidebar's filters, as options: a filtered page's figures can be reconciled from here."""
    return Filters(
        funders=tuple(args.funder or ()),
        implementers=tuple(args.implementer or ()),
        countries=tuple(c.upper() for c in args.country or ()),
        sectors=tuple(args.sector or ()),
        statuses=tuple(args.status or ()),
        year_from=args.year_from,
        year_to=args.year_to,
        include_illustrative=not args.no_illustrative,
    )


def _filter_options(parser: argparse.ArgumentParser) -> None:
    for name, what in (
        ("funder", "a funder's org id"),
        ("implementer", "an implementing agency's org id"),
        ("country", "an ISO alpha-3 country or region code"),
        ("sector", "a DAC 5-digit sector code"),
        ("status", "a status (implementation, closed, ...)"),
    ):
        parser.add_argument(f"--{name}", action="append", help=f"only projects with {what}; repeat for more")
    parser.add_argument(
        "--from", dest="year_from", metavar="YEAR", type=int, help="only projects running in YEAR or later"
    )
    parser.add_argument(
        "--to", dest="year_to", metavar="YEAR", type=int, help="only projects running in YEAR or before"
    )
    parser.add_argument("--no-illustrative", action="store_true", help="leave out illustrative projects")


def summary(args: argparse.Namespace) -> int:
    path = _db(args)
    if not os.path.exists(path):
        print(
            f"No database at {path}. Start the app once (make run) or pass --db.",
            file=sys.stderr,
        )
        return 2
    db = store.open_store(path)
    con = db.connection
    filters = _filters(args)
    head = queries.headline(con, filters, args.currency)
    rows = queries.breakdown(con, args.by, filters, args.currency)
    parts = sum(rows["amount"], Decimal(0))
    # Counted only when a part is estimated: it reads every project's split again.
    split_equally = (
        queries.estimated_projects(con, args.by, filters, args.currency) if rows["estimated"].any() else 0
    )
    # Nothing recorded or nothing converted is no total, not 0.00: said as the pages say it.
    total = head.total
    unconverted = queries.unconverted_currencies(con, filters, args.currency) if head.unconverted else []
    if args.json:
        report = {
            "by": args.by,
            "currency": args.currency,
            "total": None if total is None else str(total),
            "total_not_known": head.why_no_total,
            "projects": head.projects,
            "projects_with_budget": head.with_budget,
            "projects_without_budget": head.without_budget,
            "projects_unconverted": head.unconverted,
            # The currencies of the budgets left out for want of a rate for their date.
            "unconverted_currencies": unconverted,
            "projects_split_equally": split_equally,
            "rows": [
                {
                    "key": None if r.not_recorded else r.key,
                    "name": r.name,
                    "amount": str(r.amount),
                    "projects": int(r.projects),
                    "estimated": bool(r.estimated),
                }
                for r in rows.itertuples()
            ],
        }
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        heading = f"Budget by {args.by}"
        width = max([len(str(n)) for n in rows["name"]] + [len(heading)])
        print(f"{heading:<{width}}  {args.currency:>18}  projects  split")
        for r in rows.itertuples():
            split = "estimated" if r.estimated else "recorded"
            print(f"{r.name:<{width}}  {r.amount:>18,.2f}  {r.projects:>8}  {split}")
        shown = "not recorded" if total is None else f"{total:,.2f}"
        print(f"{'Total':<{width}}  {shown:>18}  {head.with_budget:>8}")
        print(
            f"\n{_count(head.projects, 'project')}; {head.without_budget:,} without a recorded budget, "
            f"{head.unconverted:,} not convertible to {args.currency} (left out of the total)."
        )
        if unconverted:
            currencies = ", ".join(unconverted)
            print(f"Not convertible to {args.currency}: budgets in {currencies}, no rate for their date.")
        if total is None:
            print(f"Total: not recorded. {head.why_no_total}")
        if split_equally:
            whose = "1 project's money is" if split_equally == 1 else f"{split_equally:,} projects' money is"
            print(
                f"Estimated: {whose} split equally by {args.by} because shares or contributions are not "
                "recorded."
            )
    if parts != (total or 0):
        print(
            f"error: the parts add up to {parts}, not {total}",
            file=sys.stderr,
        )
        return 1
    return 0


def _count(n: int, thing: str) -> str:
    """'1 project', '3 projects'."""
    return f"{n:,} {thing}{'' if n == 1 else 's'}"


def spend_review(args: argparse.Namespace) -> int:
    from datetime import date

    import pandas as pd

    from portfolio import spend

    path = _db(args)
    if not os.path.exists(path):
        print(f"No database at {path}. Start the app once (make run) or pass --db.", file=sys.stderr)
        return 2
    db = store.open_store(path)
    if args.method:
        store.set_fx_method(db, args.method)
    filters = _filters(args)
    if args.by == "project":
        rows = spend.project_review(db.connection, filters, args.currency, date.today())
        if args.flagged:
            rows = rows[rows["flags"] > 0]
        columns = [
            "project_id",
            "budget",
            "commitments",
            "disbursements",
            "expenditure",
            # What 'remaining' is the budget less: expenditure where the project reports any, else
            # disbursements. Without it a project's remaining could not be worked out from the row.
            "spent",
            "remaining",
            "flag_text",
        ]
    else:
        rows = spend.review_by(db.connection, args.by, filters, args.currency)
        columns = [c for c in rows.columns if c != "key"]
    if args.json:
        print(rows[columns].to_json(orient="records", date_format="iso", indent=2, default_handler=str))
        return 0
    # A missing amount says why, as the Spend review's tables say it: it printed '<NA>'.
    if args.by == "project":
        why = spend.why_missing(rows)
    else:
        # Spending that is missing: none recorded, or none with a rate, as the page's headline says.
        spent = rows["spent"].isna().any() and spend.review_totals(db.connection, filters, args.currency)
        why = pd.DataFrame(
            {"budget": spend.NO_BUDGET, "spent": spend.no_transaction(spent) if spent else None},
            index=rows.index,
        )
    rows = rows[columns].astype(dict.fromkeys(why.columns.intersection(columns), object))
    for column in why.columns.intersection(columns):
        rows[column] = rows[column].where(rows[column].notna(), why[column])
    print(
        f"Spend review by {args.by}, {args.currency}, converted by {store.FX_METHODS[store.fx_method(db)]}."
    )
    print(rows.to_string(index=False, max_colwidth=60) if len(rows) else "No projects match.")
    return 0


def synthetic(args: argparse.Namespace) -> int:
    from portfolio import synthetic as generator

    if not args.db and not args.xlsx:
        print("Say where to write: --db PATH, --xlsx PATH or both.", file=sys.stderr)
        return 2
    name = f"synthetic n={args.projects} seed={args.seed}"
    if args.db:
        db = store.open_store(args.db)
        # One import per batch, each whole (projects with all their rows) and in one transaction:
        # a million projects (ten million transactions) never sit in memory at once.
        for batch in generator.batches(args.projects, args.seed, args.prefix, size=args.batch):
            first, last = batch["projects"]["project_id"].iloc[[0, -1]]
            store.add_records(db, batch, f"{name}: {first} to {last}", "synthetic")
        db.close()
        print(f"Wrote {args.projects:,} illustrative projects to {args.db}.")
    if args.xlsx:
        generator.write_xlsx(
            args.xlsx,
            generator.batches(args.projects, args.seed, args.prefix),
            f"Illustrative portfolio ({name}): not real projects",
        )
        print(f"Wrote {args.projects:,} illustrative projects, one row each, to {args.xlsx}.")
    return 0


def _existing_store(args: argparse.Namespace) -> store.Store | None:
    """The store at --db, or None (with a message) when there is none or another process holds it."""
    path = _db(args)
    if not os.path.exists(path):
        print(f"No database at {path}. Start the app once (make run) or pass --db.", file=sys.stderr)
        return None
    try:
        return store.open_store(path)
    except store.DatabaseHeld:
        print(
            f"{path} is open in another process, most likely the aidtrack dashboard. Use its Backups "
            "page, or stop it and run this command again.",
            file=sys.stderr,
        )
        return None


def _size(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


def make_backup(args: argparse.Namespace) -> int:
    db = _existing_store(args)
    if db is None:
        return 2
    made = backup.make(db)
    print(f"Backed up {made.projects} projects to {made.path} ({_size(made.size)}).")
    return 0


def list_backups(args: argparse.Namespace) -> int:
    path = _db(args)
    found = backup.backups(path)
    if not found:
        print(f"No backups of {path} yet (they are kept in {backup.folder(path)}).")
        return 0
    width = max(len(b.name) for b in found)
    print(f"{'name':<{width}}  {'when (UTC)':<16}  {'projects':>8}  {'size':>9}  why")
    for b in found:
        print(f"{b.name:<{width}}  {b.made_at:%Y-%m-%d %H:%M}  {b.projects:>8}  {_size(b.size):>9}  {b.why}")
    return 0


def restore_backup(args: argparse.Namespace) -> int:
    db = _existing_store(args)
    if db is None:
        return 2
    restored = backup.find(db.path, args.name)
    replaced = backup.restore(db, args.name)
    print(
        f"Restored {restored.name} ({restored.projects} projects, {restored.why}, made "
        f"{restored.made_at:%Y-%m-%d %H:%M} UTC). The state it replaced is kept as {replaced.name}."
    )
    return 0


def _users_file() -> Path:
    path = access.users_path()
    if path is None:
        raise access.AccessError(
            "Set AIDTRACK_USERS to the users file (outside the repository), e.g. "
            "export AIDTRACK_USERS=/etc/aidtrack/users.json"
        )
    if path.resolve().is_relative_to(Path(__file__).resolve().parents[1]):
        print(f"warning: {path} is inside the project's folder; keep it out of git.", file=sys.stderr)
    return path


def _new_password(args: argparse.Namespace) -> str:
    """From stdin with --password-stdin (for scripts), else asked twice without echo."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(f"Password for {args.name}: ")
    if getpass.getpass("Again: ") != first:
        raise access.AccessError("The two passwords differ; nothing was changed.")
    return first


def users(args: argparse.Namespace) -> int:
    try:
        path = _users_file()
        if args.action == "list":
            found = access.read_users(path)
            if not found:
                print(f"No users in {path} yet.")
            for u in found.values():
                sign_in = ", ".join(
                    w for w, has in (("password", u.password), (u.email or "", u.email)) if has
                )
                print(f"{u.name:<20} {u.role:<7} {sign_in}")
        elif args.action == "add":
            password = (
                None if args.email and not args.password_stdin and args.no_password else _new_password(args)
            )
            user = access.add_user(path, args.name, args.role, password, args.email)
            print(f"Added {user.name} as {user.role} to {path}.")
        elif args.action == "remove":
            access.remove_user(path, args.name)
            print(f"Removed {args.name}; they are signed out at their next click.")
        elif args.action == "set-role":
            access.set_role(path, args.name, args.role)
            print(f"{args.name} is now {args.role}.")
        elif args.action == "password":
            access.set_password(path, args.name, _new_password(args))
            print(f"Changed the password of {args.name}.")
    except access.AccessError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portfolio", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    s = commands.add_parser("summary", help="the Overview's breakdown and total, from the terminal")
    s.add_argument("--by", choices=BREAKDOWNS, default="funder")
    s.add_argument("--db", help="database file (default: $AIDTRACK_DB or data/aidtrack.duckdb)")
    s.add_argument("--currency", default=queries.REPORTING_CURRENCY, type=str.upper)
    _filter_options(s)
    s.add_argument("--json", action="store_true", help="print JSON (amounts as exact strings)")
    s.set_defaults(run=summary)

    r = commands.add_parser(
        "spend", help="budget against commitments, disbursements and spending, with flags"
    )
    r.add_argument("--by", choices=("project", "funder", "implementer", "year"), default="project")
    r.add_argument("--db", help="database file (default: $AIDTRACK_DB or data/aidtrack.duckdb)")
    r.add_argument("--currency", default=queries.REPORTING_CURRENCY, type=str.upper)
    r.add_argument("--flagged", action="store_true", help="only projects with a flag")
    _filter_options(r)
    r.add_argument("--method", choices=tuple(store.FX_METHODS), help="set how this portfolio converts, first")
    r.add_argument("--json", action="store_true", help="print JSON (amounts as exact strings)")
    r.set_defaults(run=spend_review)

    g = commands.add_parser("synthetic", help="write a generated illustrative portfolio")
    g.add_argument("--projects", type=int, required=True)
    g.add_argument("--seed", type=int, default=2018)
    g.add_argument("--prefix", default="SYN", help="project id prefix")
    g.add_argument("--db", help="write the projects into this database")
    g.add_argument("--xlsx", help="write them as a one-row-per-project sheet, for import benchmarks")
    g.add_argument("--batch", type=int, default=50_000, help="projects per import (default 50,000)")
    g.set_defaults(run=synthetic)

    db_help = "database file (default: $AIDTRACK_DB or data/aidtrack.duckdb)"
    b = commands.add_parser("backup", help="back up the whole database now, beside it")
    b.add_argument("--db", help=db_help)
    b.set_defaults(run=make_backup)

    k = commands.add_parser("backups", help="list the backups: name, when, why, projects, size")
    k.add_argument("--db", help=db_help)
    k.set_defaults(run=list_backups)

    t = commands.add_parser("restore", help="put the database back exactly as a backup holds it")
    t.add_argument("name", help="the backup's name, as `backups` lists it")
    t.add_argument("--db", help=db_help)
    t.set_defaults(run=restore_backup)

    u = commands.add_parser("users", help="accounts for sign-in, in the file $AIDTRACK_USERS")
    actions = u.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="every account with its role")
    a = actions.add_parser("add", help="a new account; asks for its password")
    a.add_argument("name")
    a.add_argument("--role", choices=access.ROLES, required=True)
    a.add_argument("--email", help="the e-mail its single sign-on (OpenID Connect) reports")
    a.add_argument("--no-password", action="store_true", help="single sign-on only, with --email")
    for name, what in (("remove", "delete an account"), ("password", "set a new password")):
        actions.add_parser(name, help=what).add_argument("name")
    r = actions.add_parser("set-role", help="give an account another role")
    r.add_argument("name")
    r.add_argument("role", choices=access.ROLES)
    for action in actions.choices.values():
        action.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    u.set_defaults(run=users)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except store.StoreError as e:
        print(f"{e.title}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
