"""The state of both connections (QuickBooks and BMS), for ``status``, the app and reports."""

from __future__ import annotations

from reconcile.config import Config, load_config
from reconcile.errors import ReconcileError


def qbo_status(config: Config) -> dict:
    """QuickBooks: connected or why not, company name, its settings (``CompanySettings``)
    and token expiry (no secrets)."""
    from reconcile.qbo.auth import QboAuth
    from reconcile.qbo.client import QboClient
    from reconcile.qbo.company import read_company

    auth = QboAuth(config.qbo)
    state = auth.status()
    if state["connected"]:
        try:
            settings = read_company(QboClient(config.qbo, auth))
            state.update(company_name=settings.name, settings=settings.summary())
        except ReconcileError as exc:
            state.update(connected=False, reason=str(exc))
    return state


def bms_status(config: Config) -> dict:
    """BMS: signs in (never prompting for a password) and reads the user info."""
    from reconcile.bms.auth import BmsAuth, default_password_source
    from reconcile.bms.client import BmsClient

    if not config.bms.configured:
        return {"connected": False, "reason": "no [bms] section in the config file"}
    try:
        auth = BmsAuth(config.bms, password_source=lambda s: default_password_source(s, False))
        info = BmsClient(config.bms, auth).userinfo()
    except ReconcileError as exc:
        return {"connected": False, "reason": str(exc)}
    return {
        "connected": True,
        "tenant": config.bms.tenant,
        "user": info.get("FullName") or config.bms.username,
        "business": info.get("BusinessName"),
        "currency": info.get("CurrencyCode"),
    }


def status_report(config: Config | None = None) -> dict:
    """Both connections' state as a dict (no secrets): what ``python -m reconcile status``
    prints."""
    config = config or load_config()
    return {**config.describe(), "qbo": qbo_status(config), "bms": bms_status(config)}
