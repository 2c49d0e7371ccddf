"""The fault catalogue in the suite (``tests/chaos/catalogue.py``): on the invoice export and
the payment import, a SIGKILL after the Nth write, each fault kind the sandbox injects at a
write, and two of the command at once; each then run again, and nothing broken left behind
(no duplicate, no payment applied twice with BMS's own refusal off, every invoice written
back, no pending marker, the totals of a fault-free run). Steps are spread over the path;
``benchmarks/chaos.py`` runs every step."""

from __future__ import annotations

import pytest

from reconcile.sandbox.settings import INJECTABLE
from tests.chaos.catalogue import Case, Outcome, run_case

pytestmark = pytest.mark.integration

# Where on the path, as a fraction of its writes: 0 the first write, 1 the last. The import
# path makes one write (one ImportPayments job), so it has one kill point.
KILLS = [("export", where) for where in (0.0, 0.3, 0.6, 1.0)] + [("import", 0.0)]
INJECTED = [(fault, i / (len(INJECTABLE) - 1)) for i, fault in enumerate(INJECTABLE)]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, Outcome]:
    """The fault-free run of each path: its writes and what it leaves."""
    found = {}
    for path in ("export", "import"):
        outcome = run_case(Case(path, "none"), tmp_path_factory.mktemp(path) / "sandbox")
        assert not outcome.problems(), outcome
        assert outcome.writes >= 1 and outcome.totals, outcome
        found[path] = outcome
    assert found["export"].writes >= 8, "the export path is shorter than expected"
    return found


def case_at(path: str, fault: str, where: float, writes: int) -> Case:
    if fault == "kill":  # killed after write n, 1 <= n < writes (after the last: nothing left)
        return Case(path, fault, 1 + round(where * max(writes - 2, 0)))
    return Case(path, fault, round(where * (writes - 1)))  # the write after `after` writes


def check(outcome: Outcome, reference: Outcome) -> None:
    assert not outcome.problems(reference), f"{outcome.case}: {outcome.problems(reference)}"


@pytest.mark.parametrize(("path", "where"), KILLS)
def test_a_kill_after_a_write_then_a_rerun_ends_as_a_fault_free_run(
    path, where, reference, tmp_path
):
    case = case_at(path, "kill", where, reference[path].writes)
    outcome = run_case(case, tmp_path / "sandbox")
    assert outcome.exits[0] == -9, outcome.exits
    check(outcome, reference[path])


@pytest.mark.parametrize("path", ["export", "import"])
@pytest.mark.parametrize(("fault", "where"), INJECTED)
def test_a_fault_at_a_write_then_a_rerun_ends_as_a_fault_free_run(
    path, fault, where, reference, tmp_path
):
    case = case_at(path, fault, where, reference[path].writes)
    check(run_case(case, tmp_path / "sandbox"), reference[path])


@pytest.mark.parametrize("path", ["export", "import"])
def test_two_at_once_do_everything_once(path, reference, tmp_path):
    outcome = run_case(Case(path, "two at once"), tmp_path / "sandbox")
    assert sorted(outcome.exits[:2]) in ([0, 0], [0, 1]), outcome.exits  # 1: the lease's line
    check(outcome, reference[path])
