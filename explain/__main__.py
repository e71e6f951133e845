"""The export command: explain a checkpoint's predictions on a datamodule split or on your own images.

    python -m explain --checkpoint runs/x/release --data digits --split test --out out/
    python -m explain --checkpoint protopnet_small.mnist5k --images my_digits/ --out out/ --limit 20

``--checkpoint`` takes a release folder, a Lightning ``.ckpt`` or a released ``name.tag``. User errors
(missing or corrupt checkpoint, missing data root, data that does not fit the checkpoint) print one
``error: ...`` line and exit with status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import torch
import yaml

from datamodules import DataRootError, DataSpec, create_datamodule
from models import list_pretrained, load_any
from models.release import CheckpointError

from .exporters import FORMATS, export_explanations


class ExportError(ValueError):
    """A user mistake the command reports in one line."""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m explain", description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", required=True,
                        help="a release folder, a .ckpt file, or a released name.tag "
                             "(e.g. protopnet_small.mnist5k)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="a registered datamodule (default split: test)")
    source.add_argument("--images", help="a folder of image files (or one file) to explain")
    parser.add_argument("--split", default="test", choices=["train", "val", "test"])
    parser.add_argument("--data-arg", action="append", default=[], metavar="KEY=VALUE",
                        help="a datamodule argument, e.g. --data-arg root=/data/cub (repeatable)")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--limit", type=int, default=None, help="explain at most N inputs")
    parser.add_argument("--image-limit", type=int, default=100,
                        help="inputs that get PNGs and an HTML section")
    parser.add_argument("--top-k", type=int, default=5, help="evidence units per explanation")
    parser.add_argument("--formats", default=",".join(FORMATS), help=f"comma list from {','.join(FORMATS)}")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--device", default="cpu", help="e.g. cpu, cuda, cuda:1")
    return parser.parse_args(argv)


def load_model(checkpoint: str):
    path = Path(checkpoint)
    looks_like_path = path.suffix == ".ckpt" or "/" in checkpoint or path.exists()
    if looks_like_path and not path.exists():
        raise CheckpointError(f"checkpoint {checkpoint} does not exist")
    try:
        return load_any(checkpoint)
    except KeyError as err:  # an unknown name.tag
        raise CheckpointError(f"{checkpoint!r} is neither a checkpoint path nor a released model "
                              f"({err.args[0]}); released: {', '.join(list_pretrained()) or 'none'}"
                              ) from None


def parse_data_args(items: list[str]) -> dict:
    args = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ExportError(f"--data-arg {item!r}: write KEY=VALUE")
        args[key] = yaml.safe_load(value)
    return args


def check_spec(model_spec: DataSpec, data_spec: DataSpec) -> None:
    """The data must be what the checkpoint was trained on: same input shape and classes."""
    if tuple(model_spec.input_shape) != tuple(data_spec.input_shape) or \
            model_spec.num_classes != data_spec.num_classes:
        raise ExportError(
            f"the checkpoint was trained on {model_spec.name!r} (inputs {tuple(model_spec.input_shape)}, "
            f"{model_spec.num_classes} classes) but --data {data_spec.name!r} gives inputs "
            f"{tuple(data_spec.input_shape)} with {data_spec.num_classes} classes")


def image_batches(source: str, spec: DataSpec, batch_size: int,
                  limit: int | None) -> tuple[Iterator[torch.Tensor], list[str]]:
    """Batches of the user's images, read a batch at a time, converted and resized to the spec."""
    from datamodules.images import list_images, load_images_for_spec

    path = Path(source)
    if not path.exists():
        raise ExportError(f"--images {source}: no such file or folder")
    if path.is_dir():
        paths = list_images(path)
        if not paths:
            raise ExportError(f"--images {source}: no image files found")
        ids = [p.relative_to(path).as_posix() for p in paths]
    else:
        paths, ids = [path], [path.name]
    paths, ids = paths[:limit], ids[:limit]

    def batches() -> Iterator[torch.Tensor]:
        for start in range(0, len(paths), batch_size):
            images, _ = load_images_for_spec(paths[start:start + batch_size], spec)
            yield images

    return batches(), ids


def run(args: argparse.Namespace) -> int:
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ExportError(f"--formats: unknown {unknown}; choose from {', '.join(FORMATS)}")
    model = load_model(args.checkpoint).to(args.device)
    push_data = None
    if args.data:
        try:
            datamodule = create_datamodule(args.data, **parse_data_args(args.data_arg))
        except (KeyError, TypeError) as err:
            raise ExportError(str(err.args[0]) if err.args else str(err)) from None
        check_spec(model.spec, datamodule.spec)
        datamodule.setup("test")
        data = datamodule.split_dataloader(args.split)
        ids, prefix = None, f"{args.split}-"
        if "global" in formats:
            push_data = datamodule.push_set
    else:
        if len(model.spec.input_shape) != 3:
            raise ExportError(f"--images needs an image model; this checkpoint takes inputs "
                              f"{tuple(model.spec.input_shape)}")
        data, ids = image_batches(args.images, model.spec, args.batch_size, args.limit)
        prefix = ""
    result = export_explanations(model, data, args.out, formats=formats, ids=ids, id_prefix=prefix,
                                 top_k=args.top_k, limit=args.limit, image_limit=args.image_limit,
                                 push_data=push_data)
    records = "" if result.records == result.inputs else f" ({result.records} records)"
    print(f"explained {result.inputs} input(s){records} with {model.variant or type(model).__name__}; wrote:")
    for kind, path in result.files.items():
        print(f"  {kind:<10} {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except (ExportError, CheckpointError, DataRootError, FileNotFoundError) as err:
        message = str(err).strip().replace("\n", " ")
        print(f"error: {message}", file=sys.stderr)
        return 2
    except ValueError as err:  # unreadable image files, a non-image spec
        if "image" not in str(err):
            raise
        print(f"error: {' '.join(str(err).split())}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
