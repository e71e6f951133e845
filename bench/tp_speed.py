"""Transformer Programs: training time per training sequence, this code against the paper's, side by side.

    OMP_NUM_THREADS=1 .venv/bin/python bench/tp_speed.py --reference /path/to/TransformerPrograms
    OMP_NUM_THREADS=1 .venv/bin/python bench/tp_speed.py --reference ... --task dyck2 --epochs 250
    OMP_NUM_THREADS=1 .venv/bin/python bench/tp_speed.py --reference ... --compile  # ours with model.args.compile=true

Both trainings run at the same time, one process and one torch thread each, on the same task in the paper's
configuration (Table 1's layers, heads and MLPs for the task; the settings of the reference's ``scripts/rasp.sh``
or ``scripts/dyck.sh``: 20,000 unique sequences, Adam 5e-2, batch 512, Gumbel temperature 3.0 -> 0.01 geometric
over ``--epochs``). Ours is ``python train.py experiment=tp_<task>`` with ``trainer.max_epochs`` and ``seed`` set;
the reference is its own ``src/run.py`` (``run.run(args)``, not a copy: imported from ``--reference``, the path of
a checkout of princeton-nlp/TransformerPrograms, which is never part of this repository).

A training step is timed from the moment the batch is in hand to the end of the optimiser step (forward, loss,
backward, step): in ours by a callback (``on_train_batch_start`` -> ``on_train_batch_end``), in the reference by
wrapping the two calls that open and close its step (``model.set_temp``, ``model.zero_grad``). Both wall and CPU
(process) time are kept; on a shared machine the CPU time is the steadier of the two. Time per training
sequence = total step time / sequences trained, reported per tenth of the schedule (the temperature falls
geometrically, and low temperatures are where subnormal floats slow a CPU down) and over the whole schedule.
With ``--compile`` the first step of each batch shape (the full batch and the epoch's last) also builds its
compiled graph: that compile time is reported on its own line, and the whole schedule with and without it.
Beside it, the whole epoch as each code runs by default: ours validates on the validation split and writes
checkpoints; the reference evaluates the train, validation and test splits after every epoch.

The reference needs ``einops``, ``pandas``, ``scikit-learn``, ``numpy`` and ``tqdm`` (``--reference-deps DIR``
adds a folder such as a ``pip install --target DIR einops`` to its path); the modules it imports only for its
word-level tasks (``datasets``, ``gensim``, ``nltk``, ``black``, ``seqeval``) are replaced by empty stand-ins when
they are missing, since only the generated tasks are run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

TASKS = ("sort", "reverse", "hist", "double_hist", "most_freq", "dyck1", "dyck2")
OPTIONAL_REFERENCE_MODULES = {  # imported by the reference for its word-level tasks only
    "datasets": [], "gensim": [], "gensim.downloader": [], "nltk": [], "nltk.tokenize": ["word_tokenize"],
    "black": ["format_str", "FileMode"], "seqeval": [], "seqeval.metrics": ["precision_score", "recall_score",
                                                                           "f1_score"], "seqeval.scheme": ["IOB2"]}


class Clock:
    """Appends one JSON line per event to ``path``: steps (epoch, sequences, temperature, wall and CPU seconds)
    and epoch starts (wall time)."""

    def __init__(self, path: Path):
        self.file = open(path, "a")
        self.step_start: tuple[float, float] | None = None

    def start_step(self) -> None:
        self.step_start = (time.perf_counter(), time.process_time())

    def end_step(self, epoch: int, sequences: int, tau: float) -> None:
        wall, cpu = time.perf_counter() - self.step_start[0], time.process_time() - self.step_start[1]
        self.write({"event": "step", "epoch": epoch, "sequences": sequences, "tau": tau, "wall": wall, "cpu": cpu})

    def epoch(self, epoch: int) -> None:
        self.write({"event": "epoch", "epoch": epoch, "wall": time.perf_counter()})

    def write(self, record: dict) -> None:
        self.file.write(json.dumps(record) + "\n")
        self.file.flush()


def our_config(task: str) -> dict:
    """The registered variant's Table 1 configuration of ``task``."""
    import models  # noqa: F401  (registers the variants)
    from models.registry import model_entry

    return model_entry(f"tp_{task}").fn()


def run_ours(task: str, epochs: int, seed: int, log: Path, run_dir: Path, compile: bool) -> None:
    import lightning as L

    import train

    clock = Clock(log)

    class StepClock(L.Callback):
        def on_train_epoch_start(self, trainer, pl_module):
            clock.epoch(trainer.current_epoch)

        def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
            clock.start_step()

        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
            clock.end_step(trainer.current_epoch, len(batch.inputs), float(pl_module.temperature))

        def on_train_end(self, trainer, pl_module):
            clock.epoch(trainer.current_epoch)

    train.main([f"experiment=tp_{task}", f"trainer.max_epochs={epochs}", f"seed={seed}", "threads=1",
                f"run_dir={run_dir}", "resume=false", "release.enabled=false", "explain.enabled=false",
                "trainer.progress_bar=false", f"model.args.compile={str(compile).lower()}"], callbacks=[StepClock()])


def reference_arguments(task: str, epochs: int, seed: int, out: Path) -> list[str]:
    """The reference's command line for ``task``: its scripts/rasp.sh or scripts/dyck.sh settings with the
    task's Table 1 configuration (the same numbers our variant registers)."""
    config = our_config(task)
    length = 16 if task.startswith("dyck") else 8
    data = (["--min_length", str(length), "--max_length", str(length)] if task.startswith("dyck") else
            ["--vocab_size", "8", "--min_length", "1", "--max_length", "8"])
    return ["--dataset", task, *data, "--dataset_size", "20000", "--n_epochs", str(epochs), "--batch_size", "512",
            "--lr", "5e-2", "--gumbel_samples", "1", "--sample_fn", "gumbel_soft", "--tau_init", "3.0",
            "--tau_end", "0.01", "--tau_schedule", "geomspace", "--n_vars_cat", "1", "--d_var", str(length),
            "--n_vars_num", "1", "--n_layers", str(config["n_layers"]), "--n_heads_cat", str(config["n_cat_heads"]),
            "--n_heads_num", str(config["n_num_heads"]), "--n_cat_mlps", str(config["n_cat_mlps"]),
            "--n_num_mlps", str(config["n_num_mlps"]), "--attention_type", "cat", "--rel_pos_bias", "fixed",
            "--one_hot_embed", "--dropout", "0.0", "--mlp_vars_in", "2", "--d_mlp", "64", "--count_only",
            "--selector_width", "0", "--seed", str(seed), "--unique", "1", "--device", "cpu",
            "--output_dir", str(out)]


def run_reference(reference: Path, deps: Path | None, task: str, epochs: int, seed: int, log: Path,
                  out: Path) -> None:
    import torch

    torch.set_num_threads(1)
    sys.path.insert(0, str(reference))
    if deps is not None:
        sys.path.insert(0, str(deps))
    for name, attributes in OPTIONAL_REFERENCE_MODULES.items():
        try:
            __import__(name)
        except ImportError:
            module = sys.modules[name] = types.ModuleType(name)
            for attribute in attributes:
                setattr(module, attribute, None)
    try:
        import src.run as reference_run
        from src.models.programs import TransformerProgramModel
    except ImportError as err:
        raise SystemExit(f"error: the reference at {reference} cannot be imported ({err}); it needs einops, "
                         f"pandas, scikit-learn, numpy, tqdm (--reference-deps DIR: a folder for them)") from None
    clock = Clock(log)
    state = {"epoch": -1, "steps": 0, "steps_per_epoch": None, "tau": None}
    set_temp, zero_grad = TransformerProgramModel.set_temp, TransformerProgramModel.zero_grad
    batch_size = 512

    def timed_set_temp(self, temp, sample_fn=None):  # opens each training step (and, once, the final argmax)
        if sample_fn is None:
            if state["steps_per_epoch"] and state["steps"] % state["steps_per_epoch"] == 0 or state["epoch"] < 0:
                state["epoch"] += 1
                clock.epoch(state["epoch"])
            state["tau"] = float(temp)
            clock.start_step()
        return set_temp(self, temp, sample_fn)

    def timed_zero_grad(self, *args, **kwargs):  # closes each training step
        result = zero_grad(self, *args, **kwargs)
        sequences = state["train_size"] - batch_size * (state["steps_per_epoch"] - 1) if (
            (state["steps"] + 1) % state["steps_per_epoch"] == 0) else batch_size
        clock.end_step(state["epoch"], sequences, state["tau"])
        state["steps"] += 1
        return result

    run_training = reference_run.run_training

    def counting_run_training(model, opt, X_train, Y_train, *args, **kwargs):
        state["train_size"] = len(X_train)
        state["steps_per_epoch"] = -(-len(X_train) // kwargs.get("batch_size", batch_size))
        return run_training(model, opt, X_train, Y_train, *args, **kwargs)

    TransformerProgramModel.set_temp, TransformerProgramModel.zero_grad = timed_set_temp, timed_zero_grad
    reference_run.run_training = counting_run_training
    out.mkdir(parents=True, exist_ok=True)
    sys.argv = ["run.py", *reference_arguments(task, epochs, seed, out)]
    reference_run.run(reference_run.parse_args())
    clock.epoch(state["epoch"] + 1)


def read_log(path: Path) -> tuple[list[dict], list[dict]]:
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in records if r["event"] == "step"], [r for r in records if r["event"] == "epoch"]


def per_sequence(steps: list[dict], key: str) -> float:
    """Milliseconds of training step per training sequence."""
    return 1e3 * sum(s[key] for s in steps) / max(sum(s["sequences"] for s in steps), 1)


def epoch_seconds(epochs: list[dict]) -> list[float]:
    walls = [e["wall"] for e in sorted(epochs, key=lambda e: e["wall"])]
    return [b - a for a, b in zip(walls, walls[1:])]


def compile_seconds(steps: list[dict], key: str) -> float:
    """What the first step of each batch size took beyond that size's median step: the graph building of a
    compiled run (about 0 for an eager one)."""
    extra = 0.0
    for size in {s["sequences"] for s in steps}:
        times = sorted(s[key] for s in steps if s["sequences"] == size)
        first = next(s[key] for s in steps if s["sequences"] == size)
        extra += first - times[len(times) // 2]
    return extra


def summary(ours: Path, reference: Path, task: str, epochs: int, started: str, compiled: bool = False) -> str:
    from common import machine

    our_steps, our_epochs = read_log(ours)
    ref_steps, ref_epochs = read_log(reference)
    load = os.getloadavg()
    lines = [f"## Transformer Programs training speed: {task}, {epochs} epochs, both at once, 1 thread each, "
             f"ours {'compiled (model.args.compile=true)' if compiled else 'eager'} — "
             f"{machine()} — started {started}, load average at the end {load[0]:.1f} / {load[1]:.1f} / "
             f"{load[2]:.1f} (1 / 5 / 15 min)", "",
             "| part of the schedule (epochs) | temperature | ours ms/seq wall | ours ms/seq CPU | reference ms/seq "
             "wall | reference ms/seq CPU | ours / reference (CPU) |", "|---|---|---|---|---|---|---|"]
    tenth = max(epochs // 10, 1)
    for first in range(0, epochs, tenth):
        band = range(first, min(first + tenth, epochs))
        ours_band = [s for s in our_steps if s["epoch"] in band]
        ref_band = [s for s in ref_steps if s["epoch"] in band]
        if not ours_band or not ref_band:
            continue
        taus = [s["tau"] for s in ours_band]
        ours_cpu, ref_cpu = per_sequence(ours_band, "cpu"), per_sequence(ref_band, "cpu")
        lines.append(f"| {band.start + 1}-{band.stop} | {max(taus):.3g}-{min(taus):.3g} | "
                     f"{per_sequence(ours_band, 'wall'):.3f} | {ours_cpu:.3f} | {per_sequence(ref_band, 'wall'):.3f} | "
                     f"{ref_cpu:.3f} | {ours_cpu / ref_cpu:.2f} |")
    ours_cpu, ref_cpu = per_sequence(our_steps, "cpu"), per_sequence(ref_steps, "cpu")
    ours_wall, ref_wall = per_sequence(our_steps, "wall"), per_sequence(ref_steps, "wall")
    lines.append(f"| **whole schedule** | 3-0.01 | {ours_wall:.3f} | {ours_cpu:.3f} | {ref_wall:.3f} | {ref_cpu:.3f} | "
                 f"**{ours_cpu / ref_cpu:.2f}** (wall {ours_wall / ref_wall:.2f}) |")
    compile_wall, compile_cpu = compile_seconds(our_steps, "wall"), compile_seconds(our_steps, "cpu")
    if compiled:
        n_seq = sum(s["sequences"] for s in our_steps)
        ours_cpu_run = ours_cpu - 1e3 * compile_cpu / n_seq
        ours_wall_run = ours_wall - 1e3 * compile_wall / n_seq
        lines.append(f"| whole schedule, the compile left out | 3-0.01 | {ours_wall_run:.3f} | {ours_cpu_run:.3f} | "
                     f"{ref_wall:.3f} | {ref_cpu:.3f} | **{ours_cpu_run / ref_cpu:.2f}** (wall "
                     f"{ours_wall_run / ref_wall:.2f}) |")
        lines += ["", f"Compile (the first step of each batch shape beyond its median step): {compile_wall:.1f} s "
                      f"wall, {compile_cpu:.1f} s CPU of our process (the C++ compiler's processes not counted)."]
    our_epoch, ref_epoch = epoch_seconds(our_epochs), epoch_seconds(ref_epochs)
    n_ours = sum(s["sequences"] for s in our_steps if s["epoch"] == 0)
    n_ref = sum(s["sequences"] for s in ref_steps if s["epoch"] == 0)
    lines += ["", "| whole epoch, as each code runs by default | ours | reference |", "|---|---|---|",
              f"| training sequences per epoch | {n_ours:,} | {n_ref:,} |",
              f"| training steps per epoch | {sum(s['epoch'] == 0 for s in our_steps)} | "
              f"{sum(s['epoch'] == 0 for s in ref_steps)} |",
              "| evaluation after each epoch | validation split | train, validation and test splits |",
              f"| mean epoch, s (wall) | {sum(our_epoch) / max(len(our_epoch), 1):.2f} | "
              f"{sum(ref_epoch) / max(len(ref_epoch), 1):.2f} |",
              f"| slowest epoch, s (wall) | {max(our_epoch, default=0):.2f} | {max(ref_epoch, default=0):.2f} |",
              f"| whole run, s (wall) | {sum(our_epoch):.0f} | {sum(ref_epoch):.0f} |"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", type=Path, help="a checkout of princeton-nlp/TransformerPrograms")
    parser.add_argument("--reference-deps", type=Path, default=None, help="a folder added to the reference's path")
    parser.add_argument("--task", choices=TASKS, default="sort")
    parser.add_argument("--epochs", type=int, default=250, help="the schedule's length (the paper's: 250)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="keep the timing logs here (default: a temp folder)")
    parser.add_argument("--compile", action="store_true", help="ours with model.args.compile=true")
    parser.add_argument("--child", choices=("ours", "reference"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "ours":
        return run_ours(args.task, args.epochs, args.seed, args.out / "ours.jsonl", args.out / "ours_run",
                        args.compile)
    if args.child == "reference":
        return run_reference(args.reference, args.reference_deps, args.task, args.epochs, args.seed,
                             args.out / "reference.jsonl", args.out / "reference_run")
    if args.reference is None or not (args.reference / "src" / "run.py").is_file():
        parser.error("--reference must be a checkout of princeton-nlp/TransformerPrograms (with src/run.py)")
    out = args.out or Path(tempfile.mkdtemp(prefix="tp_speed_"))
    out.mkdir(parents=True, exist_ok=True)
    for name in ("ours.jsonl", "reference.jsonl"):
        (out / name).unlink(missing_ok=True)
    from common import stamp

    started = stamp()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "TORCHINDUCTOR_COMPILE_THREADS": "1"}
    common_args = ["--task", args.task, "--epochs", str(args.epochs), "--seed", str(args.seed), "--out", str(out),
                   *(["--compile"] if args.compile else [])]
    reference_args = ["--reference", str(args.reference.resolve())]
    if args.reference_deps:
        reference_args += ["--reference-deps", str(args.reference_deps.resolve())]
    children = [subprocess.Popen([sys.executable, __file__, "--child", "ours", *common_args], env=env, cwd=ROOT,
                                 stdout=open(out / "ours.out", "w"), stderr=subprocess.STDOUT),
                subprocess.Popen([sys.executable, __file__, "--child", "reference", *reference_args, *common_args],
                                 env=env, cwd=out, stdout=open(out / "reference.out", "w"),
                                 stderr=subprocess.STDOUT)]
    failed = [name for name, child in zip(("ours", "reference"), children) if child.wait() != 0]
    if failed:
        raise SystemExit(f"error: {', '.join(failed)} failed; see {out}/<name>.out")
    print(summary(out / "ours.jsonl", out / "reference.jsonl", args.task, args.epochs, started, args.compile))
    print(f"\n(timing logs: {out})")


if __name__ == "__main__":
    main()
