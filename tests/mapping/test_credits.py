"""Credit lines as QuickBooks credit memos (pure): the split, the memo's body and tax, the
cent BMS's net tax and QuickBooks' per-document tax may differ by, and the totals check of
invoice less memo; the demo tenant's invoices as data."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from reconcile.mapping.credits import (
    ROUNDING_LINE,
    balance_rounding,
    credit_totals,
    map_credit_memo,
    split_lines,
    turned,
)
from reconcile.mapping.invoices import map_invoice, money
from reconcile.qbo.company import DEFAULT as COMPANY
from reconcile.sandbox.bms_demo import DemoSizes, generate

# INV-10042 of the demo: a laptop sold twice and one returned, taxed 6.25% on the net.
HEADER = {
    "Id": 70042,
    "InvoiceNumber": "INV-10042",
    "AccountId": 1001,
    "AccountName": "Bayside Dental Group",
    "InvoiceDate": "2026-09-10T00:00:00Z",
    "DueDate": "2026-10-10T00:00:00Z",
    "SalesTaxItemId": 21,
    "SalesTaxItemName": "MA Sales Tax",
    "SalesTaxRate": 6.25,
    "GrandTotal": 1433.31,
    "TotalTax": 84.31,
    "PONumber": "PO-9",
}
LAPTOP = {"Name": "Dell Latitude 5550 Laptop", "TypeName": "Product", "IsTaxable": True}
LINES = [
    {**LAPTOP, "Description": "Two laptops", "Qty": 2, "UnitPrice": 1349.0, "TotalPrice": 2698.0},
    {**LAPTOP, "Description": "Return", "Qty": -1, "UnitPrice": 1349.0, "TotalPrice": -1349.0},
]


def _split(header=HEADER, lines=LINES):
    charges, credits = split_lines(lines)
    invoice = map_invoice(header, charges) if charges else None
    memo = map_credit_memo(header, credits, alone=invoice is None)
    balance_rounding(invoice, memo, header)
    return invoice, memo


def test_credit_lines_are_split_off_and_turned_positive():
    charges, credits = split_lines([*LINES, {"Qty": 1, "UnitPrice": -50, "TotalPrice": -50}])
    assert [c["Qty"] for c in charges] == [2]
    assert [turned(c)["Qty"] for c in credits] == [1.0, 1]  # a negative quantity turned
    assert turned(credits[1])["UnitPrice"] == 50.0  # or a negative price
    assert turned(credits[1])["TotalPrice"] == 50.0


def test_the_memo_carries_the_credit_lines_number_and_tax_but_no_due_date():
    _invoice, memo = _split()
    body = memo.body
    assert body["DocNumber"] == "INV-10042-CR"
    assert "DueDate" not in body and "PONumber" not in body
    assert "SalesTermRef" not in memo.refs
    assert body["Line"][0]["Amount"] == 1349.0
    assert body["Line"][0]["SalesItemLineDetail"]["Qty"] == 1.0
    assert body["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "TAX"}
    assert memo.expected_tax == Decimal("84.31")
    assert memo.refs["CustomerRef"].key == "1001"


def test_the_cent_goes_on_the_short_document_as_an_untaxed_line():
    invoice, memo = _split()
    # 2698 × 6.25% = 168.625 → 168.63 on the invoice; 1349 × 6.25% = 84.31 on the memo:
    # 2866.63 − 1433.31 is a cent over BMS's 1433.31, so the memo takes a cent more.
    assert invoice.expected_total == Decimal("2866.63")
    assert len(invoice.body["Line"]) == 1
    rounding = memo.body["Line"][-1]
    assert rounding["Description"] == ROUNDING_LINE
    assert rounding["Amount"] == 0.01
    assert rounding["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "NON"}
    assert memo.refs["Line.1.SalesItemLineDetail.ItemRef"].label == LAPTOP["Name"]
    assert memo.expected_total == Decimal("1433.32")
    totals = credit_totals(invoice, memo, HEADER)
    assert totals["qbo_total"] == 1433.31 and totals["difference"] == 0.0
    assert totals["agree"]


def test_a_credit_invoice_is_a_memo_alone_with_its_own_number():
    header = {**HEADER, "InvoiceNumber": "INV-10008", "GrandTotal": -375.0, "TotalTax": 0.0}
    lines = [{"Name": "Managed User", "Qty": -3, "UnitPrice": 125.0, "TotalPrice": -375.0}]
    invoice, memo = _split(header, lines)
    assert invoice is None
    assert memo.body["DocNumber"] == "INV-10008"
    assert [ln["Amount"] for ln in memo.body["Line"]] == [375.0]  # no rounding needed
    totals = credit_totals(None, memo, header)
    assert totals["qbo_total"] == -375.0 and totals["agree"]


def test_a_larger_difference_is_not_hidden_by_a_rounding_line():
    header = {**HEADER, "GrandTotal": 1400.0}
    invoice, memo = _split(header)
    assert all(ln.get("Description") != ROUNDING_LINE for ln in memo.body["Line"])
    assert not credit_totals(invoice, memo, header)["agree"]


def test_a_taxed_credit_with_automated_sales_tax_is_left_to_a_person():
    company = dataclasses.replace(COMPANY, automated_tax=True)
    memo = map_credit_memo(HEADER, split_lines(LINES)[1], company=company, alone=False)
    assert any("automated sales tax" in p for p in memo.problems)


def test_every_demo_invoice_with_credits_agrees_to_the_cent():
    demo = generate(DemoSizes(), today=date(2026, 11, 25))
    seen = 0
    for inv in demo.invoices:
        charges, credits = split_lines(inv.get("LineItems") or [])
        if not credits:
            continue
        invoice = map_invoice(inv, charges, inv.get("DiscountItems") or []) if charges else None
        memo = map_credit_memo(inv, credits, alone=invoice is None)
        balance_rounding(invoice, memo, inv)
        totals = credit_totals(invoice, memo, inv)
        assert totals["difference"] == 0.0 and totals["agree"], inv["InvoiceNumber"]
        net = (invoice.expected_total if invoice else 0) - memo.expected_total
        assert net == money(inv["GrandTotal"]), inv["InvoiceNumber"]
        seen += 1
    assert seen >= 2  # INV-10008 (a credit invoice) and INV-10042 (a return)
