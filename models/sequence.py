"""``SequenceModel``: what every model over token sequences shares (Transformer Programs, the standard
transformer baseline, later the sparse-expert language models).

Token tasks label every position, and ``<pad>`` (BOS, EOS, padding) labels are ignored by the loss and the
token accuracy; pooled tasks (``task_type: sequence_classification``) label whole sequences. ``<pad>`` and
``<unk>`` output classes are never predicted: their logit is the constant ``MASKED_LOGIT``.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torchmetrics import MetricCollection
from torchmetrics.classification import MulticlassAccuracy

from .base import InputError, InterpretableModel

PAD, UNK = "<pad>", "<unk>"
MASKED_LOGIT = -1e9  # the logit of a masked class (<pad>, <unk>): finite, so losses and sums stay finite


class SequenceModel(InterpretableModel):
    """Token ids (B, T) -> logits (B, T, C) for token tasks, (B, C) for pooled classification.
    Subclasses implement ``training_logits(x)`` (the model as trained: relaxed, sampled...)."""

    def __init__(self, spec: dict[str, Any], mask_special_logits: bool = True):
        super().__init__(spec)
        if not self.spec.vocab:
            raise ValueError(f"data spec {self.spec.name!r} has no vocabulary; a sequence model needs one")
        self.vocab = list(self.spec.vocab)
        self.n_ctx = self.spec.input_shape[0]
        self.pad_id = self.vocab.index(PAD) if PAD in self.vocab else -1
        prep = self.spec.preprocessing
        self.pooled = prep.get("task_type", "token_classification") == "sequence_classification"
        self.causal = bool(prep.get("causal", False))
        C = self.num_classes
        masked = [c in (PAD, UNK) for c in self.spec.class_names] if mask_special_logits else [False] * C
        self.register_buffer("class_mask", torch.tensor(masked), persistent=False)
        self.ignore_index = -100 if self.pooled else self.spec.class_names.index(PAD)
        ignore = None if self.pooled else self.ignore_index
        metrics = MetricCollection({"acc": MulticlassAccuracy(C, average="micro", ignore_index=ignore)})
        self.train_metrics = metrics.clone(prefix="train/")
        self.val_metrics = metrics.clone(prefix="val/")
        self.test_metrics = metrics.clone(prefix="test/")

    def check_input(self, x: Any) -> torch.Tensor:
        x = super().check_input(x)
        if x.is_floating_point() or x.dtype == torch.bool:
            raise InputError(f"expected token ids (an integer tensor) from the {self.spec.name!r} data, "
                             f"got dtype {x.dtype}")
        if x.min() < 0 or x.max() >= len(self.vocab):
            raise InputError(f"token ids must lie in [0, {len(self.vocab)}) (the vocabulary of "
                             f"{self.spec.name!r}), got values in [{int(x.min())}, {int(x.max())}]")
        return x

    def training_logits(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def scored(self, logits: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return (logits, y) if self.pooled else (logits.flatten(0, 1), y.flatten())

    def training_forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.training_logits(x)
        return logits, F.cross_entropy(*self.scored(logits.float(), y), ignore_index=self.ignore_index)
