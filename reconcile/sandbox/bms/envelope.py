"""BMS's answers: the ``Success`` / ``Result`` / ``Error`` envelope (``ok``, ``BmsFault``,
``invalid``), the key spelling a tenant answers in (``respell``), the 429 (``throttled``) and
the ``FAULT_SHAPES`` the fault injection answers in."""

from __future__ import annotations

from typing import Any

from reconcile.sandbox.http import Response
from reconcile.sandbox.middleware import FaultShapes


class BmsFault(Exception):
    """An answer with ``Success=false``."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        details: str | None = None,
        sub_errors: list[str] | None = None,
        status: int = 200,
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.details = code, message, details
        self.sub_errors, self.status = sub_errors, status

    def body(self) -> dict:
        error: dict[str, Any] = {"Code": self.code, "Message": self.message}
        if self.details:
            error["Details"] = self.details
        if self.sub_errors:
            error["SubErrors"] = self.sub_errors
        return {"Success": False, "Error": error}


def invalid(*problems: str) -> BmsFault:
    """400: a parameter or body that cannot be read (ASP.NET model validation)."""
    return BmsFault(
        400, "One or more validation errors occurred.", sub_errors=list(problems), status=400
    )


def ok(result: Any, total: int | None = None) -> dict:
    body: dict[str, Any] = {"Success": True, "Result": result}
    if total is not None:
        body["TotalRecords"] = total
    return body


def _camel(key: str) -> str:
    return key[:1].lower() + key[1:]


def _legacy(key: str) -> str:
    return key[:-2] + "ID" if key.endswith("Id") else key


def respell(value: Any, case: str) -> Any:
    """Keys in the spelling a tenant answers with (pascal / camel / legacy)."""
    if case == "pascal":
        return value
    fix = _camel if case == "camel" else _legacy
    if isinstance(value, list):
        return [respell(v, case) for v in value]
    if isinstance(value, dict):
        return {fix(k): respell(v, case) for k, v in value.items()}
    return value


def throttled(wait: float) -> Response:
    """429 as BMS answers it, with Retry-After (reference bms §1.1)."""
    fault = BmsFault(429, "API calls quota exceeded! maximum admitted 1500 per 1h.", status=429)
    resp = Response.json(fault.body(), status=429)
    resp.headers["Retry-After"] = str(max(1, int(wait + 0.999)))
    return resp


FAULT_SHAPES = FaultShapes(
    server_error=lambda status: Response.json(
        {
            "Success": False,
            "Error": {"Code": status, "Message": "Internal server error (injected)"},
        },
        status=status,
    ),
    throttled=throttled,
    unauthorized=lambda: Response(401, b"", {"WWW-Authenticate": 'Bearer error="invalid_token"'}),
)
