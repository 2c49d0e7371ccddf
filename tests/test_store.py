"""Unit tests of the link store + sync log (reconcile.store)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from reconcile.config import load_config
from reconcile.errors import ReconcileError
from reconcile.store import (
    LINK_COLUMNS,
    LOG_COLUMNS,
    RUN_COLUMNS,
    LinkConflictError,
    PendingCreateError,
    ReadOnlyStoreError,
    SchemaVersionError,
    StoreBusyError,
    SyncStore,
)

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture
def store(tmp_path):
    s = SyncStore(tmp_path / "state" / "store.sqlite")
    yield s
    s.close()


def count_log_rows(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT COUNT(*) FROM log").fetchone()[0]


# -- reading --------------------------------------------------------------------------------


def test_a_store_reading_refuses_writes_from_its_thread_only(store):
    store.link("customer", "1", "10")
    with store.reading("the first look"):
        assert store.qbo_id("customer", "1") == "10"  # reads go on
        with pytest.raises(ReadOnlyStoreError, match="the first look only reads"):
            store.link("customer", "2", "20")
        with store.reading("a plan inside it"), pytest.raises(ReadOnlyStoreError, match="first"):
            store.start_run("customer", "send")
        assert store.pending_of("customer") == {}  # still refusing after the inner block
        with pytest.raises(ReadOnlyStoreError):
            store.begin_create("customer", "3", "r-3")
        other = threading.Thread(target=store.link, args=("customer", "4", "40"))
        other.start()
        other.join()  # a send under way in another thread writes as usual
    assert store.qbo_id("customer", "4") == "40" and store.qbo_id("customer", "2") is None
    store.link("customer", "2", "20")  # and writes again after the block
    assert store.qbo_id("customer", "2") == "20"


# -- links ---------------------------------------------------------------------------------


def test_link_lookup_both_ways_and_unlink(store):
    store.link("customer", "B1", "Q10", qbo_name="Acme", sync_token="0")
    store.link("item", "B1", "Q99")
    assert store.qbo_id("customer", "B1") == "Q10"
    assert store.bms_id("customer", "Q10") == "B1"
    assert store.qbo_id("item", "B1") == "Q99"  # kinds are separate namespaces
    assert store.bms_id("item", "Q10") is None
    assert store.qbo_id("customer", "B2") is None

    store.unlink("customer", "B1")
    assert store.qbo_id("customer", "B1") is None
    assert store.bms_id("customer", "Q10") is None
    assert store.qbo_id("item", "B1") == "Q99"
    store.unlink("customer", "nope")  # no error when nothing is linked


def test_integer_ids_are_stored_as_text(store):
    store.link("invoice", 1234, 56)
    assert store.qbo_id("invoice", "1234") == "56"
    assert store.bms_id("invoice", 56) == "1234"


def test_one_qbo_id_cannot_be_linked_to_two_bms_ids(store):
    store.link("customer", "B1", "Q10")
    with pytest.raises(LinkConflictError) as info:
        store.link("customer", "B2", "Q10")
    message = str(info.value)
    assert "B1" in message and "B2" in message and "Q10" in message
    assert isinstance(info.value, ReconcileError)
    # nothing changed, and another kind may use the same QBO id
    assert store.bms_id("customer", "Q10") == "B1"
    assert store.qbo_id("customer", "B2") is None
    store.link("item", "B2", "Q10")
    assert store.bms_id("item", "Q10") == "B2"


def test_relink_same_pair_updates_token_and_fingerprint(store):
    store.link("customer", "B1", "Q10", sync_token="0", fingerprint="f0", qbo_name="Acme")
    first = store.links("customer").iloc[0]
    time.sleep(0.002)
    store.link("customer", "B1", "Q10", sync_token="1", fingerprint="f1")
    row = store.links("customer").iloc[0]
    assert row["sync_token"] == "1"
    assert row["fingerprint"] == "f1"
    assert row["qbo_name"] == "Acme"  # not given -> kept
    assert row["linked_at"] == first["linked_at"]
    assert row["updated_at"] > first["updated_at"]
    assert len(store.links()) == 1


def test_relink_bms_id_to_another_qbo_id_replaces_link(store):
    store.link("customer", "B1", "Q10", sync_token="5")
    store.link("customer", "B1", "Q11")
    assert store.qbo_id("customer", "B1") == "Q11"
    assert store.bms_id("customer", "Q10") is None
    assert store.links().iloc[0]["sync_token"] is None  # the old record's token is gone


def test_links_columns_and_order(store):
    store.link("item", "B2", "Q2")
    store.link("customer", "B9", "Q9")
    store.link("customer", "B1", "Q1")
    store.link("item", "B1", "Q3")
    frame = store.links()
    assert list(frame.columns) == LINK_COLUMNS
    assert list(frame.columns) == [
        "kind",
        "bms_id",
        "qbo_id",
        "qbo_name",
        "sync_token",
        "fingerprint",
        "origin",
        "linked_at",
        "updated_at",
    ]
    assert list(zip(frame["kind"], frame["bms_id"], strict=True)) == [
        ("customer", "B1"),
        ("customer", "B9"),
        ("item", "B1"),
        ("item", "B2"),
    ]
    assert all(ISO_Z.match(v) for v in frame["linked_at"])
    assert all(ISO_Z.match(v) for v in frame["updated_at"])
    assert list(store.links("item")["qbo_id"]) == ["Q3", "Q2"]
    empty = store.links("term")
    assert empty.empty and list(empty.columns) == LINK_COLUMNS


# -- runs and log --------------------------------------------------------------------------


def test_runs_log_entries_and_counts(store):
    run = store.start_run("customer", "send", user="alice", details={"selected": 3})
    assert re.fullmatch(r"[0-9a-f]{32}", run)
    other = store.start_run("payment", "import-payments", user="bob")
    ids = [
        store.log(run, kind="customer", action="create", outcome="ok", bms_id="B1", qbo_id="Q1"),
        store.log(
            run,
            kind="customer",
            action="error",
            outcome="failed",
            bms_id="B2",
            code="6240",
            message="Duplicate Name Exists Error",
            request_id="req-2",
            details={"http_status": 400, "sync_token": "0"},
        ),
        store.log(run, kind="customer", action="unchanged", outcome="skipped", bms_id="B3"),
        store.log(None, kind="customer", action="link", outcome="ok", bms_id="B4"),
    ]
    assert ids == sorted(ids) and len(set(ids)) == 4
    store.finish_run(run, outcome="partial")

    runs = store.runs()
    assert list(runs.columns) == RUN_COLUMNS
    assert list(runs["run_id"]) == [run, other]
    first = runs.iloc[0]
    assert (first["kind"], first["action"], first["user"]) == ("customer", "send", "alice")
    assert (first["entries"], first["failed"], first["outcome"]) == (3, 1, "partial")
    assert ISO_Z.match(first["started_at"]) and ISO_Z.match(first["finished_at"])
    second = runs.iloc[1]
    assert (second["entries"], second["failed"]) == (0, 0)
    assert second["outcome"] is None and second["finished_at"] is None

    entry = store.log_frame(run_id=run).iloc[1]
    assert entry["id"] == ids[1]
    assert (entry["code"], entry["request_id"]) == ("6240", "req-2")
    assert entry["message"] == "Duplicate Name Exists Error"
    assert entry["details"] == {"http_status": 400, "sync_token": "0"}


def test_finish_run_checks_outcome_and_run(store):
    run = store.start_run("item", "send")
    with pytest.raises(ValueError, match="outcome"):
        store.finish_run(run, outcome="done")
    with pytest.raises(ValueError, match="unknown run"):
        store.finish_run("0" * 32, outcome="ok")
    store.finish_run(run, outcome="interrupted")
    with pytest.raises(ValueError, match="already finished"):
        store.finish_run(run, outcome="ok")
    assert store.runs().iloc[0]["outcome"] == "interrupted"


def test_log_validates_outcome_and_run(store):
    with pytest.raises(ValueError, match="outcome"):
        store.log(None, kind="item", action="create", outcome="great")
    with pytest.raises(ValueError, match="unknown run"):
        store.log("f" * 32, kind="item", action="create", outcome="ok")
    assert store.log_frame().empty


def test_log_is_append_only(store):
    store.log(None, kind="item", action="create", outcome="ok")
    with sqlite3.connect(store.path) as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute("DELETE FROM log")
    assert len(store.log_frame()) == 1


def test_log_frame_filters(store):
    run_a = store.start_run("customer", "send")
    run_b = store.start_run("item", "send")
    store.log(run_a, kind="customer", action="create", outcome="ok", bms_id="C1")
    store.log(run_a, kind="customer", action="error", outcome="failed", bms_id="C2")
    time.sleep(0.01)
    cut = datetime.now(UTC)
    time.sleep(0.01)
    store.log(run_b, kind="item", action="create", outcome="ok", bms_id="I1")
    store.log(run_b, kind="item", action="blocked", outcome="blocked", bms_id="I2")
    store.log(None, kind="customer", action="update", outcome="failed", bms_id="C3")

    everything = store.log_frame()
    assert list(everything.columns) == LOG_COLUMNS
    assert list(everything["bms_id"]) == ["C1", "C2", "I1", "I2", "C3"]  # newest last
    assert everything["id"].is_monotonic_increasing
    assert all(ISO_Z.match(v) for v in everything["at"])
    assert all(d == {} for d in everything["details"])

    assert list(store.log_frame(run_id=run_a)["bms_id"]) == ["C1", "C2"]
    assert list(store.log_frame(kind="item")["bms_id"]) == ["I1", "I2"]
    assert list(store.log_frame(outcome="failed")["bms_id"]) == ["C2", "C3"]
    assert list(store.log_frame(since=cut)["bms_id"]) == ["I1", "I2", "C3"]
    assert list(store.log_frame(since=cut, kind="customer", outcome="failed")["bms_id"]) == ["C3"]
    assert store.log_frame(since=datetime.now(UTC) + timedelta(hours=1)).empty
    # `since` is inclusive and timezone-aware datetimes in any zone work
    third_at = datetime.fromisoformat(everything.iloc[2]["at"].replace("Z", "+00:00"))
    east = third_at.astimezone(timezone(timedelta(hours=5)))
    assert list(store.log_frame(since=east)["bms_id"]) == ["I1", "I2", "C3"]
    with pytest.raises(ValueError, match="timezone"):
        store.log_frame(since=datetime.now())  # naive: ambiguous, refused


def test_export_log_csv_round_trips(store, tmp_path):
    run = store.start_run("invoice", "send")
    store.log(
        run,
        kind="invoice",
        action="create",
        outcome="ok",
        bms_id="INV-1",
        qbo_id="145",
        request_id="r-1",
        message='Created, "quoted", comma, and ünïcode',
        details={"lines": 3, "total": "1200.50"},
    )
    store.log(run, kind="invoice", action="error", outcome="failed", bms_id="INV-2", code="610")
    store.log(None, kind="customer", action="create", outcome="ok", bms_id="C1")

    path = store.export_log_csv(tmp_path / "out" / "log.csv", kind="invoice")
    assert path == tmp_path / "out" / "log.csv" and path.exists()
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(LOG_COLUMNS)

    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    expected = store.log_frame(kind="invoice")
    assert list(back.columns) == list(expected.columns) == LOG_COLUMNS
    assert len(back) == len(expected) == 2
    assert list(back["id"].astype(int)) == list(expected["id"])
    for column in ("at", "run_id", "kind", "action", "outcome", "bms_id", "qbo_id", "message"):
        assert list(back[column]) == [("" if v is None else v) for v in expected[column]]
    assert back.loc[0, "message"] == 'Created, "quoted", comma, and ünïcode'
    assert back.loc[1, "code"] == "610"
    assert json.loads(back.loc[0, "details"]) == {"lines": 3, "total": "1200.50"}


# -- pending creates -----------------------------------------------------------------------


def test_pending_create_survives_reopen_and_end_clears(tmp_path):
    path = tmp_path / "store.sqlite"
    first = SyncStore(path)
    assert first.pending("invoice", "INV-7") is None
    first.begin_create("invoice", "INV-7", "req-abc")
    first.begin_create("invoice", "INV-7", "req-abc")  # same id again: no-op
    with pytest.raises(PendingCreateError, match="req-abc"):
        first.begin_create("invoice", "INV-7", "req-other")
    del first  # "crash": no close()

    resumed = SyncStore(path)
    assert resumed.pending("invoice", "INV-7") == "req-abc"
    assert resumed.pending("customer", "INV-7") is None
    resumed.end_create("invoice", "INV-7")
    assert resumed.pending("invoice", "INV-7") is None
    resumed.close()
    with SyncStore(path) as again:
        assert again.pending("invoice", "INV-7") is None


# -- concurrency ---------------------------------------------------------------------------


def test_two_stores_in_two_threads(tmp_path):
    path = tmp_path / "store.sqlite"
    stores = [SyncStore(path), SyncStore(path)]
    errors: list[BaseException] = []

    def write(store: SyncStore, name: str) -> None:
        try:
            for i in range(200):
                store.log(None, kind="item", action="create", outcome="ok", bms_id=f"{name}{i}")
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    pairs = zip(stores, "AB", strict=True)
    threads = [threading.Thread(target=write, args=pair) for pair in pairs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    frame = stores[0].log_frame()
    assert len(frame) == 400
    assert frame["id"].is_unique
    assert sum(b.startswith("A") for b in frame["bms_id"]) == 200
    for s in stores:
        s.close()


def test_one_store_shared_by_threads(store):
    def write() -> None:
        for _ in range(100):
            store.log(None, kind="item", action="skip", outcome="skipped")

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(store.log_frame()) == 400


CHILD = textwrap.dedent(
    """
    import sqlite3, sys, time
    from reconcile.store import SyncStore

    path = sys.argv[1]
    store = SyncStore(path)
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("BEGIN IMMEDIATE")  # hold the write lock for a while
    print("locked", flush=True)
    time.sleep(1.0)
    raw.execute("COMMIT")
    for i in range(200):
        store.log(None, kind="payment", action="import", outcome="ok", bms_id=f"P{i}")
    store.close()
    print("done", flush=True)
    """
)


def test_another_process_writing_at_the_same_time(tmp_path):
    path = tmp_path / "store.sqlite"
    store = SyncStore(path)
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=PROJECT,
        env=env,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "locked"
        started = time.monotonic()
        store.log(None, kind="item", action="create", outcome="ok", bms_id="first")
        waited = time.monotonic() - started
        for i in range(199):
            store.log(None, kind="item", action="create", outcome="ok", bms_id=f"I{i}")
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, err
    assert out.strip() == "done"
    assert waited > 0.5  # waited for the other process's lock instead of failing
    frame = store.log_frame()
    assert len(frame) == 400
    assert (frame["kind"] == "payment").sum() == 200
    store.close()


# -- secrets, schema, config ---------------------------------------------------------------


@pytest.mark.parametrize(
    "details",
    [
        {"access_token": "eyJ..."},
        {"response": {"Refresh-Token": "x"}},
        {"client_secret": "x"},
        {"attempts": [{"password": "x"}]},
    ],
)
def test_details_with_secret_keys_are_refused(store, details):
    with pytest.raises(ValueError, match="credential"):
        store.log(None, kind="customer", action="create", outcome="ok", details=details)
    with pytest.raises(ValueError, match="credential"):
        store.start_run("customer", "send", details=details)
    assert store.log_frame().empty
    assert store.runs().empty


def test_secret_values_are_refused(store):
    from reconcile.secret import Secret

    with pytest.raises(ValueError, match="Secret"):
        store.log(None, kind="item", action="create", outcome="ok", details={"x": Secret("s")})


def test_memory_store_works():
    with SyncStore(":memory:") as s:
        s.link("term", "T1", "3")
        s.log(None, kind="term", action="link", outcome="ok", bms_id="T1", qbo_id="3")
        assert s.bms_id("term", "3") == "T1"
        assert len(s.log_frame()) == 1
    with pytest.raises(ReconcileError, match="closed"):
        s.qbo_id("term", "T1")


def test_schema_version_recorded_and_newer_refused(tmp_path):
    path = tmp_path / "store.sqlite"
    SyncStore(path).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (
            "3",
        )
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        conn.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    with pytest.raises(SchemaVersionError, match="version 4"):
        SyncStore(path)


def test_a_schema_1_store_gains_link_origins_and_keeps_its_links(tmp_path):
    path = tmp_path / "store.sqlite"
    with sqlite3.connect(path) as conn:  # what reconcile wrote before links had an origin
        conn.executescript(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
            "INSERT INTO meta VALUES ('schema_version', '1');"
            "CREATE TABLE links (kind TEXT NOT NULL, bms_id TEXT NOT NULL, qbo_id TEXT NOT NULL,"
            " qbo_name TEXT, sync_token TEXT, fingerprint TEXT, linked_at TEXT NOT NULL,"
            " updated_at TEXT NOT NULL, PRIMARY KEY (kind, bms_id), UNIQUE (kind, qbo_id));"
            "INSERT INTO links VALUES ('customer', '7', '58', 'Acme', '2', NULL, 't', 't');"
        )
    with SyncStore(path) as s:
        assert s.qbo_id("customer", "7") == "58"
        assert s.origin("customer", "7") is None  # unknown: treated as linked (protected)
        s.link("customer", "8", "59", origin="created")
        assert s.origin("customer", "8") == "created"
        s.link("customer", "8", "59", sync_token="3")  # re-linking keeps the origin
        assert s.links("customer").set_index("bms_id").loc["8", "origin"] == "created"
        with pytest.raises(ValueError, match="origin must be one of"):
            s.link("customer", "9", "60", origin="found")
        assert s.chosen_names().empty  # and the names table of schema 3
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (
            "3",
        )


SANDBOX_TOML = """
profile = "sandbox"
[qbo]
base_url = "http://127.0.0.1:5001/"
auth_url = "http://127.0.0.1:5002/authorize"
token_url = "http://127.0.0.1:5002/token"
revoke_url = "http://127.0.0.1:5002/revoke"
client_id = "sandbox-client"
{realm}
"""


@pytest.mark.parametrize(
    ("realm_line", "expected"),
    [
        ('realm_id = "4620816365"', "reconcile-sandbox-4620816365.sqlite"),
        ("", "reconcile-sandbox-norealm.sqlite"),
    ],
)
def test_for_config_file_name_has_profile_and_realm(tmp_path, monkeypatch, realm_line, expected):
    for name in list(os.environ):
        if name.startswith("RECONCILE_"):
            monkeypatch.delenv(name)
    config_file = tmp_path / "config.toml"
    config_file.write_text(SANDBOX_TOML.format(realm=realm_line))
    config_file.chmod(0o600)
    monkeypatch.setenv("RECONCILE_CONFIG", str(config_file))
    config = load_config()
    with SyncStore.for_config(config) as s:
        assert Path(s.path) == config.data_dir / expected
        assert "sandbox" in Path(s.path).name
        s.link("customer", "B1", "Q1")
    assert (tmp_path / expected).exists()


def test_a_chosen_name_is_kept_for_its_bms_name_and_replaced_by_a_new_choice(tmp_path):
    with SyncStore(tmp_path / "store.sqlite") as s:
        assert s.chosen_name("customer", "1015") is None
        s.choose_name("customer", "1015", "Acme: West Division", "Acme - West Division")
        assert s.chosen_name("customer", "1015") == ("Acme: West Division", "Acme - West Division")
        s.choose_name("customer", 1015, "Acme: West Division", "Acme West")
        frame = s.chosen_names("customer")
        assert frame[["bms_id", "qbo_name"]].values.tolist() == [["1015", "Acme West"]]
        assert s.chosen_names("item").empty
        with pytest.raises(ValueError):
            s.choose_name("customer", "1015", "Acme: West Division", " ")


def test_a_store_held_by_another_process_is_one_clear_error(tmp_path, monkeypatch):
    import reconcile.store as store_module

    monkeypatch.setattr(store_module, "BUSY_TIMEOUT", 0.3)
    path = tmp_path / "store.sqlite"
    SyncStore(path).close()
    other = sqlite3.connect(path, isolation_level=None)  # a paused process, mid-write
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreBusyError, match=r"held by another process .* 0\.3 s"):
            SyncStore(path).link("customer", "1", "2")
    finally:
        other.execute("ROLLBACK")
        other.close()
