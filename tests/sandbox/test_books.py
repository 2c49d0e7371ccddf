"""The QBO sandbox's date arithmetic: DueDate under a term (Intuit's Term reference)."""

from __future__ import annotations

from datetime import date

import pytest

from reconcile.sandbox.books import due_date


@pytest.mark.parametrize(
    ("txn", "term", "due"),
    [
        ("2026-11-02", None, "2026-12-02"),  # the company's Net 30
        ("2026-11-02", {"DueDays": 10}, "2026-11-12"),
        ("2026-11-10", {"DayOfMonthDue": 15, "DueNextMonthDays": 5}, "2026-11-15"),
        ("2026-11-11", {"DayOfMonthDue": 15, "DueNextMonthDays": 5}, "2026-12-15"),
        ("2026-11-20", {"DayOfMonthDue": 15}, "2026-12-15"),  # after the day: next month
        ("2026-11-15", {"DayOfMonthDue": 15}, "2026-11-15"),
        ("2026-12-20", {"DayOfMonthDue": 15}, "2027-01-15"),  # across the year
        ("2027-01-31", {"DayOfMonthDue": 31}, "2027-01-31"),
        ("2027-02-01", {"DayOfMonthDue": 31}, "2027-02-28"),  # a short month: its last day
    ],
)
def test_due_date_under_a_term(txn, term, due):
    assert due_date(date.fromisoformat(txn), term) == date.fromisoformat(due)
