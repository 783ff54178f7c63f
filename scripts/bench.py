"""Measured figures, not claims: `make bench` (full size) or `make bench-small` (CI).

Prints a table and writes it to BENCHMARKS.md. Each figure is the median of several runs
on this machine; the table says how many cores it had and how loaded it was.

- Spreadsheet import: a sheet of --projects rows end to end, against python-calamine's parse, in
  this process and as `python -m loaders import` against a process that only parses.
- Pages: every page run with AppTest at each of --sizes projects (synthetic portfolios, kept in
  --cache): its first run with every cache empty (what the first visitor after an import
  waits for) and a rerun (any later click), and how many rows it sends to the browser.
- `python -m portfolio summary` per breakdown at the largest size, against a plain pandas
  implementation of the same breakdown on the same data, whose figures must be the same.
- The app served by `streamlit run` at each size, every page opened in headless Chromium: the
  server's peak memory, and the time from starting it to the first rendered page.

    python scripts/bench.py [--projects 100000] [--sizes 1000,100000,1000000] [--runs 3]
                            [--out BENCHMARKS.md] [--cache data/bench]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import CHROMIUM, CHROMIUM_ARGS, free_port, healthy  # noqa: E402

ENTRY = ROOT / "dashboard.py"
SERVED = ROOT / "serve.py"  # what `make run` runs
SEED = 2018
# Page label -> (file in pages/, query parameters); "{project}" is the portfolio's first project.
PAGES = {
    "Overview": ("overview", {}),
    "Projects": ("projects", {}),
    "Projects, one project open": ("projects", {"project": "{project}"}),
    "Activities": ("activities", {}),
    "Spend review": ("spend", {}),
    "What changed": ("changes", {}),
    "Data quality": ("quality", {}),
    "Import": ("imports", {}),
    "Exchange rates": ("rates", {}),
    "Settings": ("settings", {}),
    "Backups": ("backups", {}),
    # Another reporting currency, once its figures are kept (see "first view in USD").
    "Overview in USD": ("overview", {"currency": "USD"}),
    "Spend review in USD": ("spend", {"currency": "USD"}),
}
OTHER_CURRENCY = ("Overview in USD", "Spend review in USD")
BREAKDOWNS = ("funder", "implementer", "country", "sector", "year")
GOAL_PAGE_S = 1.0
GOAL_PAGE_GROWTH = 3.0
GOAL_SUMMARY_SPEEDUP = 2.0
GOAL_PEAK_MB = 2048
GOAL_COLD_START_S = 3.0


def median_seconds(run, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"


# --- Spreadsheet import ---------------------------------------------------------------------


def import_sheet(sheet: Path, template_db: Path, workdir: Path) -> None:
    """The whole import as a user runs it: read, check, preview, write, into a fresh store."""
    from loaders import pipeline
    from portfolio import imports, store

    path = workdir / f"import-{time.perf_counter_ns()}.duckdb"
    path.write_bytes(template_db.read_bytes())
    db = store.open_store(path)
    plan, _ = pipeline.preview_file(db, sheet.read_bytes(), sheet.name)
    imports.apply(db, plan)
    db.close()
    path.unlink()


def import_stages(sheet: Path, template_db: Path, workdir: Path) -> dict[str, float]:
    """One import timed step by step, to show where the time goes, and the figures after it."""
    from loaders import sheets, workbook
    from portfolio import imports, rollups, store

    path = workdir / "stages.duckdb"
    path.write_bytes(template_db.read_bytes())
    db = store.open_store(path)
    data = sheet.read_bytes()
    clock = time.perf_counter
    start = clock()
    book = workbook.read_bytes(data, sheet.name)
    read = clock()
    reference = imports.reference(db.connection)
    original, sheets.read_bytes = sheets.read_bytes, lambda data, name: book
    try:
        loaded = sheets.load(data, sheet.name, reference)
    finally:
        sheets.read_bytes = original
    checked = clock()
    plan = imports.preview(db, loaded.incoming)
    compared = clock()
    imports.apply(db, plan)
    written = clock()
    rollups.settle(db)
    settled = clock()
    db.close()
    return {
        "read the workbook (calamine, inside aidtrack)": read - start,
        "check every cell (parse amounts, dates, names)": checked - read,
        "compare with the portfolio (preview)": compared - checked,
        "write in one transaction (with undo data)": written - compared,
        SETTLE: settled - written,
    }


SETTLE = "after the import: work out the figures the pages keep (`portfolio.rollups.settle`)"


def cli_import(sheet: Path, template_db: Path, workdir: Path) -> None:
    """`python -m loaders import`, from starting the process to its exit."""
    path = workdir / f"cli-{time.perf_counter_ns()}.duckdb"
    path.write_bytes(template_db.read_bytes())
    subprocess.run(
        [sys.executable, "-m", "loaders", "import", str(sheet), "--db", str(path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    path.unlink()


def cli_parse(sheet: Path) -> None:
    """python-calamine's parse alone, in a process of its own."""
    code = (
        "import sys; from python_calamine import CalamineWorkbook; "
        "CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python()"
    )
    subprocess.run([sys.executable, "-c", code, str(sheet)], check=True)


def import_section(projects: int, runs: int, cache: Path) -> tuple[list[tuple[str, str, str]], str]:
    from python_calamine import CalamineWorkbook

    from portfolio import store, synthetic

    sheet = cache / f"synthetic-{projects}.xlsx"
    if not sheet.exists():
        print(f"Generating {sheet} ({projects:,} projects, one row each)...", flush=True)
        synthetic.write_xlsx(
            sheet, synthetic.batches(projects, SEED, prefix="BENCH"), "Benchmark portfolio (illustrative)"
        )
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        empty = workdir / "empty.duckdb"
        store.open_store(empty).close()

        def parse() -> None:
            CalamineWorkbook.from_path(str(sheet)).get_sheet_by_name("Projects").to_python()

        calamine_s = median_seconds(parse, runs)
        import_s = median_seconds(lambda: import_sheet(sheet, empty, workdir), runs)
        parse_process_s = median_seconds(lambda: cli_parse(sheet), runs)
        cli_s = median_seconds(lambda: cli_import(sheet, empty, workdir), runs)
        stages = import_stages(sheet, empty, workdir)
    ratio, cli_ratio = import_s / calamine_s, cli_s / parse_process_s

    def met(r: float) -> str:
        return "goal: at most 2x" + (", met" if r <= 2 else ", NOT met")

    rows = [
        ("python-calamine parse alone", f"{calamine_s:.2f} s", ""),
        ("aidtrack import, end to end (read, check, preview, write)", f"{import_s:.2f} s", ""),
        ("ratio import / parse", f"{ratio:.1f}x", met(ratio)),
        ("python-calamine parse, as a process of its own (`python -c ...`)", f"{parse_process_s:.2f} s", ""),
        ("`python -m loaders import`, process start to exit", f"{cli_s:.2f} s", ""),
        ("ratio command / parse process", f"{cli_ratio:.1f}x", met(cli_ratio)),
    ] + [
        (f"... of which: {what}", f"{seconds:.2f} s", "one run")
        for what, seconds in stages.items()
        if what != SETTLE
    ]
    rows.append((SETTLE, f"{stages[SETTLE]:.2f} s", "one run; pages read live meanwhile"))
    return rows, f"sheet of {projects:,} projects ({sheet.stat().st_size / 1e6:.1f} MB)"


# --- Portfolios of each size ----------------------------------------------------------------


def portfolio_db(projects: int, cache: Path) -> Path:
    """A synthetic portfolio of `projects`, made once and kept in the cache, with how long it
    took to make and the generator's peak memory beside it (synthetic-N.json)."""
    path = cache / f"synthetic-{projects}.duckdb"
    if not path.exists():
        print(f"Generating {path} ({projects:,} projects)...", flush=True)
        started = time.perf_counter()
        generator = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "portfolio",
                "synthetic",
                "--projects",
                str(projects),
                "--seed",
                str(SEED),
                "--db",
                str(path),
            ],
            cwd=ROOT,
        )
        _, status, usage = os.wait4(generator.pid, 0)  # this child's own peak, not the largest so far
        generator.returncode = os.waitstatus_to_exitcode(status)
        if generator.returncode != 0:
            raise RuntimeError(f"generating {path} failed")
        made = {"seconds": time.perf_counter() - started, "peak_mb": usage.ru_maxrss / 1024}
        path.with_suffix(".json").write_text(json.dumps(made))
        print(f"  made in {made['seconds']:.0f} s", flush=True)
    return path


def made(db: Path) -> dict | None:
    """How long the portfolio in `db` took to generate, if this script made it."""
    sidecar = db.with_suffix(".json")
    return json.loads(sidecar.read_text()) if sidecar.exists() else None


def first_project(db: Path) -> str:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT min(project_id) FROM projects").fetchall()[0][0]


def child(*args: str) -> dict | list:
    """Run this script's `args` in a fresh interpreter (its own memory and caches); its JSON."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench child {args} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- Pages with AppTest (in a child process) ------------------------------------------------


def _sent(at) -> tuple[int, int, int]:
    """Rows of tables and charts a page sends to the browser: in all, the largest element, and
    the size in KB of all its elements."""
    import pyarrow as pa

    rows, largest, size = 0, 0, 0
    stack = [at._tree]
    while stack:
        node = stack.pop()
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            stack.extend(children.values())
        elif isinstance(children, list):
            stack.extend(children)
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        count = 0
        if kind == "dataframe":
            count = len(node.value)
        elif kind == "vega_lite_chart":
            for dataset in proto.datasets:
                count += pa.ipc.open_stream(dataset.data.data).read_all().num_rows
        if proto is not None and hasattr(proto, "ByteSize"):
            size += proto.ByteSize()
        rows += count
        largest = max(largest, count)
    return rows, largest, size // 1024


def forget_other_currencies(db: str) -> None:
    """Keep the rollups in EUR only, as a portfolio nobody has viewed in another currency."""
    from portfolio import rollups, store

    opened = store.open_store(db)
    with opened.write(figures_only=True) as cur:
        for table in rollups.FIGURES:
            cur.execute(f"DELETE FROM {table} WHERE reporting_currency <> ?", [rollups.ROLLUP_CURRENCY])
        cur.execute("UPDATE meta SET value = ? WHERE key = 'rollup_currencies'", [rollups.ROLLUP_CURRENCY])
    opened.close()


def pages_child(db: str, runs: int) -> dict:
    """Each page's first run (every cache empty) and median rerun, with AppTest, as in the tests."""
    import logging

    os.environ["AIDTRACK_DB"] = db
    os.environ.pop("AIDTRACK_USERS", None)  # sign-in off: the local user is admin, every page shows
    logging.disable(logging.WARNING)
    import streamlit as st
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    # As tests/conftest.py does: every run starts at dashboard.py, as on the live server.
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    project = first_project(Path(db))

    def app(page: str, query: dict) -> AppTest:
        at = AppTest.from_file(str(ENTRY), default_timeout=600)
        for key, value in query.items():
            at.query_params[key] = value.format(project=project)
        if page != "overview":
            at.switch_page(f"pages/{page}.py")
        return at

    # A running server: the store open, the imports done, the database's pages read once (the
    # process's first reads are the cold start's, measured apart); only EUR's figures kept, as
    # in a portfolio nobody has yet looked at in another currency.
    forget_other_currencies(db)
    for label, (page, query) in PAGES.items():
        if label not in OTHER_CURRENCY:
            app(page, query).run()
    # The first page anyone opens in USD works every project's figures out in USD, once.
    at = app(*PAGES["Overview in USD"])
    start = time.perf_counter()
    at.run()
    first_in_usd = time.perf_counter() - start
    results = []
    for label, (page, query) in PAGES.items():
        if label in OTHER_CURRENCY:
            app(page, query).run()  # as after any other first view in USD
        st.cache_data.clear()  # as after an import: every cached read is gone
        at = app(page, query)
        start = time.perf_counter()
        at.run()
        first = time.perf_counter() - start
        reruns = []
        for _ in range(runs):
            start = time.perf_counter()
            at.run()
            reruns.append(time.perf_counter() - start)
        problems = [str(e.value)[:200] for e in at.exception] + [str(e.value)[:200] for e in at.error]
        rows, largest, kb = _sent(at)
        results.append(
            {
                "page": label,
                "first": first,
                "rerun": statistics.median(reruns),
                "rows": rows,
                "largest": largest,
                "kb": kb,
                "problems": problems,
            }
        )
    return {"pages": results, "first_in_usd": first_in_usd}


# --- The summary against pandas -------------------------------------------------------------


# Amounts are read as integer cents (and rates as millionths), exactly as they are stored.
CENTS = "CAST(CAST({} AS DECIMAL(38, 2)) * 100 AS BIGINT)"


def pandas_summary(db: str, by: str) -> dict:
    """The breakdown `python -m portfolio summary --by BY` prints, in plain pandas: the tables
    read into DataFrames (amounts as integer cents), converted to EUR at the ECB rate of each
    amount's date (or the nearest earlier within 7 days) and split by recorded shares, else
    equally, to the cent by largest remainder. Returns {"total", "rows": {key: [cents, projects]}}."""
    import duckdb
    import numpy as np
    import pandas as pd

    con = duckdb.connect(db, read_only=True)

    def read(sql: str) -> pd.DataFrame:
        return con.execute(sql).df()

    settings = read(
        "SELECT (SELECT count(*) FROM fx_user_rates) AS own, "
        "(SELECT value FROM meta WHERE key = 'fx_method') AS m"
    )
    if settings["own"][0] or settings["m"][0] != "daily":
        # The pandas reference converts as the generated portfolios do; anything else would make
        # the comparison unfair, so the benchmark says so rather than compare different figures.
        raise SystemExit(
            f"{db}: the pandas comparison converts at daily ECB rates only; this portfolio has its "
            "own rates or another conversion method. Run the benchmark on a generated portfolio."
        )

    projects = read(
        f"SELECT project_id, currency, {CENTS.format('budget')} AS budget, start_date, end_date, status "
        "FROM projects"
    )
    budgets = read(
        f"SELECT project_id, period_start, period_end, type, {CENTS.format('amount')} AS amount, "
        "currency, value_date FROM budgets"
    )
    rates = read(
        "SELECT currency, rate_date, CAST(CAST(per_eur AS DECIMAL(38, 6)) * 1000000 AS BIGINT) AS micro "
        "FROM fx_rates"
    )
    for frame, columns in (
        (projects, ["start_date", "end_date"]),
        (budgets, ["period_start", "period_end", "value_date"]),
        (rates, ["rate_date"]),
    ):
        for column in columns:
            frame[column] = pd.to_datetime(frame[column])

    # Budget lines: the project's budget at its start, else its periods (a revision replaces).
    counted = budgets.assign(revised=budgets["type"] == "revised").sort_values("revised")
    counted = counted.drop_duplicates(["project_id", "period_start", "period_end"], keep="last")
    counted = counted.merge(
        projects[["project_id", "currency", "budget"]], on="project_id", suffixes=("", "_p")
    )
    with_budget = projects[projects["budget"].notna()]
    lines = pd.concat(
        [
            pd.DataFrame(
                {
                    "project_id": with_budget["project_id"],
                    "cents": with_budget["budget"],
                    "currency": with_budget["currency"],
                    "value_date": with_budget["start_date"],
                }
            ),
            pd.DataFrame(
                {
                    "project_id": counted.loc[counted["budget"].isna(), "project_id"],
                    "cents": counted.loc[counted["budget"].isna(), "amount"],
                    "currency": counted.loc[counted["budget"].isna(), "currency"].fillna(
                        counted.loc[counted["budget"].isna(), "currency_p"]
                    ),
                    "value_date": counted.loc[counted["budget"].isna(), "value_date"].fillna(
                        counted.loc[counted["budget"].isna(), "period_start"]
                    ),
                }
            ),
        ],
        ignore_index=True,
    )
    lines["cents"] = lines["cents"].astype("int64")

    # To EUR: the rate of the amount's date, or the nearest earlier one within 7 days.
    foreign = lines[(lines["currency"] != "EUR") & lines["value_date"].notna()].sort_values("value_date")
    foreign = pd.merge_asof(
        foreign,
        rates.sort_values("rate_date"),
        left_on="value_date",
        right_on="rate_date",
        by="currency",
        direction="backward",
    )
    ok = foreign["micro"].notna() & ((foreign["value_date"] - foreign["rate_date"]).dt.days <= 7)
    micro = foreign["micro"].where(ok, 1).astype("int64")
    size = foreign["cents"].abs()
    foreign["eur"] = np.where(
        ok, np.sign(foreign["cents"]) * ((2 * size * 1_000_000 + micro) // (2 * micro)), 0
    )
    foreign["ok"] = ok
    domestic = lines[lines["currency"] == "EUR"].assign(eur=lambda f: f["cents"], ok=True)
    undated = lines[(lines["currency"] != "EUR") & lines["value_date"].isna()].assign(eur=0, ok=False)
    converted = pd.concat([domestic, foreign, undated], ignore_index=True)
    per_project = converted.groupby("project_id").agg(cents=("eur", "sum"), ok=("ok", "all"))
    amounts = per_project.loc[per_project["ok"], ["cents"]].reset_index()

    # Shares of the breakdown: (project_id, key, share in hundredths), NaN where not recorded.
    if by in ("funder", "implementer"):
        role = "funding" if by == "funder" else "implementing"
        orgs = read(
            f"SELECT project_id, org_id AS key, {CENTS.format('amount')} AS share, currency "
            f"FROM project_orgs WHERE role = '{role}'"
        )
        if by == "funder":
            own = orgs["currency"].fillna(
                orgs["project_id"].map(projects.set_index("project_id")["currency"])
            )
            one_currency = own.groupby(orgs["project_id"]).transform("nunique") == 1
            orgs["share"] = orgs["share"].where(one_currency)
        else:
            orgs["share"] = np.nan
        shares = orgs[["project_id", "key", "share"]]
    elif by in ("country", "sector"):
        table = "project_countries" if by == "country" else "project_sectors"
        shares = read(f"SELECT project_id, {by} AS key, CAST(share * 100 AS BIGINT) AS share FROM {table}")
    else:  # year: budget periods by the year they start, else the project's days in each year
        counted_all = counted.assign(key=counted["period_start"].dt.year.astype(str))
        by_period = counted_all.groupby(["project_id", "key"], as_index=False)["amount"].sum()
        by_period = by_period.rename(columns={"amount": "share"})
        dated = projects[projects["start_date"].notna() & ~projects["project_id"].isin(counted["project_id"])]
        end = dated["end_date"].fillna(dated["start_date"])
        spans = []
        for pid, start, stop in zip(dated["project_id"], dated["start_date"], end, strict=True):
            for year in range(start.year, stop.year + 1):
                first, last = max(start, pd.Timestamp(year, 1, 1)), min(stop, pd.Timestamp(year, 12, 31))
                spans.append((pid, str(year), ((last - first).days + 1) * 100))
        by_days = pd.DataFrame(spans, columns=["project_id", "key", "share"])
        shares = pd.concat([by_period, by_days], ignore_index=True)

    # Split each project's cents by weight; the largest remainders get the odd cents.
    stats = shares.groupby("project_id").agg(
        n=("key", "size"), n_recorded=("share", "count"), total=("share", "sum")
    )
    parts = amounts.merge(shares, on="project_id", how="left").merge(stats, on="project_id", how="left")
    recorded = (parts["n_recorded"] == parts["n"]) & (parts["total"] > 0)
    weight = parts["share"].where(recorded, 1).fillna(1).astype("int64")
    size = parts["cents"].abs().astype(object) * weight.astype(object)  # exact: can pass 2**63
    whole = weight.groupby(parts["project_id"]).transform("sum").astype(object)
    parts["base"] = (size // whole).astype("int64")
    parts["remainder"] = (size % whole).astype("int64")
    parts["missing"] = parts["cents"].abs() - parts.groupby("project_id")["base"].transform("sum")
    parts = parts.sort_values(
        ["project_id", "remainder", "key"], ascending=[True, False, True], na_position="last"
    )
    rank = parts.groupby("project_id").cumcount() + 1
    parts["part"] = np.sign(parts["cents"]) * (parts["base"] + (rank <= parts["missing"]).astype("int64"))
    rows = parts.groupby(parts["key"].fillna("(not recorded)")).agg(
        cents=("part", "sum"), projects=("project_id", "size")
    )
    return {
        "total": int(amounts["cents"].sum()),
        "rows": {key: [int(r.cents), int(r.projects)] for key, r in rows.iterrows()},
    }


def summary_section(db: Path, runs: int) -> list[dict]:
    """Each breakdown: `python -m portfolio summary --json` against pandas, both as a fresh
    process reading the database, median of `runs`; and whether their figures are the same."""
    results = []
    for by in BREAKDOWNS:
        command = [sys.executable, "-m", "portfolio", "summary", "--by", by, "--db", str(db), "--json"]
        aidtrack_times, pandas_times, report, figures = [], [], None, None
        for _ in range(runs):
            start = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
            aidtrack_times.append(time.perf_counter() - start)
            report = json.loads(done.stdout)
            start = time.perf_counter()
            figures = child("--child", "pandas", "--db", str(db), "--by", by)
            pandas_times.append(time.perf_counter() - start)
        theirs = {
            "(not recorded)" if r["key"] is None else r["key"]: [
                int(Decimal(r["amount"]) * 100),
                r["projects"],
            ]
            for r in report["rows"]
        }
        same = theirs == figures["rows"] and int(Decimal(report["total"]) * 100) == figures["total"]
        results.append(
            {
                "by": by,
                "aidtrack": statistics.median(aidtrack_times),
                "pandas": statistics.median(pandas_times),
                "same": same,
                "keys": len(theirs),
            }
        )
    return results


# --- The served app in a browser ------------------------------------------------------------


def _peak_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def browser_child(db: str) -> dict:
    """Start `streamlit run serve.py` (as `make run`) on `db`, open the Overview in Chromium (already running)
    and time it from the start of the server; then open every page; the server's peak memory."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "AIDTRACK_DB": db}
    env.pop("AIDTRACK_USERS", None)
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(SERVED),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    project = first_project(Path(db))
    timings = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 2600}).new_page()
        page.set_default_timeout(300_000)
        started = time.perf_counter()
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        try:
            while not healthy(url):
                if server.poll() is not None:
                    raise RuntimeError("streamlit exited")
                time.sleep(0.05)
            up = time.perf_counter() - started
            page.goto(url)
            page.get_by_text("Portfolio overview", exact=True).wait_for()
            page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
            cold = time.perf_counter() - started
            peak_eur = None
            for label, (name, query) in PAGES.items():
                if label in OTHER_CURRENCY and peak_eur is None:
                    peak_eur = _peak_mb(server.pid)
                path = "" if name == "overview" else name
                if query:
                    path += "?" + "&".join(f"{k}={v.format(project=project)}" for k, v in query.items())
                start = time.perf_counter()
                page.goto(f"{url}/{path}")
                page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
                page.locator('[data-testid="stMainBlockContainer"] h1').first.wait_for()
                timings[label] = time.perf_counter() - start
            peak = _peak_mb(server.pid)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
            browser.close()
    return {"cold_start": cold, "server_up": up, "peak_mb": peak_eur, "peak_all_mb": peak, "pages": timings}


# --- A write ------------------------------------------------------------------------------


def write_child(db: str, runs: int) -> dict:
    """An edit of one project's title (then back), saved as the project view saves it (checked as
    a one-row sheet, written as an import with its undo rows and change log): the whole save, and
    the part spent bringing the rollups in step, in every currency the portfolio keeps."""
    from loaders import pipeline
    from portfolio import imports, rollups, store

    project = first_project(Path(db))
    opened = store.open_store(db)
    title = opened.value("SELECT title FROM projects WHERE project_id = ?", [project])
    spent, whole = [], []
    original = rollups.rebuild

    def timed(cur):
        start = time.perf_counter()
        try:
            return original(cur)
        finally:
            spent.append(time.perf_counter() - start)

    rollups.rebuild = timed
    try:
        for n in range(runs * 2):
            start = time.perf_counter()
            plan, _ = pipeline.preview_edit(
                opened, project, {"title": title + (" (edited)" if n % 2 == 0 else "")}
            )
            imports.apply(opened, plan, by="bench")
            whole.append(time.perf_counter() - start)
    finally:
        rollups.rebuild = original
        kept = rollups.kept(opened.connection)
        opened.close()
    return {"write": statistics.median(whole), "rollups": statistics.median(spent), "currencies": kept}


# --- The report -----------------------------------------------------------------------------


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def pages_table(sizes: list[int], pages: dict[int, list[dict]]) -> list[str]:
    small, large = min(sizes), max(sizes)
    head = (
        "| page | "
        + " | ".join(f"{n:,}: first run | {n:,}: rerun" for n in sizes)
        + f" | rows sent at {large:,} (largest element) | goal at {large:,} |"
    )
    lines = [head, "|---|" + "---:|---:|" * len(sizes) + "---:|---|"]
    by_page = {size: {r["page"]: r for r in measured["pages"]} for size, measured in pages.items()}
    for label in PAGES:
        cells = []
        for size in sizes:
            r = by_page[size][label]
            flag = " (error)" if r["problems"] else ""
            cells += [f"{r['first']:.2f} s{flag}", f"{r['rerun']:.3f} s"]
        big, base = by_page[large][label], by_page[small][label]
        growth = big["rerun"] / base["rerun"]
        rerun_ok = big["rerun"] <= GOAL_PAGE_S and growth <= GOAL_PAGE_GROWTH
        goal = f"rerun {_met(rerun_ok)} ({growth:.1f}x); first run under {GOAL_PAGE_S:.0f} s: "
        goal += "yes" if big["first"] <= GOAL_PAGE_S else "NO"
        lines.append(
            f"| {label} | "
            + " | ".join(cells)
            + f" | {big['rows']:,} ({big['largest']:,}; {big['kb']:,} KB) | {goal} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000, help="rows of the import benchmark's sheet")
    parser.add_argument("--sizes", default="1000,100000,1000000", help="portfolio sizes for the pages")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cold-starts", type=int, default=1, help="server starts timed at each size")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument("--cache", default=str(ROOT / "data" / "bench"), help="where generated data is kept")
    parser.add_argument("--no-browser", action="store_true", help="skip the served app (memory, cold start)")
    parser.add_argument("--child", choices=("pages", "pandas", "browser", "write"), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--by", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child == "pages":
        print(json.dumps(pages_child(args.db, args.runs)))
        return 0
    if args.child == "pandas":
        print(json.dumps(pandas_summary(args.db, args.by)))
        return 0
    if args.child == "browser":
        print(json.dumps(browser_child(args.db)))
        return 0
    if args.child == "write":
        print(json.dumps(write_child(args.db, args.runs)))
        return 0

    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    load_before = load()
    print(f"Machine load before: {load_before}", flush=True)

    import_rows, sheet_note = import_section(args.projects, args.runs, cache)
    print("Import measured.", flush=True)
    dbs = {size: portfolio_db(size, cache) for size in sizes}
    pages = {}
    for size in sizes:
        pages[size] = child("--child", "pages", "--db", str(dbs[size]), "--runs", str(args.runs))
        print(f"Pages measured at {size:,} projects.", flush=True)
    writes = {
        size: child("--child", "write", "--db", str(dbs[size]), "--runs", str(args.runs)) for size in sizes
    }
    print("Writes measured.", flush=True)
    summaries = summary_section(dbs[max(sizes)], args.runs)
    print("Summaries measured.", flush=True)
    served = {}
    if not args.no_browser and CHROMIUM.exists():
        for size in sizes:
            # A cold start varies by half a second either way on a shared machine: the median.
            starts = [child("--child", "browser", "--db", str(dbs[size])) for _ in range(args.cold_starts)]
            cold = [r["cold_start"] for r in starts]
            served[size] = {**starts[-1], "cold_start": statistics.median(cold), "cold_starts": cold}
            print(f"Served app measured at {size:,} projects.", flush=True)
    load_after = load()

    large = max(sizes)
    header = (
        f"Measured {date.today().isoformat()} on {platform.machine()} with {os.cpu_count()} cores "
        f"(shared with other work: load average before {load_before}, after {load_after}), "
        f"Python {platform.python_version()}; median of {args.runs} runs."
    )
    sizes_note = (
        f"Portfolios: `python -m portfolio synthetic --projects N --seed {SEED}` "
        + ", ".join(f"{n:,}" for n in sizes)
        + " projects (about 10 transactions, 3 budget periods, 1.5 funders, 1.2 implementers, 1.8 countries, "
        "1.3 sectors and 1.4 events each; six currencies)."
    )
    text = [
        "# Benchmarks",
        "",
        header,
        "",
        "`make bench` measures all of it (the portfolios are generated once into `data/bench/`); "
        "`make bench-small` runs the same at a small size in CI.",
        "",
        "## Spreadsheet import",
        "",
        f"A {sheet_note}.",
        "",
        "| what | measured | note |",
        "|---|---:|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in import_rows],
        "",
        "The import is saved, logged and shown on every page when it ends. The figures the pages keep "
        "per project (`portfolio.rollups`) are worked out for the new projects after it, in a write of "
        "their own (the last row): by the Import page straight away, or, after `python -m loaders import`, "
        "when aidtrack next opens the database. Until then pages work those figures out live, "
        "the same figures, more slowly.",
        "",
        "## Pages",
        "",
        sizes_note,
        "Each page run with AppTest from `dashboard.py`, as the tests do, in a process that has opened "
        "every page once (a running server): **first run** with every cached read emptied (the first "
        "view after an import, or of a new filter), then the median **rerun** (any later click). "
        "A process's very first page is in the cold start below. Goal for the rerun: at most "
        f"{GOAL_PAGE_S:.0f} s at {large:,} and at most {GOAL_PAGE_GROWTH:.0f}x the time at {min(sizes):,}; "
        f"the first run is held to {GOAL_PAGE_S:.0f} s too. "
        "Rows sent: rows of every table and chart the page sends to the browser.",
        "",
        *pages_table(sizes, pages),
        "",
        "The rows in USD are views once the portfolio keeps its figures in USD. The first view in a "
        "currency not kept yet works every project out in it (`portfolio.rollups.keep`), once, behind "
        "a spinner that says so: "
        + ", ".join(f"{pages[size]['first_in_usd']:.1f} s at {size:,}" for size in sizes)
        + ".",
        "",
    ]
    problems = [
        (size, r["page"], r["problems"])
        for size, measured in pages.items()
        for r in measured["pages"]
        if r["problems"]
    ]
    for size, label, found in problems:
        text.append(f"- {label} at {size:,}: {'; '.join(found)}")
    text += [
        "",
        f"## `python -m portfolio summary` against pandas, at {large:,} projects",
        "",
        "Both run as a fresh process on the same database, median of "
        f"{args.runs}: `python -m portfolio summary --by X --json` against a plain pandas version "
        "(in `scripts/bench.py`) that reads the tables into DataFrames and converts, splits and "
        f"adds up the same way. Goal: aidtrack at least {GOAL_SUMMARY_SPEEDUP:.0f}x faster, same figures.",
        "",
        "| breakdown | aidtrack | pandas | pandas / aidtrack | same figures | goal |",
        "|---|---:|---:|---:|---|---|",
    ]
    for s in summaries:
        speedup = s["pandas"] / s["aidtrack"]
        text.append(
            f"| {s['by']} ({s['keys']} rows) | {s['aidtrack']:.2f} s | {s['pandas']:.2f} s "
            f"| {speedup:.1f}x | {'yes' if s['same'] else 'NO'} "
            f"| {_met(speedup >= GOAL_SUMMARY_SPEEDUP and s['same'])} |"
        )
    generated = [(size, made(db)) for size, db in dbs.items() if made(db)]
    if generated:
        text += [
            "",
            "## Generating the portfolios",
            "",
            "`python -m portfolio synthetic --projects N --db PATH` (one import per 50,000 projects), "
            "when the cache did not have it yet:",
            "",
            "| projects | time | peak memory |",
            "|---:|---:|---:|",
            *[f"| {size:,} | {m['seconds']:.0f} s | {m['peak_mb']:,.0f} MB |" for size, m in generated],
        ]
    text += [
        "",
        "## What it costs a write",
        "",
        "Every write brings the rollups in step (`portfolio/rollups.py`), in every currency the "
        "portfolio keeps: it hashes the rows of the projects the write changed, and works out again "
        "those whose hash changed. Here an editor changes one project's title in the project view "
        "(then back), median of "
        f"{args.runs * 2}: the fields checked as a one-row sheet, then written as an import with its "
        "undo rows and change log (an edit is not backed up first, a file import is).",
        "",
        "| projects | whole save | of which rollups | currencies kept |",
        "|---:|---:|---:|---|",
        *[
            f"| {size:,} | {w['write']:.2f} s | {w['rollups']:.2f} s | {', '.join(w['currencies'])} |"
            for size, w in writes.items()
        ],
    ]
    if served:
        text += [
            "",
            "## The served app",
            "",
            "`streamlit run serve.py` (as `make run`) on each portfolio, every page opened in headless "
            "Chromium on the same two cores. "
            "Cold start: from starting the server to the Overview rendered (the browser already open, "
            f"a new browser context with nothing cached), median of {args.cold_starts} server starts. "
            "Peak memory: the server process's VmHWM after opening every page. "
            f"Goals at {large:,}: cold start at most {GOAL_COLD_START_S:.0f} s, "
            f"peak at most {GOAL_PEAK_MB:,} MB.",
            "",
            "| projects | cold start to first page (each start; server answering) | peak memory, every page "
            "| and then in USD | slowest page opened in the browser | goal |",
            "|---:|---:|---:|---:|---:|---|",
        ]
        for size, r in served.items():
            slowest = max(
                ((label, t) for label, t in r["pages"].items() if label not in OTHER_CURRENCY),
                key=lambda kv: kv[1],
            )
            cold_ok, peak_ok = r["cold_start"] <= GOAL_COLD_START_S, r["peak_mb"] <= GOAL_PEAK_MB
            goal = f"cold start {_met(cold_ok)}; memory {_met(peak_ok)}" if size == large else ""
            text.append(
                f"| {size:,} | {r['cold_start']:.2f} s ({', '.join(f'{c:.2f}' for c in r['cold_starts'])}; "
                f"server up {r['server_up']:.2f} s) | {r['peak_mb']:,.0f} MB "
                f"| {r['peak_all_mb']:,.0f} MB | {slowest[0]} {slowest[1]:.2f} s | {goal} |"
            )
    text.append("")
    report = "\n".join(text)
    print(report)
    if args.out:
        Path(args.out).write_text(report, encoding="utf-8")
    # Slow figures are reported, not failed (machines differ); a broken page or a wrong figure fails.
    wrong = [s["by"] for s in summaries if not s["same"]]
    if problems or wrong:
        print(f"error: pages failed {problems} or figures differ from pandas {wrong}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
