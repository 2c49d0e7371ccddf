"""Suggestions for QuickBooks payments that pay no known BMS invoice (issue 6).

A payment recorded in QuickBooks without being applied to an invoice (or applied to one BMS
does not know) cannot be imported as it is. For each such payment this module proposes the
few BMS invoices it most likely pays — one invoice, or several whose amounts due add up to
the payment — with a score and the reasons in words, so that a person can accept one in the
Payments tab. It is a pure function of frames and applies nothing: even the best suggestion
(:func:`best`) is only pre-selected for a person to accept.

Evidence, per candidate: the amount (equal to what is due, a combination of invoices adding
up to it, a partial payment or an overpayment), the invoice number in the payment's
reference or memo (exact, or nearly: people transpose, drop and mistype digits), the
customer (the BMS account linked to the QuickBooks customer, else accounts with a similar
name), and how close the payment date is to the due date.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process, utils

__all__ = ["PRESELECT", "SUGGESTION_COLUMNS", "best", "suggest"]

SUGGESTION_COLUMNS = [
    "payment_id",
    "rank",
    "bms_invoice_ids",
    "invoice_numbers",
    "amounts",
    "total",
    "score",
    "reasons",
    "customer_match",
]

# score = Σ weight × evidence, each evidence in [0, 1] and the weights summing to 1:
#   amount   0.40  1 when equal to the invoice's PaymentDue (within a cent); a combination of
#                  2 / 3 / 4+ invoices adding up to it 0.90 / 0.85 / 0.80; a partial payment
#                  0.3–0.5 and an overpayment 0.2–0.4, the closer the amounts the higher.
#   number   0.35  1 when the invoice number is in the reference or memo; a near match (digit
#                  ratio 80–100: a transposed, dropped or wrong digit) 0.5–0.8; a combination
#                  takes the mean over its invoices.
#   customer 0.15  1 for the linked BMS account; 0.8 × name similarity for an account found by
#                  name; 0 for another customer's invoice (found by its number only).
#   date     0.10  1 / (1 + days / 30) between the payment and the due date (the invoice date
#                  when there is none), halved when the payment predates the invoice.
# Hence: equal amount + number in the reference + linked customer ≥ 0.90; an equal amount
# alone ≤ 0.65; only customer and date (the amount merely partial or over) ≤ 0.45.
W_AMOUNT, W_NUMBER, W_CUSTOMER, W_DATE = 0.40, 0.35, 0.15, 0.10
COMBINATION_AMOUNT = {2: 0.90, 3: 0.85}  # more invoices: 0.80
NAME_CUTOFF = 85.0  # token_sort_ratio of customer names, legal suffixes removed
NAME_ACCOUNTS = 3  # accounts kept per payment when the customer is found by name
NUMBER_CUTOFF = 80.0  # rapidfuzz ratio of digit strings for a near invoice-number match
COMBINATION_POOL = 20  # invoices per account searched for combinations (nearest in date)
COMBINATION_CAP = 50  # combinations scored per payment and account
DATE_SCALE = 30.0  # days at which the date evidence halves

_DIGITS = re.compile(r"[0-9]+")
_NOT_ALNUM = re.compile(r"[^0-9a-z]")
_LEGAL = re.compile(
    r"\b(?:inc|incorporated|llc|ltd|limited|corp|corporation|co|company|plc|pllc|pc|lp|llp)\b"
)


@dataclass(frozen=True, slots=True)
class _Invoice:
    id: int | str  # BMS ids are integers
    number: str
    account: str | None
    account_name: str
    due: int  # cents
    day: int | None  # the due date, else the invoice date: days since 1970
    day_kind: str  # which of the two ``day`` is
    issued: int | None  # the invoice date, days since 1970
    digits: str  # the digits of the number ("INV-10042" → "10042")
    norm: str  # the number casefolded, alphanumerics only ("inv10042")


@dataclass(frozen=True, slots=True)
class _Text:
    field: str  # "reference" | "memo"
    text: str
    norm: str
    keys: frozenset[str]  # its digit runs of 3+ digits, leading zeros removed
    runs: tuple[str, ...]  # its digit runs of 3+ digits, for near matches ("102" ~ "1042")


@dataclass(frozen=True, slots=True)
class _Payment:
    id: str
    amount: int  # cents
    day: int | None
    texts: tuple[_Text, ...]
    scope: dict[str, tuple[str, float]]  # BMS account → ("linked" | "name", similarity)


@dataclass(frozen=True, slots=True)
class _Candidate:
    invoices: tuple[_Invoice, ...]
    amounts: tuple[int, ...]  # cents
    score: float
    date: float  # the date evidence, to break ties
    match: str


def suggest(
    payments: pd.DataFrame,
    open_invoices: pd.DataFrame,
    customer_links: pd.DataFrame,
    *,
    amount_column: str = "unapplied",
    limit: int = 3,
    max_combination: int = 4,
) -> pd.DataFrame:
    """Up to ``limit`` ranked applications (one invoice or a combination) per payment.

    ``payments``: ``reconcile.payments.frames.PAYMENT_COLUMNS``, the amount to place in
    ``amount_column`` (payments with none get no rows); ``open_invoices``: BMS invoice
    headers (``INVOICE_COLUMNS``; those with nothing due are ignored); ``customer_links``:
    the link store's links (kind, bms_id = BMS account, qbo_id = QBO customer). Returns
    ``SUGGESTION_COLUMNS``, best first per payment; nothing is applied.
    """
    invoices = _invoices(open_invoices)
    index = _Index(invoices)
    rows: list[dict] = []
    for payment in _payments(payments, invoices, customer_links, amount_column):
        found = index.candidates(payment, max(limit, 0), max_combination)
        ranked = sorted(
            found,
            key=lambda c: (-c.score, len(c.invoices), -c.date, [str(i.id) for i in c.invoices]),
        )
        for rank, c in enumerate(ranked[: max(limit, 0)], start=1):
            rows.append(
                {
                    "payment_id": payment.id,
                    "rank": rank,
                    "bms_invoice_ids": tuple(inv.id for inv in c.invoices),
                    "invoice_numbers": tuple(inv.number for inv in c.invoices),
                    "amounts": tuple(a / 100 for a in c.amounts),
                    "total": sum(c.amounts) / 100,
                    "score": round(c.score, 3),
                    "reasons": _explain(payment, c),
                    "customer_match": c.match,
                }
            )
    out = pd.DataFrame.from_records(rows, columns=SUGGESTION_COLUMNS)
    return out.astype(
        {
            "payment_id": "string",
            "rank": "Int64",
            "total": "Float64",
            "score": "Float64",
            "reasons": "string",
            "customer_match": "string",
        }
    )


PRESELECT = 0.9  # a rank-1 suggestion at least this sure is pre-selected for a person


def best(suggestions: pd.DataFrame, threshold: float = PRESELECT) -> pd.DataFrame:
    """The rank-1 suggestions scoring at least ``threshold``: what the Payments tab
    pre-selects for a person to accept (nothing is applied automatically)."""
    chosen = (suggestions["rank"] == 1) & (suggestions["score"] >= threshold)
    return suggestions[chosen.fillna(False).astype(bool)].reset_index(drop=True)


class _Account:
    """One BMS account's open invoices, with arrays to pick the best few without a loop."""

    def __init__(self, invoices: list[_Invoice]) -> None:
        self.invoices = invoices
        self.due = np.array([inv.due for inv in invoices], dtype=float)
        self.day = np.array([np.nan if i.day is None else i.day for i in invoices], dtype=float)
        self.issued = np.array(
            [np.nan if i.issued is None else i.issued for i in invoices], dtype=float
        )
        self.digits = [inv.digits for inv in invoices]
        # Numbers the digit index does not cover ("INV-42", "2024-0042"): matched as text.
        self.odd = [i for i in invoices if len(i.digits) < 3 or len(_DIGITS.findall(i.number)) > 1]

    def nearest(self, payment: _Payment, count: int, customer: float) -> list[_Invoice]:
        """The ``count`` invoices scoring best on amount, customer and date alone (the same
        formulas as :func:`_candidate`, vectorised)."""
        amount, due = payment.amount, self.due
        evidence = np.where(
            np.abs(amount - due) <= 1,
            1.0,
            np.where(amount < due, 0.3 + 0.2 * amount / due, 0.2 + 0.2 * due / amount),
        )
        score = W_AMOUNT * evidence + W_CUSTOMER * customer
        if payment.day is not None:
            date = 1 / (1 + np.abs(payment.day - self.day) / DATE_SCALE)
            date = np.where(payment.day < self.issued, date / 2, date)
            score = score + W_DATE * np.nan_to_num(date, nan=0.0)
        if len(score) > count:
            return [self.invoices[k] for k in np.argsort(-score, kind="stable")[:count]]
        return self.invoices

    def pool(self, day: int | None) -> list[_Invoice]:
        """The COMBINATION_POOL invoices nearest in date to the payment, oldest first."""
        chosen = range(len(self.invoices))
        if len(self.invoices) > COMBINATION_POOL:
            distance = np.abs(self.day - day) if day is not None else np.full(len(self.day), 0.0)
            distance = np.nan_to_num(distance, nan=np.inf)
            chosen = np.argsort(distance, kind="stable")[:COMBINATION_POOL]
        picked = [self.invoices[k] for k in chosen]
        return sorted(picked, key=lambda inv: inv.day if inv.day is not None else 10**9)


class _Index:
    """The open invoices grouped once: by account, by invoice-number digits and by amount."""

    def __init__(self, invoices: list[_Invoice]) -> None:
        by_account: dict[str, list[_Invoice]] = defaultdict(list)
        self.by_key: dict[str, list[_Invoice]] = defaultdict(list)
        self.by_due: dict[int, list[_Invoice]] = defaultdict(list)
        self._due_digits: dict[int, list[str]] = {}
        for inv in invoices:
            if inv.account is not None:
                by_account[inv.account].append(inv)
            self.by_due[inv.due].append(inv)
            if len(inv.digits) >= 3:
                self.by_key[inv.digits.lstrip("0")].append(inv)
        self.accounts = {a: _Account(group) for a, group in by_account.items()}

    def candidates(self, payment: _Payment, limit: int, max_combination: int) -> list[_Candidate]:
        """The candidate applications of ``payment`` that may rank in the first ``limit``,
        scored, in no particular order."""
        found: dict[tuple[int | str, ...], _Candidate] = {}

        def add(group: tuple[_Invoice, ...]) -> None:
            ids = tuple(inv.id for inv in group)
            if ids not in found:
                found[ids] = _candidate(payment, group)

        runs = [run for text in payment.texts for run in text.runs]
        for account in payment.scope:
            acc = self.accounts.get(account)
            if acc is None:
                continue
            customer = _customer(payment, acc.invoices[0])[0]
            for inv in acc.nearest(payment, limit, customer):  # no number: these may rank
                add((inv,))
            for run in runs:  # near numbers (exact ones come from the digit index below)
                for _, _, at in process.extract(
                    run, acc.digits, scorer=fuzz.ratio, score_cutoff=NUMBER_CUTOFF, limit=None
                ):
                    add((acc.invoices[at],))
            for inv in acc.odd if payment.texts else ():
                if _number(inv, payment.texts):
                    add((inv,))
            pool = acc.pool(payment.day)
            dues = [inv.due for inv in pool]
            for picked in _subsets(dues, payment.amount, max_combination, COMBINATION_CAP):
                add(tuple(pool[i] for i in picked))
        # An invoice number may name another customer's invoice (scored without the customer).
        for text in payment.texts:
            for key in text.keys:
                for inv in self.by_key.get(key, ()):
                    add((inv,))
        # Customer unknown: a near number counts on any invoice whose amount due is equal.
        for cents in (payment.amount - 1, payment.amount, payment.amount + 1):
            same = self.by_due.get(cents) if runs and not payment.scope else None
            if not same:
                continue
            if cents not in self._due_digits:
                self._due_digits[cents] = [inv.digits for inv in same]
            for run in runs:
                for _, _, at in process.extract(
                    run,
                    self._due_digits[cents],
                    scorer=fuzz.ratio,
                    score_cutoff=NUMBER_CUTOFF,
                    limit=None,
                ):
                    add((same[at],))
        return list(found.values())


# -- inputs -----------------------------------------------------------------------------------


def _key(value: object) -> str | None:
    """An id as text ("123" for 123, 123.0 and " 123 "); None when missing."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() or None


def _text_or_none(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value).strip() or None


def _days(series: pd.Series) -> list[int | None]:
    """Calendar dates (naive: ``reconcile.frames`` DATE) → whole days since 1970, None when
    missing."""
    when = pd.to_datetime(series, errors="coerce")
    days = (when - pd.Timestamp("1970-01-01")).dt.days.to_numpy(dtype=float, na_value=np.nan)
    return [None if math.isnan(d) else int(d) for d in days]


def _cents(series: pd.Series) -> list[int | None]:
    values = pd.to_numeric(series, errors="coerce").astype("float64").to_numpy(na_value=np.nan)
    return [None if math.isnan(v) else round(v * 100) for v in values]


def _name_key(name: str) -> str:
    return " ".join(_LEGAL.sub(" ", utils.default_process(name)).split())


def _invoices(frame: pd.DataFrame) -> list[_Invoice]:
    """The invoices with something due, as records."""
    out = []
    for id_, number, account, name, due, due_day, issued in zip(
        frame["Id"].to_numpy(dtype=object),
        frame["InvoiceNumber"].to_numpy(dtype=object),
        frame["AccountId"].to_numpy(dtype=object),
        frame["AccountName"].to_numpy(dtype=object),
        _cents(frame["PaymentDue"]),
        _days(frame["DueDate"]),
        _days(frame["InvoiceDate"]),
        strict=True,
    ):
        key = _key(id_)
        if key is None or due is None or due <= 0:
            continue
        text = _text_or_none(number) or f"#{key}"
        out.append(
            _Invoice(
                id=int(key) if key.isdigit() else key,
                number=text,
                account=_key(account),
                account_name=_text_or_none(name) or "",
                due=due,
                day=due_day if due_day is not None else issued,
                day_kind="due date" if due_day is not None else "invoice date",
                issued=issued,
                digits="".join(_DIGITS.findall(text)),
                norm=_NOT_ALNUM.sub("", text.casefold()),
            )
        )
    return out


def _text(field: str, value: object) -> _Text | None:
    text = _text_or_none(value)
    if text is None:
        return None
    folded = text.casefold()
    runs = _DIGITS.findall(folded)
    return _Text(
        field=field,
        text=text,
        norm=_NOT_ALNUM.sub("", folded),
        keys=frozenset(r.lstrip("0") for r in runs if len(r) >= 3),
        runs=tuple(r for r in runs if len(r) >= 3),
    )


def _payments(
    payments: pd.DataFrame,
    invoices: list[_Invoice],
    customer_links: pd.DataFrame,
    amount_column: str,
) -> Iterable[_Payment]:
    links = customer_links
    if "kind" in links.columns:
        links = links[links["kind"] == "customer"]
    linked: dict[str, list[str]] = defaultdict(list)  # QBO customer → BMS accounts
    for bms_id, qbo_id in zip(links["bms_id"], links["qbo_id"], strict=True):
        account, customer = _key(bms_id), _key(qbo_id)
        if account is not None and customer is not None:
            linked[customer].append(account)

    customers = [_key(c) for c in payments["customer_id"].to_numpy(dtype=object)]
    names = [_text_or_none(n) for n in payments["customer_name"].to_numpy(dtype=object)]
    wanted = {_name_key(n) for c, n in zip(customers, names, strict=True) if c not in linked and n}
    by_name = _similar_accounts(wanted - {""}, invoices)

    for id_, customer, name, amount, day, reference, memo in zip(
        payments["payment_id"].to_numpy(dtype=object),
        customers,
        names,
        _cents(payments[amount_column]),
        _days(payments["txn_date"]),
        payments["reference"].to_numpy(dtype=object),
        payments["memo"].to_numpy(dtype=object),
        strict=True,
    ):
        if amount is None or amount <= 0:
            continue
        if customer in linked:
            scope = {account: ("linked", 100.0) for account in linked[customer]}
        else:
            scope = {a: ("name", s) for a, s in by_name.get(_name_key(name or ""), [])}
        texts = tuple(t for t in (_text("reference", reference), _text("memo", memo)) if t)
        yield _Payment(str(id_), amount, day, texts, scope)


def _similar_accounts(
    names: set[str], invoices: list[_Invoice]
) -> dict[str, list[tuple[str, float]]]:
    """Payment customer names (as :func:`_name_key`) → up to NAME_ACCOUNTS (account,
    similarity) with open invoices, most similar first."""
    accounts: dict[str, str] = {}
    for inv in invoices:
        if inv.account is not None and inv.account not in accounts and inv.account_name:
            accounts[inv.account] = _name_key(inv.account_name)
    if not names or not accounts:
        return {}
    queries, ids = sorted(names), list(accounts)
    choices = [accounts[a] for a in ids]
    out: dict[str, list[tuple[str, float]]] = {}
    for start in range(0, len(queries), 256):  # bounds the score matrix's memory
        chunk = queries[start : start + 256]
        scores = process.cdist(
            chunk,
            choices,
            scorer=fuzz.token_sort_ratio,
            score_cutoff=NAME_CUTOFF,
            dtype=np.float32,
            workers=-1,
        )
        for query, row in zip(chunk, scores, strict=True):
            hits = np.flatnonzero(row >= NAME_CUTOFF)
            hits = hits[np.argsort(-row[hits], kind="stable")][:NAME_ACCOUNTS]
            if len(hits):
                out[query] = [(ids[h], float(row[h])) for h in hits]
    return out


# -- evidence -------------------------------------------------------------------------------


def _money(cents: int) -> str:
    return f"{cents / 100:,.2f}"


def _bounded(haystack: str, needle: str) -> bool:
    """``needle`` in ``haystack`` and not part of a longer number."""
    start = haystack.find(needle)
    while start >= 0:
        end = start + len(needle)
        before = start == 0 or not (needle[0].isdigit() and haystack[start - 1].isdigit())
        after = end == len(haystack) or not (needle[-1].isdigit() and haystack[end].isdigit())
        if before and after:
            return True
        start = haystack.find(needle, start + 1)
    return False


def _number(inv: _Invoice, texts: tuple[_Text, ...]) -> tuple[float, str] | None:
    """How surely the payment's reference or memo names this invoice, and why (None: not)."""
    key = inv.digits.lstrip("0") if len(inv.digits) >= 3 else ""
    for t in texts:
        if (key and key in t.keys) or (len(inv.norm) >= 3 and _bounded(t.norm, inv.norm)):
            return 1.0, f"{inv.number} found in {t.field} {t.text!r}"
    if len(inv.digits) < 4:
        return None
    near: tuple[float, _Text, str] | None = None
    for t in texts:
        for run in t.runs:
            ratio = fuzz.ratio(run, inv.digits, score_cutoff=NUMBER_CUTOFF)
            if ratio and (near is None or ratio > near[0]):
                near = (ratio, t, run)
    if near is None:
        return None
    ratio, t, run = near
    evidence = 0.5 + 0.3 * (ratio - NUMBER_CUTOFF) / (100 - NUMBER_CUTOFF)
    return evidence, f"{inv.number} nearly matches {run!r} in {t.field} {t.text!r} ({ratio:.0f}%)"


def _amount(amount: int, inv: _Invoice) -> tuple[float, int]:
    """(evidence, cents applied) for paying this one invoice."""
    if abs(amount - inv.due) <= 1:
        return 1.0, min(amount, inv.due)
    if amount < inv.due:
        return 0.3 + 0.2 * amount / inv.due, amount
    return 0.2 + 0.2 * inv.due / amount, inv.due


def _amount_reason(amount: int, group: tuple[_Invoice, ...]) -> str:
    if len(group) > 1:
        return (
            f"amount {_money(amount)} equals the payment due of "
            f"{' + '.join(inv.number for inv in group)} "
            f"({' + '.join(_money(inv.due) for inv in group)})"
        )
    inv = group[0]
    if abs(amount - inv.due) <= 1:
        return f"amount {_money(amount)} equals the payment due of {inv.number}"
    if amount < inv.due:
        return (
            f"amount {_money(amount)} is a partial payment of the {_money(inv.due)} due on "
            f"{inv.number} ({_money(inv.due - amount)} would remain due)"
        )
    return (
        f"amount {_money(amount)} is more than the {_money(inv.due)} due on {inv.number}: "
        f"{_money(amount - inv.due)} would stay unapplied"
    )


def _customer(payment: _Payment, inv: _Invoice) -> tuple[float, str]:
    """(evidence, customer_match)."""
    scope = payment.scope.get(inv.account) if inv.account is not None else None
    if scope is None:
        return 0.0, "none"
    kind, similarity = scope
    return (1.0, "linked") if kind == "linked" else (0.8 * similarity / 100, "name")


def _customer_reason(payment: _Payment, inv: _Invoice) -> str:
    scope = payment.scope.get(inv.account) if inv.account is not None else None
    if scope is None:
        return f"invoice of another customer, {inv.account_name!r}"
    kind, similarity = scope
    if kind == "linked":
        return f"customer linked to {inv.account_name!r}"
    return f"customer name {similarity:.0f}% like {inv.account_name!r}"


def _date(day: int | None, inv: _Invoice) -> float:
    if day is None or inv.day is None:
        return 0.0
    evidence = 1 / (1 + abs(day - inv.day) / DATE_SCALE)
    return evidence / 2 if inv.issued is not None and day < inv.issued else evidence


def _date_reason(day: int | None, group: tuple[_Invoice, ...]) -> str | None:
    dated = [inv for inv in group if inv.day is not None]
    if day is None or not dated:
        return None
    inv = max(dated, key=lambda i: i.day or 0)  # of a combination: the latest
    days = day - (inv.day or 0)
    where = f"{'the latest' if len(group) > 1 else 'the'} {inv.day_kind}"
    if days == 0:
        text = f"on {where}"
    else:
        unit = "day" if abs(days) == 1 else "days"
        text = f"{abs(days)} {unit} {'after' if days > 0 else 'before'} {where}"
    if any(i.issued is not None and day < i.issued for i in group):
        text += ", before the invoice was issued"
    return text


def _candidate(payment: _Payment, group: tuple[_Invoice, ...]) -> _Candidate:
    """The scored candidate (its reasons are written by :func:`_explain`, for the few shown)."""
    numbers = [_number(inv, payment.texts) for inv in group]
    number = sum(n[0] for n in numbers if n) / len(group)
    customer, match = _customer(payment, group[0])
    date = sum(_date(payment.day, inv) for inv in group) / len(group)
    if len(group) == 1:
        amount, applied = _amount(payment.amount, group[0])
        amounts = (applied,)
    else:
        amount = COMBINATION_AMOUNT.get(len(group), 0.80)
        amounts = tuple(inv.due for inv in group)
    score = W_AMOUNT * amount + W_NUMBER * number + W_CUSTOMER * customer + W_DATE * date
    return _Candidate(group, amounts, min(max(score, 0.0), 1.0), date, match)


def _explain(payment: _Payment, candidate: _Candidate) -> str:
    group = candidate.invoices
    reasons = [
        _amount_reason(payment.amount, group),
        *(n[1] for n in (_number(inv, payment.texts) for inv in group) if n),
        _customer_reason(payment, group[0]),
        _date_reason(payment.day, group),
    ]
    return "; ".join(r for r in reasons if r)


# -- combinations ---------------------------------------------------------------------------


def _subsets(dues: list[int], target: int, max_size: int, cap: int) -> list[tuple[int, ...]]:
    """Index tuples of 2…``max_size`` positive dues adding up to ``target`` within a cent
    (at most ``cap``). The last two of each subset come from a table of pair sums, so sizes
    2–4 cost about 1 + n + n² / 2 look-ups; heads already at the target are dropped."""
    n = len(dues)
    if n < 2 or max_size < 2 or sum(dues) < target - 1:
        return []
    pairs: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for i in range(n):
        for j in range(i + 1, n):
            pairs[dues[i] + dues[j]].append((i, j))
    found: list[tuple[int, ...]] = []
    heads: list[tuple[tuple[int, ...], int]] = [((), 0)]  # (indices, their sum)
    for size in range(2, min(max_size, n) + 1):
        if size > 2:  # one more index on each head, in increasing order
            heads = [
                ((*head, k), total + dues[k])
                for head, total in heads
                for k in range((head[-1] + 1) if head else 0, n)
                if total + dues[k] < target
            ]
        for head, total in heads:
            rest, last = target - total, (head[-1] if head else -1)
            for want in (rest - 1, rest, rest + 1):
                for i, j in pairs.get(want, ()):
                    if i > last:
                        found.append((*head, i, j))
                        if len(found) >= cap:
                            return found
    return found
