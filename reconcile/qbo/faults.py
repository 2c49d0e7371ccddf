"""QuickBooks Online faults as QBO writes them (code, message, detail, element, status).

The rules (reconcile.qbo.rules) raise them and the local sandbox answers with them in QBO's
JSON shapes; the client reads answers with reconcile.qbo.errors.

Codes, messages and HTTP statuses follow ../shared/reference/qbo-api.md §5 (the official
error-code list, checked against recorded responses).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Message text per code, as QBO writes it (reference §5 "Common error codes").
MESSAGES: dict[str, str] = {
    "500": "Unsupported Operation",
    "600": "Duplicate Request ID",
    "610": "Object Not Found",
    "2010": "Request has invalid or unsupported property",
    "2020": "Required param missing, need to supply the required value for the API",
    "2030": "Invalid ID",
    "2040": "Invalid String",
    "2050": "String length is either shorter or longer than supported by specification",
    "2070": "Invalid Date",
    "2090": "Invalid Number",
    "2130": "Invalid Request Id Format",
    "2170": "Invalid Enumeration",
    "2210": "Invalid Email Address",
    "2250": "Missing Lines",
    "2290": "Negative Amount",
    "2500": "Invalid Reference Id",
    "3001": "ThrottleExceeded",
    "3200": "AuthenticationFailed",
    "4000": "Error parsing query",
    "4001": "Invalid query",
    "4002": "Error processing query",
    "5010": "Stale Object Error",
    "6000": "A business validation error has occurred while processing your request",
    "6010": "Account Type or Account Sub Type required",
    "6070": "Amount calculation incorrect",
    "6080": "No Name Provided",
    "6100": "Invalid Line Tax Code",
    "6140": "Duplicate Document Number Error",
    "6220": "Delete List Has Balance Error",
    "6240": "Duplicate Name Exists Error",
}


@dataclass
class Fault(Exception):
    """A QBO fault: one or more errors, a fault type and the HTTP status it is sent with."""

    code: str
    detail: str = ""
    element: str = ""
    status: int = 400
    fault_type: str = "ValidationFault"
    message: str = ""
    more: list[Fault] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.code = str(self.code)
        if not self.message:
            self.message = MESSAGES.get(self.code, "Validation Fault")
        Exception.__init__(self, f"{self.code} {self.message}: {self.detail}")

    def errors(self) -> list[dict]:
        """The `Fault.Error[]` entries, `code` as a string as QBO sends it."""
        return [
            {"Message": f.message, "Detail": f.detail, "code": f.code, "element": f.element}
            for f in [self, *self.more]
        ]

    def fault(self) -> dict:
        """The `Fault` object (also used inside batch item responses)."""
        return {"Error": self.errors(), "type": self.fault_type}


def not_found(entity: str, entity_id: str) -> Fault:
    """610: the id does not exist (or was deleted) in this company."""
    return Fault(
        "610",
        f"Object Not Found : Something you're trying to use has been made inactive. "
        f"Check the fields with accounts, customers, items, vendors or employees. "
        f"({entity} {entity_id})",
        status=400,
    )


def unsupported(detail: str) -> Fault:
    """500: unknown path or operation."""
    return Fault("500", detail, status=400)
