"""Suggestions for unapplied payments: amount, invoice number, customer and date evidence."""

from __future__ import annotations

import pandas as pd
import pytest

from reconcile.bms.loaders import INVOICE_COLUMNS
from reconcile.frames import build
from reconcile.payments.frames import PAYMENT_COLUMNS
from reconcile.payments.suggestions import SUGGESTION_COLUMNS, best, suggest

LINKS = pd.DataFrame(
    {"kind": ["customer", "invoice"], "bms_id": ["1", "10042"], "qbo_id": ["Q1", "Q1"]}
)
THREE_DAYS = 0.1 / (1 + 3 / 30)  # date evidence × weight, 3 days after the due date


def invoice(id_: int, number: str, due: float, account: int = 1, **more: object) -> dict:
    names = {1: "Harbor Dental", 2: "Pine Street Legal"}
    return {
        "Id": id_,
        "InvoiceNumber": number,
        "AccountId": account,
        "AccountName": names[account],
        "InvoiceDate": "2025-01-01T00:00:00Z",
        "DueDate": "2025-01-31T00:00:00Z",
        "GrandTotal": due,
        "PaidAmount": 0,
        "PaymentDue": due,
        "StatusName": "Sent",
        **more,
    }


def invoices(*rows: dict) -> pd.DataFrame:
    return build(rows, INVOICE_COLUMNS)


def payment(amount: float, reference: str | None = None, **more: object) -> dict:
    return {
        "payment_id": "P1",
        "txn_date": "2025-02-03",
        "customer_id": "Q1",
        "customer_name": "Harbor Dental",
        "total": amount,
        "unapplied": amount,
        "reference": reference,
        "memo": None,
        **more,
    }


def payments(*rows: dict) -> pd.DataFrame:
    return build(rows, PAYMENT_COLUMNS)


def first(result: pd.DataFrame, payment_id: str = "P1") -> dict:
    rows = result[result["payment_id"] == payment_id]
    assert len(rows), f"no suggestion for {payment_id}"
    return rows.iloc[0].to_dict()


def test_exact_amount_single_invoice() -> None:
    open_ = invoices(invoice(10042, "INV-10042", 1250.0), invoice(10043, "INV-10043", 300.0))
    result = suggest(payments(payment(1250.0)), open_, LINKS)
    top = first(result)
    assert top["rank"] == 1
    assert top["bms_invoice_ids"] == (10042,)
    assert top["invoice_numbers"] == ("INV-10042",)
    assert top["amounts"] == (1250.0,)
    assert top["total"] == 1250.0
    assert top["customer_match"] == "linked"
    assert top["reasons"] == (
        "amount 1,250.00 equals the payment due of INV-10042; "
        "customer linked to 'Harbor Dental'; 3 days after the due date"
    )
    assert top["score"] == pytest.approx(0.40 + 0.15 + THREE_DAYS, abs=1e-3)
    assert 0.5 < top["score"] < 0.9  # the amount alone is not enough to pre-select


def test_clean_case_scores_at_least_0_9() -> None:
    open_ = invoices(invoice(10042, "INV-10042", 1250.0), invoice(10043, "INV-10043", 300.0))
    result = suggest(payments(payment(1250.0, "INV-10042")), open_, LINKS)
    top = first(result)
    assert top["bms_invoice_ids"] == (10042,)
    assert top["score"] == pytest.approx(0.40 + 0.35 + 0.15 + THREE_DAYS, abs=1e-3)
    assert top["score"] >= 0.9
    assert "INV-10042 found in reference 'INV-10042'" in top["reasons"]


@pytest.mark.parametrize(
    ("reference", "evidence", "said"),
    [
        ("INV10042", 1.0, "INV-10042 found in reference 'INV10042'"),
        ("inv 10042", 1.0, "INV-10042 found in reference 'inv 10042'"),
        ("Invoice #10042", 1.0, "INV-10042 found in reference 'Invoice #10042'"),
        ("INV-10024", 0.5, "INV-10042 nearly matches '10024' in reference 'INV-10024' (80%)"),
        (
            "inv-1042",
            0.5 + 0.3 * (800 / 9 - 80) / 20,
            "INV-10042 nearly matches '1042' in reference 'inv-1042' (89%)",
        ),
    ],
)
def test_invoice_number_in_reference_with_typos(reference: str, evidence: float, said: str) -> None:
    # Two invoices due the same amount: only the number tells them apart.
    open_ = invoices(invoice(10042, "INV-10042", 1250.0), invoice(10077, "INV-10077", 1250.0))
    result = suggest(payments(payment(1250.0, reference)), open_, LINKS)
    top = first(result)
    assert top["bms_invoice_ids"] == (10042,)
    assert said in top["reasons"]
    assert top["score"] == pytest.approx(0.40 + 0.35 * evidence + 0.15 + THREE_DAYS, abs=1e-3)
    assert result.iloc[1]["bms_invoice_ids"] == (10077,)
    assert result.iloc[1]["score"] < top["score"]


def test_exact_number_scores_higher_than_near_number() -> None:
    open_ = invoices(invoice(10042, "INV-10042", 1250.0))
    exact = suggest(payments(payment(1250.0, "INV-10042")), open_, LINKS)
    near = suggest(payments(payment(1250.0, "INV-10024")), open_, LINKS)
    assert exact.iloc[0]["score"] > near.iloc[0]["score"]


def test_transposed_number_of_another_open_invoice_loses_to_the_amount() -> None:
    # "INV-10024" is itself an open invoice, but the amount is that of INV-10042.
    open_ = invoices(invoice(10042, "INV-10042", 1250.0), invoice(10024, "INV-10024", 500.0))
    result = suggest(payments(payment(1250.0, "INV-10024")), open_, LINKS)
    assert list(result["bms_invoice_ids"]) == [(10042,), (10024,)]
    second = result.iloc[1]
    assert "INV-10024 found in reference 'INV-10024'" in second["reasons"]
    assert "750.00 would stay unapplied" in second["reasons"]


def test_invoice_number_in_memo() -> None:
    open_ = invoices(invoice(10042, "INV-10042", 1250.0), invoice(10043, "INV-10043", 1250.0))
    rows = payments(payment(1250.0, "CHK 5521", memo="for INV-10042"))
    top = first(suggest(rows, open_, LINKS))
    assert top["bms_invoice_ids"] == (10042,)
    assert "INV-10042 found in memo 'for INV-10042'" in top["reasons"]
    assert top["score"] >= 0.9


COMBINATION = (
    invoice(1, "INV-1001", 120.00, InvoiceDate="2024-12-01", DueDate="2024-12-31"),
    invoice(2, "INV-1002", 345.50, InvoiceDate="2024-12-15", DueDate="2025-01-14"),
    invoice(3, "INV-1003", 610.25),
    invoice(4, "INV-1004", 1000.00),
)


def test_combination_of_two_invoices() -> None:
    result = suggest(payments(payment(955.75, "ACH 482913")), invoices(*COMBINATION), LINKS)
    top = first(result)
    assert top["bms_invoice_ids"] == (2, 3)
    assert top["invoice_numbers"] == ("INV-1002", "INV-1003")
    assert top["amounts"] == (345.5, 610.25)
    assert top["total"] == 955.75
    assert top["customer_match"] == "linked"
    assert top["reasons"].startswith(
        "amount 955.75 equals the payment due of INV-1002 + INV-1003 (345.50 + 610.25)"
    )
    assert "3 days after the latest due date" in top["reasons"]
    assert 0.5 < top["score"] < 0.9


def test_combination_of_three_invoices() -> None:
    result = suggest(payments(payment(1075.75)), invoices(*COMBINATION), LINKS)
    top = first(result)
    assert top["bms_invoice_ids"] == (1, 2, 3)
    assert top["amounts"] == (120.0, 345.5, 610.25)
    assert top["total"] == 1075.75
    assert "INV-1001 + INV-1002 + INV-1003 (120.00 + 345.50 + 610.25)" in top["reasons"]


def test_combination_size_is_bounded() -> None:
    # 120 + 345.50 + 610.25 + 1000 needs four invoices.
    open_ = invoices(*COMBINATION)
    four = suggest(payments(payment(2075.75)), open_, LINKS)
    three = suggest(payments(payment(2075.75)), open_, LINKS, max_combination=3)
    assert first(four)["bms_invoice_ids"] == (1, 2, 3, 4)
    assert all(len(ids) == 1 for ids in three["bms_invoice_ids"])


def test_combination_with_a_number_in_the_reference() -> None:
    result = suggest(payments(payment(955.75, "INV-1003")), invoices(*COMBINATION), LINKS)
    top = first(result)
    assert top["bms_invoice_ids"] == (2, 3)
    assert "INV-1003 found in reference 'INV-1003'" in top["reasons"]


def test_partial_payment_suggests_the_invoice_with_the_amount() -> None:
    open_ = invoices(invoice(10042, "INV-10042", 1000.0))
    top = first(suggest(payments(payment(400.0, "INV-10042")), open_, LINKS))
    assert top["bms_invoice_ids"] == (10042,)
    assert top["amounts"] == (400.0,)
    assert top["total"] == 400.0
    assert top["reasons"].startswith(
        "amount 400.00 is a partial payment of the 1,000.00 due on INV-10042 "
        "(600.00 would remain due); INV-10042 found in reference 'INV-10042'"
    )
    amount = 0.3 + 0.2 * 400 / 1000
    assert top["score"] == pytest.approx(0.4 * amount + 0.35 + 0.15 + THREE_DAYS, abs=1e-3)


def test_partial_payment_without_reference_is_weak() -> None:
    open_ = invoices(invoice(10042, "INV-10042", 1000.0))
    top = first(suggest(payments(payment(400.0)), open_, LINKS))
    assert top["bms_invoice_ids"] == (10042,)
    assert top["amounts"] == (400.0,)
    assert top["score"] <= 0.5


def test_overpayment_leaves_the_excess_unapplied() -> None:
    open_ = invoices(invoice(10042, "INV-10042", 1000.0), invoice(10043, "INV-10043", 200.0))
    top = first(suggest(payments(payment(1100.0, "INV-10042")), open_, LINKS))
    assert top["bms_invoice_ids"] == (10042,)
    assert top["amounts"] == (1000.0,)
    assert top["total"] == 1000.0
    assert top["reasons"].startswith(
        "amount 1,100.00 is more than the 1,000.00 due on INV-10042: 100.00 would stay unapplied"
    )


def test_unknown_customer_matched_by_name() -> None:
    open_ = invoices(
        invoice(10042, "INV-10042", 1250.0, account=1),
        invoice(20001, "INV-20001", 1250.0, account=2),
    )
    rows = payments(payment(1250.0, customer_id="Q9", customer_name="Harbour Dental LLC"))
    result = suggest(rows, open_, LINKS)
    assert list(result["bms_invoice_ids"]) == [(10042,)]  # the other account is out of scope
    top = first(result)
    assert top["customer_match"] == "name"
    assert "customer name 96% like 'Harbor Dental'" in top["reasons"]
    similarity = 2 * 13 / 27  # token_sort_ratio("harbour dental", "harbor dental")
    assert top["score"] == pytest.approx(0.40 + 0.15 * 0.8 * similarity + THREE_DAYS, abs=1e-3)


def test_number_of_another_customers_invoice_scores_lower() -> None:
    open_ = invoices(
        invoice(10042, "INV-10042", 300.0, account=1),
        invoice(20001, "INV-20001", 1250.0, account=2),
    )
    top = first(suggest(payments(payment(1250.0, "INV-20001")), open_, LINKS))
    assert top["bms_invoice_ids"] == (20001,)
    assert top["customer_match"] == "none"
    assert "invoice of another customer, 'Pine Street Legal'" in top["reasons"]
    assert top["score"] == pytest.approx(0.40 + 0.35 + THREE_DAYS, abs=1e-3)
    assert top["score"] < 0.9


def test_nothing_plausible_gives_no_rows() -> None:
    open_ = invoices(invoice(10042, "INV-10042", 1250.0))
    rows = payments(payment(37.12, "DEP 4411", customer_id="Q9", customer_name="Zeta Widgets Inc"))
    result = suggest(rows, open_, LINKS)
    assert result.empty
    assert list(result.columns) == SUGGESTION_COLUMNS


def test_weak_evidence_scores_low_and_is_not_preselected() -> None:
    open_ = invoices(invoice(10042, "INV-10042", 1000.0), invoice(10043, "INV-10043", 2000.0))
    result = suggest(payments(payment(37.12, "DEP 4411")), open_, LINKS)
    assert len(result) == 2
    assert (result["score"] <= 0.5).all()
    assert best(result).empty


def test_ranking_and_limit() -> None:
    open_ = invoices(
        invoice(1, "INV-1001", 500.0),
        invoice(2, "INV-1002", 800.0),
        invoice(3, "INV-1003", 900.0),
        invoice(4, "INV-1004", 300.0),
        invoice(5, "INV-1005", 200.0),
    )
    rows = payments(payment(500.0))
    three = suggest(rows, open_, LINKS)
    assert list(three["rank"]) == [1, 2, 3]
    assert three.iloc[0]["bms_invoice_ids"] == (1,)  # equal amount
    assert three.iloc[1]["bms_invoice_ids"] == (4, 5)  # 300 + 200
    assert list(three["score"]) == sorted(three["score"], reverse=True)
    two = suggest(rows, open_, LINKS, limit=2)
    assert list(two["rank"]) == [1, 2]
    assert list(two["bms_invoice_ids"]) == [(1,), (4, 5)]
    assert str(two["rank"].dtype) == "Int64"
    assert str(two["score"].dtype) == "Float64"


def test_payments_with_nothing_to_apply_get_no_rows() -> None:
    open_ = invoices(invoice(10042, "INV-10042", 1250.0))
    applied = payment(1250.0, "INV-10042", unapplied=0.0)
    assert suggest(payments(applied), open_, LINKS).empty
    by_total = suggest(payments(applied), open_, LINKS, amount_column="total")
    assert first(by_total)["bms_invoice_ids"] == (10042,)


def test_best_keeps_rank_one_above_threshold() -> None:
    open_ = invoices(
        invoice(10042, "INV-10042", 1250.0),
        invoice(10077, "INV-10077", 640.0),
        invoice(10078, "INV-10078", 990.0),
    )
    rows = payments(
        payment(1250.0, "INV-10042"),  # clean: ≥ 0.9
        payment(640.0, "INV-10707", payment_id="P2"),  # near number: < 0.9
    )
    result = suggest(rows, open_, LINKS)
    chosen = best(result)
    assert list(chosen["payment_id"]) == ["P1"]
    assert list(chosen["bms_invoice_ids"]) == [(10042,)]
    assert list(chosen["rank"]) == [1]
    lower = best(result, threshold=0.7)
    assert list(lower["payment_id"]) == ["P1", "P2"]
    assert list(lower["bms_invoice_ids"]) == [(10042,), (10077,)]


def test_empty_inputs() -> None:
    result = suggest(payments(), invoices(), LINKS.iloc[:0])
    assert result.empty
    assert list(result.columns) == SUGGESTION_COLUMNS
    assert best(result).empty
