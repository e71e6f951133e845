"""What every concept-bottleneck family shares (CBM, CEM): the concept state, interventions as options of
``forward``/``decompose``/``explain``, the concept section of every record, concept metrics, the weighted
concept loss, the training-logit percentiles logit models are intervened with, training in phases, the
intervention curve saved with each release, and the concept alignment score (CAS).

A family implements two methods:

    encode(x) -> ConceptState                      # the predicted concepts (and embeddings), once per input
    head(state, mask, values) -> Decomposition     # set the masked concepts to ``values``, predict the label

and says what the label predictor reads (``reads_logits``). Everything else is here, so an intervention, an
explanation and a curve take the same path through the same two methods.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import lightning as L
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torchmetrics import Metric, MetricCollection
from torchmetrics.classification import MulticlassAccuracy

from configs.validation import NonNegativeCount, Probability, Seed
from datamodules.batch import as_batch

from .backbones import create_backbone
from .base import Decomposition, InterpretableModel, evaluating
from .explanation import ConceptSection
from .interventions import (
    InterventionError,
    apply_competence,
    check_values,
    group_matrix,
    group_names,
    intervention_curve,
    intervention_mask,
    logit_percentiles,
    mask_from_ranking,
    rank_groups,
    save_curves,
)
from .phases import PhaseSchedule


@dataclass
class ConceptState:
    """What the concept encoder predicts for a batch: concept logits (N, K) and any per-concept tensors the head
    reads (CEM's positive / negative embeddings, a hybrid CBM's extra units), each with N rows."""

    logits: torch.Tensor
    extras: dict[str, torch.Tensor] = field(default_factory=dict)

    @property
    def probabilities(self) -> torch.Tensor:
        return torch.sigmoid(self.logits)

    def __len__(self) -> int:
        return len(self.logits)

    def repeat(self, times: int) -> ConceptState:
        """Every row ``times`` times in a row (row n becomes rows n*times .. n*times + times - 1)."""
        return ConceptState(self.logits.repeat_interleave(times, 0),
                            {k: v.repeat_interleave(times, 0) for k, v in self.extras.items()})

    def with_logits(self, logits: torch.Tensor) -> ConceptState:
        return replace(self, logits=logits)


class ConceptAccuracy(Metric):
    """Accuracy of binary concept predictions (probability > 0.5) over the known labels (NaN skipped)."""

    full_state_update = False

    def __init__(self):
        super().__init__()
        self.add_state("correct", torch.tensor(0.0), dist_reduce_fx="sum")
        self.add_state("total", torch.tensor(0.0), dist_reduce_fx="sum")

    def update(self, probabilities: torch.Tensor, concepts: torch.Tensor) -> None:
        known = ~concepts.isnan()
        self.correct += ((probabilities > 0.5) == (concepts > 0.5))[known].sum()
        self.total += known.sum()

    def compute(self) -> torch.Tensor:
        return self.correct / self.total.clamp_min(1)


def mlp(sizes: Sequence[int], activation: type[nn.Module] = nn.LeakyReLU) -> nn.Sequential:
    """Linear layers of ``sizes`` with ``activation`` between them (none after the last)."""
    layers: list[nn.Module] = []
    for i in range(1, len(sizes)):
        layers.append(nn.Linear(sizes[i - 1], sizes[i]))
        if i < len(sizes) - 1:
            layers.append(activation())
    return nn.Sequential(*layers)


POOLINGS = ("avg", "flatten")


class PooledFeatures(nn.Module):
    """An image backbone's feature map as a vector: (B, C, H, W) -> (B, D). ``"avg"``: global average pooling
    (D = C; Koh's Inception, CEM's ResNet-34); ``"flatten"``: every cell kept (D = C H' W'), so concepts about
    where something is (the shapes scenes' positions) can be read; average pooling loses them."""

    def __init__(self, backbone: nn.Module, pooling: str = "avg", input_shape: Sequence[int] | None = None):
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        self.backbone, self.pooling, self.out_features = backbone, pooling, backbone.out_channels
        if pooling == "flatten":
            if input_shape is None:
                raise ValueError("pooling='flatten' needs the input shape")
            self.out_features = backbone.out_channels * self.map_cells(backbone, input_shape)

    @staticmethod
    def map_cells(backbone: nn.Module, input_shape: Sequence[int]) -> int:
        """H' W' of the backbone's map for one input (a dry run on the meta device: no memory, no BN update)."""
        with torch.device("meta"):
            probe = copy.deepcopy(backbone).to("meta")
            shape = probe(torch.zeros(1, *input_shape)).shape
        return int(shape[2] * shape[3])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.backbone(x)
        return features.flatten(1) if self.pooling == "flatten" else features.mean(dim=(2, 3))


def concept_encoder(spec, backbone: str, hidden: Sequence[int], out_features: int, pretrained: bool = False,
                    weights: str | None = None, pooling: str = "avg") -> nn.Module:
    """x (normalised) -> (B, out_features). Vectors: an MLP ``in -> hidden... -> out`` with LeakyReLU (the CEM
    synthetic extractor); images: a backbone (``models.backbones``), global average pooling (or the flattened
    map, ``pooling="flatten"``), ``hidden`` layers, then one linear layer to ``out_features`` (Koh et al. resize
    the backbone's last layer)."""
    if spec.is_image:
        features = PooledFeatures(create_backbone(backbone, spec.input_shape[0], pretrained, weights), pooling,
                                  spec.input_shape)
        return nn.Sequential(features, mlp([features.out_features, *hidden, out_features]))
    if pooling != "avg":
        raise ValueError(f"pooling={pooling!r} is for image backbones; vector inputs have no feature map")
    if spec.task != "vector_classification":
        raise ValueError(f"concept models take images or feature vectors, not {spec.task} data")
    if backbone != "mlp":
        raise ValueError(f"vector inputs need backbone='mlp', got {backbone!r}")
    return mlp([spec.input_shape[0], *hidden, out_features])


def concept_loss(logits: torch.Tensor, concepts: torch.Tensor, weights: torch.Tensor | None,
                 reduction: str) -> torch.Tensor:
    """Binary cross-entropy of every concept (``weights`` (K,) rescale a concept's whole loss, as Koh's
    ``BCEWithLogitsLoss(weight=r_j)``), averaged over the inputs whose label is known; then summed over the
    concepts (``"sum"``, Koh et al.: sum_j L_cj) or averaged (``"mean"``, CEM: one BCE over every entry)."""
    known = ~concepts.isnan()
    losses = F.binary_cross_entropy_with_logits(logits, concepts.nan_to_num(0.0), reduction="none")
    if weights is not None:
        losses = losses * weights
    losses = losses * known
    if reduction == "sum":
        return (losses.sum(0) / known.sum(0).clamp_min(1)).sum()
    return losses.sum() / known.sum().clamp_min(1)


def balanced_concept_weights(concepts: torch.Tensor) -> torch.Tensor:
    """Koh et al.'s ``-weighted_loss multiple``: r_j = n_j / n_pos_j - 1 over the known labels of concept j."""
    known = (~concepts.isnan()).sum(0).float()
    positive = concepts.nan_to_num(0.0).sum(0)
    return known / positive.clamp_min(1) - 1


class InterventionModel(InterpretableModel):
    """Base of the concept-bottleneck families. ``decompose(x, **intervention options)`` (see
    ``models.interventions``); records carry a ``ConceptSection``; the card of a release gets its intervention
    curve (``release_checks``)."""

    kind = "concept"
    selection_metric = "val/acc_selectable"  # val/acc once the model is whole (its last phase), -1 before
    requires = ("concepts",)

    def __init__(self, spec):
        super().__init__(spec)
        if not self.spec.concept_names:
            raise ValueError(f"{type(self).__name__} ({getattr(self, 'mode', 'concept')} training) learns from "
                             f"concept labels, and the {self.spec.name!r} data declares none (spec.concept_names); "
                             f"use data with concepts (xor, trig, dot, shapes, digit_pairs, cub200_cbm, or "
                             f"image_folder with concepts_file=...)")
        bad = [t for t in self.spec.concept_types or [] if t != "binary"]
        if bad:
            raise ValueError(f"{type(self).__name__} models binary concepts; the data has {sorted(set(bad))} ones")
        k = self.spec.num_concepts
        self.num_concepts = k
        # the 5th / 95th percentile of each concept's training logits (Koh et al. Sec. 6), set by
        # fit_intervention_values; NaN until then
        self.register_buffer("intervention_low", torch.full((k,), math.nan))
        self.register_buffer("intervention_high", torch.full((k,), math.nan))
        self.register_buffer("concept_loss_weights", torch.ones(k))
        self.val_acc_selectable = MulticlassAccuracy(self.num_classes, average="micro")
        self._epoch_loss: list[float] = []

    # ---- the family's part ----------------------------------------------------------------------------
    reads_logits = False  # True: the label predictor reads concept logits (interventions use the percentiles)

    def encode(self, x: torch.Tensor) -> ConceptState:
        raise NotImplementedError

    def head(self, state: ConceptState, mask: torch.Tensor | None, values: torch.Tensor | None,
             outputs_only: bool = False) -> Decomposition:
        """The label predictor on ``state`` with the ``mask``ed concepts set to ``values``; ``outputs_only``
        skips the parts (curves, effects)."""
        raise NotImplementedError

    def concept_representations(self, state: ConceptState) -> torch.Tensor:
        """(N, K, d) what each concept is represented by (CAS clusters these): its probability by default."""
        return state.probabilities.unsqueeze(-1)

    # ---- interventions ------------------------------------------------------------------------------------
    def decompose(self, x: torch.Tensor, intervene: Any = None, values: Any = None, policy: str | None = None,
                  budget: NonNegativeCount | None = None, order: Sequence[str] | None = None,
                  competence: Probability = 1.0, seed: Seed = 0) -> Decomposition:
        """Outputs and their parts for raw inputs ``x``, with the concepts in ``intervene`` (or ``budget`` groups
        chosen by ``policy``) set to ``values`` (see ``models.interventions``)."""
        state = self.encode(x)
        mask, values = self.resolve_intervention(state, intervene, values, policy, budget, order, competence, seed)
        decomposition = self.head(state, mask, values)
        decomposition.extras.update(state=state, mask=mask, values=values)
        return decomposition

    def resolve_intervention(self, state: ConceptState, intervene: Any, values: Any, policy: str | None,
                             budget: int | None, order: Sequence[str] | None, competence: float, seed: int
                             ) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        n, k, device = len(state), self.num_concepts, state.logits.device
        if policy is not None:
            if intervene is not None:
                raise InterventionError("pass either intervene (which concepts) or policy + budget, not both")
            groups = group_matrix(self.spec)
            if isinstance(budget, bool) or not isinstance(budget, int) or not 0 <= budget <= len(groups):
                raise InterventionError(f"policy {policy!r} needs budget = a number of groups in 0..{len(groups)}, "
                                        f"got {budget!r}")
            gradients = self.concept_gradients(state) if policy == "gradient" else None
            generator = torch.Generator().manual_seed(seed)
            ranking = rank_groups(policy, self.spec, state.probabilities, generator, order, gradients)
            mask = mask_from_ranking(ranking, budget, groups)
        else:
            if budget is not None or order is not None:
                raise InterventionError("budget and order go with a policy (policy='random', 'fixed', ...)")
            mask = intervention_mask(self.spec, intervene, n, device)
        if mask is None or not mask.any():
            if values is not None and mask is None:
                raise InterventionError("values were given but no concept to set: pass intervene=... or a policy")
            return None, None
        if values is None:
            raise InterventionError("intervening needs the true concept values: pass values=(N, K) 0/1 (NaN where "
                                    "unknown), or explain a batch that carries concept labels")
        values = check_values(values, n, k, device)
        mask = mask & ~values.isnan()
        values = values.nan_to_num(0.0)
        return mask, apply_competence(values, mask, competence, torch.Generator().manual_seed(seed + 1))

    def true_values(self, batch, use_visibility: bool = True) -> torch.Tensor:
        """The batch's concept labels as intervention values; with ``use_visibility``, concepts the annotator
        marked not visible (certainty 1, CUB) are set to 0 (Koh et al., App. B.3)."""
        values = batch.concepts.float().clone()
        if use_visibility and batch.concept_certainty is not None:
            values[(batch.concept_certainty == 1) & ~values.isnan()] = 0.0
        return values

    def explain_decompose(self, batch, **options: Any) -> Decomposition:
        wants = options.get("intervene") is not None or options.get("policy") is not None
        if wants and options.get("values") is None and batch.concepts is not None:
            options = {**options, "values": self.true_values(batch)}
        decomposition = self.decompose(batch.inputs, **options)
        if decomposition.targets is None:
            decomposition.targets = batch.targets
        return decomposition

    def intervention_values(self, values: torch.Tensor) -> torch.Tensor:
        """What the label predictor reads for a concept set to ``values`` (0/1): the 5th / 95th percentile of the
        concept's training logits for logit-reading models, the value itself otherwise."""
        if not self.reads_logits:
            return values
        if self.intervention_low.isnan().any():
            raise InterventionError(f"{self.variant or type(self).__name__} reads concept logits, and its training "
                                    f"logit percentiles are not set: call model.fit_intervention_values(<training "
                                    f"loader>) (training does it at every validation)")
        return torch.where(values > 0.5, self.intervention_high, self.intervention_low)

    @torch.no_grad()
    def fit_intervention_values(self, dataloader, limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Set the intervention values to the 5th / 95th percentile of each concept's logits over ``dataloader``
        (the un-augmented training split)."""
        logits = []
        with evaluating(self):
            seen = 0
            for batch in dataloader:
                batch = self.check_batch(batch).to(self.device)
                logits.append(self.encode(batch.inputs).logits.float())
                seen += len(batch)
                if limit is not None and seen >= limit:
                    break
        low, high = logit_percentiles(torch.cat(logits))
        self.intervention_low.copy_(low)
        self.intervention_high.copy_(high)
        return low, high

    @contextmanager
    def using_percentiles(self, low: torch.Tensor, high: torch.Tensor):
        """Intervene with ``low`` / ``high`` instead of the stored percentiles inside the block (the curve's
        evaluated-split percentiles, Koh's ``tti.py``); the stored ones are back afterwards."""
        saved = self.intervention_low.clone(), self.intervention_high.clone()
        self.intervention_low.copy_(low)
        self.intervention_high.copy_(high)
        try:
            yield
        finally:
            self.intervention_low.copy_(saved[0])
            self.intervention_high.copy_(saved[1])

    def concept_gradients(self, state: ConceptState) -> torch.Tensor:
        """(N, K) d(predicted class's output) / d(concept logit), for the gradient policy."""
        with torch.enable_grad():
            logits = state.logits.detach().requires_grad_(True)
            outputs = self.head(state.with_logits(logits), None, None, outputs_only=True).outputs
            (gradients,) = torch.autograd.grad(outputs.max(-1).values.sum(), logits, allow_unused=True)
        return torch.zeros_like(logits) if gradients is None else gradients

    # ---- records ------------------------------------------------------------------------------------------
    def current_values(self, decomposition: Decomposition) -> torch.Tensor:
        """(N, K) each concept's value as the model uses it: the intervened value, else the probability."""
        state, mask, values = (decomposition.extras[k] for k in ("state", "mask", "values"))
        probabilities = state.probabilities
        return probabilities if mask is None else torch.where(mask, values, probabilities)

    def used_values(self, decomposition: Decomposition) -> torch.Tensor:
        """(N, K) what the label predictor read for each concept (a logit, a probability, 0/1, an intervened
        value); by default the concept's current value."""
        return self.current_values(decomposition)

    def flip_effects(self, decomposition: Decomposition, classes: torch.Tensor) -> torch.Tensor:
        """(N, K) the change of each row's explained output when one concept is set to the opposite of its current
        value (an intervention), all N x K interventions in one batched pass of the head."""
        state, mask, values = (decomposition.extras[k] for k in ("state", "mask", "values"))
        n, k = len(state), self.num_concepts
        flipped = 1.0 - (self.current_values(decomposition) > 0.5).float()
        base_mask = torch.zeros(n, k, dtype=torch.bool, device=flipped.device) if mask is None else mask
        base_values = torch.zeros_like(flipped) if values is None else values
        eye = torch.eye(k, dtype=torch.bool, device=flipped.device)
        rows_mask = (base_mask.unsqueeze(1) | eye).reshape(n * k, k)
        rows_values = torch.where(eye, flipped.unsqueeze(1), base_values.unsqueeze(1)).reshape(n * k, k)
        outputs = self.head(state.repeat(k), rows_mask, rows_values, outputs_only=True).outputs.view(n, k, -1)
        rows = torch.arange(n, device=classes.device)
        explained = decomposition.outputs[rows, classes]
        return outputs[rows, :, classes] - explained.unsqueeze(1)

    def concept_contributions(self, decomposition: Decomposition, classes: torch.Tensor) -> torch.Tensor:
        """(N, K) each concept's part of the explained output (the first K units)."""
        return decomposition.contributions_for(classes)[:, : self.num_concepts]

    def explanation_sections(self, decomposition: Decomposition, batch, classes: torch.Tensor) -> list[dict[str, Any]]:
        """Concept section per row: predicted and true concepts, what the label predictor used, which were set
        from outside, each concept's contribution and the effect of intervening on it."""
        state, mask = decomposition.extras["state"], decomposition.extras["mask"]
        predicted = state.probabilities.detach().double().cpu().numpy()
        current = self.current_values(decomposition).detach().double().cpu().numpy()
        used = self.used_values(decomposition).detach().double().cpu().numpy()
        contributions = self.concept_contributions(decomposition, classes).detach().double().cpu().numpy()
        # a logit model without its training percentiles cannot be intervened on: no effects then
        fitted = not (self.reads_logits and self.intervention_low.isnan().any())
        effects = self.flip_effects(decomposition, classes).detach().double().cpu().numpy() if fitted else None
        true = None if batch.concepts is None else batch.concepts.detach().double().cpu().numpy()
        before = self.before_intervention(decomposition, classes)
        sections = []
        for n in range(len(predicted)):
            truth = None if true is None else [None if math.isnan(v) else float(v) for v in true[n]]
            intervened = [] if mask is None else torch.nonzero(mask[n]).flatten().tolist()
            unchanged = before is None or not intervened  # a row the intervention left alone has no "before"
            sections.append({"concepts": ConceptSection(
                predicted=predicted[n].tolist(), true=truth, used=used[n].tolist(), intervened=intervened,
                intervened_values=[float(current[n, i]) for i in intervened] if intervened else None,
                contributions=contributions[n].tolist(), effects=None if effects is None else effects[n].tolist(),
                outputs_before=None if unchanged else before[0][n].tolist(),
                prediction_before=None if unchanged else int(before[0][n].argmax()),
                contributions_before=None if unchanged else before[1][n].tolist())})
        return sections

    def before_intervention(self, decomposition: Decomposition, classes: torch.Tensor
                            ) -> tuple[np.ndarray, np.ndarray] | None:
        """(outputs (N, C), each concept's part of the explained output (N, K)) with no concept set from outside,
        the same head on the same encoded concepts; None when nothing was intervened on."""
        mask = decomposition.extras["mask"]
        if mask is None or not mask.any():
            return None
        plain = self.head(decomposition.extras["state"], None, None)
        outputs = plain.outputs.detach().double().cpu().numpy()
        return outputs, self.concept_contributions(plain, classes).detach().double().cpu().numpy()

    def unit_details(self, decomposition: Decomposition, row: int, units: list[int]) -> list[dict[str, Any]]:
        state, mask = decomposition.extras["state"], decomposition.extras["mask"]
        probabilities = state.probabilities[row]
        groups = {i: g for g, members in (self.spec.concept_groups or {}).items() for i in members}
        details = []
        for unit in units:
            if unit >= self.num_concepts:
                details.append({"concept": None})
                continue
            details.append({"concept": self.spec.concept_names[unit], "group": groups.get(unit),
                            "predicted": float(probabilities[unit]),
                            "intervened": bool(mask is not None and mask[row, unit])})
        return details

    # ---- metrics and losses -------------------------------------------------------------------------------
    def metrics(self) -> MetricCollection:
        collection = super().metrics()
        collection.add_metrics({"concept_acc": ConceptAccuracy()})
        return collection

    def update_metrics(self, metrics: MetricCollection, output: Decomposition, batch) -> None:
        metrics["acc"].update(*self.scored(output.outputs.detach().float(), batch.targets))
        state = output.extras.get("state")
        if state is not None and batch.concepts is not None:
            metrics["concept_acc"].update(state.probabilities.detach().float(), batch.concepts.float())

    def concept_term(self, state: ConceptState, concepts: torch.Tensor, reduction: str) -> torch.Tensor:
        return concept_loss(state.logits, concepts.float(), self.concept_loss_weights, reduction)

    def set_concept_weights(self, weights: str | Sequence[float] | None, datamodule) -> None:
        """Fill ``concept_loss_weights``: None -> 1; ``"balanced"`` -> Koh's n/n_pos - 1 on the training split's
        labels; a list -> as given."""
        if weights is None:
            return
        if weights == "balanced":
            from datamodules.concepts import concept_labels

            if datamodule is None:
                raise ValueError("concept_weights='balanced' needs the training data (fit with a datamodule)")
            values = balanced_concept_weights(concept_labels(datamodule, "train"))
        else:
            values = torch.as_tensor(list(weights), dtype=torch.float32)
            if values.shape != (self.num_concepts,):
                raise ValueError(f"concept_weights must list {self.num_concepts} weights, got {len(values)}")
        self.concept_loss_weights.copy_(values.to(self.concept_loss_weights))

    def check_training_data(self, datamodule) -> None:
        """Before the first step: the training split must carry concept labels the loss can use."""
        if datamodule is None or "concepts" not in self.requires:
            return
        from datamodules.concepts import ConceptDataError, concept_labels

        try:
            labels = concept_labels(datamodule, "train")
        except ConceptDataError as err:
            raise ValueError(f"{type(self).__name__} trains on concept labels: {err}") from None
        if labels.isnan().all():
            raise ValueError(f"every concept label of the {self.spec.name!r} training split is unknown (NaN): the "
                             f"concept loss would be a silent zero")

    # ---- training in phases --------------------------------------------------------------------------------
    def phase_blocks(self) -> list[tuple[str, int]]:
        raise NotImplementedError

    @property
    def total_epochs(self) -> int:
        return sum(epochs for _, epochs in self.phase_blocks())

    def configure_callbacks(self) -> list[L.Callback]:
        return [PhaseSchedule(self.phase_blocks())]

    def on_fit_start(self) -> None:
        datamodule = getattr(self.trainer, "datamodule", None)
        self.check_training_data(datamodule)
        self.set_concept_weights(self.hparams.get("concept_weights"), datamodule)

    def make_optimizer(self, parameters, lr: float, weight_decay: float) -> torch.optim.Optimizer:
        hp = self.hparams
        parameters = [p for p in parameters if p.requires_grad]
        if hp.optimizer == "sgd":
            return torch.optim.SGD(parameters, lr=lr, momentum=hp.momentum, weight_decay=weight_decay)
        if hp.optimizer == "adam":
            return torch.optim.Adam(parameters, lr=lr, weight_decay=weight_decay)
        raise ValueError(f"optimizer must be 'adam' or 'sgd', got {hp.optimizer!r}")

    def with_schedulers(self, optimizers: list[torch.optim.Optimizer]):
        """Each phase's optimiser with a StepLR (``lr_step`` epochs, ``lr_gamma``) or a ReduceLROnPlateau on
        the training loss (``lr_step="plateau"``: factor ``lr_gamma``, patience 10, cem's schedule)."""
        step = self.hparams.get("lr_step")
        if step is None:
            return optimizers
        if step == "plateau":
            schedulers = [torch.optim.lr_scheduler.ReduceLROnPlateau(o, factor=self.hparams.lr_gamma, patience=10)
                          for o in optimizers]
        else:
            schedulers = [torch.optim.lr_scheduler.StepLR(o, int(step), self.hparams.lr_gamma) for o in optimizers]
        return optimizers, schedulers

    def training_step(self, batch, batch_idx):
        loss = super().training_step(batch, batch_idx)
        if loss is not None:
            self._epoch_loss.append(float(loss))
        return loss

    def on_train_epoch_end(self) -> None:
        if self.hparams.get("lr_step") is not None and self._epoch_loss:
            schedulers = self.lr_schedulers()
            schedulers = schedulers if isinstance(schedulers, list) else [schedulers]
            scheduler = schedulers[self.phases.index(self.phase)]
            if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                scheduler.step(float(np.mean(self._epoch_loss)))
            else:
                scheduler.step()
        self._epoch_loss = []

    def is_whole(self) -> bool:
        """True in the last phase: every part of the model has been trained (checkpoints are selected then)."""
        return self.phase == self.phases[-1]

    def on_validation_epoch_start(self) -> None:
        trainer = self.trainer
        if (trainer.state.fn == "fit" and not trainer.sanity_checking and self.reads_logits
                and getattr(trainer, "datamodule", None) is not None):
            self.fit_intervention_values(trainer.datamodule.eval_dataloader("train"))

    def validation_step(self, batch, batch_idx):
        output = self._eval_step(batch, self.val_metrics, "val")
        if self.is_whole():
            self.val_acc_selectable.update(output.outputs.detach().float(), as_batch(batch).targets)

    def on_validation_epoch_end(self) -> None:
        value = self.val_acc_selectable.compute() if self.is_whole() and self.val_acc_selectable.update_count \
            else torch.tensor(-1.0, device=self.device)
        self.val_acc_selectable.reset()
        self.log("val/acc_selectable", value, prog_bar=True, sync_dist=True)

    # ---- releases: the intervention curve and CAS ------------------------------------------------------------
    curve_orders = 5

    def release_checks(self, directory, datamodule) -> dict[str, Any]:
        """Intervention curves on the test split (random groups over ``curve_orders`` orders, uncertainty first),
        saved beside the weights as intervention_curve.json / .png; their areas, and the CAS, go in the card."""
        if self.reads_logits and self.intervention_low.isnan().any():
            self.fit_intervention_values(datamodule.eval_dataloader("train"))
        loader = datamodule.eval_dataloader("test")
        curves = {policy: intervention_curve(self, loader, policy, self.curve_orders) for policy in
                  ("random", "uncertainty")}
        files = save_curves(curves, directory)
        checks: dict[str, Any] = {"intervention_curve": files["json"], "intervention_plot": files["png"]}
        if self.reads_logits:
            checks["intervention_percentiles"] = curves["random"]["percentiles"]
        checks["intervention_curves"] = card_curves(curves)  # the card carries the curve to every export's report
        for policy, curve in curves.items():
            checks[f"intervention_area_{policy}"] = round(curve["area"], 6)
            checks[f"intervention_acc_all_{policy}"] = round(curve["accuracy_mean"][-1], 6)
        checks["cas"] = round(concept_alignment_score(self, loader), 6)
        return checks


CARD_CURVE_KEYS = ("policy", "orders", "competence", "inputs", "groups", "group_names", "accuracy_mean",
                   "accuracy_std")


def card_curves(curves: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """What a card keeps of each intervention curve: the points (accuracy against the number of groups set) and
    how they were measured, without every order's accuracies (those stay in intervention_curve.json)."""
    return {policy: {k: curve[k] for k in CARD_CURVE_KEYS if k in curve} for policy, curve in curves.items()}


# ---- concept alignment score (CEM paper, App. A.4; cem/metrics/cas.py) ---------------------------------------
def k_medoids(distances: np.ndarray, k: int, max_iter: int = 100) -> np.ndarray:
    """Cluster labels of the points of a (n, n) distance matrix into ``k`` clusters by k-medoids: the
    sklearn-extra defaults (``init="heuristic"``: the k points with the smallest total distance, then
    ``method="alternate"``: assign to the nearest medoid, move each medoid to its cluster's most central point)."""
    n = len(distances)
    k = min(k, n)
    medoids = np.argsort(distances.sum(1), kind="stable")[:k]
    for _ in range(max_iter):
        labels = distances[:, medoids].argmin(1)
        new = medoids.copy()
        for c in range(k):
            members = np.flatnonzero(labels == c)
            if len(members):
                new[c] = members[distances[np.ix_(members, members)].sum(1).argmin()]
        if np.array_equal(new, medoids):
            break
        medoids = new
    return distances[:, medoids].argmin(1)


def cas_from_representations(representations: np.ndarray, concepts: np.ndarray, step: int = 50) -> float:
    """CAS: for each concept, the homogeneity of k-medoids clusters of its representations (N, K, d) with
    respect to its labels, averaged over k = 2, 2 + step, ..., N (trapezoid area over the max), then over the
    concepts."""
    from sklearn.metrics import homogeneity_score

    n = len(representations)
    sizes = list(range(2, n + 1, step)) or [2]
    scores = []
    for j in range(concepts.shape[1]):
        known = ~np.isnan(concepts[:, j])
        points = representations[known, j].reshape(known.sum(), -1)
        distances = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(-1))
        homogeneity = [homogeneity_score(concepts[known, j], k_medoids(distances, k)) for k in sizes]
        scores.append(np.trapezoid(homogeneity) / np.trapezoid(np.ones(len(sizes))) if len(sizes) > 1
                      else homogeneity[0])
    return float(np.mean(scores))


@torch.no_grad()
def concept_alignment_score(model: InterventionModel, dataloader, limit: int = 1000, step: int = 50) -> float:
    """CAS of ``model``'s concept representations on the first ``limit`` inputs of ``dataloader``."""
    representations, concepts = [], []
    seen = 0
    with evaluating(model):
        for batch in dataloader:
            batch = model.check_batch(batch).to(model.device)
            representations.append(model.concept_representations(model.encode(batch.inputs)).float().cpu())
            concepts.append(batch.concepts.float().cpu())
            seen += len(batch)
            if seen >= limit:
                break
    return cas_from_representations(torch.cat(representations)[:limit].numpy(), torch.cat(concepts)[:limit].numpy(),
                                    step)


__all__ = ["ConceptState", "InterventionError", "InterventionModel", "concept_alignment_score", "group_names"]
