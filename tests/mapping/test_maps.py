"""The Sync Map rules, one by one, on rows shaped like the BMS loaders' frames."""

from __future__ import annotations

import pandas as pd
import pytest

from reconcile.mapping import ACCOUNTS, CUSTOMERS, ITEMS, Ref, SyncOptions
from reconcile.mapping.validation import validate

ACCOUNT_ROW = {
    "Id": 1003,
    "AccountCode": "C0003",
    "AccountName": "  O'Brien   & Sons Plumbing ",
    "NetDays": 45,
    "CreditLimit": 2500.0,
    "SalesTaxItemId": 21,
    "SalesTaxItemName": "MA Sales Tax",
    "Description": "Plumbing contractor",
    "Website": "https://obrien.example",
    "Phone": "(617) 555-0164",
    "Fax": pd.NA,
    "Email": "info@obrien.example",
    "IsActive": True,
    **{
        f"Billing.{k}": v
        for k, v in {
            "Address1": "1601 Union St",
            "Address2": None,
            "City": "Dorchester",
            "State": "MA",
            "ZipCode": "02125",
            "Country": "United States",
        }.items()
    },
    **{
        f"Shipping.{k}": v
        for k, v in {
            "Address1": "9 Dock Rd",
            "Address2": "Bay 2",
            "City": "Boston",
            "State": "MA",
            "ZipCode": "02110",
            "Country": "United States",
        }.items()
    },
}


def test_customer_fields_follow_the_seed_sync_map():
    m = CUSTOMERS.map(ACCOUNT_ROW)
    v = m.values
    assert v["DisplayName"] == v["CompanyName"] == "O'Brien & Sons Plumbing"  # spaces tidied
    assert v["Taxable"] is True
    assert v["Notes"] == "Plumbing contractor"
    assert v["WebAddr.URI"] == "https://obrien.example"
    assert v["BillAddr.Line1"] == "1601 Union St" and "BillAddr.Line2" not in v
    assert v["BillAddr.CountrySubDivisionCode"] == "MA"
    assert v["ShipAddr.City"] == "Boston" and v["ShipAddr.Line2"] == "Bay 2"
    assert v["PrimaryPhone.FreeFormNumber"] == "(617) 555-0164"
    assert "Fax.FreeFormNumber" not in v  # blank: nothing sent
    assert v["PrimaryEmailAddr.Address"] == "info@obrien.example"
    assert m.refs["SalesTermRef"] == Ref("term", "45", "Net 45", {"Name": "Net 45", "DueDays": 45})
    assert m.refs["DefaultTaxCodeRef"].label == "MA Sales Tax"
    assert m.body()["BillAddr"]["City"] == "Dorchester"


def test_credit_limit_and_account_code_are_shown_as_not_sendable():
    m = CUSTOMERS.map(ACCOUNT_ROW)
    assert m.skipped["Credit Limit"] == "not sent: not writable in QuickBooks Online"
    assert m.skipped["Account Number"] == "not sent: not writable in QuickBooks Online"
    with_option = CUSTOMERS.map(ACCOUNT_ROW, {"carry_into_notes": True})
    assert with_option.skipped["Credit Limit"] == "not a QuickBooks field: carried into Notes"
    carried = with_option.values["Notes"]
    assert carried.splitlines() == [
        "Plumbing contractor",
        "Credit limit (BMS): 2500.00",
        "BMS account code: C0003",
    ]


def test_net_days_zero_is_due_on_receipt_and_no_tax_item_is_not_taxable():
    m = CUSTOMERS.map(
        {**ACCOUNT_ROW, "NetDays": 0, "SalesTaxItemId": None, "SalesTaxItemName": None}
    )
    assert m.refs["SalesTermRef"].label == "Due on receipt"
    assert m.values["Taxable"] is False
    assert "DefaultTaxCodeRef" not in m.refs


def test_long_name_keeps_display_name_and_skips_company_name_with_a_reason():
    m = CUSTOMERS.map({**ACCOUNT_ROW, "AccountName": "N" * 120})
    assert m.values["DisplayName"] == "N" * 120
    assert "CompanyName" not in m.values
    assert "120 characters" in m.skipped["CompanyName"]
    assert validate(CUSTOMERS, m) == []


def test_validation_blocks_with_reasons_a_person_reads():
    m = CUSTOMERS.map({**ACCOUNT_ROW, "AccountName": "Acme: West", "Email": "billing-at-acme"})
    problems = {p.field: p.message for p in validate(CUSTOMERS, m)}
    assert "contains a colon" in problems["Display Name"]
    assert "(it uses ':' for sub-records)" in problems["Display Name"]
    assert "is not an e-mail address" in problems["Main Email"]
    line_break = CUSTOMERS.map({**ACCOUNT_ROW, "AccountName": "Acme\nWest"})
    (problem,) = validate(CUSTOMERS, line_break)
    assert "contains a line break" in problem.message and "':'" not in problem.message
    empty = CUSTOMERS.map({**ACCOUNT_ROW, "AccountName": "   "})
    assert any(p.rule == "required" for p in validate(CUSTOMERS, empty))
    too_long = CUSTOMERS.map({**ACCOUNT_ROW, "Phone": "5" * 31})
    (problem,) = validate(CUSTOMERS, too_long)
    assert problem.message == "Primary Phone is 31 characters long; QuickBooks allows at most 30"


def test_overrides_change_the_source_or_stop_a_field():
    custom = CUSTOMERS.with_overrides({"Notes": "AccountCode", "CompanyName": ""})
    m = custom.map(ACCOUNT_ROW)
    assert m.values["Notes"] == "C0003"
    assert "CompanyName" not in m.values
    table = custom.frame()
    assert not table.loc[table["QuickBooks field"] == "Company Name", "sent"].iloc[0]
    with pytest.raises(ValueError, match="Nickname"):
        CUSTOMERS.with_overrides({"Nickname": "AccountName"})


def test_sync_map_table_lists_every_rule_in_seed_order():
    table = CUSTOMERS.frame()
    assert list(table.columns) == [
        "BMS field",
        "QuickBooks field",
        "BMS column",
        "QuickBooks property",
        "sent",
        "transform",
        "note",
    ]
    assert table["BMS field"].iloc[0] == "Account Name"
    assert table.loc[~table["sent"], "BMS field"].tolist() == ["Credit Limit", "Account Code"]


def test_gl_account_type_map_parent_and_overrides_by_code():
    row = {
        "Id": 126,
        "Code": "6030",
        "Name": "Software Subscriptions",
        "Description": "Tools",
        "TypeName": "Expense",
        "ParentId": 123,
        "ParentName": "Expenses",
        "IsActive": True,
    }
    m = ACCOUNTS.map(row)
    assert (m.values["AccountType"], m.values["AccountSubType"]) == (
        "Expense",
        "OtherMiscellaneousServiceCost",
    )
    assert m.refs["ParentRef"] == Ref("account", "id:123", "Expenses")
    bank = ACCOUNTS.map(
        {**row, "Code": "1000", "TypeName": "Asset", "ParentId": None},
        {"account_types_by_code": {"1000": "Bank:Checking"}},
    )
    assert (bank.values["AccountType"], bank.values["AccountSubType"]) == ("Bank", "Checking")
    unknown = ACCOUNTS.map({**row, "TypeName": "Mystery"})
    assert "[sync_map.account_types]" in unknown.skipped["AccountType"]


def test_item_type_accounts_sku_and_default_income_account():
    row = {
        "Id": 310,
        "Name": "Firewall",
        "Description": "UTM appliance",
        "UnitPrice": 899.999,
        "Category": "Hardware",
        "IncomeAccountCode": "4030",
        "IncomeAccountName": "Hardware Sales",
        "ExpenseAccountCode": None,
        "IsTaxable": True,
        "IsActive": True,
    }
    m = ITEMS.map(row)
    assert m.values["Type"] == "NonInventory"
    assert m.values["UnitPrice"] == 900.0
    assert m.values["Sku"] == "BMS-310"
    assert m.refs["IncomeAccountRef"] == Ref(
        "account", "code:4030", "4030 Hardware Sales", {"Name": "Hardware Sales"}
    )
    assert "ExpenseAccountRef" not in m.refs
    labour = ITEMS.map(
        {**row, "Category": "Labor", "IncomeAccountCode": None}, {"default_income_account": "4020"}
    )
    assert labour.values["Type"] == "Service"
    assert labour.refs["IncomeAccountRef"].key == "code:4020"


def test_config_file_overrides_and_options(tmp_path, monkeypatch):
    from reconcile.config import load_config
    from reconcile.errors import ConfigError
    from reconcile.mapping import configured

    path = tmp_path / "config.toml"
    base = (
        'profile = "sandbox"\n[qbo]\nbase_url = "http://127.0.0.1:1"\n'
        'auth_url = "http://127.0.0.1:1/a"\ntoken_url = "http://127.0.0.1:1/t"\n'
        'revoke_url = "http://127.0.0.1:1/r"\nclient_id = "x"\n'
    )
    path.write_text(
        base + '[sync_map]\ncarry_into_notes = true\n[sync_map.customer]\nCompanyName = ""\n'
        '[sync_map.account_types_by_code]\n"1000" = "Bank:Checking"\n'
    )
    maps, options = configured(load_config(path))
    assert options == SyncOptions(
        carry_into_notes=True, account_types_by_code={"1000": "Bank:Checking"}
    )
    assert options.non_inventory_categories == ("Hardware", "Software")  # the defaults, typed
    assert "CompanyName" not in maps["customer"].map(ACCOUNT_ROW, options).values
    path.write_text(base + "[sync_map]\ncary_into_notes = true\n")
    with pytest.raises(ConfigError, match="unknown key 'cary_into_notes'"):
        configured(load_config(path))
    path.write_text(base + '[sync_map.customer]\nNickname = "AccountName"\n')
    with pytest.raises(ConfigError, match="Nickname"):
        configured(load_config(path))


def test_account_types_by_code_then_by_name_then_by_bms_type():
    from reconcile.mapping.transforms import account_type_table

    row = {
        "Id": 101,
        "Code": "1000",
        "Name": "Checking",
        "Description": None,
        "TypeName": "Asset",
        "ParentId": None,
        "ParentName": None,
        "IsActive": True,
    }

    def pair(row, **options):
        m = ACCOUNTS.map(row, options)
        return m.values["AccountType"], m.values["AccountSubType"]

    # QuickBooks' own name for a bank account: Bank, not BMS's Asset default.
    assert pair(row) == ("Bank", "Checking")
    assert pair({**row, "Name": "  accounts RECEIVABLE "}) == (
        "Accounts Receivable",
        "AccountsReceivable",
    )
    assert pair({**row, "Name": "Prepaid Expenses"}) == (
        "Other Current Asset",
        "OtherCurrentAssets",
    )
    assert pair({**row, "Name": "Reserve"}, account_types_by_name={"Reserve": "Bank:Savings"}) == (
        "Bank",
        "Savings",
    )
    assert pair(row, account_types_by_code={"1000": "Bank:MoneyMarket"}) == ("Bank", "MoneyMarket")

    options = {
        "account_types_by_code": {"1000": "Bank:MoneyMarket"},
        "account_types": {"Asset": "Other Asset:OtherLongTermAssets"},
    }
    table = account_type_table(options)
    rows = {(r["applies to"], r["BMS"]): r for r in table.to_dict("records")}
    assert rows[("BMS type", "Income")]["AccountType"] == "Income"
    assert rows[("BMS type", "Asset")]["source"] == "[sync_map.account_types]"
    assert rows[("account name", "checking")]["source"] == "QuickBooks' own"
    assert rows[("GL code", "1000")]["AccountSubType"] == "MoneyMarket"
    assert len(table) == 6 + 6 + 1  # six BMS types, six names, one code


def test_sync_options_are_typed_frozen_and_checked_once():
    from dataclasses import FrozenInstanceError, fields

    from reconcile.errors import ConfigError
    from reconcile.mapping.options import KINDS

    assert set(KINDS) == {f.name for f in fields(SyncOptions)}  # one list of options
    options = SyncOptions.of(
        {"default_items": {"Labor": "Hours"}, "customer_account_types": ["Client", "Prospect"]}
    )
    assert options.customer_account_types == ("Client", "Prospect")
    assert SyncOptions.of(options) is options and SyncOptions.of(None) == SyncOptions()
    with pytest.raises(FrozenInstanceError):
        options.carry_into_notes = True  # type: ignore[misc]
    with pytest.raises(TypeError):
        options.default_items["Labor"] = "Other"  # type: ignore[index]
    with pytest.raises(ConfigError, match="no option 'cary_into_notes'"):
        SyncOptions.of({"cary_into_notes": True})
    with pytest.raises(ConfigError, match="default_items must be a dict"):
        SyncOptions.of({"default_items": "Hours"})
    with pytest.raises(ConfigError, match="automated_sales_tax must be one of bms, quickbooks"):
        SyncOptions.of({"automated_sales_tax": "avalara"})
