"""Import each trial file (dry run, then into a fresh db) and print what was stored.

cd /work/main && .venv/bin/python tests/data/trials/run_trials.py [FILE ...]
"""

import json
import subprocess
import sys
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
CURRENCY = {"t14_no_currency_anywhere.xlsx": "EUR"}
files = sys.argv[1:] or sorted(p.name for p in HERE.iterdir() if p.suffix in (".xlsx", ".csv"))
for n, name in enumerate(files, 1):
    db = Path(f"/tmp/trials-{name.split('_')[0]}.duckdb")
    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)
    extra = ["--currency", CURRENCY[name]] if name in CURRENCY else []
    base = [".venv/bin/python", "-m", "loaders", "import", f"tests/data/trials/{name}"]
    dry = subprocess.run(
        base + ["--db", "/tmp/trials.duckdb", "--dry-run", "--json", *extra], capture_output=True, text=True
    )
    print("=" * 100, "\n", name, "rc", dry.returncode)
    if dry.returncode:
        print(dry.stdout[-3000:], dry.stderr[-3000:])
    try:
        r = json.loads(dry.stdout)
    except Exception:
        print(dry.stdout[-3000:], dry.stderr[-3000:])
        continue
    if "error" in r:
        print("ERROR:", r["error"])
        continue
    print({k: r[k] for k in ("added", "updated", "unchanged", "rejected", "errors", "warnings")})
    for c in r["columns"]:
        print("  col", repr(c["sheet"]), repr(c["column"]), "->", c["imported as"])
    for p in r["problems"]:
        print("  PROB", p["severity"], p["sheet"], p["row"], repr(p["column"]), p["message"])
    for p in r["notes"]:
        print("  NOTE", p["sheet"], p["row"], repr(p["column"]), p["message"])
    real = subprocess.run(base + ["--db", str(db), *extra], capture_output=True, text=True)
    if real.returncode:
        print("REAL RC", real.returncode, real.stdout[-2000:], real.stderr[-2000:])
        continue
    c = duckdb.connect(str(db), read_only=True)
    for row in c.sql(
        "select project_id,title,budget,currency,start_date,end_date,status from projects order by 1"
    ).fetchall():
        print("  P", row)
    for row in c.sql(
        "select po.project_id, po.role, po.org_id, o.name, po.amount, po.currency from project_orgs po "
        "left join organisations o using (org_id) order by 1,2"
    ).fetchall():
        print("  O", row)
    for row in c.sql("select * from project_countries order by 1").fetchall():
        print("  C", row)
    try:
        for row in c.sql("select * from project_aims order by 1").fetchall():
            print("  A", row)
    except Exception:
        pass
    c.close()
