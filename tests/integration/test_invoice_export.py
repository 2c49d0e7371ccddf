"""Export invoices to the sandbox over real HTTP: totals agree, BMS shows the write-back,
re-export changes nothing, never a duplicate."""

from __future__ import annotations

import pytest

from reconcile.bms.client import BmsClient
from reconcile.bms.loaders import (
    accounts_frame,
    gl_accounts_frame,
    load_invoices,
    services_frame,
    tax_items_frame,
)
from reconcile.config import load_config
from reconcile.mapping import ACCOUNTS, CUSTOMERS, ITEMS
from reconcile.qbo.query import select
from reconcile.store import SyncStore
from reconcile.sync.invoice_send import send_invoice_plan
from reconcile.sync.invoices import build_invoice_plan
from reconcile.sync.plan import build_plan
from reconcile.sync.send import send_plan
from reconcile.sync.state import NEEDED, QboState
from tests.integration.conftest import config_options

CUSTOMER = "Bunker Hill Veterinary Hospital"


def _replan(client, store, invoices, tax):
    """The invoice plan against what QuickBooks holds now."""
    state = QboState.load(client, NEEDED["invoice"])
    return build_invoice_plan(
        invoices.headers, invoices.lines, invoices.discounts, state, store, config_options(), tax
    )


@pytest.fixture()
def exported(client, tmp_path):
    """Master data for one customer sent, then its eligible invoices exported."""
    bms = BmsClient(load_config().bms)
    store = SyncStore(tmp_path / "sync.sqlite")
    tax = tax_items_frame(bms)
    accounts = accounts_frame(bms)
    customer = accounts[accounts["AccountName"] == CUSTOMER]
    for emap, rows in (
        (ACCOUNTS, gl_accounts_frame(bms)),
        (ITEMS, services_frame(bms)),
        (CUSTOMERS, customer),
    ):
        state = QboState.load(client, NEEDED[emap.kind])
        send_plan(build_plan(emap, rows, state, store, config_options(), tax), client, store)
    invoices = load_invoices(bms, account_id=int(customer["Id"].iloc[0]))
    plan = _replan(client, store, invoices, tax)
    results = send_invoice_plan(plan, client, store, bms)
    yield bms, store, tax, invoices, plan, results
    store.close()


def test_exported_invoices_agree_to_the_cent_and_are_written_back(client, exported):
    bms, _store, _tax, invoices, plan, results = exported
    sent = results[(results["kind"] == "invoice") & (results["outcome"] == "ok")]
    assert len(sent) >= 1, plan.rows[["name", "action", "reason"]].to_string()
    headers = invoices.headers.set_index(invoices.headers["Id"].astype(str))
    for row in sent.itertuples():
        qbo = client.read("Invoice", row.qbo_id)
        bms_header = headers.loc[row.bms_id]
        assert qbo["DocNumber"] == bms_header["InvoiceNumber"]
        assert round(qbo["TotalAmt"], 2) == round(float(bms_header["GrandTotal"]), 2)
        assert client.count(select("Invoice").eq("DocNumber", qbo["DocNumber"])) == 1
    posted = load_invoices(bms, posted_to_accounting=True).headers
    posted = posted.set_index(posted["Id"].astype(str))
    for row in sent.itertuples():
        assert posted.loc[row.bms_id, "AccountingAppReference"] == row.qbo_id
    blocked = plan.rows[plan.rows["action"] == "blocked"]
    assert all(reason for reason in blocked["reason"])


def test_re_export_changes_nothing_and_creates_nothing(client, exported):
    _bms, store, tax, invoices, _plan, results = exported
    again = _replan(client, store, invoices, tax)
    sent = set(results.loc[(results["kind"] == "invoice") & (results["outcome"] == "ok"), "bms_id"])
    assert set(again.rows.loc[again.rows["bms_id"].isin(sent), "action"]) == {"unchanged"}


def test_a_lost_answer_is_resent_with_the_same_request_id_not_duplicated(client, exported, sandbox):
    from reconcile.qbo.client import QboClient
    from tests.conftest import sandbox_settings

    _bms, store, tax, invoices, _plan, results = exported
    # Un-export one invoice on our side only: forget its link, as if never sent.
    sent = results[(results["kind"] == "invoice") & (results["outcome"] == "ok")].iloc[0]
    qbo_before = client.read("Invoice", sent["qbo_id"])
    client.delete("Invoice", qbo_before["Id"], qbo_before["SyncToken"])
    store.unlink("invoice", sent["bms_id"])
    fresh = _replan(client, store, invoices, tax)
    one = fresh.select([sent["bms_id"]])
    assert one.rows.iloc[0]["action"] == "create"
    # QuickBooks makes the invoice but the answer is lost, and the client gives up.
    fragile = QboClient(client.settings, client.auth, max_retries=0, sleep=lambda s: None)
    sandbox_settings(sandbox, fail_next=["reset-after"])
    first = send_invoice_plan(one, fragile, store)
    assert first.iloc[0]["outcome"] == "failed"
    assert store.pending("invoice", sent["bms_id"])  # the request id is kept
    # Re-planned and re-sent: its request id is kept, so the invoice QuickBooks holds under
    # its number is the toolkit's own (not the company's, to be kept as it is): created again
    # with the same request id, which QuickBooks answers with that invoice. One invoice.
    again = _replan(client, store, invoices, tax).select([sent["bms_id"]])
    assert again.rows.iloc[0]["action"] == "create"
    retry = send_invoice_plan(again, client, store)
    assert retry.iloc[0]["outcome"] == "ok"
    assert client.count(select("Invoice").eq("DocNumber", qbo_before["DocNumber"])) == 1
    assert store.pending("invoice", sent["bms_id"]) is None
    assert store.origin("invoice", sent["bms_id"]) == "created"  # it follows BMS from now on
