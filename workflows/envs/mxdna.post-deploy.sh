#!/usr/bin/env bash
# Runs inside the new conda env once, after Snakemake created it: installs mxdna with pip.
# MXDNA_PIP_SPEC: a checkout (/path/to/mxdna), a git URL (git+https://...@v0.1.0) or a version.
set -euo pipefail
python -m pip install "${MXDNA_PIP_SPEC:-mxdna}"
