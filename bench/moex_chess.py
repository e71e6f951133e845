"""MoE-X against the dense GELU / ReLU baselines on chess: validation loss, Karvonen's board-state coverage and
reconstruction of the MLP neurons (MoE-X Table 1), from the chess releases' cards (docs/experts.md).

    python bench/moex_chess.py            # the shipped releases
    python bench/moex_chess.py --train    # first train them: the four chess experiments, one after the other
    python bench/moex_chess.py --rescore  # recompute the board metrics of the shipped weights into their cards

The recipes share the data, optimiser and schedule; the dense baselines and MoE-X train for the same epochs, and
MoE-X is upcycled from chess_relu_narrow (1 epoch).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENTS = ["chess_relu_narrow", "chess_moex", "chess_gelu", "chess_relu"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", action="store_true", help="train and publish the four chess experiments first")
    parser.add_argument("--rescore", action="store_true",
                        help="recompute the board metrics of the shipped releases (after a change of definition)")
    args = parser.parse_args()
    if args.train:
        for experiment in EXPERIMENTS:
            subprocess.run([sys.executable, "train.py", f"experiment={experiment}", "release.publish=true",
                            "release.overwrite=true"], cwd=ROOT, check=True)
    if args.rescore:
        rescore()
    print("| release | val loss | test loss | coverage (best layer) | reconstruction (best layer) | per layer |")
    print("|---|---|---|---|---|---|")
    for experiment in EXPERIMENTS:
        card_path = ROOT / "checkpoints" / f"{experiment}.chess" / "config.json"
        if not card_path.is_file():
            print(f"| `{experiment}.chess` | not shipped | | | | |")
            continue
        card = json.loads(card_path.read_text())
        checks, metrics = card.get("checks", {}), card["metrics"]
        layers = ", ".join(f"{r['coverage']:.3f}/{r['reconstruction']:.3f}" for r in checks["board_metrics_by_layer"])
        print(f"| `{experiment}.chess` | {metrics['val/loss']:.4f} | {metrics['test/loss']:.4f} | "
              f"{checks['bsp_coverage']:.3f} | {checks['board_reconstruction']:.3f} | {layers} |")


def rescore() -> None:
    """The release checks (the board metrics) of each shipped chess release, recomputed from its weights."""
    sys.path.insert(0, str(ROOT))
    from datamodules import create_datamodule
    from models.release import load_release, read_card, update_card

    datamodule = create_datamodule("chess")
    for experiment in EXPERIMENTS:
        directory = ROOT / "checkpoints" / f"{experiment}.chess"
        model = load_release(directory).eval()
        update_card(directory, checks={**read_card(directory).get("checks", {}),
                                       **model.release_checks(directory, datamodule)})


if __name__ == "__main__":
    main()
