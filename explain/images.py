"""PNG exporters: unit heat maps over the input (overlays) and the pictures of a model's units.

They read records and global explanations only: a record's ``image`` with its ``unit_maps`` becomes one overlay
per unit (the map upsampled onto the image with its high-activation box); a global unit's ``image`` (a decoded
prototype, an input-space component) or its ``source`` (an item of the training split and a box in it) becomes
``units/unit_<i>.png`` (+ ``unit_<i>_source.png``, the whole training image with the box). A patch that shows
only the image's background is flagged (``is_background_patch``; ``background`` in the unit's global details).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from models.explanation import Explanation, GlobalExplanation, UnitScore

from . import render


def write_bytes(path: Path, data: bytes) -> None:
    """A picture of an export: written plainly, as the export's folder is moved into place whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def file_stem(input_id: str) -> str:
    """A file-name-safe stem for an input id that stays unique: the readable part plus a short hash of the
    id itself (``a b/x.png`` and ``a&b/x.png`` both read ``a_b_x.png`` but hash differently)."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", str(input_id)).strip("._")[:80] or "input"
    return f"{readable}-{hashlib.sha1(str(input_id).encode()).hexdigest()[:8]}"


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


def render_overlays(record: Explanation, unit_score: UnitScore | None = None) -> list[Overlay]:
    """One overlay per unit map of the record, in evidence order; none for a unit that ``unit_score`` says is
    absent from the input (a map of a component that was not detected would point at nothing)."""
    if record.image is None or not record.unit_maps:
        return []
    names = {e.index: e.unit for e in record.evidence}
    absent = {e.index for e in record.evidence if unit_score is not None and unit_score.is_absent(e.score)}
    order = [e.index for e in record.evidence if e.index in record.unit_maps]
    order += sorted(set(record.unit_maps) - set(order))
    overlays = []
    for unit in (u for u in order if u not in absent):
        png, box = render.render_overlay(record.image, record.unit_maps[unit])
        overlays.append(Overlay(record.input_id or "input", unit, names.get(unit, f"unit {unit}"), png, box))
    return overlays


def save_overlays(overlays: list[Overlay], root: Path, folder: str = "") -> list[dict[str, Any]]:
    """Write each overlay as ``<root>/<folder>/<input stem>_unit<i>.png``; returns their index entries (with
    the file relative to ``root``)."""
    entries = []
    for overlay in overlays:
        overlay.file = str(Path(folder) / f"{file_stem(overlay.input_id)}_unit{overlay.unit}.png")
        write_bytes(root / overlay.file, overlay.png)
        entries.append(overlay.index_entry())
    return entries


def save_record_pictures(record: Explanation, root: Path, unit_score: UnitScore | None = None) -> list[dict[str, Any]]:
    """The record's input (``inputs/<stem>.png``) and its unit overlays (``overlays/``), written under ``root``
    and named in ``record.assets``; returns the overlays' index entries."""
    if record.image is None:
        return []
    record.assets["input"] = f"inputs/{file_stem(record.input_id or 'input')}.png"
    write_bytes(root / record.assets["input"], render.render_image(record.image))
    entries = save_overlays(render_overlays(record, unit_score), root, "overlays")
    if entries:
        record.assets["overlays"] = {str(e["unit"]): e["file"] for e in entries}
    return entries


def write_png_overlays(records, folder: str | Path) -> list[dict[str, Any]]:
    """One PNG per (record, unit map) in ``folder``; returns an index of files and boxes."""
    index = []
    for number, record in enumerate(records):
        record.input_id = record.input_id or str(number)
        index += save_overlays(render_overlays(record), Path(folder))
    return index


# ---- the units of a global explanation ------------------------------------------------------------------
@dataclass
class UnitPatch:
    """A unit's picture: an image of its own, or the patch of the training item it came from."""

    unit: int
    png: bytes
    source_index: int | None = None
    box: tuple[int, int, int, int] | None = None
    background: bool | None = None  # a patch of the training image's background only (``is_background_patch``)


BACKGROUND_TOLERANCE = 0.1  # of the [0, 1] pixel range
BACKGROUND_CRITERION = (f"every pixel of the unit's training patch (the box drawn from its source image) "
                        f"lies within {BACKGROUND_TOLERANCE:g} of that image's background level, the median of its "
                        f"border pixels, in every channel: the patch holds no foreground pixel")


def is_background_patch(image: torch.Tensor, box: tuple[int, int, int, int],
                        tolerance: float = BACKGROUND_TOLERANCE) -> bool:
    """Whether the patch ``box`` of ``image`` (C, H, W) in [0, 1] shows only the image's background
    (``BACKGROUND_CRITERION``): a unit cut from it was matched to empty space, which its picture cannot show."""
    image = image.float()
    border = torch.cat([image[:, 0], image[:, -1], image[:, :, 0], image[:, :, -1]], dim=1)  # (C, 2H + 2W)
    level = border.median(dim=1).values[:, None, None]
    patch = image[:, box[0]:box[1], box[2]:box[3]]
    return bool((patch - level).abs().max() <= tolerance)


def flag_background(explanation: GlobalExplanation, patches: dict[int, UnitPatch]) -> int:
    """Write each patch's background flag into its global unit's details (``background``) and the criterion into
    the explanation's details; returns the number of background units."""
    flagged = 0
    for unit in explanation.units:
        patch = patches.get(unit.index)
        if patch is not None and patch.background is not None:
            unit.details["background"] = patch.background
            flagged += patch.background
    if any(p.background is not None for p in patches.values()):
        explanation.details["background_criterion"] = BACKGROUND_CRITERION
    return flagged


def _item_image(dataset, index: int) -> torch.Tensor | None:
    item = dataset[index]
    image = item["inputs"] if isinstance(item, dict) else item[0] if isinstance(item, (list, tuple)) else item
    return image if isinstance(image, torch.Tensor) and image.dim() == 3 else None


def unit_patches(explanation: GlobalExplanation, source_set) -> dict[int, UnitPatch]:
    """The picture of every unit that has one: its ``image``, else the first box of its ``source`` cut from
    ``source_set`` (the un-augmented training split). Units without either are left out."""
    patches: dict[int, UnitPatch] = {}
    for unit in explanation.units:
        if unit.image is not None:
            patches[unit.index] = UnitPatch(unit.index, render.render_image(unit.image))
            continue
        source = unit.source
        if source is None or source_set is None or not 0 <= source.index < len(source_set):
            continue
        box = next((b for b in source.boxes.values() if len(b) == 4 and min(b) >= 0), None)
        image = _item_image(source_set, source.index)
        if box is None or image is None:
            continue
        h, w = image.shape[-2:]
        box = (max(0, box[0]), min(h, box[1]), max(0, box[2]), min(w, box[3]))
        if box[1] > box[0] and box[3] > box[2]:
            patches[unit.index] = UnitPatch(unit.index, render.render_crop(image, box), source.index, box,
                                            is_background_patch(image, box))
    return patches


def write_unit_images(explanation: GlobalExplanation, patches: dict[int, UnitPatch], source_set,
                      folder: Path) -> list[dict[str, Any]]:
    """``unit_<i>.png`` per unit picture, and ``unit_<i>_source.png`` (the whole training image with the box)
    for units cut from the training split; returns their index."""
    index = []
    for unit, patch in sorted(patches.items()):
        entry: dict[str, Any] = {"unit": unit, "png": f"unit_{unit}.png"}
        write_bytes(folder / entry["png"], patch.png)
        if patch.source_index is not None:
            entry.update(source_index=patch.source_index, box=list(patch.box), source_png=f"unit_{unit}_source.png",
                         background=patch.background)
            image = _item_image(source_set, patch.source_index)
            write_bytes(folder / entry["source_png"], render.render_image(image, patch.box))
        index.append(entry)
    return index
