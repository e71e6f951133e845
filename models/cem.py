"""Concept Embedding Models: "Concept Embedding Models: Beyond the Accuracy-Explainability Trade-Off" (Espinosa
Zarlenga, Barbiero, Ciravegna, Marra, Giannini, Diligenti, Shams, Precioso, Melacci, Weller, Lio and Jamnik,
NeurIPS 2022), Sec. 3:

    x ─psi─▶ h ─for each concept i: [c+_i ; c-_i] = LeakyReLU(W_i h + b_i)  (two m-dim embeddings)
      p_i = sigmoid(W_s [c+_i ; c-_i] + b_s)       W_s shared by every concept (``shared_prob_gen``)
      c_i = p_i c+_i + (1 - p_i) c-_i              the mixed embedding
      y = f([c_1, ..., c_k])                       a linear f (k m inputs)

Loss: L_task + alpha BCE(c, p) (mean over concepts, optional per-concept weights). RandInt: during training
each concept is set to its true value (p_i := c_i) with probability ``randint`` (0.25); the reference code draws
one Bernoulli mask per batch and tiles it over the samples (``randint_per="batch"``, the default here too; the
paper's text reads as independent draws, ``randint_per="sample"``). An intervention sets p_i := c_i, which
swaps in the matching embedding. With a linear f the logit is exactly sum_i <W_{c, i}, c_i> + b_c: concept i's
contribution is its block of the dot product (complete).
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from configs.validation import Count, Epochs, NonNegative, Probability

from .base import Decomposition
from .concept_base import ConceptState, InterventionModel, concept_encoder, mlp
from .explanation import GlobalExplanation, GlobalUnit, UnitScore
from .registry import register_model


class ConceptEmbeddingModel(InterventionModel):
    phases = ("joint",)
    unit_score = UnitScore(name="concept probability", about="The score is the probability p_i that mixes concept "
                           "i's two embeddings (1 or 0 where set from outside); its part is f's weights on the mixed "
                           "embedding p_i c+_i + (1 - p_i) c-_i, not a weight times p_i.")

    def __init__(
        self,
        spec: dict[str, Any],
        backbone: str = "mlp",
        hidden: list[Count] | tuple[Count, ...] = (128, 128),
        latent_dim: Count = 128,
        backbone_pretrained: bool = False,
        backbone_weights: str | None = None,
        pooling: str = "avg",
        embedding_size: Count = 16,
        shared_prob_gen: bool = True,
        embedding_activation: str = "leakyrelu",
        label_hidden: list[Count] | tuple[Count, ...] = (),
        concept_weight: NonNegative = 1.0,
        concept_weights: str | list[NonNegative] | None = None,
        randint: Probability = 0.25,
        randint_per: str = "batch",
        optimizer: str = "adam",
        lr: NonNegative = 0.01,
        weight_decay: NonNegative = 4e-5,
        momentum: NonNegative = 0.9,
        epochs: Epochs = 100,
        lr_step: Count | str | None = None,
        lr_gamma: NonNegative = 0.1,
    ):
        super().__init__(spec)
        hidden, label_hidden = list(hidden), list(label_hidden)  # as a card stores them (JSON lists)
        self.save_hyperparameters()
        if embedding_activation not in ("leakyrelu", "relu", "sigmoid", None):
            raise ValueError(f"embedding_activation must be leakyrelu, relu, sigmoid or None, got "
                             f"{embedding_activation!r}")
        if not 0 <= randint <= 1 or randint_per not in ("batch", "sample"):
            raise ValueError(f"randint is a probability and randint_per 'batch' or 'sample', got {randint!r}, "
                             f"{randint_per!r}")
        k, m = self.num_concepts, embedding_size
        self.encoder = concept_encoder(self.spec, backbone, hidden, latent_dim, backbone_pretrained,
                                       backbone_weights, pooling)
        # the k context generators W_i (2m x D) as one tensor, initialised as torch.nn.Linear
        bound = 1 / math.sqrt(latent_dim)
        self.context_weight = nn.Parameter(torch.empty(k, 2 * m, latent_dim).uniform_(-bound, bound))
        self.context_bias = nn.Parameter(torch.empty(k, 2 * m).uniform_(-bound, bound))
        self.prob_generator = nn.Linear(2 * m, 1) if shared_prob_gen else None
        if not shared_prob_gen:
            bound = 1 / math.sqrt(2 * m)
            self.prob_weight = nn.Parameter(torch.empty(k, 2 * m).uniform_(-bound, bound))
            self.prob_bias = nn.Parameter(torch.empty(k).uniform_(-bound, bound))
        self.label_predictor = mlp([k * m, *label_hidden, self.num_classes])
        self.complete = not label_hidden

    # ---- architecture (Sec. 3) -----------------------------------------------------------------------------
    def embedding_activation(self, z: torch.Tensor) -> torch.Tensor:
        kind = self.hparams.embedding_activation
        return {"leakyrelu": F.leaky_relu, "relu": F.relu, "sigmoid": torch.sigmoid}.get(kind, lambda v: v)(z)

    def encode(self, x: torch.Tensor) -> ConceptState:
        """h = psi(x); [c+_i ; c-_i] = act(W_i h + b_i) (B, K, 2m); the logit of p_i = sigmoid(W_s [c+; c-] + b_s)."""
        h = self.encoder(self.normalize(x))
        context = self.embedding_activation(torch.einsum("kod,bd->bko", self.context_weight, h) + self.context_bias)
        if self.prob_generator is not None:
            logits = self.prob_generator(context).squeeze(-1)
        else:
            logits = torch.einsum("bko,ko->bk", context, self.prob_weight) + self.prob_bias
        m = self.hparams.embedding_size
        return ConceptState(logits, {"positive": context[..., :m], "negative": context[..., m:]})

    def mix(self, state: ConceptState, probabilities: torch.Tensor) -> torch.Tensor:
        """c_i = p_i c+_i + (1 - p_i) c-_i: (B, K, m)."""
        p = probabilities.unsqueeze(-1)
        return p * state.extras["positive"] + (1 - p) * state.extras["negative"]

    def head(self, state: ConceptState, mask: torch.Tensor | None, values: torch.Tensor | None,
             outputs_only: bool = False) -> Decomposition:
        """p_i := c_i where intervened, mix, then f."""
        probabilities = state.probabilities
        if mask is not None:
            probabilities = torch.where(mask, values.to(probabilities.dtype), probabilities)
        mixed = self.mix(state, probabilities)
        outputs = self.label_predictor(mixed.flatten(1))
        if outputs_only:
            return Decomposition(outputs)
        n, k, m = mixed.shape
        if self.complete:
            linear = self.label_predictor[0]
            contributions = torch.einsum("ckm,nkm->nck", linear.weight.view(-1, k, m), mixed)
            return Decomposition(outputs, scores=probabilities, contributions=contributions, bias=linear.bias)
        jacobian = torch.func.vmap(torch.func.jacrev(self.label_predictor))(mixed.detach().flatten(1))  # (N, C, K m)
        contributions = (jacobian.view(n, -1, k, m) * mixed.detach().unsqueeze(1)).sum(-1)
        return Decomposition(outputs, scores=probabilities, contributions=contributions, complete=False,
                             exact="the outputs, concept probabilities and intervention effects are exact; a "
                                   "non-linear label predictor has no additive decomposition: a concept's "
                                   "contribution is gradient x input summed over its embedding")

    def concept_representations(self, state: ConceptState) -> torch.Tensor:
        """The mixed embeddings (N, K, m), what CAS clusters for a CEM."""
        return self.mix(state, state.probabilities)

    # ---- training -----------------------------------------------------------------------------------------
    def phase_blocks(self) -> list[tuple[str, int]]:
        return [("joint", self.hparams.epochs)]

    def training_forward(self, batch) -> Decomposition:
        """RandInt: each concept set to its true value with probability ``randint`` (no intervention at test)."""
        state = self.encode(batch.inputs)
        mask = values = None
        if self.hparams.randint > 0 and batch.concepts is not None:
            truth = batch.concepts.float()
            shape = (1, self.num_concepts) if self.hparams.randint_per == "batch" else truth.shape
            draw = torch.rand(shape, device=truth.device) < self.hparams.randint
            mask = draw.expand_as(truth) & ~truth.isnan()
            values = truth.nan_to_num(0.0)
        decomposition = self.head(state, mask, values, outputs_only=True)
        decomposition.extras["state"] = state
        return decomposition

    def loss_terms(self, batch, output: Decomposition) -> dict[str, torch.Tensor]:
        terms = {"task": F.cross_entropy(output.outputs, batch.targets)}
        if self.hparams.concept_weight > 0:
            terms["concepts"] = self.concept_term(output.extras["state"], batch.concepts, "mean")
        return terms

    def loss_weights(self) -> dict[str, float]:
        """L_task + alpha L_concepts (Sec. 3)."""
        return {"task": 1.0, "concepts": self.hparams.concept_weight}

    def configure_optimizers(self):
        hp = self.hparams
        return self.with_schedulers([self.make_optimizer(self.parameters(), hp.lr, hp.weight_decay)])

    # ---- explanations -------------------------------------------------------------------------------------
    def unit_names(self) -> list[str]:
        return list(self.spec.concept_names)

    def global_explanation(self) -> GlobalExplanation:
        """f's weights per concept block (C, K, m); a concept's effect on a class depends on its embeddings, so
        the units carry the block norms, and the record of each input carries the exact contributions."""
        k, m = self.num_concepts, self.hparams.embedding_size
        weights = self.label_predictor[0].weight.detach().cpu() if self.complete else None
        units = [GlobalUnit(index=i, name=name, role="concept",
                            details={} if weights is None else
                            {"weight_norm_per_class": weights.view(-1, k, m)[:, i].norm(dim=-1).tolist()})
                 for i, name in enumerate(self.unit_names())]
        matrices = {} if weights is None else {"label_predictor": weights.view(-1, k, m).numpy()}
        return GlobalExplanation(kind=self.kind, model=self.variant, class_names=list(self.spec.class_names),
                                 units=units, matrices=matrices, details={"embedding_size": m})


_PAPER = "Espinosa Zarlenga et al., Concept Embedding Models, NeurIPS 2022"


@register_model(ConceptEmbeddingModel, default_data="xor", paper=_PAPER)
def cem_mlp():
    """The synthetic protocol (App. A.6, experiments/configs/{xor,trig,dot}.yaml): psi = MLP in -> 128 -> 128 ->
    128 (LeakyReLU), m = 128, alpha = 1, RandInt 0.25, Adam lr 0.01, no weight decay, 500 epochs, lr x 0.1 on a
    10-epoch plateau of the training loss (cem's ReduceLROnPlateau)."""
    return dict(backbone="mlp", hidden=(128, 128), latent_dim=128, embedding_size=128, concept_weight=1.0,
                randint=0.25, optimizer="adam", lr=0.01, weight_decay=0.0, epochs=500, lr_step="plateau")


@register_model(ConceptEmbeddingModel, default_data="shapes", paper=_PAPER)
def cem_cnn():
    """Embedded images: the small CNN (its map flattened, as the image CBMs), m = 16."""
    return dict(backbone="small_cnn_48", pooling="flatten", hidden=(), latent_dim=128, embedding_size=16,
                concept_weight=1.0, randint=0.25, optimizer="adam", lr=1e-3, weight_decay=4e-5, epochs=20)


@register_model(ConceptEmbeddingModel, default_data="cub200_cbm", paper=_PAPER)
def cem_resnet34():
    """CUB (App. A.6, Table 1: 77.11%): ImageNet ResNet-34 (a local weights file), m = 16, alpha = 5, weighted
    BCE, SGD momentum 0.9 lr 0.01, wd 4e-5, 300 epochs. psi's output is the ResNet's 1000 logits in cem (its
    ImageNet fc is kept); here a fresh 512 -> 1000 layer on the pooled features."""
    return dict(backbone="resnet34", hidden=(), latent_dim=1000, backbone_pretrained=True, embedding_size=16,
                concept_weight=5.0, concept_weights="balanced", randint=0.25, optimizer="sgd", lr=0.01,
                weight_decay=4e-5, epochs=300, lr_step="plateau")
