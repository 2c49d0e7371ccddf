"""The write-back is part of an export's outcome: BMS is told each exported invoice's
QuickBooks id, a failure is a failure (not "ok"), and every later export repeats it until BMS
has the id — after a failed write-back and after an export stopped before it (kill -9)."""

from __future__ import annotations

import pytest

from reconcile.bms.loaders import invoice_headers
from reconcile.sync.invoice_send import send_invoice_plan
from reconcile.sync.invoices import NOT_POSTED
from tests.conftest import exportable_invoices, sandbox_settings
from tests.integration.test_company_settings_export import _session


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    sandbox, session = _session(tmp_path_factory, "standard")
    yield sandbox, session
    sandbox.stop()


def _plan(session, numbers):
    listed = session.invoices()
    return session.plan_invoices(
        listed[listed["InvoiceNumber"].isin(numbers)], include_dependencies=True
    )


def _references(session, numbers) -> dict[str, str | None]:
    headers = invoice_headers(session.bms)
    chosen = headers[headers["InvoiceNumber"].isin(numbers)]
    told = (
        chosen["AccountingAppReference"]
        .astype(object)
        .where(chosen["AccountingAppReference"].notna(), None)
    )
    return dict(zip(chosen["InvoiceNumber"], told, strict=True))


def _invoices(results):
    return results[results["kind"] == "invoice"].set_index("name")


def test_a_failed_write_back_fails_the_export_and_the_next_export_repeats_it(company):
    sandbox, session = company
    numbers = exportable_invoices(session, count=2)
    plan = _plan(session, numbers)
    sandbox_settings(sandbox, bms_fail_next=["500"] * 8)  # more than the client's retries
    try:
        first = _invoices(session.export_invoices(plan))  # its one BMS call: the write-back
    finally:
        sandbox_settings(sandbox, bms_fail_next=[])
    assert set(first["outcome"]) == {"failed"}, first[["outcome", "message"]]
    assert all("BMS was not told its QuickBooks id" in m for m in first["message"])
    assert first["qbo_id"].notna().all()  # made in QuickBooks all the same
    assert set(_references(session, numbers).values()) == {None}

    again = _plan(session, numbers)
    rows = again.rows[again.rows["kind"] == "invoice"]
    assert set(rows["action"]) == {"unchanged"} and rows["write_back"].all()
    assert all(NOT_POSTED in r for r in rows["reason"])
    second = _invoices(session.export_invoices(again))
    assert set(second["outcome"]) == {"ok"} and set(second["action"]) == {"write-back"}
    assert _references(session, numbers) == dict(zip(first.index, first["qbo_id"], strict=True))

    settled = _plan(session, numbers)
    assert not settled.rows.loc[settled.rows["kind"] == "invoice", "write_back"].any()
    assert set(_invoices(session.export_invoices(settled))["outcome"]) == {"unchanged"}


def test_an_export_stopped_before_its_write_back_is_written_back_by_the_next(company):
    _sandbox, session = company
    numbers = exportable_invoices(session, count=2)
    # What a kill -9 after the QuickBooks creates leaves: links, and BMS never told.
    stopped = send_invoice_plan(_plan(session, numbers), session.qbo, session.store, bms=None)
    assert set(_invoices(stopped)["outcome"]) == {"ok"}
    assert set(_references(session, numbers).values()) == {None}
    resumed = _invoices(session.export_invoices(_plan(session, numbers)))
    assert set(resumed["outcome"]) == {"ok"}
    assert _references(session, numbers) == dict(zip(resumed.index, resumed["qbo_id"], strict=True))
    log = session.log(kind="invoice")
    assert (log["action"] == "write-back").any()
