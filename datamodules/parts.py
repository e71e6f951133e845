"""``part_glyphs``: a generated image dataset whose part locations are known, for evaluating where prototypes
look (part consistency and stability, ``models.evaluation``) without CUB, here and in CI.

Every 28x28 RGB image shows one "bird": a grey body disc at a random centre and four parts around it (head
above, tail below, left and right wing), each a 5x5 glyph drawn at its keypoint (jittered by up to one pixel).
A class is two of its parts: each class has two *key* parts carrying a coloured glyph of the class (a filled
square, a ring, a cross or a diagonal cross, in red, green, blue or yellow); the other two parts carry the same
neutral grey dot in every class, so only the key parts tell the classes apart. A neutral part is left out with
probability 0.25 (not visible, as CUB marks parts hidden in a photo); key parts are always visible. The
background is faint noise. The images, labels and keypoints come from a fixed seed, so every machine makes the
same data.

``annotations(split)`` gives, as CUB's datamodule does, each item's ``part_locations`` (N, 4, 2) as (x, y) in
input pixels, ``part_visible`` (N, 4), ``part_names`` and ``label``; ``key_parts`` says which parts define each
class (a prototype that localises well should sit on one of its class's key parts).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import torch

from .base import DataSpec, register_datamodule
from .images import ArrayImageDataModule

PART_NAMES = ["head", "tail", "left wing", "right wing"]
PART_OFFSETS = np.array([(0, -7), (0, 7), (-7, 0), (7, 0)])  # (dx, dy) from the body centre
SHAPES = ("square", "ring", "cross", "diagonal")
COLOURS = {"red": (0.95, 0.15, 0.15), "green": (0.15, 0.85, 0.2), "blue": (0.2, 0.35, 1.0),
           "yellow": (0.95, 0.9, 0.1)}
# class -> ((key part, shape, colour), (key part, shape, colour)); every class differs from every other in at
# least one key glyph or key position
CLASSES = [
    ((0, "square", "red"), (1, "ring", "blue")),
    ((0, "cross", "green"), (1, "square", "yellow")),
    ((2, "square", "blue"), (3, "cross", "red")),
    ((2, "ring", "yellow"), (3, "diagonal", "green")),
    ((0, "diagonal", "blue"), (2, "ring", "red")),
    ((1, "cross", "red"), (3, "square", "green")),
    ((0, "ring", "green"), (3, "ring", "yellow")),
    ((1, "diagonal", "yellow"), (2, "cross", "blue")),
    ((0, "square", "yellow"), (2, "diagonal", "green")),
    ((1, "ring", "red"), (3, "diagonal", "blue")),
]
CLASS_NAMES = [f"{a[2]} {a[1]} {PART_NAMES[a[0]]}, {b[2]} {b[1]} {PART_NAMES[b[0]]}" for a, b in CLASSES]
SIZE = 28
GLYPH = 5  # glyph side in pixels


def glyph_mask(shape: str) -> np.ndarray:
    """(5, 5) bool stencil of a glyph."""
    m = np.zeros((GLYPH, GLYPH), dtype=bool)
    if shape == "square":
        m[:] = True
    elif shape == "ring":
        m[[0, -1], :] = m[:, [0, -1]] = True
    elif shape == "cross":
        m[GLYPH // 2, :] = m[:, GLYPH // 2] = True
    elif shape == "diagonal":
        m[np.arange(GLYPH), np.arange(GLYPH)] = m[np.arange(GLYPH), GLYPH - 1 - np.arange(GLYPH)] = True
    else:
        raise ValueError(f"unknown glyph {shape!r}")
    return m


@functools.lru_cache(maxsize=2)  # the tensors are only read, never written
def generate(per_class: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(images (N, 3, 28, 28) in [0, 1], labels (N,), part locations (N, 4, 2) as (x, y), visible (N, 4))."""
    rng = np.random.default_rng(seed)
    n = per_class * len(CLASSES)
    labels = np.repeat(np.arange(len(CLASSES)), per_class)
    images = rng.uniform(0, 0.15, size=(n, 3, SIZE, SIZE)).astype(np.float32)
    locations = np.zeros((n, len(PART_NAMES), 2), dtype=np.float32)
    visible = np.ones((n, len(PART_NAMES)), dtype=bool)
    stencils = {shape: glyph_mask(shape) for shape in SHAPES}
    dot = np.zeros((GLYPH, GLYPH), dtype=bool)
    dot[1:4, 1:4] = True
    yy, xx = np.mgrid[:SIZE, :SIZE]
    for i, label in enumerate(labels):
        centre = rng.integers(11, 18, size=2)  # (x, y); parts stay >= 2 px inside the image
        body = (xx - centre[0]) ** 2 + (yy - centre[1]) ** 2 <= 16
        images[i][:, body] = 0.45
        keys = {part: (shape, colour) for part, shape, colour in CLASSES[label]}
        for part in range(len(PART_NAMES)):
            x, y = centre + PART_OFFSETS[part] + rng.integers(-1, 2, size=2)
            locations[i, part] = (x, y)
            if part not in keys and rng.random() < 0.25:
                visible[i, part] = False
                continue
            stencil, colour = (stencils[keys[part][0]], COLOURS[keys[part][1]]) if part in keys else (dot, (0.7,) * 3)
            top, left = y - GLYPH // 2, x - GLYPH // 2
            patch = images[i][:, top : top + GLYPH, left : left + GLYPH]
            patch[:, stencil] = np.asarray(colour, dtype=np.float32)[:, None]
    return (torch.from_numpy(images), torch.from_numpy(labels).long(), torch.from_numpy(locations),
            torch.from_numpy(visible))


@register_datamodule("part_glyphs")
class PartGlyphsDataModule(ArrayImageDataModule):
    """3,000 generated 28x28 images of 10 classes (300 each), split 70/10/20, with four part keypoints each."""

    per_class = 300
    spec = DataSpec(
        name="part_glyphs",
        input_shape=(3, SIZE, SIZE),
        num_classes=len(CLASSES),
        class_names=CLASS_NAMES,
        mean=(0.129, 0.128, 0.119),
        std=(0.175, 0.168, 0.151),
        preprocessing={"source": "datamodules.parts.generate(per_class=300, seed=0)", "split_seed": 0,
                       "split": "70/10/20", "parts": PART_NAMES},
    )

    def __init__(self, augment: bool = False, batch_size: int = 64, eval_batch_size: int | None = None,
                 num_workers: int = 0, augmentation: str | None = None):
        # no augmentation by default: a shift or rotation would move the parts away from their keypoints
        super().__init__(augment, batch_size, eval_batch_size, num_workers, augmentation)
        self._parts: tuple[torch.Tensor, torch.Tensor] | None = None

    def load_arrays(self):
        images, labels, locations, visible = generate(self.per_class)
        self._parts = (locations, visible)
        return images, labels

    @staticmethod
    def key_parts() -> torch.Tensor:
        """(C, 4) bool: the parts that define each class."""
        keys = torch.zeros(len(CLASSES), len(PART_NAMES), dtype=torch.bool)
        for c, glyphs in enumerate(CLASSES):
            for part, _, _ in glyphs:
                keys[c, part] = True
        return keys

    def annotations(self, split: str) -> dict[str, Any]:
        """Row k describes the k-th item of ``eval_dataloader(split)``: label (N,), part_names [4],
        part_locations (N, 4, 2) as (x, y) input pixels, part_visible (N, 4), key_parts (C, 4)."""
        self.setup()
        indices = self.eval_dataset(split).indices
        locations, visible = self._parts
        labels = self.eval_dataset(split).dataset.tensors["targets"]
        return {"label": labels[indices], "part_names": list(PART_NAMES), "part_locations": locations[indices],
                "part_visible": visible[indices], "key_parts": self.key_parts()}
