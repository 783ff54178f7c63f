"""Follow-ups of the pages trial: what a reader of each page sees, asserted on the page."""

import datetime as dt
import io
import json

import duckdb
import openpyxl
import pyarrow as pa

from loaders import pipeline
from portfolio import imports, store

from .test_pages import app


def _export_without_croatia_and_with_a_transaction(db: store.Store) -> bytes:
    """The portfolio as a workbook, ILL-0006's Croatia deleted and a transaction added to ILL-0003."""
    out = io.BytesIO()
    pipeline.write_export(out, db.connection)
    wb = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    countries = wb["Countries"]
    croatia = next(
        r for r in countries.iter_rows(min_row=2) if [c.value for c in r[:2]] == ["ILL-0006", "Croatia"]
    )
    countries.delete_rows(croatia[0].row)
    wb["Transactions"].append(
        ["ILL-0003-TX", "ILL-0003", "disbursement", dt.date(2024, 6, 1), None, 25000, "EUR", "EU", "IOM"]
    )
    sent = io.BytesIO()
    wb.save(sent)
    return sent.getvalue()


def test_changed_countries_and_transactions_read_by_name_where_the_log_keeps_codes(sample_db):
    db = store.open_store(sample_db)
    data = _export_without_croatia_and_with_a_transaction(db)
    db.close()
    at = app("pages/imports.py")
    at.file_uploader[0].set_value(("edited.xlsx", data, "application/octet-stream"))
    at.run()
    assert not at.exception, at.exception
    preview = next(d.value for d in at.dataframe if "change" in d.value.columns).set_index("field")
    # Before: "removes HRV 0.19", where the sheet said Croatia.
    assert preview.loc["Countries", "change"] == "removes Croatia (HRV) 0.19%"
    assert "Croatia (HRV) 0.19%" in preview.loc["Countries", "old"]
    assert (
        "Croatia" not in preview.loc["Countries", "new"]
        and "Albania (ALB) 46.53%" in preview.loc["Countries", "new"]
    )
    # Before: "... 25000.00 EUR EU IOM", the funder and implementer by their ids.
    assert preview.loc["Transactions", "change"] == (
        "adds ILL-0003-TX disbursement 2024-06-01 25000.00 EUR European Union, "
        "International Organization for Migration"
    )
    next(b for b in at.button if b.label.startswith("Import 0 new and 2 changed")).click().run()
    assert not at.exception, at.exception

    # The change log keeps the codes, as the file's rows were written.
    db = store.open_store(sample_db)
    logged = db.connection.execute(
        "SELECT old_value, new_value FROM changes WHERE row_key = 'ILL-0006' AND field = 'Countries'"
    ).fetchall()
    db.close()
    assert "HRV 0.19" in logged[0][0] and "HRV" not in logged[0][1]

    changed = app("pages/changes.py")
    other = next(d.value for d in changed.dataframe if "field" in d.value.columns).set_index("field")
    assert "Croatia (HRV) 0.19%" in other.loc["Countries", "old"]
    project = app("pages/projects.py", project="ILL-0006")
    past = next(d.value for d in project.dataframe if "when" in d.value.columns).set_index("field")
    assert "Croatia (HRV) 0.19%" in past.loc["Countries", "old"]
    log = app("pages/imports.py")
    log.selectbox(key="import_choice").select(0).run()  # the newest import
    done = next(d.value for d in log.dataframe if "field" in d.value.columns and "new" in d.value.columns)
    assert "Croatia (HRV) 0.19%" in done.set_index("field").loc["Countries", "old"]


def test_a_code_aidtrack_does_not_know_is_shown_as_logged():
    from portfolio.history import Names, named

    names = Names(places={"XKX": "Kosovo"}, sectors={"15110": "Public sector policy"}, organisations={})
    assert named("Countries", "XKX; ZZZ 10.00", names) == "Kosovo (XKX); ZZZ 10.00"
    assert named("Sectors", "15110 100.00", names) == "Public sector policy (15110) 100.00%"
    assert named("Aims", "XKX", names) == "XKX"
    assert named("Countries", None, names) is None


def test_the_project_page_says_what_the_spend_review_flags_for_it(sample_db):
    db = store.open_store(sample_db)
    end = db.connection.execute("SELECT end_date FROM projects WHERE project_id = 'ILL-0003'").fetchall()[0][
        0
    ]
    out = io.BytesIO()
    pipeline.write_export(out, db.connection)
    wb = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    wb["Transactions"].append(
        [
            "ILL-0003-LATE",
            "ILL-0003",
            "disbursement",
            end + dt.timedelta(days=30),
            None,
            100,
            "EUR",
            "EU",
            "IOM",
        ]
    )
    sent = io.BytesIO()
    wb.save(sent)
    plan, _ = pipeline.preview_file(db, sent.getvalue(), "late.xlsx")
    imports.apply(db, plan)
    db.close()

    review = next(d.value for d in app("pages/spend.py").dataframe if "flag_text" in d.value.columns)
    flagged = review.set_index("project_id").loc["ILL-0003", "flag_text"].split("; ")
    assert flagged[0].startswith("Little spent near the end:")
    assert flagged[1] == "Money after the end date: 1 transaction"
    at = app("pages/projects.py", project="ILL-0003")
    # Before: nothing on the project page said what the Spend review flags.
    shown = [w.value for w in at.warning if "Spend review flags" in w.value]
    assert len(shown) == 1
    assert [line.removeprefix("- ").replace("\\", "") for line in shown[0].splitlines()[1:]] == flagged
    unflagged = app("pages/projects.py", project="SEED-CSC-WB")
    assert not [w for w in unflagged.warning if "Spend review flags" in w.value]


def test_data_quality_says_which_way_a_projects_dates_do_not_fit_its_status(sample_db):
    db = store.open_store(sample_db)
    sheet = (
        b"Project ID,Title,Status,Start date,End date\n"
        b"Q-1,Closed early,Closed,2020-01-01,2099-12-31\n"
        b"Q-2,Not started yet,Implementation,2099-01-01,2100-12-31\n"
        b"Q-3,Overdue,Implementation,2020-01-01,2021-12-31\n"
    )
    plan, _ = pipeline.preview_file(db, sheet, "dates.csv")
    imports.apply(db, plan)
    db.close()
    at = app("pages/quality.py")
    problems = next(d.value for d in at.dataframe if "problem_text" in d.value.columns).set_index(
        "project_id"
    )
    said = {pid: problems.loc[pid, "problem_text"].split("; ") for pid in ("Q-1", "Q-2", "Q-3")}
    # Before, each said all three: "(closed but ending in the future, running but not started, or
    # running past its end date)".
    assert "Dates do not fit the status: closed, but ending in the future (31 Dec 2099)" in said["Q-1"]
    assert "Dates do not fit the status: running, but not started (it starts 01 Jan 2099)" in said["Q-2"]
    assert "Dates do not fit the status: running past its end date (31 Dec 2021)" in said["Q-3"]


def _specs(at) -> list[dict]:
    """Each chart's spec, its layers' encodings listed in `encodings`."""
    found = []
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        layers = spec.get("layer", [spec])
        frames = [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets]
        found.append({**spec, "encodings": [layer.get("encoding", {}) for layer in layers], "frames": frames})
    return found


def test_bar_legends_name_the_equal_split_only_where_a_chart_has_one(sample_db):
    colours = [
        e["color"]["scale"]["domain"]
        for spec in _specs(app(illustrative="no"))
        for e in spec["encodings"]
        if e.get("color", {}).get("field") == "split"
    ]
    # Before, every bar chart's legend said 'Equal split', though nothing of the seed page is split.
    assert len(colours) == 5 and all(domain == ["Recorded"] for domain in colours)
    colours = [
        e["color"]["scale"]["domain"]
        for spec in _specs(app())
        for e in spec["encodings"]
        if e.get("color", {}).get("field") == "split"
    ]
    assert ["Recorded", "Equal split"] in colours


def test_the_events_map_has_no_events_legend_when_no_event_has_coordinates(sample_db):
    db = store.open_store(sample_db)
    out = io.BytesIO()
    pipeline.write_export(out, db.connection)
    wb = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    sheet = wb["Activities"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        row[header.index("Latitude")].value = row[header.index("Longitude")].value = None
    sent = io.BytesIO()
    wb.save(sent)
    plan, _ = pipeline.preview_file(db, sent.getvalue(), "no-places.xlsx")
    imports.apply(db, plan)
    db.close()
    (events_map,) = [
        s for s in _specs(app("pages/activities.py")) if any("unplaced" in f for f in s["frames"])
    ]
    # Before: a dots layer with nothing in it, and its empty 'Events' size legend under the map.
    legends = [
        e[c].get("legend", "none") for e in events_map["encodings"] for c in ("size", "color") if c in e
    ]
    assert legends == [None, None]
    (shaded,) = [f for f in events_map["frames"] if "unplaced" in f.columns]
    assert set(shaded["country"]) >= {"ALB", "SRB", "XKX"} and (shaded["unplaced"] == shaded["events"]).all()


def test_a_large_portfolios_map_shades_the_countries_of_events_without_coordinates(tmp_path, monkeypatch):
    from portfolio import synthetic

    path = tmp_path / "large.duckdb"
    db = store.open_store(path)
    store.add_records(db, synthetic.batches(800, seed=11, prefix="TS", size=800), "generated", "synthetic")
    db.close()
    # Albania's events as a sheet gives them: a city and a country, no coordinates.
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE activities SET latitude = NULL, longitude = NULL WHERE country = 'ALB'")
        (albania,) = con.execute("SELECT count(*) FROM activities WHERE country = 'ALB'").fetchall()[0]
        (events,) = con.execute("SELECT count(*) FROM activities").fetchall()[0]
    assert events > 1000 and albania > 0  # drawn per place, not event by event
    monkeypatch.setenv("AIDTRACK_DB", str(path))
    at = app("pages/activities.py")
    assert f"On the map by their country only, for want of coordinates: {albania:,} events." in "\n".join(
        c.value for c in at.caption
    )
    (events_map,) = [s for s in _specs(at) if any("unplaced" in f for f in s["frames"])]
    (shaded,) = [f for f in events_map["frames"] if "unplaced" in f.columns]
    # Before: Albania was neither a dot nor shaded, its events off the map.
    assert shaded.set_index("country").loc["ALB", ["events", "unplaced"]].tolist() == [albania, albania]
    assert len(shaded) < 250  # a row per country, not per event
