"""The toolkit's calendar day: today, or the day named by ``RECONCILE_TODAY``.

Everything that defaults to "today" — the Payments tab's range (a month back from today,
as the seed guide says), ``Session.payments``, a report's period, the day the sandbox's demo
company is generated for and the sandbox's default transaction date — asks this module, so
that one setting moves all of them together. Tests pin it (the demo is generated from the
date, so a suite that read the calendar would pass or fail with it); a person can use it to
run a report "as of" a past day. Time stamps (the sync log, token expiry) keep the real clock.
"""

from __future__ import annotations

import os
from datetime import date

from reconcile.errors import ConfigError

ENV = "RECONCILE_TODAY"


def today() -> date:
    """``RECONCILE_TODAY`` (an ISO date such as 2026-11-30) when set, else the real date."""
    pinned = os.environ.get(ENV, "").strip()
    if not pinned:
        return date.today()
    return parse_day(pinned, ENV)


def parse_day(text: str, what: str) -> date:
    """An ISO calendar date, or a ConfigError that names ``what`` and the bad value."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"{what} must be a date like 2026-11-30, got {text!r}") from None
