"""Domain experts and expert masking (Monet §5.1, App. D.1) for the language models, from one command.

    python -m models.expert_editing --checkpoint monet_vd_small.python_docs --data python_docs --table
    python -m models.expert_editing --checkpoint moex_small.python_docs --data python_docs --domain code
    python -m models.expert_editing --checkpoint monet_hd_small.python_docs --data python_docs --experts 0:17,1:200

* **Domain routing.** Each unit's mean routing (Monet: the composed expert's score ``G_ij``; MoE-X: the expert's
  gate; a dense model: the neuron's mean positive activation) over the tokens of each domain of the data
  (``Batch.domains``), measured on ``--fit-split`` (default: train).
* **Specialised units** (the paper's rule): a unit belongs to domain d when its routing there is at least
  ``--ratio`` (2) times its routing in every other domain (the second-highest domain).
* **Masking**: the units are removed (routing score set to zero, ``LanguageModel.parse_mask``) and the
  cross-entropy per token is measured on ``--split`` (default: test) for every domain: Delta-target (the masked
  domain) and Delta-others (the mean over the other domains). Losses rise when knowledge is removed, so a
  positive delta is a loss of ability (Monet reports accuracy, where it is negative).
* ``--experts layer:id,...`` masks a given set instead; ``--table`` masks each domain's experts in turn.

Writes the result as JSON (``--out``) and prints a table. A mask naming an expert that does not exist is an
``ExpertMaskError``, reported in one line.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from .base import evaluating


def unit_routing(model, record: dict[str, Any]) -> torch.Tensor:
    """(B, T, units) the routing of the maskable units at every token (see the module docstring)."""
    if model.cfg.mlp == "moex":
        return record["mlp"]["gates"].float()
    if model.cfg.is_monet:
        return model.unit_activity(record).float()
    return model.unit_activity(record).float().clamp_min(0)


@torch.no_grad()
def domain_routing(model, loader, n_domains: int, max_batches: int | None = None) -> torch.Tensor:
    """(domains, layers, units): each unit's mean routing over the tokens of each domain."""
    totals, counts = None, torch.zeros(n_domains, dtype=torch.float64)
    with evaluating(model):
        for number, batch in enumerate(loader):
            if max_batches is not None and number >= max_batches:
                break
            if batch.domains is None:
                raise ValueError("domain routing needs data with domain labels (Batch.domains)")
            batch = batch.to(model.device)
            trace = model.gpt(batch.inputs, trace=True).trace
            valid = model.valid_positions(batch.inputs)
            per_layer = torch.stack([(unit_routing(model, r) * valid.unsqueeze(-1)).sum(1)
                                     for r in trace["layers"]], 1).double().cpu()  # (B, L, U)
            if totals is None:
                totals = torch.zeros(n_domains, *per_layer.shape[1:], dtype=torch.float64)
            domains = batch.domains.cpu()
            totals.index_add_(0, domains, per_layer)
            counts.index_add_(0, domains, valid.sum(1).double().cpu())
    if totals is None or (counts == 0).any():
        raise ValueError(f"domain routing needs tokens of every domain; got {counts.tolist()} tokens per domain")
    return (totals / counts.view(-1, 1, 1)).float()


def spread_loader(datamodule, split: str, max_batches: int | None):
    """The split's loader, or one over ``max_batches`` batches of items spread evenly over the split (splits
    are stored domain by domain, so the first batches alone would see one domain)."""
    loader = datamodule.eval_dataloader(split)
    if max_batches is None:
        return loader
    from torch.utils.data import DataLoader, Subset

    dataset = datamodule.eval_dataset(split)
    n = min(len(dataset), max_batches * loader.batch_size)
    picked = torch.linspace(0, len(dataset) - 1, n).round().long().unique().tolist()
    return DataLoader(Subset(dataset, picked), batch_size=loader.batch_size, collate_fn=loader.collate_fn)


def specialised_units(routing: torch.Tensor, ratio: float = 2.0) -> torch.Tensor:
    """(domains, layers, units) bool: routing in the domain >= ``ratio`` x the highest other domain's."""
    n = routing.shape[0]
    specialised = torch.zeros_like(routing, dtype=torch.bool)
    for d in range(n):
        others = torch.cat([routing[:d], routing[d + 1:]]).amax(0)
        specialised[d] = (routing[d] > 0) & (routing[d] >= ratio * others)
    return specialised


def as_mask(selected: torch.Tensor) -> dict[int, list[int]]:
    """(layers, units) bool -> ``{layer: [unit ids]}`` for ``expert_mask``."""
    return {layer: row.nonzero().flatten().tolist() for layer, row in enumerate(selected) if row.any()}


@torch.no_grad()
def domain_losses(model, loader, n_domains: int, expert_mask: Any = None) -> list[float]:
    """Mean cross-entropy per predicted token, per domain."""
    nll, count = torch.zeros(n_domains, dtype=torch.float64), torch.zeros(n_domains, dtype=torch.float64)
    with evaluating(model):
        for batch in loader:
            batch = batch.to(model.device)
            logits = model(batch.inputs, expert_mask=expert_mask).float()
            loss = F.cross_entropy(logits.transpose(1, 2), batch.targets, ignore_index=model.ignore_index,
                                   reduction="none")  # (B, T)
            scored = batch.targets != model.ignore_index
            nll.index_add_(0, batch.domains.cpu(), loss.sum(1).double().cpu())
            count.index_add_(0, batch.domains.cpu(), scored.sum(1).double().cpu())
    return (nll / count.clamp_min(1)).tolist()


def masking_effect(base: list[float], masked: list[float], target: int) -> dict[str, float]:
    deltas = [m - b for m, b in zip(masked, base)]
    others = [x for d, x in enumerate(deltas) if d != target]
    return {"delta_target": deltas[target], "delta_others": sum(others) / max(1, len(others))}


def masking_table(model, datamodule, split: str = "test", fit_split: str = "train", ratio: float = 2.0,
                  max_batches: int | None = None) -> dict[str, Any]:
    """For every domain: its specialised units, masked, and the loss change on it and on the others."""
    domains = list(datamodule.spec.preprocessing["domains"])
    datamodule.setup("test")
    routing = domain_routing(model, spread_loader(datamodule, fit_split, max_batches), len(domains))
    specialised = specialised_units(routing, ratio)
    loader = datamodule.eval_dataloader(split)
    base = domain_losses(model, loader, len(domains))
    rows = []
    for d, name in enumerate(domains):
        mask = as_mask(specialised[d])
        masked = domain_losses(model, loader, len(domains), mask) if mask else base
        rows.append({"domain": name, "masked_units": int(specialised[d].sum()),
                     "share_of_units": float(specialised[d].float().mean()), **masking_effect(base, masked, d),
                     "losses": dict(zip(domains, masked)), "mask": mask})
    return {"model": model.variant, "mlp": model.cfg.mlp, "split": split, "fit_split": fit_split, "ratio": ratio,
            "domains": domains, "base_losses": dict(zip(domains, base)), "rows": rows}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m models.expert_editing", description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", required=True, help="a release folder, a .ckpt or a released name.tag")
    parser.add_argument("--data", required=True, help="a datamodule with domains (e.g. python_docs, text_folder)")
    parser.add_argument("--data-arg", action="append", default=[], metavar="KEY=VALUE")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--table", action="store_true", help="mask each domain's specialised units in turn")
    what.add_argument("--domain", help="mask the units specialised for this domain")
    what.add_argument("--experts", help="mask these units: layer:id,layer:id,...")
    parser.add_argument("--split", default="test", choices=["train", "val", "test"])
    parser.add_argument("--fit-split", default="train", choices=["train", "val", "test"])
    parser.add_argument("--ratio", type=float, default=2.0)
    parser.add_argument("--max-batches", type=int, default=None, help="batches of --fit-split for the routing")
    parser.add_argument("--out", help="write the result as JSON here")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from datamodules import create_datamodule
    from explain.__main__ import check_spec, key_values

    from .release import load_any

    model = load_any(args.checkpoint)
    datamodule = create_datamodule(args.data, **key_values(args.data_arg, "--data-arg"))
    check_spec(model, datamodule.spec)
    domains = list(datamodule.spec.preprocessing.get("domains") or [])
    if args.domain is not None and args.domain not in domains:
        raise ValueError(f"--domain {args.domain!r}: the {args.data!r} data has domains {domains}")
    if args.experts is not None:
        model.parse_mask(args.experts)  # a bad id fails here, before any work
        datamodule.setup("test")
        loader = datamodule.eval_dataloader(args.split)
        base = domain_losses(model, loader, len(domains))
        masked = domain_losses(model, loader, len(domains), args.experts)
        result = {"model": model.variant, "split": args.split, "experts": args.experts, "domains": domains,
                  "base_losses": dict(zip(domains, base)), "masked_losses": dict(zip(domains, masked)),
                  "deltas": {d: m - b for d, m, b in zip(domains, masked, base)}}
    else:
        result = masking_table(model, datamodule, args.split, args.fit_split, args.ratio, args.max_batches)
        if args.domain is not None:
            result["rows"] = [r for r in result["rows"] if r["domain"] == args.domain]
    if args.out:
        from .release import atomic_write_text

        atomic_write_text(args.out, json.dumps(result, indent=2) + "\n")
    print(format_result(result))
    return result


def format_result(result: dict[str, Any]) -> str:
    if "rows" not in result:
        lines = [f"{result['model']}: masking {result['experts']} ({result['split']} split, loss per token)"]
        lines += [f"  {d:<12} {result['base_losses'][d]:.4f} -> {result['masked_losses'][d]:.4f} "
                  f"({result['deltas'][d]:+.4f})" for d in result["domains"]]
        return "\n".join(lines)
    lines = [f"{result['model']}: domain masking ({result['split']} split; units >= {result['ratio']}x in one "
             f"domain; loss per token, + = worse)", f"  {'domain':<12} {'units':>6} {'share':>7} {'D-target':>9} "
                                                     f"{'D-others':>9}"]
    for row in result["rows"]:
        lines.append(f"  {row['domain']:<12} {row['masked_units']:>6} {row['share_of_units']:>7.2%} "
                     f"{row['delta_target']:>+9.4f} {row['delta_others']:>+9.4f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    from datamodules import DataRootError, SpecError
    from explain.__main__ import ExportError

    from .base import InputError
    from .release import CheckpointError

    args = parse_args(argv)
    try:
        run(args)
    except (InputError, CheckpointError, DataRootError, SpecError, ExportError, ValueError, KeyError) as err:
        print(f"error: {' '.join(str(err.args[0] if isinstance(err, KeyError) else err).split())}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
