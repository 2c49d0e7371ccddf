"""Invoice and customer reconciliation on tiny hand-made frames (pure; no network)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from reconcile.bms.assumptions import BmsAssumptions
from reconcile.bms.loaders import INVOICE_COLUMNS
from reconcile.frames import build
from reconcile.payments.frames import PAYMENT_LINE_COLUMNS, QBO_INVOICE_COLUMNS
from reconcile.payments.reconciliation import (
    CUSTOMER_COLUMNS,
    RECON_COLUMNS,
    STATES,
    pair_invoices,
    reconcile_customers,
    reconcile_invoices,
    summary,
)
from reconcile.store import SyncStore

NA = pd.NA


def bms(*rows: dict) -> pd.DataFrame:
    """BMS invoice headers: a sent, unpaid 100.00 invoice of Acme unless told otherwise."""
    base = {
        "StatusName": "Sent",
        "AccountId": 1003,
        "AccountName": "Acme",
        "GrandTotal": 100.0,
        "PaidAmount": 0.0,
        "PaymentDue": 100.0,
    }
    return build([{"InvoiceNumber": f"INV-{r['Id']}", **base, **r} for r in rows], INVOICE_COLUMNS)


def qbo(*rows: dict) -> pd.DataFrame:
    """QuickBooks invoices: an open 100.00 invoice of Acme (QuickBooks id 58) by default."""
    base = {
        "customer_id": "58",
        "customer_name": "Acme Inc",
        "total": 100.0,
        "balance": 100.0,
        "voided": False,
    }
    return build([{**base, **r} for r in rows], QBO_INVOICE_COLUMNS)


def lines(*pairs: tuple[str, float]) -> pd.DataFrame:
    """Payment lines: (QuickBooks invoice id, amount), one payment each."""
    rows = [
        {"payment_id": f"P{n}", "line": 1, "qbo_invoice_id": invoice, "amount": amount}
        for n, (invoice, amount) in enumerate(pairs, start=1)
    ]
    return build(rows, PAYMENT_LINE_COLUMNS)


def links(*pairs: tuple[str, str], kind: str = "invoice") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kind": [kind] * len(pairs),
            "bms_id": [b for b, _ in pairs],
            "qbo_id": [q for _, q in pairs],
        },
        dtype=object,
    )


def one(bms_rows, qbo_rows, payment_lines=None, invoice_links=None, **options) -> dict:
    """The single reconciliation row of one BMS invoice and one QuickBooks invoice."""
    result = reconcile_invoices(
        bms_rows,
        qbo_rows,
        payment_lines if payment_lines is not None else lines(),
        invoice_links,
        **options,
    )
    assert len(result) == 1, result
    return result.iloc[0].to_dict()


def pairs(result: pd.DataFrame) -> list[tuple]:
    return [
        tuple(None if v is NA else v for v in row)
        for row in result[["bms_id", "qbo_invoice_id", "how"]].itertuples(index=False)
    ]


# -- pairing ----------------------------------------------------------------------------------


def test_link_beats_reference_beats_number():
    b = bms(
        # Linked to Q1; its reference (Q2) and number (Q2's too) are not used.
        {"Id": 1, "InvoiceNumber": "INV-1", "AccountingAppReference": "Q2"},
        # No link: its reference Q3 wins over its number (Q4's).
        {"Id": 2, "InvoiceNumber": "INV-2", "AccountingAppReference": "Q3"},
        # Number only.
        {"Id": 3, "InvoiceNumber": "INV-3"},
    )
    q = qbo(
        {"qbo_invoice_id": "Q1", "doc_number": "OTHER-1"},
        {"qbo_invoice_id": "Q2", "doc_number": "INV-1"},
        {"qbo_invoice_id": "Q3", "doc_number": "OTHER-3"},
        {"qbo_invoice_id": "Q4", "doc_number": "INV-2"},
        {"qbo_invoice_id": "Q5", "doc_number": "INV-3"},
    )
    result = pair_invoices(b, q, links(("1", "Q1")))
    assert list(result.columns) == ["bms_id", "qbo_invoice_id", "how"]
    assert pairs(result) == [
        ("1", "Q1", "link"),
        ("2", "Q3", "reference"),
        ("3", "Q5", "number"),
        (None, "Q2", "qbo only"),
        (None, "Q4", "qbo only"),
    ]
    assert all(str(result[c].dtype) == "string" for c in result.columns)


def test_duplicate_numbers_are_not_paired_by_number():
    b = bms(
        {"Id": 1, "InvoiceNumber": "INV-7"},
        {"Id": 2, "InvoiceNumber": "INV-7"},
        {"Id": 3, "InvoiceNumber": "INV-8"},
    )
    q = qbo(
        {"qbo_invoice_id": "Q7", "doc_number": "INV-7"},
        {"qbo_invoice_id": "Q8", "doc_number": "INV-8"},
        {"qbo_invoice_id": "Q9", "doc_number": "INV-8"},
    )
    assert pairs(pair_invoices(b, q, None)) == [
        ("1", None, "bms only"),
        ("2", None, "bms only"),
        ("3", None, "bms only"),
        (None, "Q7", "qbo only"),
        (None, "Q8", "qbo only"),
        (None, "Q9", "qbo only"),
    ]


def test_each_invoice_is_paired_at_most_once():
    b = bms(
        {"Id": 1},
        {"Id": 2, "AccountingAppReference": "Q1"},  # Q1 is taken by the link of 1
        {"Id": 3, "AccountingAppReference": "Q2"},  # Q2 claimed twice: ambiguous, unused
        {"Id": 4, "AccountingAppReference": " Q2 "},
        {"Id": 5, "InvoiceNumber": "INV-5"},  # then by number: Q5
    )
    q = qbo(
        {"qbo_invoice_id": "Q1", "doc_number": "A"},
        {"qbo_invoice_id": "Q2", "doc_number": "B"},
        {"qbo_invoice_id": "Q5", "doc_number": "INV-5"},
    )
    assert pairs(pair_invoices(b, q, links(("1", "Q1")))) == [
        ("1", "Q1", "link"),
        ("2", None, "bms only"),
        ("3", None, "bms only"),
        ("4", None, "bms only"),
        ("5", "Q5", "number"),
        (None, "Q2", "qbo only"),
    ]


def test_only_invoice_links_to_invoices_present_are_used():
    b = bms({"Id": 1, "InvoiceNumber": "A"}, {"Id": 2, "InvoiceNumber": "B"})
    q = qbo(
        {"qbo_invoice_id": "Q1", "doc_number": "X"}, {"qbo_invoice_id": "Q2", "doc_number": "Y"}
    )
    other_kinds = links(("1", "Q1"), kind="customer")
    assert pairs(pair_invoices(b, q, other_kinds))[:2] == [
        ("1", None, "bms only"),
        ("2", None, "bms only"),
    ]
    # A link to a QuickBooks invoice that is not there leaves the BMS invoice unpaired.
    gone = links(("1", "Q404"), ("2", "Q2"))
    assert pairs(pair_invoices(b, q, gone)) == [
        ("1", None, "bms only"),
        ("2", "Q2", "link"),
        (None, "Q1", "qbo only"),
    ]


def test_links_straight_from_the_store():
    with SyncStore(":memory:") as store:
        store.link("invoice", "70001", "501")
        store.link("customer", "70002", "502")  # another kind: not an invoice link
        b = bms({"Id": 70001, "InvoiceNumber": "A"}, {"Id": 70002, "InvoiceNumber": "B"})
        q = qbo(
            {"qbo_invoice_id": "501", "doc_number": "X"},
            {"qbo_invoice_id": "502", "doc_number": "Y"},
        )
        assert pairs(pair_invoices(b, q, store.links())) == [
            ("70001", "501", "link"),
            ("70002", None, "bms only"),
            (None, "502", "qbo only"),
        ]


# -- states -----------------------------------------------------------------------------------


def test_matched_unpaid():
    row = one(bms({"Id": 1}), qbo({"qbo_invoice_id": "Q1", "doc_number": "INV-1"}))
    assert row["state"] == "matched"
    assert row["reason"] == "unpaid on both sides: 100.00 due"
    assert (row["bms_due"], row["qbo_balance"], row["qbo_applied"], row["difference"]) == (
        100.0,
        100.0,
        0.0,
        0.0,
    )


def test_matched_paid_in_full_in_two_payments():
    row = one(
        bms({"Id": 1, "StatusName": "Fully Paid", "PaidAmount": 100.0, "PaymentDue": 0.0}),
        qbo({"qbo_invoice_id": "Q1", "doc_number": "INV-1", "balance": 0.0}),
        lines(("Q1", 60.0), ("Q1", 40.0), ("Q404", 5.0)),  # a line of another invoice
        links(("1", "Q1")),
    )
    assert row["state"] == "matched"
    assert row["reason"] == "paid in full on both sides: 100.00"
    assert (row["bms_paid"], row["qbo_applied"], row["difference"]) == (100.0, 100.0, 0.0)
    assert (row["invoice_number"], row["customer"]) == ("INV-1", "Acme")


def test_partially_paid():
    row = one(
        bms({"Id": 1, "StatusName": "Partially Paid", "PaidAmount": 30.0, "PaymentDue": 70.0}),
        qbo({"qbo_invoice_id": "Q1", "doc_number": "INV-1", "balance": 70.0}),
        lines(("Q1", 30.0)),
    )
    assert row["state"] == "partially paid"
    assert row["reason"] == "partially paid on both sides: 30.00 of 100.00 paid, 70.00 due"
    assert (row["bms_paid"], row["qbo_applied"], row["difference"]) == (30.0, 30.0, 0.0)


def test_payment_in_quickbooks_not_yet_in_bms_is_an_amount_mismatch():
    row = one(
        bms({"Id": 1}),
        qbo({"qbo_invoice_id": "Q1", "doc_number": "INV-1", "balance": 40.0}),
        lines(("Q1", 60.0)),
    )
    assert row["state"] == "amount mismatch"
    assert row["difference"] == 60.0
    assert row["reason"] == "paid differs: QuickBooks 60.00, BMS 0.00 (difference 60.00)"


def test_totals_that_differ_are_an_amount_mismatch():
    row = one(
        bms({"Id": 1}),
        qbo({"qbo_invoice_id": "Q1", "doc_number": "INV-1", "total": 110.0, "balance": 110.0}),
    )
    assert row["state"] == "amount mismatch"
    assert (row["bms_total"], row["qbo_total"], row["difference"]) == (100.0, 110.0, 0.0)
    assert row["reason"] == "totals differ: BMS 100.00, QuickBooks 110.00"


def test_tolerance_is_inclusive():
    b = bms({"Id": 1})
    q = qbo({"qbo_invoice_id": "Q1", "doc_number": "INV-1", "total": 100.01, "balance": 100.01})
    assert one(b, q)["state"] == "matched"  # off by exactly the default 0.01
    assert one(b, q, tolerance=0.0)["state"] == "amount mismatch"
    # A cent paid on both sides is within the tolerance of unpaid.
    cent = one(
        bms({"Id": 1, "PaidAmount": 0.01, "PaymentDue": 99.99}),
        qbo({"qbo_invoice_id": "Q1", "doc_number": "INV-1", "balance": 99.99}),
    )
    assert (cent["state"], cent["reason"]) == ("matched", "unpaid on both sides: 100.00 due")


def test_overpaid():
    row = one(
        bms({"Id": 1, "StatusName": "Fully Paid", "PaidAmount": 105.0, "PaymentDue": -5.0}),
        qbo({"qbo_invoice_id": "Q1", "doc_number": "INV-1", "balance": -5.0}),
        lines(("Q1", 105.0)),
    )
    assert row["state"] == "overpaid"
    assert row["reason"] == "overpaid: BMS paid 105.00, QuickBooks paid 105.00 on a total of 100.00"


def test_missing_in_quickbooks_only_when_exportable():
    b = bms(
        {"Id": 1, "InvoiceNumber": "INV-1", "GrandTotal": 80.0, "PaymentDue": 80.0},
        {"Id": 2, "StatusName": "New"},
        {"Id": 3, "StatusName": "Void"},
    )
    result = reconcile_invoices(b, qbo(), lines(), None)
    assert result["bms_id"].tolist() == ["1"]
    row = result.iloc[0]
    assert row["state"] == "missing in QBO"
    assert row["reason"] == (
        "not in QuickBooks: BMS invoice INV-1 (Sent), total 80.00, paid 0.00, due 80.00"
    )
    assert row["qbo_invoice_id"] is NA and row["qbo_total"] is NA and row["difference"] is NA
    wider = reconcile_invoices(
        b, qbo(), lines(), None, assumptions=BmsAssumptions(exportable_statuses=("Sent", "new"))
    )
    assert wider["bms_id"].tolist() == ["1", "2"]
    assert wider["state"].tolist() == ["missing in QBO", "missing in QBO"]


def test_an_invoice_exported_then_deleted_in_quickbooks_says_so():
    b = bms(
        {"Id": 1, "InvoiceNumber": "INV-1", "AccountingAppReference": "Q9", "StatusName": "Sent"},
        {"Id": 2, "InvoiceNumber": "INV-2", "AccountingAppReference": " "},  # blank: not told
    )
    result = reconcile_invoices(b, qbo(), lines(), links(("1", "Q9"))).set_index("bms_id")
    assert result["state"].tolist() == ["missing in QBO", "missing in QBO"]
    assert result.loc["1", "reason"] == (
        "exported to QuickBooks (invoice Id Q9), then deleted there: BMS invoice INV-1 (Sent), "
        "total 100.00, paid 0.00, due 100.00; void it in BMS, or re-create it in QuickBooks by hand"
    )
    assert result.loc["2", "reason"].startswith("not in QuickBooks: BMS invoice INV-2")


def test_missing_in_bms_unless_voided():
    b = bms({"Id": 1, "InvoiceNumber": "INV-1"})
    q = qbo(
        {"qbo_invoice_id": "Q1", "doc_number": "INV-1"},
        {"qbo_invoice_id": "Q9", "doc_number": "QB-9", "total": 20.0, "balance": 15.0},
        {
            "qbo_invoice_id": "Q10",
            "doc_number": "QB-10",
            "customer_id": "77",
            "customer_name": "Stranger LLC",
        },
        {
            "qbo_invoice_id": "Q11",
            "doc_number": "QB-11",
            "voided": True,
            "total": 0.0,
            "balance": 0.0,
        },
    )
    result = reconcile_invoices(b, q, lines(("Q9", 5.0)), None)
    assert result["qbo_invoice_id"].tolist() == ["Q1", "Q9", "Q10"]
    q9 = result.iloc[1]
    assert q9["state"] == "missing in BMS"
    assert q9["bms_id"] is NA and q9["bms_total"] is NA
    assert (q9["qbo_total"], q9["qbo_balance"], q9["qbo_applied"]) == (20.0, 15.0, 5.0)
    assert q9["reason"] == "not in BMS: QuickBooks invoice QB-9 (Id Q9), total 20.00, balance 15.00"
    # Its QuickBooks customer pairs with BMS's Acme on INV-1, so it is Acme's; Q10's is not.
    assert (q9["invoice_number"], q9["customer"]) == ("QB-9", "Acme")
    assert result.iloc[2]["customer"] == "Stranger LLC"


def test_void_on_both_sides_is_matched_and_on_one_side_a_mismatch():
    void_bms = {"Id": 1, "StatusName": "Void"}
    voided_qbo = {
        "qbo_invoice_id": "Q1",
        "doc_number": "INV-1",
        "voided": True,
        "total": 0.0,
        "balance": 0.0,
    }
    both = one(bms(void_bms), qbo(voided_qbo))
    assert (both["state"], both["reason"]) == ("matched", "void on both sides")
    assert (both["bms_total"], both["bms_due"], both["qbo_total"]) == (0.0, 0.0, 0.0)

    bms_only = one(bms(void_bms), qbo({"qbo_invoice_id": "Q1", "doc_number": "INV-1"}))
    assert bms_only["state"] == "amount mismatch"
    assert bms_only["reason"] == (
        "void in BMS (its total was 100.00), not in QuickBooks; "
        "totals differ: BMS 0.00, QuickBooks 100.00"
    )
    qbo_only = one(bms({"Id": 1}), qbo(voided_qbo))
    assert qbo_only["state"] == "amount mismatch"
    assert qbo_only["reason"] == (
        "voided in QuickBooks, not in BMS; totals differ: BMS 100.00, QuickBooks 0.00"
    )


def test_unknown_balance_is_taken_from_the_payment_lines():
    row = one(
        bms({"Id": 1, "StatusName": "Partially Paid", "PaidAmount": 25.0, "PaymentDue": 75.0}),
        qbo({"qbo_invoice_id": "Q1", "doc_number": "INV-1", "balance": None}),
        lines(("Q1", 20.0), ("Q1", 5.0)),
    )
    assert (row["state"], row["qbo_balance"], row["qbo_applied"]) == ("partially paid", 75.0, 25.0)


def test_result_columns_and_types():
    result = reconcile_invoices(
        bms({"Id": 1}), qbo({"qbo_invoice_id": "Q1", "doc_number": "INV-1"}), lines(), None
    )
    assert list(result.columns) == RECON_COLUMNS
    text = ["bms_id", "qbo_invoice_id", "invoice_number", "customer", "state", "reason"]
    assert {c: str(result[c].dtype) for c in text} == dict.fromkeys(text, "string")
    money = [c for c in RECON_COLUMNS if c not in text]
    assert {c: str(result[c].dtype) for c in money} == dict.fromkeys(money, "Float64")


def test_empty_frames():
    result = reconcile_invoices(bms(), qbo(), lines(), None)
    assert list(result.columns) == RECON_COLUMNS and len(result) == 0
    assert len(reconcile_customers(result)) == 0
    assert summary(result)["states"] == dict.fromkeys(STATES, 0)


# -- customers and summary --------------------------------------------------------------------


@pytest.fixture()
def by_invoice() -> pd.DataFrame:
    b = bms(
        {"Id": 1},  # Acme, 100 open on both sides: matched
        {"Id": 2},  # Acme, paid 60 in QuickBooks only: mismatch
        {
            "Id": 3,
            "AccountName": "Beta",
            "StatusName": "Partially Paid",
            "PaidAmount": 50.0,
            "PaymentDue": 50.0,
        },  # Beta, partially paid on both sides
        {"Id": 4, "AccountName": "Beta", "GrandTotal": 30.0, "PaymentDue": 30.0},  # missing
    )
    q = qbo(
        {"qbo_invoice_id": "Q1", "doc_number": "INV-1"},
        {"qbo_invoice_id": "Q2", "doc_number": "INV-2", "balance": 40.0},
        {
            "qbo_invoice_id": "Q3",
            "doc_number": "INV-3",
            "balance": 50.0,
            "customer_id": "59",
            "customer_name": "Beta Co",
        },
        {
            "qbo_invoice_id": "Q9",
            "doc_number": "QB-9",
            "total": 20.0,
            "balance": 20.0,
            "customer_id": "60",
            "customer_name": "Gamma",
        },  # missing in BMS
    )
    return reconcile_invoices(b, q, lines(("Q2", 60.0), ("Q3", 50.0)), None)


def test_customer_totals(by_invoice):
    assert by_invoice["state"].tolist() == [
        "matched",
        "amount mismatch",
        "partially paid",
        "missing in QBO",
        "missing in BMS",
    ]
    customers = reconcile_customers(by_invoice)
    assert list(customers.columns) == CUSTOMER_COLUMNS
    assert customers.to_dict("records") == [
        {
            "customer": "Acme",
            "bms_open": 200.0,
            "qbo_open": 140.0,
            "difference": -60.0,
            "invoices": 2,
            "mismatches": 1,
        },
        {
            "customer": "Beta",
            "bms_open": 80.0,
            "qbo_open": 50.0,
            "difference": -30.0,
            "invoices": 2,
            "mismatches": 1,
        },
        {
            "customer": "Gamma",
            "bms_open": 0.0,
            "qbo_open": 20.0,
            "difference": 20.0,
            "invoices": 1,
            "mismatches": 1,
        },
    ]


def test_customer_links_merge_names(by_invoice):
    customers = reconcile_customers(by_invoice, {"Gamma": "Beta"})
    assert customers["customer"].tolist() == ["Acme", "Beta"]
    beta = customers.iloc[1].to_dict()
    assert (beta["qbo_open"], beta["difference"], beta["invoices"], beta["mismatches"]) == (
        70.0,
        -10.0,
        3,
        2,
    )


def test_summary(by_invoice):
    report = summary(by_invoice)
    json.dumps(report)  # plain JSON values
    assert report == {
        "invoices": 5,
        "states": {
            "missing in QBO": 1,
            "missing in BMS": 1,
            "amount mismatch": 1,
            "overpaid": 0,
            "partially paid": 1,
            "matched": 1,
        },
        "agreeing": 2,
        "totals": {
            "bms_total": 330.0,
            "bms_paid": 50.0,
            "bms_due": 280.0,
            "qbo_total": 320.0,
            "qbo_balance": 210.0,
            "qbo_applied": 110.0,
            "difference": 60.0,
        },
        "mismatch_difference": 60.0,
    }
