"""What every datamodule shares: the published ``DataSpec``, a registry, and the split/loader plumbing.

Images leave a datamodule as float tensors in [0, 1] with shape ``spec.input_shape``; the model owns the
normalisation (``spec.mean``/``spec.std`` are stored in its card), so a released checkpoint always sees the
preprocessing it was trained with, and explanations can show the raw image.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import lightning as L
import torch
from torch.utils.data import DataLoader, Dataset, Subset, TensorDataset


@dataclass
class DataSpec:
    """Everything a model needs to know about its data; saved in every model card."""

    name: str
    input_shape: tuple[int, ...]  # (C, H, W) for images, (T,) for sequences
    num_classes: int
    class_names: list[str]
    mean: tuple[float, ...] | None = None  # per-channel normalisation applied inside the model
    std: tuple[float, ...] | None = None
    concept_names: list[str] | None = None
    concept_groups: dict[str, list[int]] | None = None
    vocab: list[str] | None = None
    preprocessing: dict[str, Any] = field(default_factory=dict)  # resize, crop, ... as plain data

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["input_shape"] = list(self.input_shape)
        for key in ("mean", "std"):
            if d[key] is not None:
                d[key] = list(d[key])
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DataSpec:
        d = dict(d)
        d["input_shape"] = tuple(d["input_shape"])
        for key in ("mean", "std"):
            if d.get(key) is not None:
                d[key] = tuple(d[key])
        return cls(**d)


class DataRootError(FileNotFoundError):
    """A dataset's local root is missing or incomplete; the message says how to get the data."""


_DATAMODULES: dict[str, Callable[..., ZooDataModule]] = {}


def register_datamodule(name: str):
    def wrap(cls):
        if name in _DATAMODULES:
            raise ValueError(f"datamodule {name!r} is registered twice")
        _DATAMODULES[name] = cls
        return cls

    return wrap


def list_datamodules() -> list[str]:
    return sorted(_DATAMODULES)


def create_datamodule(name: str, **kwargs: Any) -> ZooDataModule:
    if name not in _DATAMODULES:
        raise KeyError(f"unknown datamodule {name!r}; available: {', '.join(list_datamodules())}")
    cls = _DATAMODULES[name]
    check_kwargs(cls, kwargs, f"datamodule {name!r}")
    return cls(**kwargs)


def check_kwargs(fn: Callable, kwargs: dict[str, Any], what: str) -> None:
    """Reject keyword arguments ``fn`` does not take, naming the ones it does."""
    params = inspect.signature(fn).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    unknown = sorted(set(kwargs) - set(params))
    if unknown:
        known = sorted(k for k, p in params.items() if p.kind is not p.VAR_POSITIONAL and k != "self")
        raise TypeError(f"{what} got unknown argument(s) {unknown}; it takes {known}")


def fixed_split(n: int, fractions: tuple[float, float], seed: int) -> tuple[list[int], list[int], list[int]]:
    """A deterministic (train, val, test) index split: the same seed gives the same split on every machine."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()
    n_val, n_test = int(round(n * fractions[0])), int(round(n * fractions[1]))
    return order[n_val + n_test :], order[:n_val], order[n_val : n_val + n_test]


class AugmentedSubset(Dataset):
    """A view of ``dataset`` at ``indices`` with an optional per-image transform (training augmentation).

    The transform applies to the first field; the others (label, concepts, ...) pass through unchanged."""

    def __init__(self, dataset: Dataset, indices: list[int], transform: Callable | None = None):
        self.dataset, self.indices, self.transform = dataset, list(indices), transform

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int):
        x, *rest = self.dataset[self.indices[i]]
        return ((self.transform(x) if self.transform else x), *rest)


class ZooDataModule(L.LightningDataModule):
    """Base for every datamodule: subclasses fill ``self.train_set/val_set/test_set/push_set`` in ``setup``.

    ``push_set`` is the un-augmented training split (prototype projection, concept statistics).
    """

    spec: DataSpec

    def __init__(self, batch_size: int = 64, eval_batch_size: int | None = None, num_workers: int = 0):
        super().__init__()
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size or batch_size
        self.num_workers = num_workers
        self.train_set = self.val_set = self.test_set = self.push_set = None

    def _loader(self, dataset, shuffle: bool, batch_size: int | None = None) -> DataLoader:
        if dataset is None:
            raise RuntimeError(f"{type(self).__name__}.setup() has not been called")
        return DataLoader(
            dataset,
            batch_size=batch_size or self.eval_batch_size,
            shuffle=shuffle,
            num_workers=self.num_workers,
            persistent_workers=self.num_workers > 0,
        )

    def train_dataloader(self) -> DataLoader:
        return self._loader(self.train_set, shuffle=True, batch_size=self.batch_size)

    def val_dataloader(self) -> DataLoader:
        return self._loader(self.val_set, shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader(self.test_set, shuffle=False)

    def push_dataloader(self) -> DataLoader:
        return self._loader(self.push_set, shuffle=False)

    def split_dataloader(self, split: str) -> DataLoader:
        loaders = {"train": self.push_dataloader, "val": self.val_dataloader, "test": self.test_dataloader}
        if split not in loaders:
            raise KeyError(f"unknown split {split!r}; choose one of {sorted(loaders)}")
        return loaders[split]()


def tensor_dataset(images: torch.Tensor, labels: torch.Tensor) -> TensorDataset:
    return TensorDataset(images.float(), labels.long())


__all__ = [
    "AugmentedSubset",
    "DataRootError",
    "DataSpec",
    "Subset",
    "ZooDataModule",
    "check_kwargs",
    "create_datamodule",
    "fixed_split",
    "list_datamodules",
    "register_datamodule",
    "tensor_dataset",
]
