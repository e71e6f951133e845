"""Exporters for explanation records (ARCHITECTURE contract 6): they know the record, not the model.

* ``write_jsonl``: one JSON object per prediction (``Explanation.to_dict()`` plus ``input_id``).
* ``write_png_overlays``: for records whose ``maps`` hold ``"image"`` and ``"unit:<i>"`` similarity maps, one
  PNG per unit: the map upsampled to the image, overlaid as a heat map, with its high-activation box.
* ``write_html``: one self-contained page (inline base64 PNGs, a table of evidence per prediction).
* ``write_global`` / ``write_prototype_sources``: the model's global explanation as JSON and, where it names a
  source image and box per prototype, that image and patch as PNGs.

``export_explanations`` drives them over a dataloader batch by batch (nothing holds the whole split), and
every file is written to a temporary name and renamed into place, so a failed export leaves no partial file.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import torch
from torch.utils.data import DataLoader

from models.explanation import Explanation, _json_safe
from models.release import atomic_path

from . import render

FORMATS = ("jsonl", "png", "html", "global")
_UNIT_KEY = re.compile(r"^unit:(\d+)$")


# ---- records ---------------------------------------------------------------------------------------------
def record_dict(record: Explanation | dict[str, Any], input_id: str | None = None) -> dict[str, Any]:
    data = record.to_dict() if isinstance(record, Explanation) else _json_safe(dict(record))
    if input_id is not None:
        data["input_id"] = input_id
    return data


def unit_maps(record: Explanation) -> list[tuple[int, Any]]:
    """The ``unit:<i>`` maps of a record, in evidence order where the evidence names them."""
    maps = {int(m.group(1)): value for key, value in record.maps.items() if (m := _UNIT_KEY.match(key))}
    order = [e.index for e in record.evidence if e.index in maps]
    order += sorted(set(maps) - set(order))
    return [(i, maps[i]) for i in order]


def safe_name(input_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", str(input_id)).strip("._") or "input"


def _unit_name(record: Explanation, index: int) -> str:
    for evidence in record.evidence:
        if evidence.index == index:
            return evidence.unit
    return f"unit {index}"


@dataclass
class Overlay:
    input_id: str
    unit: int
    name: str
    png: bytes
    box: tuple[int, int, int, int]  # (h0, h1, w0, w1) in image pixels, h1/w1 exclusive
    file: str | None = None

    def index_entry(self) -> dict[str, Any]:
        return {"input_id": self.input_id, "unit": self.unit, "name": self.name, "file": self.file,
                "box": list(self.box)}


def render_overlays(record: Explanation) -> list[Overlay]:
    if "image" not in record.maps:
        return []
    input_id = record.input_id or "input"
    overlays = []
    for index, activation in unit_maps(record):
        png, box = render.render_overlay(record.maps["image"], activation)
        overlays.append(Overlay(input_id, index, _unit_name(record, index), png, box))
    return overlays


def _write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def _write_json(path: Path, data: Any) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(_json_safe(data), indent=2) + "\n", encoding="utf-8")


# ---- streaming writers -----------------------------------------------------------------------------------
class _StreamingFile:
    """A text file written line by line under a temporary name, renamed onto ``path`` only on success."""

    def __init__(self, stack: ExitStack, path: Path):
        tmp = stack.enter_context(atomic_path(path))
        self.handle: IO[str] = stack.enter_context(open(tmp, "w", encoding="utf-8"))


class JsonlWriter(_StreamingFile):
    def __init__(self, stack: ExitStack, path: Path):
        super().__init__(stack, path)
        self.count = 0

    def add(self, record: Explanation | dict[str, Any]) -> None:
        input_id = record.input_id if isinstance(record, Explanation) else record.get("input_id")
        input_id = input_id or str(self.count)
        self.handle.write(json.dumps(record_dict(record, input_id), allow_nan=False) + "\n")
        self.count += 1


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
section{border-top:1px solid #ccc;padding:1em 0}
h2{font-size:1.05em;margin:.2em 0}
.ok{color:#186a3b}.bad{color:#a93226}
figure{display:inline-block;margin:0 .6em .6em 0;text-align:center;font-size:.8em}
img{width:128px;height:auto;image-rendering:pixelated;border:1px solid #999}
table{border-collapse:collapse;font-size:.85em}
td,th{border:1px solid #ddd;padding:2px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}
"""


def _img_tag(png: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


class HtmlWriter(_StreamingFile):
    """One page, one section per explained prediction, written as the records arrive."""

    def __init__(self, stack: ExitStack, path: Path, title: str,
                 sources: dict[int, PrototypeSource] | None = None):
        super().__init__(stack, path)
        self.count = 0
        self.sources = sources or {}
        self.handle.write(f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}"
                          f"</title><style>{_CSS}</style></head><body>\n<h1>{html.escape(title)}</h1>\n")
        stack.callback(self._finish)  # runs before the file is closed and renamed

    def _finish(self) -> None:
        self.handle.write(f"<p>{self.count} prediction(s).</p>\n</body></html>\n")

    def add(self, record: Explanation, overlays: list[Overlay]) -> None:
        self.count += 1
        label = html.escape(record.predicted_label)
        head = f"{html.escape(str(record.input_id))}: predicted <b>{label}</b> " \
               f"(p={max(record.probabilities):.3f})"
        if record.target is not None:
            target = record.class_names[record.target] if record.class_names else str(record.target)
            verdict = "ok" if record.target == record.prediction else "bad"
            head += f", target <span class='{verdict}'>{html.escape(target)}</span>"
        figures = []
        if "image" in record.maps:
            figures.append(f"<figure>{_img_tag(render.render_image(record.maps['image']), 'input')}"
                           f"<figcaption>input</figcaption></figure>")
        for overlay in overlays:
            figures.append(f"<figure>{_img_tag(overlay.png, overlay.name)}"
                           f"<figcaption>{html.escape(overlay.name)}</figcaption></figure>")
            if overlay.unit in self.sources:  # "this looks like that": the training patch the unit is
                figures.append(f"<figure>{_img_tag(self.sources[overlay.unit].patch_png, 'source')}"
                               f"<figcaption>its source patch</figcaption></figure>")
        explained = record.class_names[record.explained_class] if record.class_names else \
            str(record.explained_class)
        rows = "".join(
            f"<tr><td>{html.escape(e.unit)}</td><td>{_fmt(e.score)}</td><td>{_fmt(e.weight)}</td>"
            f"<td>{_fmt(e.contribution)}</td></tr>" for e in record.evidence)
        others = sum(record.contributions) - sum(e.contribution for e in record.evidence)
        hidden = len(record.contributions) - len(record.evidence)
        table = (f"<table><tr><th>unit</th><th>score</th><th>weight</th><th>contribution</th></tr>{rows}"
                 f"<tr><td>other units ({hidden})</td><td></td><td></td>"
                 f"<td>{_fmt(others)}</td></tr><tr><td>bias</td><td></td><td></td><td>{_fmt(record.bias)}</td></tr>"
                 f"<tr><th>logit of class {html.escape(explained)}</th><th></th><th></th>"
                 f"<th>{_fmt(record.logits[record.explained_class])}</th></tr></table>")
        self.handle.write(f"<section><h2>{head}</h2>{''.join(figures)}{table}</section>\n")


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:+.4f}"


# ---- one-shot writers ------------------------------------------------------------------------------------
def write_jsonl(records: Iterable[Explanation | dict[str, Any]], path: str | Path) -> int:
    """One JSON record per line, with ``input_id``; atomic. Returns the number of records."""
    with ExitStack() as stack:
        writer = JsonlWriter(stack, Path(path))
        for record in records:
            writer.add(record)
    return writer.count


def write_png_overlays(records: Iterable[Explanation], folder: str | Path) -> list[dict[str, Any]]:
    """One PNG per (record, unit map), named ``<input_id>_unit<i>.png``; returns an index of files, boxes."""
    folder = Path(folder)
    index = []
    for number, record in enumerate(records):
        if record.input_id is None:
            record.input_id = str(number)
        for overlay in render_overlays(record):
            overlay.file = f"{safe_name(overlay.input_id)}_unit{overlay.unit}.png"
            _write_bytes(folder / overlay.file, overlay.png)
            index.append(overlay.index_entry())
    return index


def write_html(records: Iterable[Explanation], path: str | Path, title: str = "Explanations") -> int:
    """A self-contained HTML page (inline base64 PNGs); returns the number of records on it."""
    with ExitStack() as stack:
        writer = HtmlWriter(stack, Path(path), title)
        for number, record in enumerate(records):
            if record.input_id is None:
                record.input_id = str(number)
            writer.add(record, render_overlays(record))
    return writer.count


def write_global(explanation: dict[str, Any], path: str | Path) -> Path:
    path = Path(path)
    _write_json(path, explanation)
    return path


_BOX_KEYS = ("high_activation_box", "box", "receptive_field_box")


def _prototype_entries(explanation: dict[str, Any]) -> list[dict[str, Any]]:
    prototypes = explanation.get("prototypes")
    if isinstance(prototypes, dict):
        prototypes = list(prototypes.values())
    return [p for p in prototypes or [] if isinstance(p, dict)]


def _source_and_boxes(prototype: dict[str, Any]) -> tuple[int | None, tuple[int, int, int, int] | None]:
    """The push-split index and the first box (h0, h1, w0, w1) of a prototype's ``source`` record, e.g.
    ``{"source": {"index": 12, "high_activation_box": [...], "receptive_field_box": [...]}}``."""
    source = prototype.get("source")
    if not isinstance(source, dict) or source.get("index") is None:
        return None, None
    for key in _BOX_KEYS:
        value = source.get(key)
        if isinstance(value, (list, tuple)) and len(value) == 4 and min(value) >= 0:
            return int(source["index"]), tuple(int(v) for v in value)
    return int(source["index"]), None


@dataclass
class PrototypeSource:
    prototype: int
    source_index: int
    box: tuple[int, int, int, int]
    patch_png: bytes  # the patch inside the box (small: kept in memory for the HTML page)

    def index_entry(self) -> dict[str, Any]:
        name = f"prototype_{self.prototype}"
        return {"prototype": self.prototype, "source_index": self.source_index, "box": list(self.box),
                "source_png": f"{name}_source.png", "patch_png": f"{name}_patch.png"}


def render_prototype_sources(explanation: dict[str, Any] | None, dataset) -> list[PrototypeSource]:
    """For each prototype whose global explanation names a source image (an index into ``dataset``, the push
    split) and a box (h0, h1, w0, w1): its patch. Prototypes without that information are skipped; so is
    everything when the model has no prototypes."""
    sources = []
    for number, prototype in enumerate(_prototype_entries(explanation or {})):
        source, box = _source_and_boxes(prototype)
        if source is None or box is None or dataset is None or not 0 <= source < len(dataset):
            continue
        item = dataset[source]
        image = item[0] if isinstance(item, (list, tuple)) else item
        if not isinstance(image, torch.Tensor) or image.dim() != 3:
            continue
        h, w = image.shape[-2:]
        box = (max(0, box[0]), min(h, box[1]), max(0, box[2]), min(w, box[3]))
        if box[1] <= box[0] or box[3] <= box[2]:
            continue
        sources.append(PrototypeSource(int(prototype.get("index", number)), source, box,
                                       render.render_crop(image, box)))
    return sources


def write_prototype_sources(explanation: dict[str, Any], dataset, folder: str | Path) -> list[dict[str, Any]]:
    """``prototype_<j>_source.png`` and ``prototype_<j>_patch.png`` per prototype (see
    ``render_prototype_sources``); returns their index."""
    return _write_sources(render_prototype_sources(explanation, dataset), dataset, Path(folder))


def _write_sources(sources: list[PrototypeSource], dataset, folder: Path) -> list[dict[str, Any]]:
    index = []
    for source in sources:
        entry = source.index_entry()
        item = dataset[source.source_index]
        image = item[0] if isinstance(item, (list, tuple)) else item
        _write_bytes(folder / entry["source_png"], render.render_image(image, source.box))
        _write_bytes(folder / entry["patch_png"], source.patch_png)
        index.append(entry)
    return index


# ---- the driver ------------------------------------------------------------------------------------------
def iterate_batches(data: Any, batch_size: int = 64) -> Iterator[tuple[torch.Tensor, Any]]:
    """Batches ``(inputs, targets or None)`` from a DataLoader / iterable of batches, a tensor, or a pair."""
    if isinstance(data, torch.Tensor) or (isinstance(data, (list, tuple)) and len(data) == 2
                                          and isinstance(data[0], torch.Tensor) and data[0].dim() >= 2
                                          and (data[1] is None or isinstance(data[1], torch.Tensor))):
        inputs, targets = (data, None) if isinstance(data, torch.Tensor) else data
        for start in range(0, len(inputs), batch_size):
            stop = start + batch_size
            yield inputs[start:stop], None if targets is None else targets[start:stop]
        return
    for batch in data:
        if isinstance(batch, torch.Tensor):
            yield batch, None
        else:
            yield batch[0], (batch[1] if len(batch) > 1 else None)


def _name_records(records: list[Explanation], batch_ids: list[str]) -> Iterator[tuple[Explanation, int]]:
    """Give every record its input's id; yields (record, row of its input in the batch)."""
    if len(records) == len(batch_ids):
        for row, record in enumerate(records):
            record.input_id = batch_ids[row]
            yield record, row
        return
    for record in records:
        row, sep, part = str(record.input_id).partition(":")
        if not row.isdigit() or int(row) >= len(batch_ids):
            raise ValueError(f"{len(records)} explanations for {len(batch_ids)} inputs: a model that "
                             f"explains an input in several records must name them '<row>:<part>', got "
                             f"{record.input_id!r}")
        record.input_id = batch_ids[int(row)] + (f":{part}" if sep else "")
        yield record, int(row)


@dataclass
class ExportResult:
    out_dir: Path
    records: int = 0
    inputs: int = 0
    files: dict[str, Path] = field(default_factory=dict)
    overlays: int = 0
    prototype_sources: int = 0


def export_explanations(model, data: Any, out_dir: str | Path, formats: Iterable[str] = FORMATS,
                        ids: Iterable[str] | None = None, id_prefix: str = "", top_k: int = 5,
                        limit: int | None = None, image_limit: int | None = 100, push_data=None,
                        explain_class: str = "prediction", title: str | None = None) -> ExportResult:
    """Explain every input of ``data`` with ``model.explain`` and write the chosen ``formats`` into
    ``out_dir``: ``explanations.jsonl``, ``overlays/*.png`` (+ ``overlays.json``), ``index.html``,
    ``global_explanation.json`` (+ ``prototypes/*.png`` from ``push_data``, a dataset or its loader).

    ``ids`` names the inputs in order (default ``<id_prefix><position>``); ``limit`` caps the inputs,
    ``image_limit`` the records that get PNGs and an HTML section. A model may return several records per
    input (one per token, say) if it names them ``"<row in batch>:<part>"``; they become ``"<id>:<part>"``."""
    formats = list(formats)
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ValueError(f"unknown export format(s) {unknown}; choose from {list(FORMATS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = ExportResult(out_dir)
    id_iter = iter(ids) if ids is not None else None
    overlay_index: list[dict[str, Any]] = []
    name = model.variant or type(model).__name__
    explanation = None
    if "global" in formats or "html" in formats:
        try:
            explanation = model.global_explanation()
        except NotImplementedError:
            pass
    push_set = push_data.dataset if isinstance(push_data, DataLoader) else push_data
    sources = render_prototype_sources(explanation, push_set)
    with ExitStack() as stack:
        jsonl = JsonlWriter(stack, out_dir / "explanations.jsonl") if "jsonl" in formats else None
        page = HtmlWriter(stack, out_dir / "index.html", title or f"{name}: explanations",
                          {source.prototype: source for source in sources}) if "html" in formats else None
        position = 0  # inputs explained so far
        for inputs, targets in iterate_batches(data):
            if limit is not None and position >= limit:
                break
            if limit is not None:
                inputs = inputs[: limit - position]
                targets = None if targets is None else targets[: limit - position]
            batch_ids = [next(id_iter) if id_iter is not None else f"{id_prefix}{position + b:05d}"
                         for b in range(len(inputs))]
            records = model.explain((inputs, targets) if targets is not None else inputs, top_k=top_k,
                                    explain_class=explain_class)
            for record, row in _name_records(records, batch_ids):
                image = inputs[row]
                if "image" not in record.maps and image.dim() == 3 and image.shape[0] in (1, 3):
                    record.maps["image"] = image.detach().cpu()
                if jsonl is not None:
                    jsonl.add(record)
                if image_limit is None or result.records < image_limit:
                    overlays = render_overlays(record) if ("png" in formats or page is not None) else []
                    if "png" in formats:
                        for overlay in overlays:
                            overlay.file = f"overlays/{safe_name(overlay.input_id)}_unit{overlay.unit}.png"
                            _write_bytes(out_dir / overlay.file, overlay.png)
                            overlay_index.append(overlay.index_entry())
                    if page is not None:
                        page.add(record, overlays)
                record.maps.clear()  # the arrays are written; keep memory flat
                result.records += 1
            position += len(inputs)
        result.inputs = position
        if jsonl is not None:
            result.files["jsonl"] = out_dir / "explanations.jsonl"
        if page is not None:
            result.files["html"] = out_dir / "index.html"
    if "png" in formats and overlay_index:
        _write_json(out_dir / "overlays.json", overlay_index)
        result.files["png"] = out_dir / "overlays"
        result.overlays = len(overlay_index)
    if "global" in formats and explanation is not None:
        result.files["global"] = write_global(explanation, out_dir / "global_explanation.json")
        if sources:
            index = _write_sources(sources, push_set, out_dir / "prototypes")
            _write_json(out_dir / "prototypes" / "index.json", index)
            result.files["prototypes"] = out_dir / "prototypes"
            result.prototype_sources = len(sources)
    return result
