"""QuickBooks' answers that are not records: the fault shapes and the time stamps.

The JSON ``Fault`` envelope (``fault_response``), the lowercase 401/403 (``auth_failure``), the
XML 429 (``throttled``), the 5010 of a stale SyncToken (``stale_object``), an injected 500/503
(``server_error``) and the ``FAULT_SHAPES`` the fault injection answers in; ``now_iso`` is the
time stamp every answer and record carries.
"""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from reconcile.qbo.faults import Fault
from reconcile.sandbox.http import Response
from reconcile.sandbox.middleware import FaultShapes

# QuickBooks writes time stamps as Pacific local time with its offset: the recorded answers
# (reference §4-§5 VCR fixtures, Intuit's examples) read -08:00 in winter and -07:00 in summer,
# whatever the company's address. Assumption: the zone does not follow the company's.
QBO_TZ = ZoneInfo("America/Los_Angeles")


def now_iso(ms: bool = False) -> str:
    """QBO's timestamp: the instant now as Pacific time, with its offset
    (``2026-12-02T06:05:09-08:00``); the envelope's ``time`` has milliseconds."""
    return datetime.now(QBO_TZ).isoformat(timespec="milliseconds" if ms else "seconds")


def fault_response(fault: Fault) -> Response:
    body = {"Fault": fault.fault(), "time": now_iso(ms=True)}
    return Response.json(body, status=fault.status)


def stale_object() -> Fault:
    """5010, as QuickBooks words it for an update, delete or void (observed: VCR batch, §5)."""
    return Fault(
        "5010",
        "Stale Object Error : You and sandbox were working on this at the same time. "
        "sandbox finished before you did, so your work was not saved.",
        element="SyncToken",
    )


def auth_failure(detail: str, status: int = 401) -> Response:
    """The lowercase fault shape QBO uses for 401/403 (reference §5)."""
    code, kind, text = (
        ("3200", "AUTHENTICATION", "AuthenticationFailed")
        if status == 401
        else ("3100", "SERVICE", "ApplicationAuthorizationFailed")
    )
    body = {
        "warnings": None,
        "intuitObject": None,
        "fault": {
            "error": [
                {
                    "message": f"message={text}; errorCode=00{code}; statusCode={status}",
                    "detail": detail,
                    "code": code,
                    "element": None,
                }
            ],
            "type": kind,
        },
        "report": None,
        "queryResponse": None,
        "batchItemResponse": [],
        "attachableResponse": [],
        "syncErrorResponse": None,
        "requestId": None,
        "time": int(time.time() * 1000),
        "status": None,
        "cdcresponse": [],
    }
    headers = {"WWW-Authenticate": 'Bearer realm="Intuit", error="invalid_token"'}
    return Response.json(body, status=status, headers=headers)


def throttled(retry_after: float) -> Response:
    """429 with QBO's XML body, whatever the Accept header asked (reference §6)."""
    body = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<IntuitResponse time="{now_iso(ms=True)}" xmlns="http://schema.intuit.com/finance/v3">'
        '<Fault type="SERVICE"><Error code="3001">'
        "<Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>"
        "<Detail>The request limit was reached.  Try again later</Detail></Error></Fault>"
        "</IntuitResponse>"
    )
    resp = Response.text(body, 429, "application/xml")
    resp.headers["Retry-After"] = str(max(1, int(retry_after + 0.999)))
    return resp


def server_error(status: int) -> Response:
    """An injected 500/503 as QuickBooks answers one: a SystemFault (reference §5)."""
    return fault_response(
        Fault(
            "10000",
            "An application error has occurred (injected)",
            status=status,
            fault_type="SystemFault",
            message="An application error has occurred",
        )
    )


FAULT_SHAPES = FaultShapes(
    server_error=server_error,
    throttled=throttled,
    unauthorized=lambda: auth_failure("Token expired (injected)"),
)
