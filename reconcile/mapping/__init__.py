"""The Sync Map (BMS field → QuickBooks field) as data, its transforms and validation."""

from reconcile.mapping.maps import ACCOUNTS, CUSTOMERS, ITEMS, MAPS
from reconcile.mapping.syncmap import EntityMap, FieldRule, Mapped, Ref, Skip

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
]
