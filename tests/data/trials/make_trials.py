"""Build the trial spreadsheets in this folder: portfolios kept the way programme managers keep them.

Run:  cd /work/main && .venv/bin/python tests/data/trials/make_trials.py
Each file's docstring-ish EXPECT entry (written to EXPECTED.md) says what a careful human reading
the sheet would expect aidtrack to import.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

HERE = Path(__file__).resolve().parent
D = dt.datetime
EXPECT: dict[str, str] = {}
BOLD = Font(bold=True)
GREY = PatternFill("solid", fgColor="DDDDDD")


def title_block(ws, lines, width):
    for i, text in enumerate(lines, 1):
        ws.cell(i, 1, text).font = Font(bold=True, size=14 if i == 1 else 11)
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=width)


def header(ws, row, names):
    for c, name in enumerate(names, 1):
        cell = ws.cell(row, c, name)
        cell.font = BOLD
        cell.fill = GREY
        cell.alignment = Alignment(wrap_text=True)


def rows(ws, first, data):
    for r, values in enumerate(data, first):
        for c, v in enumerate(values, 1):
            if v is not None:
                ws.cell(r, c, v)


# ---------------------------------------------------------------------------------------------
def t01():
    name = "t01_eu_delegation_titleblock.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Portfolio"
    cols = [
        "Ref.",
        "Project title",
        "Donor / Funder",
        "Impl. partner",
        "Benef. country",
        "Budget EUR",
        "Start date (dd/mm/yyyy)",
        "End date",
        "Status",
    ]
    title_block(
        ws,
        [
            "EU Delegation to the Republic of Serbia – Project portfolio",
            "Status as of 30 June 2021 – prepared by Operations Section III",
            "All amounts in EUR",
        ],
        len(cols),
    )
    header(ws, 5, cols)
    rows(
        ws,
        6,
        [
            [
                "SRB-001",
                "Support to Rule of Law",
                "EU (70%), Sweden (30%)",
                "UNDP; OSCE",
                "Serbia",
                1250000,
                D(2019, 3, 1),
                "28/02/2022",
                "Ongoing",
            ],
            [
                "SRB-002",
                "Roma inclusion and anti-discrimination",
                "European Commission",
                "Council of Europe and OSCE",
                "Serbia, Kosovo (UNSCR 1244)",
                "EUR 1.2m",
                "01/04/2020",
                "31.12.2022",
                "Active",
            ],
            [
                "SRB-003",
                "Water utilities reform",
                "EU 50% / UK 50%",
                "GIZ",
                "Serbia | North Macedonia",
                "1 250 000",
                43891,
                "2023-02-28T00:00:00",
                "Implementation",
            ],
            [
                "SRB-004",
                "Media freedom and pluralism",
                "Delegation of the European Union",
                "BIRN",
                "Serbia and Montenegro",
                "tbc",
                "Jan 2021",
                "2023",
                "Pipeline",
            ],
            [None] * 9,
            ["Subtotal EU-funded", None, None, None, None, 3700000],
            [
                "SRB-005",
                "Energy efficiency in public schools",
                "KfW / Germany",
                "Ministry of Mining and Energy",
                "Serbia",
                "EUR 2.000.000",
                "03/04/2019",
                "30/06/2021",
                "Closed",
            ],
            [
                "SRB-006",
                "Border management (IBM) phase II",
                "E.U.",
                "IOM",
                "Serbia / North Macedonia / Turkey",
                "-",
                "01/06/2021",
                "31/05/2024",
                "Ongoing",
            ],
            [None] * 9,
            ["TOTAL", None, None, None, None, 5700000],
        ],
    )
    ws.column_dimensions["B"].width = 40
    wb.save(HERE / name)
    EXPECT[name] = """Sheet Portfolio, merged title rows 1-3 ("All amounts in EUR"), header row 5.
Human expects 6 projects (rows 6-9, 12, 13); row 11 subtotal and row 15 TOTAL skipped.
- SRB-001: budget 1,250,000 EUR; funders EU 875,000 + Sweden 375,000; impl UNDP, OSCE; SRB; 2019-03-01 to 2022-02-28; implementation.
- SRB-002: 1,200,000 EUR; funder EU; impl Council of Europe, OSCE; SRB + XKX; 2020-04-01 (header says dd/mm) to 2022-12-31.
- SRB-003: 1,250,000 EUR; EU 625,000 + UK 625,000; impl GIZ; SRB, MKD; 2020-03-01 (serial 43891) to 2023-02-28.
- SRB-004: budget not known (tbc, warned); EU; BIRN; SRB + MNE; 2021-01-01 to 2023-12-31; pipeline.
- SRB-005: 2,000,000 EUR; KfW + Germany; 2019-04-03 (dd/mm/yyyy per header, no ambiguity warning needed) to 2021-06-30; closed.
- SRB-006: budget not known ("-"); EU (E.U.); IOM; SRB, MKD, TUR; 2021-06-01 to 2024-05-31.
Headers 'Donor / Funder', 'Impl. partner', 'Benef. country', 'Start date (dd/mm/yyyy)' should be recognised."""


# ---------------------------------------------------------------------------------------------
def t02():
    name = "t02_usaid_mission_tracker.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Activities FY21"
    cols = [
        "Activity Name",
        "Implementing Partner(s)",
        "Funding Agency",
        "Budget (USD)",
        "Total Estimated Cost (USD)",
        "Start Date",
        "End Date",
        "Country",
        "Program",
        "AOR/COR",
    ]
    header(ws, 1, cols)
    rows(
        ws,
        2,
        [
            [
                "Feed the Future Market Systems",
                "Chemonics International, Inc.",
                "USAID",
                12000000,
                "USD 14,500,000.00",
                "1/15/2019",
                "12/31/2023",
                "Ivory Coast",
                "Food Security",
                "J. Smith",
            ],
            [
                "Health Systems Strengthening Accelerator",
                "Abt Associates, DAI",
                "U.S. Government",
                3000000,
                "USD 300,000.50",
                "9/30/2020",
                "9/29/2025",
                "DRC",
                "Global Health",
                "M. Jones",
            ],
            [
                "Civic Engagement Activity",
                "FHI 360 and Save the Children",
                "United States",
                1000000,
                "$1.2M",
                "03/04/2019",
                "03/03/2022",
                "Congo, Dem. Rep.",
                "DRG",
                "K. Lee",
            ],
            [
                "Water Security Vietnam",
                "Winrock International",
                "U.S. Agency for International Development",
                500000,
                "2,500,000",
                "10/1/2018",
                "9/30/2021",
                "Viet Nam",
                "Environment",
                None,
            ],
            [
                "Youth Employment West Bank",
                "Mercy Corps",
                "USAID",
                None,
                "-",
                "7/1/2021",
                "6/30/2024",
                "Palestine",
                "Economic Growth",
                None,
            ],
            [
                "Burma Democracy Support",
                "IFES",
                "USAID",
                800000,
                "USD 850,000",
                "2/1/2017",
                "1/31/2021",
                "Burma",
                "DRG",
                None,
            ],
        ],
    )
    ws.column_dimensions["D"].hidden = True  # the original budgets, superseded by the TEC
    wb.save(HERE / name)
    EXPECT[name] = """US mission tracker, header row 1, column D 'Budget (USD)' is HIDDEN (superseded original
budgets); the visible 'Total Estimated Cost (USD)' is what the manager reads as the budget.
Human expects 6 projects, budgets from TEC in USD: 14,500,000; 300,000.50; 1,200,000; 2,500,000; not known; 850,000.
Dates month-first (US sheet; 1/15/2019, 12/31/2023 prove it): row 4 '03/04/2019' = 2019-03-04, end 2022-03-03.
Funders all = USAID/US government (one or two orgs, never 'U.S. Government' twice).
Implementers: 'Chemonics International, Inc.' one org; 'Abt Associates, DAI' two orgs; 'FHI 360 and Save the Children' two orgs.
Countries: CIV, COD, COD, VNM, PSE, MMR."""


# ---------------------------------------------------------------------------------------------
def t03():
    name = "t03_uk_programmes_gbp.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Programmes"
    cols = [
        "Project code",
        "Programme title",
        "Lead agency",
        "Delivery partners",
        "Donor",
        "Countries covered",
        "Budget (£)",
        "Start",
        "End",
        "Status",
    ]
    header(ws, 1, cols)
    rows(
        ws,
        2,
        [
            [
                "GB-1-204",
                "Girls' Education Challenge",
                "British Council",
                "Camfed; Plan International UK",
                "DFID",
                "Sierra Leone / Liberia",
                "£1.5m",
                "Apr 2018",
                "31/03/2022",
                "Live",
            ],
            [
                "GB-1-205",
                "Tackling Malnutrition",
                "UNICEF",
                "WFP, FAO",
                "FCDO",
                "Ghana and Nigeria",
                "£75k",
                "1st April 2019",
                "March 2021",
                "Closed",
            ],
            [
                "GB-1-206",
                "Sahel Resilience",
                "IRC",
                "Mercy Corps & Oxfam",
                "Foreign, Commonwealth & Development Office (FCDO)",
                "Niger, Mali, Burkina Faso",
                "GBP 250,000",
                D(2020, 10, 1),
                D(2023, 9, 30),
                "Live",
            ],
            [
                "GB-1-207",
                "South Sudan Health Pooled Fund",
                "Crown Agents",
                "IMA World Health",
                "UK aid",
                "Sudan, South Sudan",
                1000000,
                "FY2019/20",
                "2024",
                "In pipeline",
            ],
            [
                "GB-1-208",
                "Gambia Governance",
                "Westminster Foundation for Democracy",
                None,
                "HMG",
                "Gambia, The",
                "£ 120,000",
                "01/09/2021",
                "31/08/2023",
                "Live",
            ],
            [
                "GB-1-209",
                "Eswatini HIV prevention",
                "PSI",
                None,
                "UK",
                "Eswatini (Swaziland)",
                "£2m",
                "2019-04-01",
                "2022-03-31",
                "Live",
            ],
        ],
    )
    wb.save(HERE / name)
    EXPECT[name] = """British sheet, header row 1, amounts in GBP (header '(£)' and cells).
Human expects 6 projects titled by 'Programme title', budgets GBP 1,500,000; 75,000; 250,000; 1,000,000; 120,000; 2,000,000.
'Lead agency' = implementer (British Council, UNICEF, IRC, Crown Agents, WFD, PSI); 'Delivery partners' = partners.
Funders: DFID; FCDO (rows 3 and 4 the same org); UK aid/HMG/UK = the UK government.
Countries: SLE+LBR; GHA+NGA; NER+MLI+BFA; SDN+SSD; GMB; SWZ.
Dates: 2018-04-01..2022-03-31; 2019-04-01..2021-03-31; 2020-10-01..2023-09-30; FY2019/20 start = 2019-04-01 or a warning, end 2024-12-31;
2021-09-01..2023-08-31; 2019-04-01..2022-03-31. Status live -> implementation; 'In pipeline' -> pipeline."""


# ---------------------------------------------------------------------------------------------
def t04():
    name = "t04_swiss_french_cp1252_semicolon.csv"
    lines = [
        "Portefeuille Afrique de l'Ouest;;;;;;;;",
        "Project ID;Title;Donor(s);Implementing partner(s);Beneficiary countries;Total budget;Currency;Start;End",
        "CH-2019-01;Éducation de base au Bénin;Coopération suisse (DDC);Helvetas Swiss Intercooperation;Bénin, Togo;1.250.000,00;CHF;01.03.2019;28.02.2023",
        "CH-2019-02;Santé maternelle;Agence Française de Développement (AFD);Médecins du Monde;Côte d'Ivoire;750 000,50;€;15/01/2020;14/01/2024",
        "CH-2020-03;Pêche artisanale;\"Sida; Norad\";WWF;São Tomé and Príncipe;1,5 Mio;EUR;2020-06-01;2022-05-31",
        "CH-2020-04;Microfinance rurale;DDC;Caritas Suisse;Burkina Faso;CHF 1'250'000.-;;01.07.2020;30.06.2023",
        "CH-2021-05;Eau potable Niamey;Coopération suisse (DDC) 60% / Luxembourg 40%;Eau Vive;Niger;12 500;Fr.;01.01.2021;31.12.2021",
        ";;;;;;;;",
        "Total;;;;;3.762.500,50;;;",
    ]
    (HERE / name).write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    EXPECT[
        name
    ] = """Semicolon csv in Windows-1252 (French Excel), decimal commas, title line 1, header line 2.
Human expects 5 projects; blank line and 'Total' line skipped.
- CH-2019-01: CHF 1,250,000.00; funder DDC (=SDC, Swiss); Helvetas; BEN+TGO; 2019-03-01..2023-02-28.
- CH-2019-02: EUR 750,000.50; AFD; Médecins du Monde; CIV; 2020-01-15..2024-01-14.
- CH-2020-03: EUR 1,500,000; funders Sida and Norad (two); WWF; STP; 2020-06-01..2022-05-31.
- CH-2020-04: CHF 1,250,000 ('.-' is Swiss for 'no cents'); DDC (same org as row 3); Caritas Suisse; BFA.
- CH-2021-05: CHF 12,500; DDC 7,500 + Luxembourg 5,000; NER; 2021.
Accents must come through intact (Bénin, Médecins, São Tomé)."""


# ---------------------------------------------------------------------------------------------
def t05():
    name = "t05_unicode_text_utf16.csv"
    cols = [
        "Code",
        "Project name",
        "Funding agencies",
        "Implementing agency",
        "Recipient country",
        "Total (USD)",
        "Board approval date",
        "Closing date",
        "Status",
    ]
    data = [
        [
            "P-101",
            "Türkiye earthquake recovery",
            "World Bank; EU",
            "AFAD",
            "Turkey",
            "USD 300,000.50",
            "2020-12-31T00:00:00",
            "12/31/2023",
            "Active",
        ],
        [
            "P-102",
            "Balkan roads",
            "EBRD | EIB",
            "Ministry of Transport",
            "North Macedonia, Kosovo*",
            "CHF 1'000'000",
            "31.12.2020",
            "31.12.2024",
            "Active",
        ],
        [
            "P-103",
            "Gaza water desalination",
            "Islamic Development Bank",
            "PWA",
            "Palestine",
            "1 250 000",
            "03/04/2019",
            "02/04/2022",
            "Closed",
        ],
        [
            "P-104",
            "Côte d’Ivoire cocoa traceability",
            "Gates Foundation",
            "Ministère de l’Agriculture",
            "Ivory Coast",
            "(1,000)",
            "2021",
            "2025",
            "Pipeline",
        ],
        [
            "P-105",
            "Ελλάδα–Κύπρος interconnector study",
            "European Union",
            "ΑΔΜΗΕ",
            "Greece/Cyprus",
            "EUR 2.5m",
            "Jun 2021",
            "Dec 2022",
            "Active",
        ],
    ]
    text = "\r\n".join("\t".join(r) for r in [cols] + data) + "\r\n"
    (HERE / name).write_bytes(text.encode("utf-16"))  # BOM + UTF-16-LE, as Excel 'Unicode Text' saves
    EXPECT[
        name
    ] = """UTF-16 (BOM) tab-separated, as Excel's 'Unicode Text'. Header row 1; 'Total (USD)' => USD.
- P-101: USD 300,000.50; funders World Bank + EU; AFAD; TUR; 2020-12-31..2023-12-31.
- P-102: CHF 1,000,000 (cell currency beats header); EBRD + EIB; MKD + XKX; 2020-12-31..2024-12-31.
- P-103: USD 1,250,000; IsDB; PSE; 03/04/2019 ambiguous -> warning (column has 31.12.2020 and 12/31/2023 elsewhere).
- P-104: '(1,000)' is negative -> warning, budget not known; Gates Foundation = BMGF; CIV; 2021-01-01..2025-12-31.
- P-105: EUR 2,500,000; EU; Greek implementer name intact; GRC + CYP; 2021-06-01..2022-12-31."""


# ---------------------------------------------------------------------------------------------
def t06():
    name = "t06_quarterly_tabs_notes_summary.xlsx"
    wb = Workbook()
    notes = wb.active
    notes.title = "Read me"
    for r, text in enumerate(
        [
            "Nairobi Programme Office – project tracker",
            "Update every quarter. Do not change the column order.",
            "",
            "Column",
            "Meaning",
        ],
        1,
    ):
        notes.cell(r, 1, text)
    notes.cell(4, 2, "Meaning")
    notes.cell(4, 1, "Column")
    notes.cell(5, 1, None)
    rows(
        notes,
        5,
        [
            ["Project No.", "Our internal number"],
            ["Project Title", "As in the contract"],
            ["Donor", "Who pays; several separated by ;"],
            ["Amount (EUR)", "Total contract value"],
        ],
    )
    cols = [
        "Project No.",
        "Project Title",
        "Donor",
        "Implementing Organisation",
        "Country",
        "Amount (EUR)",
        "From",
        "To",
        "Comments",
    ]
    q1 = wb.create_sheet("Q1 2021")
    header(q1, 1, cols)
    rows(
        q1,
        2,
        [
            [
                "KE-01",
                "Drought resilience Turkana",
                "EU; Denmark",
                "Ministry of Health",
                "Kenya",
                900000,
                D(2020, 1, 1),
                D(2022, 12, 31),
                "ok",
            ],
            [
                "KE-02",
                "Maternal health Kisumu",
                "Denmark",
                "AMREF",
                "Kenya",
                450000,
                D(2019, 7, 1),
                D(2021, 6, 30),
                None,
            ],
            [
                "UG-01",
                "Refugee education",
                "EU",
                "Ministry of Health",
                "Uganda",
                1200000,
                D(2021, 1, 1),
                D(2023, 12, 31),
                "Ministry of Health = Uganda MoH",
            ],
        ],
    )
    q2 = wb.create_sheet("Q2 2021")
    header(q2, 1, cols)
    rows(
        q2,
        2,
        [
            [
                "KE-01",
                "Drought resilience Turkana",
                "EU; Denmark",
                "Ministry of Health",
                "Kenya",
                950000,
                D(2020, 1, 1),
                D(2023, 6, 30),
                "no-cost extension + top-up agreed in May",
            ],
            [
                "TZ-01",
                "Zanzibar blue economy",
                "Norway",
                "WWF Tanzania",
                "Tanzania",
                600000,
                D(2021, 4, 1),
                D(2024, 3, 31),
                "new",
            ],
        ],
    )
    summary = wb.create_sheet("Summary")
    header(summary, 1, ["Donor", "Projects", "Total budget (EUR)"])
    rows(summary, 2, [["EU", 2, 2100000], ["Denmark", 2, 1350000], ["Norway", 1, 600000]])
    lists = wb.create_sheet("Lists")
    rows(lists, 1, [["Project Title", "Country", "Donor"], ["x", "Kenya", "EU"], ["y", "Uganda", "Denmark"]])
    lists.sheet_state = "hidden"
    wb.save(HERE / name)
    EXPECT[
        name
    ] = """Notes sheet 'Read me' (glossary), data tabs 'Q1 2021' and 'Q2 2021', pivot 'Summary', hidden 'Lists'.
Human expects 4 projects: KE-01, KE-02, UG-01 (Q1), TZ-01 (Q2). KE-01 is on both tabs; Q2 is the newer
quarter (budget 950,000, end 2023-06-30): take Q2, or at least say 'KE-01 is on sheet Q1 2021 row 2 and sheet Q2 2021 row 2'.
'Read me', 'Summary' (no titles; a pivot) and hidden 'Lists' skipped without errors.
'Ministry of Health' in Kenya (KE-01) and Uganda (UG-01) are two different ministries (ideally flagged)."""


# ---------------------------------------------------------------------------------------------
def t07():
    name = "t07_merged_multirow_sections.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Projects"
    cols = ["Project", "Donor", "Amount (EUR)", "Lead agency", "Countries", "Start", "End"]
    title_block(ws, ["Climate & Agriculture Portfolio", "Eastern Africa – 2021"], len(cols))
    header(ws, 4, cols)
    rows(
        ws,
        5,
        [
            ["COMPONENT 1: CLIMATE-SMART AGRICULTURE"],
            [
                "Climate resilient agriculture",
                "Denmark",
                400000,
                "FAO",
                "Kenya; Ethiopia",
                D(2020, 1, 1),
                D(2023, 12, 31),
            ],
            [None, "Irish Aid", 100000],
            [
                "Soil health for smallholders",
                "Netherlands",
                "EUR 350,000",
                "CIAT",
                "Rwanda",
                "Jan 2021",
                "Dec 2024",
            ],
            ["COMPONENT 2: WATER"],
            [
                "Lake Victoria basin water quality",
                "Sweden",
                800000,
                "LVBC",
                "Uganda, Tanzania, Kenya",
                D(2019, 6, 1),
                D(2022, 5, 31),
            ],
            [None, "Finland", 200000, None, "Burundi"],
            ["Sub-total component 2", None, 1000000],
            [],
            ["Overall total", None, 1850000],
            ["* Amounts are the donor contributions signed; see column C."],
        ],
    )
    ws.merge_cells("A6:A7")
    ws.merge_cells("D6:D7")
    ws.merge_cells("F6:F7")
    ws.merge_cells("G6:G7")
    ws.merge_cells("A10:A11")
    ws.merge_cells("D10:D11")
    ws.merge_cells("F10:F11")
    ws.merge_cells("G10:G11")
    ws.merge_cells("A5:G5")
    ws.merge_cells("A9:G9")
    wb.save(HERE / name)
    EXPECT[
        name
    ] = """Header row 4 below a merged title block; section headings (rows 5, 9, merged A:G); projects whose
title/lead/dates are merged over two rows with one donor per row; sub-total row 12; 'Overall total' row 14; footnote row 15.
Human expects 3 projects, no more:
- Climate resilient agriculture: budget EUR 500,000; funders Denmark 400,000 + Ireland (Irish Aid) 100,000; FAO; KEN+ETH; 2020..2023.
- Soil health for smallholders: EUR 350,000; Netherlands; CIAT; RWA; 2021-01-01..2024-12-31.
- Lake Victoria basin water quality: EUR 1,000,000; Sweden 800,000 + Finland 200,000; LVBC; UGA+TZA+KEN+BDI.
Rows 5, 9 (headings), 12 (sub-total), 14 (overall total), 15 (footnote) are not projects.
At the least: rows 7 and 11 must not be silently lost, nor the headings/footnote stored as projects."""


# ---------------------------------------------------------------------------------------------
def t08():
    name = "t08_currency_number_formats.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Grants"
    cols = ["Grant number", "Title", "Funders", "Grantee", "Location", "Total budget", "Start", "End"]
    header(ws, 1, cols)
    data = [
        [
            "G-2019-001",
            "Youth skills Western Balkans",
            "EU: EUR 800,000; SIDA: EUR 200,000",
            "RYCO",
            "Western Balkans",
            1000000,
            43466,
            44561,
        ],
        [
            "G-2019-002",
            "Regional energy efficiency",
            "Norway 60% + Denmark 40%",
            "GGF",
            "Regional",
            2500000,
            2019,
            2022,
        ],
        [
            "G-2020-003",
            "Refugee livelihoods",
            "EU (80%), Germany (10%)",
            "UNHCR",
            "Middle East",
            1500000,
            "2020-01-01T00:00:00",
            D(2022, 6, 30, 23, 59),
        ],
        [
            "G-2020-004",
            "Sahel cross-border health",
            "Gates Foundation",
            "WHO",
            "Sahel",
            750000,
            D(2020, 5, 1),
            D(2021, 4, 30),
        ],
        [
            "G-2021-005",
            "Namibia desert research",
            "Germany (BMZ)",
            "GIZ",
            "Namibia",
            300000,
            D(2021, 1, 1),
            D(2022, 12, 31),
        ],
        [
            "G-2021-006",
            "Policy dialogue (global)",
            "UNDP",
            "UNDP",
            "NA",
            125000,
            D(2021, 3, 1),
            D(2021, 12, 31),
        ],
    ]
    rows(ws, 2, data)
    formats = ['"€"#,##0', "[$$-409]#,##0", '"£"#,##0', "[$CHF] #,##0", '"€"#,##0', "[$$-409]#,##0"]
    for r, f in enumerate(formats, 2):
        ws.cell(r, 6).number_format = f
    for r in range(2, 8):
        for c in (7, 8):
            if isinstance(ws.cell(r, c).value, dt.datetime):
                ws.cell(r, c).number_format = "dd/mm/yyyy"
    ws.cell(1, 6).comment = Comment("Currency as formatted in each cell", "PM")
    wb.save(HERE / name)
    EXPECT[
        name
    ] = """Budget cells are numbers whose Excel number format shows the currency (€, $, £, CHF); the header says
no currency. Human sees: G-001 €1,000,000; G-002 $2,500,000; G-003 £1,500,000; G-004 CHF 750,000; G-005 €300,000;
G-006 $125,000. Expect those currencies, or else a per-row warning that the currency was not read (never a guess).
- G-001: funders EU 800,000 EUR + Sida 200,000 EUR (two orgs, never an org called 'EU: EUR 800,000'); region 89; dates 2019-01-01..2021-12-31 (serials 43466/44561).
- G-002: Norway 1,500,000 + Denmark 1,000,000; 'Regional' = no country; 2019-01-01..2022-12-31.
- G-003: EU 80% + Germany 10% = 90%: a human reads 10% as co-financing by others, so EU 1,200,000, Germany 150,000
  (NOT rescaled to 1,333,333/166,667), or a warning that says what will be stored. Middle East region 589; 2020-01-01..2022-06-30.
- G-004: BMGF; WHO; Sahel not a known region -> warning.
- G-005: Germany (BMZ) = German government; GIZ; NAM.
- G-006: 'NA' in Location means not applicable: no country (NOT Namibia)."""


# ---------------------------------------------------------------------------------------------
def t09():
    name = "t09_hidden_rows_old_versions.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Tracker"
    cols = [
        "ID",
        "Name of project",
        "Donor",
        "Implementing partner",
        "Country",
        "Budget",
        "Currency",
        "Start",
        "End",
        "Status",
        "Risk rating",
        "Country ISO",
    ]
    header(ws, 1, cols)
    rows(
        ws,
        2,
        [
            [
                "AL-01",
                "Judicial reform Albania",
                "EU",
                "Council of Europe",
                "Albania",
                2000000,
                "EUR",
                D(2018, 1, 1),
                D(2020, 12, 31),
                "completed",
                "low",
                "ALB",
            ],
            [
                "AL-01",
                "Judicial reform Albania",
                "EU",
                "Council of Europe",
                "Albania",
                2400000,
                "EUR",
                D(2018, 1, 1),
                D(2021, 6, 30),
                "completed",
                "low",
                "ALB",
            ],
            [
                "BA-02",
                "Demining Bosnia",
                "Norway; Japan",
                "NPA",
                "BiH",
                1500000,
                "USD",
                D(2019, 5, 1),
                D(2022, 4, 30),
                "on hold",
                "high",
                "BIH",
            ],
            [
                "MD-03",
                "Moldova energy",
                "Sweden",
                "UNDP Moldova",
                "Moldova, Republic of",
                900000,
                "Euro",
                D(2020, 2, 1),
                D(2023, 1, 31),
                "not started",
                "medium",
                "MDA",
            ],
            [
                "ME-04",
                "Montenegro tourism",
                "USAID",
                "Chemonics",
                "Montenegro",
                650000,
                "US$",
                D(2017, 3, 1),
                D(2020, 2, 28),
                "dropped",
                "low",
                "MNE",
            ],
            [
                "GE-05",
                "Georgia agriculture",
                "Switzerland",
                "Mercy Corps",
                "Georgia",
                1100000,
                "sfr",
                D(2021, 7, 1),
                D(2025, 6, 30),
                "ongoing",
                "medium",
                "GEO",
            ],
        ],
    )
    ws.row_dimensions[2].hidden = True  # the superseded version of AL-01, kept hidden by the manager
    wb.save(HERE / name)
    EXPECT[
        name
    ] = """Row 2 is HIDDEN: the old version of AL-01 (2,000,000, end 2020-12-31); row 3 is the current visible one
(2,400,000, end 2021-06-30). Human expects AL-01 = 2,400,000 EUR ending 2021-06-30 (the visible row), or an error that
names both rows and says one is hidden. 6 distinct projects otherwise:
- BA-02: USD 1,500,000; Norway + Japan; BIH; status on hold -> suspended.
- MD-03: 'Euro' -> EUR; MDA; not started -> pipeline.  - ME-04: 'US$' -> USD; dropped -> cancelled.
- GE-05: 'sfr' -> CHF; GEO; ongoing -> implementation. 'Risk rating' and 'Country ISO' listed as not imported."""


# ---------------------------------------------------------------------------------------------
def t10():
    name = "t10_system_export_pipe.csv"
    cols = [
        "iati_identifier",
        "activity_title",
        "funding_source",
        "implementer",
        "recipient_countries",
        "total_commitments",
        "currency",
        "actual_start",
        "actual_end",
        "activity_status",
    ]
    data = [
        [
            "XM-DAC-1-001",
            "Vaccine cold chain",
            "GAVI Alliance; Bill & Melinda Gates Foundation",
            "UNICEF",
            "Guinea, Guinea-Bissau",
            "EUR 1,000,000.00",
            "EUR",
            "2019",
            "2021",
            "Implementation",
        ],
        [
            "XM-DAC-1-002",
            "Malaria nets",
            "The Global Fund; BMGF",
            "Population Services International (PSI)",
            "Niger and Nigeria",
            "1,000",
            "USD",
            "Q3 2019",
            "Q2 2021",
            "Completion",
        ],
        [
            "XM-DAC-1-003",
            "Island resilience",
            "Global Fund to Fight AIDS, Tuberculosis and Malaria",
            "SPC",
            "Micronesia, Fed. Sts.; Trinidad and Tobago; Antigua & Barbuda",
            "2.5bn",
            "JPY",
            "June 2018",
            "mid-2021",
            "Implementation",
        ],
        [
            "XM-DAC-1-004",
            "Sudan transition",
            "European Union (EU)",
            "IOM",
            "Sudan/South Sudan",
            "n/a",
            "USD",
            "2020-01-15",
            "2022-01-14",
            "Pipeline",
        ],
        [
            "XM-DAC-1-005",
            "Korea-Congo knowledge exchange",
            "KOICA",
            "KDI",
            "Korea, Rep.; Congo, Rep.",
            "300000",
            "",
            "2021-02-01",
            "2021-01-31",
            "Implementation",
        ],
        [
            "XM-DAC-1-006",
            "Bosnia flood recovery",
            "EU",
            "UNDP",
            "Bosnia and Herzegovina",
            "EUR 3 000 000",
            "EUR",
            "20190115",
            "20211231",
            "Implementation",
        ],
    ]
    text = "\n".join("|".join(r) for r in [cols] + data) + "\n"
    (HERE / name).write_text(text, encoding="utf-8")
    EXPECT[name] = """'|'-separated UTF-8 export, header row 1.
- 001: EUR 1,000,000; Gavi + BMGF; UNICEF; GIN + GNB; 2019-01-01..2021-12-31; implementation.
- 002: USD 1,000 (a thousand); Global Fund + BMGF (BMGF same org as row 2's 'Bill & Melinda Gates Foundation'); PSI; NER+NGA; 2019-07-01..2021-06-30; closed.
- 003: JPY 2,500,000,000; Global Fund (same org as row 3's 'The Global Fund'); FSM, TTO, ATG; start 2018-06-01; 'mid-2021' -> warning.
- 004: budget not known (n/a); EU; SDN+SSD.
- 005: rejected: end 2021-01-31 before start 2021-02-01 (message names row 6, column actual_end). Budget 300000 has no currency (blank) -> warning.
- 006: EUR 3,000,000; BIH; 2019-01-15..2021-12-31."""


# ---------------------------------------------------------------------------------------------
def t11():
    name = "t11_multiline_cells_utf8bom.csv"
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(
        [
            "Project ID",
            "Title",
            "Donors",
            "Implementing partners",
            "Countries",
            "Total budget (EUR)",
            "Start",
            "End",
            "Objectives",
        ]
    )
    w.writerows(
        [
            [
                "EU-TA-01",
                "Anti-corruption capacity building",
                "EU\nGermany",
                "GIZ\nCouncil of Europe",
                "Montenegro\nAlbania",
                "EUR 1.2m",
                "01/02/2020",
                "31/01/2023",
                "1. Strengthen the agency\n2. Train 300 prosecutors",
            ],
            [
                "EU-TA-02",
                "Public finance management",
                "European Union; Federal Republic of Germany",
                "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ) GmbH",
                "Kosovo*",
                "950 000",
                "02/01/2021",
                "01/12/2023",
                "- Better budgets\n- Audit",
            ],
            [
                "EU-TA-03",
                "Statistics for EU accession",
                "EC",
                "Statistics Sweden, Statistics Denmark",
                "Serbia, Montenegro, North Macedonia, Albania, BiH, Kosovo",
                "EUR 2,400,000.00",
                "Sep 2020",
                "Aug 2023",
                "Harmonised statistics",
            ],
            [
                "EU-TA-04",
                "Twinning customs",
                "EU",
                "Bundesministerium der Finanzen",
                "Ukraine",
                "EUR 1.000.000",
                "15/03/2021",
                "14/03/2023",
                "",
            ],
            [
                "EU-TA-05",
                '=HYPERLINK("http://x","Digital agenda")',
                "EU",
                "ITU",
                "Georgia",
                "€ 500k",
                "2021-05-01",
                "2023-04-30",
                "",
            ],
        ]
    )
    (HERE / name).write_bytes(buf.getvalue().encode("utf-8-sig"))
    EXPECT[name] = """UTF-8 with BOM, comma csv, quoted cells with line breaks. 'Total budget (EUR)'.
- EU-TA-01: EUR 1,200,000; funders EU + Germany; impl GIZ + CoE; MNE + ALB; 2020-02-01..2023-01-31; 2 aims.
- EU-TA-02: EUR 950,000; EU + Germany (the same 'Germany' org as row 2); GIZ (one org); XKX; '02/01/2021' and
  '01/12/2023' are ambiguous but the column's 15/03/2021 and 31/01/2023 prove day-first -> 2021-01-02..2023-12-01 (no warning needed).
- EU-TA-03: EUR 2,400,000; EU; two implementers (Statistics Sweden, Statistics Denmark); SRB MNE MKD ALB BIH XKX.
- EU-TA-04: EUR 1,000,000. - EU-TA-05: title is a formula text: keep as written or warn; EUR 500,000."""


# ---------------------------------------------------------------------------------------------
def t12():
    name = "t12_header_row6_two_level.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Portfolio 2021"
    title_block(
        ws,
        [
            "Ministry of Foreign Affairs – Development Cooperation",
            "Portfolio overview 2021",
            "Source: internal database, extracted 15/07/2021",
        ],
        9,
    )
    # row 4 empty, row 5 = upper header, row 6 = header
    rows(ws, 5, [[None, None, None, None, "Budget (EUR)", None, "Dates", None, None]])
    ws.merge_cells("E5:F5")
    ws.merge_cells("G5:H5")
    header(
        ws,
        6,
        [
            "Project number",
            "Project title",
            "Donor",
            "Implementing partner",
            "Total",
            "of which EU",
            "Start",
            "End",
            "Countries",
        ],
    )
    rows(
        ws,
        7,
        [
            [
                1001,
                "Renewable energy Kenya",
                "Netherlands",
                "SNV",
                2000000,
                0,
                D(2019, 1, 1),
                D(2022, 12, 31),
                "Kenya (60%), Uganda (40%)",
            ],
            [
                1002,
                "Dutch water expertise Bangladesh",
                "Government of the Netherlands; EU",
                "Deltares",
                3000000,
                1000000,
                D(2020, 4, 1),
                D(2024, 3, 31),
                "Bangladesh",
            ],
            [
                "01003",
                "Fragile states fund",
                "Kingdom of the Netherlands",
                "UNDP",
                5000000,
                0,
                D(2021, 1, 1),
                D(2025, 12, 31),
                "Afghanistan; South Sudan; Yemen, Rep.",
            ],
            [None],
            [
                1004,
                "Private sector Ghana",
                "Dutch MFA",
                "RVO",
                "EUR 750,000",
                0,
                "Jan 2021",
                "Dec 2023",
                "Ghana",
            ],
        ],
    )
    wb.save(HERE / name)
    EXPECT[
        name
    ] = """Header on row 6 under a 3-line merged title block and a merged upper header row 5 'Budget (EUR)' over
'Total' / 'of which EU'. Human expects 4 projects, budgets in EUR (from the upper header): 2,000,000; 3,000,000; 5,000,000; 750,000.
IDs 1001, 1002, 01003 (leading zero kept), 1004. Funders: Netherlands (rows 7-9 and ideally 'Dutch MFA' the same), row 8 also EU.
Countries with shares KEN 60 / UGA 40; BGD; AFG SSD YEM; GHA. Messages must number rows as Excel does (7..11)."""


# ---------------------------------------------------------------------------------------------
def t13():
    name = "t13_errors_and_odd_cells.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    cols = ["Project ID", "Title", "Donor", "Implementing agency", "Country", "Budget (USD)", "Start", "End"]
    header(ws, 1, cols)
    rows(
        ws,
        2,
        [
            ["P1", "Cash transfers Yemen", "#N/A", "WFP", "Yemen", 5000000, D(2020, 1, 1), D(2021, 12, 31)],
            [
                "P2",
                "Schools rehabilitation Iraq",
                "Japan",
                "UNICEF",
                "#REF!",
                "#VALUE!",
                D(2019, 3, 1),
                D(2021, 2, 28),
            ],
            [
                "P3",
                "Lebanon cash for work",
                "Germany",
                "UNDP",
                "Lebanon",
                True,
                D(2020, 2, 1),
                D(2020, 1, 31),
            ],
            [
                "P4",
                "Syria winterisation",
                "EU",
                "UNHCR",
                "Syrian Arab Republic",
                D(2020, 11, 1),
                D(2020, 11, 1),
                D(2021, 3, 31),
            ],
            [None, "Jordan water", "USAID", "Mercy Corps", "Jordan", 2000000, "tbc", "ongoing"],
            ["P6", None, "EU", "UNRWA", "Palestine", 100000, D(2021, 1, 1), D(2021, 12, 31)],
            ["P7", "Cash transfers Yemen", "UK", "WFP", "Yemen", 1000000, D(2021, 1, 1), D(2021, 12, 31)],
            [None, None, None, None, None, 8100000],
        ],
    )
    ws["C2"].data_type = "e"
    ws["E3"].data_type = "e"
    ws["F3"].data_type = "e"
    wb.save(HERE / name)
    EXPECT[
        name
    ] = """Odd cells: Excel error values (#N/A from a broken VLOOKUP, #REF!, #VALUE!), TRUE, a date in the budget column,
end before start, no title, no ID, an unlabelled sum row.
- P1: imported; '#N/A' donor -> warning, no funder (never an organisation called '#N/A').
- P2: '#REF!' country and '#VALUE!' budget -> warnings, not stored as a country / 0.
- P3: rejected: end 2020-01-31 before start 2020-02-01. TRUE budget -> warning.
- P4: date in budget -> warning.  - row 6 (no ID, 'Jordan water'): imported with a made-up ID; 'tbc'/'ongoing' dates -> warnings.
- P6 (row 7): rejected, no title. - P7: own ID, same title as P1: both are real (different IDs) -> both kept, or a warning.
- Row 9 (only a number in Budget): an unlabelled total -> skipped (not an error 'no title')."""


# ---------------------------------------------------------------------------------------------
def t14():
    name = "t14_no_currency_anywhere.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    header(ws, 1, ["No", "Project", "Donor", "Partner", "Beneficiary country", "Budget", "Start", "End"])
    rows(
        ws,
        2,
        [
            [
                1,
                "Civil society fund",
                "Sweden",
                "Kvinna till Kvinna",
                "Macedonia, FYR",
                400000,
                "01/02/2019",
                "31/01/2021",
            ],
            [
                2,
                "Civil society fund",
                "Sweden",
                "Kvinna till Kvinna",
                "Kosovo",
                250000,
                "01/02/2019",
                "31/01/2021",
            ],
            [3, "Gender equality", "Sida", "UN Women", "Albania", "1,234", "2019", "2020"],
            [
                4,
                "Local governance",
                "Swedish International Development Cooperation Agency (Sida)",
                "SKL International",
                "Bosnia-Herzegovina",
                1000000,
                "2020",
                "2023",
            ],
            [
                5,
                "Anti-trafficking",
                "Sweden / Norway",
                "IOM",
                "Serbia & Montenegro",
                "0",
                "01/01/2021",
                "31/12/2021",
            ],
        ],
    )
    wb.save(HERE / name)
    EXPECT[
        name
    ] = """No currency anywhere: imported with --currency EUR. 'No' is a row number, 'Project' the title.
- Rows 2 and 3 have the same title (one fund in two countries): a human expects either one project with MKD+XKX and
  budget 650,000, or the second rejected with a message naming row 2. Both rows are the manager's real intent.
- Row 4: 1,234 EUR (a thousand two hundred). Sida in rows 4 and 5 is one organisation (acronym).
- Row 5: BIH. - Row 6: Sweden + Norway; 'Serbia & Montenegro' -> SRB + MNE; budget 0 stored as 0.
- 'Partner' -> partners role. IDs: 'No' 1..5 — numbers that are row counters, not project IDs (a human would not want
  '1','2'... as IDs but accepts it)."""


# ---------------------------------------------------------------------------------------------
def t01b():
    """t01 with headers aidtrack knows, to see how it reads the values themselves."""
    name = "t01b_eu_delegation_plain_headers.xlsx"
    t01()
    from openpyxl import load_workbook
    wb = load_workbook(HERE / "t01_eu_delegation_titleblock.xlsx")
    ws = wb["Portfolio"]
    for c, text in enumerate(["Ref.", "Project title", "Donor", "Implementing partner", "Beneficiary country",
                              "Budget EUR", "Start date", "End date", "Status"], 1):
        ws.cell(5, c, text)
    wb.save(HERE / name)
    EXPECT[name] = "Same as t01 (headers renamed to known words; 'Start date' without the dd/mm/yyyy hint)."


def t02b():
    name = "t02b_usaid_activity_title.xlsx"
    t02()
    from openpyxl import load_workbook
    wb = load_workbook(HERE / "t02_usaid_mission_tracker.xlsx")
    wb.active.cell(1, 1, "Activity Title")
    wb.save(HERE / name)
    EXPECT[name] = "Same as t02 with 'Activity Title' (a header aidtrack knows); column D still hidden."


def t03b():
    name = "t03b_uk_programmes_title.xlsx"
    t03()
    from openpyxl import load_workbook
    wb = load_workbook(HERE / "t03_uk_programmes_gbp.xlsx")
    wb.active.cell(1, 2, "Title")
    wb.active.cell(1, 3, "Implementing agency")
    wb.save(HERE / name)
    EXPECT[name] = "Same as t03 with 'Title' and 'Implementing agency' headers."


def t15():
    name = "t15_ragged_row_semicolon.csv"
    lines = [
        "Project ID;Title;Donor;Implementing partner;Country;Total budget;Currency;Start;End",
        "NO-01;Fisheries management;Norad;FAO;Mozambique;2.000.000;NOK;01.01.2020;31.12.2022",
        "NO-02;Oil for development;Norad; Norwegian MFA;Petrad;Ghana;1.500.000;NOK;01.04.2021;31.03.2024",
        "NO-03;Clean cooking;Norad;SNV;Kenya;750.000;NOK;01.07.2021",
    ]
    (HERE / name).write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    EXPECT[name] = """A ';' csv edited in Notepad: row 3 has an unquoted ';' inside the Donor cell, so it has one cell too many;
row 4 has one cell too few (End missing). Human expects row 3 rejected or warned 'this row has 10 cells, the header 9:
values may be shifted', never imported with every value moved one column right. Row 4 imported, end not known."""


def t16():
    name = "t16_utf16_no_bom.csv"
    text = "Project ID,Title,Donor,Country,Total budget (EUR)\r\nX1,Solar schools,EU,Benin,100000\r\n"
    (HERE / name).write_bytes(text.encode("utf-16-le"))
    EXPECT[name] = "UTF-16-LE without BOM (some exporters write this): read like t05, or a message naming UTF-16."


def t17():
    base = "t17a_base.xlsx"
    broken = "t17b_broken_lookups.xlsx"
    for name, donor, country, budget in ((base, "EU", "Yemen", 5000000), (broken, "#N/A", "#REF!", "#VALUE!")):
        wb = Workbook()
        ws = wb.active
        ws.title = "Data"
        header(ws, 1, ["Project ID", "Title", "Donor", "Country", "Budget (USD)"])
        rows(ws, 2, [["P1", "Cash transfers Yemen", donor, country, budget]])
        if donor.startswith("#"):
            for ref in ("C2", "D2", "E2"):
                ws[ref].data_type = "e"
        wb.save(HERE / name)
    EXPECT[base] = "One project P1: EU, Yemen, USD 5,000,000."
    EXPECT[broken] = """Imported after t17a into the same db. The cells are Excel errors (#N/A, #REF!, #VALUE!) from broken lookups.
Human expects warnings naming C2/D2/E2 and the stored EU / Yemen / 5,000,000 kept — never silently cleared."""


def t18():
    name = "t18_regions_as_written.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Regional"
    header(ws, 1, ["Project ID", "Title", "Donor", "Location", "Total budget (USD)"])
    rows(ws, 2, [
        ["R1", "Oil spill clean-up", "Netherlands", "Niger Delta", 2000000],
        ["R2", "SADC drought response", "EU", "Southern Africa", 3000000],
        ["R3", "Maritime security", "Denmark", "Gulf of Guinea", 1500000],
        ["R4", "Central American migration", "USAID", "Central America", 900000],
        ["R5", "Syria crisis response", "EU", "Middle East", 4000000],
    ])
    wb.save(HERE / name)
    EXPECT[name] = """Regions as people write them. Human expects: R1 Nigeria (the Niger Delta is in Nigeria) or a warning — never
Niger; R2 region 1029 'Southern Africa, regional' — never South Africa; R3 a warning (Gulf of Guinea is a sea, many
coastal countries) — never Guinea; R4 region 1032 'Central America, regional'; R5 region 589 'Middle East, regional'."""


def main():
    for make in (t01, t01b, t02, t02b, t03, t03b, t04, t05, t06, t07, t08, t09, t10, t11, t12, t13, t14,
                 t15, t16, t17, t18):
        make()
    with open(HERE / "EXPECTED.md", "w", encoding="utf-8") as f:
        f.write("# What a careful human expects from each trial file\n\n")
        for name, text in EXPECT.items():
            f.write(f"## {name}\n\n{text}\n\n")
    print("\n".join(EXPECT))


if __name__ == "__main__":
    main()
