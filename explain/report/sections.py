"""The typed sections of a record (concepts, uncertainty, certificate, extras), each drawn by one view.
A family whose records carry a section of their own registers its view here with ``@section_view(name)``;
views are drawn in registration order, after the evidence."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .context import ReportContext
from .html import esc, key_values, labelled, num, table

SectionView = Callable[[dict[str, Any], ReportContext], str]
SECTION_VIEWS: dict[str, tuple[str, SectionView]] = {}  # record key -> (title, view)


def section_view(key: str, title: str):
    def register(fn: SectionView) -> SectionView:
        SECTION_VIEWS[key] = (title, fn)
        return fn
    return register


@section_view("concepts", "Concepts")
def concepts_view(record: dict[str, Any], ctx: ReportContext) -> str:
    section = record["concepts"]
    names = ctx.manifest.get("concept_names") or [f"concept {i}" for i in range(len(section["predicted"]))]
    intervened = set(section.get("intervened") or [])
    columns = [("predicted", section.get("predicted"), "concept value"), ("true", section.get("true"), "label"),
               ("used", section.get("used"), "value the label predictor read"),
               ("contribution", section.get("contributions"), f"part of the {ctx.output_label}"),
               ("effect of flipping", section.get("effects"), f"change of the {ctx.output_label}"),
               ("attention", section.get("attention"), "attention")]
    columns = [c for c in columns if c[1] is not None]
    rows, classes = [], []
    for i, name in enumerate(names):
        cells = [esc(name) + (' <span class="badge warn">intervened</span>' if i in intervened else "")]
        cells += [labelled(values[i], kind, signed=key in ("contribution", "effect of flipping"))
                  for key, values, kind in columns]
        rows.append(cells)
        classes.append("hit" if i in intervened else "")
    note = (f'<p>{len(intervened)} concept(s) set from outside (marked).</p>' if intervened else "")
    return note + table(["concept"] + [c[0] for c in columns], rows, row_classes=classes)


@section_view("uncertainty", "Uncertainty")
def uncertainty_view(record: dict[str, Any], ctx: ReportContext) -> str:
    section = record["uncertainty"]
    unit = str(section.get("entropy_unit") or "nats")  # records before the unit was recorded: natural logarithms
    entropies = {"predictive": "predictive entropy", "aleatoric": "aleatoric entropy",
                 "epistemic": "epistemic: mutual information"}
    labels = {"explanatory": "explanatory uncertainty (overlap of distance densities, 0 to 1)",
              "distance_percentile": "distance percentile among training inputs (%)",
              "samples": "Monte Carlo samples", "seed": "Monte Carlo seed",
              "uninformed": "rests on no prototype the model is sure of"}
    items = []
    for key, value in section.items():
        if value is None or key == "entropy_unit":
            continue
        if key in entropies:
            name = f"{entropies[key]} ({unit})"
            items.append((name, f"{labelled(value, name)} {esc(unit)}"))
        else:
            items.append((labels.get(key, key), esc(value) if isinstance(value, bool) else num(value)))
    if "seed" in section and section.get("seed") is None:
        items.append(("Monte Carlo seed", "none: no samples drawn (the prototypes' modes)"))
    return key_values(items)


@section_view("certificate", "Certified robustness")
def certificate_view(record: dict[str, Any], ctx: ReportContext) -> str:
    section = record["certificate"]
    predicted = ctx.class_name(record["prediction"])
    items = [("certified radius", labelled(section.get("radius"), f"{section.get('norm')} radius")),
             ("norm", esc(section.get("norm")))]
    if section.get("assumption"):
        items.append(("assumes", esc(section["assumption"])))
    text = (f"No input within this {esc(section.get('norm'))} distance of this one changes the prediction "
            f"<b>{esc(predicted)}</b>.")
    if record.get("target") is not None and record["target"] != record["prediction"]:
        text += (f' <span class="bad">The prediction is wrong (the target is {esc(ctx.class_name(record["target"]))}):'
                 f" the radius certifies a wrong class.</span>")
    return f"<p>{text}</p>" + key_values(items)


@section_view("extras", "More from the model")
def extras_view(record: dict[str, Any], ctx: ReportContext) -> str:
    extras = record["extras"]
    return "<details><summary>what the family recorded beyond the evidence</summary>" + key_values(
        (str(k), f"<code>{esc(json.dumps(v)[:2000])}</code>") for k, v in extras.items()) + "</details>"


def render_sections(record: dict[str, Any], ctx: ReportContext) -> list[tuple[str, str, str]]:
    """(anchor, title, html) for every section the record carries."""
    return [(key, title, view(record, ctx)) for key, (title, view) in SECTION_VIEWS.items()
            if record.get(key) not in (None, {}, [])]
