"""Evaluating prototype explanations, and the command that writes the results into a release's card.

Metrics, for any model whose units have maps over the image (``unit_maps``: ProtoPNet's similarity maps, the
deep CBC's component maps, the shallow CBC's per-pixel match, the prototype autoencoder's per-latent-cell
match):

* **part consistency** and **stability** (Huang et al., "Evaluation and Improvement of Interpretability for
  Self-Explainable Part-Prototype Networks", ICCV 2023; code ``hqhQAQ/EvalProtoPNet``), from part keypoints
  (CUB's, or the generated ``part_glyphs`` data). A unit's map on an image is upsampled bicubically to the input,
  its maximum taken (the first one in row-major order when several pixels tie: ProtoPNeXt's reimplementation
  takes the row index twice there, a mistake avoided and tested here), and a box of ``2 * half_size`` pixels
  around it (72 px at 224 px, scaled with the input) says which visible parts the unit points at on that image.
  A unit of class c is evaluated on the test images of class c; a class-agnostic unit (a CBC component) on the test
  images where it takes part in the prediction (a non-zero detection). Consistency: the share of units for which
  some part is in the box on at least 80% of the images where that part is visible. Stability: the share of a unit's
  images on which the parts in its box stay exactly the same after noise N(0, 0.2), clipped to +-0.25, is added to
  the *normalised* image, averaged over units. Both in percent.
* **deletion / insertion faithfulness**: the region of the most similar unit (its map upsampled to the input;
  the ``area`` share of pixels where it is highest) is deleted (set to ``baseline``), and the drop of the
  explained output (the predicted class's output, and its probability) is compared with deleting a random
  region of the same size and shape (the same mask shifted cyclically by a random offset). Insertion: only the
  region is kept on the baseline image, and the rise of the output over the baseline image's is compared with
  the random region's. A faithful explanation points at the region that matters: its deletion drop and insertion
  gain exceed the random region's.
* **OOD AUROC** of uncertainty scores (``datamodules.shifts``: noise, rotations, negatives, letters): one minus
  the highest probability, the entropy of the (normalised) class probabilities, the distance to the nearest unit
  (or minus the highest similarity / detection), and for Prob-PSENN its entropy decomposition and distance
  percentile.

The command (``python -m models.evaluation``) computes them for a release, a ``.ckpt`` or a shipped
``name.tag`` and writes them into the release card's ``checks`` (``--no-card``: only ``--out``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from configs.validation import positive_int
from datamodules.batch import as_batch

from .base import evaluating
from .layers.activation_maps import upsample_maps

PART_THRESHOLD = 0.8  # EvalProtoPNet's part_thresh
NOISE_STD, NOISE_CLIP = 0.2, 0.25  # EvalProtoPNet's perturb_img, in the normalised input space


class EvaluationError(ValueError):
    """A metric asked of a model or data it is not defined for; the message says why."""


# ---- unit maps at input resolution ------------------------------------------------------------------------
def has_unit_maps(model) -> bool:
    return type(model).unit_maps is not _base_unit_maps()


def _base_unit_maps():
    from .base import InterpretableModel

    return InterpretableModel.unit_maps


def input_maps(model, decomposition, row: int, units: list[int]) -> torch.Tensor:
    """(len(units), H, W) the units' maps on one input, upsampled bicubically to the input size."""
    maps = model.unit_maps(decomposition, row, units)
    stacked = torch.from_numpy(np.stack([np.asarray(maps[u], dtype=np.float32) for u in units]))
    if stacked[0].numel() == 1:
        raise EvaluationError(f"{type(model).__name__}'s unit maps have one cell (a 1 x 1 latent grid): they say "
                              f"nothing about where in the input a unit matches")
    size = tuple(model.spec.input_shape[1:])
    return stacked if tuple(stacked.shape[1:]) == size else upsample_maps(stacked, size)


def peak_locations(maps: torch.Tensor) -> torch.Tensor:
    """(N, H, W) -> (N, 2) (row, column) of each map's maximum; ties go to the first maximum in row-major order
    (torch.argmax returns the first), and both coordinates come from that one pixel."""
    width = maps.shape[-1]
    flat = maps.flatten(1).argmax(1)
    return torch.stack([flat // width, flat % width], dim=1)


def part_hits(peaks: torch.Tensor, locations: torch.Tensor, visible: torch.Tensor, half_size: int,
              size: tuple[int, int]) -> torch.Tensor:
    """(N, P) bool: visible part p of an input lies in the box around its unit's peak, EvalProtoPNet's
    ``(max(0, r - h), min(H, r + h), max(0, c - h), min(W, c + h))``, bounds included; ``locations`` (N, P, 2) are
    (x, y), truncated to whole pixels as the reference code does."""
    rows, cols = peaks[:, 0:1], peaks[:, 1:2]
    y0, y1 = (rows - half_size).clamp_min(0), (rows + half_size).clamp_max(size[0])
    x0, x1 = (cols - half_size).clamp_min(0), (cols + half_size).clamp_max(size[1])
    x, y = locations[..., 0].long(), locations[..., 1].long()
    return visible & (y >= y0) & (y <= y1) & (x >= x0) & (x <= x1)


def default_half_size(size: tuple[int, int]) -> int:
    """EvalProtoPNet's 36 px at 224 px, scaled with the input (4 at 28 px)."""
    return max(1, round(36 * min(size) / 224))


def unit_classes(model) -> list[int | None]:
    """The class of every unit (None: a class-agnostic unit, e.g. a CBC component)."""
    return [unit.class_index for unit in model.global_explanation().units]


def perturb(model, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """EvalProtoPNet's noise, added in the model's normalised space and mapped back to raw inputs."""
    noise = torch.randn(x.shape, generator=generator).mul_(NOISE_STD).clamp_(-NOISE_CLIP, NOISE_CLIP)
    std = model.input_std.cpu() if model.input_std is not None else torch.ones(1)
    return x + (noise * std).to(x.device)


@torch.no_grad()
def part_localisation(model, batches: Iterable, annotations: dict[str, Any], half_size: int | None = None,
                      seed: int = 0) -> dict[str, Any]:
    """Part consistency and stability (percent) over ``batches`` (the items ``annotations`` describe, in order:
    ``part_locations`` (N, P, 2) as (x, y) input pixels, ``part_visible`` (N, P))."""
    if not has_unit_maps(model):
        raise EvaluationError(f"{type(model).__name__} gives no unit maps over the image: part metrics need units "
                              f"that point at a place in the input")
    size = tuple(model.spec.input_shape[1:])
    half_size = default_half_size(size) if half_size is None else half_size
    locations, visible = annotations["part_locations"].float(), annotations["part_visible"].bool()
    classes = unit_classes(model)
    U, P = len(classes), visible.shape[1]
    hit_sum = torch.zeros(U, P)
    visible_sum = torch.zeros(U, P)
    images = torch.zeros(U)
    unchanged = torch.zeros(U)
    agnostic = [u for u, c in enumerate(classes) if c is None]
    generator = torch.Generator().manual_seed(seed)
    seen = 0
    with evaluating(model):
        for batch in batches:
            batch = as_batch(batch).to(model.device)
            x, y = batch.inputs, batch.targets.tolist()
            clean = model.decompose(model.check_input(x))
            noisy = model.decompose(model.check_input(perturb(model, x, generator)))
            for n, label in enumerate(y):
                # a class-agnostic unit counts on the images where it takes part in the prediction (a non-zero
                # score: the deep CBC zeroes detections below 0.1 at inference)
                units = [u for u, c in enumerate(classes) if c == label] + [u for u in agnostic
                                                                            if clean.scores[n, u] != 0]
                where, seen_visible = locations[seen + n].expand(len(units), -1, -1), visible[seen + n]
                shown = seen_visible.expand(len(units), -1)
                hits = part_hits(peak_locations(input_maps(model, clean, n, units)), where, shown, half_size, size)
                noisy_hits = part_hits(peak_locations(input_maps(model, noisy, n, units)), where, shown, half_size,
                                       size)
                hit_sum[units] += hits.float()
                visible_sum[units] += seen_visible.float()
                images[units] += 1
                unchanged[units] += (hits == noisy_hits).all(1).float()
            seen += len(y)
    if seen != len(visible):
        raise EvaluationError(f"the annotations describe {len(visible)} inputs, the data gave {seen}")
    evaluated = images > 0
    share = hit_sum / visible_sum.clamp_min(1)  # EvalProtoPNet: a part never visible counts as 0 / 1
    consistent = (share >= PART_THRESHOLD).any(1)
    part_of_unit = torch.where(consistent, share.argmax(1), -1)
    names = annotations.get("part_names")
    return {
        "consistency": round(100 * float(consistent[evaluated].float().mean()), 2),
        "stability": round(100 * float((unchanged[evaluated] / images[evaluated]).mean()), 2),
        "units": int(evaluated.sum()), "inputs": seen, "half_size": half_size, "part_threshold": PART_THRESHOLD,
        "consistent_parts": {str(u): (names[p] if names else p) for u, p in enumerate(part_of_unit.tolist())
                             if p >= 0},
    }


# ---- deletion / insertion -----------------------------------------------------------------------------------
def most_similar_units(model, decomposition) -> torch.Tensor:
    """(N,) each input's most similar unit: the highest score (similarity, detection), or the lowest where the
    family's scores are distances (its declared ``unit_score.distance``)."""
    scores = decomposition.scores.detach()
    return scores.argmin(1) if model.unit_score.distance else scores.argmax(1)


def region_masks(maps: torch.Tensor, area: float) -> torch.Tensor:
    """(N, H, W) maps -> (N, H, W) bool: the ``area`` share of each map's pixels where it is highest."""
    count = max(1, round(area * maps.shape[1] * maps.shape[2]))
    flat = maps.flatten(1)
    mask = torch.zeros_like(flat, dtype=torch.bool)
    mask.scatter_(1, flat.topk(count, dim=1).indices, True)
    return mask.view_as(maps)


def shifted_masks(masks: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """The same masks moved cyclically by a random offset each: a random region of the same size and shape."""
    H, W = masks.shape[1:]
    shifts = torch.stack([torch.randint(0, H, (len(masks),), generator=generator),
                          torch.randint(0, W, (len(masks),), generator=generator)], 1)
    return torch.stack([torch.roll(m, (int(dy), int(dx)), (0, 1)) for m, (dy, dx) in zip(masks, shifts)])


def baseline_image(model, x: torch.Tensor, baseline: str) -> torch.Tensor:
    if baseline == "zero":
        return torch.zeros_like(x)
    if baseline == "mean":
        if model.spec.mean is None:
            raise EvaluationError("baseline='mean' needs the data spec's mean; use baseline='zero'")
        return torch.tensor(model.spec.mean, dtype=x.dtype, device=x.device).view(1, -1, 1, 1).expand_as(x)
    raise EvaluationError(f"baseline must be 'zero' or 'mean', got {baseline!r}")


def _explained(model, x: torch.Tensor, classes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(output of ``classes``, its probability) for inputs x."""
    outputs = model(x).double()
    probabilities = torch.softmax(outputs, 1) if model.output == "logit" else outputs
    rows = torch.arange(len(x), device=x.device)
    return outputs[rows, classes], probabilities[rows, classes]


@torch.no_grad()
def deletion_insertion(model, batches: Iterable, area: float = 0.1, baseline: str = "zero",
                       seed: int = 0) -> dict[str, Any]:
    """Deletion and insertion of the most similar unit's region against a random region of the same size."""
    if not has_unit_maps(model):
        raise EvaluationError(f"{type(model).__name__} gives no unit maps over the image: no region to delete")
    if not 0 < area < 1:
        raise EvaluationError(f"area must be a share of the image in (0, 1), got {area}")
    generator = torch.Generator().manual_seed(seed)
    sums: dict[str, float] = {}
    count = 0

    def add(name: str, values: torch.Tensor) -> None:
        sums[name] = sums.get(name, 0.0) + float(values.double().sum())

    with evaluating(model):
        for batch in batches:
            x = model.check_input(as_batch(batch).inputs.to(model.device))
            decomposition = model.decompose(x)
            classes = decomposition.outputs.argmax(1)
            units = most_similar_units(model, decomposition).tolist()
            maps = torch.cat([input_maps(model, decomposition, n, [u]) for n, u in enumerate(units)])
            unit_region = region_masks(maps, area).unsqueeze(1).to(x.device)  # (B, 1, H, W)
            random_region = shifted_masks(unit_region[:, 0].cpu(), generator).unsqueeze(1).to(x.device)
            blank = baseline_image(model, x, baseline)
            value, probability = _explained(model, x, classes)
            blank_value, blank_probability = _explained(model, blank, classes)
            for name, region in (("unit", unit_region), ("random", random_region)):
                deleted_value, deleted_probability = _explained(model, torch.where(region, blank, x), classes)
                kept_value, kept_probability = _explained(model, torch.where(region, x, blank), classes)
                add(f"deletion_{name}", value - deleted_value)
                add(f"deletion_{name}_probability", probability - deleted_probability)
                add(f"insertion_{name}", kept_value - blank_value)
                add(f"insertion_{name}_probability", kept_probability - blank_probability)
                if name == "unit":
                    unit_drop, unit_gain = value - deleted_value, kept_value - blank_value
                else:
                    add("deletion_unit_beats_random", (unit_drop > value - deleted_value).double())
                    add("insertion_unit_beats_random", (unit_gain > kept_value - blank_value).double())
            count += len(x)
    result = {name: round(total / count, 6) for name, total in sums.items()}
    result.update({"inputs": count, "area": area, "baseline": baseline, "output": model.output,
                   "unit": "the most similar unit (highest similarity / detection, or nearest prototype)"})
    return result


# ---- OOD ------------------------------------------------------------------------------------------------------
@torch.no_grad()
def uncertainty_scores(model, x: torch.Tensor, batch_size: int = 500) -> dict[str, torch.Tensor]:
    """(N,) scores that grow with how unlike the training data an input is: one minus the highest probability,
    the predictive entropy, the distance to the nearest unit; Prob-PSENN adds its own."""
    parts: dict[str, list[torch.Tensor]] = {"max_probability": [], "entropy": [], "nearest_unit": []}
    distances = model.unit_score.distance
    with evaluating(model):
        for i in range(0, len(x), batch_size):
            decomposition = model.decompose(model.check_input(x[i : i + batch_size]))
            outputs = decomposition.outputs.double()
            p = torch.softmax(outputs, 1) if model.output == "logit" else outputs.clamp_min(0)
            parts["max_probability"].append(1 - p.max(1).values)
            p = p / p.sum(1, keepdim=True).clamp_min(1e-12)  # CBC's class probabilities need not sum to one
            parts["entropy"].append(-(p * p.clamp_min(1e-12).log()).sum(1))
            scores = decomposition.scores.double()
            parts["nearest_unit"].append(scores.min(1).values if distances else -scores.max(1).values)
    scores = {name: torch.cat(values).cpu() for name, values in parts.items()}
    scores.update({name: value.cpu() for name, value in model.uncertainty_scores(x).items()})  # the family's own
    return scores


def ood_auroc(model, in_distribution: torch.Tensor, seed: int = 0) -> dict[str, Any]:
    """AUROC of every uncertainty score at telling held-out test inputs from the generated shifts of them:
    {"ood_auroc": {shift: {score: auroc}}, "ood_auroc_mean": {score: mean over shifts}}."""
    from datamodules.shifts import auroc, shifted_sets

    reference = uncertainty_scores(model, in_distribution)
    results = {}
    for shift, images in shifted_sets(in_distribution.cpu(), seed).items():
        scores = uncertainty_scores(model, images.to(in_distribution.device))
        results[shift] = {name: round(auroc(reference[name], scores[name]), 4) for name in scores}
    mean = {name: round(float(np.mean([r[name] for r in results.values()])), 4) for name in reference}
    return {"ood_auroc": results, "ood_auroc_mean": mean, "ood_inputs": len(in_distribution)}


# ---- everything, for a release -------------------------------------------------------------------------------
def explanation_metrics(model, datamodule, split: str = "test", limit: int | None = None) -> dict[str, Any]:
    """Deletion / insertion on ``split`` (the first ``limit`` inputs), and part consistency / stability where
    the data has part annotations (``datamodule.annotations(split)`` with ``part_locations``)."""
    datamodule.setup("test")
    loader = datamodule.eval_dataloader(split)
    result: dict[str, Any] = {"split": split}
    try:
        result["deletion_insertion"] = deletion_insertion(model, _limited(loader, limit))
    except EvaluationError as err:
        result["deletion_insertion"] = {"not_applicable": str(err)}
    annotations = datamodule.annotations(split)
    if annotations is None or "part_locations" not in annotations:
        result["part_localisation"] = {"not_applicable": f"the {model.spec.name!r} data has no part annotations"}
        return result
    if limit is not None:
        annotations = {k: (v[:limit] if k in ("part_locations", "part_visible") else v) for k, v in annotations.items()}
    try:
        result["part_localisation"] = part_localisation(model, _limited(loader, limit), annotations)
    except EvaluationError as err:
        result["part_localisation"] = {"not_applicable": str(err)}
    return result


def _limited(loader, limit: int | None):
    if limit is None:
        yield from loader
        return
    taken = 0
    for batch in loader:
        batch = as_batch(batch)
        if taken >= limit:
            return
        keep = min(len(batch), limit - taken)
        yield batch if keep == len(batch) else batch.select(slice(0, keep))
        taken += keep


def release_evaluation(model, datamodule, split: str = "test", limit: int | None = None,
                       ood_limit: int = 1000) -> dict[str, Any]:
    """The card's evaluation entries: ``explanation_metrics`` and the OOD AUROC of the uncertainty scores."""
    checks = {"explanation_metrics": explanation_metrics(model, datamodule, split, limit)}
    x = torch.cat([as_batch(b).inputs for b in _limited(datamodule.eval_dataloader(split), ood_limit)])
    checks.update(ood_auroc(model, x.to(model.device)))
    return checks


# ---- the command -----------------------------------------------------------------------------------------------
def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m models.evaluation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", required=True, help="a release folder, a .ckpt, or a shipped name.tag")
    parser.add_argument("--data", help="a registered datamodule (default: the checkpoint's own)")
    parser.add_argument("--data-arg", action="append", default=[], metavar="KEY=VALUE",
                        help="a datamodule argument, e.g. --data-arg root=/data (repeatable)")
    parser.add_argument("--split", default="test", choices=["train", "val", "test"])
    parser.add_argument("--limit", type=positive_int, default=None, help="evaluate the first N inputs of the split")
    parser.add_argument("--out", help="also write the results to this JSON file")
    parser.add_argument("--no-card", action="store_true", help="do not write the results into the release card")
    parser.add_argument("--device", default="cpu")
    return parser.parse_args(argv)


def run(args) -> dict[str, Any]:
    import yaml

    from datamodules import create_datamodule

    from .release import atomic_write_text, find_release, load_any, read_card, update_card

    model = load_any(args.checkpoint).to(args.device).eval()
    data_args = {}
    for item in args.data_arg:
        key, sep, value = item.partition("=")
        if not sep:
            raise EvaluationError(f"--data-arg {item!r}: write KEY=VALUE")
        data_args[key] = yaml.safe_load(value)
    datamodule = create_datamodule(args.data or model.spec.name, **data_args)
    differences = model.spec.differences(datamodule.spec)
    if differences:
        raise EvaluationError(f"the checkpoint was trained on {model.spec.name!r} data; --data gives data that "
                              f"differs in {'; '.join(differences)}")
    results = release_evaluation(model, datamodule, args.split, args.limit)
    release = _release_folder(args.checkpoint, find_release)
    if release is not None and not args.no_card:
        update_card(release, checks={**read_card(release).get("checks", {}), **results})
        results["written_to"] = str(release / "config.json")
    if args.out:
        atomic_write_text(args.out, json.dumps(results, indent=2) + "\n")
    return results


def _release_folder(checkpoint: str, find_release) -> Path | None:
    path = Path(checkpoint)
    if path.is_dir() and (path / "config.json").is_file():
        return path
    if path.suffix == ".ckpt" or path.exists():
        return None
    name, _, tag = checkpoint.partition(".")
    from .release import CheckpointError

    try:
        return find_release(name, tag or True)
    except (CheckpointError, KeyError):  # not a shipped name.tag: nothing to write into
        return None


def main(argv=None) -> int:
    from datamodules import DataRootError, SpecError

    from .release import CheckpointError

    args = parse_args(argv)
    try:
        results = run(args)
    except (EvaluationError, CheckpointError, DataRootError, SpecError, KeyError, FileNotFoundError) as err:
        print(f"error: {' '.join(str(err.args[0] if err.args else err).split())}", file=sys.stderr)
        return 2
    print(json.dumps(results, indent=2, default=lambda v: None if isinstance(v, float) and math.isnan(v) else v))
    return 0


if __name__ == "__main__":
    sys.exit(main())
