"""The key trees of real QuickBooks Online answers, per entity: which keys QuickBooks sends.

Only the structure is kept (no values, no copies): each entry names its source and what kind
of company answered. A key tree is a dict: a key whose value is ``None`` is a plain value; a
dict is a nested object (its own key tree); a list of one dict is an array of such objects.
``Line`` arrays are keyed by ``DetailType`` instead (:data:`LINES`): the keys of each kind of
line and of its detail object. References are ``{"value", "name"}`` or ``{"value"}`` as the
recording had them. Enumerations that decide the shape are kept in ``enums``.

Sources (read, not copied):

- minimul/qbo_api (MIT, LICENSE.txt): VCR cassettes recorded against a QBO US sandbox
  company (2018-04, Qbo-Version 1803.898; 2020-09, Qbo-Version 1944.190), JSON.
- LedgerSync/ledger_sync ``spec/support/quickbooks_online_helpers.rb``: webmock bodies of
  answers from a QBO US sandbox company (2019-07 … 2020-01), ids replaced by 123, JSON.
- ruckus/quickbooks-ruby ``spec/fixtures/*.xml``: recorded XML answers (2013–2014); XML
  carries ``domain``/``sparse`` as attributes, kept here as keys. Used only for the
  entities no JSON recording was found for.
- PipedreamHQ/pipedream ``components/quickbooks/sources/new-item-updated/test-event.mjs``:
  an Item of Intuit's US sample company (JSON, 2014 timestamps).
"""

from __future__ import annotations

from typing import Any

REF = {"value": None, "name": None}
REF_VALUE = {"value": None}
META = {"CreateTime": None, "LastUpdatedTime": None}
ENVELOPE = {"domain": None, "sparse": None, "Id": None, "SyncToken": None, "MetaData": META}
ADDR_GEO = {
    "Id": None,
    "Line1": None,
    "City": None,
    "CountrySubDivisionCode": None,
    "PostalCode": None,
    "Lat": None,
    "Long": None,
}

LINES = "__lines__"  # key of a Line tree: {DetailType: key tree of that kind of line}


def keys(**tree: Any) -> dict:
    return {**ENVELOPE, **tree}


# The qbo_api create-invoice cassette (2018); its 2020 re-recording differs by Deposit only.
_QBO_API_INVOICE: dict[str, Any] = dict(
    Deposit=None,
    AllowIPNPayment=None,
    AllowOnlinePayment=None,
    AllowOnlineCreditCardPayment=None,
    AllowOnlineACHPayment=None,
    CustomField=[{"DefinitionId": None, "Name": None, "Type": None}],
    DocNumber=None,
    TxnDate=None,
    CurrencyRef=REF,
    LinkedTxn=[],
    Line={
        LINES: {
            "SalesItemLineDetail": {
                "Id": None,
                "LineNum": None,
                "Amount": None,
                "DetailType": None,
                "SalesItemLineDetail": {"ItemRef": REF, "TaxCodeRef": REF_VALUE},
            },
            "SubTotalLineDetail": {
                "Amount": None,
                "DetailType": None,
                "SubTotalLineDetail": {},
            },
        }
    },
    TxnTaxDetail={"TotalTax": None},
    CustomerRef=REF,
    BillAddr=ADDR_GEO,
    ShipAddr=ADDR_GEO,
    DueDate=None,
    TotalAmt=None,
    ApplyTaxAfterDiscount=None,
    PrintStatus=None,
    EmailStatus=None,
    Balance=None,
)


RECORDED: dict[str, list[dict]] = {
    "Customer": [
        {
            "source": "minimul/qbo_api spec/vcr/oauth2_creds/qbo_api/create/customer.yml",
            "note": "create answer, US sandbox company (sales tax on, DefaultTaxCodeRef "
            "from the company's setting), multicurrency off; minimal request {DisplayName}",
            "keys": keys(
                Taxable=None,
                Job=None,
                BillWithParent=None,
                Balance=None,
                BalanceWithJobs=None,
                CurrencyRef=REF,
                PreferredDeliveryMethod=None,
                FullyQualifiedName=None,
                DisplayName=None,
                PrintOnCheckName=None,
                Active=None,
                DefaultTaxCodeRef=REF_VALUE,
            ),
        },
        {
            "source": "LedgerSync/ledger_sync spec/support/quickbooks_online_helpers.rb "
            "(stub_create_customer / stub_find_customer)",
            "note": "create and read answers, US sandbox company, multicurrency off",
            "keys": keys(
                Taxable=None,
                Job=None,
                BillWithParent=None,
                Balance=None,
                BalanceWithJobs=None,
                CurrencyRef=REF,
                PreferredDeliveryMethod=None,
                FullyQualifiedName=None,
                DisplayName=None,
                PrintOnCheckName=None,
                Active=None,
                PrimaryEmailAddr={"Address": None},
                DefaultTaxCodeRef=REF_VALUE,
            ),
        },
    ],
    "Vendor": [
        {
            "source": "minimul/qbo_api spec/vcr/oauth2_creds/qbo_api/all/vendors_by_5.yml",
            "note": "query answer (vendor 'Bob's Burger Joint', made with a DisplayName "
            "only), US sandbox company, multicurrency off",
            "keys": keys(
                Balance=None,
                Vendor1099=None,
                CurrencyRef=REF,
                DisplayName=None,
                PrintOnCheckName=None,
                Active=None,
            ),
        },
        {
            "source": "LedgerSync/ledger_sync spec/support/quickbooks_online_helpers.rb "
            "(stub_create_vendor)",
            "note": "create answer, US sandbox company",
            "keys": keys(
                Balance=None,
                Vendor1099=None,
                CurrencyRef=REF,
                GivenName=None,
                FamilyName=None,
                DisplayName=None,
                PrintOnCheckName=None,
                Active=None,
                PrimaryEmailAddr={"Address": None},
            ),
        },
    ],
    "Employee": [
        {
            "source": "minimul/qbo_api spec/vcr/oauth2_creds/qbo_api/deactivate/employee.yml",
            "note": "read and sparse-update answers, US sandbox company (no payroll)",
            "keys": keys(
                BillableTime=None,
                GivenName=None,
                FamilyName=None,
                DisplayName=None,
                PrintOnCheckName=None,
                Active=None,
            ),
        },
    ],
    "Account": [
        {
            "source": "minimul/qbo_api spec/vcr/oauth2_creds/qbo_api/deactivate/account.yml",
            "note": "read answer of an Income account, US sandbox company, multicurrency off",
            "keys": keys(
                Name=None,
                SubAccount=None,
                FullyQualifiedName=None,
                Active=None,
                Classification=None,
                AccountType=None,
                AccountSubType=None,
                CurrentBalance=None,
                CurrentBalanceWithSubAccounts=None,
                CurrencyRef=REF,
            ),
        },
        {
            "source": "LedgerSync/ledger_sync spec/support/quickbooks_online_helpers.rb "
            "(stub_create_account)",
            "note": "create answer of a Bank account, US sandbox company",
            "keys": keys(
                Name=None,
                SubAccount=None,
                FullyQualifiedName=None,
                Active=None,
                Classification=None,
                AccountType=None,
                AccountSubType=None,
                CurrentBalance=None,
                CurrentBalanceWithSubAccounts=None,
                CurrencyRef=REF,
            ),
        },
    ],
    "Item": [
        {
            "source": "PipedreamHQ/pipedream components/quickbooks/sources/"
            "new-item-updated/test-event.mjs",
            "note": "Service item of Intuit's US sample company (JSON)",
            "keys": keys(
                FullyQualifiedName=None,
                Name=None,
                TrackQtyOnHand=None,
                Type=None,
                PurchaseCost=None,
                IncomeAccountRef=REF,
                Taxable=None,
                Active=None,
                UnitPrice=None,
                Description=None,
            ),
            "enums": {"Type": "Service"},
        },
        {
            "source": "ruckus/quickbooks-ruby spec/fixtures/fetch_item_by_id.xml",
            "note": "read answer of a Service item (XML, 2013)",
            "keys": keys(
                Name=None,
                Description=None,
                Active=None,
                Taxable=None,
                UnitPrice=None,
                Type=None,
                IncomeAccountRef=REF,
                PurchaseCost=None,
                TrackQtyOnHand=None,
            ),
            "enums": {"Type": "Service"},
        },
    ],
    "Invoice": [
        {
            "source": "minimul/qbo_api spec/vcr/oauth2_creds/qbo_api/create/invoice.yml",
            "note": "create answer, US sandbox company (sales tax on, custom field 'Crew #' "
            "defined, customer with addresses), multicurrency off; request: one "
            "SalesItemLine and CustomerRef",
            "keys": keys(**_QBO_API_INVOICE),
        },
        {
            "source": "minimul/qbo_api spec/vcr/create/invoice.yml",
            "note": "the same request two years later (2020-09, Qbo-Version 1944.190): "
            "the answer has no Deposit key any more",
            "keys": keys(**{k: v for k, v in _QBO_API_INVOICE.items() if k != "Deposit"}),
        },
        {
            "source": "LedgerSync/ledger_sync spec/support/quickbooks_online_helpers.rb "
            "(stub_create_invoice / stub_find_invoice)",
            "note": "create and read answers, US sandbox company, customer without "
            "addresses, line with Description",
            "keys": keys(
                Deposit=None,
                AllowIPNPayment=None,
                AllowOnlinePayment=None,
                AllowOnlineCreditCardPayment=None,
                AllowOnlineACHPayment=None,
                CustomField=[{"DefinitionId": None, "Type": None}],
                DocNumber=None,
                TxnDate=None,
                CurrencyRef=REF,
                PrivateNote=None,
                LinkedTxn=[],
                Line={
                    LINES: {
                        "SalesItemLineDetail": {
                            "Id": None,
                            "LineNum": None,
                            "Description": None,
                            "Amount": None,
                            "DetailType": None,
                            "SalesItemLineDetail": {"ItemRef": REF, "TaxCodeRef": REF_VALUE},
                        },
                        "SubTotalLineDetail": {
                            "Amount": None,
                            "DetailType": None,
                            "SubTotalLineDetail": {},
                        },
                    }
                },
                CustomerRef=REF,
                DueDate=None,
                TotalAmt=None,
                ApplyTaxAfterDiscount=None,
                PrintStatus=None,
                EmailStatus=None,
                Balance=None,
            ),
        },
    ],
    "Payment": [
        {
            "source": "LedgerSync/ledger_sync spec/support/quickbooks_online_helpers.rb "
            "(stub_create_payment / stub_find_payment)",
            "note": "create and read answers of a payment applied to one invoice, US "
            "sandbox company, multicurrency off",
            "keys": keys(
                CustomerRef=REF,
                DepositToAccountRef=REF_VALUE,
                PaymentMethodRef=REF_VALUE,
                PaymentRefNum=None,
                TotalAmt=None,
                UnappliedAmt=None,
                ProcessPayment=None,
                TxnDate=None,
                CurrencyRef=REF,
                Line=[
                    {
                        "Amount": None,
                        "LinkedTxn": [{"TxnId": None, "TxnType": None}],
                        "LineEx": {"any": None},
                    }
                ],
            ),
        },
        {
            "source": "https://gist.github.com/IntuitDeveloperRelations/"
            "e0f09cdb48f23308d9c30d2aaf7360ad",
            "note": "Intuit's sample Payment object (2015, US sample company)",
            "keys": keys(
                CustomerRef=REF,
                DepositToAccountRef=REF_VALUE,
                TotalAmt=None,
                UnappliedAmt=None,
                ProcessPayment=None,
                TxnDate=None,
                Line=[
                    {
                        "Amount": None,
                        "LinkedTxn": [{"TxnId": None, "TxnType": None}],
                        "LineEx": {"any": None},
                    }
                ],
            ),
        },
    ],
    "Term": [
        {
            "source": "ruckus/quickbooks-ruby spec/fixtures/fetch_term_by_id.xml",
            "note": "read answer of a date-driven term (XML, 2013)",
            "keys": keys(
                Name=None,
                Active=None,
                Type=None,
                DiscountPercent=None,
                DayOfMonthDue=None,
                DueNextMonthDays=None,
                DiscountDayOfMonth=None,
            ),
            "enums": {"Type": "DATE_DRIVEN"},
        },
    ],
    "PaymentMethod": [
        {
            "source": "ruckus/quickbooks-ruby spec/fixtures/fetch_payment_method_by_id.xml",
            "note": "read answer (XML, 2013)",
            "keys": keys(Name=None, Active=None, Type=None),
            "enums": {"Type": "CREDIT_CARD"},
        },
    ],
    "TaxCode": [
        {
            "source": "ruckus/quickbooks-ruby spec/fixtures/tax_code.xml",
            "note": "a tax code made by the TaxService (one sales rate), XML 2014; the "
            "empty PurchaseTaxRateList element is kept as an object",
            "keys": keys(
                Name=None,
                Description=None,
                Active=None,
                Taxable=None,
                TaxGroup=None,
                SalesTaxRateList={
                    "TaxRateDetail": [
                        {"TaxRateRef": REF, "TaxTypeApplicable": None, "TaxOrder": None}
                    ]
                },
                PurchaseTaxRateList={},
            ),
        },
    ],
    "TaxRate": [
        {
            "source": "ruckus/quickbooks-ruby spec/fixtures/tax_rate.xml",
            "note": "a sales tax rate, XML 2013",
            "keys": keys(
                Name=None,
                Description=None,
                Active=None,
                RateValue=None,
                AgencyRef=REF_VALUE,
                SpecialTaxType=None,
                DisplayType=None,
            ),
        },
    ],
    "CompanyInfo": [
        {
            "source": "ruckus/quickbooks-ruby spec/fixtures/company_info.xml",
            "note": "US company (QuickBooks Online Essentials trial), XML 2013",
            "keys": keys(
                CompanyName=None,
                LegalName=None,
                CompanyAddr={
                    "Id": None,
                    "Line1": None,
                    "City": None,
                    "Country": None,
                    "PostalCode": None,
                },
                CustomerCommunicationAddr={"Id": None, "Line1": None},
                LegalAddr={"Id": None, "Line1": None},
                PrimaryPhone={"FreeFormNumber": None},
                CompanyStartDate=None,
                Country=None,
                Email={"Address": None},
                WebAddr={"URI": None},
                SupportedLanguages=None,
                NameValue=[{"Name": None, "Value": None}],
            ),
        },
    ],
}
