"""Frame contracts (reconcile.frames): building to a contract, proving a frame keeps one, and the
id and time rules every contract follows."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from reconcile.frames import (
    COUNT,
    DATE,
    FLAG,
    ID,
    INSTANT,
    KEY,
    MONEY,
    OBJECT,
    TEXT,
    ContractError,
    build,
    check,
    keys,
)

pytestmark = pytest.mark.unit

CONTRACT = {
    "Id": ID,
    "bms_id": KEY,
    "name": TEXT,
    "total": MONEY,
    "lines": COUNT,
    "paid": FLAG,
    "InvoiceDate": DATE,
    "ModifiedOn": INSTANT,
    "body": OBJECT,
}


def test_build_types_every_column_and_keeps_missing_values_missing():
    rows = [
        {
            "Id": 7,
            "bms_id": 7,
            "name": "Bayside",
            "total": "10.006",
            "lines": 2,
            "paid": True,
            "InvoiceDate": "2026-11-30T00:00:00Z",
            "ModifiedOn": "2026-11-30T14:05:00-05:00",
            "body": {"a": 1},
        },
        {"Id": None, "name": None},  # every other key missing
    ]
    frame = build(rows, CONTRACT)
    assert list(frame.columns) == list(CONTRACT)
    assert [str(frame[c].dtype) for c in CONTRACT] == [
        "Int64",
        "string",
        "string",
        "Float64",
        "Int64",
        "boolean",
        "datetime64[ns]",
        "datetime64[ns, UTC]",
        "object",
    ]
    assert frame.loc[0, "bms_id"] == "7"
    assert frame.loc[0, "total"] == 10.01  # rounded to cents
    assert frame.loc[0, "ModifiedOn"] == pd.Timestamp("2026-11-30T19:05:00Z")
    assert frame.loc[1, ["Id", "bms_id", "name", "total", "paid"]].isna().all()
    assert frame.loc[1, "body"] is None
    assert check(frame, CONTRACT, "the test frame") is frame


def test_an_empty_build_has_every_column_typed():
    frame = build([], CONTRACT)
    assert frame.empty
    check(frame, CONTRACT, "the empty frame")


@pytest.mark.parametrize(
    "written",
    [
        "2026-11-30",
        "2026-11-30T00:00:00",
        "2026-11-30T00:00:00Z",
        "2026-11-30T00:00:00+01:00",  # UTC would make it 29 November
        "2026-11-30T23:30:00-05:00",  # UTC would make it 1 December
        date(2026, 11, 30),
        pd.Timestamp("2026-11-30T18:00:00", tz="Asia/Tokyo"),
    ],
)
def test_a_calendar_date_is_the_day_as_written(written):
    day = build([{"d": written}], {"d": DATE})["d"].iloc[0]
    assert day == pd.Timestamp("2026-11-30")
    assert day.tzinfo is None


def test_keys_never_read_na_or_a_decimal_point():
    assert keys(pd.Series([12, None], dtype="Int64")).tolist() == ["12", pd.NA]
    assert keys(pd.Series([12.0, float("nan")])).tolist() == ["12", pd.NA]


def test_check_names_the_missing_and_extra_columns():
    frame = build([], CONTRACT).drop(columns=["total"]).assign(extra=1)
    with pytest.raises(ContractError, match=r"the plan: .*missing \['total'\], extra \['extra'\]"):
        check(frame, CONTRACT, "the plan")


def test_check_notices_columns_in_another_order():
    frame = build([], CONTRACT)
    with pytest.raises(ContractError, match="in another order"):
        check(frame[list(reversed(CONTRACT))], CONTRACT, "the plan")


def test_check_names_the_column_of_a_wrong_dtype():
    frame = build([{"total": 1}], CONTRACT).assign(lines=pd.Series(["2"], dtype="string"))
    with pytest.raises(ContractError, match=r"column 'lines' is string; the contract says count"):
        check(frame, CONTRACT, "the plan")


def test_check_reads_every_value_of_an_object_column():
    """Plans are made from dict rows: an id that slipped in as an int is named with its row."""
    contract = {"bms_id": KEY, "total": MONEY}
    good = pd.DataFrame({"bms_id": pd.Series(["1", None], dtype=object), "total": [1.5, 2.0]})
    check(good, contract, "the plan")
    bad = pd.DataFrame({"bms_id": pd.Series(["1", 2], dtype=object), "total": [1.5, 2.0]})
    with pytest.raises(ContractError, match=r"column 'bms_id', row 1: 2 \(int\) is not key"):
        check(bad, contract, "the plan")


def test_a_flag_is_not_money():
    frame = pd.DataFrame({"total": pd.Series([True], dtype=object)})
    with pytest.raises(ContractError, match=r"True \(bool\) is not money"):
        check(frame, {"total": MONEY}, "the results")


def test_numpy_dtypes_of_a_frame_made_from_dict_rows_are_accepted():
    frame = pd.DataFrame([{"n": 1, "x": 1.5, "ok": True, "day": pd.Timestamp("2026-11-30")}])
    check(frame, {"n": COUNT, "x": MONEY, "ok": FLAG, "day": DATE}, "the results")
