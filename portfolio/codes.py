"""Reference data shipped in data/reference: the world map and country extents.

Codelists themselves live in the store's ref_ tables (loaded by portfolio.store); this module
serves what is read straight from the files.
"""

from __future__ import annotations

import csv
import json
from functools import cache

from portfolio.store import REFERENCE


@cache
def world_map() -> dict:
    """World country shapes (TopoJSON, 1:110m) with each shape's alpha-3 code in properties.iso3."""
    return json.loads((REFERENCE / "world-110m.json").read_text(encoding="utf-8"))


@cache
def country_bounds() -> dict[str, tuple[float, float, float, float]]:
    """Alpha-3 code -> (lon_min, lat_min, lon_max, lat_max) of the country's shape."""
    with open(REFERENCE / "country_bounds.csv", encoding="utf-8", newline="") as f:
        return {
            r["code"]: tuple(float(r[k]) for k in ("lon_min", "lat_min", "lon_max", "lat_max"))
            for r in csv.DictReader(f)
        }
