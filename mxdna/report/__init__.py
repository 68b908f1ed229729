"""The HTML report: a run directory (and its attributions) as one self-contained HTML file.

Formatting only: every number shown was computed by training or attribution; this package reads
the files, draws the charts (matplotlib, logomaker) and lays out the page. See docs/report.md.
"""

from mxdna.report.build import render_report, write_report

__all__ = ["render_report", "write_report"]
