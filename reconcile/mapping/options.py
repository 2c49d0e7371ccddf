"""The ``[sync_map]`` options as one typed, frozen object, with their defaults in one place.

The config file's ``[sync_map]`` table holds, besides the per-kind field overrides
(``[sync_map.customer]``…), the options below (docs/sync-map.md says what each does).
:meth:`SyncOptions.from_table` checks them once, when the config loads, and every mapping,
plan and send reads them as attributes: a misspelt option is a ConfigError naming it, never
a silent default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

from reconcile.errors import ConfigError

TAX_MODES = ("bms", "quickbooks")  # automated_sales_tax: whose tax amount the invoice carries
CUSTOMER_TYPES = ("Client",)  # BMS account types that are customers (vendors are not)
NON_INVENTORY_CATEGORIES = ("Hardware", "Software")  # BMS service categories sold as goods


def _table() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class SyncOptions:
    """Every ``[sync_map]`` option, typed (tables are read-only mappings, lists tuples)."""

    carry_into_notes: bool = False
    default_income_account: str | None = None
    default_expense_account: str | None = None
    non_inventory_categories: tuple[str, ...] = NON_INVENTORY_CATEGORIES
    account_types: Mapping[str, str] = field(default_factory=_table)
    account_types_by_code: Mapping[str, str] = field(default_factory=_table)
    account_types_by_name: Mapping[str, str] = field(default_factory=_table)
    tax_code_names: Mapping[str, str] = field(default_factory=_table)
    customer_account_types: tuple[str, ...] = CUSTOMER_TYPES
    default_items: Mapping[str, str] = field(default_factory=_table)
    overwrite: Mapping[str, tuple[str, ...]] = field(default_factory=_table)
    account_links: Mapping[str, str] = field(default_factory=_table)
    names: Mapping[str, str] = field(default_factory=_table)  # reconcile.mapping.name_rules
    # The QuickBooks company's settings (reconcile.qbo.company) decide whether these apply.
    automated_sales_tax: str = "bms"
    currencies: Mapping[str, str] = field(default_factory=_table)
    classes: Mapping[str, str] = field(default_factory=_table)
    locations: Mapping[str, str] = field(default_factory=_table)
    # Money BMS shows paid becomes a QuickBooks Payment (reconcile.sync.bms_payments).
    record_bms_payments: bool = True
    deposit_account: str | None = None  # None: QuickBooks' Undeposited Funds

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> SyncOptions:
        """The options of a ``[sync_map]`` table (only option keys); ConfigError names a
        value of the wrong type."""
        unknown = sorted(set(table) - set(KINDS))
        if unknown:
            raise ConfigError(f"[sync_map] has no option {', '.join(map(repr, unknown))}")
        values: dict[str, Any] = {}
        for spec in fields(cls):
            if spec.name not in table:
                continue
            value, kind = table[spec.name], KINDS[spec.name]
            if not isinstance(value, kind):
                raise ConfigError(f"[sync_map] {spec.name} must be a {kind.__name__}")
            if kind is list:
                value = tuple(value)
            elif kind is dict:
                value = MappingProxyType(
                    {k: tuple(v) if isinstance(v, list) else v for k, v in value.items()}
                )
            values[spec.name] = value
        if values.get("automated_sales_tax", "bms") not in TAX_MODES:
            raise ConfigError(
                f"[sync_map] automated_sales_tax must be one of {', '.join(TAX_MODES)}, "
                f"not {values['automated_sales_tax']!r}"
            )
        return cls(**values)

    @classmethod
    def of(cls, value: SyncOptions | Mapping[str, Any] | None) -> SyncOptions:
        """``value`` as options: itself, or read from a table (``None``: the defaults)."""
        if isinstance(value, SyncOptions):
            return value
        return cls.from_table(value or {})


# The TOML type each option is written as (a table is a dict, an array a list).
KINDS: dict[str, type] = {
    "carry_into_notes": bool,
    "default_income_account": str,
    "default_expense_account": str,
    "non_inventory_categories": list,
    "account_types": dict,
    "account_types_by_code": dict,
    "account_types_by_name": dict,
    "tax_code_names": dict,
    "customer_account_types": list,
    "default_items": dict,
    "overwrite": dict,
    "account_links": dict,
    "names": dict,
    "automated_sales_tax": str,
    "currencies": dict,
    "classes": dict,
    "locations": dict,
    "record_bms_payments": bool,
    "deposit_account": str,
}
