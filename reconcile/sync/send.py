"""Sending a plan: what the plan says, in dependency order, in batches, logged as it goes.

Order: first what the records need (terms, tax codes), then links and updates, then creates
in waves — parents before their children. Creates and updates go 30 to a batch request,
each with a request id (the client adds one), and every result is written to the link store
and the sync log as its batch returns, so an interrupted send resumes without duplicates:
re-planning finds the records already linked, or finds them by their unique name and links
them. A failure in one record never stops the others.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from reconcile.errors import ReconcileError
from reconcile.frames import KEY, TEXT, Contract, check
from reconcile.mapping.syncmap import set_path
from reconcile.plans import Plan
from reconcile.qbo.client import BatchOp, QboClient, new_request_id
from reconcile.qbo.query import select
from reconcile.store import SyncStore
from reconcile.sync.plan import MADE_NEEDS, RECORD_NEEDS, Need, need_key

RESULT_COLUMNS: Contract = {
    "kind": TEXT,
    "bms_id": KEY,
    "name": TEXT,
    "action": TEXT,
    "outcome": TEXT,
    "qbo_id": KEY,
    "sync_token": KEY,
    "code": TEXT,
    "message": TEXT,
}
Progress = Callable[[int, int], None]


class Sender:
    """The shared half of sending a plan: the run, needs, per-record results and the log."""

    def __init__(
        self,
        plan: Plan,
        client: QboClient,
        store: SyncStore,
        columns: Contract = RESULT_COLUMNS,
    ) -> None:
        self.plan = plan
        self.columns = columns
        self.client = client
        self.store = store
        self.kind = plan.kind
        self.entity = plan.entity
        self.results: dict[str, dict] = {}
        self.extras: list[dict] = []  # results beside the plan rows' (extra_result)
        self.created: dict[tuple[str, str], str] = {}  # (need kind, label or bms id) → QBO id
        self.run_id = ""

    def start(self, action: str) -> list[dict]:
        """Open the run and settle the rows that send nothing (blocked, unchanged)."""
        records = self.plan.rows.to_dict("records")
        self.run_id = self.store.start_run(self.kind, action, details={"records": len(records)})
        for row in records:
            if row["action"] == "blocked":
                self.result(row, "blocked", message=row["reason"])
            elif row["action"] == "unchanged" and row.get("write_back") is not True:
                self.result(row, "unchanged", qbo_id=row["qbo_id"], message="nothing to change")
                self.created[("parent", row["bms_id"])] = row["qbo_id"]  # a parent already there
        return records

    def finish(self, records: list[dict], work: list[dict]) -> pd.DataFrame:
        """Close the run (ok / partial / failed) and give one result row per plan row."""
        rows = [self.results[r["bms_id"]] for r in records] + self.extras
        work = [*work, *self.extras]
        results = check(
            pd.DataFrame(rows, columns=list(self.columns)), self.columns, f"the {self.kind} results"
        )
        failed = (results["outcome"] == "failed").sum()
        outcome = "ok" if not failed else ("failed" if failed == len(work) else "partial")
        self.store.finish_run(self.run_id, outcome=outcome)
        results.attrs["run_id"] = self.run_id
        return results

    def result(self, row: dict, outcome: str, **extra: Any) -> None:
        """The result of a plan row (its last one counts), logged."""
        kind = row["kind"] if row["kind"] in MADE_NEEDS else self.kind
        self.results[row["bms_id"]] = self._logged(kind, row, outcome, extra)

    def extra_result(
        self,
        row: dict,
        outcome: str,
        *,
        request_id: str | None = None,
        details: dict | None = None,
        **extra: Any,
    ) -> None:
        """A result beside the plan rows' (a BMS payment recorded with its invoice: kind
        ``row["kind"]``), logged with its request id and details."""
        entry = self._logged(row["kind"], row, outcome, extra, request_id, details)
        self.extras.append(entry)

    def _logged(
        self,
        kind: str,
        row: dict,
        outcome: str,
        extra: dict,
        request_id: str | None = None,
        details: dict | None = None,
    ) -> dict:
        entry = dict.fromkeys(self.columns)
        entry.update(
            kind=kind, bms_id=row["bms_id"], name=row["name"], action=row["action"], outcome=outcome
        )
        entry.update(extra)
        if not isinstance(entry["qbo_id"], str):  # NaN/None from a frame: no QBO record yet
            entry["qbo_id"] = None
        if entry["code"] is not None:  # QuickBooks' codes are text ("6240"), BMS's numbers (500)
            entry["code"] = str(entry["code"])
        self.store.log(
            self.run_id,
            kind=kind,
            action=row["action"],
            outcome="skipped" if outcome == "unchanged" else outcome,
            bms_id=row["bms_id"],
            qbo_id=entry["qbo_id"],
            code=entry["code"],
            message=entry["message"] or "",
            request_id=request_id,
            details=details,
        )
        return entry

    # -- needs ------------------------------------------------------------------------------

    def make_needs(self, rows: list[dict]) -> None:
        """Make the terms and tax codes the rows need (and the rows that are such a need),
        once each; a need's own plan row gets its result."""
        needs = {
            (n.kind, n.label): n for r in rows for n in r["needs"] if n.kind not in RECORD_NEEDS
        }
        own = {r["bms_id"]: r for r in rows if r["kind"] in MADE_NEEDS}
        needs.update(
            {(r["kind"], r["name"]): Need(r["kind"], r["name"], r["body"]) for r in own.values()}
        )
        for (kind, label), need in needs.items():
            row = own.get(need_key(kind, label))
            try:
                qbo_id = self._existing(need)
                made = qbo_id is None
                if made:
                    qbo_id = self._create_need(need)
            except ReconcileError as exc:
                if row is not None:
                    self.result(row, "failed", code=getattr(exc, "code", None), message=str(exc))
                else:
                    self.store.log(
                        self.run_id,
                        kind=kind,
                        action="create",
                        outcome="failed",
                        message=f"{label}: {exc}",
                    )
                continue
            self.created[(kind, label)] = qbo_id
            message = (
                f"created {kind} {label!r} needed by the records"
                if made
                else (f"{kind} {label!r} was already in QuickBooks")
            )
            if row is not None:
                self.result(row, "ok", qbo_id=qbo_id, message=message)
            elif made:
                self.store.log(
                    self.run_id,
                    kind=kind,
                    action="create",
                    outcome="ok",
                    qbo_id=qbo_id,
                    message=message,
                )

    def _existing(self, need: Need) -> str | None:
        """The need, if QuickBooks has it by now: made by an earlier plan of the same export
        (customers and invoices both needing "Net 30"), or by a run that was stopped."""
        entity = {"term": "Term", "taxcode": "TaxCode"}[need.kind]
        found = self.client.query(select(entity).eq("Name", need.label))
        return found[0]["Id"] if found else None

    def _create_need(self, need: Need) -> str:
        if need.kind == "term":
            return self.client.create("Term", dict(need.body))["Id"]
        if need.kind == "taxcode":
            agencies = self.client.query(select("TaxAgency"))
            if not agencies:
                raise ReconcileError("QuickBooks has no tax agency to attach the rate to")
            detail = {
                "TaxRateName": need.label,
                "RateValue": need.body["RateValue"],
                "TaxAgencyId": agencies[0]["Id"],
                "TaxApplicableOn": "Sales",
            }
            answer = self.client.request(
                "POST",
                "taxservice/taxcode",
                params={"requestid": new_request_id()},
                json={"TaxCode": need.label, "TaxRateDetails": [detail]},
            )
            return str(answer["TaxCodeId"])
        raise ReconcileError(f"cannot create a {need.kind}")

    def need_id(self, need: Need) -> str | None:
        """The QuickBooks id of what a record needed, once made (None when it was not)."""
        if need.kind in RECORD_NEEDS:
            bms_id = str(need.body["bms_id"])
            made = self.created.get(("parent", bms_id)) if need.kind == "parent" else None
            return made or self.store.qbo_id(RECORD_NEEDS[need.kind], bms_id)
        return self.created.get((need.kind, need.label))

    def fill(self, row: dict) -> str | None:
        """Put the ids of created needs into the body; the reason when one is missing."""
        for need in row["needs"]:
            qbo_id = self.need_id(need)
            if qbo_id is None:
                return f"{need.kind} {need.label!r} could not be created first"
            if need.path:  # none: the need of another document the row carries (its credit)
                set_path(row["body"], need.path, {"value": qbo_id})
        return None

    def made_since(self, kind: str, bms_id: str, action: str) -> str | None:
        """Why a create must not be sent: another run (under the lease before this one)
        made and linked the record since this plan. QuickBooks' duplicate-number check does
        not always stop a second one (a company numbering invoices itself, credit memos)."""
        made = self.store.qbo_id(kind, bms_id) if action == "create" else None
        if made is None:
            return None
        return f"another run exported it since this plan (QuickBooks id {made}): plan again"

    # -- writes -----------------------------------------------------------------------------

    def send(self, rows: list[dict], progress: Progress | None, done: int, total: int) -> int:
        ops = []
        for row in rows:
            missing = self.fill(row)
            if missing:
                self.result(row, "failed", message=missing)
                continue
            if row["action"] == "link":  # linked first: a failed update still keeps the match
                try:
                    self.store.link(
                        self.kind,
                        row["bms_id"],
                        row["qbo_id"],
                        origin="linked",
                        qbo_name=row["name"],
                        sync_token=row["sync_token"],
                    )
                except ReconcileError as exc:
                    self.result(row, "failed", qbo_id=row["qbo_id"], message=str(exc))
                    continue
                if not row["changes"]:  # nothing blank to fill: the link is all
                    self.result(
                        row,
                        "ok",
                        qbo_id=row["qbo_id"],
                        sync_token=row["sync_token"],
                        message="linked; nothing sent",
                    )
                    continue
            operation = "create" if row["action"] == "create" else "update"
            body = row["body"] if operation == "create" else {**row["body"], "sparse": True}
            ops.append(BatchOp(operation, self.entity, body, key=row))
        for start in range(0, len(ops), 30):
            chunk = ops[start : start + 30]
            try:
                answers = self.client.batch(chunk, workers=1)
            except ReconcileError as exc:  # the whole request failed: every item in it
                for op in chunk:
                    self.result(op.key, "failed", message=str(exc))
                done += len(chunk)
                continue
            for answer in answers:
                row = answer.op.key
                if answer.ok:
                    data = answer.data
                    origin = "created" if row["action"] == "create" else None
                    self.store.link(
                        self.kind,
                        row["bms_id"],
                        data["Id"],
                        qbo_name=row["name"],
                        sync_token=data.get("SyncToken"),
                        origin=origin,
                    )
                    if row["kind"] == "account":
                        self.created[("parent", row["bms_id"])] = data["Id"]
                    self.result(
                        row,
                        "ok",
                        qbo_id=data["Id"],
                        sync_token=data.get("SyncToken"),
                        message=f"{row['action']}d"
                        if row["action"] != "link"
                        else "linked and updated",
                    )
                else:
                    err = answer.error
                    self.result(
                        row, "failed", qbo_id=row.get("qbo_id"), code=err.code, message=str(err)
                    )
            done += len(chunk)
            if progress:
                progress(done, total)
        return done


def _waves(rows: list[dict]) -> list[list[dict]]:
    """Creates/updates grouped so that a parent is sent in an earlier wave than its child."""
    pending = {r["bms_id"]: r for r in rows}
    waves = []
    sent: set[str] = set()
    while pending:
        wave = [
            r
            for r in pending.values()
            if all(n.body["bms_id"] in sent for n in r["needs"] if n.kind == "parent")
        ]
        if not wave:  # a parent that is not being sent: the rest fail with a reason
            waves.append(list(pending.values()))
            break
        waves.append(wave)
        for r in wave:
            sent.add(r["bms_id"])
            del pending[r["bms_id"]]
    return waves


def send_plan(
    plan: Plan,
    client: QboClient,
    store: SyncStore,
    *,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Carry out a plan; one result row per plan row (``RESULT_COLUMNS``), in plan order.

    Outcomes: ok, failed (with QuickBooks' code and message), blocked, unchanged."""
    sender = Sender(plan, client, store)
    records = sender.start("send")
    work = [r for r in records if r["action"] in ("create", "update", "link")]
    try:
        sender.make_needs(work)
        records_work = [r for r in work if r["kind"] not in MADE_NEEDS]
        done = 0
        for wave in _waves(records_work):
            done = sender.send(wave, progress, done, len(records_work))
    except BaseException:  # stopped half-way: what returned is logged; re-plan to resume
        store.finish_run(sender.run_id, outcome="interrupted")
        raise
    return sender.finish(records, work)
