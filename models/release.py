"""Two weight formats (ARCHITECTURE contract 5).

* Released weights: ``checkpoints/<name>.<tag>/model.safetensors`` + ``config.json`` (the model card: model
  class and arguments, data spec and preprocessing, class names, metrics measured on the test split, recipe,
  seed, version). Loaded offline by ``create_model(name, pretrained=...)``.
* Lightning ``.ckpt`` for resuming, loaded here with ``weights_only=True``.

Every write goes to a temporary file or folder beside the target and is renamed into place, so an interrupted
write never leaves a half-written checkpoint or export.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .registry import CHECKPOINT_DIR, MODEL_CLASSES, list_pretrained, model_entry

FORMAT = "intrinsic-zoo/release-v1"


class CheckpointError(RuntimeError):
    """A checkpoint that is missing, corrupt, foreign, or for another architecture."""


@contextmanager
def atomic_path(target: str | Path, is_dir: bool = False) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; on success rename it onto ``target``, else remove it."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if is_dir:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
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
        tmp.write_text(text)


def model_card(model, metrics: dict[str, float] | None = None, recipe: dict[str, Any] | None = None,
               seed: int | None = None, tag: str | None = None) -> dict[str, Any]:
    from . import __version__

    entry = model_entry(model.variant) if model.variant else None
    return {
        "format": FORMAT,
        "architecture": model.variant,
        "tag": tag,
        "model_class": type(model).__name__,
        "model_args": dict(model.hparams),
        "data": model.spec.to_dict(),
        "class_names": model.spec.class_names,
        "paper": entry.paper if entry else None,
        "metrics": metrics or {},
        "recipe": recipe or {},
        "seed": seed,
        "version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def save_release(model, directory: str | Path, **card: Any) -> Path:
    """Write ``model.safetensors`` + ``config.json`` (+ the family's ``release_files``) into ``directory``
    atomically, as a whole folder."""
    directory = Path(directory)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    with atomic_path(directory, is_dir=True) as tmp:
        save_file(state, str(tmp / "model.safetensors"), metadata={"format": FORMAT})
        full_card = {**model_card(model, **card), **model.release_files(tmp)}
        (tmp / "config.json").write_text(json.dumps(full_card, indent=2) + "\n")
    return directory


def read_card(directory: str | Path) -> dict[str, Any]:
    path = Path(directory) / "config.json"
    if not path.is_file():
        raise CheckpointError(f"{directory} is not a release folder: it has no config.json")
    try:
        card = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CheckpointError(f"{path} is corrupt: {err}") from err
    if not isinstance(card, dict) or card.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not an Intrinsic Zoo model card (format {FORMAT!r} expected)")
    return card


def _build(model_class: str, args: dict[str, Any], variant: str | None, source: Path):
    if model_class not in MODEL_CLASSES:
        raise CheckpointError(f"{source} holds a {model_class!r}, which this version of the zoo does not know")
    model = MODEL_CLASSES[model_class](**args)
    model.variant = variant
    return model


def _load_state(model, state: dict[str, torch.Tensor], source: Path, expected: str | None = None) -> None:
    try:
        result = model.load_state_dict(state, strict=False)
    except RuntimeError as err:  # same names, other shapes: weights of another architecture or size
        first = next((line.strip() for line in str(err).splitlines() if "size mismatch" in line), str(err))
        name = expected or type(model).__name__
        raise CheckpointError(f"{source} does not match {name}: {first}") from None
    if result.missing_keys or result.unexpected_keys:
        raise CheckpointError(
            f"{source} does not match {expected or type(model).__name__}: missing "
            f"{result.missing_keys[:5]}, unexpected {result.unexpected_keys[:5]}")


def load_release(directory: str | Path, expected_class: str | None = None):
    """Rebuild a model from a release folder; the model comes back in eval mode with its card attached."""
    directory = Path(directory)
    card = read_card(directory)
    if expected_class and card["model_class"] != expected_class:
        raise CheckpointError(f"{directory} holds a {card['model_class']}, not a {expected_class}")
    model = _build(card["model_class"], card["model_args"], card.get("architecture"), directory)
    try:
        state = load_file(str(directory / "model.safetensors"))
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointError(f"{directory / 'model.safetensors'} is missing or corrupt: {err}") from err
    _load_state(model, state, directory)
    model.card = card
    return model.eval()


def find_release(name: str, pretrained: bool | str) -> Path:
    if isinstance(pretrained, (str, os.PathLike)) and Path(pretrained).is_dir():
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


def load_checkpoint(path: str | Path, expected_class: str | None = None):
    """Rebuild a model from a Lightning ``.ckpt`` (loaded with ``weights_only=True``)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises several types for a bad pickle or a truncated zip
        raise CheckpointError(f"{path} is not a readable checkpoint ({type(err).__name__}: {err})") from err
    identity = ckpt.get("intrinsic_zoo") if isinstance(ckpt, dict) else None
    if not identity or "state_dict" not in ckpt:
        raise CheckpointError(f"{path} is not an Intrinsic Zoo checkpoint (no 'intrinsic_zoo' entry)")
    if expected_class and identity["model_class"] != expected_class:
        raise CheckpointError(f"{path} holds a {identity['model_class']}, not a {expected_class}")
    model = _build(identity["model_class"], ckpt["hyper_parameters"], identity.get("variant"), path)
    _load_state(model, ckpt["state_dict"], path)
    return model.eval()


def load_any(path_or_name: str | Path):
    """A release folder, a ``.ckpt`` file, or a released ``name.tag``."""
    path = Path(path_or_name)
    if path.is_dir():
        return load_release(path)
    if path.suffix == ".ckpt" or path.is_file():
        return load_checkpoint(path)
    name, _, tag = str(path_or_name).partition(".")
    return load_release(find_release(name, tag or True))
