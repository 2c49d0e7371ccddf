"""Exporting an invoice plan: what the invoices need first (GL accounts, items, customers,
terms, tax codes), then each invoice with its own stored request id, then the QuickBooks id
and number written back to BMS.

Invoices are sent one request each (not in batches) because each create carries its own
``requestid`` kept in the store before the request goes out: if the answer is lost or the
export is interrupted, the resumed export sends the same request id and QuickBooks answers
with the invoice it already made instead of making a second one (reference §2 requestid).

Each invoice QuickBooks returns is checked again: its TotalAmt and TotalTax (computed by
QuickBooks) against BMS's GrandTotal and TotalTax, flagged beyond one cent. Then the money
BMS shows paid on the invoices is recorded as QuickBooks payments (``sync/bms_payments.py``),
one result row each (kind ``bms_payment``).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from reconcile.bms.client import BmsClient
from reconcile.bms.loaders import write_invoice_references
from reconcile.errors import ReconcileError
from reconcile.frames import MONEY, OBJECT, Contract, check
from reconcile.mapping.invoices import CENT, money
from reconcile.mapping.maps import MAPS
from reconcile.plans import Plan
from reconcile.qbo.client import QboClient, new_request_id
from reconcile.store import SyncStore
from reconcile.sync import bms_payments, credits
from reconcile.sync.dependencies import ORDER
from reconcile.sync.invoices import fingerprint
from reconcile.sync.plan import MADE_NEEDS
from reconcile.sync.send import RESULT_COLUMNS, Sender, send_plan

Progress = Callable[[int, int], None]
# After an export: QuickBooks' totals as it stored the invoice, and whether they agree.
CHECK_COLUMNS: Contract = {
    "bms_total": MONEY,
    "qbo_total": MONEY,
    "bms_tax": MONEY,
    "qbo_tax": MONEY,
    "totals_agree": OBJECT,
}
INVOICE_RESULT_COLUMNS = {**RESULT_COLUMNS, **CHECK_COLUMNS}


def send_invoice_plan(
    plan: Plan,
    client: QboClient,
    store: SyncStore,
    bms: BmsClient | None = None,
    *,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Carry out an invoice plan; one result row per plan row (``INVOICE_RESULT_COLUMNS``),
    dependencies first when the plan includes them.

    With ``bms``, exported invoices get their QuickBooks id and number written back."""
    parts = []
    for kind in (*MADE_NEEDS, *ORDER):  # terms and tax codes first, then what needs them
        rows = plan.rows[plan.rows["kind"] == kind].reset_index(drop=True)
        if len(rows):
            entity = MADE_NEEDS[kind] if kind in MADE_NEEDS else MAPS[kind].qbo_entity
            parts.append(send_plan(Plan(kind, entity, rows), client, store))
    invoices = plan.rows[plan.rows["kind"] == "invoice"].reset_index(drop=True)
    parts.append(_send_invoices(plan.with_rows(invoices), client, store, bms, progress))
    results = pd.concat([p.reindex(columns=list(INVOICE_RESULT_COLUMNS)) for p in parts])
    results.attrs["run_id"] = parts[-1].attrs.get("run_id")
    return check(results.reset_index(drop=True), INVOICE_RESULT_COLUMNS, "the invoice results")


def _send_invoices(
    plan: Plan,
    client: QboClient,
    store: SyncStore,
    bms: BmsClient | None,
    progress: Progress | None,
) -> pd.DataFrame:
    sender = Sender(plan, client, store, INVOICE_RESULT_COLUMNS)
    records = sender.start("export")
    work = [r for r in records if r["action"] in ("create", "update", "link", "void")]
    # In QuickBooks already, and BMS not told yet (an export stopped, a write-back failed).
    told = [r for r in records if r["action"] == "unchanged" and r.get("write_back") is True]
    written = {r["bms_id"]: (r, r["qbo_record"] or {"Id": r["qbo_id"]}) for r in told}
    if bms is None:  # nothing to tell: settled as they are
        for row in told:
            sender.result(row, "unchanged", qbo_id=row["qbo_id"], message="nothing to change")
    # The QuickBooks invoices a payment recorded in BMS can be applied to, as they are now.
    in_qbo = {r["bms_id"]: r["qbo_record"] for r in records if r["action"] == "unchanged"}
    paying = [r for r, pay in zip(records, bms_payments.to_record(plan.rows), strict=True) if pay]
    crediting = [r for r, c in zip(records, credits.pending_rows(plan.rows), strict=True) if c]
    try:
        sender.make_needs(work + credits.memo_needs(crediting))
        for done, row in enumerate(work, start=1):
            answer = _send_one(sender, row)
            if answer is not None and row["action"] != "void":
                written[row["bms_id"]] = (row, answer)
                in_qbo[row["bms_id"]] = answer
            if progress:
                progress(done, len(work))
        credits.send_credits(sender, crediting, in_qbo)  # BMS netted them: before payments
        bms_payments.record_payments(sender, paying, in_qbo)
    except BaseException:
        store.finish_run(sender.run_id, outcome="interrupted")
        raise
    finally:
        if bms is not None and written:
            _write_back(bms, sender, written, told)
    return sender.finish(records, work + told)


def totals_after(row: dict, answer: dict) -> dict:
    """QuickBooks' totals for the invoice it stored versus BMS's, for the result row: net of
    the credit memo planned with it; a credit invoice's memo counts negative."""
    qbo_total = money(answer.get("TotalAmt"))
    qbo_tax = money((answer.get("TxnTaxDetail") or {}).get("TotalTax"))
    credit = row.get("credit")
    if isinstance(credit, dict) and credit["alone"]:
        qbo_total, qbo_tax = -qbo_total, -qbo_tax
    elif isinstance(credit, dict) and credit["total"] is not None:
        qbo_total -= money(credit["total"])
        qbo_tax -= credit["draft"].expected_tax or 0
    bms_total, bms_tax = money(row["totals"]["bms_total"]), money(row["totals"]["bms_tax"])
    agree = abs(qbo_total - bms_total) <= CENT and abs(qbo_tax - bms_tax) <= CENT
    return {
        "bms_total": float(bms_total),
        "qbo_total": float(qbo_total),
        "bms_tax": float(bms_tax),
        "qbo_tax": float(qbo_tax),
        "totals_agree": agree,
    }


def _send_one(sender: Sender, row: dict) -> dict | None:
    client, store = sender.client, sender.store
    entity, kind = credits.document(row)  # a credit invoice is sent as its credit memo
    missing = sender.fill(row) or sender.made_since(kind, row["bms_id"], row["action"])
    if missing:
        sender.result(row, "failed", message=missing)
        return None
    try:
        if row["action"] == "void":
            answer = client.void(entity, row["qbo_id"], row["sync_token"])
        elif row["action"] == "create":
            request_id = store.pending(kind, row["bms_id"]) or new_request_id()
            store.begin_create(kind, row["bms_id"], request_id)
            answer = client.create(entity, row["body"], request_id=request_id)
        elif row["action"] == "link":  # the company's invoice: linked as it is, not rewritten
            answer = client.read(entity, row["qbo_id"])
        else:  # a credit memo takes no sparse update (Intuit's operation lists)
            body = {**row["body"], "Id": row["qbo_id"], "SyncToken": row["sync_token"]}
            answer = client.update(entity, body, sparse=entity == "Invoice")
    except ReconcileError as exc:
        sender.result(
            row, "failed", qbo_id=row["qbo_id"], code=getattr(exc, "code", None), message=str(exc)
        )
        return None
    store.end_create(kind, row["bms_id"])  # settled, however it was found or made
    store.link(
        kind,
        row["bms_id"],
        answer["Id"],
        qbo_name=answer.get("DocNumber"),
        sync_token=answer.get("SyncToken"),
        origin={"create": "created", "link": "linked"}.get(row["action"]),
        # of the body as sent, with the ids of what was made first filled in
        fingerprint=fingerprint(row["body"]) if row["body"] else row["fingerprint"],
    )
    word = "credit memo" if entity == credits.ENTITY else "invoice"
    verb = {
        "create": "created",
        "update": "updated",
        "link": f"linked; QuickBooks keeps its {word}",
        "void": "voided",
    }[row["action"]]
    totals = totals_after(row, answer) if row["action"] != "void" else {}
    message = f"{word} {verb}" if entity == credits.ENTITY else verb
    if totals:
        credit = row.get("credit")
        net = " net of its credit memo" if isinstance(credit, dict) and not credit["alone"] else ""
        message += (
            f"; QuickBooks total{net} {totals['qbo_total']:.2f} (tax {totals['qbo_tax']:.2f})"
        )
        if not totals["totals_agree"] and row["totals"].get("tax_by") == "quickbooks":
            message += (
                f" DIFFERS from BMS {totals['bms_total']:.2f} (tax {totals['bms_tax']:.2f}):"
                " QuickBooks' automated sales tax charged its own rate for the ship-to address;"
                " correct the tax on the invoice in QuickBooks, or set [sync_map]"
                ' automated_sales_tax = "bms" so that exports carry BMS\'s tax amount'
            )
        elif not totals["totals_agree"]:
            message += (
                f" DIFFERS from BMS {totals['bms_total']:.2f} (tax {totals['bms_tax']:.2f}):"
                " check the invoice in QuickBooks"
            )
    sender.result(
        row,
        "ok",
        qbo_id=answer["Id"],
        sync_token=answer.get("SyncToken"),
        message=message,
        **totals,
    )
    return answer


def _write_back(
    bms: BmsClient, sender: Sender, written: dict[str, tuple[dict, dict]], told: list[dict]
) -> None:
    """Tell BMS the QuickBooks id and number of each exported invoice (posted to
    accounting). A failure is the invoices' failure (the run is partial, the exit status
    non-zero), never lost: BMS still lacks the id, so the next export tells it again."""
    references = pd.DataFrame(
        [
            {
                "InvoiceId": int(bms_id),
                "QbInvoiceId": answer["Id"],
                "QbInvoiceNumber": answer.get("DocNumber"),
            }
            for bms_id, (_row, answer) in written.items()
        ]
    )
    try:
        write_invoice_references(bms, references)
    except ReconcileError as exc:
        error = exc
    else:
        error = None
        sender.store.log(
            sender.run_id,
            kind="invoice",
            action="write-back",
            outcome="ok",
            message=f"{len(references)} invoice(s) marked posted to accounting in BMS",
        )
    told_ids = {r["bms_id"] for r in told}
    for bms_id, (row, answer) in written.items():
        if error is None and bms_id not in told_ids:
            continue  # its result (created, updated, linked) stands
        before = sender.results.get(bms_id) or {}
        totals = {k: before.get(k) for k in CHECK_COLUMNS}
        if error is None:
            sender.result(
                {**row, "action": "write-back"},
                "ok",
                qbo_id=answer["Id"],
                message="already in QuickBooks; its id and number written back to BMS",
            )
            continue
        done = f"{before['message']}; " if before.get("message") else "in QuickBooks; "
        sender.result(
            {**row, "action": "write-back"},
            "failed",
            qbo_id=answer["Id"],
            code=getattr(error, "code", None),
            **totals,
            message=f"{done}BMS was not told its QuickBooks id ({error}): the next export tells it",
        )
