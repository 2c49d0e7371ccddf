"""The demo QuickBooks company the sandbox starts with: an MSP's books before the first sync.

Like a new QBO company it has a default chart of accounts, terms, payment methods and sales
tax; it also holds a few customers and items entered by hand before the toolkit was used,
so that matching an existing record (instead of creating a duplicate) can be seen and tested.
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
    },
    "Country": "US",
    "Email": {"Address": "books@harborpoint-it.example"},
    "WebAddr": {"URI": "https://harborpoint-it.example"},
    "FiscalYearStartMonth": "January",
    "SupportedLanguages": "en",
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


def seed(write: Callable[[str, dict], dict], put_raw: Callable[[str, dict], None]) -> None:
    """Fill an empty company. ``write`` creates through the API rules; ``put_raw`` stores
    records QBO itself owns (CompanyInfo, tax codes and rates, which are read-only)."""
    put_raw("CompanyInfo", {"Id": "1", "SyncToken": "0", **COMPANY})
    put_raw(
        "TaxRate",
        {
            "Id": "1",
            "SyncToken": "0",
            "Name": "MA State Sales Tax",
            "RateValue": 6.25,
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
        put_raw("TaxCode", {
            "Id": code_id, "SyncToken": "0", "Name": name, "Description": f"{name} sales tax",
            "Taxable": True, "TaxGroup": True, "Active": True,
            "SalesTaxRateList": {"TaxRateDetail": [
                {"TaxRateRef": {"value": rate}, "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 0}
            ]},
        })  # fmt: skip
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
    write("Item", {"Name": "Hours", "Type": "Service", "IncomeAccountRef": services,
                   "UnitPrice": 125})  # fmt: skip
    for customer in CUSTOMERS:
        write("Customer", customer)
