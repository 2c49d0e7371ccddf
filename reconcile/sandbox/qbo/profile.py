"""The company's settings (``sandbox.company_profiles``): the Preferences record of the
current profile and the records a profile needs (classes, locations, the customer in CAD),
seeded when the sandbox starts and when the setting changes."""

from __future__ import annotations

from reconcile.qbo import rules as qbo_rules
from reconcile.sandbox import company_profiles, qbo_demo
from reconcile.sandbox.qbo.entities import currency_ref
from reconcile.sandbox.qbo.responses import now_iso


class Profile:
    """The company profile of a ``QboApp``: which profiles are on, Preferences, seeding."""

    def profiles(self) -> set[str]:
        return company_profiles.names(self.settings.value.company_profile)

    def preferences(self) -> dict:
        """The Preferences record of the current profile (Intuit's entity reference)."""
        return {
            **company_profiles.preferences(self.settings.value.company_profile),
            "domain": "QBO",
            "sparse": False,
        }

    def apply_profile(self) -> None:
        """Make the records the current profile needs, when the sandbox starts and when the
        setting changes (idempotent; nothing is removed when a profile is switched off):
        the classes and locations to track; the hand-entered customer in CAD (unless it has
        transactions already: QuickBooks never changes a customer's currency)."""
        with self._profile_lock:
            profile = self.settings.value.company_profile
            if profile != self._profile_applied:
                self._seed_profile(company_profiles.names(profile))
                self._profile_applied = profile

    def _seed_profile(self, chosen: set[str]) -> None:
        realm = self.realm
        with self.store.transaction():
            if "tracking" in chosen:
                for entity, wanted in (
                    ("Class", company_profiles.CLASSES),
                    ("Department", company_profiles.LOCATIONS),
                ):
                    have = {self.name_key(entity, r) for r in self.store.all(realm, entity)}
                    for name in wanted:
                        if name.casefold() not in have:  # the unique-name key (6240)
                            self.write(realm, entity, "create", {"Name": name}, {})
            if "multicurrency" in chosen:
                name, code = qbo_demo.FOREIGN_CUSTOMER
                key = self.name_key("Customer", {"DisplayName": name})
                for customer in self.store.find(realm, "Customer", name_key=key):
                    used = any(
                        self.store.find(realm, kind, customer_id=customer["Id"])
                        for kind in qbo_rules.TRANSACTIONS
                    )
                    if customer["CurrencyRef"]["value"] == code or used:
                        continue
                    customer["CurrencyRef"] = currency_ref(code)
                    customer["SyncToken"] = str(int(customer["SyncToken"]) + 1)
                    customer["MetaData"]["LastUpdatedTime"] = now_iso()
                    self.store.put(realm, "Customer", customer, key)
