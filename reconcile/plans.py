"""Plans: what a write would do, one row per record, made before anything is written (planning
only reads), shown side by side, then carried out. Every kind has this one type: customers,
GL accounts, items and invoices (``reconcile.sync``) and payments (``reconcile.payments``).

The rows keep their stage's frame contract (``reconcile.frames``): ``PLAN_COLUMNS`` of
``reconcile.sync.plan``, ``INVOICE_PLAN_COLUMNS`` of ``reconcile.sync.invoices``, the payment
``PLAN_COLUMNS`` and ``LINE_COLUMNS`` of ``reconcile.payments.classification``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import pandas as pd


@dataclass(frozen=True)
class Plan:
    """A plan of one kind of record.

    ``kind`` is what is planned ("customer", "account", "item", "invoice", "payment"), and
    ``entity`` the QuickBooks entity it writes (or, for payments, reads: "Payment"). ``rows``
    has a row per record — an invoice plan may also hold rows of what the invoices need
    (terms, tax codes, customers, items, accounts), each with its own ``kind`` column value.
    ``lines`` are the invoice lines a payment applies (payments only). ``key`` names the
    column that identifies a row: ``bms_id``, or ``payment_id`` for payments."""

    kind: str
    entity: str
    rows: pd.DataFrame
    lines: pd.DataFrame | None = None
    key: str = "bms_id"

    def __len__(self) -> int:
        return len(self.rows)

    def select(self, ids: Iterable[object]) -> Plan:
        """The plan of these records only (values of ``key``), in the plan's order."""
        wanted = {str(i) for i in ids}

        def keep(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[frame[self.key].isin(wanted)].reset_index(drop=True)

        return replace(
            self, rows=keep(self.rows), lines=None if self.lines is None else keep(self.lines)
        )

    def where(self, mask: pd.Series) -> Plan:
        """The plan of the rows ``mask`` (a boolean Series on ``rows``) keeps; for payments,
        their lines too."""
        rows = self.rows[mask.fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)
        if self.lines is None:
            return replace(self, rows=rows)
        return self.select(rows[self.key])

    def with_rows(self, rows: pd.DataFrame) -> Plan:
        """The same plan with these rows (a stage that adds rows, such as dependencies)."""
        return replace(self, rows=rows)
