"""The table of released Transformer Programs: test accuracy measured against the paper's and against the
standard transformer baseline (``bench/tp_baseline.jsonl``, the best seed on validation).

    .venv/bin/python bench/tp_summary.py        # prints the Markdown table of bench/tp_results.md

Releases are made by ``python train.py experiment=tp_<task> release.publish=true`` (their cards record the
recipe); the baseline rows by ``python train.py model=seq_transformer data=<task> trainer.max_epochs=50``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models import load_release  # noqa: E402
from models.registry import CHECKPOINT_DIR  # noqa: E402

TASKS = ("sort", "reverse", "hist", "double_hist", "most_freq", "dyck1", "dyck2", "induction")
BASELINE_RESULTS = Path(__file__).with_name("tp_baseline.jsonl")


def best_baselines() -> dict[str, dict]:
    best: dict[str, dict] = {}
    if BASELINE_RESULTS.is_file():
        for line in BASELINE_RESULTS.read_text().splitlines():
            result = json.loads(line)
            if result["val/acc"] > best.get(result["task"], {"val/acc": -1})["val/acc"]:
                best[result["task"]] = result
    return best


def summary() -> str:
    baseline = best_baselines()
    rows = ["| task | test acc % (measured) | paper % | standard transformer % | epochs (paper 250) | config "
            "| parameters (program / transformer) | program lines |",
            "|---|---|---|---|---|---|---|---|"]
    for task in TASKS:
        directory = CHECKPOINT_DIR / f"tp_{task}.default"
        base = baseline.get(task)
        base_acc = f"{100 * base['test/acc']:.2f} ({base['epochs']} epochs)" if base else "not run"
        if not (directory / "config.json").is_file():
            rows.append(f"| {task} | not trained | | {base_acc} | | | | |")
            continue
        model = load_release(directory)
        card, args = model.card, model.card["model_args"]
        config = (f"L={args['n_layers']} cat/num heads {args['n_cat_heads']}/{args['n_num_heads']} "
                  f"cat/num MLPs {args['n_cat_mlps']}/{args['n_num_mlps']}")
        n_params = sum(p.numel() for p in model.parameters())
        sizes = f"{n_params:,} / {base['parameters']:,}" if base else f"{n_params:,} / -"
        paper = 100 * card["paper_metrics"]["test/acc"]
        rows.append(f"| {task} | {100 * card['metrics']['test/acc']:.2f} | {paper:.2f} | {base_acc} "
                    f"| {card['recipe']['trainer']['max_epochs']} | {config} | {sizes} "
                    f"| {card['program']['program_lines']} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(summary())
