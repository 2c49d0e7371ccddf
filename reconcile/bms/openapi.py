"""Kaseya BMS API v2's published OpenAPI document, as JSON-schema validators.

The document (``spec/kaseya-bms-v2-openapi.json``, the Swagger harvested from
api.bms.kaseya.com, see ../shared/reference/bms-api-and-peers.md) is the contract of the BMS
sandbox: its requests and responses must validate against the schemas named there.
OpenAPI 3.0 marks optional nulls with ``nullable: true``, which JSON Schema does not know;
:func:`json_schema` rewrites those into ``"type": [t, "null"]``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

SPEC_FILE = "kaseya-bms-v2-openapi.json"


@cache
def spec() -> dict:
    """The whole OpenAPI document."""
    text = resources.files("reconcile.bms").joinpath("spec", SPEC_FILE).read_text("utf-8")
    return json.loads(text)


def _convert(node: Any) -> Any:
    if isinstance(node, list):
        return [_convert(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _convert(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        elif "$ref" in out:
            out = {"anyOf": [{"$ref": out["$ref"]}, {"type": "null"}]}
    if "$ref" in out and isinstance(out["$ref"], str):
        out["$ref"] = out["$ref"].replace("#/components/schemas/", "#/$defs/")
    return out


@cache
def _defs() -> dict:
    return _convert(spec()["components"]["schemas"])


def json_schema(name: str) -> dict:
    """A standalone JSON schema for one component (``#/components/schemas/<name>``)."""
    return {"$ref": f"#/$defs/{name}", "$defs": _defs()}


@cache
def validator(name: str) -> Draft202012Validator:
    """A validator for one component schema, with format checks (date-time, int32…)."""
    return Draft202012Validator(json_schema(name), format_checker=FormatChecker())


def response_schema(path: str, method: str) -> str:
    """The component name of an operation's 200 response (e.g. ``TokenOutputDtoResponse``)."""
    content = spec()["paths"][path][method.lower()]["responses"]["200"].get("content", {})
    for media in content.values():
        return media["schema"]["$ref"].rsplit("/", 1)[-1]
    raise KeyError(f"{method.upper()} {path} declares no response body")


def request_schema(path: str, method: str) -> dict:
    """The JSON schema of an operation's request body (arrays and inline forms included)."""
    body = spec()["paths"][path][method.lower()]["requestBody"]["content"]
    schema = next(iter(body.values()))["schema"]
    return {**_convert(schema), "$defs": _defs()}


def errors(name_or_schema: str | dict, instance: Any) -> list[str]:
    """Every validation problem of ``instance``, as readable lines (empty when valid)."""
    v = (
        validator(name_or_schema)
        if isinstance(name_or_schema, str)
        else Draft202012Validator(name_or_schema, format_checker=FormatChecker())
    )
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in v.iter_errors(instance)
    ]
