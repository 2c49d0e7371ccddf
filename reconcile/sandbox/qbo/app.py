"""The composition: ``QboApp`` answers every request of the QBO sandbox.

The entry (OAuth, the ``/_sandbox/…`` control endpoint, authentication, injected faults,
limits), the ``requestid`` replay, the routing of ``/v3/company/{realmId}/…`` and the reads:
read by Id, the query language and batch. The state (store, settings, the running batch, the
body being written) lives on the one ``QboApp``; what it does with it comes from the mixins of
this package, by concern: ``profile``, ``writes``, ``entities``, ``ledger`` and ``tax``.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

from reconcile import clock
from reconcile.qbo import rules as qbo_rules
from reconcile.qbo.faults import Fault, not_found, unsupported
from reconcile.sandbox import qbo_query
from reconcile.sandbox.http import Request, Response
from reconcile.sandbox.middleware import control, delay, inject
from reconcile.sandbox.oauth import OAuthProvider
from reconcile.sandbox.qbo.entities import Entities
from reconcile.sandbox.qbo.ledger import Ledger
from reconcile.sandbox.qbo.limits import Limits
from reconcile.sandbox.qbo.profile import Profile
from reconcile.sandbox.qbo.responses import (
    FAULT_SHAPES,
    auth_failure,
    fault_response,
    now_iso,
    throttled,
)
from reconcile.sandbox.qbo.tax import TAX_SERVICE, Tax
from reconcile.sandbox.qbo.writes import Writes
from reconcile.sandbox.settings import ControlGuard, SettingsBox
from reconcile.sandbox.store import Store

API_PATH = re.compile(r"^/v3/company/([^/]+)/(.+)$")
MAX_BATCH = 30
MAX_REQUEST_ID = 50
MAX_BATCH_REQUEST_ID = 36
MAX_BATCH_ID = 10


def _id_number(value: str) -> bool:
    return value.isdigit()


class QboApp(Profile, Writes, Entities, Ledger, Tax):
    """Answers every request of the QBO sandbox."""

    def __init__(
        self,
        store: Store,
        settings: SettingsBox,
        oauth: OAuthProvider,
        realm: str,
        today: Callable[[], date] = clock.today,
        *,
        control: ControlGuard | None = None,
    ):
        self.store = store
        self.control = control or ControlGuard()  # who may use /_sandbox/… (settings.py)
        self.today = today  # the company's current date: the default TxnDate of a transaction
        self.settings = settings
        self.oauth = oauth
        self.realm = realm
        self._limits: Limits | None = None
        self._limits_scale = 0.0
        # Records created by the items of the batch being run on this thread (see _batch).
        self._batch_run = threading.local()
        self._sent = threading.local()  # the body of the write being run on this thread
        self._profile_lock = threading.Lock()
        self._profile_applied: str | None = None  # the company_profile seeded (apply_profile)

    def limits(self) -> Limits:
        scale = self.settings.value.time_scale
        if self._limits is None or scale != self._limits_scale:
            self._limits, self._limits_scale = Limits(scale), scale
        return self._limits

    # -- entry ------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Route one request: OAuth, sandbox control, or the accounting API."""
        if not request.path.startswith("/_sandbox/"):
            self.settings.hold()  # a test hook: hold_after_writes parks the client here
        answer = self.oauth.handle(request)
        if answer is not None:
            return answer
        if request.path.startswith("/_sandbox/"):
            return self._control(request)
        response = self._accounting(request)
        # Every answer of the API carries Intuit's transaction id, faults and replays too
        # (reference §5: quote it to Intuit's support).
        if not response.reset:
            response.headers["intuit_tid"] = secrets.token_hex(12)
        return response

    def _accounting(self, request: Request) -> Response:
        match = API_PATH.match(request.path)
        if not match:
            return fault_response(unsupported(f"Unsupported path {request.path}"))
        realm, rest = match.groups()
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return auth_failure("Authorization header missing or not Bearer")
        token_realm, why = self.oauth.access_token_realm(header[7:])
        if token_realm is None:
            return auth_failure(why)
        if token_realm != realm:
            return auth_failure(f"The token is not authorized for realm {realm}", status=403)

        s = self.settings.value
        injected = inject(self.settings, "qbo", _is_write(request, rest), FAULT_SHAPES)
        if injected.answer is not None:
            return injected.answer
        self.apply_profile()  # the profile may have been switched on the BMS server's settings
        batch = rest == "batch"
        limits = self.limits() if s.limits else None
        if limits is not None:
            wait = limits.admit(batch)
            if wait > 0:
                return throttled(wait)
        try:
            delay(self.settings)
            response = self._api(realm, rest, request)
        finally:
            if limits is not None:
                limits.done()
        return Response(reset=True) if injected.lose_answer else response

    def _control(self, request: Request) -> Response:
        """Test hooks (``reconcile.sandbox.middleware.control``); a new company_profile in
        the settings brings its records at once."""
        return control(
            request,
            self.control,
            self.settings,
            expire_tokens=self.oauth.expire_access_tokens,
            counters=lambda: {
                "refresh_count": self.store.kv_get("refresh_count", 0),
                "write_count": self.settings.writes("qbo"),
            },
            changed=self.apply_profile,
        )

    # -- the accounting API -------------------------------------------------------------------

    def _api(self, realm: str, rest: str, request: Request) -> Response:
        params = request.query
        request_id = params.get("requestid")
        is_write = _is_write(request, rest)
        if is_write:
            self.settings.count_write("qbo")
        if request_id is not None and is_write:
            limit = MAX_BATCH_REQUEST_ID if rest == "batch" else MAX_REQUEST_ID
            if not request_id or len(request_id) > limit:
                return fault_response(
                    Fault("2130", f"Request Id must be 1-{limit} characters", element="requestid")
                )
            with self.store.lock:
                cached = self.store.reply(realm, request_id)
                if cached is not None:  # same requestid: same answer, nothing done again
                    status, body = cached
                    return Response.json(body, status=status)
                response = self._dispatch(realm, rest, request)
                if response.status < 500:
                    self.store.save_reply(
                        realm, request_id, response.status, json.loads(response.body)
                    )
                return response
        return self._dispatch(realm, rest, request)

    def _dispatch(self, realm: str, rest: str, request: Request) -> Response:
        try:
            with self.store.transaction():
                body = self._route(realm, rest, request)
        except Fault as fault:
            return fault_response(fault)
        if rest != TAX_SERVICE:  # the TaxService answers its bare echo object (§4)
            body["time"] = now_iso(ms=True)
        return Response.json(body)

    def _route(self, realm: str, rest: str, request: Request) -> dict:
        parts = rest.split("/")
        if realm != self.realm:
            raise not_found("Company", realm)
        if rest == "query":
            text = request.query.get("query") if request.method == "GET" else request.text()
            return {"QueryResponse": self.query(realm, text or "")}
        if rest == "batch" and request.method == "POST":
            return self._batch(realm, self._json(request), request.query.get("requestid"))
        if rest == TAX_SERVICE and request.method == "POST":
            return self.tax_service(realm, self._json(request))
        if parts[0] == "companyinfo":
            if request.method == "GET" and len(parts) == 2:
                # Read by realm id, although the record's own Id is "1" (reference §2).
                wanted = "1" if parts[1] == realm else parts[1]
                return {"CompanyInfo": self._read(realm, "CompanyInfo", wanted)}
            raise unsupported("CompanyInfo is read-only in this sandbox")
        if parts[0] == "preferences":
            if request.method == "GET" and len(parts) == 1:
                return {"Preferences": self.preferences()}
            raise unsupported("Preferences are read-only in this sandbox")
        entity = qbo_rules.ENDPOINTS.get(parts[0])
        if entity is None:
            raise unsupported(f"Unsupported entity {parts[0]!r}")
        if request.method == "GET" and len(parts) == 2:
            return {entity: self._read(realm, entity, parts[1])}
        if request.method == "POST" and len(parts) == 1:
            op = request.query.get("operation", "")
            if op == "update" and request.query.get("include") == "void":
                op = "void"
            result = self.write(realm, entity, op or "create", self._json(request), request.query)
            return {entity: result}
        raise unsupported(f"{request.method} {rest} is not supported")

    @staticmethod
    def _json(request: Request) -> Any:
        try:
            return request.json()
        except ValueError as exc:
            raise Fault("2010", f"Request body is not valid JSON: {exc}") from None

    # -- reads and batch ---------------------------------------------------------------------

    def _read(self, realm: str, entity: str, entity_id: str) -> dict:
        if not _id_number(entity_id) and entity not in ("TaxCode",):
            raise Fault(
                "2030",
                f"Id should be a valid number. Supplied value:{entity_id}",
                element="Id",
                message="Invalid ID",
            )
        doc = self._visible(realm, entity, entity_id)
        if doc is None:
            raise not_found(entity, entity_id)
        return doc

    def query(self, realm: str, text: str) -> dict:
        """Run a query text against the company (the §3 grammar)."""
        parsed = qbo_query.parse(text, qbo_rules.ENTITIES)
        if parsed.entity == "Preferences":  # one record, made from the current profile
            return qbo_query.evaluate(parsed, [self.preferences()])
        return qbo_query.evaluate(parsed, self.store.all(realm, parsed.entity))

    def _batch(self, realm: str, body: Any, request_id: str | None) -> dict:
        items = body.get("BatchItemRequest") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            raise Fault("2020", "Required parameter BatchItemRequest is missing in the request")
        if len(items) > MAX_BATCH:
            raise Fault(
                "1040",
                f"Batch size {len(items)} exceeds the limit of {MAX_BATCH}",
                message="Batch size exceeds allowed limit",
            )
        if request_id is not None:  # Intuit: bId at most 10 characters with a RequestID (§2)
            for item in items:
                if len(str(item.get("bId") or "")) > MAX_BATCH_ID:
                    raise Fault(
                        "2130",
                        f"bId must be at most {MAX_BATCH_ID} characters with a requestid",
                        element="bId",
                        message="Invalid Request Id Format",
                    )
        # Items are independent: one cannot see what an earlier item of the batch created
        # (Intuit's batch page, reference §6); they still run one after another.
        self._batch_run.created = set()
        try:
            answers = []
            for item in items:
                bid = item.get("bId")
                try:
                    answers.append({**self._batch_item(realm, item), "bId": bid})
                except Fault as fault:
                    answers.append({"Fault": fault.fault(), "bId": bid})
        finally:
            del self._batch_run.created
        return {"BatchItemResponse": answers}

    def _visible(self, realm: str, entity: str, entity_id: str) -> dict | None:
        """The record, unless an earlier item of the running batch created it."""
        if (entity, entity_id) in getattr(self._batch_run, "created", ()):
            return None
        return self.store.get(realm, entity, entity_id)

    def _batch_item(self, realm: str, item: dict) -> dict:
        if "Query" in item:
            return {"QueryResponse": self.query(realm, item["Query"])}
        entities = [k for k in item if k in qbo_rules.ENTITIES]
        if len(entities) != 1:
            raise Fault("2020", "Each batch item needs exactly one entity or a Query")
        entity = entities[0]
        op = item.get("operation", "create")
        if op not in ("create", "update", "delete", "void"):
            raise Fault("2170", f"Unsupported batch operation {op!r}", element="operation")
        # Each item is its own unit: a fault in one leaves the others (reference §6).
        with self.store.transaction():
            return {entity: self.write(realm, entity, op, item[entity], {})}


def _is_write(request: Request, rest: str) -> bool:
    """Whether an API request may change the company: every POST but a query."""
    return request.method == "POST" and rest not in ("query",)
