"""The request loop both clients share (``reconcile.transport``), without a network: a stub
of ``requests.Session`` answers in turn what each test gives it, in both APIs' shapes (the
clients' own tests run the same loop against the sandboxes over HTTP)."""

from __future__ import annotations

import logging

import pytest
import requests

from reconcile.limiter import Limiter
from reconcile.transport import Api, Backoff, Transport, retry_after


def test_backoff_doubles_and_stops_after_the_budget(caplog):
    waits = []
    backoff = Backoff(3, 0.5, waits.append)
    with caplog.at_level(logging.WARNING, logger="reconcile.transport"):
        answers = [backoff.retry("GET /x: HTTP 503") for _ in range(5)]
    assert answers == [True, True, True, False, False]
    assert waits == [0.5, 1.0, 2.0]
    assert "GET /x: HTTP 503; retry 3 of 3" in caplog.text


def test_no_budget_means_no_retry():
    waits = []
    assert Backoff(0, 1.0, waits.append).retry("POST /y: reset") is False
    assert waits == []


def answer(status: int, body: str = "{}", **headers: str) -> requests.Response:
    resp = requests.Response()
    resp.status_code, resp._content = status, body.encode()
    resp.headers.update(headers)
    return resp


class Stub:
    """Answers requests with the given responses (or raises the given exceptions), in order,
    and keeps the headers each request carried."""

    def __init__(self, *answers):
        self.answers, self.sent = list(answers), []

    def request(self, method, url, headers=None, timeout=None, **kwargs):
        self.sent.append(headers)
        found = self.answers.pop(0)
        if isinstance(found, Exception):
            raise found
        return found


class Unreachable(Exception):
    pass


def transport(http: Stub, renewed: list) -> Transport:
    tokens = iter(["t1", "t2", "t3"])
    current = [next(tokens)]

    def renew(old):
        renewed.append(old)
        current[0] = next(tokens)

    api = Api(
        credentials=lambda: current[0],
        bearer=str,
        renew=renew,
        refused=lambda resp: resp.status_code == 401,
        throttled=lambda resp: (retry_after(resp) or 0.01) if resp.status_code == 429 else None,
        unreachable=lambda label, exc: Unreachable(f"{label}: {exc}"),
    )
    return Transport(http, api, max_retries=2, backoff=0.0, sleep=lambda s: None)


def send(t: Transport, retry_safe: bool, events: list) -> requests.Response:
    limiter = Limiter({"minute": (1000, 60.0)}, concurrent=1, time_scale=1000.0)
    return t.send(
        "GET",
        "http://127.0.0.1:1/x",
        label="GET /x",
        retry_safe=retry_safe,
        limiter=limiter,
        kinds=("minute",),
        count=events.append,
    )


def test_refused_credentials_are_renewed_once_and_the_request_sent_again():
    http, renewed, events = Stub(answer(401), answer(200)), [], []
    assert send(transport(http, renewed), False, events).status_code == 200
    assert renewed == ["t1"] and [h["Authorization"] for h in http.sent] == [
        "Bearer t1",
        "Bearer t2",
    ]
    assert events == ["sent", "reauthorized", "sent"]
    http = Stub(answer(401), answer(401), answer(200))  # refused again: the caller's answer
    assert send(transport(http, []), False, []).status_code == 401


def test_throttling_waits_as_asked_a_bounded_number_of_times():
    http, events = Stub(answer(429, **{"Retry-After": "0.01"}), answer(200)), []
    assert send(transport(http, []), False, events).status_code == 200
    assert events == ["sent", "throttled", "sent"]  # a write too: nothing was done
    http = Stub(*[answer(429)] * 4)
    assert send(transport(http, []), True, []).status_code == 429  # 1 + 2 retries, then it
    assert len(http.answers) == 1


@pytest.mark.parametrize("retry_safe", [True, False])
def test_server_errors_and_resets_are_retried_only_when_safe(retry_safe):
    events = []
    http = Stub(answer(503), requests.ConnectionError("reset"), answer(200))
    t = transport(http, [])
    if retry_safe:
        assert send(t, True, events).status_code == 200
        assert events == ["sent", "retried", "sent", "retried", "sent"]
    else:
        assert send(t, False, events).status_code == 503  # a write is not sent twice
        assert events == ["sent"]
    with pytest.raises(Unreachable, match="GET /x: reset"):
        send(transport(Stub(requests.ConnectionError("reset")), []), False, [])
