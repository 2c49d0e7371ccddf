"""What the toolkit assumes about a BMS tenant where Kaseya documents nothing.

Kaseya's API v2 document gives `StatusId`/`StatusName` without their values, and describes
`POST /v2/integration/qbd/payments` and its job (`{State, JobLogs[]}`) without saying what a
job log holds or which invoice a payment line names (reference/bms-api-and-peers.md §1.7,
§1.8, §6 "unknowns"). The local sandbox behaves as assumed here; each assumption is a key of
the config file's ``[bms_assumptions]`` table, so a person with a real tenant can switch the
toolkit to what they observe (docs/sandbox-fidelity.md lists them with the sandbox's side):

```toml
[bms_assumptions]
exportable_statuses = ["Ready to Send", "Sent", "Partially Paid", "Fully Paid"]
void_statuses = ["Void"]
job_done_states = ["Completed", "CompletedWithErrors", "Failed"]
job_logs_in_order = true          # one JobLogs entry per payment, in the order sent
payment_invoice_key = "qbo_id"    # Lines[].InvoiceId: "qbo_id" or "bms_id"

[bms_assumptions.job_log_codes]
applied = ["Applied"]
skipped = ["Skipped"]
error = ["Error"]
```
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from reconcile.errors import ConfigError

INVOICE_KEYS = ("qbo_id", "bms_id")
LOG_OUTCOMES = ("applied", "skipped", "error")


def _folded(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.strip().casefold() for v in values)


def _name(value: Any) -> str:
    """A name as compared: folded; anything not a string (None, NaN, <NA>) is ""."""
    return value.strip().casefold() if isinstance(value, str) else ""


@dataclass(frozen=True)
class BmsAssumptions:
    """The assumed BMS behaviours (see the module docstring); names compare without case."""

    # Invoice statuses an export takes (the seed guide's four) and the status of a voided one.
    exportable_statuses: tuple[str, ...] = ("Ready to Send", "Sent", "Partially Paid", "Fully Paid")
    void_statuses: tuple[str, ...] = ("Void",)
    # States of an integration job that has ended.
    job_done_states: tuple[str, ...] = ("Completed", "CompletedWithErrors", "Failed")
    # JobLogs[].Code values meaning a payment was applied, skipped as already imported, refused.
    job_log_codes: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: {
            "applied": ("Applied",),
            "skipped": ("Skipped",),
            "error": ("Error",),
        }
    )
    # True: JobLogs hold one entry per payment, in the order sent. False: a job's logs are not
    # read per payment; every payment of the job is settled from its invoices' dues instead.
    job_logs_in_order: bool = True
    # Which id a payment line's InvoiceId carries: the QuickBooks invoice id written back with
    # PUT /v2/integration/qbd/invoices ("qbo_id") or the BMS invoice id ("bms_id").
    payment_invoice_key: str = "qbo_id"

    def is_exportable(self, status: Any) -> bool:
        return _name(status) in _folded(self.exportable_statuses)

    def is_void(self, status: Any) -> bool:
        return _name(status) in _folded(self.void_statuses)

    def job_done(self, state: Any) -> bool:
        return _name(state) in _folded(self.job_done_states)

    def log_outcome(self, code: Any) -> str | None:
        """ "applied", "skipped" or "error" for a job log's Code; None when it is none of them."""
        name = _name(code)
        return next((k for k, v in self.job_log_codes.items() if name in _folded(v)), None)


DEFAULT = BmsAssumptions()


def _names(where: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"[bms_assumptions] {where} must be a non-empty list of names")
    return tuple(value)


def from_table(table: Mapping[str, Any]) -> BmsAssumptions:
    """The assumptions after a ``[bms_assumptions]`` table; an unknown key or a value of the
    wrong kind is a ConfigError naming it."""
    known = {f.name for f in fields(BmsAssumptions)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(
            f"[bms_assumptions] has unknown key(s) {', '.join(unknown)} (known: "
            f"{', '.join(sorted(known))})"
        )
    values: dict[str, Any] = {}
    for key in ("exportable_statuses", "void_statuses", "job_done_states"):
        if key in table:
            values[key] = _names(key, table[key])
    if "job_log_codes" in table:
        codes = table["job_log_codes"]
        if not isinstance(codes, Mapping) or set(codes) - set(LOG_OUTCOMES):
            raise ConfigError(
                f"[bms_assumptions.job_log_codes] takes only {', '.join(LOG_OUTCOMES)}"
            )
        values["job_log_codes"] = {
            k: _names(f"job_log_codes.{k}", codes[k]) if k in codes else DEFAULT.job_log_codes[k]
            for k in LOG_OUTCOMES
        }
    if "job_logs_in_order" in table:
        if not isinstance(table["job_logs_in_order"], bool):
            raise ConfigError("[bms_assumptions] job_logs_in_order must be true or false")
        values["job_logs_in_order"] = table["job_logs_in_order"]
    if "payment_invoice_key" in table:
        if table["payment_invoice_key"] not in INVOICE_KEYS:
            raise ConfigError(
                f"[bms_assumptions] payment_invoice_key must be one of {', '.join(INVOICE_KEYS)}"
            )
        values["payment_invoice_key"] = table["payment_invoice_key"]
    return BmsAssumptions(**values)
