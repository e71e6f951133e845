"""Image datasets shared machinery: reading image files (for the folder datamodules, CUB and inference),
in-memory and file-backed datasets, stratified splits, augmentation, and the two datamodule bases: images held
in memory (``ArrayImageDataModule``) and datasets read from a local root (``RootedDataModule``).

The datasets themselves live by family: ``mnist`` (digits, mnist5k, MNIST / Fashion-MNIST / KMNIST), ``cifar``,
``image_folder`` and ``cub``. Nothing downloads by default; ``download=True`` fetches a rooted dataset with
torchvision. Rooted datamodules keep the official test split as the test split and carve validation from the
official training split (stratified by class, fixed seed).
"""

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError
from torch.utils.data import Dataset
from torchvision.transforms import v2

from .base import (
    AugmentedSubset,
    DataRootError,
    DataSpec,
    TensorItems,
    ZooDataModule,
    fixed_split,
)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm")


# ---- reading image files (shared by the folder datamodules, CUB and inference) ---------------------------
def image_mode(channels: int) -> str:
    if channels not in (1, 3):
        raise ValueError(f"images must have 1 (grayscale) or 3 (RGB) channels, got {channels}")
    return "L" if channels == 1 else "RGB"


def read_image(path: str | Path, channels: int, size: tuple[int, int],
               box: tuple[int, int, int, int] | None = None, upright: bool = False) -> torch.Tensor:
    """One image file -> float tensor (channels, H, W) in [0, 1]: convert to L/RGB, crop to ``box``
    (left, top, right, bottom) if given, then resize to ``size`` = (H, W) with PIL's antialiased bilinear.
    ``upright`` applies the EXIF orientation (phone photos); datasets whose annotations refer to the stored
    pixels (CUB's boxes) must leave it off."""
    try:
        with Image.open(path) as img:
            if upright:
                img = ImageOps.exif_transpose(img)
            if img.mode == "P" and "transparency" in img.info:
                img = img.convert("RGBA")  # a palette with transparency converts cleanly only through RGBA
            img = img.convert(image_mode(channels))
            if box is not None:
                img = img.crop(box)
            img = img.resize((size[1], size[0]), Image.BILINEAR)
            array = np.asarray(img, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise ImageReadError(f"cannot read image {path}: {error}") from error
    if array.ndim == 2:
        array = array[:, :, None]
    return torch.from_numpy(array.copy()).permute(2, 0, 1).float().div(255.0)


def list_images(folder: Path) -> list[Path]:
    """Image files under ``folder`` (recursively), in a fixed, sorted order."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS
                  and not p.name.startswith("."))


def as_size(image_size: int | Sequence[int]) -> tuple[int, int]:
    if isinstance(image_size, int):
        return (image_size, image_size)
    if len(image_size) != 2:
        raise ValueError(f"image_size must be an int or (height, width), got {image_size!r}")
    return (int(image_size[0]), int(image_size[1]))


class ImageReadError(ValueError):
    """An image file that cannot be read (corrupt, truncated, not an image); the message names it."""


def image_files(paths_or_folder: str | Path | Sequence[str | Path]) -> tuple[list[Path], list[str]]:
    """(paths, ids) of a folder's images (recursively, sorted; ids relative to the folder) or of the paths
    given (ids as given)."""
    if isinstance(paths_or_folder, (str, Path)) and Path(paths_or_folder).is_dir():
        folder = Path(paths_or_folder)
        paths = list_images(folder)
        if not paths:
            raise ImageReadError(f"no images ({', '.join(IMAGE_EXTENSIONS)}) found under {folder}")
        return paths, [p.relative_to(folder).as_posix() for p in paths]
    items = [paths_or_folder] if isinstance(paths_or_folder, (str, Path)) else list(paths_or_folder)
    if not items:
        raise ImageReadError("no image paths given")
    paths = [Path(p) for p in items]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"image file(s) not found: {', '.join(missing)}")
    return paths, [str(p) for p in items]


def unreadable_images(paths: Sequence[Path]) -> list[tuple[Path, str]]:
    """The files among ``paths`` that PIL cannot decode, with the reason (each file is fully decoded once)."""
    bad = []
    for path in paths:
        try:
            with Image.open(path) as img:
                img.load()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
            bad.append((path, f"{type(error).__name__}: {error}"))
    return bad


def load_images_for_spec(paths_or_folder: str | Path | Sequence[str | Path],
                         spec: DataSpec | dict[str, Any]) -> tuple[torch.Tensor, list[str]]:
    """A user's own images, prepared for a model trained on ``spec``: turned upright (EXIF), converted to
    the spec's channels (RGB <-> grayscale) and resized to its (H, W). Returns (images (N, C, H, W) in
    [0, 1], ids), where an id is the path relative to the folder, or the path as given.

    Dataset-specific steps that need annotations (CUB's bounding-box crop) cannot be applied to new images:
    crop them to the object first.
    """
    spec = spec if isinstance(spec, DataSpec) else DataSpec.from_dict(spec)
    if not spec.is_image:
        raise ImageReadError(f"spec {spec.name!r} is not an image spec: input_shape {spec.input_shape}")
    channels, height, width = spec.input_shape
    paths, ids = image_files(paths_or_folder)
    images, unreadable = [], []
    for path in paths:
        try:
            images.append(read_image(path, channels, (height, width), upright=True))
        except ImageReadError as error:
            unreadable.append(str(error))
    if unreadable:
        raise ImageReadError(f"{len(unreadable)} of {len(paths)} image(s) could not be read:\n  "
                             + "\n  ".join(unreadable))
    return torch.stack(images), ids


# ---- datasets -------------------------------------------------------------------------------------------
class ByteImageDataset(Dataset):
    """uint8 images (N, C, H, W) kept as bytes in memory (CIFAR as floats would take 600 MB) and given out
    as floats in [0, 1] with their integer label."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor):
        if images.dtype != torch.uint8 or images.dim() != 4 or len(images) != len(labels):
            raise ValueError(f"expected uint8 images (N, C, H, W) and N labels, got {images.dtype} "
                             f"{tuple(images.shape)} and {len(labels)} labels")
        self.images, self.labels = images, labels.long()

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int):
        return {"inputs": self.images[i].float().div(255.0), "targets": self.labels[i]}


class ImageFileDataset(Dataset):
    """Images read from files on demand, converted to ``channels`` and resized to ``size`` = (H, W)."""

    def __init__(self, paths: Sequence[Path], labels: Sequence[int], channels: int, size: tuple[int, int]):
        self.paths, self.labels = list(paths), torch.as_tensor(list(labels), dtype=torch.long)
        self.channels, self.size = channels, size

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int):
        return {"inputs": read_image(self.paths[i], self.channels, self.size), "targets": self.labels[i]}


def stratified_split(labels: Sequence[int] | torch.Tensor, fractions: Sequence[float],
                     seed: int) -> list[list[int]]:
    """Split indices by class with a fixed seed: returns [rest, part_1, ...], where part_k holds
    round(fraction_k * n_c) images of each class c. Lists are sorted; the same seed gives the same split."""
    labels = torch.as_tensor(labels, dtype=torch.long)
    if any(f < 0 for f in fractions) or sum(fractions) >= 1:
        raise ValueError(f"split fractions must be >= 0 and sum to less than 1, got {list(fractions)}")
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
    parts: list[list[int]] = [[] for _ in range(len(fractions) + 1)]
    for c in labels.unique(sorted=True):
        members = order[labels[order] == c].tolist()  # class c, in the seeded random order
        start = 0
        for k, fraction in enumerate(fractions, start=1):
            count = int(len(members) * fraction + 0.5)
            parts[k] += members[start : start + count]
            start += count
        parts[0] += members[start:]
    return [sorted(p) for p in parts]


# ---- augmentation ---------------------------------------------------------------------------------------
def small_image_augmentation(size: int) -> v2.Transform:
    """Light, label-preserving augmentation for small digit images: a shift of about 1/8 of the image and a
    small rotation (no flips: they change a digit's meaning)."""
    return v2.RandomAffine(degrees=10, translate=(0.125, 0.125), scale=(0.9, 1.1))


def padded_crop_flip(size: int, padding: int) -> v2.Transform:
    """The standard CIFAR recipe: a random crop from the zero-padded image, then a horizontal flip."""
    return v2.Compose([v2.RandomCrop(size, padding=padding), v2.RandomHorizontalFlip()])


class ElasticDeformation(torch.nn.Module):
    """Elastic deformation (Simard et al. 2003), as Li et al. (2018) augment MNIST: a random displacement field,
    uniform in [-1, 1] per pixel and axis, smoothed by a Gaussian of std ``sigma`` (zero outside the image, as
    scipy's ``gaussian_filter(mode="constant")``, truncated at 4 sigma), scaled by ``alpha``; the image is
    resampled there bilinearly with zeros outside (``map_coordinates(order=1)``)."""

    def __init__(self, sigma: float = 4.0, alpha: float = 20.0):
        super().__init__()
        self.sigma, self.alpha = float(sigma), float(alpha)
        radius = int(4.0 * self.sigma + 0.5)
        offsets = torch.arange(-radius, radius + 1, dtype=torch.float32)
        kernel = torch.exp(-0.5 * (offsets / self.sigma) ** 2)
        self.register_buffer("kernel", kernel / kernel.sum(), persistent=False)

    def smooth(self, field: torch.Tensor) -> torch.Tensor:
        """(N, H, W) fields blurred separably with zero padding."""
        k, r = self.kernel, len(self.kernel) // 2
        out = torch.nn.functional.conv2d(field.unsqueeze(1), k.view(1, 1, -1, 1), padding=(r, 0))
        return torch.nn.functional.conv2d(out, k.view(1, 1, 1, -1), padding=(0, r)).squeeze(1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """(C, H, W) or (N, C, H, W) images in [0, 1] -> deformed, same shape."""
        batch = image if image.dim() == 4 else image.unsqueeze(0)
        n, _, h, w = batch.shape
        displacement = self.smooth(torch.rand(2 * n, h, w) * 2 - 1).view(n, 2, h, w) * self.alpha
        rows, cols = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32),
                                    indexing="ij")
        y, x = rows + displacement[:, 0], cols + displacement[:, 1]
        grid = torch.stack([2 * x / (w - 1) - 1, 2 * y / (h - 1) - 1], dim=-1)  # align_corners=True
        out = torch.nn.functional.grid_sample(batch.float(), grid, mode="bilinear", padding_mode="zeros",
                                              align_corners=True)
        return out if image.dim() == 4 else out.squeeze(0)


AUGMENTATIONS = ("elastic",)


def named_augmentation(name: str) -> torch.nn.Module:
    """An augmentation chosen by name in a datamodule's ``augmentation`` argument."""
    if name == "elastic":
        return ElasticDeformation()
    raise ValueError(f"augmentation must be None (the dataset's default) or one of {AUGMENTATIONS}, got {name!r}")


def photo_augmentation(size: tuple[int, int], hflip: bool) -> v2.Transform:
    """Generic photos: a random crop of 70-100% of the area resized back, and an optional horizontal flip."""
    steps = [v2.RandomResizedCrop(size, scale=(0.7, 1.0), antialias=True)]
    if hflip:
        steps.append(v2.RandomHorizontalFlip())
    return v2.Compose(steps)


# ---- embedded datamodules -------------------------------------------------------------------------------
class ArrayImageDataModule(ZooDataModule):
    """Images held in memory as one tensor, split once with a fixed seed into train/val/test."""

    split_fractions = (0.1, 0.2)  # (val, test)
    split_seed = 0

    def __init__(self, augment: bool = True, batch_size: int = 64, eval_batch_size: int | None = None,
                 num_workers: int = 0, augmentation: str | None = None):
        super().__init__(batch_size, eval_batch_size, num_workers)
        self.augment = augment
        self.augmentation = augmentation  # None: small shift / rotation; "elastic": ElasticDeformation
        if augmentation is not None:
            named_augmentation(augmentation)

    def load_arrays(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(images in [0, 1] of shape (N, C, H, W), integer labels (N,))."""
        raise NotImplementedError

    def setup(self, stage: str | None = None) -> None:
        if self.test_set is not None:
            return
        images, labels = self.load_arrays()
        dataset = TensorItems(inputs=images.float(), targets=labels.long())
        train, val, test = fixed_split(len(dataset), self.split_fractions, self.split_seed)
        augmentation = None
        if self.augment:
            augmentation = (small_image_augmentation(images.shape[-1]) if self.augmentation is None
                            else named_augmentation(self.augmentation))
        self.train_set = AugmentedSubset(dataset, train, augmentation)
        self.train_eval_set = AugmentedSubset(dataset, train)
        self.val_set = AugmentedSubset(dataset, val)
        self.test_set = AugmentedSubset(dataset, test)


# ---- datamodules read from a local root -----------------------------------------------------------------
class RootedDataModule(ZooDataModule):
    """A dataset read from files under ``root`` with an official train/test split.

    Subclasses say which files they need (``expected_files``), how to get them (``how_to_get``), how to read
    the official splits (``load_official``), how to augment (``train_augmentation``) and what the spec holds
    (class attributes, or ``build_spec``). Validation is ``val_fraction`` of each class of the official
    training split, chosen with ``split_seed``, unless the dataset has its own (``official_validation``).
    """

    name: str
    input_shape: tuple[int, int, int]
    class_names: list[str]
    mean: tuple[float, ...]
    std: tuple[float, ...]

    def __init__(self, root: str | Path = "data", download: bool = False, val_fraction: float = 0.1,
                 split_seed: int = 0, augment: bool = True, batch_size: int = 64,
                 eval_batch_size: int | None = None, num_workers: int = 0, augmentation: str | None = None):
        super().__init__(batch_size, eval_batch_size, num_workers)
        if not 0 <= val_fraction < 1:
            raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
        self.root, self.download = Path(root), download
        self.val_fraction, self.split_seed, self.augment = val_fraction, split_seed, augment
        self.augmentation = augmentation  # None: the dataset's train_augmentation(); or a named one
        if augmentation is not None:
            named_augmentation(augmentation)
        self._spec: DataSpec | None = None

    # -- what a subclass provides
    def expected_files(self) -> list[tuple[Path, ...]]:
        """Each entry lists interchangeable paths (e.g. raw or .gz); one of them must exist."""
        raise NotImplementedError

    def how_to_get(self) -> str:
        raise NotImplementedError

    def download_data(self) -> None:
        raise DataRootError(f"{self.name} has no automatic download. {self.how_to_get()}")

    def load_official(self) -> tuple[Dataset, Sequence[int], Dataset]:
        """(official training set, its labels, official test set); items are (image, label)."""
        raise NotImplementedError

    def official_validation(self) -> Dataset | None:
        """A validation set shipped with the data; None carves one from the training split."""
        return None

    def train_augmentation(self) -> Callable | None:
        return None

    def preprocessing(self) -> dict[str, Any]:
        """How inputs were made, as plain data for the spec (and so the model card)."""
        return {}

    def build_spec(self) -> DataSpec:
        return DataSpec(name=self.name, input_shape=tuple(self.input_shape),
                        num_classes=len(self.class_names), class_names=list(self.class_names),
                        mean=tuple(self.mean), std=tuple(self.std), preprocessing=self.preprocessing())

    # -- shared plumbing
    @property
    def spec(self) -> DataSpec:
        if self._spec is None:
            self._spec = self.build_spec()
        return self._spec

    def split_preprocessing(self) -> dict[str, Any]:
        return {"split": "official train/test; validation carved from official train, stratified by class",
                "val_fraction": self.val_fraction, "split_seed": self.split_seed}

    def missing_files(self, files: list[tuple[Path, ...]] | None = None) -> list[tuple[Path, ...]]:
        files = self.expected_files() if files is None else files
        return [options for options in files if not any(p.exists() for p in options)]

    def check_root(self, files: list[tuple[Path, ...]] | None = None) -> None:
        """Raise ``DataRootError`` naming the expected files (default: ``expected_files()``), the missing
        ones, and how to get them."""
        files = self.expected_files() if files is None else files
        missing = self.missing_files(files)
        if not missing:
            return

        def show(options: tuple[Path, ...]) -> str:
            return " or ".join(str(p) for p in options)

        state = "does not exist" if not self.root.exists() else "is incomplete"
        expected = "\n  ".join(show(options) for options in files)
        absent = "\n  ".join(show(options) for options in missing)
        raise DataRootError(f"{self.name}: data root {str(self.root)!r} {state}.\nExpected:\n  {expected}\n"
                            f"Missing:\n  {absent}\nHow to get it: {self.how_to_get()}")

    def prepare_data(self) -> None:
        """Download only when asked (``download=True``) and only when files are missing."""
        if self.download and self.missing_files():
            self.root.mkdir(parents=True, exist_ok=True)
            self.download_data()

    def setup(self, stage: str | None = None) -> None:
        if self.test_set is not None:
            return
        self.prepare_data()  # a no-op unless download=True and files are missing
        self.check_root()
        train_full, train_labels, test = self.load_official()
        val_full = self.official_validation()
        if val_full is None:
            train, val = stratified_split(train_labels, (self.val_fraction,), self.split_seed)
            val_full = train_full
        else:
            train, val = list(range(len(train_full))), list(range(len(val_full)))
        augmentation = None
        if self.augment:
            augmentation = (self.train_augmentation() if self.augmentation is None
                            else named_augmentation(self.augmentation))
        self.train_set = AugmentedSubset(train_full, train, augmentation)
        self.train_eval_set = AugmentedSubset(train_full, train)
        self.val_set = AugmentedSubset(val_full, val)
        self.test_set = AugmentedSubset(test, range(len(test)))


def class_dirs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
