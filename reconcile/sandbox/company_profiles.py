"""Company profiles of the sandbox's QuickBooks company: the Preferences a real company may
have, switchable (the sandbox setting ``company_profile``, e.g. "automated_tax,auto_numbers").

The Preferences record follows Intuit's entity reference (``Preferences`` and its
``*Prefs`` sections); the defaults are a US service company's. Each profile changes the
settings it is named for, and the sandbox behaves accordingly (``sandbox.qbo``):

- ``standard``: the demo as it was — manual sales tax with the demo's tax codes, custom
  transaction numbers on, one currency (USD), no class or location tracking.
- ``automated_tax``: ``TaxPrefs.PartnerTaxEnabled`` (automated sales tax, US companies made
  after 2017-11-10).
- ``auto_numbers``: ``SalesFormsPrefs.CustomTxnNumbers`` false: QuickBooks numbers invoices.
- ``multicurrency``: ``CurrencyPrefs.MultiCurrencyEnabled``; the hand-entered customer
  "Bayside Dental Group" (also a BMS demo client, ``qbo_demo.FOREIGN_CUSTOMER``) is in CAD.
- ``tracking``: ``AccountingInfoPrefs.ClassTrackingPerTxn`` and ``TrackDepartments``, with
  the classes of the BMS demo and two locations.
"""

from __future__ import annotations

import copy
from decimal import Decimal

from reconcile.sandbox import qbo_demo

PROFILES: dict[str, str] = {
    "standard": "manual sales tax, custom numbers, one currency, no tracking (the demo)",
    "automated_tax": "automated sales tax (TaxPrefs.PartnerTaxEnabled)",
    "auto_numbers": "QuickBooks numbers sales forms (SalesFormsPrefs.CustomTxnNumbers off)",
    "multicurrency": "several currencies, home USD; Bayside Dental Group is in CAD",
    "tracking": "class tracking per transaction and location tracking",
}
HOME_CURRENCY = "USD"
CURRENCY_NAMES = {
    "USD": "United States Dollar",
    "CAD": "Canadian Dollar",
    "EUR": "Euro",
    "GBP": "British Pound Sterling",
}
# Assumption: fixed exchange rates (home-currency units per unit); QuickBooks takes the day's.
EXCHANGE_RATES = {
    "USD": Decimal(1),
    "CAD": Decimal("0.73"),
    "EUR": Decimal("1.08"),
    "GBP": Decimal("1.27"),
}
# Assumption: state base rates only; real automated sales tax adds county and city rates.
STATE_RATES = {
    "MA": Decimal("6.25"),
    "NH": Decimal(0),
    "RI": Decimal(7),
    "CT": Decimal("6.35"),
    "VT": Decimal(6),
    "ME": Decimal("5.5"),
    "NY": Decimal(4),
}
# The tax code automated sales tax assigns per state: the demo's seeded codes (qbo_demo).
STATE_TAX_CODES = {"MA": "Massachusetts", "NH": "New Hampshire"}
CLASSES = ("Managed Services", "Projects")  # bms_demo.CLASSES: the BMS demo's class list
# The MSP's own offices (the company address is in Boston); BMS's locations are its clients'.
LOCATIONS = ("Boston", "Providence")

# The company's default term (sales forms): Net 30, as a due date is set without a term.
_NET_30 = {"value": str([name for name, _ in qbo_demo.TERMS].index("Net 30") + 1), "name": "Net 30"}
_BASE = {
    "Id": "1",
    "SyncToken": "0",
    "AccountingInfoPrefs": {
        "FirstMonthOfFiscalYear": "January",
        "UseAccountNumbers": True,
        "TaxYearMonth": "January",
        "ClassTrackingPerTxn": False,
        "ClassTrackingPerTxnLine": False,
        "TrackDepartments": False,
        "DepartmentTerminology": "Location",
        "CustomerTerminology": "Customers",
    },
    "ProductAndServicesPrefs": {
        "ForSales": True,
        "ForPurchase": True,
        "QuantityOnHand": False,
        "QuantityWithPriceAndRate": True,
    },
    "SalesFormsPrefs": {
        "CustomTxnNumbers": True,
        "AllowDiscount": True,
        "AllowDeposit": False,
        "DefaultTerms": _NET_30,
        "AllowShipping": False,
        "AllowServiceDate": True,
        "AllowEstimates": True,
        "AutoApplyCredit": True,
        "UsingPriceLevels": False,
        "EmailCopyToCompany": False,
        "DefaultDiscountAccount": False,
        "ETransactionEnabledStatus": "NotApplicable",
    },
    "VendorAndPurchasesPrefs": {"TrackingByCustomer": False, "BillableExpenseTracking": False},
    "TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": False},
    "CurrencyPrefs": {"HomeCurrency": {"value": HOME_CURRENCY}, "MultiCurrencyEnabled": False},
    "TimeTrackingPrefs": {
        "UsingSalesTax": True,
        "BillCustomers": False,
        "ShowBillRateToAll": False,
        "WorkWeekStartDate": "Monday",
        "MarkTimeEntriesBillable": True,
    },
    "EmailMessagesPrefs": {
        "InvoiceMessage": {
            "Subject": "Invoice [Invoice No.] from Harbor Point Managed IT LLC",
            "Message": (
                "Dear [Full Name],\n\nYour invoice is attached. Thank you for your business."
            ),
        }
    },
    "ReportPrefs": {"ReportBasis": "Accrual", "CalcAgingReportFromTxnDate": False},
    "MetaData": {
        "CreateTime": "2019-01-01T09:00:00-08:00",
        "LastUpdatedTime": "2019-01-01T09:00:00-08:00",
    },
}
_CHANGES = {
    "standard": {},
    "automated_tax": {"TaxPrefs": {"PartnerTaxEnabled": True}},
    "auto_numbers": {"SalesFormsPrefs": {"CustomTxnNumbers": False}},
    "multicurrency": {"CurrencyPrefs": {"MultiCurrencyEnabled": True}},
    "tracking": {"AccountingInfoPrefs": {"ClassTrackingPerTxn": True, "TrackDepartments": True}},
}


def names(profile: str) -> set[str]:
    """The profile names in a setting ("automated_tax,auto_numbers"); ValueError names an
    unknown one."""
    if not isinstance(profile, str):
        raise ValueError(f"company_profile must be a string of profile names, not {profile!r}")
    chosen = {p.strip() for p in profile.split(",") if p.strip()} or {"standard"}
    unknown = sorted(chosen - set(PROFILES))
    if unknown:
        raise ValueError(
            f"company_profile: unknown profile {unknown[0]!r} (known: {', '.join(PROFILES)})"
        )
    return chosen


def preferences(profile: str) -> dict:
    """The Preferences record of a company with these profiles."""
    out = copy.deepcopy(_BASE)
    for name in sorted(names(profile)):
        for section, values in _CHANGES[name].items():
            out[section].update(values)
    return out
