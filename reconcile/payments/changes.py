"""What became of QuickBooks payments after they were imported into BMS, or recorded in
QuickBooks from BMS (issue 15, item 3).

A payment imported into BMS stays applied there whatever happens to it in QuickBooks later,
so a payment voided, deleted or changed in amount in QuickBooks after its import leaves the
two ledgers telling different stories. It is found by comparing what was imported — the
amounts the import recorded per BMS invoice before sending (the import's ``pending`` log
entry, ``reconcile.payments.importer``) — with the QuickBooks payment now. The same holds for
a payment this toolkit recorded in QuickBooks from money BMS shows paid
(``reconcile.sync.bms_payments.recorded_payments``): voided there by a person, it is not
recorded again (their change is kept), so the person is told. Reading only.

BMS's API has no way to reverse or change a payment (reference/bms-api-and-peers.md §1.8:
the only payment write is ``ImportPayments``), so the toolkit says exactly what to change in
BMS by hand instead of offering the reversal. A change is logged once (:func:`log_changes`,
when payments are imported: reading never writes).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from reconcile.frames import KEY, MONEY, TEXT, Contract, build, check
from reconcile.payments.importer import imported_lines
from reconcile.store import SyncStore

UNCHANGED = "unchanged"
VOIDED = "voided in QuickBooks"
DELETED = "deleted in QuickBooks"
CHANGED = "amount changed in QuickBooks"
CENT = 0.005
IMPORTED = "imported into BMS"
RECORDED = "recorded from BMS"

# One row per payment moved between the books: which way (``source``), on which BMS
# invoices, how much.
IMPORTED_COLUMNS: Contract = {
    "payment_id": KEY,
    "source": TEXT,
    "invoices": TEXT,
    "imported": MONEY,
}
CHANGE_COLUMNS: Contract = {
    "payment_id": KEY,
    "source": TEXT,
    "customer_name": TEXT,
    "invoices": TEXT,
    "imported": MONEY,
    "in_quickbooks": MONEY,
    "state": TEXT,
    "what_to_do": TEXT,
}


def imported_payments(store: SyncStore) -> pd.DataFrame:
    """The payments this toolkit imported into BMS (``IMPORTED_COLUMNS``): the BMS invoice
    numbers each was applied to and the amount, as the import recorded them before sending
    (:func:`reconcile.payments.importer.imported_lines`)."""
    rows = [
        {
            "payment_id": payment_id,
            "source": IMPORTED,
            "invoices": ", ".join(ln["number"] for ln in paid),
            "imported": round(sum(float(ln["amount"]) for ln in paid), 2),
        }
        for payment_id, paid in imported_lines(store).items()
    ]
    return build(rows, IMPORTED_COLUMNS)


def payment_changes(imported: pd.DataFrame, now: Mapping[str, dict]) -> pd.DataFrame:
    """Each payment moved (``imported``: :func:`imported_payments`, and those recorded from
    BMS) against the QuickBooks payment now (``now``: payment id → the Payment document,
    absent when QuickBooks no longer has it): ``CHANGE_COLUMNS``, with the state and what
    to do."""
    rows = []
    for row in imported.to_dict("records"):
        doc = now.get(row["payment_id"])
        applied = _applied(doc) if doc is not None else 0.0
        if doc is None:
            state = DELETED
        elif _voided(doc):
            state = VOIDED
        elif abs(applied - row["imported"]) > CENT:
            state = CHANGED
        else:
            state = UNCHANGED
        rows.append(
            {
                **row,
                "customer_name": ((doc or {}).get("CustomerRef") or {}).get("name"),
                "in_quickbooks": applied,
                "state": state,
                "what_to_do": _what_to_do(state, row, applied),
            }
        )
    frame = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS)) if rows else build([], CHANGE_COLUMNS)
    return check(frame.reset_index(drop=True), CHANGE_COLUMNS, "the payment changes")


def _applied(doc: dict) -> float:
    """What the payment applies to invoices now (its lines linking an Invoice)."""
    total = 0.0
    for line in doc.get("Line") or []:
        if any(t.get("TxnType") == "Invoice" for t in line.get("LinkedTxn") or []):
            total += float(line.get("Amount") or 0)
    return round(total, 2)


def _voided(doc: dict) -> bool:
    # A voided payment keeps its Id with every amount 0 (and "Voided" in PrivateNote:
    # docs/sandbox-fidelity.md, "Void", observed on invoices); a total of 0 is enough to know.
    return abs(float(doc.get("TotalAmt") or 0)) < CENT


def _what_to_do(state: str, row: Mapping, applied: float) -> str:
    if state == UNCHANGED:
        return ""
    if row["source"] == RECORDED:
        done = "changed" if state == CHANGED else state.split()[0]
        return (
            f"BMS shows {row['imported']:.2f} paid on {row['invoices']}, which this toolkit "
            f"recorded in QuickBooks and a person {done} there (now {applied:.2f}): if the "
            "money was not received, remove the payment in BMS; if it was, record it again in "
            "QuickBooks (exports keep the change and record nothing)"
        )
    where = f"the payment applied to {row['invoices']}"
    if state == CHANGED:
        return (
            f"in BMS, change {where} from {row['imported']:.2f} to {applied:.2f} "
            "(BMS's API cannot change a payment)"
        )
    return (
        f"in BMS, remove {where} ({row['imported']:.2f}), or record the money again in "
        "QuickBooks if it was received (BMS's API cannot reverse a payment)"
    )


LOGGED_ACTION = "changed in QuickBooks"


def log_changes(store: SyncStore, changes: pd.DataFrame) -> int:
    """Log each change of :func:`payment_changes` not logged before (one entry per payment
    and state, outcome ``blocked``: a person acts in BMS); returns how many were new."""
    entries = [
        {
            "qbo_id": row["payment_id"],
            "state": row["state"],
            "message": f"{row['state']}, after it was {row['source']}: {row['what_to_do']}",
            "details": {"imported": row["imported"]},
        }
        for row in changes[changes["state"] != UNCHANGED].to_dict("records")
    ]
    return log_once(store, "payment", entries)


def log_once(store: SyncStore, kind: str, entries: list[dict]) -> int:
    """Log each entry (``qbo_id``, optional ``bms_id``, ``state``, ``message``, ``details``)
    whose record and state were not logged before, as action ``changed in QuickBooks``,
    outcome ``blocked``, in a run of its own; returns how many were new."""
    seen = store.log_frame(kind=kind)
    seen = seen[seen["action"] == LOGGED_ACTION]
    logged = {(q, d.get("state")) for q, d in zip(seen["qbo_id"], seen["details"], strict=True)}
    new = [e for e in entries if (e["qbo_id"], e["state"]) not in logged]
    if not new:
        return 0
    run_id = store.start_run(kind, "check", details={"changed": len(new)})
    for entry in new:
        store.log(
            run_id,
            kind=kind,
            action=LOGGED_ACTION,
            outcome="blocked",
            bms_id=entry.get("bms_id"),
            qbo_id=entry["qbo_id"],
            message=entry["message"],
            details={"state": entry["state"], **entry.get("details", {})},
        )
    store.finish_run(run_id, outcome="ok")
    return len(new)
