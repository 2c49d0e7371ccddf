"""Payment imports under faults, with the BMS sandbox's own guard off
(``bms_refuse_known_payments=False``: BMS applies a payment id again if it is sent again), so
"never applied twice" must come from the toolkit: two imports at once, and an import killed
right after it sent its payments, then run again."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import connected_sandbox
from reconcile.bms.loaders import invoice_headers
from reconcile.sandbox.payment_truth import make_payments, owed_invoices
from tests.chaos.harness import (
    LEASE_LINE,
    kill_after_writes,
    pending,
    run_cli,
    session_of,
    start_cli,
)
from tests.conftest import sandbox_settings

pytestmark = pytest.mark.integration

SINCE = date(2000, 1, 1)
IMPORT = ("payments", "import", "--all", "--since", SINCE.isoformat())
INVOICES = 10


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    """Owed invoices exported (with what they need), BMS applying a known payment id again."""
    sandbox = connected_sandbox(tmp_path_factory.mktemp("chaos-pay") / "sandbox")
    try:
        sandbox_settings(sandbox, bms_refuse_known_payments=False)
        session = session_of(sandbox)
        headers = session.invoices()
        owed = headers[headers["Selectable"] & (headers["PaymentDue"] > 1)].head(INVOICES)
        results = session.export_invoices(session.plan_invoices(owed, include_dependencies=True))
        sent = results[(results["kind"] == "invoice") & (results["outcome"] == "ok")]
        assert len(sent) >= 6, results[["kind", "bms_id", "outcome", "message"]]
        yield sandbox
    finally:
        sandbox.stop()


def new_payments(sandbox, seed: int) -> dict[int, float]:
    """Make QuickBooks payments against exported invoices; answer each BMS invoice's payment
    due once they are imported once (from the import plan, before any import)."""
    session = session_of(sandbox)
    make_payments(session.qbo, owed_invoices(session), count=6, seed=seed)
    plan = session_of(sandbox).payments(since=SINCE)
    chosen = plan.select(plan.importable()["payment_id"])
    lines = chosen.lines
    assert len(chosen.payments) >= 2 and len(lines) >= 2, plan.payments[["payment_id", "class"]]
    assert lines["bms_id"].is_unique  # one payment per invoice: each due is known exactly
    return {int(r.bms_id): round(float(r.due_after), 2) for r in lines.itertuples()}


def assert_applied_once(sandbox, expected: dict[int, float]) -> None:
    headers = invoice_headers(session_of(sandbox).bms).set_index("Id")
    due = {bms_id: round(float(headers.loc[bms_id, "PaymentDue"]), 2) for bms_id in expected}
    assert due == expected, "a payment was applied twice, or not at all (PaymentDue in BMS)"
    assert not pending(sandbox), f"pending markers left: {pending(sandbox)}"


def test_two_imports_at_once_apply_each_payment_once(sandbox):
    expected = new_payments(sandbox, seed=6)
    first, second = start_cli(sandbox, *IMPORT), start_cli(sandbox, *IMPORT)
    ends = [(p, *p.communicate(timeout=60)) for p in (first, second)]
    codes = sorted(p.returncode for p, _, _ in ends)
    for p, out, err in ends:
        assert "Traceback" not in err, err[-2000:]
        if p.returncode == 1:  # refused by the lease: one line naming the holder
            lines = [line for line in err.strip().splitlines() if line]
            assert len(lines) == 1 and LEASE_LINE in lines[0], err[-2000:]
        else:
            assert p.returncode == 0, out[-2000:] + err[-2000:]
    assert codes in ([0, 0], [0, 1]), codes
    assert_applied_once(sandbox, expected)


def test_an_import_killed_after_sending_then_rerun_applies_each_payment_once(sandbox):
    expected = new_payments(sandbox, seed=11)
    killed = kill_after_writes(sandbox, 1, *IMPORT)  # the payments are sent, the answer lost
    assert killed["returncode"] == -9
    assert pending(sandbox), "the killed import should have left its markers"
    rerun = run_cli(sandbox, *IMPORT)
    assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr[-2000:]
    assert "Traceback" not in rerun.stderr
    assert_applied_once(sandbox, expected)
