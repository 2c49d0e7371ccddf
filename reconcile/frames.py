"""Frame contracts: the columns of every frame that crosses a stage boundary (loaders, plans,
results) and the kind of each, declared once as ``{column: kind}`` beside the stage that
makes the frame (``reconcile.bms.loaders.INVOICE_COLUMNS``, ``reconcile.sync.plan.PLAN_COLUMNS``,
...). :func:`build` makes a frame to a contract; :func:`check` proves a frame keeps one.

The rules every contract follows (docs/architecture.md, "Frames"):

- **Names.** A column read from an API keeps the API's field name (BMS ``InvoiceNumber``,
  QuickBooks ``DocNumber``), so a reader finds it in the API's documentation; a column the
  toolkit derives is snake_case (``qbo_id``, ``selectable``, ``why``).
- **Ids.** A BMS id in a BMS frame is an integer (``ID``, pandas ``Int64``), as BMS sends it.
  Where an id meets the sync store or QuickBooks it is a key (``KEY``, text): QuickBooks ids
  are strings and the store keeps both sides' ids as text. :func:`keys` is the one crossing.
- **Time.** A calendar date (an invoice date, a due date, a payment's TxnDate) is ``DATE``:
  naive, at midnight, the day *as written* (an offset on it is not a time zone to convert
  from: "2026-11-30T00:00:00+01:00" is 30 November). An instant (created, modified, sent,
  a log time) is ``INSTANT``: UTC-aware.
- **Missing values** are pandas' ``<NA>`` (``NaT`` for times) in typed columns, ``None`` in
  ``OBJECT`` columns; every frame has all its columns, also when empty.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd

# The kinds a contract gives its columns, and the dtype each has in a built frame.
ID, KEY, TEXT, MONEY, NUMBER, COUNT = "id", "key", "text", "money", "number", "count"
FLAG, DATE, INSTANT, OBJECT = "flag", "date", "instant", "object"
DTYPES = {
    ID: "Int64",
    KEY: "string",
    TEXT: "string",
    MONEY: "Float64",
    NUMBER: "Float64",
    COUNT: "Int64",
    FLAG: "boolean",
    DATE: "datetime64[ns]",
    INSTANT: "datetime64[ns, UTC]",
    OBJECT: "object",
}

Contract = Mapping[str, str]


class ContractError(TypeError):
    """A frame does not keep its contract: a bug in the stage that made it, not bad input."""


def keys(series: pd.Series) -> pd.Series:
    """Ids as keys (text), missing ones kept missing: 12 → "12", never "12.0" (``astype(str)``
    of a float column) or "<NA>" (of a missing ``Int64`` on pandas 2)."""
    if pd.api.types.is_float_dtype(series.dtype):
        series = series.astype("Int64")
    return series.astype("string")


def build(rows: Iterable[Mapping[str, Any]], contract: Contract) -> pd.DataFrame:
    """Rows → a frame with exactly the contract's columns (a missing key is missing), each
    converted to its kind."""
    frame = pd.DataFrame.from_records(list(rows), columns=list(contract))
    for name, kind in contract.items():
        frame[name] = _convert(frame[name], kind)
    return frame


def _convert(column: pd.Series, kind: str) -> pd.Series:
    if kind == INSTANT:
        when = pd.to_datetime(column, utc=True, errors="coerce", format="ISO8601")
        return when.astype("datetime64[ns, UTC]")  # one resolution on pandas 2 and 3
    if kind == DATE:
        return _dates(column)
    if kind == MONEY:
        return pd.to_numeric(column, errors="coerce").round(2).astype("Float64")
    if kind in (ID, COUNT, NUMBER):
        return pd.to_numeric(column, errors="coerce").astype(DTYPES[kind])
    if kind == KEY:
        return keys(column) if pd.api.types.is_numeric_dtype(column.dtype) else _texts(column)
    if kind == OBJECT:
        return column.astype(object).where(column.notna(), None)
    return column.astype(DTYPES[kind])


def _texts(column: pd.Series) -> pd.Series:
    return column.map(lambda v: v if _missing(v) else str(v), na_action="ignore").astype("string")


def _dates(column: pd.Series) -> pd.Series:
    """The day as written: the first ten characters of an ISO text ("2026-11-30T00:00:00+01:00"
    is 30 November), of a date, of a time stamp in its own zone."""
    day = column.astype("string").str.slice(0, 10)
    return pd.to_datetime(day, format="%Y-%m-%d", errors="coerce").astype(DTYPES[DATE])


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


# What an OBJECT-dtype column of a kind may hold instead (frames made from dict rows, such as
# plans, keep Python values: None, not <NA>).
_PYTHON: dict[str, type | tuple[type, ...]] = {
    ID: int,
    COUNT: int,
    KEY: str,
    TEXT: str,
    MONEY: (int, float, Decimal),
    NUMBER: (int, float, Decimal),
    FLAG: bool,
    DATE: date,
    INSTANT: datetime,
}


def check(frame: pd.DataFrame, contract: Contract, what: str) -> pd.DataFrame:
    """The frame itself, once it is proved to keep ``contract``: exactly its columns, in its
    order, each of its kind — by dtype, or (an object column) by the Python type of every
    value. Raises :class:`ContractError` naming the frame (``what``), the column and the rule."""
    if list(frame.columns) != list(contract):
        missing = [c for c in contract if c not in frame.columns]
        extra = [c for c in frame.columns if c not in contract]
        order = "" if missing or extra else ", in another order"
        raise ContractError(
            f"{what}: its columns are not the contract's (missing {missing}, extra {extra}{order})"
        )
    for name, kind in contract.items():
        if kind != OBJECT:
            _check_column(frame[name], kind, f"{what}: column {name!r}")
    return frame


# The dtypes a column of each kind may have: the nullable one ``build`` gives, or NumPy's
# (a frame made from dict rows has int64, float64, bool where nothing is missing).
_ACCEPTED = {
    ID: {"Int64", "int64"},
    COUNT: {"Int64", "int64"},
    MONEY: {"Float64", "float64", "Int64", "int64"},
    NUMBER: {"Float64", "float64", "Int64", "int64"},
    FLAG: {"boolean", "bool"},
    KEY: {"string", "str"},  # "str": pandas 3 infers it for text
    TEXT: {"string", "str"},
    DATE: {"datetime64[ns]"},
    INSTANT: {"datetime64[ns, UTC]"},
}


def _check_column(column: pd.Series, kind: str, where: str) -> None:
    if column.isna().all():  # nothing in it (e.g. a column another kind's rows fill)
        return
    actual = str(column.dtype)
    if actual.startswith("datetime64"):  # any resolution: pandas 3 may keep µs
        actual = re.sub(r"\[\w+", "[ns", actual)
    if actual in _ACCEPTED[kind]:
        return
    if actual != "object":
        raise ContractError(f"{where} is {actual}; the contract says {kind}")
    allowed = _PYTHON[kind]
    for index, value in column.items():
        wrong_bool = isinstance(value, bool) and kind != FLAG
        if not _missing(value) and (wrong_bool or not isinstance(value, allowed)):
            raise ContractError(
                f"{where}, row {index}: {value!r} ({type(value).__name__}) is not {kind}"
            )
