"""A number is not an identity: a QuickBooks account found by number (or name) is linked only
when name, number and classification agree, or when a person said so in
[sync_map.account_links]."""

from __future__ import annotations

import pandas as pd
import pytest

from reconcile.mapping import ACCOUNTS, ITEMS
from reconcile.store import SyncStore
from reconcile.sync.plan import build_plan
from tests.sync.test_plan import TAX_ITEMS, _state

SERVICES = {
    "Id": "12",
    "SyncToken": "0",
    "Name": "Services",
    "AcctNum": "4000",
    "AccountType": "Income",
    "AccountSubType": "ServiceFeeIncome",
    "Classification": "Revenue",
    "Active": True,
}
GL = {
    "Id": 110,
    "Code": "4000",
    "Name": "Income",
    "Description": None,
    "TypeName": "Income",
    "ParentId": None,
    "ParentName": None,
    "IsActive": True,
}
ITEM = {
    "Id": 310,
    "Name": "Firewall",
    "Description": None,
    "UnitPrice": 10.0,
    "Category": "Hardware",
    "IncomeAccountCode": "4000",
    "IncomeAccountName": "Income",
    "ExpenseAccountCode": None,
    "IsTaxable": False,
    "IsActive": True,
}


@pytest.fixture()
def store():
    with SyncStore(":memory:") as s:
        yield s


def _plan(entity_map, row, accounts, store, **options) -> dict:
    state = _state(Account=accounts)
    frame = build_plan(entity_map, pd.DataFrame([row]), state, store, options, TAX_ITEMS)
    return frame.rows.to_dict("records")[0]


def test_an_account_of_the_same_number_and_another_name_is_a_conflict(store):
    p = _plan(ACCOUNTS, GL, [SERVICES], store)
    assert p["action"] == "blocked"
    assert "BMS account 4000 'Income' (Income)" in p["reason"]
    assert "QuickBooks account 4000 'Services' (Income, ServiceFeeIncome; Id 12)" in p["reason"]
    assert "share a number but not a name" in p["reason"]
    assert '[sync_map.account_links] "4000" = "Services"' in p["reason"]
    assert p["qbo_record"]["Name"] == "Services"  # the preview shows both sides


def test_an_account_of_the_same_name_and_another_number_is_a_conflict(store):
    p = _plan(ACCOUNTS, {**GL, "Code": "4090", "Name": "Services"}, [SERVICES], store)
    assert p["action"] == "blocked" and "share a name but not a number" in p["reason"]


def test_same_number_and_name_but_another_classification_is_a_conflict(store):
    row = {**GL, "Name": "Services", "TypeName": "Expense"}
    p = _plan(ACCOUNTS, row, [SERVICES], store)
    assert p["action"] == "blocked" and "but not a classification" in p["reason"]


def test_agreeing_accounts_link(store):
    p = _plan(ACCOUNTS, {**GL, "Name": "services"}, [SERVICES], store)
    assert (p["action"], p["qbo_id"]) == ("link", "12")


@pytest.mark.parametrize("wanted", ["Services", "12", "services"])
def test_a_person_links_them_in_account_links(store, wanted):
    p = _plan(ACCOUNTS, GL, [SERVICES], store, account_links={"4000": wanted})
    assert (p["action"], p["qbo_id"]) == ("link", "12")
    assert "Name" in p["kept"]  # linked: QuickBooks keeps its name


def test_an_account_link_to_an_account_quickbooks_lacks_is_blocked(store):
    p = _plan(ACCOUNTS, GL, [SERVICES], store, account_links={"4000": "Sales"})
    assert p["action"] == "blocked" and "which QuickBooks does not have" in p["reason"]


def test_an_items_income_account_is_checked_by_name_as_well_as_number(store):
    p = _plan(ITEMS, ITEM, [SERVICES], store)
    assert p["action"] == "blocked"
    assert "QuickBooks account 4000 is 'Services'" in p["reason"]
    assert "a number is not an identity" in p["reason"]
    linked = _plan(ITEMS, ITEM, [SERVICES], store, account_links={"4000": "Services"})
    assert linked["body"]["IncomeAccountRef"] == {"value": "12"}
    # The reference is a change of the create, shown with the QuickBooks record it points to.
    assert "IncomeAccountRef" in linked["changes"]
    assert linked["targets"]["IncomeAccountRef"] == "Services (QuickBooks 12)"
    store.link("account", "110", "12", origin="linked")  # the account sync linked them
    assert _plan(ITEMS, ITEM, [SERVICES], store)["body"]["IncomeAccountRef"] == {"value": "12"}
