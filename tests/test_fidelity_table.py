"""docs/sandbox-fidelity.md names the test that pins each behaviour: every test it names exists.

A row whose test was renamed or removed would claim a pin that no longer holds. Names are
written ``path::test_name``, ``SHORT::test_name`` (short names defined on the page, e.g.
``CONF``) or ``::test_name`` (the file named just before, in the same cell)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "sandbox-fidelity.md"
SHORT = re.compile(r"`([A-Z]+)` =\s+`(tests/[\w/]+\.py)`")
NAMED = re.compile(r"`((?:tests/[\w/]+\.py)|[A-Z]+)?(::\w+)?(?:\[[^\]`]*\])?`")


def named_tests(text: str) -> list[tuple[str, str | None]]:
    """(file, test or None) for every test the page names, in order."""
    short = dict(SHORT.findall(text))
    found = []
    for line in text.splitlines():
        for cell in line.split(" | "):
            current = None
            for where, test in NAMED.findall(cell):
                if where:
                    current = short.get(where) if where.isupper() else where
                    if current is None:
                        continue  # an upper-case word in backticks that is no short name
                if current and (test or where):
                    found.append((current, test[2:] if test else None))
    return found


def test_the_page_defines_its_short_names():
    short = dict(SHORT.findall(PAGE.read_text()))
    assert {"CONF", "RULES", "QUERY", "CRUD", "OAP", "RP", "FIX", "BP"} <= set(short)


def test_every_test_the_page_names_exists():
    named = named_tests(PAGE.read_text())
    assert len(named) > 150  # the page names its pins; a parse that finds none is broken
    missing = []
    for path, test in named:
        file = ROOT / path
        if not file.is_file():
            missing.append(path)
        elif test and not re.search(rf"^def {test}\(", file.read_text(), re.MULTILINE):
            missing.append(f"{path}::{test}")
    assert not missing, f"docs/sandbox-fidelity.md names tests that do not exist: {missing}"
