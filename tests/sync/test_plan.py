"""Plan actions on an in-memory picture of QuickBooks (no network: the plan is pure)."""

from __future__ import annotations

import pandas as pd
import pytest

from reconcile.errors import Blocked
from reconcile.mapping import ACCOUNTS, CUSTOMERS, ITEMS
from reconcile.plans import Plan
from reconcile.store import SyncStore
from reconcile.sync.plan import Need, Resolver, build_plan, short_tax_code_name
from reconcile.sync.state import QboState
from tests.mapping.test_maps import ACCOUNT_ROW

TAX_ITEMS = pd.DataFrame({"Name": ["MA Sales Tax", "NH"], "TaxRate": [6.25, 0.0]})


def _state(**records) -> QboState:
    base = {
        "Customer": [],
        "Vendor": [{"Id": "56", "DisplayName": "Ingram Micro"}],
        "Employee": [],
        "Term": [{"Id": "3", "Name": "Net 30", "DueDays": 30, "Active": True}],
        "TaxCode": [{"Id": "TAX", "Name": "TAX"}],
        "Account": [],
        "Item": [],
    }
    return QboState({**base, **records})


@pytest.fixture()
def store():
    with SyncStore(":memory:") as s:
        yield s


def _row(**changes) -> dict:
    return {**ACCOUNT_ROW, **changes}


def _plan(rows, state, store, entity_map=CUSTOMERS, **options):
    return build_plan(entity_map, pd.DataFrame(rows), state, store, options, TAX_ITEMS).rows


def test_new_customer_is_created_with_needs_for_missing_term_and_tax_code(store):
    term, code, p = _plan([_row()], _state(), store).to_dict("records")
    # Every write is in the plan: the term and the tax code are rows of their own, first.
    assert (term["kind"], term["bms_id"], term["action"]) == ("term", "term:Net 45", "create")
    assert term["body"] == {"Name": "Net 45", "DueDays": 45}
    assert term["reason"] == "needed by O'Brien & Sons Plumbing"
    assert (code["kind"], code["name"], code["changes"]) == (
        "taxcode",
        "MA 6.25%",
        ["RateValue", "TaxCode"],
    )
    assert p["action"] == "create"
    assert p["body"]["DisplayName"] == "O'Brien & Sons Plumbing"
    assert {n.label for n in p["needs"]} == {"Net 45", "MA 6.25%"}
    assert Need("term", "Net 45", {"Name": "Net 45", "DueDays": 45}) in p["needs"]
    assert "SalesTermRef" not in p["body"]  # filled once the term exists


def test_existing_term_and_tax_code_are_referenced(store):
    state = _state(
        Term=[{"Id": "9", "Name": "Net 45", "DueDays": 45, "Active": True}],
        TaxCode=[{"Id": "7", "Name": "MA 6.25%", "Active": True}],
    )
    (p,) = _plan([_row()], state, store).to_dict("records")
    assert p["needs"] == []
    assert p["body"]["SalesTermRef"] == {"value": "9"}
    assert p["body"]["DefaultTaxCodeRef"] == {"value": "7"}


def test_same_name_in_quickbooks_is_linked_not_duplicated(store):
    qbo = {"Id": "58", "SyncToken": "2", "DisplayName": "o'brien & sons plumbing", "Notes": "old"}
    (p,) = _plan(
        [_row(NetDays=None, SalesTaxItemId=None, SalesTaxItemName=None)],
        _state(Customer=[qbo]),
        store,
    ).to_dict("records")
    assert p["action"] == "link"
    assert (p["qbo_id"], p["sync_token"]) == ("58", "2")
    # Linked, not overwritten: QuickBooks' own Notes stay, its blank fields are filled.
    assert p["kept"]["Notes"] == "linked: QuickBooks keeps its value"
    assert "Notes" not in p["changes"] and "Notes" not in p["body"]
    assert "PrimaryPhone.FreeFormNumber" in p["changes"]
    assert p["body"]["Id"] == "58" and p["body"]["SyncToken"] == "2"


def test_linked_record_is_updated_or_unchanged(store):
    row = _row(NetDays=None, SalesTaxItemId=None, SalesTaxItemName=None)
    first = _plan([row], _state(), store).iloc[0]
    current = {"Id": "70", "SyncToken": "0", **first["body"]}
    store.link("customer", "1003", "70", origin="created")
    assert _plan([row], _state(Customer=[current]), store).iloc[0]["action"] == "unchanged"
    changed = _plan([{**row, "Phone": "(617) 555-9999"}], _state(Customer=[current]), store)
    assert changed.iloc[0]["action"] == "update"
    assert changed.iloc[0]["changes"] == ["PrimaryPhone.FreeFormNumber"]
    assert changed.iloc[0]["body"] == {
        "Id": "70",
        "SyncToken": "0",
        "PrimaryPhone": {"FreeFormNumber": "(617) 555-9999"},
    }


def test_blocked_records_say_why_and_do_not_stop_the_others(store):
    rows = [
        _row(Id=1, AccountName="Acme: West"),
        _row(Id=2, AccountName="Ingram Micro"),
        _row(Id=3, AccountName="Twin"),
        _row(Id=4, AccountName="TWIN"),
        _row(Id=5, AccountName="Fine Co"),
    ]
    plan = _plan(rows, _state(), store).set_index("bms_id")
    assert "contains a colon" in plan.loc["1", "reason"]
    assert "used by a QuickBooks vendor" in plan.loc["2", "reason"]
    assert plan.loc["3", "action"] == "create"
    assert "BMS account 3 has the same name 'TWIN'" in plan.loc["4", "reason"]
    assert plan.loc["5", "action"] == "create"


def test_only_a_blocking_reason_blocks_a_record_any_other_error_surfaces(store, monkeypatch):
    # Resolution says "blocked" with Blocked; a ValueError there is a bug, not a reason.
    def broken(self, ref):
        raise ValueError("a bug in a resolver")

    monkeypatch.setattr(Resolver, "_taxcode", broken)
    with pytest.raises(ValueError, match="a bug in a resolver"):
        _plan([_row()], _state(), store)

    def refused(self, ref):
        raise Blocked("no tax code for it")

    monkeypatch.setattr(Resolver, "_taxcode", refused)
    (row,) = _plan([_row()], _state(), store).to_dict("records")[-1:]
    assert (row["action"], row["reason"]) == ("blocked", "no tax code for it")


def test_record_linked_to_another_bms_id_is_blocked(store):
    store.link("customer", "999", "58")
    qbo = {"Id": "58", "SyncToken": "0", "DisplayName": "O'Brien & Sons Plumbing"}
    plan = _plan([_row()], _state(Customer=[qbo]), store)
    assert "already matched to BMS record 999" in plan.iloc[0]["reason"]


def test_link_to_a_record_quickbooks_no_longer_has_is_blocked(store):
    store.link("customer", "1003", "404")
    assert "no longer has" in _plan([_row()], _state(), store).iloc[0]["reason"]


def test_short_tax_code_names_fit_quickbooks():
    assert short_tax_code_name("MA Sales Tax", 6.25) == "MA 6.25%"
    assert short_tax_code_name("Burlington Local Option Tax", 1) == "BLOT 1%"
    assert all(len(short_tax_code_name(n, 7.125)) <= 10 for n in ("A" * 30, "RI Sales Tax"))


def test_items_need_their_gl_accounts_in_quickbooks(store):
    service = {
        "Id": 301,
        "Name": "Remote Support",
        "Description": "Hourly",
        "UnitPrice": 150,
        "Category": "Labor",
        "IncomeAccountCode": "4020",
        "IncomeAccountName": "Services",
        "ExpenseAccountCode": None,
        "IsTaxable": False,
        "IsActive": True,
    }
    blocked = _plan([service], _state(), store, ITEMS).iloc[0]
    assert (
        blocked["action"] == "blocked" and "send the chart of accounts first" in blocked["reason"]
    )
    state = _state(Account=[{"Id": "12", "AcctNum": "4020", "Name": "Services", "Active": True}])
    ok = _plan([service], state, store, ITEMS).iloc[0]
    assert ok["action"] == "create" and ok["body"]["IncomeAccountRef"] == {"value": "12"}
    assert ok["body"]["Sku"] == "BMS-301"


def test_sub_account_needs_its_parent_linked(store):
    child = {
        "Id": 126,
        "Code": "6030",
        "Name": "Software",
        "Description": None,
        "TypeName": "Expense",
        "ParentId": 123,
        "ParentName": "Expenses",
        "IsActive": True,
    }
    assert "not in QuickBooks yet" in _plan([child], _state(), store, ACCOUNTS).iloc[0]["reason"]
    store.link("account", "123", "40")
    ok = _plan([child], _state(), store, ACCOUNTS).iloc[0]
    assert ok["body"]["ParentRef"] == {"value": "40"}


def test_preview_puts_bms_send_and_quickbooks_side_by_side(store):
    from reconcile.sync.preview import PREVIEW_COLUMNS, preview_frame, style_preview

    qbo = {
        "Id": "58",
        "SyncToken": "1",
        "DisplayName": "O'Brien & Sons Plumbing",
        "PrimaryPhone": {"FreeFormNumber": "(617) 555-0000"},
    }
    plan = _plan([_row()], _state(Customer=[qbo]), store)
    preview = preview_frame(Plan("customer", "Customer", plan), CUSTOMERS)
    assert list(preview.columns) == PREVIEW_COLUMNS
    phone = preview.set_index("property").loc["PrimaryPhone.FreeFormNumber"]
    assert (phone["bms_value"], phone["to_send"], phone["in_quickbooks"]) == (
        "(617) 555-0164",
        "(617) 555-0164",
        "(617) 555-0000",
    )
    # A record the company made keeps its phone (the update policy).
    assert not phone["changed"] and phone["note"] == "linked: QuickBooks keeps its value"
    email = preview.set_index("property").loc["PrimaryEmailAddr.Address"]
    assert email["changed"] and pd.isna(email["in_quickbooks"])  # a blank field is filled
    name = preview.set_index("property").loc["DisplayName"]
    assert not name["changed"]
    credit = preview[preview["field"] == "Credit Limit"].iloc[0]
    assert credit["to_send"] is None and "not writable" in credit["note"]
    term = preview.set_index("property").loc["SalesTermRef"]
    assert (term["to_send"], term["note"]) == ("Net 45", "created first")
    html = style_preview(preview).to_html()
    assert "#fff176" in html  # changed cells are highlighted


def test_inactive_quickbooks_record_is_compared_without_the_deleted_suffix(store):
    row = _row(NetDays=None, SalesTaxItemId=None, SalesTaxItemName=None, IsActive=False)
    body = _plan([row], _state(), store).iloc[0]["body"]
    current = {
        **body,
        "Id": "80",
        "SyncToken": "1",
        "DisplayName": f"{body['DisplayName']} (deleted)",
    }
    store.link("customer", "1003", "80")
    assert _plan([row], _state(Customer=[current]), store).iloc[0]["action"] == "unchanged"


def test_an_address_is_sent_whole_when_one_part_changes(store):
    row = _row(NetDays=None, SalesTaxItemId=None, SalesTaxItemName=None)
    body = _plan([row], _state(), store).iloc[0]["body"]
    store.link("customer", "1003", "81", origin="created")
    current = {**body, "Id": "81", "SyncToken": "0"}
    plan = _plan([{**row, "Billing.City": "Boston"}], _state(Customer=[current]), store).iloc[0]
    assert plan["changes"] == ["BillAddr.City"]
    assert plan["body"]["BillAddr"] == {**body["BillAddr"], "City": "Boston"}


def test_a_name_lookup_finds_quickbooks_deleted_renaming_of_inactive_records_only():
    state = QboState(
        {
            "Customer": [
                {"Id": "1", "DisplayName": "Acme (deleted)", "Active": False},
                {
                    "Id": "2",
                    "DisplayName": "Beta (deleted)",
                    "Active": True,
                },  # a name, not a rename
            ]
        }
    )
    assert [r["Id"] for r in state.by_name("Customer", "DisplayName", "acme")] == ["1"]
    assert state.by_name("Customer", "DisplayName", "Beta") == []
    assert state.by_field("Customer", "DisplayName", "Acme") == []
