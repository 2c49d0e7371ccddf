"""Kaseya BMS errors as typed exceptions.

BMS wraps answers in ``{Success, Error, Result}``; a failure may come back as HTTP 200 with
``Success=false`` and ``Error {Code, Message, Details, SubErrors}`` (reference
bms-api-and-peers.md §1.3), or as a bare HTTP status (401 for a missing or expired token).
"""

from __future__ import annotations

from reconcile.errors import ReconcileError


class BmsError(ReconcileError):
    """An error answered by Kaseya BMS: its code, message, details, and where it happened."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        details: str | None = None,
        sub_errors: list[str] | None = None,
        status: int | None = None,
        endpoint: str = "",
    ) -> None:
        self.code = code
        self.message = message
        self.details = details
        self.sub_errors = sub_errors or []
        self.status = status
        self.endpoint = endpoint
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [f"Kaseya BMS error {self.code}" if self.code is not None else "Kaseya BMS error"]
        parts.append(f": {self.message}")
        if self.details:
            parts.append(f" ({self.details})")
        if self.sub_errors:
            parts.append(" — " + "; ".join(self.sub_errors))
        where = " ".join(
            x for x in (self.endpoint, f"HTTP {self.status}" if self.status else "") if x
        )
        return "".join(parts) + (f" [{where}]" if where else "")


class BmsAuthError(BmsError):
    """Sign-in refused (user, password, tenant or MFA code) or the session could not be renewed."""


class BmsNotFoundError(BmsError):
    """The record asked for does not exist in this tenant."""


class BmsThrottledError(BmsError):
    """Too many calls to one endpoint (BMS allows 1500 per hour per endpoint)."""

    retry_after: float | None = None


class BmsServerError(BmsError):
    """BMS failed (5xx); reads are retried automatically."""


class BmsConnectionError(BmsError):
    """BMS could not be reached."""
