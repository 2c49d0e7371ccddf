"""The fault catalogue's sandbox hooks, without a server: ``fail_write`` answers the first
write once N writes have been answered with its fault, once, and leaves reads alone."""

from __future__ import annotations

import pytest

from reconcile.sandbox.settings import SandboxSettings, SettingsBox
from reconcile.sandbox.store import Store


def _written(store: Store, n: int) -> None:
    """n more writes answered, as the servers count them."""
    store.kv_set("write_count", store.kv_get("write_count", 0) + n)


def test_fail_write_hits_the_first_write_after_n_writes_once():
    store = Store(":memory:")
    _written(store, 7)  # before the setting: not counted
    box = SettingsBox(store)
    box.update({"fail_write": {"after": 2, "fault": "reset-after"}})
    assert box.draw_fault("qbo", write=True) is None  # the first write
    _written(store, 1)
    assert box.draw_fault("bms", write=False) is None
    assert box.draw_fault("bms", write=True) is None  # the second
    _written(store, 1)
    assert box.draw_fault("qbo", write=False) is None  # a read is never the one
    assert box.draw_fault("bms", write=True) == "reset-after"  # the third, on either server
    assert box.value.fail_write is None  # once
    assert box.draw_fault("qbo", write=True) is None
    assert SettingsBox(store).value.fail_write is None  # and persisted so


@pytest.mark.parametrize(
    "value",
    [{"after": -1, "fault": "500"}, {"after": True, "fault": "500"}, {"after": 1},
     {"after": 1, "fault": "418"}, {"after": 1, "fault": "500", "also": 1}, [1, "500"]],
)  # fmt: skip
def test_a_wrong_fail_write_is_refused_saying_what_it_takes(value):
    with pytest.raises(ValueError, match="fail_write must be None or"):
        SandboxSettings(fail_write=value).check()
