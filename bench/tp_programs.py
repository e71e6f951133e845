"""Transformer Programs: execution speed of each shipped decompiled program vs its discretised model, on the
task's whole test split, in the same process; plus the training time recorded in each card.

    python bench/tp_programs.py          # prints a Markdown table for docs/benchmarks.md
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, stamp  # noqa: E402

from datamodules import create_datamodule  # noqa: E402
from models import create_model, list_pretrained  # noqa: E402
from models.programs.decompile import load_program  # noqa: E402
from models.registry import CHECKPOINT_DIR  # noqa: E402


def main() -> None:
    print(f"## Transformer Programs: program vs model — {machine()} — {stamp()}\n")
    print("| task | test sequences | model (batched) seq/s | model (one at a time) seq/s | program seq/s | "
          "program / batched model time | training (card) |")
    print("|---|---|---|---|---|---|---|")
    for release in list_pretrained("tp_*"):
        name, tag = release.split(".", 1)
        model = create_model(name, pretrained=tag).eval()
        card = model.card
        program = load_program(CHECKPOINT_DIR / release / card["program"]["program"])
        datamodule = create_datamodule(card["data"]["name"])
        datamodule.setup("test")
        x = torch.cat([batch.inputs for batch in datamodule.test_dataloader()])
        sequences = [[model.vocab[int(i)] for i in row if int(i) != model.pad_id] for row in x]
        with torch.no_grad():
            model(x[:8])
            start = time.perf_counter()
            for chunk in x.split(512):
                model(chunk)
            t_batched = time.perf_counter() - start
            start = time.perf_counter()
            for row in x[:200]:
                model(row[None])
            t_single = (time.perf_counter() - start) / min(200, len(x)) * len(x)
        start = time.perf_counter()
        for tokens in sequences:
            program.run(tokens)
        t_program = time.perf_counter() - start
        n = len(x)
        trained = card.get("training", {})
        training = f"{trained.get('fit_seconds', '?')} s, {card['recipe']['trainer']['max_epochs']} epochs"
        if not trained.get("device", "cpu").startswith("cpu"):
            training += f" ({trained['device']})"
        print(f"| {name.removeprefix('tp_')} | {n} | {n / t_batched:,.0f} | {n / t_single:,.0f} | "
              f"{n / t_program:,.0f} | {t_program / t_batched:.1f}x | {training} |")


if __name__ == "__main__":
    main()
