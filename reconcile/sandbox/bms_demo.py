"""The demo Kaseya BMS tenant the sandbox serves: the same MSP as the QBO demo company.

Harbor Point Managed IT LLC (Boston, MA) keeps its clients, catalogue and invoices in BMS
(tenant "HarborPointIT") and its books in QuickBooks Online (:mod:`qbo_demo`). This module
generates that BMS tenant: about sixty client accounts of a New England MSP (dental offices,
law firms, clinics, schools, manufacturers, nonprofits, a few abroad), two vendors, the chart
of accounts, the service catalogue, the sales-tax items and a few months of invoices.

Design
------
- **Shapes.** Every record is a dict in the exact shape of a component schema of the vendored
  OpenAPI document (``spec/kaseya-bms-v2-openapi.json``; see reference
  bms-api-and-peers.md §1.4–1.9): PascalCase keys, every key of the schema present, values
  of the declared types, date-times as RFC 3339 strings in UTC ("2026-08-03T09:15:00Z").
  Calendar dates (InvoiceDate, DueDate, InvoiceFrom/To, ValueDate) are midnight UTC.
- **Determinism.** Everything comes from ``random.Random`` seeded with ``seed`` (one
  sub-stream per kind of record) and from the explicit ``today``; nothing reads the clock.
  All timestamps lie before ``today`` 00:00 UTC (the data is "as of" the start of today);
  invoice dates may be ``today`` itself (drafts generated the day before).
- **Edge cases at fixed places.** The default sizes contain every case a loader must
  survive (apostrophes, accents, a colon, a 120-character name, a duplicate name, an
  inactive account, a parent/child pair, a missing code, foreign addresses, accounts with no
  or with two billing addresses; zero, credit and discounted invoices, fractional hours…).
  The named edge-case accounts (:data:`EDGE_NAMES`) are spread through the client list;
  the edge-case invoices (:data:`SPECIALS`) repeat in every block of 200 invoices, and the
  last two invoices are New and Ready to Send. Larger sizes add generated accounts and
  invoices that follow the same random patterns.
- **Invoices are a stream.** ``BmsDemo.invoices`` is an :class:`InvoiceStream`: iterable,
  *re-iterable* (each pass regenerates the same invoices from the seed, in InvoiceNumber
  order) and never held in memory as a whole, so 100,000 invoices cost no more memory than
  one. ``len(demo.invoices)`` is the count; ``list(demo.invoices)`` materialises them.
- **Ids** are per kind, sequential, from the bases of :data:`COMPACT_IDS` (accounts 1001,
  locations 5001, addresses 9001, GL 101, services 301, tax items 21, invoices 70001, lines
  800001, discount lines 900001), so ids never collide across kinds. When the sizes would
  overflow those ranges (more than 1,998 accounts, 16,666 invoices or 700 services, e.g.
  the 10,000/100,000 "large" tenant) every kind moves to its own block of 100 million
  (:data:`WIDE_IDS`: accounts 100000001, invoices 600000001…); see :func:`id_layout`.
- **Invoice content.** Dates are spread evenly over the window (``today`` minus ``months``
  months, to ``today``); invoice numbers follow the dates. Each invoice is a monthly
  agreement bill, hourly labor (tickets, quarter hours), hardware, a project or licences,
  by the client's ServiceType. Status depends on age (mostly Fully Paid when older than
  60 days; New only in the last week, Ready to Send in the last month).
- **Every active client is billed.** An invoice not bound to an edge-case account goes to a
  random active client already signed on its date, but every active client gets at least
  one invoice that can be exported (Ready to Send, Sent, Partially Paid or Fully Paid, and
  no negative line: reconcile.mapping.invoices) whatever ``today`` is, provided there are
  at least as many such random invoices as active clients: once the random invoices left
  before the last two are no more than the clients still without one, each goes to one of
  them (lowest Id first), as Sent (Ready to Send when dated ``today``). Until then the draw
  is the plain random one, so only the newest invoices of some days differ from it.

Money and the choices the spec leaves open
------------------------------------------
Amounts are computed with ``Decimal`` and emitted as floats with two decimals:
``line.TotalPrice = round(Qty × UnitPrice, 2)``; ``Discount = Σ DiscountItems.Value``;
``TotalPrice = Σ line TotalPrice − Discount``; ``TotalTax = round(Σ taxable line TotalPrice ×
SalesTaxRate / 100, 2)``; ``GrandTotal = TotalPrice + TotalTax``.

- *Discounts do not reduce tax* (assumption: BMS's discount lines carry ``IsTaxable`` but
  how they enter ``TotalTax`` is undocumented; we tax the gross taxable lines, and the
  discount lines are emitted with ``IsTaxable`` False to say so).
- *PaidAmount / PaymentDue* follow the status: 0 / GrandTotal for New, Ready to Send and
  Sent; 0 < paid < GrandTotal for Partially Paid; GrandTotal / 0 for Fully Paid.
- *Void* invoices keep their lines and totals (what was voided stays readable) but have
  PaidAmount 0 and PaymentDue 0: nothing is owed on them.
- *Credit invoices* (a negative line, e.g. users offboarded mid-month) have a negative
  GrandTotal, status Sent, PaidAmount 0 and a negative PaymentDue (the credit the client
  still has to use); a loader should turn them into QBO credit memos.
- *Bill-to*: the invoice's contact/address fields are copied from the account's billing
  address, chosen by :func:`billing_address` (the IsBilling address with the lowest Id,
  else the main location's main address), the rule reconcile.bms.loaders also uses.
  ``AccountLocationId/Name`` is the account's main location [inference].
"""

from __future__ import annotations

import calendar
import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "COMPACT_IDS",
    "EDGE_NAMES",
    "GL_TYPES",
    "INVOICE_STATUSES",
    "TENANT",
    "WIDE_IDS",
    "BmsDemo",
    "DemoSizes",
    "IdLayout",
    "InvoiceStream",
    "billing_address",
    "generate",
    "id_layout",
    "iter_invoices",
]

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
_STATUS_NAME = {s["Id"]: s["Name"] for s in INVOICE_STATUSES}

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
_GL_TYPE_NAME = {t["Id"]: t["Name"] for t in GL_TYPES}

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


@dataclass(frozen=True)
class DemoSizes:
    """How much to generate. ``accounts`` counts clients (two vendors are added)."""

    accounts: int = 60
    services: int = 25
    invoices: int = 200
    months: int = 4  # invoices spread over the last `months` months before `today`


@dataclass(frozen=True)
class IdLayout:
    """The first Id of each kind of record."""

    account: int
    location: int
    address: int
    gl: int
    service: int
    tax_item: int
    contract: int
    project: int
    invoice: int
    line: int
    discount: int


COMPACT_IDS = IdLayout(
    account=1001, location=5001, address=9001, gl=101, service=301, tax_item=21,
    contract=40001, project=55001, invoice=70001, line=800001, discount=900001,
)  # fmt: skip
_BLOCK = 100_000_000
WIDE_IDS = IdLayout(
    account=1 * _BLOCK + 1, location=2 * _BLOCK + 1, address=3 * _BLOCK + 1, gl=101,
    service=9 * _BLOCK + 1, tax_item=21, contract=4 * _BLOCK + 1, project=5 * _BLOCK + 1,
    invoice=6 * _BLOCK + 1, line=7 * _BLOCK + 1, discount=8 * _BLOCK + 1,
)  # fmt: skip


def id_layout(sizes: DemoSizes) -> IdLayout:
    """:data:`COMPACT_IDS` when every kind fits its range, else :data:`WIDE_IDS`.

    Per account at most 2 locations and 4 addresses; per invoice at most 6 lines and 2
    discount lines. Compact ranges: accounts 1001–5000, locations 5001–9000, addresses
    9001–40000, invoices 70001–800000, lines 800001–900000, services 301–1000."""
    total = sizes.accounts + 2
    if 2 * total <= 4000 and sizes.invoices * MAX_LINES <= 100_000 and sizes.services <= 700:
        return COMPACT_IDS
    if max(4 * total, sizes.invoices * MAX_LINES, sizes.services) >= _BLOCK:
        raise ValueError(f"{sizes} is too large for int32 ids")
    return WIDE_IDS


# -- small helpers ----------------------------------------------------------------------------


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _day(d: date) -> str:
    return f"{d.isoformat()}T00:00:00Z"


def _stamp(dt: datetime) -> str:
    """A naive datetime that means UTC, as RFC 3339 with the Z offset."""
    return f"{dt.isoformat(timespec='seconds')}Z"


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _month_bounds(d: date) -> tuple[date, date]:
    last = calendar.monthrange(d.year, d.month)[1]
    return d.replace(day=1), d.replace(day=last)


def _business_time(rng: random.Random, d: date) -> datetime:
    """A moment of office hours in Boston (13:00–21:59 UTC, i.e. 9–6 EDT)."""
    return datetime.combine(d, time(rng.randint(13, 21), rng.randint(0, 59), rng.randint(0, 59)))


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = [w for w in "".join(c if c.isalnum() else " " for c in ascii_name).lower().split()]
    stop = {"the", "of", "and", "inc", "llc", "llp", "pc", "co", "corp", "ltd", "pty", "gmbh"}
    slug = "".join(w for w in words if w not in stop)[:28]
    return slug or "client"


def _rng(seed: int, kind: str) -> random.Random:
    # A str seed is hashed with SHA-512 by random.seed (version 2): stable across runs.
    return random.Random(f"bms-demo:{seed}:{kind}")


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
    ("NH No Sales Tax", "New Hampshire has no general sales tax", "0",
     "New Hampshire Department of Revenue Administration", (), True),
    ("RI Sales Tax", "Rhode Island sales and use tax", "7",
     "Rhode Island Division of Taxation", (), True),
    ("CT Sales Tax", "Connecticut sales and use tax", "6.35",
     "Connecticut Department of Revenue Services", (), True),
    ("VT Sales Tax", "Vermont sales tax", "6", _VT_TAX, (), True),
    ("Burlington Local Option Tax", "Burlington, VT 1% local option tax", "1", _VT_TAX, (), True),
    ("VT Burlington Combined", "Vermont 6% + Burlington 1% local option", "7", None,
     ("VT Sales Tax", "Burlington Local Option Tax"), True),
    ("ME Sales Tax", "Maine sales tax", "5.5", "Maine Revenue Services", (), True),
    ("MA Sales Tax (pre-2009)", "Former 5% Massachusetts rate, replaced 1 Aug 2009", "5",
     _MA_DOR, (), False),
]  # fmt: skip
STATE_TAX = {"MA": "MA Sales Tax", "NH": "NH No Sales Tax", "RI": "RI Sales Tax",
             "CT": "CT Sales Tax", "VT": "VT Sales Tax", "ME": "ME Sales Tax"}  # fmt: skip

CATEGORIES = {1: "Managed Services", 2: "Labor", 3: "Hardware", 4: "Software"}
UNITS = {1: "Each", 2: "Hour", 3: "User", 4: "Device", 5: "Seat", 6: "Server", 7: "Site", 8: "Year"}
_UNIT_ID = {v: k for k, v in UNITS.items()}
SUBCATEGORIES = {
    1: "Per User", 2: "Per Device", 3: "Per Site", 4: "Remote", 5: "Onsite", 6: "Project",
    7: "Computers", 8: "Networking", 9: "Peripherals", 10: "Microsoft 365", 11: "Backup",
    12: "Security", 13: "Domains",
}  # fmt: skip
_SUBCATEGORY_ID = {v: k for k, v in SUBCATEGORIES.items()}


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


# Managed services and labor are not taxable; hardware and Microsoft 365 (prewritten
# software, taxable in MA) are.
SERVICES: list[_Service] = [
    _Service("mw", "Managed Workstation",
             1, "Per Device", "Device", "45.00", "9.50", "4010", None, False,
             "Monitoring, patching and endpoint protection per workstation, monthly"),
    _Service("ms", "Managed Server",
             1, "Per Device", "Server", "175.00", "32.00", "4010", None, False,
             "Monitoring, patching and backup checks per server, monthly"),
    _Service("mue", "Managed User – Essentials",
             1, "Per User", "User", "65.00", "14.00", "4010", None, False,
             "Help desk and security baseline per user, monthly"),
    _Service("muc", "Managed User – Complete",
             1, "Per User", "User", "125.00", "22.00", "4010", None, False,
             "Unlimited help desk, onsite visits and vCIO per user, monthly"),
    _Service("net", "Network Monitoring (per site)",
             1, "Per Site", "Site", "95.00", "15.00", "4010", None, False,
             "Firewall, switch and Wi-Fi monitoring per site, monthly"),
    _Service("bdr", "Backup & DR Monitoring",
             1, "Per Device", "Server", "60.00", "0", "4010", None, False,
             "Daily backup verification and quarterly restore test"),
    _Service("rs", "Remote Support",
             2, "Remote", "Hour", "125.00", "0", "4020", None, False,
             "Remote help desk, business hours"),
    _Service("os", "Onsite Support",
             2, "Onsite", "Hour", "150.00", "0", "4020", None, False,
             "Technician on site, business hours"),
    _Service("ah", "After-hours Emergency Support",
             2, "Remote", "Hour", "225.00", "0", "4020", None, False,
             "Evenings, weekends and holidays"),
    _Service("pe", "Project Labor – Engineer",
             2, "Project", "Hour", "165.00", "0", "4050", None, False,
             "Project work by an engineer"),
    _Service("pse", "Project Labor – Senior Engineer",
             2, "Project", "Hour", "195.00", "0", "4050", None, False,
             "Project work by a senior engineer"),
    _Service("vcio", "vCIO Consulting",
             2, "Onsite", "Hour", "200.00", "0", "4020", None, False,
             "Technology planning and budgeting"),
    _Service("cab", "Network Cabling (subcontracted)",
             2, "Onsite", "Hour", "95.00", "55.00", "4020", "5030", False,
             "Cat6 runs and patching by our cabling partner"),
    _Service("lap", "Dell Latitude 5550 Laptop",
             3, "Computers", "Each", "1349.00", "1089.00", "4030", "5010", True,
             "Intel Core Ultra 5, 16 GB, 512 GB SSD, 3-yr ProSupport"),
    _Service("desk", "Dell OptiPlex 7020 Desktop",
             3, "Computers", "Each", "989.00", "785.00", "4030", "5010", True,
             "Intel Core i5, 16 GB, 512 GB SSD"),
    _Service("mon", 'Dell 24" Monitor (P2425H)',
             3, "Peripherals", "Each", "229.00", "172.00", "4030", "5010", True,
             "24-inch IPS, USB-C"),
    _Service("fw", "Fortinet FortiGate 60F Firewall",
             3, "Networking", "Each", "799.00", "612.00", "4030", "5010", True,
             "Firewall with 1-yr UTP bundle"),
    _Service("wap", "Ubiquiti UniFi U6 Pro Access Point",
             3, "Networking", "Each", "189.00", "149.00", "4030", "5010", True,
             "Wi-Fi 6 access point, PoE"),
    _Service("ups", "APC Back-UPS Pro 1500VA",
             3, "Peripherals", "Each", "279.00", "211.00", "4030", "5010", True,
             "Battery backup with AVR"),
    _Service("m365p", "Microsoft 365 Business Premium",
             4, "Microsoft 365", "User", "22.00", "19.80", "4040", "5020", True,
             "NCE monthly, per user"),
    _Service("m365b", "Microsoft 365 Business Basic",
             4, "Microsoft 365", "User", "6.00", "5.40", "4040", "5020", True,
             "NCE monthly, per user"),
    _Service("bak", "Cloud Backup Seat (Microsoft 365)",
             4, "Backup", "Seat", "4.50", "2.25", "4040", "5020", False,
             "Mailbox, OneDrive and SharePoint backup per seat"),
    _Service("edr", "Endpoint Detection & Response Seat",
             4, "Security", "Seat", "8.00", "4.80", "4040", "5020", False,
             "Managed EDR with 24/7 SOC per seat"),
    _Service("dom", "Domain Name Renewal (1 year)",
             4, "Domains", "Year", "25.00", "14.00", "4040", "5020", False,
             "Registration renewal, per domain"),
    _Service("bfx", "Break/Fix Block – 10 Hours (retired)",
             2, "Onsite", "Each", "1200.00", "0", "4900", None, False,
             "Prepaid hours, no longer sold", active=False),
]  # fmt: skip
_SERVICE_BY_ROLE = {s.role: s for s in SERVICES}

# -- geography ---------------------------------------------------------------------------------

COUNTRIES = {  # CountryId: ISO 3166 numeric (BMS's own country ids are not published)
    "US": (840, "United States"),
    "CA": (124, "Canada"),
    "GB": (826, "United Kingdom"),
    "DE": (276, "Germany"),
    "AU": (36, "Australia"),
}
# key: (City, State, ZipCode, country, phone prefix, latitude, longitude)
CITIES: dict[str, tuple[str, str | None, str, str, str, float, float]] = {
    "Boston": ("Boston", "MA", "02110", "US", "617", 42.3601, -71.0589),
    "Cambridge": ("Cambridge", "MA", "02139", "US", "617", 42.3736, -71.1097),
    "Quincy": ("Quincy", "MA", "02169", "US", "617", 42.2529, -71.0023),
    "Dorchester": ("Dorchester", "MA", "02125", "US", "617", 42.3016, -71.0676),
    "Newton": ("Newton", "MA", "02458", "US", "617", 42.3370, -71.2092),
    "Waltham": ("Waltham", "MA", "02451", "US", "781", 42.3765, -71.2356),
    "Lexington": ("Lexington", "MA", "02421", "US", "781", 42.4473, -71.2245),
    "Dedham": ("Dedham", "MA", "02026", "US", "781", 42.2418, -71.1662),
    "Framingham": ("Framingham", "MA", "01702", "US", "508", 42.2793, -71.4162),
    "Worcester": ("Worcester", "MA", "01608", "US", "508", 42.2626, -71.8023),
    "Brockton": ("Brockton", "MA", "02301", "US", "508", 42.0834, -71.0184),
    "Plymouth": ("Plymouth", "MA", "02360", "US", "508", 41.9584, -70.6673),
    "Lowell": ("Lowell", "MA", "01852", "US", "978", 42.6334, -71.3162),
    "Salem": ("Salem", "MA", "01970", "US", "978", 42.5195, -70.8967),
    "Andover": ("Andover", "MA", "01810", "US", "978", 42.6583, -71.1368),
    "Springfield": ("Springfield", "MA", "01103", "US", "413", 42.1015, -72.5898),
    "Northampton": ("Northampton", "MA", "01060", "US", "413", 42.3251, -72.6412),
    "Nashua": ("Nashua", "NH", "03060", "US", "603", 42.7654, -71.4676),
    "Manchester": ("Manchester", "NH", "03101", "US", "603", 42.9956, -71.4548),
    "Portsmouth": ("Portsmouth", "NH", "03801", "US", "603", 43.0718, -70.7626),
    "Providence": ("Providence", "RI", "02903", "US", "401", 41.8240, -71.4128),
    "Cranston": ("Cranston", "RI", "02920", "US", "401", 41.7798, -71.4373),
    "Hartford": ("Hartford", "CT", "06103", "US", "860", 41.7658, -72.6734),
    "New Haven": ("New Haven", "CT", "06510", "US", "203", 41.3083, -72.9279),
    "Burlington VT": ("Burlington", "VT", "05401", "US", "802", 44.4759, -73.2121),
    "Portland ME": ("Portland", "ME", "04101", "US", "207", 43.6591, -70.2568),
    "Greenwood Village": ("Greenwood Village", "CO", "80111", "US", "303", 39.6172, -104.9508),
    "Ottawa": ("Ottawa", "ON", "K1P 5J2", "CA", "613", 45.4215, -75.6972),
    "Toronto": ("Toronto", "ON", "M5V 3L9", "CA", "416", 43.6426, -79.3871),
    "London": ("London", None, "EC1A 1BB", "GB", "20", 51.5202, -0.0979),
    "Manchester UK": ("Manchester", None, "M1 1AE", "GB", "161", 53.4794, -2.2453),
    "Stuttgart": ("Stuttgart", "Baden-Württemberg", "70173", "DE", "711", 48.7758, 9.1829),
    "Sydney": ("Sydney", "NSW", "2000", "AU", "2", -33.8688, 151.2093),
}
_STATE_CITIES: dict[str, list[str]] = {}
for _key, _city in CITIES.items():
    if _city[3] == "US" and _city[1] != "CO":
        _STATE_CITIES.setdefault(_city[1], []).append(_key)
_STATE_WEIGHTS = [("MA", 75), ("NH", 8), ("RI", 7), ("CT", 5), ("ME", 3), ("VT", 2)]
_FOREIGN_CITIES = ["Toronto", "Ottawa", "London", "Manchester UK", "Stuttgart", "Sydney"]

STREETS = [
    "Main St", "Washington St", "Elm St", "Commercial St", "Summer St", "Congress St",
    "Boylston St", "Centre St", "Pleasant St", "High St", "Water St", "Park Ave", "Mill St",
    "Industrial Way", "Technology Dr", "School St", "Union St", "Chestnut St", "Maple Ave",
    "Franklin St", "Central St", "Broadway", "Cedar St", "Harbor Rd",
]  # fmt: skip
SUITES = ["Suite 100", "Suite 200", "Suite 310", "Floor 2", "Floor 3", "Unit 4B", "Building C"]


def _phone(rng: random.Random, country: str, prefix: str) -> str:
    """A fictional-range number in the country's usual written form."""
    if country in ("US", "CA"):  # NANP 555-0100..0199 is reserved for fiction
        return f"({prefix}) 555-{rng.randint(100, 199):04d}"
    if country == "GB":  # Ofcom drama numbers
        return f"+44 {prefix} 7946 0{rng.randint(0, 999):03d}"
    if country == "DE":
        return f"+49 {prefix} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    return f"+61 {prefix} 5550 {rng.randint(0, 9999):04d}"  # ACMA fictional range


# -- accounts ---------------------------------------------------------------------------------

BUSINESS_TYPES = {
    1: "Healthcare", 2: "Legal", 3: "Education", 4: "Manufacturing", 5: "Nonprofit",
    6: "Professional Services", 7: "Hospitality", 8: "Construction", 9: "Retail",
    10: "Real Estate", 11: "Financial Services", 12: "Distribution",
}  # fmt: skip
COMPLETE, ESSENTIALS, BREAK_FIX, PROJECT_ONLY = 1, 2, 3, 4
SERVICE_TYPES = {
    COMPLETE: "Managed – Complete",
    ESSENTIALS: "Managed – Essentials",
    BREAK_FIX: "Break/Fix",
    PROJECT_ONLY: "Project Only",
}
_PLAN_OF = {v: k for k, v in SERVICE_TYPES.items()}

# Billing-address patterns (see billing_address): main address only, not flagged; main address
# also flagged IsBilling; a billing address in the main location; a second location
# "Billing Office"; two IsBilling addresses (billing address in the main location and a
# "Remittance" location; the first by Id wins).
MAIN_ONLY, MAIN_IS_BILLING, BILLING_IN_MAIN, BILLING_LOCATION, TWO_BILLING = range(5)
_BILLING_WEIGHTS = [30, 35, 18, 12, 5]

# The named edge-case accounts, by role (tests and docs look them up here).
EDGE_NAMES = {
    "qbo_match": "Bayside Dental Group",  # also a customer of the QBO demo company
    "apostrophe": "O'Brien & Sons Plumbing",
    "accents": "Café Lumière Bistro",
    "umlauts": "Zürich Präzision GmbH",
    "parent": "Acme Manufacturing Corp.",
    "colon": "Acme: West Division",
    "long": "Greater Boston Association of Independent Community Pharmacists, Compounding "
    "Specialists & Allied Health Providers, Inc.",
    "duplicate": "Riverside Family Dental",
    "inactive": "Pioneer Valley Realty",
    "uk": "Thames & Hart Solicitors LLP",
    "australia": "Southern Cross Logistics Pty Ltd",
    "nh_zero_rate": "Granite State Veterinary Clinic",
    "tax_group": "Lake Champlain Outfitters",
    "ct": "Nutmeg Legal Partners, P.C.",
    "school": "Harborview Charter School",
    "no_code": "Back Bay Chamber Ensemble",
    "two_billing": "Kowalski & Nguyen, CPAs",
    "billing_location": "Mass Bay Orthopedic Associates",
    "billing_in_main": "St. Brendan's Parish",
    "maine": "Casco Bay Marine Supply",
}
VENDORS = [
    ("Pax8, Inc.", "Greenwood Village", "5500 S Quebec St", "Suite 350", "https://www.pax8.com"),
    ("Massachusetts Department of Revenue", "Boston", "100 Cambridge St", None,
     "https://www.mass.gov/dor"),
]  # fmt: skip
MA_DOR = VENDORS[1][0]


@dataclass
class _Spec:
    """What to build for one client account (fixed edge cases and generated ones alike)."""

    name: str
    business_type: int
    city: str
    plan: int
    billing: int
    role: str | None = None
    tax: str | None = "state"  # "state" = the state's item; None = not taxable; or an item name
    street: str | None = None
    active: bool = True
    code: bool = True
    parent_role: str | None = None
    main_email: str | None = None
    established: bool = True
    shipping: bool = False


_FIXED: list[_Spec] = [
    _Spec(EDGE_NAMES["qbo_match"], 1, "Quincy", COMPLETE, MAIN_IS_BILLING, "qbo_match",
          street="14 Shore Rd", main_email="office@baysidedental.example"),
    _Spec(EDGE_NAMES["apostrophe"], 8, "Dorchester", BREAK_FIX, MAIN_ONLY, "apostrophe"),
    _Spec(EDGE_NAMES["accents"], 7, "Ottawa", ESSENTIALS, BILLING_IN_MAIN, "accents", tax=None),
    _Spec(EDGE_NAMES["umlauts"], 4, "Stuttgart", ESSENTIALS, MAIN_IS_BILLING, "umlauts", tax=None),
    _Spec(EDGE_NAMES["parent"], 4, "Worcester", COMPLETE, BILLING_LOCATION, "parent",
          shipping=True),
    _Spec(EDGE_NAMES["colon"], 4, "Springfield", ESSENTIALS, MAIN_ONLY, "colon",
          parent_role="parent"),
    _Spec(EDGE_NAMES["long"], 1, "Boston", PROJECT_ONLY, MAIN_IS_BILLING, "long"),
    _Spec(EDGE_NAMES["duplicate"], 1, "Worcester", COMPLETE, MAIN_IS_BILLING, "duplicate"),
    _Spec(EDGE_NAMES["inactive"], 10, "Northampton", BREAK_FIX, MAIN_ONLY, "inactive",
          active=False),
    _Spec(EDGE_NAMES["uk"], 2, "London", ESSENTIALS, BILLING_IN_MAIN, "uk", tax=None),
    _Spec(EDGE_NAMES["australia"], 12, "Sydney", PROJECT_ONLY, MAIN_IS_BILLING, "australia",
          tax=None),
    _Spec(EDGE_NAMES["nh_zero_rate"], 1, "Nashua", COMPLETE, MAIN_IS_BILLING, "nh_zero_rate"),
    _Spec(EDGE_NAMES["tax_group"], 9, "Burlington VT", BREAK_FIX, BILLING_IN_MAIN, "tax_group",
          tax="VT Burlington Combined"),
    _Spec(EDGE_NAMES["duplicate"], 1, "Cranston", ESSENTIALS, MAIN_ONLY, "duplicate_2"),
    _Spec(EDGE_NAMES["ct"], 2, "Hartford", COMPLETE, BILLING_IN_MAIN, "ct"),
    _Spec(EDGE_NAMES["school"], 3, "Boston", COMPLETE, BILLING_LOCATION, "school", tax=None),
    _Spec(EDGE_NAMES["no_code"], 5, "Boston", BREAK_FIX, MAIN_ONLY, "no_code", tax=None,
          code=False),
    _Spec(EDGE_NAMES["two_billing"], 6, "Newton", ESSENTIALS, TWO_BILLING, "two_billing"),
    _Spec(EDGE_NAMES["billing_location"], 1, "Brockton", COMPLETE, BILLING_LOCATION,
          "billing_location"),
    _Spec(EDGE_NAMES["billing_in_main"], 5, "Quincy", BREAK_FIX, BILLING_IN_MAIN,
          "billing_in_main", tax=None),
    _Spec(EDGE_NAMES["maine"], 9, "Portland ME", ESSENTIALS, TWO_BILLING, "maine", shipping=True),
]  # fmt: skip

PLACES = [
    "Beacon Hill", "Cape Ann", "Charles River", "Merrimack", "Blackstone", "Nashoba",
    "Quabbin", "Minuteman", "Wachusett", "Pilgrim", "North Shore", "South Shore", "MetroWest",
    "Berkshire", "Mystic", "Neponset", "Commonwealth", "Bunker Hill", "Lexington", "Concord",
    "Brookline", "Waltham", "Marblehead", "Gloucester", "Andover", "Needham", "Wellesley",
    "Sudbury", "Hingham", "Cohasset", "Duxbury", "Falmouth", "Chatham", "Pioneer", "Seacoast",
    "Narragansett", "Monadnock", "Housatonic", "Green Mountain", "Penobscot",
]  # fmt: skip
SURNAMES = [
    "Sullivan", "Murphy", "Donovan", "Costa", "Silva", "Nguyen", "Patel", "Cohen", "Rossi",
    "Kowalski", "Chen", "Goldberg", "Fitzgerald", "Haddad", "Okafor", "Lindqvist", "Moreau",
    "Brennan", "Oliveira", "Park", "Whitaker", "Delgado", "Fischer", "Abernathy", "Kaplan",
    "Mahoney", "Papadopoulos", "Reilly", "Santos", "Tremblay", "O'Connell", "Da Silva",
]  # fmt: skip
# (template, BusinessTypeId)
KINDS = [
    ("{place} Family Dentistry", 1), ("{place} Pediatric Dental", 1), ("{place} Orthodontics", 1),
    ("{place} Physical Therapy", 1), ("{place} Medical Associates", 1), ("{place} Eye Care", 1),
    ("{place} Veterinary Hospital", 1), ("{surname} Law Group", 2),
    ("{surname} & {surname2}, LLP", 2), ("{surname} Legal, P.C.", 2),
    ("{place} Montessori School", 3), ("{place} Academy", 3), ("{place} Precision Machining", 4),
    ("{place} Plastics, Inc.", 4), ("{place} Tool & Die", 4), ("{place} Food Pantry", 5),
    ("{place} Community Foundation", 5), ("{place} Land Trust", 5),
    ("{surname} Architects", 6), ("{surname} Engineering Group", 6),
    ("{surname} & {surname2} CPAs", 6), ("{place} Brewing Company", 7), ("{place} Inn", 7),
    ("{place} Builders", 8), ("{surname} Electric Co.", 8), ("{place} Hardware & Supply", 9),
    ("{place} Realty", 10), ("{place} Property Management", 10),
    ("{place} Insurance Agency", 11), ("{surname} Wealth Advisors", 11),
    ("{place} Credit Union", 11), ("{place} Distributors", 12),
]  # fmt: skip
FIRST_NAMES = [
    "Emily", "Michael", "Sarah", "David", "Olivia", "James", "Sofia", "Daniel", "Aisha",
    "Kevin", "Chloé", "Brian", "Mei", "Patrick", "Grace", "Thomas", "Renée", "Carlos",
]  # fmt: skip
NO_TAX_TYPES = {3, 5}  # schools and nonprofits are exempt


def _plan_weights(business_type: int) -> list[int]:
    # Complete, Essentials, Break/Fix, Project Only
    return [30, 35, 15, 20] if business_type in (4, 8, 12) else [38, 37, 18, 7]


def _generic_spec(rng: random.Random, index: int, names: set[str]) -> _Spec:
    if rng.random() < 0.01:
        city = rng.choice(_FOREIGN_CITIES)
    else:
        state = rng.choices([s for s, _ in _STATE_WEIGHTS], [w for _, w in _STATE_WEIGHTS])[0]
        city = rng.choice(_STATE_CITIES[state])
    name = ""
    for attempt in range(8):
        template, btype = rng.choice(KINDS)
        s1, s2 = rng.sample(SURNAMES, 2)
        name = template.format(place=rng.choice(PLACES), surname=s1, surname2=s2)
        if attempt >= 4:
            name = f"{name} of {CITIES[city][0]}"
        if name not in names:
            break
    else:
        name = f"{name} #{index + 1}"
    names.add(name)
    plan = rng.choices(list(SERVICE_TYPES), _plan_weights(btype))[0]
    billing = rng.choices(range(5), _BILLING_WEIGHTS)[0]
    tax: str | None = "state"
    if btype in NO_TAX_TYPES or CITIES[city][3] != "US" or rng.random() < 0.08:
        tax = None  # exempt (resale certificate, nonprofit, school) or abroad
    return _Spec(
        name,
        btype,
        city,
        plan,
        billing,
        tax=tax,
        established=index % 25 != 12,  # now and then a client signed during the window
        shipping=rng.random() < 0.1,
    )


@dataclass
class _Clock:
    """The fixed time frame of one generation."""

    today: date
    months: int
    window_start: date = field(init=False)
    cap: datetime = field(init=False)  # latest possible timestamp: the end of yesterday

    def __post_init__(self) -> None:
        self.window_start = _add_months(self.today, -self.months)
        self.cap = datetime.combine(self.today, time()) - timedelta(seconds=1)

    def created_range(self) -> tuple[date, date]:
        """Established accounts: created in the last year, before the invoice window."""
        hi = self.window_start - timedelta(days=1)
        lo = min(self.today - timedelta(days=365), hi - timedelta(days=180))
        return lo, hi

    def moment(self, rng: random.Random, lo: date, hi: date) -> datetime:
        span = max((hi - lo).days, 0)
        return min(_business_time(rng, lo + timedelta(days=rng.randint(0, span))), self.cap)

    def later(self, rng: random.Random, start: datetime, p_same: float = 0.3) -> datetime:
        """A moment between ``start`` and yesterday (``start`` itself with p_same)."""
        if rng.random() < p_same or start >= self.cap:
            return start
        return max(start, self.moment(rng, start.date(), self.cap.date()))


class _AccountBuilder:
    def __init__(self, rng: random.Random, ids: IdLayout) -> None:
        self.rng = rng
        self.next_location, self.next_address = ids.location, ids.address

    def _address(
        self,
        kind: tuple[int, str],
        city_key: str,
        stamp: tuple,
        *,
        main: bool,
        billing: bool,
        line1: str,
        line2: str | None,
        email: str | None,
        fax: bool = False,
    ) -> dict:
        rng = self.rng
        city, state, zipcode, country, prefix, lat, lon = CITIES[city_key]
        country_id, country_name = COUNTRIES[country]
        has_geo = rng.random() < 0.85
        address = {
            "Id": self.next_address,
            "CreatedBy": stamp[0],
            "CreatedOn": stamp[1],
            "ModifiedBy": stamp[2],
            "ModifiedOn": stamp[3],
            "Address1": line1,
            "Address2": line2,
            "City": city,
            "State": state,
            "ZipCode": zipcode,
            "CountryId": country_id,
            "Country": country_name,
            "Phone": _phone(rng, country, prefix),
            "Fax": _phone(rng, country, prefix) if fax else None,
            "Latitude": round(lat + rng.uniform(-0.02, 0.02), 6) if has_geo else None,
            "Longitude": round(lon + rng.uniform(-0.02, 0.02), 6) if has_geo else None,
            "EmailAddress": email,
            "IsMain": main,
            "IsBilling": billing,
            "AddressTypeId": kind[0],
            "AddressType": kind[1],
        }
        self.next_address += 1
        return address

    def _location(self, name: str, main: bool, stamp: tuple, country: str) -> dict:
        location = {
            "Id": self.next_location,
            "CreatedBy": stamp[0],
            "CreatedOn": stamp[1],
            "ModifiedBy": stamp[2],
            "ModifiedOn": stamp[3],
            "LocationName": name,
            "IsMain": main,
            "IsActive": True,
            # Tenant lookup ids (time zone, formats) are not published; illustrative values.
            "TimeZoneId": {"US": 11, "CA": 11, "GB": 29, "DE": 31, "AU": 65}[country],
            "DateFormatId": 1 if country == "US" else 2,
            "TimeFormatId": 1 if country in ("US", "CA", "AU") else 2,
            "Addresses": [],
        }
        self.next_location += 1
        return location

    def locations(self, spec: _Spec, domain: str, stamp: tuple, vendor: bool = False) -> list:
        rng = self.rng
        city_key = spec.city
        country = CITIES[city_key][3]
        street = spec.street or f"{rng.randint(1, 2400)} {rng.choice(STREETS)}"
        suite = rng.choice(SUITES) if rng.random() < 0.4 else None
        main_email = spec.main_email
        if main_email is None and rng.random() < 0.6:
            main_email = f"{rng.choice(['info', 'office', 'frontdesk'])}@{domain}"
        bill_email = f"{rng.choice(['ap', 'billing', 'accounts', 'invoices'])}@{domain}"
        bill_email = spec.main_email or bill_email  # Bayside keeps the QBO demo's email
        main_name = rng.choice(["Main Office", "Headquarters", f"{CITIES[city_key][0]} Office"])
        main_loc = self._location(main_name, True, stamp, country)
        locations = [main_loc]
        pattern = spec.billing
        main_addr = self._address(
            ADDRESS_MAIN,
            city_key,
            stamp,
            main=True,
            billing=pattern == MAIN_IS_BILLING,
            line1=street,
            line2=suite,
            email=bill_email if pattern == MAIN_IS_BILLING else main_email,
            fax=rng.random() < 0.25,
        )
        main_loc["Addresses"].append(main_addr)
        if vendor:
            return locations
        if pattern in (BILLING_IN_MAIN, TWO_BILLING):
            po_box = rng.random() < 0.5
            main_loc["Addresses"].append(
                self._address(
                    ADDRESS_BILLING,
                    city_key,
                    stamp,
                    main=False,
                    billing=True,
                    line1=f"PO Box {rng.randint(100, 9999)}" if po_box else street,
                    line2=None if po_box else "Attn: Accounts Payable",
                    email=bill_email,
                )
            )
        if spec.shipping:
            main_loc["Addresses"].append(
                self._address(
                    ADDRESS_SHIPPING,
                    city_key,
                    stamp,
                    main=False,
                    billing=False,
                    line1=f"{rng.randint(1, 400)} {rng.choice(STREETS)}",
                    line2="Loading Dock",
                    email=None,
                )
            )
        if pattern in (BILLING_LOCATION, TWO_BILLING):
            state = CITIES[city_key][1]
            other = rng.choice(_STATE_CITIES[state]) if country == "US" else city_key
            name = "Billing Office" if pattern == BILLING_LOCATION else "Remittance"
            loc = self._location(name, False, stamp, country)
            email = bill_email if pattern == BILLING_LOCATION else f"remit@{domain}"
            loc["Addresses"].append(
                self._address(
                    ADDRESS_BILLING,
                    other,
                    stamp,
                    main=False,
                    billing=True,
                    line1=f"{rng.randint(1, 900)} {rng.choice(STREETS)}",
                    line2=rng.choice(SUITES),
                    email=email,
                    fax=rng.random() < 0.3,
                )
            )
            locations.append(loc)
        return locations


def _accounts(sizes: DemoSizes, ids: IdLayout, clock: _Clock, seed: int, tax_ids: dict):
    rng = _rng(seed, "accounts")
    builder = _AccountBuilder(rng, ids)
    n = sizes.accounts
    fixed = _FIXED[:n]
    positions = {(j * n) // len(fixed): spec for j, spec in enumerate(fixed)} if fixed else {}
    names = {s.name for s in _FIXED}
    specs = [positions.get(i) or _generic_spec(rng, i, names) for i in range(n)]
    role_ids: dict[str, int] = {}
    accounts = []
    created_lo, created_hi = clock.created_range()
    for i, spec in enumerate(specs):
        account_id = ids.account + i
        if spec.role:
            role_ids[spec.role] = account_id
        if spec.established:
            created = clock.moment(rng, created_lo, created_hi)
        else:  # a new client, signed during the invoice window
            created = clock.moment(rng, clock.window_start, clock.today - timedelta(days=20))
        modified = clock.later(rng, created, p_same=0.0 if not spec.active else 0.3)
        creator, editor = rng.choice(EMPLOYEES)[0], rng.choice(EMPLOYEES)[0]
        stamp = (creator, _stamp(created), editor, _stamp(modified))
        domain = f"{_slug(spec.name)}.example"
        manager = rng.choice(ACCOUNT_MANAGERS)
        tax_name = None
        if spec.tax == "state":
            tax_name = STATE_TAX.get(CITIES[spec.city][1] or "")
        elif spec.tax:
            tax_name = spec.tax
        class_id = None
        if spec.plan in (COMPLETE, ESSENTIALS) and rng.random() < 0.6:
            class_id = 1
        elif spec.plan == PROJECT_ONLY and rng.random() < 0.7:
            class_id = 2
        users = _users(account_id)
        acquired = None
        if rng.random() < 0.7:
            acquired = _day(created.date() - timedelta(days=rng.randint(0, 1500)))
        description = None
        if rng.random() < 0.4:
            description = (
                f"{BUSINESS_TYPES[spec.business_type]} client, {users} users, "
                f"{SERVICE_TYPES[spec.plan]} plan"
            )
        accounts.append(
            {
                "Id": account_id,
                "CreatedBy": creator,
                "CreatedOn": stamp[1],
                "ModifiedBy": editor,
                "ModifiedOn": stamp[3],
                "ParentId": role_ids.get(spec.parent_role) if spec.parent_role else None,
                "AccountCode": f"C{i + 1:04d}" if spec.code else None,
                "AccountTypeId": CLIENT,
                "AccountType": "Client",
                "AccountName": spec.name,
                "BusinessTypeId": spec.business_type,
                "BusinessType": BUSINESS_TYPES[spec.business_type],
                "ServiceTypeId": spec.plan,
                "ServiceType": SERVICE_TYPES[spec.plan],
                "AccountManagerId": manager[0],
                "AccountManagerUserName": manager[1],
                "CurrencyId": CURRENCY_ID,
                "CurrencyName": CURRENCY_NAME,
                "CreditLimit": rng.choice([None, None, 2500.0, 5000.0, 10000.0, 25000.0]),
                "NetDays": rng.choice([30, 30, 30, 30, 15, 15, 45, 60, 0, None]),
                "SalesTaxItemId": tax_ids[tax_name] if tax_name else None,
                "SalesTaxItemName": tax_name,
                "Website": f"https://www.{domain}" if rng.random() < 0.6 else None,
                "Description": description,
                "ClassId": class_id,
                "ClassName": CLASSES.get(class_id) if class_id else None,
                "IsActive": spec.active,
                "IsBilling": True,
                "AcquiredDate": acquired,
                "TenantName": TENANT,
                "Locations": builder.locations(spec, domain, stamp),
            }
        )
    for k, (name, city, street, suite, website) in enumerate(VENDORS):
        created = clock.moment(rng, created_lo, created_hi)
        modified = clock.later(rng, created)
        stamp = (BILLING_ADMIN[0], _stamp(created), BILLING_ADMIN[0], _stamp(modified))
        spec = _Spec(name, 6, city, BREAK_FIX, MAIN_ONLY, street=street)
        locations = builder.locations(spec, f"{_slug(name)}.example", stamp, vendor=True)
        locations[0]["Addresses"][0]["Address2"] = suite
        accounts.append(
            {
                "Id": ids.account + n + k,
                "CreatedBy": stamp[0],
                "CreatedOn": stamp[1],
                "ModifiedBy": stamp[2],
                "ModifiedOn": stamp[3],
                "ParentId": None,
                "AccountCode": f"V{k + 1:04d}",
                "AccountTypeId": VENDOR,
                "AccountType": "Vendor",
                "AccountName": name,
                "BusinessTypeId": None,
                "BusinessType": None,
                "ServiceTypeId": None,
                "ServiceType": None,
                "AccountManagerId": None,
                "AccountManagerUserName": None,
                "CurrencyId": CURRENCY_ID,
                "CurrencyName": CURRENCY_NAME,
                "CreditLimit": None,
                "NetDays": 30,
                "SalesTaxItemId": None,
                "SalesTaxItemName": None,
                "Website": website,
                "Description": "Vendor (distributor)" if k == 0 else "Sales tax agency",
                "ClassId": None,
                "ClassName": None,
                "IsActive": True,
                "IsBilling": False,
                "AcquiredDate": None,
                "TenantName": TENANT,
                "Locations": locations,
            }
        )
    return accounts


def _users(account_id: int) -> int:
    """Seats of a client (a function of its Id, so invoices need no hidden state)."""
    return 4 + (account_id * 7919) % 57


def billing_address(account: dict) -> tuple[dict, dict] | None:
    """The (location, address) an invoice is billed to.

    The address flagged ``IsBilling`` with the lowest ``Id`` (whatever its location), else
    the ``IsMain`` address of the ``IsMain`` location, else the first address; None when the
    account has no address. Same rule as ``reconcile.bms.loaders.pick_addresses``."""
    pairs = [(loc, a) for loc in account.get("Locations") or [] for a in loc.get("Addresses") or []]
    if not pairs:
        return None
    billing = [p for p in pairs if p[1].get("IsBilling")]
    if billing:
        return min(billing, key=lambda p: p[1]["Id"])
    for loc, a in pairs:
        if loc.get("IsMain") and a.get("IsMain"):
            return loc, a
    return pairs[0]


# -- catalogue ------------------------------------------------------------------------------------


def _gl_accounts(ids: IdLayout) -> list[dict]:
    by_code = {code: ids.gl + i for i, (code, *_) in enumerate(CHART)}
    names = {code: name for code, name, *_ in CHART}
    return [
        {
            "Id": by_code[code],
            "Code": code,
            "Name": name,
            "Description": description,
            "TypeId": type_id,
            "TypeName": _GL_TYPE_NAME[type_id],
            "ParentId": by_code[parent] if parent else None,
            "ParentName": names[parent] if parent else None,
            "IsActive": active,
        }
        for code, name, type_id, parent, description, active in CHART
    ]


def _tax_items(ids: IdLayout, vendor_ids: dict[str, int]) -> list[dict]:
    by_name = {item[0]: ids.tax_item + i for i, item in enumerate(TAX_ITEMS)}
    return [
        {
            "Id": by_name[name],
            "Name": name,
            "Description": description,
            "IsActive": active,
            "TaxRate": float(Decimal(rate)),
            "IsTaxGroup": bool(parts),
            "Vendor": vendor,
            "VendorId": vendor_ids.get(vendor) if vendor else None,
            "ParentId": None,
            "ExternalSalesTaxItemId": None,  # nothing mapped to QuickBooks yet (§1.9)
            "ExternalVendorId": None,
            "SalesTaxItemsIds": [by_name[p] for p in parts] if parts else None,
        }
        for name, description, rate, vendor, parts, active in TAX_ITEMS
    ]


def _services(sizes: DemoSizes, ids: IdLayout, clock: _Clock, seed: int) -> list[dict]:
    rng = _rng(seed, "services")
    gl_names = {code: name for code, name, *_ in CHART}
    out = []
    for i in range(sizes.services):
        s = SERVICES[i % len(SERVICES)]
        tier = i // len(SERVICES)
        name = s.name if tier == 0 else f"{s.name} (Tier {tier + 1})"
        price = Decimal(s.price) * (1 + Decimal(tier) / 10)
        price, cost = _money(price), _money(Decimal(s.cost))
        margin = None
        if cost > 0 and price > 0:
            margin = float(_money((price - cost) / price * 100))
        created = clock.moment(
            rng, clock.today - timedelta(days=900), clock.today - timedelta(days=400)
        )
        modified = clock.later(rng, created, p_same=0.4)
        out.append(
            {
                "Id": ids.service + i,
                "Name": name,
                "Description": s.description,
                "UnitCost": float(cost),
                "UnitPrice": float(price),
                "CategoryId": s.category,
                "Category": CATEGORIES[s.category],
                "Margin": margin,
                "MarginType": MARGIN_PERCENT if margin is not None else None,
                "SubCategoryId": _SUBCATEGORY_ID[s.subcategory],
                "SubCategory": s.subcategory,
                "UnitOfMeasureId": _UNIT_ID[s.unit],
                "UnitOfMeasure": s.unit,
                "IncomeAccountCode": s.income,
                "IncomeAccountName": gl_names[s.income],
                "ExpenseAccountCode": s.expense,
                "ExpenseAccountName": gl_names[s.expense] if s.expense else None,
                "IsActive": s.active,
                "IsTaxable": s.taxable,
                "CreatedOn": _stamp(created),
                "CreatedBy": EMPLOYEES[0][0],
                "ModifiedOn": _stamp(modified),
                "ModifiedBy": rng.choice(EMPLOYEES)[0],
            }
        )
    return out


def _user(today: date) -> dict:
    """UserInfoOutputDto of the sandbox's API user (GET /v2/security/userinfo, §1.2)."""
    return {
        "UserId": API_USER_ID,
        "FullName": "API Sync",
        "EmailAddress": API_USER_EMAIL,
        "TimeStamp": _day(today),
        "TimeZoneValue": -5.0,
        "TimeZoneName": "(UTC-05:00) Eastern Time (US & Canada)",
        "OlsonTimeZoneName": "America/New_York",
        "DateFormat": "MM/dd/yyyy",
        "TimeFormat": "hh:mm tt",
        "TimeFormatWithSeconds": "hh:mm:ss tt",
        "TenantId": 4127,
        "AccountId": None,
        "LocationId": None,
        "ContactId": None,
        "BusinessName": BUSINESS_NAME,
        # The API role: Finance View/Modify, CRM View, Admin View + Has API Access (§1.2).
        "UserAccessRights": [
            {
                "CanView": True,
                "CanModify": modify,
                "CanDelete": False,
                "MainMenuId": menu,
                "MenuCategoryId": menu,
                "ListingIDEnum": 0,
            }
            for menu, modify in ((2, False), (6, True), (9, False))
        ],
        "SpecialFeatures": [],
        "ViewsMenus": [],
        "QueuesMenus": [],
        "CurrencyCode": "USD",
        "CultureCode": "en-US",
        "FilesVersionNumber": "2.0.0",
        "NewTicketingUI": True,
        "IsUserSystemAdmin": False,
        "ProductName": "BMS",
        "PictureUrl": None,
        "OpenIdRealmId": None,
    }


# -- invoices ------------------------------------------------------------------------------------

ISSUES = [
    "Outlook profile rebuild", "Printer offline after update", "VPN will not connect",
    "New user onboarding", "Wi-Fi dead zone in conference room", "MFA enrollment",
    "Server patch failure", "QuickBooks data file repair", "Phishing email investigation",
    "Laptop setup and data transfer", "Shared drive permissions", "Scanner to email",
    "Firewall firmware upgrade", "Teams audio issues", "Backup job failed", "Offboarding",
]  # fmt: skip
PROJECTS = [
    "Microsoft 365 Migration", "Firewall Refresh", "Wi-Fi Upgrade", "Server Virtualization",
    "New Office Build-out", "Windows 11 Rollout", "Network Segmentation", "Phone System Cutover",
]  # fmt: skip
NOTES = [
    "Thank you for your business!",
    "Please remit by ACH; details on the remittance slip.",
    "Questions about this invoice? billing@harborpoint-it.example",
    "Includes after-hours work approved by phone.",
]
# Edge-case invoices, by position in every block of 200 (0 = only the very first invoice).
SPECIALS = {
    0: "inactive", 3: "zero", 7: "credit", 11: "nontaxable_on_taxable", 13: "fractional",
    17: "discount_two", 20: "partial", 23: "duplicate", 24: "duplicate_2", 27: "long",
    29: "accents", 31: "uk", 33: "umlauts", 35: "australia", 37: "colon", 38: "parent",
    41: "return_line", 43: "tax_group", 45: "nh_zero_rate", 47: "two_billing", 49: "no_code",
    51: "apostrophe", 53: "void", 55: "six_lines", 57: "discount_one", 59: "maine",
}  # fmt: skip
# The statuses reconcile.mapping.invoices exports (EXPORTABLE_STATUSES).
_EXPORTABLE = (READY_TO_SEND, SENT, PARTIALLY_PAID, FULLY_PAID)


def _special(i: int) -> str | None:
    """The edge case of invoice ``i`` (0-based), if any: position ``i % 200`` of SPECIALS,
    except that position 0 is the very first invoice only."""
    return SPECIALS.get(i % 200) if (i % 200 or i == 0) else None


_STATUS_BY_AGE = [  # (max age in days, [(status, weight)])
    (7, [(NEW, 15), (READY_TO_SEND, 15), (SENT, 55), (FULLY_PAID, 10), (PARTIALLY_PAID, 3),
         (VOID, 2)]),
    (30, [(READY_TO_SEND, 3), (SENT, 50), (PARTIALLY_PAID, 10), (FULLY_PAID, 35), (VOID, 2)]),
    (60, [(SENT, 22), (PARTIALLY_PAID, 8), (FULLY_PAID, 68), (VOID, 2)]),
    (10**6, [(SENT, 8), (PARTIALLY_PAID, 4), (FULLY_PAID, 86), (VOID, 2)]),
]  # fmt: skip
_Q = [Decimal(k) / 4 for k in range(33)]  # quarter hours 0 … 8


@dataclass(slots=True)
class _Client:
    """What invoicing needs of one account, computed once."""

    account: dict
    plan: int
    users: int
    tax_id: int | None
    tax_name: str | None
    tax_rate: Decimal
    net_days: int
    location: tuple[int | None, str | None]
    bill: dict
    contact: tuple[str, str]
    contract: tuple[int, str | None]
    project: tuple[int, str]


class _InvoiceMaker:
    def __init__(self, accounts, services, tax_items, gl_accounts, sizes, seed, today):
        self.rng = _rng(seed, "invoices")
        self.ids = id_layout(sizes)
        self.clock = _Clock(today, sizes.months)
        self.today = today
        self.n = sizes.invoices
        self.gl = {g["Code"]: g for g in gl_accounts}
        self.tax = {t["Id"]: t for t in tax_items}
        active = [s for s in services if s.get("IsActive")]
        by_name = {s["Name"]: s for s in active}
        fallback = active[0] if active else None
        self.svc = {r: by_name.get(s.name, fallback) for r, s in _SERVICE_BY_ROLE.items()}
        catalogue = {s.name for s in SERVICES}
        self.extra_services = [s for s in active if s["Name"] not in catalogue]  # tiers 2+
        self.clients: dict[int, _Client] = {}
        clients = [a for a in accounts if a.get("AccountTypeId") == CLIENT]
        order = sorted(
            (a for a in clients if a.get("IsActive")), key=lambda a: (a["CreatedOn"], a["Id"])
        )
        self.eligible = order
        self.eligible_dates = [date.fromisoformat(a["CreatedOn"][:10]) for a in order]
        self.pointer = 0
        # Every active client is billed on an exportable invoice (module doc): those not yet,
        # by Id with the day they can be billed from, and the random invoices still to come
        # (no promise when they are fewer than the clients).
        self.random_left = sum(_special(i) is None for i in range(self.n - 2))
        self.unbilled = dict(zip((a["Id"] for a in order), self.eligible_dates, strict=True))
        if self.random_left < len(self.unbilled):
            self.unbilled = {}
        self.by_id = {a["Id"]: a for a in order}
        by_name_accounts: dict[str, list[dict]] = {}
        for a in clients:
            by_name_accounts.setdefault(a["AccountName"], []).append(a)
        self.roles: dict[str, dict] = {}
        for role, name in EDGE_NAMES.items():
            found = by_name_accounts.get(name)
            if found:
                self.roles[role] = found[0]
        dups = by_name_accounts.get(EDGE_NAMES["duplicate"], [])
        if len(dups) > 1:
            self.roles["duplicate_2"] = dups[1]
        self.date_strings: dict[date, str] = {}
        self.next_line, self.next_discount = self.ids.line, self.ids.discount

    # -- helpers
    def _d(self, d: date) -> str:
        s = self.date_strings.get(d)
        if s is None:
            s = self.date_strings[d] = _day(d)
        return s

    def _client(self, account: dict) -> _Client:
        c = self.clients.get(account["Id"])
        if c is not None:
            return c
        tax = self.tax.get(account.get("SalesTaxItemId"))
        main = next((loc for loc in account.get("Locations") or [] if loc.get("IsMain")), None)
        picked = billing_address(account)
        bill = picked[1] if picked else {}
        aid = account["Id"]
        plan = _PLAN_OF.get(account.get("ServiceType") or "", BREAK_FIX)
        managed = plan in (COMPLETE, ESSENTIALS)
        index = aid - self.ids.account
        contract = (0, None)
        if managed:
            level = "Complete" if plan == COMPLETE else "Essentials"
            contract = (self.ids.contract + index, f"Managed Services Agreement – {level}")
        c = _Client(
            account=account,
            plan=plan,
            users=_users(aid),
            tax_id=tax["Id"] if tax else None,
            tax_name=tax["Name"] if tax else None,
            tax_rate=Decimal(str(tax["TaxRate"])) if tax else ZERO,
            net_days=int(account["NetDays"]) if account.get("NetDays") is not None else 30,
            location=(main["Id"], main["LocationName"]) if main else (None, None),
            bill=bill,
            contact=(FIRST_NAMES[aid * 31 % len(FIRST_NAMES)], SURNAMES[aid * 17 % len(SURNAMES)]),
            contract=contract,
            project=(self.ids.project + index, PROJECTS[aid % len(PROJECTS)]),
        )
        self.clients[aid] = c
        return c

    def _random_account(self, day: date) -> dict | None:
        while self.pointer < len(self.eligible) and self.eligible_dates[self.pointer] <= day:
            self.pointer += 1
        if self.pointer == 0:
            return self.eligible[0] if self.eligible else None
        return self.eligible[self.rng.randrange(self.pointer)]

    def _unbilled_account(self, day: date) -> dict | None:
        """For a random invoice: an active client not yet billed on an exportable invoice
        (lowest Id, signed by ``day``) when the random invoices left, this one included, are
        no more than such clients; else None (the account is drawn at random)."""
        self.random_left -= 1
        if self.random_left + 1 > len(self.unbilled):
            return None
        due = [aid for aid, signed in self.unbilled.items() if signed <= day]
        return self.by_id[min(due)] if due else None

    def _invoice_date(self, i: int) -> date:
        start, span = self.clock.window_start, (self.today - self.clock.window_start).days
        return start + timedelta(days=1 + int((i + self.rng.random()) * span / self.n))

    def _status(self, age: int, day: date) -> int:
        if day >= self.today:
            return NEW if self.rng.random() < 0.6 else READY_TO_SEND
        for limit, table in _STATUS_BY_AGE:
            if age <= limit:
                return self.rng.choices([s for s, _ in table], [w for _, w in table])[0]
        raise AssertionError("unreachable")

    # -- lines
    def _line(
        self,
        role_or_service,
        qty: Decimal,
        value_day: date,
        description: str | None,
        contract: tuple[int, str | None] = (0, None),
        price: Decimal | None = None,
    ):
        svc = self.svc[role_or_service] if isinstance(role_or_service, str) else role_or_service
        if svc is None:
            return None
        unit = Decimal(str(svc["UnitPrice"])) if price is None else price
        category = svc.get("CategoryId")
        kind = LINE_PRODUCT if category == 3 else LINE_LABOR if category == 2 else LINE_SERVICE
        gl = self.gl.get(svc.get("IncomeAccountCode")) or {}
        return [svc, kind, gl, qty, unit, _money(qty * unit), value_day, description, contract]

    def _recurring(self, c: _Client, period: tuple[date, date], six: bool = False) -> list:
        users = Decimal(c.users)
        start = period[0]
        label = f"{start:%B %Y}"
        complete = c.plan == COMPLETE
        rng = self.rng
        lines = [
            self._line(
                "muc" if complete else "mue", users, start, f"{label} · {c.users} users", c.contract
            ),
            self._line("mw", users + c.users % 5, start, f"{label} · workstations", c.contract),
        ]
        servers = c.account["Id"] % 4
        if servers:
            lines.append(self._line("ms", Decimal(servers), start, label, c.contract))
        lines.append(
            self._line("m365p" if complete else "m365b", users, start, f"{label} · licences")
        )
        if six or rng.random() < 0.4:
            lines.append(self._line("bak", users, start, f"{label} · backup seats"))
        if six or rng.random() < 0.3:
            lines.append(self._line("edr", users, start, f"{label} · EDR seats"))
        if six or rng.random() < 0.3:
            lines.append(self._line("net", Decimal(1), start, f"{label} · 1 site", c.contract))
        return lines

    def _labor(self, period: tuple[date, date], day: date, first_qty: Decimal | None = None):
        rng = self.rng
        last = min(period[1], day)
        span = max((last - period[0]).days, 0)
        lines = []
        for k in range(rng.randint(1, 3)):
            role = rng.choices(["rs", "os", "ah", "vcio"], [60, 25, 10, 5])[0]
            qty = first_qty if (k == 0 and first_qty is not None) else _Q[rng.randint(1, 24)]
            worked = period[0] + timedelta(days=rng.randint(0, span))
            ticket = f"T{worked:%Y%m%d}.{rng.randint(1, 120):04d}"
            lines.append(self._line(role, qty, worked, f"{ticket} – {rng.choice(ISSUES)}"))
        return lines

    def _hardware(self, day: date):
        rng = self.rng
        roles = rng.sample(["lap", "desk", "mon", "fw", "wap", "ups"], rng.randint(1, 3))
        lines = [self._line(r, Decimal(rng.randint(1, 6)), day, None) for r in roles]
        if rng.random() < 0.5:
            lines.append(self._line("os", _Q[rng.randint(2, 12)], day, "Installation and setup"))
        if self.extra_services and rng.random() < 0.2:
            lines.append(self._line(rng.choice(self.extra_services), Decimal(1), day, None))
        return lines

    def _project(self, c: _Client, period: tuple[date, date], day: date):
        rng = self.rng
        name = c.project[1]
        lines = [self._line("pe", Decimal(rng.randint(8, 80)) / 2, day, f"{name} – engineering")]
        if rng.random() < 0.5:
            lines.append(
                self._line("pse", Decimal(rng.randint(2, 24)) / 2, day, f"{name} – design")
            )
        if rng.random() < 0.3:
            lines.append(self._line("cab", Decimal(rng.randint(4, 24)), day, f"{name} – cabling"))
        if rng.random() < 0.4:
            lines.append(
                self._line(rng.choice(["fw", "wap"]), Decimal(rng.randint(1, 4)), day, name)
            )
        return lines

    def _licences(self, c: _Client, day: date):
        rng = self.rng
        lines = [
            self._line(rng.choice(["m365p", "m365b"]), Decimal(c.users), day, "Annual true-up")
        ]
        if rng.random() < 0.5:
            lines.append(self._line("dom", Decimal(rng.randint(1, 3)), day, None))
        return lines

    def _discount(self, name: str, value: Decimal, invoice: tuple, klass: tuple, stamp: str):
        gl = self.gl.get(DISCOUNT_GL_CODE) or {}
        d = {
            "Id": self.next_discount,
            "InvoiceId": invoice[0],
            "InvoiceNumber": invoice[1],
            "Name": name,
            "TypeId": DISCOUNT_TYPE[0],
            "TypeName": DISCOUNT_TYPE[1],
            "GLAccountId": gl.get("Id"),
            "GLAccountCode": gl.get("Code"),
            "GLAccountName": gl.get("Name"),
            "Value": float(value),
            "ClassId": klass[0],
            "ClassName": klass[1],
            "CreatedById": BILLING_ADMIN[0],
            "CreatedByUserName": BILLING_ADMIN[1],
            "CreatedOn": stamp,
            "ModifiedById": BILLING_ADMIN[0],
            "ModifiedByUserName": BILLING_ADMIN[1],
            "ModifiedOn": stamp,
            "IsTaxable": False,  # assumption: discounts do not reduce the tax (module doc)
        }
        self.next_discount += 1
        return d

    # -- one invoice
    def make(self, i: int) -> dict | None:
        rng = self.rng
        day = self._invoice_date(i)
        special = _special(i)
        status = None
        account = None
        forced = False
        if special in self.roles:
            account = self.roles[special]
        elif special in ("nontaxable_on_taxable", "discount_two", "return_line", "partial"):
            account = self.roles.get("qbo_match")
        elif special is None and i < self.n - 2:
            account = self._unbilled_account(day)
            forced = account is not None
        if account is None:
            account = self._random_account(day)
        if account is None:
            return None
        c = self._client(account)
        if special == "inactive":
            status = FULLY_PAID
        elif special in ("zero", "credit"):
            status = SENT
        elif special == "partial":
            status = PARTIALLY_PAID
        elif special == "void":
            status = VOID
        elif forced:  # billed so that it can be exported (module doc)
            status = READY_TO_SEND if day >= self.today else SENT
        if i == self.n - 1:
            status = NEW
        elif i == self.n - 2:
            status = READY_TO_SEND

        month = _month_bounds(day)
        period = month
        project = (None, None)
        notes = rng.choice(NOTES) if rng.random() < 0.25 else None
        discounts: list[tuple[str, Decimal]] = []
        if special == "zero":
            lines = [self._line("os", Decimal(1), day, "Warranty visit – no charge", price=ZERO)]
        elif special == "credit":
            lines = [
                self._line("muc", Decimal(-3), month[0], "Credit – 3 users offboarded mid-month")
            ]
            notes = "Credit invoice: will be applied to your next invoice."
        elif special == "return_line":
            lines = [
                self._line("lap", Decimal(2), day, None),
                self._line("lap", Decimal(-1), day, f"Return – RMA {rng.randint(40000, 49999)}"),
            ]
        elif special in ("nontaxable_on_taxable", "fractional"):
            if day.day <= 5:
                period = _month_bounds(month[0] - timedelta(days=1))
            lines = self._labor(period, day, Decimal("1.5") if special == "fractional" else None)
        elif special in ("discount_two", "six_lines", "discount_one"):
            lines = self._recurring(c, period, six=special == "six_lines")
            if special == "discount_two":
                lines.append(self._line("fw", Decimal(1), day, None))
        else:
            lines, period, project = self._random_lines(c, day, month)
        lines = [ln for ln in lines if ln is not None][:MAX_LINES]
        if not lines:
            return None

        subtotal = sum((ln[5] for ln in lines), ZERO)
        positive = sum((ln[5] for ln in lines if ln[5] > 0), ZERO)
        if special == "discount_two":
            discounts = [
                ("Loyalty Discount (5%)", _money(positive * Decimal("0.05"))),
                ("Promotional Credit", Decimal("50.00")),
            ]
        elif special == "discount_one" or (
            special is None and subtotal > 200 and rng.random() < 0.06
        ):
            if rng.random() < 0.5:
                discounts = [("Loyalty Discount (5%)", _money(positive * Decimal("0.05")))]
            else:
                discounts = [("Promotional Credit", Decimal(rng.choice(["25.00", "50.00"])))]
        discount = sum((v for _, v in discounts), ZERO)
        taxable = sum((ln[5] for ln in lines if ln[0].get("IsTaxable")), ZERO)
        total_price = subtotal - discount
        total_tax = _money(taxable * c.tax_rate / 100)
        grand = total_price + total_tax

        age = (self.today - day).days
        if status is None:
            status = self._status(age, day)
        paid = ZERO
        if status == PARTIALLY_PAID:
            paid = _money(grand * Decimal(rng.randint(15, 85)) / 100)
            if not ZERO < paid < grand:
                status, paid = SENT, ZERO
        elif status == FULLY_PAID:
            if grand < 0:
                status = SENT
            else:
                paid = grand
        due = ZERO if status == VOID else grand - paid
        if status in _EXPORTABLE and all(ln[5] >= 0 for ln in lines):
            self.unbilled.pop(c.account["Id"], None)

        # Timeline: created ≤ sent ≤ paid/voided ≤ modified, all before today (module doc).
        clock = self.clock
        cap = clock.cap
        created_day = min(day - timedelta(days=rng.randint(0, 2)), self.today - timedelta(days=1))
        created = min(_business_time(rng, created_day), cap)
        sent = None
        last = created
        if status in (SENT, PARTIALLY_PAID, FULLY_PAID, VOID):
            sent_day = max(day, created_day) + timedelta(days=rng.randint(0, 2))
            sent = min(max(created + timedelta(minutes=10), _business_time(rng, sent_day)), cap)
            last = sent
            if status in (PARTIALLY_PAID, FULLY_PAID, VOID):
                later = sent.date() + timedelta(days=rng.randint(1, c.net_days + 10))
                last = min(max(sent + timedelta(hours=1), _business_time(rng, later)), cap)
        elif status == READY_TO_SEND and rng.random() < 0.5:
            last = min(created + timedelta(minutes=rng.randint(5, 600)), cap)

        inv_id = self.ids.invoice + i
        number = f"INV-{10001 + i}"
        acc = c.account
        klass = (acc.get("ClassId"), acc.get("ClassName"))
        if project[0] is not None and klass[0] is None:
            klass = (2, CLASSES[2])
        created_s = _stamp(created)
        line_items = []
        for svc, kind, gl, qty, unit, total, value_day, description, contract in lines:
            line_items.append(
                {
                    "Id": self.next_line,
                    "InvoiceId": inv_id,
                    "InvoiceNumber": number,
                    "Name": svc["Name"],
                    "Description": description or svc.get("Description"),
                    "TypeId": kind[0],
                    "TypeName": kind[1],
                    "GLAccountId": gl.get("Id"),
                    "GLAccountCode": gl.get("Code"),
                    "GLAccountName": gl.get("Name"),
                    "ClassId": klass[0],
                    "ClassName": klass[1],
                    "Qty": float(qty),
                    "UnitPrice": float(unit),
                    "TotalPrice": float(total),
                    "ValueDate": self._d(value_day),
                    "ContractId": contract[0],
                    "ContractName": contract[1],
                    "IsTaxable": bool(svc.get("IsTaxable")),
                }
            )
            self.next_line += 1
        discount_items = [
            self._discount(name, value, (inv_id, number), klass, created_s)
            for name, value in discounts
        ]
        bill = c.bill
        sender = BILLING_ADMIN if rng.random() < 0.8 else rng.choice(EMPLOYEES)
        editor = BILLING_ADMIN if last > created else sender
        rep = (acc.get("AccountManagerId"), acc.get("AccountManagerUserName"))
        return {
            "Id": inv_id,
            "InvoiceNumber": number,
            "StatusId": status,
            "StatusName": _STATUS_NAME[status],
            "Notes": notes,
            "AccountId": acc["Id"],
            "AccountName": acc["AccountName"],
            "AccountLocationId": c.location[0],
            "AccountLocationName": c.location[1],
            "ProjectId": project[0],
            "ProjectName": project[1],
            "PONumber": f"PO-{rng.randint(1000, 99999)}" if rng.random() < 0.15 else None,
            "SalesTaxItemId": c.tax_id,
            "SalesTaxItemName": c.tax_name,
            "SalesRepId": rep[0],
            "SalesRepName": rep[1],
            "ClassId": klass[0],
            "ClassName": klass[1],
            "Discount": float(discount),
            "SalesTaxRate": float(c.tax_rate),
            "TotalPrice": float(total_price),
            "TotalTax": float(total_tax),
            "GrandTotal": float(grand),
            "PaymentDue": float(due),
            "PaidAmount": float(paid),
            "InvoiceDate": self._d(day),
            "DueDate": self._d(day + timedelta(days=c.net_days)),
            "InvoiceFrom": self._d(period[0]),
            "InvoiceTo": self._d(period[1]),
            "SentOn": _stamp(sent) if sent else None,
            "ContactFirstName": c.contact[0],
            "ContactLastName": c.contact[1],
            "Address1": bill.get("Address1"),
            "Address2": bill.get("Address2"),
            "State": bill.get("State"),
            "City": bill.get("City"),
            "CountryName": bill.get("Country"),
            "ZipCode": bill.get("ZipCode"),
            "EmailAddress": bill.get("EmailAddress"),
            "PhoneNumber": bill.get("Phone"),
            "Extension": str(rng.randint(100, 299)) if rng.random() < 0.1 else None,
            "MobileNumber": f"(617) 555-{rng.randint(100, 199):04d}"
            if rng.random() < 0.2
            else None,
            "FaxNumber": bill.get("Fax"),
            "SentByUserName": sender[1] if sent else None,
            "CreatedById": sender[0],
            "CreatedByUserName": sender[1],
            "ModifiedById": editor[0],
            "ModifiedByUserName": editor[1],
            "ModifiedOn": _stamp(last),
            "CreatedOn": created_s,
            # Nothing has been exported yet: the "not yet posted" queue is everything (§1.7).
            "PostedToAccounting": None if rng.random() < 0.05 else False,
            "PostedToAccountingOn": None,
            "AccountingAppReference": None,
            "GeneratedOn": created_s,
            "LineItems": line_items,
            "DiscountItems": discount_items,
        }

    def _random_lines(self, c: _Client, day: date, month: tuple[date, date]):
        rng = self.rng
        weights = {
            COMPLETE: [60, 18, 12, 6, 4],
            ESSENTIALS: [60, 20, 12, 5, 3],
            BREAK_FIX: [0, 60, 25, 5, 10],
            PROJECT_ONLY: [0, 15, 25, 60, 0],
        }[c.plan]
        kind = rng.choices(["recurring", "labor", "hardware", "project", "licences"], weights)[0]
        if kind == "recurring":
            period = month
            if day.day >= 25:  # billed in advance for next month
                period = _month_bounds(month[1] + timedelta(days=1))
            return self._recurring(c, period), period, (None, None)
        if kind == "labor":
            period = _month_bounds(month[0] - timedelta(days=1)) if day.day <= 5 else month
            return self._labor(period, day), period, (None, None)
        if kind == "hardware":
            return self._hardware(day), month, (None, None)
        if kind == "project":
            return self._project(c, month, day), month, c.project
        return self._licences(c, day), month, (None, None)


def iter_invoices(
    demo_accounts: list[dict],
    services: list[dict],
    tax_items: list[dict],
    gl_accounts: list[dict],
    sizes: DemoSizes,
    *,
    seed: int,
    today: date,
) -> Iterator[dict]:
    """Yield ``sizes.invoices`` InvoiceOutputDto dicts, oldest first (InvoiceNumber order).

    Streaming: one invoice exists at a time. The same arguments give the same invoices."""
    maker = _InvoiceMaker(demo_accounts, services, tax_items, gl_accounts, sizes, seed, today)
    for i in range(sizes.invoices):
        invoice = maker.make(i)
        if invoice is not None:
            yield invoice


@dataclass(frozen=True, eq=False)
class InvoiceStream:
    """The demo's invoices: re-iterable, regenerated on every pass, never all in memory."""

    accounts: list[dict] = field(repr=False)
    services: list[dict] = field(repr=False)
    tax_items: list[dict] = field(repr=False)
    gl_accounts: list[dict] = field(repr=False)
    sizes: DemoSizes
    seed: int
    today: date

    def __iter__(self) -> Iterator[dict]:
        return iter_invoices(
            self.accounts,
            self.services,
            self.tax_items,
            self.gl_accounts,
            self.sizes,
            seed=self.seed,
            today=self.today,
        )

    def __len__(self) -> int:
        return self.sizes.invoices


@dataclass
class BmsDemo:
    """The generated tenant. ``invoices`` is an :class:`InvoiceStream` (see module doc)."""

    user: dict
    accounts: list[dict]
    gl_accounts: list[dict]
    services: list[dict]
    tax_items: list[dict]
    invoices: InvoiceStream

    def iter_invoices(self) -> Iterator[dict]:
        """A fresh pass over the invoices."""
        return iter(self.invoices)


def generate(sizes: DemoSizes = DemoSizes(), *, seed: int = 7, today: date) -> BmsDemo:
    """Generate the demo tenant as of ``today`` (invoices dated ≤ today, timestamps before it)."""
    if sizes.accounts < 0 or sizes.services < 0 or sizes.invoices < 0 or sizes.months < 1:
        raise ValueError(f"invalid sizes: {sizes}")
    ids = id_layout(sizes)
    clock = _Clock(today, sizes.months)
    vendor_ids = {name: ids.account + sizes.accounts + k for k, (name, *_) in enumerate(VENDORS)}
    tax_items = _tax_items(ids, vendor_ids)
    tax_ids = {t["Name"]: t["Id"] for t in tax_items}
    accounts = _accounts(sizes, ids, clock, seed, tax_ids)
    gl_accounts = _gl_accounts(ids)
    services = _services(sizes, ids, clock, seed)
    stream = InvoiceStream(accounts, services, tax_items, gl_accounts, sizes, seed, today)
    return BmsDemo(_user(today), accounts, gl_accounts, services, tax_items, stream)
