"""The toolkit's own state in SQLite: the link store and the sync log.

- **Links** say which BMS record is which QuickBooks record, per entity kind. Sending looks
  here first, so re-running a step after a crash updates instead of creating a duplicate.
- **Runs and the log** record every action taken and its outcome, append-only, so an auditor
  can read afterwards what happened, when, by whom, and with which QuickBooks request id.
- **Chosen names** are the QuickBooks names people accepted for BMS records QuickBooks could
  not take by their BMS name (``sync/names.py``), each kept for the BMS name it was chosen for.
- **Pending creates** are intents written *before* a create is sent, with its request id. A
  resumed send reuses that request id, and QuickBooks replays the earlier answer instead of
  creating the record twice.

One file per profile and company (:meth:`SyncStore.for_config`). The file is in WAL mode and
safe to share: one lock serialises the threads of a process, and SQLite's busy timeout (10 s)
makes other processes (another kernel, the CLI) wait for each other instead of failing.
Every write runs in its own ``BEGIN IMMEDIATE`` transaction.

Secrets never go into this file: ``details`` are refused when a key is named like a token,
secret, password or credential (``sync_token``, QuickBooks' optimistic-locking counter, is
not a secret and is allowed), or when a value is a :class:`reconcile.secret.Secret`.

Timestamps are UTC ISO 8601 strings with microseconds and a ``Z``
(``2025-01-31T09:15:02.123456Z``), so they sort as text.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import socket
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from numbers import Integral
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from reconcile.errors import ReconcileError
from reconcile.secret import Secret

if TYPE_CHECKING:
    from reconcile.config import Config

SCHEMA_VERSION = 3  # 2: links.origin; 3: names, leases, runs.owner
BUSY_TIMEOUT = 10.0  # seconds another process may hold the write lock before we give up
LEASE_TTL = 120.0  # seconds without a heartbeat after which a lease holder elsewhere is dead

# The entity kinds the toolkit links (free text is accepted; these are the ones in use).
KINDS = ("customer", "account", "item", "invoice", "payment", "term", "taxcode", "bms_payment")
# Log actions in use (free text is accepted, but prefer these).
LOG_ACTIONS = (
    "create",  # a record was created in the target system
    "update",  # an existing linked record was changed
    "link",  # an existing record was found (natural key) and linked, nothing written
    "unchanged",  # linked and identical: nothing to send
    "blocked",  # a rule prevents sending (e.g. missing mapping); the message says which
    "deactivate",  # a record was made inactive
    "import",  # a payment was imported into BMS
    "skip",  # deliberately not processed (user choice, out of scope)
    "choose",  # a person chose how a record is sent (a QuickBooks name: sync/choices.py)
    "error",  # an unexpected failure; code/message/request_id say what
)
LOG_OUTCOMES = ("ok", "failed", "blocked", "skipped", "pending")
RUN_OUTCOMES = ("ok", "partial", "failed", "interrupted")

LINK_COLUMNS = [
    "kind",
    "bms_id",
    "qbo_id",
    "qbo_name",
    "sync_token",
    "fingerprint",
    "origin",
    "linked_at",
    "updated_at",
]
# Where a linked QuickBooks record came from: the toolkit created it, or it was in QuickBooks
# before and was linked (by its natural key). Links made before schema 2 have none (NULL) and
# are treated as "linked": what a person made in QuickBooks is protected (sync/policy.py).
ORIGINS = ("created", "linked")
LOG_COLUMNS = [
    "id",
    "at",
    "run_id",
    "kind",
    "action",
    "outcome",
    "bms_id",
    "qbo_id",
    "code",
    "message",
    "request_id",
    "details",
]
RUN_COLUMNS = [
    "run_id",
    "kind",
    "action",
    "user",
    "started_at",
    "finished_at",
    "outcome",
    "entries",
    "failed",
]

# Key names (lower-cased, non-alphanumerics removed) that look like credentials.
_SECRET_KEY = re.compile(r"token|secret|passw|pwd|apikey|credential|authorization|cookie")
_ALLOWED_KEYS = {"synctoken"}  # QuickBooks' SyncToken is a version counter, not a secret

_SCHEMA = """
CREATE TABLE IF NOT EXISTS links (
    kind        TEXT NOT NULL,
    bms_id      TEXT NOT NULL,
    qbo_id      TEXT NOT NULL,
    qbo_name    TEXT,
    sync_token  TEXT,
    fingerprint TEXT,
    origin      TEXT,
    linked_at   TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (kind, bms_id),
    UNIQUE (kind, qbo_id)
);
CREATE TABLE IF NOT EXISTS runs (
    run_id      TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    action      TEXT NOT NULL,
    user        TEXT,
    details     TEXT,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    outcome     TEXT,
    owner       TEXT
);
CREATE TABLE IF NOT EXISTS log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    run_id      TEXT REFERENCES runs(run_id),
    kind        TEXT NOT NULL,
    action      TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    bms_id      TEXT,
    qbo_id      TEXT,
    code        TEXT,
    message     TEXT NOT NULL DEFAULT '',
    request_id  TEXT,
    details     TEXT
);
CREATE INDEX IF NOT EXISTS log_run ON log (run_id);
CREATE INDEX IF NOT EXISTS log_kind_at ON log (kind, at);
CREATE TRIGGER IF NOT EXISTS log_no_update BEFORE UPDATE ON log
    BEGIN SELECT RAISE(ABORT, 'the sync log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS log_no_delete BEFORE DELETE ON log
    BEGIN SELECT RAISE(ABORT, 'the sync log is append-only'); END;
CREATE TABLE IF NOT EXISTS names (
    kind        TEXT NOT NULL,
    bms_id      TEXT NOT NULL,
    bms_name    TEXT NOT NULL,
    qbo_name    TEXT NOT NULL,
    chosen_by   TEXT,
    chosen_at   TEXT NOT NULL,
    PRIMARY KEY (kind, bms_id)
);
CREATE TABLE IF NOT EXISTS leases (
    name         TEXT PRIMARY KEY,
    owner        TEXT NOT NULL,
    purpose      TEXT,
    started_at   TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pending (
    kind        TEXT NOT NULL,
    bms_id      TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    PRIMARY KEY (kind, bms_id)
);
"""


class LinkConflictError(ReconcileError):
    """A QuickBooks record is already linked to another BMS record of the same kind."""


class StoreBusyError(ReconcileError):
    """Another process holds the store's write lock for longer than ``BUSY_TIMEOUT``."""


class PendingCreateError(ReconcileError):
    """A create of this record is already under way with another request id."""


class SchemaVersionError(ReconcileError):
    """The store file was written by a newer version of the toolkit."""


class ReadOnlyStoreError(ReconcileError):
    """A write was asked for inside :meth:`SyncStore.reading`, which promised none."""


def utc_now() -> str:
    """Now as the store writes it: UTC ISO 8601 with microseconds and ``Z``."""
    return _iso(datetime.now(UTC))


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} has no timezone; pass an aware datetime (e.g. UTC)")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _id(value: object, what: str) -> str:
    """An id as text: strings as they are, integers (BMS ids often are) as digits."""
    if isinstance(value, Integral) and not isinstance(value, bool):
        return str(int(value))
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, got {type(value).__name__} {value!r}")
    if not value.strip():
        raise ValueError(f"{what} must not be empty")
    return value


def _opt_text(value: object) -> str | None:
    return None if value is None else str(value)


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string, got {value!r}")
    return value


def check_no_secrets(details: object, where: str = "details") -> None:
    """Raise ValueError when ``details`` holds anything that looks like a credential.

    Keys (at any depth) named like token/secret/password/credential are refused, except
    ``sync_token``; so are :class:`~reconcile.secret.Secret` values. The store is read by
    auditors and copied around as CSV: a token written there would leak.
    """
    if isinstance(details, Secret):
        raise ValueError(f"{where} holds a Secret; secrets must never be stored in the sync log")
    if isinstance(details, dict):
        for key, value in details.items():
            name = re.sub(r"[^a-z0-9]", "", str(key).lower())
            if name not in _ALLOWED_KEYS and _SECRET_KEY.search(name):
                raise ValueError(
                    f"{where} key {key!r} looks like a credential; tokens, secrets and "
                    "passwords must never be stored in the sync log"
                )
            check_no_secrets(value, f"{where}[{key!r}]")
    elif isinstance(details, list | tuple | set):
        for i, value in enumerate(details):
            check_no_secrets(value, f"{where}[{i}]")


def _dump(details: dict | None, where: str) -> str | None:
    if details is None:
        return None
    if not isinstance(details, dict):
        raise TypeError(f"{where} must be a dict, got {type(details).__name__}")
    check_no_secrets(details, where)
    return json.dumps(details, default=str, ensure_ascii=False, sort_keys=True)


def process_owner() -> str:
    """This process, ``pid@host``, as runs and leases (``reconcile.lease``) name it, so a run
    left open by a process that is gone reads as interrupted."""
    return f"{os.getpid()}@{socket.gethostname()}"


def owner_alive(holder: str | None, heartbeat_at: str | None = None) -> bool:
    """Whether the process named ``pid@host`` still runs: on this host, asked of the system;
    elsewhere, by its heartbeat (None: unknown, taken as dead)."""
    if not holder or "@" not in holder:
        return False
    pid, _, host = holder.partition("@")
    if host == socket.gethostname():
        try:
            os.kill(int(pid), 0)
        except (ProcessLookupError, ValueError):
            return False
        except PermissionError:  # another user's process: it exists
            return True
        return True
    if heartbeat_at is None:
        return False
    beat = datetime.fromisoformat(heartbeat_at.replace("Z", "+00:00"))
    return (datetime.now(UTC) - beat).total_seconds() < LEASE_TTL


def _login() -> str | None:
    """The operating-system login name, so the store says who acted (None where unknown)."""
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return None


def _safe_name(part: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", part)


class SyncStore:
    """Link store + sync log + pending creates, in one SQLite file (see the module doc)."""

    def __init__(self, path: Path | str) -> None:
        """Open (creating if needed) the store at ``path``; ``":memory:"`` keeps it in memory.

        Raises SchemaVersionError when the file was written by a newer toolkit version.
        """
        self.path: Path | str = path if str(path) == ":memory:" else Path(path).expanduser()
        if isinstance(self.path, Path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._reading = threading.local()  # what the current thread promised only to read
        self._conn: sqlite3.Connection | None = sqlite3.connect(
            str(self.path),
            timeout=BUSY_TIMEOUT,
            isolation_level=None,  # transactions are explicit (BEGIN IMMEDIATE … COMMIT)
            check_same_thread=False,  # shared between threads, serialised by self._lock
        )
        try:
            self._setup()
        except BaseException:
            self.close()
            raise

    @classmethod
    def for_config(cls, config: Config) -> SyncStore:
        """The store of this profile and QuickBooks company:
        ``<data_dir>/reconcile-<profile>-<realm id or 'norealm'>.sqlite``.

        One file per profile+realm so sandbox links can never be mistaken for production ones.
        """
        realm = config.qbo.realm_id or "norealm"
        name = f"reconcile-{_safe_name(config.profile)}-{_safe_name(realm)}.sqlite"
        return cls(Path(config.data_dir) / name)

    def __repr__(self) -> str:
        return f"SyncStore({str(self.path)!r})"

    def __enter__(self) -> SyncStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ----------------------------------------------------------------------------

    def _setup(self) -> None:
        conn = self._connection()
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        with self._write() as db:
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            found = int(row[0]) if row else None
            if found is not None and found > SCHEMA_VERSION:
                raise SchemaVersionError(
                    f"{self.path} has store schema version {found}, but this version of "
                    f"reconcile understands only up to {SCHEMA_VERSION}: upgrade reconcile "
                    "(the file was left untouched)"
                )
            for statement in _SCHEMA.split(";\n"):
                if statement.strip():
                    db.execute(statement)
            columns = {r[1] for r in db.execute("PRAGMA table_info(links)")}
            if "origin" not in columns:  # a schema 1 store: its links' origin is unknown
                db.execute("ALTER TABLE links ADD COLUMN origin TEXT")
            if "owner" not in {r[1] for r in db.execute("PRAGMA table_info(runs)")}:
                db.execute("ALTER TABLE runs ADD COLUMN owner TEXT")  # before schema 3
            db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ReconcileError(f"{self!r} is closed")
        return self._conn

    @contextmanager
    def reading(self, what: str) -> Iterator[SyncStore]:
        """While the block runs, this thread's writes to the store raise ReadOnlyStoreError
        naming ``what``: a "this only reads" (the first look, a report, a plan) kept by the
        store itself rather than by care. Other threads (a send under way) write as usual."""
        outer = getattr(self._reading, "what", None)
        self._reading.what = outer or what
        try:
            yield self
        finally:
            self._reading.what = outer

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taking the write lock up front (waits up to BUSY_TIMEOUT)."""
        promised = getattr(self._reading, "what", None)
        if promised:
            raise ReadOnlyStoreError(
                f"{promised} only reads, yet something asked to write to the store {self.path}"
            )
        with self._lock:
            conn = self._connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:  # "database is locked" after the timeout
                raise StoreBusyError(
                    f"{self.path} is held by another process (it kept the store's write lock "
                    f"for more than {BUSY_TIMEOUT:g} s; a paused or stuck reconcile?): let "
                    f"it finish or stop it, then try again ({exc})"
                ) from None
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _read(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        with self._lock:
            return self._connection().execute(sql, params).fetchall()

    def read_sql(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        """A read of the store's tables, for the modules that keep a table here
        (``reconcile.lease``)."""
        return self._read(sql, params)

    @contextmanager
    def write_sql(self) -> Iterator[sqlite3.Connection]:
        """One write transaction on the store's tables, for the modules that keep a table
        here (``reconcile.lease``)."""
        with self._write() as db:
            yield db

    def close(self) -> None:
        """Close the file (idempotent). Anything written is already committed."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- links -------------------------------------------------------------------------------

    def link(
        self,
        kind: str,
        bms_id: str,
        qbo_id: str,
        *,
        sync_token: str | None = None,
        fingerprint: str | None = None,
        qbo_name: str | None = None,
        origin: str | None = None,
    ) -> None:
        """Record that BMS record ``bms_id`` is QuickBooks record ``qbo_id`` (upsert).

        ``origin`` says whether the toolkit created the QuickBooks record ("created") or
        found it there ("linked", see ``ORIGINS``); it is kept with the link.
        Re-linking the same pair updates the values given (``None`` keeps the stored one).
        Linking ``bms_id`` to another ``qbo_id`` replaces the link (and its token/fingerprint).
        A ``qbo_id`` already linked to another BMS id of this kind raises LinkConflictError:
        two BMS records must never both write to one QuickBooks record.
        """
        kind = _text(kind, "kind")
        bms_id, qbo_id = _id(bms_id, "bms_id"), _id(qbo_id, "qbo_id")
        token, print_, name = _opt_text(sync_token), _opt_text(fingerprint), _opt_text(qbo_name)
        if origin is not None and origin not in ORIGINS:
            raise ValueError(f"origin must be one of {ORIGINS}, got {origin!r}")
        now = utc_now()
        with self._write() as db:
            row = db.execute(
                "SELECT bms_id FROM links WHERE kind = ? AND qbo_id = ?", (kind, qbo_id)
            ).fetchone()
            if row and row[0] != bms_id:
                raise LinkConflictError(
                    f"QuickBooks {kind} {qbo_id} is already linked to BMS {kind} {row[0]}; "
                    f"it cannot also be linked to BMS {kind} {bms_id} (unlink {row[0]} first "
                    "if the link is wrong)"
                )
            current = db.execute(
                "SELECT qbo_id FROM links WHERE kind = ? AND bms_id = ?", (kind, bms_id)
            ).fetchone()
            if current and current[0] == qbo_id:
                db.execute(
                    "UPDATE links SET sync_token = COALESCE(?, sync_token), "
                    "fingerprint = COALESCE(?, fingerprint), qbo_name = COALESCE(?, qbo_name), "
                    "origin = COALESCE(?, origin), updated_at = ? WHERE kind = ? AND bms_id = ?",
                    (token, print_, name, origin, now, kind, bms_id),
                )
            else:
                db.execute(
                    "INSERT OR REPLACE INTO links (kind, bms_id, qbo_id, qbo_name, sync_token, "
                    "fingerprint, origin, linked_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (kind, bms_id, qbo_id, name, token, print_, origin, now, now),
                )

    def unlink(self, kind: str, bms_id: str) -> None:
        """Forget the link of this BMS record (no error when there is none)."""
        with self._write() as db:
            db.execute(
                "DELETE FROM links WHERE kind = ? AND bms_id = ?", (kind, _id(bms_id, "bms_id"))
            )

    def qbo_id(self, kind: str, bms_id: str) -> str | None:
        """The QuickBooks id linked to this BMS record, or None."""
        rows = self._read(
            "SELECT qbo_id FROM links WHERE kind = ? AND bms_id = ?", (kind, _id(bms_id, "bms_id"))
        )
        return rows[0][0] if rows else None

    def origin(self, kind: str, bms_id: str) -> str | None:
        """Where the linked QuickBooks record came from ("created", "linked"), or None when
        there is no link or it was made before the store recorded origins."""
        rows = self._read(
            "SELECT origin FROM links WHERE kind = ? AND bms_id = ?", (kind, _id(bms_id, "bms_id"))
        )
        return rows[0][0] if rows else None

    def bms_id(self, kind: str, qbo_id: str) -> str | None:
        """The BMS id linked to this QuickBooks record, or None."""
        rows = self._read(
            "SELECT bms_id FROM links WHERE kind = ? AND qbo_id = ?", (kind, _id(qbo_id, "qbo_id"))
        )
        return rows[0][0] if rows else None

    def links(self, kind: str | None = None) -> pd.DataFrame:
        """All links (of one kind when given), ordered by kind then bms_id."""
        sql = f"SELECT {', '.join(LINK_COLUMNS)} FROM links"
        params: tuple = ()
        if kind is not None:
            sql, params = sql + " WHERE kind = ?", (kind,)
        rows = self._read(sql + " ORDER BY kind, bms_id", params)
        return pd.DataFrame(rows, columns=LINK_COLUMNS, dtype=object)

    # -- chosen names ------------------------------------------------------------------------

    def choose_name(self, kind: str, bms_id: str, bms_name: str, qbo_name: str) -> None:
        """Keep the QuickBooks name a person chose for BMS record ``bms_id`` while it is named
        ``bms_name`` in BMS (choosing again replaces it)."""
        kind, bms_id = _text(kind, "kind"), _id(bms_id, "bms_id")
        values = (_text(bms_name, "bms_name"), _text(qbo_name, "qbo_name"))
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO names (kind, bms_id, bms_name, qbo_name, chosen_by, "
                "chosen_at) VALUES (?, ?, ?, ?, ?, ?)",
                (kind, bms_id, *values, _login(), utc_now()),
            )

    def chosen_name(self, kind: str, bms_id: str) -> tuple[str, str] | None:
        """(BMS name, QuickBooks name) a person chose for this record, or None."""
        rows = self._read(
            "SELECT bms_name, qbo_name FROM names WHERE kind = ? AND bms_id = ?",
            (kind, _id(bms_id, "bms_id")),
        )
        return (rows[0][0], rows[0][1]) if rows else None

    def chosen_names(self, kind: str | None = None) -> pd.DataFrame:
        """Every chosen name (of one kind when given), ordered by kind then bms_id."""
        columns = ["kind", "bms_id", "bms_name", "qbo_name", "chosen_by", "chosen_at"]
        sql, params = f"SELECT {', '.join(columns)} FROM names", ()
        if kind is not None:
            sql, params = sql + " WHERE kind = ?", (kind,)
        return pd.DataFrame(self._read(sql + " ORDER BY kind, bms_id", params), columns=columns)

    # -- runs and log ------------------------------------------------------------------------

    def start_run(
        self, kind: str, action: str, *, user: str | None = None, details: dict | None = None
    ) -> str:
        """Open a run (one send/import/… step) and return its id (uuid4 hex).

        ``user`` defaults to the operating-system login name, so the log says who acted.
        """
        kind, action = _text(kind, "kind"), _text(action, "action")
        payload = _dump(details, "details")
        user = _login() if user is None else user
        run_id = uuid.uuid4().hex
        with self._write() as db:
            db.execute(
                "INSERT INTO runs (run_id, kind, action, user, details, started_at, owner) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (run_id, kind, action, user, payload, utc_now(), process_owner()),
            )
        return run_id

    def finish_run(self, run_id: str, *, outcome: str) -> None:
        """Close a run with its outcome: ``ok``, ``partial``, ``failed`` or ``interrupted``.

        A run is finished once; finishing it again (or an unknown run) raises ValueError.
        """
        if outcome not in RUN_OUTCOMES:
            raise ValueError(f"run outcome must be one of {RUN_OUTCOMES}, got {outcome!r}")
        with self._write() as db:
            row = db.execute("SELECT outcome FROM runs WHERE run_id = ?", (run_id,)).fetchone()
            if row is None:
                raise ValueError(f"unknown run {run_id!r}")
            if row[0] is not None:
                raise ValueError(f"run {run_id} is already finished ({row[0]})")
            db.execute(
                "UPDATE runs SET finished_at = ?, outcome = ? WHERE run_id = ?",
                (utc_now(), outcome, run_id),
            )

    def log(
        self,
        run_id: str | None,
        *,
        kind: str,
        action: str,
        outcome: str,
        bms_id: str | None = None,
        qbo_id: str | None = None,
        message: str = "",
        code: str | None = None,
        request_id: str | None = None,
        details: dict | None = None,
    ) -> int:
        """Append one entry to the sync log and return its id. The log is never changed.

        ``action``: what was done — create, update, link, unchanged, blocked, deactivate,
        import, skip, choose, error (see LOG_ACTIONS; other text is accepted).
        ``outcome``: ok, failed, blocked, skipped or pending (checked).
        ``code``/``request_id``: the QuickBooks/BMS error code and the request id sent, so a
        failure can be traced on the server side. ``details``: a JSON-able dict of context; it
        must not contain tokens or passwords (refused with ValueError).
        """
        kind, action = _text(kind, "kind"), _text(action, "action")
        if outcome not in LOG_OUTCOMES:
            raise ValueError(f"log outcome must be one of {LOG_OUTCOMES}, got {outcome!r}")
        payload = _dump(details, "details")
        values = (
            utc_now(),
            run_id,
            kind,
            action,
            outcome,
            None if bms_id is None else _id(bms_id, "bms_id"),
            None if qbo_id is None else _id(qbo_id, "qbo_id"),
            _opt_text(code),
            str(message or ""),
            _opt_text(request_id),
            payload,
        )
        try:
            with self._write() as db:
                cursor = db.execute(
                    "INSERT INTO log (at, run_id, kind, action, outcome, bms_id, qbo_id, code, "
                    "message, request_id, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    values,
                )
                return int(cursor.lastrowid or 0)
        except sqlite3.IntegrityError as exc:
            raise ValueError(f"unknown run {run_id!r} (start it with start_run)") from exc

    def log_frame(
        self,
        *,
        run_id: str | None = None,
        kind: str | None = None,
        since: datetime | None = None,
        outcome: str | None = None,
    ) -> pd.DataFrame:
        """Log entries, oldest first, optionally of one run / kind / outcome, at or after
        ``since`` (an aware datetime). ``details`` is a dict ({} when none was given)."""
        where, params = [], []
        for column, value in (("run_id", run_id), ("kind", kind), ("outcome", outcome)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if since is not None:
            where.append("at >= ?")
            params.append(_iso(since))
        sql = f"SELECT {', '.join(LOG_COLUMNS)} FROM log"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._read(sql + " ORDER BY id", params)
        frame = pd.DataFrame(rows, columns=LOG_COLUMNS, dtype=object)
        frame["id"] = frame["id"].astype("int64")
        frame["details"] = [json.loads(d) if d else {} for d in frame["details"]]
        return frame

    def runs(self) -> pd.DataFrame:
        """Every run, oldest first, with its number of log entries and of failed ones.
        ``finished_at``/``outcome`` are None while a run is open; a run left open by a
        process that is gone (killed, crashed) reads ``interrupted``."""
        rows = self._read(
            "SELECT r.run_id, r.kind, r.action, r.user, r.started_at, r.finished_at, r.outcome, "
            "COUNT(l.id), COALESCE(SUM(l.outcome = 'failed'), 0), r.owner, MAX(x.heartbeat_at) "
            "FROM runs r LEFT JOIN log l ON l.run_id = r.run_id "
            "LEFT JOIN leases x ON x.owner = r.owner "
            "GROUP BY r.run_id ORDER BY r.started_at, r.rowid"
        )
        rows = [
            (
                *r[:6],
                "interrupted" if r[6] is None and not owner_alive(r[9], r[10]) else r[6],
                *r[7:9],
            )
            for r in rows
        ]
        frame = pd.DataFrame(rows, columns=RUN_COLUMNS, dtype=object)
        frame["entries"] = frame["entries"].astype("int64")
        frame["failed"] = frame["failed"].astype("int64")
        return frame

    def export_log_csv(self, path: Path | str, **filters: Any) -> Path:
        """Write the log (same filters and columns as log_frame; ``details`` as JSON text) to
        a UTF-8 CSV with a header, for an auditor or a spreadsheet. Returns the path."""
        frame = self.log_frame(**filters)
        frame["details"] = [
            json.dumps(d, ensure_ascii=False, sort_keys=True) for d in frame["details"]
        ]
        path = Path(path).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False, encoding="utf-8")
        return path

    # -- pending creates (crash safety) --------------------------------------------------------

    def pending(self, kind: str, bms_id: str) -> str | None:
        """The request id of a create that was begun but not ended (a crash), or None.
        Resend with this request id: QuickBooks then replays instead of creating again."""
        rows = self._read(
            "SELECT request_id FROM pending WHERE kind = ? AND bms_id = ?",
            (kind, _id(bms_id, "bms_id")),
        )
        return rows[0][0] if rows else None

    def pending_of(self, kind: str) -> dict[str, str]:
        """Every create (or import) of this kind begun and not ended: id → request id."""
        rows = self._read("SELECT bms_id, request_id FROM pending WHERE kind = ?", (kind,))
        return dict(rows)

    def begin_create(self, kind: str, bms_id: str, request_id: str) -> None:
        """Record, durably and before sending, that a create with ``request_id`` is on its way.

        Calling it again with the same request id is a no-op; with another one while a create
        is pending raises PendingCreateError (the pending request id must be reused, see
        pending(); another export or import running at the same time gets this)."""
        kind, bms_id = _text(kind, "kind"), _id(bms_id, "bms_id")
        request_id = _text(request_id, "request_id")
        with self._write() as db:
            row = db.execute(
                "SELECT request_id FROM pending WHERE kind = ? AND bms_id = ?", (kind, bms_id)
            ).fetchone()
            if row and row[0] != request_id:
                raise PendingCreateError(
                    f"a create of BMS {kind} {bms_id} is already pending with request id "
                    f"{row[0]} (another export or import running at the same time?); plan "
                    "again to resend it with that request id"
                )
            if row is None:
                db.execute(
                    "INSERT INTO pending (kind, bms_id, request_id, started_at) "
                    "VALUES (?, ?, ?, ?)",
                    (kind, bms_id, request_id, utc_now()),
                )

    def end_create(self, kind: str, bms_id: str) -> None:
        """The create is settled (linked, or definitely failed): forget its intent."""
        with self._write() as db:
            db.execute(
                "DELETE FROM pending WHERE kind = ? AND bms_id = ?", (kind, _id(bms_id, "bms_id"))
            )
