"""Plots where people would rather look than read, drawn with matplotlib into ``plots/``: the confusion matrix
and the margins of what was explained, the training curves of the run, the uncertainty of right and wrong
predictions, and any matrix of the global explanation. Each function returns the file it wrote, or None when
the export holds nothing to draw."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np

from ..images import write_bytes

MAX_MATRIX_SIDE = 400  # larger matrices are described, not drawn
MAX_CONFUSION_CLASSES = 60


def _figure(width: float = 5.0, height: float = 4.0):
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt, plt.figure(figsize=(width, height), dpi=100)


def _save(plt, fig, path: Path) -> Path:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    write_bytes(path, buffer.getvalue())
    return path


def confusion(rows: list[dict[str, Any]], class_names: list[str], path: Path) -> Path | None:
    labelled = [r for r in rows if r["target_index"] is not None]
    if not labelled or len(class_names) > MAX_CONFUSION_CLASSES:
        return None
    k = len(class_names)
    matrix = np.zeros((k, k), dtype=int)
    for r in labelled:
        matrix[r["target_index"], r["prediction_index"]] += 1
    plt, fig = _figure(max(4.0, 0.35 * k + 2), max(3.5, 0.35 * k + 1.5))
    ax = fig.add_subplot()
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(k), [str(c)[:12] for c in class_names], rotation=90 if k > 8 else 0)
    ax.set_yticks(range(k), [str(c)[:12] for c in class_names])
    ax.set_xlabel("predicted")
    ax.set_ylabel("target")
    ax.set_title(f"confusion over {len(labelled)} labelled prediction(s)")
    if k <= 20:
        for i in range(k):
            for j in range(k):
                if matrix[i, j]:
                    ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7,
                            color="white" if matrix[i, j] > matrix.max() / 2 else "black")
    return _save(plt, fig, path)


def margins(rows: list[dict[str, Any]], output_label: str, path: Path) -> Path | None:
    values = [(r["margin"], r["correct"]) for r in rows if r["margin"] is not None]
    if len(values) < 2:
        return None
    plt, fig = _figure(5.5, 3.2)
    ax = fig.add_subplot()
    groups = [("right", True, "#186a3b"), ("wrong", False, "#a93226"), ("no target", None, "#888888")]
    bins = np.histogram_bin_edges([m for m, _ in values], bins=30)
    for name, flag, colour in groups:
        chosen = [m for m, c in values if c is flag]
        if chosen:
            ax.hist(chosen, bins=bins, alpha=0.6, label=f"{name} ({len(chosen)})", color=colour)
    ax.set_xlabel(f"margin over the runner-up ({output_label})")
    ax.set_ylabel("predictions")
    ax.legend()
    return _save(plt, fig, path)


def uncertainty(rows: list[dict[str, Any]], path: Path) -> Path | None:
    values = [(r["predictive_entropy"], r["correct"]) for r in rows if r.get("predictive_entropy") is not None]
    if len(values) < 2:
        return None
    plt, fig = _figure(5.5, 3.2)
    ax = fig.add_subplot()
    bins = np.histogram_bin_edges([v for v, _ in values], bins=30)
    for name, flag, colour in (("right", True, "#186a3b"), ("wrong", False, "#a93226"), ("no target", None, "#888")):
        chosen = [v for v, c in values if c is flag]
        if chosen:
            ax.hist(chosen, bins=bins, alpha=0.6, label=f"{name} ({len(chosen)})", color=colour)
    ax.set_xlabel("predictive entropy (nats)")
    ax.set_ylabel("predictions")
    ax.legend()
    return _save(plt, fig, path)


def training_curves(logs: Path | list[Path] | None, path: Path) -> Path | None:
    """Lightning's ``metrics.csv`` (one, or a resumed run's one per attempt, in order): every train/val loss and
    accuracy column against the epoch."""
    logs = [logs] if isinstance(logs, (str, Path)) else list(logs or [])
    table: list[dict[str, str]] = []
    for log in logs:
        if Path(log).is_file():
            with open(log, newline="", encoding="utf-8") as f:
                table += list(csv.DictReader(f))
    columns = sorted({c for row in table for c in row if c.split("/")[-1] in ("loss", "acc")
                      and c.split("/")[0] in ("train", "val")})
    if not columns:
        return None
    plt, fig = _figure(8.0, 3.2)
    axes = {"loss": fig.add_subplot(1, 2, 1), "acc": fig.add_subplot(1, 2, 2)}
    for column in columns:
        points = [(float(r["epoch"]), float(r[column])) for r in table if r.get(column) not in (None, "")
                  and r.get("epoch") not in (None, "")]
        if points:
            by_epoch: dict[float, float] = {}
            for epoch, value in points:
                by_epoch[epoch] = value  # the last value logged in an epoch
            axes[column.split("/")[-1]].plot(list(by_epoch), list(by_epoch.values()), marker=".", label=column)
    for name, ax in axes.items():
        ax.set_xlabel("epoch")
        ax.set_title(name)
        if ax.lines:
            ax.legend(fontsize=7)
    return _save(plt, fig, path)


def plural(noun: str) -> str:
    return noun + ("es" if noun.endswith(("s", "x", "ch", "sh")) else "s")


def matrix(values: list[list[float]], name: str, row_labels: list[str] | None, column_labels: list[str] | None,
           path: Path, row_title: str | None = None, column_title: str | None = None) -> Path | None:
    array = np.asarray(values, dtype=float)
    if array.ndim == 1:
        array = array[None]
    if array.ndim != 2 or max(array.shape) > MAX_MATRIX_SIDE or array.size == 0:
        return None
    plt, fig = _figure(min(12.0, 2 + 0.12 * array.shape[1]), min(10.0, 1.5 + 0.12 * array.shape[0]))
    ax = fig.add_subplot()
    bound = float(np.nanmax(np.abs(array))) or 1.0
    shown = ax.imshow(array, cmap="RdBu_r", vmin=-bound, vmax=bound, aspect="auto", interpolation="nearest")
    fig.colorbar(shown, ax=ax)
    ax.set_title(name)
    if row_labels and len(row_labels) == array.shape[0] and array.shape[0] <= 40:
        ax.set_yticks(range(array.shape[0]), [str(r)[:16] for r in row_labels], fontsize=7)
    if column_labels and len(column_labels) == array.shape[1] and array.shape[1] <= 40:
        ax.set_xticks(range(array.shape[1]), [str(c)[:16] for c in column_labels], rotation=90, fontsize=7)
    if row_title:
        ax.set_ylabel(row_title)
    if column_title:
        ax.set_xlabel(column_title)
    return _save(plt, fig, path)


def certified_accuracy(points: list[tuple[float, float]], norm: str, total: int, path: Path) -> Path | None:
    """The certified accuracy curve: (radius eps, fraction of the ``total`` labelled predictions that are right
    with a certified radius >= eps), a step down at every radius."""
    if not points or total < 1:
        return None
    plt, fig = _figure(5.5, 3.2)
    ax = fig.add_subplot()
    ax.step([e for e, _ in points], [a for _, a in points], where="post", color="#1f5fa8")
    ax.set_xlabel(f"radius eps ({norm})")
    ax.set_ylabel("certified accuracy")
    ax.set_ylim(0, 1.02)
    ax.set_title(f"right and certified at eps, of {total} labelled prediction(s)", fontsize=9)
    ax.grid(alpha=0.3)
    return _save(plt, fig, path)
