"""The invoice plan: which selected BMS invoices would be created, updated, linked, voided,
left alone or blocked in QuickBooks, with their totals checked before anything is sent.

Matching follows the design's order: the link store, then the natural key (DocNumber), then
create. Unlike names, DocNumbers are not forced unique by QuickBooks, so the link store and a
stored request id per create (``SyncStore.begin_create``, used by the sender) are what keep
an interrupted export from duplicating an invoice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pandas as pd

from reconcile.mapping.invoices import EXPORTABLE_STATUSES, eligibility, map_invoice, totals_check
from reconcile.store import SyncStore
from reconcile.sync.plan import Need, Resolver
from reconcile.sync.state import QboState

INVOICE_PLAN_COLUMNS = [
    "kind", "bms_id", "name", "action", "qbo_id", "sync_token", "changes", "needs", "reason",
    "body", "draft", "qbo_record", "totals", "fingerprint",
]  # fmt: skip


def fingerprint(body: Mapping[str, Any]) -> str:
    """A short hash of what would be sent: an exported invoice whose fingerprint is unchanged
    needs no update."""
    text = json.dumps(body, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def set_ref(body: dict, path: str, qbo_id: str) -> None:
    """Put ``{"value": id}`` at a path that may go through the Line list (``Line.2.…``)."""
    node: Any = body
    *parents, leaf = path.split(".")
    for part in parents:
        node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
    node[leaf] = {"value": qbo_id}


def build_invoice_plan(
    headers: pd.DataFrame,
    lines: pd.DataFrame,
    discounts: pd.DataFrame,
    state: QboState,
    store: SyncStore,
    options: Mapping[str, Any] | None = None,
    tax_items: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One plan row per BMS invoice header (see the module docstring)."""
    options = options or {}
    resolver = Resolver(state, store, options, tax_items)
    checked = eligibility(headers, options.get("exportable_statuses", EXPORTABLE_STATUSES))
    by_invoice = lines.groupby("InvoiceId") if len(lines) else None
    disc_by_invoice = discounts.groupby("InvoiceId") if len(discounts) else None
    rows = []
    for header in checked.to_dict("records"):
        inv_lines = _group(by_invoice, header["Id"])
        inv_discounts = _group(disc_by_invoice, header["Id"])
        rows.append(
            _plan_invoice(header, inv_lines, inv_discounts, state, store, resolver, options)
        )
    plan = pd.DataFrame(rows, columns=INVOICE_PLAN_COLUMNS)
    plan.attrs.update(kind="invoice", entity="Invoice")
    return plan


def _group(groups: Any, key: Any) -> list[dict]:
    if groups is None or key not in groups.groups:
        return []
    return groups.get_group(key).to_dict("records")


def _plan_invoice(header, lines, discounts, state, store, resolver, options) -> dict:
    draft = map_invoice(header, lines, discounts, options)
    row: dict[str, Any] = {
        "kind": "invoice", "bms_id": draft.bms_id, "name": draft.doc_number, "changes": [],
        "needs": [], "qbo_id": None, "sync_token": None, "reason": "", "body": None,
        "draft": draft, "qbo_record": None, "totals": totals_check(draft, header),
        "fingerprint": None,
    }  # fmt: skip
    linked_id = store.qbo_id("invoice", draft.bms_id)
    current = state.by_id("Invoice", linked_id) if linked_id else None

    def blocked(reason: str) -> dict:
        return {**row, "action": "blocked", "reason": reason}

    if str(header.get("StatusName", "")).casefold() == "void":
        if current is None:
            return blocked("void in BMS and never exported: nothing to do in QuickBooks")
        return {**row, "action": "void", "qbo_id": current["Id"],
                "sync_token": current["SyncToken"], "qbo_record": current}  # fmt: skip
    if not header["Eligible"]:
        return blocked(str(header["Why"]))
    if draft.blocked:
        return blocked("; ".join(draft.problems))
    if not row["totals"]["agree"]:
        t = row["totals"]
        return blocked(
            f"totals differ: QuickBooks would compute {t['qbo_total']:.2f} (tax {t['qbo_tax']:.2f})"
            f", BMS says {t['bms_total']:.2f} (tax {t['bms_tax']:.2f})"
        )
    body = json.loads(json.dumps(draft.body))
    for path, ref in draft.refs.items():
        try:
            target = resolver.resolve(ref)
        except ValueError as exc:
            return blocked(str(exc))
        if isinstance(target, Need):
            row["needs"].append(replace(target, path=path))
        else:
            set_ref(body, path, target)
    digest = fingerprint(body)
    row.update(body=body, fingerprint=digest)
    if linked_id and current is None:
        return blocked(f"linked to QuickBooks invoice {linked_id}, which QuickBooks no longer has")
    if current is None:
        same_number = [
            i for i in state.by_field("Invoice", "DocNumber", draft.doc_number)
            if store.bms_id("invoice", i["Id"]) in (None, draft.bms_id)
        ]  # fmt: skip
        if same_number:
            current = same_number[0]
            return {**row, "action": "link", "qbo_id": current["Id"],
                    "sync_token": current["SyncToken"], "qbo_record": current}  # fmt: skip
        return {**row, "action": "create"}
    links = store.links("invoice")
    stored = links.loc[links["bms_id"] == draft.bms_id, "fingerprint"]
    unchanged = len(stored) and stored.iloc[0] == digest and not row["needs"]
    return {**row, "action": "unchanged" if unchanged else "update", "qbo_id": current["Id"],
            "sync_token": current["SyncToken"], "qbo_record": current}  # fmt: skip
