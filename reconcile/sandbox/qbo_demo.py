"""The demo QuickBooks company the sandbox starts with: an MSP's books before the first sync.

Like a new QBO company it has a default chart of accounts, terms, payment methods and sales
tax (with the two state tax agencies its rates report to); it also holds a few customers,
items, vendors and an employee entered by hand before the toolkit was used, so that matching
an existing record (instead of creating a duplicate) can be seen and tested.

Vendors: the distributors the MSP buys from (Ingram Micro, Pax8), its fiber provider
(Northeast Fiber Networks) and "Beacon Hill Distributors" — deliberately also the name of a
client account of the BMS demo tenant (``bms_demo``: a generated client, not one of its
``EDGE_NAMES``, active and not duplicated). DisplayName is unique across customers, vendors
and employees (reference §4), so creating that BMS client as a QBO customer under its own
name fails with 6240: the toolkit must meet, and handle, a name already held by a vendor.
That client is generated from ``bms_demo``'s fixed seed (Id 1005, AccountCode C0005) and
keeps its name whatever ``today`` or the tenant size; "Northeast Fiber Networks" is no BMS
account, so it clashes with nothing.

The hand-entered customer "Bayside Dental Group" is also a BMS demo client (``bms_demo``'s
``EDGE_NAMES["qbo_match"]``). With the company profile ``multicurrency``
(``company_profiles``) it was entered in Canadian dollars (``FOREIGN_CUSTOMER``), so that a
first sync meets a customer whose currency is not the home currency.
"""

from __future__ import annotations

from collections.abc import Callable

COMPANY = {
    "CompanyName": "Harbor Point Managed IT LLC",
    "LegalName": "Harbor Point Managed IT LLC",
    "CompanyAddr": {
        "Line1": "200 Harbor Point Blvd, Suite 4",
        "City": "Boston",
        "CountrySubDivisionCode": "MA",
        "PostalCode": "02125",
        "Country": "USA",
        "Id": "1",
    },
    "CompanyStartDate": "2019-01-01",
    "Country": "US",
    "Email": {"Address": "books@harborpoint-it.example"},
    "WebAddr": {"URI": "https://harborpoint-it.example"},
    "FiscalYearStartMonth": "January",
    "SupportedLanguages": "en",
    # Settings QuickBooks answers as name/value pairs (Intuit's CompanyInfo example; the
    # recorded answer of tests/conformance/recorded_answers.py).
    "NameValue": [
        {"Name": "NeoEnabled", "Value": "true"},
        {"Name": "IndustryType", "Value": "Computer Systems Design and Related Services"},
        {"Name": "CompanyType", "Value": "LLC"},
        {"Name": "SubscriptionStatus", "Value": "PAID"},
        {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"},
        {"Name": "PayrollFeature", "Value": "false"},
        {"Name": "AccountantFeature", "Value": "false"},
    ],
    "MetaData": {
        "CreateTime": "2019-01-01T09:00:00-08:00",
        "LastUpdatedTime": "2019-01-01T09:00:00-08:00",
    },
}

# (Name, AccountType, AccountSubType, AcctNum) — QBO's default accounts for a service company.
ACCOUNTS = [
    ("Checking", "Bank", "Checking", "1000"),
    ("Savings", "Bank", "Savings", "1010"),
    ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable", "1100"),
    ("Undeposited Funds", "Other Current Asset", "UndepositedFunds", "1200"),
    ("Inventory Asset", "Other Current Asset", "Inventory", "1300"),
    ("Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable", "2000"),
    ("Sales Tax Payable", "Other Current Liability", "SalesTaxPayable", "2100"),
    ("Opening Balance Equity", "Equity", "OpeningBalanceEquity", "3000"),
    ("Retained Earnings", "Equity", "RetainedEarnings", "3100"),
    ("Services", "Income", "ServiceFeeIncome", "4000"),
    ("Sales of Product Income", "Income", "SalesOfProductIncome", "4100"),
    ("Discounts given", "Income", "DiscountsRefundsGiven", "4900"),
    ("Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs", "5000"),
    ("Office Supplies", "Expense", "OfficeGeneralAdministrativeExpenses", "6100"),
    ("Uncategorized Expense", "Expense", "OtherMiscellaneousServiceCost", "6900"),
]
# First contact, decided: BMS GL accounts that share a number or a name with one of the demo
# company's accounts but not both, which a person has confirmed are that account. The sandbox
# writes them into its config.toml as [sync_map.account_links] (GL code = QuickBooks account).
# Left undecided, to show the conflict: 3000 "Owner's Equity" (QuickBooks' 3000 is its Opening
# Balance Equity) and 4900 "Legacy Break/Fix Income" (QuickBooks' 4900 is "Discounts given").
ACCOUNT_LINKS = {
    "1100": "Accounts Receivable (A/R)",
    "2000": "Accounts Payable (A/P)",
    "4000": "Services",
    "4090": "Discounts given",
}
TERMS = [("Due on receipt", 0), ("Net 15", 15), ("Net 30", 30), ("Net 45", 45), ("Net 60", 60)]
PAYMENT_METHODS = [
    ("Cash", "NON_CREDIT_CARD"),
    ("Check", "NON_CREDIT_CARD"),
    ("ACH", "NON_CREDIT_CARD"),
    ("Visa", "CREDIT_CARD"),
    ("MasterCard", "CREDIT_CARD"),
    ("American Express", "CREDIT_CARD"),
]
CUSTOMERS = [
    {
        "DisplayName": "Bayside Dental Group",
        "CompanyName": "Bayside Dental Group",
        "PrimaryEmailAddr": {"Address": "office@baysidedental.example"},
        "BillAddr": {
            "Line1": "14 Shore Rd",
            "City": "Quincy",
            "CountrySubDivisionCode": "MA",
            "PostalCode": "02169",
            "Country": "USA",
        },
    },
    {"DisplayName": "Walk-in Customer", "Notes": "Counter sales, entered by hand"},
]
# (DisplayName, currency) of the customer entered in a foreign currency when the company has
# multicurrency on (company profile "multicurrency"; see the module doc).
FOREIGN_CUSTOMER = ("Bayside Dental Group", "CAD")
# The state agencies the demo's tax rates report to (TaxRate.AgencyRef).
TAX_AGENCIES = [
    ("1", "Massachusetts Department of Revenue"),
    ("2", "New Hampshire Department of Revenue Administration"),
]
VENDOR_NAMED_LIKE_BMS_CLIENT = "Beacon Hill Distributors"  # a client in bms_demo, see above
VENDORS = [
    {
        "DisplayName": "Ingram Micro",
        "CompanyName": "Ingram Micro Inc.",
        "WebAddr": {"URI": "https://www.ingrammicro.com"},
        "AcctNum": "HP-204417",
    },
    {
        "DisplayName": "Pax8",
        "CompanyName": "Pax8, Inc.",
        "WebAddr": {"URI": "https://www.pax8.com"},
        "BillAddr": {
            "Line1": "5500 S Quebec St, Suite 350",
            "City": "Greenwood Village",
            "CountrySubDivisionCode": "CO",
            "PostalCode": "80111",
            "Country": "USA",
        },
    },
    {
        "DisplayName": "Northeast Fiber Networks",
        "CompanyName": "Northeast Fiber Networks",
        "PrimaryEmailAddr": {"Address": "billing@nefiber.example"},
    },
    {
        "DisplayName": VENDOR_NAMED_LIKE_BMS_CLIENT,
        "CompanyName": VENDOR_NAMED_LIKE_BMS_CLIENT,
        "AcctNum": "HP-0117",  # a client that also sells hardware to the MSP
    },
]
EMPLOYEES = [
    {
        "GivenName": "Dana",
        "FamilyName": "Whitfield",
        "DisplayName": "Dana Whitfield",
        "PrimaryEmailAddr": {"Address": "dana.whitfield@harborpoint-it.example"},
        "EmployeeNumber": "102",
        "HiredDate": "2019-03-04",
    },
]


def seed(write: Callable[[str, dict], dict], put_raw: Callable[[str, dict], None]) -> None:
    """Fill an empty company. ``write`` creates through the API rules; ``put_raw`` stores
    records QBO itself owns (CompanyInfo, tax agencies, codes and rates: read-only here)."""
    put_raw("CompanyInfo", {"Id": "1", "SyncToken": "0", **COMPANY})
    for agency_id, name in TAX_AGENCIES:
        put_raw(
            "TaxAgency",
            {
                "Id": agency_id,
                "SyncToken": "0",
                "DisplayName": name,
                "TaxTrackedOnSales": True,
                "TaxTrackedOnPurchases": False,
                "TaxAgencyConfig": "USER_DEFINED",
            },
        )
    put_raw(
        "TaxRate",
        {
            "Id": "1",
            "SyncToken": "0",
            "Name": "MA State Sales Tax",
            "RateValue": 6.25,
            "AgencyRef": {"value": "1"},
            "Active": True,
            "SpecialTaxType": "NONE",
            "DisplayType": "ReadOnly",
        },
    )
    put_raw(
        "TaxRate",
        {
            "Id": "2",
            "SyncToken": "0",
            "Name": "NH No Sales Tax",
            "RateValue": 0,
            "AgencyRef": {"value": "2"},
            "Active": True,
            "SpecialTaxType": "ZERO_RATE",
            "DisplayType": "ReadOnly",
        },
    )
    put_raw(
        "TaxCode",
        {
            "Id": "TAX",
            "Name": "TAX",
            "Description": "TAX",
            "Taxable": True,
            "TaxGroup": False,
            "Active": True,
        },
    )
    put_raw(
        "TaxCode",
        {
            "Id": "NON",
            "Name": "NON",
            "Description": "NON",
            "Taxable": False,
            "TaxGroup": False,
            "Active": True,
        },
    )
    for code_id, name, rate in (("2", "Massachusetts", "1"), ("3", "New Hampshire", "2")):
        put_raw(
            "TaxCode",
            {
                "Id": code_id,
                "SyncToken": "0",
                "Name": name,
                "Description": f"{name} sales tax",
                "Taxable": True,
                "TaxGroup": True,
                "Active": True,
                "SalesTaxRateList": {
                    "TaxRateDetail": [
                        {
                            "TaxRateRef": {"value": rate},
                            "TaxTypeApplicable": "TaxOnAmount",
                            "TaxOrder": 0,
                        }
                    ]
                },
            },
        )
    accounts = {}
    for name, kind, sub, number in ACCOUNTS:
        accounts[name] = write(
            "Account", {"Name": name, "AccountType": kind, "AccountSubType": sub, "AcctNum": number}
        )
    for name, days in TERMS:
        write("Term", {"Name": name, "DueDays": days})
    for name, kind in PAYMENT_METHODS:
        write("PaymentMethod", {"Name": name, "Type": kind})
    services = {"value": accounts["Services"]["Id"]}
    write("Item", {"Name": "Services", "Type": "Service", "IncomeAccountRef": services})
    write(
        "Item", {"Name": "Hours", "Type": "Service", "IncomeAccountRef": services, "UnitPrice": 125}
    )
    for customer in CUSTOMERS:
        write("Customer", customer)
    for vendor in VENDORS:
        write("Vendor", vendor)
    for employee in EMPLOYEES:
        write("Employee", employee)
