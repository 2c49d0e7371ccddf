"""The composition: ``BmsApp`` answers every request of the BMS sandbox for one tenant.

The routes, the ``/_sandbox/…`` control endpoint, and around every API call the token
check, injected faults, the write counter, the per-endpoint limit (1500 calls an hour),
latency and the key spelling of the answer. The endpoints come from the mixins of this
package, by concern: ``signin``, ``lists`` and ``integration``.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from reconcile.bms.client import endpoint_of
from reconcile.limiter import SlidingWindow
from reconcile.sandbox.bms.envelope import FAULT_SHAPES, BmsFault, respell, throttled
from reconcile.sandbox.bms.integration import Integration
from reconcile.sandbox.bms.lists import Lists
from reconcile.sandbox.bms.signin import SignIn
from reconcile.sandbox.bms_data import BmsData
from reconcile.sandbox.http import Request, Response
from reconcile.sandbox.middleware import Injected, control, delay, inject
from reconcile.sandbox.settings import ControlGuard, SettingsBox


class BmsApp(SignIn, Lists, Integration):
    """Answers every request of the BMS sandbox for one tenant."""

    def __init__(
        self,
        data: BmsData,
        settings: SettingsBox,
        identity: dict,
        *,
        control: ControlGuard | None = None,
    ) -> None:
        self.data = data
        self.control = control or ControlGuard()  # who may use /_sandbox/… (settings.py)
        self.settings = settings
        self.identity = identity  # tenant, username, password, user (UserInfoOutputDto)
        self._windows: dict[str, SlidingWindow] = {}
        self._windows_scale = 0.0
        self._lock = threading.Lock()
        self.routes = [
            ("POST", r"/v2/security/authenticate", self.authenticate, False),
            ("POST", r"/v2/security/refreshtoken", self.refresh, False),
            ("GET", r"/v2/security/userinfo", self.userinfo, True),
            ("GET", r"/v2/crm/accounts/summary", self.accounts, True),
            ("GET", r"/v2/crm/accounts/summary/(\d+)", self.account, True),
            ("GET", r"/v2/admin/finance/chartofaccounts", self.chart_of_accounts, True),
            ("GET", r"/v2/admin/finance/chartofaccounts/types", self.gl_types, True),
            ("POST", r"/v2/admin/finance/services/search", self.services, True),
            ("GET", r"/v2/finance/invoices/summary", self.invoices, True),
            ("GET", r"/v2/finance/invoices/(\d+)", self.invoice, True),
            ("POST", r"/v2/finance/invoices/details", self.invoice_lines, True),
            ("POST", r"/v2/finance/invoices/discounts", self.invoice_discounts, True),
            ("GET", r"/v2/integration/qbd/salestaxitems", self.tax_items, True),
            ("PUT", r"/v2/integration/qbd/invoices", self.invoice_references, True),
            ("POST", r"/v2/integration/qbd/payments", self.import_payments, True),
            ("GET", r"/v2/integration/qbd/jobstatus/(\d+)", self.job_status, True),
        ]

    # -- entry ------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if request.path.startswith("/_sandbox/"):
            return self._control(request)
        self.settings.hold()  # a test hook: hold_after_writes parks the client here
        for method, pattern, handler, needs_token in self.routes:
            match = re.fullmatch(pattern, request.path)
            if match and request.method == method:
                return self._run(request, handler, match.groups(), needs_token)
        if any(re.fullmatch(p, request.path) for _, p, _, _ in self.routes):
            return Response.json(
                {"Success": False, "Error": {"Code": 405, "Message": "Method not allowed"}},
                status=405,
            )
        return Response.json(
            {"Success": False, "Error": {"Code": 404, "Message": f"No endpoint {request.path}"}},
            status=404,
        )

    def _control(self, request: Request) -> Response:
        """Test hooks (``reconcile.sandbox.middleware.control``; the settings are shared
        with the QBO server)."""
        store = self.data.store
        return control(
            request,
            self.control,
            self.settings,
            expire_tokens=self.expire_tokens,
            counters=lambda: {
                "refresh_count": store.kv_get("bms_refresh_count", 0),
                "write_count": self.settings.writes("bms"),
            },
        )

    def _run(self, request: Request, handler: Any, args: tuple, needs_token: bool) -> Response:
        if needs_token and not self._token_ok(request):
            return Response(401, b"", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        # Faults are injected into the API's calls, never into sign-in.
        injected = (
            inject(self.settings, "bms", _is_write(request), FAULT_SHAPES)
            if needs_token
            else Injected()
        )
        if injected.answer is not None:
            return injected.answer
        endpoint = endpoint_of(request.method, request.path)
        if _is_write(request):
            self.settings.count_write("bms")
        if needs_token and self.settings.value.limits:
            wait = self._window(endpoint).try_acquire()
            if wait > 0:
                return throttled(wait)
        delay(self.settings)
        try:
            with self.data.store.transaction():
                body = handler(request, *args)
            status = 200
        except BmsFault as fault:
            body, status = fault.body(), fault.status
        if injected.lose_answer:
            return Response(reset=True)
        if body is None:  # operations the document declares without a response body
            return Response(200)
        return Response.json(respell(body, self.settings.value.bms_key_case), status=status)

    def _window(self, endpoint: str) -> SlidingWindow:
        with self._lock:
            scale = self.settings.value.time_scale
            if scale != self._windows_scale:
                self._windows, self._windows_scale = {}, scale
            if endpoint not in self._windows:
                self._windows[endpoint] = SlidingWindow(1500, 3600.0 / scale)
            return self._windows[endpoint]


def _is_write(request: Request) -> bool:
    """Whether a request changes the tenant: PUT, PATCH and DELETE, and the QuickBooks
    integration's POSTs (ImportPayments). The other POSTs are searches, and sign-in."""
    if request.method in ("PUT", "PATCH", "DELETE"):
        return True
    return request.method == "POST" and request.path.startswith("/v2/integration/")
