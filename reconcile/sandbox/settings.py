"""Run-time settings of the sandbox: time scale, limits, token lifetimes, fault injection.

Kept in the sandbox's SQLite file and changeable while it runs (``POST /_sandbox/settings``),
so tests and benchmarks can shape its behaviour over real HTTP.

The test hooks (``/_sandbox/…``) are guarded (:class:`ControlGuard`): a request must name a
loopback ``Host``, and a write must carry the run's control token and send its body as JSON.
A web page the person has open can otherwise reach ``127.0.0.1:<port>``: a form or ``fetch``
with ``text/plain`` is a CORS "simple request" that the browser sends without asking (Fetch
standard, CORS-safelisted request headers), and DNS rebinding lets a foreign name point at
127.0.0.1. A custom header (the token) cannot be sent cross-origin without a preflight the
sandbox never grants, and the page cannot know the token.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field, fields

from reconcile.sandbox import company_profiles
from reconcile.sandbox.http import Request, Response
from reconcile.sandbox.store import Store
from reconcile.secret import Secret

INJECTABLE = ("500", "503", "reset", "reset-after", "429", "401")
WRITE_COUNTERS = {"qbo": "write_count", "bms": "bms_write_count"}  # keys in the sandbox store


@dataclass
class SandboxSettings:
    """What the sandbox does besides following the QBO and BMS rules."""

    # A "minute" of rate limits lasts 60 / time_scale seconds.
    time_scale: float = 1.0
    limits: bool = True
    access_token_ttl: float = 3600.0  # seconds (reference §1)
    code_ttl: float = 600.0  # an authorization code's life: unpublished, an assumption
    refresh_token_ttl: float = 8726400.0  # ~101 days, x_refresh_token_expires_in
    stale_refresh_grace: float = 86400.0  # a rotated refresh token dies 24 h later
    fail_rate: float = 0.0  # fraction of API requests answered 500
    reset_rate: float = 0.0  # fraction of API requests whose connection is reset
    latency_ms: float = 0.0  # added to every API request
    seed: int = 0
    # Faults for the next API requests, in order: "500", "503", "429", "401", "reset"
    # (dropped before processing) or "reset-after" (processed, then the answer is lost).
    fail_next: list[str] = field(default_factory=list)
    # The same for the BMS server.
    bms_fail_next: list[str] = field(default_factory=list)
    # BMS: lifetimes are not published (reference bms §1.2); these are the sandbox's choice.
    bms_access_token_ttl: float = 3600.0
    bms_refresh_token_ttl: float = 86400.0
    # BMS key spelling: "pascal" (the document), "camel" (what real tenants send) or
    # "legacy" (PascalCase with "ID" suffixes, as some old tenants answer AccountID).
    bms_key_case: str = "pascal"
    # When set, sign-in needs this MFA code.
    bms_mfa_code: str = ""
    # ImportPayments, undocumented by Kaseya (assumptions, docs/sandbox-fidelity.md): which
    # invoice id a payment line's InvoiceId names ("qbo_id": the QuickBooks id written back
    # with PUT /v2/integration/qbd/invoices; "bms_id": BMS's own), and whether the job answers
    # one log per payment in order ("per_payment") or a single summary log ("summary").
    bms_payment_invoice_key: str = "qbo_id"
    bms_job_logs: str = "per_payment"
    # The QuickBooks company's Preferences: comma-separated names of company_profiles.PROFILES.
    company_profile: str = "standard"
    # Test hooks for the fault catalogue (tests/chaos). Once this sandbox has answered N writes
    # (QBO and BMS together, counted from when the setting was set), every later API request of
    # either server waits until the setting is back to None: a client parked right after its
    # Nth write, to be killed there. ``/_sandbox/stats`` reports ``held_requests``.
    hold_after_writes: int | None = None
    # The catalogue's other hook: {"after": N, "fault": F}, F one of INJECTABLE, answers the
    # first write of either server once N writes have been answered (counted from when it is
    # set) with F, once, then is None again: a fault at a chosen step of a run.
    fail_write: dict | None = None
    # BMS ImportPayments skips a payment id it has applied before; False applies it again, so
    # a test proves that the toolkit itself never imports a payment twice.
    bms_refuse_known_payments: bool = True

    def check(self) -> None:
        """Raise ValueError on a setting the sandbox cannot honour."""
        if self.time_scale <= 0:
            raise ValueError("time_scale must be > 0")
        for name in ("fail_rate", "reset_rate"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.bms_key_case not in ("pascal", "camel", "legacy"):
            raise ValueError("bms_key_case must be pascal, camel or legacy")
        if self.bms_payment_invoice_key not in ("qbo_id", "bms_id"):
            raise ValueError("bms_payment_invoice_key must be qbo_id or bms_id")
        if self.bms_job_logs not in ("per_payment", "summary"):
            raise ValueError("bms_job_logs must be per_payment or summary")
        hold = self.hold_after_writes
        if hold is not None and (isinstance(hold, bool) or not isinstance(hold, int) or hold < 0):
            raise ValueError("hold_after_writes must be None or an integer >= 0")
        planned = self.fail_write
        if planned is not None and not (
            isinstance(planned, dict)
            and set(planned) == {"after", "fault"}
            and type(planned["after"]) is int  # not a bool
            and planned["after"] >= 0
            and planned["fault"] in INJECTABLE
        ):
            raise ValueError(
                f'fail_write must be None or {{"after": N >= 0, "fault": one of {INJECTABLE}}}'
            )
        if not isinstance(self.bms_refuse_known_payments, bool):
            raise ValueError("bms_refuse_known_payments must be true or false")
        company_profiles.names(self.company_profile)  # ValueError names an unknown profile
        bad = [f for f in self.fail_next + self.bms_fail_next if f not in INJECTABLE]
        if bad:
            raise ValueError(f"fail_next accepts {INJECTABLE}, not {bad}")


class SettingsBox:
    """The live settings, persisted; also draws the injected faults."""

    def __init__(self, store: Store, **overrides: object) -> None:
        self.store = store
        self._lock = threading.Lock()
        saved = store.kv_get("settings", {})
        known = {f.name for f in fields(SandboxSettings)}
        self.value = SandboxSettings(**{k: v for k, v in saved.items() if k in known})
        self.update({k: v for k, v in overrides.items() if v is not None})
        self.rng = random.Random(self.value.seed)
        # hold_after_writes counts from the writes made when it was set (see write_total).
        self._hold_base = self.write_total()
        self._fail_base = self._hold_base  # fail_write's, likewise
        self._held = 0

    def count_write(self, server: str) -> None:
        """Count one write of ``server`` ("qbo" or "bms"): a test hook ("this only reads" is
        asserted by counting writes; the fault catalogue's steps are writes)."""
        key = WRITE_COUNTERS[server]
        with self.store.lock:
            self.store.kv_set(key, self.store.kv_get(key, 0) + 1)

    def writes(self, server: str) -> int:
        """The writes ``server`` has answered (its stats' ``write_count``)."""
        return self.store.kv_get(WRITE_COUNTERS[server], 0)

    def write_total(self) -> int:
        """The writes both servers have answered (the stats' ``write_count`` summed)."""
        return sum(self.writes(server) for server in WRITE_COUNTERS)

    @property
    def held_requests(self) -> int:
        """How many API requests are waiting on ``hold_after_writes`` now."""
        with self._lock:
            return self._held

    def hold(self) -> None:
        """Wait while ``hold_after_writes`` is set and reached (a test hook; API requests of
        both servers call it first, the control endpoints never)."""
        counted = False
        try:
            while True:
                limit = self.value.hold_after_writes
                if limit is None or self.write_total() - self._hold_base < limit:
                    return
                if not counted:
                    with self._lock:
                        self._held += 1
                    counted = True
                time.sleep(0.02)
        finally:
            if counted:
                with self._lock:
                    self._held -= 1

    def update(self, changes: dict) -> SandboxSettings:
        """Apply and persist changes; unknown keys or bad values raise ValueError."""
        with self._lock:
            known = {f.name for f in fields(SandboxSettings)}
            unknown = set(changes) - known
            if unknown:
                raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
            candidate = SandboxSettings(**{**asdict(self.value), **changes})
            candidate.check()
            self.value = candidate
            if "seed" in changes:
                self.rng = random.Random(candidate.seed)
            if changes.get("hold_after_writes") is not None:
                self._hold_base = self.write_total()
            if changes.get("fail_write") is not None:
                self._fail_base = self.write_total()
            self.store.kv_set("settings", asdict(candidate))
            return candidate

    def draw_fault(self, server: str = "qbo", write: bool = False) -> str | None:
        """The fault to inject into this request of ``server`` ("qbo" or "bms"), if any;
        ``write`` says whether the request is one of the writes the stats count."""
        with self._lock:
            planned = self.value.fail_write
            if write and planned and self.write_total() - self._fail_base >= planned["after"]:
                self.value.fail_write = None
                self.store.kv_set("settings", asdict(self.value))
                return planned["fault"]
            queue = self.value.fail_next if server == "qbo" else self.value.bms_fail_next
            if queue:
                fault = queue.pop(0)
                self.store.kv_set("settings", asdict(self.value))
                return fault
            roll = self.rng.random()
            if roll < self.value.reset_rate:
                return "reset"
            if roll < self.value.reset_rate + self.value.fail_rate:
                return "500"
            return None


# Settings that act as credentials: answered masked, so reading the settings shows no secret.
MASKED = ("bms_mfa_code",)


def public_settings(value: SandboxSettings) -> dict:
    """The settings as ``/_sandbox/settings`` answers them: credentials masked as ``***``."""
    shown = asdict(value)
    for name in MASKED:
        if shown[name]:
            shown[name] = "***"
    return shown


def settings_endpoint(box: SettingsBox, method: str, body: bytes) -> tuple[int, dict]:
    """``GET/POST /_sandbox/settings`` on either server: read, or change and read. (Who may
    call it is :class:`ControlGuard`'s to decide, before this.)"""
    if method == "POST":
        try:
            changes = json.loads(body or b"{}")
            if not isinstance(changes, dict):
                raise ValueError("the body must be a JSON object of settings")
            box.update(changes)
        except (ValueError, TypeError) as exc:
            return 400, {"error": str(exc)}
    return 200, public_settings(box.value)


CONTROL_TOKEN_HEADER = "X-Sandbox-Token"
READ_METHODS = ("GET", "HEAD")
# A Host header naming the loopback interface, with or without a port (RFC 9110 §7.2: Host =
# uri-host [":" port]; an IPv6 literal is bracketed, RFC 3986 §3.2.2). Anything else — a DNS
# name pointed at 127.0.0.1 by a rebinding attack, or no Host at all — is refused.
LOOPBACK_HOST = re.compile(r"(?:127\.0\.0\.1|localhost|\[::1\])(?::[0-9]*)?", re.IGNORECASE)
JSON_MEDIA_TYPE = "application/json"


def loopback_host(value: str | None) -> bool:
    """True when a ``Host`` header value is 127.0.0.1, localhost or [::1] (any port)."""
    return bool(value) and LOOPBACK_HOST.fullmatch(value.strip()) is not None


def _refused(status: int, error: str) -> Response:
    return Response.json({"error": error}, status=status)


class ControlGuard:
    """Decides who may use the test hooks (``/_sandbox/…``) of one sandbox run.

    Reads (GET, HEAD) need a loopback ``Host``; writes also need ``X-Sandbox-Token`` equal to
    the run's control token and, when they have a body, ``Content-Type: application/json``.
    The token is held as a :class:`~reconcile.secret.Secret`: never in a repr or a log."""

    def __init__(self, token: Secret | None = None) -> None:
        # Without a token given (an app built on its own), a random one: writes stay closed.
        self._token = token if token else Secret(secrets.token_urlsafe(32))

    def __repr__(self) -> str:
        return "ControlGuard(token='***')"

    def refusal(self, request: Request) -> Response | None:
        """None when ``request`` may use the test hook, else the answer refusing it: 403 for a
        foreign Host or a missing or wrong token, 415 for a body that is not JSON."""
        if not loopback_host(request.headers.get("Host")):
            return _refused(
                403,
                "the sandbox's test hooks answer only requests to a loopback Host "
                "(127.0.0.1, localhost or [::1])",
            )
        if request.method in READ_METHODS:
            return None
        sent = request.headers.get(CONTROL_TOKEN_HEADER) or ""
        # Compared in constant time (bytes: compare_digest refuses non-ASCII str).
        if not secrets.compare_digest(
            sent.encode("utf-8", "surrogateescape"), self._token.reveal().encode("utf-8")
        ):
            return _refused(
                403,
                f"a write to the sandbox's test hooks needs the {CONTROL_TOKEN_HEADER} "
                "header with this run's control token (control_token in the sandbox's JSON line)",
            )
        media_type = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if request.body and media_type != JSON_MEDIA_TYPE:
            return _refused(415, f"the body must be sent as Content-Type: {JSON_MEDIA_TYPE}")
        return None
