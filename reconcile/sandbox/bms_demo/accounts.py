"""The demo's accounts (clients and vendors): fixed edge cases and generated ones, their
locations, addresses and contacts, and the billing-address rule."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from reconcile.sandbox.bms_demo.catalogue import (
    ACCOUNT_MANAGERS,
    ADDRESS_BILLING,
    ADDRESS_MAIN,
    ADDRESS_SHIPPING,
    BILLING_ADMIN,
    CLASSES,
    CLIENT,
    CURRENCY_ID,
    CURRENCY_NAME,
    EMPLOYEES,
    STATE_TAX,
    TENANT,
    VENDOR,
)
from reconcile.sandbox.bms_demo.geography import (
    CITIES,
    COUNTRIES,
    FOREIGN_CITIES,
    STATE_CITIES,
    STATE_WEIGHTS,
    STREETS,
    SUITES,
    fictional_phone,
)
from reconcile.sandbox.bms_demo.ids import (
    DemoSizes,
    IdLayout,
    add_months,
    business_time,
    iso_day,
    rng_for,
    slugify,
    utc_stamp,
)


def _names(text: str) -> list[str]:
    """A comma-separated list of names, written as a paragraph to keep the table short."""
    return [name.strip() for name in text.split(",")]


# -- accounts ---------------------------------------------------------------------------------

BUSINESS_TYPES = {
    1: "Healthcare",
    2: "Legal",
    3: "Education",
    4: "Manufacturing",
    5: "Nonprofit",
    6: "Professional Services",
    7: "Hospitality",
    8: "Construction",
    9: "Retail",
    10: "Real Estate",
    11: "Financial Services",
    12: "Distribution",
}
COMPLETE, ESSENTIALS, BREAK_FIX, PROJECT_ONLY = 1, 2, 3, 4
SERVICE_TYPES = {
    COMPLETE: "Managed – Complete",
    ESSENTIALS: "Managed – Essentials",
    BREAK_FIX: "Break/Fix",
    PROJECT_ONLY: "Project Only",
}
PLAN_BY_SERVICE_TYPE = {v: k for k, v in SERVICE_TYPES.items()}

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
    (
        "Massachusetts Department of Revenue",
        "Boston",
        "100 Cambridge St",
        None,
        "https://www.mass.gov/dor",
    ),
]
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
    _Spec(
        EDGE_NAMES["qbo_match"],
        1,
        "Quincy",
        COMPLETE,
        MAIN_IS_BILLING,
        "qbo_match",
        street="14 Shore Rd",
        main_email="office@baysidedental.example",
    ),
    _Spec(EDGE_NAMES["apostrophe"], 8, "Dorchester", BREAK_FIX, MAIN_ONLY, "apostrophe"),
    _Spec(EDGE_NAMES["accents"], 7, "Ottawa", ESSENTIALS, BILLING_IN_MAIN, "accents", tax=None),
    _Spec(EDGE_NAMES["umlauts"], 4, "Stuttgart", ESSENTIALS, MAIN_IS_BILLING, "umlauts", tax=None),
    _Spec(
        EDGE_NAMES["parent"], 4, "Worcester", COMPLETE, BILLING_LOCATION, "parent", shipping=True
    ),
    _Spec(
        EDGE_NAMES["colon"], 4, "Springfield", ESSENTIALS, MAIN_ONLY, "colon", parent_role="parent"
    ),
    _Spec(EDGE_NAMES["long"], 1, "Boston", PROJECT_ONLY, MAIN_IS_BILLING, "long"),
    _Spec(EDGE_NAMES["duplicate"], 1, "Worcester", COMPLETE, MAIN_IS_BILLING, "duplicate"),
    _Spec(
        EDGE_NAMES["inactive"], 10, "Northampton", BREAK_FIX, MAIN_ONLY, "inactive", active=False
    ),
    _Spec(EDGE_NAMES["uk"], 2, "London", ESSENTIALS, BILLING_IN_MAIN, "uk", tax=None),
    _Spec(
        EDGE_NAMES["australia"], 12, "Sydney", PROJECT_ONLY, MAIN_IS_BILLING, "australia", tax=None
    ),
    _Spec(EDGE_NAMES["nh_zero_rate"], 1, "Nashua", COMPLETE, MAIN_IS_BILLING, "nh_zero_rate"),
    _Spec(
        EDGE_NAMES["tax_group"],
        9,
        "Burlington VT",
        BREAK_FIX,
        BILLING_IN_MAIN,
        "tax_group",
        tax="VT Burlington Combined",
    ),
    _Spec(EDGE_NAMES["duplicate"], 1, "Cranston", ESSENTIALS, MAIN_ONLY, "duplicate_2"),
    _Spec(EDGE_NAMES["ct"], 2, "Hartford", COMPLETE, BILLING_IN_MAIN, "ct"),
    _Spec(EDGE_NAMES["school"], 3, "Boston", COMPLETE, BILLING_LOCATION, "school", tax=None),
    _Spec(
        EDGE_NAMES["no_code"], 5, "Boston", BREAK_FIX, MAIN_ONLY, "no_code", tax=None, code=False
    ),
    _Spec(EDGE_NAMES["two_billing"], 6, "Newton", ESSENTIALS, TWO_BILLING, "two_billing"),
    _Spec(
        EDGE_NAMES["billing_location"],
        1,
        "Brockton",
        COMPLETE,
        BILLING_LOCATION,
        "billing_location",
    ),
    _Spec(
        EDGE_NAMES["billing_in_main"],
        5,
        "Quincy",
        BREAK_FIX,
        BILLING_IN_MAIN,
        "billing_in_main",
        tax=None,
    ),
    _Spec(EDGE_NAMES["maine"], 9, "Portland ME", ESSENTIALS, TWO_BILLING, "maine", shipping=True),
]

PLACES = _names("""
Beacon Hill, Cape Ann, Charles River, Merrimack, Blackstone, Nashoba, Quabbin, Minuteman,
Wachusett, Pilgrim, North Shore, South Shore, MetroWest, Berkshire, Mystic, Neponset,
Commonwealth, Bunker Hill, Lexington, Concord, Brookline, Waltham, Marblehead, Gloucester,
Andover, Needham, Wellesley, Sudbury, Hingham, Cohasset, Duxbury, Falmouth, Chatham,
Pioneer, Seacoast, Narragansett, Monadnock, Housatonic, Green Mountain, Penobscot
""")
SURNAMES = _names("""
Sullivan, Murphy, Donovan, Costa, Silva, Nguyen, Patel, Cohen, Rossi, Kowalski, Chen,
Goldberg, Fitzgerald, Haddad, Okafor, Lindqvist, Moreau, Brennan, Oliveira, Park, Whitaker,
Delgado, Fischer, Abernathy, Kaplan, Mahoney, Papadopoulos, Reilly, Santos, Tremblay,
O'Connell, Da Silva
""")
# (template, BusinessTypeId)
KINDS = [
    ("{place} Family Dentistry", 1),
    ("{place} Pediatric Dental", 1),
    ("{place} Orthodontics", 1),
    ("{place} Physical Therapy", 1),
    ("{place} Medical Associates", 1),
    ("{place} Eye Care", 1),
    ("{place} Veterinary Hospital", 1),
    ("{surname} Law Group", 2),
    ("{surname} & {surname2}, LLP", 2),
    ("{surname} Legal, P.C.", 2),
    ("{place} Montessori School", 3),
    ("{place} Academy", 3),
    ("{place} Precision Machining", 4),
    ("{place} Plastics, Inc.", 4),
    ("{place} Tool & Die", 4),
    ("{place} Food Pantry", 5),
    ("{place} Community Foundation", 5),
    ("{place} Land Trust", 5),
    ("{surname} Architects", 6),
    ("{surname} Engineering Group", 6),
    ("{surname} & {surname2} CPAs", 6),
    ("{place} Brewing Company", 7),
    ("{place} Inn", 7),
    ("{place} Builders", 8),
    ("{surname} Electric Co.", 8),
    ("{place} Hardware & Supply", 9),
    ("{place} Realty", 10),
    ("{place} Property Management", 10),
    ("{place} Insurance Agency", 11),
    ("{surname} Wealth Advisors", 11),
    ("{place} Credit Union", 11),
    ("{place} Distributors", 12),
]
FIRST_NAMES = _names("""
Emily, Michael, Sarah, David, Olivia, James, Sofia, Daniel, Aisha, Kevin, Chloé, Brian,
Mei, Patrick, Grace, Thomas, Renée, Carlos
""")
NO_TAX_TYPES = {3, 5}  # schools and nonprofits are exempt


def _plan_weights(business_type: int) -> list[int]:
    # Complete, Essentials, Break/Fix, Project Only
    return [30, 35, 15, 20] if business_type in (4, 8, 12) else [38, 37, 18, 7]


def _generic_spec(rng: random.Random, index: int, names: set[str]) -> _Spec:
    if rng.random() < 0.01:
        city = rng.choice(FOREIGN_CITIES)
    else:
        state = rng.choices([s for s, _ in STATE_WEIGHTS], [w for _, w in STATE_WEIGHTS])[0]
        city = rng.choice(STATE_CITIES[state])
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
class DemoClock:
    """The fixed time frame of one generation."""

    today: date
    months: int
    window_start: date = field(init=False)
    cap: datetime = field(init=False)  # latest possible timestamp: the end of yesterday

    def __post_init__(self) -> None:
        self.window_start = add_months(self.today, -self.months)
        self.cap = datetime.combine(self.today, time()) - timedelta(seconds=1)

    def created_range(self) -> tuple[date, date]:
        """Established accounts: created in the last year, before the invoice window."""
        hi = self.window_start - timedelta(days=1)
        lo = min(self.today - timedelta(days=365), hi - timedelta(days=180))
        return lo, hi

    def moment(self, rng: random.Random, lo: date, hi: date) -> datetime:
        span = max((hi - lo).days, 0)
        return min(business_time(rng, lo + timedelta(days=rng.randint(0, span))), self.cap)

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
            "Phone": fictional_phone(rng, country, prefix),
            "Fax": fictional_phone(rng, country, prefix) if fax else None,
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
            other = rng.choice(STATE_CITIES[state]) if country == "US" else city_key
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


def build_accounts(sizes: DemoSizes, ids: IdLayout, clock: DemoClock, seed: int, tax_ids: dict):
    """The AccountOutputDto dicts: the clients (fixed edge cases spread among generated
    ones), then the vendors."""
    rng = rng_for(seed, "accounts")
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
        stamp = (creator, utc_stamp(created), editor, utc_stamp(modified))
        domain = f"{slugify(spec.name)}.example"
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
        users = seat_count(account_id)
        acquired = None
        if rng.random() < 0.7:
            acquired = iso_day(created.date() - timedelta(days=rng.randint(0, 1500)))
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
        stamp = (BILLING_ADMIN[0], utc_stamp(created), BILLING_ADMIN[0], utc_stamp(modified))
        spec = _Spec(name, 6, city, BREAK_FIX, MAIN_ONLY, street=street)
        locations = builder.locations(spec, f"{slugify(name)}.example", stamp, vendor=True)
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


def seat_count(account_id: int) -> int:
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
