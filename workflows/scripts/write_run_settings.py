"""Snakemake script of rule run_settings: write params.settings as the run YAML of `mxdna train`."""

import logging
from pathlib import Path
from typing import Any

import yaml


def write_settings(settings: dict[str, Any], out: Path) -> None:
    """`{"train": {...}, "model": {...}}` → YAML, keys in the order given (byte-stable)."""
    text = yaml.safe_dump(
        {"train": dict(settings["train"]), "model": dict(settings["model"])}, sort_keys=False
    )
    out.write_text(text)


if __name__ == "__main__":
    smk = snakemake  # type: ignore[name-defined]  # noqa: F821
    logging.basicConfig(filename=smk.log[0], level=logging.INFO, format="%(message)s")
    write_settings(smk.params.settings, Path(smk.output[0]))
    logging.info("wrote %s", smk.output[0])
