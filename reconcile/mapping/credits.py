"""Credits, BMS → QuickBooks: a BMS invoice's negative lines become a QuickBooks credit memo
(issue 15, item 2).

QuickBooks refuses a negative line on an invoice (2290, reference/qbo-api.md §4), so an
accountant makes what BMS shows as one document as two: the invoice of the charges, and a
CreditMemo of the credits (the credit lines with their sign turned), for the same customer,
applied to that invoice (``reconcile.sync.credits``). A credit invoice (every line negative)
becomes a credit memo alone, whose credit stays on the customer's account as BMS's negative
PaymentDue does. The memo is priced as an invoice is (Intuit's CreditMemo reference: the
same lines and tax); its number is the invoice's, with "-CR" when the invoice is in
QuickBooks too (QuickBooks numbers both from one sequence: one number for two documents
would look like a duplicate to a person).

One cent: BMS taxes the invoice's net, QuickBooks each document, and the two roundings may
differ by a cent (2 × 1349 and −1 × 1349 at 6.25%: 168.63 − 84.31 ≠ 84.31). QuickBooks
computes a document's tax from its tax code's rate (python-quickbooks issue #301), so the
cent goes on the short document as a visible, non-taxable line that says why
(:data:`ROUNDING_LINE`); the two books then agree to the cent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from reconcile.mapping.invoices import (
    CENT,
    InvoiceDraft,
    map_invoice,
    money,
    totals_check,
)
from reconcile.mapping.options import SyncOptions
from reconcile.qbo.company import DEFAULT as DEFAULT_COMPANY
from reconcile.qbo.company import CompanySettings

SUFFIX = "-CR"  # the memo's number beside its invoice: number + SUFFIX
ROUNDING_LINE = (
    "Sales tax rounding: BMS taxes the invoice's net, QuickBooks the invoice and its "
    "credit memo apart"
)
# The invoice header fields a credit memo has no place for (Intuit's CreditMemo entity has
# no DueDate nor PONumber; its terms mean nothing for a credit).
NOT_ON_MEMO = ("DueDate", "PONumber")


def is_credit(line: Mapping[str, Any]) -> bool:
    """Whether a BMS line is a credit: its amount (Qty × UnitPrice) is negative."""
    qty = Decimal(str(line.get("Qty") or 0))
    price = Decimal(str(line.get("UnitPrice") or 0))
    return money(qty * price) < 0


def split_lines(
    lines: Iterable[Mapping[str, Any]],
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """A BMS invoice's lines as (charges, credits)."""
    charges: list[Mapping[str, Any]] = []
    credits: list[Mapping[str, Any]] = []
    for line in lines:
        (credits if is_credit(line) else charges).append(line)
    return charges, credits


def turned(line: Mapping[str, Any]) -> dict[str, Any]:
    """A credit line with its sign turned (the negative one of Qty and UnitPrice made
    positive), as the memo carries it."""
    qty = Decimal(str(line.get("Qty") or 0))
    price = Decimal(str(line.get("UnitPrice") or 0))
    total = -Decimal(str(line.get("TotalPrice") or 0))
    if price < 0:
        return {**line, "UnitPrice": float(-price), "TotalPrice": float(total)}
    return {**line, "Qty": float(-qty), "TotalPrice": float(total)}


def memo_number(number: str, alone: bool) -> str:
    """The credit memo's DocNumber: the invoice's, with :data:`SUFFIX` beside an invoice."""
    return number if alone else f"{number}{SUFFIX}"


def map_credit_memo(
    header: Mapping[str, Any],
    credits: Iterable[Mapping[str, Any]],
    options: SyncOptions | Mapping[str, Any] | None = None,
    company: CompanySettings = DEFAULT_COMPANY,
    currency: str | None = None,
    *,
    alone: bool,
) -> InvoiceDraft:
    """The credit memo of a BMS invoice's credit lines (``alone``: the invoice has no
    charges, so the memo is all QuickBooks gets); its problems block the invoice too."""
    number = str(header.get("InvoiceNumber") or "")
    memo_header = {
        **header,
        "InvoiceNumber": memo_number(number, alone) if number else "",
        "PaidAmount": 0,  # BMS's payments pay the invoice, not its credit
        **dict.fromkeys(NOT_ON_MEMO),
    }
    credits = list(credits)
    draft = map_invoice(memo_header, [turned(c) for c in credits], (), options, company, currency)
    draft.refs.pop("SalesTermRef", None)
    draft.header, draft.lines = header, credits  # the preview shows BMS's own lines
    if company.automated_tax and money(header.get("TotalTax")):
        # The engine would tax each document on its own rates: their net could not be
        # checked against BMS's tax before sending. Made by a person, the credit is theirs.
        draft.problems.append(
            "a taxed invoice with credit lines, and automated sales tax in QuickBooks: make "
            "its credit memo there by hand (QuickBooks' tax on two documents cannot be made "
            "to agree with BMS's before sending)"
        )
    return draft


def balance_rounding(
    invoice: InvoiceDraft | None, memo: InvoiceDraft, header: Mapping[str, Any]
) -> None:
    """Put the cent by which the two documents' taxes miss BMS's on the short document, as a
    non-taxable line (module docstring); a larger difference is left to the totals check."""
    if memo.expected_total is None or (invoice is not None and invoice.expected_total is None):
        return
    net = (invoice.expected_total if invoice else Decimal(0)) - memo.expected_total
    gap = net - money(header.get("GrandTotal"))
    if not gap or abs(gap) > CENT:
        return
    short = memo if gap > 0 else invoice
    if short is None or not short.body.get("Line"):
        return
    lines = short.body["Line"]
    at = sum(1 for line in lines if line.get("DetailType") == "SalesItemLineDetail")
    first = short.refs["Line.0.SalesItemLineDetail.ItemRef"]
    short.refs[f"Line.{at}.SalesItemLineDetail.ItemRef"] = first
    lines.insert(
        at,
        {
            "Amount": float(abs(gap)),
            "DetailType": "SalesItemLineDetail",
            "Description": ROUNDING_LINE,
            "SalesItemLineDetail": {
                "Qty": 1.0,
                "UnitPrice": float(abs(gap)),
                "TaxCodeRef": {"value": "NON"},
            },
        },
    )
    short.expected_subtotal += abs(gap)
    short.expected_total += abs(gap)
    which = "credit memo" if short is memo else "invoice"
    short.notes.append(
        f"a line of {abs(gap)} on the {which} ({first.label}, not taxed): BMS rounds the tax "
        "of the net, QuickBooks of each document"
    )


def credit_totals(
    invoice: InvoiceDraft | None, memo: InvoiceDraft, header: Mapping[str, Any]
) -> dict[str, Any]:
    """:func:`reconcile.mapping.invoices.totals_check` of what QuickBooks will hold for the
    BMS invoice: its invoice less its credit memo (the memo alone, negative)."""
    net = InvoiceDraft(memo.bms_id, memo.doc_number)
    net.expected_subtotal = (
        invoice.expected_subtotal if invoice else Decimal(0)
    ) - memo.expected_subtotal
    if memo.expected_tax is None or (invoice is not None and invoice.expected_tax is None):
        net.tax_by_quickbooks = True
        net.expected_tax = net.expected_total = None
    else:
        net.expected_tax = (invoice.expected_tax if invoice else Decimal(0)) - memo.expected_tax
        net.expected_total = net.expected_subtotal + net.expected_tax
    return totals_check(net, header)
