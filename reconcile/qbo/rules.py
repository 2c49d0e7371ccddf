"""QuickBooks Online's field rules: one compact table per entity, one generic walker.

Pure: no storage; it reads Intuit's entity reference (``reconcile.qbo.reference``) once. Two
users: the toolkit checks a mapped record with `violations()` before sending it
(reconcile.mapping.validation: structured `Violation`s, rendered as problems a person reads),
and the local sandbox enforces the same rules with `validate()` (the same violations, answered
as QuickBooks' faults) before it stores a body (resolving the ids returned by `references()`
itself). Every property of Intuit's reference is accepted: the tables below hold what we know
beyond it (enumerations, forbidden characters, ranges, references), and the properties they
leave out are checked as the reference types them; a documented maximum length applies where
the table has none. What the tables hold that the reference does not is listed in
`UNDOCUMENTED` with its source. Facts come
from ../shared/reference/qbo-api.md: §2 (full vs sparse updates), §4 (fields, limits, rules) and
§5 (error codes). Deliberate simplifications:

- `null` counts as "not sent"; so does `""` for non-string kinds (dates, numbers, refs) and
  for enumerations; the sandbox stores neither (python-quickbooks sends `""` for every unset
  attribute and QuickBooks accepts it).
- Type mismatches use 2090 (numbers), 2070 (dates) and 2010 (anything else).
- Refs to entities the emulator does not model (Currency, Project, …) are
  type-checked but left out of `references()`, as are the US pseudo tax codes TAX and NON.
- Vendor and Employee list only the properties the QBO reference is sure of; any other one
  (e.g. Vendor.Notes) is refused with 2010 like every unknown property.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from reconcile.qbo import reference
from reconcile.qbo.faults import Fault, unsupported


@dataclass(frozen=True)
class FieldSpec:
    """How one property is checked. `shape` (sub-fields of an object / of each list item) and
    `bounds` (inclusive numeric range) are optional extras."""

    kind: str
    max_len: int | None = None
    ref_entity: str | None = None
    enum: tuple | None = None
    no_chars: str = ""
    shape: dict[str, FieldSpec] | None = None
    bounds: tuple[float, float] | None = None
    # The larger maximum length of two disagreeing Intuit sources (`DISPUTED_LENGTHS`).
    lenient_len: int | None = None


@dataclass(frozen=True)
class EntitySpec:
    """An entity: its known top-level properties and how the API treats it."""

    name: str
    fields: dict[str, FieldSpec]
    read_only: bool = False
    name_list: bool = False
    unique_name_field: str | None = None
    sparse_update: bool = True


# --- compact constructors for the tables ----------------------------------------------------
def _s(n: int | None = None, no: str = "") -> FieldSpec:
    """A string of at most `n` characters, none of them in `no`."""
    return FieldSpec("str", max_len=n, no_chars=no)


def _e(*values: str) -> FieldSpec:
    """A string enumeration."""
    return FieldSpec("str", enum=values)


def _r(entity: str) -> FieldSpec:
    """A ReferenceType `{"value", "name"}` pointing at `entity`."""
    return FieldSpec("ref", ref_entity=entity)


def _n(kind: str = "decimal", lo: float | None = None, hi: float | None = None) -> FieldSpec:
    """A number (`decimal` or `int`), optionally bounded."""
    return FieldSpec(kind, bounds=None if lo is None else (lo, hi))


def _ro(*names: str) -> dict[str, FieldSpec]:
    """Read-only/system properties: accepted and ignored (a full update echoes them back)."""
    return {n: FieldSpec("readonly") for n in names}


def _all(spec: FieldSpec, *names: str) -> dict[str, FieldSpec]:
    """The same spec for several properties."""
    return dict.fromkeys(names, spec)


_BOOL, _DATE, _OBJ, _LIST, _ADDR, _EMAIL, _PHONE, _WEB = (
    FieldSpec(k) for k in ("bool", "date", "object", "list", "address", "email", "phone", "web")
)
_NAME_CHARS = ":\t\n"  # §4 Customer: name fields "must not contain colon, tab, or newline"

# Nested shapes (§4 "Reference shapes" and PhysicalAddress length limits).
_TAG = _ro("Id", "Default", "Tag")
_SHAPES: dict[str, dict[str, FieldSpec]] = {
    "ref": {"value": FieldSpec("id"), "name": _s(), "type": _s()},
    "email": {"Address": _s(100), **_TAG},
    "web": {"URI": _s(1000), **_TAG},
    "phone": {
        "FreeFormNumber": _s(30),
        **_TAG,
        **_ro("DeviceType", "CountryCode", "AreaCode", "ExchangeCode", "Extension"),
    },
    "address": {
        **_all(_s(500), "Line1", "Line2", "Line3", "Line4", "Line5"),
        "City": _s(255),
        "CountrySubDivisionCode": _s(255),
        "PostalCode": _s(30),
        "Country": _s(255),
        **_all(_s(), "CountryCode", "County", "PostalCodeSuffix", "Note"),
        **_ro("Id", "Lat", "Long"),
    },
}

# §4 Account: the 16 AccountTypeEnum values and the (inferred) Type → Classification mapping.
_CLASSIFICATION = {
    "Asset": ("Bank", "Accounts Receivable", "Other Current Asset", "Fixed Asset", "Other Asset"),
    "Liability": (
        "Accounts Payable",
        "Credit Card",
        "Other Current Liability",
        "Long Term Liability",
    ),
    "Equity": ("Equity",),
    "Revenue": ("Income", "Other Income"),
    "Expense": ("Cost of Goods Sold", "Expense", "Other Expense"),
}
_ACCOUNT_TYPES = (*(t for ts in _CLASSIFICATION.values() for t in ts), "Non-Posting")
DEFAULT_SUBTYPE: dict[str, str] = {
    "Bank": "Checking",
    "Accounts Receivable": "AccountsReceivable",
    "Other Current Asset": "OtherCurrentAssets",
    "Fixed Asset": "OtherFixedAssets",
    "Other Asset": "OtherLongTermAssets",
    "Accounts Payable": "AccountsPayable",
    "Credit Card": "CreditCard",
    "Other Current Liability": "OtherCurrentLiabilities",
    "Long Term Liability": "OtherLongTermLiabilities",
    "Equity": "OwnersEquity",
    "Income": "ServiceFeeIncome",
    "Cost of Goods Sold": "SuppliesMaterialsCogs",
    "Expense": "OtherMiscellaneousServiceCost",
    "Other Income": "OtherMiscellaneousIncome",
    "Other Expense": "OtherMiscellaneousExpense",
}
# The type of an account created with AccountSubType alone: the defaults above and the pairs seen
# in recorded answers (§4 Account "common pairs"). Intuit's full type → subtype table is not
# transcribed; a subtype outside these gets "Expense" (an assumption, docs/sandbox-fidelity.md).
SUBTYPE_TYPE: dict[str, str] = {
    **{subtype: kind for kind, subtype in DEFAULT_SUBTYPE.items()},
    "Savings": "Bank",
    "UndepositedFunds": "Other Current Asset",
    "Inventory": "Other Current Asset",
    "SalesOfProductIncome": "Income",
}

# §4 Invoice lines and their detail objects; §4 Payment lines.
_TAXCODE = FieldSpec("ref")  # US pseudo codes TAX/NON: checked by the 6100 rule, not resolved
# TxnLineId is a String in Intuit's reference, but python-quickbooks sends a number
# (`to_linked_txn()`: 1; a read-back LinkedTxn: 0) and QuickBooks accepts it [3P].
_LINKED = FieldSpec(
    "list", shape={"TxnId": FieldSpec("id"), "TxnType": _s(), "TxnLineId": FieldSpec("id")}
)
_SALES_DETAIL = {
    "ItemRef": _r("Item"),
    "TaxCodeRef": _TAXCODE,
    "ClassRef": _r("Class"),
    "ServiceDate": _DATE,
    **_all(_n(), "UnitPrice", "Qty", "DiscountRate", "DiscountAmt", "TaxInclusiveAmt"),
    "ItemAccountRef": _r("Account"),
    "PriceLevelRef": _r("PriceLevel"),
    "MarkupInfo": _OBJ,
    **_ro("TaxClassificationRef"),
}
_DISCOUNT_DETAIL = {
    "PercentBased": _BOOL,
    "DiscountPercent": _n(),
    "DiscountAccountRef": _r("Account"),
    "ClassRef": _r("Class"),
    "TaxCodeRef": _TAXCODE,
    "Discount": _OBJ,
}
_LINE_TYPES = (
    "SalesItemLineDetail",
    "SubTotalLineDetail",
    "DiscountLineDetail",
    "DescriptionOnly",
    "GroupLineDetail",
)
_INVOICE_LINE = {
    **_ro("Id", "LineNum"),
    "Description": _s(4000),
    "Amount": _n(),
    "DetailType": _e(*_LINE_TYPES),
    "LinkedTxn": _LINKED,
    "ProjectRef": _r("Project"),
    "SalesItemLineDetail": FieldSpec("object", shape=_SALES_DETAIL),
    "DiscountLineDetail": FieldSpec("object", shape=_DISCOUNT_DETAIL),
    "GroupLineDetail": FieldSpec(
        "object", shape={"GroupItemRef": _r("Item"), "Quantity": _n(), "Line": _LIST}
    ),
    **_all(_OBJ, "SubTotalLineDetail", "DescriptionLineDetail"),
    "CustomField": _LIST,
}
_PAYMENT_LINE = {
    **_ro("Id", "LineNum", "DetailType"),
    "Description": _s(4000),
    "Amount": _n(),
    "LinkedTxn": _LINKED,
    "LineEx": _OBJ,
}
# What an invoice and a credit memo share (Intuit's Invoice and CreditMemo references: the
# same sales form, XSD SalesTransaction): a customer, sales lines, tax, addresses, currency.
_SALES_FORM = {
    "CustomerRef": _r("Customer"),
    "Line": FieldSpec("list", shape=_INVOICE_LINE),
    "DocNumber": _s(21),
    "TxnDate": _DATE,
    "SalesTermRef": _r("Term"),
    "TxnTaxDetail": _OBJ,
    "GlobalTaxCalculation": _e("TaxExcluded", "TaxInclusive", "NotApplicable"),
    "CustomerMemo": FieldSpec("memo", max_len=1000),
    "PrivateNote": _s(4000),
    "BillEmail": _EMAIL,
    **_all(_ADDR, "BillAddr", "ShipAddr"),
    "EmailStatus": _e("NotSet", "NeedToSend", "EmailSent"),
    "PrintStatus": _e("NotSet", "NeedToPrint", "PrintComplete"),
    "ApplyTaxAfterDiscount": _BOOL,
    "CustomField": _LIST,
    "CurrencyRef": _r("Currency"),
    "ExchangeRate": _n(),
    "ClassRef": _r("Class"),
    "DepartmentRef": _r("Department"),
    "ProjectRef": _r("Project"),
    **_ro("TotalAmt", "Balance", "HomeTotalAmt", "HomeBalance", "LinkedTxn", "RecurDataRef"),
}
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# §4 Customer: the name fields Customer, Vendor and Employee share (XSD NameBase).
_NAME_BASE = {
    "DisplayName": _s(500, _NAME_CHARS),
    "PrintOnCheckName": _s(110, _NAME_CHARS),
    **_all(_s(16, _NAME_CHARS), "Title", "Suffix"),
    **_all(_s(100, _NAME_CHARS), "GivenName", "MiddleName", "FamilyName"),
    "PrimaryEmailAddr": _EMAIL,
    **_all(_PHONE, "PrimaryPhone", "Mobile"),
    "Active": _BOOL,
    **_ro("V4IDPseudonym"),
}

_FIELDS: dict[str, dict[str, FieldSpec]] = {
    "Customer": {  # §4 Customer
        **_NAME_BASE,
        "CompanyName": _s(100),
        "Notes": _s(2000),
        "ResaleNum": _s(16),
        "WebAddr": _WEB,
        "BillAddr": _ADDR,
        "ShipAddr": _ADDR,
        **_all(_PHONE, "AlternatePhone", "Fax"),
        **_all(_BOOL, "Taxable", "Job", "BillWithParent"),
        "DefaultTaxCodeRef": _r("TaxCode"),
        "SalesTermRef": _r("Term"),
        "PaymentMethodRef": _r("PaymentMethod"),
        "CustomerTypeRef": _r("CustomerType"),
        "ParentRef": _r("Customer"),
        "ARAccountRef": _r("Account"),
        "CurrencyRef": _r("Currency"),
        "Balance": _n(),
        "OpenBalanceDate": _DATE,  # opening balance, writable on create only
        "PreferredDeliveryMethod": _e("Print", "Email", "None"),
        "TaxExemptionReasonId": _n("int"),
        **_all(
            _s(),
            "PrimaryTaxIdentifier",
            "SecondaryTaxIdentifier",
            "GSTIN",
            "GSTRegistrationType",
            "BusinessNumber",
        ),
        **_ro("BalanceWithJobs", "FullyQualifiedName", "Level", "IsProject"),
    },
    "Vendor": {  # QBO Vendor reference; Vendor.AcctNum exists in QBO (§4 Customer, note)
        **_NAME_BASE,
        "CompanyName": _s(100),
        "WebAddr": _WEB,
        "BillAddr": _ADDR,
        **_all(_PHONE, "AlternatePhone", "Fax"),
        "TermRef": _r("Term"),
        "APAccountRef": _r("Account"),
        "CurrencyRef": _r("Currency"),
        "AcctNum": _s(),
        "Vendor1099": _BOOL,
        "TaxIdentifier": _s(),
        **_all(_n(), "BillRate", "CostRate"),
        # Also in Intuit's Vendor reference (locale-specific; python-quickbooks sends
        # TaxReportingBasis "" on every save): accepted as QuickBooks does.
        **_all(_s(), "TaxReportingBasis", "GSTIN", "GSTRegistrationType", "BusinessNumber"),
        **_all(_BOOL, "T4AEligible", "T5018Eligible", "HasTPAR"),
        **_all(_OBJ, "OtherContactInfo", "VendorPaymentBankDetail"),
        **_ro("Balance", "Source"),
    },
    "Employee": {  # QBO Employee reference; SSN is answered masked
        **_NAME_BASE,
        "PrimaryAddr": _ADDR,
        "EmployeeNumber": _s(),
        "SSN": _s(),
        **_all(_DATE, "HiredDate", "ReleasedDate", "BirthDate"),
        "BillableTime": _BOOL,
        **_all(_n(), "BillRate", "CostRate"),
        "Gender": _e("Male", "Female"),
        **_ro("Organization"),
    },
    "Account": {  # §4 Account; AcctNum max 7 for US companies (20 for AU/CA)
        "Name": _s(100, '":'),
        "AcctNum": _s(7, ":"),
        "AccountType": _e(*_ACCOUNT_TYPES),
        "AccountSubType": _s(),  # 298 XSD values: not enumerated here
        "Description": _s(100),
        "Active": _BOOL,
        "SubAccount": _BOOL,
        "ParentRef": _r("Account"),
        "CurrencyRef": _r("Currency"),
        "TaxCodeRef": _r("TaxCode"),
        "AccountAlias": _s(),
        "TxnLocationType": _s(),
        **_ro(
            "FullyQualifiedName",
            "Classification",
            "CurrentBalance",
            "CurrentBalanceWithSubAccounts",
            "Level",
        ),
    },
    "Item": {  # §4 Item
        "Name": _s(100, ":"),
        "Sku": _s(100),
        "Description": _s(4000),
        "PurchaseDesc": _s(4000),
        "Type": _e("Service", "Inventory", "NonInventory", "Category", "Bundle"),
        **_all(_r("Account"), "IncomeAccountRef", "ExpenseAccountRef", "AssetAccountRef"),
        **_all(_n(), "UnitPrice", "PurchaseCost", "QtyOnHand", "ReorderPoint"),
        **_all(
            _BOOL,
            "Taxable",
            "SalesTaxIncluded",
            "PurchaseTaxIncluded",
            "SubItem",
            "Active",
            "TrackQtyOnHand",
            "PrintGroupedItems",
        ),
        **_all(_r("TaxCode"), "SalesTaxCodeRef", "PurchaseTaxCodeRef"),
        "ParentRef": _r("Item"),
        "InvStartDate": _DATE,
        "ClassRef": _r("Class"),
        "PrefVendorRef": _r("Vendor"),
        "ItemGroupDetail": _OBJ,
        **_ro("FullyQualifiedName", "Level", "QtyOnPurchaseOrder", "QtyOnSalesOrder"),
    },
    "Invoice": {  # §4 Invoice
        **_SALES_FORM,
        "PONumber": _s(15),
        "FOB": _s(15),
        "TrackingNum": _s(),
        **_all(_DATE, "DueDate", "ShipDate"),
        **_all(_EMAIL, "BillEmailCc", "BillEmailBcc"),
        "ShipFromAddr": _ADDR,
        **_all(
            _BOOL,
            "AllowOnlinePayment",
            "AllowOnlineCreditCardPayment",
            "AllowOnlineACHPayment",
            "AllowIPNPayment",
        ),
        "ShipMethodRef": _r("ShipMethod"),
        "Deposit": _n(),
        "DepositToAccountRef": _r("Account"),
        **_ro(
            "InvoiceLink",
            "TxnSource",
            "DeliveryInfo",
            "EInvoiceStatus",
            "TxnStatus",
            "FreeFormAddress",
        ),  # system defined (Intuit's Invoice reference)
    },
    "CreditMemo": {  # Intuit's CreditMemo reference: an invoice's form, as a credit
        **_SALES_FORM,
        "InvoiceRef": _r("Invoice"),  # "Needed for GST compliance"
        # TotalAmt: "any value you supply is over-written by QuickBooks"; RemainingCredit
        # and Balance read only (the reference).
        **_ro("RemainingCredit"),
    },
    "Payment": {  # §4 Payment
        "CustomerRef": _r("Customer"),
        "TotalAmt": _n(),
        "TxnDate": _DATE,
        "Line": FieldSpec("list", shape=_PAYMENT_LINE),
        "PaymentRefNum": _s(),
        "PaymentMethodRef": _r("PaymentMethod"),
        **_all(_r("Account"), "DepositToAccountRef", "ARAccountRef"),
        "PrivateNote": _s(4000),
        "CurrencyRef": _r("Currency"),
        "ExchangeRate": _n(),
        "ProcessPayment": _BOOL,
        "CreditCardPayment": _OBJ,
        "ProjectRef": _r("Project"),
        **_ro("UnappliedAmt", "HomeTotalAmt", "TxnStatus", "TxnSource", "LinkedTxn"),
    },
    "Term": {  # §4 Term: Type is read-only; ranges as in the reference
        "Name": _s(31),
        "Active": _BOOL,
        **_ro("Type"),
        "DueDays": _n("int", 0, 999),
        "DiscountDays": _n("int", 0, 999),
        "DiscountPercent": _n("decimal", 0, 100),
        "DayOfMonthDue": _n("int", 1, 31),
        "DueNextMonthDays": _n("int", 1, 999),
        "DiscountDayOfMonth": _n("int", 1, 31),
    },
    "PaymentMethod": {
        "Name": _s(31),
        "Active": _BOOL,
        "Type": _e("CREDIT_CARD", "NON_CREDIT_CARD"),
    },
    # Class and Department (QuickBooks' "location"): name lists of the company's own
    # (Intuit's entity reference: create, read, query, update; Invoice.ClassRef/DepartmentRef);
    # SubClass / SubDepartment are system defined (from ParentRef).
    **{
        entity: {
            "Name": _s(100),
            "Active": _BOOL,
            "ParentRef": _r(entity),
            **_ro(f"Sub{entity}", "FullyQualifiedName"),
        }
        for entity in ("Class", "Department")
    },
    "TaxCode": {  # §4 TaxCode / TaxRate: read-only through their own endpoints
        "Name": _s(10),
        "Description": _s(31),
        **_all(_BOOL, "Active", "Taxable", "TaxGroup", "Hidden"),
        **_ro("SalesTaxRateList", "PurchaseTaxRateList", "TaxCodeConfigType"),
    },
    "TaxRate": {
        "Name": _s(),
        "Description": _s(),
        "RateValue": _n(),
        "Active": _BOOL,
        "AgencyRef": _r("TaxAgency"),
        "TaxReturnLineRef": _r("TaxReturnLine"),
        "SpecialTaxType": _e(
            "NONE", "ZERO_RATE", "FOREIGN_TAX", "REVERSE_CHARGE", "ADJUSTMENT_RATE"
        ),
        "DisplayType": _e("ReadOnly", "HideInTransactionForms", "HideInPrintedForms", "HideInAll"),
        **_ro("EffectiveTaxRate", "OriginalTaxRate"),
    },
    "TaxAgency": {  # read-only here (QBO can create agencies; TaxService cannot, §4)
        "DisplayName": _s(100),
        **_all(_BOOL, "TaxTrackedOnSales", "TaxTrackedOnPurchases"),
        "TaxRegistrationNumber": _s(),
        "ReportingPeriod": _s(),
        "LastFileDate": _DATE,
        **_ro("TaxAgencyConfig"),
    },
    "CompanyInfo": {  # read and update only
        "CompanyName": _s(),
        "LegalName": _s(),
        "WebAddr": _WEB,
        "PrimaryPhone": _PHONE,
        **_all(_ADDR, "CompanyAddr", "CustomerCommunicationAddr", "LegalAddr"),
        **_all(_EMAIL, "Email", "CustomerCommunicationEmailAddr"),
        "FiscalYearStartMonth": _e(*_MONTHS),
        **_ro(
            "Country",
            "CompanyStartDate",
            "SupportedLanguages",
            "NameValue",
            "DefaultTimeZone",
            "EmployerId",
            "CompanyType",
        ),
    },
    # Read and update only (Intuit's Preferences reference); the *Prefs sections are taken
    # as the reference types them. The sandbox answers it (read-only there, as CompanyInfo).
    "Preferences": {},
}
# §4 "Required on create"; also on full updates (omitted writables are set to NULL, §2).
_REQUIRED = {
    "Account": ("Name",),
    "Item": ("Name",),
    "Invoice": ("CustomerRef", "Line"),
    "CreditMemo": ("CustomerRef", "Line"),
    "Payment": ("CustomerRef", "TotalAmt"),
    "Term": ("Name",),
    "PaymentMethod": ("Name",),
    "Class": ("Name",),
    "Department": ("Name",),
}
# §4 Customer: DisplayName is unique across these three lists together (6240).
PEOPLE = ("Customer", "Vendor", "Employee")
_UNIQUE = {
    **dict.fromkeys(PEOPLE, "DisplayName"),
    **dict.fromkeys(("Account", "Item", "Term", "PaymentMethod", "Class", "Department"), "Name"),
}

# §4 TaxService: the body of POST taxservice/taxcode (not an entity: no Id, no envelope).
_TAX_RATE_DETAIL = {
    "TaxRateId": FieldSpec("id"),
    "TaxRateName": _s(),
    "RateValue": _n("decimal", 0, 100),
    "TaxAgencyId": FieldSpec("id"),
    "TaxApplicableOn": _e("Sales", "Purchase"),
}
_TAX_SERVICE = {
    "TaxCode": _s(10),
    "TaxCodeId": FieldSpec("readonly"),
    "TaxRateDetails": FieldSpec("list", shape=_TAX_RATE_DETAIL),
}


def _from_reference(attr: reference.Attribute) -> FieldSpec:
    """A documented property the tables above leave out, checked as its type says."""
    kind = attr.type.lower()
    if attr.read_only:
        return FieldSpec("readonly")  # QuickBooks ignores it in a request
    if attr.reference:
        return FieldSpec("ref")
    if attr.is_list:
        return _LIST
    if kind in ("string", "sting"):  # "Sting": Intuit's typo, twice
        return _s(attr.max_len)
    if kind == "boolean":
        return _BOOL
    if kind == "date":
        return _DATE
    if kind in ("decimal", "bigdecimal"):
        return _n()
    if kind in ("integer", "positive integer"):
        return _n("int")
    return FieldSpec("any")  # a nested type or an enumeration: not checked further


# Where the tables' maximum length (reference/qbo-api.md §4: Intuit's XSD and samples) and
# Intuit's entity reference disagree: path → (the table's, the reference's). Filled while the
# tables are completed; tests/qbo/test_reference.py lists the expected ones.
DISPUTED_LENGTHS: dict[str, tuple[int, int]] = {}
_KINDS_WITH_SHAPES = ("address", "email", "phone", "web")  # refs keep {value, name, type}
# Documented names QuickBooks does not use: path → what it uses, with the source.
MISNAMED = {
    # Intuit's Invoice reference names the subtotal line's detail "SubtotalLineDetail"; the
    # API's DetailType value and the property of every recorded answer is SubTotalLineDetail
    # [observed: reference/qbo-api.md §4 Invoice sample; python-quickbooks SubtotalLine].
    "Invoice.Line.SubtotalLineDetail": "SubTotalLineDetail",
}


def _complete(
    shape: dict[str, FieldSpec], documented: dict[str, reference.Attribute], path: str
) -> dict[str, FieldSpec]:
    """``shape`` completed from Intuit's reference (module doc, issue 11): every documented
    property accepted, the tables' specs kept where they agree with it."""
    merged = {
        a.name: _from_reference(a)
        for a in documented.values()
        if a.name not in shape and f"{path}.{a.name}" not in MISNAMED
    }
    for key, spec in shape.items():
        attr = documented.get(key)
        merged[key] = spec if attr is None else _agree(spec, attr, f"{path}.{key}")
    return merged


def _agree(spec: FieldSpec, attr: reference.Attribute, path: str) -> FieldSpec:
    """A table's spec with the reference's maximum length and nested properties."""
    if spec.kind == "str" and attr.max_len:
        if spec.max_len is None:
            spec = replace(spec, max_len=attr.max_len)
        elif spec.max_len != attr.max_len:  # two Intuit sources: see `validate`
            DISPUTED_LENGTHS[path] = (spec.max_len, attr.max_len)
            low, high = sorted((spec.max_len, attr.max_len))
            spec = replace(spec, max_len=low, lenient_len=high)
    inner = spec.shape
    if inner is None and spec.kind in _KINDS_WITH_SHAPES:
        inner = _SHAPES[spec.kind]
    nested = reference.attributes(attr.type) if inner is not None else {}
    if nested:  # a line, its detail, an address…: the documented sub-properties too
        spec = replace(spec, shape=_complete(inner, nested, path))
    return spec


def _with_reference(name: str, fields: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
    """The table of ``name`` completed from Intuit's reference."""
    return _complete(fields, reference.attributes(name), name)


# In the tables above, not in Intuit's entity reference: where each comes from. To confirm
# against recorded answers (issue 11); until then QuickBooks may refuse one with 2010.
_FACT_SHEET = "reference/qbo-api.md §4, not in Intuit's entity reference"
UNDOCUMENTED: dict[str, dict[str, str]] = {
    **{
        p: {"V4IDPseudonym": "read only; returned by QuickBooks [observed in answers, fact sheet]"}
        for p in ("Customer", "Vendor")
    },  # Employee: documented
    "Account": {"Level": f"read only; {_FACT_SHEET}"},
    "Item": {
        k: _FACT_SHEET
        for k in ("ItemGroupDetail", "PrintGroupedItems", "QtyOnPurchaseOrder", "QtyOnSalesOrder")
    },
    "Invoice": {
        "PONumber": f"max 15; {_FACT_SHEET}",
        "FOB": f"max 15; {_FACT_SHEET}",
        "EInvoiceStatus": f"read only; {_FACT_SHEET}",
        "TxnStatus": f"read only; {_FACT_SHEET}",
    },
    "Payment": {
        "ProcessPayment": _FACT_SHEET,
        "LinkedTxn": f"read only; {_FACT_SHEET}",
        "HomeTotalAmt": f"read only; {_FACT_SHEET}",
        "TxnStatus": f"read only; {_FACT_SHEET}",
    },
    "CreditMemo": {
        "LinkedTxn": "read only; the payments that take its credit, as on an invoice "
        "[assumption: XSD Transaction.LinkedTxn; Intuit's samples of an applied memo show none]",
    },
    "TaxAgency": {"ReportingPeriod": _FACT_SHEET},
    "CompanyInfo": {
        k: f"read only; {_FACT_SHEET}"
        for k in ("CompanyType", "CustomerCommunicationEmailAddr", "DefaultTimeZone", "EmployerId")
    },
}
# The same for nested properties, by path (one entity stands for the shapes all share).
_XSD = "Intuit's v3 XSD (reference/qbo-api.md §4 sources), not in Intuit's entity reference"
UNDOCUMENTED_NESTED: dict[str, str] = {
    "Invoice.Line.DiscountLineDetail.Discount": f"XSD DiscountLineDetail; {_XSD}",
    **{f"Invoice.Line.{k}": f"XSD Line; {_XSD}" for k in ("LinkedTxn", "CustomField")},
    "Invoice.Line.ProjectRef": f"XSD Line (projects, minor version 69); {_XSD}",
    "Invoice.Line.SalesItemLineDetail.PriceLevelRef": f"XSD SalesItemLineDetail; {_XSD}",
    **{
        f"Payment.Line.{k}": f"XSD Line (read only in a payment); {_XSD}"
        for k in ("Id", "LineNum", "DetailType", "Description", "LineEx")
    },
    **{
        f"Customer.PrimaryPhone.{k}": f"XSD TelephoneNumber (read only); {_XSD}"
        for k in (
            "Id",
            "Default",
            "Tag",
            "DeviceType",
            "CountryCode",
            "AreaCode",
            "ExchangeCode",
            "Extension",
        )
    },
    **{
        f"Invoice.BillAddr.{k}": f"XSD PhysicalAddress; {_XSD}"
        for k in ("CountryCode", "County", "PostalCodeSuffix", "Note")
    },
    **{
        f"Customer.{p}.{k}": f"XSD {t} (read only); {_XSD}"
        for p, t in (("WebAddr", "WebSiteAddress"), ("PrimaryEmailAddr", "EmailAddress"))
        for k in ("Id", "Default", "Tag")
    },
}


# Transactions: deleted or voided, never made inactive (§2; Intuit's deleteEntityies).
TRANSACTIONS = ("Invoice", "Payment", "CreditMemo")
# Entities whose operations follow Intuit's lists (`reference.operations`) as written. The
# lists name a sparse update for Customer, Invoice and CompanyInfo only, yet QuickBooks takes
# one for vendors, items, accounts and terms too [3P: python-quickbooks, tests/conformance]:
# for the entities served before the lists were read behaviour wins; CreditMemo, with no
# recorded answer either way, is held to the paper (create, read, query, full update, delete).
_AS_DOCUMENTED = ("CreditMemo",)


def _sparse_update(name: str) -> bool:
    """Whether the sandbox takes ``"sparse": true`` updates of the entity."""
    return name not in _AS_DOCUMENTED or "sparseUpdate" in reference.operations(name)


ENTITIES: dict[str, EntitySpec] = {
    name: EntitySpec(
        name,
        {
            **_ro("Id", "SyncToken", "MetaData", "domain", "sparse"),
            **_with_reference(name, fields),
        },
        read_only=name in ("TaxCode", "TaxRate", "TaxAgency"),
        name_list=name not in (*TRANSACTIONS, "CompanyInfo", "Preferences"),  # §2
        unique_name_field=_UNIQUE.get(name),
        sparse_update=_sparse_update(name),
    )
    for name, fields in _FIELDS.items()
}
ENDPOINTS: dict[str, str] = {name.lower(): name for name in ENTITIES}


def classification(account_type: str) -> str:
    """Account.Classification derived from AccountType (§4 Account); "" for Non-Posting."""
    for cls, types in _CLASSIFICATION.items():
        if account_type in types:
            return cls
    if account_type == "Non-Posting":
        return ""
    raise ValueError(f"unknown AccountType {account_type!r}")


# --- the walker -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Violation:
    """One rule a body breaks, as data: QuickBooks' error code (§5), the element, the rule in
    a word a program reads ("length", "characters", "e-mail", "required", "value", "range",
    "type", "unknown property", "negative", "arithmetic", "tax code"), QuickBooks' own
    wording, the limit (a length, allowed characters, values or bounds) and the value found.
    The sandbox answers it as QuickBooks' fault (:meth:`fault`); the toolkit's validation
    (``reconcile.mapping.validation``) turns it into a problem a person reads."""

    code: str
    element: str
    rule: str
    detail: str
    limit: Any = None
    value: Any = None

    def fault(self) -> Fault:
        return Fault(self.code, self.detail, self.element)


class _Rank:
    """Violations are collected with a rank that orders the report by check family."""

    UNKNOWN, TYPE, LENGTH, CHARS, MAIL, ENUM, REQUIRED, NEGATIVE, ARITH, TAXCODE = range(10)


_Errs = list[tuple[int, Violation]]
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _num(v: Any, kind: str = "decimal") -> Decimal | None:
    """A finite number (JSON number or numeric string), or None."""
    if isinstance(v, bool) or not isinstance(v, int | float | str):
        return None
    try:
        d = Decimal(str(v).strip())
    except InvalidOperation:
        return None
    if not d.is_finite() or (kind == "int" and d != d.to_integral_value()):
        return None
    return d


def _bad_type(errs: _Errs, path: str, v: Any, code: str = "2010") -> None:
    detail = f"Property Name:{path} specifies an unsupported value. Supplied value:{v!r}"
    errs.append((_Rank.TYPE, Violation(code, path, "type", detail, value=v)))


def _walk(
    shape: dict[str, FieldSpec], obj: dict, path: str, errs: _Errs, cls: str, lenient: bool
) -> None:
    """Check every property of `obj` against `shape`, recursing into nested shapes."""
    for key, v in obj.items():
        p = f"{path}.{key}" if path else key
        spec = shape.get(key)
        if spec is None:
            detail = (
                f'Property Name:Unrecognized field "{key}" (class com.intuit.schema.finance.v3.'
                f"{cls}), not marked as ignorable specified is unsupported or invalid"
            )
            errs.append((_Rank.UNKNOWN, Violation("2010", p, "unknown property", detail, value=v)))
        else:
            _value(spec, v, p, errs, cls, lenient)


def _value(spec: FieldSpec, v: Any, p: str, errs: _Errs, cls: str, lenient: bool) -> None:
    kind = spec.kind
    # "" is "not set" except for a plain string (python-quickbooks sends "" for every unset
    # attribute, enumerations included, and QuickBooks accepts it [3P: python-quickbooks 0.9.12])
    if kind in ("readonly", "any") or v is None or (v == "" and (kind != "str" or spec.enum)):
        return
    if kind in ("decimal", "int"):
        d = _num(v, kind)
        if d is None:
            return _bad_type(errs, p, v, "2090")
        if spec.bounds and not spec.bounds[0] <= d <= spec.bounds[1]:
            lo, hi = spec.bounds
            detail = f"{p} must be between {lo} and {hi}. Supplied value:{v}"
            errs.append((_Rank.ENUM, Violation("2090", p, "range", detail, spec.bounds, v)))
    elif kind == "date":
        try:
            ok = isinstance(v, str) and bool(_DATE_RE.fullmatch(v)) and dt.date.fromisoformat(v)
        except ValueError:
            ok = False
        if not ok:
            _bad_type(errs, p, v, "2070")
    elif kind == "bool":
        if not isinstance(v, bool):
            _bad_type(errs, p, v)
    elif kind == "id":
        if isinstance(v, bool) or not isinstance(v, str | int):
            _bad_type(errs, p, v)
    elif kind == "str":
        if not isinstance(v, str):
            return _bad_type(errs, p, v)
        limit = spec.lenient_len if lenient and spec.lenient_len else spec.max_len
        if limit is not None and len(v) > limit:
            detail = (
                "String length specified does not match the supported length. "
                f"Min:0 Max:{limit} supported. Supplied length:{len(v)}"
            )
            errs.append((_Rank.LENGTH, Violation("2050", p, "length", detail, limit, v)))
        bad = sorted({c for c in v if c in spec.no_chars})
        if bad:
            detail = f"Invalid String : {p} must not contain {', '.join(map(repr, bad))}"
            errs.append((_Rank.CHARS, Violation("2040", p, "characters", detail, "".join(bad), v)))
        if spec.enum and v not in spec.enum:
            detail = f"Invalid Enumeration : {v}. Supported values: {', '.join(spec.enum)}"
            errs.append((_Rank.ENUM, Violation("2170", p, "value", detail, spec.enum, v)))
    elif kind in ("list", "ref_list"):
        if not isinstance(v, list):
            return _bad_type(errs, p, v)
        item = FieldSpec("ref", ref_entity=spec.ref_entity) if kind == "ref_list" else None
        for x in v:
            if item:
                _value(item, x, p, errs, cls, lenient)
            elif spec.shape is not None:
                if not isinstance(x, dict):
                    _bad_type(errs, p, x)
                else:
                    _walk(spec.shape, x, p, errs, cls, lenient)
    else:  # object-valued kinds: ref, address, email, phone, web, memo, object
        if not isinstance(v, dict):
            return _bad_type(errs, p, v)
        shape = {"value": _s(spec.max_len)} if kind == "memo" else spec.shape
        if shape is None:
            shape = _SHAPES.get(kind)
        if shape is not None:
            _walk(shape, v, p, errs, cls, lenient)
        if kind == "ref" and v.get("value") in (None, ""):
            _missing(errs, f"{p}.value")
        address = v.get("Address")
        bad_mail = isinstance(address, str) and address and not ("@" in address and "." in address)
        if kind == "email" and bad_mail:  # §4: "must contain an at sign (@) and dot (.)"
            detail = f"Invalid Email Address : {address}. It must contain @ and ."
            errs.append(
                (_Rank.MAIL, Violation("2210", f"{p}.Address", "e-mail", detail, value=address))
            )


def _missing(errs: _Errs, name: str, code: str = "2020", detail: str = "") -> None:
    detail = detail or f"Required parameter {name} is missing in the request"
    errs.append((_Rank.REQUIRED, Violation(code, name, "required", detail)))


def _present(body: dict, key: str) -> bool:
    v = body.get(key)
    return v is not None and not (isinstance(v, str) and not v.strip())


# --- entity rules ---------------------------------------------------------------------------
_PERSON = ("DisplayName", "Title", "GivenName", "MiddleName", "FamilyName", "Suffix")


def _required(entity: str, body: dict, creating: bool, sparse: bool, errs: _Errs) -> None:
    if not creating:  # §2 optimistic concurrency
        for key in ("Id", "SyncToken"):
            if not _present(body, key):
                _missing(errs, key)
    if sparse:  # §2: some entities repeat fields even in a sparse update
        if entity == "Term" and not _present(body, "Name"):
            _missing(errs, "Name")
        if entity in PEOPLE and "DisplayName" in body and not _present(body, "DisplayName"):
            _missing(errs, "DisplayName", "6080", "DisplayName cannot be removed")
        return
    for key in _REQUIRED.get(entity, ()):
        if not _present(body, key):
            _missing(errs, key)
    if entity in PEOPLE and not any(_present(body, k) for k in _PERSON):
        detail = "Please provide a DisplayName or one of Title, GivenName, MiddleName, "
        _missing(errs, "DisplayName", "6080", detail + "FamilyName, Suffix")
    elif entity == "Account" and not (
        _present(body, "AccountType") or _present(body, "AccountSubType")
    ):
        _missing(errs, "AccountType", "6010", "Account Type or Account Sub Type is required")
    elif entity == "Item":
        kind = body.get("Type")
        need = () if kind in ("Category", "Bundle") else ("IncomeAccountRef",)
        if kind == "Inventory":
            need += ("AssetAccountRef", "ExpenseAccountRef", "QtyOnHand", "InvStartDate")
        for key in need:
            if not _present(body, key):
                _missing(errs, key)
    elif entity == "Term" and not (_present(body, "DueDays") or _present(body, "DayOfMonthDue")):
        _missing(errs, "DueDays")


def _line_rules(entity: str, lines: list, errs: _Errs) -> None:
    """Per-line business rules of §4 Invoice / Payment, an invoice's also for a credit memo
    (Intuit's CreditMemo reference: the same lines; types were checked by the walker)."""
    complete = False
    for line in (x for x in lines if isinstance(x, dict)):
        amount = _num(line.get("Amount"))
        if amount is not None and amount < 0:
            errs.append(
                (
                    _Rank.NEGATIVE,
                    Violation(
                        "2290",
                        "Line.Amount",
                        "negative",
                        "Line amounts must not be negative",
                        0,
                        amount,
                    ),
                )
            )
        if entity == "Payment":
            if line.get("Amount") in (None, ""):
                _missing(errs, "Line.Amount")
            for link in line.get("LinkedTxn") or []:
                if isinstance(link, dict) and link.get("TxnId") in (None, ""):
                    _missing(errs, "Line.LinkedTxn.TxnId")
            continue
        if not _present(line, "DetailType"):
            _missing(errs, "Line.DetailType")
        elif amount is not None:
            complete = True
        sales = line.get("SalesItemLineDetail")
        if isinstance(sales, dict):
            qty, price = _num(sales.get("Qty")), _num(sales.get("UnitPrice"))
            if None not in (qty, price, amount):
                expected = (qty * price).quantize(Decimal("0.01"), ROUND_HALF_UP)
                if abs(expected - amount) > Decimal("0.005"):
                    detail = (
                        "Amount calculation incorrect in the request. Please check the "
                        "quantity and unit price of each line."
                    )
                    element = "Line.SalesItemLineDetail.Amount"
                    errs.append(
                        (
                            _Rank.ARITH,
                            Violation("6070", element, "arithmetic", detail, expected, amount),
                        )
                    )
        for name in ("SalesItemLineDetail", "DiscountLineDetail"):
            detail_obj = line.get(name)
            tax = detail_obj.get("TaxCodeRef") if isinstance(detail_obj, dict) else None
            code = tax.get("value") if isinstance(tax, dict) else None
            if code not in (None, "", "TAX", "NON"):
                detail = f"Invalid line TaxCode {code!r}: use TAX or NON"
                errs.append(
                    (
                        _Rank.TAXCODE,
                        Violation(
                            "6100",
                            f"Line.{name}.TaxCodeRef",
                            "tax code",
                            detail,
                            ("TAX", "NON"),
                            code,
                        ),
                    )
                )
    if entity != "Payment" and not complete:  # an invoice's or a credit memo's lines
        detail = "At least one line with Amount and DetailType is required"
        errs.append((_Rank.REQUIRED, Violation("2250", "Line", "required", detail)))


def violations(
    entity: str, body: dict, *, creating: bool, sparse: bool, lenient: bool = False
) -> list[Violation]:
    """Every rule `body` breaks, in the order QuickBooks reports them (empty: none). An
    operation QuickBooks does not offer at all raises its `Fault`.

    Where Intuit's sources disagree on a maximum length (`DISPUTED_LENGTHS`), the toolkit
    keeps to the smaller one and the sandbox (``lenient``) accepts up to the larger: the
    sandbox must never refuse what QuickBooks may take, the toolkit never send what it may
    refuse."""
    spec = ENTITIES.get(entity)
    if spec is None:
        raise unsupported(f"Unsupported entity {entity}")
    operation = "Create" if creating else "Update"
    if spec.read_only or (creating and entity in ("CompanyInfo", "Preferences")):
        raise unsupported(f"Operation {operation} is not supported for {entity}")
    if sparse and not creating and not spec.sparse_update:  # not in Intuit's list for it
        raise unsupported(f"Operation SparseUpdate is not supported for {entity}")
    if not isinstance(body, dict):
        raise Fault("2010", f"Request body for {entity} must be a JSON object")
    errs: _Errs = []
    _walk(spec.fields, body, "", errs, entity, lenient)
    _required(entity, body, creating, sparse, errs)
    if entity in TRANSACTIONS and isinstance(body.get("Line"), list):
        _line_rules(entity, body["Line"], errs)
    return _ordered(errs)


def validate(
    entity: str, body: dict, *, creating: bool, sparse: bool, lenient: bool = False
) -> None:
    """Raise the `Fault` QuickBooks answers for `body` (every violation: the first one +
    `more`), or return None. The sandbox's check before it stores a body."""
    _raise(violations(entity, body, creating=creating, sparse=sparse, lenient=lenient))


def _ordered(errs: _Errs) -> list[Violation]:
    return [v for _, v in sorted(errs, key=lambda e: e[0])]  # stable: body order in a family


def _raise(found: list[Violation]) -> None:
    """Raise the violations as one `Fault` (first + `more`), if there are any."""
    if found:
        first, *rest = (v.fault() for v in found)
        first.more = rest
        raise first


def validate_tax_service(body: Any, lenient: bool = False) -> None:
    """Check a ``taxservice/taxcode`` body (§4 TaxService): a TaxCode name and at least one
    TaxRateDetails entry, each either a TaxRateId (reuse a rate) or TaxRateName + RateValue
    (0–100 %) + TaxAgencyId (a new rate). Ids are resolved by the server."""
    if not isinstance(body, dict):
        raise Fault("2010", "Request body for TaxService must be a JSON object")
    errs: _Errs = []
    _walk(_TAX_SERVICE, body, "", errs, "TaxService", lenient)
    if not _present(body, "TaxCode"):
        _missing(errs, "TaxCode")
    details = body.get("TaxRateDetails")
    if details is None or details == []:
        _missing(errs, "TaxRateDetails")
    for detail in details if isinstance(details, list) else []:
        if isinstance(detail, dict) and not _present(detail, "TaxRateId"):
            for key in ("TaxRateName", "RateValue", "TaxAgencyId"):
                if not _present(detail, key):
                    _missing(errs, f"TaxRateDetails.{key}")
    _raise(_ordered(errs))


# What a payment line's LinkedTxn may name that the sandbox resolves: an invoice it pays, a
# credit memo whose credit it takes (Intuit's Payment reference, Line.LinkedTxn.TxnType).
LINKABLE = ("Invoice", "CreditMemo")


def references(entity: str, body: dict) -> list[tuple[str, str, str]]:
    """(element path, target entity, id) for every ref in `body` the server must resolve."""
    out: list[tuple[str, str, str]] = []

    def walk(shape: dict[str, FieldSpec], obj: dict, path: str) -> None:
        for key, v in obj.items():
            spec, p = shape.get(key), f"{path}.{key}" if path else key
            if spec is None or v is None:
                continue
            items = v if isinstance(v, list) and spec.kind in ("list", "ref_list") else [v]
            for x in (x for x in items if isinstance(x, dict)):
                if spec.kind in ("ref", "ref_list") and spec.ref_entity in ENTITIES:
                    value = x.get("value")
                    pseudo = spec.ref_entity == "TaxCode" and value in ("TAX", "NON")
                    if value not in (None, "") and not isinstance(value, bool) and not pseudo:
                        out.append((p, spec.ref_entity, str(value)))
                elif key == "LinkedTxn" and x.get("TxnType") in LINKABLE and x.get("TxnId"):
                    out.append((f"{p}.TxnId", x["TxnType"], str(x["TxnId"])))
                elif spec.shape is not None and spec.kind in ("object", "list"):
                    walk(spec.shape, x, p)

    spec = ENTITIES.get(entity)
    if spec is not None and isinstance(body, dict):
        walk(spec.fields, body, "")
    return out
