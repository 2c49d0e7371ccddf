"""The tenant's catalogue as API records: GL accounts, tax items, services, the API user."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from reconcile.sandbox.bms_demo.accounts import DemoClock
from reconcile.sandbox.bms_demo.catalogue import (
    API_USER_EMAIL,
    API_USER_ID,
    BUSINESS_NAME,
    CATEGORIES,
    CHART,
    EMPLOYEES,
    GL_TYPE_NAMES,
    MARGIN_PERCENT,
    SERVICES,
    SUBCATEGORY_IDS,
    TAX_ITEMS,
    UNIT_IDS,
)
from reconcile.sandbox.bms_demo.ids import (
    DemoSizes,
    IdLayout,
    iso_day,
    rng_for,
    round_money,
    utc_stamp,
)

# -- catalogue ------------------------------------------------------------------------------------


def build_gl_accounts(ids: IdLayout) -> list[dict]:
    """The chart of accounts as GL account records."""
    by_code = {code: ids.gl + i for i, (code, *_) in enumerate(CHART)}
    names = {code: name for code, name, *_ in CHART}
    return [
        {
            "Id": by_code[code],
            "Code": code,
            "Name": name,
            "Description": description,
            "TypeId": type_id,
            "TypeName": GL_TYPE_NAMES[type_id],
            "ParentId": by_code[parent] if parent else None,
            "ParentName": names[parent] if parent else None,
            "IsActive": active,
        }
        for code, name, type_id, parent, description, active in CHART
    ]


def build_tax_items(ids: IdLayout, vendor_ids: dict[str, int]) -> list[dict]:
    """The sales-tax items as records, linked to their agency's vendor account if any."""
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


def build_services(sizes: DemoSizes, ids: IdLayout, clock: DemoClock, seed: int) -> list[dict]:
    """``sizes.services`` service records: the catalogue, repeated in higher-priced tiers."""
    rng = rng_for(seed, "services")
    gl_names = {code: name for code, name, *_ in CHART}
    out = []
    for i in range(sizes.services):
        s = SERVICES[i % len(SERVICES)]
        tier = i // len(SERVICES)
        name = s.name if tier == 0 else f"{s.name} (Tier {tier + 1})"
        price = Decimal(s.price) * (1 + Decimal(tier) / 10)
        price, cost = round_money(price), round_money(Decimal(s.cost))
        margin = None
        if cost > 0 and price > 0:
            margin = float(round_money((price - cost) / price * 100))
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
                "SubCategoryId": SUBCATEGORY_IDS[s.subcategory],
                "SubCategory": s.subcategory,
                "UnitOfMeasureId": UNIT_IDS[s.unit],
                "UnitOfMeasure": s.unit,
                "IncomeAccountCode": s.income,
                "IncomeAccountName": gl_names[s.income],
                "ExpenseAccountCode": s.expense,
                "ExpenseAccountName": gl_names[s.expense] if s.expense else None,
                "IsActive": s.active,
                "IsTaxable": s.taxable,
                "CreatedOn": utc_stamp(created),
                "CreatedBy": EMPLOYEES[0][0],
                "ModifiedOn": utc_stamp(modified),
                "ModifiedBy": rng.choice(EMPLOYEES)[0],
            }
        )
    return out


def build_api_user(today: date) -> dict:
    """UserInfoOutputDto of the sandbox's API user (GET /v2/security/userinfo, §1.2)."""
    return {
        "UserId": API_USER_ID,
        "FullName": "API Sync",
        "EmailAddress": API_USER_EMAIL,
        "TimeStamp": iso_day(today),
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
