"""``InterpretableModel``: the LightningModule every family derives from.

It owns what every family shares: the input checks (shape, channels, dtype, NaN, empty batch) with messages
that say what was expected, the normalisation from the data spec, accuracy metrics, and a generic ``explain``
for models whose logits are linear in interpretable units:

    logits[b, c] = sum_u scores[b, u] * weights[c, u] + bias[c]          (a ``Decomposition``)

Prototype networks (similarities x last layer), CBC heads (detections x reasoning), concept bottlenecks
(concepts x label predictor) all have this form, so they only implement ``decompose`` and, if they have more
to say about a unit (its location, source patch), ``unit_details``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import lightning as L
import torch
import torch.nn.functional as F
from torchmetrics import MetricCollection
from torchmetrics.classification import MulticlassAccuracy

from datamodules.base import DataSpec

from .explanation import Evidence, Explanation


class InputError(ValueError):
    """An input batch the model cannot take; the message says what was expected."""


@dataclass
class Decomposition:
    """logits = einsum('bu,cu->bc', scores, weights) + bias (weights may also be per-sample, (B, C, U))."""

    logits: torch.Tensor  # (B, C)
    scores: torch.Tensor  # (B, U)  similarity / detection / concept activation of each unit
    weights: torch.Tensor  # (C, U) or (B, C, U)
    bias: torch.Tensor  # (C,) or (B, C)
    extras: dict[str, torch.Tensor] = field(default_factory=dict)  # e.g. distance maps, for unit_details

    def contributions(self) -> torch.Tensor:
        """(B, C, U): each unit's additive share of each class logit."""
        weights = self.weights if self.weights.dim() == 3 else self.weights.unsqueeze(0)
        return self.scores.unsqueeze(1) * weights

    def bias_per_sample(self) -> torch.Tensor:
        return self.bias.expand(self.logits.shape)


def split_batch(batch: Any) -> tuple[torch.Tensor, torch.Tensor | None]:
    if isinstance(batch, torch.Tensor):
        return batch, None
    if isinstance(batch, (list, tuple)) and len(batch) >= 1:
        return batch[0], (batch[1] if len(batch) > 1 else None)
    raise InputError(f"expected a tensor or an (inputs, targets) pair, got {type(batch).__name__}")


class InterpretableModel(L.LightningModule):
    """Base class. Subclasses call ``super().__init__(spec)`` and then ``self.save_hyperparameters()``."""

    kind = "generic"  # the Explanation.kind this family produces
    # The validation metric train.py selects checkpoints on (never a test metric). A family whose model is
    # only faithful in some phases (ProtoPNet after push) logs its own and names it here.
    selection_metric = "val/acc"
    ignore_index = -100  # targets the loss skips (sequence models: <pad> positions)

    def __init__(self, spec: dict[str, Any] | DataSpec):
        super().__init__()
        self.spec = spec if isinstance(spec, DataSpec) else DataSpec.from_dict(spec)
        self.num_classes = self.spec.num_classes
        self.variant: str | None = None  # set by create_model
        if self.spec.mean is not None:
            channels = self.spec.input_shape[0]
            self.register_buffer("input_mean", torch.tensor(self.spec.mean).view(1, channels, 1, 1), False)
            self.register_buffer("input_std", torch.tensor(self.spec.std).view(1, channels, 1, 1), False)
        else:
            self.input_mean = self.input_std = None
        metrics = MetricCollection({"acc": MulticlassAccuracy(num_classes=self.num_classes, average="micro")})
        self.train_metrics = metrics.clone(prefix="train/")
        self.val_metrics = metrics.clone(prefix="val/")
        self.test_metrics = metrics.clone(prefix="test/")

    # ---- input checks and preprocessing -------------------------------------------------------------
    def check_input(self, x: Any) -> torch.Tensor:
        expected = tuple(self.spec.input_shape)
        if not isinstance(x, torch.Tensor):
            raise InputError(f"expected a torch.Tensor of shape (B, {', '.join(map(str, expected))}), "
                             f"got {type(x).__name__}")
        if x.dim() != len(expected) + 1:
            raise InputError(f"expected a batch of shape (B, {', '.join(map(str, expected))}), got shape "
                             f"{tuple(x.shape)}; add a batch dimension with x.unsqueeze(0) for one input")
        if x.shape[0] == 0:
            raise InputError("empty batch: the model needs at least one input")
        if len(expected) == 3 and x.shape[1] != expected[0]:
            raise InputError(f"expected {expected[0]} channel(s) ({self.spec.name} preprocessing), got "
                             f"{x.shape[1]}; convert the images (e.g. grayscale <-> RGB) before calling")
        if tuple(x.shape[1:]) != expected:
            raise InputError(f"expected inputs of shape {expected} (as produced by the {self.spec.name!r} "
                             f"datamodule), got {tuple(x.shape[1:])}; resize the inputs first")
        if x.is_floating_point():
            if not torch.isfinite(x).all():
                raise InputError("input contains NaN or infinite values")
        elif len(expected) == 3:
            raise InputError(f"expected floating-point images in [0, 1], got dtype {x.dtype}")
        return x

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        if self.input_mean is None:
            return x
        return (x - self.input_mean) / self.input_std

    # ---- the family's part ---------------------------------------------------------------------------
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Raw inputs (as the datamodule yields them) -> logits (B, C)."""
        return self.decompose(self.check_input(x)).logits

    def decompose(self, x: torch.Tensor) -> Decomposition:
        raise NotImplementedError(f"{type(self).__name__} does not implement decompose()")

    def unit_names(self) -> list[str]:
        raise NotImplementedError

    def unit_details(self, decomposition: Decomposition, sample: int, units: list[int]) -> list[dict[str, Any]]:
        """Extra evidence for some units on one sample (location, source patch...), one dict per unit.
        Default: none."""
        return [{} for _ in units]

    def global_explanation(self) -> dict[str, Any]:
        raise NotImplementedError

    def release_files(self, directory) -> dict[str, Any]:
        """Write any files a release carries beside the weights (e.g. a decompiled program) into
        ``directory`` and return entries for the model card. Called inside the release's atomic write.
        Default: none."""
        return {}

    # ---- explanations --------------------------------------------------------------------------------
    @torch.no_grad()
    def explain(self, batch: Any, top_k: int = 5, explain_class: str = "prediction") -> list[Explanation]:
        """One complete ``Explanation`` per input. ``explain_class``: "prediction" or "target"."""
        x, targets = split_batch(batch)
        self.check_input(x)
        was_training = self.training
        self.eval()
        try:
            decomposition = self.decompose(x.to(self.device))
        finally:
            self.train(was_training)
        return self.records(decomposition, targets, top_k, explain_class)

    def records(self, decomposition: Decomposition, targets: torch.Tensor | None, top_k: int = 5,
                explain_class: str = "prediction", input_ids: list[str] | None = None,
                extras: list[dict[str, Any]] | None = None) -> list[Explanation]:
        """One ``Explanation`` per row of ``decomposition`` (an input, or one position of a sequence)."""
        if explain_class not in ("prediction", "target"):
            raise ValueError(f"explain_class must be 'prediction' or 'target', got {explain_class!r}")
        logits = decomposition.logits.double()
        probabilities = logits.softmax(-1)
        contributions = decomposition.contributions().double()  # (B, C, U)
        bias = decomposition.bias_per_sample().double()
        names = self.unit_names()
        records = []
        for b in range(logits.shape[0]):
            prediction = int(logits[b].argmax())
            target = None if targets is None else int(targets[b])
            cls = target if explain_class == "target" and target is not None else prediction
            row = contributions[b, cls]
            top = row.abs().topk(min(top_k, row.numel())).indices.tolist()
            weights = decomposition.weights if decomposition.weights.dim() == 2 else decomposition.weights[b]
            details = self.unit_details(decomposition, b, top)
            evidence = [
                Evidence(unit=names[u], index=u, contribution=float(row[u]),
                         score=float(decomposition.scores[b, u]), weight=float(weights[cls, u]), details=d)
                for u, d in zip(top, details)
            ]
            records.append(Explanation(
                kind=self.kind, prediction=prediction, probabilities=probabilities[b].tolist(),
                logits=logits[b].tolist(), explained_class=cls, contributions=row.tolist(),
                bias=float(bias[b, cls]), target=target, class_names=self.spec.class_names,
                evidence=evidence, maps=self.explanation_maps(decomposition, b, [e.index for e in evidence]),
                input_id=None if input_ids is None else input_ids[b],
                extras={} if extras is None else extras[b],
            ))
        return records

    def explanation_maps(self, decomposition: Decomposition, sample: int, units: list[int]) -> dict:
        """Arrays for image exporters (e.g. similarity maps of the top units). Default: none."""
        return {}

    # ---- training (families with phases override training_step) --------------------------------------
    def loss(self, logits: torch.Tensor, targets: torch.Tensor, decomposition: Decomposition) -> torch.Tensor:
        return F.cross_entropy(logits, targets)

    def training_forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The logits as trained and the training loss."""
        decomposition = self.decompose(x)
        return decomposition.logits, self.loss(decomposition.logits, y, decomposition)

    def scored(self, logits: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits, targets) as the metrics and the evaluation loss score them: one row per prediction."""
        return logits, y

    def training_step(self, batch, batch_idx):
        x, y = split_batch(batch)
        logits, loss = self.training_forward(x, y)
        self.train_metrics.update(*self.scored(logits.detach(), y))
        self.log("train/loss", loss, prog_bar=True)
        self.log_dict(self.train_metrics, on_step=False, on_epoch=True)
        return loss

    def _eval_step(self, batch, metrics: MetricCollection, prefix: str):
        x, y = split_batch(batch)
        logits, y = self.scored(self(x).float(), y)
        metrics.update(logits, y)
        self.log(f"{prefix}/loss", F.cross_entropy(logits, y, ignore_index=self.ignore_index), sync_dist=True)
        self.log_dict(metrics, on_step=False, on_epoch=True, prog_bar=prefix == "val")

    def validation_step(self, batch, batch_idx):
        self._eval_step(batch, self.val_metrics, "val")

    def test_step(self, batch, batch_idx):
        self._eval_step(batch, self.test_metrics, "test")

    def predict_step(self, batch, batch_idx):
        x, _ = split_batch(batch)
        return self(x)

    # ---- checkpoint identity -------------------------------------------------------------------------
    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        from . import __version__

        checkpoint["intrinsic_zoo"] = {"model_class": type(self).__name__, "variant": self.variant,
                                       "version": __version__}
