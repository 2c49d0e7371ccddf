"""Reading a request: query parameters (the ASP.NET model validation's 400 words), form
fields, list filters, ``Sort``, paging, and JSON bodies checked against the OpenAPI
document."""

from __future__ import annotations

import email.parser
import email.policy
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from reconcile.bms import openapi
from reconcile.sandbox.bms.envelope import invalid
from reconcile.sandbox.bms_data import utc_key
from reconcile.sandbox.http import Request

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100


def _parsed(name: str, text: str, parse: Callable[[str], Any], kind: str) -> Any:
    try:
        return parse(text)
    except ValueError:
        raise invalid(f"{name}: The value '{text}' is not valid for {kind}.") from None


def read_int(name: str, text: str) -> int:
    """Parameter ``name`` as an Int32; a 400 naming it when it is not one."""
    return _parsed(name, text, int, "Int32")


def read_bool(name: str, text: str) -> bool:
    """Parameter ``name`` as a Boolean ("true" / "false", any case); else a 400."""
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    raise invalid(f"{name}: The value '{text}' is not valid for Boolean.")


def read_datetime(name: str, text: str) -> str:
    """Parameter ``name`` as a DateTime, in the sortable UTC form the tables keep; else a 400."""
    return _parsed(name, text, utc_key, "DateTime")


def read_text(name: str, text: str) -> str:
    """Parameter ``name`` as it was sent."""
    return text


def form_fields(request: Request) -> dict[str, str]:
    """The fields of a multipart/form-data or urlencoded body, names lower-cased."""
    ctype = request.headers.get("Content-Type", "")
    if ctype.startswith("multipart/form-data"):
        raw = f"Content-Type: {ctype}\r\n\r\n".encode() + request.body
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
        fields = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name:
                fields[name.lower()] = part.get_content().strip() if part.get_content() else ""
        return fields
    return {
        k.lower(): v for k, v in parse_qsl(request.body.decode("utf-8"), keep_blank_values=True)
    }


def filters(spec: dict[str, tuple[str, Any]], query: dict[str, str]) -> list[tuple[str, tuple]]:
    """The SQL conditions of the filters ``query`` sets (``spec``: parameter -> (SQL
    condition, reader)); a filter sent empty is no filter."""
    where = []
    for name, (condition, reader) in spec.items():
        if name in query and query[name] != "":
            where.append((condition, (reader(name, query[name]),)))
    return where


def sort_order(text: str | None, allowed: dict[str, str]) -> str:
    """``Sort=Field`` or ``Field desc`` (the syntax is undocumented; reference §1.3)."""
    if not text:
        return "id"
    parts = text.strip().split()
    column = allowed.get(parts[0].lower())
    direction = parts[1].upper() if len(parts) > 1 else "ASC"
    if column is None or direction not in ("ASC", "DESC") or len(parts) > 2:
        raise invalid(f"Sort: cannot sort by '{text}' (allowed: {', '.join(sorted(allowed))})")
    return f"{column} {direction}, id"


def paging(size: object, number: object) -> tuple[int, int]:
    """``PageSize`` (default 100, 1 to 1000) and ``PageNumber`` (from 1), read and checked."""
    size = DEFAULT_PAGE_SIZE if size in (None, "") else size
    number = 1 if number in (None, "") else number
    size = read_int("PageSize", str(size)) if not isinstance(size, int) else size
    number = read_int("PageNumber", str(number)) if not isinstance(number, int) else number
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise invalid(f"PageSize: must be between 1 and {MAX_PAGE_SIZE}, got {size}.")
    if number < 0:
        raise invalid(f"PageNumber: must be 1 or more, got {number}.")
    return size, max(number, 1)  # PageNumber=0 is read as the first page, as clients send it


def json_body(request: Request, path: str, method: str) -> Any:
    """The request's JSON body (``{}`` when empty), checked against the request schema the
    OpenAPI document declares for ``method`` ``path``; a 400 ``invalid`` when it is not."""
    try:
        body = request.json() if request.body else {}
    except ValueError as exc:
        raise invalid(f"body: not valid JSON ({exc})") from None
    problems = openapi.errors(openapi.request_schema(path, method), body)
    if problems:
        raise invalid(*problems)
    return body
