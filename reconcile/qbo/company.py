"""The QuickBooks company's own settings, read once per connection: they decide what an
export may send.

QuickBooks answers them in two records, CompanyInfo (name, country, address) and Preferences
(Intuit's entity reference, ``Preferences``): whether the company has several currencies
(``CurrencyPrefs``), numbers its sales forms itself (``SalesFormsPrefs.CustomTxnNumbers``),
computes US sales tax with its automated engine (``TaxPrefs.PartnerTaxEnabled``, minor
version 3; US companies made after 2017-11-10), and tracks classes or locations
(``AccountingInfoPrefs``). A key QuickBooks leaves out counts as its documented default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from reconcile.qbo.client import QboClient

SETTING_COLUMNS = ["setting", "value", "what the export does"]


@dataclass(frozen=True)
class CompanySettings:
    """What the toolkit needs to know of a QuickBooks company's settings."""

    name: str = ""
    country: str = "US"
    home_currency: str = "USD"
    multicurrency: bool = False
    custom_numbers: bool = True  # SalesFormsPrefs.CustomTxnNumbers
    sales_tax: bool = True  # TaxPrefs.UsingSalesTax
    automated_tax: bool = False  # TaxPrefs.PartnerTaxEnabled
    class_tracking: str = "off"  # "off", "transaction" or "line"
    locations: bool = False  # AccountingInfoPrefs.TrackDepartments
    location_term: str = "Location"  # what the company calls a Department

    @classmethod
    def from_records(cls, info: Mapping[str, Any], prefs: Mapping[str, Any]) -> CompanySettings:
        """Settings from a CompanyInfo and a Preferences record, as QuickBooks answers them."""
        accounting = prefs.get("AccountingInfoPrefs") or {}
        currency = prefs.get("CurrencyPrefs") or {}
        tax = prefs.get("TaxPrefs") or {}
        forms = prefs.get("SalesFormsPrefs") or {}
        home = (currency.get("HomeCurrency") or {}).get("value") or "USD"
        if accounting.get("ClassTrackingPerTxnLine"):
            classes = "line"
        elif accounting.get("ClassTrackingPerTxn"):
            classes = "transaction"
        else:
            classes = "off"
        return cls(
            name=str(info.get("CompanyName") or ""),
            country=str(info.get("Country") or "US"),
            home_currency=str(home),
            multicurrency=bool(currency.get("MultiCurrencyEnabled", False)),
            custom_numbers=bool(forms.get("CustomTxnNumbers", True)),
            sales_tax=bool(tax.get("UsingSalesTax", True)),
            automated_tax=bool(tax.get("PartnerTaxEnabled", False)),
            class_tracking=classes,
            locations=bool(accounting.get("TrackDepartments", False)),
            location_term=str(accounting.get("DepartmentTerminology") or "Location"),
        )

    def frame(self) -> pd.DataFrame:
        """The settings a person reads before a first send (``SETTING_COLUMNS``)."""
        currencies = (
            f"several, home {self.home_currency}"
            if self.multicurrency
            else f"{self.home_currency} only"
        )
        rows = [
            (
                "Currencies",
                currencies,
                "customers and invoices carry their BMS currency; a customer in another currency "
                "blocks"
                if self.multicurrency
                else f"records in a currency other than {self.home_currency} are blocked",
            ),
            (
                "Custom transaction numbers",
                "on" if self.custom_numbers else "off",
                "invoices keep their BMS number"
                if self.custom_numbers
                else "QuickBooks numbers invoices; the BMS number goes in the private note and "
                "QuickBooks' number is written back to BMS",
            ),
            ("Sales tax", _tax_text(self), _tax_effect(self)),
            (
                "Class tracking",
                {"off": "off", "transaction": "one per transaction", "line": "one per line"}[
                    self.class_tracking
                ],
                "classes from [sync_map.classes]"
                if self.class_tracking != "off"
                else "no class is sent",
            ),
            (
                f"{self.location_term} tracking",
                "on" if self.locations else "off",
                f"{self.location_term.lower()} from [sync_map.locations]"
                if self.locations
                else f"no {self.location_term.lower()} is sent",
            ),
        ]
        return pd.DataFrame(rows, columns=SETTING_COLUMNS)

    def summary(self) -> str:
        """The settings on one line, for ``status`` and logs."""
        pairs = self.frame()[["setting", "value"]].itertuples(index=False)
        return "; ".join(f"{setting}: {value}" for setting, value in pairs)


def _tax_text(settings: CompanySettings) -> str:
    if not settings.sales_tax:
        return "off"
    return "automated (QuickBooks' engine)" if settings.automated_tax else "manual tax codes"


def _tax_effect(settings: CompanySettings) -> str:
    if not settings.sales_tax:
        return "no tax is sent"
    if settings.automated_tax:
        return (
            "lines are TAX/NON and no tax code is made; BMS's tax amount is sent, which "
            'QuickBooks keeps (unless [sync_map] automated_sales_tax = "quickbooks")'
        )
    return "BMS tax items become QuickBooks tax codes"


# What an offline plan assumes when no company was read: the demo's (a US company with manual
# sales tax, its own numbers, one currency, no tracking).
DEFAULT = CompanySettings()


def read_company(client: QboClient) -> CompanySettings:
    """Read CompanyInfo and Preferences (two GETs; nothing is written)."""
    return CompanySettings.from_records(client.company_info(), client.preferences())
