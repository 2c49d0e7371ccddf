"""The invoice preview: header fields side by side, lines side by side (BMS line ↔ QuickBooks
line) and the totals check, as three plain DataFrames (styled for the app).

A plan that includes what its invoices need (:mod:`reconcile.sync.dependencies`) shows those
records first in ``records``, with the master-data preview of their own Sync Map.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from reconcile.mapping.invoices import money
from reconcile.mapping.syncmap import EntityMap, get_path, is_blank
from reconcile.plans import Plan
from reconcile.sync import bms_payments, credits
from reconcile.sync.dependencies import ORDER
from reconcile.sync.plan import MADE_NEEDS, same_value
from reconcile.sync.preview import PREVIEW_COLUMNS, preview_frame, style_preview

RECORD_COLUMNS = ["kind", *PREVIEW_COLUMNS]
LINE_COLUMNS = [
    "bms_id",
    "invoice",
    "action",
    "line",
    "bms_item",
    "bms_description",
    "bms_qty",
    "bms_unit_price",
    "bms_amount",
    "bms_taxable",
    "item",
    "description",
    "qty",
    "unit_price",
    "amount",
    "tax_code",
    "in_quickbooks",
    "changed",
]
TOTALS_COLUMNS = [
    "bms_id",
    "invoice",
    "action",
    "bms_total",
    "qbo_total",
    "bms_tax",
    "qbo_tax",
    "difference",
    "agree",
    "in_quickbooks",
    # Money BMS shows paid, and what the export records of it in QuickBooks (bms_payments).
    "bms_paid",
    "qbo_applied",
    "to_record",
    "payment",
    # The credit memo of its credit lines, and what the export does with it (credits).
    "credit_memo",
    "credit",
]
# (field, BMS column, QuickBooks property) of the header, in the order of the QBO form.
HEADER_FIELDS = [
    ("Customer", "AccountName", "CustomerRef"),
    ("Invoice no.", "InvoiceNumber", "DocNumber"),
    ("Invoice date", "InvoiceDate", "TxnDate"),
    ("Due date", "DueDate", "DueDate"),
    ("Terms", None, "SalesTermRef"),
    ("Sales tax", "SalesTaxItemName", "TxnTaxDetail.TxnTaxCodeRef"),
    ("Message on invoice", "Notes", "CustomerMemo"),
    ("Email", "EmailAddress", "BillEmail.Address"),
    ("P.O. number", "PONumber", "PONumber"),
    # Shown only when sent: the company's settings decide them (reconcile.qbo.company).
    ("Private note", "InvoiceNumber", "PrivateNote"),
    ("Currency", None, "CurrencyRef"),
    ("Class", "ClassName", "ClassRef"),
    ("Location", "AccountLocationName", "DepartmentRef"),
]
# The money columns of the totals: the invoice's (blank: QuickBooks computes it), then its
# payments' (blank: none recorded from BMS).
TOTALS_MONEY = (
    "bms_total",
    "qbo_total",
    "bms_tax",
    "qbo_tax",
    "difference",
    "credit_memo",
    "bms_paid",
    "qbo_applied",
    "to_record",
)
WHEN_SENT = {"PrivateNote", "CurrencyRef", "ClassRef", "DepartmentRef"}


@dataclass
class InvoicePreview:
    """The three views of an invoice plan (columns: ``RECORD_COLUMNS``, ``LINE_COLUMNS``,
    ``TOTALS_COLUMNS``)."""

    records: pd.DataFrame
    lines: pd.DataFrame
    totals: pd.DataFrame


def _show(value: Any) -> Any:
    if isinstance(value, dict):
        return value.get("name") or value.get("value")
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return None if is_blank(value) else value


def _ref_shown(row: dict, path: str) -> tuple[Any, str]:
    """What a reference will point to, and a note when it is created first."""
    draft = row["draft"]
    ref = draft.refs.get(path)
    if ref is None:
        return None, ""
    for need in row["needs"] or []:
        if need.path == path:
            return need.label, f"{need.kind} created first"
    if ref.kind == "taxcode":  # the BMS tax item's name; QuickBooks' code may be named apart
        sent = get_path(row["body"] or {}, path) or {}
        return ref.label, f"QuickBooks tax code {sent.get('value')}" if sent else ""
    return ref.label, ""


def _header_rows(row: dict) -> list[dict]:
    draft, current = row["draft"], row["qbo_record"] or {}
    body = row["body"] or draft.body
    sending = row["action"] in ("create", "update", "link")
    out = []
    for name, column, path in HEADER_FIELDS:
        if path in WHEN_SENT and path not in draft.refs and get_path(body, path) is None:
            continue
        if path in draft.refs:  # compared by id: the name may differ
            to_send, note = _ref_shown(row, path)
            now_ref, sent_ref = get_path(current, path) or {}, get_path(body, path) or {}
            differs = now_ref.get("value") != sent_ref.get("value")
            now = _show(now_ref or None)
        else:
            to_send, note = _show(get_path(body, path)), ""
            now = _show(get_path(current, path))
            differs = not same_value(now, to_send)
        bms = _show(draft.header.get(column)) if column else None
        if bms is None and to_send is None and now is None:
            continue
        changed = sending and to_send is not None and (row["action"] == "create" or differs)
        out.append((name, path, bms, to_send, now, changed, note))
    totals = row["totals"]
    for name, bms_key, qbo_key, path in (
        ("Total", "bms_total", "qbo_total", "TotalAmt"),
        ("Tax", "bms_tax", "qbo_tax", "TxnTaxDetail.TotalTax"),
    ):
        now = _show(get_path(current, path))
        note = "" if totals["agree"] else "BMS and QuickBooks totals differ"
        value = totals[qbo_key]
        if totals.get("tax_by") == "quickbooks":  # automated sales tax, unknown until sent
            value, note = COMPUTED, note or "QuickBooks' automated sales tax decides"
        out.append(
            (name, path, totals[bms_key], value, now, sending and not same_value(now, value), note)
        )
    if draft.notes:  # what the mapping changed or left out, and why
        out.append(("Notes", "", None, None, None, False, "; ".join(draft.notes)))
    reason = row["reason"] if row["action"] == "blocked" else ""
    keys = ("field", "property", "bms_value", "to_send", "in_quickbooks", "changed", "note")
    head = {
        "kind": "invoice",
        "bms_id": row["bms_id"],
        "name": row["name"],
        "action": row["action"],
    }
    return [
        {**head, **dict(zip(keys, values, strict=True)), "note": reason or values[-1]}
        for values in out
    ]


# What the preview shows for a total QuickBooks' automated sales tax computes when sent.
COMPUTED = "computed by QuickBooks"


def _bms_line(line: Mapping[str, Any]) -> dict:
    return {
        "bms_item": _show(line.get("Name")),
        "bms_description": _show(line.get("Description")),
        "bms_qty": _show(line.get("Qty")),
        "bms_unit_price": _show(line.get("UnitPrice")),
        "bms_amount": _show(line.get("TotalPrice")),
        "bms_taxable": line.get("IsTaxable") is True,
    }


def _bms_discount(discount: Mapping[str, Any]) -> dict:
    return {
        "bms_item": "Discount",
        "bms_description": _show(discount.get("Name")),
        "bms_qty": None,
        "bms_unit_price": None,
        "bms_amount": -float(money(discount.get("Value"))),
        "bms_taxable": False,
    }


def _qbo_line(line: Mapping[str, Any], item: str | None) -> dict:
    detail = line.get("SalesItemLineDetail", {})
    discount = line.get("DetailType") == "DiscountLineDetail"
    return {
        "item": "Discount" if discount else item,
        "description": line.get("Description"),
        "qty": detail.get("Qty"),
        "unit_price": detail.get("UnitPrice"),
        "amount": -line["Amount"] if discount else line["Amount"],
        "tax_code": (detail.get("TaxCodeRef") or {}).get("value"),
    }


def _line_rows(row: dict) -> list[dict]:
    draft, current = row["draft"], row["qbo_record"] or {}
    body = row["body"] or draft.body
    now_lines = [
        -abs(ln["Amount"]) if ln.get("DetailType") == "DiscountLineDetail" else ln["Amount"]
        for ln in current.get("Line", [])
        if ln.get("DetailType") != "SubTotalLineDetail"
    ]
    bms_side = [(str(n), _bms_line(ln)) for n, ln in enumerate(draft.lines, start=1)]
    sent_discounts = [d for d in draft.discounts if money(d.get("Value"))]  # as map_invoice
    bms_side += [(f"D{n}", _bms_discount(d)) for n, d in enumerate(sent_discounts, start=1)]
    sent = body.get("Line", [])
    rounding = len(sent) - len(bms_side)  # the tax rounding line (mapping/credits.py)
    at = len(draft.lines)
    bms_side[at:at] = [("R", dict.fromkeys(_bms_line({}), None))] * rounding
    out = []
    for i, ((label, bms), line) in enumerate(zip(bms_side, sent, strict=True)):
        ref = draft.refs.get(f"Line.{i}.SalesItemLineDetail.ItemRef")
        qbo = _qbo_line(line, ref.label if ref else None)
        now = now_lines[i] if i < len(now_lines) else None
        changed = row["action"] in ("update", "link") and not same_value(now, qbo["amount"])
        out.append(
            {
                "bms_id": row["bms_id"],
                "invoice": row["name"],
                "action": row["action"],
                "line": label,
                **bms,
                **qbo,
                "in_quickbooks": now,
                "changed": changed,
            }
        )
    return out


def invoice_preview(plan: Plan, maps: Mapping[str, EntityMap]) -> InvoicePreview:
    """The preview of an invoice plan (with its dependencies, if it includes them)."""
    parts = []
    for kind in (*MADE_NEEDS, *ORDER):
        rows = plan.rows[plan.rows["kind"] == kind]
        if len(rows):
            parts.append(preview_frame(plan.with_rows(rows), maps.get(kind)).assign(kind=kind))
    invoices = plan.rows[plan.rows["kind"] == "invoice"].to_dict("records")
    headers, lines, totals = [], [], []
    for row in invoices:
        headers += _header_rows(row)
        lines += _line_rows(row)
        credit = row["credit"]
        if isinstance(credit, dict) and not credit["alone"] and credit["body"] is not None:
            memo = {**row, **{k: credit[k] for k in ("name", "action", "draft", "body")}}
            lines += _line_rows({**memo, "qbo_record": credit["qbo_record"]})
        current = row["qbo_record"] or {}
        totals.append(
            {
                "bms_id": row["bms_id"],
                "invoice": row["name"],
                "action": row["action"],
                **row["totals"],
                "in_quickbooks": current.get("TotalAmt"),
                **bms_payments.shown(row["payment"]),
                **credits.shown(credit),
            }
        )
    parts.append(pd.DataFrame(headers, columns=RECORD_COLUMNS))
    records = pd.concat([p[RECORD_COLUMNS] for p in parts], ignore_index=True)
    return InvoicePreview(
        records,
        pd.DataFrame(lines, columns=LINE_COLUMNS),
        pd.DataFrame(totals, columns=TOTALS_COLUMNS),
    )


def style_lines(lines: pd.DataFrame) -> pd.io.formats.style.Styler:
    """Lines for people: the BMS half grey-blue, the QuickBooks half green, changes bold."""

    def row_style(row: pd.Series) -> list[str]:
        return [
            "background-color: #eceff1"
            if c.startswith("bms_")
            else "background-color: #fff176; font-weight: bold"
            if c == "amount" and row["changed"]
            else "background-color: #e8f5e9"
            if c in LINE_COLUMNS[10:17]
            else ""
            for c in lines.columns
        ]

    return lines.style.apply(row_style, axis=1).hide(axis="index")


def style_totals(totals: pd.DataFrame) -> pd.io.formats.style.Styler:
    """Totals for people: a difference beyond one cent in red."""

    def row_style(row: pd.Series) -> list[str]:
        bad = "background-color: #ffcdd2; font-weight: bold"
        held = "background-color: #fff3e0"  # a payment a person decides on
        waiting = {  # the columns of a payment or credit a person decides on
            *(("to_record", "payment") if str(row.get("payment", "")).startswith("held") else ()),
            *(("credit_memo", "credit") if str(row.get("credit", "")).startswith("held") else ()),
        }
        return [bad if not row["agree"] else held if c in waiting else "" for c in totals.columns]

    return (
        totals.style.apply(row_style, axis=1)
        .hide(axis="index")
        .format("{:.2f}", subset=list(TOTALS_MONEY[:5]), na_rep=COMPUTED)
        .format("{:.2f}", subset=list(TOTALS_MONEY[5:]), na_rep="")
    )


__all__ = ["InvoicePreview", "invoice_preview", "style_lines", "style_preview", "style_totals"]
