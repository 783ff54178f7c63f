"""Fixtures: a fresh database per test, built from one sample database made once per run."""

import shutil
from pathlib import Path

import pytest
import streamlit as st

from loaders import sample
from portfolio import access, store

from .browser import browser, page  # noqa: F401  (fixtures for the browser tests)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def _sample_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "sample.duckdb"
    db = store.open_store(path)
    sample.install(db)
    db.close()
    return path


@pytest.fixture(scope="session")
def _empty_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "empty.duckdb"
    store.open_store(path).close()
    return path


@pytest.fixture
def sample_db(_sample_template, tmp_path, monkeypatch) -> Path:
    """A copy of the sample portfolio (seed page + 40 illustrative projects); AIDTRACK_DB points at it."""
    path = tmp_path / "aidtrack.duckdb"
    shutil.copy(_sample_template, path)
    monkeypatch.setenv("AIDTRACK_DB", str(path))
    return path


@pytest.fixture
def empty_db(_empty_template, tmp_path) -> store.Store:
    """An open store with reference data and no projects."""
    path = tmp_path / "empty.duckdb"
    shutil.copy(_empty_template, path)
    db = store.open_store(path)
    yield db
    db.close()


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture(autouse=True)
def _navigation_as_the_live_server_runs_it(monkeypatch):
    """AppTest re-detects the pages/ folder before every run and then runs a page without the entry
    point (Streamlit's old folder-based navigation). The live server drops that mode for good once
    dashboard.py has called st.navigation; do the same here so every run starts at dashboard.py."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


# The accounts the sign-in tests use, one of each role.
PASSWORDS = {"vera": "viewer-password-1", "ed": "editor-password-1", "ada": "admin-password-1"}


@pytest.fixture
def users_file(tmp_path, monkeypatch):
    """A users file with one account of each role; AIDTRACK_USERS points at it."""
    path = tmp_path / "secrets" / "users.json"
    for name, role in (("vera", "viewer"), ("ed", "editor"), ("ada", "admin")):
        access.add_user(path, name, role, PASSWORDS[name])
    monkeypatch.setenv("AIDTRACK_USERS", str(path))
    return path
