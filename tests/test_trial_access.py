"""A trial of users and access: what a viewer could still learn of internal projects, and how
sign-in holds up against an attacker."""

import time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from portfolio import access, store

from .test_access import ENTRY, PASSWORDS, _one, internal_project, public_project, signed_in


def test_a_relation_to_an_internal_project_is_not_shown_to_a_viewer(sample_db, users_file):
    # A public project's file may say it is related to one the owner keeps internal: the viewer's
    # project page listed that project's ID and title under "Related activities".
    public_id, _ = public_project()
    internal_id, internal_title = internal_project()
    db = store.open_store(sample_db)
    with db.write() as cur:
        cur.execute(
            "INSERT INTO project_relations (project_id, relation, related_id) VALUES (?, 'sibling', ?)",
            [public_id, internal_id],
        )
    db.close()
    at = signed_in("vera")
    at.switch_page("pages/projects.py")
    at.query_params["project"] = public_id
    at.run()
    assert not at.exception
    assert "Related activities" not in [s.value for s in at.subheader]
    assert not any("related_id" in d.value or internal_id in d.value.to_string() for d in at.dataframe)
    at = signed_in("ed")
    at.switch_page("pages/projects.py")
    at.query_params["project"] = public_id
    at.run()
    related = next(d.value for d in at.dataframe if "related_id" in d.value)
    assert list(related["title"]) == [internal_title]


def test_the_reporting_currencies_do_not_tell_a_viewer_an_internal_projects_currency(sample_db, users_file):
    # The list puts the portfolio's own currencies first: an internal project in ISK moved ISK
    # up for everyone.
    internal_id, _ = internal_project()
    db = store.open_store(sample_db)
    with db.write() as cur:
        cur.execute("UPDATE projects SET currency = 'ISK' WHERE project_id = ?", [internal_id])
    db.close()
    public_currencies = {
        c for (c,) in _one("SELECT DISTINCT currency FROM projects WHERE visibility = 'public'")
    }
    assert "ISK" not in public_currencies

    def offered(name):
        return list(signed_in(name).selectbox(key="reporting_currency").options)

    editors, viewers = offered("ed"), offered("vera")
    assert editors.index("ISK") < len(public_currencies | {"EUR", "ISK"})
    assert viewers.index("ISK") >= len(public_currencies | {"EUR"})
    assert viewers[: len(public_currencies | {"EUR"})] == [
        c for c in editors if c in public_currencies | {"EUR"}
    ]


def test_spaces_around_a_name_do_not_start_its_wait_afresh(users_file):
    users = access.read_users(users_file)
    throttle, waits = access.SignInThrottle(), []
    for _ in range(3):
        assert access.sign_in(users, "vera", "wrong password", throttle, sleep=waits.append) is None
    for name in (" vera", "vera ", "\tvera"):
        assert access.sign_in(users, name, "wrong password", throttle, sleep=waits.append) is None
    assert waits == [0.0, 1.0, 2.0, 4.0, 8.0, 16.0]
    # The right password with a stray space still signs in (after the wait).
    assert access.sign_in(users, " vera ", PASSWORDS["vera"], throttle, sleep=waits.append).name == "vera"


def test_a_wrong_name_is_answered_as_a_wrong_password_is(sample_db, users_file):
    answers = []
    for name in ("vera", "nobody-at-all"):
        at = AppTest.from_file(ENTRY, default_timeout=60).run()
        at.text_input[0].input(name)
        at.text_input[1].input("not the password")
        at.button[0].click().run()
        answers.append(([e.value for e in at.error], [t.value for t in at.title]))
    assert answers[0] == answers[1]


def test_a_wrong_name_takes_as_long_as_a_wrong_password(users_file):
    users = access.read_users(users_file)

    def took(name):
        started = time.perf_counter()
        access.sign_in(users, name, "not the password", access.SignInThrottle(), sleep=lambda _: None)
        return time.perf_counter() - started

    known = min(took("vera") for _ in range(3))
    unknown = min(took("nobody-at-all") for _ in range(3))
    # Both check a scrypt hash of the same cost; an unknown name answered at once would tell
    # which names exist.
    assert unknown > known * 0.5 and known > unknown * 0.5


def test_a_user_removed_while_signed_in_sees_nothing_more(sample_db, users_file):
    at = signed_in("ed")
    assert [t.value for t in at.title] == ["Portfolio overview"]
    access.remove_user(users_file, "ed")
    at.switch_page("pages/projects.py").run()
    assert [t.value for t in at.title] == ["Sign in to aidtrack"]
    assert not at.dataframe and not at.metric


def test_a_user_made_viewer_while_on_an_editor_page_loses_it_at_the_next_click(sample_db, users_file):
    at = signed_in("ed")
    at.switch_page("pages/imports.py").run()
    assert not at.exception and at.file_uploader
    access.set_role(users_file, "ed", "viewer")
    at.run()
    assert [t.value for t in at.title] == ["Portfolio overview"]
    assert not at.file_uploader
    assert "Signed in as **ed** · viewer" in [c.value for c in at.sidebar.caption]


class _Provider(dict):
    """What st.user holds after an OpenID Connect sign-in; logging out empties it."""

    is_logged_in = True


def test_a_single_sign_on_session_that_timed_out_shows_nothing_while_it_signs_out(
    sample_db, tmp_path, monkeypatch
):
    # st.logout() redirects the browser but lets the run go on; that run showed "No access yet.
    # Your account is not among aidtrack's users" to someone who had only been away too long.
    from ui import access as ui_access

    path = tmp_path / "users.json"
    access.add_user(path, "officer", "editor", None, email="officer@donor.example")
    monkeypatch.setenv("AIDTRACK_USERS", str(path))
    monkeypatch.setenv("AIDTRACK_SESSION_MINUTES", "0.001")
    monkeypatch.setattr(ui_access, "_single_sign_on", lambda: True)
    user = _Provider(email="officer@donor.example")
    monkeypatch.setattr(st, "user", user)
    logouts = []
    monkeypatch.setattr(st, "logout", lambda: (logouts.append(1), user.clear()))
    at = AppTest.from_file(ENTRY, default_timeout=60).run()
    assert [t.value for t in at.title] == ["Portfolio overview"]
    time.sleep(0.2)
    at.run()
    assert logouts == [1]
    assert not at.error and not at.metric
    assert [t.value for t in at.title] == ["Sign in to aidtrack"]


@pytest.mark.parametrize("page", ["spend", "changes", "quality", "imports", "rates", "settings", "backups"])
def test_a_page_beyond_the_viewers_role_draws_nothing_of_itself(sample_db, users_file, page):
    # As a stale link or a typed URL would reach it: the page alone, with a viewer's session.
    at = AppTest.from_file(str(ENTRY.replace("dashboard.py", f"pages/{page}.py")), default_timeout=60)
    at.session_state["user"] = access.User("vera", "viewer")
    at.run()
    assert not at.title and not at.dataframe and not at.metric and not at.button


def _charts(at) -> list[tuple[dict, list]]:
    """Each chart's Vega-Lite spec and its datasets, as the browser gets them."""
    import json

    import pyarrow as pa

    return [
        (
            json.loads(c.proto.spec),
            [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in c.proto.datasets],
        )
        for c in at.get("vega_lite_chart")
    ]


def test_counted_charts_do_not_rank_withheld_budgets(sample_db, users_file):
    # With amounts withheld the Overview counts projects; its bars and tables came in the order of
    # the budgets (Norwegian MFA's 9 projects above the Netherlands MFA's 9, with row numbers 1
    # and 5 sent along), which ranked the amounts the viewer may not see.
    db = store.open_store(sample_db)
    access.set_internal_fields(db, {"amounts"})
    db.close()
    at = signed_in("vera")
    tables = [d.value for d in at.dataframe]
    assert len(tables) == 4
    for table in tables:
        ranked = table.sort_values(["projects", "name"], ascending=[False, True], kind="stable")
        assert list(table["name"]) == list(ranked["name"])
        assert list(table.index) == list(range(len(table)))
    charts = _charts(at)
    funder_bars = charts[0][0]["encoding"]["y"]["sort"]
    assert [line.replace("\n", " ") for line in funder_bars] == list(tables[0]["name"].head(len(funder_bars)))
    for _, datasets in charts:
        for data in datasets:
            assert "amount" not in data or list(data["amount"]) == list(data["projects"])
            assert data.index.is_monotonic_increasing


def test_a_search_cannot_probe_a_withheld_beneficiary_institution(sample_db, users_file):
    # The sidebar's search matched organisations in every role: a viewer from whom beneficiary
    # institutions are withheld found which project benefits an institution by searching its name.
    project_id, _ = public_project()
    db = store.open_store(sample_db)
    with db.write() as cur:
        cur.execute(
            "INSERT INTO organisations (org_id, name) VALUES ('quiet-trust', 'Quiet Beneficiary Trust')"
        )
        cur.execute(
            "INSERT INTO project_orgs (project_id, org_id, role) VALUES (?, 'quiet-trust', 'beneficiary')",
            [project_id],
        )
    access.set_internal_fields(db, {"beneficiary_institutions"})
    db.close()

    def found(name):
        at = signed_in(name)
        at.text_input(key="filter_text").input("quiet beneficiary")
        at.switch_page("pages/projects.py").run()
        return set(at.dataframe[0].value["project_id"])

    assert found("ed") == {project_id}
    assert found("vera") == set()


def _public_beneficiary() -> tuple[str, str, str]:
    """A public project's beneficiary institution: (project id, org id, name)."""
    ((project_id, org_id, institution),) = _one(
        """SELECT po.project_id, o.org_id, o.name FROM project_orgs po JOIN organisations o USING (org_id)
           JOIN projects p USING (project_id)
           WHERE po.role = 'beneficiary' AND p.visibility = 'public' ORDER BY 1 LIMIT 1"""
    )
    return project_id, org_id, institution


def test_a_transaction_does_not_name_a_withheld_beneficiary_institution(sample_db, users_file):
    project_id, org_id, institution = _public_beneficiary()
    db = store.open_store(sample_db)
    with db.write() as cur:
        cur.execute(
            """INSERT INTO transactions (transaction_id, project_id, type, date, amount, currency,
               provider_org, receiver_org) VALUES ('T-TRIAL', ?, 'disbursement', DATE '2020-05-01', 1000,
               'EUR', 'Donor as written', ?)""",
            [project_id, org_id],
        )
    access.set_internal_fields(db, {"beneficiary_institutions"})
    db.close()
    at = signed_in("vera")
    at.switch_page("pages/projects.py")
    at.query_params["project"] = project_id
    at.run()
    transactions = next(d.value for d in at.dataframe if "receiver_org" in d.value)
    assert list(transactions["receiver_org"]) == ["withheld"]
    assert list(transactions["provider_org"]) == ["Donor as written"]
    assert not any(institution in d.value.to_string() for d in at.dataframe)


def _published(sample_db) -> str:
    import io

    from loaders import pipeline

    db = store.open_store(sample_db)
    out = io.BytesIO()
    result = pipeline.write_iati_export(out, db.connection, include_illustrative=True)
    db.close()
    assert result.written and not result.errors, result.errors
    return out.getvalue().decode()


def test_a_publication_does_not_name_an_internal_project_as_a_relation(sample_db):
    # The IATI file left internal projects out but wrote <related-activity ref="ILL-0007"> into
    # a public project that named one as its sibling.
    public_id, _ = public_project()
    internal_id, _ = internal_project()
    db = store.open_store(sample_db)
    with db.write() as cur:
        cur.execute(
            """INSERT INTO project_relations (project_id, relation, related_id)
               VALUES (?, 'sibling', ?), (?, 'parent', 'XM-DAC-41114-OUTSIDE')""",
            [public_id, internal_id, public_id],
        )
    db.close()
    xml = _published(sample_db)
    assert internal_id not in xml
    assert '<related-activity ref="XM-DAC-41114-OUTSIDE" type="1"/>' in xml


def test_a_publication_does_not_name_a_withheld_beneficiary_in_a_transaction(sample_db):
    # IATI has no beneficiary role, so the file names no beneficiary as a participating-org; but
    # with beneficiary institutions internal it still named them as a transaction's receiver.
    project_id, _ = public_project()
    institution = "Quiet Beneficiary Trust"
    db = store.open_store(sample_db)
    with db.write() as cur:
        cur.execute("INSERT INTO organisations (org_id, name) VALUES ('quiet-trust', ?)", [institution])
        cur.execute(
            "INSERT INTO project_orgs (project_id, org_id, role) VALUES (?, 'quiet-trust', 'beneficiary')",
            [project_id],
        )
        cur.execute(
            """INSERT INTO transactions (transaction_id, project_id, type, date, amount, currency,
               provider_org, receiver_org) VALUES ('T-TRIAL', ?, 'disbursement', DATE '2020-05-01', 1000,
               'EUR', 'Donor as written', 'quiet-trust'), ('T-TRIAL-2', ?, 'disbursement',
               DATE '2020-06-01', 500, 'EUR', 'Donor as written', ?)""",
            [project_id, project_id, institution],
        )
    db.close()
    before = _published(sample_db)
    assert institution in before and "quiet-trust" in before
    db = store.open_store(sample_db)
    access.set_internal_fields(db, {"beneficiary_institutions"})
    db.close()
    xml = _published(sample_db)
    assert institution not in xml and "quiet-trust" not in xml
    assert xml.count("Donor as written") == 2


def test_a_viewers_download_does_not_name_a_withheld_beneficiary_in_a_transaction(sample_db):
    import io

    import openpyxl

    from loaders import pipeline
    from portfolio.filters import Filters

    project_id, org_id, institution = _public_beneficiary()
    db = store.open_store(sample_db)
    with db.write() as cur:
        cur.execute(
            """INSERT INTO transactions (transaction_id, project_id, type, date, amount, currency,
               provider_org, receiver_org) VALUES ('T-TRIAL', ?, 'disbursement', DATE '2020-05-01', 1000,
               'EUR', 'Donor as written', ?), ('T-TRIAL-2', ?, 'disbursement', DATE '2020-06-01', 1000,
               'EUR', ?, 'Someone else')""",
            [project_id, org_id, project_id, institution],
        )
    access.set_internal_fields(db, {"beneficiary_institutions"})
    viewer = access.audience("viewer", access.internal_fields(db.connection))
    out = io.BytesIO()
    pipeline.write_export(out, db.connection, Filters(public_only=True), viewer)
    db.close()
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue()))["Transactions"]
    header = [c.value for c in sheet[1]]
    trial = {r[header.index("Transaction ID")]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    parties = [header.index("Provider"), header.index("Receiver")]
    assert [[trial[t][i] for i in parties] for t in ("T-TRIAL", "T-TRIAL-2")] == [
        ["Donor as written", "withheld"],
        ["withheld", "Someone else"],
    ]


def test_a_users_file_with_no_users_says_how_to_add_the_first_under_one_title(
    sample_db, tmp_path, monkeypatch
):
    monkeypatch.setenv("AIDTRACK_USERS", str(tmp_path / "users.json"))
    at = AppTest.from_file(ENTRY, default_timeout=60).run()
    assert [t.value for t in at.title] == ["Sign in to aidtrack"]
    assert at.error[0].value.startswith("**No accounts yet.** The users file ")
    assert [c.value for c in at.code] == [".venv/bin/python -m portfolio users add NAME --role admin"]
