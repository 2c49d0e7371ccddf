"""Client-side rate limiting: stay under an API's published limits instead of hitting 429s.

A :class:`SlidingWindow` allows at most ``limit`` events in any ``window`` seconds. A
:class:`Limiter` combines several windows with a concurrency cap; every request takes a slot
first. ``time_scale`` shrinks every window (the local sandbox can run a "minute" in a second).
The sandbox servers reuse :class:`SlidingWindow` to enforce the same limits on their side.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class SlidingWindow:
    """At most ``limit`` events in any interval of ``window`` seconds (thread-safe)."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window = window
        self.clock = clock
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()

    def wait_time(self, now: float | None = None) -> float:
        """Seconds until one more event would be allowed (0 when allowed now)."""
        with self._lock:
            now = self.clock() if now is None else now
            self._purge(now)
            if len(self._stamps) < self.limit:
                return 0.0
            return self._stamps[0] + self.window - now

    def record(self, now: float | None = None) -> None:
        """Count one event."""
        with self._lock:
            self._stamps.append(self.clock() if now is None else now)

    def try_acquire(self, now: float | None = None) -> float:
        """Count an event if allowed and return 0, else return the seconds to wait."""
        with self._lock:
            now = self.clock() if now is None else now
            self._purge(now)
            if len(self._stamps) < self.limit:
                self._stamps.append(now)
                return 0.0
            return self._stamps[0] + self.window - now

    def _purge(self, now: float) -> None:
        while self._stamps and self._stamps[0] <= now - self.window:
            self._stamps.popleft()


class Limiter:
    """Several sliding windows plus a concurrency cap; ``slot()`` blocks until all allow."""

    def __init__(
        self,
        windows: dict[str, tuple[int, float]],
        *,
        concurrent: int,
        time_scale: float = 1.0,
        margin: float = 0.0,
        slack: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``windows`` maps a kind ("minute", "batch", …) to (limit, window seconds at scale 1).

        ``margin`` (a fraction) and ``slack`` (seconds) lengthen every window a little: the
        server starts counting when a request arrives, a moment after the client counted it
        as sent, and that jitter must not turn into a 429."""
        self.time_scale = time_scale
        self.clock = clock
        self.sleep = sleep
        self.windows = {
            name: SlidingWindow(limit, seconds / time_scale * (1 + margin) + slack, clock)
            for name, (limit, seconds) in windows.items()
        }
        self.concurrent = concurrent
        self._in_flight = threading.BoundedSemaphore(concurrent)
        self._lock = threading.Lock()
        self._paused_until = 0.0
        self.waited = 0.0  # total seconds spent waiting, for benchmarks and logs

    def pause(self, seconds: float) -> None:
        """Hold every caller for ``seconds`` (already scaled) — after the server said 429."""
        with self._lock:
            self._paused_until = max(self._paused_until, self.clock() + seconds)

    def _acquire(self, kinds: tuple[str, ...]) -> None:
        kinds = tuple(k for k in kinds if k in self.windows)  # a kind without a window is free
        while True:
            with self._lock:
                now = self.clock()
                wait = self._paused_until - now
                if wait <= 0:
                    waits = [self.windows[k].wait_time(now) for k in kinds]
                    wait = max(waits, default=0.0)
                    if wait <= 0:
                        for k in kinds:
                            self.windows[k].record(now)
                        return
            self.waited += wait
            self.sleep(wait)

    @contextmanager
    def slot(self, *kinds: str) -> Iterator[None]:
        """Take a concurrency slot and count one request in each named window."""
        self._in_flight.acquire()
        try:
            self._acquire(kinds or tuple(self.windows))
            yield
        finally:
            self._in_flight.release()


def qbo_limiter(time_scale: float = 1.0) -> Limiter:
    """QBO's limits per realm + app (reference/qbo-api.md §6): 500 requests/min, 10/s,
    10 concurrent, and 40 batch requests/min (batch calls count in the 500 too)."""
    return Limiter(
        {"minute": (500, 60.0), "second": (10, 1.0), "batch": (40, 60.0)},
        concurrent=10,
        time_scale=time_scale,
        margin=0.02,
        slack=0.05,
    )
