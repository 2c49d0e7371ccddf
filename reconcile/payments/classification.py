"""Which QuickBooks payments can be imported into BMS, and why the others cannot.

Each payment line (an invoice it pays, from ``LinkedTxn``) is matched to its BMS invoice —
the invoice link, then the reference BMS was told, then the invoice number — and
classified; a payment is imported whole or not at all (BMS applies a payment all-or-nothing,
and a payment id it has seen is never applied again), so one line that cannot be imported
holds back its payment, with the reason.

Line classes, in the order they are checked: already imported, recorded from BMS (this
toolkit made the payment in QuickBooks from money BMS shows paid: BMS has it, so importing it
would pay the invoice twice), invoice unknown to BMS, invoice voided in BMS, customer
mismatch, currency mismatch, amount larger than the BMS amount due, ready. Payment classes:
already imported, recorded from BMS, the first line problem, unapplied (it pays no invoice:
see the suggestions), overpayment (ready, but part of it stays unapplied), ready.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from reconcile.bms.assumptions import DEFAULT, BmsAssumptions
from reconcile.frames import COUNT, DATE, FLAG, ID, KEY, MONEY, TEXT, Contract, check, keys
from reconcile.payments.reconciliation import pair_invoices
from reconcile.plans import Plan

READY, OVERPAYMENT = "ready", "overpayment / unapplied amount"
IMPORTED, UNAPPLIED = "already imported", "unapplied"
FROM_BMS = "recorded from BMS"
FROM_BMS_REASON = "recorded in QuickBooks by this toolkit from a payment BMS has: not imported"
UNKNOWN, VOIDED = "invoice unknown to BMS", "invoice voided in BMS"
CUSTOMER, CURRENCY = "customer mismatch", "currency mismatch"
TOO_MUCH = "amount larger than the BMS amount due"
HELD = "held after an interrupted import"
IN_FLIGHT = "being imported by another run"
CREDIT = "applies a credit memo"
IMPORTABLE = (READY, OVERPAYMENT)
CENT = 0.005  # amounts are compared to the cent

PLAN_COLUMNS: Contract = {
    "payment_id": KEY,
    "txn_date": DATE,
    "customer_id": KEY,
    "customer_name": TEXT,
    "reference": TEXT,
    "memo": TEXT,
    "total": MONEY,
    "applied": MONEY,
    "unapplied": MONEY,
    "lines": COUNT,
    "class": TEXT,
    "importable": FLAG,
    "reason": TEXT,
}
LINE_COLUMNS: Contract = {
    "payment_id": KEY,
    "line": COUNT,
    "qbo_invoice_id": KEY,
    "amount": MONEY,
    "bms_id": KEY,
    "invoice_number": TEXT,
    "bms_reference": TEXT,
    "bms_account_id": ID,
    "bms_total": MONEY,
    "paid_before": MONEY,
    "due_before": MONEY,
    "status_before": TEXT,
    "paid_after": MONEY,
    "due_after": MONEY,
    "status_after": TEXT,
    "class": TEXT,
    "reason": TEXT,
}


def _money(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").astype("float64").fillna(0.0).round(2)


def classify(
    payments: pd.DataFrame,
    lines: pd.DataFrame,
    bms_invoices: pd.DataFrame,
    qbo_invoices: pd.DataFrame,
    invoice_links: pd.DataFrame,
    customer_links: pd.DataFrame,
    imported: set[str],
    bms_accounts: pd.DataFrame | None = None,
    interrupted: Mapping[str, tuple[str, str]] | None = None,
    assumptions: BmsAssumptions = DEFAULT,
    from_bms: set[str] | None = None,
) -> Plan:
    """Classify QBO payments (``reconcile.payments.frames``) against BMS invoice headers
    (``reconcile.bms.loaders.INVOICE_COLUMNS``); ``imported`` are the QBO payment ids already
    imported; ``bms_accounts`` (Id, CurrencyName) enables the currency check;
    ``interrupted`` (payment id → (class, why)) are payments an earlier import began: found
    applied in BMS (IMPORTED), left for a person to check (HELD), or being imported by
    another process now (IN_FLIGHT, ``reconcile.lease``) — none importable here;
    ``assumptions`` name BMS's void statuses; ``from_bms`` are the QBO payment ids this
    toolkit recorded from BMS (``reconcile.sync.bms_payments``), never imported."""
    from_bms = from_bms or set()
    pairs = pair_invoices(bms_invoices, qbo_invoices, invoice_links)
    pairs = pairs.dropna(subset=["bms_id", "qbo_invoice_id"])
    bms = bms_invoices.assign(bms_id=keys(bms_invoices["Id"]))
    bms = bms.merge(pairs[["bms_id", "qbo_invoice_id"]], on="bms_id", how="inner")
    matched = lines.merge(bms, on="qbo_invoice_id", how="left").merge(
        payments[["payment_id", "txn_date", "customer_id", "currency"]], on="payment_id"
    )
    matched = matched.sort_values(["txn_date", "payment_id", "line"], kind="stable")
    out = pd.DataFrame(
        {
            "payment_id": matched["payment_id"],
            "line": matched["line"],
            "qbo_invoice_id": matched["qbo_invoice_id"],
            "amount": _money(matched["amount"]),
            "bms_id": matched["bms_id"],
            "invoice_number": matched["InvoiceNumber"],
            "bms_reference": matched["AccountingAppReference"],
            "bms_account_id": matched["AccountId"],
            "bms_total": _money(matched["GrandTotal"]),
            "paid_before": _money(matched["PaidAmount"]),
            "due_before": _money(matched["PaymentDue"]),
            "status_before": matched["StatusName"],
        }
    ).reset_index(drop=True)
    matched = matched.reset_index(drop=True)

    linked_customer = dict(
        zip(customer_links["bms_id"], customer_links["qbo_id"], strict=True)
    )  # BMS account id → QBO customer id
    expected = keys(out["bms_account_id"]).map(linked_customer)
    currency = pd.Series(pd.NA, index=out.index, dtype="string")
    if bms_accounts is not None and len(bms_accounts):
        names = dict(zip(bms_accounts["Id"], bms_accounts["CurrencyName"], strict=True))
        currency = out["bms_account_id"].map(names).astype("string")

    known = out["bms_id"].notna()
    checks = [  # (class, mask, reason)
        (IMPORTED, out["payment_id"].isin(imported), "imported before; not imported again"),
        (FROM_BMS, out["payment_id"].isin(from_bms), FROM_BMS_REASON),
        (
            UNKNOWN,
            ~known,
            "QuickBooks invoice {qbo_invoice_id} is not a BMS invoice "
            "(not exported from BMS, or deleted and re-created there)",
        ),
        (
            VOIDED,
            known & out["status_before"].map(assumptions.is_void).astype(bool),
            "BMS invoice {invoice_number} is void",
        ),
        (
            CUSTOMER,
            known & expected.notna() & (expected != matched["customer_id"]),
            "the payment's QuickBooks customer {customer_id} is not the customer of BMS "
            "invoice {invoice_number}",
        ),
        (
            CURRENCY,
            known
            & currency.notna()
            & matched["currency"].notna()
            & (currency != matched["currency"]),
            "paid in {currency}, but the BMS account bills in {bms_currency}",
        ),
    ]
    klass = pd.Series(READY, index=out.index, dtype="object")
    template = pd.Series("", index=out.index, dtype="object")
    for name, mask, text in reversed(checks):  # the first check that applies wins
        mask = mask.fillna(False).astype(bool)
        klass[mask], template[mask] = name, text

    # Several payments in one import may pay the same invoice: each sees what the earlier
    # ones (by date) leave due.
    fine = klass == READY
    earlier = out["amount"].where(fine, 0.0).groupby(out["bms_id"]).cumsum() - out["amount"]
    out["due_before"] = (out["due_before"] - earlier.where(fine, 0.0)).round(2)
    out["paid_before"] = (out["paid_before"] + earlier.where(fine, 0.0)).round(2)
    too_much = fine & (out["amount"] > out["due_before"] + CENT)
    klass[too_much] = TOO_MUCH
    template[too_much] = (
        "{amount:.2f} for BMS invoice {invoice_number}, which has {due_before:.2f} due "
        "(paid in BMS by hand already?)"
    )
    out["paid_after"] = (out["paid_before"] + out["amount"]).where(klass == READY)
    out["due_after"] = (out["due_before"] - out["amount"]).where(klass == READY)
    out["status_after"] = pd.Series(
        ["Fully Paid" if d <= CENT else "Partially Paid" for d in out["due_after"].fillna(1)],
        index=out.index,
    ).where(klass == READY)
    out["class"] = klass
    context = out.assign(
        customer_id=matched["customer_id"], currency=matched["currency"], bms_currency=currency
    )
    out["reason"] = [
        t.format(**row) if t else ""
        for t, row in zip(template, context.to_dict("records"), strict=True)
    ]
    plan = _payment_rows(payments, out, imported, from_bms)
    for payment_id, (klass, why) in (interrupted or {}).items():
        at = plan["payment_id"] == payment_id
        plan.loc[at, ["class", "reason", "importable"]] = [klass, why, False]
    # A payment is imported whole or not at all: no "after" for lines that will not apply.
    stays = ~out["payment_id"].isin(plan.loc[plan["importable"], "payment_id"])
    out.loc[stays, ["paid_after", "due_after", "status_after"]] = pd.NA
    return Plan(
        "payment",
        "Payment",
        check(plan, PLAN_COLUMNS, "the payment plan"),
        check(out[list(LINE_COLUMNS)], LINE_COLUMNS, "the payment plan's lines"),
        key="payment_id",
    )


def _payment_rows(
    payments: pd.DataFrame, lines: pd.DataFrame, imported: set[str], from_bms: set[str]
) -> pd.DataFrame:
    problems = lines[lines["class"] != READY]
    first = problems.groupby("payment_id", sort=False).first()
    counts = lines.groupby("payment_id").size()
    applied = lines.groupby("payment_id")["amount"].sum()
    out = payments.copy()
    out["applied"] = out["payment_id"].map(applied).fillna(0.0).round(2)
    out["lines"] = out["payment_id"].map(counts).fillna(0).astype("int64")
    out["unapplied"] = _money(out["unapplied"])
    klass = out["payment_id"].map(first["class"]).astype("object")
    reason = out["payment_id"].map(first["reason"]).astype("object")
    done = out["payment_id"].isin(imported)
    klass[done], reason[done] = IMPORTED, "imported before; not imported again"
    mine = out["payment_id"].isin(from_bms)
    klass[mine], reason[mine] = FROM_BMS, FROM_BMS_REASON
    # A payment applying a credit memo (a zero-total one: how QuickBooks applies a credit,
    # docs/sandbox-fidelity.md) moves that credit as no money: BMS's import takes money only
    # (QbPaymentImportDto).
    credit = klass.isna() & (_money(out["credit"]) > CENT)
    klass[credit] = CREDIT
    reason[credit] = [
        f"applies {c:.2f} of credit memo credit in QuickBooks, which BMS's payment import "
        "cannot take: apply the credit to the invoice in BMS by hand"
        for c in _money(out.loc[credit, "credit"])
    ]
    none = klass.isna() & (out["lines"] == 0)
    klass[none] = UNAPPLIED
    reason[none] = [
        f"{t:.2f} applied to no invoice in QuickBooks: see the suggestions"
        for t in _money(out.loc[none, "total"])
    ]
    extra = klass.isna() & (out["unapplied"] > CENT)
    klass[extra] = OVERPAYMENT
    reason[extra] = [
        f"{u:.2f} of {t:.2f} is not applied to an invoice and stays unapplied in BMS"
        for u, t in zip(out.loc[extra, "unapplied"], _money(out.loc[extra, "total"]), strict=True)
    ]
    out["class"] = klass.fillna(READY)
    out["reason"] = reason.fillna("")
    out["importable"] = out["class"].isin(IMPORTABLE)
    out["total"] = _money(out["total"])
    return out[list(PLAN_COLUMNS)].reset_index(drop=True)


def match_rates(plan: Plan) -> dict[str, float | int]:
    """How much of the QuickBooks payments the toolkit can import as they are, honestly
    counted at both levels: payments (all lines ready) and invoice lines."""
    payments, lines = plan.rows, plan.lines
    fresh = payments[~payments["class"].isin([IMPORTED, FROM_BMS])]
    fresh_lines = lines[~lines["class"].isin([IMPORTED, FROM_BMS])]
    return {
        "payments": len(fresh),
        "payments_importable": int(fresh["importable"].sum()),
        "payment_rate": round(float(fresh["importable"].mean()), 4) if len(fresh) else 1.0,
        "lines": len(fresh_lines),
        "lines_ready": int((fresh_lines["class"] == READY).sum()),
        "line_rate": round(float((fresh_lines["class"] == READY).mean()), 4)
        if len(fresh_lines)
        else 1.0,
    }
