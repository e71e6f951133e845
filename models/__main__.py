"""The model registry and the shipped releases from the command line.

    python -m models list                          # registered variants and released weights
    python -m models info protopnet_small.mnist5k  # what a release says about itself
    python -m models refresh checkpoints/tp_sort.default   # rewrite a release's family files and re-run its
                                                           # release checks (e.g. a decompiled program and
                                                           # program == model), keeping weights and metrics

Errors print one ``error: ...`` line and exit with status 2.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from pathlib import Path

from configs.validation import ConfigError, key_values

from . import list_models, list_pretrained, load_release, pretrained_info, save_release
from .release import CheckpointError, read_card, update_card


def refresh(directory: Path, data_args: dict | None = None) -> dict:
    """Save the release again from its own weights and card (the family's files are regenerated), then run the
    family's release checks against its data and record them.

    The card is data from outside: of its recipe's data arguments only those that shape the data are used
    (sizes, seeds, splits); where data lives or may come from (``root``, ``download``, a games file: the
    datamodule's ``location_args``) comes only from ``data_args``, the user's. Nothing is downloaded unless the
    user says ``download=true``, and the datamodule is built before anything in the release is rewritten."""
    from datamodules import DataRootError, create_datamodule
    from datamodules.base import datamodule_class

    card = read_card(directory)
    model = load_release(directory)
    recipe_args = (card.get("recipe", {}).get("data") or {}).get("args") or {}
    if not isinstance(recipe_args, dict):
        raise CheckpointError(f"{directory}: the recipe's data args must be a mapping, got {recipe_args!r}")
    try:
        cls = datamodule_class(model.spec.name)
        args = {k: v for k, v in recipe_args.items() if k not in cls.location_args}
        if "download" in inspect.signature(cls.__init__).parameters:
            args["download"] = False
        datamodule = create_datamodule(model.spec.name, **{**args, **(data_args or {})})
        datamodule.setup("test")
    except (KeyError, TypeError, ValueError) as err:
        raise CheckpointError(f"{directory}: cannot build its {model.spec.name!r} data: "
                              f"{err.args[0] if err.args else err}") from None
    except DataRootError as err:
        raise CheckpointError(f"{err}; pass where the data is: --data-arg root=DIR") from None
    keep = {k: card.get(k) for k in ("metrics", "recipe", "seed", "tag", "paper_metrics", "training")}
    save_release(model, directory, **{k: v for k, v in keep.items() if v is not None})
    checks = model.release_checks(directory, datamodule)
    fresh = read_card(directory)
    kept = {k: v for k, v in card.items() if k not in fresh and k not in ("checks", "created")}  # notes it carried
    return update_card(directory, **kept, checks=checks, created=card.get("created"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="registered variants and released weights")
    info = commands.add_parser("info", help="a release's card: metrics, the paper's number, recipe")
    info.add_argument("name_tag")
    again = commands.add_parser("refresh", help="regenerate a release's files and re-run its checks")
    again.add_argument("directory", type=Path)
    again.add_argument("--data-arg", action="append", default=[], metavar="KEY=VALUE",
                       help="where the data is (e.g. --data-arg root=/data/cub): never taken from the card")
    args = parser.parse_args(argv)
    try:
        if args.command == "list":
            print("models:", ", ".join(list_models()))
            print("released:", ", ".join(list_pretrained()) or "none")
        elif args.command == "info":
            print(json.dumps(pretrained_info(args.name_tag), indent=2))
        else:
            card = refresh(args.directory, key_values(args.data_arg, "--data-arg"))
            print(json.dumps({"release": str(args.directory), "checks": card.get("checks", {})}, indent=2))
    except (CheckpointError, ConfigError, KeyError) as err:
        print(f"error: {err.args[0] if err.args else err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
