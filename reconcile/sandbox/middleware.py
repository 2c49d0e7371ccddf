"""What both sandbox servers do around an API request besides the API itself: the faults
the settings inject, the added latency, and the control endpoint (``/_sandbox/…``).

Each server says how its API writes a fault (:class:`FaultShapes`: QuickBooks' JSON fault,
lowercase 401 and XML 429; BMS's envelope); everything else is the same on both, so a test
hook behaves alike whichever server it is pointed at.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from reconcile.sandbox.http import Request, Response
from reconcile.sandbox.settings import ControlGuard, SettingsBox, settings_endpoint


@dataclass(frozen=True)
class FaultShapes:
    """How one server answers an injected fault, in its API's own shapes."""

    server_error: Callable[[int], Response]  # 500 or 503
    throttled: Callable[[float], Response]  # 429, with the wait in seconds
    unauthorized: Callable[[], Response]  # 401


@dataclass(frozen=True)
class Injected:
    """The fault drawn for one request: an answer instead of processing it, or (after
    processing) a connection reset that loses the answer (``reset-after``)."""

    answer: Response | None = None
    lose_answer: bool = False


def inject(settings: SettingsBox, server: str, write: bool, shapes: FaultShapes) -> Injected:
    """Draw this request's fault (``fail_next``, ``fail_write``, the random rates) and say
    what it does; ``write`` says whether the request is one the write counters count."""
    fault = settings.draw_fault(server, write)
    if fault in ("500", "503"):
        return Injected(shapes.server_error(int(fault)))
    if fault == "429":
        return Injected(shapes.throttled(60.0 / settings.value.time_scale))
    if fault == "401":
        return Injected(shapes.unauthorized())
    if fault == "reset":  # dropped before processing
        return Injected(Response(reset=True))
    return Injected(lose_answer=fault == "reset-after")


def delay(settings: SettingsBox) -> None:
    """The ``latency_ms`` added to every API request."""
    if settings.value.latency_ms:
        time.sleep(settings.value.latency_ms / 1000)


def control(
    request: Request,
    guard: ControlGuard,
    settings: SettingsBox,
    *,
    expire_tokens: Callable[[], int],
    counters: Callable[[], dict],
    changed: Callable[[], None] = lambda: None,
) -> Response:
    """The test hooks of either server: ``/_sandbox/settings`` (read, or change and read;
    ``changed`` runs after), ``/_sandbox/expire-tokens`` and ``/_sandbox/stats`` (the
    server's ``counters`` and the requests waiting on ``hold_after_writes``). Who may call
    them is ``guard``'s to decide first."""
    refused = guard.refusal(request)
    if refused is not None:
        return refused
    if request.path == "/_sandbox/settings":
        status, body = settings_endpoint(settings, request.method, request.body)
        changed()
        return Response.json(body, status=status)
    if request.path == "/_sandbox/expire-tokens" and request.method == "POST":
        return Response.json({"expired": expire_tokens()})
    if request.path == "/_sandbox/stats":
        return Response.json({**counters(), "held_requests": settings.held_requests})
    return Response.json({"error": f"unknown control path {request.path}"}, status=404)
