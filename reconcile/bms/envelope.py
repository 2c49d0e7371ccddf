"""Reading BMS answers: keys in any case, and the ``{Success, Error, Result}`` envelope.

The published document spells keys in PascalCase, but real tenants answer in camelCase and
some legacy ones answer ``AccountID`` (reference §1.2 "Wire casing"). Every answer is
therefore rewritten to the document's spelling before anything reads it. The rewrite follows
the response schema of the operation called, so a key is matched case-insensitively against
the properties of the object it belongs to (the document itself spells a few names two ways
in different schemas, e.g. ``ListingIdEnum``/``ListingIDEnum``); keys the schema does not
declare fall back to the document's most common PascalCase spelling.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any

from reconcile.bms.openapi import spec


@cache
def _fallback_names() -> dict[str, str]:
    counts: dict[str, Counter] = {}
    for schema in spec()["components"]["schemas"].values():
        for prop in schema.get("properties", {}):
            counts.setdefault(prop.lower(), Counter())[prop] += 1
    return {
        low: max(c, key=lambda name: (name[:1].isupper(), c[name], name))
        for low, c in counts.items()
    }


def _resolve(schema: dict | None) -> dict | None:
    while schema and "$ref" in schema:
        schema = spec()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def canonical(value: Any, schema: dict | None = None) -> Any:
    """The same data with every key spelt as the OpenAPI document spells it."""
    schema = _resolve(schema)
    if isinstance(value, list):
        items = schema.get("items") if schema else None
        return [canonical(v, items) for v in value]
    if not isinstance(value, dict):
        return value
    props: dict[str, tuple[str, dict]] = {}
    if schema and "properties" in schema:
        props = {p.lower(): (p, s) for p, s in schema["properties"].items()}
    fallback = _fallback_names()
    out = {}
    for key, item in value.items():
        name, sub = props.get(key.lower(), (fallback.get(key.lower(), key), None))
        out[name] = canonical(item, sub)
    return out


@cache
def _templates() -> list[tuple[re.Pattern, str]]:
    paths = []
    for path in spec()["paths"]:
        pattern = re.sub(
            r"\{[^}]+\}", "[^/]+", re.escape(path).replace(r"\{", "{").replace(r"\}", "}")
        )
        paths.append((re.compile(pattern + "$"), path))
    # Literal segments win over parameters (…/summary before …/{id}).
    return sorted(paths, key=lambda p: p[1].count("{"))


def response_schema_for(method: str, path: str) -> dict | None:
    """The 200-response schema of the operation a concrete path calls, if declared."""
    for pattern, template in _templates():
        if pattern.match(path):
            operation = spec()["paths"][template].get(method.lower())
            if not operation:
                continue
            content = operation["responses"].get("200", {}).get("content", {})
            for media in content.values():
                return media["schema"]
            return None
    return None


@dataclass
class Envelope:
    """A BMS answer: whether it succeeded, the result, the error, and TotalRecords if sent."""

    success: bool
    result: Any
    error: dict | None = None
    total_records: int | None = None


def parse_envelope(body: Any, schema: dict | None = None) -> Envelope:
    """Read an answer (``schema``: the operation's response schema, for key spelling); a
    body without ``Success`` (some endpoints return the bare record, e.g.
    ``GET /v2/crm/accounts/summary/{id}``) counts as a successful result."""
    body = canonical(body, schema)
    if not isinstance(body, dict) or "Success" not in body:
        return Envelope(success=True, result=body)
    total = body.get("TotalRecords")
    return Envelope(
        success=bool(body.get("Success")),
        result=body.get("Result"),
        error=body.get("Error"),
        total_records=int(total) if total is not None else None,
    )
