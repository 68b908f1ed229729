"""Fixtures of the interpretation tests."""

from __future__ import annotations

import pytest

from mxdna.interpret.jaspar import load_jaspar


@pytest.fixture(scope="session")
def jaspar_vertebrates():
    return load_jaspar(tax_groups=["vertebrates"])
