"""Unit tests of the client-side rate limiter (reference qbo-api.md §6), on a fake clock."""

from __future__ import annotations

import threading

import pytest

from reconcile.limiter import Limiter, SlidingWindow, qbo_limiter


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def fake_limiter(windows, *, concurrent=10, time_scale=1.0, start=0.0):
    t = FakeTime(start)
    lim = Limiter(
        windows, concurrent=concurrent, time_scale=time_scale, clock=t.clock, sleep=t.sleep
    )
    return lim, t


# --- SlidingWindow -----------------------------------------------------------------------------


def test_sliding_window_allows_limit_then_waits_exactly():
    t = FakeTime()
    w = SlidingWindow(3, 10.0, t.clock)
    for now in (0.0, 1.0, 2.0):
        t.now = now
        assert w.try_acquire() == 0.0
    t.now = 3.0
    assert w.wait_time() == 7.0  # the oldest (t=0) leaves at t=10
    assert w.try_acquire() == 7.0  # refused, and not counted
    t.now = 9.9
    assert w.wait_time() == pytest.approx(0.1)
    t.now = 10.0
    assert w.try_acquire() == 0.0
    assert w.wait_time() == 1.0  # next: the t=1 event leaves at 11


def test_sliding_window_record_counts_without_checking():
    w = SlidingWindow(1, 5.0, clock=lambda: 0.0)
    w.record()
    assert w.wait_time() == 5.0
    assert w.wait_time(now=5.0) == 0.0


# --- Limiter -----------------------------------------------------------------------------------


def test_limiter_sleeps_twice_for_25_requests_at_10_per_minute():
    lim, t = fake_limiter({"minute": (10, 60.0)})
    for _ in range(25):
        with lim.slot("minute"):
            pass
    assert t.sleeps == [60.0, 60.0]
    assert t.now == 120.0
    assert lim.waited == 120.0


def test_time_scale_shrinks_the_window():
    lim, t = fake_limiter({"minute": (2, 60.0)}, time_scale=60.0)
    assert lim.windows["minute"].window == 1.0
    for _ in range(3):
        with lim.slot("minute"):
            pass
    assert t.sleeps == [1.0]


def test_slot_without_kinds_counts_in_every_window():
    lim, t = fake_limiter({"a": (1, 10.0), "b": (5, 30.0)})
    with lim.slot():
        pass
    assert lim.windows["a"].wait_time(t.now) == 10.0
    assert lim.windows["b"].wait_time(t.now) == 0.0
    with lim.slot():
        pass
    assert t.sleeps == [10.0]


def test_slot_waits_for_the_slowest_window():
    lim, t = fake_limiter({"second": (1, 1.0), "batch": (1, 60.0)})
    with lim.slot("second", "batch"):
        pass
    with lim.slot("second"):  # only the 1 s window matters here
        pass
    assert t.sleeps == [1.0]
    with lim.slot("second", "batch"):
        pass
    assert t.now == 60.0


def test_pause_delays_the_next_slot():
    lim, t = fake_limiter({"minute": (500, 60.0)}, start=100.0)
    lim.pause(5.0)
    with lim.slot("minute"):
        assert t.now == 105.0
    assert t.sleeps == [5.0]
    lim.pause(1.0)
    lim.pause(0.5)  # a shorter pause does not shorten the longer one
    with lim.slot("minute"):
        pass
    assert t.now == 106.0


def test_concurrency_cap_blocks_a_third_slot():
    lim = Limiter({"all": (1000, 60.0)}, concurrent=2)
    entered = threading.Semaphore(0)
    leave = threading.Semaphore(0)
    lock = threading.Lock()
    in_flight, peak = [0], [0]

    def worker():
        with lim.slot():
            with lock:
                in_flight[0] += 1
                peak[0] = max(peak[0], in_flight[0])
            entered.release()
            leave.acquire(timeout=5)
            with lock:
                in_flight[0] -= 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(3)]
    for th in threads:
        th.start()
    assert entered.acquire(timeout=2) and entered.acquire(timeout=2)
    assert not entered.acquire(timeout=0.3)  # the third is held back
    leave.release()  # one leaves ...
    assert entered.acquire(timeout=2)  # ... and the third gets in
    leave.release()
    leave.release()
    for th in threads:
        th.join(timeout=5)
    assert not any(th.is_alive() for th in threads)
    assert peak[0] == 2
    assert in_flight[0] == 0


def test_slot_releases_concurrency_on_error():
    lim, _ = fake_limiter({"all": (100, 60.0)}, concurrent=1)
    with pytest.raises(RuntimeError), lim.slot():
        raise RuntimeError("boom")
    assert lim._in_flight.acquire(timeout=0.1)  # the only slot is free again


QBO_WINDOWS = {"minute": (500, 60.0), "second": (10, 1.0), "batch": (40, 60.0)}


@pytest.mark.parametrize("scale", [1.0, 60.0])
def test_qbo_limiter_has_qbo_limits(scale):
    lim = qbo_limiter(time_scale=scale)
    assert set(lim.windows) == set(QBO_WINDOWS)
    assert lim.concurrent == 10
    assert lim.time_scale == scale
    for name, (limit, seconds) in QBO_WINDOWS.items():
        window = lim.windows[name]
        assert window.limit == limit
        # Never shorter than QBO's window; a small safety margin on top is allowed.
        assert seconds / scale <= window.window <= seconds / scale * 1.1 + 0.1
