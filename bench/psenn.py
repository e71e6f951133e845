"""Prob-PSENN benchmarks: inference time with S prototype samples against the deterministic model (the
prototype autoencoder of Li et al. with the same encoder; target with S = 32: <= 1.5x), and the time against S.
The encoder runs once per input; only the prototype layer is sampled.

    python bench/psenn.py [--batch 256]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, stamp, time_it  # noqa: E402

from models import create_model  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    torch.manual_seed(0)
    device = torch.device("cpu")
    x = torch.rand(args.batch, 1, 28, 28)
    deterministic = create_model("prototype_ae").eval()
    probabilistic = create_model("prob_psenn").eval()

    def run(model, **options):
        def call():
            with torch.no_grad():
                model(x, **options)
        return call

    base = time_it(run(deterministic), device, 3, args.repeats)
    print(f"{stamp()}, {machine()}, batch {args.batch}\n")
    print("| model | ms per batch | / deterministic |\n|---|---|---|")
    print(f"| prototype_ae (deterministic base) | {base * 1e3:.2f} | 1.00x |")
    modes = time_it(run(probabilistic, mode=True), device, 3, args.repeats)
    print(f"| prob_psenn, prototype modes | {modes * 1e3:.2f} | {modes / base:.2f}x |")
    for samples in (1, 8, 32, 128):
        seconds = time_it(run(probabilistic, samples=samples), device, 3, args.repeats)
        label = f"**{seconds / base:.2f}x**" if samples == 32 else f"{seconds / base:.2f}x"
        print(f"| prob_psenn, {samples} samples | {seconds * 1e3:.2f} | {label} |")


if __name__ == "__main__":
    main()
