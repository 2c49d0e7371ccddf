"""OAuth 2.0 against the sandbox's authorization server, over real HTTP (reference §1)."""

from __future__ import annotations

import dataclasses
import os
import stat
import subprocess
import sys
import textwrap
import time
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests
import tomli_w

from reconcile.config import QboSettings, load_config
from reconcile.errors import ConfigError
from reconcile.qbo.auth import (
    DisconnectedError,
    OAuthError,
    QboAuth,
    StateMismatchError,
)
from reconcile.qbo.client import QboClient
from reconcile.qbo.connect import auto_consent, connect_automatically
from reconcile.qbo.errors import QboAuthError
from reconcile.qbo.tokens import TokenStore
from tests.conftest import sandbox_settings
from tests.integration.conftest import sandbox_stats


def _query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {**dict(parse_qsl(parts.query)), **changes}
    return urlunsplit(parts._replace(query=urlencode(query)))


def _bearer_status(sandbox, realm: str, access_token: str) -> int:
    """Status of a raw API call made with one access token (no client, no refresh)."""
    resp = requests.get(
        f"{sandbox.qbo_url}/v3/company/{realm}/companyinfo/{realm}",
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        timeout=10,
    )
    return resp.status_code


def _raw_refresh(sandbox, settings: QboSettings, refresh_token: str) -> requests.Response:
    return requests.post(
        settings.token_url,
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(sandbox.client_id, sandbox.client_secret),
        timeout=10,
    )


# -- the authorization dance ----------------------------------------------------------------


def test_full_dance_saves_private_tokens_for_the_sandbox_realm(own_settings, sandbox):
    auth = QboAuth(own_settings)
    request = auth.authorization_request()
    assert _query_of(request.url)["state"] == request.state
    callback = auto_consent(auth, request)
    cb = _query_of(callback)
    assert cb["state"] == request.state and cb["code"] and cb["realmId"] == sandbox.realm_id

    tokens = auth.complete(callback, request)

    assert tokens.realm_id == sandbox.realm_id
    assert own_settings.token_file.exists()
    assert stat.S_IMODE(own_settings.token_file.stat().st_mode) == 0o600
    saved = TokenStore(own_settings.token_file).load()
    assert saved is not None
    assert saved.realm_id == sandbox.realm_id
    assert saved.access_token == tokens.access_token
    assert saved.refresh_token == tokens.refresh_token
    assert not saved.expired()
    status = auth.status()
    assert status["connected"] is True and status["realm_id"] == sandbox.realm_id
    # The saved tokens work against the API.
    info = QboClient(own_settings, QboAuth(own_settings)).company_info()
    assert info["CompanyName"]


def test_consent_page_is_html_with_an_authorize_button(own_settings):
    auth = QboAuth(own_settings)
    request = auth.authorization_request()
    resp = requests.get(request.url, timeout=10)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/html")
    page = resp.text
    assert "<form" in page and "Authorize</button>" in page
    assert 'name="consent" value="allow"' in page
    assert f'name="state" value="{request.state}"' in page


def test_denied_consent_redirects_with_access_denied(own_settings):
    auth = QboAuth(own_settings)
    request = auth.authorization_request()
    form = {**dict(parse_qsl(urlsplit(request.url).query)), "consent": "deny"}
    resp = requests.post(own_settings.auth_url, data=form, allow_redirects=False, timeout=10)
    assert resp.status_code == 302
    location = resp.headers["Location"]
    answer = _query_of(location)
    assert answer["error"] == "access_denied"
    assert answer["state"] == request.state
    assert "code" not in answer
    with pytest.raises(OAuthError, match="access_denied") as caught:
        auth.complete(location, request)
    assert not isinstance(caught.value, StateMismatchError)
    assert not own_settings.token_file.exists()


def test_state_mismatch_is_refused_and_the_code_is_not_spent(own_settings):
    auth = QboAuth(own_settings)
    request = auth.authorization_request()
    callback = auto_consent(auth, request)
    forged = _with_query(callback, state="forged-state")
    with pytest.raises(StateMismatchError):
        auth.complete(forged, request)
    # A callback of another attempt is refused too.
    other = auth.authorization_request()
    with pytest.raises(StateMismatchError):
        auth.complete(callback, other)
    assert not own_settings.token_file.exists()
    # The refused attempts never reached the token endpoint: the code still works.
    tokens = auth.complete(callback, request)
    assert tokens.realm_id == _query_of(callback)["realmId"]


def test_reused_code_is_invalid_grant_and_kills_the_first_tokens(own_settings, sandbox):
    auth = QboAuth(own_settings)
    request = auth.authorization_request()
    callback = auto_consent(auth, request)
    first = auth.complete(callback, request)
    client = QboClient(own_settings, auth)
    assert client.read("Customer", "1")["Id"] == "1"

    with pytest.raises(DisconnectedError, match="invalid_grant"):
        QboAuth(own_settings).complete(callback, request)

    # The tokens of the first exchange are revoked at the server (reference §1)…
    assert _bearer_status(sandbox, first.realm_id, first.access_token.reveal()) == 401
    refresh = _raw_refresh(sandbox, own_settings, first.refresh_token.reveal())
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"
    # …so the client that holds them fails: 401, then invalid_grant on its refresh.
    with pytest.raises((QboAuthError, DisconnectedError)):
        client.read("Customer", "1")
    with pytest.raises((QboAuthError, DisconnectedError)):
        QboClient(own_settings, QboAuth(own_settings)).read("Customer", "1")


# -- refresh --------------------------------------------------------------------------------


def test_refresh_rotates_the_refresh_token_and_saves_it(own_client, own_settings):
    auth = own_client.auth
    before = auth.store.load()
    rotated = auth.refresh(before)
    assert rotated.refresh_token != before.refresh_token
    assert rotated.access_token != before.access_token
    saved = TokenStore(own_settings.token_file).load()
    assert saved.refresh_token == rotated.refresh_token
    assert saved.access_token == rotated.access_token
    assert stat.S_IMODE(own_settings.token_file.stat().st_mode) == 0o600
    # A client starting from the file works with the rotated tokens.
    assert QboClient(own_settings, QboAuth(own_settings)).read("Customer", "1")["Id"] == "1"


def test_stale_refresh_token_disconnects_with_reason(own_client, own_settings, sandbox):
    sandbox_settings(sandbox, stale_refresh_grace=0)
    store = TokenStore(own_settings.token_file)
    old = store.load()
    own_client.auth.refresh(old)  # rotates: `old` is now stale, with no grace
    store.save(old)  # e.g. a backup restored over the newer file

    auth = QboAuth(own_settings)
    with pytest.raises(DisconnectedError, match="invalid_grant"):
        auth.refresh()

    status = auth.status()
    assert status["connected"] is False
    assert "invalid_grant" in status["reason"]
    assert store.load() is None
    with pytest.raises(DisconnectedError, match="invalid_grant"):
        QboClient(own_settings, QboAuth(own_settings)).read("Customer", "1")


def test_the_client_secret_may_come_in_the_form_as_the_discovery_document_says(
    own_client, own_settings, sandbox
):
    tokens = own_client.auth.store.load()
    form = {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token.reveal()}
    wrong = requests.post(
        own_settings.token_url,
        data={**form, "client_id": sandbox.client_id, "client_secret": "nope"},
        timeout=10,
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    nothing = requests.post(own_settings.token_url, data=form, timeout=10)
    assert nothing.status_code == 401
    posted = requests.post(
        own_settings.token_url,
        data={**form, "client_id": sandbox.client_id, "client_secret": sandbox.client_secret},
        timeout=10,
    )  # client_secret_post
    assert posted.status_code == 200, posted.text
    assert posted.json()["refresh_token"] != form["refresh_token"]


def test_revoking_a_token_nobody_knows_is_answered_200(own_settings, sandbox):
    resp = requests.post(
        own_settings.revoke_url,
        json={"token": "never-issued"},
        auth=(sandbox.client_id, sandbox.client_secret),
        timeout=10,
    )
    assert resp.status_code == 200  # RFC 7009 §2.2; intuitlib treats 200 as revoked


def test_revoke_clears_tokens_and_api_calls_fail(own_client, own_settings, sandbox):
    tokens = own_client.auth.store.load()
    assert own_client.read("Customer", "1")["Id"] == "1"

    assert own_client.auth.revoke() is True

    assert not own_settings.token_file.exists()
    assert own_client.auth.status()["connected"] is False
    with pytest.raises(DisconnectedError):
        own_client.read("Customer", "1")
    with pytest.raises(DisconnectedError):
        QboClient(own_settings).read("Customer", "1")
    # Revoked at the server too, not just forgotten here.
    assert _bearer_status(sandbox, tokens.realm_id, tokens.access_token.reveal()) == 401
    refresh = _raw_refresh(sandbox, own_settings, tokens.refresh_token.reveal())
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"


def test_expired_access_token_is_refreshed_once_and_the_call_replayed(
    own_client, own_settings, sandbox
):
    before_tokens = own_client.auth.store.load()
    before = sandbox_stats(sandbox)["refresh_count"]
    resp = requests.post(
        f"{sandbox.qbo_url}/_sandbox/expire-tokens", headers=sandbox.control_headers(), timeout=10
    )
    assert resp.status_code == 200 and resp.json()["expired"] >= 1

    customer = own_client.read("Customer", "1")

    assert customer["Id"] == "1"
    assert sandbox_stats(sandbox)["refresh_count"] == before + 1
    assert own_client.stats.counts["api"] == 2  # the 401, then the replay
    after_tokens = TokenStore(own_settings.token_file).load()
    assert after_tokens.refresh_token != before_tokens.refresh_token
    # The next call uses the new token: no more refreshes.
    own_client.read("Customer", "1")
    assert sandbox_stats(sandbox)["refresh_count"] == before + 1


def test_injected_401_is_refreshed_and_replayed(own_client, sandbox):
    before = sandbox_stats(sandbox)["refresh_count"]
    sandbox_settings(sandbox, fail_next=["401"])
    assert own_client.read("Customer", "1")["Id"] == "1"
    assert sandbox_stats(sandbox)["refresh_count"] == before + 1


_REFRESH_SCRIPT = textwrap.dedent(
    """
    from reconcile.config import load_config
    from reconcile.qbo.auth import QboAuth

    auth = QboAuth(load_config().qbo)
    print(auth.store.path, flush=True)
    seen = auth.store.load()
    print("ready", flush=True)
    tokens = auth.refresh(seen)
    print(tokens.refresh_token.reveal(), flush=True)
    """
)


def test_two_processes_refreshing_at_once_rotate_only_once(own_settings, sandbox, tmp_path):
    connect_automatically(QboAuth(own_settings))
    sandbox_settings(sandbox, stale_refresh_grace=0)  # a lost rotation would disconnect
    config = tomllib.loads(sandbox.config_path.read_text())
    config["qbo"]["token_file"] = str(own_settings.token_file)
    config_file = tmp_path / "config.toml"
    config_file.write_text(tomli_w.dumps(config))
    config_file.chmod(0o600)
    assert load_config(config_file).qbo.token_file == own_settings.token_file
    env = {**os.environ, "RECONCILE_CONFIG": str(config_file)}
    before = sandbox_stats(sandbox)["refresh_count"]
    store = TokenStore(own_settings.token_file)

    # Hold the store's lock until both processes have read the same (soon stale) tokens:
    # then both must refresh, and one of them necessarily finds the other's rotation.
    procs = []
    with store.lock():
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", _REFRESH_SCRIPT],
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        for proc in procs:
            assert proc.stdout.readline().strip() == str(own_settings.token_file)
            assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.2)  # let both block on the lock
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        results.append(out.strip())

    saved = store.load()
    assert saved is not None, "the token file lost its tokens"
    assert results[0] == results[1] == saved.refresh_token.reveal()
    assert sandbox_stats(sandbox)["refresh_count"] == before + 1
    # A third party still gets in with the file's tokens, without another refresh.
    assert QboClient(own_settings, QboAuth(own_settings)).read("Customer", "1")["Id"] == "1"
    assert sandbox_stats(sandbox)["refresh_count"] == before + 1


# -- configuration --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, url",
    [
        ("token_url", "http://oauth.example.com/oauth2/v1/tokens/bearer"),
        ("base_url", "http://10.1.2.3:8080"),
        ("revoke_url", "http://192.168.0.10/revoke"),
        ("auth_url", "ftp://appcenter.example.com/connect"),
    ],
)
def test_plain_http_outside_loopback_is_refused(qbo_settings, field, url):
    bad = dataclasses.replace(qbo_settings, **{field: url})
    with pytest.raises(ConfigError, match=field):
        bad.check()
    with pytest.raises(ConfigError):
        QboAuth(bad)


def test_https_and_loopback_http_endpoints_are_accepted(qbo_settings):
    dataclasses.replace(qbo_settings, token_url="https://oauth.example.com/token").check()
    dataclasses.replace(qbo_settings, token_url="http://localhost:9/token").check()
    qbo_settings.check()
    assert qbo_settings.all_loopback
    assert not dataclasses.replace(qbo_settings, token_url="https://x.example/t").all_loopback


def test_token_file_path_from_config_is_honoured(tmp_path, sandbox):
    config = tomllib.loads(sandbox.config_path.read_text())
    config["qbo"]["token_file"] = str(tmp_path / "elsewhere.json")
    path = tmp_path / "c.toml"
    path.write_text(tomli_w.dumps(config))
    path.chmod(0o600)
    assert load_config(path).qbo.token_file == Path(tmp_path / "elsewhere.json")
    # A config holding the secret but readable by others is refused.
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_config(path)


@pytest.mark.parametrize(
    "path",
    [
        "/.well-known/openid_sandbox_configuration/",
        "/.well-known/openid_configuration",
        "/.well-known/openid_sandbox_configuration",
    ],
)
def test_the_discovery_document_names_the_sandboxs_endpoints(sandbox, path):
    # Intuit's clients (intuit-oauth) find the endpoints there (reference §1).
    resp = requests.get(sandbox.qbo_url + path, timeout=10)
    assert resp.status_code == 200
    doc = resp.json()
    info = sandbox.info()
    assert doc["authorization_endpoint"] == info["qbo_authorize_url"]
    assert doc["token_endpoint"] == info["qbo_token_url"]
    assert doc["revocation_endpoint"] == info["qbo_revoke_url"]
    assert {"issuer", "userinfo_endpoint", "jwks_uri"} <= set(doc)
    assert doc["token_endpoint_auth_methods_supported"] == [
        "client_secret_post",
        "client_secret_basic",
    ]
    assert requests.get(info["qbo_discovery_url"], timeout=10).json() == doc
