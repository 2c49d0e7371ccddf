"""The tenant's catalogue as API records: GL accounts, tax items, services, the API user."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from reconcile.sandbox.bms_demo.accounts import _Clock
from reconcile.sandbox.bms_demo.catalogue import (
    _GL_TYPE_NAME,
    _SUBCATEGORY_ID,
    _UNIT_ID,
    API_USER_EMAIL,
    API_USER_ID,
    BUSINESS_NAME,
    CATEGORIES,
    CHART,
    EMPLOYEES,
    MARGIN_PERCENT,
    SERVICES,
    TAX_ITEMS,
)
from reconcile.sandbox.bms_demo.ids import DemoSizes, IdLayout, _day, _money, _rng, _stamp

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
