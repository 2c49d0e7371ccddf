"""The Sync Map (BMS field → QuickBooks field) as data, its transforms and validation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconcile.config import Config
from reconcile.errors import ConfigError
from reconcile.mapping.maps import ACCOUNTS, CREATE_ONLY, CUSTOMERS, ITEMS, MAPS
from reconcile.mapping.name_rules import name_rules
from reconcile.mapping.options import KINDS, SyncOptions
from reconcile.mapping.syncmap import EntityMap, FieldRule, Mapped, Ref, Skip

MOVED = {"exportable_statuses": "[bms_assumptions] exportable_statuses"}


def configured(config: Config) -> tuple[dict[str, EntityMap], SyncOptions]:
    """The Sync Maps and options after the config file's ``[sync_map]`` table:
    options at its top level (:class:`SyncOptions`), and ``[sync_map.customer]``
    (``.account``, ``.item``) tables of ``QuickBooks property = "BMS column"`` ("" stops
    sending that field)."""
    table = config.sync_map
    maps = dict(MAPS)
    for key, value in table.items():
        if key in MAPS:
            try:
                maps[key] = MAPS[key].with_overrides(value)
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        elif key in MOVED:
            raise ConfigError(f"[sync_map] {key} has moved: write it as {MOVED[key]}")
        elif key not in KINDS:
            known = ", ".join(sorted([*KINDS, *MAPS]))
            raise ConfigError(f"[sync_map] has an unknown key {key!r} (known: {known})")
    options = SyncOptions.from_table({k: v for k, v in table.items() if k in KINDS})
    _check_overwrite(options.overwrite)
    name_rules(options.names)
    return maps, options


def _check_overwrite(table: Mapping[str, Any]) -> None:
    """``[sync_map.overwrite]``: kind = [QuickBooks properties (or the objects holding them)
    of its Sync Map] that BMS may overwrite on records the company made (sync/policy.py)."""
    for kind, paths in table.items():
        if kind not in MAPS:
            raise ConfigError(
                f"[sync_map.overwrite] has an unknown kind {kind!r} (known: {', '.join(MAPS)})"
            )
        if not isinstance(paths, tuple) or not all(isinstance(p, str) for p in paths):
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
    "SyncOptions",
    "configured",
]
