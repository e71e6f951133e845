"""Prototype networks (ProtoPNet, the prototype autoencoder, Prob-PSENN) on the global page: how a prototype moves
a class in the model's own terms (a similarity or a distance), how many prototypes were projected onto background
and by which criterion, the prototypes class by class where there are too many for the table, and Prob-PSENN's
decoded samples of each prototype distribution. Everything is read from the export's global explanation and
unit pictures."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...images import write_bytes
from ...render import render_image
from ..context import ReportContext
from ..global_page import MAX_UNITS_OPEN, global_view
from ..html import esc, img
from ..pictures import unit_badges, unit_picture


def _is_prototype_model(ctx: ReportContext) -> bool:
    return ctx.manifest.get("kind") == "prototype" and bool(ctx.units)


def _reading(ctx: ReportContext) -> str:
    """How a prototype moves a class, in the model's own terms (its declared unit score)."""
    score = ctx.unit_score
    if score.distance:
        return (f"<p>A prototype's score is a {esc(score.name)} (lower = closer), and its part in a class's output is "
                f"that distance times its weight. So a prototype favours, by closeness, the class it weighs least "
                f"(the table's lowest weight), and by distance the class it weighs most: a far prototype can move a "
                f"prediction as much as a near one. Its picture shows the prototype, not a part of any input.</p>")
    return (f"<p>A prototype's score is a {esc(score.name)} (higher = closer), and its part in a class's output is "
            f"that score times its weight.</p>")


def _background(ctx: ReportContext) -> str:
    criterion = ctx.global_details.get("background_criterion")
    if not criterion:
        return ""
    flagged = sum(1 for u in ctx.units if "background" in ctx.unit_flags(u))
    return (f'<p><span class="badge warn">background patch</span> <span id="background-count">{flagged}</span> of '
            f"{len(ctx.units)} prototype(s) come from a training patch of background only: {esc(criterion)}. Their "
            f"pictures look empty because the patch is; what they match is empty space.</p>")


def _by_class(ctx: ReportContext) -> str:
    by_class: dict[Any, list[int]] = {}
    for u, unit in sorted(ctx.units.items()):
        by_class.setdefault(unit.get("class_index"), []).append(u)
    parts = []
    for owner, units in sorted(by_class.items(), key=lambda item: (item[0] is None, item[0] or 0)):
        name = "no class" if owner is None else f"class {ctx.class_name(owner)}"
        figures = []
        for u in units:
            picture = unit_picture(ctx, u, ctx.unit_name(u)) or unit_badges(ctx, u)
            figures.append(f'<div class="proto" data-unit="{u}" style="display:inline-block;vertical-align:top;'
                           f'margin:0 .6em .6em 0;font-size:.8em"><div>{esc(ctx.unit_name(u))}</div>{picture}</div>')
        parts.append(f"<h3>{esc(name)} ({len(units)})</h3>{''.join(figures)}")
    return "".join(parts)


@global_view("prototypes_by_class")
def prototypes_by_class(ctx: ReportContext) -> tuple[str, str] | None:
    """The reading and the background count always; the gallery by class where the table is folded."""
    if not _is_prototype_model(ctx):
        return None
    many = len(ctx.units) > MAX_UNITS_OPEN
    body = _reading(ctx) + _background(ctx) + (_by_class(ctx) if many else "")
    return ("Prototypes by class" if many else "Reading the prototypes"), body


def _strip(samples: list) -> np.ndarray | None:
    """Decoded samples (K, H, W) side by side, one blank column between them: (H, K (W + 1) - 1) in [0, 1]."""
    array = np.asarray(samples, dtype=np.float32)
    if array.ndim != 3 or array.size == 0:
        return None
    k, h, w = array.shape
    strip = np.ones((h, k * (w + 1) - 1), dtype=np.float32)
    for i in range(k):
        strip[:, i * (w + 1):i * (w + 1) + w] = array[i]
    return np.clip(strip, 0, 1)


@global_view("prototype_samples")
def prototype_samples(ctx: ReportContext) -> tuple[str, str] | None:
    """Prob-PSENN: a prototype is a distribution; its samples, decoded, show how much it varies."""
    if not _is_prototype_model(ctx) or not any((u.get("details") or {}).get("decoded_samples") for u in
                                                ctx.units.values()):
        return None
    rows = []
    for u, unit in sorted(ctx.units.items()):
        strip = _strip((unit.get("details") or {}).get("decoded_samples") or [])
        if strip is None:
            continue
        path = ctx.root / "plots" / f"prototype_{u}_samples.png"
        write_bytes(path, render_image(strip))
        mode = unit_picture(ctx, u, ctx.unit_name(u))
        rows.append(f"<tr><th>{esc(ctx.unit_name(u))}</th><td>{mode}</td><td><figure>"
                    f"{img(f'plots/{path.name}', f'{ctx.unit_name(u)}: decoded samples', 'samples')}"
                    f"<figcaption>decoded samples</figcaption></figure></td></tr>")
    what = ctx.global_details.get("decoded_samples")
    note = f'<p class="note">{esc(what)}.</p>' if isinstance(what, str) else ""
    return ("Samples of the prototype distributions",
            f"{note}<table><thead><tr><th>prototype</th><th>{esc(ctx.picture_label)}</th><th>samples</th></tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table>")


__all__ = ["prototype_samples", "prototypes_by_class"]
