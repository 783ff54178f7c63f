"""Signing in, and what the signed-in person may see.

Three ways to run, chosen by configuration:
- nothing configured: the app serves this machine only and the local user is admin; served
  beyond it (server.address not local, or reached through a reverse proxy) it refuses rather
  than hand everyone admin;
- AIDTRACK_USERS names a users file: local accounts sign in with a password;
- `[auth]` in .streamlit/secrets.toml: Streamlit's OpenID Connect sign-in (st.login), with
  roles given by e-mail in the users file.
"""

from __future__ import annotations

import getpass
import ipaddress
import os
import socket
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import streamlit as st

from portfolio import access
from portfolio.access import Audience
from portfolio.filters import Filters
from ui import db
from ui.format import literal

LOCAL_ADDRESSES = {"127.0.0.1", "localhost", "::1"}
# Headers a reverse proxy (nginx, Caddy, Apache, Traefik) adds to what it passes on.
PROXY_HEADERS = ("X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "Forwarded", "X-Real-IP")
SIGNED_IN = "signed_in_user"
# When the signed-in account was added: a session goes by name, and a removed user's name given to
# a new account must not carry the old account's session over to it.
SIGNED_IN_ADDED = "signed_in_account_added"
LAST_SEEN = "signed_in_last_seen"


def idle_minutes() -> float:
    """How long a signed-in session may sit unused before it must sign in again."""
    try:
        return float(os.environ.get("AIDTRACK_SESSION_MINUTES", "60"))
    except ValueError:
        return 60.0


@st.cache_resource
def _throttle() -> access.SignInThrottle:
    return access.SignInThrottle()


def _single_sign_on() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def _users() -> dict[str, access.User]:
    path = access.users_path()
    return access.read_users(path) if path else {}


def _local_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local user"


def _refuse(title: str, message: str, command: str | None = None, titled: bool = True) -> None:
    """Stop the page with why nobody may sign in, and the command that sets it right."""
    if titled:
        st.title("aidtrack")
    st.error(f"**{literal(title)}.** {literal(message)}")
    if command:
        st.code(command, language="bash")
    st.stop()


def _request_headers():
    """The headers of the request that opened this session (empty in tests)."""
    return st.context.headers


def _local_host(host: str) -> bool:
    """Whether a Host header names this machine: a loopback address, localhost or its own name."""
    name = host.strip().lower()
    if name.startswith("["):
        name = name[1:].split("]")[0]
    elif name.count(":") == 1:
        name = name.split(":")[0]
    if name in ("localhost", socket.gethostname().lower()):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _from_beyond() -> str | None:
    """Why this request came from beyond this machine although the server listens on it only:
    through a reverse proxy, which adds its headers or passes the Host the browser asked for."""
    headers = _request_headers()
    for header in PROXY_HEADERS:
        if headers.get(header):
            return f"it was reached through a reverse proxy (its {header} header)"
    host = headers.get("Host")
    if host and not _local_host(host):
        return f"it was reached as {host}"
    return None


def _timed_out() -> bool:
    last = st.session_state.get(LAST_SEEN)
    now = time.monotonic()
    st.session_state[LAST_SEEN] = now
    return last is not None and now - last > idle_minutes() * 60


def sign_in_form() -> None:
    """The sign-in form, or single sign-on's button. dashboard.py draws it after st.navigation,
    so that the form's widgets keep their identity from the run that drew them to the run that
    submits them."""
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("Sign in to aidtrack")
        if _single_sign_on():
            st.button("Sign in", type="primary", on_click=st.login)
        else:
            _password_form(_users())


def _password_form(users: dict[str, access.User]) -> None:
    if not users:
        _refuse(
            "No accounts yet",
            f"The users file {access.users_path()} has no users. Add the first on the server, in "
            "aidtrack's folder, with:",
            command=".venv/bin/python -m portfolio users add NAME --role admin",
            titled=False,  # the form's own title is above
        )
    if st.session_state.pop("timed_out", False):
        minutes = idle_minutes()
        plural = "" if minutes == 1 else "s"
        st.info(f"You were signed out after {minutes:g} minute{plural} without use. Sign in again.")
    with st.form("sign_in"):
        name = st.text_input("User name")
        password = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        with st.spinner("Checking…"):
            user = access.sign_in(users, name, password, _throttle())
        if user:
            st.session_state[SIGNED_IN] = user.name
            st.session_state[SIGNED_IN_ADDED] = user.added
            st.session_state[LAST_SEEN] = time.monotonic()
            st.rerun()
        st.error(
            "That user name and password do not match. Each failed attempt makes the next answer wait longer."
        )


def sign_in() -> access.User | None:
    """The person using this session; None until they sign in (dashboard.py then shows
    sign_in_form). Stops the page with a refusal when sign-in is misconfigured. Called by
    dashboard.py on every run."""
    st.session_state.pop("user", None)
    user = _who()
    if user is not None:
        st.session_state["user"] = user
    return user


def _who() -> access.User | None:
    if _single_sign_on():
        if not st.user.is_logged_in:
            return None
        if _timed_out():
            # st.logout() sends the browser away but lets this run go on: show nothing meanwhile.
            st.logout()
            return None
        try:
            user = access.user_by_email(_users(), st.user.get("email"))
        except access.AccessError as e:
            _refuse("The users file cannot be read", str(e))
        if user is None:
            st.button("Sign out", on_click=st.logout)
            _refuse(
                "No access yet",
                f"{st.user.get('email') or 'Your account'} is not among aidtrack's users. "
                "Ask the portfolio's owner to add your e-mail.",
            )
        return user
    if access.users_path() is None:
        address = st.get_option("server.address")
        if address not in LOCAL_ADDRESSES:
            _refuse(
                "Sign-in is not configured",
                f"This app is served beyond this machine (server address {address or 'all'}) and "
                "nobody has to sign in. Set AIDTRACK_USERS to a users file (see the README's "
                "'Serving a team'), or serve on 127.0.0.1 only.",
            )
        beyond = _from_beyond()
        if beyond:
            _refuse(
                "Sign-in is not configured",
                f"This app listens on this machine only, but {beyond}, and nobody has to sign in: "
                "everyone reaching it would be its admin. Set AIDTRACK_USERS to a users file (see "
                "the README's 'Serving a team'), or open it on this machine only.",
            )
        return access.User(_local_user(), "admin")
    try:
        users = _users()
    except access.AccessError as e:
        _refuse("The users file cannot be read", str(e))
    name = st.session_state.get(SIGNED_IN)
    if name is not None and _timed_out():
        del st.session_state[SIGNED_IN]
        st.session_state["timed_out"] = True
        name = None
    if name is None or name not in users or users[name].added != st.session_state.get(SIGNED_IN_ADDED):
        st.session_state.pop(SIGNED_IN, None)
        return None
    return users[name]


def sign_out() -> None:
    if _single_sign_on():
        st.logout()
    for key in (SIGNED_IN, SIGNED_IN_ADDED, LAST_SEEN, "user"):
        st.session_state.pop(key, None)


def user() -> access.User:
    """Who is signed in this session (set by dashboard.py before any page runs)."""
    return st.session_state["user"]


def user_name() -> str:
    return user().name


def may(page: str) -> bool:
    return access.may(user().role, access.PAGE_ROLES[page])


def audience() -> Audience:
    """What this session may see: internal projects or not, and which fields are withheld."""
    return access.audience(user().role, db.internal_fields())


def shown(filters: Filters) -> Filters:
    """The filters narrowed to what this session may see."""
    seen = audience()
    if not seen.public_only:
        return filters
    return replace(
        filters,
        public_only=True,
        search_descriptions=not seen.withholds("descriptions"),
        search_beneficiaries=not seen.withholds("beneficiary_institutions"),
    )


def page(name: str) -> None:
    """A page's own check of the role: the Overview for those who may not use it."""
    if "user" not in st.session_state:
        st.stop()
    if not may(name):
        st.switch_page("pages/overview.py")


def users_file_label() -> str:
    path = access.users_path()
    return str(Path(path).resolve()) if path else "not set"


def signed_in_box(user: access.User) -> None:
    """Who is signed in, at the foot of the sidebar, with a way out."""
    with st.sidebar:
        st.divider()
        if access.users_path() is None and not _single_sign_on():
            st.caption(f"**{literal(user.name)}** · admin on this machine (sign-in is off)")
            return
        st.caption(f"Signed in as **{literal(user.name)}** · {user.role}")
        st.button("Sign out", on_click=sign_out, key="sign_out")


def users() -> pd.DataFrame | None:
    """The accounts (never their password hashes), or None when sign-in is off."""
    path = access.users_path()
    if path is None:
        return None
    return pd.DataFrame(
        [
            {"name": u.name, "role": u.role, "email": u.email or "", "password": bool(u.password)}
            for u in access.read_users(path).values()
        ],
        columns=["name", "role", "email", "password"],
    )


def withheld(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as this session may see it: withheld fields read 'withheld'."""
    return access.withhold(frame, audience())


def project_as_shown(project_id: str, currency: str):
    """One project as this session may see it; None for a project it may not see at all."""
    seen = audience()
    detail = db.project_detail(project_id, currency, seen.public_only)
    return None if detail is None else access.withhold_detail(detail, seen)
