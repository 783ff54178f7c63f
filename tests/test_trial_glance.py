"""What a ten-second look at the Overview and Activities found: a stakeholder must see how much money,
from whom, to where, for what, over which years and what happened, on an empty portfolio, a single
project, projects without budgets, an IATI import and the sample, with the filters said on the page."""

import itertools
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loaders import __main__ as loaders_cli
from portfolio import charts, store

from .conftest import SHARED
from .test_pages import app, metric

IATI_EXAMPLE = SHARED / "realworld" / "iati_standard_activity_example_v2.03.xml"


@pytest.fixture
def new_db(_empty_template, tmp_path, monkeypatch) -> Path:
    """A database with reference data and no project, as a new installation's import leaves it."""
    path = tmp_path / "new.duckdb"
    shutil.copy(_empty_template, path)
    monkeypatch.setenv("AIDTRACK_DB", str(path))
    return path


def add_projects(path: Path, projects: list[dict], **tables: list[dict]) -> None:
    db = store.open_store(path)
    store.add_records(
        db,
        {"projects": pd.DataFrame(projects), **{name: pd.DataFrame(rows) for name, rows in tables.items()}},
        "trial.xlsx",
        "xlsx",
    )
    db.close()


def infos(at) -> list[str]:
    return [i.value for i in at.info]


def test_a_new_portfolio_says_it_has_no_projects_yet_and_where_to_add_them(new_db):
    # It showed six zeros, 'EUR 0' and the warning 'No project matches the filters.' with no
    # filter on; Activities said 'No activities match the filters.'
    at = app()
    assert not at.metric
    assert not at.warning
    assert infos(at) == [
        "The portfolio has no projects yet. Add them on the Import page: a spreadsheet, "
        "aidtrack's template or an IATI file."
    ]
    at = app("pages/activities.py")
    assert infos(at) == [
        "No meetings, workshops or seminars are recorded yet. They are imported from the "
        "Activities sheet of aidtrack's template (Import page)."
    ]


def test_projects_without_a_budget_or_funders_show_not_recorded_rather_than_zero(new_db):
    # Three projects with no budget and no funder: the Overview said 'Total budget EUR 0' and
    # 'Funders 0', as if the money and the donors were known to be nothing.
    add_projects(
        new_db,
        [
            {"project_id": f"NB-{n}", "title": f"Project {n}", "currency": "EUR", "budget": None}
            for n in range(3)
        ],
    )
    at = app()
    assert metric(at, "Projects") == "3"
    assert metric(at, "Total budget") == "not recorded"
    assert metric(at, "Funders") == "not recorded"
    assert metric(at, "Implementing agencies") == "not recorded"
    assert "Nothing to chart: none of these projects has a recorded budget." in infos(at)


def test_a_filtered_page_names_its_filters_on_the_page(sample_db):
    # A shared link opened on a phone (the sidebar folded away) said only 'the filtered portfolio'.
    at = app(funder="DE", sector="15210", **{"from": "2018", "to": "2020"})
    (note,) = [i for i in infos(at) if i.startswith("Filtered")]
    assert note == (
        "Filtered: Funder: Federal Republic of Germany; Sector: Security system management and reform; "
        "running in 2018 to 2020."
    )
    at = app("pages/activities.py", country="XKX", q="border")
    assert "Filtered: Beneficiary country or region: Kosovo; matching 'border'." in infos(at)
    assert not [i for i in infos(app()) if i.startswith("Filtered")]


def test_an_iati_import_counts_one_project_in_words(new_db, capsys):
    # 'Shares scaled to 100% (1 projects)'.
    assert loaders_cli.main(["import", str(IATI_EXAMPLE), "--db", str(new_db)]) == 0
    at = app()
    assert "Shares scaled to 100% (1 project)" in [e.label for e in at.expander]


def chart_data(chart, layer: int | None = None) -> pd.DataFrame:
    spec = chart.to_dict()
    name = (spec["layer"][layer] if layer is not None else spec)["data"]["name"]
    return pd.DataFrame(spec["datasets"][name])


def breakdown_rows(amounts: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "key": list(amounts),
            "name": list(amounts),
            "amount": [Decimal(str(a)) for a in amounts.values()],
            "estimated_amount": Decimal("0"),
            "projects": 1,
            "estimated": False,
            "not_recorded": False,
            "is_region": False,
        }
    )


LONG_NAMES = {
    "European Commission - Directorate-General for International Partnerships": 3e6,
    "Facilitation of orderly, safe, regular and responsible migration and mobility": 2e6,
    "EU": 1e6,
}


def test_long_names_on_bar_charts_wrap_instead_of_being_cut_off():
    # An axis label was cut at one line: 'European Commission - Directorate-General for I…' and
    # 'Facilitation of orderly, safe, regular and responsib…'; on a phone the names took the chart.
    for chart in (
        charts.ranked_bars(breakdown_rows(LONG_NAMES), "EUR"),
        charts.ranked_counts(breakdown_rows(LONG_NAMES)),
    ):
        spec = chart.to_dict()
        y = spec["encoding"]["y"]
        assert y["axis"]["labelExpr"] == "split(datum.label, '\\n')"
        lines = chart_data(chart).drop_duplicates("name").set_index("name")[y["field"]]
        for name in LONG_NAMES:
            assert lines[name].replace("\n", " ") == name
            assert max(len(line) for line in lines[name].split("\n")) <= charts.LABEL_CHARS
        assert (
            lines["European Commission - Directorate-General for International Partnerships"].count("\n") == 2
        )
        # Three lines of 12 pixels fit each bar.
        assert spec["height"] >= 150 + 3 * 12 * len(LONG_NAMES)


def test_the_map_names_the_countries_it_cannot_draw(new_db):
    # The IATI standard's example activity benefits Afghanistan, Antigua and Barbuda and South
    # America: the map showed Afghanistan alone, and 'Not on the map' named South America only.
    assert loaders_cli.main(["import", str(IATI_EXAMPLE), "--db", str(new_db)]) == 0
    at = app()
    (note,) = [c.value for c in at.caption if c.value.startswith("Not on the map")]
    assert note == "Not on the map: Antigua and Barbuda EUR 1,000.00; South America, regional EUR 1,000.00."


def test_a_map_of_one_small_country_shows_its_neighbours_and_fits_the_screen():
    # Zoomed to Kosovo alone the one country filled the frame, with no neighbour to say where it
    # is; and the map was 560 pixels wide whatever the screen, off a phone's 390.
    chart = charts.choropleth(breakdown_rows({"XKX": 2.5e6}), "EUR").to_dict()
    assert chart["width"] == "container"
    (corner0, corner1) = chart["layer"][0]["projection"]["fit"]["features"][0]["geometry"]["coordinates"]
    assert corner1[0] - corner0[0] >= charts.MIN_SPAN
    assert corner1[1] - corner0[1] >= charts.MIN_SPAN
    assert corner0[0] < 20.07 and corner1[0] > 21.77  # Kosovo's own bounds inside


def events(**columns) -> pd.DataFrame:
    base = {
        "title": ["Launch workshop", "Border meeting", "Seminar"],
        "kind": ["workshop", "meeting", "seminar"],
        "start_date": [date(2022, 5, 10), date(2022, 6, 1), None],
        "end_date": [date(2022, 5, 11), None, None],
        "city": ["Pristina", "Tirana", None],
        "country": ["XKX", "ALB", None],
        "country_name": ["Kosovo", "Albania", None],
        "latitude": [None, 41.33, None],
        "longitude": [None, 19.82, None],
        "participants": [None, None, None],
        "project_id": ["P-1", "P-1", "P-1"],
        "project_title": ["P", "P", "P"],
        "illustrative": [False, False, False],
    }
    return pd.DataFrame({**base, **columns})


def test_an_event_with_a_country_but_no_coordinates_shades_its_country_on_the_map():
    # A programme manager's sheet says 'Pristina, Kosovo' without latitude and longitude: the event
    # was left off the map ('Not on the map for want of a place').
    chart = charts.events_map(events())
    spec = chart.to_dict()
    (lookup,) = [t for t in spec["layer"][0]["transform"] if "lookup" in t]
    countries = pd.DataFrame(spec["datasets"][lookup["from"]["data"]["name"]]).set_index("country")
    assert countries[["events", "unplaced"]].to_dict("index") == {
        "XKX": {"events": 1, "unplaced": 1},
        "ALB": {"events": 1, "unplaced": 0},
    }
    assert list(chart_data(chart, 1)["place"]) == ["Tirana, Albania"]
    assert list(charts.placed_by_country_only(events())) == [True, False, False]


def test_activities_page_counts_events_placed_by_country_only(new_db):
    add_projects(
        new_db,
        [{"project_id": "P-1", "title": "Border management", "currency": "EUR"}],
        activities=events()
        .drop(columns=["country_name", "participants", "project_title", "illustrative"])
        .assign(activity_id=["A-1", "A-2", "A-3"])
        .to_dict("records"),
    )
    at = app("pages/activities.py")
    assert (
        "3 events of 1 project. Not on the timeline for want of a date: 1 event. On the map by their "
        "country only, for want of coordinates: 1 event. Not on the map for want of a place: 1 event."
    ) in [c.value for c in at.caption]
    assert "Where" in [s.value for s in at.subheader]


def test_a_timeline_of_a_few_days_names_the_month_and_year():
    # One workshop's two days: the axis read 'Tue 10', with no month or year.
    x = charts.events_timeline(events()).to_dict()["encoding"]["x"]
    assert x["axis"]["format"] == "%b %Y"
    first, last = x["scale"]["domain"]
    assert (first["month"], last["month"]) == (4, 7)  # about three months around May 2022
    many_years = events(start_date=[date(2015, 1, 1), date(2020, 1, 1), date(2024, 1, 1)])
    assert charts.events_timeline(many_years).to_dict()["encoding"]["x"]["axis"]["format"] == "%Y"


# Machado, Oliveira and Fernandes (2009): how colours look with protanopia, deuteranopia and
# tritanopia, applied to linear RGB.
COLOUR_BLINDNESS = {
    "protanopia": [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ],
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ],
    "tritanopia": [
        [1.255528, -0.076749, -0.178779],
        [-0.078411, 0.930809, 0.147602],
        [0.004733, 0.691367, 0.303900],
    ],
    "normal vision": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
}


def lab(hex_colour: str, seen: list[list[float]]) -> np.ndarray:
    """CIELAB of a colour as a reader with the given vision sees it."""
    srgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    linear = np.clip(np.array(seen) @ linear, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_kinds_of_event_keep_apart_for_colour_blind_readers():
    # The seminars' green and the visits' red were 6 units apart (CIELAB) for a reader without
    # green, the workshops' orange and the visits' red 8 without red: dots one could not tell apart.
    for vision, seen in COLOUR_BLINDNESS.items():
        colours = dict(zip(charts.KIND_COLOURS.domain, charts.KIND_COLOURS.range, strict=True))
        for (a, colour_a), (b, colour_b) in itertools.combinations(colours.items(), 2):
            apart = np.linalg.norm(lab(colour_a, seen) - lab(colour_b, seen))
            assert apart >= 15, f"{a} and {b} are {apart:.1f} apart with {vision}"
