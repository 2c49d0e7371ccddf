"""Reading BMS answers: keys in any case, and the ``{Success, Error, Result}`` envelope.

The published document spells keys in PascalCase, but real tenants answer in camelCase and
some legacy ones answer ``AccountID`` (reference §1.2 "Wire casing"). Every answer is
therefore rewritten to the document's spelling before anything reads it: a key is matched
case-insensitively against every property name the OpenAPI document declares.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from reconcile.bms.openapi import spec


@cache
def _names() -> dict[str, str]:
    names: dict[str, str] = {}
    for schema in spec()["components"]["schemas"].values():
        for prop in schema.get("properties", {}):
            names.setdefault(prop.lower(), prop)
    return names


def canonical(value: Any) -> Any:
    """The same data with every key spelt as the OpenAPI document spells it."""
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        names = _names()
        return {names.get(k.lower(), k): canonical(v) for k, v in value.items()}
    return value


@dataclass
class Envelope:
    """A BMS answer: whether it succeeded, the result, the error, and TotalRecords if sent."""

    success: bool
    result: Any
    error: dict | None = None
    total_records: int | None = None


def parse_envelope(body: Any) -> Envelope:
    """Read an answer; a body without ``Success`` (some endpoints return the bare record,
    e.g. ``GET /v2/crm/accounts/summary/{id}``) counts as a successful result."""
    body = canonical(body)
    if not isinstance(body, dict) or "Success" not in body:
        return Envelope(success=True, result=body)
    total = body.get("TotalRecords")
    return Envelope(
        success=bool(body.get("Success")),
        result=body.get("Result"),
        error=body.get("Error"),
        total_records=int(total) if total is not None else None,
    )
