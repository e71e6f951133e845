"""Datamodules shared by every family. ``create_datamodule(name, **kwargs)``; ``list_datamodules()``.

Every datamodule publishes a ``DataSpec`` and yields ``Batch`` objects (``datamodules.batch``)."""

from . import (  # noqa: F401  (importing fills the registry)
    chess,
    cifar,
    concepts,
    corpus,
    cub,
    image_folder,
    images,
    mnist,
    parts,
    sequences,
    text,
)
from .base import (
    DataRootError,
    DataSpec,
    SpecError,
    ZooDataModule,
    create_datamodule,
    datamodule_class,
    list_datamodules,
)
from .batch import Batch, as_batch

__all__ = ["Batch", "DataRootError", "DataSpec", "SpecError", "ZooDataModule", "as_batch", "create_datamodule",
           "datamodule_class", "list_datamodules"]
