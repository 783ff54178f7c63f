"""Who may do what: roles, the users file, password hashing, and what a viewer is not shown.

Roles are ordered: a viewer sees public projects; an editor also sees internal ones and
imports, edits and undoes; an admin also manages rates, settings and backups.

Local accounts live in a JSON users file outside the repository (its path in
AIDTRACK_USERS). Passwords are kept only as scrypt hashes: memory-hard, so a stolen file
is slow to crack. The file is replaced atomically and readable by its owner only.
Nothing here imports streamlit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from portfolio.queries import ProjectDetail
from portfolio.store import Store

ROLES = ("viewer", "editor", "admin")
ROLE_NAMES = {
    "viewer": "Viewer: public projects and their charts",
    "editor": "Editor: also internal projects, imports, edits and undo",
    "admin": "Admin: also exchange rates, settings, backups",
}

# The least role each page needs, keyed by its file in pages/.
PAGE_ROLES = {
    "overview": "viewer",
    "projects": "viewer",
    "activities": "viewer",
    "spend": "editor",
    "changes": "editor",
    "quality": "editor",
    "imports": "editor",
    "rates": "admin",
    "settings": "admin",
    "backups": "admin",
}

# Fields the portfolio's owner may keep from viewers: their name in a few words, and what each covers.
WITHHOLDABLE = {
    "amounts": ("exact amounts", "budgets, funders' contributions, budget periods and transactions"),
    "descriptions": ("descriptions", "of projects, events and transactions"),
    "beneficiary_institutions": ("beneficiary institutions", "organisations in the beneficiary role"),
    "event_locations": ("event locations", "city and map position; the country stays"),
    "documents": ("links and documents", "the project's web page and document links"),
}
WITHHELD = "withheld"

MIN_PASSWORD = 10
# scrypt cost: 2**15 blocks of 1 KiB x r=8 is 32 MiB per check, about 0.1 s on a laptop.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1


def may(role: str, needed: str) -> bool:
    return ROLES.index(role) >= ROLES.index(needed)


def may_undo(user: User, imported_by: str | None, imported_at=None) -> bool:
    """Editors undo their own imports and edits; admins anyone's. An import is the editor's own
    when made under their name since their account was added."""
    if may(user.role, "admin"):
        return True
    return may(user.role, "editor") and imported_by == user.name and not earlier_account(user, imported_at)


def earlier_account(user: User, imported_at) -> bool:
    """Whether something done under this user's name predates their account: an earlier account
    of the same name did it (a removed user's name given to someone new)."""
    return (
        bool(user.added) and imported_at is not None and pd.Timestamp(imported_at) < pd.Timestamp(user.added)
    )


class AccessError(Exception):
    """A users-file or sign-in problem, with a message for the person at the keyboard."""


# --- Passwords --------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccessError(f"A password needs at least {MIN_PASSWORD} characters.")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, maxmem=64 * 1024 * 1024
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=64 * 1024 * 1024,
            dklen=len(expected),
        )
    except ValueError:
        return False
    return scheme == "scrypt" and hmac.compare_digest(got, expected)


# A hash to check against when the name is unknown, so a wrong name takes as long as a wrong
# password and sign-in does not reveal which names exist.
_DECOY = f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(b'0' * 16)}${_b64(b'0' * 64)}"


# --- The users file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    name: str
    role: str
    email: str | None = None
    password: str | None = field(default=None, repr=False)
    # When the account was added (local time, as imports are logged); None in files written before
    # aidtrack kept it.
    added: str | None = None


def users_path() -> Path | None:
    """The users file named by AIDTRACK_USERS; None when sign-in is not configured."""
    path = os.environ.get("AIDTRACK_USERS", "").strip()
    return Path(path).expanduser() if path else None


def read_users(path: Path) -> dict[str, User]:
    """The accounts in the users file, by name; an absent file has none."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        users = {
            name: User(name, entry["role"], entry.get("email"), entry.get("password"), entry.get("added"))
            for name, entry in data["users"].items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise AccessError(f"The users file {path} is not one aidtrack wrote ({e}). Fix or remove it.") from e
    for user in users.values():
        if user.role not in ROLES:
            raise AccessError(
                f"The users file {path} gives {user.name} the role '{user.role}'; "
                f"roles are {', '.join(ROLES)}."
            )
    return users


def write_users(path: Path, users: dict[str, User]) -> None:
    """Replace the users file in one step, readable by its owner only."""
    data = {
        "users": {
            u.name: {
                k: v
                for k, v in (
                    ("role", u.role),
                    ("email", u.email),
                    ("password", u.password),
                    ("added", u.added),
                )
                if v
            }
            for u in sorted(users.values(), key=lambda u: u.name)
        }
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".users-")
    try:
        os.chmod(temporary, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2, ensure_ascii=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccessError(f"'{role}' is not a role; roles are {', '.join(ROLES)}.")


def add_user(path: Path, name: str, role: str, password: str | None, email: str | None = None) -> User:
    """A new account: with a password for local sign-in, or an e-mail for single sign-on."""
    _check_role(role)
    name = name.strip()
    if not name or any(c.isspace() for c in name):
        raise AccessError("A user name cannot be empty or contain spaces.")
    if not password and not email:
        raise AccessError("Give a password (local sign-in) or an e-mail (single sign-on), or both.")
    users = read_users(path)
    if name in users:
        raise AccessError(f"There is already a user {name}; use set-role or remove.")
    user = User(
        name,
        role,
        email.strip().lower() if email else None,
        hash_password(password) if password else None,
        datetime.now().isoformat(timespec="microseconds"),
    )
    write_users(path, {**users, name: user})
    return user


def remove_user(path: Path, name: str) -> None:
    users = read_users(path)
    if name not in users:
        raise AccessError(f"There is no user {name}.")
    del users[name]
    write_users(path, users)


def set_role(path: Path, name: str, role: str) -> None:
    _check_role(role)
    users = read_users(path)
    if name not in users:
        raise AccessError(f"There is no user {name}.")
    write_users(path, {**users, name: replace(users[name], role=role)})


def set_password(path: Path, name: str, password: str) -> None:
    users = read_users(path)
    if name not in users:
        raise AccessError(f"There is no user {name}.")
    write_users(path, {**users, name: replace(users[name], password=hash_password(password))})


def user_by_email(users: dict[str, User], email: str | None) -> User | None:
    wanted = (email or "").strip().lower()
    return next((u for u in users.values() if wanted and u.email == wanted), None)


# --- Signing in -------------------------------------------------------------------------------


class SignInThrottle:
    """Slows down guessing: each failed sign-in for a name doubles the wait before the next
    answer for that name (1, 2, 4 … up to 60 seconds); a success clears it."""

    def __init__(self, longest: float = 60.0):
        self.longest = longest
        self._failures: dict[str, int] = {}
        self._lock = threading.Lock()

    def wait_for(self, name: str) -> float:
        with self._lock:
            failures = self._failures.get(name.lower(), 0)
        return 0.0 if failures == 0 else min(2.0 ** (failures - 1), self.longest)

    def failed(self, name: str) -> None:
        with self._lock:
            self._failures[name.lower()] = self._failures.get(name.lower(), 0) + 1

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(name.lower(), None)


def sign_in(
    users: dict[str, User], name: str, password: str, throttle: SignInThrottle, sleep=time.sleep
) -> User | None:
    """The user if the password is right, else None, after the wait earned by earlier failures."""
    # The name as it is looked up, so that ' ada' and 'ada ' share ada's wait rather than each
    # starting afresh.
    name = name.strip()
    sleep(throttle.wait_for(name))
    user = users.get(name)
    matches = password_matches(password, user.password if user and user.password else _DECOY)
    if user and user.password and matches:
        throttle.succeeded(name)
        return user
    throttle.failed(name)
    return None


# --- What a viewer is not shown ---------------------------------------------------------------


@dataclass(frozen=True)
class Audience:
    """Who is looking: whether they see internal projects, and which fields are withheld."""

    role: str = "admin"
    withheld: frozenset[str] = frozenset()

    @property
    def public_only(self) -> bool:
        return not may(self.role, "editor")

    def withholds(self, what: str) -> bool:
        return what in self.withheld


def audience(role: str, internal_fields: frozenset[str]) -> Audience:
    """Editors and admins see everything; viewers see public projects without the internal fields."""
    return Audience(role, frozenset() if may(role, "editor") else internal_fields)


def internal_fields(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """The fields the portfolio's owner has marked internal (kept in the store's meta table)."""
    with con.cursor() as cur:
        found = cur.execute("SELECT value FROM meta WHERE key = 'internal_fields'").fetchall()
    return frozenset(json.loads(found[0][0])) & WITHHOLDABLE.keys() if found else frozenset()


# Columns of the query results, per withholdable field. A withheld column holds the word
# "withheld" in every row that had a value, so nobody reads it as zero or as not recorded.
WITHHELD_COLUMNS = {
    "amounts": (
        "budget",
        "budget_reporting",
        "contribution",
        "amount",
        "converted",
        "spent",
    ),
    "descriptions": ("description",),
    "event_locations": ("city", "latitude", "longitude"),
    "documents": ("url",),
}


def withhold(frame: pd.DataFrame, audience: Audience, table: str = "") -> pd.DataFrame:
    """The rows with the audience's withheld fields replaced by the word 'withheld'.

    Beneficiary institutions are withheld by name, in the organisation rows and the exports'
    organisation column, because they are rows rather than a column.
    """
    if not audience.withheld or frame.empty:
        return frame
    out = frame.copy()
    for what in audience.withheld:
        for column in WITHHELD_COLUMNS.get(what, ()):
            if column in out:
                out[column] = out[column].astype(object).where(out[column].isna(), WITHHELD)
    if audience.withholds("beneficiary_institutions") and "role" in out:
        beneficiary = out["role"] == "beneficiary"
        for column in ("name", "acronym", "organisation", "org_id"):
            if column in out:
                out[column] = out[column].astype(object).where(~beneficiary, WITHHELD)
    return out


# The organisations each project names as a beneficiary institution and in no other role.
BENEFICIARIES_ONLY = """
    SELECT po.project_id, po.org_id, o.name
    FROM project_orgs po LEFT JOIN organisations o USING (org_id)
    WHERE po.role = 'beneficiary' AND po.project_id IN (SELECT unnest(?))
      AND NOT EXISTS (SELECT 1 FROM project_orgs x
                      WHERE x.project_id = po.project_id AND x.org_id = po.org_id AND x.role <> 'beneficiary')
"""


def withhold_parties(
    con: duckdb.DuckDBPyConnection, transactions: pd.DataFrame, audience: Audience
) -> pd.DataFrame:
    """Transactions whose provider or receiver is one of their project's beneficiary
    institutions, by its ID or its name, with that side 'withheld' for an audience that does
    not see them."""
    if not audience.withholds("beneficiary_institutions") or transactions.empty:
        return transactions
    with con.cursor() as cur:
        found = cur.execute(BENEFICIARIES_ONLY, [sorted(set(transactions["project_id"]))]).fetchall()
    hidden = {(project, named) for project, org_id, name in found for named in (org_id, name) if named}
    out = transactions.copy()
    for column in ("provider_org", "receiver_org"):
        named = [pair in hidden for pair in zip(out["project_id"], out[column], strict=True)]
        out[column] = out[column].astype(object).where(~pd.Series(named, index=out.index), WITHHELD)
    return out


# What the project list says of a project's source besides a file's name (portfolio.queries).
NAMELESS_SOURCES = ("Illustrative", "Seed page", "Entered")


def sources_without_file_names(sources: pd.Series) -> pd.Series:
    """The project list's Source as a viewer sees it: 'Imported' for a file's name, 'Edited in the
    app' for an edit. A file's name can tell of internal work in the same file
    ('q3-internal-and-public.xlsx'), and a viewer sees only the public projects it held."""
    edited = sources.astype(str).str.startswith("Edited in the app")
    named = ~sources.isin(NAMELESS_SOURCES) & sources.notna()
    return sources.mask(named, "Imported").mask(edited, "Edited in the app")


def withhold_record(record: dict, audience: Audience) -> dict:
    """One row (a project's fields) with the audience's withheld fields replaced."""
    out = dict(record)
    for what in audience.withheld:
        for column in WITHHELD_COLUMNS.get(what, ()):
            if column in out and not pd.isna(out[column]):
                out[column] = WITHHELD
    return out


def published(tables: dict[str, pd.DataFrame], fields: frozenset[str]) -> dict[str, pd.DataFrame]:
    """Tables for a public file (IATI) with the internal fields left out rather than marked:
    a publication holds no 'withheld' text where a standard expects an amount or a link."""

    def blank(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
        return frame.assign(**{c: None for c in columns if c in frame})

    out = dict(tables)
    if "amounts" in fields:
        out["projects"] = blank(out["projects"], ("budget",))
        out["project_orgs"] = blank(out["project_orgs"], ("amount",))
        for table in ("budgets", "transactions"):
            out[table] = out[table].iloc[0:0]
    if "descriptions" in fields:
        for table in ("projects", "transactions", "activities"):
            if table in out:
                out[table] = blank(out[table], ("description",))
    if "beneficiary_institutions" in fields:
        orgs = out["project_orgs"]
        beneficiary = orgs["role"] == "beneficiary"
        if "transactions" in out:
            # A transaction to or from one of its project's beneficiary institutions (named in no
            # other role of the project), by its ID or its name, names neither.
            def named(rows: pd.DataFrame) -> set:
                return {
                    (p, n)
                    for column in ("org_id", "name")
                    for p, n in zip(rows["project_id"], rows[column], strict=True)
                }

            hidden = named(orgs[beneficiary]) - named(orgs[~beneficiary])
            transactions = out["transactions"].copy()
            for side in ("provider", "receiver"):
                pairs = zip(transactions["project_id"], transactions[f"{side}_org"], strict=True)
                transactions.loc[[pair in hidden for pair in pairs], [f"{side}_org", f"{side}_name"]] = None
            out["transactions"] = transactions
        out["project_orgs"] = orgs[~beneficiary]
    if "event_locations" in fields and "activities" in out:
        out["activities"] = blank(out["activities"], WITHHELD_COLUMNS["event_locations"])
    if "documents" in fields:
        out["projects"] = blank(out["projects"], ("url",))
        if "project_links" in out:
            out["project_links"] = out["project_links"].iloc[0:0]
    return out


def set_internal_fields(store: Store, fields: set[str]) -> None:
    """Mark which fields viewers do not see; every page and export follows at once."""
    unknown = set(fields) - WITHHOLDABLE.keys()
    if unknown:
        raise AccessError(f"Not a field that can be withheld: {', '.join(sorted(unknown))}.")
    with store.write(log_only=True) as cur:
        cur.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('internal_fields', ?)",
            [json.dumps(sorted(fields))],
        )


def _beneficiaries_named(transactions: pd.DataFrame, organisations: pd.DataFrame) -> pd.DataFrame:
    """Transactions with a provider or receiver that is one of the project's beneficiary
    institutions (and nothing else in it) read 'withheld' there."""
    if transactions.empty or organisations.empty:
        return transactions
    beneficiary = organisations["role"] == "beneficiary"

    def names(rows: pd.DataFrame) -> set:
        return set(rows[["name", "acronym", "org_id"]].stack().dropna())

    hidden = names(organisations[beneficiary]) - names(organisations[~beneficiary])
    out = transactions.copy()
    for column in ("provider_org", "receiver_org"):
        out[column] = out[column].astype(object).where(~out[column].isin(hidden), WITHHELD)
    return out


def withhold_detail(detail: ProjectDetail, audience: Audience) -> ProjectDetail:
    """A project as the audience may see it: withheld fields replaced, documents left out."""
    if not audience.withheld:
        return detail
    transactions = withhold(detail.transactions, audience)
    if audience.withholds("beneficiary_institutions"):
        transactions = _beneficiaries_named(transactions, detail.organisations)
    return replace(
        detail,
        project=withhold_record(detail.project, audience),
        organisations=withhold(detail.organisations, audience),
        budgets=withhold(detail.budgets, audience),
        activities=withhold(detail.activities, audience),
        transactions=transactions,
        links=detail.links.iloc[0:0] if audience.withholds("documents") else detail.links,
    )
