"""The sandbox is what people run first, on their own machine: what it refuses, over real HTTP.

- The OAuth server refuses a redirect_uri that is not a URI (CR/LF and other control
  characters: response splitting) or that has a fragment (RFC 6749 §3.1.2), and keeps a
  redirect_uri's query when it adds ``code``, ``state`` and ``realmId``.
- The HTTP layer never sends a header with CR, LF or NUL, whatever an app answers.
- The test hooks (``/_sandbox/…``) answer only a loopback ``Host``; their writes need the
  run's control token and a JSON body, so a web page cannot change the sandbox's settings
  (a ``text/plain`` POST is a CORS "simple request" a browser sends without asking).

Raw ``requests`` throughout: the toolkit's client would hide the statuses and headers pinned
here."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests

from reconcile.qbo.auth import QboAuth
from reconcile.sandbox.http import Response, Server
from reconcile.sandbox.settings import CONTROL_TOKEN_HEADER
from tests.conftest import sandbox_settings
from tests.integration.conftest import live_access_token, sandbox_current_settings

CALLBACK = "http://127.0.0.1:8765/callback"


def _authorize_params(own_settings, redirect_uri: str) -> dict[str, str]:
    """The query of a valid authorization request made by the toolkit, for ``redirect_uri``."""
    request = QboAuth(own_settings).authorization_request(redirect_uri=CALLBACK)
    return {**dict(parse_qsl(urlsplit(request.url).query)), "redirect_uri": redirect_uri}


def _consent(own_settings, params: dict[str, str], consent: str = "allow") -> requests.Response:
    """Press Authorize (or Cancel) on the consent form, as the browser posts it."""
    return requests.post(
        own_settings.auth_url,
        data={**params, "consent": consent},
        allow_redirects=False,
        timeout=10,
    )


# -- the OAuth server's redirect_uri ----------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    ["\r\nSet-Cookie: injected=1", "\nSet-Cookie: injected=1", "\r", "\t", "\x00", " ", "\x7f"],
    ids=["crlf", "lf", "cr", "tab", "nul", "space", "del"],
)
def test_a_redirect_uri_with_a_control_character_is_an_html_400_page(own_settings, bad):
    """A CR or LF would end the Location header and start one of the caller's (response
    splitting); no control character, space or DEL is part of a URI (RFC 3986 §2). Refused as
    an unregistered redirect URI is: HTML 400, no consent form, no redirect."""
    params = _authorize_params(own_settings, f"{CALLBACK}?x=1{bad}")
    page = requests.get(f"{own_settings.auth_url}?{urlencode(params)}", timeout=10)
    assert page.status_code == 400 and page.headers["Content-Type"].startswith("text/html")
    assert "control character" in page.text and "<form" not in page.text

    posted = _consent(own_settings, params)
    assert posted.status_code == 400 and "control character" in posted.text
    assert "Location" not in posted.headers and "Set-Cookie" not in posted.headers


@pytest.mark.parametrize(
    "uri",
    [f"{CALLBACK}#frag", f"{CALLBACK}#", f"{CALLBACK}?app=1#frag"],
    ids=["fragment", "empty_fragment", "query_and_fragment"],
)
def test_a_redirect_uri_with_a_fragment_is_an_html_400_page(own_settings, uri):
    """RFC 6749 §3.1.2: "The endpoint URI MUST NOT include a fragment component"."""
    params = _authorize_params(own_settings, uri)
    page = requests.get(f"{own_settings.auth_url}?{urlencode(params)}", timeout=10)
    assert page.status_code == 400 and "must not include a fragment" in page.text
    assert "<form" not in page.text

    posted = _consent(own_settings, params)
    assert posted.status_code == 400 and "Location" not in posted.headers


def test_a_redirect_uri_with_a_query_keeps_it_and_gets_the_code_added(own_settings, sandbox):
    """RFC 6749 §3.1.2: the query "MUST be retained when adding additional query parameters";
    the code then exchanges with that same redirect_uri."""
    uri = f"{CALLBACK}?app=reconcile&note=a%20b"
    params = _authorize_params(own_settings, uri)
    resp = _consent(own_settings, params)
    assert resp.status_code == 302, resp.text
    location = resp.headers["Location"]
    parts = urlsplit(location)
    assert location.startswith(f"{uri}&") and location.count("?") == 1 and not parts.fragment
    query = parse_qsl(parts.query)
    assert query[:2] == [("app", "reconcile"), ("note", "a b")]
    got = dict(query)
    assert got["state"] == params["state"] and got["realmId"] == sandbox.realm_id

    tokens = requests.post(
        own_settings.token_url,
        data={"grant_type": "authorization_code", "code": got["code"], "redirect_uri": uri},
        auth=(sandbox.client_id, sandbox.client_secret),
        timeout=10,
    )
    assert tokens.status_code == 200 and tokens.json()["access_token"]

    denied = _consent(own_settings, params, consent="deny")
    assert denied.status_code == 302
    assert denied.headers["Location"].startswith(f"{uri}&error=access_denied&state=")


# -- the HTTP layer -----------------------------------------------------------------------------


class _EchoApp:
    """Answers with the headers it is told to: an app that echoes what it should not."""

    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers

    def handle(self, request) -> Response:
        return Response(302, b"", dict(self.headers))


@pytest.mark.parametrize(
    "headers",
    [
        {"Location": "http://127.0.0.1/callback\r\nSet-Cookie: injected=1"},
        {"Location": "http://127.0.0.1/callback\nSet-Cookie: injected=1"},
        {"X-Note": "a\x00b"},
        {"Set-Cookie: injected=1\r\nX-Name": "v"},
        {"X Bad": "v"},
    ],
    ids=["crlf_value", "lf_value", "nul_value", "crlf_name", "space_name"],
)
def test_the_http_layer_never_sends_a_header_that_would_split_the_response(servers, headers):
    """RFC 9110 §5.5 (no CR, LF or NUL in a field value) and §5.1 (a field name is a token):
    the server answers 500 rather than send such a header."""
    server = Server(_EchoApp(headers)).start()
    try:
        resp = requests.get(server.url + "/x", allow_redirects=False, timeout=10)
    finally:
        server.stop()
    assert resp.status_code == 500 and "unsafe header" in resp.json()["error"]
    assert "Set-Cookie" not in resp.headers and "Location" not in resp.headers


def test_the_http_layer_sends_ordinary_headers(servers):
    server = Server(_EchoApp({"Location": "http://127.0.0.1/callback?a=1&b=%0D"})).start()
    try:
        resp = requests.get(server.url + "/x", allow_redirects=False, timeout=10)
    finally:
        server.stop()
    assert resp.status_code == 302
    assert resp.headers["Location"] == "http://127.0.0.1/callback?a=1&b=%0D"


# -- the test hooks -----------------------------------------------------------------------------

SERVERS = ["qbo_url", "bms_url"]


def _settings_url(sandbox, server: str) -> str:
    return f"{getattr(sandbox, server)}/_sandbox/settings"


def _latency(sandbox) -> float:
    return sandbox_current_settings(sandbox)["latency_ms"]


@pytest.mark.parametrize("server", SERVERS)
def test_settings_change_with_the_runs_token_and_a_json_body(sandbox, server):
    resp = requests.post(
        _settings_url(sandbox, server),
        json={"latency_ms": 0.5},
        headers=sandbox.control_headers(),
        timeout=10,
    )
    assert resp.status_code == 200 and resp.json()["latency_ms"] == 0.5
    assert _latency(sandbox) == 0.5  # one settings record for both servers


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize(
    ("headers", "status", "why"),
    [
        # What a web page's form or fetch sends without a CORS preflight: text/plain, no token.
        ({"Content-Type": "text/plain", "Origin": "http://evil.example"}, 403, "X-Sandbox-Token"),
        ({"Content-Type": "application/json"}, 403, "X-Sandbox-Token"),
        ({"Content-Type": "application/json", CONTROL_TOKEN_HEADER: "guessed"}, 403, "token"),
        ({"Content-Type": "application/json", CONTROL_TOKEN_HEADER: ""}, 403, "token"),
        ({"Content-Type": "text/plain", "TOKEN": True}, 415, "application/json"),
        ({"Content-Type": "application/x-www-form-urlencoded", "TOKEN": True}, 415, "json"),
        ({"Content-Type": "application/json", "TOKEN": True, "Host": "evil.example"}, 403, "Host"),
        (
            {"Content-Type": "application/json", "TOKEN": True, "Host": "127.0.0.1.nip.io:80"},
            403,
            "loopback",
        ),
    ],
    ids=[
        "simple_request",
        "no_token",
        "wrong_token",
        "empty_token",
        "text_plain",
        "form",
        "foreign_host",
        "rebound_host",
    ],
)
def test_a_settings_change_is_refused_and_changes_nothing(sandbox, server, headers, status, why):
    headers = dict(headers)
    if headers.pop("TOKEN", False):
        headers.update(sandbox.control_headers())
    resp = requests.post(
        _settings_url(sandbox, server), data=b'{"latency_ms": 7}', headers=headers, timeout=10
    )
    assert resp.status_code == status and why in resp.json()["error"], resp.text
    assert sandbox.control_token.reveal() not in resp.text
    assert _latency(sandbox) == 0.0


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost:1234", "LOCALHOST", "[::1]:80", "[::1]"])
def test_reads_are_open_to_a_loopback_host(sandbox, server, host):
    base = getattr(sandbox, server)
    for path in ("/_sandbox/settings", "/_sandbox/stats"):
        resp = requests.get(base + path, headers={"Host": host}, timeout=10)
        assert resp.status_code == 200, (path, resp.text)


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize(
    "host", ["evil.example", "localhost.evil.example:80", "127.0.0.2", "[::2]", "localhost:x"]
)
def test_reads_from_a_foreign_host_are_refused(sandbox, server, host):
    """A DNS name rebound to 127.0.0.1 reaches the port, but its Host header says so."""
    base = getattr(sandbox, server)
    for path in ("/_sandbox/settings", "/_sandbox/stats"):
        resp = requests.get(base + path, headers={"Host": host}, timeout=10)
        assert resp.status_code == 403 and "loopback Host" in resp.json()["error"], path


def test_expiring_tokens_needs_the_runs_token(sandbox, client):
    token = live_access_token(client)
    for server in SERVERS:
        url = f"{getattr(sandbox, server)}/_sandbox/expire-tokens"
        assert requests.post(url, timeout=10).status_code == 403
        bad = {CONTROL_TOKEN_HEADER: "guessed"}
        assert requests.post(url, headers=bad, timeout=10).status_code == 403
    still = requests.get(
        f"{sandbox.qbo_url}/v3/company/{sandbox.realm_id}/companyinfo/{sandbox.realm_id}",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        timeout=10,
    )
    assert still.status_code == 200  # nothing expired
    for server in SERVERS:
        url = f"{getattr(sandbox, server)}/_sandbox/expire-tokens"
        assert requests.post(url, headers=sandbox.control_headers(), timeout=10).ok


def test_reading_the_settings_shows_no_secret(sandbox):
    """The MFA code a test sets is a credential: answered as ***; nothing else secret is there."""
    sandbox_settings(sandbox, bms_mfa_code="482913")
    for server in SERVERS:
        resp = requests.get(_settings_url(sandbox, server), timeout=10)
        assert resp.json()["bms_mfa_code"] == "***"
        secrets = (
            "482913",
            sandbox.control_token.reveal(),
            sandbox.client_secret,
            sandbox.bms_identity["password"],
        )
        assert not [s for s in secrets if s in resp.text]
    assert sandbox.settings.value.bms_mfa_code == "482913"  # masked in the answer only


def test_the_control_token_stays_out_of_reprs(sandbox):
    token = sandbox.control_token.reveal()
    assert len(token) >= 32
    for thing in (sandbox, sandbox.control_token, sandbox.qbo_app.control, sandbox.bms_app.control):
        assert token not in repr(thing) and token not in str(thing)
    assert sandbox.client_secret not in repr(sandbox)
