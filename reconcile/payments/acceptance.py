"""Accepting a suggestion: the person's choice is written to QuickBooks, nothing else.

An unapplied QuickBooks payment is applied there to the invoices the person accepted (the
payment gains lines linking them), so that QuickBooks and BMS tell the same story; the
payment can then be imported into BMS like any other. Nothing here runs without a person's
click on a suggestion they were shown.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconcile.errors import ReconcileError
from reconcile.qbo.client import QboClient
from reconcile.store import SyncStore


def accept(
    client: QboClient,
    store: SyncStore,
    payment_id: str,
    suggestion: Mapping,
    qbo_invoice_ids: Mapping[str, str],
) -> dict:
    """Apply QuickBooks payment ``payment_id`` to the suggestion's invoices (a row of
    ``reconcile.payments.suggestions.suggest``); ``qbo_invoice_ids`` maps BMS invoice id →
    QuickBooks invoice id. Returns the updated payment; logged either way."""
    payment = client.read("Payment", payment_id)
    lines = list(payment.get("Line") or [])
    placed = sum(float(ln.get("Amount", 0)) for ln in lines)
    # Read now, not from the suggestion: a suggestion accepted twice (a stale screen, a
    # second click after a lost answer) must not apply the payment to an invoice twice.
    applied = {t.get("TxnId") for ln in lines for t in ln.get("LinkedTxn") or []}
    pairs = zip(suggestion["bms_invoice_ids"], suggestion["amounts"], strict=True)
    for (bms_id, amount), number in zip(pairs, suggestion["invoice_numbers"], strict=True):
        qbo_id = qbo_invoice_ids.get(str(bms_id))
        if qbo_id is None:
            raise ReconcileError(f"BMS invoice {bms_id} is not in QuickBooks: export it first")
        if qbo_id in applied:
            raise ReconcileError(
                f"payment {payment_id} is already applied to {number} in QuickBooks: "
                "nothing changed (reload the payments to see it)"
            )
        lines.append(
            {"Amount": float(amount), "LinkedTxn": [{"TxnId": qbo_id, "TxnType": "Invoice"}]}
        )
        placed += float(amount)
    if placed > float(payment["TotalAmt"]) + 0.005:
        raise ReconcileError(
            f"payment {payment_id} is {payment['TotalAmt']:.2f}; applying "
            f"{', '.join(suggestion['invoice_numbers'])} would place {placed:.2f}"
        )
    run_id = store.start_run("payment", "accept suggestion")
    numbers = ", ".join(suggestion["invoice_numbers"])
    try:
        # Line is replaced whole by a sparse update: the existing lines are sent back too.
        updated = client.update(
            "Payment",
            {"Id": payment_id, "SyncToken": payment["SyncToken"], "Line": lines},
        )
    except ReconcileError as exc:
        store.log(
            run_id,
            kind="payment",
            action="update",
            outcome="failed",
            qbo_id=payment_id,
            code=getattr(exc, "code", None),
            message=f"applying to {numbers}: {exc}",
        )
        store.finish_run(run_id, outcome="failed")
        raise
    store.log(
        run_id,
        kind="payment",
        action="update",
        outcome="ok",
        qbo_id=payment_id,
        message=f"applied in QuickBooks to {numbers} (suggestion accepted: "
        f"{suggestion['reasons']})",
    )
    store.finish_run(run_id, outcome="ok")
    return updated
