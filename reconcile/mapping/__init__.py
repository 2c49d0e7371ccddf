"""The Sync Map (BMS field → QuickBooks field) as data, its transforms and validation."""

from __future__ import annotations

from reconcile.config import Config
from reconcile.errors import ConfigError
from reconcile.mapping.maps import ACCOUNTS, CREATE_ONLY, CUSTOMERS, ITEMS, MAPS
from reconcile.mapping.name_rules import name_rules
from reconcile.mapping.syncmap import EntityMap, FieldRule, Mapped, Ref, Skip

OPTIONS = {
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
    "names": dict,  # reconcile.mapping.name_rules
    # The QuickBooks company's settings (reconcile.qbo.company) decide whether these apply.
    "automated_sales_tax": str,
    "currencies": dict,
    "classes": dict,
    "locations": dict,
}
TAX_MODES = ("bms", "quickbooks")  # automated_sales_tax: whose tax amount the invoice carries
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
            if key == "overwrite":
                _check_overwrite(value)
            if key == "names":
                name_rules(value)
            if key == "automated_sales_tax" and value not in TAX_MODES:
                raise ConfigError(
                    f"[sync_map] automated_sales_tax must be one of {', '.join(TAX_MODES)}, "
                    f"not {value!r}"
                )
        elif key in MOVED:
            raise ConfigError(f"[sync_map] {key} has moved: write it as {MOVED[key]}")
        else:
            known = ", ".join(sorted([*OPTIONS, *MAPS]))
            raise ConfigError(f"[sync_map] has an unknown key {key!r} (known: {known})")
    return maps, options


def _check_overwrite(table: dict) -> None:
    """``[sync_map.overwrite]``: kind = [QuickBooks properties (or the objects holding them)
    of its Sync Map] that BMS may overwrite on records the company made (sync/policy.py)."""
    for kind, paths in table.items():
        if kind not in MAPS:
            raise ConfigError(
                f"[sync_map.overwrite] has an unknown kind {kind!r} (known: {', '.join(MAPS)})"
            )
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise ConfigError(f"[sync_map.overwrite] {kind} must be a list of property names")
        targets = [r.target for r in MAPS[kind].rules if r.target]
        for path in paths:
            if path in CREATE_ONLY.get(kind, {}):
                raise ConfigError(f"[sync_map.overwrite] {kind} {path}: {CREATE_ONLY[kind][path]}")
            if not any(t == path or t.startswith(f"{path}.") for t in targets):
                raise ConfigError(
                    f"[sync_map.overwrite] {kind} names {path!r}, which its Sync Map does not "
                    f"send (known: {', '.join(targets)})"
                )


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
