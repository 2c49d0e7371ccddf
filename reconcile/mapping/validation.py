"""Checking a mapped record against QuickBooks' rules before anything is sent.

The rules are QuickBooks' own (required fields, lengths, forbidden characters, e-mail shape,
enumerations; reference/qbo-api.md §4), kept once as field specs in reconcile.qbo.rules
and used both here and by the local sandbox that enforces them. A record that breaks one is
*blocked* with a reason a person understands: it never reaches QuickBooks and never stops
the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconcile.mapping.syncmap import EntityMap, Mapped
from reconcile.qbo import rules as qbo_rules
from reconcile.qbo.rules import Violation

CHARACTER_NAMES = {":": "a colon", "\t": "a tab", "\n": "a line break", '"': "a double quote"}


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


def _problem(violation: Violation, labels: dict[str, str]) -> Problem:
    """A violation in the words of the Sync Map's field (its QuickBooks name)."""
    path = violation.element
    label = labels.get(path, path or "record")
    rule, value, limit = violation.rule, violation.value, violation.limit
    if rule == "length":
        return Problem(
            label,
            rule,
            f"{label} is {len(value)} characters long; QuickBooks allows at most {limit}",
        )
    if rule == "characters":
        shown = ", ".join(CHARACTER_NAMES.get(c, repr(c)) for c in limit)
        why = " (it uses ':' for sub-records)" if ":" in limit else ""
        return Problem(
            label,
            rule,
            f"{label} {value!r} contains {shown}, which QuickBooks does not allow there{why}",
        )
    if rule == "e-mail":
        return Problem(
            label, rule, f"{label} {value!r} is not an e-mail address (it needs an @ and a dot)"
        )
    if rule == "required":
        return Problem(label, rule, f"{label} is required by QuickBooks and is empty")
    if rule == "value":
        return Problem(label, rule, f"{label} {value!r} is not a value QuickBooks accepts")
    return Problem(
        label,
        f"QBO {violation.code}",
        f"{label}: {violation.detail} (QuickBooks rule {violation.code})",
    )


def validate(entity_map: EntityMap, mapped: Mapped, body: dict | None = None) -> list[Problem]:
    """Every rule the mapped record breaks (empty when it can be sent). ``body`` is
    ``mapped.body()`` when the caller has it already."""
    body = dict(body if body is not None else mapped.body())
    for path in mapped.refs:  # a reference the plan will fill counts as present here
        body[path] = {"value": "0"}
    found = qbo_rules.violations(entity_map.qbo_entity, body, creating=True, sparse=False)
    labels = _labels(entity_map)
    return [_problem(v, labels) for v in found]
