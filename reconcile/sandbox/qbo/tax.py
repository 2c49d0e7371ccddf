"""Sales tax: the TaxService endpoint that creates tax codes and rates (reference §4), the
tax of an invoice from its tax code (manual sales tax) and automated sales tax (the profile
``automated_tax``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from reconcile.qbo import rules as qbo_rules
from reconcile.qbo.faults import Fault
from reconcile.sandbox import company_profiles
from reconcile.sandbox.qbo.responses import now_iso

TAX_SERVICE = "taxservice/taxcode"


class Tax:
    """TaxService and the tax percent of an invoice, for a ``QboApp``."""

    def tax_service(self, realm: str, body: Any) -> dict:
        """``POST taxservice/taxcode`` (reference §4): create a TaxCode whose rates are new
        TaxRates (name, percent, existing agency) or existing ones (TaxRateId); answers the
        request echoed with TaxCodeId and each TaxRateId filled in."""
        qbo_rules.validate_tax_service(body, lenient=True)
        details = [dict(d) for d in body["TaxRateDetails"]]
        faults = []
        for d in details:
            if d.get("TaxRateId") not in (None, ""):
                target, element = ("TaxRate", str(d["TaxRateId"])), "TaxRateDetails.TaxRateId"
            else:
                target, element = ("TaxAgency", str(d["TaxAgencyId"])), "TaxRateDetails.TaxAgencyId"
            if self.store.get(realm, *target) is None:
                faults.append(Fault("2500", f"Invalid Reference Id : {element}", element=element))
        if faults:
            faults[0].more = faults[1:]
            raise faults[0]
        code_name = body["TaxCode"]
        for code in self.store.all(realm, "TaxCode"):
            if code.get("Name", "").casefold() == code_name.casefold():
                raise Fault(
                    "6000",
                    f"Business Validation Error: a tax code named {code['Name']!r} already "
                    f"exists (TaxCodeId={code['Id']}); tax code names must be unique.",
                    element="TaxCode",
                )
        new_names = [d["TaxRateName"].casefold() for d in details if not d.get("TaxRateId")]
        for rate in self.store.all(realm, "TaxRate"):
            if rate.get("Name", "").casefold() in new_names:
                raise Fault(
                    "6000",
                    f"Business Validation Error: a tax rate named {rate['Name']!r} already "
                    f"exists (TaxRateId={rate['Id']}); send its TaxRateId to reuse it.",
                    element="TaxRateDetails.TaxRateName",
                )
        if len(set(new_names)) < len(new_names):
            raise Fault(
                "6000",
                "Business Validation Error: two new tax rates of the request have the same name.",
                element="TaxRateDetails.TaxRateName",
            )
        stamp = now_iso()
        lists: dict[str, list] = {"Sales": [], "Purchase": []}
        for d in details:
            d.setdefault("TaxApplicableOn", "Sales")
            if not d.get("TaxRateId"):
                rate = {
                    "Id": self._next_id(realm, "TaxRate"),
                    "SyncToken": "0",
                    "Name": d["TaxRateName"],
                    "Description": d["TaxRateName"],
                    "RateValue": float(d["RateValue"]),
                    "Active": True,
                    "AgencyRef": {"value": str(d["TaxAgencyId"])},
                    "SpecialTaxType": "NONE",
                    "DisplayType": "ReadOnly",
                    "domain": "QBO",
                    "sparse": False,
                    "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
                }
                self.store.put(realm, "TaxRate", rate)
                d["TaxRateId"] = rate["Id"]
            d["TaxRateId"] = str(d["TaxRateId"])
            rate_name = (self.store.get(realm, "TaxRate", d["TaxRateId"]) or {}).get("Name")
            lists[d["TaxApplicableOn"]].append(
                {
                    # The rate's reference carries its name [3P: ruckus/quickbooks-ruby
                    # spec/fixtures/tax_code.xml, TaxRateRef name="…"].
                    "TaxRateRef": {"value": d["TaxRateId"], "name": rate_name},
                    "TaxTypeApplicable": "TaxOnAmount",
                    "TaxOrder": 0,
                }
            )
        code = {
            "Id": self._next_id(realm, "TaxCode"),
            "SyncToken": "0",
            "Name": code_name,
            "Description": code_name,
            "Active": True,
            "Hidden": False,
            "Taxable": True,
            "TaxGroup": True,
            "SalesTaxRateList": {"TaxRateDetail": lists["Sales"]},
            "PurchaseTaxRateList": {"TaxRateDetail": lists["Purchase"]},
            "domain": "QBO",
            "sparse": False,
            "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
        }
        self.store.put(realm, "TaxCode", code)
        return {"TaxCode": code_name, "TaxCodeId": code["Id"], "TaxRateDetails": details}

    def _next_id(self, realm: str, entity: str) -> str:
        """A fresh Id; skips the Ids of records QBO seeded itself (tax codes and rates)."""
        while True:
            value = str(self.store.next_value(realm, f"id:{entity}", start=1))
            if self.store.get(realm, entity, value) is None:
                return value

    def _automated_tax(self, realm: str, doc: dict, explicit: bool) -> Decimal | None:
        """Automated sales tax (Intuit's AST guide, 2017-12-11): the engine assigns the tax
        code and computes the tax for the destination — the invoice's ShipAddr, else the
        company's address — unless an explicit amount is sent, which it keeps (None)."""
        ship = doc.get("ShipAddr") or {}
        company = (self.store.get(realm, "CompanyInfo", "1") or {}).get("CompanyAddr", {})
        state = ship.get("CountrySubDivisionCode") or company.get("CountrySubDivisionCode")
        state = str(state or "").strip().upper()
        detail = doc["TxnTaxDetail"]
        code = next(
            (
                c
                for c in self.store.all(realm, "TaxCode")
                if c.get("Name") == company_profiles.STATE_TAX_CODES.get(state)
            ),
            None,
        )
        if code is not None:
            detail["TxnTaxCodeRef"] = {"value": code["Id"], "name": code["Name"]}
        else:
            detail.pop("TxnTaxCodeRef", None)
        return None if explicit else company_profiles.STATE_RATES.get(state, Decimal(0))

    def _tax_percent(self, realm: str, doc: dict) -> Decimal | None:
        ref = (doc.get("TxnTaxDetail") or {}).get("TxnTaxCodeRef")
        if not ref:
            return None
        code = self.store.get(realm, "TaxCode", str(ref["value"]))
        if code is None:
            raise Fault(
                "2500",
                "Invalid Reference Id : TxnTaxDetail.TxnTaxCodeRef",
                element="TxnTaxDetail.TxnTaxCodeRef",
            )
        total = Decimal(0)
        for detail in code.get("SalesTaxRateList", {}).get("TaxRateDetail", []):
            rate = self.store.get(realm, "TaxRate", str(detail["TaxRateRef"]["value"])) or {}
            total += Decimal(str(rate.get("RateValue", 0)))
        return total
