"""Kill points on the invoice export path: the CLI is SIGKILLed right after its Nth write
(sandbox test hook ``hold_after_writes``), then run again to the end. Whatever N, the rerun
ends well and leaves what a fault-free run leaves: no duplicate in QuickBooks, every invoice's
QuickBooks id written back to BMS, no pending marker, the same totals.

Each kill point gets a new sandbox (they start in a fraction of a second), so each run exports
the same invoices with all their dependencies."""

from __future__ import annotations

from collections import Counter

import pytest

from conftest import connected_sandbox
from reconcile.bms.loaders import invoice_headers
from reconcile.qbo.query import select
from tests.chaos.harness import kill_after_writes, pending, run_cli, session_of, stats

pytestmark = pytest.mark.integration

INVOICES = 8  # invoices exported per run


def export_args(ids: list[str]) -> tuple[str, ...]:
    return ("sync", "invoices", "--ids", *ids, "--include-dependencies")


def chosen_invoices(sandbox) -> list[str]:
    """Invoices whose plan is a create (with their dependencies), the newest first."""
    session = session_of(sandbox)
    headers = session.invoices()
    headers = headers[headers["Selectable"]].head(INVOICES)
    plan = session.plan_invoices(headers, include_dependencies=True)
    creates = plan[(plan["kind"] == "invoice") & (plan["action"] == "create")]
    assert len(creates) == INVOICES, plan[["kind", "bms_id", "action", "reason"]]
    return [str(i) for i in creates["bms_id"]]


def end_state(sandbox, ids: list[str]) -> dict:
    """What the export left, read back over HTTP (and the CLI's store for markers)."""
    session = session_of(sandbox)
    qbo_invoices = session.qbo.query(select("Invoice"))
    customers = session.qbo.query(select("Customer"))
    headers = invoice_headers(session.bms).set_index("Id")
    by_number = {}
    for inv in qbo_invoices:
        by_number.setdefault(inv.get("DocNumber"), []).append(inv)
    exported = {}
    for bms_id in ids:
        number = headers.loc[int(bms_id), "InvoiceNumber"]
        exported[bms_id] = {
            "number": number,
            "qbo": by_number.get(number, []),
            "reference": headers.loc[int(bms_id), "AccountingAppReference"],
        }
    return {
        "doc_numbers": Counter(inv.get("DocNumber") for inv in qbo_invoices),
        "names": Counter(c["DisplayName"] for c in customers),
        "exported": exported,
        "pending": pending(sandbox),
        "totals": {
            e["number"]: sorted(
                (str(q["TotalAmt"]), str(q.get("TxnTaxDetail", {}).get("TotalTax")))
                for q in e["qbo"]
            )
            for e in exported.values()
        },
    }


def assert_consistent(state: dict) -> None:
    doubled = {n: k for n, k in state["doc_numbers"].items() if n and k > 1}
    assert not doubled, f"invoices created twice in QuickBooks: {doubled}"
    names = {n: k for n, k in state["names"].items() if k > 1}
    assert not names, f"customers created twice in QuickBooks: {names}"
    for bms_id, e in state["exported"].items():
        assert len(e["qbo"]) == 1, f"{e['number']} is not in QuickBooks once: {e['qbo']}"
        assert e["reference"] == e["qbo"][0]["Id"], (
            f"BMS invoice {bms_id} holds reference {e['reference']!r}, "
            f"QuickBooks id {e['qbo'][0]['Id']}"
        )
    assert not state["pending"], f"pending markers left: {state['pending']}"


@pytest.fixture(scope="module")
def fault_free(tmp_path_factory):
    """A fault-free export on a sandbox of its own: its write count and end state."""
    sandbox = connected_sandbox(tmp_path_factory.mktemp("chaos-dry") / "sandbox")
    try:
        ids = chosen_invoices(sandbox)
        before = stats(sandbox)["writes"]
        done = run_cli(sandbox, *export_args(ids))
        assert done.returncode == 0, done.stderr[-2000:]
        writes = stats(sandbox)["writes"] - before
        state = end_state(sandbox, ids)
        assert_consistent(state)
        yield {"ids": ids, "writes": writes, "state": state}
    finally:
        sandbox.stop()


@pytest.mark.parametrize("where", ["first", "fifth", "middle", "last_but_one"])
def test_a_kill_after_the_nth_write_then_a_rerun_ends_as_a_fault_free_run(
    where, fault_free, tmp_path
):
    writes = fault_free["writes"]
    assert writes >= 8, f"the export path is shorter than expected: {writes} writes"
    n = {"first": 1, "fifth": 5, "middle": writes // 2, "last_but_one": writes - 1}[where]
    sandbox = connected_sandbox(tmp_path / "sandbox")
    try:
        ids = chosen_invoices(sandbox)
        assert ids == fault_free["ids"]
        killed = kill_after_writes(sandbox, n, *export_args(ids))
        assert killed["returncode"] == -9
        rerun = run_cli(sandbox, *export_args(ids))
        assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr[-2000:]
        assert "Traceback" not in rerun.stderr
        state = end_state(sandbox, ids)
        assert_consistent(state)
        assert state["totals"] == fault_free["state"]["totals"]
    finally:
        sandbox.stop()
