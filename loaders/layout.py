"""The template workbook's layout: one sheet per portfolio table, the columns of each.

The template writer, the exporter and the reader all work from this one description, so a
workbook aidtrack writes is a workbook aidtrack reads back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

# What a cell holds; the writer turns these into validation, the reader into parsing.
TEXT, CODE, NUMBER, AMOUNT, SHARE, DATE = "text", "code", "number", "amount", "share", "date"


@dataclass(frozen=True)
class Column:
    header: str  # as written in the template's header row
    field: str  # the store column it fills
    kind: str = TEXT
    required: bool = False
    help: str = ""
    codes: str = ""  # the list on the hidden Lists sheet that its drop-down offers
    width: int = 16


@dataclass(frozen=True)
class Sheet:
    name: str
    table: str  # the store table its rows go to
    help: str
    columns: tuple[Column, ...]

    def column(self, field: str) -> Column:
        return next(c for c in self.columns if c.field == field)


PROJECT_ID = Column(
    "Project ID",
    "project_id",
    required=True,
    width=18,
    help="Your identifier for the project, e.g. BSP-2017-01. Links the rows of every sheet.",
)

# The currency of an amount on a row; blank takes the project's.
AMOUNT_CURRENCY = Column(
    "Currency", "currency", CODE, codes="currencies", width=10, help="Blank means the project's currency."
)

SHEETS = (
    Sheet(
        "Projects",
        "projects",
        "One row per project.",
        (
            PROJECT_ID,
            Column("Title", "title", required=True, width=48, help="The project's name."),
            Column("Description", "description", width=60, help="What the project does."),
            Column("Programme", "programme", width=28, help="The programme it belongs to, if any."),
            Column(
                "Status",
                "status",
                CODE,
                codes="statuses",
                width=16,
                help="pipeline, implementation, finalisation, closed, cancelled or suspended.",
            ),
            Column("Start date", "start_date", DATE, width=12, help="First day of the project."),
            Column("End date", "end_date", DATE, width=12, help="Last day; not before the start date."),
            Column(
                "Currency",
                "currency",
                CODE,
                codes="currencies",
                width=10,
                help="ISO 4217 code of the budget, e.g. EUR, USD, CHF.",
            ),
            Column(
                "Total budget",
                "budget",
                AMOUNT,
                width=16,
                help="The whole budget in the project's currency. Leave blank if not known.",
            ),
            Column("Web page", "url", width=32, help="A link to the project's page."),
            Column(
                "Visibility",
                "visibility",
                CODE,
                codes="visibilities",
                width=12,
                help="public (shown to everyone) or internal (editors only). Blank means public.",
            ),
        ),
    ),
    Sheet(
        "Funding",
        "project_orgs",
        "Organisations and their role in each project; funders with the amount they contribute.",
        (
            PROJECT_ID,
            Column(
                "Organisation",
                "organisation",
                required=True,
                width=40,
                help="Name or acronym; matched to organisations already in aidtrack.",
            ),
            Column(
                "Role",
                "role",
                CODE,
                required=True,
                codes="roles",
                width=14,
                help="funding, accountable, extending, implementing, partner or beneficiary.",
            ),
            Column(
                "Contribution",
                "amount",
                AMOUNT,
                width=16,
                help="A funder's contribution, in the currency given. Blank if not known.",
            ),
            Column(
                "Currency",
                "currency",
                CODE,
                codes="currencies",
                width=10,
                help="Currency of the contribution; blank means the project's currency.",
            ),
        ),
    ),
    Sheet(
        "Countries",
        "project_countries",
        "Where each project works.",
        (
            PROJECT_ID,
            Column(
                "Country",
                "country",
                CODE,
                required=True,
                codes="countries",
                width=32,
                help="Country or region name as in the list, or its ISO code.",
            ),
            Column(
                "Share %",
                "share",
                SHARE,
                width=10,
                help="Percent of the project in this country (0-100). Blank: split equally.",
            ),
        ),
    ),
    Sheet(
        "Sectors",
        "project_sectors",
        "What each project works on (OECD DAC purpose codes).",
        (
            PROJECT_ID,
            Column(
                "Sector",
                "sector",
                CODE,
                required=True,
                codes="sectors",
                width=48,
                help="DAC 5-digit purpose code; the list shows code and name.",
            ),
            Column(
                "Share %",
                "share",
                SHARE,
                width=10,
                help="Percent of the project in this sector (0-100). Blank: split equally.",
            ),
        ),
    ),
    Sheet(
        "Aims",
        "project_aims",
        "The project's aims, in order.",
        (
            PROJECT_ID,
            Column(
                "No.", "seq", NUMBER, required=True, width=6, help="1 for the first aim, 2 for the next..."
            ),
            Column("Aim", "aim", required=True, width=80, help="One aim or objective."),
        ),
    ),
    Sheet(
        "Activities",
        "activities",
        "Meetings, workshops, seminars and other events.",
        (
            Column(
                "Activity ID",
                "activity_id",
                required=True,
                width=18,
                help="Your identifier for the event, e.g. BSP-2017-01-M1.",
            ),
            PROJECT_ID,
            Column("Title", "title", required=True, width=40, help="What the event was called."),
            Column(
                "Kind",
                "kind",
                CODE,
                required=True,
                codes="activity_kinds",
                width=12,
                help="meeting, workshop, seminar, training, visit or other.",
            ),
            Column("Start date", "start_date", DATE, width=12, help="First day."),
            Column("End date", "end_date", DATE, width=12, help="Last day."),
            Column("City", "city", width=16, help="Where it took place."),
            Column("Country", "country", CODE, codes="countries", width=24, help="Country of the city."),
            Column("Latitude", "latitude", NUMBER, width=10, help="Decimal degrees, -90 to 90."),
            Column("Longitude", "longitude", NUMBER, width=10, help="Decimal degrees, -180 to 180."),
            Column("Participants", "participants", width=32, help="Who took part."),
            Column("Description", "description", width=48, help="What happened."),
            Column("Web page", "url", width=32, help="A link to a report or page."),
        ),
    ),
    Sheet(
        "Budgets",
        "budgets",
        "Budget by period; a revised budget replaces the original for the same period.",
        (
            PROJECT_ID,
            Column("Period start", "period_start", DATE, required=True, width=12, help="First day."),
            Column("Period end", "period_end", DATE, required=True, width=12, help="Last day."),
            Column(
                "Type",
                "type",
                CODE,
                codes="budget_types",
                width=10,
                help="original or revised. Blank means original.",
            ),
            Column("Amount", "amount", AMOUNT, required=True, width=16, help="Budget for the period."),
            AMOUNT_CURRENCY,
            Column(
                "Value date",
                "value_date",
                DATE,
                width=12,
                help="Date for currency conversion; blank means the period start.",
            ),
        ),
    ),
    Sheet(
        "Transactions",
        "transactions",
        "Money that moved: commitments, disbursements, expenditure and so on.",
        (
            Column(
                "Transaction ID",
                "transaction_id",
                required=True,
                width=18,
                help="Your identifier for the transaction.",
            ),
            PROJECT_ID,
            Column(
                "Type",
                "type",
                CODE,
                required=True,
                codes="transaction_types",
                width=16,
                help="commitment, disbursement, expenditure, incoming funds, ...",
            ),
            Column("Date", "date", DATE, required=True, width=12, help="When it happened."),
            Column(
                "Value date",
                "value_date",
                DATE,
                width=12,
                help="Date for currency conversion; blank means the transaction date.",
            ),
            Column(
                "Amount",
                "amount",
                AMOUNT,
                required=True,
                width=16,
                help="Negative for corrections and refunds.",
            ),
            AMOUNT_CURRENCY,
            Column("Provider", "provider_org", width=28, help="Organisation the money came from."),
            Column("Receiver", "receiver_org", width=28, help="Organisation the money went to."),
            Column("Description", "description", width=40, help="What it was for."),
        ),
    ),
)

SHEETS_BY_NAME = {s.name: s for s in SHEETS}
README_SHEET = "Read me"
LISTS_SHEET = "Lists"
# The last column of a fix-me workbook: what is wrong with the row. Written, not read, by aidtrack.
PROBLEMS_COLUMN = "Problems"
