"""QuickBooks Online faults as typed exceptions.

QBO answers errors in three shapes (reference/qbo-api.md §5, §6):
- JSON ``{"Fault": {"Error": [{"Message", "Detail", "code", "element"}], "type"}}`` (most faults);
- a lowercase variant ``{"fault": {"error": [{"message", "detail", "code", "element"}]}}`` for
  401 and 403;
- XML ``<IntuitResponse><Fault><Error code="3001">…`` for throttling (and some auth errors),
  even when JSON was asked for.
Every error in ``Error[]`` is kept; the exception class follows the first one.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from reconcile.errors import ReconcileError


@dataclass(frozen=True)
class FaultError:
    """One entry of ``Fault.Error[]``."""

    code: str
    message: str
    detail: str = ""
    element: str = ""

    def __str__(self) -> str:
        where = f" [{self.element}]" if self.element else ""
        detail = f": {self.detail}" if self.detail and self.detail != self.message else ""
        return f"{self.code} {self.message}{detail}{where}"


class QboError(ReconcileError):
    """An error answered by QuickBooks Online, with every fault entry, status and trace id."""

    def __init__(
        self,
        errors: list[FaultError],
        *,
        status: int | None = None,
        fault_type: str = "",
        intuit_tid: str | None = None,
    ) -> None:
        self.errors = errors or [FaultError("", "Unknown QuickBooks error")]
        self.status = status
        self.fault_type = fault_type
        self.intuit_tid = intuit_tid
        super().__init__(str(self))

    @property
    def code(self) -> str:
        """Code of the first error (QBO sends codes as strings)."""
        return self.errors[0].code

    @property
    def detail(self) -> str:
        return self.errors[0].detail

    @property
    def element(self) -> str:
        return self.errors[0].element

    def __str__(self) -> str:
        head = "; ".join(str(e) for e in self.errors)
        extra = [f"HTTP {self.status}"] if self.status else []
        if self.intuit_tid:
            extra.append(f"intuit_tid={self.intuit_tid}")
        return f"QuickBooks {head}" + (f" ({', '.join(extra)})" if extra else "")


class QboAuthError(QboError):
    """401 / 3200: the access token is missing, expired or malformed."""


class QboForbiddenError(QboError):
    """403 / 3100: the app lacks a scope or the company refused it."""


class ValidationError(QboError):
    """A 2000-4999 validation fault: a field is missing, too long, of the wrong kind…"""


class QueryError(ValidationError):
    """4000-4002: the query could not be parsed or run."""


class QboNotFoundError(QboError):
    """610: the record does not exist or was made inactive."""


class StaleObjectError(QboError):
    """5010: the SyncToken sent is not the current one (someone changed the record)."""


class BusinessRuleError(QboError):
    """6000 family: a business validation (duplicate name, arithmetic, balance…)."""


class DuplicateNameError(BusinessRuleError):
    """6240: another customer, vendor or employee already uses this DisplayName."""


class QboThrottledError(QboError):
    """429 / 3001 ThrottleExceeded; ``retry_after`` is the server's hint in seconds, if any."""

    retry_after: float | None = None


class QboServerError(QboError):
    """5xx from QuickBooks: worth one more try (the official advice is to resubmit once)."""


_BY_CODE = {
    "610": QboNotFoundError,
    "3001": QboThrottledError,
    "3100": QboForbiddenError,
    "3200": QboAuthError,
    "5010": StaleObjectError,
    "6240": DuplicateNameError,
}
_BY_STATUS = {401: QboAuthError, 403: QboForbiddenError, 429: QboThrottledError}


def _class_for(code: str, status: int | None) -> type[QboError]:
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if code in _BY_CODE:
        return _BY_CODE[code]
    number = int(code) if code.isdigit() else -1
    if 4000 <= number <= 4002:
        return QueryError
    if 2000 <= number < 5000:
        return ValidationError
    if number >= 6000 and number < 10000:
        return BusinessRuleError
    if status is not None and status >= 500:
        return QboServerError
    return QboError


def fault_from_dict(fault: dict, *, status: int | None = None, tid: str | None = None) -> QboError:
    """Build the exception for a ``Fault`` object (also the form found inside batch items)."""
    entries = fault.get("Error") or fault.get("error") or []
    errors = [
        FaultError(
            code=str(e.get("code") or ""),
            message=str(e.get("Message") or e.get("message") or ""),
            detail=str(e.get("Detail") or e.get("detail") or ""),
            element=str(e.get("element") or ""),
        )
        for e in entries
    ]
    code = errors[0].code if errors else ""
    cls = _class_for(code, status)
    return cls(errors, status=status, fault_type=str(fault.get("type") or ""), intuit_tid=tid)


def _from_xml(text: str) -> tuple[dict, bool]:
    root = ET.fromstring(text)
    errors = []
    fault_type = ""
    for fault in root.iter():
        if fault.tag.rsplit("}", 1)[-1] == "Fault":
            fault_type = fault.get("type", "")
            for err in fault:
                fields = {c.tag.rsplit("}", 1)[-1]: (c.text or "") for c in err}
                errors.append(
                    {
                        "code": err.get("code", ""),
                        "Message": fields.get("Message", ""),
                        "Detail": fields.get("Detail", ""),
                        "element": err.get("element", ""),
                    }
                )
    return {"Error": errors, "type": fault_type}, bool(errors)


def parse_error(status: int, text: str, headers: dict | None = None) -> QboError:
    """Turn a failed HTTP response (any of QBO's three fault shapes) into a typed exception."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    tid = headers.get("intuit_tid") or headers.get("intuit-tid")
    fault: dict | None = None
    stripped = text.lstrip()
    if stripped.startswith("<"):
        try:
            fault, found = _from_xml(stripped)
            fault = fault if found else None
        except ET.ParseError:
            fault = None
    elif stripped.startswith("{"):
        try:
            body = json.loads(stripped)
        except ValueError:
            body = {}
        fault = body.get("Fault") or body.get("fault")
    if not fault:
        snippet = " ".join(text.split())[:300] or "(empty body)"
        fault = {"Error": [{"code": str(status), "Message": f"HTTP {status}", "Detail": snippet}]}
    error = fault_from_dict(fault, status=status, tid=tid)
    if isinstance(error, QboThrottledError):
        retry = headers.get("retry-after")
        try:
            error.retry_after = float(retry) if retry else None
        except ValueError:
            error.retry_after = None
    return error
