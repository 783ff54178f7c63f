"""What a stakeholder trial of the dashboard found: people's own text shown as typed (not as
markdown, LaTeX or Streamlit's colour and icon syntax), and charts that stay readable."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs

import pandas as pd

from portfolio import charts, store

from .test_pages import app

# Titles, names and texts as programme managers' sheets and IATI files have carried them.
HOSTILE = [
    "Border fund $250k-$300k",
    "**bold** and _italic_",
    "<img src=x onerror=alert(1)>",
    "[link](javascript:alert(1))",
    "# heading",
    ":red[coloured] and :material/home: and :fire:",
    "Pipe | in | title",
    "1. numbered",
]


# What markdown, LaTeX and Streamlit's directives read in a line, and what they read at its start.
SIGNS = r"[\\`*_{}\[\]()#<>!|~^$:&/]"
LINE_START = r"(\d*[.)]|[-+=])"


def shown_as_typed(source: str) -> str:
    """The text a markdown source line shows, checking that every sign in it is escaped (else it
    would be read as markdown, LaTeX or a Streamlit directive)."""
    start = re.match(LINE_START, source)
    assert not start, f"{source!r} starts a list, rule or heading"
    shown = []
    rest = source
    while rest:
        if rest[0] == "\\" and len(rest) > 1 and re.match(r"[!-/:-@\[-`{-~]", rest[1]):
            shown.append(rest[1])
            rest = rest[2:]
            continue
        assert not re.match(SIGNS, rest[0]), f"{rest[0]!r} unescaped in {source!r}"
        shown.append(rest[0])
        rest = rest[1:]
    return "".join(shown)


def add_hostile_projects(path: Path) -> None:
    """Project H-n: HOSTILE[n] as its title, programme, description, aim and source file name."""
    db = store.open_store(path)
    for n, text in enumerate(HOSTILE):
        store.add_records(
            db,
            {
                "projects": pd.DataFrame(
                    [
                        {
                            "project_id": f"H-{n}",
                            "title": text,
                            "programme": text,
                            "description": f"{text}\nsecond line\n\n- not a list",
                            "currency": "EUR",
                            "budget": Decimal("1000"),
                            "start_date": date(2020, 1, 1),
                        }
                    ]
                ),
                "project_aims": pd.DataFrame([{"project_id": f"H-{n}", "seq": 1, "aim": text}]),
            },
            f"{text}.xlsx",
            "xlsx",
        )
    db.close()


def test_a_project_page_shows_its_texts_as_typed(sample_db):
    add_hostile_projects(sample_db)
    for n, text in enumerate(HOSTILE):
        at = app("pages/projects.py", project=f"H-{n}")
        assert shown_as_typed(at.header[0].value) == text
        programme = next(m.value for m in at.markdown if m.value.startswith("**Programme:**"))
        assert shown_as_typed(programme.removeprefix("**Programme:** ")) == text
        source = next(c.value for c in at.caption if c.value.startswith("Source: "))
        assert shown_as_typed(source.removeprefix("Source: ").split(" (")[0]) == f"{text}.xlsx"


def test_a_description_keeps_its_lines_and_shows_no_markdown(sample_db):
    add_hostile_projects(sample_db)
    at = app("pages/projects.py", project="H-0")
    description = next(m.value for m in at.markdown if "second line" in m.value)
    lines = description.split("\n")
    # A line break stays a line break, a blank line a new paragraph; "- " starts no list.
    assert lines == [r"Border fund \$250k-\$300k  ", "second line", "", r"\- not a list"]
    aims = next(m.value for m in at.markdown if m.value.startswith("1. "))
    assert shown_as_typed(aims.removeprefix("1. ")) == HOSTILE[0]


def test_an_unknown_project_id_from_a_link_is_not_read_as_markdown(sample_db):
    at = app("pages/projects.py", project="[click here](https://example.org)")
    said = at.warning[0].value
    assert said.startswith("There is no project with the ID '") and said.endswith("'.")
    project_id = said.removeprefix("There is no project with the ID '").removesuffix("'.")
    assert shown_as_typed(project_id) == "[click here](https://example.org)"


def test_links_to_a_project_whose_id_holds_url_signs_open_that_project(sample_db):
    odd = "EU/2019+3&A#1 %"
    db = store.open_store(sample_db)
    store.add_records(
        db,
        {
            "projects": pd.DataFrame(
                [{"project_id": odd, "title": "Odd ID", "currency": "EUR", "budget": 1000}]
            ),
            "activities": pd.DataFrame(
                [{"activity_id": "E", "project_id": odd, "title": "Seminar", "kind": "seminar"}]
            ),
        },
        "odd.xlsx",
        "xlsx",
    )
    db.close()
    # What the browser hands Streamlit back as the page's query parameters.
    links = {
        "activities": app("pages/activities.py", q="Odd ID").dataframe[0].value["project_link"],
        "quality": app("pages/quality.py", q="Odd ID").dataframe[0].value["link"],
        "changes": app("pages/changes.py").dataframe[0].value["link"],
        "spend": next(
            d.value["link"] for d in app("pages/spend.py", q="Odd ID").dataframe if "link" in d.value
        ),
    }
    for page, link in links.items():
        (address,) = [a for a in link if "2019" in a]
        path, query = address.split("?", 1)
        assert path == "/projects"
        assert parse_qs(query) == {"project": [odd]}, page


def breakdown_rows(amounts: dict[str, float]) -> pd.DataFrame:
    """A breakdown as portfolio.queries.breakdown returns it, for the chart builders."""
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


def encodings(chart) -> list[dict]:
    spec = chart.to_dict()
    return [layer.get("encoding", {}) for layer in spec.get("layer", [spec])]


def test_money_axes_count_in_millions_or_billions_not_in_si_prefixes():
    # d3's "~s" wrote EUR 2.5 billion as "2.5G" and the axis's zero as "0G".
    bars = charts.ranked_bars(breakdown_rows({"ALB": 2.5e9, "SRB": 4e8}), "EUR")
    (x,) = [e["x"] for e in encodings(bars)]
    assert x["title"] == "Budget (EUR billion)"
    assert x["axis"]["format"] == ",.2~f"
    portions = pd.DataFrame(bars.to_dict()["datasets"].popitem()[1]).groupby("name")["portion"].sum()
    assert portions.to_dict() == {"ALB": 2.5, "SRB": 0.4}

    years = charts.year_bars(breakdown_rows({"2020": 3e6, "2021": 2e5}), "USD")
    (y,) = [e["y"] for e in encodings(years)]
    assert y["title"] == "Budget (USD million)"

    shaded = charts.choropleth(breakdown_rows({"ALB": 1_200_066.0}), "GBP")
    (colour,) = [e["color"] for e in encodings(shaded) if "color" in e]
    assert colour["title"] == "Budget (GBP million)"
    assert colour["legend"]["format"] == ",.2~f"

    small = charts.ranked_bars(breakdown_rows({"ALB": 950.0}), "EUR")
    assert [e["x"]["title"] for e in encodings(small)] == ["Budget (EUR)"]


def test_every_year_of_the_year_chart_has_its_label():
    # Labels tilted by 45 degrees take a box as wide as a year's bar: Vega dropped every other one,
    # and the sample portfolio's fifteen years showed four labels (the last bar, 'Dates not
    # recorded', none). Upright, a label is as wide as its line of text.
    years = {str(y): 1e6 for y in range(2015, 2030)}
    for chart in (
        charts.year_bars(breakdown_rows(years), "EUR"),
        charts.spend_by_year(pd.DataFrame({"key": list(years), "budget": list(years.values())}), "EUR"),
    ):
        (x,) = [e["x"] for e in encodings(chart)]
        assert x["axis"]["labelAngle"] == -90


def test_an_overview_with_no_budget_to_chart_says_so_instead_of_empty_charts(sample_db):
    # The seed page's three projects in USD: two have no budget, and the EUR 1 million grant has
    # no date to take a rate from. The page drew five empty charts with 'NaN' axes, a world map
    # with nothing on it and 'Parts add up to USD 0.00' under each.
    at = app(illustrative="no", currency="USD")
    assert not at.get("arrow_vega_lite_chart")
    notes = [i.value for i in at.info]
    assert (
        "1 project could not be converted to USD (no rate for its date) and is left out of the total."
        in notes
    )
    assert "Nothing to chart: no budget of these projects could be converted to USD." in notes
    assert not [c.value for c in at.caption if c.value.startswith("Parts add up to")]
    # A funder whose one project has no budget at all.
    at = app(illustrative="no", funder="DE")
    assert not at.get("arrow_vega_lite_chart")
    assert "Nothing to chart: none of these projects has a recorded budget." in [i.value for i in at.info]


def test_events_at_one_place_are_one_dot_that_counts_them():
    # Drawn one by one, events at one place lay on top of each other: the sample's 58 placed
    # events showed as 17 dots, and a stakeholder could not tell Pristina's nine from Zagreb's one.
    events = pd.DataFrame(
        {
            "title": ["Seminar A", "Seminar B", "Seminar C", "Meeting D"],
            "kind": ["seminar", "seminar", "seminar", "meeting"],
            "city": ["Pristina", "Pristina", "Pristina", "Ohrid"],
            "country_name": ["Kosovo", "Kosovo", "Kosovo", "North Macedonia"],
            "country": ["XKX", "XKX", "XKX", "MKD"],
            "start_date": [date(2020, 1, 1), date(2021, 1, 1), None, date(2022, 1, 1)],
            "latitude": [42.66, 42.66, 42.66, 41.12],
            "longitude": [21.17, 21.17, 21.17, 20.80],
            "project_title": ["P", "P", "Q", "R"],
        }
    )
    chart = charts.events_map(events).to_dict()
    dots = pd.DataFrame(chart["datasets"][chart["layer"][1]["data"]["name"]])
    assert dots.set_index("place")["events"].to_dict() == {"Pristina, Kosovo": 3, "Ohrid, North Macedonia": 1}
    assert dots.set_index("place")["titles"]["Pristina, Kosovo"] == (
        "Seminar A (01 Jan 2020); Seminar B (01 Jan 2021); Seminar C (date not known)"
    )
    (size,) = [layer["encoding"]["size"] for layer in chart["layer"] if "size" in layer.get("encoding", {})]
    assert size["field"] == "events"
