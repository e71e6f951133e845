"""Train the concept models' recipes over seeds and collect what each release measured (test metrics, the
intervention curves' areas, CAS) into ``bench/concept_runs.jsonl``; ``--summary`` prints the mean and spread
per model and dataset (the tables of docs/concepts.md).

    python bench/concept_runs.py --plan ship      # the shipped checkpoints (experiment=<x> release.publish=true)
    python bench/concept_runs.py --plan targets   # CEM and Bool-CBM on XOR / Trig / Dot, seeds 0-4
    python bench/concept_runs.py --plan baselines # Fuzzy-, Hybrid-CBM and "no concepts", seed 0
    python bench/concept_runs.py --summary
    python bench/concept_runs.py --plan ship --only cem_shapes --only ct_shapes   # chosen entries, in that order

Runs are sequential, one CPU thread each (train.py ``threads=1``); a run already in the JSONL is skipped, so the
command resumes where it stopped. Every run is ``python train.py ...`` with the arguments recorded in its row.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "concept_runs.jsonl"
SYNTHETIC = ("xor", "trig", "dot")
SHIPPED = ([f"{m}_{d}" for m in ("cem", "cbm_joint", "cbm_sequential", "cbm_independent", "cbm_standard")
            for d in SYNTHETIC]
           + [f"{m}_shapes" for m in ("cbm_joint", "cbm_sequential", "cbm_independent", "cbm_standard", "cem",
                                      "ct", "cct")])


def plan(name: str) -> list[dict]:
    if name == "ship":
        return [{"key": f"{x}:seed0", "args": [f"experiment={x}", "release.publish=true", "release.overwrite=true"],
                 "run_dir": f"runs/{x}"} for x in SHIPPED]
    runs = []
    if name == "targets":
        for data in SYNTHETIC:
            for seed in range(5):
                if seed:
                    runs.append({"key": f"cem_{data}:seed{seed}", "args": [f"experiment=cem_{data}", f"seed={seed}"]})
                runs.append({"key": f"cbm_bool_mlp_{data}:seed{seed}",
                             "args": ["model=cbm_bool_mlp", f"data={data}", "trainer=cpu", "threads=1",
                                      f"seed={seed}"]})
    elif name == "baselines":
        for model in ("cbm_fuzzy_mlp", "cbm_hybrid_mlp", "cbm_no_concepts_mlp"):
            for data in SYNTHETIC:
                runs.append({"key": f"{model}_{data}:seed0",
                             "args": [f"model={model}", f"data={data}", "trainer=cpu", "threads=1", "seed=0"]})
    else:
        raise SystemExit(f"unknown plan {name!r}")
    for run in runs:
        run["run_dir"] = "runs/concepts/" + run["key"].replace(":", "-")
    return runs


def done() -> set[str]:
    if not RESULTS.is_file():
        return set()
    return {json.loads(line)["key"] for line in RESULTS.read_text().splitlines() if line.strip()}


def run(entry: dict) -> dict:
    args = entry["args"] + [f"run_dir={entry['run_dir']}", "resume=false", "explain.limit=50",
                            "explain.image_limit=10"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    start = time.time()
    log = ROOT / entry["run_dir"] / "train.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as handle:
        code = subprocess.call([sys.executable, "train.py", *args], cwd=ROOT, env=env, stdout=handle,
                               stderr=subprocess.STDOUT)
    if code:
        raise SystemExit(f"{entry['key']}: train.py exited with {code}; see {log}")
    card = json.loads((ROOT / entry["run_dir"] / "release" / "config.json").read_text())
    return {"key": entry["key"], "model": card["architecture"], "data": card["data"]["name"], "seed": card["seed"],
            "metrics": card["metrics"], "checks": card.get("checks", {}), "training": card["training"],
            "command": "python train.py " + " ".join(entry["args"]), "wall_seconds": round(time.time() - start)}


PAPER = {("cem_mlp", "xor"): 99.17, ("cem_mlp", "trig"): 98.43, ("cem_mlp", "dot"): 97.13,
         ("cbm_bool_mlp", "xor"): 51.33, ("cbm_bool_mlp", "trig"): 77.77, ("cbm_bool_mlp", "dot"): 48.00,
         ("cbm_fuzzy_mlp", "xor"): 51.42, ("cbm_fuzzy_mlp", "trig"): 98.37, ("cbm_fuzzy_mlp", "dot"): 48.17,
         ("cbm_hybrid_mlp", "xor"): 99.23, ("cbm_hybrid_mlp", "trig"): 98.67, ("cbm_hybrid_mlp", "dot"): 96.67,
         ("cbm_no_concepts_mlp", "xor"): 99.33, ("cbm_no_concepts_mlp", "trig"): 98.47,
         ("cbm_no_concepts_mlp", "dot"): 97.57}  # CEM paper, App. Table 1 (task accuracy %, mean of 5 seeds)


def stat(values) -> str:
    values = np.array([v for v in values if v is not None], dtype=float) * 100
    if not len(values):
        return "-"
    return f"{values.mean():.2f} ± {values.std(ddof=1):.2f}" if len(values) > 1 else f"{values[0]:.2f}"


def concept_stat(items: list[dict]) -> str:
    """Binary concept accuracy; for CT / CCT (no concept probabilities) the attention concept accuracy, marked."""
    if any("test/attention_concept_acc" in r["metrics"] for r in items):
        return stat([r["metrics"].get("test/attention_concept_acc") for r in items]) + " (attention)"
    return stat([r["metrics"].get("test/concept_acc") for r in items])


def summary() -> None:
    rows = [json.loads(line) for line in RESULTS.read_text().splitlines() if line.strip()]
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["model"], row["data"]), []).append(row)
    print("| model | data | seeds | test acc % | paper % | concept acc % | area, random (5 orders) | area, "
          "uncertainty | acc, every group set | CAS |\n|---|---|---|---|---|---|---|---|---|---|")
    for (model, data), items in sorted(groups.items()):
        paper = PAPER.get((model, data))
        print(f"| `{model}` | {data} | {len(items)} | {stat([r['metrics'].get('test/acc') for r in items])} | "
              f"{'-' if paper is None else paper} | {concept_stat(items)} | "
              f"{stat([r['checks'].get('intervention_area_random') for r in items])} | "
              f"{stat([r['checks'].get('intervention_area_uncertainty') for r in items])} | "
              f"{stat([r['checks'].get('intervention_acc_all_random') for r in items])} | "
              f"{stat([r['checks'].get('cas') for r in items])} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plan", action="append", default=[])
    parser.add_argument("--only", action="append", default=[],
                        help="run only the plan's entries whose key starts with this (repeatable, in this order)")
    parser.add_argument("--summary", action="store_true")
    args = parser.parse_args()
    for name in args.plan:
        finished = done()
        entries = plan(name)
        if args.only:
            entries = [e for prefix in args.only for e in entries if e["key"].startswith(prefix)]
        for entry in entries:
            if entry["key"] in finished:
                continue
            row = run(entry)
            with open(RESULTS, "a") as handle:
                handle.write(json.dumps(row) + "\n")
            print(f"{row['key']}: test acc {row['metrics'].get('test/acc'):.4f} ({row['wall_seconds']} s)", flush=True)
    if args.summary:
        summary()


if __name__ == "__main__":
    main()
