"""Unit tests of configuration loading (profiles, env overrides, secret handling)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from reconcile.config import QboSettings, load_config
from reconcile.errors import ConfigError
from reconcile.secret import Secret

SECRET = "s3cr3t-client-secret-value"

SANDBOX_TOML = """
profile = "sandbox"
[qbo]
base_url = "http://127.0.0.1:5001/"
auth_url = "http://127.0.0.1:5002/authorize"
token_url = "http://127.0.0.1:5002/token"
revoke_url = "http://127.0.0.1:5002/revoke"
client_id = "sandbox-client"
redirect_uri = "http://127.0.0.1:5003/callback"
realm_id = "4620816365"
time_scale = 60
"""


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    """No RECONCILE_* variable leaks in from the session (conftest sets RECONCILE_CONFIG)."""
    for name in list(os.environ):
        if name.startswith("RECONCILE_"):
            monkeypatch.delenv(name)


def write_config(tmp_path: Path, monkeypatch, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    path.chmod(mode)
    monkeypatch.setenv("RECONCILE_CONFIG", str(path))
    return path


def test_sandbox_profile_reads_the_file(tmp_path, monkeypatch):
    path = write_config(tmp_path, monkeypatch, SANDBOX_TOML)
    cfg = load_config()
    q = cfg.qbo
    assert cfg.profile == "sandbox"
    assert cfg.path == path
    assert q.base_url == "http://127.0.0.1:5001"  # trailing slash dropped
    assert q.token_url == "http://127.0.0.1:5002/token"
    assert q.client_id == "sandbox-client"
    assert q.realm_id == "4620816365"
    assert q.time_scale == 60.0
    assert q.token_file == tmp_path / "qbo-tokens-sandbox.json"
    assert not q.client_secret
    assert q.all_loopback


@pytest.mark.parametrize(
    ("profile", "base_url"),
    [
        ("intuit-sandbox", "https://sandbox-quickbooks.api.intuit.com"),
        ("production", "https://quickbooks.api.intuit.com"),
    ],
)
def test_intuit_profiles_fill_in_intuit_urls(tmp_path, monkeypatch, profile, base_url):
    write_config(tmp_path, monkeypatch, f'profile = "{profile}"\n[qbo]\nclient_id = "app-id"\n')
    monkeypatch.setenv("RECONCILE_QBO_CLIENT_SECRET", SECRET)
    q = load_config().qbo
    assert q.base_url == base_url
    assert q.auth_url == "https://appcenter.intuit.com/connect/oauth2"
    assert q.token_url == "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
    assert q.revoke_url == "https://developer.api.intuit.com/v2/oauth2/tokens/revoke"
    assert q.client_secret.reveal() == SECRET
    assert q.token_file.name == f"qbo-tokens-{profile}.json"
    assert not q.all_loopback
    q.check()  # complete and secure


def test_intuit_profile_needs_no_file(tmp_path, monkeypatch):
    monkeypatch.setenv("RECONCILE_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("RECONCILE_PROFILE", "production")
    cfg = load_config()
    assert cfg.profile == "production"
    assert cfg.path is None
    assert cfg.qbo.base_url == "https://quickbooks.api.intuit.com"


def test_env_overrides_win_over_the_file(tmp_path, monkeypatch):
    write_config(tmp_path, monkeypatch, SANDBOX_TOML)
    monkeypatch.setenv("RECONCILE_QBO_BASE_URL", "http://127.0.0.1:9999")
    monkeypatch.setenv("RECONCILE_QBO_REALM_ID", "42")
    monkeypatch.setenv("RECONCILE_QBO_TIME_SCALE", "2")
    monkeypatch.setenv("RECONCILE_PROFILE", "sandbox")
    q = load_config().qbo
    assert q.base_url == "http://127.0.0.1:9999"
    assert q.realm_id == "42"
    assert q.time_scale == 2.0
    assert q.client_id == "sandbox-client"  # not overridden: from the file


def test_explicit_path_argument(tmp_path):
    path = tmp_path / "other.toml"
    path.write_text(SANDBOX_TOML)
    assert load_config(path).qbo.client_id == "sandbox-client"


def test_unknown_profile(tmp_path, monkeypatch):
    write_config(tmp_path, monkeypatch, 'profile = "staging"\n')
    with pytest.raises(ConfigError, match="unknown profile 'staging'"):
        load_config()


def test_unknown_qbo_key(tmp_path, monkeypatch):
    write_config(tmp_path, monkeypatch, SANDBOX_TOML + 'client_sekret = "x"\n')
    with pytest.raises(ConfigError, match=r"unknown key\(s\) in \[qbo\]: client_sekret"):
        load_config()


def test_invalid_toml(tmp_path, monkeypatch):
    path = write_config(tmp_path, monkeypatch, "[qbo\nbase_url = \n")
    with pytest.raises(ConfigError, match="not valid TOML") as info:
        load_config()
    assert str(path) in str(info.value)


def test_bad_value_in_qbo(tmp_path, monkeypatch):
    write_config(tmp_path, monkeypatch, SANDBOX_TOML.replace("time_scale = 60", 'time_scale = "x"'))
    with pytest.raises(ConfigError, match="bad value"):
        load_config()


def test_missing_sandbox_config(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere" / "config.toml"
    monkeypatch.setenv("RECONCILE_CONFIG", str(missing))
    with pytest.raises(ConfigError, match="no configuration at") as info:
        load_config()
    assert "python -m reconcile sandbox" in str(info.value)


def test_secret_in_world_readable_file_is_refused(tmp_path, monkeypatch):
    write_config(tmp_path, monkeypatch, SANDBOX_TOML + f'client_secret = "{SECRET}"\n', 0o644)
    with pytest.raises(ConfigError, match="chmod 600") as info:
        load_config()
    assert "0644" in str(info.value)
    assert SECRET not in str(info.value)


def test_secret_in_private_file_is_accepted(tmp_path, monkeypatch):
    write_config(tmp_path, monkeypatch, SANDBOX_TOML + f'client_secret = "{SECRET}"\n', 0o600)
    assert load_config().qbo.client_secret.reveal() == SECRET


def test_world_readable_file_without_secret_is_fine(tmp_path, monkeypatch):
    write_config(tmp_path, monkeypatch, SANDBOX_TOML, 0o644)
    assert load_config().qbo.client_id == "sandbox-client"


def test_time_scale_refused_outside_the_sandbox(tmp_path, monkeypatch):
    write_config(tmp_path, monkeypatch, 'profile = "production"\n[qbo]\ntime_scale = 60\n')
    with pytest.raises(ConfigError, match="time_scale"):
        load_config()


def test_reprs_never_show_the_secret(tmp_path, monkeypatch):
    write_config(tmp_path, monkeypatch, SANDBOX_TOML)
    monkeypatch.setenv("RECONCILE_QBO_CLIENT_SECRET", SECRET)
    cfg = load_config()
    assert cfg.qbo.client_secret.reveal() == SECRET
    for text in (repr(cfg), str(cfg), repr(cfg.qbo), str(cfg.qbo), str(cfg.describe())):
        assert SECRET not in text


# --- QboSettings.check -------------------------------------------------------------------------


def settings(**changes) -> QboSettings:
    base = QboSettings(
        base_url="https://quickbooks.api.intuit.com",
        auth_url="https://appcenter.intuit.com/connect/oauth2",
        token_url="https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
        revoke_url="https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
        client_id="app-id",
        client_secret=Secret(SECRET),
        redirect_uri="http://127.0.0.1:8765/callback",
        realm_id="1",
        token_file=Path("/tmp/tokens.json"),
    )
    return dataclasses.replace(base, **changes)


def test_check_accepts_https_and_loopback_http():
    settings().check()
    settings(base_url="http://127.0.0.1:1234", token_url="http://localhost:1234/t").check()
    settings(base_url="http://[::1]:1234").check()


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "http://example.com/127.0.0.1",
        "http://127.0.0.1@example.com/",
        "http://127.attacker.example/",  # a host name that merely starts with "127."
        "ftp://127.0.0.1/",
    ],
)
def test_check_refuses_plain_http_to_other_hosts(url):
    with pytest.raises(ConfigError, match="must use https"):
        settings(token_url=url).check()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"base_url": ""}, "base_url is not set"),
        ({"client_id": ""}, "client_id is not set"),
        ({"client_secret": Secret(None)}, "RECONCILE_QBO_CLIENT_SECRET"),
        ({"time_scale": 0.0}, "time_scale must be > 0"),
    ],
)
def test_check_reports_what_is_missing(changes, message):
    with pytest.raises(ConfigError, match=message):
        settings(**changes).check()


# -- [bms] -------------------------------------------------------------------------------------

PRODUCTION_BMS = """
profile = "production"
[qbo]
client_id = "app"
realm_id = "123"
[bms]
region = "emea"
tenant = "Acme IT"
username = "api@acme.example"
"""


def test_bms_region_gives_the_regional_host_and_realm_as_external_tenant(tmp_path, monkeypatch):
    write_config(tmp_path, monkeypatch, PRODUCTION_BMS)
    monkeypatch.setenv("RECONCILE_QBO_CLIENT_SECRET", SECRET)
    bms = load_config().bms
    assert bms.base_url == "https://api.bmsemea.kaseya.com"
    assert (bms.tenant, bms.username) == ("Acme IT", "api@acme.example")
    assert bms.external_tenant_id == "123"
    assert bms.configured and not bms.password
    bms.check()


def test_bms_password_from_the_environment_never_shows(tmp_path, monkeypatch):
    write_config(tmp_path, monkeypatch, PRODUCTION_BMS)
    monkeypatch.setenv("RECONCILE_BMS_PASSWORD", "hunter2-bms")
    cfg = load_config()
    assert cfg.bms.password.reveal() == "hunter2-bms"
    assert "hunter2-bms" not in repr(cfg) + repr(cfg.bms) + str(cfg.describe())


def test_bms_unknown_region_and_key_are_named(tmp_path, monkeypatch):
    write_config(tmp_path, monkeypatch, PRODUCTION_BMS.replace('"emea"', '"mars"'))
    with pytest.raises(ConfigError, match=r"bms\.region 'mars'"):
        load_config()
    write_config(tmp_path, monkeypatch, PRODUCTION_BMS + 'colour = "blue"\n')
    with pytest.raises(ConfigError, match=r"unknown key\(s\) in \[bms\]: colour"):
        load_config()


def test_bms_password_in_a_readable_file_is_refused(tmp_path, monkeypatch):
    text = PRODUCTION_BMS + 'password = "in-the-file"\n'
    write_config(tmp_path, monkeypatch, text, mode=0o644)
    with pytest.raises(ConfigError, match="RECONCILE_BMS_PASSWORD"):
        load_config()
    write_config(tmp_path, monkeypatch, text, mode=0o600)
    assert load_config().bms.password.reveal() == "in-the-file"


def test_bms_sandbox_only_settings_and_insecure_hosts(tmp_path, monkeypatch):
    write_config(tmp_path, monkeypatch, PRODUCTION_BMS + "time_scale = 60\n")
    with pytest.raises(ConfigError, match=r"bms\.time_scale is a sandbox setting"):
        load_config()
    write_config(
        tmp_path,
        monkeypatch,
        PRODUCTION_BMS.replace('region = "emea"', 'base_url = "http://bms.example"'),
    )
    with pytest.raises(ConfigError, match="must use https"):
        load_config().bms.check()
    write_config(tmp_path, monkeypatch, PRODUCTION_BMS + "page_size = 5000\n")
    with pytest.raises(ConfigError, match=r"page_size must be 1\.\.1000"):
        load_config().bms.check()
