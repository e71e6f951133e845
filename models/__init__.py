"""Intrinsic Zoo models: ``create_model``, ``list_models``, ``list_pretrained`` (timm-style)."""

__version__ = "0.1.0"

from . import (  # noqa: E402,F401  (families fill the registry on import)
    baseline,
    programs,
    protopnet,
)
from .base import Decomposition, InputError, InterpretableModel  # noqa: E402
from .explanation import Evidence, Explanation  # noqa: E402
from .registry import create_model, list_models, list_pretrained  # noqa: E402
from .release import CheckpointError, load_any, load_checkpoint, load_release, save_release  # noqa: E402

__all__ = [
    "CheckpointError",
    "Decomposition",
    "Evidence",
    "Explanation",
    "InputError",
    "InterpretableModel",
    "create_model",
    "list_models",
    "list_pretrained",
    "load_any",
    "load_checkpoint",
    "load_release",
    "save_release",
]
