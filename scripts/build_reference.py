"""Convert the IATI codelists and world map in ../shared/reference into the files in data/reference.

Run by hand when the reference files change (`make reference`); the app only reads the output.
IATI's Country list is ISO alpha-2; aidtrack stores alpha-3 and draws the map by ISO numeric,
so pycountry supplies both. Kosovo has neither in ISO: it is XKX by common use and has no
numeric code, so the map finds it by name.
"""

import csv
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pycountry

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from loaders.names import _converter  # noqa: E402  (country_converter, loaded as pandas 3 needs)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "reference"
OUT = ROOT / "data" / "reference"

KOSOVO = {"alpha2": "XK", "alpha3": "XKX", "numeric": ""}

# aidtrack's words for IATI's numeric codes (DESIGN.md: codes stored as words the field uses).
ROLE_WORDS = {"1": "funding", "2": "accountable", "3": "extending", "4": "implementing"}
EXTRA_ROLES = [("partner", "", "Partner"), ("beneficiary", "", "Beneficiary")]
STATUS_WORDS = {
    "1": "pipeline",
    "2": "implementation",
    "3": "finalisation",
    "4": "closed",
    "5": "cancelled",
    "6": "suspended",
}
TRANSACTION_WORDS = {
    "1": "incoming_funds",
    "2": "commitment",
    "3": "disbursement",
    "4": "expenditure",
    "5": "interest_payment",
    "6": "loan_repayment",
    "7": "reimbursement",
    "8": "purchase_of_equity",
    "9": "sale_of_equity",
    "10": "credit_guarantee",
    "11": "incoming_commitment",
    "12": "outgoing_pledge",
    "13": "incoming_pledge",
}


def codelist(name: str) -> list[dict]:
    """Items of one IATI codelist: code, English name, category, withdrawn."""
    tree = ET.parse(SHARED / "iati-codelists" / f"{name}.xml")
    items = []
    for item in tree.iter("codelist-item"):
        names = item.findall("name/narrative")
        english = next(
            (n.text for n in names if n.get("{http://www.w3.org/XML/1998/namespace}lang") in (None, "en")),
            names[0].text if names else "",
        )
        items.append(
            {
                "code": item.findtext("code").strip(),
                "name": " ".join((english or "").split()),
                "category": (item.findtext("category") or "").strip(),
                "withdrawn": item.get("status") == "withdrawn",
            }
        )
    return items


def write(name: str, header: list[str], rows: list[list]) -> None:
    with open(OUT / name, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def countries() -> dict[str, str]:
    """Write countries.csv; return ISO numeric -> alpha-3 for the map."""
    rows, numeric_to_alpha3 = [], {}
    for item in codelist("Country"):
        if item["code"] == KOSOVO["alpha2"]:
            alpha3, numeric = KOSOVO["alpha3"], KOSOVO["numeric"]
        else:
            # Withdrawn codes (Netherlands Antilles) are still used by real files.
            iso = pycountry.countries.get(alpha_2=item["code"]) or pycountry.historic_countries.get(
                alpha_2=item["code"]
            )
            if iso is None:
                print(
                    f"skipped {item['code']} {item['name']}: not in ISO 3166",
                    file=sys.stderr,
                )
                continue
            alpha3, numeric = iso.alpha_3, getattr(iso, "numeric", "")
            numeric_to_alpha3[numeric] = alpha3
        rows.append(
            [
                alpha3,
                item["code"],
                numeric,
                display_name(alpha3, item["name"]),
                item["name"],
                item["withdrawn"],
            ]
        )
    write(
        "countries.csv",
        ["code", "alpha2", "numeric", "name", "iati_name", "withdrawn"],
        sorted(rows),
    )
    return numeric_to_alpha3


# Where country_converter's short name is not the one an aid report uses.
DISPLAY_NAMES = {
    "ANT": "Netherlands Antilles",
    "COD": "Democratic Republic of the Congo",
    "COG": "Congo",
    "FSM": "Micronesia",
    "VAT": "Holy See",
}


def display_name(alpha3: str, iati_name: str) -> str:
    """The name charts and tables show: IATI's list writes ISO's sorting forms ("Netherlands
    (the)", "Moldova (the Republic of)", "Tanzania, the United Republic of", "NETHERLAND
    ANTILLES"); those become the names people say ("Netherlands", "Moldova", "Tanzania")."""
    name = iati_name.removesuffix(" (the)")
    if alpha3 in DISPLAY_NAMES:
        return DISPLAY_NAMES[alpha3]
    if "(" in name or ", the " in name or ", State of" in name or name.isupper() or name != iati_name:
        short = _converter().convert(alpha3, src="ISO3", to="name_short", not_found=None)
        return short if isinstance(short, str) else name
    return name


def world_map(numeric_to_alpha3: dict[str, str]) -> None:
    """Copy the 110m TopoJSON with each shape's alpha-3 code in properties.iso3."""
    topo = json.loads((SHARED / "world-atlas" / "countries-110m.json").read_text())
    for shape in topo["objects"]["countries"]["geometries"]:
        props = shape.setdefault("properties", {})
        if props.get("name") == "Kosovo":
            props["iso3"] = KOSOVO["alpha3"]
        elif shape.get("id") in numeric_to_alpha3:
            props["iso3"] = numeric_to_alpha3[shape["id"]]
    (OUT / "world-110m.json").write_text(json.dumps(topo, separators=(",", ":")))
    write(
        "country_bounds.csv",
        ["code", "lon_min", "lat_min", "lon_max", "lat_max"],
        bounds(topo),
    )


def bounds(topo: dict) -> list[list]:
    """Each shape's longitude/latitude box, so a map can zoom to the countries it shows."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    points = []
    for arc in topo["arcs"]:
        x = y = 0
        decoded = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            decoded.append((x * sx + tx, y * sy + ty))
        points.append(decoded)

    def arc_ids(geometry: dict):
        arcs = geometry.get("arcs", [])
        stack = [arcs]
        while stack:
            item = stack.pop()
            if isinstance(item, int):
                yield item if item >= 0 else ~item
            else:
                stack.extend(item)

    rows = []
    for shape in topo["objects"]["countries"]["geometries"]:
        code = shape.get("properties", {}).get("iso3")
        if not code:
            continue
        xs, ys = [], []
        for i in arc_ids(shape):
            xs += [p[0] for p in points[i]]
            ys += [p[1] for p in points[i]]
        rows.append(
            [
                code,
                round(min(xs), 2),
                round(min(ys), 2),
                round(max(xs), 2),
                round(max(ys), 2),
            ]
        )
    return sorted(rows)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    world_map(countries())
    plain = ["code", "name", "withdrawn"]
    for source, target in [
        ("Region", "regions.csv"),
        ("Currency", "currencies.csv"),
        ("SectorCategory", "sector_categories.csv"),
    ]:
        write(
            target,
            plain,
            [[i["code"], i["name"], i["withdrawn"]] for i in codelist(source)],
        )
    write(
        "sectors.csv",
        ["code", "name", "category", "withdrawn"],
        [[i["code"], i["name"], i["category"], i["withdrawn"]] for i in codelist("Sector")],
    )
    roles = [[ROLE_WORDS[i["code"]], i["code"], i["name"]] for i in codelist("OrganisationRole")]
    write(
        "org_roles.csv",
        ["role", "iati_code", "name"],
        roles + [list(r) for r in EXTRA_ROLES],
    )
    write(
        "activity_statuses.csv",
        ["status", "iati_code", "name"],
        [[STATUS_WORDS[i["code"]], i["code"], i["name"]] for i in codelist("ActivityStatus")],
    )
    write(
        "transaction_types.csv",
        ["type", "iati_code", "name"],
        [[TRANSACTION_WORDS[i["code"]], i["code"], i["name"]] for i in codelist("TransactionType")],
    )
    (OUT / "world-atlas-LICENSE").write_text((SHARED / "world-atlas" / "LICENSE").read_text())


if __name__ == "__main__":
    main()
