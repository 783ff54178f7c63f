# ruff: noqa: E501
"""Build the fourth round of trial sheets: portfolios as programme managers keep them, with quirks the
earlier rounds (tests/data/trials, tests/data/trials3) did not try.

Run:  cd /work/main && .venv/bin/python tests/data/trials4/make_trials4.py
EXPECTED.md (written beside the files) says, for each file, what a careful reader of the sheet expects
aidtrack to store and to report. tests/test_trial_sheets4.py checks it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent
D = dt.datetime
EXPECT: dict[str, str] = {}
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
# Fixed times inside the zip files, so that running this again gives the same bytes.
FIXED = (2024, 1, 1, 0, 0, 0)


def _rows(ws, first: int, data: list[list]) -> None:
    for r, values in enumerate(data, first):
        for c, v in enumerate(values, 1):
            if v is not None:
                ws.cell(r, c, v)


def _bold(ws, row: int) -> None:
    for cell in ws[row]:
        cell.font = BOLD


def _save(wb: Workbook, name: str, cached: dict[str, dict[str, object]] | None = None) -> None:
    """Save with fixed times; `cached` gives formula cells the values Excel keeps beside them
    ({sheet part: {cell: value}}): openpyxl writes formulas with no value, Excel never does."""
    wb.properties.created = wb.properties.modified = D(2024, 1, 1)
    buffer = io.BytesIO()
    wb.save(buffer)
    replace = {}
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as z:
        for part, cells in (cached or {}).items():
            xml = z.read(part).decode()
            for ref, value in cells.items():
                xml = _cache(xml, ref, value)
            replace[part] = xml.encode()
    _rezip(buffer.getvalue(), HERE / name, replace)


def _cache(xml: str, ref: str, value) -> str:
    m = re.search(rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v>\s*</v></c>', xml)
    assert m, ref
    attrs = re.sub(r'\st="[^"]*"', "", m[1])
    if isinstance(value, str) and value.startswith("#"):
        attrs += ' t="e"'
    elif isinstance(value, str):
        attrs += ' t="str"'
    return xml[: m.start()] + f'<c r="{ref}"{attrs}><f>{m[2]}</f><v>{value}</v></c>' + xml[m.end() :]


def _rezip(data: bytes, path: Path, replace: dict[str, bytes] | None = None) -> None:
    """The zip again with fixed times (and parts replaced), so the fixtures are reproducible."""
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = replace.get(info.filename, src.read(info.filename))
            if info.filename == "docProps/core.xml":  # openpyxl stamps the time of saving
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-01-01T00:00:00Z", body)
            dst.writestr(zipfile.ZipInfo(info.filename, FIXED), body, zipfile.ZIP_DEFLATED)
    path.write_bytes(out.getvalue())


def _csv(rows: list[list], **kwargs) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, **kwargs).writerows(rows)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
def t01():
    name = "t4_01_donor_columns_under_a_group.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Funding 2022"
    ws["A1"] = "Western Balkans regional portfolio - funding by donor"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:I1")
    ws["A2"] = "Status 31 December 2022"
    # A two-row header: the donors' names alone under one merged 'Contributions by donor (EUR)'.
    upper = [
        "Ref",
        "Project title",
        "Country",
        "Contributions by donor (EUR)",
        None,
        None,
        "Total (EUR)",
        "Start",
        "End",
    ]
    lower = [None, None, None, "EU", "Germany", "SDC", None, None, None]
    _rows(ws, 4, [upper, lower])
    for col in "ABCGHI":
        ws.merge_cells(f"{col}4:{col}5")
    ws.merge_cells("D4:F4")
    _bold(ws, 4)
    _bold(ws, 5)
    data = [
        [
            "WB-01",
            "Regional housing programme",
            "Serbia",
            600000,
            300000,
            100000,
            None,
            D(2021, 1, 1),
            D(2023, 12, 31),
        ],
        ["WB-02", "Roma integration", "Albania", 250000, None, None, None, D(2021, 4, 1), D(2022, 12, 31)],
        [
            "WB-03",
            "Vocational schools",
            "North Macedonia",
            None,
            400000,
            200000,
            None,
            D(2022, 1, 1),
            D(2024, 12, 31),
        ],
        [
            "WB-04",
            "Water utilities reform",
            "Bosnia and Herzegovina",
            0,
            None,
            750000,
            None,
            D(2020, 7, 1),
            D(2023, 6, 30),
        ],
    ]
    _rows(ws, 6, data)
    for r in range(6, 10):
        ws.cell(r, 7, f"=SUM(D{r}:F{r})")
    ws.cell(10, 1, "Total")
    for c in "DEFG":
        ws[f"{c}10"] = f"=SUM({c}6:{c}9)"
    _bold(ws, 10)
    totals = {"G6": 1000000, "G7": 250000, "G8": 600000, "G9": 750000}
    totals |= {"D10": 850000, "E10": 700000, "F10": 1050000, "G10": 2600000}
    _save(wb, name, {"xl/worksheets/sheet1.xml": totals})
    EXPECT[
        name
    ] = """A co-financing table with one column per donor, headed by the donor's name alone ('EU', 'Germany',
'SDC') under a merged 'Contributions by donor (EUR)' (a two-row header, rows 4-5). 'Total (EUR)' is a SUM formula
(Excel keeps its value). Row 10 'Total' sums the columns.
- WB-01: EUR 1,000,000; funders EU 600,000 + Germany 300,000 + SDC (Switzerland) 100,000, all EUR; SRB; 2021-01-01..2023-12-31.
- WB-02: EUR 250,000; EU 250,000 alone (blank cells are no contribution); ALB.
- WB-03: EUR 600,000; Germany 400,000 + SDC 200,000; MKD.
- WB-04: EUR 750,000; SDC 750,000; EU 0 is no contribution; BIH.
Row 10 is a total row: skipped, not a project. Nothing rejected."""


def t02():
    name = "t4_02_amounts_in_thousands.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Pipeline"
    head = [
        "Project ID",
        "Project title",
        "Donor",
        "Country",
        "Budget (EUR '000)",
        "Disbursed (EUR '000)",
        "Start",
        "End",
    ]
    data = [
        ["K-01", "Energy efficiency in schools", "EU", "Serbia", 1250, 400, D(2020, 1, 1), D(2022, 12, 31)],
        ["K-02", "Judicial reform", "Sweden", "Albania", 850.5, 100, D(2021, 3, 1), D(2024, 2, 29)],
        [
            "K-03",
            "Cadastre modernisation",
            "Norway",
            "Montenegro",
            "2,000",
            None,
            D(2021, 6, 1),
            D(2025, 5, 31),
        ],
        ["K-04", "Air quality monitoring", "Germany", "Kosovo", 75, 75, D(2019, 9, 1), D(2021, 8, 31)],
    ]
    _rows(ws, 1, [head, *data])
    _bold(ws, 1)
    for r in range(2, 6):
        ws.cell(r, 5).number_format = "#,##0.0"
    ws.cell(7, 1, "Figures in thousands of euro.")
    _save(wb, name)
    EXPECT[name] = """Amounts in thousands, as finance teams keep pipelines: 'Budget (EUR '000)'.
- K-01: EUR 1,250,000 (written 1,250); EU; SRB; 2020-01-01..2022-12-31.
- K-02: EUR 850,500 (850.5); Sweden; ALB.  - K-03: EUR 2,000,000 (text '2,000'); Norway; MNE.
- K-04: EUR 75,000; Germany; XKX.
Never EUR 1,250. 'Disbursed (EUR '000)' is not imported (listed as such). Row 7 is a note below the table."""


def t03():
    name = "t4_03_shares_column_google.csv"
    rows = [
        ["Project name", "Donor(s)", "Share", "Country", "Budget (EUR m)", "Start date", "End date", "Notes"],
        [
            "Green agenda for the Western Balkans",
            "EU\nAustria",
            "80%\n20%",
            "Serbia",
            "1.5",
            "2021-03-01",
            "2024-02-29",
            "Phase II approved\nsee e-mail of 3 Feb",
        ],
        ["Youth employment", "EU, Germany", "0.6, 0.4", "Albania", "0.8", "2021-01-01", "2023-12-31", ""],
        ["Local governance", "SDC", "100 %", "Kosovo", "2.25", "2020-07-01", "2024-06-30", ""],
        [
            "Media freedom",
            "Sweden; Norway",
            "50 % / 50 %",
            "Montenegro",
            "0.4",
            "2022-01-01",
            "2023-12-31",
            "co-funded",
        ],
        [
            "Disaster preparedness",
            "EU; UK",
            "70%",
            "Bosnia and Herzegovina",
            "0.4",
            "2022-05-01",
            "2024-04-30",
            "",
        ],
    ]
    (HERE / name).write_bytes(_csv(rows, lineterminator="\r\n").encode("utf-8"))
    EXPECT[
        name
    ] = """Downloaded from Google Sheets (UTF-8, CRLF, cells with line breaks quoted). The funders' shares are in a
column of their own ('Share'), in the order of the 'Donor(s)' cell; budgets in millions ('Budget (EUR m)').
- Green agenda for the Western Balkans: EUR 1,500,000; EU 80% (1,200,000) + Austria 20% (300,000); SRB; 2021-03-01..2024-02-29.
- Youth employment: EUR 800,000; EU 60% (480,000) + Germany 40% (320,000); ALB.
- Local governance: EUR 2,250,000; SDC 100%; XKX.
- Media freedom: EUR 400,000; Sweden 50% + Norway 50%; MNE.
- Disaster preparedness: EUR 400,000; EU and UK, but one share (70%) for two funders: which is whose is not said;
  both funders kept without a share, and a warning naming row 6 and 'Share'.
'Notes' is not imported. Never EUR 1.50."""


def t04():
    name = "t4_04_formulas_links_summary.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Projects"
    head = [
        "ID",
        "Title",
        "Donor",
        "Country code",
        "Country",
        "Budget 2022",
        "Budget 2023",
        "Total budget",
        "Currency",
        "Start",
        "End",
    ]
    _rows(ws, 1, [head])
    _bold(ws, 1)
    data = [
        [
            "F-01",
            '=HYPERLINK("https://example.org/projects/F-01","Rule of law facility")',
            "EU",
            "SRB",
            None,
            500000,
            700000,
        ],
        ["F-02", "Public finance management", "Germany", "ALB", None, 300000, 300000],
        ["F-03", "Parliamentary support", "Sweden", "SER", None, 150000, 250000],
        ["F-04", "Renewable energy auctions", "EBRD", "MNE", None, 1000000, 1000000],
    ]
    _rows(ws, 2, data)
    ws["B3"].hyperlink = "https://example.org/projects/F-02"
    ws["B3"].style = "Hyperlink"
    for r in range(2, 6):
        ws.cell(r, 5, f"=VLOOKUP(D{r},Lists!$A$2:$B$10,2,FALSE)")
        ws.cell(r, 8, f"=F{r}+G{r}")
        ws.cell(r, 9, "EUR")
        ws.cell(r, 10, "=DATE(2022,1,1)").number_format = "dd.mm.yyyy"
        ws.cell(r, 11, f"=EDATE(J{r},24)-1").number_format = "dd.mm.yyyy"
    ws["H5"] = "=F5+#REF!"  # a column deleted under the formula
    lists = wb.create_sheet("Lists")
    _rows(lists, 1, [["Code", "Country"], ["SRB", "Serbia"], ["ALB", "Albania"], ["MNE", "Montenegro"]])
    summary = wb.create_sheet("Summary")
    _rows(summary, 1, [["Donor", "Projects", "Total (EUR)"]])
    for r, donor in enumerate(["EU", "Germany", "Sweden", "EBRD"], 2):
        summary.cell(r, 1, donor)
        summary.cell(r, 2, f"=COUNTIF(Projects!C:C,A{r})")
        summary.cell(r, 3, f"=SUMIF(Projects!C:C,A{r},Projects!H:H)")
    summary.cell(6, 1, "Total")
    summary.cell(6, 2, "=SUM(B2:B5)")
    summary.cell(6, 3, "=SUM(C2:C5)")
    projects = {
        "B2": "Rule of law facility",
        "E2": "Serbia",
        "E3": "Albania",
        "E4": "#N/A",
        "E5": "Montenegro",
    }
    projects |= {"H2": 1200000, "H3": 600000, "H4": 400000, "H5": "#REF!"}
    for r in range(2, 6):
        projects |= {f"J{r}": 44562, f"K{r}": 45291}  # 1 January 2022, 31 December 2023
    sums = {"B2": 1, "C2": 1200000, "B3": 1, "C3": 600000, "B4": 1, "C4": 400000, "B5": 1, "C5": "#REF!"}
    sums |= {"B6": 4, "C6": "#REF!"}
    _save(wb, name, {"xl/worksheets/sheet1.xml": projects, "xl/worksheets/sheet3.xml": sums})
    EXPECT[
        name
    ] = """A workbook of formulas as Excel saves them (each formula with its last value): the title of F-01 is a
=HYPERLINK formula, F-02's title is a hyperlinked cell, 'Country' is a VLOOKUP on the country code, 'Total budget'
adds the two years, the dates are =DATE and =EDATE formulas. A 'Lists' sheet and a 'Summary' sheet of COUNTIF/SUMIF.
- F-01: title 'Rule of law facility' (never the formula text); EUR 1,200,000 (2022 500,000; 2023 700,000); EU; SRB;
  2022-01-01..2023-12-31.
- F-02: 'Public finance management'; EUR 600,000; Germany; ALB.
- F-03: the VLOOKUP shows #N/A (code 'SER', a slip for SRB, is not on the list): a message for row 4, 'Country'; never a country
  called '#N/A'. Either a warning with no country stored, or the row rejected until the lookup is fixed (aidtrack's
  rule since the first trial: a broken formula rejects its row, so a re-import never clears a stored value).
- F-04: 'Total budget' shows #REF!: a message for row 5, 'Total budget'; never a budget of 0. As F-03: a warning
  (the budget then the years' sum, EUR 2,000,000, or not known), or the row rejected.
'Country code' and 'Country' say one thing twice. 'Lists' and 'Summary' are not projects."""


def t05():
    name = "t4_05_country_codes_regional.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Regional"
    head = ["Project no.", "Title", "Lead donor", "Countries (ISO)", "Budget (EUR)", "Start", "End"]
    data = [
        ["C-1", "Regional energy market", "EU", "RS, BA, MK", 3000000, D(2021, 1, 1), D(2024, 12, 31)],
        [
            "C-2",
            "Trade facilitation",
            "Germany",
            "Western Balkans (regional)",
            1200000,
            D(2020, 1, 1),
            D(2022, 12, 31),
        ],
        ["C-3", "Mine action", "United Kingdom", "BA/HR", 900000, D(2019, 4, 1), D(2022, 3, 31)],
        ["C-4", "Statistical capacity", "Sweden", "AL; ME; XK", 650000, D(2021, 7, 1), D(2023, 6, 30)],
        ["C-5", "Roma inclusion", "EU", "SRB, MKD, ALB", 2000000, D(2020, 1, 1), D(2023, 12, 31)],
        ["C-6", "Rural tourism", "USAID", "Serbia (Čačak, Niš)", 500000, D(2022, 1, 1), D(2024, 12, 31)],
        [
            "C-7",
            "Primary health care",
            "Switzerland",
            "Kosovo (Đakovica/Gjakova)",
            1500000,
            D(2019, 1, 1),
            D(2022, 12, 31),
        ],
        ["C-8", "Shared rivers", "KfW", "RS + ME", 800000, D(2022, 3, 1), D(2025, 2, 28)],
    ]
    _rows(ws, 1, [head, *data])
    _bold(ws, 1)
    _save(wb, name)
    EXPECT[
        name
    ] = """Countries written as ISO codes (two letters, three letters, mixed separators), a region in words, and
a country with the towns in brackets.
- C-1 'RS, BA, MK': SRB, BIH, MKD.   - C-2 'Western Balkans (regional)': the region (Europe, regional, 89) or the six
  countries, said either way.   - C-3 'BA/HR': BIH, HRV.   - C-4 'AL; ME; XK': ALB, MNE, XKX (XK is Kosovo's code).
- C-5 'SRB, MKD, ALB': SRB, MKD, ALB.   - C-6 'Serbia (Čačak, Niš)': SRB (the towns are places in Serbia).
- C-7 'Kosovo (Đakovica/Gjakova)': XKX.   - C-8 'RS + ME': SRB, MNE.
Budgets EUR as written; 'Lead donor' is the funder ('United Kingdom' the UK government)."""


def t06():
    name = "t4_06_acronyms_estimates_notes.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Portfolio"
    head = [
        "Project ID",
        "Project title",
        "Implementing partner",
        "Donor",
        "Country",
        "Budget (EUR)",
        "Start",
        "End",
    ]
    data = [
        [
            "A-1",
            "Local elections support",
            "United Nations Development Programme (UNDP)",
            "EU",
            "Serbia",
            "1,200,000*",
            D(2022, 1, 1),
            D(2023, 12, 31),
        ],
        ["A-2", "Rule of law", "UNDP", "EU", "Montenegro", 800000, D(2021, 1, 1), D(2023, 12, 31)],
        [
            "A-3",
            "Migration management",
            "International Organization for Migration (IOM)",
            "Switzerland",
            "Bosnia and Herzegovina",
            "350,000 *",
            D(2021, 6, 1),
            D(2024, 5, 31),
        ],
        ["A-4", "Border management", "IOM", "EU", "North Macedonia", 2000000, D(2020, 1, 1), D(2022, 12, 31)],
        [
            "A-5",
            "Anti-discrimination",
            "Centre for Civic Initiatives (CCI)",
            "Sweden",
            "Kosovo",
            150000,
            D(2022, 3, 1),
            D(2024, 2, 29),
        ],
        ["A-6", "Civic education", "CCI", "Sweden", "Kosovo", 90000, D(2023, 1, 1), D(2024, 12, 31)],
        [
            "A-7",
            "Energy transition",
            "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ) GmbH",
            "Germany",
            "Albania",
            1500000,
            D(2021, 1, 1),
            D(2024, 12, 31),
        ],
        ["A-8", "Vocational training", "GIZ", "Germany", "Albania", 700000, D(2020, 1, 1), D(2023, 12, 31)],
    ]
    _rows(ws, 1, [head, *data])
    _bold(ws, 1)
    ws.cell(11, 1, "Source: donor coordination database, March 2023")
    ws.cell(12, 1, "* estimate, final figure pending the donor's approval")
    _save(wb, name)
    EXPECT[
        name
    ] = """Implementers written in full with the acronym in brackets on one row and as the acronym alone on the next;
budgets marked '*' as estimates, with the footnotes below the table (row 10 blank).
- UNDP: rows 2 and 3 are one organisation (United Nations Development Programme). IOM: rows 4 and 5 one organisation.
- 'Centre for Civic Initiatives (CCI)' (row 6) and 'CCI' (row 7): one new organisation, named in full, acronym CCI.
- 'Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ) GmbH' (row 8) and 'GIZ' (row 9): one organisation, GIZ.
- A-1: EUR 1,200,000 ('1,200,000*': the star marks an estimate, not a different number); A-3: EUR 350,000.
  Ideally said to be estimates; never 'not known'.
Rows 11 'Source: ...' and 12 '* estimate ...' are notes, not projects, and not rejected rows."""


def t07():
    name = "t4_07_french_headers.csv"
    lines = [
        "N° projet;Intitulé du projet;Bailleur(s) de fonds;Agence d'exécution;Pays bénéficiaire(s);Montant total (EUR);Date de début;Date de fin;Statut;Objectif",
        "FR-01;Appui à la décentralisation;AFD;Expertise France;Bénin;1 250 000,00;01/03/2019;28/02/2023;En cours;Renforcer les communes",
        "FR-02;Santé maternelle et infantile;Union européenne;UNICEF;Sénégal, Mali;2 400 000;15/01/2020;31/12/2022;Clôturé;Réduire la mortalité maternelle",
        "FR-03;Eau potable en milieu rural;Coopération suisse (DDC);Helvetas;Burkina Faso;750 000,50;01/07/2021;30/06/2024;En préparation;",
        "FR-04;Formation professionnelle;Luxembourg;LuxDev;Niger;non défini;01/01/2022;31/12/2025;En cours;",
        ";;;;;;;;;",
        "Total;;;;;4 400 000,50;;;;",
    ]
    (HERE / name).write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    EXPECT[
        name
    ] = """A csv from a French Excel (Windows-1252, ';', decimal commas, day-first dates) headed in French:
'N° projet', 'Intitulé du projet', 'Bailleur(s) de fonds', 'Agence d'exécution', 'Pays bénéficiaire(s)',
'Montant total (EUR)', 'Date de début', 'Date de fin', 'Statut', 'Objectif'.
The spec asks for English headers; a careful reader expects either the columns read (as below) or one plain
message that the header was not recognised, naming what aidtrack looks for -- never projects without titles.
If read:
- FR-01 Appui à la décentralisation: EUR 1,250,000.00; AFD; Expertise France; BEN; 2019-03-01..2023-02-28; implementation.
- FR-02 Santé maternelle et infantile: EUR 2,400,000; EU; UNICEF; SEN+MLI; 2020-01-15..2022-12-31; closed.
- FR-03 Eau potable en milieu rural: EUR 750,000.50; SDC (Switzerland); Helvetas; BFA; pipeline.
- FR-04 Formation professionnelle: 'non défini' is not known: warning, no budget; Luxembourg; LuxDev; NER.
Line 7 'Total' is a total row; line 6 blank."""


def t08():
    name = "t4_08_wrapped_headers_dotted_dates.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Projekti"
    ws["A1"] = "Portfolio Srbija / Kosovo / BiH"
    ws["A1"].font = Font(bold=True, size=13)
    head = [
        "Project\nno.",
        "Project\ntitle",
        "Donor /\nFunder",
        "Implementing\npartner(s)",
        "Beneficiary\ncountry",
        "Total\nbudget\n(EUR)",
        "Start\ndate",
        "End\ndate",
    ]
    _rows(ws, 3, [head])
    for cell in ws[3]:
        cell.font, cell.alignment = BOLD, WRAP
    ws.row_dimensions[3].height = 45
    data = [
        ["S-1", "Obnova škola u Čačku", "EU", "UNOPS", "Serbia", "1.500.000,00", "15.3.2019.", "14.3.2022."],
        ["S-2", "Vodovod Niš", "KfW", "JKP Naissus", "Serbia", 2000000, "1.7.2020.", "30.6.2023."],
        [
            "S-3",
            "Đakovica/Gjakova old bazaar",
            "Sweden",
            "Cultural Heritage without Borders (CHwB)",
            "Kosovo",
            450000,
            "1.1.2021.",
            "31.12.2023.",
        ],
        [
            "S-4",
            "Banja Luka district heating",
            "Switzerland",
            "UNDP",
            "Bosnia and Herzegovina",
            1200000,
            D(2020, 9, 1),
            D(2023, 8, 31),
        ],
    ]
    _rows(ws, 4, data)
    _save(wb, name)
    EXPECT[
        name
    ] = """Header cells with line breaks inside them ('Total\\nbudget\\n(EUR)', 'Start\\ndate', 'Implementing\\npartner(s)'),
as wrapped headers are typed (Alt+Enter), below a title in row 1; dates written the Serbian/Croatian way with a
final dot and no leading zeros ('15.3.2019.').
- S-1 Obnova škola u Čačku: EUR 1,500,000.00; EU; UNOPS; SRB; 2019-03-15..2022-03-14.
- S-2 Vodovod Niš: EUR 2,000,000; KfW; JKP Naissus; SRB; 2020-07-01..2023-06-30.
- S-3 Đakovica/Gjakova old bazaar: EUR 450,000; Sweden; CHwB; XKX; 2021-01-01..2023-12-31.
- S-4 Banja Luka district heating: EUR 1,200,000; Switzerland; UNDP; BIH; 2020-09-01..2023-08-31.
Messages name the columns as written (with their line breaks shown as spaces or as written)."""


def t09():
    name = "t4_09_new_donors_under_a_group.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Co-financing 2023"
    ws["A1"] = "Civil society and media - co-financing by donor"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:K1")
    ws["A2"] = "Status 30 June 2023"
    # The donors' group is merged one column too far, over 'Start'; two donors are not ones aidtrack
    # knows, and 'Other donors' is several donors' money together.
    upper = ["Code", "Project title", "Country", "Budget (EUR)", "Contributions by donor (EUR)"]
    upper += [None] * 5 + ["End"]
    lower = [None] * 4 + ["EU", "Open Society Foundations (OSF)", "Fondation Lumière", "Other donors"]
    lower += ["Total", "Start", None]
    _rows(ws, 4, [upper, lower])
    for col in "ABCDK":
        ws.merge_cells(f"{col}4:{col}5")
    ws.merge_cells("E4:J4")
    _bold(ws, 4)
    _bold(ws, 5)
    data = [
        ["CF-01", "Independent media fund", "Serbia", 1000000, 600000, 250000, 150000, None],
        ["CF-02", "Watchdog journalism", "Montenegro", 500000, None, 300000, None, 200000],
        ["CF-03", "Roma youth inclusion", "North Macedonia", 800000, 400000, None, 300000, None],
        ["CF-04", "Community archives", "Albania", 200000, None, None, 200000, None],
    ]
    dates = [
        (D(2022, 1, 1), D(2024, 12, 31)),
        (D(2022, 7, 1), D(2024, 6, 30)),
        (D(2023, 1, 1), D(2025, 12, 31)),
        (D(2023, 3, 1), D(2024, 2, 29)),
    ]
    _rows(ws, 6, [row + [None, start, end] for row, (start, end) in zip(data, dates, strict=True)])
    for r in range(6, 10):
        ws.cell(r, 9, f"=SUM(E{r}:H{r})")
    ws.cell(10, 1, "Total")
    for c in "DEFGHI":
        ws[f"{c}10"] = f"=SUM({c}6:{c}9)"
    _bold(ws, 10)
    totals = {"I6": 1000000, "I7": 500000, "I8": 700000, "I9": 200000}
    totals |= {"D10": 2500000, "E10": 1000000, "F10": 550000, "G10": 650000, "H10": 200000, "I10": 2400000}
    _save(wb, name, {"xl/worksheets/sheet1.xml": totals})
    EXPECT[
        name
    ] = """A co-financing table as t4_01, but with donors aidtrack has not met: 'Open Society Foundations (OSF)' and
'Fondation Lumière' under a merged 'Contributions by donor (EUR)' (rows 4-5), beside 'EU', 'Other donors' and
'Total' (a SUM formula); the merge runs one column too far, over 'Start'. The header says every column under it is
a donor's contribution, so each named donor is a funder, a new one created once however many rows name it.
- CF-01: EUR 1,000,000; EU 600,000 + OSF 250,000 + Fondation Lumière 150,000; SRB; 2022-01-01..2024-12-31.
- CF-02: EUR 500,000; OSF 300,000; 'Other donors' 200,000 is no one funder: not recorded, and a warning for row 7
  names the column; the contributions (300,000) then fall short of the budget, which the data-quality check says.
- CF-03: EUR 800,000; EU 400,000 + Fondation Lumière 300,000 (700,000: short of the budget, said by the
  data-quality check, never scaled up); MKD.
- CF-04: EUR 200,000; Fondation Lumière 200,000; ALB.
New organisations: 'Open Society Foundations' (acronym OSF) and 'Fondation Lumière', once each. 'Total' is the
donors' sum, not a donor and not the budget ('Budget (EUR)' is); 'Start' is the start date. Row 10 is a total row."""


def main():
    for make in (t01, t02, t03, t04, t05, t06, t07, t08, t09):
        make()
    with open(HERE / "EXPECTED.md", "w", encoding="utf-8") as f:
        f.write("# What a careful reader expects from each trial file (round 4)\n\n")
        for name, text in EXPECT.items():
            f.write(f"## {name}\n\n{text}\n\n")
    print("\n".join(EXPECT))


if __name__ == "__main__":
    main()
