"""Reading never writes: every load, plan and preview of the Session — and the first look and
both reports — run inside ``SyncStore.reading`` (any write to the store raises) and leave
both sandboxes' write counters where they were, on a company with exported invoices,
payments to import and an interrupted import whose payment BMS applied. What planning found
is recorded by the next import, not before."""

from __future__ import annotations

from datetime import date

import pytest
import requests

from reconcile.first_look import first_look
from reconcile.payments import classification as c
from reconcile.report_data import payment_report, sync_status
from reconcile.reports import Period
from tests.conftest import sandbox_settings
from tests.integration.conftest import paid_in_quickbooks

SINCE = date(2000, 1, 1)


def _writes(sandbox) -> tuple[int, int]:
    qbo = requests.get(f"{sandbox.qbo_url}/_sandbox/stats", timeout=10).json()
    bms = requests.get(f"{sandbox.bms_url}/_sandbox/stats", timeout=10).json()
    return qbo["write_count"], bms["write_count"]


@pytest.fixture(scope="module")
def company(fresh):
    """Owed invoices exported, payments made against them, one import interrupted after
    BMS applied it (its answer lost): (sandbox, session, the interrupted payment's id)."""
    sandbox, session = fresh
    plan = paid_in_quickbooks(session, invoices=8, payments=4, seed=3)
    first = plan.rows.loc[plan.rows["importable"], "payment_id"].iloc[0]
    sandbox_settings(sandbox, bms_fail_next=["reset-after"])  # applied, the answer lost
    assert session.import_payments(plan.select([first]))["outcome"].tolist() == ["failed"]
    assert first in session.store.pending_of("payment")
    return sandbox, session, first


def test_every_read_path_writes_nothing_and_shows_what_an_interruption_left(company):
    sandbox, session, interrupted = company
    store = session.store
    before = (_writes(sandbox), len(store.log_frame()), store.links(), store.runs())
    period = Period(since=SINCE, until=date(2026, 11, 30))
    with store.reading("this test's reads"):
        master = session.master_data()
        for kind, rows in (
            ("customer", master.customers),
            ("account", master.accounts),
            ("item", master.items),
        ):
            session.preview(session.plan(kind, rows, everyone=master.customers))
        listed = session.invoices()
        plan = session.plan_invoices(listed[listed["selectable"]], include_dependencies=True)
        invoices = plan.rows[plan.rows["kind"] == "invoice"].head(3)
        session.preview_invoices(plan.with_rows(invoices))
        payments = session.payments(since=SINCE)
        session.suggestions(payments)
        session.open_invoices()
        session.reconciliation()
        session.payment_changes()
        session.invoice_changes()
        session.log()
        first_look(session)
        sync_status(session, period, plan=True)
        payment_report(session, period, plan=True)
    assert _writes(sandbox) == before[0], "a read path wrote to QuickBooks or BMS"
    assert len(store.log_frame()) == before[1]
    assert store.links().equals(before[2]) and store.runs().equals(before[3])

    # Planning found the interrupted payment applied in BMS, and said so without recording it.
    row = payments.rows.set_index("payment_id").loc[interrupted]
    assert (row["class"], row["importable"]) == (c.IMPORTED, False)
    assert "found applied in BMS after an interrupted import" in row["reason"]
    assert interrupted in store.pending_of("payment")

    # The next import records it first (under its lease), then imports the others once.
    results = session.import_payments(payments).set_index("payment_id")
    assert results.loc[interrupted, "outcome"] == "skipped"
    assert not store.pending_of("payment")
    assert store.qbo_id("payment", interrupted) == interrupted
    log = store.log_frame(kind="payment")
    settled = log[log["action"] == "settle"]
    assert settled["message"].str.contains("found applied in BMS").any()
    assert set(results.drop(index=interrupted)["outcome"]) <= {"imported", "skipped", "blocked"}
