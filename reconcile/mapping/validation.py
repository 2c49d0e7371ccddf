"""Checking a mapped record against QuickBooks' rules before anything is sent.

The rules are QuickBooks' own (required fields, lengths, forbidden characters, e-mail shape,
enumerations; reference/qbo-api.md §4), kept once as field specs in reconcile.qbo.rules
and used both here and by the local sandbox that enforces them. A record that breaks one is
*blocked* with a reason a person understands: it never reaches QuickBooks and never stops
the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reconcile.mapping.syncmap import EntityMap, Mapped
from reconcile.qbo import rules as qbo_rules
from reconcile.qbo.faults import Fault

_LENGTH = re.compile(r"Max:(\d+) supported\. Supplied length:(\d+)")


@dataclass(frozen=True)
class Problem:
    """Why a record cannot be sent: which field, which rule, in words."""

    field: str
    rule: str
    message: str

    def __str__(self) -> str:
        return self.message


def _labels(entity_map: EntityMap) -> dict[str, str]:
    return {r.target: r.qbo_field for r in entity_map.rules if r.target}


def _value(mapped: Mapped, path: str) -> object:
    return mapped.values.get(path)


def _problem(fault: Fault, labels: dict[str, str], mapped: Mapped) -> Problem:
    path = fault.element or ""
    label = labels.get(path, path or "record")
    value = _value(mapped, path)
    if fault.code == "2050":
        match = _LENGTH.search(fault.detail)
        limit, length = match.groups() if match else ("?", "?")
        return Problem(label, "length", f"{label} is {length} characters long; QuickBooks "
                       f"allows at most {limit}")  # fmt: skip
    if fault.code == "2040":
        found = sorted({c for c in str(value) if c in ':\t\n"'})
        shown = ", ".join({":": "a colon", "\t": "a tab", "\n": "a line break",
                           '"': "a double quote"}[c] for c in found) or "a character"  # fmt: skip
        why = " (it uses ':' for sub-records)" if ":" in found else ""
        return Problem(label, "characters", f"{label} {value!r} contains {shown}, which "
                       f"QuickBooks does not allow there{why}")  # fmt: skip
    if fault.code == "2210":
        return Problem(label, "e-mail", f"{label} {value!r} is not an e-mail address "
                       "(it needs an @ and a dot)")  # fmt: skip
    if fault.code in ("2020", "6080", "6010", "2250"):
        return Problem(label, "required", f"{label} is required by QuickBooks and is empty")
    if fault.code == "2170":
        return Problem(label, "value", f"{label} {value!r} is not a value QuickBooks accepts")
    return Problem(
        label, f"QBO {fault.code}", f"{label}: {fault.detail} (QuickBooks rule {fault.code})"
    )


def validate(entity_map: EntityMap, mapped: Mapped, body: dict | None = None) -> list[Problem]:
    """Every rule the mapped record breaks (empty when it can be sent). ``body`` is
    ``mapped.body()`` when the caller has it already."""
    body = dict(body if body is not None else mapped.body())
    for path in mapped.refs:  # a reference the plan will fill counts as present here
        body[path] = {"value": "0"}
    try:
        qbo_rules.validate(entity_map.qbo_entity, body, creating=True, sparse=False)
    except Fault as fault:
        labels = _labels(entity_map)
        return [_problem(f, labels, mapped) for f in (fault, *fault.more)]
    return []
