"""Datamodules shared by every family. ``create_datamodule(name, **kwargs)``; ``list_datamodules()``."""

from . import cifar, cub, image_folder, images, mnist, sequences, text  # noqa: F401  (importing fills the registry)
from .base import DataRootError, DataSpec, ZooDataModule, create_datamodule, list_datamodules

__all__ = ["DataRootError", "DataSpec", "ZooDataModule", "create_datamodule", "list_datamodules"]
