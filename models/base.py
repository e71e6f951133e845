"""``InterpretableModel``: the LightningModule every family derives from (the spine's contracts).

It owns what every family shares, so a family file only holds what its paper adds:

* input checks (shape, channels, dtype, NaN, empty batch) with messages that say what was expected, and the
  normalisation from the data spec;
* the typed ``Batch`` (``datamodules.batch``) in every step: nothing beyond the targets is dropped;
* training: ``training_forward`` (the model as trained) -> named ``loss_terms`` weighted by ``loss_weights``,
  each term logged; families that train in phases with their own optimisers name them in ``phases`` and get the
  optimiser step here (``PhaseSchedule`` says which phase an epoch is);
* evaluation: the metrics the family declares (``metrics``/``update_metrics``), its own ``evaluation_loss``,
  the metric checkpoints are selected on (``selection_metric``, ``selection_mode``);
* ``explain``: one record builder for every family. A family returns a ``Decomposition`` of its outputs

      outputs[n, c] = sum_u contributions[n, c, u] + bias[n, c],   contributions = scores[n, u] * weights[c, u]

  (or its own ``contributions``), and adds what it knows about a unit (``unit_details``, ``unit_maps``) and
  its typed sections (``explanation_sections``). Options (interventions, samples, masks) pass through
  ``forward(x, **options)`` and ``explain(batch, **options)`` to ``decompose``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import lightning as L
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torchmetrics import MetricCollection
from torchmetrics.classification import MulticlassAccuracy

from configs.validation import ConfigError, check_kwargs, validate_args
from datamodules.base import DataSpec
from datamodules.batch import Batch, BatchError, as_batch

from .explanation import OUTPUT_KINDS, SECTIONS, Evidence, Explanation, GlobalExplanation, UnitScore


class InputError(ValueError):
    """An input batch the model cannot take; the message says what was expected."""


class CertificateError(ValueError):
    """A certificate asked of a model or norm it does not hold for; the message says why."""


class OptionError(InputError, TypeError):
    """An option a family's ``explain`` / ``forward`` does not take; the message lists the ones it does."""


@contextmanager
def evaluating(module: nn.Module) -> Iterator[nn.Module]:
    """Eval mode inside the block; every submodule's own mode restored after (a frozen part may be in eval)."""
    modes = {name: m.training for name, m in module.named_modules()}
    module.eval()
    try:
        yield module
    finally:
        for name, m in module.named_modules():
            m.training = modes.get(name, m.training)


def in_eval_mode(method):
    """A method decorator: the module is in eval mode during the call (``evaluating``)."""
    @functools.wraps(method)
    def wrapped(self, *args, **kwargs):
        with evaluating(self):
            return method(self, *args, **kwargs)

    return wrapped


@dataclass
class Decomposition:
    """A batch of outputs and their parts: ``outputs = contributions.sum(-1) + bias`` row by row.

    Rows are inputs, or (sequence, position) pairs for sequence models (``sequence``, ``position``, and the
    row's ``targets``). ``contributions`` is ``scores[n, u] * weights[c, u]`` unless a family gives it (N, C, U)
    itself. A training or evaluation pass may return a Decomposition with only ``outputs`` (and ``extras``)."""

    outputs: torch.Tensor  # (N, C), or (B, T, C) from a sequence model's forward
    scores: torch.Tensor | None = None  # (N, U) similarity / detection / concept activation of each unit
    weights: torch.Tensor | None = None  # (C, U) or (N, C, U)
    bias: torch.Tensor | None = None  # (C,) or (N, C); None: zero
    contributions: torch.Tensor | None = None  # (N, C, U), when not scores x weights
    output: str = "logit"
    complete: bool = True
    exact: str | None = None  # when not complete: what the record's numbers are exactly
    sequence: torch.Tensor | None = None  # (N,) the row's sequence in the batch
    position: torch.Tensor | None = None  # (N,) its position
    targets: torch.Tensor | None = None  # (N,) the row's target, when the batch had targets
    extras: dict[str, Any] = field(default_factory=dict)  # e.g. distance maps, for unit_details

    @property
    def num_units(self) -> int:
        return int(self.contributions.shape[-1] if self.contributions is not None else self.scores.shape[-1])

    def contributions_for(self, classes: torch.Tensor) -> torch.Tensor:
        """(N, U): each unit's part in ``outputs[n, classes[n]]``."""
        rows = torch.arange(len(classes), device=classes.device)
        if self.contributions is not None:
            return self.contributions[rows, classes]
        weights = self.weights[classes] if self.weights.dim() == 2 else self.weights[rows, classes]
        return self.scores * weights

    def weights_for(self, classes: torch.Tensor) -> torch.Tensor | None:
        if self.weights is None:
            return None
        rows = torch.arange(len(classes), device=classes.device)
        return self.weights[classes] if self.weights.dim() == 2 else self.weights[rows, classes]

    def bias_for(self, classes: torch.Tensor) -> torch.Tensor:
        if self.bias is None:
            return torch.zeros(len(classes), dtype=self.outputs.dtype, device=self.outputs.device)
        rows = torch.arange(len(classes), device=classes.device)
        return self.bias[classes] if self.bias.dim() == 1 else self.bias[rows, classes]

    def all_contributions(self) -> torch.Tensor:
        """(N, C, U) for every class (the shared completeness check rebuilds every output from it)."""
        if self.contributions is not None:
            return self.contributions
        weights = self.weights if self.weights.dim() == 3 else self.weights.unsqueeze(0)
        return self.scores.unsqueeze(1) * weights

    def all_bias(self) -> torch.Tensor:
        if self.bias is None:
            return torch.zeros_like(self.outputs)
        return self.bias.expand(self.outputs.shape)


class InterpretableModel(L.LightningModule):
    """Base class. Subclasses call ``super().__init__(spec)`` and then ``self.save_hyperparameters()``."""

    kind = "generic"  # the Explanation.kind this family produces
    output = "logit"  # what forward() returns: "logit", "probability" or "mean_probability"
    complete = True  # the family claims complete explanations: the shared test checks it on every variant
    # The validation metric train.py selects checkpoints on (never a test metric), and whether higher is better.
    selection_metric = "val/acc"
    selection_mode = "max"
    # Phases with their own optimisers: configure_optimizers returns one per phase, in this order, and the
    # base steps the one of ``self.phase`` (set by PhaseSchedule). Empty: one optimiser, automatic optimisation.
    phases: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()  # Batch fields the training needs beyond inputs and targets (e.g. concepts)
    ignore_index = -100  # targets the loss and the metrics skip (sequence models: <pad> positions)
    unit_score = UnitScore()  # what a unit's score in a record means (similarity, distance, detection, ...)
    output_label: str | None = None  # what the outputs are called on a page (None: the output kind's name)
    # Whether records carry the unit maps to draw over the image. False where a map would point at no place
    # (a latent grid whose every cell sees most of the image); unit_maps() stays available to the metrics.
    draw_unit_maps = True
    # Whether a row's outputs (softmaxed, for logits) are a distribution over the classes; False where they are not
    # (CBC's class agreements, each in [0, 1], summing to more than 1): no record or page derives a probability
    output_is_distribution: bool = True
    card: dict[str, Any] | None = None  # a loaded release's model card (set by load_release)

    def __init__(self, spec: dict[str, Any] | DataSpec):
        super().__init__()
        self.spec = spec if isinstance(spec, DataSpec) else DataSpec.from_dict(spec)
        if self.output not in OUTPUT_KINDS:
            raise ValueError(f"{type(self).__name__}.output must be one of {OUTPUT_KINDS}")
        self.num_classes = self.spec.num_classes
        self.variant: str | None = None  # set by create_model
        self.phase: str | None = self.phases[0] if self.phases else None
        if self.phases:
            self.automatic_optimization = False
        if self.spec.mean is not None:
            shape = (1, len(self.spec.mean)) + (1,) * (len(self.spec.input_shape) - 1)
            self.register_buffer("input_mean", torch.tensor(self.spec.mean).view(shape), False)
            self.register_buffer("input_std", torch.tensor(self.spec.std).view(shape), False)
        else:
            self.input_mean = self.input_std = None
        metrics = self.metrics()
        self.train_metrics = metrics.clone(prefix="train/")
        self.val_metrics = metrics.clone(prefix="val/")
        self.test_metrics = metrics.clone(prefix="test/")

    def save_hyperparameters(self, *args: Any, ignore: Any = None, frame: Any = None, logger: bool = True) -> None:
        """Lightning's, then every constructor argument checked against the constructor's annotations (types and
        ``Range`` bounds): a direct call, a config and a card meet the same bounds (a ``ConfigError``, which is a
        ``ValueError``, naming the argument and its range)."""
        import inspect

        from configs.validation import validate_args

        super().save_hyperparameters(*args, ignore=ignore, frame=frame or inspect.currentframe().f_back,
                                     logger=logger)
        validate_args(type(self), {k: v for k, v in self.hparams.items() if k != "spec"}, type(self).__name__)

    # ---- input checks and preprocessing -------------------------------------------------------------
    def check_input(self, x: Any) -> torch.Tensor:
        expected = tuple(self.spec.input_shape)
        shape = f"(B, {', '.join(map(str, expected))})"
        if not isinstance(x, torch.Tensor):
            raise InputError(f"expected a torch.Tensor of shape {shape}, got {type(x).__name__}")
        if x.dim() != len(expected) + 1:
            raise InputError(f"expected a batch of shape {shape}, got shape {tuple(x.shape)}; add a batch "
                             f"dimension with x.unsqueeze(0) for one input")
        if x.shape[0] == 0:
            raise InputError("empty batch: the model needs at least one input")
        if self.spec.is_image and x.shape[1] != expected[0]:
            raise InputError(f"expected {expected[0]} channel(s) ({self.spec.name} preprocessing), got "
                             f"{x.shape[1]}; convert the images (e.g. grayscale <-> RGB) before calling")
        if tuple(x.shape[1:]) != expected:
            raise InputError(f"expected inputs of shape {expected} (as produced by the {self.spec.name!r} "
                             f"datamodule), got {tuple(x.shape[1:])}; resize the inputs first")
        if x.is_floating_point():
            if not torch.isfinite(x).all():
                raise InputError("input contains NaN or infinite values")
            if x.dtype == torch.float64:
                raise InputError("expected float32 inputs, got float64; convert them with x.float()")
            # Images belong in [0, 1]; a little outside is allowed (perturbations, interpolation), values that
            # are plainly 8-bit or already normalised are refused.
            if self.spec.is_image and (x.max() > 2 or x.min() < -1):
                hint = ("divide 8-bit images by 255" if x.max() > 2 else
                        "pass the raw images: the model applies its own mean/std")
                raise InputError(f"expected images in [0, 1] (the model normalises them itself), got values in "
                                 f"[{float(x.min()):.3g}, {float(x.max()):.3g}]: {hint}")
        elif not self.spec.is_sequence:
            raise InputError(f"expected floating-point inputs{' (images in [0, 1])' if self.spec.is_image else ''}"
                             f", got dtype {x.dtype}")
        return x

    def check_batch(self, batch: Any) -> Batch:
        """The batch as a ``Batch``, its inputs checked, and the fields this family needs present."""
        try:
            batch = as_batch(batch)
        except BatchError as err:
            raise InputError(str(err)) from None
        self.check_input(batch.inputs)
        if batch.targets is not None and len(batch.targets) != len(batch):
            raise InputError(f"{len(batch.targets)} targets for {len(batch)} inputs")
        return batch

    def check_training_batch(self, batch: Batch) -> None:
        missing = [name for name in self.requires if getattr(batch, name) is None]
        if batch.targets is None:
            missing.insert(0, "targets")
        if missing:
            raise InputError(f"{type(self).__name__} trains on batches with {', '.join(missing)}; the "
                             f"{self.spec.name!r} data gives {', '.join(batch.present())}")

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        if self.input_mean is None:
            return x
        return (x - self.input_mean) / self.input_std

    # ---- the family's part ---------------------------------------------------------------------------
    def forward(self, x: torch.Tensor, **options: Any) -> torch.Tensor:
        """Raw inputs (as the datamodule yields them) -> outputs (B, C): logits or probabilities (``output``)."""
        return self.decompose(self.check_input(x), **options).outputs

    def decompose(self, x: torch.Tensor, **options: Any) -> Decomposition:
        raise NotImplementedError(f"{type(self).__name__} does not implement decompose()")

    def unit_names(self) -> list[str]:
        raise NotImplementedError

    def unit_name(self, unit: int) -> str:
        return self.unit_names()[unit]

    def unit_details(self, decomposition: Decomposition, row: int, units: list[int]) -> list[dict[str, Any]]:
        """Extra evidence for some units on one row (location, source patch...), one dict per unit."""
        return [{} for _ in units]

    def unit_maps(self, decomposition: Decomposition, row: int, units: list[int]) -> dict[int, np.ndarray]:
        """(h, w) maps of some units over the row's image (similarity, detection, attention). Default: none."""
        return {}

    def explanation_sections(self, decomposition: Decomposition, batch: Batch,
                             classes: torch.Tensor) -> list[dict[str, Any]]:
        """Per row, the typed sections this family fills ({"certificate": CertificateSection(...)}, ...)."""
        return [{} for _ in range(len(classes))]

    def global_explanation(self) -> GlobalExplanation:
        raise NotImplementedError

    def locate_unit_sources(self, explanation: GlobalExplanation, dataset) -> None:
        """At export, for units with no picture of their own: set each ``GlobalUnit.source`` to the item of
        ``dataset`` (the un-augmented training split) and the box where the unit is found most strongly, so the
        exporters cut its picture from there. Default: nothing (units are images, or their sources are stored)."""

    # ---- training hooks (defaults: one phase, no schedule, one model) ----------------------------------
    supports_grid = False  # the family trains many members as one batched model (``grid``)
    mid_epoch_resume = True  # a checkpoint every N steps resumes the run mid-epoch

    @property
    def total_epochs(self) -> int | None:
        """The length of the family's fixed phase schedule in epochs (None: no fixed schedule)."""
        return None

    @classmethod
    def grid(cls, make_member, seeds: list[int], member_args: list[dict[str, Any]]):
        """Members ``member_args`` x ``seeds`` as one model trained in one run (``supports_grid`` families)."""
        raise ValueError(f"{cls.__name__} cannot be trained as a grid (grid.seeds, grid.configs)")

    def fit_datamodule(self, datamodule):
        """The data ``fit`` reads (a grid gives each member its own order); the datamodule itself."""
        return datamodule

    def select(self, checkpoint_path: str) -> tuple[Any, dict[str, Any]] | None:
        """After fitting: the model to test and release and what chose it (a grid's best member), or None for
        this model itself."""
        return None

    def on_phase_epoch_start(self, phase: str, first_epoch_of_phase: bool, resumed: bool = False) -> None:
        """Called by ``PhaseSchedule`` at every epoch start (``resumed``: re-entering an epoch a killed run was
        in, whose once-per-epoch steps already ran)."""

    def uncertainty_scores(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """(N,) uncertainty scores of the family's own beyond the shared ones (Prob-PSENN's entropies); none."""
        return {}

    def certificate_refusal(self, norm: str = "l2") -> str | None:
        """Why this model gives no certified radius in ``norm`` (None: it does). Default: it gives none."""
        return f"{type(self).__name__} ({self.variant or 'unnamed'}) gives no certified radius"

    def certified_radius(self, x: torch.Tensor, classes: torch.Tensor | None = None, norm: str = "l2",
                         clamp: bool = True) -> torch.Tensor:
        """(B,) radius within which no input changes the prediction; a family that certifies overrides this."""
        raise CertificateError(self.certificate_refusal(norm) or f"{type(self).__name__} gives no radius")

    def release_files(self, directory) -> dict[str, Any]:
        """Write any files a release carries beside the weights (e.g. a decompiled program) into
        ``directory`` and return entries for the model card. Called inside the release's atomic write."""
        return {}

    def release_checks(self, directory, datamodule) -> dict[str, Any]:
        """Checks run on a fresh release against its data (e.g. program == model); recorded in the card."""
        return {}

    # ---- explanations --------------------------------------------------------------------------------
    def explain_options(self) -> list[str]:
        """The options ``explain`` and ``forward`` take (the keyword arguments of ``decompose``)."""
        import inspect

        params = inspect.signature(self.decompose).parameters
        return [k for k, p in params.items() if k != "x" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]

    @torch.no_grad()
    def explain(self, batch: Any, top_k: int = 5, explain_class: str = "prediction",
                **options: Any) -> list[Explanation]:
        """One ``Explanation`` per prediction. ``explain_class``: "prediction" or "target"; ``options`` are
        the family's (``explain_options()``), e.g. interventions or the number of samples."""
        if explain_class not in ("prediction", "target"):
            raise ValueError(f"explain_class must be 'prediction' or 'target', got {explain_class!r}")
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
            raise ValueError(f"top_k must be a positive integer (the evidence units per record), got {top_k!r}")
        try:
            check_kwargs(self.decompose, options, f"{type(self).__name__}.explain", skip=("x",))
        except TypeError as err:
            raise OptionError(str(err)) from None
        try:  # the options' values by the family's annotations (a sample count, a seed, a competence)
            validate_args(self.decompose, options, f"{type(self).__name__}.explain option")
        except ConfigError as err:
            raise InputError(str(err)) from None
        batch = self.check_batch(batch).to(self.device)
        if explain_class == "target" and batch.targets is None:
            raise InputError("explain_class='target' explains each input's target class, and these inputs have no "
                             "targets; explain the prediction instead (explain_class='prediction')")
        with evaluating(self):
            decomposition = self.explain_decompose(batch, **options)
        return self.records(decomposition, batch, top_k, explain_class)

    def explain_decompose(self, batch: Batch, **options: Any) -> Decomposition:
        """The decomposition ``explain`` builds records from; sequence models give one row per position."""
        decomposition = self.decompose(batch.inputs, **options)
        if decomposition.targets is None:
            decomposition.targets = batch.targets
        return decomposition

    def records(self, decomposition: Decomposition, batch: Batch, top_k: int = 5,
                explain_class: str = "prediction") -> list[Explanation]:
        """The one record builder: one ``Explanation`` per row of ``decomposition``."""
        outputs = decomposition.outputs.detach().double()
        predictions = outputs.argmax(-1)
        targets = decomposition.targets
        classes = predictions.clone()
        if explain_class == "target" and targets is not None:
            known = targets >= 0
            classes[known] = targets[known].to(classes.device)
        contributions = decomposition.contributions_for(classes).detach().double()  # (N, U)
        bias = decomposition.bias_for(classes).detach().double()
        # The runner-up: the highest other output. Only the difference to it decides the prediction, so each
        # unit's part in it (the contrast) is what a page shows beside the absolute parts.
        others = outputs.clone()
        others[torch.arange(len(classes)), classes] = -torch.inf
        runner_up = others.argmax(-1) if outputs.shape[-1] > 1 else None
        if runner_up is not None:
            contrast = (contributions - decomposition.contributions_for(runner_up).detach().double()).cpu().numpy()
            contrast_bias = (bias - decomposition.bias_for(runner_up).detach().double()).cpu().numpy()
        weights = decomposition.weights_for(classes)
        scores = decomposition.scores
        sections = self.explanation_sections(decomposition, batch, classes)
        outputs_np, contributions_np = outputs.cpu().numpy(), contributions.cpu().numpy()
        images = batch.inputs if self.spec.is_image else None
        records = []
        for n in range(len(outputs_np)):
            row = contributions_np[n]
            k = min(top_k, row.size)
            top = np.argsort(-np.abs(row), kind="stable")[:k].tolist()
            details = self.unit_details(decomposition, n, top)
            evidence = [Evidence(unit=self.unit_name(u), index=u, contribution=float(row[u]),
                                 score=None if scores is None else float(scores[n, u]),
                                 weight=None if weights is None else float(weights[n, u]), details=d)
                        for u, d in zip(top, details)]
            sequence = None if decomposition.sequence is None else int(decomposition.sequence[n])
            position = None if decomposition.position is None else int(decomposition.position[n])
            target = None if targets is None or int(targets[n]) < 0 else int(targets[n])
            image_row = n if sequence is None else sequence
            records.append(Explanation(
                kind=self.kind, output=decomposition.output, outputs=outputs_np[n], prediction=int(predictions[n]),
                explained_class=int(classes[n]), contributions=row, num_units=row.size, bias=float(bias[n]),
                complete=decomposition.complete, exact=decomposition.exact, target=target,
                sequence=sequence, position=position, evidence=evidence,
                runner_up=None if runner_up is None else int(runner_up[n]),
                contrast=None if runner_up is None else contrast[n],
                contrast_bias=None if runner_up is None else float(contrast_bias[n]),
                inputs=None if self.spec.is_image or self.spec.is_sequence else
                batch.inputs[n].detach().float().cpu().tolist(),
                image=None if images is None else images[image_row].detach().float().cpu().permute(1, 2, 0)
                .clamp(0, 1).numpy(),
                unit_maps=self.unit_maps(decomposition, n, top) if self.draw_unit_maps else {},
                class_names=self.spec.class_names, output_is_distribution=self.output_is_distribution,
                **sections[n]))
            if not records[-1].numbers_are_finite():  # NaN weights or inputs: never a complete record
                records[-1].complete, records[-1].exact = False, "none: the record holds non-finite numbers"
        return records

    # ---- training and evaluation ---------------------------------------------------------------------
    def metrics(self) -> MetricCollection:
        """The evaluation metrics, cloned for train/val/test (the family adds its own, e.g. concept accuracy)."""
        ignore = None if self.ignore_index < 0 else self.ignore_index
        return MetricCollection({"acc": MulticlassAccuracy(self.num_classes, average="micro", ignore_index=ignore)})

    def scored(self, outputs: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(outputs, targets) as the metrics and losses score them: one row per prediction."""
        return outputs, targets

    def update_metrics(self, metrics: MetricCollection, output: Decomposition, batch: Batch) -> None:
        metrics.update(*self.scored(output.outputs.detach().float(), batch.targets))

    def training_forward(self, batch: Batch) -> Decomposition:
        """The model as trained (relaxed, sampled, ...); by default the same as in evaluation."""
        return self.decompose(batch.inputs)

    def evaluation_forward(self, batch: Batch) -> Decomposition:
        return self.decompose(self.check_input(batch.inputs))

    def loss_terms(self, batch: Batch, output: Decomposition) -> dict[str, torch.Tensor]:
        """The named terms of the training loss (each logged as train/<name>); weighted by ``loss_weights``."""
        return {"cross_entropy": self.evaluation_loss(batch, output)}

    def loss_weights(self) -> dict[str, float]:
        """The coefficient of each loss term (missing: 1.0)."""
        return {}

    def total_loss(self, terms: dict[str, torch.Tensor]) -> torch.Tensor:
        weights = self.loss_weights()
        return sum(weights.get(name, 1.0) * value for name, value in terms.items())

    def evaluation_loss(self, batch: Batch, output: Decomposition) -> torch.Tensor:
        """The loss reported as val/loss and test/loss: cross-entropy of the predicted distribution."""
        outputs, targets = self.scored(output.outputs.float(), batch.targets)
        if self.output == "logit":
            return F.cross_entropy(outputs, targets, ignore_index=self.ignore_index)
        return F.nll_loss(outputs.clamp_min(1e-12).log(), targets, ignore_index=self.ignore_index)

    def selection_help(self) -> str:
        """What to change when no validation step gave ``selection_metric`` a value (train.py says it)."""
        return ""

    def skip_training_step(self) -> bool:
        """True where a phase trains nothing (the step is skipped)."""
        return False

    def after_optimizer_step(self) -> None:
        """Called after every optimiser step of a phase-trained family (re-impose constraints, ...)."""

    def phase_optimizer(self):
        optimizers = self.optimizers()
        optimizers = optimizers if isinstance(optimizers, (list, tuple)) else [optimizers]
        return optimizers[self.phases.index(self.phase)]

    def training_step(self, batch, batch_idx):
        batch = as_batch(batch)
        self.check_training_batch(batch)
        if self.skip_training_step():
            return None
        output = self.training_forward(batch)
        terms = self.loss_terms(batch, output)
        loss = self.total_loss(terms)
        if not self.automatic_optimization:
            optimizer = self.phase_optimizer()
            optimizer.zero_grad()
            self.manual_backward(loss)
            optimizer.step()
            self.after_optimizer_step()
        self.update_metrics(self.train_metrics, output, batch)
        n = len(batch)
        self.log("train/loss", loss.detach(), prog_bar=True, batch_size=n)
        if len(terms) > 1:
            self.log_dict({f"train/{k}": v.detach() for k, v in terms.items()}, on_step=False, on_epoch=True,
                          sync_dist=True, batch_size=n)
        self.log_dict(self.train_metrics, on_step=False, on_epoch=True, batch_size=n)
        return loss if self.automatic_optimization else loss.detach()

    def _eval_step(self, batch, metrics: MetricCollection, prefix: str) -> Decomposition:
        batch = as_batch(batch)
        output = self.evaluation_forward(batch)
        self.update_metrics(metrics, output, batch)
        n = len(batch)
        self.log(f"{prefix}/loss", self.evaluation_loss(batch, output), sync_dist=True, batch_size=n)
        self.log_dict(metrics, on_step=False, on_epoch=True, prog_bar=prefix == "val", batch_size=n)
        return output

    def validation_step(self, batch, batch_idx):
        self._eval_step(batch, self.val_metrics, "val")

    def test_step(self, batch, batch_idx):
        self._eval_step(batch, self.test_metrics, "test")

    def predict_step(self, batch, batch_idx):
        return self(as_batch(batch).inputs)

    # ---- checkpoint identity -------------------------------------------------------------------------
    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        from . import __version__
        from .registry import class_key

        checkpoint["intrinsic_zoo"] = {"model_class": class_key(type(self)), "variant": self.variant,
                                       "version": __version__}


__all__ = ["Batch", "CertificateError", "Decomposition", "InputError", "InterpretableModel", "SECTIONS", "evaluating",
           "in_eval_mode"]
