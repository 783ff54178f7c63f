"""Follow-ups from earlier trials: what a changed list lost and gained on What changed and in a
project's history, the Activities map's caption, the source file a viewer is told, what the IATI
export leaves out, and who may undo an import."""

import io

import openpyxl

from loaders import pipeline
from portfolio import access, imports, store

from .test_access import PASSWORDS, signed_in
from .test_pages import app


def countries_changed(db, project: str = "ILL-0001", old: str = "Croatia", new: str = "Albania") -> bytes:
    """The portfolio's own export with one of a project's countries changed (ILL-0001's Croatia,
    9.81%, made Albania)."""
    buffer = io.BytesIO()
    pipeline.write_export(buffer, db.connection)
    wb = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    for row in wb["Countries"].iter_rows(min_row=2):
        if row[0].value == project and row[1].value == old:
            row[1].value = new
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_changed_list_says_what_it_lost_and_gained(sample_db):
    # What changed, a project's history and an import's log showed a changed list only as the
    # whole old list and the whole new list, in narrow Before and After columns: which of five
    # countries went and which came was left to the reader to find.
    db = store.open_store(sample_db)
    plan, _ = pipeline.preview_file(db, countries_changed(db), "q3-portfolio.xlsx")
    import_id = imports.apply(db, plan, by="manager")
    plan, _ = pipeline.preview_edit(db, "SEED-CSC-WB", {"title": "Countering Serious Crime (revised)"})
    imports.apply(db, plan, by="manager")
    db.close()
    difference = "removed Croatia (HRV) 9.81%; added Albania (ALB) 9.81%"

    other = next(
        d.value for d in app("pages/changes.py").dataframe if "Countries" in set(d.value.get("field", ()))
    )
    row = other.set_index("field").loc["Countries"]
    assert row["change"] == difference
    # A field's change has nothing there (Before and After say it); it read "removed nan; added nan".
    assert other.set_index("field").loc["Title", "change"] == ""
    # The whole lists are still there, in the table and its download.
    assert "Croatia (HRV) 9.81%" in row["old"] and "Bosnia and Herzegovina (BIH)" in row["old"]
    assert "Albania (ALB) 9.81%" in row["new"] and "Croatia" not in row["new"]

    page = app("pages/projects.py", project="ILL-0001")
    history = next(d.value for d in page.dataframe if "field" in d.value.columns).set_index("field")
    assert history.loc["Countries", "change"] == difference

    log = app("pages/imports.py")
    log.selectbox(key="import_choice").set_value(
        next(
            i for i, o in enumerate(log.selectbox(key="import_choice").options) if f"Import {import_id}:" in o
        )
    ).run()
    done = next(d.value for d in log.dataframe if "field" in d.value.columns).set_index("field")
    assert done.loc["Countries", "change"] == difference


def test_the_map_caption_says_what_the_map_shows_when_no_event_has_coordinates(sample_db):
    # With every event placed by its country alone, the map has no dots, but its caption began
    # "A dot per place and kind of event, sized by its events...".
    db = store.open_store(sample_db)
    with db.write() as cur:
        cur.execute("UPDATE activities SET latitude = NULL, longitude = NULL")
    db.close()
    at = app("pages/activities.py")
    assert "Where" in [s.value for s in at.main.subheader]
    captions = [c.value for c in at.caption]
    assert not any("A dot per place" in c for c in captions)
    assert (
        "The countries where events took place, shaded. No event has coordinates, so there are no "
        "dots; point at a country for its events." in captions
    )
    # With coordinates, the dots are described as before.
    db = store.open_store(sample_db)
    with db.write() as cur:
        cur.execute("UPDATE activities SET latitude = 42.66, longitude = 21.17 WHERE city = 'Pristina'")
    db.close()
    assert any(
        c.startswith("A dot per place and kind of event")
        for c in (c.value for c in app("pages/activities.py").caption)
    )


def page_text(at) -> str:
    return "\n".join([c.value for c in at.caption] + [m.value for m in at.markdown])


def test_a_viewer_is_not_told_the_name_of_the_file_a_project_came_from(sample_db, users_file):
    # A public project's page told a viewer "Source: q3-internal-and-public.xlsx, imported ...",
    # and the project list's Source column named the file too: a file that also held internal
    # projects can tell of them by its name.
    db = store.open_store(sample_db)
    changed = countries_changed(db, "SEED-EU-SRB-BM", "Serbia", "Montenegro")
    plan, _ = pipeline.preview_file(db, changed, "q3-internal-and-public.xlsx")
    imports.apply(db, plan, by="ed")
    db.close()

    at = signed_in("vera")
    at.switch_page("pages/projects.py")
    at.query_params["project"] = "SEED-EU-SRB-BM"
    at.run()
    assert not at.exception
    assert "**ID**  \nSEED-EU-SRB-BM" in page_text(at)
    assert "q3-internal" not in page_text(at)
    assert any(c.value.startswith("Source: aidtrack workbook, imported ") for c in at.caption)
    listed = at.dataframe[0].value.set_index("project_id")
    assert listed.loc["SEED-EU-SRB-BM", "source"] == "Imported"
    assert listed.loc["SEED-CSC-WB", "source"] == "Seed page"
    assert not any("q3-internal" in str(v) for d in at.dataframe for v in d.value.to_numpy().ravel())

    # Editors' view is as it was.
    at = signed_in("ed")
    at.switch_page("pages/projects.py")
    at.query_params["project"] = "SEED-EU-SRB-BM"
    at.run()
    assert any(
        c.value.startswith("Source: q3-internal-and-public.xlsx (aidtrack workbook)") for c in at.caption
    )
    assert (
        at.dataframe[0].value.set_index("project_id").loc["SEED-EU-SRB-BM", "source"]
        == "q3-internal-and-public.xlsx"
    )


def test_the_iati_files_left_out_list_counts_relations_to_internal_projects(sample_db):
    # A public project's relation to an internal project is dropped from the IATI file, but the
    # Import page's "Left out of the file" list did not say so: the publisher saw nothing missing.
    db = store.open_store(sample_db)
    public_id, internal_id = (
        db.connection.execute(
            "SELECT project_id FROM projects WHERE visibility = ? ORDER BY project_id LIMIT 1", [v]
        ).fetchone()[0]
        for v in ("public", "internal")
    )
    with db.write() as cur:
        cur.execute(
            """INSERT INTO project_relations (project_id, relation, related_id)
               VALUES (?, 'sibling', ?), (?, 'parent', 'XM-DAC-41114-OUTSIDE')""",
            [public_id, internal_id, public_id],
        )
    db.close()
    at = app("pages/imports.py")
    at.checkbox[0].check().run()
    next(b for b in at.button if b.label.startswith("Prepare")).click().run()
    left_out = next(c.value for c in at.caption if c.value.startswith("Left out of the file:"))
    assert "- 1 related activity that is an internal project (a publication names no internal project)" in (
        left_out.split("\n")
    )
    assert "Download the IATI file (32 projects)" in [b.label for b in at.get("download_button")]


def test_a_new_account_given_a_removed_users_name_cannot_undo_that_users_imports(
    sample_db, users_file, monkeypatch
):
    # Undo went by user name: tomas's imports could be undone by whoever was later given the name
    # tomas, a different person with a new account.
    access.add_user(users_file, "tomas", "editor", "tomas-password-1")
    db = store.open_store(sample_db)
    plan, _ = pipeline.preview_edit(db, "SEED-CSC-WB", {"title": "Countering Serious Crime (tomas's)"})
    old = imports.apply(db, plan, by="tomas")
    db.close()
    access.remove_user(users_file, "tomas")
    access.add_user(users_file, "tomas", "editor", "another-password-2")
    db = store.open_store(sample_db)
    plan, _ = pipeline.preview_edit(
        db, "SEED-BSM-SERIES", {"title": "Border Security Seminars (new tomas's)"}
    )
    new = imports.apply(db, plan, by="tomas")
    db.close()
    monkeypatch.setitem(PASSWORDS, "tomas", "another-password-2")
    at = signed_in("tomas")
    at.switch_page("pages/imports.py").run()
    log = list(at.dataframe[0].value["import_id"])
    at.selectbox(key="import_choice").set_value(log.index(old)).run()
    assert f"Undo import {old}" not in [b.label for b in at.button]
    assert (
        "Imported by an earlier account with your user name, before yours was added: only an admin "
        "can undo it." in [c.value for c in at.caption]
    )
    at.selectbox(key="import_choice").set_value(log.index(new)).run()
    assert f"Undo import {new}" in [b.label for b in at.button]  # the new account's own
    at = signed_in("ada")
    at.switch_page("pages/imports.py").run()
    at.selectbox(key="import_choice").set_value(log.index(old)).run()
    assert f"Undo import {old}" in [b.label for b in at.button]


def test_a_session_of_a_removed_user_does_not_go_on_as_a_new_account_of_that_name(
    sample_db, users_file, monkeypatch
):
    # A session goes by user name: removed between two clicks and the name given to someone new,
    # the old session went on as the new account.
    access.add_user(users_file, "tomas", "viewer", "tomas-password-1")
    monkeypatch.setitem(PASSWORDS, "tomas", "tomas-password-1")
    at = signed_in("tomas")
    assert "Signed in as **tomas**" in page_text(at)
    access.remove_user(users_file, "tomas")
    access.add_user(users_file, "tomas", "editor", "another-password-2")
    at.run()
    assert [t.value for t in at.title] == ["Sign in to aidtrack"]
