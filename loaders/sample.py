"""The sample portfolio: the seed page's facts (data/sample/*.toml) and the illustrative set.

`read_seed` is pure: a file in, one DataFrame per store table out. `install` hands both
sets to the store's write path when a new database is created.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd

from portfolio import quality, synthetic
from portfolio.imports import CHILD_COLUMNS
from portfolio.store import PROJECT_FIELDS as OWN_FIELDS
from portfolio.store import Store, add_records

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
SEED = SAMPLE / "seed-border-security-programme.toml"

PROJECT_FIELDS = ("project_id", *OWN_FIELDS)
ACTIVITY_FIELDS = CHILD_COLUMNS["activities"]
ORG_ROLE_LISTS = {
    "funders": "funding",
    "implementers": "implementing",
    "partners": "partner",
    "beneficiaries": "beneficiary",
}


def _frame(rows: list[dict], columns: tuple[str, ...]) -> pd.DataFrame:
    # Every column present, absent facts as None: unknown stays unknown.
    return pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], columns=list(columns))


def read_seed(path: Path = SEED) -> dict[str, pd.DataFrame]:
    """Read the hand-kept seed file into one DataFrame per portfolio table."""
    seed = tomllib.loads(path.read_text(encoding="utf-8"))
    projects, orgs, countries, aims, activities = [], [], [], [], []
    for project in seed["projects"]:
        pid = project["project_id"]
        projects.append(
            {
                **project,
                "currency": project.get("currency", "EUR"),
                "visibility": project.get("visibility", "public"),
            }
        )
        for key, role in ORG_ROLE_LISTS.items():
            for entry in project.get(key, []):
                entry = entry if isinstance(entry, dict) else {"org_id": entry}
                orgs.append({"project_id": pid, "role": role, **entry})
        countries += [{"project_id": pid, **c} for c in project.get("countries", [])]
        aims += [{"project_id": pid, "seq": n, "aim": a} for n, a in enumerate(project.get("aims", []), 1)]
        activities += [{"project_id": pid, **a} for a in project.get("activities", [])]
    return {
        "organisations": _frame(seed["organisations"], ("org_id", "name", "acronym", "org_type", "country")),
        "projects": _frame(projects, PROJECT_FIELDS),
        "project_orgs": _frame(orgs, ("project_id", "org_id", "role", "amount", "currency")),
        "project_countries": _frame(countries, ("project_id", "country", "share")),
        "project_aims": _frame(aims, ("project_id", "seq", "aim")),
        "activities": _frame(activities, ("project_id", *ACTIVITY_FIELDS)),
    }


ILLUSTRATIVE_PROJECTS = 40
ILLUSTRATIVE_SEED = 2018


def install(store: Store) -> None:
    """Load the seed portfolio and the illustrative set into a new store, as two imports."""
    add_records(store, read_seed(), SEED.name, "sample")
    import_id = add_records(
        store,
        synthetic.generate(ILLUSTRATIVE_PROJECTS, ILLUSTRATIVE_SEED),
        f"Illustrative projects (generated, seed {ILLUSTRATIVE_SEED})",
        "synthetic",
    )
    with store.write() as cur:
        quality.record_score(cur, import_id)
