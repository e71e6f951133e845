"""Checking keyword arguments against the function they are for: one mechanism for model, datamodule, trainer
and explain options (``check_kwargs``: names only; ``validate_args``: names and the types YAML can give)."""

from __future__ import annotations

import inspect
import math
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Union


class ConfigError(ValueError):
    """A user mistake in the configuration; train.py prints it as one ``error: ...`` line and exits 2."""


@dataclass(frozen=True)
class Range:
    """The allowed values of a numeric argument, both ends included (None: unbounded); on a list, of each item.
    Used as ``Annotated[int, Range(1, 256)]`` in a constructor's signature, so that a card, a config and a direct
    call are checked by the same bound before anything is allocated."""

    low: float | None = None
    high: float | None = None

    def __str__(self) -> str:
        return f"[{'-inf' if self.low is None else self.low}, {'inf' if self.high is None else self.high}]"

    def holds(self, value: Any) -> bool:
        if isinstance(value, (list, tuple)):
            return all(self.holds(v) for v in value)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return True  # a type error is reported as such
        if isinstance(value, float) and not math.isfinite(value):
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


# The bounds the zoo's constructors use (sizes well beyond any model here, far below what would exhaust memory).
Count = Annotated[int, Range(1, 2**20)]  # units, prototypes, widths, experts, classes of something
NonNegativeCount = Annotated[int, Range(0, 2**20)]
Depth = Annotated[int, Range(1, 1024)]  # layers, heads, blocks: each is a module built in Python
Modules = Annotated[int, Range(0, 1024)]  # modules of a kind a model may have none of (a program's MLPs)
Epochs = Annotated[int, Range(0, 100_000)]
Samples = Annotated[int, Range(1, 10_000)]  # Monte Carlo samples per input: per-call work
NonNegative = Annotated[float, Range(0.0, None)]  # weights of loss terms, learning rates, decays
Positive = Annotated[float, Range(1e-30, None)]  # scales, epsilons, temperatures
Probability = Annotated[float, Range(0.0, 1.0)]
Percent = Annotated[float, Range(0.0, 100.0)]
Seed = Annotated[int, Range(0, 2**63 - 1)]
GeneratedTokens = Annotated[int, Range(0, 1_000_000)]


def _parameters(fn: Callable) -> tuple[dict[str, inspect.Parameter], bool]:
    target = fn.__init__ if inspect.isclass(fn) else fn
    signature = inspect.signature(target)
    params = {k: p for k, p in signature.parameters.items()
              if k != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    return params, any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())


def check_kwargs(fn: Callable, kwargs: dict[str, Any], what: str, skip: tuple[str, ...] = ()) -> None:
    """Reject keyword arguments ``fn`` does not take (a ``TypeError`` naming the ones it does)."""
    params, takes_any = _parameters(fn)
    unknown = sorted(set(kwargs) - (set(params) - set(skip)))
    if unknown and not takes_any:
        known = sorted(k for k in params if k not in skip)
        raise TypeError(f"{what} got unknown argument(s) {unknown}; it takes {known}")


def _matches(value: Any, annotation: Any) -> bool:
    """Whether a YAML value fits a (resolved) annotation; unknown annotation shapes are accepted."""
    if annotation is inspect.Parameter.empty or annotation is Any:
        return True
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _matches(value, typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return any(_matches(value, a) for a in typing.get_args(annotation))
    if annotation is type(None):
        return value is None
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation in (int, str):
        return isinstance(value, annotation) and not isinstance(value, bool)
    if origin in (list, tuple) or annotation in (list, tuple):
        items = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        return isinstance(value, (list, tuple)) and (not items or all(_matches(v, items[0]) for v in value))
    if origin is dict or annotation is dict:
        return isinstance(value, dict)
    return True


def validate_args(fn: Any, args: dict[str, Any], what: str, skip: tuple[str, ...] = ("spec",)) -> None:
    """Reject unknown keyword arguments and values of the wrong type, naming what ``fn`` takes."""
    target = fn.__init__ if inspect.isclass(fn) else fn
    params, takes_any = _parameters(fn)
    unknown = sorted(set(args) - set(params))
    if unknown and not takes_any:
        valid = ", ".join(k for k in params if k not in skip)
        raise ConfigError(f"{what} got unknown argument(s) {', '.join(unknown)}; valid: {valid}")
    try:
        hints = typing.get_type_hints(target, include_extras=True)
    except Exception:  # unresolvable annotations: leave the types to the constructor
        hints = {}
    for key, value in args.items():
        if key not in hints:
            continue
        if not _matches(value, hints[key]):
            expected = _type_name(hints[key])
            raise ConfigError(f"{what}: argument {key}={_show(value)} has type {type(value).__name__}, "
                              f"expected {expected}")
        bound = _range_for(value, hints[key])
        if bound is not None and not bound.holds(value):
            raise ConfigError(f"{what}: argument {key}={_show(value)} is outside its allowed range {bound}")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:60] + f"... ({len(text):,} characters)"


def _type_name(annotation: Any) -> str:
    """``int``, ``list[int] | None``: an annotation as a reader writes it (bounds left to the range message)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Annotated:
        return _type_name(args[0])
    if origin in (Union, types.UnionType):
        return " | ".join(_type_name(a) for a in args)
    if origin is not None:
        inner = ", ".join("..." if a is Ellipsis else _type_name(a) for a in args)
        return f"{getattr(origin, '__name__', str(origin))}[{inner}]"
    return "None" if annotation is type(None) else getattr(annotation, "__name__", str(annotation))


def _range_for(value: Any, annotation: Any) -> Range | None:
    """The Range of the annotation's arm that ``value`` matches (``Annotated[int, Range] | None``, lists of it)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        base, *extras = typing.get_args(annotation)
        found = next((e for e in extras if isinstance(e, Range)), None)
        return found if found is not None else _range_for(value, base)
    if origin in (Union, types.UnionType):
        for arm in typing.get_args(annotation):
            if _matches(value, arm):
                return _range_for(value, arm)
        return None
    if origin in (list, tuple) and isinstance(value, (list, tuple)):
        items = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        return _range_for(value[0], items[0]) if items and value else None
    return None


def key_values(items: list[str], flag: str) -> dict[str, Any]:
    """``KEY=VALUE`` command-line items (``--data-arg``, ``--option``) as a dict, each value read as YAML."""
    import yaml

    values = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"{flag} {item!r}: write KEY=VALUE")
        try:
            values[key] = yaml.safe_load(value)
        except yaml.YAMLError as err:
            raise ConfigError(f"{flag} {item!r}: the value is not valid YAML ({' '.join(str(err).split())})") from None
    return values


# ---- command-line numbers: one parser per kind, used by every command (argparse turns the ValueError into a
# usage error that names the flag) -----------------------------------------------------------------------------
def _number(kind: type, low: float | None, high: float | None, what: str) -> Callable[[str], Any]:
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse_error(f"{text!r} is not {what}") from None
        if kind is float and not math.isfinite(value):
            raise argparse_error(f"{text!r} is not a finite number")
        if (low is not None and value < low) or (high is not None and value > high):
            raise argparse_error(f"{text!r} is outside {_range_text(low, high)}")
        return value

    parse.__name__ = what
    return parse


def _range_text(low: float | None, high: float | None) -> str:
    return f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"


def argparse_error(message: str) -> Exception:
    import argparse

    return argparse.ArgumentTypeError(message)


positive_int = _number(int, 1, None, "a positive integer")
non_negative_int = _number(int, 0, None, "an integer >= 0")
fraction = _number(float, 0.0, 1.0, "a number in [0, 1]")
seed = _number(int, 0, 2**63 - 1, "a seed (an integer in [0, 2**63 - 1])")
