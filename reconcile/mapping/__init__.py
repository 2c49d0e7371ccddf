"""The Sync Map (BMS field → QuickBooks field) as data, its transforms and validation."""

from __future__ import annotations

from reconcile.config import Config
from reconcile.errors import ConfigError
from reconcile.mapping.maps import ACCOUNTS, CUSTOMERS, ITEMS, MAPS
from reconcile.mapping.syncmap import EntityMap, FieldRule, Mapped, Ref, Skip

OPTIONS = {
    "carry_into_notes": bool,
    "default_income_account": str,
    "default_expense_account": str,
    "non_inventory_categories": list,
    "account_types": dict,
    "account_types_by_code": dict,
    "tax_code_names": dict,
    "customer_account_types": list,
    "default_items": dict,
}
MOVED = {"exportable_statuses": "[bms_assumptions] exportable_statuses"}


def configured(config: Config) -> tuple[dict[str, EntityMap], dict]:
    """The Sync Maps and options after the config file's ``[sync_map]`` table:
    options at its top level, and ``[sync_map.customer]`` (``.account``, ``.item``) tables
    of ``QuickBooks property = "BMS column"`` ("" stops sending that field)."""
    table = config.sync_map
    options = {}
    maps = dict(MAPS)
    for key, value in table.items():
        if key in MAPS:
            try:
                maps[key] = MAPS[key].with_overrides(value)
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        elif key in OPTIONS:
            if not isinstance(value, OPTIONS[key]):
                raise ConfigError(f"[sync_map] {key} must be a {OPTIONS[key].__name__}")
            options[key] = value
        elif key in MOVED:
            raise ConfigError(f"[sync_map] {key} has moved: write it as {MOVED[key]}")
        else:
            known = ", ".join(sorted([*OPTIONS, *MAPS]))
            raise ConfigError(f"[sync_map] has an unknown key {key!r} (known: {known})")
    return maps, options


__all__ = [
    "ACCOUNTS",
    "CUSTOMERS",
    "ITEMS",
    "MAPS",
    "EntityMap",
    "FieldRule",
    "Mapped",
    "Ref",
    "Skip",
    "configured",
]
