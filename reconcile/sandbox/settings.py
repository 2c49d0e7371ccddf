"""Run-time settings of the sandbox: time scale, limits, token lifetimes, fault injection.

Kept in the sandbox's SQLite file and changeable while it runs (``POST /_sandbox/settings``),
so tests and benchmarks can shape its behaviour over real HTTP.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field, fields

from reconcile.sandbox.store import Store

INJECTABLE = ("500", "503", "reset", "reset-after", "429", "401")


@dataclass
class SandboxSettings:
    """What the sandbox does besides following the QBO and BMS rules."""

    # A "minute" of rate limits lasts 60 / time_scale seconds.
    time_scale: float = 1.0
    limits: bool = True
    access_token_ttl: float = 3600.0  # seconds (reference §1)
    refresh_token_ttl: float = 8726400.0  # ~101 days, x_refresh_token_expires_in
    stale_refresh_grace: float = 86400.0  # a rotated refresh token dies 24 h later
    fail_rate: float = 0.0  # fraction of API requests answered 500
    reset_rate: float = 0.0  # fraction of API requests whose connection is reset
    latency_ms: float = 0.0  # added to every API request
    seed: int = 0
    # Faults for the next API requests, in order: "500", "503", "429", "401", "reset"
    # (dropped before processing) or "reset-after" (processed, then the answer is lost).
    fail_next: list[str] = field(default_factory=list)

    def check(self) -> None:
        """Raise ValueError on a setting the sandbox cannot honour."""
        if self.time_scale <= 0:
            raise ValueError("time_scale must be > 0")
        for name in ("fail_rate", "reset_rate"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be between 0 and 1")
        bad = [f for f in self.fail_next if f not in INJECTABLE]
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

    def draw_fault(self) -> str | None:
        """The fault to inject into this request, if any."""
        with self._lock:
            if self.value.fail_next:
                fault = self.value.fail_next.pop(0)
                self.store.kv_set("settings", asdict(self.value))
                return fault
            roll = self.rng.random()
            if roll < self.value.reset_rate:
                return "reset"
            if roll < self.value.reset_rate + self.value.fail_rate:
                return "500"
            return None
