"""Activities: the meetings, workshops and seminars of the filtered projects, in time and place."""

import streamlit as st

import ui
from portfolio import charts
from portfolio.store import ACTIVITY_KINDS
from ui.db import events_by_country
from ui.filters import filters_in_words
from ui.format import project_link

ui.through_dashboard("activities")

filters = ui.current_filters()
DRAWN_ONE_BY_ONE = 1000

st.title("Activities")
if filters.is_narrowed():
    st.info(f"Filtered: {filters_in_words(filters)}.", icon=":material/filter_alt:")
kinds = tuple(st.pills("Kind of event", ACTIVITY_KINDS, selection_mode="multi", key="activity_kinds"))
counts = ui.activity_counts(filters, kinds)
events = ui.withheld(ui.activities(filters, kinds))
if events.empty:
    if kinds or filters.is_narrowed() or not filters.include_illustrative:
        st.info("No activities match the filters.")
    else:
        st.info(
            "No meetings, workshops or seminars are recorded yet. They are imported from the "
            "Activities sheet of aidtrack's template (Import page).",
            icon=":material/info:",
        )
    st.stop()

locations_withheld = ui.audience().withholds("event_locations")
# Up to a thousand events are drawn one by one; beyond that the charts count them by month and
# by place, so that the browser gets a few hundred rows whatever the portfolio's size.
one_by_one = counts.events <= min(len(events), DRAWN_ONE_BY_ONE)
placed = 0 if locations_withheld else counts.placed
# An event with a country but no coordinates shades its country on the map; drawn per place, the
# countries come counted (a row each), not from the events the page holds.
countries = None if one_by_one or locations_withheld else events_by_country(filters, kinds)
if locations_withheld:
    by_country = 0
elif one_by_one:
    by_country = int(charts.placed_by_country_only(events).sum())
else:
    by_country = charts.on_map_by_country_only(countries)
notes = [f"{ui.count(counts.events, 'event')} of {ui.count(counts.projects, 'project')}."]
if counts.dated < counts.events:
    notes.append(
        f"Not on the timeline for want of a date: {ui.count(counts.events - counts.dated, 'event')}."
    )
if locations_withheld:
    notes.append("Event locations are withheld; the map is not shown.")
else:
    if by_country:
        notes.append(
            f"On the map by their country only, for want of coordinates: {ui.count(by_country, 'event')}."
        )
    if placed + by_country < counts.events:
        notes.append(
            f"Not on the map for want of a place: {ui.count(counts.events - placed - by_country, 'event')}."
        )
if not one_by_one:
    notes.append("The charts count the events per month and per place.")
st.caption(" ".join(notes))

if counts.dated:
    st.subheader("When")
    st.altair_chart(
        charts.events_timeline(events)
        if one_by_one
        else charts.events_per_month(ui.events_by_month(filters, kinds)),
        width="stretch",
    )
if placed or by_country:
    st.subheader("Where")
    if not placed:
        # Every event here is placed by its country alone: a caption about dots described none.
        st.caption(
            "The countries where events took place, shaded. No event has coordinates, so there are "
            "no dots; point at a country for its events."
        )
    elif one_by_one:
        st.caption(
            "A dot per place and kind of event, sized by its events, over the shaded countries where "
            "events took place; point at a country or dot for its events."
        )
    else:
        st.caption(
            "A dot per place, sized by its events, over the shaded countries where events took place; "
            "point at a dot for each kind's number, or at a country for its events."
        )
    st.altair_chart(
        charts.events_map(events)
        if one_by_one
        else charts.events_per_place(ui.events_by_place(filters, kinds), countries),
        width="stretch",
    )

st.subheader("All events" if len(events) == counts.events else f"The first {len(events):,} events")
table = ui.unknowns_shown(
    events.assign(project_link=events["project_id"].map(project_link)),
    ["city", "country_name", "participants"],
)
st.dataframe(
    table[
        [
            "title",
            "kind",
            "start_date",
            "end_date",
            "city",
            "country_name",
            "participants",
            "project_title",
            "project_link",
            "illustrative",
        ]
    ],
    column_config={
        "title": st.column_config.TextColumn("Event", width="large"),
        "kind": "Kind",
        "start_date": st.column_config.DateColumn("Start"),
        "end_date": st.column_config.DateColumn("End"),
        "city": "City",
        "country_name": "Country",
        "participants": "Participants",
        "project_title": "Project",
        "project_link": st.column_config.LinkColumn("Open project", display_text="Open"),
        "illustrative": st.column_config.CheckboxColumn("Illustrative"),
    },
    hide_index=True,
    width="stretch",
)
