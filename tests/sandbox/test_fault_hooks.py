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
    [
        {"after": -1, "fault": "500"},
        {"after": True, "fault": "500"},
        {"after": 1},
        {"after": 1, "fault": "418"},
        {"after": 1, "fault": "500", "also": 1},
        [1, "500"],
    ],
)
def test_a_wrong_fail_write_is_refused_saying_what_it_takes(value):
    with pytest.raises(ValueError, match="fail_write must be None or"):
        SandboxSettings(fail_write=value).check()


def test_both_servers_inject_a_fault_alike_in_their_own_shapes():
    from reconcile.sandbox.bms import FAULT_SHAPES as BMS
    from reconcile.sandbox.middleware import inject
    from reconcile.sandbox.qbo import FAULT_SHAPES as QBO

    box = SettingsBox(Store(":memory:"), time_scale=60.0)
    box.update(
        {
            "fail_next": ["503", "429", "reset-after", "reset"],
            "bms_fail_next": ["503", "429", "reset-after", "reset"],
        }
    )
    for server, shapes, fault_word in (("qbo", QBO, b"SystemFault"), ("bms", BMS, b"Success")):
        unavailable, throttled, lost, dropped = (
            inject(box, server, False, shapes) for _ in range(4)
        )
        assert unavailable.answer.status == 503 and fault_word in unavailable.answer.body
        assert throttled.answer.status == 429
        assert throttled.answer.headers["Retry-After"] == "1"  # a minute at time scale 60
        assert lost.answer is None and lost.lose_answer  # processed, then the answer is lost
        assert dropped.answer.reset and not dropped.lose_answer
        assert inject(box, server, False, shapes).answer is None  # the queue is empty
