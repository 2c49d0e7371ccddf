"""The local Kaseya BMS server: REST API v2 as its published OpenAPI document defines it.

Implemented (reference/bms-api-and-peers.md §1): sign-in and refresh, user info, CRM account
summaries, chart of accounts and its types, services search, invoice summaries, one invoice,
bulk invoice lines and discounts, sales tax items, and the QuickBooks integration calls the
toolkit writes with (invoice reference write-back, payment import, job status).

Behaviour where the document is silent, chosen to be strict and documented in
docs/sandbox.md: failures are ``Success=false`` envelopes (HTTP 200 for business errors such
as an unknown id or wrong credentials, 400 for malformed parameters), a missing or expired
token is a bare 401, and more than 1500 calls per hour to one endpoint is a 429.

By concern: ``app`` (``BmsApp``: routes, control endpoint, what runs around every call),
``envelope`` (answers, key spelling, fault shapes), ``params`` (reading parameters, forms,
filters, sort, paging and bodies), ``signin`` (tokens), ``lists`` (the read endpoints) and
``integration`` (the QuickBooks integration writes). The tables are ``sandbox.bms_data``,
the demo tenant ``sandbox.bms_demo``.
"""

from reconcile.sandbox.bms.app import BmsApp
from reconcile.sandbox.bms.envelope import FAULT_SHAPES, BmsFault

__all__ = ["FAULT_SHAPES", "BmsApp", "BmsFault"]
