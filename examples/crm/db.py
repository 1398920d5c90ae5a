"""The CRM's own SQLite database: users, their sessions, contacts, calls and the timeline.

One connection behind a lock: the sample serves one office, and SQLite writes one at a time
anyway. Every number is stored twice: as written (`phone`) and in E.164 (`phone_e164`, unique),
which is what a screen pop looks up.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from examples.crm import seed
from examples.crm.phones import normalise

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    user_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    extension_name TEXT NOT NULL,
    extension_phone TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY,          -- public: the crmSessionId agentbar holds
    token_hash TEXT UNIQUE,               -- the browser cookie's hash; NULL for toolbar-only logins
    ticket_hash TEXT,                     -- one-time password for the toolbar's SSO login
    ticket_expires REAL,
    user_id TEXT NOT NULL REFERENCES users(user_id),
    created_at REAL NOT NULL,
    ended_at REAL
);
CREATE TABLE IF NOT EXISTS contacts (
    contact_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    company TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL,
    phone_e164 TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('lead', 'customer')),
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS calls (
    call_id TEXT PRIMARY KEY,             -- agentbar's call id
    contact_id INTEGER REFERENCES contacts(contact_id),
    phone_e164 TEXT NOT NULL,
    call_type TEXT NOT NULL,
    campaign TEXT NOT NULL,
    user_id TEXT NOT NULL,
    started_at REAL NOT NULL,
    disposition TEXT
);
CREATE TABLE IF NOT EXISTS interactions (
    interaction_id INTEGER PRIMARY KEY,
    contact_id INTEGER REFERENCES contacts(contact_id),  -- NULL until an unknown caller is saved
    call_id TEXT REFERENCES calls(call_id),
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS interactions_by_contact ON interactions (contact_id, at);
"""

TICKET_LIFETIME = 300.0
"""Seconds a page's one-time toolbar ticket stays usable."""


@dataclass(frozen=True)
class User:
    user_id: str
    name: str
    extension_name: str
    extension_phone: str


@dataclass(frozen=True)
class Session:
    session_id: str
    user: User


@dataclass(frozen=True)
class Contact:
    contact_id: int
    name: str
    company: str
    email: str
    phone: str
    phone_e164: str
    status: str


@dataclass(frozen=True)
class Interaction:
    kind: str
    detail: str
    call_id: str | None
    user_id: str
    at: float


@dataclass(frozen=True)
class Call:
    call_id: str
    contact_id: int | None
    phone_e164: str


class DuplicatePhone(ValueError):
    """Another contact already has this number."""


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    _, salt, _ = stored.split("$")
    return hmac.compare_digest(hash_password(password, bytes.fromhex(salt)), stored)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class CrmDatabase:
    def __init__(self, path: Path | str) -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys = ON")
        self._lock = threading.Lock()
        with self._lock:
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _row(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Row | None:
        with self._lock:
            row: sqlite3.Row | None = self._db.execute(sql, params).fetchone()
            return row

    def _rows(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # -- sample data ---------------------------------------------------------------------------

    def seed(self) -> None:
        """The demo users and contacts, once: a database that has contacts is left alone."""
        with self._transaction() as db:
            for user in seed.USERS:
                db.execute(
                    "INSERT OR IGNORE INTO users VALUES (?, ?, ?, ?, ?)",
                    (user.user_id, user.name, hash_password(user.password),
                     user.extension_name, user.extension_phone),
                )  # fmt: skip
            if db.execute("SELECT COUNT(*) FROM contacts").fetchone()[0]:
                return
            now = time.time()
            for c in seed.CONTACTS:
                db.execute(
                    "INSERT INTO contacts (name, company, email, phone, phone_e164, status,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (c.name, c.company, c.email, c.phone, normalise(c.phone), c.status, now),
                )

    # -- users and sessions --------------------------------------------------------------------

    def user(self, user_id: str) -> User | None:
        row = self._row("SELECT * FROM users WHERE user_id = ?", (user_id,))
        return _user(row) if row else None

    def check_password(self, user_id: str, password: str) -> User | None:
        row = self._row("SELECT * FROM users WHERE user_id = ?", (user_id,))
        if row is None or not password_matches(password, row["password_hash"]):
            return None
        return _user(row)

    def open_session(self, user_id: str, with_cookie: bool) -> tuple[str, str | None]:
        """A new session: its public id and, for a browser, the cookie's secret."""
        session_id = f"crm-{secrets.token_hex(8)}"
        token = secrets.token_urlsafe(32) if with_cookie else None
        with self._transaction() as db:
            db.execute(
                "INSERT INTO sessions (session_id, token_hash, user_id, created_at)"
                " VALUES (?, ?, ?, ?)",
                (session_id, _digest(token) if token else None, user_id, time.time()),
            )
        return session_id, token

    def session_for_cookie(self, token: str) -> Session | None:
        row = self._row(
            "SELECT s.session_id, u.* FROM sessions s JOIN users u USING (user_id)"
            " WHERE s.token_hash = ? AND s.ended_at IS NULL",
            (_digest(token),),
        )
        return Session(row["session_id"], _user(row)) if row else None

    def issue_ticket(self, session_id: str) -> str:
        """A one-time password with which the page logs its toolbar in through SSO; it is
        bound to this session and replaces any earlier one."""
        ticket = secrets.token_urlsafe(24)
        with self._transaction() as db:
            db.execute(
                "UPDATE sessions SET ticket_hash = ?, ticket_expires = ? WHERE session_id = ?",
                (_digest(ticket), time.time() + TICKET_LIFETIME, session_id),
            )
        return ticket

    def redeem_ticket(self, user_id: str, ticket: str) -> str | None:
        """The session the ticket belongs to (the ticket is spent), or None."""
        with self._transaction() as db:
            rows = db.execute(
                "SELECT session_id, ticket_hash FROM sessions"
                " WHERE user_id = ? AND ended_at IS NULL AND ticket_expires > ?",
                (user_id, time.time()),
            ).fetchall()
            for row in rows:
                if hmac.compare_digest(row["ticket_hash"], _digest(ticket)):
                    db.execute(
                        "UPDATE sessions SET ticket_hash = NULL, ticket_expires = NULL"
                        " WHERE session_id = ?",
                        (row["session_id"],),
                    )
                    return str(row["session_id"])
        return None

    def end_session(self, session_id: str) -> bool:
        """End the session; False when there is no such session (ending twice is fine)."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT ended_at FROM sessions WHERE session_id = ?", (session_id,)
            ).fetchone()
            if row is None:
                return False
            if row["ended_at"] is None:
                db.execute(
                    "UPDATE sessions SET ended_at = ?, ticket_hash = NULL, ticket_expires = NULL"
                    " WHERE session_id = ?",
                    (time.time(), session_id),
                )
            return True

    def session_active(self, session_id: str) -> bool:
        row = self._row(
            "SELECT 1 FROM sessions WHERE session_id = ? AND ended_at IS NULL", (session_id,)
        )
        return row is not None

    # -- contacts ------------------------------------------------------------------------------

    def contacts(self, status: str | None = None) -> list[Contact]:
        if status is None:
            rows = self._rows("SELECT * FROM contacts ORDER BY contact_id")
        else:
            rows = self._rows(
                "SELECT * FROM contacts WHERE status = ? ORDER BY contact_id", (status,)
            )
        return [_contact(row) for row in rows]

    def contact(self, contact_id: int) -> Contact | None:
        row = self._row("SELECT * FROM contacts WHERE contact_id = ?", (contact_id,))
        return _contact(row) if row else None

    def contact_by_phone(self, phone_e164: str) -> Contact | None:
        row = self._row("SELECT * FROM contacts WHERE phone_e164 = ?", (phone_e164,))
        return _contact(row) if row else None

    def add_contact(
        self, name: str, company: str, email: str, phone: str, phone_e164: str, status: str
    ) -> int:
        with self._transaction() as db:
            try:
                cursor = db.execute(
                    "INSERT INTO contacts (name, company, email, phone, phone_e164, status,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (name, company, email, phone, phone_e164, status, time.time()),
                )
            except sqlite3.IntegrityError:
                raise DuplicatePhone(f"another contact already has {phone}") from None
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    def next_lead(self, after_contact_id: int | None) -> Contact | None:
        """The first lead never called, other than `after_contact_id`: whom to call next."""
        row = self._row(
            "SELECT * FROM contacts c WHERE status = 'lead' AND contact_id IS NOT ?"
            " AND NOT EXISTS (SELECT 1 FROM calls WHERE calls.contact_id = c.contact_id)"
            " ORDER BY contact_id LIMIT 1",
            (after_contact_id,),
        )
        return _contact(row) if row else None

    # -- calls and the timeline ----------------------------------------------------------------

    def record_call(
        self,
        call_id: str,
        contact_id: int | None,
        phone_e164: str,
        call_type: str,
        campaign: str,
        user_id: str,
        detail: str,
    ) -> bool:
        """The call and its first timeline entry; False (nothing written) if already known,
        as when a refreshed page is offered the same pop again."""
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM calls WHERE call_id = ?", (call_id,)).fetchone():
                return False
            now = time.time()
            db.execute(
                "INSERT INTO calls (call_id, contact_id, phone_e164, call_type, campaign,"
                " user_id, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (call_id, contact_id, phone_e164, call_type, campaign, user_id, now),
            )
            db.execute(
                "INSERT INTO interactions (contact_id, call_id, user_id, kind, detail, at)"
                " VALUES (?, ?, ?, 'call', ?, ?)",
                (contact_id, call_id, user_id, detail, now),
            )
        return True

    def call(self, call_id: str) -> Call | None:
        row = self._row(
            "SELECT call_id, contact_id, phone_e164 FROM calls WHERE call_id = ?", (call_id,)
        )
        return Call(row["call_id"], row["contact_id"], row["phone_e164"]) if row else None

    def link_call(self, call_id: str, contact_id: int) -> None:
        """An unknown caller saved as a contact: the call and its entries become theirs."""
        with self._transaction() as db:
            db.execute(
                "UPDATE calls SET contact_id = ? WHERE call_id = ? AND contact_id IS NULL",
                (contact_id, call_id),
            )
            db.execute(
                "UPDATE interactions SET contact_id = ? WHERE call_id = ? AND contact_id IS NULL",
                (contact_id, call_id),
            )

    def add_interaction(self, call: Call, user_id: str, kind: str, detail: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO interactions (contact_id, call_id, user_id, kind, detail, at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (call.contact_id, call.call_id, user_id, kind, detail, time.time()),
            )
            if kind == "disposition":
                db.execute(
                    "UPDATE calls SET disposition = ? WHERE call_id = ?", (detail, call.call_id)
                )

    def timeline(self, contact_id: int) -> list[Interaction]:
        rows = self._rows(
            "SELECT * FROM interactions WHERE contact_id = ? ORDER BY at DESC, interaction_id DESC",
            (contact_id,),
        )
        return [
            Interaction(row["kind"], row["detail"], row["call_id"], row["user_id"], row["at"])
            for row in rows
        ]


def _user(row: sqlite3.Row) -> User:
    return User(row["user_id"], row["name"], row["extension_name"], row["extension_phone"])


def _contact(row: sqlite3.Row) -> Contact:
    return Contact(
        row["contact_id"],
        row["name"],
        row["company"],
        row["email"],
        row["phone"],
        row["phone_e164"],
        row["status"],
    )
