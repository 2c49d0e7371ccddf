"""Classifying QuickBooks payments for import into BMS: one hand-made case per class."""

from __future__ import annotations

import pandas as pd

from reconcile.bms.loaders import INVOICE_COLUMNS
from reconcile.frames import build
from reconcile.payments import classification as c
from reconcile.payments.frames import (
    PAYMENT_COLUMNS,
    PAYMENT_LINE_COLUMNS,
    QBO_INVOICE_COLUMNS,
    payment_frames,
)

# BMS invoices 1..4 of account 100 (QBO customer Q100), exported as QBO invoices 501..504.
BMS = build(
    [
        {
            "Id": 1,
            "InvoiceNumber": "INV-1",
            "AccountId": 100,
            "StatusName": "Sent",
            "GrandTotal": 500.0,
            "PaidAmount": 0.0,
            "PaymentDue": 500.0,
            "AccountingAppReference": "501",
        },
        {
            "Id": 2,
            "InvoiceNumber": "INV-2",
            "AccountId": 100,
            "StatusName": "Partially Paid",
            "GrandTotal": 300.0,
            "PaidAmount": 100.0,
            "PaymentDue": 200.0,
            "AccountingAppReference": "502",
        },
        {
            "Id": 3,
            "InvoiceNumber": "INV-3",
            "AccountId": 100,
            "StatusName": "Void",
            "GrandTotal": 0.0,
            "PaidAmount": 0.0,
            "PaymentDue": 0.0,
            "AccountingAppReference": "503",
        },
        {
            "Id": 4,
            "InvoiceNumber": "INV-4",
            "AccountId": 200,
            "StatusName": "Sent",
            "GrandTotal": 80.0,
            "PaidAmount": 0.0,
            "PaymentDue": 80.0,
        },
    ],
    INVOICE_COLUMNS,
)
QBO = build(
    [
        {"qbo_invoice_id": str(i), "doc_number": f"INV-{i - 500}", "total": 1.0, "balance": 1.0}
        for i in (501, 502, 503, 504, 599)
    ],
    QBO_INVOICE_COLUMNS,
)
INVOICE_LINKS = pd.DataFrame(
    {"kind": "invoice", "bms_id": ["1", "2", "3"], "qbo_id": ["501", "502", "503"]}
)
CUSTOMER_LINKS = pd.DataFrame(
    {"kind": "customer", "bms_id": ["100", "200"], "qbo_id": ["Q100", "Q200"]}
)
ACCOUNTS = pd.DataFrame({"Id": [100, 200], "CurrencyName": ["USD", "USD"]})


def pay(pid: str, total: float, *links: tuple[str, float], customer="Q100", day=1, **more):
    """A QBO Payment document paying (invoice id, amount) lines."""
    return {
        "Id": pid,
        "TxnDate": f"2026-10-{day:02d}",
        "TotalAmt": total,
        "UnappliedAmt": round(total - sum(a for _, a in links), 2),
        "CustomerRef": {"value": customer, "name": "Harbor Dental"},
        "CurrencyRef": {"value": more.pop("currency", "USD")},
        "Line": [
            {"Amount": a, "LinkedTxn": [{"TxnId": i, "TxnType": "Invoice"}]} for i, a in links
        ],
        **more,
    }


def plan_of(*docs, imported=(), interrupted=None):
    payments, lines = payment_frames(docs)
    return c.classify(
        payments,
        lines,
        BMS,
        QBO,
        INVOICE_LINKS,
        CUSTOMER_LINKS,
        set(imported),
        ACCOUNTS,
        interrupted,
    )


def klass(plan, pid):
    return plan.rows.set_index("payment_id").loc[pid, "class"]


def test_payment_frames_read_linked_invoices_not_balances():
    payments, lines = payment_frames([pay("P1", 600.0, ("501", 500.0), ("502", 100.0))])
    assert list(payments.columns) == list(PAYMENT_COLUMNS)
    assert list(lines.columns) == list(PAYMENT_LINE_COLUMNS)
    assert lines[["qbo_invoice_id", "amount"]].values.tolist() == [["501", 500.0], ["502", 100.0]]
    credit = pay("P2", 50.0)
    credit["Line"] = [{"Amount": 50.0, "LinkedTxn": [{"TxnId": "9", "TxnType": "CreditMemo"}]}]
    assert payment_frames([credit])[1].empty  # not an invoice payment


def test_ready_shows_bms_before_and_after():
    plan = plan_of(pay("P1", 250.0, ("501", 200.0), ("502", 50.0)))
    assert klass(plan, "P1") == c.READY and plan.rows["importable"].all()
    lines = plan.lines.set_index("qbo_invoice_id")
    assert lines.loc["501", ["due_before", "due_after", "status_after"]].tolist() == [
        500.0,
        300.0,
        "Partially Paid",
    ]
    assert lines.loc["502", ["paid_before", "paid_after", "due_after"]].tolist() == [
        100.0,
        150.0,
        150.0,
    ]


def test_full_payment_makes_the_invoice_fully_paid():
    plan = plan_of(pay("P1", 500.0, ("501", 500.0)))
    assert plan.lines["status_after"].iloc[0] == "Fully Paid"


def test_every_class_has_its_reason():
    plan = plan_of(
        pay("IMP", 10.0, ("501", 10.0)),
        pay("UNK", 10.0, ("599", 10.0)),
        pay("VOID", 10.0, ("503", 10.0)),
        pay("CUST", 10.0, ("501", 10.0), customer="Q200"),
        pay("CUR", 10.0, ("501", 10.0), currency="CAD"),
        pay("BIG", 250.0, ("502", 250.0)),
        pay("NONE", 75.0),
        pay("OVER", 520.0, ("501", 500.0)),
        imported=["IMP"],
    )
    expected = {
        "IMP": (c.IMPORTED, "imported before"),
        "UNK": (c.UNKNOWN, "QuickBooks invoice 599 is not a BMS invoice"),
        "VOID": (c.VOIDED, "BMS invoice INV-3 is void"),
        "CUST": (c.CUSTOMER, "customer Q200 is not the customer of BMS invoice INV-1"),
        "CUR": (c.CURRENCY, "paid in CAD, but the BMS account bills in USD"),
        "BIG": (c.TOO_MUCH, "250.00 for BMS invoice INV-2, which has 200.00 due"),
        "NONE": (c.UNAPPLIED, "75.00 applied to no invoice"),
        "OVER": (c.OVERPAYMENT, "20.00 of 520.00 is not applied"),
    }
    rows = plan.rows.set_index("payment_id")
    for pid, (name, words) in expected.items():
        assert rows.loc[pid, "class"] == name, pid
        assert words in rows.loc[pid, "reason"], (pid, rows.loc[pid, "reason"])
    importable = set(rows.index[rows["importable"]])
    assert importable == {"OVER"}


def test_payments_of_one_invoice_in_one_import_see_what_the_earlier_left():
    plan = plan_of(pay("A", 150.0, ("502", 150.0), day=1), pay("B", 100.0, ("502", 100.0), day=2))
    assert klass(plan, "A") == c.READY
    assert klass(plan, "B") == c.TOO_MUCH  # 200 due, 150 taken by A
    b = plan.lines.set_index("payment_id").loc["B"]
    assert b["due_before"] == 50.0 and pd.isna(b["due_after"])


def test_one_bad_line_holds_back_the_whole_payment():
    plan = plan_of(pay("P1", 60.0, ("501", 50.0), ("599", 10.0)))
    assert klass(plan, "P1") == c.UNKNOWN
    assert plan.lines["due_after"].isna().all()  # nothing will apply


def test_held_payments_and_match_rates():
    plan = plan_of(
        pay("P1", 50.0, ("501", 50.0)),
        pay("P2", 10.0, ("599", 10.0)),
        pay("P3", 10.0, ("501", 10.0)),
        interrupted={"P3": (c.HELD, "check INV-1 in BMS")},
    )
    assert klass(plan, "P3") == c.HELD and not plan.select(["P3"]).rows["importable"].any()
    assert c.match_rates(plan) == {
        "payments": 3,
        "payments_importable": 1,
        "payment_rate": 0.3333,
        "lines": 3,
        "lines_ready": 2,
        "line_rate": 0.6667,
    }


def test_an_interrupted_import_found_applied_reads_imported_with_why():
    plan = plan_of(
        pay("P1", 50.0, ("501", 50.0)), interrupted={"P1": (c.IMPORTED, "found applied in BMS")}
    )
    row = plan.rows.set_index("payment_id").loc["P1"]
    assert (row["class"], row["reason"], row["importable"]) == (
        c.IMPORTED,
        "found applied in BMS",
        False,
    )
    assert plan.lines["due_after"].isna().all()  # nothing will apply


def test_invoice_known_by_link_only_is_ready_and_its_reference_is_written_first():
    from reconcile.payments.importer import import_plan
    from reconcile.store import SyncStore

    plan = plan_of(pay("P1", 40.0, ("504", 40.0)))  # INV-4 has no reference in BMS
    assert klass(plan, "P1") == c.CUSTOMER  # account 200 ↔ Q200, paid by Q100
    plan = plan_of(pay("P2", 40.0, ("504", 40.0), customer="Q200"))
    assert klass(plan, "P2") == c.READY and plan.lines["bms_reference"].isna().all()

    # Records what the importer asks of BMS; the HTTP side runs against the sandbox in
    # tests/integration/test_payment_import.py.
    class FakeBms:
        def __init__(self):
            self.calls = []

        def request(self, method, path, json=None, idempotent=False):
            self.calls.append((method, path, json))

        def result(self, method, path, json=None):
            self.calls.append((method, path, json))
            return (
                "7"
                if method == "POST"
                else {
                    "State": "Completed",
                    "JobLogs": [{"Code": "Applied", "Message": "Payment P2 applied to INV-4."}],
                }
            )

    bms = FakeBms()
    with SyncStore(":memory:") as store:
        results = import_plan(plan, bms, store, "realm-1", poll_every=0)
        assert results["outcome"].tolist() == ["imported"]
        assert store.qbo_id("payment", "P2") == "P2" and not store.pending_of("payment")
    put = [c for c in bms.calls if c[0] == "PUT"]
    assert put and put[0][2] == [{"InvoiceId": 4, "QbInvoiceId": "504", "QbInvoiceNumber": "INV-4"}]
    posted = next(c for c in bms.calls if c[0] == "POST")[2]
    assert posted[0]["Lines"] == [
        {"Id": "P2-1", "Amount": 40.0, "Discount": 0.0, "Balance": 40.0, "InvoiceId": "504"}
    ]


def test_a_payment_applying_a_credit_memo_is_left_to_a_person():
    """QuickBooks applies a credit memo by a zero-total payment whose lines link the invoice
    and the memo; BMS's import takes money only, so a person applies the credit in BMS."""
    credit = pay("P9", 0.0, ("501", 120.0))
    credit["Line"].append(
        {"Amount": 120.0, "LinkedTxn": [{"TxnId": "77", "TxnType": "CreditMemo"}]}
    )
    mixed = pay("P10", 50.0, ("502", 80.0))  # 50 paid and 30 of credit
    mixed["Line"].append({"Amount": 30.0, "LinkedTxn": [{"TxnId": "78", "TxnType": "CreditMemo"}]})
    plan = plan_of(credit, mixed, pay("P11", 40.0, ("502", 40.0)))
    rows = plan.rows.set_index("payment_id")
    assert rows.loc["P9", "class"] == rows.loc["P10", "class"] == c.CREDIT
    assert "120.00 of credit memo credit" in rows.loc["P9", "reason"]
    assert not rows.loc[["P9", "P10"], "importable"].any()
    assert rows.loc["P11", "class"] == c.READY  # money alone is imported as before
    payments, _lines = payment_frames([credit, mixed])
    assert payments["credit"].tolist() == [120.0, 30.0]
