"""QBO entities as DataFrames: one row per entity, nested objects flattened with dotted names.

Column names are the QBO property paths joined with "." — ``BillAddr.Line1``,
``CurrencyRef.value``, ``MetaData.LastUpdatedTime`` — so a reader can find each in Intuit's
API reference. Each entity has a fixed set of core columns that are always present (empty
when QBO omitted the field, as it omits every empty field), followed by any other flattened
field in alphabetical order. Lists (``Line``, ``LinkedTxn``) stay as Python lists in a cell.
"""

from __future__ import annotations

import pandas as pd

_ADDR = ["Line1", "Line2", "Line3", "City", "CountrySubDivisionCode", "PostalCode", "Country"]

CORE_COLUMNS: dict[str, list[str]] = {
    "Customer": [
        "Id",
        "SyncToken",
        "DisplayName",
        "CompanyName",
        "Active",
        "Balance",
        "PrimaryEmailAddr.Address",
        "PrimaryPhone.FreeFormNumber",
        "Fax.FreeFormNumber",
        "WebAddr.URI",
        *(f"BillAddr.{f}" for f in _ADDR),
        *(f"ShipAddr.{f}" for f in _ADDR),
        "Notes",
        "Taxable",
        "SalesTermRef.value",
        "CurrencyRef.value",
        "MetaData.CreateTime",
        "MetaData.LastUpdatedTime",
    ],
    "Account": [
        "Id",
        "SyncToken",
        "Name",
        "AcctNum",
        "AccountType",
        "AccountSubType",
        "Classification",
        "FullyQualifiedName",
        "ParentRef.value",
        "SubAccount",
        "Active",
        "CurrentBalance",
        "Description",
        "MetaData.LastUpdatedTime",
    ],
    "Item": [
        "Id",
        "SyncToken",
        "Name",
        "Sku",
        "Type",
        "Description",
        "UnitPrice",
        "Taxable",
        "IncomeAccountRef.value",
        "ExpenseAccountRef.value",
        "Active",
        "MetaData.LastUpdatedTime",
    ],
    "Invoice": [
        "Id",
        "SyncToken",
        "DocNumber",
        "TxnDate",
        "DueDate",
        "CustomerRef.value",
        "CustomerRef.name",
        "SalesTermRef.value",
        "TotalAmt",
        "Balance",
        "TxnTaxDetail.TotalTax",
        "PrivateNote",
        "Line",
        "LinkedTxn",
        "MetaData.LastUpdatedTime",
    ],
    "Payment": [
        "Id",
        "SyncToken",
        "TxnDate",
        "CustomerRef.value",
        "CustomerRef.name",
        "TotalAmt",
        "UnappliedAmt",
        "PaymentRefNum",
        "PaymentMethodRef.value",
        "DepositToAccountRef.value",
        "PrivateNote",
        "Line",
        "MetaData.LastUpdatedTime",
    ],
    "Term": ["Id", "SyncToken", "Name", "Type", "DueDays", "Active"],
    "TaxCode": ["Id", "Name", "Description", "Taxable", "Active"],
    "TaxRate": ["Id", "Name", "RateValue", "Active"],
    "PaymentMethod": ["Id", "SyncToken", "Name", "Type", "Active"],
}


def to_frame(entity: str, rows: list[dict]) -> pd.DataFrame:
    """Flatten QBO entity dicts into a frame with the entity's stable core columns first."""
    core = CORE_COLUMNS.get(entity, ["Id", "SyncToken"])
    if not rows:
        return pd.DataFrame(columns=core)
    flat = pd.json_normalize(rows, sep=".")
    flat = flat.drop(columns=[c for c in ("domain", "sparse") if c in flat.columns])
    extra = sorted(c for c in flat.columns if c not in core)
    return flat.reindex(columns=[*core, *extra])
