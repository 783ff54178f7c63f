"""Activities: the meetings, workshops and seminars of the filtered projects, in time and place."""

import streamlit as st

import ui
from portfolio import charts
from portfolio.store import ACTIVITY_KINDS

ui.through_dashboard("activities")

filters = ui.current_filters()

st.title("Activities")
kinds = st.pills("Kind of event", ACTIVITY_KINDS, selection_mode="multi", key="activity_kinds")
events = ui.withheld(ui.activities(filters, tuple(kinds)))
if events.empty:
    st.info("No activities match the filters.")
    st.stop()

dated = events["start_date"].notna().sum()
locations_withheld = ui.audience().withholds("event_locations")
placed = 0 if locations_withheld else events["latitude"].notna().sum()
notes = [f"{ui.count(len(events), 'event')} of {ui.count(events['project_id'].nunique(), 'project')}."]
if dated < len(events):
    notes.append(f"Not on the timeline for want of a date: {ui.count(len(events) - dated, 'event')}.")
if locations_withheld:
    notes.append("Event locations are withheld; the map is not shown.")
elif placed < len(events):
    notes.append(f"Not on the map for want of a place: {ui.count(len(events) - placed, 'event')}.")
st.caption(" ".join(notes))

if dated:
    st.subheader("When")
    st.altair_chart(charts.events_timeline(events), width="stretch")
if placed:
    st.subheader("Where")
    st.altair_chart(charts.events_map(events), width="content")

st.subheader("All events")
table = ui.unknowns_shown(
    events.assign(project_link="/projects?project=" + events["project_id"]),
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
