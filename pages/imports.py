"""Import: the template, a spreadsheet's preview, the confirmation, and the log with undo."""

import streamlit as st

import ui
from loaders import pipeline
from loaders.problems import UnreadableFile
from portfolio import access, imports
from ui.imports import nothing_to_import

ui.through_dashboard("imports")

st.title("Import")

filters = ui.current_filters()
seen = ui.audience()
left, right = st.columns(2)
left.download_button(
    "Download the template",
    data=ui.template_workbook,
    file_name="aidtrack-template.xlsx",
    mime=ui.XLSX,
    icon=":material/download:",
    help="A workbook with one sheet per table, drop-down lists for codes and a read-me sheet.",
    width="stretch",
)
headline = ui.headline(filters)
shown = headline.projects
right.download_button(
    f"Download {'these' if filters.is_narrowed() else 'all'} {shown:,} projects to edit",
    data=lambda: ui.portfolio_workbook(filters, seen),
    file_name="aidtrack-portfolio.xlsx",
    mime=ui.XLSX,
    icon=":material/table_view:",
    help="The projects the sidebar selects, in the template's layout: edit them and upload the file again.",
    width="stretch",
)
right.download_button(
    "The same projects as csv, one row each",
    data=lambda: ui.portfolio_csv(filters, seen),
    file_name="aidtrack-projects.csv",
    mime="text/csv",
    icon=":material/csv:",
    type="tertiary",
    help="The Projects sheet alone (ID, title, status, dates, currency, total budget), for other tools. "
    "Funders, countries, sectors, budgets by period and transactions are in the workbook.",
)

publish_illustrative = headline.illustrative > 0 and st.checkbox(
    f"Include the {ui.count(headline.illustrative, 'illustrative project')} in the IATI file",
    help="Illustrative projects are made up (the sample portfolio's), so the IATI file leaves them out "
    "unless you tick this.",
)
# Written on request, not on every run: the export reads every table of the projects it publishes,
# and saying what it leaves out (projects without a status, say) needs the export itself.
iati_request = (filters, publish_illustrative, ui.data_version())
if st.button(
    f"Prepare {'these' if filters.is_narrowed() else 'all'} public projects as IATI XML",
    icon=":material/code:",
    help="IATI 2.03 activity XML, checked against the IATI schema. Internal and illustrative projects, "
    "and projects without a status, dates or an organisation in an IATI role, are left out.",
):
    with st.spinner("Writing the IATI file…"):
        st.session_state["iati_export"] = (iati_request, *ui.portfolio_iati(filters, publish_illustrative))
prepared = st.session_state.get("iati_export")
if prepared and prepared[0] == iati_request:
    _, iati, xml = prepared
    if iati.written:
        st.download_button(
            f"Download the IATI file ({ui.count(iati.written, 'project')})",
            data=xml,
            file_name="aidtrack-iati-activities.xml",
            mime="application/xml",
            icon=":material/download:",
        )
    else:
        st.warning("No project can be written as an IATI activity, so there is no file to download.")
    if iati.left_out:
        st.caption("Left out of the file:\n" + "\n".join(f"- {line}" for line in iati.left_out))
    if iati.errors:
        st.error("The file breaks the IATI schema: " + ui.literal("; ".join(iati.errors[:5])))

st.subheader("Upload a spreadsheet")
st.caption(
    "The template, your own sheet with one row per project, or an IATI activity file (XML): "
    "aidtrack finds the header row, understands columns such as 'Donor(s)', 'Total budget (EUR)' "
    "or 'Beneficiary countries', and shows what will change before anything is saved."
)
# Any file is taken: one the uploader refused by its ending showed only a red mark, without a word;
# read, a Word document or a PDF is refused with what it is and what would work instead.
upload = st.file_uploader(
    "Spreadsheet or IATI file",
    label_visibility="collapsed",
    key=f"upload_{st.session_state.get('uploads', 0)}",
)
currency = st.selectbox(
    "Currency of amounts that name none",
    [None, *ui.CURRENCY_CHOICES],
    format_func=lambda c: "Not given: report them" if c is None else c,
    help="For spreadsheets, where neither the cell, the row's currency column nor the column header "
    "says. An IATI file's amounts take the activity's default currency; where it has none they are "
    "reported and left out.",
)

done = st.session_state.pop("import_done", None)
if done:
    st.success(done, icon=":material/check_circle:")
ui.settle_figures()
# The rows the import just saved left out, to fix: the saved file is not read again to offer them.
to_fix = st.session_state.get("to_fix")
if upload is None and to_fix:
    file_name, rejected, workbook = to_fix
    st.warning(
        f"{ui.count(rejected, 'row')} of {ui.literal(file_name)} {'was' if rejected == 1 else 'were'} "
        "not imported. Download them with their problems, fix them and upload that file.",
        icon=":material/build:",
    )
    st.download_button(
        "Download the rejected rows to fix",
        data=workbook,
        file_name=f"{file_name.rsplit('.', 1)[0]}-to-fix.xlsx",
        mime=ui.XLSX,
        icon=":material/build:",
    )
elif upload is not None:
    st.session_state.pop("to_fix", None)

if upload is not None:
    data = upload.getvalue()
    key = (upload.file_id, currency, ui.data_version())
    if st.session_state.get("preview_key") != key:
        bar = st.progress(0.0, f"Reading {upload.name}…")
        try:
            st.session_state["preview"] = pipeline.preview_file(
                ui.store(), data, upload.name, currency, progress=lambda f, what: bar.progress(f, f"{what}…")
            )
            st.session_state["preview_error"] = None
        except UnreadableFile as e:
            st.session_state["preview"] = None
            st.session_state["preview_error"] = str(e)
        st.session_state["preview_key"] = key
        bar.empty()
    if st.session_state.get("preview_error"):
        st.error(
            f"**Nothing was imported.** {ui.literal(st.session_state['preview_error'])}",
            icon=":material/error:",
        )
    elif st.session_state.get("preview"):
        plan, loaded = st.session_state["preview"]
        report = pipeline.report(plan, loaded)
        ui.import_preview(report, plan)
        if pipeline.rows_to_fix(plan, loaded):
            st.download_button(
                "Download the rejected rows to fix",
                data=lambda: ui.fixme_workbook(plan, loaded),
                file_name=f"{upload.name.rsplit('.', 1)[0]}-to-fix.xlsx",
                mime=ui.XLSX,
                icon=":material/build:",
            )
        if plan.writes_anything:
            label = f"Import {report['added']:,} new and {report['updated']:,} changed projects"
            if st.button(label, type="primary", icon=":material/upload:"):
                try:
                    with st.spinner(f"Saving {report['added'] + report['updated']:,} projects…"):
                        import_id = imports.apply(ui.store(), plan, by=ui.user_name())
                except ui.StoreError as e:
                    ui.store_error(e)
                else:
                    st.session_state["import_done"] = (
                        f"Saved as import {import_id}: {report['added']:,} new and {report['updated']:,} "
                        "changed projects. Every page now shows them; undo it below if needed."
                    )
                    # The uploader starts empty: reading a large file again only to say it is now
                    # in the portfolio took as long as its preview (7 s for 100,000 rows).
                    if report["rejected"] and pipeline.rows_to_fix(plan, loaded):
                        st.session_state["to_fix"] = (
                            upload.name,
                            report["rejected"],
                            ui.fixme_workbook(plan, loaded),
                        )
                    st.session_state["uploads"] = st.session_state.get("uploads", 0) + 1
                    for key in ("preview", "preview_key", "preview_error"):
                        st.session_state.pop(key, None)
                    st.rerun()
        else:
            st.info(nothing_to_import(report, plan.incoming.sha256, ui.import_log()))

st.subheader("Imports")
log = ui.import_log()
if log.empty:
    st.caption("No imports yet.")
    st.stop()
st.dataframe(
    log.drop(columns=["sha256", "message", "can_undo"]),
    column_config={
        "import_id": "No.",
        "imported_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
        "file_name": st.column_config.TextColumn("File", width="medium"),
        "format": "Format",
        "imported_by": "By",
        "added": "New",
        "updated": "Changed",
        "unchanged": "Unchanged",
        "rejected": "Rejected",
        "status": "Status",
    },
    hide_index=True,
    width="stretch",
)
choice = st.selectbox(
    "See what an import changed, or undo it",
    range(len(log)),
    index=None,
    placeholder="Choose an import",
    key="import_choice",
    format_func=lambda i: (
        f"Import {log.iloc[i]['import_id']}: {log.iloc[i]['file_name']} ({log.iloc[i]['status']})"
    ),
)
if choice is None:
    st.stop()
entry = log.iloc[choice]
import_id = int(entry["import_id"])
st.markdown(f"**Import {import_id}**: {ui.literal(entry['file_name'])}")
if entry["message"]:
    st.caption(ui.literal(entry["message"]))
if entry["status"] == "undone":
    st.caption(
        "Undone: the projects below are back as they were before this import; the table shows what it "
        "had changed."
    )
done_by_import = ui.import_changes(import_id)
if len(done_by_import) == imports.CHANGES_SHOWN:
    st.caption(f"The first {imports.CHANGES_SHOWN:,} projects and changes.")
st.dataframe(
    ui.changes_shown(done_by_import).fillna({"title": "no longer in the portfolio"}),
    column_config={
        "project_id": "Project",
        "title": st.column_config.TextColumn("Title", width="large"),
        "field": "Field",
        "change": st.column_config.TextColumn("What changed", width="large"),
        "old": st.column_config.TextColumn("Before", width=120),
        "new": st.column_config.TextColumn("After", width=120),
    },
    hide_index=True,
    width="stretch",
)
if entry["can_undo"] and not access.may_undo(ui.user(), entry["imported_by"], entry["imported_at"]):
    if entry["imported_by"] == ui.user_name():
        st.caption(
            "Imported by an earlier account with your user name, before yours was added: only an admin "
            "can undo it."
        )
    elif entry["imported_by"]:
        st.caption(f"Only {ui.literal(entry['imported_by'])} or an admin can undo this import.")
    else:
        st.caption(
            "It names no importer (aidtrack's sample, or the command line without --by): only an admin "
            "can undo it."
        )
elif entry["can_undo"]:
    if st.button(f"Undo import {import_id}", icon=":material/undo:"):
        try:
            undone = imports.undo_import(ui.store(), import_id, by=ui.user_name())
        except ui.StoreError as e:
            ui.store_error(e)
        else:
            st.session_state["import_done"] = undone.message
            st.rerun()
elif entry["status"] == "done":
    st.caption(ui.undo_first(import_id))
