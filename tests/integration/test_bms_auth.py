"""Signing in to the BMS sandbox over real HTTP: tokens, refresh, MFA, password sources."""

from __future__ import annotations

import dataclasses
import getpass

import keyring
import keyring.backend
import pytest
import requests

from reconcile.bms import openapi
from reconcile.bms.auth import KEYRING_SERVICE, default_password_source, keyring_user
from reconcile.bms.client import BmsClient
from reconcile.bms.errors import BmsAuthError
from reconcile.errors import ConfigError
from reconcile.sandbox import bms_demo
from reconcile.secret import Secret
from tests.conftest import sandbox_settings
from tests.integration.conftest import bms_stats

AUTHENTICATE = "/v2/security/authenticate"
BAD_CREDENTIALS = "Invalid company name, user name or password."


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that lives in this process only."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.entries[(service, username)]


@pytest.fixture()
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def _client(settings, **kwargs) -> BmsClient:
    return BmsClient(settings, sleep=lambda s: None, **kwargs)


def _recording_session() -> tuple[requests.Session, list[requests.PreparedRequest]]:
    """A real requests.Session that remembers every request it sent."""
    session = requests.Session()
    sent: list[requests.PreparedRequest] = []
    session.hooks["response"].append(lambda resp, *a, **k: sent.append(resp.request))
    return session, sent


# -- sign-in ------------------------------------------------------------------------------------


def test_sign_in_and_userinfo_names_the_tenant(bms_client):
    info = bms_client.userinfo()
    assert info["BusinessName"] == bms_demo.BUSINESS_NAME
    assert info["EmailAddress"] == bms_client.settings.username
    assert bms_client.auth.sign_ins == 1
    assert bms_client.auth.refreshes == 0


def test_userinfo_keys_keep_the_documents_spelling(bms_client):
    """The envelope promises every key spelt as the document spells it (UserInfoOutputDto has
    TimeStamp and PictureUrl, additionalProperties false)."""
    info = bms_client.userinfo()
    assert openapi.errors("UserInfoOutputDto", info) == []


@pytest.mark.parametrize(
    "change",
    [{"password": Secret("not-the-password")}, {"tenant": "NoSuchTenant"}],
    ids=["wrong-password", "wrong-tenant"],
)
def test_wrong_credentials_raise_the_servers_message(bms_settings, change):
    client = _client(dataclasses.replace(bms_settings, **change))
    with pytest.raises(BmsAuthError) as caught:
        client.userinfo()
    err = caught.value
    assert err.message == BAD_CREDENTIALS
    assert err.code == 401
    assert err.endpoint == AUTHENTICATE
    assert BAD_CREDENTIALS in str(err) and "401" in str(err)
    assert client.auth.session is None
    assert client.calls["GET /v2/security/userinfo"] == 0  # never called without a token


def test_session_token_is_cached(bms_client):
    bms_client.userinfo()
    first = bms_client.auth.session.access_token.reveal()
    bms_client.userinfo()
    bms_client.result("GET", "/v2/admin/finance/chartofaccounts/types")
    assert bms_client.auth.sign_ins == 1
    assert bms_client.auth.refreshes == 0
    assert bms_client.auth.session.access_token.reveal() == first
    assert bms_client.calls["GET /v2/security/userinfo"] == 2


# -- refresh and sign-in again ---------------------------------------------------------------


def test_expired_token_is_refreshed_and_the_call_replayed(sandbox, bms_client):
    bms_client.userinfo()
    old = bms_client.auth.session.access_token.reveal()
    before = bms_stats(sandbox)["refresh_count"]
    resp = requests.post(
        f"{sandbox.bms_url}/_sandbox/expire-tokens", headers=sandbox.control_headers(), timeout=10
    )
    assert resp.json()["expired"] >= 1

    info = bms_client.userinfo()

    assert info["BusinessName"] == bms_demo.BUSINESS_NAME
    assert bms_client.auth.refreshes == 1
    assert bms_client.auth.sign_ins == 1
    assert bms_stats(sandbox)["refresh_count"] == before + 1
    assert bms_client.auth.session.access_token.reveal() != old
    assert bms_client.calls["GET /v2/security/userinfo"] == 3  # ok, 401, replay


def test_injected_401_renews_once_and_replays(sandbox, bms_client):
    bms_client.userinfo()
    sandbox_settings(sandbox, bms_fail_next=["401"])
    assert bms_client.userinfo()["BusinessName"] == bms_demo.BUSINESS_NAME
    assert bms_client.auth.refreshes == 1
    assert bms_client.calls["GET /v2/security/userinfo"] == 3


def test_access_token_near_expiry_is_refreshed_before_the_call(sandbox, bms_settings):
    # 50 s of life is inside the client's 60 s margin: the next call refreshes first.
    sandbox_settings(sandbox, bms_access_token_ttl=50)
    client = _client(bms_settings)
    client.userinfo()
    client.userinfo()
    assert client.auth.sign_ins == 1
    assert client.auth.refreshes == 1
    assert client.calls["GET /v2/security/userinfo"] == 2  # no 401, no replay


def test_revoked_refresh_token_leads_to_a_new_sign_in(sandbox, bms_client):
    bms_client.userinfo()
    session = bms_client.auth.session
    # Someone else uses the client's refresh token: the server rotates the pair away.
    resp = requests.post(
        f"{sandbox.bms_url}/v2/security/refreshtoken",
        files={
            "AccessToken": (None, session.access_token.reveal()),
            "RefreshToken": (None, session.refresh_token.reveal()),
        },
        timeout=10,
    )
    assert resp.json()["Success"] is True

    info = bms_client.userinfo()

    assert info["BusinessName"] == bms_demo.BUSINESS_NAME
    assert bms_client.auth.sign_ins == 2
    assert bms_client.auth.refreshes == 0


def test_refresh_token_too_close_to_expiry_signs_in_without_refreshing(sandbox, bms_settings):
    sandbox_settings(sandbox, bms_refresh_token_ttl=30)  # inside REFRESH_MARGIN
    client = _client(bms_settings)
    client.userinfo()
    before = bms_stats(sandbox)["refresh_count"]
    requests.post(
        f"{sandbox.bms_url}/_sandbox/expire-tokens", headers=sandbox.control_headers(), timeout=10
    ).raise_for_status()

    assert client.userinfo()["BusinessName"] == bms_demo.BUSINESS_NAME
    assert client.auth.sign_ins == 2
    assert client.auth.refreshes == 0
    assert bms_stats(sandbox)["refresh_count"] == before


# -- MFA --------------------------------------------------------------------------------------


def test_mfa_code_required_when_the_tenant_asks_for_one(sandbox, bms_settings):
    sandbox_settings(sandbox, bms_mfa_code="482913")
    with pytest.raises(BmsAuthError) as caught:
        _client(bms_settings).userinfo()
    assert "MFA" in caught.value.message
    assert caught.value.code == 401

    with pytest.raises(BmsAuthError, match="MFA"):
        _client(dataclasses.replace(bms_settings, mfa_code=Secret("000000"))).userinfo()

    client = _client(dataclasses.replace(bms_settings, mfa_code=Secret("482913")))
    assert client.userinfo()["BusinessName"] == bms_demo.BUSINESS_NAME
    assert client.auth.sign_ins == 1


# -- secrets ----------------------------------------------------------------------------------


def test_password_never_in_reprs(bms_settings, bms_client):
    password = bms_settings.password.reveal()
    assert password
    bms_client.userinfo()
    access = bms_client.auth.session.access_token.reveal()
    mfa_settings = dataclasses.replace(bms_settings, mfa_code=Secret("482913"))
    for text in (
        repr(bms_client),
        repr(bms_client.auth),
        repr(bms_settings),
        repr(mfa_settings),
        repr(bms_client.auth.session),
        str(bms_settings.password),
    ):
        assert password not in text
        assert access not in text
        assert "482913" not in text


def test_password_from_the_keyring(bms_settings, memory_keyring):
    password = bms_settings.password.reveal()
    no_password = dataclasses.replace(bms_settings, password=Secret(""))
    memory_keyring.set_password(KEYRING_SERVICE, keyring_user(no_password), password)
    assert keyring_user(no_password) == f"{no_password.tenant}/{no_password.username}"

    client = _client(no_password)
    assert client.userinfo()["BusinessName"] == bms_demo.BUSINESS_NAME
    assert client.auth.sign_ins == 1


def test_wrong_password_in_the_keyring_is_refused(bms_settings, memory_keyring):
    no_password = dataclasses.replace(bms_settings, password=Secret(""))
    memory_keyring.set_password(KEYRING_SERVICE, keyring_user(no_password), "stale")
    with pytest.raises(BmsAuthError, match="Invalid company name"):
        _client(no_password).userinfo()


def test_no_password_anywhere_is_a_config_error(bms_settings, memory_keyring):
    no_password = dataclasses.replace(bms_settings, password=Secret(""))
    client = _client(no_password)
    client.auth.password_source = lambda s: default_password_source(s, prompt=False)
    with pytest.raises(ConfigError, match="RECONCILE_BMS_PASSWORD"):
        client.userinfo()
    assert client.auth.sign_ins == 0


def test_prompt_that_cannot_ask_is_a_config_error(bms_settings, memory_keyring, monkeypatch):
    def no_terminal(prompt: str = "") -> str:
        raise EOFError("no terminal")

    monkeypatch.setattr(getpass, "getpass", no_terminal)
    client = _client(dataclasses.replace(bms_settings, password=Secret("")))
    with pytest.raises(ConfigError, match="RECONCILE_BMS_PASSWORD"):
        client.userinfo()


# -- the sign-in form -------------------------------------------------------------------------


def test_client_posts_multipart_form(bms_settings):
    session, sent = _recording_session()
    client = BmsClient(bms_settings, http=session, sleep=lambda s: None)
    client.userinfo()
    (auth_request,) = [r for r in sent if r.path_url == AUTHENTICATE]
    assert auth_request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    body = auth_request.body.decode()
    for name in ("GrantType", "UserName", "Password", "Tenant"):
        assert f'name="{name}"' in body
    assert 'name="MFACode"' not in body  # not sent when there is none


def test_urlencoded_camel_case_form_also_signs_in(sandbox):
    ident = sandbox.bms_identity
    resp = requests.post(
        f"{sandbox.bms_url}{AUTHENTICATE}",
        data={
            "grantType": "password",
            "userName": ident["username"],
            "password": ident["password"],
            "tenant": ident["tenant"],
        },
        timeout=10,
    )
    body = resp.json()
    assert resp.status_code == 200 and body["Success"] is True
    token = body["Result"]["AccessToken"]
    info = requests.get(
        f"{sandbox.bms_url}/v2/security/userinfo",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert info.status_code == 200
    assert info.json()["Result"]["BusinessName"] == bms_demo.BUSINESS_NAME


def test_urlencoded_form_with_wrong_password_is_refused(sandbox):
    ident = sandbox.bms_identity
    resp = requests.post(
        f"{sandbox.bms_url}{AUTHENTICATE}",
        data={
            "grantType": "password",
            "userName": ident["username"],
            "password": "x",
            "tenant": ident["tenant"],
        },
        timeout=10,
    )
    body = resp.json()
    assert body["Success"] is False
    assert body["Error"]["Message"] == BAD_CREDENTIALS
    assert body.get("Result") is None
