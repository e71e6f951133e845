"""Two weight formats (ARCHITECTURE contract 5), both loaded offline and validated before use.

* Released weights: ``checkpoints/<name>.<tag>/model.safetensors`` + ``config.json`` (the model card: model
  class and arguments, data spec, metrics measured on the test split, the paper's number, the recipe that
  produced it, seed, version) + any family files (a decompiled program, a tokenizer). Loaded by
  ``create_model(name, pretrained=...)`` / ``load_release``.
* Lightning ``.ckpt`` for resuming, loaded with ``weights_only=True``.

A card is data from outside: ``read_card`` checks it against the card schema, the model is first built on the
``meta`` device (no memory) and its tensor shapes compared with the file's before anything is allocated, and
arguments that would reach the network or a path named in the card (``backbone_pretrained``,
``backbone_weights``) are switched off: the weights come from the release. Every problem is a
``CheckpointError`` that says what is wrong. Every write goes to a temporary file or folder beside the target
and is renamed into place, so an interrupted write never leaves a half-written release.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from configs.validation import ConfigError, validate_args
from datamodules.base import DataSpec, SpecError, is_plain_name

from .registry import CHECKPOINT_DIR, class_key, find_class, list_models, model_entry

FORMAT = "intrinsic-zoo/release-v2"
READABLE_FORMATS = ("intrinsic-zoo/release-v1", FORMAT)
# Constructor arguments that would download weights or read a file named by the card: a loaded release gets
# its weights from model.safetensors, so these are always switched off.
OFFLINE_ARGS = {"backbone_pretrained": False, "backbone_weights": None}
MAX_ELEMENTS = 20_000_000_000  # no release of this zoo holds more (80 GB in float32): refuse before allocating
MAX_FILE_BYTES = 64 * 2**20  # a family file a card names (a tokenizer): the largest shipped one is under 1 MB


class CheckpointError(RuntimeError):
    """A checkpoint that is missing, corrupt, foreign, or for another architecture."""


# ---- atomic writes -------------------------------------------------------------------------------------
@contextmanager
def atomic_path(target: str | Path, is_dir: bool = False) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; on success rename it onto ``target``, else remove it."""
    target = Path(target)
    if is_dir and (target.is_symlink() or target.exists() and not target.is_dir()):
        raise FileExistsError(f"{target} exists and is not a folder: refusing to replace it with one")
    target.parent.mkdir(parents=True, exist_ok=True)
    if is_dir:
        # Left by a write that was killed: only our own temporary names, never a user's hidden file beside it.
        for stale in [*target.parent.glob(f".{target.name}.tmp-*"), target.with_name(f".{target.name}.old")]:
            if stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    else:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        tmp = Path(name)
    # mkstemp/mkdtemp create owner-only (0600/0700) entries; give the result the usual umask permissions
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod((0o777 if is_dir else 0o666) & ~umask)
    try:
        yield tmp
        if is_dir:
            old = target.with_name(f".{target.name}.old")
            if target.exists():
                shutil.rmtree(old, ignore_errors=True)
                target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True) if tmp.is_dir() else tmp.unlink(missing_ok=True)
        raise


def atomic_write_text(target: str | Path, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


# ---- writing a release -----------------------------------------------------------------------------------
def model_card(model, metrics: dict[str, float] | None = None, recipe: dict[str, Any] | None = None,
               seed: int | None = None, tag: str | None = None, paper_metrics: dict[str, Any] | None = None,
               training: dict[str, Any] | None = None) -> dict[str, Any]:
    from . import __version__

    entry = model_entry(model.variant) if model.variant else None
    data = model.spec.to_dict()
    data.pop("tokenizer_data", None)  # written as its own file
    return {
        "format": FORMAT,
        "architecture": model.variant,
        "tag": tag,
        "model_class": class_key(type(model)),
        "model_args": {k: v for k, v in dict(model.hparams).items() if k != "spec"},
        "data": data,
        "paper": entry.paper if entry else None,
        "paper_metrics": paper_metrics or {},
        "metrics": metrics or {},
        "recipe": recipe or {},
        "seed": seed,
        "training": training or {},
        "version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def untied_state(model) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """The state dict with every tensor stored once: (tensors, {tied name: the name it shares storage with})
    (a language model's output head is its token embedding; safetensors refuses shared tensors)."""
    state, tied, seen = {}, {}, {}
    for name, tensor in model.state_dict().items():
        key = (tensor.untyped_storage().data_ptr(), tensor.storage_offset(), tuple(tensor.shape),
               tuple(tensor.stride()), tensor.dtype) if tensor.numel() else None
        if key is not None and key in seen:
            tied[name] = seen[key]
            continue
        if key is not None:
            seen[key] = name
        state[name] = tensor.detach().cpu().contiguous()
    return state, tied


def save_release(model, directory: str | Path, **card: Any) -> Path:
    """Write ``model.safetensors`` + ``config.json`` (+ the tokenizer file and the family's ``release_files``)
    into ``directory`` atomically, as a whole folder. ``card``: see ``model_card``."""
    directory = Path(directory)
    state, tied = untied_state(model)
    with atomic_path(directory, is_dir=True) as tmp:
        save_file(state, str(tmp / "model.safetensors"), metadata={"format": FORMAT})
        full_card = model_card(model, **card)
        if tied:
            full_card["tied_weights"] = tied
        tokenizer = model.spec.tokenizer or {}
        if tokenizer.get("file") and model.spec.tokenizer_data is not None:
            (tmp / tokenizer["file"]).write_text(model.spec.tokenizer_data, encoding="utf-8")
        full_card.update(model.release_files(tmp))
        (tmp / "config.json").write_text(json.dumps(full_card, indent=2) + "\n", encoding="utf-8")
    return directory


def update_card(directory: str | Path, **entries: Any) -> dict[str, Any]:
    """Merge ``entries`` into a release's card (atomically); returns the new card."""
    card = read_card(directory)
    card.update(entries)
    atomic_write_text(Path(directory) / "config.json", json.dumps(card, indent=2) + "\n")
    return card


# ---- reading: the card schema ------------------------------------------------------------------------------
_CARD_SCHEMA: dict[str, tuple[type, ...]] = {
    "format": (str,), "architecture": (str, type(None)), "model_class": (str,), "model_args": (dict,),
    "data": (dict,), "metrics": (dict,),
}
_OPTIONAL: dict[str, tuple[type, ...]] = {
    "tag": (str, type(None)), "recipe": (dict,), "seed": (int, type(None)), "paper_metrics": (dict,),
    "tied_weights": (dict,), "training": (dict,),
}


def read_card(directory: str | Path) -> dict[str, Any]:
    """The validated ``config.json`` of a release folder (a v1 card is converted to v2 in memory)."""
    path = Path(directory) / "config.json"
    if not path.is_file():
        hint = ""
        if (Path(directory) / "release" / "config.json").is_file():  # a run folder: its release is inside
            hint = f"; it is a run folder: pass its release, {Path(directory) / 'release'}"
        elif (Path(directory) / "checkpoints").is_dir():
            hint = f"; it is a run folder without a release: pass a checkpoint from {Path(directory) / 'checkpoints'}"
        raise CheckpointError(f"{directory} is not a release folder: it has no config.json{hint}")
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CheckpointError(f"{path} is corrupt: {err}") from err
    if not isinstance(card, dict) or card.get("format") not in READABLE_FORMATS:
        raise CheckpointError(f"{path} is not an Intrinsic Zoo model card (format {FORMAT!r} expected)")
    for schema, required in ((_CARD_SCHEMA, True), (_OPTIONAL, False)):
        for key, types in schema.items():
            if key not in card:
                if required:
                    raise CheckpointError(f"{path} is missing the key {key!r}")
                continue
            if not isinstance(card[key], types) or isinstance(card[key], bool) and bool not in types:
                expected = " or ".join(t.__name__ for t in types)
                raise CheckpointError(f"{path}: {key!r} must be {expected}, got {type(card[key]).__name__}")
    card["model_args"] = {k: v for k, v in card["model_args"].items() if k != "spec"}  # v1 kept it there too
    return card


def read_release_file(directory: Path, name: Any, what: str, max_bytes: int | None = None) -> str:
    """The UTF-8 text of a file a card names: the one place such a name becomes a path. Only a plain file name
    (no folder, no ``..``, not hidden) of a regular file inside ``directory`` (not a link), of at most
    ``max_bytes``, is read; anything else is a ``CheckpointError``."""
    if not is_plain_name(name):
        raise CheckpointError(f"{directory}: {what} must be a plain file name inside the release folder, got "
                              f"{str(name)[:100]!r}")
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    path = directory / name
    if path.is_symlink() or not path.is_file():
        state = "a link" if path.is_symlink() else "missing" if not path.exists() else "not a file"
        raise CheckpointError(f"{directory}: {what} {name} is {state}; a release holds its files itself")
    size = path.stat().st_size
    if size > max_bytes:
        raise CheckpointError(f"{directory}: {what} {name} has {size:,} bytes, beyond the bound of {max_bytes:,}")
    try:
        return path.read_bytes()[:max_bytes].decode("utf-8")
    except UnicodeDecodeError as err:
        raise CheckpointError(f"{directory}: {what} {name} is not UTF-8 text (byte {err.start})") from None


def _spec(data: dict[str, Any], source: Path) -> DataSpec:
    try:
        return DataSpec.from_dict(data)
    except (SpecError, TypeError, ValueError) as err:
        raise CheckpointError(f"{source}: its data spec is invalid: {err}") from None


def _model_class(key: str, source: Path) -> type:
    model_class = find_class(key)
    if model_class is None:
        raise CheckpointError(f"{source} holds a {key!r}, which this version of the zoo does not know")
    return model_class


def _constructor_args(model_class: type, args: dict[str, Any], source: Path) -> dict[str, Any]:
    args = {**args, **{k: v for k, v in OFFLINE_ARGS.items() if k in args}}
    try:
        validate_args(model_class, args, f"{source}: model_args")
    except ConfigError as err:
        raise CheckpointError(str(err)) from None
    return args


def _build(model_class: type, args: dict[str, Any], spec: DataSpec, variant: str | None,
           shapes: dict[str, tuple[int, ...]] | None, source: Path, tied: dict[str, str] | None = None):
    """The model, built once on the meta device to compare its tensors with ``shapes`` before allocating."""
    if shapes is not None:
        try:
            with torch.device("meta"):
                probe = model_class(spec=spec, **args)
        except Exception as err:  # noqa: BLE001 (a card is data: whatever its arguments break is the card's fault)
            raise CheckpointError(f"{source}: its model arguments are invalid ({type(err).__name__}: {err})") from None
        expected = {k: tuple(v.shape) for k, v in probe.state_dict().items()}
        _compare_shapes(expected, shapes, tied or {}, source, model_class.__name__)
        del probe
    try:
        model = model_class(spec=spec, **args)
    except Exception as err:  # noqa: BLE001 (as above)
        raise CheckpointError(f"{source}: its model arguments are invalid ({type(err).__name__}: {err})") from None
    model.variant = variant
    return model


def _compare_shapes(expected: dict[str, tuple[int, ...]], found: dict[str, tuple[int, ...]],
                    tied: dict[str, str], source: Path, name: str) -> None:
    total = sum(_numel(s) for s in expected.values())
    if total > MAX_ELEMENTS:
        raise CheckpointError(f"{source}: the card describes a {name} of {total:,} values, beyond this zoo's "
                              f"bound of {MAX_ELEMENTS:,}; the card is wrong or not for this zoo")
    missing = sorted(set(expected) - set(found) - set(tied))
    unexpected = sorted(set(found) - set(expected))
    if missing or unexpected:
        raise CheckpointError(f"{source} does not match {name}: missing {missing[:5]}, unexpected "
                              f"{unexpected[:5]}")
    for key, shape in found.items():
        if tuple(expected[key]) != tuple(shape):
            raise CheckpointError(f"{source} does not match {name}: size mismatch for {key}: the weights "
                                  f"have {tuple(shape)}, the card's model {tuple(expected[key])}")


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for v in shape:
        n *= int(v)
    return n


def _check_finite(model, state: dict[str, torch.Tensor], source: Path) -> None:
    """Weights with NaN or infinite values give explanations of nothing: refused at load. (Only learned
    parameters: a buffer may hold inf as a sentinel, e.g. a prototype not yet projected.)"""
    parameters = {name for name, _ in model.named_parameters()}
    bad = [k for k, v in state.items() if k in parameters and v.is_floating_point()
           and not bool(torch.isfinite(v).all())]
    if bad:
        raise CheckpointError(f"{source} holds non-finite values (NaN or inf) in {len(bad)} tensor(s), e.g. "
                              f"{', '.join(bad[:3])}; the weights are corrupt or diverged in training")


def _load_state(model, state: dict[str, torch.Tensor], source: Path) -> None:
    _check_finite(model, state, source)
    try:
        result = model.load_state_dict(state, strict=False)
    except RuntimeError as err:  # same names, other shapes: weights of another architecture or size
        first = next((line.strip() for line in str(err).splitlines() if "size mismatch" in line), str(err))
        raise CheckpointError(f"{source} does not match {type(model).__name__}: {first}") from None
    if result.missing_keys or result.unexpected_keys:
        raise CheckpointError(f"{source} does not match {type(model).__name__}: missing "
                              f"{result.missing_keys[:5]}, unexpected {result.unexpected_keys[:5]}")


def _expect(found_class: type, expected: str | None, source: Path) -> None:
    if expected and expected not in (found_class.__name__, class_key(found_class)):
        raise CheckpointError(f"{source} holds a {found_class.__name__}, not a {expected}")


def load_release(directory: str | Path, expected_class: str | None = None, expected_name: str | None = None):
    """Rebuild a model from a release folder; the model comes back in eval mode with its card attached.
    ``expected_class`` / ``expected_name``: refuse a release of another class or variant."""
    directory = Path(directory)
    card = read_card(directory)
    model_class = _model_class(card["model_class"], directory)
    _expect(model_class, expected_class, directory)
    if expected_name and card["architecture"] != expected_name:
        raise CheckpointError(f"{directory} holds {card['architecture']!r} weights, not {expected_name!r}")
    spec = _spec(card["data"], directory)
    tokenizer = spec.tokenizer or {}
    if tokenizer.get("file"):
        spec.tokenizer_data = read_release_file(directory, tokenizer["file"], "the tokenizer file")
        try:
            json.loads(spec.tokenizer_data)
        except json.JSONDecodeError as err:
            raise CheckpointError(f"{directory}: the tokenizer file {tokenizer['file']} is not JSON ({err})") from None
    weights = directory / "model.safetensors"
    try:
        with safe_open(str(weights), framework="pt") as f:
            shapes = {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointError(f"{weights} is missing or corrupt: {err}") from err
    args = _constructor_args(model_class, card["model_args"], directory)
    tied = card.get("tied_weights", {})
    model = _build(model_class, args, spec, card["architecture"], shapes, directory, tied)
    try:
        state = load_file(str(weights))
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointError(f"{weights} is missing or corrupt: {err}") from err
    for alias, name in tied.items():
        if name not in state:
            raise CheckpointError(f"{directory}: tied weight {alias} names {name!r}, which the file lacks")
        state[alias] = state[name]
    _load_state(model, state, directory)
    model.card = card
    return model.eval()


def _check_checkpoint_kind(path: Path) -> None:
    """Name what a file is when it is not a Lightning checkpoint (a zip, or a legacy pickle) before unpickling."""
    with open(path, "rb") as f:
        head = f.read(16)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\x80"):
        return
    if head.startswith(b"\x93NUMPY"):
        raise CheckpointError(f"{path} is a NumPy array file, not a checkpoint")
    if len(head) >= 9 and head[8:9] == b"{" or path.suffix == ".safetensors":
        hint = (f"; its release folder is {path.parent}" if (path.parent / "config.json").is_file() else
                "; a release is a folder with model.safetensors and config.json")
        raise CheckpointError(f"{path} is a bare weights file (or a corrupt one) without its model card: pass the "
                              f"release folder instead{hint}")
    raise CheckpointError(f"{path} is not a checkpoint (neither a Lightning .ckpt nor a release folder)")


def load_checkpoint(path: str | Path, expected_class: str | None = None):
    """Rebuild a model from a Lightning ``.ckpt`` (loaded with ``weights_only=True``)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    _check_checkpoint_kind(path)
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise CheckpointError(f"{path} holds Python objects beyond tensors and plain data; this loader only "
                              f"reads weights-only checkpoints and never runs code from a file") from None
    except (RuntimeError, EOFError, OSError, zipfile.BadZipFile, ValueError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise CheckpointError(f"{path} is not a readable checkpoint (truncated or corrupt: {reason})") from None
    identity = ckpt.get("intrinsic_zoo") if isinstance(ckpt, dict) else None
    if not isinstance(identity, dict) or "state_dict" not in ckpt or "hyper_parameters" not in ckpt:
        raise CheckpointError(f"{path} is not an Intrinsic Zoo checkpoint (no 'intrinsic_zoo' entry)")
    model_class = _model_class(str(identity.get("model_class")), path)
    _expect(model_class, expected_class, path)
    hparams = dict(ckpt["hyper_parameters"])
    spec = _spec(hparams.pop("spec", None) or {}, path)
    shapes = {k: tuple(v.shape) for k, v in ckpt["state_dict"].items()}
    model = _build(model_class, _constructor_args(model_class, hparams, path), spec, identity.get("variant"),
                   shapes, path)
    _load_state(model, ckpt["state_dict"], path)
    return model.eval()


# ---- finding releases --------------------------------------------------------------------------------------
def list_pretrained(pattern: str = "*") -> list[str]:
    """Released weights on disk, as ``name.tag`` (e.g. ``protopnet_small.mnist5k``)."""
    from fnmatch import fnmatch

    if not CHECKPOINT_DIR.is_dir():
        return []
    found = [p.name for p in CHECKPOINT_DIR.iterdir() if (p / "config.json").is_file()]
    return sorted(n for n in found if fnmatch(n, pattern))


def pretrained_info(name_tag: str) -> dict[str, Any]:
    """What a shipped release says about itself: tag, measured metrics, the paper's number, recipe, seed."""
    name, _, tag = name_tag.partition(".")
    card = read_card(find_release(name, tag or True))
    return {key: card.get(key) for key in ("architecture", "tag", "metrics", "paper", "paper_metrics", "seed",
                                          "recipe", "training")}


def find_release(name: str, pretrained: bool | str | os.PathLike) -> Path:
    """The folder for ``create_model(name, pretrained=...)``: True (the only or ``default`` tag), a tag, or a
    path to a release folder."""
    if isinstance(pretrained, (str, os.PathLike)) and (Path(pretrained).is_dir() or os.sep in str(pretrained)):
        if not Path(pretrained).is_dir():
            raise CheckpointError(f"release folder {pretrained} does not exist")
        return Path(pretrained)
    model_entry(name)  # unknown names fail here with the list of models
    tags = [p.split(".", 1)[1] for p in list_pretrained(f"{name}.*")]
    if isinstance(pretrained, str):
        if pretrained not in tags:
            raise CheckpointError(f"no released weights {name}.{pretrained}; available tags: {tags or 'none'}")
        tag = pretrained
    elif len(tags) == 1 or "default" in tags:
        tag = tags[0] if len(tags) == 1 else "default"
    else:
        raise CheckpointError(f"model {name!r} has released weights {tags or 'none'}; pass pretrained=<tag>")
    return CHECKPOINT_DIR / f"{name}.{tag}"


def load_any(path_or_name: str | Path):
    """A release folder, a ``.ckpt`` file, or a released ``name.tag``."""
    path = Path(path_or_name)
    if path.is_dir():
        return load_release(path)
    if path.suffix == ".ckpt" or path.is_file():
        return load_checkpoint(path)
    if os.sep in str(path_or_name):
        raise CheckpointError(f"checkpoint {path_or_name} does not exist")
    name, _, tag = str(path_or_name).partition(".")
    if name not in list_models():
        raise CheckpointError(f"{str(path_or_name)!r} is neither a checkpoint path nor a released model; "
                              f"released: {', '.join(list_pretrained()) or 'none'}")
    return load_release(find_release(name, tag or True), expected_name=name)
