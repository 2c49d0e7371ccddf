"""The update policy: a record the company made in QuickBooks is linked, not overwritten."""

from __future__ import annotations

import pandas as pd
import pytest

from reconcile.config import load_config
from reconcile.errors import ConfigError
from reconcile.mapping import ACCOUNTS, CUSTOMERS, configured
from reconcile.mapping.maps import KEPT_TYPE
from reconcile.store import SyncStore
from reconcile.sync.plan import build_plan
from reconcile.sync.policy import (
    KEPT_LINKED,
    KEPT_SYSTEM,
    is_system_account,
    split_changes,
)
from tests.sync.test_plan import TAX_ITEMS, _row, _state

CHECKING = {
    "Id": "35",
    "SyncToken": "4",
    "Name": "Checking",
    "AcctNum": "1000",
    "AccountType": "Bank",
    "AccountSubType": "Checking",
    "Active": True,
}
UNDEPOSITED = {
    "Id": "4",
    "SyncToken": "0",
    "Name": "Undeposited Funds",
    "AcctNum": "1200",
    "AccountType": "Other Current Asset",
    "AccountSubType": "UndepositedFunds",
    "Active": True,
}
GL = {
    "Id": 101,
    "Code": "1000",
    "Name": "Checking",
    "Description": "Operating account",
    "TypeName": "Asset",
    "ParentId": None,
    "ParentName": None,
    "IsActive": True,
}


@pytest.fixture()
def store():
    with SyncStore(":memory:") as s:
        yield s


def _plan(entity_map, rows, state, store, **options) -> dict:
    plan = build_plan(entity_map, pd.DataFrame(rows), state, store, options, TAX_ITEMS)
    return plan.rows.to_dict("records")[0]


# -- the rule itself -----------------------------------------------------------------------------


def test_created_records_follow_bms_and_linked_ones_only_fill_blanks():
    current = {"Notes": "typed by hand", "PrimaryPhone": {"FreeFormNumber": ""}}
    changes = ["Notes", "PrimaryPhone.FreeFormNumber", "WebAddr.URI"]
    assert split_changes("customer", changes, current, "created") == (changes, {})
    for origin in ("linked", None):  # None: a link made before origins were recorded
        send, kept = split_changes("customer", changes, current, origin)
        assert send == ["PrimaryPhone.FreeFormNumber", "WebAddr.URI"]
        assert kept == {"Notes": KEPT_LINKED}


def test_a_default_tax_code_is_kept_with_the_taxable_flag_it_goes_with():
    current = {"Taxable": False}
    send, kept = split_changes("customer", ["Taxable", "DefaultTaxCodeRef"], current, "linked")
    assert send == [] and kept["DefaultTaxCodeRef"] == f"kept with Taxable ({KEPT_LINKED})"
    send, _ = split_changes("customer", ["DefaultTaxCodeRef"], {"Taxable": True}, "linked")
    assert send == ["DefaultTaxCodeRef"]


def test_the_overwrite_option_names_a_property_or_the_object_holding_it():
    current = {"Notes": "old", "BillAddr": {"Line1": "1 Old Rd", "City": "Salem"}}
    changes = ["Notes", "BillAddr.Line1", "BillAddr.City"]
    send, kept = split_changes("customer", changes, current, "linked", ["BillAddr"])
    assert (send, kept) == (["BillAddr.Line1", "BillAddr.City"], {"Notes": KEPT_LINKED})
    send, _ = split_changes("customer", changes, current, "linked", ["Bill"])  # not a prefix
    assert send == []


def test_an_accounts_type_is_never_changed_and_a_system_account_not_at_all():
    changes = ["AccountType", "AccountSubType", "Description"]
    created = {**CHECKING, "Description": "x"}
    assert split_changes("account", changes, created, "created") == (
        ["Description"],
        {"AccountType": KEPT_TYPE, "AccountSubType": KEPT_TYPE},
    )
    assert is_system_account(UNDEPOSITED) and not is_system_account(CHECKING)
    assert is_system_account({"AccountType": "Accounts Receivable"})
    send, kept = split_changes("account", changes, UNDEPOSITED, "created")
    assert send == [] and set(kept.values()) == {KEPT_SYSTEM}


# -- in the plan ---------------------------------------------------------------------------------


def test_an_account_linked_by_number_keeps_its_type_and_gets_its_blank_description(store):
    # The company filed its checking account as an Other Current Asset; BMS's map says Bank.
    typed = {
        **CHECKING,
        "AccountType": "Other Current Asset",
        "AccountSubType": "OtherCurrentAssets",
    }
    p = _plan(ACCOUNTS, [GL], _state(Account=[typed]), store)
    assert (p["action"], p["qbo_id"]) == ("link", "35")
    assert p["kept"] == {"AccountType": KEPT_TYPE, "AccountSubType": KEPT_TYPE}
    assert p["changes"] == ["Description"]
    assert p["body"] == {"Id": "35", "SyncToken": "4", "Description": "Operating account"}


def test_a_system_account_is_linked_and_nothing_is_sent(store):
    row = {**GL, "Id": 104, "Code": "1200", "Name": "Undeposited Funds"}
    p = _plan(ACCOUNTS, [row], _state(Account=[UNDEPOSITED]), store)
    assert (p["action"], p["changes"]) == ("link", [])
    assert set(p["kept"]) == {"Description"}  # BMS's type agrees (the map by name)
    assert set(p["kept"].values()) == {KEPT_SYSTEM}
    assert p["body"] == {"Id": "4", "SyncToken": "0"}


def test_a_linked_customers_address_keeps_its_parts_and_gains_the_blank_ones(store):
    row = _row(NetDays=None, SalesTaxItemId=None, SalesTaxItemName=None)
    qbo = {
        "Id": "58",
        "SyncToken": "2",
        "DisplayName": "O'Brien & Sons Plumbing",
        "ShipAddr": {"Id": "9", "Line1": "9 Dock Road", "City": "Boston"},
    }
    p = _plan(CUSTOMERS, [row], _state(Customer=[qbo]), store)
    assert p["kept"]["ShipAddr.Line1"] == KEPT_LINKED  # "9 Dock Rd" in BMS
    assert "ShipAddr.Line2" in p["changes"]
    assert p["body"]["ShipAddr"]["Line1"] == "9 Dock Road"  # QuickBooks' own, sent back whole
    assert p["body"]["ShipAddr"]["Line2"] == "Bay 2" and p["body"]["ShipAddr"]["Id"] == "9"
    # Opted in: BMS's value overwrites.
    p = _plan(CUSTOMERS, [row], _state(Customer=[qbo]), store, overwrite={"customer": ["ShipAddr"]})
    assert p["body"]["ShipAddr"]["Line1"] == "9 Dock Rd" and "ShipAddr.Line1" not in p["kept"]


def test_a_kept_reference_makes_nothing(store):
    """A linked customer with its own term: the BMS term is not created to be set."""
    row = _row(SalesTaxItemId=None, SalesTaxItemName=None)  # Net 45, not in QuickBooks
    qbo = {
        "Id": "58",
        "SyncToken": "2",
        "DisplayName": "O'Brien & Sons Plumbing",
        "SalesTermRef": {"value": "3"},
    }
    p = _plan(CUSTOMERS, [row], _state(Customer=[qbo]), store)
    assert p["kept"]["SalesTermRef"] == KEPT_LINKED and p["needs"] == []
    assert "SalesTermRef" not in p["targets"]  # nor said to be created


def test_a_record_linked_by_an_earlier_send_keeps_the_policy_of_its_origin(store):
    row = _row(NetDays=None, SalesTaxItemId=None, SalesTaxItemName=None, Description="New")
    qbo = {"Id": "70", "SyncToken": "0", "DisplayName": "O'Brien & Sons Plumbing", "Notes": "Old"}
    store.link("customer", "1003", "70", origin="linked")
    assert _plan(CUSTOMERS, [row], _state(Customer=[qbo]), store)["action"] == "update"
    assert "Notes" in _plan(CUSTOMERS, [row], _state(Customer=[qbo]), store)["kept"]
    store.link("customer", "1003", "70", origin="created")
    p = _plan(CUSTOMERS, [row], _state(Customer=[qbo]), store)
    assert "Notes" in p["changes"] and p["body"]["Notes"] == "New"


# -- the config file -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "error"),
    [
        ('vendor = ["Notes"]', "unknown kind 'vendor'"),
        ('customer = "Notes"', "must be a list"),
        ('customer = ["Nickname"]', "'Nickname', which its Sync Map does not send"),
        ('account = ["AccountType"]', "type is never changed"),
    ],
)
def test_the_overwrite_table_is_checked(tmp_path, table, error):
    path = tmp_path / "config.toml"
    path.write_text(
        'profile = "sandbox"\n[qbo]\nbase_url = "http://127.0.0.1:1"\n'
        'auth_url = "http://127.0.0.1:1/a"\ntoken_url = "http://127.0.0.1:1/t"\n'
        f'revoke_url = "http://127.0.0.1:1/r"\nclient_id = "x"\n[sync_map.overwrite]\n{table}\n'
    )
    with pytest.raises(ConfigError, match=error):
        configured(load_config(path))
    path.write_text(path.read_text().replace(table, 'customer = ["Notes", "BillAddr"]'))
    assert configured(load_config(path))[1].overwrite == {"customer": ("Notes", "BillAddr")}
