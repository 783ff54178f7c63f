"""Projects: the filtered portfolio as a table, and one project in full."""

import streamlit as st

import ui
from portfolio import access, charts
from portfolio.access import WITHHELD
from ui.db import spend_flags
from ui.filters import filters_in_words
from ui.format import blanks_shown, budget_total_note, dates_as_text, link, literal

ui.through_dashboard("projects")

CURRENCY = ui.reporting_currency()

filters = ui.current_filters()
seen = ui.audience()
projects = ui.withheld(ui.project_table(filters, CURRENCY))
if seen.public_only:
    projects = projects.assign(source=access.sources_without_file_names(projects["source"]))
# The table holds the first 5,000 (seed and imported projects first, then by ID); the count is
# of them all.
head = ui.headline(filters, CURRENCY)
total = head.projects

st.title("Projects")
if filters.is_narrowed():
    st.info(f"Filtered: {filters_in_words(filters)}.", icon=":material/filter_alt:")
st.caption(
    (
        ui.count(total, "project")
        if total == len(projects)
        else f"The first {len(projects):,} of {ui.count(total, 'project')} "
        "(seed and imported ones first, then by ID)"
    )
    + (" (public projects only)" if seen.public_only else "")
    + ". "
    + ("" if seen.withholds("amounts") else budget_total_note(head, CURRENCY))
    + "Search with the sidebar; sort by clicking a column; select a row to see the project."
)
hidden = (
    ["illustrative", "unconverted"]
    + (["visibility"] if seen.public_only else [])
    + (["budget_note"] if seen.withholds("amounts") else [])
)
selection = st.dataframe(
    blanks_shown(
        ui.unknowns_shown(
            dates_as_text(projects.drop(columns=hidden), ["start_date", "end_date"]),
            ["status", "funders", "implementers", "countries", "start_date", "end_date"],
        ),
        [c for c in ["budget_note"] if c not in hidden],
    ),
    column_config={
        "project_id": "ID",
        "title": st.column_config.TextColumn("Title", width="large"),
        "status": "Status",
        "funders": "Funders",
        "implementers": "Implementers",
        "countries": "Countries",
        "start_date": "Start",
        "end_date": "End",
        "currency": "Currency",
        **ui.money_columns(projects, CURRENCY),
        # Why a budget cell is empty, or where its figure comes from.
        "budget_note": st.column_config.TextColumn("Budget note"),
        "source": "Source",
        "visibility": "Visibility",
    },
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="project_table",
)
# A workbook is built in memory: beyond this many projects, narrow them first.
DOWNLOADABLE = 100_000
st.download_button(
    "Download this project (xlsx)" if total == 1 else f"Download these {total:,} projects (xlsx)",
    data=lambda: ui.portfolio_workbook(filters, seen),
    file_name="aidtrack-projects.xlsx",
    mime=ui.XLSX,
    icon=":material/download:",
    disabled=total > DOWNLOADABLE,
    help=(
        "The projects shown, with their funders, countries, sectors, aims, activities, budgets "
        "and transactions, in the layout of the import template"
        + (", as you see them: withheld fields say 'withheld'." if seen.withheld else ".")
    )
    if total <= DOWNLOADABLE
    else f"At most {DOWNLOADABLE:,} projects at a time: narrow them with the sidebar's filters.",
)

rows = selection.selection.rows
if rows:
    st.query_params["project"] = projects.iloc[rows[0]]["project_id"]
project_id = st.query_params.get("project")
if not project_id:
    st.stop()

detail = ui.project_as_shown(project_id, CURRENCY)
if detail is None:
    st.warning(f"There is no project with the ID '{literal(project_id)}'.")
    st.stop()

p = detail.project
st.divider()
ui.saved_note()
# Titles, names and texts come from people's files: shown as typed, never read as markdown.
st.header(literal(p["title"]))
if p["illustrative"]:
    st.warning(
        "Illustrative project: generated sample data, not a real project.",
        icon=":material/science:",
    )
facts = st.columns(4)
facts[0].markdown(f"**ID**  \n{literal(p['project_id'])}")
facts[1].markdown(f"**Status**  \n{ui.or_unknown(p['status_name'])}")
facts[2].markdown(
    f"**Dates**  \n{ui.or_unknown(p['start_date'])} – {ui.or_unknown(p['end_date'])}"
    if ui.known(p["start_date"]) or ui.known(p["end_date"])
    else "**Dates**  \nnot recorded"
)
facts[3].markdown(f"**Budget**  \n{ui.budget_fact(p, not detail.budgets.empty, CURRENCY)}")
st.caption(ui.source_of(p, file_named=not seen.public_only))
if p["visibility"] == "internal":
    st.info("Internal project: editors and admins see it; viewers do not.", icon=":material/visibility_off:")
# What the Spend review would flag, in its words, for whoever may open the review.
flags = spend_flags(project_id, CURRENCY) if ui.may("spend") and not seen.withholds("amounts") else []
if flags:
    st.warning(
        "**The Spend review flags this project:**\n" + "\n".join(f"- {literal(flag)}" for flag in flags),
        icon=":material/flag:",
    )
if ui.known(p["programme"]):
    st.markdown(f"**Programme:** {literal(p['programme'])}")
if p["description"] == WITHHELD:
    st.markdown("**Description:** withheld")
elif ui.known(p["description"]):
    st.markdown(literal(p["description"], lines=True))
if p["url"] == WITHHELD:
    st.markdown("**Link:** withheld")
elif ui.known(p["url"]):
    st.markdown(f"**Link:** {link(p['url'], p['url'])}")

# Amounts withheld from a viewer stay withheld in charts too.
if not seen.withholds("amounts"):
    trace = ui.conversion_trace(project_id, CURRENCY)
    over_time = charts.budget_and_spend_over_time(trace, CURRENCY)
    if over_time is not None:
        st.subheader("Budget and spending over time")
        st.altair_chart(over_time, width="stretch")
    if len(trace) and (trace["currency"] != CURRENCY).any():
        with st.expander(f"How the amounts were converted to {CURRENCY}"):
            st.caption(
                f"Each amount at {ui.conversion_method()} (units per euro; the nearest earlier day's when "
                "its day has none), or your own rate where you imported one; an amount with no rate is "
                "left unconverted, never counted as zero."
            )
            ui.conversions_table(trace, CURRENCY)

st.subheader("Aims")
st.markdown("\n".join(f"{n}. {literal(aim)}" for n, aim in enumerate(detail.aims, 1)) or "_Not recorded._")

left, right = st.columns(2)
with left:
    st.subheader("Organisations")
    if detail.organisations.empty:
        st.markdown("_None recorded._")
    else:
        organisations = detail.organisations
        st.dataframe(
            organisations[["role_name", "name"]].assign(
                # A contribution is a funder's: blank for an implementer or partner, where
                # 'not recorded' read as missing data.
                contribution=[
                    ui.money(a, c) if role == "funding" or ui.known(a) else ""
                    for a, c, role in zip(
                        organisations["contribution"],
                        organisations["currency"],
                        organisations["role"],
                        strict=True,
                    )
                ]
            ),
            column_config={
                "role_name": "Role",
                "name": st.column_config.TextColumn("Organisation", width="medium"),
                "contribution": "Contribution",
            },
            hide_index=True,
            width="stretch",
        )
with right:
    st.subheader("Beneficiary countries and regions")
    if detail.countries.empty:
        st.markdown("_Not recorded._")
    else:
        st.dataframe(
            ui.unknowns_shown(detail.countries[["name", "share"]], ["share"]),
            column_config={
                "name": "Country or region",
                "share": "Share %",
            },
            hide_index=True,
            width="stretch",
        )
    st.subheader("Sectors")
    if detail.sectors.empty:
        st.markdown("_Not recorded._")
    else:
        st.dataframe(
            ui.unknowns_shown(detail.sectors[["code", "name", "share"]], ["share"]),
            column_config={
                "code": "DAC code",
                "name": "Sector",
                "share": "Share %",
            },
            hide_index=True,
            width="stretch",
        )

st.subheader("Budget by period")
if detail.budgets.empty:
    st.markdown("_No budget periods recorded._")
else:
    st.dataframe(
        detail.budgets,
        column_config={
            "period_start": st.column_config.DateColumn("From"),
            "period_end": st.column_config.DateColumn("To"),
            "type": "Type",
            "amount": ui.amount_column(detail.budgets, "amount", "Amount"),
            "currency": "Currency",
            "superseded": st.column_config.CheckboxColumn("Replaced by a revision"),
        },
        hide_index=True,
        width="stretch",
    )

st.subheader("Activities")
if detail.activities.empty:
    st.markdown("_No activities recorded._")
else:
    st.dataframe(
        blanks_shown(
            ui.unknowns_shown(detail.activities.drop(columns=["activity_id"]), ["city", "country"]),
            ["description", "url"],
        ),
        column_config={
            "title": "Event",
            "kind": "Kind",
            "start_date": st.column_config.DateColumn("Start"),
            "end_date": st.column_config.DateColumn("End"),
            "city": "City",
            "country": "Country",
            "participants": "Participants",
            "description": st.column_config.TextColumn("Description", width="large"),
            "url": st.column_config.TextColumn("Link")
            if seen.withholds("documents")
            else st.column_config.LinkColumn("Link"),
        },
        hide_index=True,
        width="stretch",
    )

if not detail.classifications.empty:
    st.subheader("Other sector classifications")
    st.caption(
        "Sectors in vocabularies other than the OECD DAC codes; kept as the source wrote them, "
        "not counted in the sector charts."
    )
    st.dataframe(
        ui.unknowns_shown(detail.classifications, ["name", "share"]),
        column_config={"vocabulary": "Vocabulary", "code": "Code", "name": "Name", "share": "Share %"},
        hide_index=True,
        width="stretch",
    )
if not detail.related.empty:
    st.subheader("Related activities")
    st.dataframe(
        ui.unknowns_shown(detail.related, ["title"]),
        column_config={
            "relation": "Relation",
            "related_id": "Identifier",
            "title": "Title (when in aidtrack)",
        },
        hide_index=True,
        width="stretch",
    )
if not detail.links.empty:
    st.subheader("Documents")
    st.markdown("\n".join(f"- {link(d.title or d.url, d.url)}" for d in detail.links.itertuples()))

if not detail.transactions.empty:
    st.subheader("Transactions")
    st.dataframe(
        blanks_shown(
            ui.unknowns_shown(detail.transactions, ["provider_org", "receiver_org"]), ["description"]
        ),
        column_config={
            "date": st.column_config.DateColumn("Date"),
            "type": "Type",
            "amount": ui.amount_column(detail.transactions, "amount", "Amount"),
            "currency": "Currency",
            "provider_org": "From",
            "receiver_org": "To",
            "description": "Description",
        },
        hide_index=True,
        width="stretch",
    )

if seen.public_only:  # a file's name can tell of internal work in the same file
    st.caption(f"Last updated {p['updated_at']:%d %b %Y %H:%M}.")
else:
    source = {"sample": "the seed page", "edit": "edited in the app"}.get(
        p["import_format"], p["import_file"]
    )
    st.caption(f"Source: {literal(source)}; last updated {p['updated_at']:%d %b %Y %H:%M}.")

if ui.may("imports"):
    with st.expander("Edit this project", icon=":material/edit:"):
        st.caption(
            "Saved as one change, checked as an import is, with your name in the project's history; "
            "it can be undone from the Import page's log. Funders, countries and the rest are edited "
            "by importing a sheet."
        )
        ui.project_editor(p)

history = ui.project_history(project_id) if ui.may("changes") else []
if len(history):
    with st.expander(f"History ({ui.count(len(history), 'change')})"):
        st.dataframe(
            ui.changes_shown(history.drop(columns=["import_id"])),
            column_config={
                "when": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
                "by": "By",
                "source": st.column_config.TextColumn("From", width=180),
                "undone": st.column_config.CheckboxColumn("Import undone"),
                "field": "Field",
                "change": st.column_config.TextColumn("What changed", width="large"),
                "old": "Before",
                "new": "After",
            },
            hide_index=True,
            width="stretch",
        )
