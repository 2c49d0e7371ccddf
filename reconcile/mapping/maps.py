"""The Sync Map of each entity: the seed guide's table, in its order, made executable."""

from __future__ import annotations

from reconcile.mapping.syncmap import EntityMap, FieldRule
from reconcile.mapping.transforms import TRANSFORMS

NOT_WRITABLE = "not sent: not writable in QuickBooks Online"
# Properties set when the toolkit creates a record and never changed afterwards, whoever made
# the record (sync/policy.py): an account's type carries the company's reports and tax lines.
KEPT_TYPE = "an existing account's type is never changed"
KEPT_CURRENCY = "QuickBooks never changes a customer's currency"
CREATE_ONLY = {
    "account": {"AccountType": KEPT_TYPE, "AccountSubType": KEPT_TYPE},
    "customer": {"CurrencyRef.value": KEPT_CURRENCY},
}
# A property that is sent only together with another (kind → {property: the one it goes with}):
# a customer's default tax code means nothing on a customer QuickBooks keeps non-taxable.
GOES_WITH = {"customer": {"DefaultTaxCodeRef": "Taxable"}}


def _address(kind: str, qbo: str) -> list[FieldRule]:
    return [
        FieldRule("Country", "Country", f"{kind}.Country", f"{qbo}.Country"),
        FieldRule("Address 1", "Line 1", f"{kind}.Address1", f"{qbo}.Line1"),
        FieldRule("Address 2", "Line 2", f"{kind}.Address2", f"{qbo}.Line2"),
        FieldRule("City", "City", f"{kind}.City", f"{qbo}.City"),
        FieldRule("Zip Code", "Postal Code", f"{kind}.ZipCode", f"{qbo}.PostalCode"),
        FieldRule("State", "State", f"{kind}.State", f"{qbo}.CountrySubDivisionCode"),
    ]


CUSTOMERS = EntityMap(
    "customer",
    "Customer",
    [
        FieldRule("Account Name", "Display Name", "AccountName", "DisplayName"),
        FieldRule("Account Name", "Company Name", "AccountName", "CompanyName", "company_name"),
        FieldRule(
            "Net Days",
            "Terms",
            "NetDays",
            "SalesTermRef",
            "term",
            'a term "Net N" with DueDays N, created when missing',
        ),
        FieldRule(
            "Credit Limit",
            "Credit Limit",
            "CreditLimit",
            None,
            note=NOT_WRITABLE,
            carried_by="carry_into_notes",
        ),
        FieldRule(
            "Taxable",
            "Is Taxable",
            None,
            "Taxable",
            "taxable",
            "taxable when the account has a sales tax item",
        ),
        FieldRule(
            "Match or Create Tax Item",
            "Tax Rate",
            "SalesTaxItemName",
            "DefaultTaxCodeRef",
            "tax_code",
            "a tax code of the same name, created with the BMS rate when missing",
        ),
        FieldRule(
            "Account Code",
            "Account Number",
            "AccountCode",
            None,
            note=NOT_WRITABLE,
            carried_by="carry_into_notes",
        ),
        FieldRule("Description", "Notes", "Description", "Notes", "notes"),
        FieldRule("Web Site", "Web Site", "Website", "WebAddr.URI"),
        *_address("Billing", "BillAddr"),
        FieldRule("Phone Number", "Primary Phone", "Phone", "PrimaryPhone.FreeFormNumber"),
        *_address("Shipping", "ShipAddr"),
        FieldRule("Fax Number", "Fax", "Fax", "Fax.FreeFormNumber"),
        FieldRule("Email Address", "Main Email", "Email", "PrimaryEmailAddr.Address"),
        FieldRule("Active", "Active", "IsActive", "Active", "flag"),
    ],
    TRANSFORMS,
)

ACCOUNTS = EntityMap(
    "account",
    "Account",
    [
        FieldRule("Code", "Account Number", "Code", "AcctNum"),
        FieldRule("Name", "Name", "Name", "Name"),
        FieldRule("Description", "Description", "Description", "Description"),
        FieldRule(
            "Type",
            "Account Type",
            "TypeName",
            "AccountType",
            "account_type",
            "through the type map ([sync_map.account_types])",
        ),
        FieldRule("Type", "Detail Type", "TypeName", "AccountSubType", "account_subtype"),
        FieldRule(
            "Parent",
            "Sub-account of",
            "ParentId",
            "ParentRef",
            "parent_account",
            "parents are sent before their children",
        ),
        FieldRule("Active", "Active", "IsActive", "Active", "flag"),
    ],
    TRANSFORMS,
)

ITEMS = EntityMap(
    "item",
    "Item",
    [
        FieldRule("Name", "Name", "Name", "Name"),
        FieldRule("Description", "Description", "Description", "Description"),
        FieldRule("Unit Price", "Sales Price/Rate", "UnitPrice", "UnitPrice", "money"),
        FieldRule(
            "Category",
            "Type",
            "Category",
            "Type",
            "item_type",
            "NonInventory for hardware and software, else Service",
        ),
        FieldRule(
            "Income Account",
            "Income Account",
            "IncomeAccountCode",
            "IncomeAccountRef",
            "income_account",
            "the linked GL account, else the default income account",
        ),
        FieldRule(
            "Expense Account",
            "Expense Account",
            "ExpenseAccountCode",
            "ExpenseAccountRef",
            "expense_account",
        ),
        FieldRule("Taxable", "Is Taxable", "IsTaxable", "Taxable", "flag"),
        FieldRule("Id", "SKU", "Id", "Sku", "sku", '"BMS-<id>": a stable key for matching'),
        FieldRule("Active", "Active", "IsActive", "Active", "flag"),
    ],
    TRANSFORMS,
)

MAPS = {m.kind: m for m in (CUSTOMERS, ACCOUNTS, ITEMS)}
