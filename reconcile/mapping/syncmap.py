"""The Sync Map as data: which BMS field becomes which QuickBooks field, and how.

Each entity has an ordered list of :class:`FieldRule` (the seed guide's "Sync Map" table,
extended). A rule names the BMS column it reads (a column of the frames of
:mod:`reconcile.bms.loaders`), the QBO property path it writes (dotted, e.g.
``BillAddr.Line1``), and a transform. A rule without a target is shown but never sent (for
instance Credit Limit: QuickBooks Online's API has no writable field for it).

Mapping a record gives a :class:`Mapped`: the values to send (flat paths), the body to send
(nested QBO JSON), the fields left out and why, and the references the plan must resolve
(a term, a tax code, a GL account, a parent).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from reconcile.mapping.options import SyncOptions


@dataclass(frozen=True)
class Ref:
    """A reference to another QBO record, resolved by the plan (found, linked, or created).

    ``kind`` is "term", "taxcode", "account", "customer" or "item"; ``key`` identifies it on
    the BMS side (a term's days, a tax item's name, a GL code); ``label`` is what a person
    reads ("Net 30"); ``create`` holds what is needed to create it when missing."""

    kind: str
    key: str
    label: str
    create: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Skip:
    """A transform's way to say "not sent", with the reason a person reads."""

    reason: str


@dataclass(frozen=True)
class FieldRule:
    """One line of the Sync Map."""

    bms_field: str  # the seed guide's label, e.g. "Account Name"
    qbo_field: str  # the seed guide's label, e.g. "Display Name"
    source: str | None  # BMS frame column (None: the transform reads the whole row)
    target: str | None  # QBO property path; None: shown but never sent
    transform: str = "text"
    note: str = ""
    # For a field QuickBooks cannot take: the option that carries it into another field.
    carried_by: str | None = None


@dataclass
class Mapped:
    """One BMS record mapped to QuickBooks."""

    bms_id: str
    source: dict[str, Any] = field(default_factory=dict)  # the BMS values read, by column
    values: dict[str, Any] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    refs: dict[str, Ref] = field(default_factory=dict)
    # Why a value sent is not BMS's own, by property (a name rule: sync/names.py).
    notes: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict:
        """The nested QBO JSON of the values (references are filled in by the plan)."""
        out: dict[str, Any] = {}
        for path, value in self.values.items():
            set_path(out, path, value)
        return out


def set_path(body: dict, path: str, value: Any) -> None:
    """Put a value at a dotted property path, creating the objects on the way; a number
    steps into a list (``Line.2.SalesItemLineDetail.ItemRef``)."""
    node: Any = body
    *parents, leaf = path.split(".")
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    node[leaf] = value


def get_path(record: Mapping, path: str) -> Any:
    """The value at a dotted property path (None when any step is missing); a number steps
    into a list."""
    node: Any = record
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit():
            node = node[int(part)] if int(part) < len(node) else None
        elif isinstance(node, Mapping):
            node = node.get(part)
        else:
            return None
    return node


def is_blank(value: Any) -> bool:
    """None, NA, NaN and empty/whitespace strings count as "no value"."""
    if isinstance(value, str):
        return not value.strip()
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def clean_text(value: Any) -> str | None:
    """Trimmed text with runs of spaces collapsed (line breaks kept), in Unicode NFC; None
    when blank. NFC: "Café" typed as "e" + a combining accent is the same name as "é", so it
    is sent, and compared, one way (else QuickBooks would hold two look-alike customers)."""
    if is_blank(value):
        return None
    text = unicodedata.normalize("NFC", str(value))
    return text.strip() if "\n" in text else " ".join(text.split())


Transform = Callable[[Any, Mapping[str, Any], SyncOptions], Any]


class EntityMap:
    """The rules of one entity, plus the transforms they name."""

    def __init__(
        self,
        kind: str,
        qbo_entity: str,
        rules: list[FieldRule],
        transforms: Mapping[str, Transform],
        id_column: str = "Id",
    ) -> None:
        self.kind = kind
        self.qbo_entity = qbo_entity
        self.rules = rules
        self.transforms = dict(transforms)
        self.id_column = id_column
        unknown = {r.transform for r in rules} - set(self.transforms)
        if unknown:
            raise ValueError(f"{kind} Sync Map names unknown transforms: {sorted(unknown)}")

    def with_overrides(self, overrides: Mapping[str, str]) -> EntityMap:
        """A copy where ``{qbo path: bms column}`` overrides the source of a rule ("" stops
        sending that field). Unknown paths raise ValueError naming them."""
        by_target = {r.target: r for r in self.rules if r.target}
        unknown = set(overrides) - set(by_target)
        if unknown:
            raise ValueError(
                f"[sync_map.{self.kind}] names QuickBooks fields the map does not have: "
                f"{', '.join(sorted(unknown))} (known: {', '.join(sorted(by_target))})"
            )
        rules = []
        for rule in self.rules:
            if rule.target in overrides:
                column = overrides[rule.target]
                rule = (
                    replace(rule, target=None, note="not sent: turned off in the config file")
                    if column == ""
                    else replace(rule, source=column, note=f"{rule.note} (config: from {column})")
                )
            rules.append(rule)
        return EntityMap(self.kind, self.qbo_entity, rules, self.transforms, self.id_column)

    def frame(self) -> pd.DataFrame:
        """The Sync Map as a table for people: one row per rule, in order."""
        rows = [
            {
                "BMS field": r.bms_field,
                "QuickBooks field": r.qbo_field,
                "BMS column": r.source or "(derived)",
                "QuickBooks property": r.target or "",
                "sent": r.target is not None,
                "transform": r.transform,
                "note": r.note,
            }
            for r in self.rules
        ]
        return pd.DataFrame(rows)

    def map(
        self, row: Mapping[str, Any], options: SyncOptions | Mapping[str, Any] | None = None
    ) -> Mapped:
        """Map one BMS row (a dict or Series) into what would be sent to QuickBooks."""
        options = SyncOptions.of(options)
        mapped = Mapped(bms_id=str(row[self.id_column]))
        for rule in self.rules:
            raw = row.get(rule.source) if rule.source else None
            if rule.source:
                mapped.source[rule.source] = None if is_blank(raw) else raw
            where = rule.target or rule.qbo_field
            if rule.target is None:
                if not is_blank(raw):
                    carried = rule.carried_by and getattr(options, rule.carried_by)
                    reason = "not a QuickBooks field: carried into Notes" if carried else rule.note
                    mapped.skipped[rule.qbo_field] = reason or "not sent"
                continue
            value = self.transforms[rule.transform](raw, row, options)
            if isinstance(value, Skip):
                mapped.skipped[where] = value.reason
            elif isinstance(value, Ref):
                mapped.refs[rule.target] = value
            elif value is not None:
                mapped.values[rule.target] = value
        return mapped
