"""CIFAR-10 and CIFAR-100 from the official python pickles under a local root."""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .base import register_datamodule
from .images import ByteImageDataset, RootedDataModule, padded_crop_flip

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
