"""Benchmark: precision and recall of payment matching on a generated truth set (issue 6).

Starts a fresh sandbox, exports every exportable invoice still owed (with what it needs),
then creates QuickBooks payments against known BMS invoices — full, partial, several at
once, overpaid, and unapplied with the number in the reference (sometimes mistyped), in the
memo, or nowhere — and scores what the toolkit makes of them:

- automatic: invoice lines classified ready to import (no person involved) — the bar is a
  precision of 1.0: nothing is ever applied to a wrong invoice;
- suggestions: the rank-1 suggestion of each unapplied payment, and those pre-selected for a
  person (score ≥ 0.9), with precision and recall; the time the suggestions took.

Usage: python benchmarks/payment_matching.py [--payments 80] [--seed 6]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from datetime import date
from pathlib import Path

from reconcile.config import load_config
from reconcile.payments.classification import IMPORTED, READY
from reconcile.qbo.auth import QboAuth
from reconcile.qbo.connect import connect_automatically
from reconcile.sandbox.runner import start_sandbox
from reconcile.session import Session
from reconcile.testing.payment_truth import make_payments, owed_invoices, score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--payments", type=int, default=80)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sandbox = start_sandbox(Path(tmp) / "sandbox", time_scale=60.0)
        try:
            config = load_config(sandbox.config_path)
            connect_automatically(QboAuth(config.qbo))
            session = Session(dataclasses.replace(config, data_dir=Path(tmp) / "data"))
            invoices = session.invoices()
            owed = invoices[invoices["selectable"] & (invoices["PaymentDue"] > 1)]
            session.export_invoices(session.plan_invoices(owed, include_dependencies=True))
            truth = make_payments(
                session.qbo, owed_invoices(session), count=args.payments, seed=args.seed
            )
            plan = session.payments(since=date(2000, 1, 1))
            started = time.perf_counter()
            suggestions = session.suggestions(plan)
            took = time.perf_counter() - started
        finally:
            sandbox.stop()
    applied = plan.lines[plan.lines["class"].isin([READY, IMPORTED])]
    measured = score(truth, applied, suggestions)
    print(json.dumps({**measured, "payments": len(truth), "suggest_s": round(took, 3)}))
    print(f"truth set: {len(truth)} payments; cases {truth['case'].value_counts().to_dict()}")
    print(
        f"automatic: {measured['automatic_lines']} lines, precision "
        f"{measured['automatic_precision']:.3f} (bar 1.0)"
    )
    print(
        f"suggestions (rank 1): precision {measured['suggestion_precision']:.3f}, recall "
        f"{measured['suggestion_recall']:.3f} over {measured['answerable']} answerable"
    )
    print(
        f"pre-selected (≥ 0.9): {measured['preselected']}, precision "
        f"{measured['preselected_precision']:.3f}, recall {measured['preselected_recall']:.3f}"
    )
    print(f"suggestions took {took:.3f} s (includes reading BMS invoices)")
    ok = measured["automatic_precision"] == 1.0
    print("bar: automatic precision 1.0:", "PASS" if ok else "FAIL")


if __name__ == "__main__":
    main()
