"""SQLite state of the sandbox servers, so a company survives restarts.

Entities are kept as their JSON documents (the sandbox works on QBO's own shapes), keyed by
realm, entity name and Id. One lock serialises every operation: the sandbox favours
correctness (atomic multi-record updates such as a payment changing invoices and the
customer's balance) over parallel throughput.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS entities (
    realm TEXT NOT NULL, entity TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL,
    name_key TEXT, customer_id TEXT,
    PRIMARY KEY (realm, entity, id));
CREATE INDEX IF NOT EXISTS entities_name ON entities (realm, entity, name_key);
CREATE INDEX IF NOT EXISTS entities_customer ON entities (realm, entity, customer_id);
CREATE TABLE IF NOT EXISTS sequences (
    realm TEXT NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL,
    PRIMARY KEY (realm, name));
CREATE TABLE IF NOT EXISTS replies (
    realm TEXT NOT NULL, request_id TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (realm, request_id));
CREATE TABLE IF NOT EXISTS oauth_codes (
    code TEXT PRIMARY KEY, client_id TEXT, redirect_uri TEXT, realm TEXT, scope TEXT,
    expires_at REAL, grant_id TEXT, used INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS oauth_tokens (
    token TEXT PRIMARY KEY, kind TEXT, client_id TEXT, realm TEXT, grant_id TEXT,
    expires_at REAL, stale_at REAL, revoked INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class Store:
    """A small typed face over one SQLite file (or ``:memory:``)."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        if self.path != ":memory:":
            self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.executescript(SCHEMA)
        self.lock = threading.RLock()
        self._depth = 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing: nested calls join the outer transaction."""
        with self.lock:
            outer = self._depth == 0
            if outer:
                self.conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self.conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self.conn.execute("COMMIT")

    def execute(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    # -- entities ---------------------------------------------------------------------------

    def get(self, realm: str, entity: str, entity_id: str) -> dict | None:
        rows = self.execute(
            "SELECT doc FROM entities WHERE realm=? AND entity=? AND id=?",
            (realm, entity, str(entity_id)),
        )
        return json.loads(rows[0][0]) if rows else None

    def put(self, realm: str, entity: str, doc: dict, name_key: str | None = None) -> None:
        """Store a document; ``name_key`` indexes the unique name, ``CustomerRef`` the owner."""
        customer = (doc.get("CustomerRef") or {}).get("value")
        self.execute(
            "INSERT OR REPLACE INTO entities (realm, entity, id, doc, name_key, customer_id)"
            " VALUES (?,?,?,?,?,?)",
            (realm, entity, str(doc["Id"]), json.dumps(doc), name_key, customer),
        )

    def find(
        self,
        realm: str,
        entity: str,
        *,
        name_key: str | None = None,
        customer_id: str | None = None,
    ) -> list[dict]:
        """Documents by indexed unique-name key or by customer."""
        column, value = (
            ("name_key", name_key) if name_key is not None else ("customer_id", customer_id)
        )
        rows = self.execute(
            f"SELECT doc FROM entities WHERE realm=? AND entity=? AND {column}=?",
            (realm, entity, value),
        )
        return [json.loads(r[0]) for r in rows]

    def delete(self, realm: str, entity: str, entity_id: str) -> None:
        self.execute(
            "DELETE FROM entities WHERE realm=? AND entity=? AND id=?",
            (realm, entity, str(entity_id)),
        )

    def all(self, realm: str, entity: str) -> list[dict]:
        rows = self.execute("SELECT doc FROM entities WHERE realm=? AND entity=?", (realm, entity))
        return [json.loads(r[0]) for r in rows]

    def next_value(self, realm: str, name: str, start: int = 1) -> int:
        """The next number of a per-realm sequence (entity Ids, document numbers)."""
        with self.transaction():
            rows = self.execute(
                "SELECT value FROM sequences WHERE realm=? AND name=?", (realm, name)
            )
            value = rows[0][0] + 1 if rows else start
            self.execute(
                "INSERT OR REPLACE INTO sequences (realm, name, value) VALUES (?,?,?)",
                (realm, name, value),
            )
            return value

    # -- idempotent replies -----------------------------------------------------------------

    def reply(self, realm: str, request_id: str) -> tuple[int, Any] | None:
        rows = self.execute(
            "SELECT status, body FROM replies WHERE realm=? AND request_id=?", (realm, request_id)
        )
        return (rows[0][0], json.loads(rows[0][1])) if rows else None

    def save_reply(self, realm: str, request_id: str, status: int, body: Any) -> None:
        self.execute(
            "INSERT OR REPLACE INTO replies (realm, request_id, status, body) VALUES (?,?,?,?)",
            (realm, request_id, status, json.dumps(body)),
        )

    # -- settings ---------------------------------------------------------------------------

    def kv_get(self, key: str, default: Any = None) -> Any:
        rows = self.execute("SELECT value FROM kv WHERE key=?", (key,))
        return json.loads(rows[0][0]) if rows else default

    def kv_set(self, key: str, value: Any) -> None:
        self.execute(
            "INSERT OR REPLACE INTO kv (key, value) VALUES (?,?)", (key, json.dumps(value))
        )

    def close(self) -> None:
        with self.lock:
            self.conn.close()
