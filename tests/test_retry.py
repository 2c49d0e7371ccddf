"""Backoff: bounded, exponential, and silent about nothing (each retry is logged)."""

import logging

from reconcile.retry import Backoff


def test_backoff_doubles_and_stops_after_the_budget(caplog):
    waits = []
    backoff = Backoff(3, 0.5, waits.append)
    with caplog.at_level(logging.WARNING, logger="reconcile.retry"):
        answers = [backoff.retry("GET /x: HTTP 503") for _ in range(5)]
    assert answers == [True, True, True, False, False]
    assert waits == [0.5, 1.0, 2.0]
    assert "GET /x: HTTP 503; retry 3 of 3" in caplog.text


def test_no_budget_means_no_retry():
    waits = []
    assert Backoff(0, 1.0, waits.append).retry("POST /y: reset") is False
    assert waits == []
