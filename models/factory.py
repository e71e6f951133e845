"""``create_model``: one factory for new and pretrained models (timm-style)."""

from __future__ import annotations

from typing import Any

from datamodules.base import DataSpec

from .registry import model_args, model_entry
from .release import find_release, load_release


def create_model(name: str, pretrained: bool | str = False, spec: DataSpec | dict | None = None,
                 **overrides: Any):
    """Build variant ``name`` (``models.list_models()``). Nothing reads data: without ``spec`` the model is
    built for its default dataset's spec, described without its files.

    ``pretrained``: True for the variant's only (or ``default``) released weights, a tag (``"mnist5k"``), or
    a path to a release folder of this variant; ``create_model("protopnet_small.mnist5k", pretrained=True)``
    names the tag in the name, as timm does. Loading is offline."""
    if "." in name and name.split(".", 1)[0] and pretrained is True:
        name, pretrained = name.split(".", 1)
    if pretrained:
        if overrides or spec is not None:
            raise ValueError("pretrained weights fix the architecture and data spec; pass no overrides")
        model_entry(name)  # an unknown name fails here, with close matches
        return load_release(find_release(name, pretrained), expected_name=name)
    entry = model_entry(name)
    model = entry.model_class(**model_args(name, spec, **overrides))
    model.variant = name
    return model
