"""Conformance with clients we did not write: python-quickbooks 0.9.12 on intuit-oauth.

Both libraries are used as their documentation shows; only where they find QuickBooks changes:

- **intuit-oauth** (``AuthClient``) reads its endpoints from a discovery document in its
  constructor. ``environment`` "sandbox"/"production" fetch Intuit's documents; any other
  value is taken as the document's URL (``intuitlib.utils.get_discovery_doc``): here the
  local sandbox's own, served at Intuit's path.
- **python-quickbooks** (``QuickBooks``) takes its API base from the ``api_url_v3`` /
  ``sandbox_api_url_v3`` class attributes (``sandbox`` is True only when the AuthClient's
  environment is "sandbox"); each client here gets ``api_url_v3`` set on the instance.
- Both send tokens through requests-oauthlib, which refuses plain http unless
  ``OAUTHLIB_INSECURE_TRANSPORT`` is set: it is set while this package's sandbox runs.

The OAuth dance is the library's: ``get_authorization_url``, the sandbox's consent page
answered as a person would (press Authorize), ``get_bearer_token(code, realm_id)``.

**Pacing.** QuickBooks allows 10 requests a second per realm + app, 500 a minute per realm and
40 batch requests a minute per realm + app (reference §6); python-quickbooks has no rate
limiting of its own, so a real user paces. Every ``QuickBooks`` made here sends through a
:class:`PacedAdapter` (a ``requests`` transport adapter, one :class:`Pacer` for the module:
one realm, one app) that waits before a request that would make an 11th in one QBO second.
The sandbox runs with ``time_scale=TIME_SCALE`` and its limits on (the settings' default), so
one QBO second lasts ``1 / TIME_SCALE`` real seconds; a request is counted from the moment
its answer came back, which is never before the sandbox counted it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from quickbooks import QuickBooks

from conftest import TIME_SCALE
from reconcile.sandbox.runner import Sandbox, start_sandbox

# Intuit's own path for the sandbox discovery document (intuitlib/config.py).
DISCOVERY_PATH = "/.well-known/openid_sandbox_configuration/"
# The redirect URI of the python-quickbooks README; the sandbox accepts loopback on any port.
REDIRECT_URI = "http://localhost:8000/callback"
MINOR_VERSION = 75
# reference §6: (requests, QBO seconds) per window; batch requests count in both lists.
REST_LIMITS = ((10, 1.0), (500, 60.0))
BATCH_LIMITS = ((40, 60.0),)


@dataclass
class Pacer:
    """Keeps every window of QuickBooks' limits below its count, on the sandbox's clock: a
    request counts from when it is sent (in flight) and then from when its answer came back,
    so no window can see more than its count, however many threads share the pacer (the 10
    concurrent requests of reference §6 are kept too)."""

    time_scale: float
    stamps: dict[tuple[int, float], deque[float]] = field(default_factory=dict)
    in_flight: dict[tuple[int, float], int] = field(default_factory=dict)
    waited: float = 0.0  # real seconds spent waiting
    throttled: int = 0  # 429 answers to paced requests: pacing has failed if this is not 0
    cond: threading.Condition = field(default_factory=threading.Condition)

    def _limits(self, batch: bool):
        return REST_LIMITS + (BATCH_LIMITS if batch else ())

    def _delay(self, batch: bool, now: float) -> float | None:
        """0 if one more request fits now, seconds to wait, or None: wait for an answer."""
        delay = 0.0
        for limit in self._limits(batch):
            count, seconds = limit
            stamps = self.stamps.setdefault(limit, deque())
            span = seconds / self.time_scale
            while stamps and stamps[0] <= now - span:
                stamps.popleft()
            if len(stamps) + self.in_flight.get(limit, 0) >= count:
                if not stamps:
                    return None
                delay = max(delay, stamps[0] + span - now)
        return delay

    def wait(self, batch: bool) -> None:
        """Block until one more request fits every window it counts in; count it in flight."""
        with self.cond:
            while True:
                start = time.monotonic()
                delay = self._delay(batch, start)
                if delay == 0:
                    break
                self.cond.wait(delay)
                self.waited += time.monotonic() - start
            for limit in self._limits(batch):
                self.in_flight[limit] = self.in_flight.get(limit, 0) + 1

    def done(self, batch: bool) -> None:
        with self.cond:
            now = time.monotonic()
            for limit in self._limits(batch):
                self.in_flight[limit] -= 1
                self.stamps[limit].append(now)
            self.cond.notify_all()


class PacedAdapter(requests.adapters.HTTPAdapter):
    """A transport adapter that asks the :class:`Pacer` before each request."""

    def __init__(self, pacer: Pacer) -> None:
        super().__init__()
        self.pacer = pacer

    def send(self, request, *args, **kwargs):
        batch = (request.path_url or "").split("?")[0].endswith("/batch")
        self.pacer.wait(batch)
        try:
            response = super().send(request, *args, **kwargs)
        finally:
            self.pacer.done(batch)
        if response.status_code == 429:
            self.pacer.throttled += 1
        return response


@dataclass
class LocalQuickBooks:
    """A sandbox of this package's own and how the two libraries reach it."""

    sandbox: Sandbox
    pacer: Pacer = field(default_factory=lambda: Pacer(TIME_SCALE))

    @property
    def discovery_url(self) -> str:
        """The sandbox's discovery document, at Intuit's path for sandbox companies."""
        return self.sandbox.qbo_url + DISCOVERY_PATH

    @property
    def api_url(self) -> str:
        return f"{self.sandbox.qbo_url}/v3"

    def auth_client(self, **tokens: str) -> AuthClient:
        """``AuthClient`` as documented, with ``environment`` = the local discovery URL."""
        return AuthClient(
            client_id=self.sandbox.client_id,
            client_secret=self.sandbox.client_secret,
            redirect_uri=REDIRECT_URI,
            environment=self.discovery_url,
            **tokens,
        )

    def set_time_scale(self, scale: float) -> None:
        """Change the sandbox's time scale over HTTP (its limit windows start anew)."""
        url = f"{self.sandbox.qbo_url}/_sandbox/settings"
        headers = self.sandbox.control_headers()
        requests.post(
            url, json={"time_scale": scale}, headers=headers, timeout=10
        ).raise_for_status()

    def consent(self, authorization_url: str) -> dict[str, str]:
        """Press Authorize on the sandbox's consent page (what the person does in a browser);
        returns the parameters of the redirect to ``REDIRECT_URI``."""
        form = {**dict(parse_qsl(urlsplit(authorization_url).query)), "consent": "allow"}
        resp = requests.post(
            authorization_url.split("?")[0], data=form, allow_redirects=False, timeout=10
        )
        assert resp.status_code == 302, resp.text
        location = resp.headers["Location"]
        assert location.startswith(REDIRECT_URI + "?"), location
        return dict(parse_qsl(urlsplit(location).query))

    def connect(self, auth_client: AuthClient) -> dict[str, str]:
        """The OAuth dance: authorization URL, consent, code exchange. Returns the callback."""
        url = auth_client.get_authorization_url([Scopes.ACCOUNTING])
        callback = self.consent(url)
        assert callback["state"] == auth_client.state_token
        auth_client.get_bearer_token(callback["code"], realm_id=callback["realmId"])
        return callback

    def quickbooks(
        self,
        auth_client: AuthClient,
        refresh_token: str | None = None,
        *,
        paced: bool = True,
        pacer: Pacer | None = None,
    ) -> QuickBooks:
        """``QuickBooks`` as documented (auth client, refresh token, company id, minor
        version), its API base moved to the sandbox, paced (by the module's pacer unless
        another is given) unless ``paced`` is False."""
        client = QuickBooks(
            auth_client=auth_client,
            refresh_token=refresh_token or auth_client.refresh_token,
            company_id=auth_client.realm_id or self.sandbox.realm_id,
            minorversion=MINOR_VERSION,
        )
        client.api_url_v3 = self.api_url
        assert client.api_url == self.api_url  # nothing may go to Intuit
        if paced:
            client.session.mount(self.sandbox.qbo_url, PacedAdapter(pacer or self.pacer))
        return client


@pytest.fixture(scope="module")
def local(servers, tmp_path_factory) -> Iterator[LocalQuickBooks]:
    """A new sandbox of its own (demo built for the pinned day)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
        data_dir = tmp_path_factory.mktemp("conformance") / "sandbox"
        sandbox = start_sandbox(data_dir, time_scale=TIME_SCALE)
        try:
            yield LocalQuickBooks(sandbox)
        finally:
            sandbox.stop()


@pytest.fixture(scope="module")
def auth_client(local: LocalQuickBooks) -> AuthClient:
    """An AuthClient connected through the OAuth dance."""
    auth = local.auth_client()
    local.connect(auth)
    return auth


@dataclass
class Exchange:
    method: str
    path: str
    query: str
    content_type: str
    body: str
    status: int
    response: str


@pytest.fixture(scope="module")
def wire() -> list[Exchange]:
    """Every request the module's ``qb`` client sent, with the sandbox's answer."""
    return []


@pytest.fixture(scope="module")
def qb(local: LocalQuickBooks, auth_client: AuthClient, wire: list[Exchange]) -> QuickBooks:
    """A python-quickbooks client on the connected AuthClient; ``wire`` records its traffic."""
    client = local.quickbooks(auth_client)

    def record(resp: requests.Response, *args, **kwargs) -> None:
        req = resp.request
        body = req.body.decode() if isinstance(req.body, bytes) else (req.body or "")
        wire.append(
            Exchange(
                req.method or "",
                (req.path_url or "").split("?")[0],
                urlsplit(req.url or "").query,
                req.headers.get("Content-Type", ""),
                body,
                resp.status_code,
                resp.text,
            )
        )

    client.session.hooks["response"].append(record)
    return client
