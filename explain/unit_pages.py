"""Text pages for global units of sequence models: one HTML page per unit whose ``details["top_contexts"]``
name items of a split (``{"split", "index", "position", "score"}``), showing each context as text with the
token at ``position`` highlighted, plus ``units/index.html`` listing the units (an expert atlas)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from models.explanation import GlobalExplanation

WINDOW_BEFORE, WINDOW_AFTER = 48, 8
PAGE_LIMIT = 5_000  # pages written at most (the index lists every unit)


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


def write_unit_pages(explanation: GlobalExplanation, spec, source_set, folder: Path) -> list[dict[str, Any]]:
    """``units/unit_<i>.html`` per unit with contexts (up to ``PAGE_LIMIT``) and ``units/index.html``."""
    from datamodules.tokenizers import tokenizer_for

    tokenizer = tokenizer_for(spec)
    folder.mkdir(parents=True, exist_ok=True)
    style = "<style>body{font-family:system-ui,sans-serif;margin:2em}pre{white-space:pre-wrap;background:#f6f6f6;" \
            "padding:.4em}mark{background:#f9d71c}td,th{padding:2px 8px;text-align:left}</style>"
    entries, rows = [], []
    units = [u for u in explanation.units if u.details.get("top_contexts")]
    for unit in units[:PAGE_LIMIT]:
        sections = []
        for context in unit.details["top_contexts"]:
            if not 0 <= context["index"] < len(source_set):
                continue
            ids = [int(i) for i in source_set[context["index"]]["inputs"]]
            sections.append(f"<p>{html.escape(context['split'])} item {context['index']}, position "
                            f"{context['position']}: activation {context['score']:.4g}</p>"
                            f"{context_html(tokenizer, ids, context['position'])}")
        facts = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
                        for k, v in unit.details.items() if k != "top_contexts")
        page = f"unit_{unit.index}.html"
        (folder / page).write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(unit.name)}"
                                   f"</title>{style}</head><body><h1>{html.escape(unit.name)}</h1><p>{unit.role}</p>"
                                   f"<table>{facts}</table><h2>Top-activating contexts</h2>{''.join(sections)}"
                                   f"<p><a href='index.html'>all units</a></p></body></html>\n", encoding="utf-8")
        entries.append({"unit": unit.index, "page": page})
        usage = unit.details.get("usage")
        rows.append(f"<tr><td><a href='{page}'>{html.escape(unit.name)}</a></td>"
                    f"<td>{'' if usage is None else f'{usage:.4f}'}</td></tr>")
    (folder / "index.html").write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>units</title>{style}</head><body>"
        f"<h1>{html.escape(str(explanation.model))}: {len(units)} units with contexts</h1>"
        f"<table><tr><th>unit</th><th>share of tokens active</th></tr>{''.join(rows)}</table></body></html>\n",
        encoding="utf-8")
    return entries
