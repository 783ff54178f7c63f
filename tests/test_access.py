"""Who sees what: accounts, sign-in, pages by role, internal projects and withheld fields, edits."""

import io
import json
import os
import re
import stat
import subprocess
import sys
import time

import openpyxl
import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from loaders import pipeline
from portfolio import access, store

from .conftest import PASSWORDS, ROOT

ENTRY = str(ROOT / "dashboard.py")


def signed_in(name: str) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=60).run()
    assert [t.value for t in at.title] == ["Sign in to aidtrack"]
    at.text_input[0].input(name)
    at.text_input[1].input(PASSWORDS[name])
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def _one(sql: str, params=()) -> list:
    db = store.open_store(os.environ["AIDTRACK_DB"])
    try:
        with db.cursor() as cur:
            return cur.execute(sql, list(params)).fetchall()
    finally:
        db.close()


def internal_project() -> tuple[str, str]:
    return _one("SELECT project_id, title FROM projects WHERE visibility = 'internal' ORDER BY 1 LIMIT 1")[0]


def public_project() -> tuple[str, str]:
    return _one(
        "SELECT project_id, title FROM projects WHERE visibility = 'public' AND budget IS NOT NULL "
        "AND description IS NOT NULL ORDER BY 1 LIMIT 1"
    )[0]


# --- Accounts and passwords -------------------------------------------------------------------


def test_passwords_are_kept_as_scrypt_hashes_only(users_file):
    text = users_file.read_text()
    assert "viewer-password-1" not in text
    stored = json.loads(text)["users"]["vera"]["password"]
    assert stored.startswith("scrypt$32768$8$1$")
    assert access.password_matches("viewer-password-1", stored)
    assert not access.password_matches("viewer-password-2", stored)
    assert stat.S_IMODE(users_file.stat().st_mode) == 0o600


def test_accounts_are_managed_from_the_command_line(tmp_path):
    path = tmp_path / "users.json"
    env = {**os.environ, "AIDTRACK_USERS": str(path)}

    def run(*args, stdin=""):
        return subprocess.run(
            [sys.executable, "-m", "portfolio", "users", *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
        )

    added = run("add", "amina", "--role", "editor", "--password-stdin", stdin="a long password\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout == f"Added amina as editor to {path}.\n"
    short = run("add", "bo", "--role", "viewer", "--password-stdin", stdin="short\n")
    assert (short.returncode, short.stderr) == (2, "error: A password needs at least 10 characters.\n")
    assert (
        run("add", "sso", "--role", "viewer", "--email", "Sso@Example.org", "--no-password").returncode == 0
    )
    assert run("set-role", "amina", "admin").stdout == "amina is now admin.\n"
    assert run("list").stdout == (
        "amina                admin   password\nsso                  viewer  sso@example.org\n"
    )
    assert run("remove", "sso").returncode == 0
    assert list(access.read_users(path)) == ["amina"]
    unknown = run("set-role", "nobody", "viewer")
    assert (unknown.returncode, unknown.stderr) == (2, "error: There is no user nobody.\n")


def test_failed_sign_ins_are_slowed_down_and_a_success_clears_it(users_file):
    users = access.read_users(users_file)
    throttle, waits = access.SignInThrottle(), []
    for _ in range(4):
        assert access.sign_in(users, "vera", "wrong password", throttle, sleep=waits.append) is None
    assert access.sign_in(users, "nobody", "wrong password", throttle, sleep=waits.append) is None
    assert waits == [0.0, 1.0, 2.0, 4.0, 0.0]
    assert access.sign_in(users, "vera", PASSWORDS["vera"], throttle, sleep=waits.append).role == "viewer"
    assert waits[-1] == 8.0
    assert throttle.wait_for("vera") == 0.0


# --- Pages by role ------------------------------------------------------------------------------


def test_a_wrong_password_is_refused_with_a_plain_message(sample_db, users_file):
    at = AppTest.from_file(ENTRY, default_timeout=60).run()
    at.text_input[0].input("vera")
    at.text_input[1].input("not her password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == [
        "That user name and password do not match. Each failed attempt makes the next answer wait longer."
    ]
    assert [t.value for t in at.title] == ["Sign in to aidtrack"]


@pytest.mark.parametrize(
    ("name", "pages"),
    [
        ("vera", ["overview", "projects", "activities"]),
        ("ed", ["overview", "projects", "activities", "spend", "changes", "quality", "imports"]),
        (
            "ada",
            [
                "overview",
                "projects",
                "activities",
                "spend",
                "changes",
                "quality",
                "imports",
                "rates",
                "settings",
                "backups",
            ],
        ),
    ],
)
def test_navigation_lists_only_the_pages_a_role_may_use(sample_db, users_file, name, pages):
    at = signed_in(name)
    assert [t.value for t in at.title] == ["Portfolio overview"]
    for page in pages:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
    for page in set(access.PAGE_ROLES) - set(pages):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"pages/{page}.py")


def test_a_page_refuses_a_role_on_its_own_too(sample_db, users_file):
    """Reached without the navigation (as a stale URL would), the Import page sends a viewer to the
    Overview instead of drawing itself."""
    at = AppTest.from_file(str(ROOT / "pages" / "imports.py"), default_timeout=60)
    at.session_state["user"] = access.User("vera", "viewer")
    at.run()
    assert "Import" not in [t.value for t in at.title]
    assert not at.file_uploader


def test_served_beyond_this_machine_without_sign_in_it_refuses(sample_db, monkeypatch):
    monkeypatch.delenv("AIDTRACK_USERS", raising=False)
    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    try:
        at = AppTest.from_file(ENTRY, default_timeout=60).run()
    finally:
        config.set_option("server.address", before)
    assert shown(at.error[0].value).startswith(
        "**Sign-in is not configured.** This app is served beyond this machine (server address 0.0.0.0)"
    )
    assert not at.metric


# --- Public and internal ----------------------------------------------------------------------


def test_a_viewer_sees_public_projects_only(sample_db, users_file):
    internal_id, internal_title = internal_project()
    (public,) = _one("SELECT count(*) FROM projects WHERE visibility = 'public'")[0]
    at = signed_in("vera")
    assert next(m.value for m in at.metric if m.label == "Public projects") == str(public)
    assert at.caption[0].value.startswith("Budgets of the public projects of the whole portfolio")
    at.switch_page("pages/projects.py").run()
    table = at.dataframe[0].value
    assert internal_id not in set(table["project_id"]) and len(table) == public
    assert "visibility" not in table
    assert at.caption[0].value.startswith(f"{public} projects (public projects only).")
    at.query_params["project"] = internal_id
    at.run()
    assert at.warning[0].value == f"There is no project with the ID '{internal_id}'."
    assert internal_title not in [h.value for h in at.header]


def test_the_sidebar_offers_a_viewer_only_what_public_projects_name(sample_db, users_file):
    internal_id, _ = internal_project()
    db = store.open_store(sample_db)
    with db.write() as cur:
        cur.execute("INSERT INTO organisations (org_id, name) VALUES ('quiet-donor', 'Quiet Donor Fund')")
        cur.execute(
            "INSERT INTO project_orgs (project_id, org_id, role) VALUES (?, 'quiet-donor', 'funding')",
            [internal_id],
        )
    db.close()
    assert "Quiet Donor Fund" in signed_in("ed").multiselect(key="filter_funders").options
    assert "Quiet Donor Fund" not in signed_in("vera").multiselect(key="filter_funders").options


def test_internal_fields_read_withheld_for_a_viewer_and_nowhere_zero(sample_db, users_file):
    db = store.open_store(sample_db)
    access.set_internal_fields(db, {"amounts", "descriptions"})
    db.close()
    project_id, title = public_project()
    at = signed_in("vera")
    assert next(m.value for m in at.metric if m.label == "Total budget") == "withheld"
    assert at.caption[0].value == (
        "Counting the public projects of the whole portfolio: amounts are withheld, "
        "so the charts show numbers of projects."
    )
    assert [s.value for s in at.subheader][:2] == ["Projects by funder", "Projects by implementing agency"]
    at.switch_page("pages/projects.py").run()
    table = at.dataframe[0].value
    assert set(table["budget"].dropna()) == {"withheld"}
    assert set(table["budget_reporting"].dropna()) == {"withheld"}
    at.query_params["project"] = project_id
    at.run()
    assert at.header[0].value == title
    markdown = [m.value for m in at.markdown]
    assert "**Budget**  \nwithheld" in markdown
    assert "**Description:** withheld" in markdown
    assert "Budget and spending over time" not in [s.value for s in at.subheader]
    # An editor sees the same project in full.
    at = signed_in("ed")
    at.switch_page("pages/projects.py")
    at.query_params["project"] = project_id
    at.run()
    assert "**Budget**  \nwithheld" not in [m.value for m in at.markdown]


def test_a_viewers_download_holds_public_projects_with_withheld_fields(sample_db, users_file):
    db = store.open_store(sample_db)
    access.set_internal_fields(db, {"amounts"})
    internal_id, _ = internal_project()
    viewer = access.audience("viewer", access.internal_fields(db.connection))
    out = io.BytesIO()
    from portfolio.filters import Filters

    written = pipeline.write_export(out, db.connection, Filters(public_only=True), viewer)
    db.close()
    book = openpyxl.load_workbook(out, read_only=True)
    rows = list(book["Projects"].iter_rows(values_only=True))
    header = rows[0]
    budgets = {r[header.index("Total budget")] for r in rows[1:]}
    assert written == len(rows) - 1
    assert internal_id not in {r[0] for r in rows[1:]}
    assert budgets <= {"withheld", None} and "withheld" in budgets
    header, *rows = book["Budgets"].iter_rows(values_only=True)
    amounts = {r[header.index("Amount")] for r in rows}
    assert amounts == {"withheld"}


# --- Editing --------------------------------------------------------------------------------------


def shown(markdown: str) -> str:
    """Markdown as the page shows it: the user's text is escaped (ui.format.literal)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def test_an_editors_change_is_saved_logged_and_shown_in_the_history(sample_db, users_file):
    project_id, title = public_project()
    at = signed_in("ed")
    at.switch_page("pages/projects.py")
    at.query_params["project"] = project_id
    at.run()
    title_box = next(t for t in at.text_input if t.label == "Title")
    budget_box = next(t for t in at.text_input if t.label == "Total budget")
    title_box.input(title + " (phase II)")
    budget_box.input("CHF 2.5 million")  # the project's currency
    next(r for r in at.radio if r.label == "Visibility").set_value("internal")
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("Saved. ")
    # Fields named as the page names them.
    note = shown(at.success[0].value)
    assert "Title: " in note and "Total budget: " in note and "title: " not in note
    assert _one("SELECT title, budget, visibility FROM projects WHERE project_id = ?", [project_id]) == [
        (title + " (phase II)", 2500000, "internal")
    ]
    (import_id, file_name, fmt, by) = _one(
        "SELECT import_id, file_name, format, imported_by FROM imports ORDER BY import_id DESC LIMIT 1"
    )[0]
    assert (file_name, fmt, by) == (f"Edited in the app: {project_id}", "edit", "ed")
    history = at.dataframe[-1].value
    assert {"Title", "Total budget", "Visibility"} <= set(history["field"])
    assert set(history.loc[history["field"] == "Title", "by"]) == {"ed"}
    # Now internal: the viewer no longer sees it.
    at = signed_in("vera")
    at.switch_page("pages/projects.py").run()
    assert project_id not in set(at.dataframe[0].value["project_id"])


def test_an_edit_is_checked_as_an_import_is(sample_db, users_file):
    project_id, _ = public_project()
    at = signed_in("ed")
    at.switch_page("pages/projects.py")
    at.query_params["project"] = project_id
    at.run()
    next(t for t in at.text_input if t.label == "Title").input("")
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert shown(at.error[0].value).startswith("Not saved: Title: ")
    assert _one("SELECT count(*) FROM imports WHERE format = 'edit'") == [(0,)]


def test_an_amount_in_another_currency_than_the_projects_is_not_saved(sample_db, users_file):
    # Saved blank with a warning (as an import keeps the row) would lose the budget the user typed.
    project_id, _ = public_project()
    (before,) = _one("SELECT budget, currency FROM projects WHERE project_id = ?", [project_id])
    at = signed_in("ed")
    at.switch_page("pages/projects.py")
    at.query_params["project"] = project_id
    at.run()
    next(t for t in at.text_input if t.label == "Total budget").input("EUR 2.5 million")
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert at.error[0].value.startswith("Not saved: Total budget")
    assert shown(at.error[0].value).endswith("Write the amount in CHF, or change the Currency to EUR.")
    assert _one("SELECT budget, currency FROM projects WHERE project_id = ?", [project_id]) == [before]
    assert _one("SELECT count(*) FROM imports WHERE format = 'edit'") == [(0,)]


def test_a_viewer_has_no_edit_form(sample_db, users_file):
    project_id, _ = public_project()
    at = signed_in("vera")
    at.switch_page("pages/projects.py")
    at.query_params["project"] = project_id
    at.run()
    assert "Save changes" not in [b.label for b in at.button]
    assert not [e for e in at.expander if e.label == "Edit this project"]


def test_an_idle_session_must_sign_in_again(sample_db, users_file, monkeypatch):
    monkeypatch.setenv("AIDTRACK_SESSION_MINUTES", "0.001")
    at = signed_in("vera")
    assert [t.value for t in at.title] == ["Portfolio overview"]

    time.sleep(0.2)
    at.run()
    assert [t.value for t in at.title] == ["Sign in to aidtrack"]
    assert at.info[0].value == "You were signed out after 0.001 minutes without use. Sign in again."


def test_single_sign_on_roles_come_from_the_users_file_by_email(tmp_path):
    path = tmp_path / "users.json"
    access.add_user(path, "sso", "editor", None, email="Officer@Donor.example")
    users = access.read_users(path)
    assert access.user_by_email(users, "officer@donor.example").role == "editor"
    assert access.user_by_email(users, "someone@else.example") is None
    assert access.user_by_email(users, None) is None


def test_a_publication_leaves_out_the_internal_fields(sample_db):
    db = store.open_store(sample_db)
    access.set_internal_fields(db, {"amounts", "descriptions"})
    out = io.BytesIO()
    result = pipeline.write_iati_export(out, db.connection, include_illustrative=True)
    db.close()
    xml = out.getvalue().decode()
    assert result.written and not result.errors
    assert "the fields marked internal (exact amounts, descriptions)" in result.left_out
    assert "<budget" not in xml and "<transaction" not in xml
    (description,) = _one(
        "SELECT description FROM projects WHERE visibility = 'public' AND description <> ''"
    )[0]
    assert '<description type="1">\n      <narrative/>' in xml
    assert description not in xml


def test_the_command_line_exports_what_a_viewer_may_see(sample_db, tmp_path):
    db = store.open_store(sample_db)
    access.set_internal_fields(db, {"amounts"})
    db.close()
    internal_id, _ = internal_project()
    (public,) = _one("SELECT count(*) FROM projects WHERE visibility = 'public'")[0]
    out = tmp_path / "public.xlsx"
    done = subprocess.run(
        [sys.executable, "-m", "loaders", "export", str(out), "--as-viewer", "--db", str(sample_db)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.stdout == f"Wrote {public} public projects to {out}.\n", done.stderr
    header, *rows = openpyxl.load_workbook(out, read_only=True)["Projects"].iter_rows(values_only=True)
    assert internal_id not in {r[0] for r in rows}
    assert {r[header.index("Total budget")] for r in rows} <= {"withheld", None}


def test_an_editor_undoes_their_own_imports_only(sample_db, users_file):
    project_id, title = public_project()
    db = store.open_store(sample_db)
    plan, _ = pipeline.preview_edit(db, project_id, {"title": title + " (ada's)", "visibility": "public"})
    from portfolio import imports

    theirs = imports.apply(db, plan, by="ada")
    db.close()
    at = signed_in("ed")
    at.switch_page("pages/imports.py").run()
    log = at.dataframe[0].value
    at.selectbox(key="import_choice").set_value(list(log["import_id"]).index(theirs)).run()
    assert f"Undo import {theirs}" not in [b.label for b in at.button]
    assert "Only ada or an admin can undo this import." in [c.value for c in at.caption]
    at = signed_in("ada")
    at.switch_page("pages/imports.py").run()
    at.selectbox(key="import_choice").set_value(list(log["import_id"]).index(theirs)).run()
    assert f"Undo import {theirs}" in [b.label for b in at.button]


def test_event_locations_and_beneficiary_institutions_can_be_withheld(sample_db, users_file):
    db = store.open_store(sample_db)
    access.set_internal_fields(db, {"event_locations", "beneficiary_institutions"})
    db.close()
    at = signed_in("vera")
    at.switch_page("pages/activities.py").run()
    assert "Event locations are withheld; the map is not shown." in at.caption[0].value
    assert "Where" not in [s.value for s in at.subheader]
    events = at.dataframe[0].value
    assert set(events["city"]) <= {"withheld", "not recorded"} and "withheld" in set(events["city"])
    ((project_id, institution),) = _one(
        """SELECT po.project_id, o.name FROM project_orgs po JOIN organisations o USING (org_id)
           JOIN projects p USING (project_id)
           WHERE po.role = 'beneficiary' AND p.visibility = 'public' ORDER BY 1 LIMIT 1"""
    )
    at.switch_page("pages/projects.py")
    at.query_params["project"] = project_id
    at.run()
    organisations = next(d.value for d in at.dataframe if "role_name" in d.value)
    beneficiaries = organisations[organisations["role_name"] == "Beneficiary"]
    assert set(beneficiaries["name"]) == {"withheld"}
    assert institution not in set(organisations["name"])


class _SignedInWithProvider(dict):
    """What st.user holds after an OpenID Connect sign-in."""

    is_logged_in = True


@pytest.mark.parametrize(
    ("email", "title"),
    [
        ("officer@donor.example", "Portfolio overview"),
        ("stranger@else.example", "aidtrack"),
        (None, "Sign in to aidtrack"),
    ],
)
def test_single_sign_on_gives_the_role_the_users_file_names_for_the_email(
    sample_db, tmp_path, monkeypatch, email, title
):
    import streamlit as st

    from ui import access as ui_access

    path = tmp_path / "users.json"
    access.add_user(path, "officer", "editor", None, email="Officer@Donor.example")
    monkeypatch.setenv("AIDTRACK_USERS", str(path))
    monkeypatch.setattr(ui_access, "_single_sign_on", lambda: True)
    user = _SignedInWithProvider(email=email) if email else type("Anonymous", (), {"is_logged_in": False})()
    monkeypatch.setattr(st, "user", user)
    at = AppTest.from_file(ENTRY, default_timeout=60).run()
    assert [t.value for t in at.title] == [title]
    if email == "officer@donor.example":
        assert "Signed in as **officer** · editor" in [c.value for c in at.sidebar.caption]
        at.switch_page("pages/imports.py").run()
        assert not at.exception
    elif email:
        assert at.error[0].value == (
            "**No access yet.** stranger@else.example is not among aidtrack's users. "
            "Ask the portfolio's owner to add your e-mail."
        )
    else:
        assert [b.label for b in at.button] == ["Sign in"]


def test_the_signed_in_name_shows_as_typed(sample_db, users_file):
    # '__ed__' in markdown is a bold 'ed'.
    access.add_user(users_file, "__ed__", "editor", PASSWORDS["ed"])
    at = AppTest.from_file(ENTRY, default_timeout=60).run()
    at.text_input[0].input("__ed__")
    at.text_input[1].input(PASSWORDS["ed"])
    at.button[0].click().run()
    (caption,) = [c.value for c in at.sidebar.caption if c.value.startswith("Signed in as")]
    assert caption == r"Signed in as **\_\_ed\_\_** · editor"


def test_an_import_that_names_no_importer_says_only_an_admin_can_undo_it(sample_db, users_file):
    # It said 'Only its importer or an admin can undo this import' of aidtrack's own sample.
    at = signed_in("ed")
    at.switch_page("pages/imports.py").run()
    log = at.dataframe[0].value
    sample = int(log["import_id"].min())  # the seed page, as aidtrack installed it
    at.selectbox(key="import_choice").set_value(list(log["import_id"]).index(sample)).run()
    assert f"Undo import {sample}" not in [b.label for b in at.button]
    said = "It names no importer (aidtrack's sample, or the command line without --by): only an admin can"
    assert said + " undo it." in [c.value for c in at.caption]
