"""The QBO sandbox's arithmetic: DueDate under a term (Intuit's Term reference), a credit
memo priced as an invoice and what a payment taking credit leaves unapplied."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reconcile.sandbox import books
from reconcile.sandbox.books import due_date


@pytest.mark.parametrize(
    ("txn", "term", "due"),
    [
        ("2026-11-02", None, "2026-12-02"),  # the company's Net 30
        ("2026-11-02", {"DueDays": 10}, "2026-11-12"),
        ("2026-11-10", {"DayOfMonthDue": 15, "DueNextMonthDays": 5}, "2026-11-15"),
        ("2026-11-11", {"DayOfMonthDue": 15, "DueNextMonthDays": 5}, "2026-12-15"),
        ("2026-11-20", {"DayOfMonthDue": 15}, "2026-12-15"),  # after the day: next month
        ("2026-11-15", {"DayOfMonthDue": 15}, "2026-11-15"),
        ("2026-12-20", {"DayOfMonthDue": 15}, "2027-01-15"),  # across the year
        ("2027-01-31", {"DayOfMonthDue": 31}, "2027-01-31"),
        ("2027-02-01", {"DayOfMonthDue": 31}, "2027-02-28"),  # a short month: its last day
    ],
)
def test_due_date_under_a_term(txn, term, due):
    assert due_date(date.fromisoformat(txn), term) == date.fromisoformat(due)


def _sales(*amounts: float) -> dict:
    line = {"DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {}}
    return {"Line": [{**line, "Amount": a} for a in amounts], "TxnTaxDetail": {"TotalTax": 2}}


def test_a_credit_memo_is_priced_as_an_invoice_with_its_credit_remaining():
    memo, invoice = _sales(30, 12.5), _sales(30, 12.5)
    books.price_credit_memo(memo, None, Decimal("10"))
    books.price_invoice(invoice, None, Decimal("10"))
    assert memo["TotalAmt"] == invoice["TotalAmt"] == 44.5  # 42.50 + the 2 of tax sent
    assert memo["Balance"] == memo["RemainingCredit"] == invoice["Balance"] == 34.5
    assert memo["Line"] == invoice["Line"]


def test_a_payment_leaves_unapplied_its_total_less_invoices_plus_credit_taken():
    def link(kind: str, txn_id: str, amount: float) -> dict:
        return {"Amount": amount, "LinkedTxn": [{"TxnId": txn_id, "TxnType": kind}]}

    payment = {
        "TotalAmt": 80,
        "Line": [link("Invoice", "1", 70), link("Invoice", "2", 30), link("CreditMemo", "9", 25)],
    }
    assert books.applied_amounts(payment) == {"1": 70, "2": 30}
    assert books.credit_amounts(payment) == {"9": 25}
    books.price_payment(payment)
    assert payment["UnappliedAmt"] == 5  # 80 − 100 + 25
    zero = {"TotalAmt": 0, "Line": [link("Invoice", "1", 50), link("CreditMemo", "9", 50)]}
    assert books.unapplied(zero) == 0
