"""The QuickBooks company's settings decide the payload: currencies, numbers, sales tax and
tracking, planned on an in-memory QuickBooks (no network)."""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import pytest

from reconcile.errors import Blocked
from reconcile.mapping import MAPS
from reconcile.mapping.invoices import map_invoice, number_note, totals_check
from reconcile.mapping.transforms import currency_code
from reconcile.qbo.company import DEFAULT, CompanySettings
from reconcile.store import SyncStore
from reconcile.sync.invoice_preview import COMPUTED, invoice_preview
from reconcile.sync.invoices import build_invoice_plan
from reconcile.sync.plan import build_plan
from reconcile.sync.state import tracked_lists
from tests.mapping.test_invoices import DISCOUNTS, HEADER, LINES
from tests.sync.test_invoice_plan import TAX, _frames, _state

AST = replace(DEFAULT, automated_tax=True)
NUMBERS_OFF = replace(DEFAULT, custom_numbers=False)
MULTI = replace(DEFAULT, multicurrency=True)
PREFERENCES = {  # the shape of Intuit's Preferences record (entity reference)
    "AccountingInfoPrefs": {
        "ClassTrackingPerTxn": True,
        "TrackDepartments": True,
        "DepartmentTerminology": "Division",
    },
    "SalesFormsPrefs": {"CustomTxnNumbers": False},
    "TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": True},
    "CurrencyPrefs": {"HomeCurrency": {"value": "CAD"}, "MultiCurrencyEnabled": True},
}


@pytest.fixture()
def store():
    with SyncStore(":memory:") as s:
        s.link("customer", "1003", "58")
        yield s


def _plan(store, company, state=None, options=None, currency=None, **changes):
    headers = _frames(**changes)
    currencies = {str(HEADER["AccountId"]): currency} if currency else None
    plan = build_invoice_plan(
        *headers,
        state or _state(),
        store,
        options or {},
        TAX,
        company=company,
        currencies=currencies,
    )
    return plan


def test_settings_are_read_from_companyinfo_and_preferences():
    s = CompanySettings.from_records({"CompanyName": "Harbor", "Country": "CA"}, PREFERENCES)
    assert (s.name, s.country, s.home_currency, s.multicurrency) == ("Harbor", "CA", "CAD", True)
    assert (s.custom_numbers, s.automated_tax, s.sales_tax) == (False, True, True)
    assert (s.class_tracking, s.locations, s.location_term) == ("transaction", True, "Division")
    assert tracked_lists(s) == ("Class", "Department")
    frame = s.frame()
    assert frame["setting"].tolist()[-1] == "Division tracking"
    assert (
        "QuickBooks numbers invoices"
        in frame.set_index("setting").loc["Custom transaction numbers", "what the export does"]
    )


def test_missing_preferences_keys_count_as_quickbooks_defaults():
    s = CompanySettings.from_records({}, {})
    assert s == DEFAULT
    assert tracked_lists(s) == ()
    per_line = {"AccountingInfoPrefs": {"ClassTrackingPerTxnLine": True}}
    assert CompanySettings.from_records({}, per_line).class_tracking == "line"


def test_custom_numbers_off_sends_no_docnumber_and_keeps_the_bms_number_in_the_note(store):
    p = _plan(store, NUMBERS_OFF).rows.iloc[-1]
    assert p["action"] == "create", p["reason"]
    assert "DocNumber" not in p["body"]
    assert p["body"]["PrivateNote"] == "BMS invoice INV-10001"
    assert any("custom transaction numbers are off" in n for n in p["draft"].notes)


def test_custom_numbers_off_finds_an_exported_invoice_by_its_note_not_its_number(store):
    theirs = {"Id": "900", "SyncToken": "0", "DocNumber": "INV-10001", "TotalAmt": 428.44}
    ours = {
        "Id": "901",
        "SyncToken": "2",
        "DocNumber": "1042",
        "PrivateNote": number_note("INV-10001"),
    }
    state = _state(Invoice=[theirs, ours])
    p = _plan(store, NUMBERS_OFF, state).rows.iloc[-1]
    assert (p["action"], p["qbo_id"]) == ("link", "901")
    on = _plan(store, DEFAULT, state).rows.iloc[-1]  # with custom numbers, the number decides
    assert (on["action"], on["qbo_id"]) == ("link", "900")


def test_a_long_number_is_no_problem_when_quickbooks_numbers_the_invoice():
    header = {**HEADER, "InvoiceNumber": "INV-" + "9" * 30}
    assert map_invoice(header, LINES, DISCOUNTS).blocked
    assert not map_invoice(header, LINES, DISCOUNTS, company=NUMBERS_OFF).blocked


def test_automated_tax_sends_the_bms_tax_amount_and_no_tax_code(store):
    p = _plan(store, AST).rows.iloc[-1]
    assert p["action"] == "create", p["reason"]
    assert p["body"]["TxnTaxDetail"] == {"TotalTax": 24.69}
    assert "TxnTaxDetail.TxnTaxCodeRef" not in p["draft"].refs
    assert p["needs"] == [], "no tax code is made under automated sales tax"
    assert p["totals"]["agree"]


def test_automated_tax_computed_by_quickbooks_checks_the_amounts_before_tax(store):
    options = {"automated_sales_tax": "quickbooks"}
    p = _plan(store, AST, options=options).rows.iloc[-1]
    assert p["action"] == "create", p["reason"]
    assert "TxnTaxDetail" not in p["body"]
    t = p["totals"]
    assert t["tax_by"] == "quickbooks" and t["agree"] and math.isnan(t["qbo_tax"])
    wrong = _plan(store, AST, options=options, GrandTotal=500.0).rows.iloc[-1]
    assert wrong["action"] == "blocked"
    assert "amounts before tax differ" in wrong["reason"], wrong["reason"]


def test_sales_tax_off_blocks_an_invoice_bms_taxed():
    draft = map_invoice(HEADER, LINES, DISCOUNTS, company=replace(DEFAULT, sales_tax=False))
    assert any("sales tax is off in QuickBooks" in p for p in draft.problems)
    untaxed = {**HEADER, "TotalTax": 0, "GrandTotal": 403.75}
    draft = map_invoice(untaxed, LINES, DISCOUNTS, company=replace(DEFAULT, sales_tax=False))
    assert not draft.blocked and totals_check(draft, untaxed)["agree"]


def test_currency_codes_come_from_bms_names_or_the_map():
    assert currency_code("usd", {}) == "USD"
    assert currency_code("Canadian Dollar", {"Canadian Dollar": "cad"}) == "CAD"
    assert currency_code(None, {}) is None
    with pytest.raises(Blocked, match=r"\[sync_map.currencies\]"):
        currency_code("US Dollar", {})


def test_multicurrency_sends_the_currency_and_blocks_a_customer_in_another(store):
    p = _plan(store, MULTI, currency="USD").rows.iloc[-1]
    assert p["action"] == "create", p["reason"]
    assert p["body"]["CurrencyRef"] == {"value": "USD"}
    cad = _state(
        Customer=[
            {"Id": "58", "DisplayName": "O'Brien & Sons Plumbing", "CurrencyRef": {"value": "CAD"}}
        ]
    )
    p = _plan(store, MULTI, cad, currency="USD").rows.iloc[-1]
    assert p["action"] == "blocked"
    assert "is in CAD" in p["reason"] and "customer's currency" in p["reason"]


def test_one_currency_company_blocks_an_invoice_in_another(store):
    p = _plan(store, DEFAULT, currency="EUR").rows.iloc[-1]
    assert p["action"] == "blocked"
    assert "has one currency (USD)" in p["reason"]
    assert "CurrencyRef" not in (_plan(store, DEFAULT, currency="USD").rows.iloc[-1]["body"] or {})


def _customers(company, state_customers=(), currency="USD"):
    rows = pd.DataFrame(
        [
            {
                "Id": 1003,
                "AccountName": "O'Brien & Sons Plumbing",
                "AccountCode": "C0003",
                "AccountType": "Client",
                "IsActive": True,
                "CurrencyName": currency,
                "SalesTaxItemName": "MA Sales Tax",
            }
        ]
    )
    state = _state(Customer=list(state_customers), Vendor=[], Employee=[])
    with SyncStore(":memory:") as s:
        return build_plan(MAPS["customer"], rows, state, s, {}, TAX, company=company).rows.iloc[-1]


def test_customer_currency_is_sent_on_create_and_a_found_one_must_agree():
    p = _customers(MULTI)
    assert p["action"] == "create", p["reason"]
    assert p["body"]["CurrencyRef"] == {"value": "USD"}
    found = {
        "Id": "58",
        "SyncToken": "0",
        "DisplayName": "O'Brien & Sons Plumbing",
        "CurrencyRef": {"value": "CAD"},
    }
    p = _customers(MULTI, [found])
    assert p["action"] == "blocked" and p["qbo_id"] == "58"
    assert "QuickBooks never changes a customer's currency" in p["reason"]
    assert _customers(DEFAULT, currency="EUR")["action"] == "blocked"
    assert "CurrencyRef" not in _customers(DEFAULT)["body"]


def test_automated_tax_sends_no_default_tax_code_on_customers():
    assert _customers(DEFAULT)["needs"], "manual tax: the customer's tax code is made first"
    p = _customers(AST)
    assert p["action"] == "create", p["reason"]
    assert "DefaultTaxCodeRef" not in p["body"] and p["needs"] == []


def test_classes_and_locations_are_sent_where_the_company_tracks_them(store):
    tracking = replace(DEFAULT, class_tracking="transaction", locations=True)
    options = {"classes": {"*": "Managed Services"}, "locations": {"Main Office": "Boston"}}
    lists = {
        "Class": [{"Id": "5", "Name": "Managed Services"}],
        "Department": [{"Id": "2", "Name": "Boston"}],
    }
    p = _plan(store, tracking, _state(**lists), options, AccountLocationName="Main Office")
    p = p.rows.iloc[-1]
    assert p["action"] == "create", p["reason"]
    assert (p["body"]["ClassRef"], p["body"]["DepartmentRef"]) == ({"value": "5"}, {"value": "2"})
    untracked = _plan(store, DEFAULT, _state(**lists), options).rows.iloc[-1]
    assert "ClassRef" not in untracked["body"] and "DepartmentRef" not in untracked["body"]
    missing = _plan(
        store, tracking, _state(Class=[], Department=[]), options, AccountLocationName="Main Office"
    ).rows.iloc[-1]
    assert missing["action"] == "blocked"
    assert "QuickBooks has no active class 'Managed Services'" in missing["reason"]


def test_classes_per_line(store):
    per_line = replace(DEFAULT, class_tracking="line")
    options = {"classes": {"Projects": "Projects"}}
    lists = {"Class": [{"Id": "6", "Name": "Projects"}]}
    headers, lines, discounts = _frames()
    lines["ClassName"] = ["Projects", None]
    plan = build_invoice_plan(
        headers, lines, discounts, _state(**lists), store, options, TAX, company=per_line
    )
    body = plan.rows.iloc[-1]["body"]
    assert body["Line"][0]["SalesItemLineDetail"]["ClassRef"] == {"value": "6"}
    assert "ClassRef" not in body["Line"][1]["SalesItemLineDetail"]


def test_the_preview_shows_what_the_settings_send(store):
    plan = _plan(
        store,
        replace(MULTI, custom_numbers=False, automated_tax=True),
        options={"automated_sales_tax": "quickbooks"},
        currency="USD",
    )
    records = invoice_preview(plan, MAPS).records.set_index("field")
    assert records.loc["Private note", "to_send"] == "BMS invoice INV-10001"
    assert records.loc["Currency", "to_send"] == "USD"
    assert records.loc["Tax", "to_send"] == COMPUTED
    assert pd.isna(records.loc["Invoice no.", "to_send"])
    plain = invoice_preview(_plan(store, DEFAULT), MAPS).records
    assert not {"Private note", "Currency", "Class", "Location"} & set(plain["field"])
