"""Exporting an invoice plan: needs first, then each invoice with its own stored request id,
then the QuickBooks id and number written back to BMS.

Invoices are sent one request each (not in batches) because each create carries its own
``requestid`` kept in the store before the request goes out: if the answer is lost or the
export is interrupted, the resumed export sends the same request id and QuickBooks answers
with the invoice it already made instead of making a second one (reference §2 requestid).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from reconcile.bms.client import BmsClient
from reconcile.bms.loaders import write_invoice_references
from reconcile.errors import ReconcileError
from reconcile.qbo.client import QboClient, new_request_id
from reconcile.store import SyncStore
from reconcile.sync.invoices import set_ref
from reconcile.sync.send import Sender

Progress = Callable[[int, int], None]


def send_invoice_plan(
    plan: pd.DataFrame,
    client: QboClient,
    store: SyncStore,
    bms: BmsClient | None = None,
    *,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Carry out an invoice plan; one result row per plan row (``RESULT_COLUMNS``).

    With ``bms``, exported invoices get their QuickBooks id and number written back."""
    sender = Sender(plan, client, store)
    records = sender.start("export")
    written: list[dict] = []
    work = [r for r in records if r["action"] in ("create", "update", "link", "void")]
    try:
        sender.make_needs(work)
        for done, row in enumerate(work, start=1):
            answer = _send_one(sender, row)
            if answer is not None and row["action"] != "void":
                written.append(
                    {
                        "InvoiceId": int(row["bms_id"]),
                        "QbInvoiceId": answer["Id"],
                        "QbInvoiceNumber": answer.get("DocNumber"),
                    }
                )
            if progress:
                progress(done, len(work))
    except BaseException:
        store.finish_run(sender.run_id, outcome="interrupted")
        raise
    finally:
        if bms is not None and written:
            _write_back(bms, store, sender.run_id, written)
    return sender.finish(records, work)


def _send_one(sender: Sender, row: dict) -> dict | None:
    client, store = sender.client, sender.store
    for need in row["needs"]:
        qbo_id = sender.created.get((need.kind, need.label))
        if qbo_id is None:
            sender.result(row, "failed", message=f"{need.kind} {need.label!r} could not be made")
            return None
        set_ref(row["body"], need.path, qbo_id)
    try:
        if row["action"] == "void":
            answer = client.void("Invoice", row["qbo_id"], row["sync_token"])
        elif row["action"] == "create":
            request_id = store.pending("invoice", row["bms_id"]) or new_request_id()
            store.begin_create("invoice", row["bms_id"], request_id)
            answer = client.create("Invoice", row["body"], request_id=request_id)
        else:
            body = {**row["body"], "Id": row["qbo_id"], "SyncToken": row["sync_token"]}
            answer = client.update("Invoice", body)
    except ReconcileError as exc:
        sender.result(
            row, "failed", qbo_id=row["qbo_id"], code=getattr(exc, "code", None), message=str(exc)
        )
        return None
    store.end_create("invoice", row["bms_id"])  # settled, however it was found or made
    store.link(
        "invoice",
        row["bms_id"],
        answer["Id"],
        qbo_name=answer.get("DocNumber"),
        sync_token=answer.get("SyncToken"),
        fingerprint=row["fingerprint"],
    )
    verb = {
        "create": "created",
        "update": "updated",
        "link": "linked and updated",
        "void": "voided",
    }[row["action"]]
    sender.result(
        row,
        "ok",
        qbo_id=answer["Id"],
        sync_token=answer.get("SyncToken"),
        message=f"{verb}; QuickBooks total {answer.get('TotalAmt')}",
    )
    return answer


def _write_back(bms: BmsClient, store: SyncStore, run_id: str, written: list[dict]) -> None:
    """Tell BMS the invoices are posted to accounting; a failure is logged, never lost: the
    links stay, and the next export writes back again."""
    try:
        write_invoice_references(bms, pd.DataFrame(written))
    except ReconcileError as exc:
        store.log(run_id, kind="invoice", action="write-back", outcome="failed", message=str(exc))
        return
    store.log(
        run_id,
        kind="invoice",
        action="write-back",
        outcome="ok",
        message=f"{len(written)} invoice(s) marked posted to accounting in BMS",
    )
