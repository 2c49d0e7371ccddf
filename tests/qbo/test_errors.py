"""Unit tests of QBO fault parsing (reference qbo-api.md §5, §6)."""

from __future__ import annotations

import json

import pytest

from reconcile.errors import ReconcileError
from reconcile.qbo.errors import (
    BusinessRuleError,
    DuplicateNameError,
    QboAuthError,
    QboError,
    QboForbiddenError,
    QboNotFoundError,
    QboServerError,
    QboThrottledError,
    QueryError,
    StaleObjectError,
    ValidationError,
    fault_from_dict,
    parse_error,
)

DUPLICATE_DETAIL = (
    "The name supplied already exists. : Another customer, vendor or employee is already "
    "using this name. Please use a different name."
)

# Shapes copied from reference §5 (lowercase 401/403) and §6 (XML 429).
LOWERCASE_401 = (
    '{"warnings":null,"intuitObject":null,"fault":{"error":[{"message":"message='
    'AuthenticationFailed; errorCode=003200; statusCode=401","detail":"Token expired: AB016...",'
    '"code":"3200","element":null}],"type":"AUTHENTICATION"},"report":null,'
    '"queryResponse":null,"batchItemResponse":[],"attachableResponse":[],'
    '"syncErrorResponse":null,"requestId":null,"time":1601391072830,"status":null,'
    '"cdcresponse":[]}'
)
LOWERCASE_403 = (
    '{"warnings":null,"fault":{"error":[{"message":"message=ApplicationAuthorizationFailed; '
    'errorCode=003100; statusCode=403","detail":"The access token does not have sufficient '
    'scope","code":"3100","element":null}],"type":"SERVICE"},"time":1601391072830}'
)
XML_429 = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<IntuitResponse time="2017-07-30T22:45:22.933-07:00" xmlns="http://schema.intuit.com/finance/v3">
  <Fault type="SERVICE"><Error code="3001">
    <Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>
    <Detail>The request limit was reached.  Try again later</Detail></Error></Fault>
</IntuitResponse>
"""
XML_WRONG_CLUSTER = (
    '<IntuitResponse xmlns="http://schema.intuit.com/finance/v3">'
    '<Fault type="AuthenticationFault"><Error code="130">'
    "<Message>Accessing Wrong Cluster</Message><Detail>Use the production host</Detail>"
    "</Error></Fault></IntuitResponse>"
)


def json_fault(*errors: tuple[str, str, str, str], fault_type: str = "ValidationFault") -> str:
    entries = [{"Message": m, "Detail": d, "code": c, "element": e} for c, m, d, e in errors]
    body = {"Fault": {"Error": entries, "type": fault_type}, "time": "2020-09-29T06:58:50.262"}
    return json.dumps(body)


def test_json_fault_keeps_every_error_and_follows_the_first():
    text = json_fault(
        ("6240", "Duplicate Name Exists Error", DUPLICATE_DETAIL, "DisplayName"),
        ("2050", "Invalid String Length", "Max:21 supported", "DocNumber"),
    )
    err = parse_error(400, text)
    assert type(err) is DuplicateNameError
    assert isinstance(err, BusinessRuleError) and isinstance(err, ReconcileError)
    assert [e.code for e in err.errors] == ["6240", "2050"]
    assert (err.code, err.detail, err.element) == ("6240", DUPLICATE_DETAIL, "DisplayName")
    assert err.errors[1].element == "DocNumber"
    assert err.status == 400
    assert err.fault_type == "ValidationFault"


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("6240", DuplicateNameError),
        ("5010", StaleObjectError),
        ("610", QboNotFoundError),
        ("4000", QueryError),
        ("4001", QueryError),
        ("2050", ValidationError),
        ("2010", ValidationError),
        ("6000", BusinessRuleError),
        ("6140", BusinessRuleError),
    ],
)
def test_code_selects_the_class(code, cls):
    err = parse_error(400, json_fault((code, "msg", "detail", "")))
    assert type(err) is cls
    assert err.code == code


def test_lowercase_401_is_authentication_error():
    err = parse_error(401, LOWERCASE_401)
    assert type(err) is QboAuthError
    assert err.code == "3200"
    assert err.detail == "Token expired: AB016..."
    assert err.element == ""  # null in the body
    assert "AuthenticationFailed" in err.errors[0].message
    assert err.fault_type == "AUTHENTICATION"


def test_lowercase_403_is_authorization_error():
    err = parse_error(403, LOWERCASE_403)
    assert type(err) is QboForbiddenError
    assert err.code == "3100"
    assert "sufficient scope" in err.detail


def test_xml_429_is_throttled_with_retry_after():
    err = parse_error(429, XML_429, {"Retry-After": "60", "Content-Type": "application/xml"})
    assert type(err) is QboThrottledError
    assert err.code == "3001"
    assert "ThrottleExceeded" in err.errors[0].message
    assert err.detail == "The request limit was reached.  Try again later"
    assert err.retry_after == 60.0
    assert err.fault_type == "SERVICE"


@pytest.mark.parametrize("header", [{}, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}])
def test_throttled_without_usable_retry_after(header):
    err = parse_error(429, XML_429, header)
    assert isinstance(err, QboThrottledError)
    assert err.retry_after is None


def test_xml_wrong_cluster_is_authentication_error():
    err = parse_error(401, XML_WRONG_CLUSTER)
    assert type(err) is QboAuthError
    assert err.code == "130"
    assert err.errors[0].message == "Accessing Wrong Cluster"
    assert err.fault_type == "AuthenticationFault"


@pytest.mark.parametrize(
    "body",
    [
        "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
        "<!DOCTYPE html><html><body><p>Bad gateway<br></body></html>",
        "upstream connect error or disconnect/reset before headers",
        "{not json at all",
    ],
)
def test_garbage_502_is_server_error_with_snippet(body):
    err = parse_error(502, body)
    assert type(err) is QboServerError
    assert err.status == 502
    assert err.code == "502"
    assert err.detail and err.detail in " ".join(body.split())
    assert "HTTP 502" in str(err)


def test_empty_500_body():
    err = parse_error(500, "")
    assert type(err) is QboServerError
    assert err.detail == "(empty body)"


def test_long_garbage_snippet_is_truncated():
    err = parse_error(503, "x" * 5000)
    assert isinstance(err, QboServerError)
    assert len(err.detail) == 300


def test_intuit_tid_is_kept_and_shown():
    err = parse_error(400, json_fault(("2050", "m", "d", "")), {"Intuit_Tid": "1-abc-tid"})
    assert err.intuit_tid == "1-abc-tid"
    assert "intuit_tid=1-abc-tid" in str(err)


def test_fault_from_dict_for_a_batch_item():
    item = {
        "Fault": {
            "Error": [
                {
                    "Message": "Stale Object Error",
                    "Detail": "Stale Object Error : You and Jo were working on this",
                    "code": "5010",
                    "element": "SyncToken",
                }
            ],
            "type": "ValidationFault",
        },
        "bId": "bid2",
    }
    err = fault_from_dict(item["Fault"])
    assert type(err) is StaleObjectError
    assert err.status is None
    assert err.element == "SyncToken"
    assert "HTTP" not in str(err)


def test_fault_without_errors_still_has_a_message():
    err = fault_from_dict({})
    assert type(err) is QboError
    assert "Unknown QuickBooks error" in str(err)


def test_str_contains_code_message_detail_and_element():
    err = parse_error(400, json_fault(("2050", "Invalid String Length", "Max:21", "DocNumber")))
    text = str(err)
    for part in ("2050", "Invalid String Length", "Max:21", "DocNumber", "HTTP 400"):
        assert part in text
    assert str(err) == err.args[0]
