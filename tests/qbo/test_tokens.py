"""Unit tests of the token file: private, atomic, locked across processes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading

import pytest

from reconcile.qbo.tokens import TokenLockError, TokenSet, TokenStore
from reconcile.secret import Secret

ACCESS = "eyJ-access-token-value-123"
REFRESH = "AB11-refresh-token-value-456"

LOCK_PROBE = """
import sys
from filelock import FileLock, Timeout
try:
    FileLock(sys.argv[1]).acquire(timeout=0.2)
except Timeout:
    sys.exit(3)
sys.exit(0)
"""


def tokens(access: str = ACCESS, refresh: str = REFRESH, now: float = 1000.0) -> TokenSet:
    body = {
        "access_token": access,
        "refresh_token": refresh,
        "expires_in": 3600,
        "x_refresh_token_expires_in": 8726400,
    }
    return TokenSet.from_response(body, realm_id=9130, now=now)


@pytest.fixture()
def store(tmp_path) -> TokenStore:
    return TokenStore(tmp_path / "private" / "tokens.json")


# --- TokenSet ----------------------------------------------------------------------------------


def test_from_response_makes_relative_times_absolute():
    ts = tokens(now=1000.0)
    assert ts.access_token.reveal() == ACCESS
    assert ts.refresh_token.reveal() == REFRESH
    assert ts.realm_id == "9130"
    assert ts.expires_at == 4600.0
    assert ts.refresh_expires_at == 1000.0 + 8726400
    assert ts.obtained_at == 1000.0


def test_from_response_without_refresh_expiry():
    body = {"access_token": "a", "refresh_token": "r", "expires_in": 60}
    ts = TokenSet.from_response(body, "1", now=0.0)
    assert ts.expires_at == 60.0
    assert ts.refresh_expires_at is None


def test_expired_uses_margin():
    ts = tokens(now=1000.0)  # expires at 4600
    assert not ts.expired(now=4539.0)
    assert ts.expired(now=4540.0)  # within the default 60 s margin
    assert not ts.expired(margin=0, now=4599.9)
    assert ts.expired(margin=0, now=4600.0)


def test_repr_and_str_never_show_token_values():
    ts = tokens()
    for text in (repr(ts), str(ts)):
        assert ACCESS not in text
        assert REFRESH not in text
        assert "9130" in text  # the rest is still there


# --- TokenStore: files -------------------------------------------------------------------------


def test_save_creates_a_private_file_that_round_trips(store):
    ts = tokens()
    store.save(ts)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert json.loads(store.path.read_text())["refresh_token"] == REFRESH
    assert store.load() == ts


def test_save_leaves_no_temporary_files(store):
    store.save(tokens())
    store.save(tokens(access="second"))
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["tokens.json"]


def test_save_mode_does_not_depend_on_umask(store):
    old = os.umask(0)
    try:
        store.save(tokens())
    finally:
        os.umask(old)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_overwrite_replaces_the_file(store):
    store.save(tokens())
    first_inode = store.path.stat().st_ino
    store.save(tokens(access="new-access", refresh="new-refresh"))
    assert store.path.stat().st_ino != first_inode
    data = json.loads(store.path.read_text())
    assert (data["access_token"], data["refresh_token"]) == ("new-access", "new-refresh")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_readers_never_see_partial_json(store):
    store.save(tokens())
    done = threading.Event()

    def writer():
        for i in range(200):
            store.save(tokens(refresh="r" * (i * 50 + 1)))
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    reads = 0
    while not done.is_set():
        data = json.loads(store.path.read_text())  # raises on a half-written file
        assert data["realm_id"] == "9130"
        reads += 1
    thread.join(10)
    assert reads > 0
    assert store.load().refresh_token.reveal() == "r" * (199 * 50 + 1)


def test_load_missing_file_is_none(store):
    assert store.load() is None
    assert store.disconnect_reason() is None


@pytest.mark.parametrize("content", ["{not json", "", "[1, 2]", '{"realm_id": "1"}'])
def test_load_corrupt_file_is_none_and_says_it_is_unreadable(store, content):
    store.path.parent.mkdir(parents=True)
    store.path.write_text(content)
    assert store.load() is None
    assert "unreadable" in store.problem()


def test_a_good_or_missing_or_disconnected_token_file_has_no_problem(store):
    assert store.problem() is None
    store.mark_disconnected("invalid_grant")
    assert store.problem() is None


def test_mark_disconnected_replaces_tokens_by_reason(store):
    store.save(tokens())
    store.mark_disconnected("invalid_grant")
    assert store.load() is None
    assert store.disconnect_reason() == "invalid_grant"
    assert REFRESH not in store.path.read_text()
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_disconnect_reason_is_none_while_connected(store):
    store.save(tokens())
    assert store.disconnect_reason() is None


def test_clear_removes_the_file_and_is_idempotent(store):
    store.save(tokens())
    store.clear()
    assert not store.path.exists()
    assert store.load() is None
    store.clear()  # no error when already gone


def test_store_repr_shows_path_not_tokens(store):
    store.save(tokens())
    assert "tokens.json" in repr(store)
    assert ACCESS not in repr(store)


def test_secret_wrapper_hides_value():
    s = Secret(ACCESS)
    assert ACCESS not in repr(s) and ACCESS not in str(s) and ACCESS not in f"{s}"
    assert s.reveal() == ACCESS


# --- TokenStore: inter-process lock ------------------------------------------------------------


def probe_lock(path) -> int:
    cmd = [sys.executable, "-c", LOCK_PROBE, str(path) + ".lock"]
    return subprocess.run(cmd, timeout=30).returncode


def test_lock_excludes_another_process(store):
    with store.lock():
        assert store.locked
        assert probe_lock(store.path) == 3  # timed out
    assert not store.locked
    assert probe_lock(store.path) == 0  # acquired once released


def test_lock_is_reentrant_in_process(store):
    with store.lock(), store.lock():
        assert store.locked
    assert not store.locked


HOLD_LOCK = """
import sys, time
from reconcile.qbo.tokens import TokenStore
with TokenStore(sys.argv[1]).lock():
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_lock_held_elsewhere_is_waited_for_a_bounded_time_naming_the_holder(store):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(store.path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        refused = pytest.raises(TokenLockError, match=rf"locked by process {holder.pid}@.* 1 s")
        with refused, store.lock(timeout=1.0):
            pytest.fail("two holders at once")
    finally:
        holder.kill()
        holder.wait()
    with store.lock(timeout=5.0):  # the holder is gone: the lock is free
        assert store.locked
