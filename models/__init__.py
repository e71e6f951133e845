"""Intrinsic Zoo models: ``create_model``, ``list_models``, ``list_pretrained`` (timm-style)."""

__version__ = "0.2.0"

from . import (  # noqa: E402,F401  (families fill the registry on import)
    baseline,
    cbc,
    cbm,
    cem,
    concept_transformer,
    language_model,
    programs,
    protopnet,
    psenn,
)
from .base import Decomposition, InputError, InterpretableModel  # noqa: E402
from .explanation import Evidence, Explanation, GlobalExplanation, GlobalUnit  # noqa: E402
from .factory import create_model  # noqa: E402
from .registry import list_models  # noqa: E402
from .release import (  # noqa: E402
    CheckpointError,
    list_pretrained,
    load_any,
    load_checkpoint,
    load_release,
    pretrained_info,
    save_release,
)

__all__ = [
    "CheckpointError",
    "Decomposition",
    "Evidence",
    "Explanation",
    "GlobalExplanation",
    "GlobalUnit",
    "InputError",
    "InterpretableModel",
    "create_model",
    "list_models",
    "list_pretrained",
    "load_any",
    "load_checkpoint",
    "load_release",
    "pretrained_info",
    "save_release",
]
