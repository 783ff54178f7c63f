"""Settings (admins): what viewers may see, and who may sign in."""

import streamlit as st

import ui
from portfolio import access

ui.through_dashboard("settings")

st.title("Settings")

st.subheader("What viewers see")
st.caption(
    "Viewers (stakeholders) see public projects only. Fields ticked here are internal as well: "
    "viewers see the word 'withheld' in their place, on every page and in every download. "
    "Editors and admins see everything. A project's own visibility is set in the project view "
    "or the import sheet's Visibility column."
)
internal = ui.internal_fields()
with st.form("internal_fields"):
    chosen = {
        field: st.checkbox(f"{name.capitalize()}: {covers}", value=field in internal, key=f"internal_{field}")
        for field, (name, covers) in access.WITHHOLDABLE.items()
    }
    if st.form_submit_button("Save", type="primary"):
        access.set_internal_fields(ui.store(), {field for field, ticked in chosen.items() if ticked})
        st.success("Saved. Viewers see the change at once.")
        st.rerun()
if internal:
    st.caption("Internal now: " + "; ".join(access.WITHHOLDABLE[f][0] for f in sorted(internal)) + ".")
else:
    st.caption("No field is internal now: viewers see every field of the public projects.")

st.subheader("Who may sign in")
users = ui.users()
if users is None:
    st.info(
        "Sign-in is off: the app serves this machine only, and you are its admin. To serve a "
        "team, set AIDTRACK_USERS to a users file outside the repository and add accounts with "
        "`python -m portfolio users add NAME --role viewer|editor|admin` (see the README's "
        "'Serving a team').",
        icon=":material/lock_open:",
    )
else:
    st.caption(
        f"Accounts in {ui.users_file_label()}. Manage them with `python -m portfolio users "
        "add|remove|list|set-role|password`; changes apply at the user's next click."
    )
    st.dataframe(
        users,
        column_config={
            "name": "User",
            "role": "Role",
            "email": "E-mail (single sign-on)",
            "password": "Password set",
        },
        hide_index=True,
        width="stretch",
    )
