"""The export command: explain a checkpoint's predictions on a datamodule split, your own images or text.

    python -m explain --checkpoint runs/demo/release --data digits --split test --out out/
    python -m explain --checkpoint protopnet_small.mnist5k --images my_digits/ --out out/ --limit 20
    python -m explain --checkpoint tp_sort.default --text sequences.txt --out out/
    python -m explain --checkpoint cbm_joint_mlp.xor --data xor --option intervene='["x1 > 0.5"]' --limit 20 --out out/

``--checkpoint`` takes a release folder, a Lightning ``.ckpt`` or a released ``name.tag``. ``--images`` reads a
file or a folder (class sub-folders named like the model's classes give the targets); ``--text`` reads one
sequence per line, tokenised by the model's own tokenizer. ``--option KEY=VALUE`` passes a family option to
``model.explain`` (``model.explain_options()`` lists them; a concept model's ``intervene`` sets the named concepts
to their labels). Before explaining, the data's spec is compared with the checkpoint's field by field. User
errors print one ``error: ...`` line and exit with status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import torch

from configs.validation import ConfigError, key_values, non_negative_int, positive_int
from datamodules import DataRootError, SpecError, create_datamodule
from datamodules.batch import Batch, BatchError
from datamodules.images import ImageReadError, image_files, load_images_for_spec, unreadable_images
from datamodules.tokenizers import TokenizerError, tokenizer_for
from models import InputError, load_any
from models.release import CheckpointError

from .export import FORMATS, ExportTargetError, export_explanations
from .unit_pages import DEFAULT_PAGES


class ExportError(ValueError):
    """A user mistake the command reports in one line."""


USER_ERRORS = (ExportError, ExportTargetError, CheckpointError, DataRootError, SpecError, InputError, BatchError,
               ImageReadError, TokenizerError, ConfigError, FileNotFoundError)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m explain", description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", required=True,
                        help="a release folder, a .ckpt file, or a released name.tag (e.g. protopnet_small.mnist5k)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="a registered datamodule (default split: test)")
    source.add_argument("--images", help="a folder of image files (or one file) to explain")
    source.add_argument("--text", help="a UTF-8 text file, one sequence per line")
    parser.add_argument("--split", default="test", choices=["train", "val", "test"])
    parser.add_argument("--data-arg", action="append", default=[], metavar="KEY=VALUE",
                        help="a datamodule argument, e.g. --data-arg root=/data/cub (repeatable)")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="a family option for explain, e.g. --option samples=32 (repeatable)")
    parser.add_argument("--out", required=True,
                        help="output folder: new, empty or an earlier export (it is replaced as a whole)")
    parser.add_argument("--overwrite", action="store_true",
                        help="let --out replace a folder that is not an earlier export (never one holding the input)")
    parser.add_argument("--limit", type=positive_int, default=None, help="explain at most N inputs")
    parser.add_argument("--image-limit", type=non_negative_int, default=1000,
                        help="records whose input and unit maps are drawn (every record gets a page)")
    parser.add_argument("--top-k", type=positive_int, default=5, help="evidence units per explanation")
    parser.add_argument("--explain-class", default="prediction", choices=["prediction", "target"])
    parser.add_argument("--formats", default=",".join(FORMATS), help=f"comma list from {','.join(FORMATS)}")
    parser.add_argument("--batch-size", type=positive_int, default=64)
    parser.add_argument("--skip-unreadable", action="store_true",
                        help="--images: leave out files that cannot be read (listed), instead of stopping")
    parser.add_argument("--other-data", action="store_true",
                        help="--data: accept data other than the checkpoint's own if its format and preprocessing "
                             "(shape, classes, normalisation, vocabulary...) are the same")
    parser.add_argument("--device", default="cpu", help="e.g. cpu, cuda, cuda:1")
    parser.add_argument("--unit-pages", default=str(DEFAULT_PAGES), metavar="N|all",
                        help=f"sequence models' unit atlas: a page per unit when there are at most N units (default "
                             f"{DEFAULT_PAGES}), else pages only for the units the explained predictions show; "
                             f"'all' writes a page for every unit (slow for thousands of experts)")
    return parser.parse_args(argv)


def check_spec(model, data_spec, other_data: bool = False) -> None:
    """The data must be what the checkpoint was trained on: the whole spec, field by field (with
    ``other_data``: only what the model reads its inputs by, for other data in the same format)."""
    differences = model.spec.differences(data_spec, data_spec.MODEL_FIELDS if other_data else None)
    if differences:
        hint = "" if other_data else "; if it is other data in the same format, pass --other-data"
        raise ExportError(f"the checkpoint was trained on {model.spec.name!r} data, and --data gives "
                          f"{data_spec.name!r} data that differs in {'; '.join(differences)}{hint}")


def image_batches(source: str, model, batch_size: int, limit: int | None,
                  skip_unreadable: bool) -> tuple[Iterator[Batch], list[str], list[str]]:
    """Batches of the user's images (read a batch at a time, converted and resized to the spec), their ids,
    and the files left out. Every file is checked before the first batch, so a bad file stops the command
    before anything is written, naming it."""
    if not Path(source).exists():
        raise ExportError(f"--images {source}: no such file or folder")
    paths, ids = image_files(source)
    bad = unreadable_images(paths)
    if bad and not skip_unreadable:
        listed = "; ".join(f"{p}: {reason}" for p, reason in bad[:5])
        raise ExportError(f"{len(bad)} of the {len(paths)} images under {source} cannot be read ({listed}); "
                          f"fix or remove them, or pass --skip-unreadable")
    skipped = {p for p, _ in bad}
    kept = [(p, i) for p, i in zip(paths, ids) if p not in skipped][:limit]
    names = model.spec.class_names
    folder = Path(source).is_dir()

    def target(image_id: str) -> int:  # .../<class>/<image> at any depth (root/test/<class>/...): the target
        parts = image_id.split("/")
        return names.index(parts[-2]) if folder and len(parts) >= 2 and parts[-2] in names else -1

    targets = [target(i) for _, i in kept]
    has_targets = any(t >= 0 for t in targets)  # -1: an image outside a class folder has no target
    unnamed = sorted({i.split("/")[-2] for (_, i), t in zip(kept, targets) if t < 0 and "/" in i})
    if unnamed:
        print(f"note: {sum(t < 0 for t in targets)} image(s) lie in folders that name no class of the model "
              f"({', '.join(repr(n) for n in unnamed[:5])}{', ...' if len(unnamed) > 5 else ''}): explained "
              f"without a target")

    def batches() -> Iterator[Batch]:
        for start in range(0, len(kept), batch_size):
            chunk = kept[start:start + batch_size]
            images, _ = load_images_for_spec([p for p, _ in chunk], model.spec)
            batch_targets = torch.tensor(targets[start:start + batch_size]) if has_targets else None
            yield Batch(inputs=images, targets=batch_targets)

    return batches(), [i for _, i in kept], [str(p) for p in sorted(skipped)]


def text_batches(source: str, model, batch_size: int, limit: int | None) -> tuple[Iterator[Batch], list[str]]:
    """One sequence per non-blank line, tokenised by the model's tokenizer and padded to the longest of its
    batch; a vocabulary without ``<pad>`` (a byte-level language model) reads each line at its own length, in
    batches of consecutive lines of equal length (the order, and so the ids, stay the lines')."""
    path = Path(source)
    if not path.is_file():
        raise ExportError(f"--text {source}: no such file")
    if not model.spec.is_sequence:
        raise ExportError(f"--text needs a sequence model; this checkpoint reads {model.spec.task} inputs")
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as err:
        raise ExportError(f"--text {source} is not UTF-8 text (byte {err.start}: {err.reason})") from None
    tokenizer = tokenizer_for(model.spec)
    numbered = [(n, line) for n, line in enumerate(lines, 1) if line.strip()][:limit]
    encoded = []
    for n, line in numbered:
        try:
            encoded.append(tokenizer.encode(line))
        except TokenizerError as err:
            raise ExportError(f"{source}:{n}: {err}") from None
    pad = model.spec.token_id("pad")
    chunks: list[list[list[int]]] = []
    for ids in encoded:
        fits = chunks and len(chunks[-1]) < batch_size and (pad is not None or len(chunks[-1][0]) == len(ids))
        if fits:
            chunks[-1].append(ids)
        else:
            chunks.append([ids])

    def batches() -> Iterator[Batch]:
        for chunk in chunks:
            width = max(len(ids) for ids in chunk)
            x = torch.full((len(chunk), width), pad if pad is not None else 0, dtype=torch.long)
            for row, ids in enumerate(chunk):
                x[row, :len(ids)] = torch.tensor(ids)
            yield Batch(inputs=x)

    return batches(), [f"line{n}" for n, _ in numbered]


def device(name: str) -> torch.device:
    """A device this machine has, or an ExportError that says which it has."""
    try:
        chosen = torch.device(name)
    except RuntimeError:
        raise ExportError(f"--device {name!r} is not a device name; use cpu, cuda or cuda:N") from None
    if chosen.type == "cuda" and (not torch.cuda.is_available() or (chosen.index or 0) >= torch.cuda.device_count()):
        raise ExportError(f"--device {name}: this machine has {torch.cuda.device_count()} CUDA device(s); use "
                          f"--device cpu")
    if chosen.type not in ("cpu", "cuda"):
        raise ExportError(f"--device {name}: only cpu and cuda are supported")
    return chosen


def unit_pages_limit(value: str) -> int | None:
    """``--unit-pages``: a number of pages, or ``all`` (None: no limit)."""
    if value.strip().lower() == "all":
        return None
    try:
        pages = int(value)
    except ValueError:
        pages = -1
    if pages < 0:
        raise ExportError(f"--unit-pages {value}: give a number of pages (0 or more) or 'all'")
    return pages


def run(args: argparse.Namespace) -> int:
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ExportError(f"--formats: unknown {unknown}; choose from {', '.join(FORMATS)}")
    pages = unit_pages_limit(args.unit_pages)
    model = load_any(args.checkpoint).to(device(args.device))
    options = key_values(args.option, "--option")
    unknown = sorted(set(options) - set(model.explain_options()))
    if unknown:
        raise ExportError(f"--option {', '.join(unknown)}: {model.variant or type(model).__name__} takes "
                          f"{', '.join(model.explain_options()) or 'no options'}")
    source_data, skipped = None, []
    if args.data:
        try:
            datamodule = create_datamodule(args.data, **key_values(args.data_arg, "--data-arg"))
        except (KeyError, TypeError, ValueError) as err:
            raise ExportError(str(err.args[0]) if err.args else str(err)) from None
        check_spec(model, datamodule.spec, args.other_data)
        datamodule.setup("test")
        data, ids, prefix = datamodule.eval_dataloader(args.split), None, f"{args.split}-"
        if "global" in formats or "html" in formats:
            source_data = datamodule.eval_dataset("train")
    elif args.images:
        if not model.spec.is_image:
            raise ExportError(f"--images needs an image model; this checkpoint reads {model.spec.task} inputs")
        data, ids, skipped = image_batches(args.images, model, args.batch_size, args.limit, args.skip_unreadable)
        prefix = ""
    else:
        data, ids = text_batches(args.text, model, args.batch_size, args.limit)
        prefix = ""
    result = export_explanations(model, data, args.out, formats=formats, ids=ids, id_prefix=prefix,
                                 top_k=args.top_k, limit=args.limit, image_limit=args.image_limit,
                                 source_data=source_data, explain_class=args.explain_class, options=options,
                                 overwrite=args.overwrite, inputs=[p for p in (args.images, args.text) if p],
                                 unit_pages_limit=pages, progress=sys.stderr.isatty())
    records = "" if result.records == result.inputs else f" ({result.records} records)"
    print(f"explained {result.inputs} input(s){records} with {model.variant or type(model).__name__}; wrote:")
    for kind, path in result.files.items():
        print(f"  {kind:<10} {path}")
    if skipped:
        print(f"left out {len(skipped)} unreadable file(s): {', '.join(skipped)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except USER_ERRORS as err:
        print(f"error: {' '.join(str(err).split())}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
