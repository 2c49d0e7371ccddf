"""Importing QuickBooks payments into BMS — never twice.

BMS has one way in for payments, ``POST /v2/integration/qbd/payments`` (a job, polled at
``/v2/integration/qbd/jobstatus/{id}``), and no way to list payments (reference §1.8). So:

1. Before sending, each payment gets a durable marker in the store (``begin_create``) and a
   log entry holding what its BMS invoices owed then.
2. After the job, the payments BMS applied are recorded as imported (link kind ``payment``:
   BMS keeps the QuickBooks payment id as its external id) and the marker is cleared.
3. A marker left behind (the kernel died between the call and the record) is looked up in
   BMS through its invoices (:func:`assess_interrupted`) — if they now owe what the payment
   would have left, it was applied; if they owe what they owed, it was not, and it can be
   imported again; otherwise it is held back for a person. Planning shows what was found and
   writes nothing; the next import records it first (:func:`settle_interrupted`), under the
   writer lease. BMS also refuses an external payment id it has seen.

The invoices' QuickBooks ids must be known to BMS (the invoice write-back); any that are
missing are written first (``PUT /v2/integration/qbd/invoices``, idempotent).

Kaseya documents neither what a job log holds nor which invoice id a payment line names;
``reconcile.bms.assumptions`` says what is assumed (one log per payment, in order, with the
codes Applied / Skipped / Error; lines name the QuickBooks invoice id) and lets a person
switch it. When a job's logs cannot be read per payment, its payments are settled at once
from their invoices' dues, as after a crash.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from reconcile.bms.assumptions import DEFAULT, BmsAssumptions
from reconcile.bms.client import BmsClient
from reconcile.bms.loaders import (
    import_payments,
    invoice_headers,
    wait_for_job,
    write_invoice_references,
)
from reconcile.errors import ReconcileError
from reconcile.frames import KEY, MONEY, TEXT, Contract, check, keys
from reconcile.plans import Plan
from reconcile.store import SyncStore

RESULT_COLUMNS: Contract = {
    "payment_id": KEY,
    "customer_name": TEXT,
    "total": MONEY,
    "outcome": TEXT,
    "job_id": KEY,
    "message": TEXT,
}
PAYMENTS_PER_JOB = 25
HELD_MESSAGE = "an interrupted import left it half-applied in BMS: check invoices {numbers} in BMS"
Progress = Callable[[int, int], None]


def _dto(
    payment: dict, lines: pd.DataFrame, realm_id: str, methods: dict[str, str], invoice_key: str
) -> dict:
    """The ``QbPaymentImportDto`` of one payment; its lines name each invoice by
    ``invoice_key`` ("qbo_id": the QuickBooks invoice id BMS was told, or "bms_id")."""
    column = "qbo_invoice_id" if invoice_key == "qbo_id" else "bms_id"
    return {
        "Id": payment["payment_id"],
        "Amount": float(payment["total"]),
        "PaymentMethod": methods.get(str(payment.get("method_id") or "")),
        "PaymentDate": pd.Timestamp(payment["txn_date"]).strftime("%Y-%m-%dT00:00:00Z"),
        "Memo": None if pd.isna(payment["memo"]) else str(payment["memo"]),
        "Reference": None if pd.isna(payment["reference"]) else str(payment["reference"]),
        "ExternalTenantId": realm_id,
        "Lines": [
            {
                "Id": f"{payment['payment_id']}-{int(ln.line)}",
                "Amount": float(ln.amount),
                "Discount": 0.0,
                "Balance": float(ln.due_after),
                "InvoiceId": str(getattr(ln, column)),
            }
            for ln in lines.itertuples()
        ],
    }


def import_plan(
    plan: Plan,
    bms: BmsClient,
    store: SyncStore,
    realm_id: str,
    *,
    methods: dict[str, str] | None = None,
    progress: Progress | None = None,
    poll_every: float = 1.0,
    assumptions: BmsAssumptions = DEFAULT,
) -> pd.DataFrame:
    """Import the importable payments of ``plan``; one result row per payment of the plan
    (``RESULT_COLUMNS``; outcomes imported, skipped, blocked, failed), all logged."""
    run_id = store.start_run("payment", "import", details={"payments": len(plan.rows)})
    results: dict[str, dict] = {}

    def result(row: dict, outcome: str, message: str, job_id: str | None = None) -> None:
        results[row["payment_id"]] = {
            "payment_id": row["payment_id"],
            "customer_name": row["customer_name"],
            "total": row["total"],
            "outcome": outcome,
            "job_id": job_id,
            "message": message,
        }
        store.log(
            run_id,
            kind="payment",
            action="import",
            outcome={"imported": "ok", "skipped": "skipped"}.get(outcome, outcome),
            qbo_id=row["payment_id"],
            bms_id=row["payment_id"] if job_id else None,
            message=message,
        )

    records = plan.rows.to_dict("records")
    # Checked again now, under the writer lease: a plan made before another run imported a
    # payment (or began to) must not send it again — BMS's refusal of a known id is
    # undocumented, so "never twice" rests here.
    imported = set(store.links("payment")["qbo_id"])
    pending = store.pending_of("payment")
    work = []
    for row in records:
        if row["importable"] and row["payment_id"] in imported:
            result(row, "skipped", "already imported (by another run, since this plan was made)")
        elif row["importable"] and row["payment_id"] in pending:
            result(
                row,
                "blocked",
                "an earlier import of it is not settled (half-applied in "
                "BMS, or begun since this plan was made): plan again to see it",
            )
        elif row["importable"]:
            work.append(row)
        else:
            outcome = "skipped" if row["class"] == "already imported" else "blocked"
            result(row, outcome, f"{row['class']}: {row['reason']}")
    try:
        _write_references(plan, bms, store, run_id, [r["payment_id"] for r in work])
        sender = _Sender(
            plan, bms, store, run_id, realm_id, methods or {}, result, poll_every, assumptions
        )
        for start in range(0, len(work), PAYMENTS_PER_JOB):
            sender.send(work[start : start + PAYMENTS_PER_JOB])
            if progress:
                progress(min(start + PAYMENTS_PER_JOB, len(work)), len(work))
    except BaseException:
        store.finish_run(run_id, outcome="interrupted")
        raise
    rows = [results[r["payment_id"]] for r in records]
    frame = check(
        pd.DataFrame(rows, columns=list(RESULT_COLUMNS)), RESULT_COLUMNS, "the import results"
    )
    failed = (frame["outcome"] == "failed").sum()
    store.finish_run(run_id, outcome="ok" if not failed else "partial")
    frame.attrs["run_id"] = run_id
    return frame


def _write_references(
    plan: Plan, bms: BmsClient, store: SyncStore, run_id: str, ids: list[str]
) -> None:
    lines = plan.lines[plan.lines["payment_id"].isin(ids)]
    told = lines["bms_reference"].astype("string").fillna("")
    missing = lines[(told != lines["qbo_invoice_id"]).fillna(True)].drop_duplicates("bms_id")
    if missing.empty:
        return
    refs = pd.DataFrame(
        {
            "InvoiceId": missing["bms_id"].astype(int),
            "QbInvoiceId": missing["qbo_invoice_id"],
            "QbInvoiceNumber": missing["invoice_number"],
        }
    )
    write_invoice_references(bms, refs)
    store.log(
        run_id,
        kind="invoice",
        action="write-back",
        outcome="ok",
        message=f"told BMS the QuickBooks ids of {len(refs)} invoice(s) before applying "
        "payments to them",
    )


@dataclass
class _Sender:
    """Sends chunks of payments as BMS import jobs and records what each job says."""

    plan: Plan
    bms: BmsClient
    store: SyncStore
    run_id: str
    realm_id: str
    methods: dict[str, str]
    result: Callable[..., None]
    poll_every: float
    assumptions: BmsAssumptions

    def send(self, chunk: list[dict]) -> None:
        store, plan, result = self.store, self.plan, self.result
        dtos = []
        for row in chunk:
            lines = plan.lines[plan.lines["payment_id"] == row["payment_id"]]
            marker = f"import-{uuid.uuid4().hex}"
            store.begin_create("payment", row["payment_id"], marker)
            snapshot = [
                {
                    "bms_id": str(ln.bms_id),
                    "number": str(ln.invoice_number),
                    "due_before": float(ln.due_before),
                    "amount": float(ln.amount),
                }
                for ln in lines.itertuples()
            ]
            store.log(
                self.run_id,
                kind="payment",
                action="import",
                outcome="pending",
                qbo_id=row["payment_id"],
                request_id=marker,
                message="sent to BMS",
                details={"lines": snapshot},
            )
            dtos.append(
                _dto(row, lines, self.realm_id, self.methods, self.assumptions.payment_invoice_key)
            )
        try:
            job_id = import_payments(self.bms, dtos)
            status = wait_for_job(
                self.bms, job_id, every=self.poll_every, assumptions=self.assumptions
            )
        except ReconcileError as exc:  # the answer may be lost: the markers stay, settled later
            for row in chunk:
                result(
                    row,
                    "failed",
                    f"BMS import did not answer ({exc}); it is looked up in "
                    "BMS before the next import",
                )
            return
        logs = status.get("JobLogs") or []
        if not self.assumptions.job_logs_in_order or len(logs) != len(chunk):
            return self._settle(chunk, job_id, status)
        for row, entry in zip(chunk, logs, strict=True):
            outcome = self.assumptions.log_outcome(entry.get("Code"))
            message = str(entry.get("Message") or "")
            if outcome in ("applied", "skipped"):
                store.link(
                    "payment", row["payment_id"], row["payment_id"], qbo_name=f"job {job_id}"
                )
                store.end_create("payment", row["payment_id"])
                result(row, "imported" if outcome == "applied" else "skipped", message, job_id)
            elif outcome == "error":
                store.end_create("payment", row["payment_id"])
                result(row, "failed", message, job_id)
            else:  # a code the assumptions do not name: settled from the invoices next time
                result(
                    row,
                    "failed",
                    f"job {job_id} ended {status.get('State')!r} with log "
                    f"code {entry.get('Code')!r} (not one of [bms_assumptions] "
                    "job_log_codes); it is looked up in BMS before the next import",
                    job_id,
                )

    def _settle(self, chunk: list[dict], job_id: str, status: dict) -> None:
        """The job's logs do not say which payment is whose: read the invoices' dues now."""
        settled = settle_interrupted(self.store, invoice_headers(self.bms))
        found = dict(zip(settled["payment_id"], settled["outcome"], strict=True))
        why = dict(zip(settled["payment_id"], settled["message"], strict=True))
        for row in chunk:
            outcome = found.get(row["payment_id"])
            message = f"job {job_id} ended {status.get('State')!r}; " + why.get(
                row["payment_id"], "not found among the pending imports"
            )
            self.result(row, "imported" if outcome == "imported" else "failed", message, job_id)


SETTLE_COLUMNS = ["payment_id", "marker", "outcome", "message"]


def imported_lines(store: SyncStore) -> dict[str, list[dict]]:
    """What this toolkit imported into BMS, per QuickBooks payment id: the lines (``bms_id``,
    ``number``, ``due_before``, ``amount``) its import recorded before sending, for the
    payments BMS took (linked). A payment imported more than once (it cannot be, but a log
    may say so) counts its last."""
    imported = set(store.links("payment")["qbo_id"])
    log = store.log_frame(kind="payment", outcome="pending")
    lines: dict[str, list[dict]] = {}
    for payment_id, details in zip(log["qbo_id"], log["details"], strict=True):
        if payment_id in imported:
            lines[payment_id] = details.get("lines", [])
    return lines


def assess_interrupted(store: SyncStore, bms_invoices: pd.DataFrame) -> pd.DataFrame:
    """What became of the imports a crash left unrecorded, told by their BMS invoices' dues
    now, without recording anything: one row per pending payment (``SETTLE_COLUMNS``;
    outcome imported | not applied | held). Planning shows it; an import records it."""
    pending = store.pending_of("payment")
    rows = []
    if not pending:
        return pd.DataFrame(rows, columns=SETTLE_COLUMNS)
    log = store.log_frame(kind="payment", outcome="pending")
    snapshots = dict(zip(log["request_id"], log["details"], strict=True))
    due = dict(zip(keys(bms_invoices["Id"]), bms_invoices["PaymentDue"], strict=True))
    for payment_id, marker in pending.items():
        lines = snapshots.get(marker, {}).get("lines", [])
        now = [round(float(due.get(ln["bms_id"], float("nan"))), 2) for ln in lines]
        applied = lines and all(
            abs(n - (ln["due_before"] - ln["amount"])) < 0.005
            for n, ln in zip(now, lines, strict=True)
        )
        untouched = all(abs(n - ln["due_before"]) < 0.005 for n, ln in zip(now, lines, strict=True))
        if applied:
            outcome, message = "imported", "found applied in BMS after an interrupted import"
        elif untouched:
            outcome, message = "not applied", "not applied in BMS: it can be imported again"
        else:
            outcome = "held"
            message = HELD_MESSAGE.format(numbers=", ".join(ln["number"] for ln in lines))
        rows.append(
            {"payment_id": payment_id, "marker": marker, "outcome": outcome, "message": message}
        )
    return pd.DataFrame(rows, columns=SETTLE_COLUMNS)


def settle_interrupted(store: SyncStore, bms_invoices: pd.DataFrame) -> pd.DataFrame:
    """Record what :func:`assess_interrupted` finds: an applied payment is imported (linked),
    one not applied loses its marker (it can be imported again), a half-applied one stays
    held for a person; each logged. A write: an import runs it first, under the lease."""
    assessed = assess_interrupted(store, bms_invoices)
    if assessed.empty:
        return assessed
    run_id = store.start_run("payment", "settle", details={"pending": len(assessed)})
    logged = {"imported": "ok", "not applied": "skipped", "held": "blocked"}
    for row in assessed.itertuples():
        if row.outcome == "imported":
            store.link("payment", row.payment_id, row.payment_id, qbo_name="settled")
        if row.outcome != "held":
            store.end_create("payment", row.payment_id)
        store.log(
            run_id,
            kind="payment",
            action="settle",
            outcome=logged[row.outcome],
            qbo_id=row.payment_id,
            request_id=row.marker,
            message=row.message,
        )
    store.finish_run(run_id, outcome="ok")
    return assessed
