"""Text pages for global units of sequence models: one HTML page per unit whose ``details["top_contexts"]``
name items of a split (``{"split", "index", "position", "score"}``), showing each context as text with the
token at ``position`` highlighted, plus ``units/index.html`` listing the units (an expert atlas).

A language model has thousands of units (chess MoE-X: 4,096 neurons), and a page for each made a 12-record
export take a minute and most of its megabytes. So the atlas is opt-in past ``DEFAULT_PAGES`` units: by default
only the units the explained predictions show (their evidence rows link to these pages) get a page, and the
index and the report say how many were left out; ``pages=None`` (``--unit-pages all``) writes every one."""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from models.explanation import GlobalExplanation

WINDOW_BEFORE, WINDOW_AFTER = 48, 8
DEFAULT_PAGES = 200  # pages written without asking: every unit's when there are at most this many


def _decode(tokenizer, ids: list[int]) -> str:
    return tokenizer.decode(ids) if ids else ""


def context_html(tokenizer, ids: list[int], position: int) -> str:
    start, end = max(0, position - WINDOW_BEFORE), min(len(ids), position + 1 + WINDOW_AFTER)
    before = html.escape(_decode(tokenizer, ids[start:position]))
    token = html.escape(_decode(tokenizer, ids[position:position + 1]))
    after = html.escape(_decode(tokenizer, ids[position + 1:end]))
    return f"<pre>{'…' if start else ''}{before}<mark>{token}</mark>{after}{'…' if end < len(ids) else ''}</pre>"


def has_text_contexts(explanation: GlobalExplanation | None) -> bool:
    return explanation is not None and any(u.details.get("top_contexts") for u in explanation.units)


def chosen_units(units: list, pages: int | None, wanted: Iterable[int]) -> list:
    """The units that get a page: all of them when ``pages`` is None or they are at most ``pages``; else the
    ``wanted`` ones (the units the explained predictions show), in that order, at most ``pages``."""
    if pages is None or len(units) <= pages:
        return units
    by_index = {u.index: u for u in units}
    chosen = [by_index[i] for i in dict.fromkeys(int(i) for i in wanted) if i in by_index]
    return chosen[:pages]


def write_unit_pages(explanation: GlobalExplanation, spec, source_set, folder: Path, pages: int | None = None,
                     wanted: Iterable[int] = ()) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``units/unit_<i>.html`` for the units ``chosen_units`` picks and ``units/index.html`` listing every unit
    with contexts. Returns (index entries, a summary: units with contexts, pages written, what was left out)."""
    from datamodules.tokenizers import tokenizer_for

    tokenizer = tokenizer_for(spec)
    folder.mkdir(parents=True, exist_ok=True)
    style = "<style>body{font-family:system-ui,sans-serif;margin:2em}pre{white-space:pre-wrap;background:#f6f6f6;" \
            "padding:.4em}mark{background:#f9d71c}td,th{padding:2px 8px;text-align:left}.note{color:#666}</style>"
    units = [u for u in explanation.units if u.details.get("top_contexts")]
    chosen = chosen_units(units, pages, wanted)
    items: dict[int, list[int]] = {}  # item -> its token ids: units share contexts, read each item once

    def item(index: int) -> list[int]:
        if index not in items:
            ids = source_set[index]["inputs"]
            items[index] = [int(i) for i in (ids.tolist() if hasattr(ids, "tolist") else ids)]
        return items[index]

    entries = []
    for unit in chosen:
        sections = []
        for context in unit.details["top_contexts"]:
            if not 0 <= context["index"] < len(source_set):
                continue
            sections.append(f"<p>{html.escape(context['split'])} item {context['index']}, position "
                            f"{context['position']}: activation {context['score']:.4g}</p>"
                            f"{context_html(tokenizer, item(context['index']), context['position'])}")
        facts = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
                        for k, v in unit.details.items() if k != "top_contexts")
        page = f"unit_{unit.index}.html"
        (folder / page).write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(unit.name)}"
                                   f"</title>{style}</head><body><h1>{html.escape(unit.name)}</h1>"
                                   f"<p>{html.escape(unit.role)}</p><table>{facts}</table><h2>Top-activating contexts"
                                   f"</h2>{''.join(sections)}<p><a href='index.html'>all units</a></p></body></html>\n",
                                   encoding="utf-8")
        entries.append({"unit": unit.index, "page": page})
    written = {e["unit"] for e in entries}
    summary = {"units": len(units), "pages": len(entries), "left_out": len(units) - len(entries),
               "limit": pages, "which": "every unit" if len(entries) == len(units) else
               "the units the explained predictions show"}
    rows = []
    for unit in units:
        usage = unit.details.get("usage")
        name = html.escape(unit.name)
        cell = f"<a href='unit_{unit.index}.html'>{name}</a>" if unit.index in written else name
        rows.append(f"<tr><td>{cell}</td><td>{'' if usage is None else f'{usage:.4f}'}</td></tr>")
    note = "" if not summary["left_out"] else (
        f"<p class='note'>Pages written for {len(entries)} of the {len(units)} units ({summary['which']}); the other "
        f"{summary['left_out']} are listed without one. Export with <code>--unit-pages all</code> for a page per "
        f"unit (it takes longer and much more space).</p>")
    (folder / "index.html").write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>units</title>{style}</head><body>"
        f"<h1>{html.escape(str(explanation.model))}: {len(units)} units with contexts</h1>{note}"
        f"<table><tr><th>unit</th><th>share of tokens active</th></tr>{''.join(rows)}</table></body></html>\n",
        encoding="utf-8")
    return entries, summary
