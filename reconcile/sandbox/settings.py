"""Run-time settings of the sandbox: time scale, limits, token lifetimes, fault injection.

Kept in the sandbox's SQLite file and changeable while it runs (``POST /_sandbox/settings``),
so tests and benchmarks can shape its behaviour over real HTTP.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import asdict, dataclass, field, fields

from reconcile.sandbox import company_profiles
from reconcile.sandbox.store import Store

INJECTABLE = ("500", "503", "reset", "reset-after", "429", "401")


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
            self.store.kv_set("settings", asdict(candidate))
            return candidate

    def draw_fault(self, server: str = "qbo") -> str | None:
        """The fault to inject into this request of ``server`` ("qbo" or "bms"), if any."""
        with self._lock:
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


def settings_endpoint(box: SettingsBox, method: str, body: bytes) -> tuple[int, dict]:
    """``GET/POST /_sandbox/settings`` on either server: read, or change and read."""
    if method == "POST":
        try:
            box.update(json.loads(body or b"{}"))
        except (ValueError, TypeError) as exc:
            return 400, {"error": str(exc)}
    return 200, asdict(box.value)
