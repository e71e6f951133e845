"""Concept heads against the same backbone with a plain linear head, and the intervention curve against one
inference pass (docs/benchmarks.md).

* training overhead: the median time of one training step (the family's training forward, its full loss,
  backward, optimiser step) of CBM (joint), CEM, CT and CCT, divided by the same step of the same backbone with
  a linear head and cross-entropy (and the same input normalisation), same batch; the median of paired rounds,
  in wall time and, on a CPU, in the thread's CPU time. Targets: CBM / CEM <= 1.1x, CCT <= 1.3x.
* intervention curve: ``intervention_curve`` over every concept group with 5 random orders (batched: the
  encoder once per batch, the head per level and order), divided by one plain inference pass over the same
  inputs. Target: <= 10x.

    python bench/concepts.py                # the embedded scales (shapes, xor)
    python bench/concepts.py --large        # CUB's shape: 224 px, 112 concepts in 28 groups, 200 classes
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import machine, paired, stamp, time_it  # noqa: E402

from datamodules import create_datamodule  # noqa: E402
from datamodules.base import DataSpec  # noqa: E402
from datamodules.batch import Batch  # noqa: E402
from models import create_model  # noqa: E402
from models.backbones import create_token_backbone  # noqa: E402
from models.interventions import intervention_curve  # noqa: E402


class TokenLinear(nn.Module):
    """The baseline of the concept transformers: the same token backbone, a linear head on its class token, and
    the input normalisation every zoo model (the CNN baseline, CT, CCT) applies first."""

    def __init__(self, backbone: nn.Module, spec: DataSpec):
        super().__init__()
        self.backbone, self.head = backbone, nn.Linear(backbone.dim, spec.num_classes)
        self.register_buffer("mean", torch.tensor(spec.mean, dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(spec.std, dtype=torch.float32).view(1, -1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cls_token, tokens = self.backbone((x - self.mean) / self.std)
        query = cls_token[:, 0] if cls_token is not None else tokens.mean(1)
        return self.head(query)


def step_fn(model: nn.Module, batch: Batch, concept_model: bool):
    """One training step of ``model`` on ``batch`` as a callable (forward, the full loss, backward, Adam)."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    model.train()

    def step():
        optimizer.zero_grad(set_to_none=True)
        if concept_model:
            output = model.training_forward(batch)
            loss = model.total_loss(model.loss_terms(batch, output))
        else:
            loss = F.cross_entropy(model(batch.inputs), batch.targets)
        loss.backward()
        optimizer.step()

    return step


def concept_batch(spec: DataSpec, n: int, device) -> Batch:
    generator = torch.Generator().manual_seed(0)
    k = spec.num_concepts
    spatial = None
    if spec.concept_grid is not None:
        spatial = (torch.rand(n, k, *spec.concept_grid, generator=generator) < 0.2).float()
    return Batch(inputs=torch.rand(n, *spec.input_shape, generator=generator),
                 targets=torch.randint(spec.num_classes, (n,), generator=generator),
                 concepts=(torch.rand(n, k, generator=generator) < 0.3).float(), spatial_concepts=spatial).to(device)


def cub_shaped_spec(size: int) -> DataSpec:
    names = [f"group{g}::value{v}" for g in range(28) for v in range(4)]
    return DataSpec(name="cub_shaped", input_shape=(3, size, size), num_classes=200,
                    class_names=[str(i) for i in range(200)], mean=(0.5,) * 3, std=(0.25,) * 3,
                    concept_names=names, concept_types=["binary"] * 112,
                    concept_groups={f"group{g}": list(range(4 * g, 4 * g + 4)) for g in range(28)},
                    concept_grid=(size // 16, size // 16))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--large", action="store_true")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=15, help="paired rounds per training comparison")
    parser.add_argument("--curve-inputs", type=int, default=600)
    args = parser.parse_args()
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    print(f"# {stamp()}, {machine()}\n")
    rows = []
    if args.large:  # a joint logit CBM and a CEM on ResNet-34, CT / CCT on timm's ViT-S/16 (random weights)
        spec = cub_shaped_spec(224)
        cnn = [("cbm", "cbm_bool_resnet34", {"concept_activation": "logits"}), ("cem", "cem_resnet34", {})]
        cnn_backbone, vit_name, vit_overrides = "resnet34", "vit_small_patch16_224", {
            "backbone": "vit_small_patch16_224", "num_heads": 6}
    else:
        spec = create_datamodule("shapes").spec
        cnn = [("cbm", "cbm_joint_cnn", {}), ("cem", "cem_cnn", {})]
        cnn_backbone, vit_name, vit_overrides = "small_cnn_48", "small_vit", {}
    batch = concept_batch(spec, args.batch, device)
    offline = {"backbone_pretrained": False}
    baseline = step_fn(create_model("linear_small28", spec=spec, backbone=cnn_backbone).to(device), batch, False)
    for label, name, overrides in cnn:
        model = create_model(name, spec=spec, **offline, **overrides).to(device)
        rows.append((label, cnn_backbone, *paired(baseline, step_fn(model, batch, True), device, args.repeats)))
    # concept transformers against the same token backbone with a linear head
    small = dict(patch_size=12, dim=64, depth=2, heads=2, mlp_ratio=2.0) if vit_name == "small_vit" else {}
    backbone = create_token_backbone(vit_name, 3, tuple(spec.input_shape[1:]), **small)
    token_baseline = step_fn(TokenLinear(backbone, spec).to(device), batch, False)
    for name in ("ct_small_vit", "cct_small_vit"):
        model = create_model(name, spec=spec, **vit_overrides).to(device)
        rows.append((name.split("_small")[0], vit_name,
                     *paired(token_baseline, step_fn(model, batch, True), device, args.repeats)))
    print(f"training step, batch {args.batch}, {spec.input_shape}, {spec.num_concepts} concepts, "
          f"{spec.num_classes} classes:\n")
    print("| head | backbone | linear head s / step | concept head s / step | images / s | time vs linear head "
          "(median of paired rounds) | CPU time vs linear head |\n|---|---|---|---|---|---|---|")
    for head, backbone_name, base_time, t, ratio, cpu_ratio in rows:
        cpu = "-" if cpu_ratio is None else f"{cpu_ratio:.2f}x"
        print(f"| {head} | {backbone_name} | {base_time:.4f} | {t:.4f} | {args.batch / t:.1f} | {ratio:.2f}x | {cpu} |")

    # intervention curve: every group, 5 random orders, against one inference pass over the same inputs
    n = args.curve_inputs if not args.large else min(args.curve_inputs, 128)
    data = concept_batch(spec, n, device)
    loader = [data.select(slice(s, s + args.batch)) for s in range(0, n, args.batch)]
    print(f"\nintervention curve over {len(spec.concept_groups)} groups x 5 random orders, {n} inputs:\n")
    print("| model | inference pass s | curve s | curve / inference |\n|---|---|---|---|")
    for label, name, extra in [(cnn[0][0], cnn[0][1], {"concept_activation": "sigmoid"}), (cnn[1][0], cnn[1][1], {})]:
        model = create_model(name, spec=spec, **offline, **extra).to(device).eval()
        inference_time, curve_time = curve_times(model, loader, device, repeats=3)
        print(f"| {label} | {inference_time:.3f} | {curve_time:.3f} | {curve_time / inference_time:.2f}x |")
    dm = create_datamodule("xor")
    dm.setup()
    xor = create_model("cem_mlp", spec=dm.spec).to(device).eval()
    inference_time, curve_time = curve_times(xor, list(dm.eval_dataloader("test")), device, repeats=5)
    print(f"| cem_mlp (xor test split, 2 groups) | {inference_time:.4f} | {curve_time:.4f} | "
          f"{curve_time / inference_time:.2f}x |")


def curve_times(model, loader, device, repeats: int) -> tuple[float, float]:
    """(one inference pass over ``loader``, the 5-order random intervention curve over it), median seconds."""

    def inference():
        with torch.no_grad():
            for b in loader:
                model(b.inputs)

    inference_time = time_it(inference, device, warmup=1, repeats=repeats)
    curve_time = time_it(lambda: intervention_curve(model, loader, "random", 5), device, warmup=1, repeats=repeats)
    return inference_time, curve_time


if __name__ == "__main__":
    main()
