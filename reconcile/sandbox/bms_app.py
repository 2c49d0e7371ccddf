"""The local Kaseya BMS server: REST API v2 as its published OpenAPI document defines it.

Implemented (reference/bms-api-and-peers.md §1): sign-in and refresh, user info, CRM account
summaries, chart of accounts and its types, services search, invoice summaries, one invoice,
bulk invoice lines and discounts, sales tax items, and the QuickBooks integration calls the
toolkit writes with (invoice reference write-back, payment import, job status).

Behaviour where the document is silent, chosen to be strict and documented in
docs/sandbox.md: failures are ``Success=false`` envelopes (HTTP 200 for business errors such
as an unknown id or wrong credentials, 400 for malformed parameters), a missing or expired
token is a bare 401, and more than 1500 calls per hour to one endpoint is a 429.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
import secrets
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from reconcile.bms import openapi
from reconcile.bms.client import endpoint_of
from reconcile.limiter import SlidingWindow
from reconcile.sandbox.bms_data import BmsData, conditions, in_list, iso_z, utc_key
from reconcile.sandbox.http import Request, Response
from reconcile.sandbox.middleware import FaultShapes, Injected, control, delay, inject
from reconcile.sandbox.settings import ControlGuard, SettingsBox

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
FULLY_PAID, PARTIALLY_PAID, VOID = 5, 4, 6


class BmsFault(Exception):
    """An answer with ``Success=false``."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        details: str | None = None,
        sub_errors: list[str] | None = None,
        status: int = 200,
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.details = code, message, details
        self.sub_errors, self.status = sub_errors, status

    def body(self) -> dict:
        error: dict[str, Any] = {"Code": self.code, "Message": self.message}
        if self.details:
            error["Details"] = self.details
        if self.sub_errors:
            error["SubErrors"] = self.sub_errors
        return {"Success": False, "Error": error}


def invalid(*problems: str) -> BmsFault:
    """400: a parameter or body that cannot be read (ASP.NET model validation)."""
    return BmsFault(
        400, "One or more validation errors occurred.", sub_errors=list(problems), status=400
    )


def ok(result: Any, total: int | None = None) -> dict:
    body: dict[str, Any] = {"Success": True, "Result": result}
    if total is not None:
        body["TotalRecords"] = total
    return body


def _camel(key: str) -> str:
    return key[:1].lower() + key[1:]


def _legacy(key: str) -> str:
    return key[:-2] + "ID" if key.endswith("Id") else key


def respell(value: Any, case: str) -> Any:
    """Keys in the spelling a tenant answers with (pascal / camel / legacy)."""
    if case == "pascal":
        return value
    fix = _camel if case == "camel" else _legacy
    if isinstance(value, list):
        return [respell(v, case) for v in value]
    if isinstance(value, dict):
        return {fix(k): respell(v, case) for k, v in value.items()}
    return value


# -- parameter readers --------------------------------------------------------------------------


def _int(name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise invalid(f"{name}: The value '{text}' is not valid for Int32.") from None


def _bool(name: str, text: str) -> bool:
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    raise invalid(f"{name}: The value '{text}' is not valid for Boolean.")


def _datetime(name: str, text: str) -> str:
    try:
        return utc_key(text)
    except ValueError:
        raise invalid(f"{name}: The value '{text}' is not valid for DateTime.") from None


def form_fields(request: Request) -> dict[str, str]:
    """The fields of a multipart/form-data or urlencoded body, names lower-cased."""
    ctype = request.headers.get("Content-Type", "")
    if ctype.startswith("multipart/form-data"):
        raw = f"Content-Type: {ctype}\r\n\r\n".encode() + request.body
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
        fields = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name:
                fields[name.lower()] = part.get_content().strip() if part.get_content() else ""
        return fields
    return {
        k.lower(): v for k, v in parse_qsl(request.body.decode("utf-8"), keep_blank_values=True)
    }


# Filters per list endpoint: query parameter -> (SQL condition, reader).


def _filters(spec: dict[str, tuple[str, Any]], query: dict[str, str]) -> list[tuple[str, tuple]]:
    where = []
    for name, (condition, reader) in spec.items():
        if name in query and query[name] != "":
            where.append((condition, (reader(name, query[name]),)))
    return where


def _text(name: str, text: str) -> str:
    return text


ACCOUNT_FILTERS = {
    "Filter.AccountName": ("name LIKE '%' || ? || '%'", _text),
    "Filter.AccountCode": ("code = ?", _text),
    "Filter.AccountTypeId": ("type_id = ?", _int),
    "Filter.AccountTypeName": ("type_name = ?", _text),
    "Filter.CreatedOnFrom": ("created_on >= ?", _datetime),
    "Filter.CreatedOnTo": ("created_on <= ?", _datetime),
    "Filter.ModifiedOnFrom": ("modified_on >= ?", _datetime),
    "Filter.ModifiedOnTo": ("modified_on <= ?", _datetime),
    "Filter.IsActive": ("is_active = ?", _bool),
}
ACCOUNT_SORT = {
    "id": "id",
    "accountname": "name",
    "accountcode": "code",
    "modifiedon": "modified_on",
    "createdon": "created_on",
}
GL_FILTERS = {
    "Filter.Id": ("id = ?", _int),
    "Filter.Code": ("code = ?", _text),
    "Filter.Name": ("name LIKE '%' || ? || '%'", _text),
    "Filter.TypeId": ("type_id = ?", _int),
    "Filter.ParentId": ("parent_id = ?", _int),
    "Filter.IsActive": ("is_active = ?", _bool),
}
GL_SORT = {"id": "id", "code": "code", "name": "name"}
INVOICE_FILTERS = {
    "Filter.Id": ("id = ?", _int),
    "Filter.InvoiceNumber": ("number = ?", _text),
    "Filter.AccountId": ("account_id = ?", _int),
    "Filter.AccountName": ("account_name LIKE '%' || ? || '%'", _text),
    "Filter.StatusId": ("status_id = ?", _int),
    "Filter.CreatedFrom": ("created_on >= ?", _datetime),
    "Filter.CreatedTo": ("created_on <= ?", _datetime),
    "Filter.PostedToAccounting": ("posted = ?", _bool),
}
INVOICE_SORT = {
    "id": "id",
    "invoicenumber": "number",
    "invoicedate": "invoice_date",
    "createdon": "created_on",
    "accountname": "account_name",
}


def _sort(text: str | None, allowed: dict[str, str]) -> str:
    """``Sort=Field`` or ``Field desc`` (the syntax is undocumented; reference §1.3)."""
    if not text:
        return "id"
    parts = text.strip().split()
    column = allowed.get(parts[0].lower())
    direction = parts[1].upper() if len(parts) > 1 else "ASC"
    if column is None or direction not in ("ASC", "DESC") or len(parts) > 2:
        raise invalid(f"Sort: cannot sort by '{text}' (allowed: {', '.join(sorted(allowed))})")
    return f"{column} {direction}, id"


def _paging(size: object, number: object) -> tuple[int, int]:
    size = DEFAULT_PAGE_SIZE if size in (None, "") else size
    number = 1 if number in (None, "") else number
    size = _int("PageSize", str(size)) if not isinstance(size, int) else size
    number = _int("PageNumber", str(number)) if not isinstance(number, int) else number
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise invalid(f"PageSize: must be between 1 and {MAX_PAGE_SIZE}, got {size}.")
    if number < 0:
        raise invalid(f"PageNumber: must be 1 or more, got {number}.")
    return size, max(number, 1)  # PageNumber=0 is read as the first page, as clients send it


class BmsApp:
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
                return _throttled(wait)
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

    # -- sign-in ------------------------------------------------------------------------------

    def _token_ok(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return False
        rows = self.data.store.execute(
            "SELECT expires_at, revoked FROM bms_tokens WHERE token=? AND kind='access'",
            (header[7:],),
        )
        return bool(rows) and not rows[0][1] and time.time() < rows[0][0]

    def _issue(self) -> dict:
        s = self.settings.value
        now = time.time()
        access, refresh = "eyJ" + secrets.token_urlsafe(40), secrets.token_urlsafe(32)
        for token, kind, partner, ttl in (
            (access, "access", refresh, s.bms_access_token_ttl),
            (refresh, "refresh", access, s.bms_refresh_token_ttl),
        ):
            self.data.store.execute(
                "INSERT INTO bms_tokens (token, kind, partner, expires_at) VALUES (?,?,?,?)",
                (token, kind, partner, now + ttl),
            )
        return ok(
            {
                "AccessToken": access,
                "RefreshToken": refresh,
                "AccessTokenExpireOn": iso_z(
                    datetime.fromtimestamp(now + s.bms_access_token_ttl, UTC)
                ),
                "RefreshTokenExpireOn": iso_z(
                    datetime.fromtimestamp(now + s.bms_refresh_token_ttl, UTC)
                ),
            }
        )

    def authenticate(self, request: Request) -> dict:
        f = form_fields(request)
        ident = self.identity
        good = (
            f.get("tenant", "").lower() == ident["tenant"].lower()
            and f.get("username", "").lower() == ident["username"].lower()
            and secrets.compare_digest(f.get("password", ""), ident["password"])
        )
        if not good:
            raise BmsFault(401, "Invalid company name, user name or password.")
        mfa = self.settings.value.bms_mfa_code
        if mfa and f.get("mfacode") != mfa:
            raise BmsFault(401, "Invalid or missing MFA code.")
        return self._issue()

    def refresh(self, request: Request) -> dict:
        f = form_fields(request)
        rows = self.data.store.execute(
            "SELECT partner, expires_at, revoked FROM bms_tokens WHERE token=? AND kind='refresh'",
            (f.get("refreshtoken", ""),),
        )
        if (
            not rows
            or rows[0][2]
            or time.time() >= rows[0][1]
            or rows[0][0] != f.get("accesstoken")
        ):
            raise BmsFault(401, "Invalid refresh token.")
        # Rotate: the used pair stops working.
        self.data.store.execute(
            "UPDATE bms_tokens SET revoked=1 WHERE token IN (?, ?)",
            (f["refreshtoken"], f["accesstoken"]),
        )
        self.data.store.kv_set(
            "bms_refresh_count", self.data.store.kv_get("bms_refresh_count", 0) + 1
        )
        return self._issue()

    def expire_tokens(self) -> int:
        """Every access token expires now (tests of 401 → refresh → replay)."""
        rows = self.data.store.execute("SELECT COUNT(*) FROM bms_tokens WHERE kind='access'")
        self.data.store.execute(
            "UPDATE bms_tokens SET expires_at=? WHERE kind='access'", (time.time() - 1,)
        )
        return rows[0][0]

    def userinfo(self, request: Request) -> dict:
        return ok(self.identity["user"])

    # -- lists ------------------------------------------------------------------------------

    def _page(self, table: str, where: list, order: str, size: int, number: int) -> tuple:
        return self.data.select(table, where, order=order, limit=size, offset=(number - 1) * size)

    def accounts(self, request: Request) -> dict:
        q = request.query
        size, number = _paging(q.get("PageSize"), q.get("PageNumber"))
        where = _filters(ACCOUNT_FILTERS, q)
        rows, total = self._page(
            "bms_accounts", where, _sort(q.get("Sort"), ACCOUNT_SORT), size, number
        )
        return ok(rows, total)

    def account(self, request: Request, account_id: str) -> dict:
        doc = self.data.one("bms_accounts", int(account_id))
        if doc is None:
            raise BmsFault(404, f"Account {account_id} was not found.")
        return doc  # the document declares the bare DTO here, without the envelope

    def chart_of_accounts(self, request: Request) -> dict:
        q = request.query
        size, number = _paging(q.get("PageSize"), q.get("PageNumber"))
        rows, total = self._page(
            "bms_gl", _filters(GL_FILTERS, q), _sort(q.get("Sort"), GL_SORT), size, number
        )
        return ok(rows, total)

    def gl_types(self, request: Request) -> dict:
        size, number = _paging(request.query.get("PageSize"), request.query.get("PageNumber"))
        rows, total = self._page("bms_gl_types", [], "id", size, number)
        return ok(rows, total)

    def _body(self, request: Request, path: str, method: str) -> Any:
        try:
            body = request.json() if request.body else {}
        except ValueError as exc:
            raise invalid(f"body: not valid JSON ({exc})") from None
        problems = openapi.errors(openapi.request_schema(path, method), body)
        if problems:
            raise invalid(*problems)
        return body

    def services(self, request: Request) -> dict:
        body = self._body(request, "/v2/admin/finance/services/search", "post")
        size, number = _paging(body.get("PageSize"), body.get("PageNumber"))
        f = body.get("Filter") or {}
        where: list[tuple[str, tuple]] = []
        for key, column in (("Name", "name"), ("Description", "description")):
            if f.get(key):
                where.append((f"{column} LIKE '%' || ? || '%'", (f[key],)))
        for key, column in (("IsActive", "is_active"), ("IsTaxable", "is_taxable")):
            if f.get(key) is not None:
                where.append((f"{column} = ?", (int(bool(f[key])),)))
        for key, column in (("IncomeAccount", "income"), ("ExpenseAccount", "expense")):
            if f.get(key):
                where.append((f"{column} = ?", (f[key],)))
        if f.get("CategoryIds"):
            where.append(in_list("category_id", [int(i) for i in f["CategoryIds"]]))
        sort = _sort(body.get("Sort"), {"id": "id", "name": "name"})
        rows, total = self._page("bms_services", where, sort, size, number)
        return ok(rows, total)

    def invoices(self, request: Request) -> dict:
        q = request.query
        size, number = _paging(q.get("PageSize"), q.get("PageNumber"))
        rows, _ = self._page(
            "bms_invoices",
            _filters(INVOICE_FILTERS, q),
            _sort(q.get("Sort"), INVOICE_SORT),
            size,
            number,
        )
        return ok(rows)  # this list has no TotalRecords (reference §1.3)

    def invoice(self, request: Request, invoice_id: str) -> dict:
        doc = self.data.one("bms_invoices", int(invoice_id))
        if doc is None:
            raise BmsFault(404, f"Invoice {invoice_id} was not found.")
        doc["LineItems"] = self.data.children("bms_lines", [doc["Id"]])
        doc["DiscountItems"] = self.data.children("bms_discounts", [doc["Id"]])
        return ok(doc)

    def _invoice_children(self, request: Request, table: str, path: str) -> dict:
        body = self._body(request, path, "post")
        size, number = _paging(body.get("PageSize"), body.get("PageNumber"))
        f = body.get("Filter") or {}
        where: list[tuple[str, tuple]] = []
        if f.get("ListInvoiceIds"):
            ids = [_int("Filter.ListInvoiceIds", p) for p in f["ListInvoiceIds"].split(",") if p]
            where.append(in_list("c.invoice_id", ids))
        if f.get("ListStatusId"):
            ids = [_int("Filter.ListStatusId", p) for p in f["ListStatusId"].split(",") if p]
            where.append(in_list("i.status_id", ids))
        for key, op in (("InvoiceDateFrom", ">="), ("InvoiceDateTo", "<=")):
            if f.get(key):
                where.append((f"i.invoice_date {op} ?", (_datetime(f"Filter.{key}", f[key]),)))
        if f.get("PostedToAccounting") is not None:
            where.append(("i.posted = ?", (int(bool(f["PostedToAccounting"])),)))
        clause, params = conditions(where)
        # Join the invoices only when a filter needs them: paging a large tenant's lines
        # then walks one table in id order.
        join = "JOIN bms_invoices i ON i.id = c.invoice_id" if "i." in clause else ""
        sql = f"SELECT c.doc FROM {table} c {join} WHERE {clause} ORDER BY c.id LIMIT ? OFFSET ?"
        rows = self.data.store.execute(sql, (*params, size, (number - 1) * size))
        return ok([json.loads(r[0]) for r in rows])

    def invoice_lines(self, request: Request) -> dict:
        return self._invoice_children(request, "bms_lines", "/v2/finance/invoices/details")

    def invoice_discounts(self, request: Request) -> dict:
        return self._invoice_children(request, "bms_discounts", "/v2/finance/invoices/discounts")

    def tax_items(self, request: Request) -> dict:
        q = request.query
        if not q.get("ExternalTenantId"):
            raise invalid("ExternalTenantId: The ExternalTenantId field is required.")
        size, number = _paging(q.get("PageSize"), q.get("PageNumber"))
        name = q.get("Filter.Name")
        where = [("name LIKE '%' || ? || '%'", (name,))] if name else []
        rows, total = self._page("bms_tax_items", where, "id", size, number)
        return ok(rows, total)

    # -- QuickBooks integration writes -----------------------------------------------------------

    def invoice_references(self, request: Request) -> None:
        """Write the QuickBooks invoice id/number back onto BMS invoices (all or none)."""
        items = self._body(request, "/v2/integration/qbd/invoices", "put")
        invoices = {}
        missing = []
        for item in items:
            doc = self.data.one("bms_invoices", int(item.get("InvoiceId", 0)))
            if doc is None:
                missing.append(str(item.get("InvoiceId")))
            invoices[item.get("InvoiceId")] = doc
        if missing:
            raise BmsFault(404, f"Invoice(s) not found: {', '.join(missing)}; nothing was changed.")
        now = iso_z(datetime.now(UTC))
        for item in items:
            doc = invoices[item["InvoiceId"]]
            doc["PostedToAccounting"] = True
            doc["PostedToAccountingOn"] = now
            doc["AccountingAppReference"] = item.get("QbInvoiceId")
            doc["ModifiedOn"] = now
            self.data.save_invoice(doc)
        return None

    def import_payments(self, request: Request) -> dict:
        """Apply payments to invoices; each payment is all-or-nothing, and a payment id seen
        before is skipped, never applied twice. Answers the job id (a string)."""
        payments = self._body(request, "/v2/integration/qbd/payments", "post")
        job_id = self.data.store.next_value("bms", "job", start=1)
        logs = []
        failed = applied = 0
        for payment in payments:
            code, message = self._apply_payment(payment, job_id)
            logs.append({"Message": message, "Code": code, "Date": iso_z(datetime.now(UTC))})
            applied += code in ("Applied", "Skipped")
            failed += code == "Error"
        state = "Completed" if not failed else ("Failed" if not applied else "CompletedWithErrors")
        if self.settings.value.bms_job_logs == "summary":  # a tenant that does not log per payment
            text = f"{applied} of {len(payments)} payment(s) imported, {failed} failed."
            logs = [{"Message": text, "Code": "Info", "Date": iso_z(datetime.now(UTC))}]
        self.data.store.execute(
            "INSERT INTO bms_jobs (id, state, logs) VALUES (?,?,?)",
            (job_id, state, json.dumps(logs)),
        )
        return ok(str(job_id))

    def _apply_payment(self, payment: dict, job_id: int) -> tuple[str, str]:
        pid = payment.get("Id")
        tenant = payment.get("ExternalTenantId") or ""
        if not pid:
            return "Error", "Payment without Id: an external payment id is required."
        seen = self.data.store.execute(
            "SELECT job_id, applied_on FROM bms_payments WHERE tenant=? AND external_id=?",
            (tenant, pid),
        )
        if seen and self.settings.value.bms_refuse_known_payments:
            return "Skipped", (
                f"Payment {pid} was already imported (job {seen[0][0]}, {seen[0][1]}); "
                "not applied again."
            )
        lines = payment.get("Lines") or []
        total = sum((Decimal(str(ln.get("Amount", 0))) for ln in lines), Decimal(0))
        if total > Decimal(str(payment.get("Amount", 0))):
            return "Error", f"Payment {pid}: lines apply {total}, more than its Amount."
        changes = []
        for ln in lines:
            ref = str(ln.get("InvoiceId") or "")
            if self.settings.value.bms_payment_invoice_key == "bms_id":
                rows = self.data.store.execute("SELECT doc FROM bms_invoices WHERE id=?", (ref,))
            else:
                rows = self.data.store.execute(
                    "SELECT doc FROM bms_invoices WHERE reference=?", (ref,)
                )
            if not rows:
                return "Error", (
                    f"Payment {pid}: no invoice has QuickBooks reference {ref!r} "
                    "(write the reference back with PUT /v2/integration/qbd/invoices first)."
                    if self.settings.value.bms_payment_invoice_key == "qbo_id"
                    else f"Payment {pid}: no invoice has id {ref!r}."
                )
            inv = json.loads(rows[0][0])
            if inv.get("StatusId") == VOID:
                return "Error", f"Payment {pid}: invoice {inv['InvoiceNumber']} is void."
            amount = Decimal(str(ln.get("Amount", 0)))
            discount = Decimal(str(ln.get("Discount", 0) or 0))
            due = Decimal(str(inv.get("PaymentDue") or 0))
            if amount < 0 or discount < 0:
                return "Error", (
                    f"Payment {pid}: a negative amount ({amount}) or discount ({discount}) "
                    f"for invoice {inv['InvoiceNumber']}."
                )
            if amount + discount > due:
                return "Error", (
                    f"Payment {pid}: {amount + discount} for invoice {inv['InvoiceNumber']} "
                    f"is more than its payment due {due}."
                )
            changes.append((inv, amount, discount))
        now = iso_z(datetime.now(UTC))
        for inv, amount, discount in changes:
            paid = Decimal(str(inv.get("PaidAmount") or 0)) + amount
            due = Decimal(str(inv.get("PaymentDue") or 0)) - amount - discount
            inv["PaidAmount"] = float(paid)
            inv["PaymentDue"] = float(due)
            inv["StatusId"] = FULLY_PAID if due <= 0 else PARTIALLY_PAID
            inv["StatusName"] = "Fully Paid" if due <= 0 else "Partially Paid"
            inv["ModifiedOn"] = now
            self.data.save_invoice(inv)
        self.data.store.execute(
            "INSERT OR REPLACE INTO bms_payments (tenant, external_id, job_id, applied_on, doc)"
            " VALUES (?,?,?,?,?)",
            (tenant, pid, job_id, now, json.dumps(payment)),
        )
        numbers = ", ".join(inv["InvoiceNumber"] for inv, _, _ in changes) or "no invoice"
        return "Applied", f"Payment {pid} applied to {numbers}."

    def job_status(self, request: Request, job_id: str) -> dict:
        rows = self.data.store.execute(
            "SELECT state, logs FROM bms_jobs WHERE id=?", (int(job_id),)
        )
        if not rows:
            raise BmsFault(404, f"Job {job_id} was not found.")
        return ok({"State": rows[0][0], "JobLogs": json.loads(rows[0][1])})


def _throttled(wait: float) -> Response:
    """429 as BMS answers it, with Retry-After (reference bms §1.1)."""
    fault = BmsFault(429, "API calls quota exceeded! maximum admitted 1500 per 1h.", status=429)
    resp = Response.json(fault.body(), status=429)
    resp.headers["Retry-After"] = str(max(1, int(wait + 0.999)))
    return resp


FAULT_SHAPES = FaultShapes(
    server_error=lambda status: Response.json(
        {
            "Success": False,
            "Error": {"Code": status, "Message": "Internal server error (injected)"},
        },
        status=status,
    ),
    throttled=_throttled,
    unauthorized=lambda: Response(401, b"", {"WWW-Authenticate": 'Bearer error="invalid_token"'}),
)


def _is_write(request: Request) -> bool:
    """Whether a request changes the tenant: PUT, PATCH and DELETE, and the QuickBooks
    integration's POSTs (ImportPayments). The other POSTs are searches, and sign-in."""
    if request.method in ("PUT", "PATCH", "DELETE"):
        return True
    return request.method == "POST" and request.path.startswith("/v2/integration/")
