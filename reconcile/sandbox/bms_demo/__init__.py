"""The demo Kaseya BMS tenant the sandbox serves: the same MSP as the QBO demo company.

Harbor Point Managed IT LLC (Boston, MA) keeps its clients, catalogue and invoices in BMS
(tenant "HarborPointIT") and its books in QuickBooks Online (:mod:`qbo_demo`). This package
generates that BMS tenant: about sixty client accounts of a New England MSP (dental offices,
law firms, clinics, schools, manufacturers, nonprofits, a few abroad), two vendors, the chart
of accounts, the service catalogue, the sales-tax items and a few months of invoices.

Design
------
- **Shapes.** Every record is a dict in the exact shape of a component schema of the vendored
  OpenAPI document (``spec/kaseya-bms-v2-openapi.json``; see reference
  bms-api-and-peers.md §1.4–1.9): PascalCase keys, every key of the schema present, values
  of the declared types, date-times as RFC 3339 strings in UTC ("2026-08-03T09:15:00Z").
  Calendar dates (InvoiceDate, DueDate, InvoiceFrom/To, ValueDate) are midnight UTC.
- **Determinism.** Everything comes from ``random.Random`` seeded with ``seed`` (one
  sub-stream per kind of record) and from the explicit ``today``; nothing reads the clock.
  All timestamps lie before ``today`` 00:00 UTC (the data is "as of" the start of today);
  invoice dates may be ``today`` itself (drafts generated the day before).
- **Edge cases at fixed places.** The default sizes contain every case a loader must
  survive (apostrophes, accents, a colon, a 120-character name, a duplicate name, an
  inactive account, a parent/child pair, a missing code, foreign addresses, accounts with no
  or with two billing addresses; zero, credit and discounted invoices, fractional hours…).
  The named edge-case accounts (:data:`EDGE_NAMES`) are spread through the client list;
  the edge-case invoices (:data:`SPECIALS`) repeat in every block of 200 invoices, and the
  last two invoices are New and Ready to Send. Larger sizes add generated accounts and
  invoices that follow the same random patterns.
- **Invoices are a stream.** ``BmsDemo.invoices`` is an :class:`InvoiceStream`: iterable,
  *re-iterable* (each pass regenerates the same invoices from the seed, in InvoiceNumber
  order) and never held in memory as a whole, so 100,000 invoices cost no more memory than
  one. ``len(demo.invoices)`` is the count; ``list(demo.invoices)`` materialises them.
- **Ids** are per kind, sequential, from the bases of :data:`COMPACT_IDS` (accounts 1001,
  locations 5001, addresses 9001, GL 101, services 301, tax items 21, invoices 70001, lines
  800001, discount lines 900001), so ids never collide across kinds. When the sizes would
  overflow those ranges (more than 1,998 accounts, 16,666 invoices or 700 services, e.g.
  the 10,000/100,000 "large" tenant) every kind moves to its own block of 100 million
  (:data:`WIDE_IDS`: accounts 100000001, invoices 600000001…); see :func:`id_layout`.
- **Invoice content.** Dates are spread evenly over the window (``today`` minus ``months``
  months, to ``today``); invoice numbers follow the dates. Each invoice is a monthly
  agreement bill, hourly labor (tickets, quarter hours), hardware, a project or licences,
  by the client's ServiceType. Status depends on age (mostly Fully Paid when older than
  60 days; New only in the last week, Ready to Send in the last month).
- **Every active client is billed.** An invoice not bound to an edge-case account goes to a
  random active client already signed on its date, but every active client gets at least
  one invoice that can be exported (Ready to Send, Sent, Partially Paid or Fully Paid, and
  no negative line: reconcile.mapping.invoices) whatever ``today`` is, provided there are
  at least as many such random invoices as active clients: once the random invoices left
  before the last two are no more than the clients still without one, each goes to one of
  them (lowest Id first), as Sent (Ready to Send when dated ``today``). Until then the draw
  is the plain random one, so only the newest invoices of some days differ from it.

Money and the choices the spec leaves open
------------------------------------------
Amounts are computed with ``Decimal`` and emitted as floats with two decimals:
``line.TotalPrice = round(Qty × UnitPrice, 2)``; ``Discount = Σ DiscountItems.Value``;
``TotalPrice = Σ line TotalPrice − Discount``; ``TotalTax = round(Σ taxable line TotalPrice ×
SalesTaxRate / 100, 2)``; ``GrandTotal = TotalPrice + TotalTax``.

- *Discounts do not reduce tax* (assumption: BMS's discount lines carry ``IsTaxable`` but
  how they enter ``TotalTax`` is undocumented; we tax the gross taxable lines, and the
  discount lines are emitted with ``IsTaxable`` False to say so).
- *PaidAmount / PaymentDue* follow the status: 0 / GrandTotal for New, Ready to Send and
  Sent; 0 < paid < GrandTotal for Partially Paid; GrandTotal / 0 for Fully Paid.
- *Void* invoices keep their lines and totals (what was voided stays readable) but have
  PaidAmount 0 and PaymentDue 0: nothing is owed on them.
- *Credit invoices* (a negative line, e.g. users offboarded mid-month) have a negative
  GrandTotal, status Sent, PaidAmount 0 and a negative PaymentDue (the credit the client
  still has to use); a loader should turn them into QBO credit memos.
- *Bill-to*: the invoice's contact/address fields are copied from the account's billing
  address, chosen by :func:`billing_address` (the IsBilling address with the lowest Id,
  else the main location's main address), the rule reconcile.bms.loaders also uses.
  ``AccountLocationId/Name`` is the account's main location [inference].

The package, by concern: ``catalogue`` (the tenant's fixed reference data), ``ids`` (sizes,
id layouts, helpers), ``geography``, ``accounts``, ``records`` (the catalogue as API records),
``invoices`` (streamed), ``tenant`` (:func:`generate`).
"""

from __future__ import annotations

from reconcile.sandbox.bms_demo.accounts import EDGE_NAMES, billing_address
from reconcile.sandbox.bms_demo.catalogue import (
    BUSINESS_NAME,
    CLASSES,
    GL_TYPES,
    INVOICE_STATUSES,
    TENANT,
)
from reconcile.sandbox.bms_demo.ids import COMPACT_IDS, WIDE_IDS, DemoSizes, IdLayout, id_layout
from reconcile.sandbox.bms_demo.invoices import SPECIALS, InvoiceStream, iter_invoices
from reconcile.sandbox.bms_demo.tenant import BmsDemo, generate

__all__ = [
    "BUSINESS_NAME",
    "CLASSES",
    "COMPACT_IDS",
    "EDGE_NAMES",
    "GL_TYPES",
    "INVOICE_STATUSES",
    "SPECIALS",
    "TENANT",
    "WIDE_IDS",
    "BmsDemo",
    "DemoSizes",
    "IdLayout",
    "InvoiceStream",
    "billing_address",
    "generate",
    "id_layout",
    "iter_invoices",
]
