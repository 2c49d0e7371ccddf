"""The writer lease: one writing process per store; a dead holder's lease is taken over,
and its open runs read "interrupted"."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from reconcile.lease import LeaseHeldError, holder, lease
from reconcile.store import LEASE_TTL, SyncStore, owner_alive, process_owner

HOLD = textwrap.dedent(
    """
    import sys, time
    from reconcile.lease import lease
    from reconcile.store import SyncStore
    store = SyncStore(sys.argv[1])
    run = store.start_run("payment", "import")
    with lease(store, "import payments"):
        print("held", flush=True)
        time.sleep(60)
    """
)


@pytest.fixture()
def other(tmp_path):
    """Another process holding the writer lease of a store (and an open run), until killed."""
    path = tmp_path / "store.sqlite"
    SyncStore(path).close()
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "held"
    yield path, proc
    proc.kill()
    proc.wait()


def test_a_second_writer_is_refused_with_one_line_naming_the_holder(other):
    path, proc = other
    with SyncStore(path) as store:
        found = holder(store)
        assert found["owner"].startswith(f"{proc.pid}@") and found["purpose"] == "import payments"
        started = time.monotonic()
        refused = pytest.raises(LeaseHeldError, match=rf"process {proc.pid}@.*import payments")
        with refused, lease(store, "export invoices", wait=1.0):
            pytest.fail("two writers at once")
        assert time.monotonic() - started >= 1.0  # it waited, then said so
        assert store.runs()["outcome"].tolist() == [None]  # the holder's run is open


def test_a_killed_holders_lease_is_taken_over_and_its_run_reads_interrupted(other):
    path, proc = other
    proc.kill()
    proc.wait()
    with SyncStore(path) as store:
        assert holder(store) is None
        with lease(store, "export invoices"):
            assert holder(store)["owner"] == process_owner()
        assert holder(store) is None  # released
        assert store.runs()["outcome"].tolist() == ["interrupted"]


def test_the_same_process_holds_a_lease_again_without_taking_it_twice(tmp_path):
    with SyncStore(tmp_path / "store.sqlite") as store:
        with lease(store, "export invoices"):
            with lease(store, "send customer"):
                assert holder(store)["purpose"] == "export invoices"
            assert holder(store) is not None  # still held by the outer block
        assert holder(store) is None
        run = store.start_run("invoice", "export")
        assert store.runs().set_index("run_id").loc[run, "outcome"] is None  # mine: open


def test_a_holder_on_another_host_is_alive_while_its_heartbeat_is_fresh():
    # Real clock on purpose: a heartbeat's age is wall time, not the toolkit's calendar day
    # (both stamps are relative to now, so this holds on any date).
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
    old = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(time.time() - LEASE_TTL - 5))
    assert owner_alive("4242@another-host.example", now)
    assert not owner_alive("4242@another-host.example", old)
    assert not owner_alive(None) and not owner_alive("garbled")
