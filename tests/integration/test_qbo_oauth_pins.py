"""OAuth and authentication rules of the QBO sandbox that docs/sandbox-fidelity.md listed as
unpinned, pinned over real HTTP: refused authorize requests (HTML 400), the code exchange's
redirect_uri check, unsupported_grant_type, revoke of a non-JSON body, the lowercase 401 fault
with its WWW-Authenticate header, the 403 / 3100 for a token used on another realm, redirect
URIs that are not registered, and the code's expiry.

Raw ``requests`` throughout: the toolkit's client would refresh on a 401 and hide the bodies
and headers pinned here."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests

from reconcile.qbo.auth import QboAuth
from reconcile.qbo.connect import auto_consent
from tests.conftest import sandbox_settings
from tests.integration.conftest import live_access_token

ACCOUNTING = "com.intuit.quickbooks.accounting"


def _authorize_params(own_settings) -> dict[str, str]:
    """The query of a valid authorization request made by the toolkit."""
    request = QboAuth(own_settings).authorization_request()
    return dict(parse_qsl(urlsplit(request.url).query))


def _api_get(sandbox, realm: str, headers: dict) -> requests.Response:
    return requests.get(
        f"{sandbox.qbo_url}/v3/company/{realm}/companyinfo/{realm}",
        headers={"Accept": "application/json", **headers},
        timeout=10,
    )


# -- the authorization request --------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"client_id": "someone-elses-app"}, "Unknown client_id"),
        ({"response_type": "token"}, "response_type must be"),
        ({"scope": f"{ACCOUNTING} com.intuit.quickbooks.payroll"}, "Invalid scope"),
        ({"scope": "openid email"}, "accounting scope is required"),
    ],
    ids=["client_id", "response_type", "unknown_scope", "no_accounting_scope"],
)
def test_a_bad_authorize_request_is_an_html_400_page(own_settings, change, problem):
    """Authorize refused (HTML 400) unless demo client_id, response_type=code, known scopes
    including accounting; the consent form POST is refused the same way, with no code."""
    params = {**_authorize_params(own_settings), **change}
    page = requests.get(f"{own_settings.auth_url}?{urlencode(params)}", timeout=10)
    assert page.status_code == 400
    assert page.headers["Content-Type"].startswith("text/html")
    assert "<h1>Cannot connect</h1>" in page.text and problem in page.text
    assert "<form" not in page.text  # no Authorize button to press

    posted = requests.post(
        own_settings.auth_url,
        data={**params, "consent": "allow"},
        allow_redirects=False,
        timeout=10,
    )
    assert posted.status_code == 400 and "Location" not in posted.headers
    assert posted.headers["Content-Type"].startswith("text/html") and problem in posted.text


def test_known_scopes_beside_accounting_are_accepted(own_settings):
    """Scopes ⊆ Intuit's accounting/payment/OpenID scopes with accounting: the consent page."""
    params = {**_authorize_params(own_settings), "scope": f"{ACCOUNTING} openid email"}
    page = requests.get(f"{own_settings.auth_url}?{urlencode(params)}", timeout=10)
    assert page.status_code == 200 and 'name="consent" value="allow"' in page.text


# -- the token and revoke endpoints --------------------------------------------------------------


def test_the_code_exchange_needs_the_authorize_requests_redirect_uri(own_settings, sandbox):
    """The exchange's redirect_uri must equal the authorize request's, else invalid_grant."""
    auth = QboAuth(own_settings)
    request = auth.authorization_request()
    code = dict(parse_qsl(urlsplit(auto_consent(auth, request)).query))["code"]
    other = request.redirect_uri.replace("/callback", "/elsewhere")
    for redirect_uri in (other, None):
        form = {"grant_type": "authorization_code", "code": code}
        if redirect_uri is not None:
            form["redirect_uri"] = redirect_uri
        resp = requests.post(
            own_settings.token_url,
            data=form,
            auth=(sandbox.client_id, sandbox.client_secret),
            timeout=10,
        )
        assert resp.status_code == 400, resp.text
        assert resp.json()["error"] == "invalid_grant" and "access_token" not in resp.json()
        assert resp.headers["intuit_tid"]


def test_another_grant_type_is_unsupported_grant_type(own_settings, sandbox):
    """The token endpoint knows authorization_code and refresh_token only: 400 JSON."""
    resp = requests.post(
        own_settings.token_url,
        data={"grant_type": "client_credentials", "scope": ACCOUNTING},
        auth=(sandbox.client_id, sandbox.client_secret),
        timeout=10,
    )
    assert resp.status_code == 400
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.json()["error"] == "unsupported_grant_type" and resp.headers["intuit_tid"]


def test_revoke_with_a_body_that_is_not_json_is_invalid_request(own_client, own_settings, sandbox):
    """Revoke takes a JSON object {"token": …}; a form body, or JSON that is not an object,
    is 400 invalid_request and revokes nothing."""
    tokens = own_client.auth.store.load()
    for body in (
        {"data": {"token": tokens.refresh_token.reveal()}},
        {"json": "abc"},
        {"json": [tokens.refresh_token.reveal()]},
    ):
        resp = requests.post(
            own_settings.revoke_url,
            auth=(sandbox.client_id, sandbox.client_secret),
            timeout=10,
            **body,
        )
        assert resp.status_code == 400
        answer = resp.json()
        assert answer["error"] == "invalid_request" and "JSON" in answer["error_description"]
    assert own_client.read("Customer", "1")["Id"] == "1"  # the grant still works


# -- authentication of API calls ------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Authorization header missing"),
        ({"Authorization": "Bearer eyJnever-issued"}, "Malformed bearer token"),
    ],
    ids=["no_header", "dead_token"],
)
def test_401_is_the_lowercase_fault_with_a_www_authenticate_header(sandbox, headers, detail):
    """No bearer or a dead token: 401, fault.error[].code "3200", type AUTHENTICATION,
    time in epoch ms, WWW-Authenticate: Bearer realm="Intuit", error="invalid_token"."""
    resp = _api_get(sandbox, sandbox.realm_id, headers)
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == 'Bearer realm="Intuit", error="invalid_token"'
    body = resp.json()
    assert "Fault" not in body  # lowercase keys, not the usual Fault/Error
    (error,) = body["fault"]["error"]
    assert error["code"] == "3200" and body["fault"]["type"] == "AUTHENTICATION"
    assert "AuthenticationFailed" in error["message"] and detail in error["detail"]
    assert isinstance(body["time"], int) and body["time"] > 10**12  # milliseconds
    assert resp.headers["intuit_tid"]


def test_a_live_token_on_another_realms_path_is_403_3100(client, sandbox):
    """A live token used on another realm's path: 403, lowercase shape, 3100, SERVICE."""
    token = live_access_token(client)
    other = "9" + sandbox.realm_id
    resp = _api_get(sandbox, other, {"Authorization": f"Bearer {token}"})
    assert resp.status_code == 403
    body = resp.json()
    (error,) = body["fault"]["error"]
    assert error["code"] == "3100" and body["fault"]["type"] == "SERVICE"
    assert "ApplicationAuthorizationFailed" in error["message"] and other in error["detail"]
    assert resp.headers["intuit_tid"]
    # The same token is good on its own realm.
    assert _api_get(sandbox, sandbox.realm_id, {"Authorization": f"Bearer {token}"}).ok


def test_a_redirect_uri_off_loopback_or_off_callback_is_refused(own_settings):
    """Only loopback /callback URIs (any port) and Intuit's Playground page are registered:
    anything else is the HTML 400 page, no consent form."""
    for uri in (
        "https://example.com/callback",
        "http://127.0.0.1:8765/elsewhere",
        "http://192.168.1.5:8765/callback",
    ):
        params = {**_authorize_params(own_settings), "redirect_uri": uri}
        page = requests.get(f"{own_settings.auth_url}?{urlencode(params)}", timeout=10)
        assert page.status_code == 400 and "redirect_uri is not registered" in page.text
        assert "<form" not in page.text


def test_an_authorization_code_expires(own_settings, sandbox):
    """A code is good for ``code_ttl`` seconds (600 by default, an assumption): after that the
    exchange is invalid_grant."""
    sandbox_settings(sandbox, code_ttl=0.0)
    auth = QboAuth(own_settings)
    request = auth.authorization_request()
    code = dict(parse_qsl(urlsplit(auto_consent(auth, request)).query))["code"]
    resp = requests.post(
        own_settings.token_url,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": request.redirect_uri,
        },
        auth=(sandbox.client_id, sandbox.client_secret),
        timeout=10,
    )
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_grant"
