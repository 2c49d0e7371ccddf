"""What became of exported invoices in QuickBooks (issue 15, item 3): voided or deleted there
while BMS still bills them.

An invoice this toolkit exported (or linked) and a person later voided or deleted in
QuickBooks leaves the receivable in one book only. The export does not undo what the person
did (nothing a person made in QuickBooks is changed unless they choose it: the plan blocks a
deleted one, sync/invoices.py, and records no payment on a voided one, sync/bms_payments.py);
it finds them, says what to do in BMS, and logs each once (at the next export, under the
writer lease). The reconciliation shows the same invoices with their reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from reconcile.bms.assumptions import DEFAULT, BmsAssumptions
from reconcile.frames import KEY, TEXT, Contract, build, keys
from reconcile.payments.changes import log_once
from reconcile.payments.frames import voided
from reconcile.store import SyncStore

VOIDED = "voided in QuickBooks"
DELETED = "deleted in QuickBooks"
INVOICE_CHANGE_COLUMNS: Contract = {
    "bms_id": KEY,
    "invoice_number": TEXT,
    "qbo_id": KEY,
    "state": TEXT,
    "what_to_do": TEXT,
}


def invoice_changes(
    links: pd.DataFrame,
    now: Mapping[str, dict],
    bms: Callable[[], pd.DataFrame],
    assumptions: BmsAssumptions = DEFAULT,
) -> pd.DataFrame:
    """The linked invoices (``links``: the store's invoice links) that QuickBooks (``now``:
    QuickBooks id → the Invoice it has) voided or no longer has while BMS does not void them:
    ``INVOICE_CHANGE_COLUMNS``, with what to do in BMS. ``bms`` reads BMS's invoice headers,
    only when QuickBooks changed one (an export's only BMS call stays its write-back)."""
    changed = [q not in now or voided(now[q]) for q in links["qbo_id"]]
    if not any(changed):
        return build([], INVOICE_CHANGE_COLUMNS)
    headers = bms()
    headers = dict(zip(keys(headers["Id"]), headers.to_dict("records"), strict=True))
    rows = []
    for bms_id, qbo_id in zip(links["bms_id"][changed], links["qbo_id"][changed], strict=True):
        header = headers.get(bms_id)
        if header is None or assumptions.is_void(header.get("StatusName")):
            continue  # gone or void in BMS as well: the books agree
        doc = now.get(qbo_id)
        number = str(header.get("InvoiceNumber") or "")
        if doc is None:
            state = DELETED
            what = (
                f"BMS invoice {number} was exported to QuickBooks (invoice Id {qbo_id}) and "
                "deleted there: void it in BMS, or have it re-created in QuickBooks by hand"
            )
        elif voided(doc):
            state = VOIDED
            what = (
                f"BMS invoice {number} was exported to QuickBooks (invoice Id {qbo_id}) and "
                "voided there: void it in BMS too, or find out why it was voided"
            )
        else:
            continue
        rows.append(
            {
                "bms_id": bms_id,
                "invoice_number": number,
                "qbo_id": qbo_id,
                "state": state,
                "what_to_do": what,
            }
        )
    return build(rows, INVOICE_CHANGE_COLUMNS)


def log_invoice_changes(store: SyncStore, changes: pd.DataFrame) -> int:
    """Log each change of :func:`invoice_changes` not logged before (per invoice and state,
    outcome ``blocked``); returns how many were new."""
    entries = [
        {
            "bms_id": row["bms_id"],
            "qbo_id": row["qbo_id"],
            "state": row["state"],
            "message": f"{row['state']} after its export: {row['what_to_do']}",
        }
        for row in changes.to_dict("records")
    ]
    return log_once(store, "invoice", entries)
