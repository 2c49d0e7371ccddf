"""What the export records in QuickBooks of the money BMS shows paid (no network)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from reconcile.mapping.options import SyncOptions
from reconcile.store import SyncStore
from reconcile.sync import bms_payments
from reconcile.sync.bms_payments import HELD, NOTHING, RECORD, plan_payment
from reconcile.sync.state import QboState

TODAY = date(2026, 11, 30)
HEADER = {
    "InvoiceNumber": "INV-1",
    "GrandTotal": 100.0,
    "PaidAmount": 40.0,
    "InvoiceDate": pd.Timestamp("2026-10-01"),
    "ModifiedOn": pd.Timestamp("2026-10-20T15:00:00Z"),
}
NO_DEPOSIT = (None, None)


def _plan(header=None, action="create", current=None, moved=(0.0, 0.0), **kw):
    return plan_payment(
        {**HEADER, **(header or {})}, action, current, moved, NO_DEPOSIT, TODAY, **kw
    )


def test_money_paid_in_bms_is_recorded_dated_the_day_bms_changed_the_invoice():
    payment = _plan()
    assert payment["action"] == RECORD and payment["to_record"] == 40.0
    assert payment["date"] == "2026-10-20" and payment["reference"] == "INV-1"
    shown = bms_payments.shown(payment)
    assert shown == {
        "bms_paid": 40.0,
        "qbo_applied": 0.0,
        "to_record": 40.0,
        "payment": "record 40.00 dated 2026-10-20 into Undeposited Funds (QuickBooks' default)",
    }


@pytest.mark.parametrize(
    ("modified", "day"),
    [
        (pd.Timestamp("2026-09-01T00:00:00Z"), "2026-10-01"),  # never before the invoice
        (pd.Timestamp("2026-12-24T00:00:00Z"), "2026-11-30"),  # nor after today
        (pd.NaT, "2026-11-30"),  # unknown: the day it is seen
    ],
)
def test_the_date_stays_between_the_invoice_date_and_today(modified, day):
    assert _plan({"ModifiedOn": modified})["date"] == day


def test_what_this_toolkit_moved_is_not_recorded_again():
    # 40 paid in BMS: 15 of it imported from QuickBooks, 25 recorded there before.
    assert _plan(moved=(15.0, 25.0))["action"] == NOTHING
    left = _plan(moved=(15.0, 5.0))
    assert left["action"] == RECORD and left["to_record"] == 20.0


def test_less_paid_in_bms_than_moved_is_held():
    payment = _plan(moved=(30.0, 20.0))
    assert payment["action"] == HELD and "a payment was removed in BMS" in payment["reason"]
    assert bms_payments.shown(payment)["payment"].startswith("held: BMS shows 40.00 paid")


def test_more_than_quickbooks_will_have_open_is_held():
    current = {"TotalAmt": 100.0, "Balance": 30.0}  # 70 applied in QuickBooks by a person
    payment = _plan(action="unchanged", current=current)
    assert payment["action"] == HELD and payment["qbo_applied"] == 70.0
    assert "will have only 30.00 open" in payment["reason"]
    fits = _plan(action="unchanged", current={"TotalAmt": 100.0, "Balance": 60.0})
    assert fits["action"] == RECORD and fits["to_record"] == 40.0


@pytest.mark.parametrize(
    ("action", "words"),
    [("link", "company's own invoice"), ("blocked", "waits for its invoice"), ("void", "waits")],
)
def test_only_invoices_the_export_owns_take_a_payment(action, words):
    payment = _plan(action=action)
    assert payment["action"] == HELD and words in payment["reason"]


def test_an_invoice_voided_in_quickbooks_takes_no_payment():
    current = {"TotalAmt": 0.0, "Balance": 0.0, "PrivateNote": "Voided"}
    payment = _plan(action="unchanged", current=current)
    assert payment["action"] == HELD and "voided in QuickBooks" in payment["reason"]


def test_a_blocked_invoice_holds_its_payment():
    assert bms_payments.waiting(_plan())["action"] == HELD
    assert bms_payments.waiting(_plan(moved=(0.0, 40.0)))["action"] == NOTHING


def test_a_payment_begun_before_says_it_is_resent_with_its_request_id():
    payment = _plan(pending="rid-1")
    assert payment["action"] == RECORD and "same request id" in payment["reason"]


def test_the_deposit_account_must_take_payments():
    state = QboState(
        {
            "Account": [
                {"Id": "1", "Name": "Checking", "AccountType": "Bank"},
                {"Id": "2", "Name": "Accounts Payable (A/P)", "AccountType": "Accounts Payable"},
            ]
        }
    )
    assert bms_payments.deposit_account(state, SyncOptions()) == (None, None)
    found = bms_payments.deposit_account(state, SyncOptions(deposit_account="checking"))
    assert found == ({"value": "1", "name": "Checking"}, None)
    ref, problem = bms_payments.deposit_account(
        state, SyncOptions(deposit_account="Accounts Payable (A/P)")
    )
    assert ref is None and "Bank or Other Current Asset" in problem
    held = plan_payment(HEADER, "create", None, (0.0, 0.0), (ref, problem), TODAY)
    assert held["action"] == HELD and held["reason"] == problem


def test_the_body_applies_the_payment_to_the_invoice_in_its_currency():
    payment = {**_plan(), "deposit_to": {"value": "1", "name": "Checking"}}
    invoice = {"Id": "70", "CustomerRef": {"value": "5"}, "CurrencyRef": {"value": "CAD"}}
    body = bms_payments.payment_body(payment, invoice)
    assert body["Line"] == [{"Amount": 40.0, "LinkedTxn": [{"TxnId": "70", "TxnType": "Invoice"}]}]
    assert body["CustomerRef"] == {"value": "5"} and body["CurrencyRef"] == {"value": "CAD"}
    assert body["TotalAmt"] == 40.0 and body["TxnDate"] == "2026-10-20"
    assert body["DepositToAccountRef"] == {"value": "1", "name": "Checking"}
    assert body["PaymentRefNum"] == "INV-1" and "Kaseya BMS" in body["PrivateNote"]


def test_moved_sums_what_was_imported_and_recorded_per_invoice():
    store = SyncStore(":memory:")
    run = store.start_run("payment", "import")
    lines = [{"bms_id": "7", "number": "INV-7", "due_before": 50.0, "amount": 12.5}]
    for payment_id, linked in (("P1", True), ("P2", False)):  # P2: BMS never took it
        store.log(
            run,
            kind="payment",
            action="import",
            outcome="pending",
            qbo_id=payment_id,
            details={"lines": lines},
        )
        if linked:
            store.link("payment", payment_id, payment_id)
    for amount in (10.0, 2.25):
        store.log(
            run,
            kind=bms_payments.KIND,
            action="create",
            outcome="ok",
            bms_id="7",
            qbo_id=f"Q{amount}",
            details={"amount": amount},
        )
    assert bms_payments.moved_by_invoice(store) == {"7": (12.5, 12.25)}
    assert bms_payments.recorded_ids(store) == {"Q10.0", "Q2.25"}
