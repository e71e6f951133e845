"""Shallow CBC / RBF benchmarks and the certified-robustness report.

1. training step time: the deep CBC head (joint phase, margin loss, both views of the batch in one pass) against
   the same small CNN with a plain linear head on the same images (Adam), the overhead ratio; and, for scale,
   the shallow robust CBC and RBF against a linear classifier on the same pixels;
2. certificates: an inference pass with the certified radius of every prediction (``decompose(x,
   certify=True)``, the radius from the pass's own parts) against the same pass without it (target: <= 1.05x;
   the radius is closed-form);
3. ``--report <release>``: certified robust accuracy at eps 0.5, 1, 1.58 on the whole test split of a released
   model, and the empirical robust accuracy under Auto-PGD (L2; CE and DLR losses), with the number of
   certificate violations (must be 0).

    python bench/cbc.py
    python bench/cbc.py --report robust_cbc_shallow.mnist5k [--limit 1000]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, stamp, time_it  # noqa: E402

from configs.validation import positive_int  # noqa: E402
from models import create_model  # noqa: E402


def training_overhead(batch: int, steps: int) -> list[tuple[str, str]]:
    device = torch.device("cpu")
    x, y = torch.rand(batch, 1, 28, 28), torch.randint(0, 10, (batch,))
    linear = nn.Linear(784, 10)
    linear_opt = torch.optim.Adam(linear.parameters(), lr=5e-3)

    def linear_step():
        linear_opt.zero_grad()
        nn.functional.cross_entropy(linear(x.flatten(1)), y).backward()
        linear_opt.step()

    rows = []
    base = time_it(linear_step, device, 3, steps)
    rows.append(("train step, linear classifier on pixels", f"{base * 1e3:.2f} ms"))
    from datamodules.batch import as_batch

    batch_obj = as_batch((x, y))
    for name in ("robust_cbc_shallow", "rbf_shallow"):
        model = create_model(name)
        optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)

        def step(model=model, optimizer=optimizer):
            optimizer.zero_grad()
            model.total_loss(model.loss_terms(batch_obj, model.decompose(x))).backward()
            optimizer.step()

        seconds = time_it(step, device, 3, steps)
        rows.append((f"train step, {name}", f"{seconds * 1e3:.2f} ms"))
        rows.append((f"{name} / linear on pixels (for scale; a linear model has no distances)",
                     f"{seconds / base:.2f}x"))
    # the deep head against the same backbone with a plain linear head (the overhead measure). The deep
    # CBC trains on two views of every image in one pass (as the reference), so the linear head gets the same
    # 2 x batch images: the ratio is the head's cost, not the second view's
    both_views = as_batch((torch.cat([x, x.flip(3)]), y.repeat(2)))
    for name in ("linear_small28", "deep_cbc_small"):
        model = create_model(name).train()
        step_batch = batch_obj if name.startswith("deep") else both_views
        if name.startswith("deep"):
            model.phase = "joint"
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

        def deep_step(model=model, optimizer=optimizer, step_batch=step_batch):
            optimizer.zero_grad()
            model.total_loss(model.loss_terms(step_batch, model.training_forward(step_batch))).backward()
            optimizer.step()

        seconds = time_it(deep_step, device, 3, steps)
        rows.append((f"train step, {name} (small CNN, 28 px, {2 * batch} images: two views of {batch})",
                     f"{seconds * 1e3:.2f} ms"))
        if name == "linear_small28":
            linear_cnn = seconds
        else:
            rows.append(("**deep CBC head / linear head, same backbone**", f"**{seconds / linear_cnn:.2f}x**"))
    return rows


def certificate_overhead(batch: int, repeats: int) -> list[tuple[str, str]]:
    """The inference pass (``decompose``) against the same pass with the certified radius of every prediction
    (``decompose(x, certify=True)``: the radius from the parts d @ r+ and d @ r- the pass computes anyway), timed
    interleaved (one call of each per round) and summarised by the minimum over rounds: on a shared machine the
    minimum is the least disturbed measurement. The radius alone (from a finished pass's parts) is timed too."""
    import time

    rows = []
    for name in ("robust_cbc_shallow", "robust_rbf_shallow"):
        model = create_model(name).eval()
        x = torch.rand(batch, 1, 28, 28)
        with torch.no_grad():
            output = model.decompose(x)

        def plain(model=model, x=x):
            model.decompose(x)

        def radius(model=model, output=output):
            model._radius(output.scores, output.outputs.argmax(1), True, parts=output.extras["parts"])

        def certified(model=model, x=x):
            model.decompose(x, certify=True)

        times: dict[str, list[float]] = {"plain": [], "radius": [], "certified": []}
        with torch.no_grad():
            for fn in (plain, radius, certified):  # warm-up
                fn()
            for _ in range(repeats):
                for key, fn in (("plain", plain), ("radius", radius), ("certified", certified)):
                    start = time.perf_counter()
                    fn()
                    times[key].append(time.perf_counter() - start)
        best = {key: min(values) for key, values in times.items()}
        rows.append((f"inference of {batch} inputs, {name} (min of {repeats})", f"{best['plain'] * 1e3:.2f} ms"))
        rows.append(("the certified radii from the pass's parts", f"{best['radius'] * 1e3:.3f} ms"))
        rows.append(("the pass with certify=True", f"{best['certified'] * 1e3:.2f} ms"))
        rows.append((f"**certificate overhead, {name}: certified pass / pass**",
                     f"**{best['certified'] / best['plain']:.3f}x**"))
        rows.append((f"certificate overhead, {name}: (pass + radii) / pass",
                     f"{(best['plain'] + best['radius']) / best['plain']:.3f}x"))
    return rows


def report(release: str, limit: int | None, max_iter: int) -> dict:
    from datamodules import create_datamodule
    from models.robustness import verify_certificates

    name, tag = release.split(".", 1)
    model = create_model(name, pretrained=tag).eval()
    data = create_datamodule(model.card["data"]["name"])
    data.setup("test")
    return verify_certificates(model, data.eval_dataloader("test"), (0.5, 1.0, 1.58), limit=limit,
                               max_iter=max_iter)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=positive_int, default=128)
    parser.add_argument("--steps", type=positive_int, default=20)
    parser.add_argument("--report", help="a release name.tag: certified and empirical robust accuracy")
    parser.add_argument("--limit", type=positive_int, default=None)
    parser.add_argument("--max-iter", type=positive_int, default=100)
    args = parser.parse_args()
    torch.manual_seed(0)
    if args.report:
        from models.release import CheckpointError
        from models.robustness import CertificateError

        try:
            print(json.dumps(report(args.report, args.limit, args.max_iter), indent=2))
        except (CertificateError, CheckpointError, KeyError, ValueError) as err:
            sys.exit(f"error: --report {args.report}: {err.args[0] if err.args else err}")
        return
    print(f"{stamp()}, {machine()}\n")
    print("| measure | value |\n|---|---|")
    for label, value in training_overhead(args.batch, args.steps) + certificate_overhead(512, max(args.steps, 50)):
        print(f"| {label} | {value} |")


if __name__ == "__main__":
    main()
