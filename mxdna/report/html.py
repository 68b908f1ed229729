"""HTML building blocks and the page template of the report (inline CSS, no scripts).

Everything the page needs is in the one file: styles here, images as data URIs. Text from the
inputs is always escaped with `esc`; functions taking ``body`` expect HTML built by this module.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CSS = """
:root { --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa; --accent: #0072b2; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.45;
  font: 15px/1.45 -apple-system, "Segoe UI", "DejaVu Sans", Roboto, Helvetica, Arial, sans-serif; }
header.top { background: #0b3954; color: #fff; padding: 18px 28px; }
header.top h1 { margin: 0 0 4px; font-size: 24px; }
header.top p { margin: 0; color: #d8e6f0; font-size: 14px; }
nav.toc { position: sticky; top: 0; z-index: 2; background: #fff; padding: 8px 28px;
  border-bottom: 1px solid var(--line); font-size: 14px; }
nav.toc a { color: var(--accent); text-decoration: none; margin-right: 16px; white-space: nowrap; }
main { max-width: 1180px; margin: 0 auto; padding: 8px 28px 48px; }
section { border-bottom: 1px solid var(--line); padding: 10px 0 22px; }
h2 { font-size: 20px; margin: 18px 0 8px; }
h3 { font-size: 16px; margin: 16px 0 6px; }
p.note { color: var(--muted); font-size: 14px; margin: 4px 0 10px; max-width: 80ch; }
div.missing { background: #fff8e5; border: 1px solid #f0c36d; border-radius: 6px;
  padding: 10px 14px; margin: 8px 0; }
div.missing code { background: #fff; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px;
  background: var(--panel); padding: 1px 4px; border-radius: 3px; }
figure { margin: 10px 0 16px; display: table; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { display: table-caption; caption-side: bottom; color: var(--muted); font-size: 13px;
  margin-top: 4px; }
div.row { display: flex; flex-wrap: wrap; gap: 18px 28px; align-items: flex-start; }
div.row > * { flex: 0 1 auto; min-width: 0; }
table { border-collapse: collapse; font-size: 14px; margin: 6px 0 14px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left;
  vertical-align: middle; }
th { background: var(--panel); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.mono { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
table.kv th { width: 14em; }
table.motifs img { height: 80px; width: auto; max-width: none; display: block; }
div.scroll { overflow-x: auto; max-width: 100%; }
details { margin: 6px 0 12px; }
summary { cursor: pointer; color: var(--accent); }
pre.seq { font: 13px/1.6 "DejaVu Sans Mono", Menlo, Consolas, monospace; background: var(--panel);
  padding: 8px 10px; border-radius: 6px; overflow-x: auto; margin: 4px 0 8px; }
pre.seq .pos { color: var(--muted); }
.p1 { background: #fbe3dc; } .p2 { background: #f6b9a6; } .p3 { background: #e9806a; }
.p4 { background: #c8402f; color: #fff; }
.n1 { background: #dfeaf5; } .n2 { background: #b3cde6; } .n3 { background: #7ba7d1; }
.n4 { background: #2f6aa8; color: #fff; }
span.key { display: inline-block; padding: 0 6px; margin-right: 4px; border-radius: 3px; }
footer { color: var(--muted); font-size: 13px; padding: 16px 28px; text-align: center; }
"""


@dataclass(frozen=True)
class Section:
    """One panel of the report: an anchor id, a heading and its HTML body."""

    anchor: str
    title: str
    body: str


def esc(value: object) -> str:
    """Text for HTML (quotes escaped too)."""
    return html.escape(str(value), quote=True)


def number(value: float | int | None, digits: int = 3) -> str:
    """A number for a table cell: ints as is, floats to `digits` significant places, none as —."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, int) or (float(value).is_integer() and abs(value) < 1e15):
        return f"{int(value):,}"
    return (
        f"{value:.{digits}g}" if abs(value) < 1e-3 or abs(value) >= 1e4 else f"{value:.{digits}f}"
    )


def table(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    numeric: Sequence[int] = (),
    mono: Sequence[int] = (),
    css_class: str = "",
) -> str:
    """An HTML table; `header` is plain text, `rows` cells are HTML (escape them first).
    `numeric` / `mono` are column indices to right-align / set in monospace."""
    head = "".join(
        f'<th{" class=num" if i in numeric else ""} scope="col">{esc(h)}</th>'
        for i, h in enumerate(header)
    )
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            kind = "num" if i in numeric else "mono" if i in mono else ""
            cells.append(f'<td class="{kind}">{cell}</td>' if kind else f"<td>{cell}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    attribute = f' class="{css_class}"' if css_class else ""
    return f"<table{attribute}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def key_values(pairs: Iterable[tuple[str, str]]) -> str:
    """A two-column table of plain-text names and HTML values."""
    rows = "".join(f'<tr><th scope="row">{esc(k)}</th><td>{v}</td></tr>' for k, v in pairs)
    return f'<table class="kv"><tbody>{rows}</tbody></table>'


def image(uri: str, alt: str, caption: str = "", *, width: int | None = None) -> str:
    """An inline image (data URI) with alt text and an optional plain-text caption."""
    size = f' style="width:{width}px"' if width else ""
    note = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="{uri}" alt="{esc(alt)}"{size}>{note}</figure>'


def note(text: str) -> str:
    """A muted explanatory paragraph (plain text)."""
    return f'<p class="note">{esc(text)}</p>'


def missing(message_html: str) -> str:
    """A highlighted box saying what is absent and how to produce it (HTML)."""
    return f'<div class="missing">{message_html}</div>'


def page(title: str, subtitle: str, sections: Sequence[Section], footer: str) -> str:
    """The whole HTML document."""
    toc = "".join(f'<a href="#{s.anchor}">{esc(s.title)}</a>' for s in sections)
    body = "\n".join(
        f'<section id="{s.anchor}"><h2>{esc(s.title)}</h2>\n{s.body}\n</section>' for s in sections
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n"
        f'<header class="top"><h1>{esc(title)}</h1><p>{esc(subtitle)}</p></header>\n'
        f'<nav class="toc">{toc}</nav>\n<main>\n{body}\n</main>\n'
        f"<footer>{esc(footer)}</footer>\n</body>\n</html>\n"
    )
