"""Invoices, BMS → QuickBooks: eligibility, header and line mapping, and the totals check.

Pure functions over the frames of :func:`reconcile.bms.loaders.load_invoices` (issue 5,
first part: the plan, send and app tab build on these). Rules come from the seed guide
("only … Ready to Send, Sent, Partially Paid, or Fully Paid") and reference/qbo-api.md §4
Invoice: DocNumber ≤ 21 characters, line Amount = Qty × UnitPrice (6070), no negative line
amounts (2290), line tax codes TAX/NON, PONumber ≤ 15, CustomerMemo ≤ 1000.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from reconcile.bms.assumptions import DEFAULT, BmsAssumptions
from reconcile.mapping.options import SyncOptions
from reconcile.mapping.syncmap import Ref, clean_text, is_blank
from reconcile.qbo.company import DEFAULT as DEFAULT_COMPANY
from reconcile.qbo.company import CompanySettings

DOC_NUMBER_MAX = 21
PO_NUMBER_MAX = 15
MEMO_MAX = 1000
LINE_DESCRIPTION_MAX = 4000  # QBO Line.Description (reference §4 Invoice)
CENT = Decimal("0.01")
# The line and discount columns map_invoice (and the preview) read.
LINE_FIELDS = (
    "InvoiceId",
    "Name",
    "Description",
    "TypeName",
    "Qty",
    "UnitPrice",
    "TotalPrice",
    "IsTaxable",
    "ValueDate",
    "ClassName",
)
DISCOUNT_FIELDS = ("InvoiceId", "Name", "Value")


def money(value: Any) -> Decimal:
    """Cents, rounded half up (blank counts as 0)."""
    return Decimal(0 if is_blank(value) else str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def eligibility(headers: pd.DataFrame, assumptions: BmsAssumptions = DEFAULT) -> pd.DataFrame:
    """The headers with two more columns: ``eligible`` and ``why`` (the reason when not).

    Statuses are matched by name, as BMS names them in the data (case-insensitive), against
    ``assumptions.exportable_statuses`` (BMS publishes no status list)."""
    names = headers["StatusName"].fillna("").astype(str)
    eligible = names.map(assumptions.is_exportable).astype(bool)
    shown = ", ".join(assumptions.exportable_statuses)
    why = [
        "" if ok else f"status {name or '(none)'!r} is not exported (only {shown})"
        for ok, name in zip(eligible, names, strict=True)
    ]
    return headers.assign(
        eligible=eligible.astype("boolean"),
        why=pd.Series(why, index=headers.index, dtype="string"),
    )


@dataclass
class InvoiceDraft:
    """One BMS invoice mapped to a QuickBooks invoice body, with what still needs resolving."""

    bms_id: str
    doc_number: str
    body: dict = field(default_factory=dict)
    refs: dict[str, Ref] = field(default_factory=dict)  # path → record to find or create
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    expected_subtotal: Decimal = Decimal(0)
    expected_tax: Decimal | None = Decimal(0)  # None: QuickBooks computes it (automated)
    expected_total: Decimal | None = Decimal(0)
    tax_by_quickbooks: bool = False
    header: Mapping[str, Any] = field(default_factory=dict, repr=False)  # the BMS rows, for
    lines: list[Mapping[str, Any]] = field(default_factory=list, repr=False)  # the preview
    discounts: list[Mapping[str, Any]] = field(default_factory=list, repr=False)

    @property
    def blocked(self) -> bool:
        return bool(self.problems)


def _day(value: Any) -> str | None:
    if is_blank(value):
        return None
    return pd.Timestamp(value).date().isoformat()


def map_invoice(
    header: Mapping[str, Any],
    lines: Iterable[Mapping[str, Any]],
    discounts: Iterable[Mapping[str, Any]] = (),
    options: SyncOptions | Mapping[str, Any] | None = None,
    company: CompanySettings = DEFAULT_COMPANY,
    currency: str | None = None,
) -> InvoiceDraft:
    """Map one invoice; every rule it breaks goes to ``problems`` (then it is not sent).

    ``company`` (the QuickBooks company's settings) decides the number, the tax and the
    currency sent; ``currency`` is the ISO code of the BMS account's currency, when known."""
    options = SyncOptions.of(options)
    number = clean_text(header.get("InvoiceNumber")) or ""
    lines, discounts = list(lines), list(discounts)
    draft = InvoiceDraft(str(header["Id"]), number, header=header, lines=lines, discounts=discounts)
    body = draft.body
    if not number:
        draft.problems.append("the invoice has no number")
    elif not company.custom_numbers:
        # Intuit (Invoice.DocNumber): with Preferences CustomTxnNumbers false QuickBooks
        # numbers the invoice itself, "do not send a value as it can lead to unwanted
        # duplicates". The BMS number is kept where a person (and the plan) finds it.
        body["PrivateNote"] = number_note(number)
        draft.notes.append(
            "custom transaction numbers are off in QuickBooks: it numbers the invoice "
            f"itself; the BMS number stays in its private note ({body['PrivateNote']!r})"
        )
    elif len(number) > DOC_NUMBER_MAX:
        draft.problems.append(
            f"invoice number {number!r} is {len(number)} characters; QuickBooks allows "
            f"{DOC_NUMBER_MAX} for DocNumber"
        )
    if company.custom_numbers:
        body["DocNumber"] = number
    _currency(draft, currency, company)
    _tracking(draft, header, lines, company, options)
    draft.refs["CustomerRef"] = Ref(
        "customer", str(header.get("AccountId")), clean_text(header.get("AccountName")) or "?"
    )
    txn_date, due_date = _day(header.get("InvoiceDate")), _day(header.get("DueDate"))
    if txn_date:
        body["TxnDate"] = txn_date
    if due_date:
        body["DueDate"] = due_date
    if txn_date and due_date:
        days = (date.fromisoformat(due_date) - date.fromisoformat(txn_date)).days
        name = "Due on receipt" if days == 0 else f"Net {days}"
        draft.refs["SalesTermRef"] = Ref("term", str(days), name, {"Name": name, "DueDays": days})
    memo = clean_text(header.get("Notes"))
    if memo:
        if len(memo) > MEMO_MAX:
            draft.notes.append(f"CustomerMemo cut to {MEMO_MAX} characters")
        body["CustomerMemo"] = {"value": memo[:MEMO_MAX]}
    email = clean_text(header.get("EmailAddress"))
    if email:
        body["BillEmail"] = {"Address": email}
    po = clean_text(header.get("PONumber"))
    if po and len(po) > PO_NUMBER_MAX:
        draft.notes.append(
            f"PONumber {po!r} not sent: QuickBooks allows {PO_NUMBER_MAX} characters"
        )
    elif po:
        body["PONumber"] = po

    paid = money(header.get("PaidAmount"))
    if paid > 0 and not options.record_bms_payments:  # else the plan's payment records it
        draft.notes.append(
            f"BMS already has {paid} paid on this invoice: QuickBooks will show the whole "
            "amount open until that payment is recorded there ([sync_map] record_bms_payments "
            "is off; the reconciliation lists it)"
        )
    qbo_lines, subtotal, taxable = _lines(lines, draft, options)
    discount = Decimal(0)
    for d in discounts:
        value = money(d.get("Value"))
        if value:
            discount += value
            qbo_lines.append(
                {
                    "Amount": float(value),
                    "DetailType": "DiscountLineDetail",
                    "Description": clean_text(d.get("Name")) or "Discount",
                    "DiscountLineDetail": {"PercentBased": False},
                }
            )
    body["Line"] = qbo_lines
    draft.expected_subtotal = subtotal - discount
    _tax(draft, header, taxable, company, options)
    if draft.expected_tax is not None:
        draft.expected_total = draft.expected_subtotal + draft.expected_tax
    else:
        draft.expected_total = None
    return draft


def number_note(number: str) -> str:
    """The private note that carries the BMS number where QuickBooks numbers invoices itself;
    the plan finds an exported invoice by it when its link is lost."""
    return f"BMS invoice {number}"


def _currency(draft: InvoiceDraft, currency: str | None, company: CompanySettings) -> None:
    """CurrencyRef: Intuit (Invoice.CurrencyRef) requires it with multicurrency on; without,
    a company has only its home currency."""
    if currency is None:
        return
    if company.multicurrency:
        draft.body["CurrencyRef"] = {"value": currency}
    elif currency != company.home_currency:
        draft.problems.append(
            f"the BMS account bills in {currency}, and the QuickBooks company has one currency "
            f"({company.home_currency}): turn on multicurrency in QuickBooks first"
        )


def _tracking(
    draft: InvoiceDraft,
    header: Mapping[str, Any],
    lines: list[Mapping[str, Any]],
    company: CompanySettings,
    options: SyncOptions,
) -> None:
    """ClassRef and DepartmentRef (QuickBooks' "location") where the company tracks them and
    ``[sync_map.classes]`` / ``[sync_map.locations]`` (BMS name → QuickBooks name, "*" for
    any) say which. Intuit (Invoice.ClassRef, DepartmentRef): available only with
    ClassTrackingPerTxn (per line: ClassTrackingPerTxnLine) and TrackDepartments on."""
    classes, locations = options.classes, options.locations
    if company.class_tracking == "transaction" and classes:
        name = _tracked(classes, header.get("ClassName"))
        if name:
            draft.refs["ClassRef"] = Ref("class", name, name)
    elif company.class_tracking == "line" and classes:
        for n, line in enumerate(lines):
            name = _tracked(classes, line.get("ClassName"))
            if name:
                draft.refs[f"Line.{n}.SalesItemLineDetail.ClassRef"] = Ref("class", name, name)
    if company.locations and locations:
        name = _tracked(locations, header.get("AccountLocationName"))
        if name:
            draft.refs["DepartmentRef"] = Ref("location", name, name)


def _tracked(table: Mapping[str, str], bms_name: Any) -> str | None:
    return table.get(clean_text(bms_name) or "") or table.get("*")


def _tax(
    draft: InvoiceDraft,
    header: Mapping[str, Any],
    taxable: Decimal,
    company: CompanySettings,
    options: SyncOptions,
) -> None:
    """The invoice's tax as the company's settings take it, and the tax QuickBooks will show
    (``expected_tax``; None when QuickBooks computes it and nobody can know it before)."""
    rate = Decimal(str(header.get("SalesTaxRate") or 0))
    tax_item = clean_text(header.get("SalesTaxItemName"))
    bms_tax = money(header.get("TotalTax"))
    if not company.sales_tax:
        # Intuit (Invoice.TxnTaxDetail): with sales tax off, TxnTaxDetail "is ignored and
        # not stored", so the QuickBooks total would miss BMS's tax.
        if bms_tax:
            draft.problems.append(
                f"BMS charged {bms_tax} sales tax and sales tax is off in QuickBooks: its "
                f"invoice would be {bms_tax} short; turn sales tax on in QuickBooks first"
            )
        draft.expected_tax = Decimal(0)
        return
    if company.automated_tax:
        # Intuit, "Using QuickBooks Online API for automated sales tax" (2017-12-11): the
        # engine picks the tax code itself, and "whenever an explicit tax amount is sent …
        # honors the amount and prorates it across tax rates in the AST-assigned tax code".
        if options.automated_sales_tax == "quickbooks":
            draft.tax_by_quickbooks = True
            draft.expected_tax = None
            draft.notes.append(
                f"automated sales tax: QuickBooks computes the tax from the ship-to address "
                f"(BMS charged {bms_tax}); the export compares the two after sending"
            )
        else:
            draft.body["TxnTaxDetail"] = {"TotalTax": float(bms_tax)}
            draft.expected_tax = bms_tax
            draft.notes.append(
                f"automated sales tax: QuickBooks is sent BMS's tax amount {bms_tax}, which "
                "its engine keeps and spreads over its own rates"
            )
        return
    if tax_item:
        draft.refs["TxnTaxDetail.TxnTaxCodeRef"] = Ref(
            "taxcode", tax_item, tax_item, {"bms_tax_item_id": header.get("SalesTaxItemId")}
        )
        draft.body["TxnTaxDetail"] = {}
    # The BMS demo's rule, and QBO's default (ApplyTaxAfterDiscount false): tax on the
    # taxable lines before the discount.
    draft.expected_tax = money(taxable * rate / 100) if tax_item else Decimal(0)


def _lines(
    lines: Iterable[Mapping[str, Any]], draft: InvoiceDraft, options: SyncOptions
) -> tuple[list[dict], Decimal, Decimal]:
    defaults = options.default_items  # BMS line type → QBO item name
    out, subtotal, taxable = [], Decimal(0), Decimal(0)
    for n, line in enumerate(lines, start=1):
        qty = Decimal(str(line.get("Qty") or 0))
        price = Decimal(str(line.get("UnitPrice") or 0))
        amount = money(qty * price)
        if amount < 0:
            draft.problems.append(
                f"line {n} ({line.get('Name')}) is negative ({amount}): QuickBooks refuses a "
                "negative invoice line (2290); credits go on a credit memo (mapping/credits.py)"
            )
        bms_total = money(line.get("TotalPrice"))
        if bms_total != amount:
            draft.notes.append(
                f"line {n}: BMS total {bms_total} ≠ Qty × UnitPrice {amount} (QuickBooks "
                "computes Qty × UnitPrice)"
            )
        item_name = clean_text(line.get("Name")) or ""
        default = defaults.get(clean_text(line.get("TypeName")) or "")
        path = f"Line.{n - 1}.SalesItemLineDetail.ItemRef"
        draft.refs[path] = Ref("item", f"name:{item_name}", item_name, {"default": default})
        detail: dict[str, Any] = {
            "Qty": float(qty),
            "UnitPrice": float(price),
            "TaxCodeRef": {"value": "TAX" if line.get("IsTaxable") else "NON"},
        }
        served = _day(line.get("ValueDate"))
        if served:
            detail["ServiceDate"] = served
        entry = {
            "Amount": float(amount),
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": detail,
        }
        description = clean_text(line.get("Description")) or item_name
        if description and len(description) > LINE_DESCRIPTION_MAX:
            draft.notes.append(
                f"line {n}: description cut from {len(description)} to "
                f"{LINE_DESCRIPTION_MAX} characters (QuickBooks' limit)"
            )
        if description:
            entry["Description"] = description[:LINE_DESCRIPTION_MAX]
        out.append(entry)
        subtotal += amount
        if line.get("IsTaxable"):
            taxable += amount
    if not out:
        draft.problems.append("the invoice has no lines")
    return out, subtotal, taxable


def totals_check(draft: InvoiceDraft, header: Mapping[str, Any]) -> dict[str, Any]:
    """The totals QuickBooks will compute versus BMS's, and whether they agree to the cent."""
    bms_total, bms_tax = money(header.get("GrandTotal")), money(header.get("TotalTax"))
    if draft.tax_by_quickbooks:  # only the amounts before tax can be checked before sending
        diff_total = draft.expected_subtotal - (bms_total - bms_tax)
        return {
            "bms_total": float(bms_total),
            "qbo_total": math.nan,
            "bms_tax": float(bms_tax),
            "qbo_tax": math.nan,
            "difference": float(diff_total),
            "agree": abs(diff_total) <= CENT,
            "tax_by": "quickbooks",
        }
    diff_total = draft.expected_total - bms_total
    diff_tax = draft.expected_tax - bms_tax
    return {
        "bms_total": float(bms_total),
        "qbo_total": float(draft.expected_total),
        "bms_tax": float(bms_tax),
        "qbo_tax": float(draft.expected_tax),
        "difference": float(diff_total),
        "agree": abs(diff_total) <= CENT and abs(diff_tax) <= CENT,
    }
