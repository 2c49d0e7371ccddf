"""The writer lease: one process at a time writes through a store (exports, sends, payment
imports, payments recorded in QuickBooks, settling what a crash left).

Two writers at once were the one way left to apply a payment twice: the second run took the
first run's in-flight markers for a crash's leftovers and sent them again (the reliability
issue; what real BMS does with a payment id it has seen is undocumented, so "never twice"
must not rest on it). The lease is a row in the store's ``leases`` table naming its holder
(process id and host), what it does, when it started and its heartbeat, refreshed by a
thread while it is held. A lease is alive while its holder is: on this host, while the
process exists; elsewhere (a shared folder), while its heartbeat is younger than
``LEASE_TTL``. A dead holder's lease is taken over; a live one's is refused, naming it.

Held again by the same process (a send inside an export), a lease is counted, not taken
twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from reconcile.errors import ReconcileError
from reconcile.store import SyncStore, owner_alive, process_owner, utc_now

HEARTBEAT = 15.0  # seconds between heartbeats
WRITER = "writer"  # the one lease writers take


class LeaseHeldError(ReconcileError):
    """Another live process holds the lease."""


_COLUMNS = ("owner", "purpose", "started_at", "heartbeat_at")
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM leases WHERE name = ?"


def _live(row: tuple | None) -> dict | None:
    """A lease row as a dict, when its holder is alive."""
    found = dict(zip(_COLUMNS, row, strict=True)) if row else None
    return found if found and owner_alive(found["owner"], found["heartbeat_at"]) else None


def holder(store: SyncStore, name: str = WRITER) -> dict | None:
    """The live holder of a lease (owner, purpose, started_at, heartbeat_at), or None."""
    rows = store.read_sql(_SELECT, (name,))
    return _live(rows[0] if rows else None)


def describe(found: dict) -> str:
    """A lease's holder as a person reads it."""
    return (
        f"process {found['owner']} ({found['purpose']}, since {found['started_at'][:19]}Z, "
        f"last heard {found['heartbeat_at'][:19]}Z)"
    )


_held: dict[tuple[str, str], int] = {}  # (store path, lease) → how many holds in this process
_held_lock = threading.Lock()


def _take(store: SyncStore, name: str, purpose: str) -> None:
    me, now = process_owner(), utc_now()
    with store.write_sql() as db:
        found = _live(db.execute(_SELECT, (name,)).fetchone())
        if found and found["owner"] != me:
            raise LeaseHeldError(
                f"another reconcile is writing through {store.path}: {describe(found)}; "
                "wait for it to finish (or stop it), then run this again"
            )
        db.execute(
            "INSERT OR REPLACE INTO leases (name, owner, purpose, started_at, heartbeat_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (name, me, purpose, now, now),
        )


def _beat(store: SyncStore, name: str, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT):
        try:
            with store.write_sql() as db:
                db.execute(
                    "UPDATE leases SET heartbeat_at = ? WHERE name = ? AND owner = ?",
                    (utc_now(), name, process_owner()),
                )
        except ReconcileError:  # the store busy for a while: the next beat tries again
            continue


@contextmanager
def lease(
    store: SyncStore, purpose: str, *, name: str = WRITER, wait: float = 0.0
) -> Iterator[None]:
    """Hold the lease while the block runs; raises LeaseHeldError, naming the holder, when
    another live process holds it after ``wait`` seconds."""
    key = (str(store.path), name)
    with _held_lock:
        if _held.get(key):
            _held[key] += 1
            nested = True
        else:
            nested = False
    if nested:
        try:
            yield
        finally:
            with _held_lock:
                _held[key] -= 1
        return
    deadline = time.monotonic() + wait
    while True:
        try:
            _take(store, name, purpose)
            break
        except LeaseHeldError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
    with _held_lock:
        _held[key] = 1
    stop = threading.Event()
    beater = threading.Thread(target=_beat, args=(store, name, stop), daemon=True)
    beater.start()
    try:
        yield
    finally:
        stop.set()
        beater.join(timeout=5)
        with _held_lock:
            _held.pop(key, None)
        with store.write_sql() as db:
            db.execute("DELETE FROM leases WHERE name = ? AND owner = ?", (name, process_owner()))
