"""Reading a rendered report page in the report tests."""

from __future__ import annotations

import re


def section(page: str, anchor: str) -> str:
    """The inner HTML of the page's `<section id="anchor">`; fails the test when it is absent."""
    match = re.search(rf'<section id="{anchor}">(.*?)</section>', page, re.S)
    assert match, f"section {anchor} missing"
    return match.group(1)
