"""The one door to Kaseya BMS REST API v2: sign-in, limits, retries, envelope and paging.

- Every call carries the bearer token; a 401 renews the session once (refresh, else a new
  sign-in) and replays the call.
- BMS allows 1500 calls per hour *per endpoint* (reference §1.1): one sliding window per
  endpoint template (ids replaced by ``{id}``) keeps within it.
- Reads (GETs and the read-only search POSTs) are retried on 5xx and connection resets with
  backoff; writes are not, unless the caller says they are idempotent. The request loop is
  the one both clients share (``reconcile.transport``); this module gives it BMS's hooks.
- Lists are paged with ``PageNumber``/``PageSize`` whether or not ``TotalRecords`` is sent:
  paging stops at TotalRecords, or at the first empty page.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import requests

from reconcile.bms.auth import TIMEOUT, BmsAuth
from reconcile.bms.envelope import Envelope, parse_envelope, response_schema_for
from reconcile.bms.errors import (
    BmsAuthError,
    BmsConnectionError,
    BmsError,
    BmsNotFoundError,
    BmsServerError,
    BmsThrottledError,
)
from reconcile.config import BmsSettings, Config, load_config
from reconcile.limiter import Limiter
from reconcile.transport import Api, Transport, retry_after

CALLS_PER_HOUR = 1500  # per endpoint (reference §1.1)
RATE_WAIT = 60.0  # seconds to wait after a 429 when the server gives no Retry-After
_ID_SEGMENT = re.compile(r"/\d+(?=/|$)")


def endpoint_of(method: str, path: str) -> str:
    """The endpoint a call counts against: method + path with ids as ``{id}``."""
    return f"{method.upper()} {_ID_SEGMENT.sub('/{id}', path)}"


class BmsClient:
    """REST client for one BMS tenant."""

    def __init__(
        self,
        settings: BmsSettings,
        auth: BmsAuth | None = None,
        *,
        http: requests.Session | None = None,
        max_retries: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.http = http or requests.Session()
        self.auth = auth or BmsAuth(settings, self.http)
        self.calls: Counter = Counter()  # requests sent, by endpoint
        api = Api(
            credentials=self.auth.token,
            bearer=str,
            renew=self.auth.renew,
            refused=lambda resp: resp.status_code == 401,
            throttled=lambda resp: (
                (retry_after(resp) or RATE_WAIT / self.settings.time_scale)
                if resp.status_code == 429
                else None
            ),
            unreachable=lambda endpoint, exc: BmsConnectionError(
                f"{type(exc).__name__}: {exc}", endpoint=endpoint
            ),
        )
        self.transport = Transport(self.http, api, max_retries, backoff, sleep, TIMEOUT)
        self._limiters: dict[str, Limiter] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Config | None = None) -> BmsClient:
        """A client for the configured tenant (``RECONCILE_CONFIG`` when set)."""
        return cls((config or load_config()).bms)

    def __repr__(self) -> str:
        return f"BmsClient(base_url={self.settings.base_url!r}, tenant={self.settings.tenant!r})"

    def _limiter(self, endpoint: str) -> Limiter:
        with self._lock:
            if endpoint not in self._limiters:
                self._limiters[endpoint] = Limiter(
                    {"hour": (CALLS_PER_HOUR, 3600.0)},
                    concurrent=4,
                    time_scale=self.settings.time_scale,
                    margin=0.02,
                    slack=0.05,
                )
            return self._limiters[endpoint]

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> Envelope:
        """One call; returns the envelope, raising a typed BmsError when it failed."""
        endpoint = endpoint_of(method, path)
        url = f"{self.settings.base_url}{path}"
        if idempotent is None:
            idempotent = method == "GET" or path.endswith(("/search", "/details", "/discounts"))
        resp = self.transport.send(
            method,
            url,
            label=endpoint,
            retry_safe=idempotent,
            limiter=self._limiter(endpoint),
            kinds=("hour",),
            headers={"Accept": "application/json"},
            params=params,
            json=json,
            count=lambda event: self.calls.update([endpoint] if event == "sent" else []),
        )
        return self._read(resp, endpoint, response_schema_for(method, path))

    def _read(self, resp: requests.Response, endpoint: str, schema: dict | None) -> Envelope:
        try:
            envelope = parse_envelope(resp.json(), schema) if resp.content else Envelope(True, None)
        except ValueError:
            envelope = None
        if envelope is not None and envelope.success and resp.status_code < 400:
            return envelope
        err = (envelope.error if envelope else None) or {}
        code = err.get("Code")
        status = resp.status_code
        cls: type[BmsError] = BmsError
        if status == 401:
            cls = BmsAuthError
        elif status == 404 or code == 404:
            cls = BmsNotFoundError
        elif status == 429:
            cls = BmsThrottledError
        elif status >= 500:
            cls = BmsServerError
        if status == 401 and not err:
            err = {"Message": "the access token was refused even after signing in again"}
        message = err.get("Message") or (
            f"HTTP {status}" + (f": {' '.join(resp.text.split())[:200]}" if resp.text else "")
        )
        raise cls(
            message,
            code=code,
            details=err.get("Details"),
            sub_errors=err.get("SubErrors"),
            status=status,
            endpoint=endpoint,
        )

    def result(self, method: str, path: str, **kwargs: Any) -> Any:
        """The ``Result`` of one call."""
        return self.request(method, path, **kwargs).result

    def pages(
        self,
        path: str,
        *,
        method: str = "GET",
        params: dict | None = None,
        body: dict | None = None,
        page_size: int | None = None,
    ) -> Iterator[list[dict]]:
        """Every page of a list. GET lists page through query parameters; POST searches
        through the body's PageNumber/PageSize."""
        size = page_size or self.settings.page_size
        number = 1
        seen = 0
        previous_first: Any = None
        while True:
            if method == "GET":
                envelope = self.request(
                    "GET", path, params={**(params or {}), "PageSize": size, "PageNumber": number}
                )
            else:
                envelope = self.request(
                    method, path, json={**(body or {}), "PageSize": size, "PageNumber": number}
                )
            rows = envelope.result or []
            if not rows:
                return
            first = rows[0].get("Id") if isinstance(rows[0], dict) else rows[0]
            if number > 1 and first == previous_first:
                raise BmsError(
                    f"page {number} repeats page {number - 1}: the server ignores PageNumber",
                    endpoint=endpoint_of(method, path),
                )
            previous_first = first
            yield rows
            seen += len(rows)
            if envelope.total_records is not None and seen >= envelope.total_records:
                return
            number += 1

    def fetch_all(self, path: str, **kwargs: Any) -> list[dict]:
        """Every row of a paged list."""
        return [row for page in self.pages(path, **kwargs) for row in page]

    def userinfo(self) -> dict:
        """Who is signed in, in which tenant, with which home currency (a connection test)."""
        return self.result("GET", "/v2/security/userinfo")
