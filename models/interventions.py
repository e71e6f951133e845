"""Test-time concept interventions, shared by every concept-bottleneck family (CBM, CEM): which concepts to set,
the policies that choose them, and the intervention curve (task accuracy against the number of concept groups
set to their true values; Koh et al. 2020, Sec. 6; Espinosa Zarlenga et al. 2022, Sec. 4).

The options every such model takes in ``forward``, ``decompose`` and ``explain`` (``InterventionModel``):

* ``intervene``: concept names, group names, concept indices (or a mix), ``"all"``, or a boolean mask (K,)
  or (N, K): the concepts set from outside;
* ``values``: the values they are set to, (K,) or (N, K) in {0, 1} (NaN: leave that concept alone);
  ``explain`` takes them from the batch's concept labels when not given;
* ``policy`` + ``budget``: let a policy choose ``budget`` groups per input instead: ``random`` (a random order
  per input, Koh's and CEM's default), ``fixed`` (one order for every input: ``order``, group names, default
  the spec's), ``uncertainty`` (the groups whose predicted concepts are closest to 0.5 first; PyC's
  ``UncertaintyInterventionPolicy``, Koh's entropy idea without the look-ahead), ``gradient`` (the groups whose
  concepts move the predicted class's logit most, |d logit / d concept logit|; PyC's ``GradientPolicy``);
* ``competence``: the probability that an intervened value is the true one (CEM's ``competence_levels``; 0 sets
  every intervened concept to the wrong value), drawn with ``seed``.

``intervention_curve`` runs the encoder once per batch and only the label predictor per level and order, so a
curve over G groups and T orders costs one inference pass plus (G + 1) T passes of the head, batched over the
samples. A logit-reading model is set to the 5th / 95th percentile of a concept's logits: the training-split
ones stored with the weights (Koh et al. Sec. 6), or in the curve the evaluated split's own
(``percentiles="evaluated"``: what Koh's ``CUB/tti.py`` computes them from). ``python -m models.interventions
<release> --data <name>`` computes one, saves it as JSON and PNG.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .base import InputError

POLICIES = ("random", "fixed", "uncertainty", "gradient")


class InterventionError(InputError):
    """An intervention the model cannot carry out: an unknown concept or group, a value of the wrong type or
    shape, a policy it does not know, or no true values to set (an ``InputError``: the explain CLI reports it as
    a one-line error)."""


def group_names(spec) -> list[str]:
    """The spec's concept groups, or one group per concept when it declares none."""
    return list(spec.concept_groups) if spec.concept_groups else list(spec.concept_names)


def group_matrix(spec) -> torch.Tensor:
    """(G, K) bool: which concepts each group holds."""
    k = spec.num_concepts
    if not spec.concept_groups:
        return torch.eye(k, dtype=torch.bool)
    matrix = torch.zeros(len(spec.concept_groups), k, dtype=torch.bool)
    for g, members in enumerate(spec.concept_groups.values()):
        matrix[g, list(members)] = True
    return matrix


def concept_indices(spec, which: Any) -> list[int]:
    """Concept names, group names, indices or ``"all"`` (alone or in a list) -> sorted concept indices."""
    names = list(spec.concept_names or [])
    groups = spec.concept_groups or {}
    items = [which] if isinstance(which, (str, int)) and not isinstance(which, bool) else which
    if not isinstance(items, (list, tuple)):
        raise InterventionError(f"intervene takes concept names, group names, indices, 'all' or a boolean mask; "
                                f"got {type(which).__name__}")
    chosen: set[int] = set()
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (str, int, np.integer)):
            raise InterventionError(f"intervene: {item!r} is neither a concept name, a group name nor an index")
        if isinstance(item, str):
            if item == "all":
                chosen.update(range(len(names)))
            elif item in groups:
                chosen.update(int(i) for i in groups[item])
            elif item in names:
                chosen.add(names.index(item))
            else:
                import difflib

                close = difflib.get_close_matches(item, names + list(groups), n=3)
                hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
                raise InterventionError(f"unknown concept or group {item!r}.{hint} Groups: {list(groups)[:30]}; "
                                        f"concepts: {names[:30]}{' ...' if len(names) > 30 else ''}")
        else:
            if not 0 <= int(item) < len(names):
                raise InterventionError(f"concept index {item} is outside 0..{len(names) - 1}")
            chosen.add(int(item))
    return sorted(chosen)


def intervention_mask(spec, intervene: Any, n: int, device: torch.device | str = "cpu") -> torch.Tensor | None:
    """(N, K) bool, True where a concept is set from outside; None for no intervention. ``intervene``: names,
    groups, indices, ``"all"``, an integer tensor of indices, or a boolean mask (K,) / (N, K)."""
    if intervene is None:
        return None
    k = spec.num_concepts
    if isinstance(intervene, (torch.Tensor, np.ndarray)):
        tensor = torch.as_tensor(intervene)
        if tensor.dtype == torch.bool:
            if tuple(tensor.shape) not in ((k,), (n, k)):
                raise InterventionError(f"an intervention mask must have shape ({k},) or ({n}, {k}), got "
                                        f"{tuple(tensor.shape)}")
            return tensor.to(device).expand(n, k).clone()
        if tensor.is_floating_point() or tensor.is_complex() or tensor.dim() > 1:
            raise InterventionError(f"intervene takes a boolean mask or a 1-d tensor of concept indices, got a "
                                    f"{tensor.dtype} tensor of shape {tuple(tensor.shape)}")
        intervene = tensor.flatten().tolist()
    mask = torch.zeros(n, k, dtype=torch.bool, device=device)
    mask[:, concept_indices(spec, intervene)] = True
    return mask


def check_values(values: Any, n: int, k: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """(N, K) float in {0, 1} or NaN from a tensor, array or list of shape (K,) or (N, K)."""
    if isinstance(values, (list, tuple)):
        try:
            values = torch.tensor(values, dtype=torch.float32)
        except (TypeError, ValueError) as err:
            raise InterventionError(f"intervention values must be numbers 0/1 (NaN: unknown); {err}") from None
    elif isinstance(values, np.ndarray):
        if values.dtype.kind not in "biuf":
            raise InterventionError(f"intervention values must be numbers 0/1, got an array of {values.dtype}")
        values = torch.from_numpy(values)
    if not isinstance(values, torch.Tensor):
        raise InterventionError(f"intervention values must be a tensor, an array or a list of shape ({k},) or "
                                f"({n}, {k}); got {type(values).__name__}")
    if values.is_complex() or not (values.is_floating_point() or values.dtype in (torch.bool, torch.uint8,
                                                                                   torch.int32, torch.int64)):
        raise InterventionError(f"intervention values must be 0/1 numbers or booleans, got dtype {values.dtype}")
    values = values.to(device=device, dtype=torch.float32)
    if tuple(values.shape) not in ((k,), (n, k)):
        raise InterventionError(f"intervention values must have shape ({k},) or ({n}, {k}), got {tuple(values.shape)}")
    known = values[~values.isnan()]
    if ((known != 0) & (known != 1)).any():
        raise InterventionError("intervention values of binary concepts must be 0 or 1 (NaN: leave it alone); "
                                f"got {sorted(set(known.tolist()) - {0.0, 1.0})[:5]}")
    return values.expand(n, k).clone()


def rank_groups(policy: str, spec, probabilities: torch.Tensor, generator: torch.Generator | None = None,
                order: Sequence[str] | None = None, gradients: torch.Tensor | None = None) -> torch.Tensor:
    """(N, G) the groups in the order ``policy`` intervenes on them, per input."""
    groups = group_matrix(spec).to(probabilities.device).float()  # (G, K)
    n = len(probabilities)
    if policy == "random":
        noise = torch.rand(n, len(groups), generator=generator).to(probabilities.device)
        return noise.argsort(1)
    if policy == "fixed":
        names = group_names(spec)
        order = list(order) if order is not None else names
        unknown = [g for g in order if g not in names]
        if unknown or len(set(order)) != len(order):
            raise InterventionError(f"a fixed order names each group once; unknown {unknown}, groups: {names}")
        ranked = [names.index(g) for g in order] + [g for g in range(len(names)) if names[g] not in order]
        return torch.tensor(ranked, device=probabilities.device).expand(n, -1)
    if policy == "uncertainty":
        closeness = 0.5 - (probabilities - 0.5).abs()  # (N, K): 0.5 at p = 0.5, 0 at certainty
        score = closeness @ groups.t() / groups.sum(1)
    elif policy == "gradient":
        if gradients is None:
            raise InterventionError("the gradient policy needs the label predictor's gradients")
        score = gradients.abs() @ groups.t()
    else:
        raise InterventionError(f"unknown intervention policy {policy!r}; policies: {', '.join(POLICIES)}")
    return torch.sort(score, dim=1, descending=True, stable=True).indices


def mask_from_ranking(ranking: torch.Tensor, budget: int, groups: torch.Tensor) -> torch.Tensor:
    """(N, K) the concepts of each input's first ``budget`` groups; ``groups`` (G, K) bool."""
    chosen = torch.zeros(ranking.shape, dtype=torch.bool, device=ranking.device)
    chosen.scatter_(1, ranking[:, :budget], True)  # (N, G)
    return (chosen.float() @ groups.to(ranking.device).float()) > 0


def apply_competence(values: torch.Tensor, mask: torch.Tensor, competence: float,
                     generator: torch.Generator | None) -> torch.Tensor:
    """Each intervened value stays true with probability ``competence`` and is flipped otherwise."""
    if competence >= 1:
        return values
    if not 0 <= competence <= 1:
        raise InterventionError(f"competence is a probability in [0, 1], got {competence}")
    wrong = torch.rand(values.shape, generator=generator).to(values.device) >= competence
    return torch.where(wrong & mask, 1 - values, values)


# ---- the intervention curve ------------------------------------------------------------------------------
PERCENTILES = ("evaluated", "training")


def logit_percentiles(logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(K,), (K,): the 5th / 95th percentile of each concept's logits (N, K), what a logit-reading model is set
    to for c = 0 / c = 1 (Koh et al. Sec. 6)."""
    low, high = torch.quantile(logits.float(), torch.tensor([0.05, 0.95], device=logits.device), dim=0)
    return low, high


@torch.no_grad()
def intervention_curve(model, dataloader, policy: str = "random", orders: int = 5, seed: int = 0,
                       competence: float = 1.0, order: Sequence[str] | None = None,
                       use_visibility: bool = True, limit: int | None = None,
                       percentiles: str = "training") -> dict[str, Any]:
    """Task accuracy with k = 0..G concept groups set to their true values, for ``orders`` random orders (one
    for the deterministic policies). Returns the curve (mean, spread, Koh's max over orders, every order),
    its area (the mean accuracy over k / G in [0, 1], trapezoid rule) and what it was computed on.

    ``percentiles`` (logit-reading models only): ``"training"`` (the paper's Sec. 6) uses the model's stored
    training-split percentiles (what ``forward`` / ``explain`` use); ``"evaluated"`` sets an intervened concept to
    the 5th / 95th percentile of the evaluated inputs' own logits, as Koh's ``CUB/tti.py`` does (its ``ptl_5`` /
    ``ptl_95`` come from the ``-eval_data`` split's outputs)."""
    from .base import evaluating

    if percentiles not in PERCENTILES:
        raise InterventionError(f"percentiles is one of {', '.join(PERCENTILES)}; got {percentiles!r}")
    spec = model.spec
    groups = group_matrix(spec)
    n_groups = len(groups)
    trials = orders if policy == "random" else 1
    generator = torch.Generator().manual_seed(seed)
    encoded = []  # (state, values, targets, gradients) per batch: the encoder runs once per input
    with evaluating(model):
        total = 0
        for batch in dataloader:
            batch = model.check_batch(batch).to(model.device)
            if limit is not None and total >= limit:
                break
            if limit is not None:
                batch = batch.select(slice(0, limit - total))
            if batch.concepts is None:
                raise InterventionError(f"an intervention curve needs data with concept labels; the "
                                        f"{spec.name!r} batches carry {', '.join(batch.present())}")
            state = model.encode(batch.inputs)
            gradients = model.concept_gradients(state) if policy == "gradient" else None
            encoded.append((state, model.true_values(batch, use_visibility), batch.targets, gradients))
            total += len(batch)
        if total == 0:
            raise InterventionError("an intervention curve needs at least one input")
        values_used = None
        setting = contextlib.nullcontext()
        if model.reads_logits:
            if percentiles == "evaluated":
                low, high = logit_percentiles(torch.cat([state.logits for state, *_ in encoded]))
                setting = model.using_percentiles(low, high)
            else:
                low, high = model.intervention_low, model.intervention_high
            values_used = {"low": low.tolist(), "high": high.tolist()}
        correct = torch.zeros(trials, n_groups + 1, dtype=torch.float64)
        with setting:
            for state, values, targets, gradients in encoded:
                known = ~values.isnan()
                for t in range(trials):
                    ranking = rank_groups(policy, spec, state.probabilities, generator, order, gradients)
                    noisy = apply_competence(values.nan_to_num(0.0), known, competence, generator)
                    for k in range(n_groups + 1):
                        mask = mask_from_ranking(ranking, k, groups) & known
                        outputs = model.head(state, mask, noisy, outputs_only=True).outputs
                        correct[t, k] += float((outputs.argmax(-1) == targets).sum())
    accuracy = (correct / total).numpy()  # (T, G + 1)
    mean = accuracy.mean(0)
    fraction = np.linspace(0, 1, n_groups + 1)
    return {
        "policy": policy, "orders": trials, "seed": seed, "competence": competence, "inputs": total,
        "groups": list(range(n_groups + 1)), "group_names": group_names(spec),
        "accuracy_mean": mean.tolist(), "accuracy_std": accuracy.std(0, ddof=1).tolist() if trials > 1 else
        [0.0] * (n_groups + 1), "accuracy_max": accuracy.max(0).tolist(), "accuracy": accuracy.tolist(),
        "area": float(np.trapezoid(mean, fraction)) if n_groups else float(mean[0]),
        "percentiles": percentiles if model.reads_logits else None, "intervention_values": values_used,
        "model": model.variant, "data": spec.name,
    }


def plot_curve(curves: dict[str, dict[str, Any]] | dict[str, Any], path: str | Path, title: str | None = None) -> Path:
    """A PNG of one or several curves (label -> curve): mean accuracy with a +-1 std band, written atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .release import atomic_path

    if "accuracy_mean" in curves:
        curves = {curves["policy"]: curves}
    fig, ax = plt.subplots(figsize=(5.5, 3.6), dpi=120)
    for label, curve in curves.items():
        k = np.array(curve["groups"])
        mean, std = np.array(curve["accuracy_mean"]) * 100, np.array(curve["accuracy_std"]) * 100
        ax.plot(k, mean, marker="o", markersize=3, label=f"{label} (area {curve['area'] * 100:.1f})")
        if curve["orders"] > 1:
            ax.fill_between(k, mean - std, mean + std, alpha=0.2)
    first = next(iter(curves.values()))
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("concept groups intervened on")
    ax.set_ylabel("task accuracy (%)")
    ax.set_title(title or f"{first.get('model')} on {first.get('data')}: {first['inputs']} inputs")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return path


def save_curves(curves: dict[str, dict[str, Any]], folder: str | Path,
                stem: str = "intervention_curve") -> dict[str, str]:
    """``<stem>.json`` (every curve) and ``<stem>.png`` in ``folder``; returns the file names."""
    from .explanation import json_safe
    from .release import atomic_write_text

    folder = Path(folder)
    atomic_write_text(folder / f"{stem}.json", json.dumps(json_safe(curves), indent=2) + "\n")
    plot_curve(curves, folder / f"{stem}.png")
    return {"json": f"{stem}.json", "png": f"{stem}.png"}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """python -m models.interventions <release folder or name.tag> --data <datamodule> [--split test]
    [--policy random --policy uncertainty ...] [--orders 5] [--percentiles evaluated|training] [--out folder]"""
    import argparse

    from configs.validation import fraction, positive_int, seed
    from datamodules import create_datamodule

    from .factory import create_model
    from .release import load_release

    parser = argparse.ArgumentParser(prog="python -m models.interventions", description=main.__doc__)
    parser.add_argument("model", help="a release folder, or <name>.<tag> of a shipped checkpoint")
    parser.add_argument("--data", help="the datamodule (default: the release's data name)")
    parser.add_argument("--data-arg", action="append", default=[], metavar="KEY=VALUE",
                        help="a datamodule argument (e.g. root=/data/cub)")
    parser.add_argument("--split", default="test", choices=("train", "val", "test"))
    parser.add_argument("--policy", action="append", choices=POLICIES)
    parser.add_argument("--orders", type=positive_int, default=5)
    parser.add_argument("--seed", type=seed, default=0)
    parser.add_argument("--competence", type=fraction, default=1.0,
                        help="the chance that an intervention sets a concept to its true value")
    parser.add_argument("--percentiles", default="training", choices=PERCENTILES,
                        help="logit models: intervene with the 5th / 95th percentile of the evaluated split's "
                             "logits (Koh's tti.py) or of the training logits stored with the weights")
    parser.add_argument("--out", help="folder for intervention_curve.json/.png (default: the release folder)")
    args = parser.parse_args(argv)
    path = Path(args.model)
    model = load_release(path) if path.is_dir() else create_model(args.model, pretrained=True)
    data_args = {}
    for item in args.data_arg:
        key, _, value = item.partition("=")
        data_args[key] = json.loads(value) if value[:1] in "[{0123456789-" or value in ("true", "false") else value
    datamodule = create_datamodule(args.data or model.spec.name, **data_args)
    datamodule.setup("test")
    differences = model.spec.differences(datamodule.spec, model.spec.MODEL_FIELDS)
    if differences:
        raise SystemExit(f"error: the data does not match the model's spec: {'; '.join(differences)}")
    curves = {policy: intervention_curve(model, datamodule.eval_dataloader(args.split), policy, args.orders,
                                         args.seed, args.competence, percentiles=args.percentiles)
              for policy in args.policy or ["random"]}
    out = Path(args.out) if args.out else (path if path.is_dir() else Path("."))
    files = save_curves(curves, out)
    for policy, curve in curves.items():
        print(f"{policy}: area {curve['area']:.4f}; accuracy " +
              " ".join(f"{a * 100:.1f}" for a in curve["accuracy_mean"]))
    print(f"wrote {out / files['json']} and {out / files['png']}")
    return curves


if __name__ == "__main__":
    main()
