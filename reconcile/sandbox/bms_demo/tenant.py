"""The generated tenant as a whole (:class:`BmsDemo`, :func:`generate`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from reconcile.sandbox.bms_demo.accounts import VENDORS, DemoClock, build_accounts
from reconcile.sandbox.bms_demo.ids import DemoSizes, id_layout
from reconcile.sandbox.bms_demo.invoices import InvoiceStream
from reconcile.sandbox.bms_demo.records import (
    build_api_user,
    build_gl_accounts,
    build_services,
    build_tax_items,
)


@dataclass
class BmsDemo:
    """The generated tenant. ``invoices`` is an :class:`InvoiceStream` (see module doc)."""

    user: dict
    accounts: list[dict]
    gl_accounts: list[dict]
    services: list[dict]
    tax_items: list[dict]
    invoices: InvoiceStream

    def iter_invoices(self) -> Iterator[dict]:
        """A fresh pass over the invoices."""
        return iter(self.invoices)


DEFAULT_SIZES = DemoSizes()  # frozen: one shared default


def generate(sizes: DemoSizes = DEFAULT_SIZES, *, seed: int = 7, today: date) -> BmsDemo:
    """Generate the demo tenant as of ``today`` (invoices dated ≤ today, timestamps before it)."""
    if sizes.accounts < 0 or sizes.services < 0 or sizes.invoices < 0 or sizes.months < 1:
        raise ValueError(f"invalid sizes: {sizes}")
    ids = id_layout(sizes)
    clock = DemoClock(today, sizes.months)
    vendor_ids = {name: ids.account + sizes.accounts + k for k, (name, *_) in enumerate(VENDORS)}
    tax_items = build_tax_items(ids, vendor_ids)
    tax_ids = {t["Name"]: t["Id"] for t in tax_items}
    accounts = build_accounts(sizes, ids, clock, seed, tax_ids)
    gl_accounts = build_gl_accounts(ids)
    services = build_services(sizes, ids, clock, seed)
    stream = InvoiceStream(accounts, services, tax_items, gl_accounts, sizes, seed, today)
    return BmsDemo(build_api_user(today), accounts, gl_accounts, services, tax_items, stream)
