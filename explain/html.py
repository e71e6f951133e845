"""The HTML exporter: one self-contained page (inline base64 PNGs), one section per explained prediction with
its image and unit overlays, the evidence table that adds up to the explained output, and the typed sections
(concepts, uncertainty, certificate, tokens) the record carries."""

from __future__ import annotations

import base64
import html
from contextlib import ExitStack
from pathlib import Path
from typing import IO

from models.explanation import SECTIONS, Explanation

from . import render

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
section{border-top:1px solid #ccc;padding:1em 0}
h2{font-size:1.05em;margin:.2em 0}
.ok{color:#186a3b}.bad{color:#a93226}.note{color:#7d6608}
figure{display:inline-block;margin:0 .6em .6em 0;text-align:center;font-size:.8em}
img{width:128px;height:auto;image-rendering:pixelated;border:1px solid #999}
table{border-collapse:collapse;font-size:.85em;margin:.3em 0}
td,th{border:1px solid #ddd;padding:2px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}
"""


def img_tag(png: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _fmt(value) -> str:
    return "" if value is None else f"{value:+.4f}" if isinstance(value, float) else html.escape(str(value))


class HtmlWriter:
    """Written section by section as the records arrive; ``sources`` maps a unit to its picture (the training
    patch a prototype is, a decoded prototype), shown beside the unit's overlay."""

    def __init__(self, stack: ExitStack, path: Path, title: str, sources: dict | None = None):
        self.handle: IO[str] = stack.enter_context(open(path, "w", encoding="utf-8"))
        self.count = 0
        self.sources = sources or {}
        self.handle.write(f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}"
                          f"</title><style>{_CSS}</style></head><body>\n<h1>{html.escape(title)}</h1>\n")
        stack.callback(self._finish)  # runs before the file is closed

    def _finish(self) -> None:
        self.handle.write(f"<p>{self.count} prediction(s).</p>\n</body></html>\n")

    def add(self, record: Explanation, overlays: list) -> None:
        self.count += 1
        probability = float(record.probabilities[record.prediction])
        head = (f"{html.escape(str(record.input_id))}: predicted <b>{html.escape(record.predicted_label)}</b> "
                f"(p={probability:.3f})")
        if record.target is not None:
            verdict = "ok" if record.target == record.prediction else "bad"
            head += f", target <span class='{verdict}'>{html.escape(record.label(record.target))}</span>"
        figures = []
        if record.image is not None:
            figures.append(f"<figure>{img_tag(render.render_image(record.image), 'input')}"
                           f"<figcaption>input</figcaption></figure>")
        for overlay in overlays:
            figures.append(f"<figure>{img_tag(overlay.png, overlay.name)}"
                           f"<figcaption>{html.escape(overlay.name)}</figcaption></figure>")
            if overlay.unit in self.sources:  # "this looks like that": the unit's own picture
                figures.append(f"<figure>{img_tag(self.sources[overlay.unit].png, 'unit')}"
                               f"<figcaption>the unit</figcaption></figure>")
        rows = "".join(
            f"<tr><td>{html.escape(e.unit)}</td><td>{_fmt(e.score)}</td><td>{_fmt(e.weight)}</td>"
            f"<td>{_fmt(e.contribution)}</td></tr>" for e in record.evidence)
        shown = sum(e.contribution for e in record.evidence)
        others = float(record.contributions.sum()) - shown
        hidden = record.num_units - len(record.evidence)
        note = "" if record.complete else f"<p class='note'>not complete: {html.escape(str(record.exact))}</p>"
        table = (f"<table><tr><th>unit</th><th>score</th><th>weight</th><th>contribution</th></tr>{rows}"
                 f"<tr><td>other units ({hidden})</td><td></td><td></td><td>{_fmt(others)}</td></tr>"
                 f"<tr><td>bias</td><td></td><td></td><td>{_fmt(record.bias)}</td></tr>"
                 f"<tr><th>{html.escape(record.output)} of {html.escape(record.label(record.explained_class))}"
                 f"</th><th></th><th></th><th>{_fmt(record.value)}</th></tr></table>{note}")
        self.handle.write(f"<section><h2>{head}</h2>{''.join(figures)}{table}{self._sections(record)}"
                          f"</section>\n")

    def _sections(self, record: Explanation) -> str:
        """Each typed section as a small key/value table."""
        parts = []
        for name in SECTIONS:
            section = getattr(record, name)
            if section is None:
                continue
            cells = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(_short(v))}</td></tr>"
                            for k, v in section.to_dict().items() if v not in (None, []))
            parts.append(f"<table><tr><th colspan='2'>{name}</th></tr>{cells}</table>")
        return "".join(parts)


def _short(value, limit: int = 200) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        value = [round(v, 4) if isinstance(v, float) else v for v in value]
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def write_html(records, path: str | Path, title: str = "Explanations") -> int:
    """A self-contained HTML page of ``records`` (with their overlays), atomically; returns the count."""
    from models.release import atomic_path

    from .images import render_overlays

    with atomic_path(Path(path)) as tmp, ExitStack() as stack:
        writer = HtmlWriter(stack, tmp, title)
        for number, record in enumerate(records):
            record.input_id = record.input_id or str(number)
            writer.add(record, render_overlays(record))
    return writer.count
