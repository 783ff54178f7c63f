"""What the trials of programme managers' sheets (tests/test_trial_sheets3.py, 4 and 5) share."""

from pathlib import Path

from loaders import pipeline
from portfolio import imports

from .test_import import rows


def imported(db, path: Path, currency: str | None = None):
    """The file previewed and written, as the Import page does; its preview and what was read."""
    plan, loaded = pipeline.preview_file(db, path.read_bytes(), path.name, currency)
    imports.apply(db, plan)
    return plan, loaded


def funders(db, project_id: str) -> list[tuple]:
    return rows(
        db,
        "SELECT org_id, amount, currency FROM project_orgs WHERE project_id = ? AND role = 'funding' "
        "ORDER BY org_id",
        [project_id],
    )


def portfolio_tables(state: dict) -> dict:
    """The database without its logs (of imports, changes and quality scores), which undo keeps."""
    logs = ("imports", "import_", "changes", "quality_scores")
    return {t: r for t, r in state.items() if not t.startswith(logs)}
