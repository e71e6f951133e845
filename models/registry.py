"""Named variants, in the style of timm: ``@register_model`` functions that only fix hyperparameters.

A variant knows its model class, the datamodule whose spec it is built for by default, and its paper. Model
classes are keyed by module and name (``protopnet.ProtoPNet``), so two families cannot collide; cards and
checkpoints store that key. ``create_model`` lives in ``factory``, the release format in ``release``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from configs.validation import check_kwargs
from datamodules.base import DataSpec

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


def class_key(cls: type) -> str:
    """``<module under models>.<class>``, e.g. ``protopnet.ProtoPNet``: unique across families."""
    module = cls.__module__.removeprefix("models.")
    return f"{module}.{cls.__qualname__}"


def register_class(model_class: type) -> type:
    key = class_key(model_class)
    if MODEL_CLASSES.get(key, model_class) is not model_class:
        raise ValueError(f"model class key {key!r} is registered twice")
    MODEL_CLASSES[key] = model_class
    return model_class


def register_model(model_class: type, default_data: str, paper: str):
    """Register a variant function ``fn(**overrides) -> dict of model arguments``."""

    def wrap(fn):
        if fn.__name__ in _MODELS:
            raise ValueError(f"model {fn.__name__!r} is registered twice")
        _MODELS[fn.__name__] = ModelEntry(fn.__name__, fn, register_class(model_class), default_data, paper)
        return fn

    return wrap


def find_class(key: str) -> type | None:
    """The class for a card's or checkpoint's key; version-1 cards stored the bare class name."""
    if key in MODEL_CLASSES:
        return MODEL_CLASSES[key]
    matches = [cls for k, cls in MODEL_CLASSES.items() if k.rsplit(".", 1)[-1] == key]
    return matches[0] if len(matches) == 1 else None


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


def default_spec(name: str) -> DataSpec:
    """The spec of the variant's default datamodule, described without reading any data."""
    from datamodules import datamodule_class

    return datamodule_class(model_entry(name).default_data).default_spec()


def model_args(name: str, spec: DataSpec | dict | None = None, **overrides: Any) -> dict[str, Any]:
    """The full constructor arguments of variant ``name``; overrides set to None mean "use the default"."""
    entry = model_entry(name)
    overrides = {k: v for k, v in overrides.items() if v is not None}
    args = dict(entry.fn())
    args.update(overrides)
    spec = default_spec(name) if spec is None else spec
    args["spec"] = spec.to_dict() if isinstance(spec, DataSpec) else dict(spec)
    check_kwargs(entry.model_class, args, f"model {name!r}")
    return args
