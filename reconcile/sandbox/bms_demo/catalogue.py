"""The demo tenant's fixed reference data: who it is, statuses, GL and account types,
classes, employees, the chart of accounts, tax items and services."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from importlib.resources import files

TENANT = "HarborPointIT"  # the Company/Tenant name used to sign in (§1.2)
BUSINESS_NAME = "Harbor Point Managed IT LLC"  # = qbo_demo.COMPANY["CompanyName"]
API_USER_EMAIL = "api.sync@harborpoint-it.example"

# Invoice statuses. The spec has StatusId/StatusName but no enum, and these names were not
# found in public sources (§1.7); they are the ones our brief uses. "New" is the draft state.
NEW, READY_TO_SEND, SENT, PARTIALLY_PAID, FULLY_PAID, VOID = range(1, 7)
INVOICE_STATUSES: list[dict] = [
    {"Id": NEW, "Name": "New"},
    {"Id": READY_TO_SEND, "Name": "Ready to Send"},
    {"Id": SENT, "Name": "Sent"},
    {"Id": PARTIALLY_PAID, "Name": "Partially Paid"},
    {"Id": FULLY_PAID, "Name": "Fully Paid"},
    {"Id": VOID, "Name": "Void"},
]
STATUS_NAMES = {s["Id"]: s["Name"] for s in INVOICE_STATUSES}

# ChartOfAccountTypeOutputDto (§1.5: the BMS type names are not published; these are QBD's).
GL_TYPES: list[dict] = [
    {"Id": i, "Name": name, "Description": text, "IsActive": True}
    for i, (name, text) in enumerate(
        [
            ("Asset", "Bank, receivables and other assets"),
            ("Liability", "Payables, sales tax and other liabilities"),
            ("Equity", "Owner's equity and retained earnings"),
            ("Income", "Revenue from services and sales"),
            ("Cost of Goods Sold", "Direct cost of what was sold"),
            ("Expense", "Operating expenses"),
        ],
        start=1,
    )
]
GL_TYPE_NAMES = {t["Id"]: t["Name"] for t in GL_TYPES}

# GET /v2/system/accounttypes/lookup returns Id, Name, IsActive, IsClient, IsVendor (§1.4).
ACCOUNT_TYPES: list[dict] = [
    {"Id": 1, "Name": "Client", "IsActive": True, "IsClient": True, "IsVendor": False},
    {"Id": 2, "Name": "Vendor", "IsActive": True, "IsClient": False, "IsVendor": True},
]
CLIENT, VENDOR = 1, 2

CLASSES = {1: "Managed Services", 2: "Projects"}  # Admin > Finance > Class List (§1.7)
CURRENCY_ID, CURRENCY_NAME = 1, "USD"
# Line TypeId/TypeName: not enumerated by the spec; illustrative values.
LINE_SERVICE, LINE_PRODUCT, LINE_LABOR = (1, "Service"), (2, "Product"), (3, "Labor")
DISCOUNT_TYPE = (4, "Discount")
MARGIN_PERCENT = 1  # ServiceListOutputDto.MarginType: undocumented; 1 = margin in percent
ADDRESS_MAIN, ADDRESS_BILLING, ADDRESS_SHIPPING = (1, "Main"), (2, "Billing"), (3, "Shipping")
MAX_LINES, MAX_DISCOUNTS = 6, 2

API_USER_ID = 17
EMPLOYEES = [
    (11, "Maya Chen"),
    (12, "Dana Whitfield"),
    (13, "Luis Ortega"),
    (14, "Priya Natarajan"),
]
BILLING_ADMIN = EMPLOYEES[1]
ACCOUNT_MANAGERS = [EMPLOYEES[0], EMPLOYEES[2], EMPLOYEES[3]]

CENT = Decimal("0.01")
ZERO = Decimal(0)
# -- reference data: chart of accounts, tax items, services -----------------------------------

# (Code, Name, TypeId, parent Code, Description, IsActive)
CHART: list[tuple[str, str, int, str | None, str | None, bool]] = [
    ("1000", "Checking", 1, None, "Operating account", True),
    ("1010", "Savings", 1, None, "Tax and payroll reserve", True),
    ("1100", "Accounts Receivable", 1, None, "Client invoices not yet paid", True),
    ("1200", "Undeposited Funds", 1, None, "Payments received, not yet deposited", True),
    ("1300", "Inventory Asset", 1, None, "Hardware held for resale", True),
    ("2000", "Accounts Payable", 2, None, "Vendor bills not yet paid", True),
    ("2100", "Sales Tax Payable", 2, None, "Sales tax collected, owed to the states", True),
    ("2200", "Payroll Liabilities", 2, None, None, True),
    ("3000", "Owner's Equity", 3, None, None, True),
    ("3100", "Retained Earnings", 3, None, None, True),
    ("4000", "Income", 4, None, "Parent of all revenue accounts", True),
    ("4010", "Managed Services Income", 4, "4000", "Recurring per-user and per-device plans", True),
    (
        "4020",
        "Professional Services Income",
        4,
        "4000",
        "Remote, onsite and after-hours labor",
        True,
    ),
    ("4030", "Hardware Sales", 4, "4000", "Resold hardware", True),
    ("4040", "Software & Licensing", 4, "4000", "Resold subscriptions and licences", True),
    ("4050", "Project Income", 4, "4000", "Project labor", True),
    ("4090", "Discounts Given", 4, "4000", "Contra-revenue: invoice discounts", True),
    ("4900", "Legacy Break/Fix Income", 4, "4000", "Retired in 2025, kept for history", False),
    ("5000", "Cost of Goods Sold", 5, None, "Parent of direct costs", True),
    ("5010", "Hardware Cost", 5, "5000", None, True),
    ("5020", "Licensing Cost", 5, "5000", None, True),
    ("5030", "Subcontractor Cost", 5, "5000", None, True),
    ("6000", "Expenses", 6, None, "Parent of operating expenses", True),
    ("6010", "Payroll Expenses", 6, "6000", None, True),
    ("6020", "Rent & Utilities", 6, "6000", None, True),
    ("6030", "Software Subscriptions", 6, "6000", "RMM, PSA and security tooling", True),
    ("6040", "Vehicle & Travel", 6, "6000", None, True),
    ("6090", "Bank Service Charges", 6, "6000", None, True),
]
DISCOUNT_GL_CODE = "4090"

# (Name, Description, TaxRate %, Vendor, component names if a group, IsActive).
# QbSalesTaxItemExportDto (§1.7 "Tax model", §1.9): one item per account and per invoice,
# items can be groups (IsTaxGroup, SalesTaxItemsIds). ParentId's meaning is undocumented:
# left None. VendorId is set where the agency exists as a vendor account (MA DOR only).
_MA_DOR, _VT_TAX = "Massachusetts Department of Revenue", "Vermont Department of Taxes"
TAX_ITEMS: list[tuple[str, str, str, str | None, tuple[str, ...], bool]] = [
    ("MA Sales Tax", "Massachusetts sales tax", "6.25", _MA_DOR, (), True),
    (
        "NH No Sales Tax",
        "New Hampshire has no general sales tax",
        "0",
        "New Hampshire Department of Revenue Administration",
        (),
        True,
    ),
    (
        "RI Sales Tax",
        "Rhode Island sales and use tax",
        "7",
        "Rhode Island Division of Taxation",
        (),
        True,
    ),
    (
        "CT Sales Tax",
        "Connecticut sales and use tax",
        "6.35",
        "Connecticut Department of Revenue Services",
        (),
        True,
    ),
    ("VT Sales Tax", "Vermont sales tax", "6", _VT_TAX, (), True),
    ("Burlington Local Option Tax", "Burlington, VT 1% local option tax", "1", _VT_TAX, (), True),
    (
        "VT Burlington Combined",
        "Vermont 6% + Burlington 1% local option",
        "7",
        None,
        ("VT Sales Tax", "Burlington Local Option Tax"),
        True,
    ),
    ("ME Sales Tax", "Maine sales tax", "5.5", "Maine Revenue Services", (), True),
    (
        "MA Sales Tax (pre-2009)",
        "Former 5% Massachusetts rate, replaced 1 Aug 2009",
        "5",
        _MA_DOR,
        (),
        False,
    ),
]
STATE_TAX = {
    "MA": "MA Sales Tax",
    "NH": "NH No Sales Tax",
    "RI": "RI Sales Tax",
    "CT": "CT Sales Tax",
    "VT": "VT Sales Tax",
    "ME": "ME Sales Tax",
}

CATEGORIES = {1: "Managed Services", 2: "Labor", 3: "Hardware", 4: "Software"}
UNITS = {1: "Each", 2: "Hour", 3: "User", 4: "Device", 5: "Seat", 6: "Server", 7: "Site", 8: "Year"}
UNIT_IDS = {v: k for k, v in UNITS.items()}
SUBCATEGORIES = {
    1: "Per User",
    2: "Per Device",
    3: "Per Site",
    4: "Remote",
    5: "Onsite",
    6: "Project",
    7: "Computers",
    8: "Networking",
    9: "Peripherals",
    10: "Microsoft 365",
    11: "Backup",
    12: "Security",
    13: "Domains",
}
SUBCATEGORY_IDS = {v: k for k, v in SUBCATEGORIES.items()}


@dataclass(frozen=True)
class _Service:
    role: str
    name: str
    category: int
    subcategory: str
    unit: str
    price: str
    cost: str
    income: str
    expense: str | None
    taxable: bool
    description: str
    active: bool = True


def _read_services() -> list[_Service]:
    """The service catalogue from services.csv (a table reads better as a table than as code)."""
    text = files(__package__).joinpath("services.csv").read_text(encoding="utf-8")
    flag = {"yes": True, "no": False}
    return [
        _Service(
            **{
                **row,
                "category": int(row["category"]),
                "expense": row["expense"] or None,
                "taxable": flag[row["taxable"]],
                "active": flag[row["active"]],
            }
        )
        for row in csv.DictReader(io.StringIO(text))
    ]


# services.csv: managed services and labor are not taxable; hardware and Microsoft 365
# (prewritten software, taxable in MA) are.
SERVICES: list[_Service] = _read_services()
SERVICE_BY_ROLE = {s.role: s for s in SERVICES}
