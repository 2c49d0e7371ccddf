"""A small builder for QBO's query language, so values never need hand-quoting.

Grammar (reference/qbo-api.md §3): ``SELECT * [, field …] | COUNT(*) FROM <Entity>
[WHERE a AND b …] [ORDERBY f [ASC|DESC], …] [STARTPOSITION n] [MAXRESULTS m]``. No OR, no
JOIN. Strings are single-quoted with backslash escapes (``'Amy\\'s Bird Sanctuary'``).

QuickBooks leaves some fields out of ``SELECT *`` (``Item.Sku``): :func:`select` names them
after the star, so every query of that entity returns them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

MAX_RESULTS = 1000  # QBO's cap per page
_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*$")
_OPS = ("=", "<", ">", "<=", ">=", "LIKE")
# Returned only when named after `*` (reference §3 quirk: `SELECT *, Sku FROM Item`, as
# python-quickbooks 0.9.12 asks; ej2/python-quickbooks #269, #373).
NOT_IN_STAR: dict[str, tuple[str, ...]] = {"Item": ("Sku",)}


def quote(value: object) -> str:
    """A literal for the query language: strings quoted and escaped, numbers and booleans bare."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        return format(value, "f")  # never exponent notation, which QBO cannot parse
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return "'" + value.isoformat(timespec="seconds") + "'"
    if isinstance(value, dt.date):
        return "'" + value.isoformat() + "'"
    text = str(value)
    # Backslash first, so the backslash added before a quote is not doubled.
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _check_field(name: str) -> str:
    if not _FIELD.fullmatch(name):
        raise ValueError(f"not a QBO field name: {name!r}")
    return name


@dataclass(frozen=True)
class Query:
    """An immutable query; each method returns a new one. ``str(q)`` is the query text."""

    entity: str
    conditions: tuple[str, ...] = ()
    order: tuple[str, ...] = field(default=())
    also: tuple[str, ...] = ()  # fields named after `*`

    def where(self, field_name: str, op: str, value: object) -> Query:
        """Add ``field op value`` (AND-ed with the others). ``op`` is one of = < > <= >= LIKE."""
        op = op.upper()
        if op not in _OPS:
            raise ValueError(f"operator {op!r} is not supported by QBO (use one of {_OPS})")
        cond = f"{_check_field(field_name)} {op} {quote(value)}"
        return replace(self, conditions=(*self.conditions, cond))

    def eq(self, field_name: str, value: object) -> Query:
        """Shorthand for ``where(field, "=", value)``."""
        return self.where(field_name, "=", value)

    def in_(self, field_name: str, values: Iterable[object]) -> Query:
        """``field IN (…)``; QBO has no OR, so IN is the way to ask for several values."""
        items = list(values)
        if not items:
            raise ValueError(f"IN needs at least one value for {field_name}")
        cond = f"{_check_field(field_name)} IN ({', '.join(quote(v) for v in items)})"
        return replace(self, conditions=(*self.conditions, cond))

    def order_by(self, field_name: str, descending: bool = False) -> Query:
        """Sort by a (sortable) field."""
        term = f"{_check_field(field_name)} {'DESC' if descending else 'ASC'}"
        return replace(self, order=(*self.order, term))

    def text(self, *, start: int | None = None, max_results: int | None = None) -> str:
        """The SELECT text, optionally with one page's STARTPOSITION/MAXRESULTS."""
        star = ", ".join(["*", *(_check_field(f) for f in self.also)])
        parts = [f"SELECT {star} FROM {_check_field(self.entity)}"]
        parts += self._filters()
        if self.order:
            parts.append("ORDERBY " + ", ".join(self.order))
        if start is not None:
            parts.append(f"STARTPOSITION {int(start)}")
        if max_results is not None:
            if not 1 <= max_results <= MAX_RESULTS:
                raise ValueError(f"MAXRESULTS must be 1..{MAX_RESULTS}, got {max_results}")
            parts.append(f"MAXRESULTS {int(max_results)}")
        return " ".join(parts)

    def count_text(self) -> str:
        """The ``SELECT COUNT(*)`` form of this query."""
        return " ".join([f"SELECT COUNT(*) FROM {_check_field(self.entity)}", *self._filters()])

    def _filters(self) -> list[str]:
        return ["WHERE " + " AND ".join(self.conditions)] if self.conditions else []

    def __str__(self) -> str:
        return self.text()


def select(entity: str) -> Query:
    """Start a query on one entity, e.g. ``select("Customer").eq("DisplayName", "O'Brien")``;
    it asks for the fields ``SELECT *`` leaves out of that entity (:data:`NOT_IN_STAR`)."""
    return Query(entity, also=NOT_IN_STAR.get(entity, ()))
