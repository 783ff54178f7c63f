# ruff: noqa: E501
"""Build the third round of trial sheets: portfolios as programme managers keep them, in shapes the
first trials (tests/data/trials) did not try.

Run:  cd /work/main && .venv/bin/python tests/data/trials3/make_trials3.py
EXPECTED.md (written beside the files) says, for each file, what a careful reader of the sheet expects
aidtrack to store and to report. tests/test_trial_sheets3.py checks it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.table import Table, TableStyleInfo

HERE = Path(__file__).resolve().parent
D = dt.datetime
EXPECT: dict[str, str] = {}
BOLD = Font(bold=True)
# Fixed times inside the zip files, so that running this again gives the same bytes.
FIXED = (2024, 1, 1, 0, 0, 0)


def _rows(ws, first: int, data: list[list]) -> None:
    for r, values in enumerate(data, first):
        for c, v in enumerate(values, 1):
            if v is not None:
                ws.cell(r, c, v)


def _save(wb: Workbook, name: str) -> None:
    wb.properties.created = wb.properties.modified = D(2024, 1, 1)
    buffer = io.BytesIO()
    wb.save(buffer)
    _rezip(buffer.getvalue(), HERE / name)


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


# ---------------------------------------------------------------------------------------------
def t01():
    name = "t3_01_cofinancing_funder_columns.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Co-financing"
    ws["A1"] = "Joint programme - co-financing overview (status 31/12/2021)"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:J1")
    head = [
        "Project code",
        "Project",
        "Country",
        "Total budget (EUR)",
        "EU contribution (EUR)",
        "Germany (EUR)",
        "SIDA share",
        "Start",
        "End",
        "Serbia (EUR)",
    ]
    for c, text in enumerate(head, 1):
        ws.cell(3, c, text).font = BOLD
    _rows(
        ws,
        4,
        [
            [
                "JP-01",
                "Integrated border management",
                "Serbia",
                1000000,
                700000,
                300000,
                None,
                D(2020, 1, 1),
                D(2022, 12, 31),
                1000000,
            ],
            [
                "JP-02",
                "Anti-corruption support",
                "Albania",
                500000,
                400000,
                None,
                0.2,
                D(2020, 3, 1),
                D(2023, 2, 28),
                None,
            ],
            [
                "JP-03",
                "Civil society fund",
                "Kosovo",
                800000,
                "-",
                800000,
                None,
                D(2021, 1, 1),
                D(2023, 12, 31),
                None,
            ],
            [
                "JP-04",
                "Judicial reform",
                "Montenegro",
                1000000,
                600000,
                0,
                "TBD",
                D(2021, 6, 1),
                D(2024, 5, 31),
                None,
            ],
            [
                "JP-05",
                "Customs modernisation",
                "North Macedonia",
                900000,
                "EUR 450,000",
                "€ 450.000",
                None,
                D(2019, 1, 1),
                D(2021, 12, 31),
                None,
            ],
        ],
    )
    ws["G5"].number_format = "0%"  # typed as 20%: Excel keeps 0.2
    wb.create_sheet("Notes")["A1"] = "Contributions as signed in the co-financing agreements."
    _save(wb, name)
    EXPECT[
        name
    ] = """One column per funder's contribution instead of a Donor column, as co-financing tables are kept.
Sheet 'Co-financing', merged title row 1, header row 3. 'Serbia (EUR)' is a per-country split, not a funder.
- JP-01: EUR 1,000,000; funders EU 700,000 + Germany 300,000 (both EUR); SRB; 2020-01-01..2022-12-31.
- JP-02: EUR 500,000; EU 400,000 + Sida 100,000 (20% of the budget, typed as 20%); ALB.
- JP-03: EUR 800,000; Germany 800,000; EU '-': not known, reported (EU kept as a funder with no amount).
- JP-04: EUR 1,000,000; EU 600,000; Germany 0 is no contribution (not a funder); Sida 'TBD' reported, no amount.
- JP-05: EUR 900,000; EU 450,000 and Germany 450,000 ('€ 450.000' is four hundred fifty thousand).
Columns tab: the three funder columns say whose contribution they are; 'Serbia (EUR)' is not imported.
Sheet 'Notes' is skipped as notes."""


def t02():
    name = "t3_02_two_row_header.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Projects"
    ws["A1"], ws["B1"], ws["C1"], ws["D1"], ws["F1"], ws["H1"] = (
        "Ref",
        "Project title",
        "Donor",
        "Budget",
        "Dates",
        "Country",
    )
    ws["D2"], ws["E2"], ws["F2"], ws["G2"] = "EUR", "USD", "Start", "End"
    for cell in ("A1", "B1", "C1", "H1"):
        col = cell[0]
        ws.merge_cells(f"{col}1:{col}2")
    ws.merge_cells("D1:E1")
    ws.merge_cells("F1:G1")
    for row in ws["A1:H2"]:
        for cell in row:
            cell.font = BOLD
            cell.alignment = Alignment(horizontal="center")
    _rows(
        ws,
        3,
        [
            [
                "TR-1",
                "Teacher training in Moldova",
                "EU",
                1200000,
                None,
                D(2019, 9, 1),
                D(2022, 8, 31),
                "Moldova",
            ],
            [
                "TR-2",
                "Water supply in Armenia",
                "USAID",
                None,
                2500000,
                D(2020, 1, 15),
                D(2023, 1, 14),
                "Armenia",
            ],
            ["TR-3", "Roads in Georgia", "EBRD", 800000, None, D(2021, 4, 1), D(2024, 3, 31), "Georgia"],
            [
                "TR-4",
                "Health data in Ukraine",
                "World Bank",
                1000000,
                1100000,
                D(2021, 7, 1),
                D(2023, 6, 30),
                "Ukraine",
            ],
        ],
    )
    _save(wb, name)
    EXPECT[
        name
    ] = """A two-row header: 'Budget' merged over 'EUR' | 'USD', 'Dates' merged over 'Start' | 'End';
Ref, Project title, Donor and Country merged down over both header rows. Projects from row 3.
Human expects 4 projects and no row-2 'project':
- TR-1: EUR 1,200,000; EU; MDA; 2019-09-01..2022-08-31.   - TR-2: USD 2,500,000; USAID; ARM; 2020-01-15..2023-01-14.
- TR-3: EUR 800,000; EBRD; GEO.
- TR-4: both EUR 1,000,000 and USD 1,100,000 are filled (the same budget twice): EUR 1,000,000 (the first), and a
  warning that says so.
Messages name columns as 'Budget EUR', 'Dates End'."""


def t03():
    name = "t3_03_google_sheets_amount_and_currency.csv"
    lines = [
        "Project,Donor,Country,Amount,Cur.,Start,End",
        'Solar mini-grids,Norway,Tanzania,"1,250,000.00",NOK,3/1/2020,2/28/2023',
        'School meals,WFP,Malawi,"300,000",USD,7/1/2021,6/30/2022',
        "Youth employment,EU,Tunisia,€ 500000,,1/1/2022,12/31/2024",
        'Legal aid centres,UK,Jordan,"£200,000",GBP,4/1/2021,3/31/2024',
        'Cash transfers,Germany,Lebanon,"€ 50,000",USD,9/1/2021,8/31/2022',
        'Seed banks,FAO,Ethiopia,"75,000",,1/1/2021,12/31/2021',
    ]
    (HERE / name).write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    EXPECT[name] = """A csv downloaded from Google Sheets (UTF-8, no BOM, CRLF, US dates, amounts as shown).
Amount in one column, its currency code in the next ('Cur.'). 6 projects:
- Solar mini-grids: NOK 1,250,000; Norway; TZA; 2020-03-01..2023-02-28 (month-first: 2/28/2023).
- School meals: USD 300,000.  - Youth employment: EUR 500,000 (the cell's €, Cur. blank).
- Legal aid centres: GBP 200,000 (cell and Cur. agree).
- Cash transfers: '€ 50,000' on a row whose Cur. is USD: neither is stored; reported (which one is meant?).
- Seed banks: 75,000 with Cur. blank and no currency elsewhere: not known, reported."""


def t04():
    name = "t3_04_budget_by_year.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Annual budgets"
    _rows(
        ws,
        1,
        [
            [
                "Project title",
                "Funding agency",
                "Country",
                "Currency",
                "2019",
                "2020",
                "Budget 2021",
                "Remarks",
            ],
            ["Rural electrification", "KfW", "Nepal", "EUR", 250000, 400000, 350000, None],
            ["Disaster risk reduction", "Sida", "Bangladesh", "SEK", None, 3000000, 2000000, "starts 2020"],
            ["Livelihoods for returnees", "Switzerland", "Afghanistan", "CHF", 100000, "n/a", 150000, None],
            ["Girls' education", "DFID", "Pakistan", "GBP", 500000, 500000, 0, "ended 2020"],
        ],
    )
    _save(wb, name)
    EXPECT[name] = """Budgets spread over year columns ('2019', '2020', 'Budget 2021'); no total column.
Human expects each year's figure as that year's budget (period 1 Jan - 31 Dec) and the total budget as their sum:
- Rural electrification: EUR 1,000,000 (2019 250,000; 2020 400,000; 2021 350,000); KfW; NPL.
- Disaster risk reduction: SEK 5,000,000 (2020, 2021); Sida; BGD.
- Livelihoods for returnees: 2020 'n/a' is not known: reported; the total is then not known either (it is not
  250,000); the years known are kept. CHF.
- Girls' education: GBP 1,000,000 (2021 is 0: kept as a 0 budget for 2021).
Remarks not imported."""


def t05():
    name = "t3_05_dates_as_written.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Pipeline"
    _rows(
        ws,
        1,
        [
            ["ID", "Title", "Donor", "Country", "Budget (USD)", "Start", "End"],
            ["D1", "Port rehabilitation", "JICA", "Sri Lanka", 5000000, "Q3 2019", "Q2 2022"],
            ["D2", "Tax administration", "IMF", "Ghana", 1200000, "FY2020", "FY2022"],
            ["D3", "Urban transport study", "ADB", "Philippines", 600000, "2019/20", "2021/22"],
            ["D4", "Fisheries co-management", "Norway", "Mozambique", 900000, "Jan-19", "Dec-21"],
            ["D5", "Statistics capacity", "EU", "Senegal", 750000, "mid-2020", "end of 2022"],
            ["D6", "Land registry", "World Bank", "Rwanda", 2000000, D(2019, 1, 1), "H1 2023"],
        ],
    )
    ws["F7"].number_format = "mmm-yy"  # a real date, shown as Jan-19
    _save(wb, name)
    EXPECT[name] = """Dates as people write them in a pipeline sheet.
- D1: 'Q3 2019' is a quarter: start 2019-07-01; 'Q2 2022' as an end is 2022-06-30 (exact, as a month is).
- D2: 'FY2020' / 'FY2022': a financial year starts in January, April, July or October depending on who keeps the
  accounts: not stored, reported with why and what to write.
- D3: '2019/20' / '2021/22' are financial years too: reported, not stored (never 'month 20').
- D4: 'Jan-19' = 2019-01-01, 'Dec-21' as an end = 2021-12-31.
- D5: 'mid-2020' and 'end of 2022' are not dates: reported, not stored.
- D6: a real date 2019-01-01 (formatted mmm-yy); 'H1 2023' as an end is the first half: 2023-06-30."""


def t06():
    name = "t3_06_placeholders_libreoffice.csv"
    lines = [
        '"Project ID","Project name","Donor","Country","Budget (EUR)","Start date","End date"',
        '"LO-1","Wetland restoration","EU","Bosnia and Herzegovina","n/a","2021-01-01","2023-12-31"',
        '"LO-2","Wildfire prevention","EU","Greece","-","2021-01-01","2022-12-31"',
        '"LO-3","Coastal monitoring","EU","Croatia","—","2021-01-01","2022-12-31"',
        '"LO-4","Karst water study","Slovenia","Slovenia","TBD","2022-01-01","2022-12-31"',
        '"LO-5","Volunteer exchange","EU","Albania","0","2022-01-01","2022-06-30"',
        '"LO-6","Heritage inventory","Italy","Montenegro",,"2022-03-01","2023-02-28"',
        '"LO-7","Flood early warning","EU","Serbia","0.00","2020-01-01","2020-12-31"',
        '"LO-8","Beekeeping cooperatives","Austria","Kosovo"," - ","2021-05-01","2022-04-30"',
    ]
    (HERE / name).write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    EXPECT[
        name
    ] = """LibreOffice csv (every text quoted, LF). Budgets 'n/a', '-', '—', 'TBD', '0', blank, '0.00', ' - '.
Only the real zeros are 0: LO-5 and LO-7 store a budget of 0. LO-1, LO-2, LO-3, LO-4 and LO-8 store no budget and
each gets a warning naming its row and 'Budget (EUR)'. LO-6 (blank) stores no budget, without a warning."""


def t07():
    name = "t3_07_numbers_as_text.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Grants"
    _rows(
        ws,
        1,
        [
            ["Grant no.", "Grant title", "Grantee", "Country", "Grant amount", "Currency", "Start", "End"],
            [
                "G-01",
                "Community radio",
                "Radio Free Sahel",
                "Mali",
                "1\u00a0250\u00a0000",
                "EUR",
                "2021-01-01",
                "2022-12-31",
            ],
            [
                "G-02",
                "Teacher mentoring",
                "Teach for Niger",
                "Niger",
                "750\u2009000",
                "EUR",
                "2021-01-01",
                "2022-12-31",
            ],
            [
                "G-03",
                "Clinic solar panels",
                "Solar Aid",
                "Chad",
                "2\u202f000\u202f000,50",
                "EUR",
                "2021-01-01",
                "2022-12-31",
            ],
            [
                "G-04",
                "Women's savings groups",
                "CARE",
                "Burkina Faso",
                "'1250000",
                "EUR",
                "2021-01-01",
                "2022-12-31",
            ],
            [
                "G-05",
                "Mobile courts",
                "ABA ROLI",
                "Mauritania",
                "300,000 EUR",
                None,
                "2021-01-01",
                "2022-12-31",
            ],
            ["G-06", "Nomad schools", "NRC", "Niger", "2500000", "EUR", "2021-01-01", "2022-12-31"],
        ],
    )
    ws["E7"].quotePrefix = True  # typed as '2500000 in Excel: text, shown without the apostrophe
    _save(wb, name)
    EXPECT[name] = """Amounts stored as text, as pasted from finance systems and e-mails.
- G-01 '1 250 000' with no-break spaces: EUR 1,250,000.  - G-02 '750 000' with a thin space: EUR 750,000.
- G-03 '2 000 000,50' with narrow no-break spaces and a decimal comma: EUR 2,000,000.50.
- G-04 "'1250000" (a leading apostrophe pasted as text): EUR 1,250,000.
- G-05 '300,000 EUR' with Currency blank: EUR 300,000.  - G-06 text '2500000' (Excel's quote prefix): EUR 2,500,000.
'Grant no.' is the project id, 'Grantee' the implementer."""


def t08():
    name = "t3_08_excel_table_with_totals.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Portfolio"
    ws["A1"] = "Health portfolio FY2022"
    ws["A1"].font = Font(bold=True, size=14)
    head = ["Project name", "Funder", "Country", "Budget (USD)", "Start", "End", "Status"]
    data = [
        ["Malaria bed nets", "Global Fund", "Uganda", 3000000, D(2021, 1, 1), D(2023, 12, 31), "Active"],
        ["TB screening", "USAID", "Kenya", 1500000, D(2020, 7, 1), D(2022, 6, 30), "Completed"],
        ["Maternal health vouchers", "UK", "Tanzania", 2250000.5, D(2022, 1, 1), D(2025, 12, 31), "Active"],
    ]
    _rows(ws, 3, [head, *data])
    # The table's totals row as Excel saves it: a label and the SUBTOTAL's value.
    ws.cell(7, 1, "Total")
    ws.cell(7, 4, 6750000.5)
    table = Table(displayName="tblHealth", ref="A3:G7", totalsRowCount=1)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    ws.cell(9, 1, "Source: grants database, extracted 5 January 2022")
    _save(wb, name)
    EXPECT[
        name
    ] = """An Excel table (ListObject 'tblHealth', A3:G7) with a totals row, below a title row, with a source line.
Human expects 3 projects (USD 3,000,000; 1,500,000; 2,250,000.50), the totals row 7 and the source line 9 skipped
with notes, nothing rejected."""


def t09():
    name = "t3_09_one_sheet_per_country.xlsx"
    wb = Workbook()
    first = True
    for country, projects in (
        (
            "Serbia",
            [["RS-1", "Police training", "Switzerland", 400000], ["RS-2", "Border posts", "EU", 2000000]],
        ),
        ("Albania", [["AL-1", "Cadastre", "Norway", 650000]]),
        (
            "North Macedonia",
            [["MK-1", "Energy audits", "Germany", 300000], ["MK-2", "Roma health", "EU", 250000]],
        ),
    ):
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = country
        _rows(ws, 1, [["Project ID", "Title", "Donor", "Budget (EUR)", "Start", "End"]])
        _rows(ws, 2, [[*p, D(2021, 1, 1), D(2023, 12, 31)] for p in projects])
    summary = wb.create_sheet("Summary")
    _rows(
        summary, 1, [["Country", "Projects", "Budget (EUR)"], ["Serbia", 2, 2400000], ["Albania", 1, 650000]]
    )
    _save(wb, name)
    EXPECT[
        name
    ] = """One sheet per country, each of the same shape, none with a country column: the sheet's name is the
country of its projects. Human expects 5 projects: RS-1, RS-2 in SRB; AL-1 in ALB; MK-1, MK-2 in MKD; and to be
told that each sheet's name was taken as its projects' country. 'Summary' (a pivot) is not projects."""


def t10():
    name = "t3_10_one_sheet_per_year.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "2020"
    _rows(
        ws,
        1,
        [
            ["Project ID", "Title", "Donor", "Country", "Budget (EUR)", "End"],
            ["Y-1", "Court case management", "EU", "Serbia", 1000000, D(2021, 12, 31)],
            ["Y-2", "Prison health", "CoE", "Albania", 300000, D(2021, 6, 30)],
        ],
    )
    ws = wb.create_sheet("2021")
    _rows(
        ws,
        1,
        [
            ["Project ID", "Title", "Donor", "Country", "Budget (EUR)", "End"],
            ["Y-1", "Court case management", "EU", "Serbia", 1200000, D(2022, 12, 31)],
            ["Y-3", "Probation service", "Norway", "Montenegro", 500000, D(2023, 6, 30)],
        ],
    )
    _save(wb, name)
    EXPECT[name] = """One sheet per year ('2020', '2021') of the same shape; Y-1 is on both, revised in 2021
(budget 1,200,000, end 2022-12-31). Human expects Y-1, Y-2, Y-3 and, for Y-1, to be told plainly that it is on
both sheets and which row was imported; the newer sheet's figures are what the manager means, so the message must
say how to import them (delete the older row or sheet)."""


def t11():
    tsv = "t3_11_libreoffice_german.tsv"
    lines = [
        "Projektnummer\tTitle\tDonor\tCountry\tTotal budget\tCurrency\tStart\tEnd",
        "DE-1\tBerufsbildung Kosovo\tGermany\tKosovo\t1.250.000,00\tEUR\t01.03.2019\t28.02.2022",
        'DE-2\t"Wasser, Abwasser"\tKfW\tAlbania\t12.500,50\tEUR\t15.01.2020\t14.01.2023',
        "DE-3\tGemeindeentwicklung\tGIZ\tSerbia\t2,5 Mio\tEUR\t01.07.2021\t30.06.2024",
    ]
    (HERE / tsv).write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    txt = "t3_11b_tab_separated.txt"
    (HERE / txt).write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    EXPECT[
        tsv
    ] = """Tab-separated, saved by a German LibreOffice (decimal commas, dotted dates). 'Projektnummer' is not a
header aidtrack knows (listed as not imported); titles are the ids' source then.
- Berufsbildung Kosovo: EUR 1,250,000.00; Germany; XKX; 2019-03-01..2022-02-28.
- 'Wasser, Abwasser' (quoted, with a comma): EUR 12,500.50; KfW; ALB.
- Gemeindeentwicklung: '2,5 Mio' is EUR 2,500,000; GIZ; SRB."""
    EXPECT[txt] = "The same, as a .txt in Windows-1252 with CRLF: the same 3 projects."


def t12():
    name = "t3_12_macro_workbook.xlsm"
    wb = Workbook()
    ws = wb.active
    ws.title = "Tracker"
    _rows(
        ws,
        1,
        [
            ["Title", "Donor", "Country", "Budget", "Currency", "Start", "End"],
            ["Election observation", "OSCE", "Georgia", 450000, "EUR", D(2020, 9, 1), D(2020, 11, 30)],
            ["Parliament support", "UNDP", "Armenia", 800000, "USD", D(2021, 1, 1), D(2023, 12, 31)],
        ],
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as z:
        types = z.read("[Content_Types].xml")
    types = types.replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    _rezip(buffer.getvalue(), HERE / name, {"[Content_Types].xml": types})
    EXPECT[name] = (
        """A macro-enabled workbook (.xlsm): 2 projects, EUR 450,000 (OSCE, GEO) and USD 800,000 (UNDP, ARM)."""
    )


ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet>
<table:table table:name="Projekte">
<table:table-row>{header}</table:table-row>
{rows}
<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
</table:table>
</office:spreadsheet></office:body></office:document-content>
"""


def _ods_cell(value) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, dt.date):
        iso = value.strftime("%Y-%m-%d")
        return (
            f'<table:table-cell office:value-type="date" office:date-value="{iso}">'
            f"<text:p>{value:%d.%m.%Y}</text:p></table:table-cell>"
        )
    if isinstance(value, tuple):  # (amount, currency): a currency cell, as LibreOffice keeps it
        amount, code = value
        return (
            f'<table:table-cell office:value-type="currency" office:currency="{code}" '
            f'office:value="{amount}"><text:p>{amount:,.2f} {code}</text:p></table:table-cell>'
        )
    if isinstance(value, float | int):
        return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
    return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'


def t13():
    name = "t3_13_libreoffice.ods"
    header = ["Title", "Donor", "Country", "Budget", "Start", "End"]
    data = [
        [
            "Forest fire brigades",
            "EU",
            "North Macedonia",
            (600000, "EUR"),
            dt.date(2021, 5, 1),
            dt.date(2023, 4, 30),
        ],
        [
            "Seed certification",
            "Switzerland",
            "Bosnia and Herzegovina",
            (350000, "CHF"),
            dt.date(2020, 2, 1),
            dt.date(2022, 1, 31),
        ],
        ["Youth councils", "Norway", "Montenegro", 200000, dt.date(2022, 1, 1), dt.date(2022, 12, 31)],
    ]
    content = ODS_CONTENT.format(
        header="".join(_ods_cell(h) for h in header),
        rows="\n".join(
            f"<table:table-row>{''.join(_ods_cell(v) for v in r)}</table:table-row>" for r in data
        ),
    )
    manifest = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype", FIXED), "application/vnd.oasis.opendocument.spreadsheet")
        for part, body in (("content.xml", content), ("META-INF/manifest.xml", manifest)):
            z.writestr(zipfile.ZipInfo(part, FIXED), body, zipfile.ZIP_DEFLATED)
    (HERE / name).write_bytes(out.getvalue())
    EXPECT[
        name
    ] = """An OpenDocument sheet from LibreOffice whose budgets are currency cells (shown '600,000.00 EUR'),
with the empty rows and columns repeated to the sheet's end as LibreOffice writes them.
- Forest fire brigades: EUR 600,000; EU; MKD; 2021-05-01..2023-04-30.
- Seed certification: CHF 350,000 (the cell's currency); Switzerland; BIH.
- Youth councils: 200,000 in a plain number cell, no currency anywhere: not known, reported."""


def t14():
    name = "t3_14_budget_total_and_years.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Budgets"
    _rows(
        ws,
        1,
        [
            ["Project", "Donor", "Country", "Total budget (EUR)", "2022", "2023", "2024"],
            ["Water for Gjilan", "EU", "Kosovo", 900000, 300000, 300000, 300000],
            ["Court records", "Germany", "Serbia", 1000000, 400000, 400000, 100000],
            ["Border crossings", "EU", "Montenegro", 500000, 250000, "tbc", None],
            ["Youth exchange", "Sweden", "Albania", None, 100000, 150000, None],
        ],
    )
    _save(wb, name)
    EXPECT[name] = """A total budget column and year columns beside it ('2022', '2023', '2024'), all in EUR.
Human expects the total as the project's budget and each year's figure as that year's budget (1 Jan - 31 Dec):
- Water for Gjilan: EUR 900,000; 2022, 2023, 2024 300,000 each.
- Court records: EUR 1,000,000 as written; its years add up to 900,000: said, naming the row and the columns;
  the years kept as written.
- Border crossings: EUR 500,000; 2022 250,000; 2023 'tbc' is not known: reported, no 2023 budget stored (not 0).
- Youth exchange: no total written: the years' sum, EUR 250,000 (2022 100,000; 2023 150,000)."""


def main():
    for make in (t01, t02, t03, t04, t05, t06, t07, t08, t09, t10, t11, t12, t13, t14):
        make()
    with open(HERE / "EXPECTED.md", "w", encoding="utf-8") as f:
        f.write("# What a careful reader expects from each trial file (round 3)\n\n")
        f.write(
            "Also the real World Bank export ../shared/realworld/projects_worldbank_2018_1-500.xlsx: its "
            "'IBRD Commitment' and 'IDA Commitment' columns are the World Bank's contributions (IBRD and IDA are "
            "the World Bank's lending arms; aidtrack knows both as the World Bank), so its projects have the World "
            "Bank as funder with that amount; 'Total IDA and IBRD Commitment' (their sum) and 'Grant Amount' are "
            "not imported. Its amounts are US dollars, which the file does not say: imported with --currency USD.\n\n"
        )
        for name, text in EXPECT.items():
            f.write(f"## {name}\n\n{text}\n\n")
    print("\n".join(EXPECT))


if __name__ == "__main__":
    main()
