"""Imported payments against QuickBooks now (reconcile.payments.changes), on hand-made data."""

from __future__ import annotations

import pytest

from reconcile.frames import build
from reconcile.payments import changes as ch

pytestmark = pytest.mark.unit

IMPORTED = build(
    [
        {"payment_id": "1", "invoices": "INV-1", "imported": 100.0},
        {"payment_id": "2", "invoices": "INV-2, INV-3", "imported": 250.0},
        {"payment_id": "3", "invoices": "INV-4", "imported": 80.0},
        {"payment_id": "4", "invoices": "INV-5", "imported": 40.0},
    ],
    ch.IMPORTED_COLUMNS,
)


def _payment(pid: str, *amounts: float, total: float | None = None, credit: float = 0) -> dict:
    lines = [{"Amount": a, "LinkedTxn": [{"TxnId": "9", "TxnType": "Invoice"}]} for a in amounts]
    if credit:  # a line applying a credit memo is not money applied to an invoice
        lines.append({"Amount": credit, "LinkedTxn": [{"TxnId": "8", "TxnType": "CreditMemo"}]})
    return {
        "Id": pid,
        "TotalAmt": sum(amounts) if total is None else total,
        "CustomerRef": {"value": "58", "name": "Bayside Dental Group"},
        "Line": lines,
    }


def test_each_state_is_found_with_what_to_do_in_bms():
    now = {
        "1": _payment("1", 100.0, credit=30.0),  # unchanged: the credit line is not counted
        "2": _payment("2", 200.0, 40.0),  # 250 imported, 240 applied now
        "3": {**_payment("3"), "TotalAmt": 0, "PrivateNote": "Voided"},
        # "4" is gone: deleted in QuickBooks
    }
    out = ch.payment_changes(IMPORTED, now).set_index("payment_id")
    assert out["state"].to_dict() == {
        "1": ch.UNCHANGED,
        "2": ch.CHANGED,
        "3": ch.VOIDED,
        "4": ch.DELETED,
    }
    assert out.loc["2", "in_quickbooks"] == 240.0
    assert out.loc["2", "what_to_do"].startswith(
        "in BMS, change the payment applied to INV-2, INV-3 from 250.00 to 240.00"
    )
    assert out.loc["4", "what_to_do"].startswith("in BMS, remove the payment applied to INV-5")
    assert (
        out.loc["1", "what_to_do"] == "" and out.loc["1", "customer_name"] == "Bayside Dental Group"
    )
    assert list(out.reset_index().columns) == list(ch.CHANGE_COLUMNS)


def test_nothing_imported_is_an_empty_frame_with_every_column():
    out = ch.payment_changes(build([], ch.IMPORTED_COLUMNS), {})
    assert out.empty and list(out.columns) == list(ch.CHANGE_COLUMNS)
