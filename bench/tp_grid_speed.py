"""Transformer Programs: what N members trained as one batched model (``models.programs.grid``) cost per epoch,
against one member trained alone, measured in the same process, in interleaved rounds.

    OMP_NUM_THREADS=1 .venv/bin/python bench/tp_grid_speed.py --task sort --members 8 --rounds 3
    OMP_NUM_THREADS=1 .venv/bin/python bench/tp_grid_speed.py --task sort --members 8 --rounds 3 --compile

Each round times one whole epoch of each arm, one after the other (alone, then the grid; the order alternates
from round to round), on the task's full training split in the paper's configuration (the registered variant,
batch 512): every training step (the Gumbel draws, forward, loss, backward, Adam: what ``training_step`` and the
optimiser do in train.py) and the validation of every member's discrete program. The arms run at the same
temperature (``--taus``: one epoch per temperature in each round; late temperatures are where subnormal floats
slowed the CPU before ``FlushSubnormals``, which both arms use). Lightning's loop is left out: it is the same for
both arms. The ratio of the two epochs is computed within each round, so that load from other processes on a
shared machine affects both arms of a ratio alike; the median over rounds is reported with the range.
``--compile``: both arms with ``model.args.compile=true``; their graphs are built in an untimed warm-up epoch
(reported).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def arms(task: str, members: int, compile: bool):
    import torch
    import torch.nn.functional as F

    from datamodules import create_datamodule
    from datamodules.batch import as_batch
    from models import create_model
    from models.programs.grid import GridData, build_grid

    datamodule = create_datamodule(task)
    datamodule.setup("fit")
    make = lambda **args: create_model(f"tp_{task}", spec=datamodule.spec, compile=compile, **args)  # noqa: E731
    torch.manual_seed(0)
    alone = make()
    grid = build_grid(make, list(range(members)), [{}])
    alone_optimizer = torch.optim.Adam(alone.parameters(), lr=alone.hparams.lr, foreach=True)
    grid_optimizer = grid.configure_optimizers()
    grid.log = alone.log = lambda *args, **kwargs: None  # no Trainer here
    val_batches = [as_batch(b) for b in datamodule.val_dataloader()]

    def alone_epoch(tau: float) -> float:
        start = time.perf_counter()
        alone.train()
        for batch in datamodule.train_dataloader():
            batch = as_batch(batch)
            alone.temperature = tau
            logits = alone.training_logits(batch.inputs)
            loss = F.cross_entropy(*alone.scored(logits.float(), batch.targets), ignore_index=alone.ignore_index)
            alone_optimizer.zero_grad()
            loss.backward()
            alone_optimizer.step()
        alone.eval()
        with torch.no_grad():
            for batch in val_batches:
                alone(batch.inputs).argmax(-1)
        return time.perf_counter() - start

    def grid_epoch(tau: float) -> float:
        start = time.perf_counter()
        grid.train()
        grid.temperatures = [tau] * grid.n_members
        for batch in GridData(datamodule, grid).train_dataloader():
            loss = grid.training_step(batch, 0)
            grid_optimizer.zero_grad()
            loss.backward()
            grid_optimizer.step()
        grid.eval()
        grid.on_validation_epoch_start()
        with torch.no_grad():
            for batch in val_batches:
                grid.validation_step(batch, 0)
        return time.perf_counter() - start

    return alone_epoch, grid_epoch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", default="sort")
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--taus", type=float, nargs="+", default=[3.0, 0.05])
    parser.add_argument("--compile", action="store_true", help="both arms with model.args.compile=true")
    args = parser.parse_args()
    import torch
    from common import machine, stamp

    torch.set_num_threads(1)
    torch.set_flush_denormal(True)  # as FlushSubnormals does while fitting
    warnings.filterwarnings("ignore")
    started, load_before = stamp(), os.getloadavg()
    alone_epoch, grid_epoch = arms(args.task, args.members, args.compile)
    if args.compile:
        warm_alone, warm_grid = alone_epoch(args.taus[0]), grid_epoch(args.taus[0])
        print(f"warm-up epoch (builds the compiled graphs): alone {warm_alone:.1f} s, grid {warm_grid:.1f} s",
              flush=True)
    rows = []
    for r in range(args.rounds):
        for tau in args.taus:
            if r % 2 == 0:
                a, g = alone_epoch(tau), grid_epoch(tau)
            else:
                g, a = grid_epoch(tau), alone_epoch(tau)
            rows.append((r, tau, a, g))
            print(f"round {r} tau {tau}: alone {a:.2f} s, {args.members} members {g:.2f} s, ratio {g / a:.2f}",
                  flush=True)
    load_after = os.getloadavg()
    print(f"\n### {stamp()} ({started} start), {machine()}, 1 torch thread, `bench/tp_grid_speed.py --task {args.task} "
          f"--members {args.members} --rounds {args.rounds}{' --compile' if args.compile else ''}`; load average"
          f" (1/5/15 min) {load_before[0]:.1f}/"
          f"{load_before[1]:.1f}/{load_before[2]:.1f} before, {load_after[0]:.1f}/{load_after[1]:.1f}/"
          f"{load_after[2]:.1f} after\n")
    print(f"| temperature | one member, s/epoch (median) | {args.members} members, s/epoch (median) | "
          f"ratio per round: median (range) | per member |")
    print("|---|---|---|---|---|")
    for tau in args.taus:
        picked = [row for row in rows if row[1] == tau]
        ratios = [g / a for _, _, a, g in picked]
        median = statistics.median(ratios)
        print(f"| {tau} | {statistics.median(a for _, _, a, _ in picked):.2f} | "
              f"{statistics.median(g for _, _, _, g in picked):.2f} | {median:.2f} ({min(ratios):.2f}-"
              f"{max(ratios):.2f}) | {median / args.members:.2f} |")


if __name__ == "__main__":
    main()
