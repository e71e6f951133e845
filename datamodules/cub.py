"""CUB-200-2011 (Wah et al., 2011): 11,788 photographs of 200 bird species, each annotated with a bounding
box, 15 part locations and 312 binary attributes with a certainty.

``cub200`` serves images and labels, and each image's concept labels with ``return_concepts=True``. By default the
images are cropped to their bounding box and resized to 224x224, as ProtoPNet trains. The per-image
annotations (attributes, certainties, part locations mapped into the crop/resize coordinates, boxes) of any
split are available as tensors from ``annotations(split)``.

``cub200_cbm`` is the concept side of Koh et al. (ICML 2020), App. A.2: the 112 attributes kept by the paper
(``CBM_ATTRIBUTES``, hard-coded: re-running the selection gives 109, ConceptBottleneck#29), class-level labels
by majority voting over the training split's images (ties -> 1, "not visible" zeros skipped), the same class
vector for every image of a class (test images too), 28 groups by the name's prefix, and each image's
annotator certainty (1 not visible .. 4 definitely) in ``Batch.concept_certainty`` for test-time interventions
(not-visible concepts are intervened to 0).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset
from torchvision.transforms import v2

from .base import DataRootError, DataSpec, register_datamodule
from .concepts import ConceptDataError
from .images import IMAGENET_MEAN, IMAGENET_STD, RootedDataModule, as_size, read_image, stratified_split

CUB_FOLDER = "CUB_200_2011"
CUB_PAGE = "https://data.caltech.edu/records/65de6-vp158"
CUB_URL = "https://data.caltech.edu/records/65de6-vp158/files/CUB_200_2011.tgz?download=1"
CUB_MD5 = "97eceeb196236b17998738112f37df78"
CERTAINTY_NAMES = {1: "not visible", 2: "guessing", 3: "probably", 4: "definitely"}
# Koh et al. 2020, App. A.2 / CUB/generate_new_data.py: the 0-based indices of the 112 of 312 attributes that are
# positive at class level in >= 10 classes (hard-coded as the paper's code does).
CBM_ATTRIBUTES = (1, 4, 6, 7, 10, 14, 15, 20, 21, 23, 25, 29, 30, 35, 36, 38, 40, 44, 45, 50, 51, 53, 54, 56, 57, 59,
                  63, 64, 69, 70, 72, 75, 80, 84, 90, 91, 93, 99, 101, 106, 110, 111, 116, 117, 119, 125, 126, 131, 132,
                  134, 145, 149, 151, 152, 153, 157, 158, 163, 164, 168, 172, 178, 179, 181, 183, 187, 188, 193, 194,
                  196, 198, 202, 203, 208, 209, 211, 212, 213, 218, 220, 221, 225, 235, 236, 238, 239, 240, 242, 243,
                  244, 249, 253, 254, 259, 260, 262, 268, 274, 277, 283, 289, 292, 293, 294, 298, 299, 304, 305, 308,
                  309, 310, 311)
# Concept Transformer (IBM/concept_transformer data/cub2011parts.py): the 108 attributes present in >= 45% of a
# class's images in more than 8 classes (0-based here); size, shape and primary colour (ids 218-236, 249-263) are
# global, the others located on the parts their category names.
CT_ATTRIBUTES = tuple(i - 1 for i in (
    2, 5, 7, 8, 11, 15, 16, 21, 22, 24, 25, 26, 30, 31, 36, 37, 39, 41, 45, 46, 51, 52, 54, 55, 57, 58, 60, 64, 70, 71,
    73, 76, 81, 91, 92, 102, 105, 107, 111, 112, 117, 118, 120, 126, 127, 132, 133, 135, 146, 150, 152, 153, 154, 158,
    159, 164, 165, 166, 169, 173, 179, 180, 183, 184, 188, 189, 194, 195, 197, 203, 204, 209, 210, 212, 219, 221, 222,
    226, 228, 236, 237, 239, 241, 244, 245, 249, 250, 254, 255, 260, 261, 263, 269, 275, 278, 284, 290, 293, 294, 295,
    299, 300, 305, 306, 307, 309, 311, 312))
ATTRIBUTE_SETS = {"cbm112": CBM_ATTRIBUTES, "ct108": CT_ATTRIBUTES}
# CT's has2part: a word of the attribute's category -> the 1-based ids of parts.txt it is located on
PARTS_OF = {"bill": (2,), "wing": (9, 13), "upperparts": (1, 10), "underparts": (3, 4, 15), "breast": (4,),
            "back": (1,), "tail": (14,), "head": (5,), "throat": (15,), "eye": (7, 11), "forehead": (6,),
            "nape": (10,), "belly": (3,), "leg": (8, 12), "crown": (5,)}
GLOBAL_CATEGORIES = ("has_size", "has_shape", "has_primary_color")


def attribute_parts(names: Sequence[str]) -> list[list[int]]:
    """The 0-based parts each attribute is located on (CT's substring match on the category before "::"); [] for
    the global categories (size, shape, primary colour)."""
    located = []
    for name in names:
        category = name.split("::")[0]
        if category in GLOBAL_CATEGORIES:
            located.append([])
            continue
        located.append(sorted({p - 1 for word, parts in PARTS_OF.items() if word in category for p in parts}))
    return located


# ---- the annotation files -------------------------------------------------------------------------------
def read_table(path: Path, fields: int) -> list[list[str]]:
    """Whitespace-separated rows; the last of ``fields`` keeps any spaces (names like "left eye"), and
    fields beyond it are dropped (a few rows of image_attribute_labels.txt carry an extra value)."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split(maxsplit=fields - 1)
            if not parts:
                continue
            if len(parts) < fields:
                raise ValueError(f"{path}: expected {fields} fields per line, got {line.strip()!r}")
            rows.append(parts)
    return rows


def read_names(path: Path) -> list[str]:
    """``<id> <name>`` files (classes.txt, attributes.txt, parts.txt), in id order."""
    rows = sorted((int(i), name.strip()) for i, name in read_table(path, 2))
    return [name for _, name in rows]


@dataclass
class CubIndex:
    """Images, labels, official split and boxes, in images.txt order."""

    image_ids: list[int]
    paths: list[str]  # relative to CUB_200_2011/images/
    labels: torch.Tensor  # (N,) 0-based class
    is_train: torch.Tensor  # (N,) bool, from train_test_split.txt
    boxes: torch.Tensor  # (N, 4) x, y, width, height in original pixels
    class_names: list[str]


def read_index(folder: Path) -> CubIndex:
    images = [(int(i), path.strip()) for i, path in read_table(folder / "images.txt", 2)]
    position = {image_id: n for n, (image_id, _) in enumerate(images)}

    def per_image(name: str, fields: int) -> np.ndarray:
        values = np.zeros((len(images), fields - 1), dtype=np.float64)
        seen = np.zeros(len(images), dtype=bool)
        for row in read_table(folder / name, fields):
            n = position.get(int(row[0]))
            if n is None:
                raise ValueError(f"{folder / name}: image id {row[0]} is not in images.txt")
            values[n], seen[n] = [float(v) for v in row[1:fields]], True
        if not seen.all():
            raise ValueError(f"{folder / name} has no row for {int((~seen).sum())} image(s) of images.txt")
        return values

    labels = torch.from_numpy(per_image("image_class_labels.txt", 2)[:, 0]).long() - 1
    class_names = [name.split(".", 1)[-1] for name in read_names(folder / "classes.txt")]  # "001.Black_..."
    if labels.min() < 0 or labels.max() >= len(class_names):
        raise ValueError(f"{folder / 'image_class_labels.txt'}: class ids outside 1..{len(class_names)}")
    return CubIndex(
        image_ids=[i for i, _ in images], paths=[p for _, p in images], labels=labels,
        is_train=torch.from_numpy(per_image("train_test_split.txt", 2)[:, 0] == 1),
        boxes=torch.from_numpy(per_image("bounding_boxes.txt", 5)).float(), class_names=class_names)


def read_columns(path: Path, columns: int, dtype=np.int64) -> np.ndarray:
    """The first ``columns`` whitespace-separated fields of every row, as an array (rows, columns)."""
    try:
        return np.loadtxt(path, usecols=range(columns), dtype=dtype, ndmin=2)
    except ValueError:  # a numpy that rejects the odd row with an extra field: drop extra fields by hand
        with open(path, encoding="utf-8") as f:
            rows = [line.split()[:columns] for line in f if line.strip()]
        return np.array(rows, dtype=dtype).reshape(-1, columns)


def image_rows(path: Path, table: np.ndarray, image_ids: Sequence[int], count: int, what: str
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of ``table`` (image id, item id, ...) that belong to ``image_ids``: (row, image position,
    0-based item), checking the item ids lie in 1..count."""
    ids = np.asarray(image_ids, dtype=np.int64)
    order = np.argsort(ids)
    wanted = table[:, 0].astype(np.int64)
    found = np.minimum(np.searchsorted(ids[order], wanted), len(ids) - 1)
    positions = np.where(ids[order][found] == wanted, order[found], -1)
    keep = np.flatnonzero(positions >= 0)
    items = table[keep, 1].astype(np.int64) - 1
    if len(items) and (items.min() < 0 or items.max() >= count):
        raise ValueError(f"{path}: {what} ids outside 1..{count}")
    return keep, positions[keep], items


def read_attributes(labels_file: Path, image_ids: Sequence[int], num_attributes: int
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """image_attribute_labels.txt (``<image> <attribute> <is_present> <certainty> <time>``) ->
    is_present (N, A) uint8 and certainty (N, A) uint8 (1 not visible .. 4 definitely).

    Every image of ``image_ids`` needs exactly one row per attribute, ``is_present`` in {0, 1} and a certainty
    in 1..4; anything else is a ``ConceptDataError`` naming the first offending rows (a silent zero would be
    read as "absent")."""
    table = read_columns(labels_file, 4)
    rows, images, attributes = image_rows(labels_file, table, image_ids, num_attributes, "attribute")
    present, certain = table[rows, 2], table[rows, 3]
    for values, allowed, what in ((present, (0, 1), "is_present"), (certain, (1, 2, 3, 4), "certainty")):
        bad = np.flatnonzero(~np.isin(values, allowed))
        if len(bad):
            examples = [table[rows[b], :4].tolist() for b in bad[:3]]
            raise ConceptDataError(f"{labels_file}: {len(bad)} row(s) with {what} outside {list(allowed)} "
                                   f"(e.g. <image attribute is_present certainty> {examples})")
    counts = np.zeros((len(image_ids), num_attributes), dtype=np.int64)
    np.add.at(counts, (images, attributes), 1)
    if (counts != 1).any():
        image, attribute = np.argwhere(counts != 1)[0]
        missing, repeated = int((counts == 0).sum()), int((counts > 1).sum())
        raise ConceptDataError(f"{labels_file}: every image needs one row per attribute; {missing} (image, "
                               f"attribute) pair(s) have none and {repeated} more than one (e.g. image "
                               f"{image_ids[image]}, attribute {attribute + 1})")
    is_present = np.zeros((len(image_ids), num_attributes), dtype=np.uint8)
    certainty = np.zeros((len(image_ids), num_attributes), dtype=np.uint8)
    is_present[images, attributes] = present
    certainty[images, attributes] = certain
    return torch.from_numpy(is_present), torch.from_numpy(certainty)


def class_level_attributes(is_present: torch.Tensor, certainty: torch.Tensor, labels: torch.Tensor,
                           num_classes: int) -> torch.Tensor:
    """Koh et al.'s majority voting (CUB/generate_new_data.py): per class and attribute, count the images'
    0 and 1 labels, skipping "not visible" zeros (label 0 with certainty 1); the class label is the majority,
    ties (including no votes) -> 1. Returns (num_classes, A) float."""
    counted = ~((is_present == 0) & (certainty == 1))
    ones = torch.zeros(num_classes, is_present.shape[1]).index_add_(0, labels, ((is_present == 1) & counted).float())
    zeros = torch.zeros(num_classes, is_present.shape[1]).index_add_(0, labels, ((is_present == 0) & counted).float())
    return (ones >= zeros).float()


def read_part_locations(locations_file: Path, image_ids: Sequence[int], num_parts: int
                        ) -> tuple[torch.Tensor, torch.Tensor]:
    """part_locs.txt (``<image> <part> <x> <y> <visible>``) -> (x, y) (N, P, 2) in original pixels and
    visible (N, P) bool."""
    table = read_columns(locations_file, 5, dtype=np.float64)
    rows, images, parts = image_rows(locations_file, table, image_ids, num_parts, "part")
    xy = np.zeros((len(image_ids), num_parts, 2), dtype=np.float32)
    visible = np.zeros((len(image_ids), num_parts), dtype=bool)
    xy[images, parts] = table[rows, 2:4]
    visible[images, parts] = table[rows, 4] == 1
    return torch.from_numpy(xy), torch.from_numpy(visible)


# ---- geometry: one definition of the crop, used for pixels and for part locations ----------------------
def crop_box(bbox: Sequence[float], image_size: tuple[int, int]) -> tuple[int, int, int, int]:
    """A CUB box (x, y, width, height) -> the integer (left, top, right, bottom) crop that covers it,
    clipped to the image of ``image_size`` = (width, height)."""
    x, y, w, h = (float(v) for v in bbox)
    width, height = image_size
    left, top = max(0, math.floor(x)), max(0, math.floor(y))
    right, bottom = min(width, math.ceil(x + w)), min(height, math.ceil(y + h))
    return left, top, max(right, left + 1), max(bottom, top + 1)


def transform_points(xy: torch.Tensor, box: Sequence[int], size: tuple[int, int]) -> torch.Tensor:
    """Points (..., 2) as (x, y) in original pixels -> the same points in the image cropped to ``box`` and
    resized to ``size`` = (H, W). Continuous pixel coordinates: a point at the crop's edge maps to 0 or W."""
    left, top, right, bottom = box
    scale = torch.tensor([size[1] / (right - left), size[0] / (bottom - top)])
    return (xy - torch.tensor([float(left), float(top)])) * scale


# ---- dataset and datamodule -----------------------------------------------------------------------------
class CubDataset(Dataset):
    """CUB images at ``positions`` of the index, optionally cropped to their box, resized to ``size``;
    items are ``{"inputs", "targets"}``, plus ``"concepts"`` when ``concepts`` (N_all, K) is given and
    ``"concept_certainty"`` when ``certainty`` (N_all, K) is."""

    def __init__(self, images_dir: Path, index: CubIndex, positions: Sequence[int], size: tuple[int, int],
                 crop_to_bbox: bool, concepts: torch.Tensor | None = None, certainty: torch.Tensor | None = None):
        self.images_dir, self.index, self.positions = images_dir, index, list(positions)
        self.size, self.crop_to_bbox, self.concepts, self.certainty = size, crop_to_bbox, concepts, certainty
        self.labels = index.labels[self.positions]

    def __len__(self) -> int:
        return len(self.positions)

    def path(self, i: int) -> Path:
        return self.images_dir / self.index.paths[self.positions[i]]

    def box(self, i: int) -> tuple[int, int, int, int]:
        """The (left, top, right, bottom) region of the original image that becomes the input."""
        with Image.open(self.path(i)) as img:  # reads the header only
            image_size = img.size
        if not self.crop_to_bbox:
            return (0, 0, *image_size)
        return crop_box(self.index.boxes[self.positions[i]].tolist(), image_size)

    def __getitem__(self, i: int):
        item = {"inputs": read_image(self.path(i), 3, self.size, self.box(i)), "targets": self.labels[i]}
        if self.concepts is not None:
            item["concepts"] = self.concepts[self.positions[i]]
        if self.certainty is not None:
            item["concept_certainty"] = self.certainty[self.positions[i]]
        return item


def cbm_augmentation(size: tuple[int, int]) -> v2.Transform:
    """Koh et al.'s training transform (CUB/dataset.py): colour jitter (brightness 32/255, saturation 0.5-1.5),
    a random resized crop back to ``size`` and a horizontal flip."""
    return v2.Compose([v2.ColorJitter(brightness=32 / 255, saturation=(0.5, 1.5)),
                       v2.RandomResizedCrop(size, antialias=True), v2.RandomHorizontalFlip()])


def augmentor_like_augmentation() -> v2.Transform:
    """ProtoPNet's offline Augmentor recipe, online: each sample gets one of rotation (+-15 deg), skew
    (perspective 0.2) or shear (+-10 deg along x or y), then a horizontal flip with p=0.5."""
    shear = v2.RandomChoice([v2.RandomAffine(degrees=0, shear=(-10, 10)),
                             v2.RandomAffine(degrees=0, shear=(0, 0, -10, 10))])
    return v2.Compose([
        v2.RandomChoice([v2.RandomRotation(15), v2.RandomPerspective(distortion_scale=0.2, p=1.0), shear]),
        v2.RandomHorizontalFlip(0.5),
    ])


@register_datamodule("cub200")
class Cub200DataModule(RootedDataModule):
    """CUB-200-2011 from ``<root>/CUB_200_2011/`` with the official train/test split.

    ``crop_to_bbox`` crops each image to its bounding box (ProtoPNet) before resizing to ``image_size``.
    ``return_concepts`` adds each image's binary attributes (all 312, or ``attribute_indices``: 0-based
    indices, or ``"cbm112"`` for the CBM paper's 112) as a float vector with their certainty, and fills
    ``spec.concept_names`` and ``spec.concept_groups`` (grouped by the name's prefix before "::", e.g.
    "has_bill_shape"). ``concept_labels="class"`` gives every image its class's majority-vote vector computed on
    the training split (Koh et al.), ``"image"`` the image's own annotation. ``augmentation``: ``"protopnet"``
    (rotation / skew / shear + flip) or ``"cbm"`` (Koh et al.'s colour jitter + random resized crop + flip).
    ``annotations(split)`` gives every per-image annotation.
    """

    name = "cub200"
    mean, std = IMAGENET_MEAN, IMAGENET_STD

    def __init__(self, root: str | Path = "data", download: bool = False, crop_to_bbox: bool = True,
                 image_size: int | Sequence[int] = 224, return_concepts: bool = False,
                 attribute_indices: Sequence[int] | str | None = None, concept_labels: str = "image",
                 augmentation: str = "protopnet", mean: Sequence[float] | None = None,
                 std: Sequence[float] | None = None, val_fraction: float = 0.1,
                 split_seed: int = 0, augment: bool = True, batch_size: int = 64,
                 eval_batch_size: int | None = None, num_workers: int = 0):
        super().__init__(root, download, val_fraction, split_seed, augment, batch_size, eval_batch_size,
                         num_workers)
        self.crop_to_bbox, self.return_concepts = crop_to_bbox, return_concepts
        self.size = as_size(image_size)
        self.input_shape = (3, *self.size)
        if isinstance(attribute_indices, str):
            if attribute_indices not in ATTRIBUTE_SETS:
                raise ValueError(f"attribute_indices must be a list of 0-based indices or one of "
                                 f"{sorted(ATTRIBUTE_SETS)}, got {attribute_indices!r}")
            attribute_indices = ATTRIBUTE_SETS[attribute_indices]
        self.attribute_indices = None if attribute_indices is None else [int(i) for i in attribute_indices]
        if concept_labels not in ("image", "class"):
            raise ValueError(f"concept_labels must be 'image' or 'class', got {concept_labels!r}")
        if augmentation not in ("protopnet", "cbm"):
            raise ValueError(f"augmentation must be 'protopnet' or 'cbm', got {augmentation!r}")
        # the recipe's own augmentation (train_augmentation); the base's named augmentations stay unused here
        self.concept_labels, self.recipe_augmentation = concept_labels, augmentation
        self.mean = type(self).mean if mean is None else tuple(float(v) for v in mean)
        self.std = type(self).std if std is None else tuple(float(v) for v in std)
        self._index: CubIndex | None = None
        self._attributes: tuple[torch.Tensor, torch.Tensor] | None = None
        self._class_attributes: torch.Tensor | None = None

    # -- files
    @property
    def folder(self) -> Path:
        return self.root / CUB_FOLDER

    def expected_files(self):
        names = ["images.txt", "image_class_labels.txt", "train_test_split.txt", "bounding_boxes.txt",
                 "classes.txt", "images"]
        concepts = self.concept_files() if self.return_concepts else []
        return [(self.folder / name,) for name in names] + concepts

    def concept_files(self) -> list[tuple[Path, ...]]:
        return [(self.folder / "attributes" / "image_attribute_labels.txt",), self.attribute_names_files(),
                (self.folder / "parts" / "part_locs.txt",), (self.folder / "parts" / "parts.txt",)]

    def attribute_names_files(self) -> tuple[Path, ...]:
        """The official tarball puts attributes.txt beside CUB_200_2011/; some copies move it inside."""
        return (self.root / "attributes.txt", self.folder / "attributes" / "attributes.txt",
                self.folder / "attributes.txt")

    def how_to_get(self) -> str:
        return (f"pass download=True (fetches {CUB_URL} and checks its MD5), or download CUB_200_2011.tgz "
                f"from {CUB_PAGE} and run `tar -xzf CUB_200_2011.tgz -C {self.root}` so that "
                f"{self.folder / 'images.txt'} exists.")

    def download_data(self) -> None:
        from torchvision.datasets.utils import download_and_extract_archive

        download_and_extract_archive(CUB_URL, download_root=str(self.root), filename="CUB_200_2011.tgz",
                                     md5=CUB_MD5)

    # -- annotations
    @property
    def index(self) -> CubIndex:
        if self._index is None:
            self.prepare_data()
            self.check_root()
            self._index = read_index(self.folder)
        return self._index

    def attribute_names(self) -> list[str]:
        self.check_root(self.concept_files())
        path = next(p for p in self.attribute_names_files() if p.exists())
        return read_names(path)

    def part_names(self) -> list[str]:
        self.check_root(self.concept_files())
        return read_names(self.folder / "parts" / "parts.txt")

    def attributes(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(is_present, certainty), each (N_all, 312) uint8 in images.txt order."""
        if self._attributes is None:
            self._attributes = read_attributes(self.folder / "attributes" / "image_attribute_labels.txt",
                                               self.index.image_ids, len(self.attribute_names()))
        return self._attributes

    def selected_attributes(self) -> list[int]:
        count = len(self.attribute_names())
        indices = list(range(count)) if self.attribute_indices is None else self.attribute_indices
        if any(not 0 <= i < count for i in indices):
            raise ValueError(f"attribute_indices must lie in 0..{count - 1}, got {self.attribute_indices}")
        return indices

    @classmethod
    def default_spec(cls) -> DataSpec:
        """Without the data: 200 classes named by their number (the names come from classes.txt)."""
        return DataSpec(name=cls.name, input_shape=(3, 224, 224), num_classes=200,
                        class_names=[f"{i:03d}" for i in range(1, 201)], mean=cls.mean, std=cls.std,
                        preprocessing={"source": "CUB-200-2011, described without its files (class names are "
                                                 "numbers until the data is read)"})

    def build_spec(self) -> DataSpec:
        preprocessing: dict[str, Any] = {
            "source": f"CUB-200-2011 (<root>/{CUB_FOLDER})",
            "crop": "bounding box" if self.crop_to_bbox else None,
            "resize": list(self.size), "interpolation": "bilinear (PIL, antialiased)", "scale": "x / 255",
            "channels": "RGB", **self.split_preprocessing()}
        concept_names = concept_groups = None
        if self.return_concepts:
            names = self.attribute_names()
            indices = self.selected_attributes()
            concept_names = [names[i] for i in indices]
            concept_groups = {}
            for k, name in enumerate(concept_names):
                concept_groups.setdefault(name.split("::")[0], []).append(k)
            preprocessing["concepts"] = (
                "class-level attributes: majority vote over the training split's images (ties -> 1, not-visible "
                "zeros skipped), the class's vector for every image" if self.concept_labels == "class" else
                "per-image attributes (image_attribute_labels.txt is_present)")
            preprocessing["concept_certainty"] = "per image, 1 not visible .. 4 definitely"
            preprocessing["attribute_indices"] = indices
        class_names = self.index.class_names
        if self.recipe_augmentation != "protopnet":
            preprocessing["augmentation"] = "Koh et al.: colour jitter, random resized crop, flip"
        return DataSpec(name=self.name, input_shape=self.input_shape, num_classes=len(class_names),
                        class_names=class_names, mean=self.mean, std=self.std, concept_names=concept_names,
                        concept_types=None if concept_names is None else ["binary"] * len(concept_names),
                        concept_groups=concept_groups, preprocessing=preprocessing)

    def training_positions(self) -> list[int]:
        """Rows of images.txt in the training split (the official training images less the validation part),
        computed as ``setup`` splits them, without reading images."""
        official = torch.nonzero(self.index.is_train).flatten()
        train, _ = stratified_split(self.index.labels[official], (self.val_fraction,), self.split_seed)
        return official[train].tolist()

    def class_attributes(self) -> torch.Tensor:
        """(200, A) Koh et al.'s class-level attributes, voted on the training split only."""
        if self._class_attributes is None:
            is_present, certainty = self.attributes()
            train = self.training_positions()
            self._class_attributes = class_level_attributes(is_present[train], certainty[train],
                                                            self.index.labels[train], len(self.index.class_names))
        return self._class_attributes

    def concept_table(self) -> torch.Tensor:
        """(N_all, K) the concept labels of every image (images.txt order) for the selected attributes."""
        selected = self.selected_attributes()
        if self.concept_labels == "class":
            return self.class_attributes()[:, selected][self.index.labels]
        return self.attributes()[0][:, selected].float()

    def dataset(self, positions: Sequence[int]) -> CubDataset:
        concepts = certainty = None
        if self.return_concepts:
            concepts = self.concept_table()
            certainty = self.attributes()[1][:, self.selected_attributes()]
        return CubDataset(self.folder / "images", self.index, positions, self.size, self.crop_to_bbox,
                          concepts, certainty)

    def split_concepts(self, split: str) -> torch.Tensor:
        """(N, K) the concept labels of ``split``, in the split's order, without reading any image."""
        if not self.return_concepts:
            raise ConceptDataError("cub200 serves concepts only with return_concepts=True")
        return self.concept_table()[self.split_positions(split)]

    def load_official(self):
        index = self.index
        missing = [p for p in index.paths if not (self.folder / "images" / p).is_file()]
        if missing:
            raise DataRootError(f"cub200: {len(missing)} of {len(index.paths)} images listed in images.txt "
                                f"are missing under {self.folder / 'images'} (e.g. {missing[:3]}). "
                                f"How to get them: {self.how_to_get()}")
        train = self.dataset(torch.nonzero(index.is_train).flatten().tolist())
        return train, train.labels, self.dataset(torch.nonzero(~index.is_train).flatten().tolist())

    def train_augmentation(self):
        return augmentor_like_augmentation() if self.recipe_augmentation == "protopnet" else cbm_augmentation(self.size)

    def split_positions(self, split: str) -> list[int]:
        """Rows of images.txt in the order the split's dataset serves them ("train" is un-augmented)."""
        if split not in ("train", "val", "test"):
            raise KeyError(f"unknown split {split!r}; choose one of ['test', 'train', 'val']")
        self.setup()
        subsets = {"train": self.train_eval_set, "val": self.val_set, "test": self.test_set}
        dataset = subsets[split].dataset
        return [dataset.positions[i] for i in subsets[split].indices]

    def annotations(self, split: str) -> dict[str, Any]:
        """Every per-image annotation of ``split``, row k describing the split's k-th sample:

        image_id (N,), path [N], label (N,), attributes (N, 312) and certainty (N, 312) uint8 (certainty
        1 not visible .. 4 definitely), part_names [15], part_locations (N, 15, 2) as (x, y) in the model
        input's pixel coordinates (after crop and resize), part_visible (N, 15) (annotated visible and
        inside the crop), bbox (N, 4) (x, y, w, h in original pixels) and crop_box (N, 4) (left, top, right,
        bottom in original pixels).
        """
        positions = self.split_positions(split)
        index, dataset = self.index, self.dataset(positions)
        is_present, certainty = self.attributes()
        xy, visible = read_part_locations(self.folder / "parts" / "part_locs.txt", index.image_ids,
                                          len(self.part_names()))
        boxes = torch.tensor([dataset.box(k) for k in range(len(positions))], dtype=torch.long).view(-1, 4)
        locations = torch.stack([transform_points(xy[p], box.tolist(), self.size)
                                 for p, box in zip(positions, boxes)]) if positions else xy[:0]
        inside = ((locations >= 0) & (locations <= torch.tensor([self.size[1], self.size[0]]))).all(-1)
        return {
            "image_id": torch.tensor([index.image_ids[p] for p in positions], dtype=torch.long),
            "path": [index.paths[p] for p in positions],
            "label": index.labels[positions],
            "attributes": is_present[positions],
            "certainty": certainty[positions],
            "part_names": self.part_names(),
            "part_locations": locations,
            "part_visible": visible[positions] & inside,
            "bbox": index.boxes[positions],
            "crop_box": boxes,
        }


@register_datamodule("cub200_cbm")
class Cub200CbmDataModule(Cub200DataModule):
    """CUB-200-2011 as the CBM paper prepares it (Koh et al. 2020, App. A.2 / B.2): the 112 attributes with
    class-level labels and certainties, 28 groups, full images (no box crop) resized to 299 (Inception-v3),
    Koh's colour-jitter / random-resized-crop / flip augmentation, inputs normalised with mean 0.5 and std 2 (the
    code's quirk), and a validation split of 20% of the official training images."""

    name = "cub200_cbm"

    def __init__(self, root: str | Path = "data", download: bool = False, crop_to_bbox: bool = False,
                 image_size: int | Sequence[int] = 299, return_concepts: bool = True,
                 attribute_indices: Sequence[int] | str | None = "cbm112", concept_labels: str = "class",
                 augmentation: str = "cbm", mean: Sequence[float] | None = (0.5, 0.5, 0.5),
                 std: Sequence[float] | None = (2.0, 2.0, 2.0), val_fraction: float = 0.2, split_seed: int = 0,
                 augment: bool = True, batch_size: int = 64, eval_batch_size: int | None = None,
                 num_workers: int = 0):
        super().__init__(root, download, crop_to_bbox, image_size, return_concepts, attribute_indices,
                         concept_labels, augmentation, mean, std, val_fraction, split_seed, augment, batch_size,
                         eval_batch_size, num_workers)

    @classmethod
    def default_spec(cls) -> DataSpec:
        """Without the data: classes and the 112 concepts named by their number (the names come from the files)."""
        names = [f"attribute {i + 1}" for i in CBM_ATTRIBUTES]
        return DataSpec(name=cls.name, input_shape=(3, 299, 299), num_classes=200,
                        class_names=[f"{i:03d}" for i in range(1, 201)], mean=(0.5,) * 3, std=(2.0,) * 3,
                        concept_names=names, concept_types=["binary"] * len(names),
                        preprocessing={"source": "CUB-200-2011 (CBM concepts), described without its files"})


class CubPartsDataset(CubDataset):
    """``CubDataset`` items plus ``spatial_concepts`` (K, h, w) on a patch grid of the (cropped, resized) input:
    concept k is 1 on the patches holding a visible part it is located on when the image has the attribute; a
    patch holding any such attribute is 0 for the others; patches holding none, and global concepts, are NaN
    (CT's ``_get_explanations``)."""

    def __init__(self, *args, parts_of: list[list[int]], part_xy: torch.Tensor, part_visible: torch.Tensor,
                 grid: tuple[int, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.parts_of, self.part_xy, self.part_visible, self.grid = parts_of, part_xy, part_visible, grid

    def spatial_map(self, i: int) -> torch.Tensor:
        position = self.positions[i]
        h, w = self.grid
        k = len(self.parts_of)
        spatial = torch.full((k, h, w), math.nan)
        xy = transform_points(self.part_xy[position], self.box(i), self.size)  # (P, 2) in input pixels
        present = self.concepts[position]
        marked = torch.zeros(h, w, dtype=torch.bool)
        hits = []
        for concept, parts in enumerate(self.parts_of):
            if not parts or present[concept] != 1:
                continue
            for part in parts:
                x, y = (float(v) for v in xy[part])
                if not self.part_visible[position, part] or not (0 <= x < self.size[1] and 0 <= y < self.size[0]):
                    continue
                row, col = int(y * h / self.size[0]), int(x * w / self.size[1])
                hits.append((concept, row, col))
                marked[row, col] = True
        located = torch.tensor([bool(parts) for parts in self.parts_of])
        spatial[located.nonzero().flatten()[:, None], marked] = 0.0
        for concept, row, col in hits:
            spatial[concept, row, col] = 1.0
        return spatial

    def __getitem__(self, i: int):
        item = super().__getitem__(i)
        item["spatial_concepts"] = self.spatial_map(i)
        return item


@register_datamodule("cub200_parts")
class Cub200PartsDataModule(Cub200DataModule):
    """CUB-200-2011 as the Concept Transformer prepares it (IBM/concept_transformer data/cub2011parts.py): images
    cropped to their box and resized to 224, CT's 108 attributes per image (``ct108``), the 13 size / shape /
    primary-colour ones global and the 95 others located on a 14 x 14 patch grid through the part keypoints
    (``spatial_concepts``). No geometric augmentation by default (the reference moves the keypoints with
    albumentations; here a flip or crop would move the parts away from their targets)."""

    name = "cub200_parts"

    def __init__(self, root: str | Path = "data", download: bool = False, crop_to_bbox: bool = True,
                 image_size: int | Sequence[int] = 224, grid: int = 14, return_concepts: bool = True,
                 attribute_indices: Sequence[int] | str | None = "ct108", val_fraction: float = 0.1,
                 split_seed: int = 0, augment: bool = False, batch_size: int = 32,
                 eval_batch_size: int | None = None, num_workers: int = 0):
        super().__init__(root, download, crop_to_bbox, image_size, return_concepts, attribute_indices, "image",
                         "protopnet", None, None, val_fraction, split_seed, augment, batch_size, eval_batch_size,
                         num_workers)
        self.grid = (int(grid), int(grid))
        self._parts: tuple[torch.Tensor, torch.Tensor] | None = None

    @classmethod
    def default_spec(cls) -> DataSpec:
        """Without the data: classes and the 108 concepts by number, the spatial ones by CT's id ranges."""
        names = [f"attribute {i + 1}" for i in CT_ATTRIBUTES]
        spatial = [k for k, i in enumerate(CT_ATTRIBUTES) if not (217 <= i <= 235 or 248 <= i <= 262)]
        return DataSpec(name=cls.name, input_shape=(3, 224, 224), num_classes=200,
                        class_names=[f"{i:03d}" for i in range(1, 201)], mean=cls.mean, std=cls.std,
                        concept_names=names, concept_types=["binary"] * len(names), concept_grid=(14, 14),
                        preprocessing={"source": "CUB-200-2011 (CT concepts), described without its files",
                                       "spatial_concepts": spatial})

    def build_spec(self) -> DataSpec:
        spec = super().build_spec()
        located = attribute_parts(spec.concept_names)
        spec.concept_grid = self.grid
        spec.preprocessing["spatial_concepts"] = [k for k, parts in enumerate(located) if parts]
        spec.preprocessing["spatial_targets"] = (f"part keypoints on a {self.grid[0]} x {self.grid[1]} patch grid "
                                                 f"of the input (CT's has2part)")
        return spec

    def dataset(self, positions: Sequence[int]) -> CubDataset:
        if self._parts is None:
            self._parts = read_part_locations(self.folder / "parts" / "part_locs.txt", self.index.image_ids,
                                              len(self.part_names()))
        names = [self.attribute_names()[i] for i in self.selected_attributes()]
        return CubPartsDataset(self.folder / "images", self.index, positions, self.size, self.crop_to_bbox,
                               self.concept_table(), self.attributes()[1][:, self.selected_attributes()],
                               parts_of=attribute_parts(names), part_xy=self._parts[0], part_visible=self._parts[1],
                               grid=self.grid)
