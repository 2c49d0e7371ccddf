"""Invoice eligibility, mapping and totals check (pure; the demo tenant's invoices as data)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from reconcile.bms.assumptions import BmsAssumptions
from reconcile.mapping.invoices import eligibility, map_invoice, totals_check
from reconcile.sandbox.bms_demo import DemoSizes, generate

HEADER = {
    "Id": 70001,
    "InvoiceNumber": "INV-10001",
    "AccountId": 1003,
    "AccountName": "O'Brien & Sons Plumbing",
    "InvoiceDate": "2026-10-01T00:00:00Z",
    "DueDate": "2026-10-31T00:00:00Z",
    "SalesTaxItemId": 21,
    "SalesTaxItemName": "MA Sales Tax",
    "SalesTaxRate": 6.25,
    "GrandTotal": 428.44,
    "TotalTax": 24.69,
    "Notes": "October services",
    "EmailAddress": "ap@obrien.example",
    "PONumber": "PO-77",
}
LINES = [
    {
        "Name": "Remote Support",
        "Description": "Remote support hours",
        "TypeName": "Labor",
        "Qty": 1.5,
        "UnitPrice": 150.0,
        "TotalPrice": 225.0,
        "IsTaxable": False,
        "ValueDate": "2026-09-30T00:00:00Z",
    },
    {
        "Name": "Firewall",
        "Description": None,
        "TypeName": "Product",
        "Qty": 1,
        "UnitPrice": 395.0,
        "TotalPrice": 395.0,
        "IsTaxable": True,
    },
]
DISCOUNTS = [{"Name": "Loyalty discount", "Value": 216.25}]


def test_only_the_four_exportable_statuses_are_eligible():
    headers = pd.DataFrame({"StatusName": ["New", "Ready to Send", "sent", "Void", None]})
    out = eligibility(headers)
    assert out["eligible"].tolist() == [False, True, True, False, False]
    assert "status 'New' is not exported" in out["why"].iloc[0]
    assert out["why"].iloc[1] == ""
    subset = eligibility(headers.iloc[[0, 2]])  # a filtered frame keeps its reasons
    assert subset["why"].iloc[0].startswith("status 'New'") and subset["why"].iloc[1] == ""
    custom = eligibility(headers, BmsAssumptions(exportable_statuses=("New",)))
    assert custom["eligible"].tolist() == [True, False, False, False, False]


def test_header_lines_discount_and_tax_map_to_a_quickbooks_invoice():
    draft = map_invoice(HEADER, LINES, DISCOUNTS)
    body = draft.body
    assert not draft.blocked
    assert body["DocNumber"] == "INV-10001"
    assert (body["TxnDate"], body["DueDate"]) == ("2026-10-01", "2026-10-31")
    assert draft.refs["SalesTermRef"].label == "Net 30"
    assert draft.refs["CustomerRef"].key == "1003"
    assert draft.refs["TxnTaxDetail.TxnTaxCodeRef"].label == "MA Sales Tax"
    assert body["CustomerMemo"] == {"value": "October services"}
    assert body["BillEmail"] == {"Address": "ap@obrien.example"} and body["PONumber"] == "PO-77"
    labour, firewall, discount = body["Line"]
    assert labour["Amount"] == 225.0 and labour["SalesItemLineDetail"]["Qty"] == 1.5
    assert labour["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "NON"}
    assert labour["SalesItemLineDetail"]["ServiceDate"] == "2026-09-30"
    assert firewall["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "TAX"}
    assert firewall["Description"] == "Firewall"
    assert discount["DetailType"] == "DiscountLineDetail" and discount["Amount"] == 216.25
    assert draft.refs["Line.1.SalesItemLineDetail.ItemRef"].label == "Firewall"


def test_totals_check_compares_to_the_cent():
    draft = map_invoice(HEADER, LINES, DISCOUNTS)
    check = totals_check(draft, HEADER)
    assert check["qbo_tax"] == 24.69  # 395 × 6.25 % on the taxable line, before discount
    assert check["qbo_total"] == 428.44 and check["agree"]
    off = totals_check(draft, {**HEADER, "GrandTotal": 428.46})
    assert not off["agree"] and off["difference"] == -0.02


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"InvoiceNumber": "INV-" + "9" * 20}, "QuickBooks allows 21 for DocNumber"),
        ({"InvoiceNumber": ""}, "has no number"),
    ],
)
def test_doc_number_rules_block(change, problem):
    draft = map_invoice({**HEADER, **change}, LINES)
    assert draft.blocked and any(problem in p for p in draft.problems)


def test_credit_lines_and_empty_invoices_are_blocked_with_reasons():
    credit = map_invoice(HEADER, [{**LINES[0], "Qty": -1, "TotalPrice": -150.0}])
    assert any("credit memo" in p for p in credit.problems)
    assert any("no lines" in p for p in map_invoice(HEADER, []).problems)
    long_po = map_invoice({**HEADER, "PONumber": "P" * 16}, LINES)
    assert "PONumber" not in long_po.body and not long_po.blocked


def test_a_long_line_description_is_cut_with_a_note_the_preview_shows():
    draft = map_invoice(HEADER, [{**LINES[0], "Description": "x" * 4100}, LINES[1]])
    assert len(draft.body["Line"][0]["Description"]) == 4000 and not draft.blocked
    assert "line 1: description cut from 4100 to 4000 characters" in "; ".join(draft.notes)


def test_one_name_in_two_unicode_spellings_is_sent_as_one():
    nfd = map_invoice({**HEADER, "Notes": "Cafe\u0301 Lumie\u0300re"}, LINES)
    nfc = map_invoice({**HEADER, "Notes": "Caf\u00e9 Lumi\u00e8re"}, LINES)
    assert nfd.body["CustomerMemo"] == nfc.body["CustomerMemo"]


def test_every_demo_invoice_agrees_to_the_cent_or_is_blocked():
    demo = generate(DemoSizes(), today=date(2026, 11, 25))
    checked = 0
    for inv in demo.invoices:
        draft = map_invoice(inv, inv.get("LineItems") or [], inv.get("DiscountItems") or [])
        lines = inv.get("LineItems") or []
        if draft.blocked:  # only for a negative line (QBO refuses them: 2290; the plan
            # sends those lines as a credit memo: test_credits.py) or no lines
            assert not lines or any(ln["TotalPrice"] < 0 for ln in lines), inv["InvoiceNumber"]
            continue
        assert totals_check(draft, inv)["agree"], inv["InvoiceNumber"]
        checked += 1
    assert checked >= 190
