"""The invoice plan on an in-memory QuickBooks (no network)."""

from __future__ import annotations

import pandas as pd
import pytest

from reconcile.store import SyncStore
from reconcile.sync.invoices import build_invoice_plan
from reconcile.sync.state import QboState
from tests.mapping.test_invoices import DISCOUNTS, HEADER, LINES

TAX = pd.DataFrame({"Name": ["MA Sales Tax"], "TaxRate": [6.25]})


def _frames(**header_changes):
    header = {**HEADER, "StatusName": "Sent", **header_changes}
    headers = pd.DataFrame([header])
    lines = pd.DataFrame([{**ln, "InvoiceId": header["Id"]} for ln in LINES])
    discounts = pd.DataFrame([{**d, "InvoiceId": header["Id"]} for d in DISCOUNTS])
    return headers, lines, discounts


def _state(**records) -> QboState:
    base = {
        "Invoice": [],
        "Customer": [{"Id": "58", "DisplayName": "O'Brien & Sons Plumbing"}],
        "Item": [{"Id": "7", "Name": "Remote Support"}, {"Id": "8", "Name": "Firewall"}],
        "Term": [{"Id": "3", "Name": "Net 30", "DueDays": 30}],
        "TaxCode": [],
    }
    return QboState({**base, **records})


@pytest.fixture()
def store():
    with SyncStore(":memory:") as s:
        s.link("customer", "1003", "58")
        yield s


def _plan(store, state=None, **changes):
    # The invoice: last, after the terms or tax codes it needs made first.
    return build_invoice_plan(*_frames(**changes), state or _state(), store, {}, TAX).rows.iloc[-1]


def test_an_eligible_invoice_is_created_with_its_references(store):
    p = _plan(store)
    assert p["action"] == "create", p["reason"]
    assert p["body"]["CustomerRef"] == {"value": "58"}
    assert p["body"]["SalesTermRef"] == {"value": "3"}
    items = [ln["SalesItemLineDetail"]["ItemRef"] for ln in p["body"]["Line"][:2]]
    assert items == [{"value": "7"}, {"value": "8"}]
    assert [n.label for n in p["needs"]] == ["MA 6.25%"]
    assert p["totals"]["agree"]


def test_missing_customer_or_item_is_named(store):
    state = _state(Item=[{"Id": "7", "Name": "Remote Support"}])
    assert "item 'Firewall' is not in QuickBooks yet" in _plan(store, state)["reason"]
    assert "customer" in _plan(store, AccountId=9999)["reason"]


def test_ineligible_and_void_invoices(store):
    assert "status 'New' is not exported" in _plan(store, StatusName="New")["reason"]
    assert "never exported" in _plan(store, StatusName="Void")["reason"]
    store.link("invoice", "70001", "500")
    exported = _state(Invoice=[{"Id": "500", "SyncToken": "2", "DocNumber": "INV-10001"}])
    voided = _plan(store, exported, StatusName="Void")
    assert (voided["action"], voided["qbo_id"]) == ("void", "500")


def test_totals_that_would_differ_block_before_sending(store):
    assert "totals differ" in _plan(store, GrandTotal=999.0)["reason"]


def test_same_doc_number_in_quickbooks_is_linked_and_fingerprint_decides_updates(store):
    qbo = {"Id": "501", "SyncToken": "0", "DocNumber": "INV-10001"}
    assert _plan(store, _state(Invoice=[qbo]))["action"] == "link"
    first = _plan(store, _state(Invoice=[qbo]))
    assert first["reason"] == "linked: QuickBooks keeps its invoice"  # not rewritten
    store.link("invoice", "70001", "501", fingerprint=first["fingerprint"], origin="created")
    state = _state(Invoice=[qbo], TaxCode=[{"Id": "9", "Name": "MA 6.25%"}])
    settled = _plan(store, state)
    store.link("invoice", "70001", "501", fingerprint=settled["fingerprint"])
    assert _plan(store, state)["action"] == "unchanged"
    assert _plan(store, state, Notes="New memo")["action"] == "update"
    # An invoice the company made and the toolkit linked keeps its own, whatever BMS changes.
    store.link("invoice", "70001", "501", origin="linked")
    kept = _plan(store, state, Notes="New memo")
    assert kept["action"] == "unchanged" and "QuickBooks keeps its invoice" in kept["reason"]
