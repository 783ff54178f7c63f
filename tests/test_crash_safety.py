"""An import killed in the middle of its write leaves the database exactly as it was before."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from loaders import pipeline
from portfolio import backup, imports, store, synthetic

from .conftest import ROOT
from .snapshot import data_version, snapshot, without_data_version

PROJECTS = 20_000


def started_writing(import_run: subprocess.Popen, db_path: Path) -> bool:
    """Wait until the import has logged itself as running and started its big write.

    The CLI says "Saving" before it writes. The first thing written is one small transaction
    (the backup, then the 'running' row); its commit is the first that creates the write-ahead
    log, and the big write starts right after it.
    """
    for line in import_run.stderr:
        if "Saving" in line:
            break
    wal = Path(f"{db_path}.wal")
    while import_run.poll() is None:
        if wal.exists() and wal.stat().st_size > 0:
            return True
        time.sleep(0.001)
    return False


def test_an_import_killed_while_writing_leaves_the_portfolio_as_it_was(sample_db, tmp_path):
    sheet = tmp_path / "everything.csv"
    synthetic.flat_sheet(synthetic.generate(PROJECTS, prefix="BIG")).to_csv(sheet, index=False)
    with duckdb.connect(str(sample_db), read_only=True) as con:
        before = snapshot(con)

    import_run = subprocess.Popen(
        [sys.executable, "-m", "loaders", "import", str(sheet), "--db", str(sample_db)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert started_writing(import_run, sample_db), "the import ended before it could be stopped"
        time.sleep(0.05)  # well into a write of 20,000 projects, which takes about half a second
        import_run.send_signal(signal.SIGKILL)
    finally:
        import_run.kill()
        import_run.wait()
    assert import_run.returncode == -signal.SIGKILL

    db = store.open_store(sample_db)
    after = snapshot(db.connection)
    new_imports = [row for row in after["imports"] if row not in before["imports"]]
    assert len(new_imports) == 1, "the import's 'running' row is the one trace it leaves"
    assert without_data_version({**after, "imports": before["imports"]}) == without_data_version(before)
    assert data_version(after) == data_version(before) + 1  # the commit of that row

    log = imports.import_log(db.connection).iloc[0]
    assert (log.file_name, log.status) == ("everything.csv", "did not finish")
    assert log.message.startswith("This import was cut short")
    assert (log.added, log.updated) == (0, 0)

    # The backup made just before it is the state before, exactly.
    (made,) = backup.backups(sample_db)
    assert made.name.endswith(f"-before-import-{log.import_id}")
    backup.restore(db, made.name)
    assert without_data_version(snapshot(db.connection)) == without_data_version(before)


def test_an_import_this_process_is_still_writing_shows_as_running(sample_db, monkeypatch):
    db = store.open_store(sample_db)
    rows = synthetic.flat_sheet(synthetic.generate(5, prefix="NOW")).to_csv(index=False).encode()
    plan, _ = pipeline.preview_file(db, rows, "now.csv")
    write = imports._write
    shown = []

    def write_and_look(cur, import_id, plan, by):
        shown.append(imports.import_log(db.connection).iloc[0][["status", "message"]].tolist())
        write(cur, import_id, plan, by)

    monkeypatch.setattr(imports, "_write", write_and_look)
    imports.apply(db, plan)
    assert shown == [["running", None]]
    assert imports.import_log(db.connection).iloc[0].status == "done"
