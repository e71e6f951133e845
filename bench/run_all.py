"""Run every benchmark of bench/ in its default (CPU-sized) setting, one after another, in fresh processes;
each prints its Markdown table for docs/benchmarks.md.

    make bench            # or: .venv/bin/python bench/run_all.py [--only protopnet tp_programs]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# script, arguments: the quick, CPU-sized run of each benchmark
BENCHMARKS: dict[str, list[str]] = {
    "protopnet": [],
    "tp_programs": [],
    "tp_summary": [],
    "report": [],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS), default=None)
    args = parser.parse_args()
    failed = []
    for name in args.only or BENCHMARKS:
        print(f"\n## bench/{name}.py {' '.join(BENCHMARKS[name])}", flush=True)
        result = subprocess.run([sys.executable, str(HERE / f"{name}.py"), *BENCHMARKS[name]])
        if result.returncode:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
