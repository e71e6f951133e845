"""The typed batch every datamodule yields and every model step reads (ARCHITECTURE v2: nothing is dropped).

A dataset item is a dict with any of the ``Batch`` field names (``{"inputs": x, "targets": y, "concepts": c}``);
``collate`` stacks a list of them into one ``Batch``. Models accept a ``Batch``, a bare tensor of inputs, an
``(inputs, targets, ...)`` tuple or such a dict, through ``as_batch``. Lightning moves a ``Batch`` to the device
like any dataclass of tensors.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import torch
from torch.utils.data import default_collate


@dataclass
class Batch:
    inputs: torch.Tensor  # images (B, C, H, W) in [0, 1], token ids (B, T), or features (B, D)
    targets: torch.Tensor | None = None  # (B,) classes, or (B, T) per-token labels
    concepts: torch.Tensor | None = None  # (B, K) concept labels (float; NaN where unknown)
    concept_mask: torch.Tensor | None = None  # (B, K) bool: True where a concept label is known / visible
    concept_certainty: torch.Tensor | None = None  # (B, K) annotator certainty (CUB: 1 not visible .. 4 sure)
    spatial_concepts: torch.Tensor | None = None  # (B, K, h, w) concept presence on the spec's patch grid
    attention_mask: torch.Tensor | None = None  # (B, T) bool: True at real (non-pad) tokens
    ids: torch.Tensor | None = None  # (B,) index of each item in its split
    domains: torch.Tensor | None = None  # (B,) domain / source label (language models' domain analysis)

    def __len__(self) -> int:
        return int(self.inputs.shape[0])

    def to(self, device: torch.device | str) -> Batch:
        return replace(self, **{f.name: getattr(self, f.name).to(device) for f in fields(self)
                                if isinstance(getattr(self, f.name), torch.Tensor)})

    def select(self, rows: slice | torch.Tensor) -> Batch:
        """The batch restricted to ``rows`` (a slice or an index tensor), every field alike."""
        return replace(self, **{f.name: getattr(self, f.name)[rows] for f in fields(self)
                                if isinstance(getattr(self, f.name), torch.Tensor)})

    def present(self) -> list[str]:
        """The names of the fields this batch carries."""
        return [f.name for f in fields(self) if getattr(self, f.name) is not None]


FIELDS = tuple(f.name for f in fields(Batch))
_TUPLE_ORDER = ("inputs", "targets")  # what a plain (x, y) tuple means


class BatchError(ValueError):
    """Something that is not a batch, or a dict with keys a Batch does not have."""


def as_batch(data: Any) -> Batch:
    """A ``Batch`` from a ``Batch``, a tensor of inputs, an (inputs[, targets]) tuple or a dict of fields."""
    if isinstance(data, Batch):
        return data
    if isinstance(data, torch.Tensor):
        return Batch(inputs=data)
    if isinstance(data, dict):
        unknown = sorted(set(data) - set(FIELDS))
        if unknown or "inputs" not in data:
            raise BatchError(f"a batch dict needs 'inputs' and may hold {', '.join(FIELDS)}; got keys "
                             f"{sorted(data)}")
        return Batch(**data)
    if isinstance(data, (list, tuple)) and 1 <= len(data) <= 2:
        return Batch(**dict(zip(_TUPLE_ORDER, data)))
    if isinstance(data, (list, tuple)):
        raise BatchError(f"a tuple batch is (inputs, targets); got {len(data)} items. Pass a dict (or Batch) "
                         f"to name the others: {', '.join(FIELDS)}")
    raise BatchError(f"expected a tensor, an (inputs, targets) pair, a dict or a Batch; got {type(data).__name__}")


def collate(items: list[dict[str, Any]]) -> Batch:
    """The DataLoader ``collate_fn`` of every zoo datamodule: dict items -> one ``Batch``."""
    return as_batch(default_collate(items))
