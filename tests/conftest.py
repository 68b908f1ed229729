"""Shared test helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def dataset_dir():
    """Find a real labelled dataset by name: the bundled copy (data/NAME) if present, else the
    project's shared collection (../shared/data/NAME); skip when neither exists."""

    def find(name: str) -> Path:
        for candidate in (ROOT / "data" / name, ROOT.parent / "shared" / "data" / name):
            if candidate.is_dir():
                return candidate
        pytest.skip(f"dataset {name} not available")

    return find
