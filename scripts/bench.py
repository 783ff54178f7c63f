"""Measured figures, not claims: `make bench` (full size) or `make bench-small` (CI).

Prints a table and writes it to BENCHMARKS.md. Each figure is the median of several runs
on this machine; the table says how many cores it had.

    python scripts/bench.py [--projects 100000] [--runs 3] [--out BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from python_calamine import CalamineWorkbook  # noqa: E402

from loaders import pipeline  # noqa: E402
from portfolio import imports, store, synthetic  # noqa: E402


def median_seconds(run, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def import_sheet(sheet: Path, template_db: Path, workdir: Path) -> None:
    """The whole import as a user runs it: read, check, preview, write, into a fresh store."""
    path = workdir / f"import-{time.perf_counter_ns()}.duckdb"
    path.write_bytes(template_db.read_bytes())
    db = store.open_store(path)
    plan, _ = pipeline.preview_file(db, sheet.read_bytes(), sheet.name)
    imports.apply(db, plan)
    db.close()
    path.unlink()


def import_stages(sheet: Path, template_db: Path, workdir: Path) -> dict[str, float]:
    """One import timed step by step, to show where the time goes."""
    from loaders import sheets, workbook

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
    db.close()
    return {
        "read the workbook (calamine, inside aidtrack)": read - start,
        "check every cell (parse amounts, dates, names)": checked - read,
        "compare with the portfolio (preview)": compared - checked,
        "write in one transaction (with undo data)": written - compared,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument(
        "--cache", default=str(ROOT / "data" / "bench"), help="where generated sheets are kept"
    )
    args = parser.parse_args(argv)

    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    sheet = cache / f"synthetic-{args.projects}.xlsx"
    if not sheet.exists():
        print(f"Generating {sheet} ({args.projects:,} projects, one row each)...", flush=True)
        synthetic.write_xlsx(
            sheet,
            synthetic.generate(args.projects, 2018, prefix="BENCH"),
            "Benchmark portfolio (illustrative)",
        )
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        empty = workdir / "empty.duckdb"
        store.open_store(empty).close()

        def parse() -> None:
            CalamineWorkbook.from_path(str(sheet)).get_sheet_by_name("Projects").to_python()

        calamine_s = median_seconds(parse, args.runs)
        import_s = median_seconds(lambda: import_sheet(sheet, empty, workdir), args.runs)
        stages = import_stages(sheet, empty, workdir)

    ratio = import_s / calamine_s
    rows = [
        ("python-calamine parse alone", f"{calamine_s:.2f} s", ""),
        ("aidtrack import, end to end (read, check, preview, write)", f"{import_s:.2f} s", ""),
        (
            "ratio import / parse",
            f"{ratio:.1f}x",
            "goal: at most 2x" + (", met" if ratio <= 2 else ", NOT met"),
        ),
    ] + [(f"... of which: {what}", f"{seconds:.2f} s", "one run") for what, seconds in stages.items()]
    header = (
        f"Measured {date.today().isoformat()} on {platform.machine()} with {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; median of {args.runs} runs; "
        f"sheet of {args.projects:,} projects ({sheet.stat().st_size / 1e6:.1f} MB)."
    )
    table = ["| what | measured | note |", "|---|---:|---|"] + [f"| {a} | {b} | {c} |" for a, b, c in rows]
    text = "\n".join(["# Benchmarks", "", header, "", "## Spreadsheet import", "", *table, ""])
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
