"""BMS records as DataFrames with stable, documented columns (see docs/bms-client.md).

Column names are BMS's own field names, so a reader can find each in the API document;
nested addresses are flattened as ``Billing.City``, ``Shipping.ZipCode``, ``Main.Address1``.
Every frame has all its columns, with pandas' nullable dtypes, even when empty; the
``*_COLUMNS`` dicts are the frames' contracts (``reconcile.frames``: ids Int64, invoice and
due dates naive calendar dates, created/modified times UTC instants).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict, Unpack

import pandas as pd

from reconcile.bms.assumptions import DEFAULT, BmsAssumptions
from reconcile.bms.client import BmsClient
from reconcile.bms.errors import BmsError
from reconcile.frames import DATE, FLAG, ID, INSTANT, MONEY, NUMBER, OBJECT, TEXT, build

ADDRESS_FIELDS = ("Address1", "Address2", "City", "State", "ZipCode", "Country")

ACCOUNT_COLUMNS: dict[str, str] = {
    "Id": ID,
    "AccountCode": TEXT,
    "AccountName": TEXT,
    "AccountTypeId": ID,
    "AccountType": TEXT,
    "ParentId": ID,
    "IsActive": FLAG,
    "CreditLimit": MONEY,
    "NetDays": ID,
    "SalesTaxItemId": ID,
    "SalesTaxItemName": TEXT,
    "CurrencyName": TEXT,
    "ClassId": ID,
    "ClassName": TEXT,
    "Website": TEXT,
    "Description": TEXT,
    "Phone": TEXT,
    "Fax": TEXT,
    "Email": TEXT,
    **{f"{kind}.{f}": TEXT for kind in ("Billing", "Shipping", "Main") for f in ADDRESS_FIELDS},
    "CreatedOn": INSTANT,
    "ModifiedOn": INSTANT,
}
GL_COLUMNS: dict[str, str] = {
    "Id": ID,
    "Code": TEXT,
    "Name": TEXT,
    "Description": TEXT,
    "TypeId": ID,
    "TypeName": TEXT,
    "ParentId": ID,
    "ParentName": TEXT,
    "IsActive": FLAG,
}
SERVICE_COLUMNS: dict[str, str] = {
    "Id": ID,
    "Name": TEXT,
    "Description": TEXT,
    "Category": TEXT,
    "SubCategory": TEXT,
    "UnitOfMeasure": TEXT,
    "UnitPrice": MONEY,
    "UnitCost": MONEY,
    "IsTaxable": FLAG,
    "IsActive": FLAG,
    "IncomeAccountCode": TEXT,
    "IncomeAccountName": TEXT,
    "ExpenseAccountCode": TEXT,
    "ExpenseAccountName": TEXT,
    "ModifiedOn": INSTANT,
}
TAX_ITEM_COLUMNS: dict[str, str] = {
    "Id": ID,
    "Name": TEXT,
    "Description": TEXT,
    "TaxRate": NUMBER,
    "IsTaxGroup": FLAG,
    "IsActive": FLAG,
    "Vendor": TEXT,
    "ParentId": ID,
    "SalesTaxItemsIds": OBJECT,
}
INVOICE_COLUMNS: dict[str, str] = {
    "Id": ID,
    "InvoiceNumber": TEXT,
    "StatusId": ID,
    "StatusName": TEXT,
    "AccountId": ID,
    "AccountName": TEXT,
    "AccountLocationId": ID,
    "AccountLocationName": TEXT,
    "InvoiceDate": DATE,
    "DueDate": DATE,
    "InvoiceFrom": DATE,
    "InvoiceTo": DATE,
    "SalesTaxItemId": ID,
    "SalesTaxItemName": TEXT,
    "SalesTaxRate": NUMBER,
    "Discount": MONEY,
    "TotalPrice": MONEY,
    "TotalTax": MONEY,
    "GrandTotal": MONEY,
    "PaidAmount": MONEY,
    "PaymentDue": MONEY,
    "ClassName": TEXT,
    "PONumber": TEXT,
    "Notes": TEXT,
    "EmailAddress": TEXT,
    "SentOn": INSTANT,
    "PostedToAccounting": FLAG,
    "PostedToAccountingOn": INSTANT,
    "AccountingAppReference": TEXT,
    "CreatedOn": INSTANT,
    "ModifiedOn": INSTANT,
}
LINE_COLUMNS: dict[str, str] = {
    "Id": ID,
    "InvoiceId": ID,
    "InvoiceNumber": TEXT,
    "Name": TEXT,
    "Description": TEXT,
    "TypeId": ID,
    "TypeName": TEXT,
    "GLAccountId": ID,
    "GLAccountCode": TEXT,
    "GLAccountName": TEXT,
    "ClassId": ID,
    "ClassName": TEXT,
    "Qty": NUMBER,
    "UnitPrice": MONEY,
    "TotalPrice": MONEY,
    "ValueDate": DATE,
    "ContractId": ID,
    "ContractName": TEXT,
    "IsTaxable": FLAG,
}
DISCOUNT_COLUMNS: dict[str, str] = {
    "Id": ID,
    "InvoiceId": ID,
    "InvoiceNumber": TEXT,
    "Name": TEXT,
    "TypeName": TEXT,
    "GLAccountId": ID,
    "GLAccountCode": TEXT,
    "GLAccountName": TEXT,
    "Value": MONEY,
    "IsTaxable": FLAG,
}
STATUS_COLUMNS: dict[str, str] = {"StatusId": ID, "StatusName": TEXT, "Invoices": ID}

IDS_PER_REQUEST = 200  # invoice ids per bulk line request when loading a filtered set


def _filter_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat() if value.tzinfo else value.isoformat() + "Z"
    return str(value)


# -- accounts -------------------------------------------------------------------------------------


def _addresses(account: dict) -> list[tuple[dict, dict]]:
    return [
        (loc, addr)
        for loc in account.get("Locations") or []
        for addr in sorted(loc.get("Addresses") or [], key=lambda a: a.get("Id") or 0)
    ]


def pick_addresses(account: dict) -> dict[str, dict]:
    """The main, billing and shipping address of an account.

    Main: the IsMain address of the IsMain location (else the first address). Billing: the
    first address (by Id) flagged IsBilling, else the main one. Shipping: the first address
    whose AddressType is "Shipping", else the main one."""
    pairs = _addresses(account)
    if not pairs:
        return {"Main": {}, "Billing": {}, "Shipping": {}}
    main = next(
        (a for loc, a in pairs if loc.get("IsMain") and a.get("IsMain")),
        next((a for _, a in pairs if a.get("IsMain")), pairs[0][1]),
    )
    by_id = sorted((a for _, a in pairs), key=lambda a: a.get("Id") or 0)
    billing = next((a for a in by_id if a.get("IsBilling")), main)
    shipping = next((a for a in by_id if (a.get("AddressType") or "").lower() == "shipping"), main)
    return {"Main": main, "Billing": billing, "Shipping": shipping}


def flatten_account(account: dict) -> dict:
    """One account summary → one flat row (see ACCOUNT_COLUMNS)."""
    picked = pick_addresses(account)
    row = {k: account.get(k) for k in ACCOUNT_COLUMNS if "." not in k}
    for kind, address in picked.items():
        for f in ADDRESS_FIELDS:
            row[f"{kind}.{f}"] = address.get(f)
    # Contact points come from the billing address, falling back to the main one.
    for column, key in (("Phone", "Phone"), ("Fax", "Fax"), ("Email", "EmailAddress")):
        row[column] = picked["Billing"].get(key) or picked["Main"].get(key)
    return row


def accounts_frame(
    client: BmsClient,
    *,
    active_only: bool = False,
    modified_since: datetime | str | None = None,
    account_type: str | None = None,
) -> pd.DataFrame:
    """Customers (CRM accounts) from ``/v2/crm/accounts/summary``, addresses flattened."""
    params: dict[str, str] = {}
    if active_only:
        params["Filter.IsActive"] = "true"
    if modified_since is not None:
        params["Filter.ModifiedOnFrom"] = _filter_value(modified_since)
    if account_type:
        params["Filter.AccountTypeName"] = account_type
    rows = client.fetch_all("/v2/crm/accounts/summary", params=params)
    return build((flatten_account(a) for a in rows), ACCOUNT_COLUMNS)


# -- chart of accounts, services, tax ---------------------------------------------------------


def gl_accounts_frame(client: BmsClient, *, active_only: bool = False) -> pd.DataFrame:
    """The chart of accounts from ``/v2/admin/finance/chartofaccounts``."""
    params = {"Filter.IsActive": "true"} if active_only else {}
    return build(client.fetch_all("/v2/admin/finance/chartofaccounts", params=params), GL_COLUMNS)


def services_frame(client: BmsClient, *, active_only: bool = False) -> pd.DataFrame:
    """Items (services) from ``POST /v2/admin/finance/services/search`` with their GL codes."""
    body = {"Filter": {"IsActive": 1}} if active_only else {}
    rows = client.fetch_all("/v2/admin/finance/services/search", method="POST", body=body)
    return build(rows, SERVICE_COLUMNS)


def tax_items_frame(client: BmsClient) -> pd.DataFrame:
    """Sales tax items (QuickBooks-Desktop style: one rate per item, groups allowed)."""
    params = {"ExternalTenantId": client.settings.external_tenant_id or "reconcile"}
    rows = client.fetch_all("/v2/integration/qbd/salestaxitems", params=params)
    return build(rows, TAX_ITEM_COLUMNS)


# -- invoices -------------------------------------------------------------------------------------


@dataclass
class InvoiceFrames:
    """Invoices as three frames joined on ``InvoiceId`` = ``headers.Id``."""

    headers: pd.DataFrame
    lines: pd.DataFrame
    discounts: pd.DataFrame


class InvoiceFilters(TypedDict, total=False):
    """The invoice summary's filters (``Filter.*`` query parameters)."""

    created_from: datetime | str | None
    created_to: datetime | str | None
    status_id: int | None
    account_id: int | None
    posted_to_accounting: bool | None


FILTER_PARAMS = {
    "created_from": "Filter.CreatedFrom",
    "created_to": "Filter.CreatedTo",
    "status_id": "Filter.StatusId",
    "account_id": "Filter.AccountId",
    "posted_to_accounting": "Filter.PostedToAccounting",
}


def invoice_headers(client: BmsClient, **filters: Unpack[InvoiceFilters]) -> pd.DataFrame:
    """Invoice headers from ``/v2/finance/invoices/summary`` (``INVOICE_COLUMNS``): enough to
    list and choose invoices before loading their lines. ``None`` filters are left out."""
    params = {FILTER_PARAMS[k]: _filter_value(v) for k, v in filters.items() if v is not None}
    return build(client.fetch_all("/v2/finance/invoices/summary", params=params), INVOICE_COLUMNS)


def invoice_details(
    client: BmsClient, invoice_ids: Iterable[int] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The lines and discounts of these invoices (all invoices when ``None``), from the bulk
    ``POST /v2/finance/invoices/details`` and ``/discounts`` calls, 200 ids per request."""
    if invoice_ids is None:
        lines = client.fetch_all("/v2/finance/invoices/details", method="POST", body={})
        discounts = client.fetch_all("/v2/finance/invoices/discounts", method="POST", body={})
        return build(lines, LINE_COLUMNS), build(discounts, DISCOUNT_COLUMNS)
    ids = [int(i) for i in invoice_ids]
    lines, discounts = [], []
    for start in range(0, len(ids), IDS_PER_REQUEST):
        chunk = ",".join(str(i) for i in ids[start : start + IDS_PER_REQUEST])
        body = {"Filter": {"ListInvoiceIds": chunk}}
        lines += client.fetch_all("/v2/finance/invoices/details", method="POST", body=body)
        discounts += client.fetch_all("/v2/finance/invoices/discounts", method="POST", body=body)
    return build(lines, LINE_COLUMNS), build(discounts, DISCOUNT_COLUMNS)


def load_invoices(client: BmsClient, **filters: Unpack[InvoiceFilters]) -> InvoiceFrames:
    """Invoice headers (:func:`invoice_headers`, same filters) with their lines and discounts
    (:func:`invoice_details`): a filtered set asks for its lines by id, everything pages
    through all lines at once."""
    headers = invoice_headers(client, **filters)
    filtered = any(v is not None for v in filters.values())
    lines, discounts = invoice_details(client, headers["Id"] if filtered else None)
    if not filtered:  # only lines of invoices the summary returned
        wanted = set(headers["Id"].dropna())
        lines = lines[lines["InvoiceId"].isin(wanted)].reset_index(drop=True)
        discounts = discounts[discounts["InvoiceId"].isin(wanted)].reset_index(drop=True)
    return InvoiceFrames(headers, lines, discounts)


def load_invoice(client: BmsClient, invoice_id: int) -> InvoiceFrames:
    """One invoice (``GET /v2/finance/invoices/{id}``) as the same three frames."""
    doc = client.result("GET", f"/v2/finance/invoices/{int(invoice_id)}")
    return InvoiceFrames(
        build([doc], INVOICE_COLUMNS),
        build(doc.get("LineItems") or [], LINE_COLUMNS),
        build(doc.get("DiscountItems") or [], DISCOUNT_COLUMNS),
    )


def invoice_statuses(headers: pd.DataFrame) -> pd.DataFrame:
    """The (StatusId, StatusName) pairs found in the data, with counts: BMS publishes no
    status list for invoices (reference §1.7), so the toolkit learns it from the invoices."""
    if headers.empty:
        return build([], STATUS_COLUMNS)
    counts = (
        headers.groupby(["StatusId", "StatusName"], dropna=False)
        .size()
        .reset_index(name="Invoices")
        .sort_values("StatusId")
    )
    return build(counts.to_dict("records"), STATUS_COLUMNS)


# -- writes ---------------------------------------------------------------------------------------


def write_invoice_references(client: BmsClient, references: pd.DataFrame) -> None:
    """Record the QuickBooks id and number on BMS invoices (``PUT
    /v2/integration/qbd/invoices``); ``references`` has InvoiceId, QbInvoiceId,
    QbInvoiceNumber. Writing the same values again changes nothing, so it may be retried."""
    body = [
        {
            "InvoiceId": int(r.InvoiceId),
            "QbInvoiceId": str(r.QbInvoiceId),
            "QbInvoiceNumber": None if pd.isna(r.QbInvoiceNumber) else str(r.QbInvoiceNumber),
        }
        for r in references.itertuples(index=False)
    ]
    client.request("PUT", "/v2/integration/qbd/invoices", json=body, idempotent=True)


def import_payments(client: BmsClient, payments: list[dict]) -> str:
    """Send payments (``QbPaymentImportDto``) to ``POST /v2/integration/qbd/payments``;
    returns the job id. Not retried on a lost answer: the caller checks the job instead."""
    return str(client.result("POST", "/v2/integration/qbd/payments", json=payments))


def job_status(client: BmsClient, job_id: str) -> dict:
    """``{State, JobLogs[]}`` of an import job."""
    return client.result("GET", f"/v2/integration/qbd/jobstatus/{int(job_id)}")


def wait_for_job(
    client: BmsClient,
    job_id: str,
    timeout: float = 120.0,
    every: float = 1.0,
    assumptions: BmsAssumptions = DEFAULT,
) -> dict:
    """Poll a job until it ends (a state of ``assumptions.job_done_states``: Kaseya does not
    document the states)."""
    deadline = time.monotonic() + timeout
    while True:
        status = job_status(client, job_id)
        if assumptions.job_done(status.get("State")):
            return status
        if time.monotonic() >= deadline:
            raise BmsError(f"job {job_id} still {status.get('State')!r} after {timeout:.0f} s")
        time.sleep(every)
