"""QuickBooks payments and invoices as the frames the payment steps share.

Payments are read from ``Payment.Line[].LinkedTxn`` — what QuickBooks says each payment
paid — never inferred from invoice balances (reference/bms-api-and-peers.md §4: "payments
are read, not inferred").
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import pandas as pd

from reconcile.frames import COUNT, DATE, FLAG, KEY, MONEY, TEXT, build
from reconcile.qbo.client import QboClient
from reconcile.qbo.query import select

# One row per QBO payment.
PAYMENT_COLUMNS: dict[str, str] = {
    "payment_id": KEY,
    "txn_date": DATE,
    "customer_id": KEY,
    "customer_name": TEXT,
    "total": MONEY,
    "unapplied": MONEY,
    "reference": TEXT,
    "memo": TEXT,
    "method_id": KEY,
    "currency": TEXT,
    "sync_token": KEY,
    "credit": MONEY,  # credit memo credit the payment applies (its CreditMemo lines)
}
# One row per invoice a payment line pays (a line may link several invoices: one row each).
PAYMENT_LINE_COLUMNS: dict[str, str] = {
    "payment_id": KEY,
    "line": COUNT,
    "qbo_invoice_id": KEY,
    "amount": MONEY,
}
# One row per QBO invoice (what reconciliation compares with BMS).
QBO_INVOICE_COLUMNS: dict[str, str] = {
    "qbo_invoice_id": KEY,
    "doc_number": TEXT,
    "customer_id": KEY,
    "customer_name": TEXT,
    "txn_date": DATE,
    "total": MONEY,
    "balance": MONEY,
    "voided": FLAG,
}


def payment_frames(payments: Iterable[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """QBO Payment documents → (payments, payment lines). Only invoice links are kept as
    lines; a line linking a credit memo or journal entry is not a payment of an invoice (the
    credit it applies is the payment's ``credit``)."""
    heads, lines = [], []
    for p in payments:
        credit = sum(
            float(line.get("Amount") or 0)
            for line in p.get("Line") or []
            if any(t.get("TxnType") == "CreditMemo" for t in line.get("LinkedTxn") or [])
        )
        heads.append(
            {
                "payment_id": p["Id"],
                "txn_date": p.get("TxnDate"),
                "customer_id": (p.get("CustomerRef") or {}).get("value"),
                "customer_name": (p.get("CustomerRef") or {}).get("name"),
                "total": p.get("TotalAmt", 0),
                "unapplied": p.get("UnappliedAmt", 0),
                "reference": p.get("PaymentRefNum"),
                "memo": p.get("PrivateNote"),
                "method_id": (p.get("PaymentMethodRef") or {}).get("value"),
                "currency": (p.get("CurrencyRef") or {}).get("value"),
                "sync_token": p.get("SyncToken"),
                "credit": credit,
            }
        )
        for n, line in enumerate(p.get("Line") or [], start=1):
            for linked in line.get("LinkedTxn") or []:
                if linked.get("TxnType") == "Invoice":
                    lines.append(
                        {
                            "payment_id": p["Id"],
                            "line": n,
                            "qbo_invoice_id": linked.get("TxnId"),
                            "amount": line.get("Amount", 0),
                        }
                    )
    return build(heads, PAYMENT_COLUMNS), build(lines, PAYMENT_LINE_COLUMNS)


def money_lines(payments: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """Payment lines (:func:`payment_frames`) as money paid: a payment that also
    applies credit memo credit pays its invoices only its total (its invoice lines carry the
    credit too), shared in proportion to the lines (a zero-total one, none)."""
    credit = dict(zip(payments["payment_id"], payments["credit"].fillna(0.0), strict=True))
    total = dict(zip(payments["payment_id"], payments["total"].fillna(0.0), strict=True))
    on = lines["payment_id"].map(credit).fillna(0.0) > 0.005
    if not on.any():
        return lines
    sums = lines.groupby("payment_id")["amount"].transform("sum")
    share = lines["payment_id"].map(total).fillna(0.0) / sums.where(sums != 0)
    amount = (lines["amount"] * share.fillna(0.0)).round(2)
    return lines.assign(amount=lines["amount"].where(~on, amount))


def month_before(day: date) -> date:
    """The same day a month earlier (the month's last day when it is shorter): where the
    payments to import start by default (the seed guide: "a month backward")."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def load_payments(
    client: QboClient, since: date | None = None, until: date | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """QuickBooks payments dated ``since``…``until`` (inclusive), as :func:`payment_frames`."""
    query = select("Payment")
    if since is not None:
        query = query.where("TxnDate", ">=", since.isoformat())
    if until is not None:
        query = query.where("TxnDate", "<=", until.isoformat())
    return payment_frames(client.query(query.order_by("TxnDate")))


def voided(invoice: Mapping[str, Any]) -> bool:
    """Whether QuickBooks voided this invoice: it zeroes the amounts and notes "Voided"
    (docs/sandbox-fidelity.md, "Void", observed)."""
    return "Voided" in str(invoice.get("PrivateNote") or "")


def qbo_invoice_frame(invoices: Iterable[dict]) -> pd.DataFrame:
    """QBO Invoice documents → ``QBO_INVOICE_COLUMNS`` (voided: QuickBooks zeroes the amounts
    and notes "Voided")."""
    rows = [
        {
            "qbo_invoice_id": i["Id"],
            "doc_number": i.get("DocNumber"),
            "customer_id": (i.get("CustomerRef") or {}).get("value"),
            "customer_name": (i.get("CustomerRef") or {}).get("name"),
            "txn_date": i.get("TxnDate"),
            "total": i.get("TotalAmt", 0),
            "balance": i.get("Balance", 0),
            "voided": voided(i),
        }
        for i in invoices
    ]
    return build(rows, QBO_INVOICE_COLUMNS)
