"""The pieces every report page is made of: escaping (every string from a record, a card or a file name goes
through ``esc``), labelled numbers, tables and the page frame with its navigation."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import Any


def esc(value: Any) -> str:
    """Text for HTML (element content and quoted attributes alike)."""
    return html.escape("" if value is None else str(value), quote=True)


def num(value: Any, digits: int = 4, signed: bool = False) -> str:
    """A number as shown on a page: ``—`` for none, ``NaN`` / ``inf`` spelled out, 4 significant digits."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return esc(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("+inf" if value > 0 else "-inf")
    text = f"{value:+.{digits}g}" if signed else f"{value:.{digits}g}"
    return text


def labelled(value: Any, kind: str, digits: int = 4, signed: bool = False) -> str:
    """A number with what it is: ``<span class="n" title="similarity">0.93</span>``."""
    return f'<span class="n" data-kind="{esc(kind)}" title="{esc(kind)}">{num(value, digits, signed)}</span>'


def table(header: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "", caption: str = "",
          row_classes: Sequence[str] | None = None) -> str:
    """A table of already-escaped cells (header cells are escaped here)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        rc = row_classes[i] if row_classes and i < len(row_classes) and row_classes[i] else ""
        body.append(f"<tr{f' class={chr(34)}{rc}{chr(34)}' if rc else ''}>{''.join(f'<td>{c}</td>' for c in row)}</tr>")
    cap = f"<caption>{caption}</caption>" if caption else ""
    return f'<table class="{cls}">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def key_values(items: Iterable[tuple[str, str]], cls: str = "kv") -> str:
    """A two-column table: escaped keys, already-escaped values."""
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in items)
    return f'<table class="{cls}"><tbody>{rows}</tbody></table>'


def img(src: str, alt: str, cls: str = "", title: str = "") -> str:
    extra = f' title="{esc(title)}"' if title else ""
    return f'<img src="{esc(src)}" alt="{esc(alt)}" class="{esc(cls)}" loading="eager"{extra}>'


def link(href: str, text: str, cls: str = "") -> str:
    return f'<a href="{esc(href)}"{f" class={chr(34)}{esc(cls)}{chr(34)}" if cls else ""}>{text}</a>'


def section(anchor: str, title: str, body: str, note: str = "") -> str:
    note_html = f'<p class="note">{note}</p>' if note else ""
    return f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2>{note_html}{body}</section>'


def page(title: str, body: str, depth: int = 0, nav: Sequence[tuple[str, str]] = (), scripts: Sequence[str] = (),
         toc: Sequence[tuple[str, str]] = ()) -> str:
    """A whole page: ``depth`` is how many folders below the report's root it lives (for the asset paths);
    ``nav`` (href, text) pairs lead to the other pages, ``toc`` (anchor, title) pairs to this page's sections."""
    up = "../" * depth
    links = " ".join(link(href, esc(text)) for href, text in nav)
    contents = "".join(f"<li>{link('#' + anchor, esc(name))}</li>" for anchor, name in toc)
    toc_html = f'<nav class="toc" aria-label="contents"><ol>{contents}</ol></nav>' if toc else ""
    script_tags = "".join(f'<script src="{up}{esc(s)}"></script>' for s in scripts)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{esc(title)}</title><link rel="icon" href="data:,">'
            f'<link rel="stylesheet" href="{up}assets/report.css"></head>\n'
            f'<body><header><nav class="top">{links}</nav></header><main><h1>{esc(title)}</h1>{toc_html}{body}</main>'
            f'{script_tags}</body></html>\n')
