"""The fault catalogue: one fault at one step of a path, the command run again, and what the
run left judged by the issue's invariants — no duplicate in QuickBooks, no payment applied
twice in BMS (whose own refusal of a known payment id is switched off), every exported
invoice written back, no pending marker, the same totals as a fault-free run.

A :class:`Case` names the path (``export``: ``sync invoices --ids ... --include-dependencies``,
two of the invoices paid in BMS, so their payments are recorded in QuickBooks too, and the
demo's return INV-10042, so its credit memo is made and applied before its payment;
``import``: ``payments import --all``), the fault and the step: ``kill`` SIGKILLs the CLI
right after its write number ``after``; a fault of the sandbox's ``INJECTABLE`` kinds
answers the write after ``after`` writes with it (sandbox hook ``fail_write``); ``two at
once`` starts two of the command together; ``none`` is the fault-free run. After the faulted
run the command is run once more, as a person would, and must end well.

Every case gets a new sandbox (they start in a fraction of a second), so each exports the
same invoices, or imports the same payments. The tests (``test_catalogue.py``) run a spread of
steps; ``benchmarks/chaos.py`` every step, printed as a table.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from conftest import connected_sandbox
from reconcile.bms.loaders import invoice_headers
from reconcile.qbo.query import select
from reconcile.sandbox.runner import Sandbox
from reconcile.sandbox.settings import INJECTABLE
from reconcile.sync import bms_payments, credits
from reconcile.testing.payment_truth import make_payments, owed_invoices
from tests.chaos.harness import (
    LEASE_LINE,
    kill_after_writes,
    pending,
    run_cli,
    session_of,
    start_cli,
    stats,
)
from tests.conftest import sandbox_settings

FAULTS = ("kill", *INJECTABLE, "two at once")
EXPORTED = 8  # invoices per export case (with all they need)
PAID = ("Partially Paid", "Fully Paid")  # of them, paid in BMS
RETURN = "INV-10042"  # of them, a return: its credit memo made and applied (sync/credits.py)
OWED = 10  # invoices exported before an import case, of which some get paid
SINCE = date(2000, 1, 1)
IMPORT = ("payments", "import", "--all", "--since", SINCE.isoformat())


@dataclass(frozen=True)
class Case:
    path: str  # "export" or "import"
    fault: str  # "none", "kill", one of INJECTABLE, "two at once"
    after: int = 0  # the writes answered before the fault

    def __str__(self) -> str:
        step = "" if self.fault in ("none", "two at once") else f" after write {self.after}"
        return f"{self.path}: {self.fault}{step}"


@dataclass
class Outcome:
    """What a case left. Counts are of records (invoices, customers, payments)."""

    case: Case
    writes: int = 0  # writes of the whole case (both servers)
    exits: list[int] = field(default_factory=list)  # of each run, the rerun last
    duplicates: int = 0  # invoices and customers more than once in QuickBooks
    double_payments: int = 0  # paid more than once: BMS invoices, or QuickBooks ones (export)
    write_back_gaps: int = 0  # exported invoices whose QuickBooks id BMS does not hold
    missing: int = 0  # invoices not in QuickBooks, payments not applied in BMS
    pending: int = 0  # markers of creates and imports begun and not ended
    tracebacks: int = 0  # runs that printed one
    unclear_refusals: int = 0  # runs refused by the lease with more than one line
    fired: bool = True  # the fault happened (a step past the path's last write: it did not)
    totals: dict = field(default_factory=dict)  # invoice number -> QuickBooks totals

    @property
    def runs(self) -> int:
        return len(self.exits)

    def problems(self, reference: Outcome | None = None) -> list[str]:
        """What broke an invariant, in words (none: [])."""
        found = [] if self.fired else ["the fault never happened"]
        found += [
            f"{n} {what}"
            for what, n in (
                ("duplicates in QuickBooks", self.duplicates),
                ("payments applied twice", self.double_payments),
                ("write-back gaps", self.write_back_gaps),
                ("missing", self.missing),
                ("pending markers", self.pending),
                ("tracebacks", self.tracebacks),
                ("refusals not on one line", self.unclear_refusals),
            )
            if n
        ]
        # A faulted run ends well (0), says it failed (1), or was killed (-9); the rerun ends well.
        found += [f"a run exited {code}" for code in self.exits[:-1] if code not in (0, 1, -9)]
        if self.exits and self.exits[-1] != 0:
            found.append(f"the rerun exited {self.exits[-1]}")
        if reference is not None and self.totals != reference.totals:
            found.append("totals differ from the fault-free run")
        return found


class ExportPath:
    """``sync invoices --ids ... --include-dependencies`` of invoices planned as creates."""

    name = "export"

    def __init__(self) -> None:
        self._ids: list[str] | None = None  # every sandbox's demo is the same: chosen once

    def prepare(self, sandbox: Sandbox) -> tuple[tuple[str, ...], list[str]]:
        if self._ids is None:
            session = session_of(sandbox)
            headers = session.invoices()
            headers = headers[headers["selectable"]]
            # The newest, two paid in BMS (their payments are recorded with them) and a
            # return (its credit memo too).
            paid = [headers[headers["StatusName"] == s].head(1) for s in PAID]
            ret = headers[headers["InvoiceNumber"] == RETURN]
            headers = pd.concat([headers.head(EXPORTED - len(PAID) - 1), *paid, ret])
            plan = session.plan_invoices(headers, include_dependencies=True)
            creates = plan.rows[
                (plan.rows["kind"] == "invoice") & (plan.rows["action"] == "create")
            ]
            assert len(creates) == EXPORTED, plan.rows[["kind", "bms_id", "action", "reason"]]
            assert bms_payments.to_record(creates).sum() >= len(PAID), creates["payment"]
            assert credits.pending_rows(creates).sum() == 1, creates["credit"]
            self._ids = [str(i) for i in creates["bms_id"]]
        return ("sync", "invoices", "--ids", *self._ids, "--include-dependencies"), self._ids

    def measure(self, sandbox: Sandbox, ids: list[str], outcome: Outcome) -> None:
        session = session_of(sandbox)
        invoices = session.qbo.query(select("Invoice"))
        memos = session.qbo.query(select("CreditMemo"))
        customers = session.qbo.query(select("Customer"))
        numbers = Counter(doc.get("DocNumber") for doc in [*invoices, *memos])
        names = Counter(c["DisplayName"] for c in customers)
        outcome.duplicates = sum(k - 1 for k in [*numbers.values(), *names.values()] if k > 1)
        headers = invoice_headers(session.bms).set_index("Id")
        for bms_id in ids:
            number = headers.loc[int(bms_id), "InvoiceNumber"]
            found = [inv for inv in invoices if inv.get("DocNumber") == number]
            if not found:
                outcome.missing += 1
                continue
            reference = headers.loc[int(bms_id), "AccountingAppReference"]  # <NA> when none
            if not isinstance(reference, str) or reference != found[0]["Id"]:
                outcome.write_back_gaps += 1
            outcome.totals[number] = sorted(
                (str(q["TotalAmt"]), str(q.get("TxnTaxDetail", {}).get("TotalTax")), q["Balance"])
                for q in found
            )
        outcome.totals.update({m["DocNumber"]: (m["TotalAmt"], m["Balance"]) for m in memos})
        # A payment made in BMS recorded in QuickBooks more than once, or a credit applied
        # more than once (a zero-total payment linking the invoice and its memo).
        paid = Counter(
            (t["TxnType"], t["TxnId"])
            for p in session.qbo.query(select("Payment"))
            for line in p.get("Line", [])
            for t in line.get("LinkedTxn", [])
            if t.get("TxnType") == "CreditMemo" or (t.get("TxnType") == "Invoice" and p["TotalAmt"])
        )
        outcome.double_payments = sum(n - 1 for n in paid.values() if n > 1)


class ImportPath:
    """``payments import --all`` of new QuickBooks payments against exported invoices."""

    name = "import"

    def prepare(self, sandbox: Sandbox) -> tuple[tuple[str, ...], dict[int, float]]:
        """Owed invoices exported (in process), payments made against them; answers each
        paid BMS invoice's payment due once its payment is imported once."""
        sandbox_settings(sandbox, bms_refuse_known_payments=False)
        session = session_of(sandbox)
        headers = session.invoices()
        owed = headers[headers["selectable"] & (headers["PaymentDue"] > 1)].head(OWED)
        results = session.export_invoices(session.plan_invoices(owed, include_dependencies=True))
        sent = results[(results["kind"] == "invoice") & (results["outcome"] == "ok")]
        assert len(sent) >= 6, results[["kind", "bms_id", "outcome", "message"]]
        make_payments(session.qbo, owed_invoices(session), count=6, seed=6)
        plan = session_of(sandbox).payments(since=SINCE)
        lines = plan.where(plan.rows["importable"]).lines
        assert len(lines) >= 2, plan.rows[["payment_id", "class"]]
        assert lines["bms_id"].is_unique  # one payment per invoice: each due is known exactly
        return IMPORT, {int(r.bms_id): round(float(r.due_after), 2) for r in lines.itertuples()}

    def measure(self, sandbox: Sandbox, expected: dict[int, float], outcome: Outcome) -> None:
        headers = invoice_headers(session_of(sandbox).bms).set_index("Id")
        for bms_id, due in expected.items():
            now = round(float(headers.loc[bms_id, "PaymentDue"]), 2)
            outcome.double_payments += now < due
            outcome.missing += now > due
            outcome.totals[bms_id] = now


PATHS = {p.name: p for p in (ExportPath(), ImportPath())}


def _judge_run(outcome: Outcome, returncode: int, stderr: str) -> None:
    outcome.exits.append(returncode)
    outcome.tracebacks += "Traceback" in stderr
    if returncode == 1 and LEASE_LINE in stderr:
        outcome.unclear_refusals += len([line for line in stderr.splitlines() if line]) != 1


def run_case(case: Case, folder: Path) -> Outcome:
    """Run ``case`` on a new sandbox in ``folder``, rerun the command, measure what is left."""
    path = PATHS[case.path]
    sandbox = connected_sandbox(folder)
    outcome = Outcome(case)
    try:
        args, expected = path.prepare(sandbox)
        before = stats(sandbox)["writes"]
        if case.fault == "kill":
            killed = kill_after_writes(sandbox, case.after, *args)
            outcome.exits.append(killed["returncode"])
        elif case.fault == "two at once":
            both = [start_cli(sandbox, *args) for _ in range(2)]
            for proc in both:
                _, err = proc.communicate(timeout=120)
                _judge_run(outcome, proc.returncode, err)
        elif case.fault != "none":
            sandbox_settings(sandbox, fail_write={"after": case.after, "fault": case.fault})
            done = run_cli(sandbox, *args, timeout=120)
            _judge_run(outcome, done.returncode, done.stderr)
            outcome.fired = sandbox_settings(sandbox)["fail_write"] is None
            sandbox_settings(sandbox, fail_write=None)
        done = run_cli(sandbox, *args, timeout=120)
        _judge_run(outcome, done.returncode, done.stderr)
        outcome.writes = stats(sandbox)["writes"] - before
        path.measure(sandbox, expected, outcome)
        outcome.pending = sum(len(found) for found in pending(sandbox).values())
    finally:
        sandbox.stop()
    return outcome


def steps(writes: int, count: int) -> list[int]:
    """``count`` steps spread from the first write (0 before it) to the last of a path of
    ``writes`` writes, or every step when there are fewer."""
    if count >= writes or count < 2:
        return list(range(writes)) if count >= writes else [0]
    return sorted({round(i * (writes - 1) / (count - 1)) for i in range(count)})
