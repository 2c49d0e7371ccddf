"""Tests of the local QBO emulator's validation rules (reference qbo-api.md §2, §4, §5)."""

from __future__ import annotations

import copy

import pytest

from reconcile.qbo.faults import Fault
from reconcile.qbo.rules import (
    DEFAULT_SUBTYPE,
    ENDPOINTS,
    ENTITIES,
    classification,
    references,
    validate,
    validate_tax_service,
    violations,
)

REF = {"value": "1"}


def test_violations_are_data_and_the_sandboxs_fault_renders_them():
    name = "Acme: West " + "x" * 500
    body = {"DisplayName": name, "PrimaryEmailAddr": {"Address": "nope"}}
    found = violations("Customer", body, creating=True, sparse=False)
    assert [(v.code, v.rule, v.element) for v in found] == [
        ("2050", "length", "DisplayName"),
        ("2040", "characters", "DisplayName"),
        ("2210", "e-mail", "PrimaryEmailAddr.Address"),
    ]
    assert (found[0].limit, found[0].value) == (500, name)  # no limit read back from text
    assert (found[1].limit, found[2].value) == (":", "nope")
    with pytest.raises(Fault) as caught:
        validate("Customer", body, creating=True, sparse=False)
    errors = caught.value.errors()
    assert [e["code"] for e in errors] == ["2050", "2040", "2210"]
    assert [e["Detail"] for e in errors] == [v.detail for v in found]
    assert "Max:500 supported. Supplied length:511" in errors[0]["Detail"]  # QuickBooks' words
    assert violations("Customer", {"DisplayName": "Acme"}, creating=True, sparse=False) == []


def problems(entity: str, body: dict, *, creating: bool = True, sparse: bool = False) -> list:
    """[(code, element), ...] of the fault raised, [] when the body is valid."""
    try:
        validate(entity, body, creating=creating, sparse=sparse)
    except Fault as fault:
        return [(e["code"], e["element"]) for e in fault.errors()]
    return []


def fault_of(entity: str, body: dict, **kw) -> Fault:
    kw.setdefault("creating", True)
    kw.setdefault("sparse", False)
    with pytest.raises(Fault) as info:
        validate(entity, body, **kw)
    return info.value


def sales_line(amount=75.0, qty=2, price=37.5, tax="NON", **extra) -> dict:
    detail = {"ItemRef": {"value": "4", "name": "Design"}, "Qty": qty, "UnitPrice": price}
    detail["TaxCodeRef"] = {"value": tax}
    return {"Amount": amount, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail}


VALID_CREATES = {
    "Customer": {
        "DisplayName": "King's Groceries",
        "GivenName": "James",
        "PrimaryEmailAddr": {"Address": "jdrew@myemail.com"},
        "PrimaryPhone": {"FreeFormNumber": "(555) 555-5555"},
        "BillAddr": {"Line1": "123 Main Street", "City": "Mountain View", "PostalCode": "94042"},
        "WebAddr": {"URI": "https://example.com"},
        "Taxable": True,
        "DefaultTaxCodeRef": {"value": "2"},
        "SalesTermRef": {"value": "3"},
        "PreferredDeliveryMethod": "Email",
        "Balance": 0,
        "OpenBalanceDate": "2024-01-31",
    },
    "Account": {"Name": "MyJobs_test", "AccountType": "Accounts Receivable", "AcctNum": "1200"},
    "Item": {"Name": "Design", "Type": "Service", "IncomeAccountRef": REF, "UnitPrice": 75},
    "Invoice": {
        "CustomerRef": {"value": "1"},
        "Line": [sales_line(), {"Amount": 75.0, "DetailType": "SubTotalLineDetail"}],
        "DocNumber": "1037",
        "TxnDate": "2024-05-01",
        "SalesTermRef": {"value": "3"},
        "GlobalTaxCalculation": "NotApplicable",
        "CustomerMemo": {"value": "Thank you"},
        "BillEmail": {"Address": "a@b.com"},
        "EmailStatus": "NeedToSend",
    },
    "Payment": {
        "CustomerRef": REF,
        "TotalAmt": 65,
        "Line": [{"Amount": 55.0, "LinkedTxn": [{"TxnId": "70", "TxnType": "Invoice"}]}],
        "PaymentMethodRef": {"value": "2"},
        "DepositToAccountRef": {"value": "4"},
    },
    "Term": {"Name": "Net 30", "DueDays": 30, "DiscountDays": 10, "DiscountPercent": 2},
    "PaymentMethod": {"Name": "Check", "Type": "NON_CREDIT_CARD"},
    "Vendor": {
        "DisplayName": "Ingram Micro",
        "CompanyName": "Ingram Micro Inc.",
        "AcctNum": "000005641",
        "Vendor1099": False,
        "TermRef": {"value": "3"},
        "BillAddr": {"Line1": "3351 Michelson Dr", "City": "Irvine"},
        "AlternatePhone": {"FreeFormNumber": "(555) 555-0100"},
    },
    "Employee": {
        "GivenName": "Dana",
        "FamilyName": "Whitfield",
        "SSN": "123-45-6789",
        "EmployeeNumber": "102",
        "HiredDate": "2019-03-04",
        "PrimaryAddr": {"Line1": "1 Main St", "City": "Boston"},
        "BillableTime": True,
        "Gender": "Female",
    },
}


# --- catalogue --------------------------------------------------------------------------------
def test_endpoints_and_entity_flags():
    assert set(ENDPOINTS) == {
        *("customer", "account", "item", "invoice", "payment", "vendor", "employee"),
        *("term", "paymentmethod", "taxcode", "taxrate", "taxagency", "companyinfo"),
        *("preferences", "class", "department", "creditmemo"),
    }
    assert all(ENTITIES[name].name == name for name in ENDPOINTS.values())
    read_only = {n for n, s in ENTITIES.items() if s.read_only}
    assert read_only == {"TaxCode", "TaxRate", "TaxAgency"}
    assert not any(ENTITIES[name].name_list for name in ("Invoice", "Payment", "CreditMemo"))
    # Sparse updates: every entity but CreditMemo, held to Intuit's lists (reference.operations)
    assert {n for n, s in ENTITIES.items() if not s.sparse_update} == {"CreditMemo"}
    for name in ("Customer", "Account", "Item", "Term", "PaymentMethod", "TaxCode", "TaxRate"):
        assert ENTITIES[name].name_list
    for name in ("Customer", "Vendor", "Employee"):
        assert ENTITIES[name].name_list and ENTITIES[name].unique_name_field == "DisplayName"
    assert ENTITIES["Account"].unique_name_field == "Name"
    assert ENTITIES["Invoice"].unique_name_field is None
    assert ENTITIES["Invoice"].fields["CustomerRef"].ref_entity == "Customer"
    assert ENTITIES["Item"].fields["IncomeAccountRef"].ref_entity == "Account"
    assert ENTITIES["Customer"].fields["ParentRef"].ref_entity == "Customer"
    assert ENTITIES["Invoice"].fields["TotalAmt"].kind == "readonly"


def test_classification_and_default_subtypes():
    assert classification("Bank") == "Asset"
    assert classification("Credit Card") == "Liability"
    assert classification("Other Income") == "Revenue"
    assert classification("Cost of Goods Sold") == "Expense"
    assert classification("Equity") == "Equity"
    assert DEFAULT_SUBTYPE["Income"] == "ServiceFeeIncome"
    assert len(DEFAULT_SUBTYPE) == 15
    assert all(classification(t) for t in DEFAULT_SUBTYPE)
    assert set(DEFAULT_SUBTYPE) <= set(ENTITIES["Account"].fields["AccountType"].enum)
    with pytest.raises(ValueError):
        classification("Bogus")


# --- valid bodies -----------------------------------------------------------------------------
@pytest.mark.parametrize("entity", sorted(VALID_CREATES))
def test_valid_creates_pass(entity):
    validate(entity, copy.deepcopy(VALID_CREATES[entity]), creating=True, sparse=False)


@pytest.mark.parametrize(
    ("entity", "body"),
    [
        ("Customer", {"GivenName": "Only"}),
        ("Account", {"Name": "Sub", "AccountSubType": "Checking"}),
        ("Item", {"Name": "Cat", "Type": "Category"}),
        (
            "Item",
            {
                "Name": "Rocks",
                "Type": "Inventory",
                "TrackQtyOnHand": True,
                "QtyOnHand": 10,
                "InvStartDate": "2024-01-01",
                **{k: REF for k in ("IncomeAccountRef", "AssetAccountRef", "ExpenseAccountRef")},
            },
        ),
        ("Term", {"Name": "15th", "DayOfMonthDue": 15, "DueNextMonthDays": 5}),
        ("Payment", {"CustomerRef": REF, "TotalAmt": "10.50"}),  # numeric strings are numbers
    ],
)
def test_other_valid_creates(entity, body):
    assert problems(entity, body) == []


def test_full_update_echoing_read_only_fields_passes():
    customer = {
        "Id": "67",
        "SyncToken": "0",
        "DisplayName": "King's Groceries",
        "PrintOnCheckName": "King Groceries",
        "Active": True,
        "Taxable": True,
        "Balance": 0,
        "BalanceWithJobs": 0,
        "Job": False,
        "BillWithParent": False,
        "PreferredDeliveryMethod": "Print",
        "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
        "DefaultTaxCodeRef": {"value": "2"},
        "BillAddr": {"Id": "112", "Line1": "123 Main Street", "Lat": "INVALID", "Long": "INVALID"},
        "FullyQualifiedName": "King's Groceries",
        "Level": 0,
        "domain": "QBO",
        "sparse": False,
        "MetaData": {"CreateTime": "2015-07-23T10:58:12-07:00"},
        "PrimaryEmailAddr": {"Address": "k@g.com"},
        "Notes": None,
    }
    assert problems("Customer", customer, creating=False) == []
    invoice = {
        **VALID_CREATES["Invoice"],
        "Id": "130",
        "SyncToken": "2",
        "domain": "QBO",
        "sparse": False,
        "MetaData": {"CreateTime": "x", "LastUpdatedTime": "y"},
        "TotalAmt": 75.0,
        "Balance": 20.0,
        "HomeBalance": 20.0,
        "LinkedTxn": [{"TxnId": "9", "TxnType": "Payment"}],
        "DueDate": "2024-05-31",
        "Line": [{**sales_line(), "Id": "1", "LineNum": 1}, *VALID_CREATES["Invoice"]["Line"][1:]],
    }
    assert problems("Invoice", invoice, creating=False) == []
    account = {
        **VALID_CREATES["Account"],
        **{"Id": "5", "SyncToken": "1", "Classification": "Asset", "CurrentBalance": 0},
        **{"SubAccount": False, "FullyQualifiedName": "MyJobs_test", "Active": True},
        **{"AccountSubType": "AccountsReceivable", "CurrentBalanceWithSubAccounts": 0},
    }
    assert problems("Account", account, creating=False) == []
    payment = {**VALID_CREATES["Payment"], "Id": "9", "SyncToken": "0", "UnappliedAmt": 10}
    assert problems("Payment", payment, creating=False) == []
    term = {**VALID_CREATES["Term"], "Id": "3", "SyncToken": "0", "Type": "STANDARD"}
    assert problems("Term", term, creating=False) == []


def test_sparse_updates():
    deactivate = {"Id": "1", "SyncToken": "0", "sparse": True, "Active": False}
    for entity in ("Customer", "Account", "Item", "PaymentMethod"):
        assert problems(entity, deactivate, creating=False, sparse=True) == []
    note = {"Id": "1", "SyncToken": "0", "PrivateNote": "x"}
    assert problems("Invoice", note, creating=False, sparse=True) == []
    # §2: Term must repeat Name even in a sparse update.
    assert problems("Term", deactivate, creating=False, sparse=True) == [("2020", "Name")]
    company = {"Id": "1", "SyncToken": "0", "sparse": True, "CompanyName": "Craig's"}
    assert problems("CompanyInfo", company, creating=False, sparse=True) == []
    blank = {"Id": "1", "SyncToken": "0", "DisplayName": ""}
    assert problems("Customer", blank, creating=False, sparse=True) == [("6080", "DisplayName")]


# --- rule families ----------------------------------------------------------------------------
def test_unknown_properties_2010():
    fault = fault_of("Customer", {"DisplayName": "A", "BadJson": 1})
    assert (fault.code, fault.element, fault.status) == ("2010", "BadJson", 400)
    assert 'Unrecognized field "BadJson"' in fault.detail
    body = {"DisplayName": "A", "BillAddr": {"Line1": "x", "Planet": "Mars"}}
    assert problems("Customer", body) == [("2010", "BillAddr.Planet")]
    invoice = copy.deepcopy(VALID_CREATES["Invoice"])
    invoice["Line"][0]["SalesItemLineDetail"]["Colour"] = "red"
    assert problems("Invoice", invoice) == [("2010", "Line.SalesItemLineDetail.Colour")]


def test_wrong_types():
    body = {
        "DisplayName": 12,
        "Active": "yes",
        "Balance": "lots",
        "OpenBalanceDate": "01/02/2024",
        "SalesTermRef": "3",
        "BillAddr": "somewhere",
    }
    assert problems("Customer", body) == [
        ("2010", "DisplayName"),
        ("2010", "Active"),
        ("2090", "Balance"),
        ("2070", "OpenBalanceDate"),
        ("2010", "SalesTermRef"),
        ("2010", "BillAddr"),
    ]
    assert problems("Payment", {"CustomerRef": REF, "TotalAmt": True}) == [("2090", "TotalAmt")]
    assert problems("Invoice", {**VALID_CREATES["Invoice"], "TxnDate": "2024-02-30"}) == [
        ("2070", "TxnDate")
    ]
    assert problems("Term", {"Name": "T", "DueDays": 1.5}) == [("2090", "DueDays")]


def test_ref_needs_a_value():
    body = {**VALID_CREATES["Payment"], "CustomerRef": {"name": "Amy"}}
    assert problems("Payment", body) == [("2020", "CustomerRef.value")]


def test_string_lengths_2050():
    fault = fault_of("Invoice", {**VALID_CREATES["Invoice"], "DocNumber": "X" * 22})
    assert (fault.code, fault.element) == ("2050", "DocNumber")
    assert fault.detail == (
        "String length specified does not match the supported length. "
        "Min:0 Max:21 supported. Supplied length:22"
    )
    body = {
        "DisplayName": "x" * 501,
        "Title": "x" * 17,
        "BillAddr": {"Line1": "x" * 501, "City": "x" * 256, "PostalCode": "x" * 31},
        "ShipAddr": {"Line5": "x" * 501, "Country": "x" * 256, "CountrySubDivisionCode": "x" * 256},
        "PrimaryPhone": {"FreeFormNumber": "1" * 31},
        "PrimaryEmailAddr": {"Address": "a@b." + "c" * 97},
        "WebAddr": {"URI": "u" * 1001},
        "Notes": "n" * 2001,
    }
    assert [e for c, e in problems("Customer", body) if c == "2050"] == [
        "DisplayName",
        "Title",
        "BillAddr.Line1",
        "BillAddr.City",
        "BillAddr.PostalCode",
        "ShipAddr.Line5",
        "ShipAddr.Country",
        "ShipAddr.CountrySubDivisionCode",
        "PrimaryPhone.FreeFormNumber",
        "PrimaryEmailAddr.Address",
        "WebAddr.URI",
        "Notes",
    ]
    invoice = copy.deepcopy(VALID_CREATES["Invoice"])
    invoice |= {"CustomerMemo": {"value": "m" * 1001}, "PONumber": "p" * 16}
    invoice |= {"PrivateNote": "p" * 4001}
    invoice["Line"][0]["Description"] = "d" * 4001
    assert problems("Invoice", invoice) == [  # body order within a family
        ("2050", "Line.Description"),
        ("2050", "CustomerMemo.value"),
        ("2050", "PONumber"),
        ("2050", "PrivateNote"),
    ]
    assert problems("Term", {"Name": "n" * 32, "DueDays": 1}) == [("2050", "Name")]
    assert problems("PaymentMethod", {"Name": "n" * 32}) == [("2050", "Name")]


def test_forbidden_characters_2040():
    body = {"DisplayName": "Parent:Child", "GivenName": "Tab\there", "FamilyName": "New\nline"}
    assert problems("Customer", body) == [
        ("2040", "DisplayName"),
        ("2040", "GivenName"),
        ("2040", "FamilyName"),
    ]
    body = {"Name": 'Say "hi"', "AccountType": "Bank", "AcctNum": "1:2"}
    assert problems("Account", body) == [("2040", "Name"), ("2040", "AcctNum")]
    item = {**VALID_CREATES["Item"], "Name": "A:B"}
    assert problems("Item", item) == [("2040", "Name")]
    assert problems("Customer", {"DisplayName": "A", "CompanyName": "A:B"}) == []


def test_email_2210():
    body = {"DisplayName": "A", "PrimaryEmailAddr": {"Address": "nobody"}}
    assert problems("Customer", body) == [("2210", "PrimaryEmailAddr.Address")]
    invoice = {**VALID_CREATES["Invoice"], "BillEmail": {"Address": "x@y"}}
    assert problems("Invoice", invoice) == [("2210", "BillEmail.Address")]


def test_enumerations_2170():
    assert problems("Account", {"Name": "A", "AccountType": "Cash"}) == [("2170", "AccountType")]
    item = {**VALID_CREATES["Item"], "Type": "Group"}
    assert problems("Item", item) == [("2170", "Type")]
    body = {"DisplayName": "A", "PreferredDeliveryMethod": "Fax"}
    assert problems("Customer", body) == [("2170", "PreferredDeliveryMethod")]
    invoice = copy.deepcopy(VALID_CREATES["Invoice"])
    invoice["GlobalTaxCalculation"] = "Sometimes"
    invoice["Line"][1]["DetailType"] = "JournalEntryLineDetail"
    assert problems("Invoice", invoice) == [
        ("2170", "Line.DetailType"),
        ("2170", "GlobalTaxCalculation"),
    ]
    assert problems("PaymentMethod", {"Name": "Visa", "Type": "VISA"}) == [("2170", "Type")]


def test_term_ranges():
    assert problems("Term", {"Name": "T", "DueDays": 1000}) == [("2090", "DueDays")]
    assert problems("Term", {"Name": "T", "DayOfMonthDue": 32}) == [("2090", "DayOfMonthDue")]


def test_required_on_create():
    fault = fault_of("Customer", {"CompanyName": "No person"})
    assert (fault.code, fault.element) == ("6080", "DisplayName")
    assert problems("Account", {}) == [("2020", "Name"), ("6010", "AccountType")]
    fault = fault_of("Account", {"AccountType": "Bank"})
    assert fault.detail == "Required parameter Name is missing in the request"
    assert problems("Item", {"Name": "S", "Type": "Service"}) == [("2020", "IncomeAccountRef")]
    assert problems("Item", {"Type": "NonInventory"}) == [
        ("2020", "Name"),
        ("2020", "IncomeAccountRef"),
    ]
    inventory = {"Name": "Rocks", "Type": "Inventory", "IncomeAccountRef": REF}
    assert problems("Item", inventory) == [
        ("2020", "AssetAccountRef"),
        ("2020", "ExpenseAccountRef"),
        ("2020", "QtyOnHand"),
        ("2020", "InvStartDate"),
    ]
    assert problems("Invoice", {}) == [("2020", "CustomerRef"), ("2020", "Line")]
    assert problems("Invoice", {"CustomerRef": REF, "Line": []}) == [("2250", "Line")]
    no_amount = {"CustomerRef": REF, "Line": [{"DetailType": "DescriptionOnly"}]}
    assert problems("Invoice", no_amount) == [("2250", "Line")]
    no_type = {"CustomerRef": REF, "Line": [sales_line(), {"Amount": 1}]}
    assert problems("Invoice", no_type) == [("2020", "Line.DetailType")]
    assert problems("Payment", {"PrivateNote": "x"}) == [
        ("2020", "CustomerRef"),
        ("2020", "TotalAmt"),
    ]
    payment = {"CustomerRef": REF, "TotalAmt": 5, "Line": [{"LinkedTxn": [{"TxnType": "Invoice"}]}]}
    assert problems("Payment", payment) == [
        ("2020", "Line.Amount"),
        ("2020", "Line.LinkedTxn.TxnId"),
    ]
    assert problems("Term", {"Name": "Net"}) == [("2020", "DueDays")]
    assert problems("Term", {"DueDays": 5}) == [("2020", "Name")]
    assert problems("PaymentMethod", {"Name": "  "}) == [("2020", "Name")]


def test_update_needs_id_and_sync_token():
    body = {"DisplayName": "A"}
    assert problems("Customer", body, creating=False) == [("2020", "Id"), ("2020", "SyncToken")]
    assert problems("Customer", body, creating=False, sparse=True) == [
        ("2020", "Id"),
        ("2020", "SyncToken"),
    ]
    # A full update drops omitted writable fields, so the create requirements apply too.
    full = {"Id": "5", "SyncToken": "0", "AccountType": "Bank"}
    assert problems("Account", full, creating=False) == [("2020", "Name")]


def test_line_rules():
    negative = {"CustomerRef": REF, "Line": [sales_line(-75.0, 2, -37.5)]}
    assert problems("Invoice", negative) == [("2290", "Line.Amount")]
    wrong = {"CustomerRef": REF, "Line": [sales_line(70.0, 2, 37.5)]}
    fault = fault_of("Invoice", wrong)
    assert (fault.code, fault.element) == ("6070", "Line.SalesItemLineDetail.Amount")
    assert fault.detail == (
        "Amount calculation incorrect in the request. "
        "Please check the quantity and unit price of each line."
    )
    rounded = {"CustomerRef": REF, "Line": [sales_line(1.0, 3, 0.333)]}
    assert problems("Invoice", rounded) == []
    taxed = {"CustomerRef": REF, "Line": [sales_line(tax="2"), sales_line(tax="TAX")]}
    assert problems("Invoice", taxed) == [("6100", "Line.SalesItemLineDetail.TaxCodeRef")]


def test_all_problems_reported_in_family_order():
    body = {
        "PreferredDeliveryMethod": "Pigeon",
        "PrimaryEmailAddr": {"Address": "nope"},
        "DisplayName": "Too:" + "x" * 600,
        "Active": "maybe",
        "BadJson": True,
    }
    fault = fault_of("Customer", body)
    assert [(e["code"], e["element"]) for e in fault.errors()] == [
        ("2010", "BadJson"),
        ("2010", "Active"),
        ("2050", "DisplayName"),
        ("2040", "DisplayName"),
        ("2210", "PrimaryEmailAddr.Address"),
        ("2170", "PreferredDeliveryMethod"),
    ]
    assert len(fault.more) == 5 and all(isinstance(f, Fault) for f in fault.more)
    assert fault.fault()["type"] == "ValidationFault"
    invoice = {
        "Line": [sales_line(-10.0, 1, 5, tax="X"), {"Amount": 1, "DetailType": "Bogus"}],
        "DocNumber": "D" * 30,
    }
    assert problems("Invoice", invoice) == [
        ("2050", "DocNumber"),
        ("2170", "Line.DetailType"),
        ("2020", "CustomerRef"),
        ("2290", "Line.Amount"),
        ("6070", "Line.SalesItemLineDetail.Amount"),
        ("6100", "Line.SalesItemLineDetail.TaxCodeRef"),
    ]


def test_read_only_and_unsupported_operations():
    fault = fault_of("TaxCode", {"Name": "MyTax"})
    assert fault.code == "500" and "Operation Create is not supported" in fault.detail
    fault = fault_of("TaxRate", {"Id": "1", "SyncToken": "0"}, creating=False)
    assert fault.code == "500" and "Operation Update is not supported" in fault.detail
    assert fault_of("CompanyInfo", {"CompanyName": "X"}).code == "500"
    assert fault_of("TaxAgency", {"DisplayName": "X"}).code == "500"
    assert fault_of("Bill", {}).code == "500"
    memo = {"Id": "1", "SyncToken": "0", "PrivateNote": "x"}
    fault = fault_of("CreditMemo", memo, creating=False, sparse=True)
    assert fault.code == "500" and "Operation SparseUpdate is not supported" in fault.detail


def test_a_credit_memo_has_an_invoices_lines_and_rules():
    """Intuit's CreditMemo reference: CustomerRef and Line required, the invoice's line kinds;
    the invoice's line rules (2250, 2290, 6070, 6100); TotalAmt, Balance, RemainingCredit
    read only (computed)."""
    memo = copy.deepcopy(VALID_CREATES["Invoice"])
    memo["TotalAmt"] = memo["RemainingCredit"] = 9999  # over-written by QuickBooks
    assert problems("CreditMemo", memo) == []
    fields = ENTITIES["CreditMemo"].fields
    assert {fields[k].kind for k in ("TotalAmt", "Balance", "RemainingCredit")} == {"readonly"}
    assert fields["InvoiceRef"].ref_entity == "Invoice"
    assert problems("CreditMemo", {"CustomerRef": REF}) == [("2020", "Line")]
    assert problems(
        "CreditMemo", {"CustomerRef": REF, "Line": [{"DetailType": "DescriptionOnly"}]}
    ) == [("2250", "Line")]
    bad = [sales_line(amount=-5, qty=1, price=-5), sales_line(amount=70), sales_line(tax="GST")]
    assert problems("CreditMemo", {"CustomerRef": REF, "Line": bad}) == [
        ("2290", "Line.Amount"),
        ("6070", "Line.SalesItemLineDetail.Amount"),
        ("6100", "Line.SalesItemLineDetail.TaxCodeRef"),
    ]
    assert problems("CreditMemo", {**memo, "DueDate": "2024-05-31"}) == [("2010", "DueDate")]


# --- references -------------------------------------------------------------------------------
def test_references():
    invoice = copy.deepcopy(VALID_CREATES["Invoice"])
    invoice["ClassRef"] = {"value": "9"}  # resolved (company profile "tracking")
    invoice["CurrencyRef"] = {"value": "USD"}  # Currency is not modelled: only type-checked
    invoice["Line"].append(
        {
            "Amount": 5,
            "DetailType": "DiscountLineDetail",
            "DiscountLineDetail": {"DiscountAccountRef": {"value": "86"}, "PercentBased": False},
        }
    )
    assert references("Invoice", invoice) == [
        ("CustomerRef", "Customer", "1"),
        ("Line.SalesItemLineDetail.ItemRef", "Item", "4"),
        ("Line.DiscountLineDetail.DiscountAccountRef", "Account", "86"),
        ("SalesTermRef", "Term", "3"),
        ("ClassRef", "Class", "9"),
    ]
    payment = copy.deepcopy(VALID_CREATES["Payment"])
    payment["Line"].append({"Amount": 1, "LinkedTxn": [{"TxnId": 8, "TxnType": "CreditMemo"}]})
    payment["Line"].append({"Amount": 2, "LinkedTxn": [{"TxnId": 71, "TxnType": "Invoice"}]})
    assert references("Payment", payment) == [
        ("CustomerRef", "Customer", "1"),
        ("Line.LinkedTxn.TxnId", "Invoice", "70"),
        ("Line.LinkedTxn.TxnId", "CreditMemo", "8"),  # the credit it takes (Intuit's Payment)
        ("Line.LinkedTxn.TxnId", "Invoice", "71"),
        ("PaymentMethodRef", "PaymentMethod", "2"),
        ("DepositToAccountRef", "Account", "4"),
    ]
    customer = {**VALID_CREATES["Customer"], "ParentRef": {"value": 7}, "Job": True}
    assert references("Customer", customer) == [
        ("DefaultTaxCodeRef", "TaxCode", "2"),
        ("SalesTermRef", "Term", "3"),
        ("ParentRef", "Customer", "7"),
    ]
    item = {**VALID_CREATES["Item"], "SalesTaxCodeRef": {"value": "TAX"}, "ParentRef": REF}
    assert references("Item", item) == [
        ("IncomeAccountRef", "Account", "1"),
        ("ParentRef", "Item", "1"),
    ]
    assert references("Account", {"Name": "A", "ParentRef": {"value": "35"}}) == [
        ("ParentRef", "Account", "35")
    ]


# --- Vendor and Employee (the Customer name rules, §4) ----------------------------------------
@pytest.mark.parametrize("entity", ["Vendor", "Employee"])
def test_vendor_and_employee_name_rules(entity):
    fault = fault_of(entity, {"CompanyName": "Only a company"} if entity == "Vendor" else {})
    assert (fault.code, fault.element) == ("6080", "DisplayName")
    assert problems(entity, {"FamilyName": "Only"}) == []
    body = {"DisplayName": "A:B", "GivenName": "Tab\there", "PrintOnCheckName": "x" * 111}
    assert problems(entity, body) == [
        ("2050", "PrintOnCheckName"),
        ("2040", "DisplayName"),
        ("2040", "GivenName"),
    ]
    blank = {"Id": "1", "SyncToken": "0", "DisplayName": " "}
    assert problems(entity, blank, creating=False, sparse=True) == [("6080", "DisplayName")]
    deactivate = {"Id": "1", "SyncToken": "0", "Active": False}
    assert problems(entity, deactivate, creating=False, sparse=True) == []
    # Fields of the other lists are unknown (2010): Vendor has no Notes, Employee no AcctNum.
    other = "Notes" if entity == "Vendor" else "AcctNum"
    assert problems(entity, {"DisplayName": "A", other: "x"}) == [("2010", other)]


def test_vendor_and_employee_types_and_references():
    body = {"DisplayName": "A", "Balance": "ignored", "Vendor1099": "yes", "BillRate": "x"}
    assert problems("Vendor", body) == [("2010", "Vendor1099"), ("2090", "BillRate")]
    assert references("Vendor", VALID_CREATES["Vendor"]) == [("TermRef", "Term", "3")]
    body = {"GivenName": "A", "HiredDate": "2024-13-01", "Gender": "Unknown"}
    assert problems("Employee", body) == [("2070", "HiredDate"), ("2170", "Gender")]
    item = {**VALID_CREATES["Item"], "PrefVendorRef": {"value": "5"}}
    assert ("PrefVendorRef", "Vendor", "5") in references("Item", item)


# --- TaxService (POST taxservice/taxcode, §4) ---------------------------------------------------
def tax_service_problems(body) -> list:
    try:
        validate_tax_service(body)
    except Fault as fault:
        return [(e["code"], e["element"]) for e in fault.errors()]
    return []


def test_tax_service_body():
    new_rate = {"TaxRateName": "StateTax", "RateValue": 5, "TaxAgencyId": "1"}
    reuse = {"TaxRateId": "3", "TaxApplicableOn": "Purchase"}
    assert tax_service_problems({"TaxCode": "MyTax", "TaxRateDetails": [new_rate, reuse]}) == []
    assert tax_service_problems({}) == [("2020", "TaxCode"), ("2020", "TaxRateDetails")]
    assert tax_service_problems({"TaxCode": "MyTax", "TaxRateDetails": []}) == [
        ("2020", "TaxRateDetails")
    ]
    bad = {"TaxRateName": "X", "RateValue": -1, "TaxApplicableOn": "Both", "Colour": "red"}
    assert tax_service_problems({"TaxCode": "T" * 11, "TaxRateDetails": [bad]}) == [
        ("2010", "TaxRateDetails.Colour"),
        ("2050", "TaxCode"),
        ("2090", "TaxRateDetails.RateValue"),
        ("2170", "TaxRateDetails.TaxApplicableOn"),
        ("2020", "TaxRateDetails.TaxAgencyId"),
    ]
    assert tax_service_problems([]) == [("2010", "")]
