""" "Include what it needs": the customers, items and GL accounts an invoice plan lacks in
QuickBooks, planned first in the same plan, in the order they must be sent.

An invoice planned with :meth:`MasterData.include` lists a missing customer or item as a
``Need`` (with its BMS id) rather than blocking. :func:`plan_dependencies` then plans those
BMS records with their own Sync Maps — GL accounts (and their parents) before the items that
post to them, items and customers before the invoices — and blocks an invoice, naming the
record, when something it needs cannot be sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from reconcile.frames import Contract, check, keys
from reconcile.mapping.options import SyncOptions
from reconcile.mapping.syncmap import EntityMap, is_blank
from reconcile.plans import Plan
from reconcile.qbo.company import DEFAULT as DEFAULT_COMPANY
from reconcile.qbo.company import CompanySettings
from reconcile.store import SyncStore
from reconcile.sync import bms_payments
from reconcile.sync.invoices import INVOICE_PLAN_COLUMNS
from reconcile.sync.plan import MADE_NEEDS, PLAN_COLUMNS, RECORD_NEEDS, build_plan, need_rows
from reconcile.sync.state import QboState

# Dependencies are sent in this order, before the invoices.
ORDER = ("account", "item", "customer")
# An invoice plan with what it needs: the record plans' columns, then the invoice plan's own
# (a row has the columns of its kind; the others are missing).
DEPENDENCY_PLAN_COLUMNS: Contract = {**PLAN_COLUMNS, **INVOICE_PLAN_COLUMNS}


@dataclass(frozen=True)
class MasterData:
    """The BMS records an invoice may need: clients (accounts frame), services and GL
    accounts, as :mod:`reconcile.bms.loaders` gives them."""

    customers: pd.DataFrame
    items: pd.DataFrame
    accounts: pd.DataFrame

    def include(self) -> dict[str, dict[str, str]]:
        """For :class:`reconcile.sync.plan.Resolver`: kind → {key → BMS id}."""
        return {
            "customer": {str(i): str(i) for i in self.customers["Id"]},
            "item": {
                str(n).casefold(): str(i)
                for n, i in zip(self.items["Name"], self.items["Id"], strict=True)
                if not is_blank(n)
            },
            "account": {
                str(c): str(i)
                for c, i in zip(self.accounts["Code"], self.accounts["Id"], strict=True)
                if not is_blank(c)
            },
        }

    def frame(self, kind: str) -> pd.DataFrame:
        return {"customer": self.customers, "item": self.items, "account": self.accounts}[kind]


def _needed(rows: pd.DataFrame, kind: str) -> set[str]:
    return {
        str(n.body["bms_id"])
        for action, needs in zip(rows["action"], rows["needs"], strict=True)
        if action != "blocked"
        for n in needs
        if n.kind == kind
    }


def _with_parents(ids: set[str], accounts: pd.DataFrame, store: SyncStore) -> set[str]:
    """The GL accounts and every ancestor not yet linked: a child is created under its
    parent, so the parent goes in the same plan (sent first)."""
    parents = {
        str(i): str(int(p))
        for i, p in zip(accounts["Id"], accounts["ParentId"], strict=True)
        if not is_blank(p)
    }
    out, todo = set(), list(ids)
    while todo:
        bms_id = todo.pop()
        if bms_id in out:
            continue
        out.add(bms_id)
        parent = parents.get(bms_id)
        if parent and store.qbo_id("account", parent) is None:
            todo.append(parent)
    return out


def _block_unsendable(plan: pd.DataFrame, blocked: Mapping[tuple[str, str], str]) -> None:
    """Block (in place) the rows that need a record that cannot be sent, naming it."""
    for i, row in plan.iterrows():
        if row["action"] == "blocked":
            continue
        for need in row["needs"]:
            kind = RECORD_NEEDS.get(need.kind)
            reason = blocked.get((kind, str(need.body["bms_id"]))) if kind else None
            if reason is not None:
                plan.at[i, "action"] = "blocked"
                plan.at[i, "reason"] = f"needs {need.kind} {need.label!r}, which cannot be sent: "
                plan.at[i, "reason"] += reason
                if isinstance(row.get("payment"), dict):  # an invoice's: it waits with it
                    plan.at[i, "payment"] = bms_payments.waiting(row["payment"])
                break


def plan_dependencies(
    invoice_plan: Plan,
    master: MasterData,
    maps: Mapping[str, EntityMap],
    state: QboState,
    store: SyncStore,
    options: SyncOptions | Mapping[str, Any] | None = None,
    tax_items: pd.DataFrame | None = None,
    company: CompanySettings = DEFAULT_COMPANY,
) -> Plan:
    """The invoice plan preceded by plan rows for what it needs (in :data:`ORDER`); its rows
    have ``DEPENDENCY_PLAN_COLUMNS``.

    ``invoice_plan`` must have been built with ``include=master.include()``; ``state`` must
    hold what the customer and item plans read (see ``NEEDED``)."""
    include = master.include()
    plans: dict[str, pd.DataFrame] = {}  # kind → plan rows
    wanted = {
        "customer": _needed(invoice_plan.rows, "customer"),
        "item": _needed(invoice_plan.rows, "item"),
    }
    for kind in ("item", "customer"):
        rows = master.frame(kind)
        rows = rows[keys(rows["Id"]).isin(wanted[kind])]
        plan = build_plan(
            maps[kind],
            rows,
            state,
            store,
            options,
            tax_items,
            include,
            company,
            all_rows=master.frame(kind),
        ).rows
        inactive = [m is not None and m.values.get("Active") is False for m in plan["mapped"]]
        plan.loc[inactive, "reason"] = (
            f"inactive in BMS, and QuickBooks refuses an inactive {kind} on an invoice (error "
            "610): make it active in BMS first"
        )
        plan.loc[inactive, "action"] = "blocked"
        plans[kind] = plan
    accounts = _with_parents(_needed(plans["item"], "account"), master.accounts, store)
    rows = master.accounts[keys(master.accounts["Id"]).isin(accounts)]
    plans["account"] = build_plan(
        maps["account"], rows, state, store, options, tax_items, company=company
    ).rows
    blocked: dict[tuple[str, str], str] = {}
    for kind in ORDER:
        plan = plans[kind]
        while True:  # until settled: a blocked parent blocks its child, then its grandchild
            for row in plan[plan["action"] == "blocked"].itertuples():
                blocked[(kind, str(row.bms_id))] = row.reason
            before = int((plan["action"] == "blocked").sum())
            _block_unsendable(plan, blocked)
            if int((plan["action"] == "blocked").sum()) == before:
                break
    invoices = invoice_plan.rows.copy()
    _block_unsendable(invoices, blocked)
    parts = [plans[k] for k in ORDER if len(plans[k])] + [invoices]
    records = pd.concat(parts, ignore_index=True).reindex(columns=list(DEPENDENCY_PLAN_COLUMNS))
    records = records[~records["kind"].isin(MADE_NEEDS)]  # each part's, made once, first:
    made = pd.DataFrame(need_rows(records.to_dict("records")), columns=records.columns)
    combined = pd.concat([made, records], ignore_index=True) if len(made) else records
    rows = check(combined.reset_index(drop=True), DEPENDENCY_PLAN_COLUMNS, "the invoice plan")
    return invoice_plan.with_rows(rows)
