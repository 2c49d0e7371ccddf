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
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
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


@dataclass
class LocalQuickBooks:
    """A sandbox of this package's own and how the two libraries reach it."""

    sandbox: Sandbox

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

    def quickbooks(self, auth_client: AuthClient, refresh_token: str | None = None) -> QuickBooks:
        """``QuickBooks`` as documented (auth client, refresh token, company id, minor
        version), its API base moved to the sandbox."""
        client = QuickBooks(
            auth_client=auth_client,
            refresh_token=refresh_token or auth_client.refresh_token,
            company_id=auth_client.realm_id or self.sandbox.realm_id,
            minorversion=MINOR_VERSION,
        )
        client.api_url_v3 = self.api_url
        assert client.api_url == self.api_url  # nothing may go to Intuit
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
                req.headers.get("Content-Type", ""),
                body,
                resp.status_code,
                resp.text,
            )
        )

    client.session.hooks["response"].append(record)
    return client
