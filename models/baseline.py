"""The non-interpretable reference: the same backbone with global average pooling and a plain linear head.

It is what the papers compare against ("baseline, same backbone, no prototypes") and what the benchmarks
divide by. Its logits are still linear in the pooled channels, so ``explain`` gives a complete (if not very
meaningful) channel attribution.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .backbones import create_backbone
from .base import Decomposition, InterpretableModel
from .registry import register_model


class LinearHeadClassifier(InterpretableModel):
    kind = "channel"

    def __init__(self, spec: dict[str, Any], backbone: str = "small_cnn_28", backbone_pretrained: bool = False,
                 backbone_weights: str | None = None, lr: float = 1e-3, weight_decay: float = 1e-4):
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

    def global_explanation(self) -> dict[str, Any]:
        return {"kind": self.kind, "head_weights": self.head.weight.detach().cpu().tolist()}

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=self.hparams.lr, weight_decay=self.hparams.weight_decay)


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
