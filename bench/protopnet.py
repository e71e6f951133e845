"""ProtoPNet benchmarks, each a ratio against a baseline run in the same process:

1. training throughput (images/s) of ProtoPNet vs the same backbone with a plain linear head (joint-phase step:
   forward, the full loss, backward, Adam step), same batch: the interpretability overhead;
2. push (projection over N images) vs one plain inference pass of the same model over the same images;
3. explanation export rate (records/s), JSONL only and JSONL + PNG overlays.

    python bench/protopnet.py                  # small (28 px) setting; plus ResNet-34 at 224 px on a GPU
    python bench/protopnet.py --large          # force the ResNet-34 / 224 px / 2,000-prototype setting
Prints a Markdown table to paste into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader, TensorDataset

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, stamp, sync, time_it  # noqa: E402

from datamodules import DataSpec  # noqa: E402
from explain import export_explanations  # noqa: E402
from models import create_model  # noqa: E402

SETTINGS = {
    # name: (protopnet variant, baseline variant, spec, batch, push images)
    "small-28px": ("protopnet_small", "linear_small28",
                   DataSpec("bench28", (1, 28, 28), 10, [str(i) for i in range(10)], (0.13,), (0.31,)), 64, 1024),
    "resnet34-224px": ("protopnet_resnet34", "linear_resnet34",
                       DataSpec("bench224", (3, 224, 224), 200, [f"c{i}" for i in range(200)],
                                (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)), 64, 512),
}


def train_step_fn(model, x, y, bf16: bool = False):
    optimizer = torch.optim.Adam(p for p in model.parameters() if p.requires_grad)
    model.train()

    def step():
        # bf16: as the gpu trainer preset (autocast, float32 weights); ProtoPNet keeps its distances in float32.
        with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=bf16):
            decomposition = model.decompose(x)
            loss = model.loss(decomposition.logits, y, decomposition)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step


def bench_setting(name: str, device: torch.device, batch: int | None, steps: int, push_images: int | None,
                  bf16: bool = False):
    proto_name, base_name, spec, default_batch, default_push = SETTINGS[name]
    batch = batch or default_batch
    push_images = push_images or default_push
    overrides = {"backbone_pretrained": False}  # timing only: random weights cost the same
    protopnet = create_model(proto_name, spec=spec, **overrides).to(device)
    baseline = create_model(base_name, spec=spec, **overrides).to(device)
    x = torch.rand(batch, *spec.input_shape, device=device)
    y = torch.randint(0, spec.num_classes, (batch,), device=device)
    rows = {}
    t_base = time_it(train_step_fn(baseline, x, y, bf16), device, warmup=3, repeats=steps)
    t_proto = time_it(train_step_fn(protopnet, x, y, bf16), device, warmup=3, repeats=steps)
    rows["train images/s (linear head)"] = batch / t_base
    rows["train images/s (ProtoPNet)"] = batch / t_proto
    rows["training overhead (ProtoPNet / linear time)"] = t_proto / t_base

    images = torch.rand(push_images, *spec.input_shape)
    labels = torch.arange(push_images) % spec.num_classes
    loader = DataLoader(TensorDataset(images, labels), batch_size=batch)
    protopnet.eval()

    def inference():
        with torch.no_grad():
            for xb, _ in loader:
                protopnet(xb.to(device))

    t_infer = time_it(inference, device, warmup=1, repeats=3)
    sync(device)
    start = time.perf_counter()
    protopnet.push(loader)
    sync(device)
    t_push = time.perf_counter() - start  # the first push also computes the receptive fields once
    t_push2 = time_it(lambda: protopnet.push(loader), device, warmup=0, repeats=3)
    rows["inference pass (s)"] = t_infer
    rows["push (s, first / steady)"] = f"{t_push:.3f} / {t_push2:.3f}"
    rows["push / inference time (steady)"] = t_push2 / t_infer

    n = min(push_images, 256)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        export_explanations(protopnet, (images[:n], labels[:n]), Path(tmp) / "a", formats=["jsonl"])
        rows["export records/s (JSONL)"] = n / (time.perf_counter() - start)
        start = time.perf_counter()
        export_explanations(protopnet, (images[:n], labels[:n]), Path(tmp) / "b", formats=["jsonl", "png"],
                            image_limit=n)
        rows["export records/s (JSONL + PNG overlays of top-5)"] = n / (time.perf_counter() - start)
    return {"batch": batch, "push images": push_images, "prototypes": protopnet.num_prototypes, **rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--large", action="store_true", help="also run ResNet-34 at 224 px on a CPU")
    parser.add_argument("--batch", type=int, default=None)
    parser.add_argument("--steps", type=int, default=5, help="timed training steps per model")
    parser.add_argument("--push-images", type=int, default=None)
    parser.add_argument("--bf16", action="store_true", help="train steps under bf16 autocast (the gpu preset)")
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(0)
    settings = ["small-28px"] + (["resnet34-224px"] if args.large or device.type == "cuda" else [])
    print(f"## ProtoPNet benchmarks — {machine()} — {stamp()}\n")
    for name in settings:
        result = bench_setting(name, device, args.batch, args.steps, args.push_images, args.bf16)
        print(f"### {name}{' (bf16 autocast)' if args.bf16 else ''}\n\n| measure | value |\n|---|---|")
        for key, value in result.items():
            print(f"| {key} | {value:.3f} |" if isinstance(value, float) else f"| {key} | {value} |")
        print()


if __name__ == "__main__":
    main()
