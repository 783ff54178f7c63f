"""Backups: the copies of the whole database kept beside it, one made now, and putting one back."""

import streamlit as st

import ui
from portfolio import backup

ui.through_dashboard("backups")

st.title("Backups")
db = ui.store()
try:
    keep = backup.kept()
except ui.StoreError as e:
    ui.store_error(e)
    st.stop()
st.caption(
    f"A backup is a copy of every table: the portfolio, the import log and its undo data, the "
    f"exchange rates and the settings (the figures worked out from them are worked out again on "
    f"restoring). They are kept in `{backup.folder(db.path)}`. "
    + (
        f"One is made before every file import, before undoing one (not for an edit in the project "
        f"view, which its own log undoes) and before a new version of aidtrack upgrades the database, "
        f"and the newest {keep} are kept (`AIDTRACK_BACKUPS`)."
        if keep
        else "Automatic backups are off (`AIDTRACK_BACKUPS=0`); those made here stay until you delete them."
    )
)

done = st.session_state.pop("backup_done", None)
if done:
    st.success(done, icon=":material/check_circle:")

if st.button("Back up now", icon=":material/backup:"):
    made = backup.make(db)
    st.session_state["backup_done"] = f"Backed up {ui.count(made.projects, 'project')} as {made.name}."
    st.rerun()

found = backup.table(db.path)
damaged = backup.unreadable(db.path)
if damaged:
    st.warning(
        f"Not listed, and cannot be restored: {', '.join(damaged)}. Their manifest.json cannot be read "
        "(edited or damaged).",
        icon=":material/warning:",
    )
if found.empty:
    st.caption("No backups yet.")
    st.stop()
st.dataframe(
    found,
    column_config={
        "name": st.column_config.TextColumn("Name", width="medium"),
        "made_at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm:ss"),
        "why": st.column_config.TextColumn("Why", width="large"),
        "projects": "Projects",
        "size_mb": st.column_config.NumberColumn("Size", format="%.1f MB"),
    },
    hide_index=True,
    width="stretch",
)

chosen = st.selectbox(
    "Restore a backup", found["name"], index=None, placeholder="Choose a backup", key="backup_choice"
)
if chosen is None:
    st.stop()
if st.button(f"Restore {chosen}", icon=":material/settings_backup_restore:"):
    st.session_state["restore_asked"] = chosen
if st.session_state.get("restore_asked") != chosen:
    st.stop()
entry = found.set_index("name").loc[chosen]
st.warning(
    f"Restoring puts every table back as it was at {entry['made_at']:%Y-%m-%d %H:%M} UTC "
    f"({entry['why']}): {ui.count(int(entry['projects']), 'project')}, and the import log, rates "
    "and settings of that time. Everything saved since is replaced; a backup of it is made first, "
    "so this can be undone by restoring that one.",
    icon=":material/warning:",
)
yes, no = st.columns(2)
if yes.button("Yes, restore it", type="primary", icon=":material/settings_backup_restore:"):
    try:
        with st.spinner(f"Restoring {chosen}…"):
            replaced = backup.restore(db, chosen)
    except ui.StoreError as e:
        ui.store_error(e)
    else:
        st.session_state.pop("restore_asked", None)
        st.session_state["backup_done"] = (
            f"Restored {chosen}. Every page now shows the portfolio as it was then; the state it "
            f"replaced is kept as {replaced.name}."
        )
        st.rerun()
if no.button("Cancel"):
    st.session_state.pop("restore_asked", None)
    st.rerun()
