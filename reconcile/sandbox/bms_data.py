"""SQLite tables of the BMS sandbox, with indexed columns for every filter the API offers.

Records are kept as their API documents (OpenAPI shapes); the columns beside them exist so
that filters, sorting and paging run in SQL even on a large tenant (100,000 invoices).
Date-times are indexed as UTC ``YYYY-MM-DDTHH:MM:SS`` text, which sorts chronologically.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime

from reconcile.sandbox.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS bms_accounts (
    id INTEGER PRIMARY KEY, name TEXT, code TEXT, type_id INTEGER, type_name TEXT,
    is_active INTEGER, created_on TEXT, modified_on TEXT, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS bms_accounts_modified ON bms_accounts (modified_on);
CREATE TABLE IF NOT EXISTS bms_gl (
    id INTEGER PRIMARY KEY, code TEXT, name TEXT, type_id INTEGER, parent_id INTEGER,
    is_active INTEGER, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bms_gl_types (id INTEGER PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bms_services (
    id INTEGER PRIMARY KEY, name TEXT, description TEXT, is_active INTEGER, is_taxable INTEGER,
    category_id INTEGER, income TEXT, expense TEXT, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bms_tax_items (id INTEGER PRIMARY KEY, name TEXT, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bms_invoices (
    id INTEGER PRIMARY KEY, number TEXT, account_id INTEGER, account_name TEXT,
    status_id INTEGER, created_on TEXT, invoice_date TEXT, posted INTEGER, reference TEXT,
    doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS bms_invoices_account ON bms_invoices (account_id);
CREATE INDEX IF NOT EXISTS bms_invoices_reference ON bms_invoices (reference);
CREATE INDEX IF NOT EXISTS bms_invoices_number ON bms_invoices (number);
CREATE TABLE IF NOT EXISTS bms_lines (
    id INTEGER PRIMARY KEY, invoice_id INTEGER, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS bms_lines_invoice ON bms_lines (invoice_id);
CREATE TABLE IF NOT EXISTS bms_discounts (
    id INTEGER PRIMARY KEY, invoice_id INTEGER, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS bms_discounts_invoice ON bms_discounts (invoice_id);
CREATE TABLE IF NOT EXISTS bms_payments (
    tenant TEXT, external_id TEXT, job_id INTEGER, applied_on TEXT, doc TEXT NOT NULL,
    PRIMARY KEY (tenant, external_id));
CREATE TABLE IF NOT EXISTS bms_jobs (id INTEGER PRIMARY KEY, state TEXT, logs TEXT);
CREATE TABLE IF NOT EXISTS bms_tokens (
    token TEXT PRIMARY KEY, kind TEXT, partner TEXT, expires_at REAL, revoked INTEGER DEFAULT 0);
"""


def utc_key(text: str | None) -> str | None:
    """An ISO date-time (any offset, or none = UTC) as sortable UTC text."""
    if not text:
        return None
    stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(UTC).replace(tzinfo=None)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S")


def conditions(where: list[tuple[str, tuple]]) -> tuple[str, tuple]:
    """AND-ed SQL conditions and their parameters."""
    clause = " AND ".join(c for c, _ in where) or "1=1"
    return clause, tuple(v for _, values in where for v in values)


def in_list(column: str, values: list) -> tuple[str, tuple]:
    """``column IN (?, ?, …)`` with its values."""
    return f"{column} IN ({','.join('?' * len(values))})", tuple(values)


def iso_z(stamp: datetime) -> str:
    """An RFC 3339 UTC date-time, the form the sandbox answers with."""
    return stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class BmsData:
    """The BMS tenant's records in the sandbox's SQLite file."""

    def __init__(self, store: Store) -> None:
        self.store = store
        with store.lock:
            store.conn.executescript(SCHEMA)

    def empty(self) -> bool:
        return not self.store.execute("SELECT 1 FROM bms_accounts LIMIT 1")

    # -- loading ------------------------------------------------------------------------------

    def _insert(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
        marks = ",".join("?" * len(columns))
        with self.store.lock:
            self.store.conn.executemany(
                f"INSERT OR REPLACE INTO {table} ({','.join(columns)}) VALUES ({marks})", rows
            )

    def put_accounts(self, accounts: Iterable[dict]) -> None:
        self._insert(
            "bms_accounts",
            (
                "id",
                "name",
                "code",
                "type_id",
                "type_name",
                "is_active",
                "created_on",
                "modified_on",
                "doc",
            ),
            (
                (
                    a["Id"],
                    a.get("AccountName"),
                    a.get("AccountCode"),
                    a.get("AccountTypeId"),
                    a.get("AccountType"),
                    int(bool(a.get("IsActive"))),
                    utc_key(a.get("CreatedOn")),
                    utc_key(a.get("ModifiedOn")),
                    json.dumps(a),
                )
                for a in accounts
            ),
        )

    def put_gl(self, gl_accounts: Iterable[dict], types: Iterable[dict]) -> None:
        self._insert(
            "bms_gl",
            ("id", "code", "name", "type_id", "parent_id", "is_active", "doc"),
            (
                (
                    g["Id"],
                    g.get("Code"),
                    g.get("Name"),
                    g.get("TypeId"),
                    g.get("ParentId"),
                    None if g.get("IsActive") is None else int(g["IsActive"]),
                    json.dumps(g),
                )
                for g in gl_accounts
            ),
        )
        self._insert("bms_gl_types", ("id", "doc"), ((t["Id"], json.dumps(t)) for t in types))

    def put_services(self, services: Iterable[dict]) -> None:
        self._insert(
            "bms_services",
            (
                "id",
                "name",
                "description",
                "is_active",
                "is_taxable",
                "category_id",
                "income",
                "expense",
                "doc",
            ),
            (
                (
                    s["Id"],
                    s.get("Name"),
                    s.get("Description"),
                    int(bool(s.get("IsActive"))),
                    int(bool(s.get("IsTaxable"))),
                    s.get("CategoryId"),
                    s.get("IncomeAccountCode"),
                    s.get("ExpenseAccountCode"),
                    json.dumps(s),
                )
                for s in services
            ),
        )

    def put_tax_items(self, items: Iterable[dict]) -> None:
        self._insert(
            "bms_tax_items",
            ("id", "name", "doc"),
            ((t["Id"], t.get("Name"), json.dumps(t)) for t in items),
        )

    def put_invoices(self, invoices: Iterable[dict]) -> int:
        """Store invoices (headers, lines and discounts apart); returns how many."""
        count = 0
        headers, lines, discounts = [], [], []
        for inv in invoices:
            header = {k: v for k, v in inv.items() if k not in ("LineItems", "DiscountItems")}
            headers.append(self._invoice_row(header))
            lines += [(ln["Id"], inv["Id"], json.dumps(ln)) for ln in inv.get("LineItems") or []]
            discounts += [
                (d["Id"], inv["Id"], json.dumps(d)) for d in inv.get("DiscountItems") or []
            ]
            count += 1
            if len(headers) >= 5000:
                self._flush(headers, lines, discounts)
                headers, lines, discounts = [], [], []
        self._flush(headers, lines, discounts)
        return count

    @staticmethod
    def _invoice_row(h: dict) -> tuple:
        return (
            h["Id"],
            h.get("InvoiceNumber"),
            h.get("AccountId"),
            h.get("AccountName"),
            h.get("StatusId"),
            utc_key(h.get("CreatedOn")),
            utc_key(h.get("InvoiceDate")),
            int(bool(h.get("PostedToAccounting"))),
            h.get("AccountingAppReference"),
            json.dumps(h),
        )

    def _flush(self, headers: list, lines: list, discounts: list) -> None:
        self._insert(
            "bms_invoices",
            (
                "id",
                "number",
                "account_id",
                "account_name",
                "status_id",
                "created_on",
                "invoice_date",
                "posted",
                "reference",
                "doc",
            ),
            headers,
        )
        self._insert("bms_lines", ("id", "invoice_id", "doc"), lines)
        self._insert("bms_discounts", ("id", "invoice_id", "doc"), discounts)

    def save_invoice(self, header: dict) -> None:
        """Write back one changed invoice header."""
        self._flush([self._invoice_row(header)], [], [])

    # -- reading ------------------------------------------------------------------------------

    def select(
        self,
        table: str,
        where: list[tuple[str, tuple]],
        *,
        order: str = "id",
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[list[dict], int]:
        """Documents matching the conditions (SQL with ``?`` marks, and their values), one page
        of them, and how many match in all."""
        clause, params = conditions(where)
        total = self.store.execute(f"SELECT COUNT(*) FROM {table} WHERE {clause}", params)[0][0]
        sql = f"SELECT doc FROM {table} WHERE {clause} ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        rows = self.store.execute(sql, params)
        return [json.loads(r[0]) for r in rows], total

    def one(self, table: str, record_id: int) -> dict | None:
        rows = self.store.execute(f"SELECT doc FROM {table} WHERE id=?", (record_id,))
        return json.loads(rows[0][0]) if rows else None

    def children(self, table: str, invoice_ids: list[int]) -> list[dict]:
        marks = ",".join("?" * len(invoice_ids))
        rows = self.store.execute(
            f"SELECT doc FROM {table} WHERE invoice_id IN ({marks}) ORDER BY invoice_id, id",
            tuple(invoice_ids),
        )
        return [json.loads(r[0]) for r in rows]
