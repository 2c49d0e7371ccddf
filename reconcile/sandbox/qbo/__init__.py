"""The local QuickBooks Online server: OAuth, ``/v3/company/{realmId}/…``, limits and faults.

It behaves like QBO for everything this toolkit uses (reference/qbo-api.md): entity CRUD with
SyncToken, sparse and full updates, deactivation with the " (deleted)" rename, delete/void of
transactions, the query language, batch, ``requestid`` replay, the TaxService endpoint that
creates tax codes and rates, QBO's fault shapes (JSON, the lowercase 401, the XML 429) and its
rate limits, plus fault injection for reliability tests. The company's Preferences, and what
they change (automated sales tax, numbering, currencies, class and location tracking), follow
the sandbox setting ``company_profile`` (``company_profiles``).

By concern: ``app`` (``QboApp``: entry, routing, control endpoint, reads, query, batch),
``responses`` (fault shapes, time stamps), ``limits`` (rate limits), ``profile`` (the company
profile's Preferences and records), ``writes`` (create / update / delete / void),
``entities`` (what each name-list entity adds), ``ledger`` (invoices, credit memos, payments
and balances) and ``tax`` (TaxService, manual and automated sales tax). The query language
is ``sandbox.qbo_query``, the demo company ``sandbox.qbo_demo``.
"""

from reconcile.sandbox.qbo.app import QboApp
from reconcile.sandbox.qbo.responses import FAULT_SHAPES

__all__ = ["FAULT_SHAPES", "QboApp"]
