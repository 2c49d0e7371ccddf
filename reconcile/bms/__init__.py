"""Kaseya BMS side: REST API v2 client, envelope and key handling, DataFrame loaders."""

from reconcile.bms.auth import BmsAuth
from reconcile.bms.client import BmsClient
from reconcile.bms.errors import BmsAuthError, BmsError, BmsNotFoundError
from reconcile.bms.loaders import (
    InvoiceFrames,
    accounts_frame,
    gl_accounts_frame,
    import_payments,
    invoice_statuses,
    job_status,
    load_invoice,
    load_invoices,
    services_frame,
    tax_items_frame,
    wait_for_job,
    write_invoice_references,
)

__all__ = [
    "BmsAuth",
    "BmsAuthError",
    "BmsClient",
    "BmsError",
    "BmsNotFoundError",
    "InvoiceFrames",
    "accounts_frame",
    "gl_accounts_frame",
    "import_payments",
    "invoice_statuses",
    "job_status",
    "load_invoice",
    "load_invoices",
    "services_frame",
    "tax_items_frame",
    "wait_for_job",
    "write_invoice_references",
]
