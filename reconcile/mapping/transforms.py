"""The transforms the Sync Map names: how a BMS value becomes a QuickBooks value.

Each takes ``(value, row, options)`` and returns the value to send, ``None`` (nothing to
send), a :class:`Skip` (not sent, with the reason shown in the preview) or a :class:`Ref`
(another QBO record the plan must find, link or create).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from reconcile.errors import Blocked
from reconcile.mapping.options import SyncOptions
from reconcile.mapping.syncmap import Ref, Skip, Transform, clean_text, is_blank
from reconcile.qbo import rules as qbo_rules

# QBO Customer.CompanyName holds at most 100 characters (reference/qbo-api.md §4).
COMPANY_NAME_MAX = 100
ACCOUNT_TYPE_COLUMNS = ["applies to", "BMS", "AccountType", "AccountSubType", "source"]
# Default BMS GL type → QBO AccountType:AccountSubType, the subtype being the one QuickBooks
# gives that type by default (rules.DEFAULT_SUBTYPE); users edit it with
# [sync_map.account_types] in the config file (reference §4 Account).
ACCOUNT_TYPES = {
    bms: f"{qbo}:{qbo_rules.DEFAULT_SUBTYPE[qbo]}"
    for bms, qbo in {
        "Asset": "Other Current Asset",
        "Liability": "Other Current Liability",
        "Equity": "Equity",
        "Income": "Income",
        "Cost of Goods Sold": "Cost of Goods Sold",
        "Expense": "Expense",
    }.items()
}
# The accounts every QuickBooks company has, by the name BMS gives them: created in QuickBooks,
# a BMS account of that name gets their type, so a bank account stays Bank (reference §4
# Account, "common pairs seen"). [sync_map.account_types_by_name] adds to these; the type of a
# GL code ([sync_map.account_types_by_code]) wins over its name, its name over its BMS type.
ACCOUNT_TYPES_BY_NAME = {
    "checking": "Bank:Checking",
    "savings": "Bank:Savings",
    "accounts receivable": "Accounts Receivable:AccountsReceivable",
    "undeposited funds": "Other Current Asset:UndepositedFunds",
    "inventory asset": "Other Current Asset:Inventory",
    "accounts payable": "Accounts Payable:AccountsPayable",
}


def text(value: Any, row: Mapping, options: SyncOptions) -> Any:
    return clean_text(value)


def company_name(value: Any, row: Mapping, options: SyncOptions) -> Any:
    name = clean_text(value)
    if name and len(name) > COMPANY_NAME_MAX:
        return Skip(
            f"not sent: {len(name)} characters, QuickBooks allows {COMPANY_NAME_MAX} for "
            "CompanyName (the full name goes to DisplayName)"
        )
    return name


def flag(value: Any, row: Mapping, options: SyncOptions) -> Any:
    return None if is_blank(value) else bool(value)


def money(value: Any, row: Mapping, options: SyncOptions) -> Any:
    return None if is_blank(value) else round(float(value), 2)


def term(value: Any, row: Mapping, options: SyncOptions) -> Any:
    """Net Days → a sales term "Net N" (DueDays N), found or created by the plan."""
    if is_blank(value):
        return None
    days = int(value)
    name = "Due on receipt" if days == 0 else f"Net {days}"
    return Ref("term", str(days), name, {"Name": name, "DueDays": days})


def taxable(value: Any, row: Mapping, options: SyncOptions) -> Any:
    """A customer is taxable when BMS gives it a sales tax item."""
    return not is_blank(row.get("SalesTaxItemId"))


def tax_code(value: Any, row: Mapping, options: SyncOptions) -> Any:
    """Sales tax item → DefaultTaxCodeRef: a QBO tax code of the same name, found or created
    through the tax service with the BMS rate."""
    if is_blank(value):
        return None
    name = clean_text(value)
    return Ref("taxcode", name, name, {"bms_tax_item_id": row.get("SalesTaxItemId")})


def notes(value: Any, row: Mapping, options: SyncOptions) -> Any:
    """Description, plus Credit Limit and Account Code when the config asks to carry them
    (QuickBooks Online has no writable field for either)."""
    parts = [clean_text(value)] if not is_blank(value) else []
    if options.carry_into_notes:
        if not is_blank(row.get("CreditLimit")):
            parts.append(f"Credit limit (BMS): {float(row['CreditLimit']):.2f}")
        if not is_blank(row.get("AccountCode")):
            parts.append(f"BMS account code: {row['AccountCode']}")
    return "\n".join(parts) or None


def account_type(value: Any, row: Mapping, options: SyncOptions) -> Any:
    return _type_pair(value, row, options)[0]


def account_subtype(value: Any, row: Mapping, options: SyncOptions) -> Any:
    return _type_pair(value, row, options)[1]


def _type_pair(value: Any, row: Mapping, options: SyncOptions) -> tuple[Any, Any]:
    types = {**ACCOUNT_TYPES, **options.account_types}
    by_name = _by_name(options)
    by_code = options.account_types_by_code
    name = str(clean_text(row.get("Name")) or "").casefold()
    chosen = by_code.get(str(row.get("Code"))) or by_name.get(name) or types.get(str(value))
    if not chosen:
        reason = Skip(
            f"no QuickBooks type for BMS type {value!r}: add it to [sync_map.account_types]"
        )
        return reason, None
    kind, _, sub = chosen.partition(":")
    return kind, sub or None


def _by_name(options: SyncOptions) -> dict[str, str]:
    extra = options.account_types_by_name
    return {**ACCOUNT_TYPES_BY_NAME, **{str(k).casefold(): v for k, v in extra.items()}}


def account_type_table(options: SyncOptions | Mapping[str, Any]) -> pd.DataFrame:
    """The account-type map as people read it (``ACCOUNT_TYPE_COLUMNS``): by BMS type, by
    account name, by GL code, each with where it comes from; a more specific row wins."""
    options = SyncOptions.of(options)
    rows = []
    configured = options.account_types
    for bms, chosen in {**ACCOUNT_TYPES, **configured}.items():
        source = "[sync_map.account_types]" if bms in configured else "default"
        rows.append(("BMS type", bms, *_split(chosen), source))
    named = {str(k).casefold() for k in options.account_types_by_name}
    for name, chosen in _by_name(options).items():
        source = "[sync_map.account_types_by_name]" if name in named else "QuickBooks' own"
        rows.append(("account name", name, *_split(chosen), source))
    for code, chosen in options.account_types_by_code.items():
        rows.append(("GL code", str(code), *_split(chosen), "[sync_map.account_types_by_code]"))
    return pd.DataFrame(rows, columns=ACCOUNT_TYPE_COLUMNS)


def _split(chosen: str) -> tuple[str, str]:
    kind, _, sub = chosen.partition(":")
    return kind, sub


def parent_account(value: Any, row: Mapping, options: SyncOptions) -> Any:
    if is_blank(value):
        return None
    return Ref("account", f"id:{int(value)}", clean_text(row.get("ParentName")) or str(value))


def gl_account(
    value: Any, row: Mapping, options: SyncOptions, *, name_column: str, default: str
) -> Any:
    if is_blank(value):
        code = getattr(options, default)
        return Ref("account", f"code:{code}", f"default ({code})") if code else None
    name = clean_text(row.get(name_column))
    return Ref(
        "account", f"code:{value}", f"{value} {name or ''}".strip(), {"Name": name} if name else {}
    )


def income_account(value: Any, row: Mapping, options: SyncOptions) -> Any:
    return gl_account(
        value, row, options, name_column="IncomeAccountName", default="default_income_account"
    )


def expense_account(value: Any, row: Mapping, options: SyncOptions) -> Any:
    return gl_account(
        value, row, options, name_column="ExpenseAccountName", default="default_expense_account"
    )


def item_type(value: Any, row: Mapping, options: SyncOptions) -> Any:
    """Service, or NonInventory for the categories sold as goods (hardware, licences)."""
    goods = options.non_inventory_categories
    return "NonInventory" if clean_text(value) in goods else "Service"


def sku(value: Any, row: Mapping, options: SyncOptions) -> Any:
    """A stable natural key: "BMS-<service id>" (BMS services have no SKU)."""
    return None if is_blank(value) else f"BMS-{int(value)}"


TRANSFORMS: dict[str, Transform] = {
    "text": text,
    "company_name": company_name,
    "flag": flag,
    "money": money,
    "term": term,
    "taxable": taxable,
    "tax_code": tax_code,
    "notes": notes,
    "account_type": account_type,
    "account_subtype": account_subtype,
    "parent_account": parent_account,
    "income_account": income_account,
    "expense_account": expense_account,
    "item_type": item_type,
    "sku": sku,
}


def currency_code(name: Any, table: Mapping[str, str]) -> str | None:
    """The ISO 4217 code QuickBooks' CurrencyRef takes for a BMS currency name: from
    ``[sync_map.currencies]`` (BMS name → code), else the name itself when it is a code
    ("USD"). None when BMS gives none; Blocked (the reason) when it cannot be told."""
    text = clean_text(name)
    if not text:
        return None
    if text in table:
        return str(table[text]).upper()
    if len(text) == 3 and text.isalpha():
        return text.upper()
    raise Blocked(
        f"BMS currency {text!r} is not an ISO currency code: say which it is in "
        f'[sync_map.currencies] ("{text}" = "USD")'
    )
