"""What a deployment trial, following the README's 'Serving a team' as a new team's IT person
would, met."""

from streamlit.testing.v1 import AppTest

import ui.access

from .conftest import ROOT
from .test_access import shown

ENTRY = str(ROOT / "dashboard.py")


def _served_with_headers(monkeypatch, headers: dict[str, str]) -> AppTest:
    """The dashboard on 127.0.0.1 with no users file, asked with these request headers."""
    monkeypatch.delenv("AIDTRACK_USERS", raising=False)
    monkeypatch.setattr(ui.access, "_request_headers", lambda: headers)
    return AppTest.from_file(ENTRY, default_timeout=60).run()


def test_behind_a_reverse_proxy_without_sign_in_it_refuses(sample_db, monkeypatch):
    """The README puts a reverse proxy in front for HTTPS; served on 127.0.0.1 behind it with no
    AIDTRACK_USERS, every visitor from the network was the admin (Backups, Restore, Settings)."""
    at = _served_with_headers(monkeypatch, {"Host": "aidtrack.example.org", "X-Forwarded-For": "203.0.113.9"})
    assert at.error, "a visitor through a proxy got the dashboard as admin"
    message = shown(at.error[0].value)
    assert message.startswith("**Sign-in is not configured.**")
    assert "X-Forwarded-For" in message and "AIDTRACK_USERS" in message
    assert not at.metric


def test_a_proxy_that_only_passes_the_host_is_refused_too(sample_db, monkeypatch):
    at = _served_with_headers(monkeypatch, {"Host": "aidtrack.example.org"})
    assert at.error and "reached as aidtrack.example.org" in shown(at.error[0].value)
    assert not at.metric


def test_on_this_machine_the_local_user_is_still_the_admin(sample_db, monkeypatch):
    for host in ("127.0.0.1:8501", "localhost:8501", "[::1]:8501", "localhost"):
        at = _served_with_headers(monkeypatch, {"Host": host})
        assert not at.error, (host, at.error)
        assert at.metric
