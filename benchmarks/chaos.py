"""The fault catalogue as a table: every fault kind at every step of the invoice export and
the payment import (tests/chaos/catalogue.py), each case on a new sandbox, rerun, then judged.

Rows are a path and a fault; columns count over that row's cases: runs of the CLI, duplicates
in QuickBooks, payments applied twice in BMS (whose own refusal of a known payment id is off),
write-back gaps, records missing, pending markers left, tracebacks, and the cases that broke
an invariant (the fault-free run is the reference for totals). ``make test`` runs a spread of
these cases (tests/chaos/test_catalogue.py); this runs them all.

Usage: python benchmarks/chaos.py [--steps N] [--jobs 2]
  --steps N  at most N steps per path and fault, spread from the first write to the last
             (default: every step)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the catalogue lives with the tests (tests/chaos)

from conftest import DEMO_DATE  # noqa: E402
from reconcile import clock  # noqa: E402
from tests.chaos.catalogue import FAULTS, Case, Outcome, run_case, steps  # noqa: E402

COLUMNS = (
    "runs",
    "duplicates",
    "double_payments",
    "write_back_gaps",
    "missing",
    "pending",
    "tracebacks",
)


def cases(reference: dict[str, Outcome], count: int | None) -> Iterator[Case]:
    for path, ref in reference.items():
        for fault in FAULTS:
            if fault == "two at once":
                yield Case(path, fault)
                continue
            if fault == "kill":  # after write n, 1 <= n < writes (after the last: nothing left)
                last = max(ref.writes - 1, 1)
                for n in steps(last, count or last):
                    yield Case(path, fault, n + 1)
                continue
            for after in steps(ref.writes, count or ref.writes):
                yield Case(path, fault, after)


def table(rows: list[tuple[Case, Outcome, list[str]]]) -> str:
    head = ("path", "fault", "cases", *(c.replace("_", " ") for c in COLUMNS), "broken")
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    groups: dict[tuple[str, str], list] = {}
    for case, outcome, problems in rows:
        groups.setdefault((case.path, case.fault), []).append((outcome, problems))
    for (path, fault), found in groups.items():
        sums = [sum(getattr(o, c) for o, _ in found) for c in COLUMNS]
        broken = sum(bool(p) for _, p in found)
        lines.append(
            f"| {path} | {fault} | {len(found)} | " + " | ".join(map(str, sums)) + f" | {broken} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault(clock.ENV, DEMO_DATE.isoformat())  # the demo the suite uses
    work = Path(tempfile.mkdtemp(prefix="reconcile-chaos-"))
    started = time.monotonic()
    reference = {p: run_case(Case(p, "none"), work / f"none-{p}") for p in ("export", "import")}
    for path, ref in reference.items():
        print(f"fault-free {path}: {ref.writes} writes, problems: {ref.problems() or 'none'}")
    todo = list(cases(reference, args.steps))
    print(f"{len(todo)} cases, {args.jobs} at a time ...", flush=True)

    def one(numbered: tuple[int, Case]) -> tuple[Case, Outcome, list[str]]:
        i, case = numbered
        outcome = run_case(case, work / f"case-{i}")
        problems = outcome.problems(reference[case.path])
        if problems:
            print(f"  {case}: {'; '.join(problems)}", flush=True)
        return case, outcome, problems

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        rows = list(pool.map(one, enumerate(todo)))
    print()
    print(table(rows))
    runs = sum(o.runs for _, o, _ in rows)
    print(f"\n{len(rows)} cases, {runs} CLI runs, {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
