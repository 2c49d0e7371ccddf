"""Idempotent retries, bounded backoff and throttling, against injected and real faults."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import TIME_SCALE
from reconcile.limiter import Limiter
from reconcile.qbo.client import BatchOp, QboClient, QboConnectionError
from reconcile.qbo.errors import QboServerError, QboThrottledError
from reconcile.qbo.query import select
from tests.conftest import sandbox_settings
from tests.integration.conftest import count_named, sandbox_current_settings, unique


class RecordingSession(requests.Session):
    """The real transport, noting every request's requestid and answer status."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[dict] = []

    def request(self, method, url, *args, **kwargs):
        call = {"method": method, "requestid": (kwargs.get("params") or {}).get("requestid")}
        self.calls.append(call)
        resp = super().request(method, url, *args, **kwargs)
        call["status"] = resp.status_code
        return resp

    def statuses(self) -> list[int | None]:
        return [c.get("status") for c in self.calls]


@pytest.fixture()
def recorded(qbo_settings) -> tuple[QboClient, RecordingSession]:
    http = RecordingSession()
    return QboClient(qbo_settings, http=http, sleep=lambda s: None), http


# -- requestid: a repeated write is answered, not done again (reference §2) --------------------


def test_same_request_id_replays_the_first_answer(client):
    name = unique("Idem")
    first = client.create("Customer", {"DisplayName": name}, request_id="rid-" + name[-12:])
    second = client.create("Customer", {"DisplayName": name}, request_id="rid-" + name[-12:])
    assert second["Id"] == first["Id"]
    assert second == first
    assert client.stats.counts["api"] == 2  # both really went to the server
    assert count_named(client, "Customer", "DisplayName", name) == 1


def test_answer_lost_after_create_is_retried_with_same_request_id(recorded, sandbox):
    client, http = recorded
    name = unique("LostAnswer")
    sandbox_settings(sandbox, fail_next=["reset-after"])

    created = client.create("Customer", {"DisplayName": name})

    assert created["DisplayName"] == name
    assert len(http.calls) == 2
    assert http.calls[0].get("status") is None  # the connection was reset
    assert http.calls[0]["requestid"] and http.calls[0]["requestid"] == http.calls[1]["requestid"]
    assert count_named(client, "Customer", "DisplayName", name) == 1


def test_answer_lost_after_batch_creates_no_duplicates(recorded, sandbox):
    client, http = recorded
    prefix = unique("LostBatch")
    sandbox_settings(sandbox, fail_next=["reset-after"])
    ops = [BatchOp("create", "Customer", {"DisplayName": f"{prefix}-{i}"}) for i in range(3)]

    results = client.batch(ops)

    assert all(r.ok for r in results)
    assert len({r.data["Id"] for r in results}) == 3
    assert http.calls[0]["requestid"] == http.calls[1]["requestid"]
    assert client.count(select("Customer").where("DisplayName", "LIKE", prefix + "%")) == 3


# -- 5xx and resets: bounded retries --------------------------------------------------------------


def test_two_server_errors_then_success(recorded, sandbox):
    client, http = recorded
    sandbox_settings(sandbox, fail_next=["500", "503"])
    assert client.read("Customer", "1")["Id"] == "1"
    assert http.statuses() == [500, 503, 200]


def test_server_error_on_create_is_retried_without_duplicate(recorded, sandbox):
    client, http = recorded
    name = unique("Retry500")
    sandbox_settings(sandbox, fail_next=["500"])
    created = client.create("Customer", {"DisplayName": name})
    assert http.statuses() == [500, 200]
    assert http.calls[0]["requestid"] == http.calls[1]["requestid"]
    assert count_named(client, "Customer", "DisplayName", name) == 1
    assert created["DisplayName"] == name


def test_persistent_server_errors_give_up_after_max_retries(recorded, sandbox):
    client, http = recorded
    sandbox_settings(sandbox, fail_next=["500"] * 5)
    with pytest.raises(QboServerError) as caught:
        client.read("Customer", "1")
    assert caught.value.status == 500
    assert len(http.calls) == 1 + client.transport.max_retries  # bounded
    left = 4 - client.transport.max_retries
    assert sandbox_current_settings(sandbox)["fail_next"] == ["500"] * left


def test_backoff_grows_exponentially(qbo_settings, sandbox):
    waits: list[float] = []
    client = QboClient(qbo_settings, sleep=waits.append, backoff=0.5)
    sandbox_settings(sandbox, fail_next=["500", "500", "500"])
    assert client.read("Customer", "1")["Id"] == "1"
    assert waits == [0.5, 1.0, 2.0]


def test_connection_reset_is_retried(recorded, sandbox):
    client, http = recorded
    sandbox_settings(sandbox, fail_next=["reset"])
    assert client.read("Customer", "1")["Id"] == "1"
    assert len(http.calls) == 2 and http.calls[-1]["status"] == 200


def test_persistent_resets_give_up_after_max_retries(recorded, sandbox):
    client, http = recorded
    sandbox_settings(sandbox, fail_next=["reset"] * 5)
    with pytest.raises(QboConnectionError):
        client.read("Customer", "1")
    assert len(http.calls) == 1 + client.transport.max_retries
    assert all("status" not in c for c in http.calls)


def test_connection_reset_on_create_is_retried_once_created(recorded, sandbox):
    client, http = recorded
    name = unique("Reset")
    sandbox_settings(sandbox, fail_next=["reset"])
    client.create("Customer", {"DisplayName": name})
    assert len(http.calls) == 2
    assert count_named(client, "Customer", "DisplayName", name) == 1


# -- throttling ---------------------------------------------------------------------------------


def test_injected_429_waits_a_scaled_minute_then_succeeds(qbo_settings, sandbox):
    http = RecordingSession()
    client = QboClient(qbo_settings, http=http)  # real sleep
    sandbox_settings(sandbox, fail_next=["429"])
    started = time.monotonic()
    assert client.read("Customer", "1")["Id"] == "1"
    elapsed = time.monotonic() - started
    assert http.statuses() == [429, 200]
    assert elapsed >= 0.9  # 60 s at time_scale 60
    assert elapsed < 5


class FakeClock:
    """Time for a limiter that waits without sleeping (the sandbox still runs on real time)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_throttling_retries_are_bounded(qbo_settings, sandbox):
    clock = FakeClock()
    limiter = Limiter({}, concurrent=10, clock=clock, sleep=clock.sleep)
    http = RecordingSession()
    client = QboClient(qbo_settings, http=http, limiter=limiter, sleep=lambda s: None)
    sandbox_settings(sandbox, fail_next=["429"] * 5)
    with pytest.raises(QboThrottledError) as caught:
        client.read("Customer", "1")
    assert caught.value.code == "3001"
    assert http.statuses() == [429] * (1 + client.transport.max_retries)
    # Each 429 paused every caller for the scaled minute (Retry-After: 1 s).
    assert limiter.waited == pytest.approx(client.transport.max_retries * 1.0, abs=0.05)


def _fire(client: QboClient, reads: int = 30, threads: int = 20) -> list[dict]:
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda _: client.read("Customer", "1"), range(reads)))


def test_unpaced_client_is_throttled_and_recovers(qbo_settings, sandbox):
    # 50 ms per request: 20 threads are sure to go past the 10 concurrent requests QuickBooks
    # allows, however fast or loaded the machine (the burst alone was not, on a busy CI).
    sandbox_settings(sandbox, limits=True, latency_ms=50)
    http = RecordingSession()
    # No client-side pacing worth the name: the server's limits must push back.
    unpaced = Limiter({"minute": (10**6, 60.0), "second": (10**6, 1.0)}, concurrent=50)
    client = QboClient(qbo_settings, http=http, limiter=unpaced, sleep=lambda s: None)

    answers = _fire(client)

    assert len(answers) == 30 and all(a["Id"] == "1" for a in answers)
    statuses = http.statuses()
    assert statuses.count(429) >= 1, "the sandbox never throttled an unpaced burst"
    assert statuses.count(200) == 30
    assert set(statuses) <= {200, 429}


def test_client_accepts_a_limiter_without_windows(qbo_settings):
    """A bare ``Limiter({}, concurrent=n)`` means "no pacing", not a KeyError."""
    client = QboClient(qbo_settings, limiter=Limiter({}, concurrent=50))
    assert client.read("Customer", "1")["Id"] == "1"


def test_default_limiter_keeps_under_the_limits(qbo_settings, sandbox):
    sandbox_settings(sandbox, limits=True)
    # Let earlier tests' requests leave the server's windows: the longest is the realm's
    # minute (500 requests), one second at the tests' time scale.
    time.sleep(60 / TIME_SCALE + 0.1)
    http = RecordingSession()
    client = QboClient(qbo_settings, http=http, sleep=lambda s: None)

    answers = _fire(client)

    assert len(answers) == 30
    statuses = http.statuses()
    assert statuses.count(429) == 0, statuses
    assert statuses == [200] * 30
