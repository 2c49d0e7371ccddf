"""Sizes, id layouts and the small helpers every part of the demo uses (money, dates,
slugs, seeded random streams)."""

from __future__ import annotations

import calendar
import random
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from reconcile.sandbox.bms_demo.catalogue import CENT, MAX_LINES


@dataclass(frozen=True)
class DemoSizes:
    """How much to generate. ``accounts`` counts clients (two vendors are added)."""

    accounts: int = 60
    services: int = 25
    invoices: int = 200
    months: int = 4  # invoices spread over the last `months` months before `today`


@dataclass(frozen=True)
class IdLayout:
    """The first Id of each kind of record."""

    account: int
    location: int
    address: int
    gl: int
    service: int
    tax_item: int
    contract: int
    project: int
    invoice: int
    line: int
    discount: int


COMPACT_IDS = IdLayout(
    account=1001,
    location=5001,
    address=9001,
    gl=101,
    service=301,
    tax_item=21,
    contract=40001,
    project=55001,
    invoice=70001,
    line=800001,
    discount=900001,
)
_BLOCK = 100_000_000
WIDE_IDS = IdLayout(
    account=1 * _BLOCK + 1,
    location=2 * _BLOCK + 1,
    address=3 * _BLOCK + 1,
    gl=101,
    service=9 * _BLOCK + 1,
    tax_item=21,
    contract=4 * _BLOCK + 1,
    project=5 * _BLOCK + 1,
    invoice=6 * _BLOCK + 1,
    line=7 * _BLOCK + 1,
    discount=8 * _BLOCK + 1,
)


def id_layout(sizes: DemoSizes) -> IdLayout:
    """:data:`COMPACT_IDS` when every kind fits its range, else :data:`WIDE_IDS`.

    Per account at most 2 locations and 4 addresses; per invoice at most 6 lines and 2
    discount lines. Compact ranges: accounts 1001–5000, locations 5001–9000, addresses
    9001–40000, invoices 70001–800000, lines 800001–900000, services 301–1000."""
    total = sizes.accounts + 2
    if 2 * total <= 4000 and sizes.invoices * MAX_LINES <= 100_000 and sizes.services <= 700:
        return COMPACT_IDS
    if max(4 * total, sizes.invoices * MAX_LINES, sizes.services) >= _BLOCK:
        raise ValueError(f"{sizes} is too large for int32 ids")
    return WIDE_IDS


# -- small helpers ----------------------------------------------------------------------------


def round_money(value: Decimal) -> Decimal:
    """``value`` rounded half-up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def iso_day(d: date) -> str:
    """The calendar day ``d`` as an RFC 3339 date-time at midnight UTC."""
    return f"{d.isoformat()}T00:00:00Z"


def utc_stamp(dt: datetime) -> str:
    """A naive datetime that means UTC, as RFC 3339 with the Z offset."""
    return f"{dt.isoformat(timespec='seconds')}Z"


def add_months(d: date, months: int) -> date:
    """``d`` moved by ``months`` months (may be negative), its day capped at the month's end."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def month_bounds(d: date) -> tuple[date, date]:
    """The first and last day of the month of ``d``."""
    last = calendar.monthrange(d.year, d.month)[1]
    return d.replace(day=1), d.replace(day=last)


def business_time(rng: random.Random, d: date) -> datetime:
    """A moment of office hours in Boston (13:00–21:59 UTC, i.e. 9–6 EDT)."""
    return datetime.combine(d, time(rng.randint(13, 21), rng.randint(0, 59), rng.randint(0, 59)))


def slugify(name: str) -> str:
    """A short lowercase ASCII slug of a business name (for e-mail domains), else "client"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = [w for w in "".join(c if c.isalnum() else " " for c in ascii_name).lower().split()]
    stop = {"the", "of", "and", "inc", "llc", "llp", "pc", "co", "corp", "ltd", "pty", "gmbh"}
    slug = "".join(w for w in words if w not in stop)[:28]
    return slug or "client"


def rng_for(seed: int, kind: str) -> random.Random:
    """The seeded random stream of one kind of record (stable across runs)."""
    # A str seed is hashed with SHA-512 by random.seed (version 2): stable across runs.
    return random.Random(f"bms-demo:{seed}:{kind}")
