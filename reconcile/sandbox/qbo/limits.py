"""QuickBooks' rate limits (reference §6): the sliding windows and the concurrency cap that
decide whether a request runs now or is answered 429."""

from __future__ import annotations

import threading

from reconcile.limiter import SlidingWindow


class Limits:
    """QBO's limits (reference §6), enforced per realm and per realm + app."""

    def __init__(self, time_scale: float) -> None:
        minute = 60.0 / time_scale
        self.realm_minute = SlidingWindow(500, minute)
        self.app_second = SlidingWindow(10, 1.0 / time_scale)
        self.app_batch = SlidingWindow(40, minute)
        self.realm_batch = SlidingWindow(120, minute)
        self.in_flight = 0
        self.lock = threading.Lock()

    def admit(self, batch: bool) -> float:
        """0 when the request may run (and it is counted), else seconds until it could."""
        with self.lock:
            if self.in_flight >= 10:  # 10 concurrent requests per realm + app
                return 1.0
            windows = [self.realm_minute, self.app_second]
            if batch:
                windows += [self.app_batch, self.realm_batch]
            waits = [w.wait_time() for w in windows]
            if max(waits) > 0:
                return max(waits)
            for w in windows:
                w.record()
            self.in_flight += 1
            return 0.0

    def done(self) -> None:
        with self.lock:
            self.in_flight -= 1
