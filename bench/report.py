"""The HTML report's size and speed: 10,000 predictions of a small model exported with every format (JSONL,
pictures, global explanation, the report's pages), against the same export without the report's pages.

    .venv/bin/python bench/report.py [--n 10000] [--threads 1]

Target (issue 25): a report of 10,000 predictions written in under a minute on 2 CPU cores, no page over 5 MB.
Prints a Markdown table for docs/benchmarks.md."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import machine  # noqa: E402
from explain import export_explanations  # noqa: E402
from models import create_model  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--image-limit", type=int, default=1000)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = create_model("protopnet_small8").eval()
    x, y = torch.rand(args.n, 1, 8, 8), torch.randint(0, 10, (args.n,))
    with tempfile.TemporaryDirectory() as tmp:
        timings = {}
        for name, formats in (("JSONL + pictures + global", ["jsonl", "png", "global"]),
                              ("the same + the HTML report", ["jsonl", "png", "global", "html"])):
            start = time.perf_counter()
            export_explanations(model, (x, y), Path(tmp) / name.replace(" ", "_"), formats=formats,
                                image_limit=args.image_limit)
            timings[name] = time.perf_counter() - start
        report = Path(tmp) / "the_same_+_the_HTML_report"
        sizes = {p.name: p.stat().st_size for p in report.rglob("*.html")}
        largest = max(sizes, key=sizes.get)
        total = sum(p.stat().st_size for p in report.rglob("*") if p.is_file())
    base, full = timings.values()
    print(f"\n{machine()}; torch threads {args.threads}; protopnet_small8 (random weights), {args.n:,} digits-sized "
          f"inputs, pictures for the first {args.image_limit}\n")
    print("| export | seconds | predictions/s |")
    print("| --- | --- | --- |")
    for name, seconds in timings.items():
        print(f"| {name} | {seconds:.1f} | {args.n / seconds:,.0f} |")
    print(f"\nThe report's pages: {full - base:.1f} s ({(full - base) / args.n * 1000:.2f} ms per prediction); "
          f"{len(sizes):,} pages, the largest {largest} {sizes[largest] / 1e6:.2f} MB; the whole "
          f"export {total / 1e6:.0f} MB.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
