"""Query engine of the local QuickBooks Online emulator.

`parse` reads QBO's SQL-like query language (reference qbo-api.md §3) into a `ParsedQuery`;
`evaluate` runs it over in-memory entity dicts in QBO's JSON shapes and returns the
`QueryResponse` object. Parse errors raise `Fault` 4000, validation errors `Fault` 4001 (§5).
"""

from __future__ import annotations

import copy
import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from reconcile.qbo.faults import Fault

MAX_RESULTS_LIMIT = 1000  # "MAXRESULTS ... may be at most 1000" (reference §3)


@dataclass
class Condition:
    """One `<field> <op> <value>` term of a WHERE clause."""

    field: str
    op: str  # one of = < > <= >= IN LIKE
    value: object  # str, bool, int or float; a list of those for IN


@dataclass
class ParsedQuery:
    """A parsed `SELECT * | COUNT(*) FROM <Entity> ...` query."""

    entity: str
    count: bool
    conditions: list[Condition] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    start_position: int = 1  # counts from 1 (reference §3)
    max_results: int = 100  # QBO's default (reference §3)
    also: list[str] = field(default_factory=list)  # fields named after `*`: `SELECT *, Sku`


# Fields QuickBooks leaves out of `SELECT *` and returns only when named after the star
# (`SELECT *, Sku FROM Item`); a read by id returns them. Reference §3 quirk, observed by
# python-quickbooks (ej2/python-quickbooks #269, #373) and qbo_api (#22, #61).
HIDDEN_FROM_STAR: dict[str, frozenset[str]] = {"Item": frozenset({"Sku"})}


# Words QBO rejects, with the explanation put in the fault detail (reference §3 "Not supported").
_UNSUPPORTED = {
    "OR": "OR is not supported: QBO ANDs conditions only; use IN or run one query per case.",
    "NOT": "NOT is not supported: QBO has no negated operators.",
    "JOIN": "JOIN is not supported: one entity per query.",
    "INNER": "JOIN is not supported: one entity per query.",
    "LEFT": "JOIN is not supported: one entity per query.",
    "GROUP": "GROUP BY is not supported.",
    "HAVING": "HAVING is not supported.",
    "LIMIT": "LIMIT is not supported: use MAXRESULTS.",
    "OFFSET": "OFFSET is not supported: use STARTPOSITION.",
    "BETWEEN": "BETWEEN is not supported: use >= and <=.",
    "IS": "IS [NOT] NULL is not supported.",
}
_NOT_EQUAL = "{} is not supported: QBO has no not-equal operator."


@dataclass
class _Token:
    kind: str  # string, number, name, op, punct, eof
    text: str
    pos: int
    value: object = None


_TOKEN_RE = re.compile(
    r"""(?P<ws>\s+)
    |(?P<number>-?(?:\d+(?:\.\d*)?|\.\d+))
    |(?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)
    |(?P<op><=|>=|!=|<>|[=<>])
    |(?P<punct>[(),*])""",
    re.VERBOSE,
)


def _parse_error(text: str, pos: int, shown: str, explanation: str) -> Fault:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return Fault(
        "4000",
        f'QueryParserError: Encountered "{shown}" at line {line}, column {column}. {explanation}',
    )


def _tokenize(text: str) -> list[_Token]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos] == "'":
            # Strings are single-quoted; a backslash escapes the next character (reference §3).
            chars, i = [], pos + 1
            while i < len(text) and text[i] != "'":
                if text[i] == "\\" and i + 1 < len(text):
                    i += 1
                chars.append(text[i])
                i += 1
            if i >= len(text):
                raise _parse_error(text, pos, text[pos : pos + 30], "Unterminated string literal.")
            tokens.append(_Token("string", text[pos : i + 1], pos, "".join(chars)))
            pos = i + 1
            continue
        m = _TOKEN_RE.match(text, pos)
        if not m:
            raise _parse_error(text, pos, text[pos], "Unexpected character.")
        if m.lastgroup != "ws":
            value = m.group()
            if m.lastgroup == "number":
                value = float(value) if "." in value else int(value)
            tokens.append(_Token(m.lastgroup, m.group(), pos, value))
        pos = m.end()
    tokens.append(_Token("eof", "<EOF>", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str, entities: Iterable[str]) -> None:
        self.text, self.entities = text, set(entities)
        self.tokens, self.i = _tokenize(text), 0

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def next(self) -> _Token:
        tok = self.tokens[self.i]
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return tok

    def error(self, expected: str, tok: _Token | None = None, hint: str = "") -> Fault:
        tok = tok or self.peek()
        if tok.kind == "name" and tok.text.upper() in _UNSUPPORTED:
            hint = _UNSUPPORTED[tok.text.upper()]
        return _parse_error(self.text, tok.pos, tok.text, hint or f"Was expecting {expected}.")

    def is_kw(self, *words: str) -> bool:
        tok = self.peek()
        return tok.kind == "name" and tok.text.upper() in words

    def expect_kw(self, word: str) -> None:
        if not self.is_kw(word):
            raise self.error(word)
        self.next()

    def accept_punct(self, char: str) -> bool:
        if self.peek().kind == "punct" and self.peek().text == char:
            self.next()
            return True
        return False

    def expect_punct(self, char: str) -> None:
        if not self.accept_punct(char):
            raise self.error(f'"{char}"')

    def expect_name(self, what: str) -> str:
        tok = self.peek()
        if tok.kind != "name" or tok.text.upper() in _UNSUPPORTED:
            raise self.error(what)
        return self.next().text

    def parse(self) -> ParsedQuery:
        self.expect_kw("SELECT")
        count, also = self.projection()
        self.expect_kw("FROM")
        query = ParsedQuery(self.entity(), count, also=also)
        if self.peek().text == ",":
            raise self.error("", hint="Only one entity per query is supported.")
        if self.is_kw("WHERE"):
            self.next()
            query.conditions.append(self.condition())
            while self.is_kw("AND"):
                self.next()
                query.conditions.append(self.condition())
        query.order = self.order_by()
        self.paging(query)
        if self.peek().kind != "eof":
            raise self.error("AND, ORDERBY, STARTPOSITION, MAXRESULTS or the end of the query")
        return query

    def projection(self) -> tuple[bool, list[str]]:
        """(COUNT(*)?, the fields named after `*`)."""
        if self.is_kw("COUNT"):
            self.next()
            self.expect_punct("(")
            self.expect_punct("*")
            self.expect_punct(")")
            return True, []
        if self.accept_punct("*"):
            # `SELECT *, Sku FROM Item` (python-quickbooks >= 0.9.12, reference §3 quirk):
            # a field after `*` is returned even where `*` alone leaves it out.
            also = []
            while self.accept_punct(","):
                also.append(self.expect_name("a field name"))
            return False, also
        raise self.error("", hint="Projections are not supported: use SELECT * or SELECT COUNT(*).")

    def entity(self) -> str:
        tok = self.next()
        if tok.kind != "name":
            raise self.error("an entity name", tok)
        if tok.text not in self.entities:
            # Entity names are case-sensitive (reference §3).
            near = [e for e in sorted(self.entities) if e.lower() == tok.text.lower()]
            hint = f' (entity names are case-sensitive: did you mean "{near[0]}"?)' if near else ""
            raise Fault("4001", f'QueryValidationError: unknown entity "{tok.text}"{hint}')
        return tok.text

    def condition(self) -> Condition:
        if self.peek().text == "(":
            raise self.error("", hint="Parentheses around conditions are not supported.")
        name = self.expect_name("a field name")
        tok = self.next()
        if tok.kind == "op":
            if tok.text in ("!=", "<>"):
                raise self.error("", tok, _NOT_EQUAL.format(tok.text))
            return Condition(name, tok.text, self.value())
        if tok.kind == "name" and tok.text.upper() == "IN":
            self.expect_punct("(")
            values = [self.value()]
            while self.accept_punct(","):
                values.append(self.value())
            self.expect_punct(")")
            return Condition(name, "IN", values)
        if tok.kind == "name" and tok.text.upper() == "LIKE":
            pattern = self.peek()
            if pattern.kind != "string":
                raise self.error("a quoted LIKE pattern", pattern)
            return Condition(name, "LIKE", self.next().value)
        raise self.error("=, <, >, <=, >=, IN or LIKE", tok)

    def value(self) -> object:
        tok = self.next()
        if tok.kind in ("string", "number"):
            return tok.value
        if tok.kind == "name" and tok.text.lower() in ("true", "false"):
            return tok.text.lower() == "true"
        raise self.error("a value (a quoted string, a number, true or false)", tok)

    def order_by(self) -> list[tuple[str, bool]]:
        if self.is_kw("ORDERBY"):
            self.next()
        elif self.is_kw("ORDER"):
            self.next()
            self.expect_kw("BY")
        else:
            return []
        keys = []
        while True:
            name = self.expect_name("a field name")
            descending = self.is_kw("DESC")
            if self.is_kw("ASC", "DESC"):
                self.next()
            keys.append((name, descending))
            if not self.accept_punct(","):
                return keys

    def paging(self, query: ParsedQuery) -> None:
        seen: set[str] = set()
        while self.is_kw("STARTPOSITION", "MAXRESULTS") and self.peek().text.upper() not in seen:
            word = self.next().text.upper()
            seen.add(word)
            tok = self.next()
            if tok.kind != "number" or not isinstance(tok.value, int):
                raise self.error(f"an integer after {word}", tok)
            if word == "STARTPOSITION":
                query.start_position = tok.value
            else:
                query.max_results = tok.value
        if query.start_position < 1:
            raise Fault("4001", "QueryValidationError: STARTPOSITION must be at least 1")
        if not 1 <= query.max_results <= MAX_RESULTS_LIMIT:
            raise Fault(
                "4001",
                f"QueryValidationError: MAXRESULTS must be between 1 and {MAX_RESULTS_LIMIT}, "
                f"got {query.max_results}",
            )


def parse(text: str, entities: Iterable[str]) -> ParsedQuery:
    """Parse a QBO query; raise `Fault` 4000 (syntax/unsupported) or 4001 (invalid)."""
    return _Parser(text, entities).parse()


# ---- evaluation -------------------------------------------------------------------------------

_MISSING = object()
_OPS = {"=": operator.eq, "<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge}
_NUMBER_RE = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _resolve(row: dict, path: str) -> object:
    """The value at a dotted path (segments matched case-insensitively), or `_MISSING`."""
    cur: object = row
    for seg in path.split("."):
        if not isinstance(cur, dict):
            return _MISSING
        key = seg if seg in cur else next((k for k in cur if k.lower() == seg.lower()), None)
        if key is None:
            return _MISSING
        cur = cur[key]
    if isinstance(cur, dict):  # a reference compares by its value, an email by its Address
        cur = cur.get("value", cur.get("Address"))
    return _MISSING if cur is None or isinstance(cur, dict | list) else cur


def _number(v: object) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str) and _NUMBER_RE.fullmatch(v.strip()):
        return float(v)
    return None


def _temporal(v: str) -> date | datetime | None:
    """A date for 'YYYY-MM-DD', a datetime for ISO datetimes (offsets +hh:mm or +hhmm)."""
    if not _DATE_RE.match(v):
        return None
    try:
        return date.fromisoformat(v) if len(v) == 10 else datetime.fromisoformat(v)
    except ValueError:
        return None


def _temporal_pair(a: str, b: str) -> tuple[object, object] | None:
    ta, tb = _temporal(a), _temporal(b)
    if ta is None or tb is None:
        return None
    if isinstance(ta, datetime) != isinstance(tb, datetime):  # date vs datetime: compare dates
        return (ta.date() if isinstance(ta, datetime) else ta), (
            tb.date() if isinstance(tb, datetime) else tb
        )
    if isinstance(ta, datetime) and (ta.tzinfo is None) != (tb.tzinfo is None):
        return ta.replace(tzinfo=None), tb.replace(tzinfo=None)  # one lacks an offset: wall clock
    return ta, tb


def _text(v: object) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


def _comparable(name: str, v: object, q: object) -> tuple[object, object] | None:
    """Coerce a row value and a query operand to one comparable type; None if impossible."""
    if isinstance(v, bool):
        b = q if isinstance(q, bool) else {"true": True, "false": False}.get(_text(q).lower())
        return None if b is None else (v, b)
    numeric = isinstance(v, int | float) or name.lower() == "id" or isinstance(q, int | float)
    if numeric and isinstance(q, int | float | str):
        nv, nq = _number(v), _number(q)  # numbers may be quoted: TotalAmt > '300.00' (§3)
        if nv is not None and nq is not None:
            return nv, nq
        if not isinstance(v, str):
            return None
    if isinstance(v, str) and isinstance(q, str):
        pair = _temporal_pair(v, q)
        if pair:
            return pair
    return _text(v).lower(), _text(q).lower()  # name matching is case-insensitive


def _compare(name: str, v: object, op: str, q: object) -> bool:
    pair = _comparable(name, v, q)
    return pair is not None and _OPS[op](*pair)


def _matches(row: dict, cond: Condition) -> bool:
    v = _resolve(row, cond.field)
    if v is _MISSING:
        return False
    if cond.op == "IN":
        return any(_compare(cond.field, v, "=", q) for q in cond.value)
    if cond.op == "LIKE":  # only the % wildcard exists (reference §3)
        regex = "".join(".*" if p == "%" else re.escape(p) for p in re.split("(%)", cond.value))
        return re.fullmatch(regex, _text(v), re.IGNORECASE | re.DOTALL) is not None
    return _compare(cond.field, v, cond.op, cond.value)


def _sort_key(name: str, v: object) -> tuple[int, object]:
    n = _number(v) if isinstance(v, int | float) or name.lower() == "id" else None
    if isinstance(v, bool) or n is not None:
        return 0, float(v) if n is None else n
    if isinstance(v, str):
        t = _temporal(v)
        if isinstance(t, datetime):
            return 1, (t if t.tzinfo else t.replace(tzinfo=UTC)).timestamp()
        return 2, v.lower()
    return 3, str(v)


def _order(rows: list[dict], keys: list[tuple[str, bool]]) -> list[dict]:
    """Stable multi-key sort; rows missing a key's field sort last for that key."""
    for name, descending in reversed(keys):
        present = [r for r in rows if _resolve(r, name) is not _MISSING]
        missing = [r for r in rows if _resolve(r, name) is _MISSING]
        present.sort(key=lambda r, n=name: _sort_key(n, _resolve(r, n)), reverse=descending)
        rows = present + missing
    return rows


def evaluate(query: ParsedQuery, rows: list[dict]) -> dict:
    """Run `query` over `rows`; return the QBO `QueryResponse` object (copies of the rows)."""
    matched = [r for r in rows if all(_matches(r, c) for c in query.conditions)]
    if query.count:
        return {"totalCount": len(matched)}
    ordered = _order(matched, query.order or [("Id", False)])  # default: by Id, numerically
    first = query.start_position - 1
    page = ordered[first : first + query.max_results]
    if not page:
        return {}  # empty result: an empty QueryResponse (reference §3)
    hidden = HIDDEN_FROM_STAR.get(query.entity, frozenset()) - set(query.also)
    answer = [{k: v for k, v in r.items() if k not in hidden} for r in page]
    # maxResults in a response is the number of rows returned (reference §3).
    return {
        query.entity: copy.deepcopy(answer),
        "startPosition": query.start_position,
        "maxResults": len(page),
    }
