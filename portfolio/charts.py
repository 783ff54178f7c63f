"""Altair chart builders for the pages. They draw what the queries computed and add no figures.

Maps embed the TopoJSON in the chart (Altair cannot draw offline from a URL or file path) and
zoom to the countries or places shown.
"""

from __future__ import annotations

import json
import textwrap
from functools import cache

import altair as alt
import pandas as pd

from portfolio.codes import country_bounds, world_map

WORLD_FILL = "#eef0f2"  # the countries a map shows for its setting
SPLIT_COLOURS = alt.Scale(domain=["Recorded", "Equal split"], range=["#1f5f8b", "#9cc3de"])
# Money axes count in thousands, millions or billions, named in the title ("Budget (EUR million)")
# and drawn as plain numbers: d3's SI prefixes wrote a billion as "1G", and zero as "0M". Two
# decimals at most: a map of one country drew its legend's one value as "1.200066M".
MONEY_UNITS = ((1e9, "billion"), (1e6, "million"), (1e3, "thousand"))
MONEY_AXIS = ",.2~f"
# Year labels stand upright: tilted, each one's box is as wide as a year's bar, and Vega dropped
# every other label (a sample portfolio's fifteen years showed four).
YEAR_AXIS = alt.Axis(labelAngle=-90)
# Okabe and Ito's colours, told apart with red-green or blue-yellow colour blindness: the
# green seminars and red visits of the earlier palette looked alike to a reader without green.
KIND_COLOURS = alt.Scale(
    domain=["meeting", "workshop", "seminar", "training", "visit", "other"],
    range=["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#555555"],
)


# Names on a bar chart's axis wrap onto up to three lines of this many characters: cut at one line,
# "Facilitation of orderly, safe, regular and responsib…" and "European Commission - Directorate-
# General for I…" lost what told them apart, and on a phone the labels took the chart's width.
LABEL_CHARS, LABEL_LINES = 30, 3
WRAPPED = alt.Axis(labelExpr="split(datum.label, '\\n')", labelLimit=200, labelLineHeight=12)


def _wrapped(name: str) -> str:
    """A name broken into lines (joined by newlines) for a wrapped axis; beyond three lines it ends
    in '…', and the bar's tooltip holds it whole."""
    lines = textwrap.wrap(name, LABEL_CHARS, break_long_words=False) or [name]
    if len(lines) > LABEL_LINES:
        lines = [*lines[: LABEL_LINES - 1], textwrap.shorten(" ".join(lines[LABEL_LINES - 1 :]), LABEL_CHARS)]
    return "\n".join(lines)


def _row_height(labels: pd.Series) -> int:
    """A bar's height in pixels: room for its label's lines."""
    lines = max((label.count("\n") + 1 for label in labels), default=1)
    return 14 + 12 * lines


def _money_unit(largest: float, currency: str) -> tuple[float, str]:
    """What a money axis counts in: (1e6, 'EUR million') when its largest amount reaches a million."""
    for size, word in MONEY_UNITS:
        if abs(largest) >= size:
            return size, f"{currency} {word}"
    return 1.0, currency


def _for_chart(rows: pd.DataFrame, currency: str) -> pd.DataFrame:
    """Plain floats and labels for Vega (which cannot read decimals); the tables keep exact values."""
    out = pd.DataFrame(
        {
            "name": rows["name"].astype(str),
            "amount": rows["amount"].astype(float),
            "estimated_amount": rows["estimated_amount"].astype(float),
            "projects": rows["projects"].astype(int),
        }
    )
    out["label"] = [f"{currency} {a:,.0f}" for a in out["amount"]]
    # Where the converted figure comes from: the amounts' own currencies, dates and rate source.
    for column in ("currencies", "rate_sources"):
        out[column] = rows[column].fillna("").astype(str).to_numpy() if column in rows else ""
    if "first_value_date" in rows:
        out["value_dates"] = [
            "" if pd.isna(a) else (f"{a}" if a == b else f"{a} to {b}")
            for a, b in zip(rows["first_value_date"], rows["last_value_date"], strict=True)
        ]
    else:
        out["value_dates"] = ""
    return out


def _stacked(data: pd.DataFrame, unit: float) -> pd.DataFrame:
    """One row per name and portion (in `unit`s of money), so a bar shows how much of it rests on
    an equal split; a name with nothing split equally has no such portion."""
    recorded = data.assign(split="Recorded", portion=(data["amount"] - data["estimated_amount"]) / unit)
    estimated = data.assign(split="Equal split", portion=data["estimated_amount"] / unit)
    return pd.concat([recorded, estimated[estimated["portion"] != 0]], ignore_index=True)


def _only(scale: alt.Scale, present) -> alt.Scale:
    """`scale` with only the values a chart has, each in its own colour: a legend lists nothing
    the chart does not draw ('Equal split' where nothing is estimated)."""
    kept = [
        (value, colour) for value, colour in zip(scale.domain, scale.range, strict=True) if value in present
    ]
    return alt.Scale(domain=[v for v, _ in kept], range=[c for _, c in kept])


def _bar_encoding(currency: str, stacked: pd.DataFrame) -> dict:
    drawn = set(stacked.loc[stacked["portion"] != 0, "split"]) or {"Recorded"}
    return dict(
        color=alt.Color(
            "split:N", scale=_only(SPLIT_COLOURS, drawn), legend=alt.Legend(title=None, orient="top")
        ),
        order=alt.Order("split:N", sort="descending"),
        tooltip=[
            alt.Tooltip("name:N", title="Name"),
            alt.Tooltip("label:N", title=f"Budget ({currency})"),
            alt.Tooltip("projects:Q", title="Projects"),
            alt.Tooltip("currencies:N", title="Original currencies"),
            alt.Tooltip("value_dates:N", title="Value dates"),
            alt.Tooltip("rate_sources:N", title="Rates from"),
        ],
    )


def ranked_bars(rows: pd.DataFrame, currency: str, top: int = 15) -> alt.Chart:
    """Horizontal bars, largest first; beyond `top`, the rest are one 'Other' bar so parts still add up."""
    data = _for_chart(rows, currency)
    if len(data) > top:
        rest = data.iloc[top - 1 :]
        other = rest[["amount", "estimated_amount", "projects"]].sum().to_frame().T
        other["name"] = f"Other ({len(rest)})"
        other["label"] = f"{currency} {other['amount'].iloc[0]:,.0f}"
        data = pd.concat([data.iloc[: top - 1], other], ignore_index=True)
    unit, unit_name = _money_unit(data["amount"].abs().max() if len(data) else 0, currency)
    data = data.assign(line=data["name"].map(_wrapped))
    stacked = _stacked(data, unit)
    return (
        alt.Chart(stacked)
        .mark_bar()
        .encode(
            y=alt.Y("line:N", sort=list(data["line"]), title=None, axis=WRAPPED),
            x=alt.X("sum(portion):Q", title=f"Budget ({unit_name})", axis=alt.Axis(format=MONEY_AXIS)),
            **_bar_encoding(currency, stacked),
        )
        .properties(height=150 + _row_height(data["line"]) * len(data))
    )


def year_bars(rows: pd.DataFrame, currency: str) -> alt.Chart:
    data = _for_chart(rows, currency)
    unit, unit_name = _money_unit(data["amount"].abs().max() if len(data) else 0, currency)
    stacked = _stacked(data, unit)
    return (
        alt.Chart(stacked)
        .mark_bar()
        .encode(
            x=alt.X("name:N", sort=list(data["name"]), title=None, axis=YEAR_AXIS),
            y=alt.Y("sum(portion):Q", title=f"Budget ({unit_name})", axis=alt.Axis(format=MONEY_AXIS)),
            **_bar_encoding(currency, stacked),
        )
        .properties(height=340)
    )


def ranked_counts(rows: pd.DataFrame, top: int = 15) -> alt.Chart:
    """Horizontal bars of project counts, most first: for viewers from whom amounts are withheld.
    A project with several funders (or countries) counts once for each."""
    data = pd.DataFrame({"name": rows["name"].astype(str), "projects": rows["projects"].astype(int)})
    data = data.sort_values("projects", ascending=False, kind="stable").head(top)
    data = data.assign(line=data["name"].map(_wrapped))
    return (
        alt.Chart(data)
        .mark_bar(color="#1f5f8b")
        .encode(
            y=alt.Y("line:N", sort=list(data["line"]), title=None, axis=WRAPPED),
            x=alt.X("projects:Q", title="Projects", axis=alt.Axis(tickMinStep=1, format="d")),
            tooltip=[alt.Tooltip("name:N", title="Name"), alt.Tooltip("projects:Q", title="Projects")],
        )
        .properties(height=150 + _row_height(data["line"]) * len(data))
    )


MAP_HEIGHT = 400
# A map spans at least this many degrees: zoomed to Kosovo or Afghanistan alone, the one country
# filled the frame with no neighbour to say where it is.
MIN_SPAN = 12.0


def _projection(codes: list[str], points: pd.DataFrame | None = None) -> alt.Projection:
    """A Mercator projection fitted to the given countries and points, with a margin, at whatever
    width the page gives the map: a fixed 560 pixels ran off a phone's screen."""
    boxes = [country_bounds()[c] for c in codes if c in country_bounds()]
    if points is not None and not points.empty:
        boxes += [
            (lon, lat, lon, lat) for lon, lat in zip(points["longitude"], points["latitude"], strict=True)
        ]
    if not boxes:
        boxes = [(-170.0, -58.0, 180.0, 80.0)]
    lon0, lat0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    lon1, lat1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    grow_lon, grow_lat = max(MIN_SPAN - (lon1 - lon0), 0) / 2, max(MIN_SPAN - (lat1 - lat0), 0) / 2
    lon0, lon1, lat0, lat1 = lon0 - grow_lon, lon1 + grow_lon, lat0 - grow_lat, lat1 + grow_lat
    pad = max(lon1 - lon0, lat1 - lat0) * 0.1
    lon0, lon1 = max(lon0 - pad, -180), min(lon1 + pad, 180)
    lat0, lat1 = max(lat0 - pad, -80), min(lat1 + pad, 84)
    frame = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "MultiPoint", "coordinates": [[lon0, lat0], [lon1, lat1]]},
    }
    return alt.Projection(type="mercator", fit={"type": "FeatureCollection", "features": [frame]})


@cache
def _world_text() -> str:
    return json.dumps(world_map(), separators=(",", ":"))


def _shapes() -> alt.Data:
    """The world's shapes, inline as TopoJSON text: Vega-Lite parses a string by its format, and
    Altair passes it through as it is (as a dict it walks every arc, 0.1 s per chart per run)."""
    return alt.Data(values=_world_text(), format=alt.DataFormat(type="topojson", feature="countries"))


def _world(projection: alt.Projection) -> alt.Chart:
    shapes = _shapes()
    return (
        alt.Chart(shapes)
        .mark_geoshape(fill=WORLD_FILL, stroke="white", strokeWidth=0.5, clip=True)
        .project(**projection.to_dict())
    )


@cache
def _mapped() -> frozenset[str]:
    """The countries the map has a shape for (small islands such as Antigua and Barbuda have none)."""
    shapes = world_map()["objects"]["countries"]["geometries"]
    return frozenset(g["properties"]["iso3"] for g in shapes if "iso3" in g["properties"])


def not_on_map(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of a country breakdown that the map cannot show: regions, money whose country is
    not recorded, and countries too small for the map's shapes."""
    return rows[rows["is_region"] | rows["not_recorded"] | ~rows["key"].astype(str).isin(_mapped())]


def choropleth(rows: pd.DataFrame, currency: str, counted: bool = False) -> alt.LayerChart:
    """Countries shaded by attributed budget (or, `counted`, by number of projects); regions and
    'not recorded' are left to the bar chart."""
    countries = rows[~rows["is_region"] & ~rows["not_recorded"]]
    data = _for_chart(countries, currency).assign(iso3=countries["key"].astype(str).to_numpy())
    unit, unit_name = _money_unit(data["amount"].abs().max() if len(data) else 0, currency)
    data = data.assign(shade=data["amount"] / unit)
    if counted:
        # The chart's data travels to the browser: no amount may ride along with the counts.
        data = data[["name", "projects", "iso3"]].assign(
            amount=data["projects"], shade=data["projects"], label=""
        )
    projection = _projection(list(data["iso3"]))
    shaded = (
        alt.Chart(_shapes())
        .mark_geoshape(stroke="white", strokeWidth=0.7, clip=True)
        .transform_lookup(
            lookup="properties.iso3",
            from_=alt.LookupData(data, "iso3", ["name", "amount", "shade", "label", "projects"]),
        )
        .transform_filter("isValid(datum.amount)")
        .encode(
            color=alt.Color(
                "projects:Q" if counted else "shade:Q",
                title="Projects" if counted else f"Budget ({unit_name})",
                scale=alt.Scale(scheme="blues"),
                legend=alt.Legend(format="d" if counted else MONEY_AXIS, orient="bottom"),
            ),
            tooltip=[alt.Tooltip("name:N", title="Country")]
            + ([] if counted else [alt.Tooltip("label:N", title="Budget")])
            + [alt.Tooltip("projects:Q", title="Projects")],
        )
        .project(**projection.to_dict())
    )
    return alt.layer(_world(projection), shaded).properties(width="container", height=MAP_HEIGHT)


def _listed(titles: pd.Series, shown: int = 3) -> str:
    """'A; B; C and 4 more': the events behind one dot, for its tooltip."""
    names = list(titles)
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return "; ".join(names[:shown]) + more


EVENT_COUNTRY = "#b9cfe0"  # a country where events took place, under the dots


def _event_countries(countries: pd.DataFrame, projection: alt.Projection) -> alt.Chart:
    """One layer of shapes, the countries with events shaded (country, name, events, unplaced): the
    world's shapes travel once."""
    return (
        alt.Chart(_shapes())
        .mark_geoshape(stroke="white", strokeWidth=0.5, clip=True)
        .transform_lookup(
            lookup="properties.iso3",
            from_=alt.LookupData(countries, "country", ["name", "events", "unplaced"]),
        )
        .encode(
            fill=alt.condition("isValid(datum.events)", alt.value(EVENT_COUNTRY), alt.value(WORLD_FILL)),
            tooltip=[
                alt.Tooltip("name:N", title="Country"),
                alt.Tooltip("events:Q", title="Events", format=","),
                alt.Tooltip("unplaced:Q", title="Of which no exact place", format=","),
            ],
        )
        .project(**projection.to_dict())
    )


def on_map_by_country_only(countries: pd.DataFrame) -> int:
    """How many events of `countries` (events_by_country) the map shows only by shading their country."""
    return int(countries.loc[countries["country"].astype(str).isin(_mapped()), "unplaced"].sum())


def placed_by_country_only(events: pd.DataFrame) -> pd.Series:
    """Which events the map can show only by their country: no coordinates, a country it draws."""
    return events["latitude"].isna() & events["country"].astype(str).isin(_mapped())


def events_map(events: pd.DataFrame) -> alt.LayerChart:
    """Events with known coordinates as dots over the countries they are in, which are shaded; an
    event with a country but no coordinates shades its country (a sheet's 'Tirana, Albania' with
    no latitude was left off the map). Events of one kind at one place are one dot, sized by their
    number: drawn one by one they lay on top of each other, and the sample's 58 placed events
    showed as 17 dots (Pristina's nine as one)."""
    placed = events.dropna(subset=["latitude", "longitude"])
    in_country = events[events["country"].astype(str).isin(_mapped())]
    countries = (
        in_country.assign(unplaced=in_country["latitude"].isna())
        .groupby("country", as_index=False)
        .agg(name=("country_name", "first"), events=("title", "size"), unplaced=("unplaced", "sum"))
        .astype({"events": int, "unplaced": int})
    )
    dates = pd.to_datetime(placed["start_date"]).dt.strftime("%d %b %Y").fillna("date not known")
    points = pd.DataFrame(
        {
            "title": placed["title"].astype(str) + " (" + dates + ")",
            "kind": placed["kind"].astype(str),
            "place": placed["city"].fillna("").astype(str)
            + ", "
            + placed["country_name"].fillna("").astype(str),
            "latitude": placed["latitude"].astype(float),
            "longitude": placed["longitude"].astype(float),
        }
    )
    points = (
        points.groupby(["latitude", "longitude", "kind", "place"], as_index=False)
        .agg(events=("title", "size"), titles=("title", _listed))
        # The biggest dots first, so that the smaller ones at the same place are drawn over them.
        .sort_values("events", ascending=False, kind="stable")
    )
    projection = _projection(list(countries["country"]), points)
    world = _event_countries(countries, projection)
    dots = (
        alt.Chart(points)
        .mark_circle(opacity=0.8, stroke="white", strokeWidth=0.8, clip=True)
        .encode(
            longitude="longitude:Q",
            latitude="latitude:Q",
            size=alt.Size(
                "events:Q",
                title="Events",
                scale=alt.Scale(range=[60, 600], zero=False),
                # No dots (no event has coordinates), no legends for them: 'Events' stood empty.
                legend=alt.Legend(format="d", tickMinStep=1, orient="bottom") if len(points) else None,
            ),
            color=alt.Color(
                "kind:N",
                scale=_only(KIND_COLOURS, set(points["kind"])),
                legend=alt.Legend(title="Event", orient="bottom", columns=3) if len(points) else None,
            ),
            tooltip=[
                alt.Tooltip("place:N", title="Place"),
                alt.Tooltip("kind:N", title="Event"),
                alt.Tooltip("events:Q", title="Events"),
                alt.Tooltip("titles:N", title="Which"),
            ],
        )
        .project(**projection.to_dict())
    )
    return alt.layer(world, dots).properties(width="container", height=MAP_HEIGHT)


def _time_axis(first: pd.Timestamp, last: pd.Timestamp) -> dict:
    """A time axis that names months and years: Vega's own ticks for one event's two days read
    'Tue 10', with no month or year. Under a year it ticks monthly and spans at least three months."""
    span = last - first
    if span >= pd.Timedelta(days=3 * 365):
        return {"axis": alt.Axis(format="%Y", tickCount={"interval": "year", "step": 1})}
    if span < pd.Timedelta(days=90):
        middle = first + span / 2
        first, last = middle - pd.Timedelta(days=45), middle + pd.Timedelta(days=45)
    step = 1 if span < pd.Timedelta(days=365) else 3
    return {
        "axis": alt.Axis(format="%b %Y", tickCount={"interval": "month", "step": step}),
        "scale": alt.Scale(
            domain=[alt.DateTime(year=d.year, month=d.month, date=d.day) for d in (first, last)]
        ),
    }


def events_timeline(events: pd.DataFrame) -> alt.Chart:
    """Dated events along time, one row per kind."""
    dated = events.dropna(subset=["start_date"])
    data = pd.DataFrame(
        {
            "title": dated["title"].astype(str),
            "kind": dated["kind"].astype(str),
            "start": pd.to_datetime(dated["start_date"]),
            "end": pd.to_datetime(dated["end_date"].fillna(dated["start_date"])) + pd.Timedelta(days=1),
            "place": dated["city"].fillna("place not known").astype(str),
            "project": dated["project_title"].astype(str),
        }
    )
    return (
        alt.Chart(data)
        .mark_tick(thickness=3, size=22)
        .encode(
            x=alt.X("start:T", title=None, **_time_axis(data["start"].min(), data["end"].max())),
            y=alt.Y("kind:N", title=None, scale=alt.Scale(domain=KIND_COLOURS.domain)),
            color=alt.Color("kind:N", scale=KIND_COLOURS, legend=None),
            tooltip=[
                alt.Tooltip("title:N", title="Event"),
                alt.Tooltip("start:T", title="Starts", format="%d %b %Y"),
                alt.Tooltip("place:N", title="Place"),
                alt.Tooltip("project:N", title="Project"),
            ],
        )
        .properties(height=230)
    )


def events_per_month(months: pd.DataFrame) -> alt.Chart:
    """Events per month, stacked by kind: the timeline of a portfolio with too many to draw. Each
    bar spans its month: drawn at a point in time, 200 months of bars were hairlines a pixel wide
    with their kinds' colours too thin to tell apart."""
    start = pd.to_datetime(months["month"])
    data = pd.DataFrame(
        {
            "month": start,
            "month_end": start + pd.offsets.MonthBegin(1),
            "kind": months["kind"].astype(str),
            "events": months["events"].astype(int),
        }
    )
    return (
        alt.Chart(data)
        .mark_bar(strokeWidth=0)
        .encode(
            x=alt.X("month:T", title=None),
            x2="month_end:T",
            y=alt.Y("sum(events):Q", title="Events per month", stack="zero"),
            color=alt.Color("kind:N", scale=KIND_COLOURS, legend=alt.Legend(title="Event", orient="bottom")),
            order=alt.Order("kind:N"),
            tooltip=[
                alt.Tooltip("month:T", title="Month", format="%b %Y"),
                alt.Tooltip("kind:N", title="Event"),
                alt.Tooltip("sum(events):Q", title="Events", format=","),
            ],
        )
        .properties(height=230)
    )


def events_per_place(places: pd.DataFrame, countries: pd.DataFrame | None = None) -> alt.LayerChart:
    """Events per city as one dot sized by their number, its tooltip counting each kind, over the
    countries they are in; with `countries` (events_by_country), those with events are shaded, so an
    event with a country but no coordinates is on the map, as on the map drawn event by event.
    (A dot per kind lay on top of the others at the same place: at 100,000 projects each city
    showed one kind's colour of the six held there.) Of one kind, the dots take its colour."""
    points = pd.DataFrame(
        {
            "place": places["city"].fillna("").astype(str)
            + ", "
            + places["country_name"].fillna("").astype(str),
            "latitude": places["latitude"].astype(float),
            "longitude": places["longitude"].astype(float),
            "events": places["events"].astype(int),
            "kinds": places["kinds"].astype(str),
        }
    )
    kinds = {part.split(" ")[0] for listed in points["kinds"] for part in listed.split("; ")}
    colour = dict(zip(KIND_COLOURS.domain, KIND_COLOURS.range, strict=True)).get(
        next(iter(kinds)) if len(kinds) == 1 else "", "#1f5f8b"
    )
    shaded = countries[countries["country"].astype(str).isin(_mapped())] if countries is not None else None
    codes = places["country"].dropna().unique()
    projection = _projection(list(codes) + (list(shaded["country"]) if shaded is not None else []), points)
    dots = (
        alt.Chart(points)
        .mark_circle(opacity=0.75, stroke="white", strokeWidth=0.8, clip=True, color=colour)
        .encode(
            longitude="longitude:Q",
            latitude="latitude:Q",
            size=alt.Size(
                "events:Q",
                title="Events",
                scale=alt.Scale(range=[0, 1000], zero=True),  # areas in proportion to the counts
                legend=alt.Legend(format=",d", tickMinStep=1),
            ),
            tooltip=[
                alt.Tooltip("place:N", title="Place"),
                alt.Tooltip("events:Q", title="Events", format=","),
                alt.Tooltip("kinds:N", title="Of which"),
            ],
        )
        .project(**projection.to_dict())
    )
    world = _event_countries(shaded, projection) if shaded is not None else _world(projection)
    return alt.layer(world, dots).properties(width="container", height=MAP_HEIGHT)


SPEND_SERIES = {
    "budget": "Budget",
    "commitments": "Committed",
    "disbursements": "Disbursed",
    # expenditure where a project reports any, else its disbursements (portfolio.spend)
    "spent": "Spent",
}


def spend_by_year(rows: pd.DataFrame, currency: str) -> alt.Chart:
    """Budget and the money committed, disbursed and spent, year by year, side by side."""
    long = rows.melt(id_vars="key", value_vars=[c for c in SPEND_SERIES if c in rows], var_name="series")
    long = long.assign(
        series=long["series"].map(SPEND_SERIES),
        value=pd.to_numeric(long["value"].astype(object), errors="coerce").fillna(0.0),
        key=long["key"].fillna("Dates not recorded"),
    )
    unit, unit_name = _money_unit(long["value"].abs().max() if len(long) else 0, currency)
    long = long.assign(shown=long["value"] / unit)
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("key:N", title=None, axis=YEAR_AXIS),
            xOffset=alt.XOffset("series:N", sort=list(SPEND_SERIES.values())),
            y=alt.Y("shown:Q", title=unit_name, axis=alt.Axis(format=MONEY_AXIS)),
            color=alt.Color(
                "series:N", sort=list(SPEND_SERIES.values()), title=None, legend=alt.Legend(orient="top")
            ),
            tooltip=[
                alt.Tooltip("key:N", title="Year"),
                alt.Tooltip("series:N", title="What"),
                alt.Tooltip("value:Q", title=currency, format=",.2f"),
            ],
        )
        .properties(height=280)
    )


def budget_and_spend_over_time(trace: pd.DataFrame, currency: str) -> alt.Chart | None:
    """A project's budget and its spending, cumulated over time, from its converted amounts."""
    rows = trace.dropna(subset=["converted", "value_date"])
    budget = rows[rows["what"].str.startswith(("Budget", "Total budget"))]
    spending = rows[rows["what"].str.startswith("Expenditure")]
    if spending.empty:
        spending = rows[rows["what"].str.startswith("Disbursement")]
    if budget.empty and spending.empty:
        return None
    series = []
    for name, part in (
        ("Budget", budget),
        ("Spent" if "Expenditure" in "".join(spending["what"]) else "Disbursed", spending),
    ):
        if len(part):
            part = part.sort_values("value_date")
            rate = part["rate_from_eur"].where(part["currency"] != "EUR", part["rate_to_reporting"])
            series.append(
                pd.DataFrame(
                    {
                        "date": pd.to_datetime(part["value_date"]),
                        "amount": pd.to_numeric(part["converted"].astype(object)).cumsum(),
                        "series": name,
                        "line": part["what"].values,
                        "original": [
                            f"{a:,.2f} {c}" for a, c in zip(part["amount"], part["currency"], strict=True)
                        ],
                        "rate": [None if pd.isna(r) else f"{r} per EUR" for r in rate],
                        "rate_date": [
                            None if pd.isna(d) else str(d)
                            for d in part["rate_date"].where(
                                part["currency"] != "EUR", part["reporting_rate_date"]
                            )
                        ],
                        "source": part["source"].values,
                    }
                )
            )
    data = pd.concat(series, ignore_index=True)
    # Each line runs to the last date shown, so a budget given once reads as a level to reach.
    last = data["date"].max()
    ends = data.sort_values("date").groupby("series").tail(1).assign(date=last)
    data = pd.concat([data, ends], ignore_index=True)
    unit, unit_name = _money_unit(data["amount"].abs().max(), currency)
    data = data.assign(shown=data["amount"] / unit)
    return (
        alt.Chart(data)
        .mark_line(point=True, interpolate="step-after")
        .encode(
            x=alt.X("date:T", title=None, axis=alt.Axis(format="%b %Y")),
            y=alt.Y("shown:Q", title=f"Cumulative ({unit_name})", axis=alt.Axis(format=MONEY_AXIS)),
            color=alt.Color("series:N", title=None, legend=alt.Legend(orient="top")),
            tooltip=[
                alt.Tooltip("series:N", title="What"),
                alt.Tooltip("line:N", title="Amount"),
                alt.Tooltip("original:N", title="Original"),
                alt.Tooltip("date:T", title="Value date"),
                alt.Tooltip("rate:N", title="Rate"),
                alt.Tooltip("rate_date:N", title="Rate of"),
                alt.Tooltip("source:N", title="Source"),
                alt.Tooltip("amount:Q", title=f"Cumulative ({currency})", format=",.2f"),
            ],
        )
        .properties(height=240)
    )


def stacked_by_year(rows: pd.DataFrame, value: str, currency: str, top: int = 8) -> alt.Chart:
    """Each year's amount as a bar, stacked by funder or country; beyond the largest `top`, "Other"."""
    amounts = rows.assign(amount=pd.to_numeric(rows[value].astype(object), errors="coerce").fillna(0.0))
    largest = amounts.groupby("name")["amount"].sum().nlargest(top).index
    amounts = amounts.assign(name=amounts["name"].where(amounts["name"].isin(largest), "Other"))
    data = amounts.groupby(["year", "name"], as_index=False)["amount"].sum()
    order = [*largest, "Other"]
    tallest = data.groupby("year")["amount"].sum().abs().max() if len(data) else 0
    unit, unit_name = _money_unit(tallest, currency)
    data = data.assign(shown=data["amount"] / unit)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("year:N", title=None, axis=YEAR_AXIS),
            y=alt.Y("shown:Q", title=unit_name, axis=alt.Axis(format=MONEY_AXIS)),
            color=alt.Color("name:N", title=None, sort=order, legend=alt.Legend(orient="bottom", columns=2)),
            order=alt.Order("amount:Q", sort="descending"),
            tooltip=[
                alt.Tooltip("year:N", title="Year"),
                alt.Tooltip("name:N", title="Who or where"),
                alt.Tooltip("amount:Q", title=currency, format=",.2f"),
            ],
        )
        .properties(height=300)
    )
