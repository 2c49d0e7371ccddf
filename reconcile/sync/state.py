"""What QuickBooks holds now, read once per plan: the records a plan compares against."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from reconcile.qbo.client import QboClient
from reconcile.qbo.company import CompanySettings
from reconcile.qbo.query import select

# What each kind of plan must see: its own entity plus what its references point to.
NEEDED = {
    "customer": ("Customer", "Vendor", "Employee", "Term", "TaxCode"),
    "account": ("Account",),
    "item": ("Item", "Account"),
    "invoice": ("Invoice", "CreditMemo", "Customer", "Item", "Term", "TaxCode"),
}


# QuickBooks renames a name-list record it makes inactive "X (deleted)" (reference §2).
DELETED = " (deleted)"


def undeleted(name: object) -> object:
    """A name without QuickBooks' " (deleted)" suffix of inactive records."""
    return name[: -len(DELETED)] if isinstance(name, str) and name.endswith(DELETED) else name


def _folded(value: object) -> str:
    return unicodedata.normalize("NFC", str(value)).casefold()


def tracked_lists(company: CompanySettings) -> tuple[str, ...]:
    """The company's own lists an invoice may name when it tracks them: Class, Department."""
    return (("Class",) if company.class_tracking != "off" else ()) + (
        ("Department",) if company.locations else ()
    )


@dataclass
class QboState:
    """Records per QBO entity, with lookups by Id and by a case-folded name."""

    records: dict[str, list[dict]] = field(default_factory=dict)
    _index: dict[tuple[str, str], dict[str, list[dict]]] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, client: QboClient, entities: Iterable[str]) -> QboState:
        """Query every record of each entity (all pages)."""
        return cls({e: client.query(select(e)) for e in entities})

    def all(self, entity: str) -> list[dict]:
        return self.records.get(entity, [])

    def by_id(self, entity: str, qbo_id: str) -> dict | None:
        found = self.by_field(entity, "Id", str(qbo_id))
        return found[0] if found else None

    def by_field(self, entity: str, field_name: str, value: object) -> list[dict]:
        """Records whose field equals ``value`` ignoring case (QBO names are case-blind) and
        Unicode spelling (NFC: a name typed in QuickBooks with a combining accent is found)."""
        key = (entity, field_name)
        if key not in self._index:
            index: dict[str, list[dict]] = {}
            for record in self.all(entity):
                if record.get(field_name) is not None:
                    index.setdefault(_folded(record[field_name]), []).append(record)
            self._index[key] = index
        return self._index[key].get(_folded(value), [])

    def by_name(self, entity: str, field_name: str, value: object) -> list[dict]:
        """:meth:`by_field`, and the inactive records QuickBooks renamed "value (deleted)":
        a record made inactive is still the same record (found again, never made twice)."""
        renamed = self.by_field(entity, field_name, f"{value}{DELETED}")
        return self.by_field(entity, field_name, value) + [
            r for r in renamed if r.get("Active") is False
        ]

    def add(self, entity: str, record: dict) -> None:
        """Take in a record just created or changed (keeps the lookups right)."""
        self.records[entity] = [r for r in self.all(entity) if r.get("Id") != record["Id"]]
        self.records[entity].append(record)
        self._index = {k: v for k, v in self._index.items() if k[0] != entity}
