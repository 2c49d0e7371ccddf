"""The one HTTP request loop of both clients, QuickBooks' and BMS's.

Each request goes through :meth:`Transport.send`: it takes a slot of the caller's limiter,
carries the bearer token, and then, on the answer:

- credentials refused (401): renewed once, and the request sent again;
- too many requests (429): the limiter paused for the wait the API asks for, then again
  (a bounded number of times);
- a server error (5xx) or a connection reset / timeout: sent again with exponential back-off,
  but only when the caller says the request is safe to repeat (a read, or a write that
  cannot be applied twice); otherwise the answer is the caller's to judge.

What differs between the two APIs — where the token comes from, what says "refused" or
"throttled", which error a lost connection is — is given as :class:`Api` hooks by each
client, which also reads the final answer (QuickBooks' faults, BMS's envelope).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from reconcile.limiter import Limiter

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


@dataclass(frozen=True)
class Api:
    """What the transport asks of one API."""

    credentials: Callable[[], Any]  # the credentials to send now (tokens, or a token)
    bearer: Callable[[Any], str]  # the bearer token they hold
    renew: Callable[[Any], None]  # these credentials were refused: renew them
    refused: Callable[[requests.Response], bool]  # the answer refuses the credentials
    throttled: Callable[[requests.Response], float | None]  # seconds to wait, if throttled
    unreachable: Callable[[str, Exception], Exception]  # the error for a lost connection


@dataclass
class Transport:
    """Sends requests for one client (see the module doc); the counters are the client's."""

    http: requests.Session
    api: Api
    max_retries: int = 3
    backoff: float = 0.5
    sleep: Callable[[float], None] = time.sleep
    timeout: float = 60.0

    def send(
        self,
        method: str,
        url: str,
        *,
        label: str,
        retry_safe: bool,
        limiter: Limiter,
        kinds: tuple[str, ...],
        headers: dict[str, str] | None = None,
        count: Callable[[str], None] = lambda event: None,
        **kwargs: Any,
    ) -> requests.Response:
        """One request, sent again as the module doc says; returns the last answer (a 4xx
        or 5xx included: the caller turns it into its error). ``label`` names the request
        in logs and errors; ``count`` hears "sent", "retried", "reauthorized", "throttled"."""
        backoff = Backoff(self.max_retries, self.backoff, self.sleep)
        renewed = False
        throttles = 0
        while True:
            credentials = self.api.credentials()
            sent = {**(headers or {}), "Authorization": f"Bearer {self.api.bearer(credentials)}"}
            try:
                with limiter.slot(*kinds):
                    count("sent")
                    resp = self.http.request(
                        method, url, headers=sent, timeout=self.timeout, **kwargs
                    )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if retry_safe and backoff.retry(f"{label}: {type(exc).__name__}"):
                    count("retried")
                    continue
                raise self.api.unreachable(label, exc) from None
            if not renewed and self.api.refused(resp):
                log.info("%s: credentials refused; renewing them once", label)
                count("reauthorized")
                self.api.renew(credentials)
                renewed = True
                continue
            wait = self.api.throttled(resp)
            if wait is not None and throttles < self.max_retries:
                throttles += 1
                count("throttled")
                log.warning("%s: throttled; waiting %.1f s", label, wait)
                limiter.pause(wait)
                continue
            if (
                resp.status_code >= 500
                and retry_safe
                and backoff.retry(f"{label}: HTTP {resp.status_code}")
            ):
                count("retried")
                continue
            return resp


def retry_after(resp: requests.Response) -> float | None:
    """The server's ``Retry-After`` in seconds, when it sent a number."""
    try:
        return float(resp.headers["Retry-After"])
    except (KeyError, ValueError):
        return None
