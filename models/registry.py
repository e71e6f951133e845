"""Named variants, in the style of timm: ``@register_model`` functions that only fix hyperparameters, and
``create_model(name, pretrained=False, **overrides)``. Released weights are found in ``checkpoints/``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datamodules.base import DataSpec, check_kwargs

CHECKPOINT_DIR = Path(__file__).resolve().parent.parent / "checkpoints"


@dataclass(frozen=True)
class ModelEntry:
    name: str
    fn: Callable[..., Any]
    model_class: type
    default_data: str  # datamodule whose spec is used when none is given
    paper: str


_MODELS: dict[str, ModelEntry] = {}
MODEL_CLASSES: dict[str, type] = {}


def register_model(model_class: type, default_data: str, paper: str):
    """Register a variant function ``fn(**overrides) -> dict of model arguments``."""

    def wrap(fn):
        if fn.__name__ in _MODELS:
            raise ValueError(f"model {fn.__name__!r} is registered twice")
        _MODELS[fn.__name__] = ModelEntry(fn.__name__, fn, model_class, default_data, paper)
        MODEL_CLASSES[model_class.__name__] = model_class
        return fn

    return wrap


def list_models(pattern: str = "*") -> list[str]:
    from fnmatch import fnmatch

    return sorted(n for n in _MODELS if fnmatch(n, pattern))


def model_entry(name: str) -> ModelEntry:
    if name not in _MODELS:
        import difflib

        close = difflib.get_close_matches(name, _MODELS, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown model {name!r}.{hint} Available: {', '.join(list_models())}")
    return _MODELS[name]


def list_pretrained(pattern: str = "*") -> list[str]:
    """Released weights on disk, as ``name.tag`` (e.g. ``protopnet_small.mnist5k``)."""
    from fnmatch import fnmatch

    if not CHECKPOINT_DIR.is_dir():
        return []
    found = [p.name for p in CHECKPOINT_DIR.iterdir() if (p / "config.json").is_file()]
    return sorted(n for n in found if fnmatch(n, pattern))


def model_args(name: str, spec: DataSpec | dict | None = None, **overrides: Any) -> dict[str, Any]:
    """The full constructor arguments of variant ``name``; overrides set to None mean "use the default"."""
    entry = model_entry(name)
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if spec is None:
        from datamodules import create_datamodule

        spec = create_datamodule(entry.default_data).spec
    args = dict(entry.fn())
    args.update(overrides)
    args["spec"] = spec.to_dict() if isinstance(spec, DataSpec) else dict(spec)
    check_kwargs(entry.model_class.__init__, args, f"model {name!r}")
    return args


def create_model(name: str, pretrained: bool | str = False, spec: DataSpec | dict | None = None,
                 **overrides: Any):
    """Build variant ``name``. ``pretrained``: True for its only (or ``default``) released weights, a tag
    (``"mnist5k"``), or a path to a release folder. Loading is offline."""
    if pretrained:
        from .release import find_release, load_release

        if overrides or spec is not None:
            raise ValueError("pretrained weights fix the architecture and data spec; pass no overrides")
        model = load_release(find_release(name, pretrained))
        return model
    entry = model_entry(name)
    model = entry.model_class(**model_args(name, spec, **overrides))
    model.variant = name
    return model
