"""The export driver and the JSONL writer: explain every input of some data and write the chosen formats.

``export_explanations(model, data, out_dir)`` runs ``model.explain`` batch by batch (nothing holds the whole
split) and writes into ``out_dir``:

* ``manifest.json``: the model, what its records' numbers are (``output``), the class names (written once,
  not in every record), the concept names, the counts and the files;
* ``explanations.jsonl``: one ``Explanation.to_dict()`` per prediction;
* ``overlays/*.png`` + ``overlays.json``: heat maps of the strongest units over the image (``explain.images``);
* ``index.html``: one self-contained page (``explain.html``);
* ``global_explanation.json`` (+ ``units/*.png``): what the model learned, with the images of its units; for
  sequence models whose units list their top-activating contexts, a text page per unit (``units/*.html``).

The export is written into a temporary folder beside ``out_dir`` and moved into place at the end, so a failure
or a kill leaves the previous export (or nothing) and never a half-written one; a later export removes what an
interrupted one left behind.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import torch
from rich.progress import Progress
from torch.utils.data import DataLoader, Dataset

from datamodules.batch import Batch, as_batch
from models.explanation import Explanation, json_safe
from models.release import atomic_path

from . import images, report, unit_pages
from .report.prediction import shown_units

FORMATS = ("jsonl", "png", "html", "global")
REPORT_READS = ("jsonl", "png", "global")  # the html report is built from these files
MANIFEST_FORMAT = "intrinsic-zoo/explanations-v3"  # v3: runner-up and contrast, assets, unit score, card, spec
CARD_KEYS = ("architecture", "tag", "model_class", "model_args", "paper", "paper_metrics", "metrics", "recipe", "seed",
             "training", "checks", "created", "version")
MAX_LISTED_UNITS = 10_000  # unit names go into the manifest up to this many (Monet has millions)


def write_json(path: Path, data: Any) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(json_safe(data), indent=2) + "\n", encoding="utf-8")


class JsonlWriter:
    """One JSON record per line, written as the records arrive into a file of an export folder."""

    def __init__(self, stack: ExitStack, path: Path, top_k: int = 5):
        self.handle: IO[str] = stack.enter_context(open(path, "w", encoding="utf-8"))
        self.count, self.top_k = 0, top_k

    def add(self, record: Explanation) -> dict[str, Any]:
        data = record.to_dict(self.top_k)
        self.handle.write(json.dumps(data, allow_nan=False) + "\n")
        self.count += 1
        return data


def write_jsonl(records: Iterable[Explanation], path: str | Path, top_k: int = 5) -> int:
    """One JSON record per line, atomically. Returns the number of records."""
    path = Path(path)
    with atomic_path(path) as tmp, ExitStack() as stack:
        writer = JsonlWriter(stack, tmp, top_k)
        for number, record in enumerate(records):
            record.input_id = record.input_id or str(number)
            writer.add(record)
    return writer.count


# ---- reading the data -----------------------------------------------------------------------------------
def iterate_batches(data: Any, batch_size: int = 64) -> Iterator[Batch]:
    """``Batch`` objects from a DataLoader or an iterable of batches, a tensor of inputs, or an (inputs,
    targets) pair of tensors."""
    if isinstance(data, (torch.Tensor, Batch)) or (isinstance(data, (list, tuple)) and len(data) == 2
                                          and isinstance(data[0], torch.Tensor)
                                          and (data[1] is None or isinstance(data[1], torch.Tensor))):
        whole = as_batch(data)
        for start in range(0, len(whole), batch_size):
            yield whole.select(slice(start, start + batch_size))
        return
    for batch in data:
        yield as_batch(batch)


def record_ids(records: list[Explanation], batch_ids: list[str]) -> None:
    """Give every record its input's id: ``<id>`` for one record per input, ``<id>:<position>`` for one per
    position of a sequence."""
    for row, record in enumerate(records):
        if record.sequence is None:
            record.input_id = batch_ids[row]
        else:
            suffix = "" if record.position is None else f":{record.position}"
            record.input_id = batch_ids[record.sequence] + suffix


@dataclass
class ExportResult:
    out_dir: Path
    records: int = 0
    inputs: int = 0
    files: dict[str, Path] = field(default_factory=dict)
    overlays: int = 0
    unit_images: int = 0
    atlas: dict[str, Any] | None = None  # the unit atlas: units with contexts, pages written, what was left out


class ExportTargetError(ValueError):
    """An ``out_dir`` an export may not replace: it holds something other than an earlier export."""


def is_export(folder: Path) -> bool:
    """Whether ``folder`` is an earlier export of ours (its manifest says so)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and str(manifest.get("format", "")).startswith("intrinsic-zoo/explanations")


def check_export_target(out_dir: Path, overwrite: bool = False, inputs: Iterable[str | Path] = ()) -> None:
    """An export replaces ``out_dir`` as a whole, so it may only be absent, an empty folder or an earlier export
    (``overwrite``: any folder), and never a file, a link, or a folder that holds (or is) the data being read."""
    if out_dir.is_symlink() or out_dir.exists() and not out_dir.is_dir():
        raise ExportTargetError(f"--out {out_dir} exists and is not a folder; name a new folder")
    if not out_dir.exists():
        return
    target = out_dir.resolve()
    for source in inputs:
        source = Path(source).resolve()
        if source == target or target in source.parents:
            raise ExportTargetError(f"--out {out_dir} holds the input {source}, which the export would delete; "
                                    f"name another folder")
    if not overwrite and any(out_dir.iterdir()) and not is_export(out_dir):
        raise ExportTargetError(f"--out {out_dir} is not empty and not an earlier export (no export manifest); an "
                                f"export replaces the whole folder, so name a new or empty one, or pass --overwrite "
                                f"to replace what it holds")


def _as_dataset(source_data: Any) -> Dataset | None:
    return source_data.dataset if isinstance(source_data, DataLoader) else source_data


def export_explanations(model, data: Any, out_dir: str | Path, formats: Iterable[str] = FORMATS,
                        ids: Iterable[str] | None = None, id_prefix: str = "", top_k: int = 5,
                        limit: int | None = None, image_limit: int | None = 1000, source_data: Any = None,
                        explain_class: str = "prediction", title: str | None = None,
                        options: dict[str, Any] | None = None, overwrite: bool = False,
                        inputs: Iterable[str | Path] = (), card: dict[str, Any] | None = None,
                        training_log: str | Path | list[Path] | None = None, progress: bool = False,
                        unit_pages_limit: int | None = unit_pages.DEFAULT_PAGES) -> ExportResult:
    """Explain every input of ``data`` and write the chosen ``formats`` into ``out_dir`` (see the module
    docstring). ``ids`` names the inputs in order (default ``<id_prefix><position>``); ``limit`` caps the
    inputs, ``image_limit`` the records whose input and unit maps are drawn (every record gets a page);
    ``source_data`` (the un-augmented
    training split, a dataset or its loader) is where units that come from training patches are cut out;
    ``options`` go to ``model.explain`` (interventions, samples, ...). ``out_dir`` is replaced as a whole, so it
    must be new, empty or an earlier export (``overwrite``: any folder), and never hold the ``inputs`` files
    (``check_export_target``). The ``html`` report is built from the other formats' files, so it writes them
    too; ``card`` (default: the loaded release's) and ``training_log`` (a run's ``metrics.csv``) go into its
    overview. ``unit_pages_limit``: a sequence model's unit atlas writes a page per unit up to this many units,
    past it only for the units the records show (None: every unit; ``explain.unit_pages``)."""
    formats = list(formats)
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ValueError(f"unknown export format(s) {unknown}; choose from {list(FORMATS)}")
    if "html" in formats:
        formats = [f for f in FORMATS if f in formats or f in REPORT_READS]
    out_dir = Path(out_dir)
    check_export_target(out_dir, overwrite, inputs)
    name = model.variant or type(model).__name__
    options = options or {}
    explanation = None
    if "global" in formats or "html" in formats:
        try:
            explanation = model.global_explanation()
        except NotImplementedError:
            pass
    source_set = _as_dataset(source_data)
    if explanation is not None and source_set is not None:
        model.locate_unit_sources(explanation, source_set)  # units without a picture: their best training patch
    sources = images.unit_patches(explanation, source_set) if explanation is not None else {}
    if explanation is not None:
        images.flag_background(explanation, sources)  # training patches that show no foreground, in the details
    id_iter = iter(ids) if ids is not None else None
    overlay_index: list[dict[str, Any]] = []
    shown: dict[int, None] = {}  # the units the records' pages show, in order: their atlas pages come first
    with atomic_path(out_dir, is_dir=True) as tmp:
        result = ExportResult(out_dir)
        with ExitStack() as stack:
            jsonl = JsonlWriter(stack, tmp / "explanations.jsonl", top_k) if "jsonl" in formats else None
            bar = stack.enter_context(Progress(disable=not progress, transient=True))
            task = bar.add_task("explaining inputs", total=limit)
            position = 0  # inputs explained so far
            for batch in iterate_batches(data):
                if limit is not None and position >= limit:
                    break
                if limit is not None:
                    batch = batch.select(slice(0, limit - position))
                batch_ids = [next(id_iter) if id_iter is not None else f"{id_prefix}{position + b:05d}"
                             for b in range(len(batch))]
                records = model.explain(batch, top_k=top_k, explain_class=explain_class, **options)
                record_ids(records, batch_ids)
                for record in records:
                    if "png" in formats and (image_limit is None or result.records < image_limit):
                        overlay_index += images.save_record_pictures(record, tmp, model.unit_score)
                    if jsonl is not None:
                        shown.update(dict.fromkeys(shown_units(jsonl.add(record))))
                    record.image, record.unit_maps = None, {}  # written; keep memory flat
                    result.records += 1
                position += len(batch)
                bar.advance(task, len(batch))
            result.inputs = position
        if jsonl is not None:
            result.files["jsonl"] = out_dir / "explanations.jsonl"
        if "png" in formats and overlay_index:
            write_json(tmp / "overlays.json", overlay_index)
            result.files["png"] = out_dir / "overlays"
            result.overlays = len(overlay_index)
        if "global" in formats and explanation is not None:
            write_json(tmp / "global_explanation.json", explanation)
            result.files["global"] = out_dir / "global_explanation.json"
            unit_index = images.write_unit_images(explanation, sources, source_set, tmp / "units")
            if source_set is not None and model.spec.is_sequence and unit_pages.has_text_contexts(explanation):
                pages, result.atlas = unit_pages.write_unit_pages(explanation, model.spec, source_set, tmp / "units",
                                                                  unit_pages_limit, shown)
                unit_index += pages
            if unit_index:
                write_json(tmp / "units" / "index.json", unit_index)
                result.files["units"] = out_dir / "units"
                result.unit_images = len(unit_index)
        if "html" in formats:
            result.files["html"] = out_dir / "index.html"
        entries = manifest(model, result, formats, options, card, image_limit)
        write_json(tmp / "manifest.json", entries)
        result.files["manifest"] = out_dir / "manifest.json"
        if "html" in formats:
            report.write_report(tmp, title=title or f"{name}: explanations", training_log=training_log,
                                progress=progress)
    return result


def manifest(model, result: ExportResult, formats: list[str], options: dict[str, Any],
             card: dict[str, Any] | None = None, image_limit: int | None = None) -> dict[str, Any]:
    """What every record of the export shares, written once: the model (its card), what its numbers are (the
    output, the unit score), the data spec, the counts and the files."""
    try:
        units = model.unit_names()
    except NotImplementedError:
        units = None
    spec = model.spec.to_dict()
    spec.pop("tokenizer_data", None)
    card = card if card is not None else model.card or {}  # a loaded release carries its card
    return {
        "format": MANIFEST_FORMAT, "model": model.variant or type(model).__name__, "kind": model.kind,
        "model_class": type(model).__name__, "output": model.output, "output_label": model.output_label,
        "output_is_distribution": model.output_is_distribution,
        "unit_score": model.unit_score.to_dict(),
        "data": spec["name"], "task": spec["task"], "class_names": spec["class_names"],
        "concept_names": spec["concept_names"], "spec": spec,
        "card": {k: card.get(k) for k in CARD_KEYS if k in card},
        "unit_names": units if units is not None and len(units) <= MAX_LISTED_UNITS else None,
        "inputs": result.inputs, "records": result.records, "overlays": result.overlays, "formats": formats,
        "image_limit": image_limit, "atlas": result.atlas,
        "options": options, "files": {k: str(Path(v).relative_to(result.out_dir)) for k, v in result.files.items()
                                      if k != "manifest"},
    }
