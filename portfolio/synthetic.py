"""A deterministic generator of illustrative portfolios, at any size.

The same seed gives the same portfolio on every machine. It feeds the illustrative part of
the sample portfolio (about 40 projects) and the benchmarks (up to a million). Every project
it makes is flagged `illustrative`: these are not real projects, and the app says so.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd

# The generator's "today", fixed so that statuses do not change with the calendar.
AS_OF = date(2026, 11, 1)

FUNDERS = [
    # org_id, name, acronym, org_type, country, currency, weight
    ("EU", "European Union", "EU", "40", None, "EUR", 30),
    ("DE", "Federal Republic of Germany", None, "10", "DEU", "EUR", 14),
    (
        "CH-SDC",
        "Swiss Agency for Development and Cooperation",
        "SDC",
        "10",
        "CHE",
        "CHF",
        9,
    ),
    (
        "GB-FCDO",
        "Foreign, Commonwealth & Development Office",
        "FCDO",
        "10",
        "GBR",
        "GBP",
        8,
    ),
    (
        "US-INL",
        "US Bureau of International Narcotics and Law Enforcement Affairs",
        "INL",
        "10",
        "USA",
        "USD",
        8,
    ),
    (
        "SE-SIDA",
        "Swedish International Development Cooperation Agency",
        "Sida",
        "10",
        "SWE",
        "SEK",
        6,
    ),
    ("NO-MFA", "Norwegian Ministry of Foreign Affairs", None, "10", "NOR", "NOK", 6),
    ("NL-MFA", "Netherlands Ministry of Foreign Affairs", None, "10", "NLD", "EUR", 5),
    ("AT-ADA", "Austrian Development Agency", "ADA", "10", "AUT", "EUR", 5),
]
IMPLEMENTERS = [
    ("IOM", "International Organization for Migration", "IOM", "40", None, 20),
    ("UNODC", "United Nations Office on Drugs and Crime", "UNODC", "40", None, 14),
    ("DCAF", "DCAF", "DCAF", "80", "CHE", 12),
    (
        "GIZ",
        "Deutsche Gesellschaft für Internationale Zusammenarbeit",
        "GIZ",
        "10",
        "DEU",
        12,
    ),
    (
        "ICMPD",
        "International Centre for Migration Policy Development",
        "ICMPD",
        "40",
        "AUT",
        10,
    ),
    (
        "OSCE",
        "Organization for Security and Co-operation in Europe",
        "OSCE",
        "40",
        None,
        9,
    ),
    ("UNDP", "United Nations Development Programme", "UNDP", "40", None, 8),
    ("RACVIAC", "RACVIAC", "RACVIAC", "40", "HRV", 5),
    (
        "INTERPOL",
        "International Criminal Police Organization",
        "INTERPOL",
        "40",
        "FRA",
        5,
    ),
]
COUNTRIES = [
    # code, weight, cities with coordinates
    ("SRB", 12, [("Belgrade", 44.8125, 20.4612), ("Novi Sad", 45.2671, 19.8335)]),
    ("BIH", 11, [("Sarajevo", 43.8563, 18.4131), ("Banja Luka", 44.7722, 17.1910)]),
    ("ALB", 10, [("Tirana", 41.3275, 19.8187), ("Durrës", 41.3246, 19.4565)]),
    ("MKD", 10, [("Skopje", 41.9981, 21.4254), ("Ohrid", 41.1231, 20.8016)]),
    ("MNE", 8, [("Podgorica", 42.4304, 19.2594), ("Budva", 42.2911, 18.8403)]),
    ("XKX", 8, [("Pristina", 42.6629, 21.1655)]),
    ("HRV", 5, [("Zagreb", 45.8150, 15.9819)]),
    ("MDA", 4, [("Chișinău", 47.0105, 28.8638)]),
    ("TUR", 4, [("Ankara", 39.9334, 32.8597)]),
    ("GRC", 3, [("Thessaloniki", 40.6401, 22.9444)]),
    ("BGR", 3, [("Sofia", 42.6977, 23.3219)]),
    ("SVN", 2, [("Ljubljana", 46.0569, 14.5058)]),
]
# As titles write them (the reference list says "Serbia", "Moldova, Republic of", ...).
PLACE_NAMES = {
    "SRB": "Serbia",
    "BIH": "Bosnia and Herzegovina",
    "ALB": "Albania",
    "MKD": "North Macedonia",
    "MNE": "Montenegro",
    "XKX": "Kosovo",
    "HRV": "Croatia",
    "MDA": "Moldova",
    "TUR": "Türkiye",
    "GRC": "Greece",
    "BGR": "Bulgaria",
    "SVN": "Slovenia",
}
REGIONS = ["88", "89"]  # States Ex-Yugoslavia unspecified; Europe, regional
SECTORS = [
    ("15210", 40),
    ("15130", 20),
    ("15190", 20),
    ("15220", 8),
    ("15170", 6),
    ("16010", 6),
]
THEMES = [
    ("Integrated Border Management in {place}", "border management"),
    ("Countering Migrant Smuggling along the {route}", "migrant smuggling"),
    ("Strengthening Anti-Trafficking Capacities in {place}", "human trafficking"),
    ("Fighting Organised Crime and Corruption in {place}", "organised crime"),
    ("Migration Management and Asylum Support in {place}", "migration management"),
    (
        "Regional Police Cooperation against Serious Crime, {place}",
        "police cooperation",
    ),
    ("Firearms Control and Counter-Smuggling in {place}", "small arms control"),
    (
        "Risk Analysis and Information Exchange for Border Police, {place}",
        "risk analysis",
    ),
]
ROUTES = [
    "Western Balkans Route",
    "Adriatic Route",
    "Eastern Mediterranean Route",
    "Danube Corridor",
]
EVENT_TITLES = {
    "meeting": "Regional meeting of {who}",
    "workshop": "Workshop on {topic}",
    "seminar": "Seminar on {topic}",
    "training": "Training course in {topic}",
    "visit": "Study visit on {topic}",
}
WHO = [
    "border police chiefs",
    "prosecutors",
    "customs directors",
    "migration officials",
]
KINDS = list(EVENT_TITLES)


def _pick(rng: random.Random, items: list, weights: list[int], k: int) -> list:
    """k distinct items, drawn by weight."""
    chosen: list = []
    while len(chosen) < k:
        item = rng.choices(items, weights)[0]
        if item not in chosen:
            chosen.append(item)
    return chosen


def _shares(rng: random.Random, k: int) -> list[Decimal]:
    """k percentages with two decimals that add up to exactly 100."""
    bounds = [0, *sorted(rng.sample(range(1, 10000), k - 1)), 10000]
    return [Decimal(b - a) / 100 for a, b in zip(bounds, bounds[1:], strict=False)]


def _money(value: float) -> Decimal:
    return Decimal(round(value, -3)).quantize(Decimal("0.01"))


def organisations() -> pd.DataFrame:
    rows = [dict(org_id=o, name=n, acronym=a, org_type=t, country=c) for o, n, a, t, c, *_ in FUNDERS]
    rows += [dict(org_id=o, name=n, acronym=a, org_type=t, country=c) for o, n, a, t, c, _ in IMPLEMENTERS]
    return pd.DataFrame(rows)


# Projects per batch when writing a large portfolio: about 150 MB of Python rows at a time.
BATCH = 20_000


def generate(n: int, seed: int = 2018, prefix: str = "ILL") -> dict[str, pd.DataFrame]:
    """`n` illustrative projects with funders, places, sectors, budgets, transactions and events."""
    frames = _generate(range(1, n + 1), _width(n), seed, prefix)
    frames["organisations"] = organisations()
    return frames


def batches(
    n: int, seed: int = 2018, prefix: str = "ILL", size: int = BATCH
) -> Iterator[dict[str, pd.DataFrame]]:
    """The same `n` projects as `generate`, `size` at a time, so that a million fit in memory.

    Each project draws from its own generator (seeded by `seed` and its number), so a batch is
    the same whatever the batch size; the first batch carries the organisations.
    """
    for first in range(1, n + 1, size):
        frames = _generate(range(first, min(first + size, n + 1)), _width(n), seed, prefix)
        if first == 1:
            frames["organisations"] = organisations()
        yield frames


def _width(n: int) -> int:
    return max(4, len(str(n)))


def _generate(numbers: range, width: int, seed: int, prefix: str) -> dict[str, pd.DataFrame]:
    tables: dict[str, list[dict]] = {
        t: []
        for t in (
            "projects",
            "project_orgs",
            "project_countries",
            "project_sectors",
            "project_aims",
            "activities",
            "budgets",
            "transactions",
        )
    }
    for i in numbers:
        rng = random.Random(seed * 1_000_003 + i)
        _project(rng, f"{prefix}-{i:0{width}d}", tables)
    frames = {table: pd.DataFrame(rows) for table, rows in tables.items()}
    frames["projects"]["illustrative"] = True
    return frames


def _project(rng: random.Random, pid: str, t: dict[str, list[dict]]) -> None:
    # Countries first: the title names the place.
    country_codes = [c[0] for c in COUNTRIES]
    country_weights = [c[1] for c in COUNTRIES]
    regional = rng.random() < 0.3
    places = _pick(rng, country_codes, country_weights, rng.randint(2, 5) if regional else 1)
    place = "the Western Balkans" if regional else PLACE_NAMES[places[0]]
    template, topic = rng.choice(THEMES)
    title = template.format(place=place, route=rng.choice(ROUTES))

    start = date(2015, 1, 1) + timedelta(days=rng.randint(0, 12 * 365))
    years = rng.choice([1, 2, 2, 3, 3, 3, 4, 5])
    end = start + timedelta(days=365 * years - 1)
    if start > AS_OF:
        status = "pipeline"
    elif end >= AS_OF:
        status = rng.choices(["implementation", "suspended"], [19, 1])[0]
    else:
        status = rng.choices(["closed", "finalisation", "cancelled"], [15, 4, 1])[0]

    funder_count = rng.choices([1, 2, 3], [6, 3, 1])[0]
    funders = _pick(rng, FUNDERS, [f[6] for f in FUNDERS], funder_count)
    currency = funders[0][5]
    size = rng.lognormvariate(14.2, 0.8)  # median about EUR 1.5 million
    rate = {"EUR": 1, "CHF": 0.95, "GBP": 0.85, "USD": 1.1, "SEK": 11, "NOK": 11.5}[currency]

    # Budget by year; now and then a revised budget replaces one year's original.
    periods, budget = [], Decimal(0)
    for y in range(years):
        p_start = start + timedelta(days=365 * y)
        p_end = min(end, p_start + timedelta(days=364))
        amount = _money(size * rate / years * rng.uniform(0.7, 1.3))
        periods.append(
            dict(
                project_id=pid,
                period_start=p_start,
                period_end=p_end,
                type="original",
                amount=amount,
            )
        )
        counted = amount
        if rng.random() < 0.15:
            counted = _money(float(amount) * rng.uniform(0.8, 1.25))
            periods.append(
                dict(
                    project_id=pid,
                    period_start=p_start,
                    period_end=p_end,
                    type="revised",
                    amount=counted,
                )
            )
        budget += counted
    t["budgets"] += [{**p, "currency": currency, "value_date": p["period_start"]} for p in periods]

    t["projects"].append(
        dict(
            project_id=pid,
            title=title,
            description=f"Illustrative project on {topic} (generated, not a real project).",
            programme=rng.choice(["Border Security Programme", "Regional Security Initiative", None]),
            status=status,
            start_date=start,
            end_date=end,
            currency=currency,
            budget=budget,
            visibility=rng.choices(["public", "internal"], [9, 1])[0],
        )
    )

    # Contributions are recorded for most co-funded projects; the rest split equally.
    record_amounts = funder_count == 1 or rng.random() < 0.7
    split = _shares(rng, funder_count)
    for funder, share in zip(funders, split, strict=True):
        amount = (budget * share / 100).quantize(Decimal("0.01")) if record_amounts else None
        t["project_orgs"].append(
            dict(
                project_id=pid,
                org_id=funder[0],
                role="funding",
                amount=amount,
                currency=currency,
            )
        )
    implementers = _pick(rng, IMPLEMENTERS, [m[5] for m in IMPLEMENTERS], rng.choices([1, 2], [4, 1])[0])
    for implementer in implementers:
        t["project_orgs"].append(dict(project_id=pid, org_id=implementer[0], role="implementing"))

    # Regional projects often state no percentages, or add a regional part.
    if regional and rng.random() < 0.3:
        places = places + [rng.choice(REGIONS)]
    with_shares = not regional or rng.random() < 0.5
    shares = _shares(rng, len(places)) if with_shares else [None] * len(places)
    for code, share in zip(places, shares, strict=True):
        t["project_countries"].append(dict(project_id=pid, country=code, share=share))

    sectors = _pick(
        rng,
        [s[0] for s in SECTORS],
        [s[1] for s in SECTORS],
        rng.choices([1, 2], [3, 1])[0],
    )
    sector_shares = _shares(rng, len(sectors)) if rng.random() < 0.8 else [None] * len(sectors)
    for code, share in zip(sectors, sector_shares, strict=True):
        t["project_sectors"].append(dict(project_id=pid, sector=code, share=share))

    t["project_aims"].append(
        dict(
            project_id=pid,
            seq=1,
            aim=f"To strengthen national and regional capacities in {topic}",
        )
    )
    t["project_aims"].append(
        dict(
            project_id=pid,
            seq=2,
            aim="To improve regional cooperation and information exchange",
        )
    )

    _transactions(rng, pid, start, end, status, budget, currency, funders, implementers, t)
    _events(rng, pid, start, end, places, topic, t)


def _transactions(rng, pid, start, end, status, budget, currency, funders, implementers, t) -> None:
    if status in ("pipeline", "cancelled"):
        return
    last = min(end, AS_OF)
    n = 1
    t["transactions"].append(
        dict(
            transaction_id=f"{pid}-T{n:02d}",
            project_id=pid,
            type="commitment",
            date=start,
            amount=budget,
            currency=currency,
            provider_org=funders[0][0],
            receiver_org=implementers[0][0],
        )
    )
    elapsed = (last - start).days
    moves = []
    # About ten a project, a commitment and then disbursements and expenditure, as IATI
    # publishers report them.
    for _ in range(rng.randint(7, 12)):
        n += 1
        day = start + timedelta(days=rng.randint(0, max(elapsed, 0)))
        kind = rng.choice(["disbursement", "expenditure"])
        amount = _money(float(budget) * rng.uniform(0.02, 0.12))
        moves.append(
            dict(
                transaction_id=f"{pid}-T{n:02d}",
                project_id=pid,
                type=kind,
                date=day,
                amount=amount,
                currency=currency,
                provider_org=funders[0][0] if kind == "disbursement" else implementers[0][0],
                receiver_org=implementers[0][0] if kind == "disbursement" else None,
            )
        )
    # Money follows time, as in a project that runs to plan: by the time elapsed, about 95% of
    # that share disbursed and 90% spent. Scaling keeps the draws (and so every other field).
    share = min(max(elapsed, 0) / max((end - start).days, 1), 1)
    # A few projects go off plan, so the spend review has something to show: some spend
    # little, some run ahead of time. Chosen by number, not drawn, so nothing else moves.
    number = int(pid.rsplit("-", 1)[-1]) if pid.rsplit("-", 1)[-1].isdigit() else 0
    if number % 7 == 3:
        share *= 0.35
    elif number % 9 == 4 and share < 0.6:
        share = min(share + 0.4, 1)
    for kind, part in (("disbursement", Decimal("0.95")), ("expenditure", Decimal("0.90"))):
        of_kind = [m for m in moves if m["type"] == kind]
        drawn = sum((m["amount"] for m in of_kind), Decimal(0))
        if not of_kind or not drawn:
            continue
        target = (budget * Decimal(str(share)) * part).quantize(Decimal("0.01"))
        for m in of_kind:
            m["amount"] = (m["amount"] * target / drawn).quantize(Decimal("0.01"))
        of_kind[-1]["amount"] += target - sum(m["amount"] for m in of_kind)
    t["transactions"] += moves


def _events(rng, pid, start, end, places, topic, t) -> None:
    countries = [c for c in COUNTRIES if c[0] in places] or COUNTRIES[:1]
    for k in range(rng.choices([0, 1, 2, 3], [2, 3, 3, 2])[0]):
        kind = rng.choice(KINDS)
        code, _, cities = rng.choice(countries)
        city, lat, lon = rng.choice(cities)
        day = start + timedelta(days=rng.randint(0, max((end - start).days - 3, 0)))
        t["activities"].append(
            dict(
                activity_id=f"{pid}-E{k + 1}",
                project_id=pid,
                title=EVENT_TITLES[kind].format(who=rng.choice(WHO), topic=topic),
                kind=kind,
                start_date=day,
                end_date=day + timedelta(days=rng.randint(0, 2)),
                city=city,
                country=code,
                latitude=lat,
                longitude=lon,
                participants=f"{rng.randint(12, 60)} participants",
            )
        )


def flat_sheet(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The generated portfolio as programme managers keep it: one row per project, their words."""
    names = dict(zip(frames["organisations"]["org_id"], frames["organisations"]["name"], strict=True))
    projects = frames["projects"].set_index("project_id")
    orgs = frames["project_orgs"]

    def joined(rows: pd.DataFrame, text) -> pd.Series:
        return (
            rows.assign(text=[text(r) for r in rows.itertuples()])
            .groupby("project_id")["text"]
            .agg("; ".join)
        )

    funders = orgs[orgs["role"] == "funding"]
    budget = projects["budget"]
    funder_text = joined(
        funders,
        lambda r: (
            names[r.org_id]
            + (
                f" ({r.amount / budget[r.project_id] * 100:.0f}%)"
                if r.amount is not None and budget[r.project_id]
                else ""
            )
        ),
    )
    implementers = joined(orgs[orgs["role"] == "implementing"], lambda r: names[r.org_id])
    place_names = {**PLACE_NAMES, "88": "States Ex-Yugoslavia unspecified", "89": "Europe, regional"}
    countries = joined(frames["project_countries"], lambda r: place_names[r.country])
    sectors = joined(frames["project_sectors"], lambda r: r.sector)
    aims = frames["project_aims"].groupby("project_id")["aim"].agg("\n".join)
    return pd.DataFrame(
        {
            "Project ID": projects.index,
            "Project title": projects["title"].values,
            "Programme": projects["programme"].values,
            "Donor(s)": funder_text.reindex(projects.index).values,
            "Implementing partner(s)": implementers.reindex(projects.index).values,
            "Beneficiary countries": countries.reindex(projects.index).values,
            "Sector": sectors.reindex(projects.index).values,
            "Total budget": [float(b) for b in budget.values],
            "Currency": projects["currency"].values,
            "Start": projects["start_date"].values,
            "End": projects["end_date"].values,
            "Status": projects["status"].values,
            "Objectives": aims.reindex(projects.index).values,
        }
    )


def write_xlsx(path, frames: dict[str, pd.DataFrame] | Iterable[dict[str, pd.DataFrame]], title: str) -> int:
    """Write `flat_sheet` of the projects (one set of frames, or batches of them) below a title
    row, as a manager's workbook would have it; returns the number of rows."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Projects")
    ws.append([title])
    ws.append([])
    written = 0
    for batch in [frames] if isinstance(frames, dict) else frames:
        if "organisations" not in batch:
            batch = {**batch, "organisations": organisations()}
        sheet = flat_sheet(batch)
        if not written:
            ws.append(list(sheet.columns))
        for row in sheet.itertuples(index=False):
            ws.append([None if isinstance(v, float) and v != v else v for v in row])
        written += len(sheet)
    wb.save(path)
    return written
