"""Imports at the same time: two command lines, two app sessions, and readers during a write."""

import re
import subprocess
import sys
import threading
import time
from decimal import Decimal

from loaders import pipeline
from portfolio import imports, queries, store, synthetic
from portfolio.filters import Filters

from .conftest import ROOT


def sheet(projects: int, prefix: str) -> bytes:
    """A programme manager's sheet of generated projects, one row each."""
    rows = synthetic.flat_sheet(synthetic.generate(projects, prefix=prefix))
    return rows.to_csv(index=False).encode()


def cli_import(path, db_path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "loaders", "import", str(path), "--db", str(db_path), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_command_line_imports_wait_for_each_other_or_are_refused(sample_db, tmp_path):
    first_sheet, second_sheet = tmp_path / "first.csv", tmp_path / "second.csv"
    # Over 1 MB, so the CLI reports its progress; large enough that it still holds the database when
    # the other two processes (a second or so to start on a busy machine) ask for it.
    first_sheet.write_bytes(sheet(20000, "ONE"))
    second_sheet.write_bytes(sheet(50, "TWO"))

    first = cli_import(first_sheet, sample_db)
    assert "Reading first.csv" in first.stderr.readline()  # it holds the database from here on
    refused = cli_import(second_sheet, sample_db, "--wait", "0")
    waiting = cli_import(second_sheet, sample_db, "--wait", "60")
    # The refusal naming the first import's process shows it came while that import held the
    # database; whether the first is still running once the refused process has exited depends on
    # how busy the machine is.
    _, refusal = refused.communicate(timeout=60)
    first_out, _ = first.communicate(timeout=120)
    waited_out, waited_err = waiting.communicate(timeout=120)

    assert refused.returncode == 1
    assert refusal.strip() == (
        f"The dashboard holds the database: {sample_db} is held by process {first.pid}, most likely the "
        "aidtrack dashboard, which keeps the database open while it runs. Nothing was imported. Import "
        "through the dashboard's Import page, or stop the dashboard and run this command again."
    )
    assert first.returncode == 0 and "Saved as import 3" in first_out
    assert waiting.returncode == 0, waited_err
    assert "Saved as import 4" in waited_out

    db = store.open_store(sample_db)
    log = imports.import_log(db.connection)
    assert log[["import_id", "file_name", "status", "added"]].head(2).values.tolist() == [
        [4, "second.csv", "done", 50],
        [3, "first.csv", "done", 20000],
    ]
    assert db.value("SELECT count(*) FROM projects") == 43 + 20000 + 50


def test_two_sessions_importing_at_once_one_is_refused_and_nothing_is_half_written(sample_db):
    db = store.open_store(sample_db)
    files = {"north.csv": sheet(300, "NORTH"), "south.csv": sheet(300, "SOUTH")}
    plans = {name: pipeline.preview_file(db, data, name)[0] for name, data in files.items()}
    both_ready = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def session(name: str) -> None:
        both_ready.wait()
        try:
            outcome[name] = imports.apply(db, plans[name], by=name)
        except store.StoreError as e:
            outcome[name] = e

    threads = [threading.Thread(target=session, args=(name,)) for name in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    saved = [name for name, result in outcome.items() if isinstance(result, int)]
    refused = [name for name, result in outcome.items() if isinstance(result, store.StoreError)]
    assert len(saved) == 1 and len(refused) == 1, outcome
    assert str(outcome[refused[0]]).startswith(
        "The portfolio changed after this preview was made (another import or edit). Nothing was saved"
    )
    prefix = {"north.csv": "NORTH", "south.csv": "SOUTH"}
    counts = dict(
        db.cursor()
        .execute("SELECT split_part(project_id, '-', 1), count(*) FROM projects GROUP BY 1")
        .fetchall()
    )
    assert counts[prefix[saved[0]]] == 300 and prefix[refused[0]] not in counts
    log = imports.import_log(db.connection)
    assert log["status"].head(1).tolist() == ["done"] and len(log) == 3  # the sample's two, and this one

    # Previewed again, the refused file imports after the first.
    again = pipeline.preview_file(db, files[refused[0]], refused[0])[0]
    imports.apply(db, again)
    assert db.value("SELECT count(*) FROM projects") == 43 + 600


def test_readers_during_an_import_see_the_portfolio_before_or_after_never_a_mix(sample_db):
    """Fifty reader threads on the app's one store, over and over while an import writes: three
    read the Overview's headline (projects and total in one query), three its breakdown by
    funder (portfolio.queries, about 0.2 s each), the rest the project count and budget.

    Each query sees one state. Two queries may not: a headline from before the import and a
    breakdown from after it are both right, each of its own moment."""
    db = store.open_store(sample_db)
    everything = Filters()

    def headline() -> tuple:
        head = queries.headline(db.connection, everything, "EUR")
        return "headline", head.projects, head.total_budget

    def breakdown() -> tuple:
        by_funder = queries.breakdown(db.connection, "funder", everything, "EUR")
        return "breakdown", sum(by_funder["amount"], Decimal(0))

    def count_and_budget() -> tuple:
        with db.cursor() as cur:
            return ("count", *cur.execute("SELECT count(*), sum(budget) FROM projects").fetchall()[0])

    before = {headline(), breakdown(), count_and_budget()}
    plan, _ = pipeline.preview_file(db, sheet(1000, "MORE"), "more.csv")
    reading = threading.Barrier(51)
    writing, written = threading.Event(), threading.Event()
    seen: list[tuple] = []
    during: list[bool] = []

    def reader(read) -> None:
        seen.append(read())
        reading.wait()
        while not written.is_set():
            started_while_writing = writing.is_set()
            seen.append(read())
            during.append(started_while_writing and not written.is_set())
            time.sleep(0.01)
        seen.append(read())

    threads = [
        threading.Thread(target=reader, args=((headline, breakdown)[n % 2] if n < 6 else count_and_budget,))
        for n in range(50)
    ]
    for t in threads:
        t.start()
    reading.wait()
    writing.set()
    imports.apply(db, plan)
    written.set()
    for t in threads:
        t.join(timeout=120)

    after = {headline(), breakdown(), count_and_budget()}
    assert {r[1] for r in after if r[0] != "breakdown"} == {43 + 1000}
    assert set(seen) == before | after
    assert any(during), "some reads should have run while the import was writing"


def test_a_page_read_while_an_import_lands_is_read_again_all_at_the_new_version(sample_db, monkeypatch):
    """The headline is read, then an import commits, then the charts are read: the page must not
    show the old total beside the new charts. The stale read is not cached and the page reruns."""
    from streamlit.testing.v1 import AppTest

    from ui import db as ui_db

    plan, _ = pipeline.preview_file(ui_db.store(), sheet(3, "NEW"), "three.csv", currency="EUR")
    breakdown, landed = queries.breakdown, []

    def import_lands_meanwhile(*args, **kwargs):
        if not landed:
            landed.append(imports.apply(ui_db.store(), plan))
        return breakdown(*args, **kwargs)

    monkeypatch.setattr(queries, "breakdown", import_lands_meanwhile)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    assert landed
    projects = next(m.value for m in at.metric if m.label == "Projects")
    parts = next(c.value for c in at.caption if c.value.startswith("Parts add up to EUR"))
    total = Decimal(re.match(r"Parts add up to EUR ([\d,.]+)\.", parts).group(1).replace(",", ""))
    head = queries.headline(ui_db.store().connection, Filters(), "EUR")
    assert (projects, total) == (str(head.projects), head.total_budget) == (str(46), head.total_budget)


def test_a_command_held_off_by_the_dashboard_says_what_it_did_not_do(sample_db, tmp_path):
    # The dashboard keeps the database open while it runs; a process holding it stands in for it.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, duckdb; c = duckdb.connect(sys.argv[1]); print('open', flush=True); "
            "sys.stdin.read()",
            str(sample_db),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        # The figures from the terminal said DuckDB's 'IO Error: Could not set lock on file ... Conflicting
        # lock is held in .../python3.11 (PID 1541). See also https://duckdb.org/docs/...'.
        figures = [
            subprocess.run(
                [sys.executable, "-m", "portfolio", command, "--db", str(sample_db)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=60,
            )
            for command in ("summary", "spend")
        ]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "loaders",
                "template",
                str(tmp_path / "t.xlsx"),
                "--db",
                str(sample_db),
                "--wait",
                "0",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        holder.communicate("", timeout=30)
    for said in figures:
        assert said.returncode == 2
        assert said.stderr.strip() == (
            f"The dashboard holds the database: {sample_db} is held by process {holder.pid}, most likely the "
            "aidtrack dashboard, which keeps the database open while it runs. See the figures on the "
            "dashboard, or stop it and run this command again."
        )
    assert done.returncode == 1 and not (tmp_path / "t.xlsx").exists()
    assert done.stderr.strip().endswith(
        "Nothing was written. Download the template from the dashboard's Import page, or stop the dashboard "
        "and run this command again."
    )
