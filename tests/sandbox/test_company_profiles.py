"""The sandbox's company profiles without servers: the Preferences record each one makes, the
setting's validation, and the command line's flag."""

from __future__ import annotations

import pytest

from reconcile.cli import build_parser
from reconcile.qbo import reference
from reconcile.sandbox import bms_demo, company_profiles, qbo_demo
from reconcile.sandbox.settings import SandboxSettings


def test_standard_preferences_are_a_us_service_companys():
    prefs = company_profiles.preferences("standard")
    assert (prefs["Id"], prefs["SyncToken"]) == ("1", "0") and prefs["MetaData"]["CreateTime"]
    accounting = prefs["AccountingInfoPrefs"]
    assert accounting["UseAccountNumbers"] and accounting["FirstMonthOfFiscalYear"] == "January"
    assert not accounting["ClassTrackingPerTxn"] and not accounting["TrackDepartments"]
    assert accounting["DepartmentTerminology"] == "Location"
    sales = prefs["SalesFormsPrefs"]
    assert sales["CustomTxnNumbers"] and sales["AllowDiscount"] and sales["AllowServiceDate"]
    assert not sales["AllowShipping"] and not sales["AllowDeposit"] and sales["AutoApplyCredit"]
    assert sales["DefaultTerms"]["name"] == "Net 30"
    assert prefs["TaxPrefs"] == {"UsingSalesTax": True, "PartnerTaxEnabled": False}
    assert prefs["CurrencyPrefs"] == {
        "HomeCurrency": {"value": "USD"},
        "MultiCurrencyEnabled": False,
    }
    assert prefs["ReportPrefs"]["ReportBasis"] == "Accrual"
    assert company_profiles.preferences("") == prefs  # no name: the standard company


def test_each_profile_changes_what_it_is_named_for_and_they_combine():
    standard = company_profiles.preferences("standard")
    both = company_profiles.preferences(" automated_tax , auto_numbers,multicurrency,tracking")
    assert both["TaxPrefs"]["PartnerTaxEnabled"] and both["TaxPrefs"]["UsingSalesTax"]
    assert not both["SalesFormsPrefs"]["CustomTxnNumbers"]
    assert both["CurrencyPrefs"]["MultiCurrencyEnabled"]
    assert both["CurrencyPrefs"]["HomeCurrency"] == {"value": "USD"}
    assert both["AccountingInfoPrefs"]["ClassTrackingPerTxn"]
    assert both["AccountingInfoPrefs"]["TrackDepartments"]
    assert company_profiles.preferences("standard") == standard  # never changed in place
    assert company_profiles.preferences("tracking")["TaxPrefs"] == standard["TaxPrefs"]


def test_the_preferences_hold_only_what_intuit_documents():
    prefs = company_profiles.preferences(",".join(company_profiles.PROFILES))
    documented = reference.attributes("Preferences")
    assert set(prefs) <= set(documented)
    for section, values in prefs.items():
        if isinstance(values, dict) and section != "MetaData":
            assert set(values) <= set(reference.attributes(f"Preferences_{section}")), section


def test_an_unknown_profile_is_named():
    with pytest.raises(ValueError, match="'nope'"):
        company_profiles.names("tracking,nope")
    with pytest.raises(ValueError, match="'nope'"):
        SandboxSettings(company_profile="standard,nope").check()
    with pytest.raises(ValueError, match="string"):
        SandboxSettings(company_profile=3).check()
    SandboxSettings(company_profile="automated_tax,tracking").check()
    assert set(company_profiles.PROFILES) == {
        "standard",
        "automated_tax",
        "auto_numbers",
        "multicurrency",
        "tracking",
    }


def test_what_the_profiles_seed_is_named_like_the_bms_demo():
    assert tuple(bms_demo.CLASSES.values()) == company_profiles.CLASSES
    name, currency = qbo_demo.FOREIGN_CUSTOMER
    assert currency == "CAD" and name == bms_demo.EDGE_NAMES["qbo_match"]
    assert name in {c["DisplayName"] for c in qbo_demo.CUSTOMERS}


@pytest.mark.parametrize("command", ["sandbox", "lab"])
def test_the_command_line_takes_a_company_profile(command, capsys):
    args = build_parser().parse_args([command, "--company-profile", "automated_tax,tracking"])
    assert args.company_profile == "automated_tax,tracking"
    assert build_parser().parse_args([command]).company_profile is None  # as last set
    with pytest.raises(SystemExit):
        build_parser().parse_args([command, "--company-profile", "nope"])
    assert "'nope'" in capsys.readouterr().err
