"""Bounded retries with exponential backoff, shared by the QBO and BMS clients."""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


class Backoff:
    """The retry budget of one request: ``retry()`` counts a failure and, while the budget
    lasts, waits ``base × 2^(n-1)`` seconds and says to try again."""

    def __init__(self, retries: int, base: float, sleep: Callable[[float], None]) -> None:
        self.retries = retries
        self.base = base
        self.sleep = sleep
        self.failures = 0

    def retry(self, what: str) -> bool:
        """Count a failure described by ``what``; True (after waiting) if another try is allowed."""
        self.failures += 1
        if self.failures > self.retries:
            return False
        log.warning("%s; retry %d of %d", what, self.failures, self.retries)
        self.sleep(self.base * 2 ** (self.failures - 1))
        return True
