"""Concept Bottleneck Models: "Concept Bottleneck Models" (Koh, Nguyen, Tang, Mussmann, Pierson, Kim and Liang,
ICML 2020), with the CBM baselines of the CEM paper (Bool-, Fuzzy- and Hybrid-CBM; Espinosa Zarlenga et al.,
NeurIPS 2022). Sec. 3 of Koh et al.:

    x ─g: backbone + one linear layer to k units─▶ concept logits l (B, K) ─a─▶ c_hat ─f─▶ class logits (B, C)

``concept_activation`` a: ``"logits"`` (c_hat = l; the paper's sequential and joint models), ``"sigmoid"``
(c_hat = sigmoid(l); the independent model at test time, "joint, from sigmoid", the Fuzzy-CBM), ``"bool"``
(c_hat = 1[sigmoid(l) > 0.5]; the Bool-CBM, through which no task gradient flows). ``extra_dims`` (+ k x
``extra_dims_per_concept``) unsupervised units (LeakyReLU) sit beside the concepts in the Hybrid-CBM.
f is one linear layer (``label_hidden=()``, CUB) or an MLP (OAI: (50, 50)).

Training modes (Sec. 3), as the spine's phases, each with its own optimiser:
  independent  "concepts": g = argmin sum_j L_Cj(g_j(x); c_j);  "label": f = argmin L_Y(f(c); y) on the TRUE c
  sequential   "concepts": as above;  "label": f on g(x), g frozen (in eval mode)
  joint        "joint": L_Y(f(g(x)); y) + lambda sum_j L_Cj(g(x); c) (``normalize_loss``: / (1 + lambda k))
  standard     "joint" with lambda = 0: the same architecture, no concept supervision (and no interventions)
The concept losses are BCE with per-concept ``weight=r_j`` (``concept_weights="balanced"``: r_j = n/n_pos_j - 1,
Koh's ``-weighted_loss multiple``), summed over concepts (Koh) or averaged (``concept_reduction="mean"``, CEM).

Test-time intervention (Sec. 6): a concept set to its true value reads the 5th (c = 0) or 95th (c = 1)
percentile of its training logits in a logit model, 0 / 1 in a sigmoid or bool model; the percentiles are
computed on the un-augmented training split at every validation and saved with the weights (Koh's ``tti.py``
takes them from the evaluated split's own logits; here they never look at test data). With a linear f the
explanation is complete: logit_c = sum_j w_cj c_hat_j + b_c, each concept's contribution w_cj c_hat_j.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from configs.validation import Count, Epochs, NonNegative, NonNegativeCount

from .base import Decomposition
from .concept_base import ConceptState, InterventionModel, concept_encoder, mlp
from .explanation import GlobalExplanation, GlobalUnit, UnitScore
from .interventions import InterventionError
from .registry import register_model

MODES = ("independent", "sequential", "joint", "standard")
ACTIVATIONS = ("logits", "sigmoid", "bool")


class ConceptBottleneckModel(InterventionModel):
    # sequential / independent phases freeze g or f after DDP has wrapped the model: run them with
    # strategy="ddp_find_unused_parameters_true"
    ddp_find_unused_parameters = True

    def __init__(
        self,
        spec: dict[str, Any],
        mode: str = "joint",
        backbone: str = "mlp",
        hidden: list[Count] | tuple[Count, ...] = (128, 128),
        backbone_pretrained: bool = False,
        backbone_weights: str | None = None,
        pooling: str = "avg",
        concept_activation: str = "logits",
        extra_dims: NonNegativeCount = 0,
        extra_dims_per_concept: NonNegativeCount = 0,
        label_hidden: list[Count] | tuple[Count, ...] = (),
        concept_weight: NonNegative = 1.0,
        concept_reduction: str = "sum",
        normalize_loss: bool = False,
        concept_weights: str | list[NonNegative] | None = None,
        optimizer: str = "adam",
        lr: NonNegative = 0.01,
        weight_decay: NonNegative = 4e-5,
        momentum: NonNegative = 0.9,
        label_lr: NonNegative | None = None,
        label_weight_decay: NonNegative | None = None,
        epochs: Epochs = 100,
        label_epochs: Epochs | None = None,
        lr_step: Count | str | None = None,
        lr_gamma: NonNegative = 0.1,
    ):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.mode = mode  # read by ``phases`` during the base's __init__
        super().__init__(spec)
        hidden, label_hidden = list(hidden), list(label_hidden)  # as a card stores them (JSON lists)
        self.save_hyperparameters()
        if concept_activation not in ACTIVATIONS:
            raise ValueError(f"concept_activation must be one of {ACTIVATIONS}, got {concept_activation!r}")
        if concept_reduction not in ("sum", "mean"):
            raise ValueError(f"concept_reduction must be 'sum' or 'mean', got {concept_reduction!r}")
        k = self.num_concepts
        self.num_extra = int(extra_dims) + k * int(extra_dims_per_concept)
        if mode in ("independent", "sequential") and self.num_extra:
            raise ValueError(f"{mode} training fits f on the concepts alone: extra_dims must be 0")
        if mode == "independent" and concept_activation == "logits":
            raise ValueError("independent training fits f on the true 0/1 concepts, so at test time it reads "
                             "probabilities: use concept_activation='sigmoid' (Koh's -use_sigmoid) or 'bool'")
        if min(epochs, label_epochs or epochs) < 1:
            raise ValueError("epochs (and label_epochs) must be >= 1")
        if mode == "standard":
            self.requires = ()
        self.concept_encoder = concept_encoder(self.spec, backbone, hidden, k + self.num_extra, backbone_pretrained,
                                               backbone_weights, pooling)
        self.label_predictor = mlp([k + self.num_extra, *label_hidden, self.num_classes])
        self.complete = not label_hidden  # a linear f: contributions add up to the logit exactly

    # ---- architecture (Sec. 3) ----------------------------------------------------------------------------
    @property
    def phases(self) -> tuple[str, ...]:
        return ("joint",) if self.mode in ("joint", "standard") else ("concepts", "label")

    @property
    def reads_logits(self) -> bool:
        return self.hparams.concept_activation == "logits"

    @property
    def unit_score(self) -> UnitScore:
        """A unit's score is what f reads for it, c_hat_j (its contribution is w_cj c_hat_j)."""
        what = {"logits": ("concept logit", "its logit (log-odds; an intervened concept reads the 5th / 95th "
                                            "percentile of its training logits)"),
                "sigmoid": ("concept probability", "its probability (an intervened concept reads 0 or 1)"),
                "bool": ("concept (0/1)", "1 where its probability is above 0.5, else 0")}
        name, read = what[self.hparams.concept_activation]
        if self.mode == "standard":
            name, read = "bottleneck value", "the value of an unsupervised bottleneck unit (not a concept)"
        elif self.num_extra:  # a hybrid: the extra units are LeakyReLU activations, not concepts
            name, read = "bottleneck value", f"for a concept {read}; for an extra unit its (LeakyReLU) activation"
        return UnitScore(name=name, about=f"The score is what the label predictor reads for a unit: {read}; a "
                                          f"unit's part is its weight times this value.")

    def encode(self, x: torch.Tensor) -> ConceptState:
        """g(x): concept logits (B, K) and, in a hybrid model, the extra units (B, E) after LeakyReLU."""
        latent = self.concept_encoder(self.normalize(x))
        k = self.num_concepts
        extras = {"extra": F.leaky_relu(latent[:, k:])} if self.num_extra else {}
        return ConceptState(latent[:, :k], extras)

    def activate(self, logits: torch.Tensor) -> torch.Tensor:
        activation = self.hparams.concept_activation
        if activation == "logits":
            return logits
        probabilities = torch.sigmoid(logits)
        return probabilities if activation == "sigmoid" else (probabilities > 0.5).to(logits.dtype)

    def bottleneck(self, state: ConceptState, mask: torch.Tensor | None, values: torch.Tensor | None) -> torch.Tensor:
        """(B, K + E) what f reads: a(l) with the intervened concepts replaced, then the extra units."""
        concepts = self.activate(state.logits)
        if mask is not None:
            if self.mode == "standard":
                raise InterventionError("a standard model's bottleneck is not trained on concepts: intervening on it "
                                        "has no meaning (Koh et al. intervene on concept bottleneck models only)")
            concepts = torch.where(mask, self.intervention_values(values).to(concepts.dtype), concepts)
        if self.num_extra:
            concepts = torch.cat([concepts, state.extras["extra"]], dim=1)
        return concepts

    def head(self, state: ConceptState, mask: torch.Tensor | None, values: torch.Tensor | None,
             outputs_only: bool = False) -> Decomposition:
        units = self.bottleneck(state, mask, values)
        outputs = self.label_predictor(units)
        if outputs_only:
            return Decomposition(outputs)
        extras = {"bottleneck": units}
        if self.complete:
            linear = self.label_predictor[0]
            return Decomposition(outputs, scores=units, weights=linear.weight, bias=linear.bias, extras=extras)
        # a non-linear f: gradient x input per class (not additive; the record says so)
        jacobian = torch.func.vmap(torch.func.jacrev(self.label_predictor))(units.detach())  # (B, C, U)
        return Decomposition(outputs, scores=units, weights=jacobian, complete=False, extras=extras,
                             exact="the outputs, concept values and intervention effects are exact; a non-linear "
                                   "label predictor has no additive decomposition: contributions are gradient x "
                                   "input of each bottleneck unit")

    # ---- training (Sec. 3) -----------------------------------------------------------------------------------
    def phase_blocks(self) -> list[tuple[str, int]]:
        hp = self.hparams
        if self.mode in ("joint", "standard"):
            return [("joint", hp.epochs)]
        return [("concepts", hp.epochs), ("label", hp.label_epochs or hp.epochs)]

    def on_phase_epoch_start(self, phase: str, first_epoch_of_phase: bool, resumed: bool = False) -> None:
        """concepts: g learns, f waits; label: f learns on g's (sequential) or the true (independent) concepts,
        g frozen in eval mode; joint: everything learns."""
        self.train()
        self.concept_encoder.requires_grad_(phase != "label")
        self.concept_encoder.train(phase != "label")
        self.label_predictor.requires_grad_(phase != "concepts")

    def training_forward(self, batch) -> Decomposition:
        if self.phase == "label":
            with torch.no_grad():
                state = self.encode(batch.inputs)
            if self.mode == "independent":  # f fits the true concepts (a predicted probability where unknown)
                truth = batch.concepts.float()
                state = ConceptState(state.logits, state.extras)
                known = ~truth.isnan()
                decomposition = self.head(state, known, truth.nan_to_num(0.0), outputs_only=True)
            else:
                decomposition = self.head(state, None, None, outputs_only=True)
        else:
            state = self.encode(batch.inputs)
            decomposition = self.head(state, None, None, outputs_only=True)
        decomposition.extras["state"] = state
        return decomposition

    def intervention_values(self, values: torch.Tensor) -> torch.Tensor:
        if self.phase == "label" and self.mode == "independent" and self.training:
            return values  # the independent f trains on the true 0/1 concepts themselves
        return super().intervention_values(values)

    def loss_terms(self, batch, output: Decomposition) -> dict[str, torch.Tensor]:
        state = output.extras["state"]
        terms = {}
        if self.phase != "concepts":
            terms["task"] = F.cross_entropy(output.outputs, batch.targets)
        if self.phase != "label" and self.mode != "standard" and self.hparams.concept_weight > 0:
            terms["concepts"] = self.concept_term(state, batch.concepts, self.hparams.concept_reduction)
        return terms

    def loss_weights(self) -> dict[str, float]:
        """Joint: L_Y + lambda sum_j L_Cj, divided by 1 + lambda k with ``normalize_loss`` (Koh's -normalize_loss;
        the concept phase alone: sum_j L_Cj / k)."""
        hp = self.hparams
        k = self.num_concepts
        if self.phase == "concepts":
            return {"concepts": 1 / k if hp.normalize_loss and hp.concept_reduction == "sum" else 1.0}
        if self.phase == "label":
            return {"task": 1.0}
        norm = 1 + hp.concept_weight * k if hp.normalize_loss else 1.0
        return {"task": 1 / norm, "concepts": hp.concept_weight / norm}

    def configure_optimizers(self):
        hp = self.hparams
        label_lr = hp.label_lr if hp.label_lr is not None else hp.lr
        label_wd = hp.label_weight_decay if hp.label_weight_decay is not None else hp.weight_decay
        if self.mode in ("joint", "standard"):
            return self.with_schedulers([self.make_optimizer(self.parameters(), hp.lr, hp.weight_decay)])
        return self.with_schedulers([self.make_optimizer(self.concept_encoder.parameters(), hp.lr, hp.weight_decay),
                                     self.make_optimizer(self.label_predictor.parameters(), label_lr, label_wd)])

    # ---- explanations --------------------------------------------------------------------------------------
    def used_values(self, decomposition: Decomposition) -> torch.Tensor:
        """What f read for each concept: a logit (or an intervention percentile), a probability or 0/1."""
        return decomposition.extras["bottleneck"][:, : self.num_concepts]

    def unit_names(self) -> list[str]:
        names = list(self.spec.concept_names)
        if self.mode == "standard":
            names = [f"bottleneck unit {j} (not supervised)" for j in range(self.num_concepts)]
        return names + [f"extra unit {e}" for e in range(self.num_extra)]

    def explanation_sections(self, decomposition, batch, classes):
        if self.mode == "standard":
            return [{} for _ in range(len(classes))]
        return super().explanation_sections(decomposition, batch, classes)

    def release_checks(self, directory, datamodule) -> dict[str, Any]:
        return {} if self.mode == "standard" else super().release_checks(directory, datamodule)

    def global_explanation(self) -> GlobalExplanation:
        """Every concept with its read-out weight to every class (a linear f), and the matrix W (C, K + E)."""
        names = self.unit_names()
        weights = self.label_predictor[0].weight.detach().cpu() if self.complete else None
        units = [GlobalUnit(index=j, name=name, role="concept" if j < self.num_concepts else "extra unit",
                            weights=None if weights is None else weights[:, j].tolist())
                 for j, name in enumerate(names)]
        matrices = {} if weights is None else {"concept_to_class": weights.numpy(),
                                               "bias": self.label_predictor[0].bias.detach().cpu().numpy()}
        return GlobalExplanation(kind=self.kind, model=self.variant, class_names=list(self.spec.class_names),
                                 units=units, matrices=matrices,
                                 details={"mode": self.mode, "concept_activation": self.hparams.concept_activation,
                                          "intervention_low": self.intervention_low.tolist(),
                                          "intervention_high": self.intervention_high.tolist()})


_KOH = "Koh et al., Concept Bottleneck Models, ICML 2020"
_CEM = "Espinosa Zarlenga et al., Concept Embedding Models, NeurIPS 2022 (the CBM baselines)"
# The CEM paper's synthetic protocol (App. A.6, experiments/configs/{xor,trig,dot}.yaml): extractor MLP in -> 128
# -> 128 -> k (LeakyReLU), a linear f, Adam lr 0.01, batch 256, alpha = 1 on a mean BCE, no weight decay.
_SYNTHETIC = dict(backbone="mlp", hidden=(128, 128), optimizer="adam", lr=0.01, weight_decay=0.0,
                  concept_weight=1.0, concept_reduction="mean", epochs=500, lr_step="plateau")
# Embedded images (shapes, digit pairs): the small CNN, its 6x6 map flattened (the position concepts need where
# an object is; average pooling left them at the majority rate), Adam.
_IMAGES = dict(backbone="small_cnn_48", pooling="flatten", hidden=(), optimizer="adam", lr=1e-3, weight_decay=4e-5,
               concept_weight=1.0, concept_reduction="mean", epochs=20)
# CUB (Koh et al., CUB/README.md): Inception-v3 (ImageNet weights from a local file), SGD momentum 0.9, batch 64,
# balanced concept weights, normalised losses.
_CUB = dict(backbone="inception_v3", hidden=(), backbone_pretrained=True, optimizer="sgd", momentum=0.9,
            concept_weights="balanced", normalize_loss=True, concept_reduction="sum", epochs=1000)


@register_model(ConceptBottleneckModel, default_data="xor", paper=_KOH)
def cbm_joint_mlp():
    """Joint CBM, f reads the concept logits (Sec. 3)."""
    return dict(mode="joint", concept_activation="logits", **_SYNTHETIC)


@register_model(ConceptBottleneckModel, default_data="xor", paper=_KOH)
def cbm_sequential_mlp():
    return dict(mode="sequential", concept_activation="logits", label_epochs=500, **_SYNTHETIC)


@register_model(ConceptBottleneckModel, default_data="xor", paper=_KOH)
def cbm_independent_mlp():
    return dict(mode="independent", concept_activation="sigmoid", label_epochs=500, **_SYNTHETIC)


@register_model(ConceptBottleneckModel, default_data="xor", paper=_KOH)
def cbm_standard_mlp():
    return dict(mode="standard", concept_activation="logits", **_SYNTHETIC)


@register_model(ConceptBottleneckModel, default_data="xor", paper=_CEM)
def cbm_bool_mlp():
    """Bool-CBM: a joint CBM whose f reads thresholded concepts (cem: ``bool=True``)."""
    return dict(mode="joint", concept_activation="bool", **_SYNTHETIC)


@register_model(ConceptBottleneckModel, default_data="xor", paper=_CEM)
def cbm_fuzzy_mlp():
    """Fuzzy-CBM: a joint CBM whose f reads concept probabilities (cem: ``sigmoidal_prob=True``)."""
    return dict(mode="joint", concept_activation="sigmoid", **_SYNTHETIC)


@register_model(ConceptBottleneckModel, default_data="xor", paper=_CEM)
def cbm_hybrid_mlp():
    """Hybrid-CBM: probabilities plus k (m - 1) unsupervised LeakyReLU units, m = 128 (gamma = k (m - 1))."""
    return dict(mode="joint", concept_activation="sigmoid", extra_dims_per_concept=127, **_SYNTHETIC)


@register_model(ConceptBottleneckModel, default_data="xor", paper=_CEM)
def cbm_no_concepts_mlp():
    """The CEM paper's "No concepts" baseline: the Hybrid-CBM with alpha = 0 (a standard model)."""
    return dict(mode="standard", concept_activation="sigmoid", extra_dims_per_concept=127, **_SYNTHETIC)


@register_model(ConceptBottleneckModel, default_data="shapes", paper=_KOH)
def cbm_joint_cnn():
    return dict(mode="joint", concept_activation="logits", **_IMAGES)


@register_model(ConceptBottleneckModel, default_data="shapes", paper=_KOH)
def cbm_sequential_cnn():
    return dict(mode="sequential", concept_activation="logits", label_epochs=20, **_IMAGES)


@register_model(ConceptBottleneckModel, default_data="shapes", paper=_KOH)
def cbm_independent_cnn():
    return dict(mode="independent", concept_activation="sigmoid", label_epochs=20, **_IMAGES)


@register_model(ConceptBottleneckModel, default_data="shapes", paper=_KOH)
def cbm_standard_cnn():
    return dict(mode="standard", concept_activation="logits", **_IMAGES)


@register_model(ConceptBottleneckModel, default_data="cub200_cbm", paper=_KOH)
def cbm_joint_inception_v3():
    """Joint, lambda = 0.01 (Table 1: y error 0.199, c error 0.031): lr 0.001, wd 4e-4."""
    return dict(mode="joint", concept_activation="logits", concept_weight=0.01, lr=1e-3, weight_decay=4e-4, **_CUB)


@register_model(ConceptBottleneckModel, default_data="cub200_cbm", paper=_KOH)
def cbm_sequential_inception_v3():
    """x -> c: lr 0.01, wd 4e-5; c -> y on the predicted logits: lr 0.001, wd 4e-5 (Table 1: y error 0.243)."""
    return dict(mode="sequential", concept_activation="logits", lr=0.01, weight_decay=4e-5, label_lr=1e-3,
                label_weight_decay=4e-5, label_epochs=1000, **_CUB)


@register_model(ConceptBottleneckModel, default_data="cub200_cbm", paper=_KOH)
def cbm_independent_inception_v3():
    """x -> c: lr 0.01, wd 4e-5; c -> y on the true concepts: lr 0.001, wd 5e-5, 500 epochs; sigmoid at test
    (Table 1: y error 0.240)."""
    return dict(mode="independent", concept_activation="sigmoid", lr=0.01, weight_decay=4e-5, label_lr=1e-3,
                label_weight_decay=5e-5, label_epochs=500, **_CUB)


@register_model(ConceptBottleneckModel, default_data="cub200_cbm", paper=_KOH)
def cbm_standard_inception_v3():
    """lambda = 0: lr 0.01, wd 4e-4, lr x 0.1 every 20 epochs (Table 1: y error 0.175)."""
    return dict(mode="standard", concept_activation="logits", lr=0.01, weight_decay=4e-4, lr_step=20, **_CUB)


@register_model(ConceptBottleneckModel, default_data="cub200_cbm", paper=_CEM)
def cbm_bool_resnet34():
    """The CEM paper's CUB Bool-CBM (ResNet-34, SGD lr 0.01, alpha 5, weighted BCE; Table 1: 67.11%)."""
    return dict(mode="joint", concept_activation="bool", backbone="resnet34", hidden=(), backbone_pretrained=True,
                optimizer="sgd", lr=0.01, weight_decay=4e-5, concept_weight=5.0, concept_reduction="mean",
                concept_weights="balanced", epochs=300, lr_step="plateau")
