"""Shared test helpers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _find_dataset(name: str) -> Path:
    for candidate in (ROOT / "data" / name, ROOT.parent / "shared" / "data" / name):
        if candidate.is_dir():
            return candidate
    pytest.skip(f"dataset {name} not available")


@pytest.fixture
def dataset_dir():
    """Find a real labelled dataset by name: the bundled copy (data/NAME) if present, else the
    project's shared collection (../shared/data/NAME); skip when neither exists."""
    return _find_dataset


@pytest.fixture(scope="module")
def dataset_dir_module():
    """`dataset_dir` for module-scoped fixtures."""
    return _find_dataset


def pytest_configure(config):
    """Under pytest-xdist every worker is a process of its own: one torch thread each, so the
    workers (one per core) do not fight over the cores."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        import torch

        torch.set_num_threads(1)


def pytest_collection_modifyitems(config, items):
    """Tests marked `gpu` need CUDA: skip them (with a reason) where there is none."""
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
