"""The non-interpretable references the papers compare against, and the benchmarks divide by.

* ``LinearHeadClassifier``: the same backbone with global average pooling and a plain linear head ("baseline,
  same backbone, no prototypes").
* ``StandardTransformer``: a standard (softmax-attention, pre-LayerNorm) transformer over the sequence tasks,
  the Transformer Programs paper's "standard Transformer" baseline, sized like the programs.

Their logits are still linear in the last features (pooled channels, final residual stream), so ``explain``
gives a complete, if not very meaningful, per-dimension attribution.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from configs.validation import Count, Depth, NonNegative, Probability

from .backbones import create_backbone
from .base import Decomposition, InterpretableModel
from .explanation import GlobalExplanation, GlobalUnit, UnitScore
from .registry import register_model
from .sequence import MASKED_LOGIT, SequenceModel


class LinearHeadClassifier(InterpretableModel):
    kind = "channel"
    unit_score = UnitScore(name="mean channel activation", about=(
        "A channel's score is the backbone's last feature map in that channel, averaged over the map (global "
        "average pooling); its part is that mean times the head's weight. A channel is no concept: it says how "
        "much of the logit passes through it, not what it sees."))

    def __init__(self, spec: dict[str, Any], backbone: str = "small_cnn_28", backbone_pretrained: bool = False,
                 backbone_weights: str | None = None, lr: NonNegative = 1e-3, weight_decay: NonNegative = 1e-4):
        super().__init__(spec)
        self.save_hyperparameters()
        self.features = create_backbone(backbone, self.spec.input_shape[0], backbone_pretrained,
                                        backbone_weights)
        self.head = nn.Linear(self.features.out_channels, self.num_classes)

    def decompose(self, x: torch.Tensor) -> Decomposition:
        pooled = self.features(self.normalize(x)).mean(dim=(2, 3))  # (B, D)
        return Decomposition(self.head(pooled), pooled, self.head.weight, self.head.bias)

    def unit_names(self) -> list[str]:
        return [f"channel {i}" for i in range(self.features.out_channels)]

    def global_explanation(self) -> GlobalExplanation:
        return linear_head_global(self, self.head.weight)

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=self.hparams.lr, weight_decay=self.hparams.weight_decay)


class StandardTransformer(SequenceModel):
    """Token embedding + learned positions, ``n_layers`` pre-LN encoder layers (causal when the task is), a
    final LayerNorm and a linear read-out; trained with Adam on the same data as a Transformer Program."""

    kind = "residual"

    def __init__(self, spec: dict[str, Any], d_model: Count = 32, n_layers: Depth = 3, n_heads: Depth = 4,
                 d_mlp: Count = 64, dropout: Probability = 0.0, lr: NonNegative = 1e-3):
        super().__init__(spec)
        self.save_hyperparameters()
        self.embed = nn.Embedding(len(self.vocab), d_model)
        self.position = nn.Parameter(torch.randn(self.n_ctx, d_model) * 0.02)
        layer = nn.TransformerEncoderLayer(d_model, n_heads, d_mlp, dropout, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, self.num_classes)

    def features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids (B, T) -> the final residual stream (B, T, D) (or pooled (B, D)), and the valid mask."""
        T = x.shape[1]
        valid = x != self.pad_id
        h = self.embed(x) + self.position[:T]
        causal = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1) if self.causal else None
        h = self.norm(self.encoder(h, mask=causal, src_key_padding_mask=~valid, is_causal=self.causal))
        if self.pooled:
            h = (h * valid.unsqueeze(-1)).sum(1) / valid.sum(1, keepdim=True).clamp_min(1)
        return h, valid

    def readout(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Weights (C, D) and bias (C,); a masked class has zero weights and the bias MASKED_LOGIT, so its
        logit is that constant and the explanations stay complete for it too."""
        weight = self.head.weight.masked_fill(self.class_mask.unsqueeze(1), 0.0)
        return weight, self.head.bias.masked_fill(self.class_mask, MASKED_LOGIT)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, _ = self.features(self.check_input(x))
        return F.linear(h, *self.readout())

    def training_logits(self, x: torch.Tensor) -> torch.Tensor:
        return self(x)

    def unit_names(self) -> list[str]:
        return [f"residual dim {i}" for i in range(self.hparams.d_model)]

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)

    def decompose(self, x: torch.Tensor) -> Decomposition:
        """Logits (B, T, C) (pooled: (B, C)) = final residual stream (or its mean) x read-out + bias."""
        h, _ = self.features(x)
        weight, bias = self.readout()
        return Decomposition(outputs=F.linear(h, weight, bias), scores=h, weights=weight, bias=bias)

    def global_explanation(self) -> GlobalExplanation:
        return linear_head_global(self, self.head.weight)


def linear_head_global(model: InterpretableModel, weight: torch.Tensor) -> GlobalExplanation:
    """The read-out weights of every unit (feature dimension) to every class."""
    weights = weight.detach().cpu()
    units = [GlobalUnit(index=u, name=name, role="feature", weights=weights[:, u].tolist())
             for u, name in enumerate(model.unit_names())]
    return GlobalExplanation(kind=model.kind, model=model.variant, class_names=list(model.spec.class_names),
                             units=units, matrices={"head_weights": weights.numpy()})


_PAPER = "baseline: the backbone with a linear head"


@register_model(LinearHeadClassifier, default_data="digits", paper=_PAPER)
def linear_small8():
    return dict(backbone="small_cnn_8")


@register_model(LinearHeadClassifier, default_data="mnist5k", paper=_PAPER)
def linear_small28():
    return dict(backbone="small_cnn_28")


@register_model(LinearHeadClassifier, default_data="cub200", paper=_PAPER)
def linear_resnet34():
    return dict(backbone="resnet34", backbone_pretrained=True)


@register_model(LinearHeadClassifier, default_data="cub200", paper=_PAPER)
def linear_resnet50():
    return dict(backbone="resnet50", backbone_pretrained=True)


@register_model(StandardTransformer, default_data="sort",
                paper="baseline: a standard transformer (Friedman et al. 2023, the programs' comparison)")
def seq_transformer():
    """About the size of the Transformer Programs of Table 1 (~26K parameters)."""
    return dict(d_model=32, n_layers=3, n_heads=4, d_mlp=64)
