"""The one door to QuickBooks Online's REST API v3: auth, limits, retries and faults in one place.

- Every request carries ``minorversion`` and the bearer token; a 401 triggers one refresh and
  one replay.
- Every write carries a ``requestid`` (reference §2): QBO answers a repeated request id with the
  original response, so a write retried after a lost answer cannot create a duplicate. That is
  what makes retrying writes safe; a write without one is never retried.
- A client-side limiter keeps within QBO's limits; a 429 pauses every caller (60 s by default,
  less when the server says so) and the request is tried again; 5xx and connection resets are
  retried a bounded number of times with exponential backoff. The request loop is the one
  both clients share (``reconcile.transport``); this module gives it QuickBooks' hooks.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import requests

from reconcile.config import Config, QboSettings, load_config
from reconcile.errors import ReconcileError
from reconcile.limiter import Limiter, qbo_limiter
from reconcile.qbo.auth import TIMEOUT, QboAuth
from reconcile.qbo.errors import (
    FaultError,
    QboAuthError,
    QboError,
    QboThrottledError,
    fault_from_dict,
    parse_error,
)
from reconcile.qbo.frames import to_frame
from reconcile.qbo.query import MAX_RESULTS, Query
from reconcile.transport import Api, Transport

log = logging.getLogger(__name__)

BATCH_SIZE = 30  # at most 30 BatchItemRequest per batch (reference §6)
THROTTLE_WAIT = 60.0  # official advice after a 429: wait 60 s (§6)
# Payments are voided through an update with include=void; invoices have operation=void (§2).
_VOID_BY_UPDATE = {"Payment", "SalesReceipt", "BillPayment"}
SENT = {False: "api", True: "batch"}  # what a request sent counts as (CallStats), by batch


class QboConnectionError(ReconcileError):
    """QuickBooks could not be reached (after the allowed retries)."""


_LIMITERS: dict[tuple, Limiter] = {}
_LIMITERS_LOCK = threading.Lock()


def shared_limiter(settings: QboSettings) -> Limiter:
    """One limiter per app and company in this process: QBO counts its limits per realm +
    app, so two clients in one kernel must share the same allowance."""
    key = (settings.base_url, settings.client_id, settings.realm_id, settings.time_scale)
    with _LIMITERS_LOCK:
        if key not in _LIMITERS:
            _LIMITERS[key] = qbo_limiter(settings.time_scale)
        return _LIMITERS[key]


def new_request_id() -> str:
    """A fresh request id: a UUID, 36 characters, valid for batch (max 36) and single writes."""
    return str(uuid.uuid4())


@dataclass
class BatchOp:
    """One operation of a batch: create/update/delete/void an entity, or a query.

    ``key`` is yours (e.g. the BMS id) and comes back on the matching :class:`BatchResult`."""

    operation: str
    entity: str = ""
    body: dict | None = None
    query: str | None = None
    key: Any = None


@dataclass
class BatchResult:
    """The outcome of one :class:`BatchOp`: the entity (or query response) or the fault."""

    op: BatchOp
    data: dict | None = None
    error: QboError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class CallStats:
    """Counts of HTTP requests sent ("api", "batch") and of why some were sent again:
    "reauthorized" (401, token refreshed), "throttled" (429), "retried" (5xx, reset)."""

    counts: Counter = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, kind: str) -> None:
        with self._lock:
            self.counts[kind] += 1

    @property
    def total(self) -> int:
        """HTTP requests sent, repeats included."""
        return self.counts["api"] + self.counts["batch"]

    @property
    def resent(self) -> int:
        """How many of those were repeats of an earlier attempt."""
        return self.counts["reauthorized"] + self.counts["throttled"] + self.counts["retried"]


class QboClient:
    """REST client for one QuickBooks company (realm)."""

    def __init__(
        self,
        settings: QboSettings,
        auth: QboAuth | None = None,
        *,
        limiter: Limiter | None = None,
        http: requests.Session | None = None,
        max_retries: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.auth = auth or QboAuth(settings)
        self.limiter = limiter or shared_limiter(settings)
        self.http = http or requests.Session()
        self.stats = CallStats()
        api = Api(
            credentials=self.auth.tokens,
            bearer=lambda tokens: tokens.access_token.reveal(),
            renew=self.auth.refresh,
            refused=lambda resp: resp.status_code >= 400 and isinstance(_error(resp), QboAuthError),
            throttled=self._throttle_wait,
            unreachable=lambda label, exc: QboConnectionError(
                f"{label}: {type(exc).__name__}: {exc}"
            ),
        )
        self.transport = Transport(self.http, api, max_retries, backoff, sleep, TIMEOUT)

    def _throttle_wait(self, resp: requests.Response) -> float | None:
        """After a 429 (or fault 3001): the official 60 s (§6), time-scaled, or less when
        QuickBooks says so."""
        error = _error(resp) if resp.status_code >= 400 else None
        if not isinstance(error, QboThrottledError):
            return None
        wait = THROTTLE_WAIT / self.settings.time_scale
        return min(wait, error.retry_after) if error.retry_after else wait

    @classmethod
    def from_config(cls, config: Config | None = None) -> QboClient:
        """A client for the configured company (``RECONCILE_CONFIG`` when set)."""
        return cls((config or load_config()).qbo)

    def __repr__(self) -> str:
        return f"QboClient(base_url={self.settings.base_url!r}, realm_id={self.realm_id!r})"

    @property
    def realm_id(self) -> str | None:
        """The company id: from config, else from the connection."""
        if self.settings.realm_id:
            return self.settings.realm_id
        tokens = self.auth.store.load()
        return tokens.realm_id if tokens else None

    # -- transport -------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json: Any = None,
        text: str | None = None,
        batch: bool = False,
    ) -> dict:
        """Send one API request under ``/v3/company/{realm}/`` and return the JSON body.

        Retries only what cannot double a write: reads, queries, and writes with a requestid."""
        realm = self.realm_id
        if not realm:
            raise ReconcileError(
                "no QuickBooks company: connect first (python -m reconcile connect)"
            )
        url = f"{self.settings.base_url}/v3/company/{realm}/{path}"
        params = {**(params or {}), "minorversion": self.settings.minor_version}
        retry_safe = method == "GET" or path == "query" or "requestid" in params
        headers = {"Accept": "application/json"}
        if text is not None:
            headers["Content-Type"] = "application/text"
        elif json is not None:
            headers["Content-Type"] = "application/json"
        kinds = ("minute", "second", "batch") if batch else ("minute", "second")
        resp = self.transport.send(
            method,
            url,
            label=f"{method} {path}",
            retry_safe=retry_safe,
            limiter=self.limiter,
            kinds=kinds,
            headers=headers,
            params=params,
            json=json,
            data=text.encode("utf-8") if text is not None else None,
            count=lambda event: self.stats.add(SENT[batch] if event == "sent" else event),
        )
        log.debug("%s %s -> %s (intuit_tid=%s)", method, path, resp.status_code, _tid(resp))
        if resp.status_code < 400:
            body = resp.json() if resp.content else {}
            fault = body.get("Fault") if isinstance(body, dict) else None
            if fault:  # QBO may answer 200 with a Fault (reference §5)
                raise fault_from_dict(fault, status=resp.status_code, tid=_tid(resp))
            return body
        raise _error(resp)

    # -- reads ------------------------------------------------------------------------------

    def read(self, entity: str, entity_id: str) -> dict:
        """One entity by Id."""
        return self.request("GET", f"{entity.lower()}/{entity_id}")[entity]

    def company_info(self) -> dict:
        """The company's CompanyInfo record (name, address, country…)."""
        realm = self.realm_id
        return self.request("GET", f"companyinfo/{realm}")["CompanyInfo"]

    def preferences(self) -> dict:
        """The company's Preferences record (currencies, numbering, sales tax, tracking)."""
        return self.request("GET", "preferences")["Preferences"]

    def query_page(self, text: str) -> dict:
        """Run one query text as written; returns the ``QueryResponse`` object."""
        return self.request("POST", "query", text=text).get("QueryResponse", {})

    def iter_query(self, query: Query, page_size: int = MAX_RESULTS) -> Iterator[dict]:
        """Every row of a query, page by page (STARTPOSITION counts from 1, pages ≤ 1000)."""
        start = 1
        while True:
            page = self.query_page(query.text(start=start, max_results=page_size))
            rows = page.get(query.entity, [])
            yield from rows
            if len(rows) < page_size:
                return
            start += len(rows)

    def query(self, query: Query | str) -> list[dict]:
        """All rows of a query. A string is run as written (one page, no auto-paging)."""
        if isinstance(query, str):
            page = self.query_page(query)
            return next((v for v in page.values() if isinstance(v, list)), [])
        return list(self.iter_query(query))

    def query_frame(self, query: Query) -> pd.DataFrame:
        """All rows of a query as a DataFrame (see :mod:`reconcile.qbo.frames`)."""
        return to_frame(query.entity, self.query(query))

    def count(self, query: Query) -> int:
        """``SELECT COUNT(*)`` with the query's filters."""
        return int(self.query_page(query.count_text()).get("totalCount", 0))

    # -- writes -----------------------------------------------------------------------------

    def _write(self, entity: str, body: dict, request_id: str | None, **params: str) -> dict:
        params["requestid"] = request_id or new_request_id()
        return self.request("POST", entity.lower(), params=params, json=body)

    def create(self, entity: str, body: dict, request_id: str | None = None) -> dict:
        """Create an entity. Pass a stable ``request_id`` to make a re-run replay, not duplicate."""
        return self._write(entity, body, request_id)[entity]

    def update(
        self, entity: str, body: dict, *, sparse: bool = True, request_id: str | None = None
    ) -> dict:
        """Update by Id + SyncToken; sparse by default (only the fields sent change)."""
        missing = [k for k in ("Id", "SyncToken") if k not in body]
        if missing:
            raise ValueError(f"{entity} update needs {' and '.join(missing)}")
        return self._write(entity, {**body, "sparse": sparse}, request_id)[entity]

    def deactivate(self, entity: str, record: dict, request_id: str | None = None) -> dict:
        """Make a name-list entity inactive (they cannot be deleted; QBO renames it
        "… (deleted)"). ``record`` needs Id and SyncToken; a Term also needs its Name."""
        body = {k: record[k] for k in ("Id", "SyncToken", "Name") if k in record}
        return self.update(entity, {**body, "Active": False}, request_id=request_id)

    def delete(
        self, entity: str, entity_id: str, sync_token: str, request_id: str | None = None
    ) -> dict:
        """Hard-delete a transaction (Invoice, Payment…)."""
        body = {"Id": entity_id, "SyncToken": sync_token}
        return self._write(entity, body, request_id, operation="delete")[entity]

    def void(
        self, entity: str, entity_id: str, sync_token: str, request_id: str | None = None
    ) -> dict:
        """Void a transaction: amounts become 0, the record stays for the audit trail."""
        body = {"Id": entity_id, "SyncToken": sync_token}
        if entity in _VOID_BY_UPDATE:
            body["sparse"] = True
            return self._write(entity, body, request_id, operation="update", include="void")[entity]
        return self._write(entity, body, request_id, operation="void")[entity]

    # -- batch ------------------------------------------------------------------------------

    def batch(self, ops: Sequence[BatchOp], workers: int = 4) -> list[BatchResult]:
        """Run operations 30 per request, up to ``workers`` requests at once (the limiter
        keeps them within QBO's limits); results come back in input order, faults per item.

        Items of one batch are independent and unordered (reference §6): do not make one
        depend on another in the same call."""
        chunks = [list(ops[i : i + BATCH_SIZE]) for i in range(0, len(ops), BATCH_SIZE)]
        if workers <= 1 or len(chunks) <= 1:
            return [r for chunk in chunks for r in self._batch_chunk(chunk)]
        with ThreadPoolExecutor(max_workers=min(workers, self.limiter.concurrent)) as pool:
            return [r for done in pool.map(self._batch_chunk, chunks) for r in done]

    def _batch_chunk(self, ops: list[BatchOp]) -> list[BatchResult]:
        items = []
        for i, op in enumerate(ops):
            item: dict[str, Any] = {"bId": f"b{i}"}  # bId ≤ 10 chars with a requestid (§2)
            if op.operation == "query":
                item["Query"] = op.query
            else:
                item["operation"] = op.operation
                item[op.entity] = op.body
            items.append(item)
        body = self.request(
            "POST",
            "batch",
            params={"requestid": new_request_id()},
            json={"BatchItemRequest": items},
            batch=True,
        )
        by_bid = {r.get("bId"): r for r in body.get("BatchItemResponse", [])}
        results = []
        for i, op in enumerate(ops):
            answer = by_bid.get(f"b{i}")
            if answer is None:
                missing = FaultError("", "QuickBooks sent no answer for this batch item")
                results.append(BatchResult(op, error=QboError([missing])))
            elif "Fault" in answer:
                results.append(BatchResult(op, error=fault_from_dict(answer["Fault"])))
            elif op.operation == "query":
                results.append(BatchResult(op, data=answer.get("QueryResponse", {})))
            else:
                results.append(BatchResult(op, data=answer.get(op.entity)))
        return results


def batch_frame(results: Sequence[BatchResult]) -> pd.DataFrame:
    """One row per batch result: key, operation, entity, ok, Id, SyncToken, code, message."""
    rows = []
    for r in results:
        rows.append(
            {
                "key": r.op.key,
                "operation": r.op.operation,
                "entity": r.op.entity,
                "ok": r.ok,
                "Id": (r.data or {}).get("Id"),
                "SyncToken": (r.data or {}).get("SyncToken"),
                "code": r.error.code if r.error else None,
                "message": str(r.error) if r.error else None,
            }
        )
    columns = ["key", "operation", "entity", "ok", "Id", "SyncToken", "code", "message"]
    return pd.DataFrame(rows, columns=columns)


def _error(resp: requests.Response) -> QboError:
    """The typed error of a failed answer (any of QuickBooks' fault shapes)."""
    return parse_error(resp.status_code, resp.text, dict(resp.headers))


def _tid(resp: requests.Response) -> str | None:
    return resp.headers.get("intuit_tid")
