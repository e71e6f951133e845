"""One page per prediction: the input, the prediction against the runner-up, the evidence and the record's
typed sections.

The evidence table shows each unit's part in the explained output and its part in the margin over the
runner-up (the contrast: only that difference decides the prediction). The rows shown are the record's
evidence and the units that move the margin most; every other unit is summed into a labelled remainder row
("other prototypes of class 3", "prototypes of other classes"), so the rows on screen add up to the output and
to the margin shown. Every number is labelled with what it is (the family's declared unit score, the output)."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .context import ReportContext
from .html import esc, img, labelled, link, num, section, table
from .inputs import render_input
from .pictures import unit_picture
from .sections import render_sections

EXTRA_BY_CONTRAST = 5  # units that move the margin most, shown beside the record's own evidence


@dataclass
class UnitFacts:
    """What a family's records say about the units of the evidence table beyond the generic row: what its weight
    column holds (CBC: each component's reasoning, not a weight) and the scores of units shown for their part in
    the margin that the record's evidence does not list."""

    weight_header: str = "weight"
    weights: dict[int, str] = field(default_factory=dict)  # unit -> the weight cell's html
    scores: dict[int, float] = field(default_factory=dict)  # unit -> its score on this input


UNIT_FACTS: dict[str, Callable[[dict[str, Any], ReportContext], UnitFacts]] = {}  # record kind -> facts


def unit_facts(kind: str):
    """Register the ``UnitFacts`` of a kind of record (``@unit_facts("component")``)."""
    def register(fn):
        UNIT_FACTS[kind] = fn
        return fn
    return register


def facts_for(record: dict[str, Any], ctx: ReportContext) -> UnitFacts:
    view = UNIT_FACTS.get(str(record.get("kind")))
    return view(record, ctx) if view else UnitFacts()


def _parts(record: dict[str, Any], key: str) -> dict[int, float]:
    entry = record.get(key) or {}
    return {int(u): float(v) for u, v in zip(entry.get("units", []), entry.get("values", []))}


def shown_units(record: dict[str, Any]) -> list[int]:
    evidence = [int(e["index"]) for e in record.get("evidence", [])]
    contrast = _parts(record, "contrast")
    strongest = sorted(contrast, key=lambda u: (-abs(contrast[u]), u))[:EXTRA_BY_CONTRAST]
    return evidence + [u for u in strongest if u not in evidence]


def evidence_rows(record: dict[str, Any], ctx: ReportContext) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(unit rows, remainder rows): each a dict with the numbers a page shows (the test reads them back)."""
    contributions, contrast = _parts(record, "contributions"), _parts(record, "contrast")
    evidence = {int(e["index"]): e for e in record.get("evidence", [])}
    shown = shown_units(record)
    facts = facts_for(record, ctx)
    units = []
    for u in shown:
        e = evidence.get(u, {})
        score = e.get("score") if e.get("score") is not None else facts.scores.get(u)
        if score is None:
            score = (e.get("details") or {}).get("value")  # programs: the value the variable holds
        units.append({"unit": u, "name": e.get("unit") or ctx.unit_name(u), "score": score,
                      "weight": e.get("weight"), "contribution": contributions.get(u, 0.0),
                      "contrast": contrast.get(u, 0.0) if "contrast" in record else None,
                      "absent": ctx.unit_score.is_absent(score), "weight_html": facts.weights.get(u)})
    groups: dict[str, dict[str, Any]] = defaultdict(lambda: {"contribution": 0.0, "contrast": 0.0, "count": 0})
    rest = (set(contributions) | set(contrast)) - set(shown)
    for u in sorted(rest):
        group = groups[ctx.unit_group(u, record["explained_class"], record.get("runner_up"))]
        group["contribution"] += contributions.get(u, 0.0)
        group["contrast"] += contrast.get(u, 0.0)
        group["count"] += 1
    remainders = [{"name": f"{name} ({g['count']})", **g} for name, g in sorted(groups.items())]
    return units, remainders


def _bar(value: float | None, scale: float) -> str:
    if value is None or not scale or not math.isfinite(value):
        return ""
    width = max(1, round(60 * min(1.0, abs(value) / scale)))
    return f'<span class="bar {"pos" if value >= 0 else "neg"}" style="width:{width}px"></span>'


def evidence_table(record: dict[str, Any], ctx: ReportContext) -> str:
    units, remainders = evidence_rows(record, ctx)
    score = ctx.unit_score
    explained, runner = ctx.class_name(record["explained_class"]), ctx.class_name(record.get("runner_up"))
    has_contrast = "contrast" in record
    overlays = (record.get("assets") or {}).get("overlays") or {}
    scale = max([abs(r["contrast"] or 0.0) for r in units + remainders] + [1e-12])
    sums_to = record.get("sums_to")  # the parts add up to another number than the output (e.g. a mean logit)
    summed = sums_to["name"] if sums_to else ctx.output_label
    header = ["unit", ctx.picture_label, "on this input", score.heading, facts_for(record, ctx).weight_header,
              f"part of the {summed} of {explained}"]
    if has_contrast:
        header.append(f"part of the margin over {runner}")
    rows, classes = [], []
    for r in units:
        u = r["unit"]
        pic = unit_picture(ctx, u, r["name"], up="../")
        overlay = overlays.get(str(u))
        if r["absent"]:
            where = f'<span class="note">absent ({esc(score.name)} below {num(score.absent_below)})</span>'
        else:
            where = img(f"../{overlay}", f"{r['name']} on this input", "thumb") if overlay else ""
        weight = r["weight_html"] if r["weight_html"] is not None else labelled(r["weight"], "weight")
        atlas = ctx.unit_pages.get(u)  # the unit's atlas page (top-activating contexts), where the export wrote one
        name = link(f"../units/{atlas}", esc(r["name"])) if atlas else esc(r["name"])
        cells = [name, pic, where, labelled(r["score"], score.name), weight,
                 labelled(r["contribution"], f"part of the {summed}", signed=True)]
        if has_contrast:
            cells.append(labelled(r["contrast"], "part of the margin", signed=True) + " " + _bar(r["contrast"], scale))
        rows.append(cells)
        classes.append("absent" if r["absent"] else "")
    for g in remainders:
        cells = [esc(g["name"]), "", "", "", "", labelled(g["contribution"], f"part of the {summed}", signed=True)]
        if has_contrast:
            cells.append(labelled(g["contrast"], "part of the margin", signed=True) + " " + _bar(g["contrast"], scale))
        rows.append(cells)
        classes.append("group")
    bias = ["bias", "", "", "", "", labelled(record.get("bias"), "bias", signed=True)]
    total = [f"{esc(summed)} of {esc(explained)}", "", "", "", "",
             labelled(sums_to["value"] if sums_to else record["value"], summed)]
    if has_contrast:
        bias.append(labelled(record["contrast"].get("bias"), "bias's part of the margin", signed=True))
        total[0] += f" and margin over {esc(runner)}"
        total.append(labelled(sums_to["margin"] if sums_to else record.get("margin"), f"margin of the {summed}",
                              signed=True))
    rows += [bias, total]
    classes += ["group", "total"]
    header, rows = _drop_empty_columns(header, rows, len(units), columns=(1, 2, 3, 4))
    notes = []
    if score.about:
        notes.append(esc(score.about))
    if score.distance:
        notes.append(f"A {esc(score.name)} is lower for a closer unit: a high value means the input is far from it.")
    if sums_to:
        margin = (f", margin {labelled(record.get('margin'), 'margin of the ' + ctx.output_label, signed=True)} over "
                  f"{esc(runner)}" if has_contrast else "")
        notes.append(f"The rows add up to the {esc(summed)} (up to rounding in the last digit shown). The "
                     f"{esc(ctx.output_label)} of {esc(explained)} is "
                     f'<span class="output-value">{labelled(record["value"], ctx.output_label)}</span>{margin}: it '
                     f"is not a sum of the rows ({esc(record.get('exact'))}).")
    elif not record.get("complete", True):
        notes.append(f'<span class="warn">Not complete: {esc(record.get("exact"))}.</span>')
    else:
        notes.append("The rows add up to the total (up to rounding in the last digit shown).")
    return table(header, rows, cls="evidence", row_classes=classes) + "".join(f'<p class="note">{n}</p>' for n in notes)


def _drop_empty_columns(header: list[str], rows: list[list[str]], unit_rows: int,
                        columns: tuple[int, ...]) -> tuple[list[str], list[list[str]]]:
    """Leave out the picture / map / score / weight columns no unit row fills (a family without pictures or
    read-out weights): an empty column would suggest something is missing."""
    empty = {c for c in columns if all(_blank(row[c]) for row in rows[:unit_rows])}
    keep = [c for c in range(len(header)) if c not in empty]
    return [header[c] for c in keep], [[row[c] for c in keep] for row in rows]


def _blank(cell: str) -> bool:
    return cell == "" or (cell.startswith('<span class="n"') and cell.endswith(">—</span>"))


def verdict(record: dict[str, Any], ctx: ReportContext) -> str:
    predicted = ctx.class_name(record["prediction"])
    top = {int(t["class"]): t for t in record.get("top", [])}
    p = top.get(record["prediction"], {}).get("probability")
    if ctx.output_is_distribution:
        text = f"Predicted <b>{esc(predicted)}</b> (probability {labelled(p, 'probability', 3)})"
    else:  # the outputs are no distribution (CBC's agreements): the predicted class's own output, by its name
        shown = top.get(record["prediction"], {}).get("output")
        text = f"Predicted <b>{esc(predicted)}</b> ({esc(ctx.output_label)} {labelled(shown, ctx.output_label, 3)})"
    if record.get("target") is not None:
        right = record["target"] == record["prediction"]
        text += (f', target <b>{esc(ctx.class_name(record["target"]))}</b> '
                 f'<span class="badge {"ok" if right else "bad"}">{"right" if right else "wrong"}</span>')
    if record["explained_class"] != record["prediction"]:
        text += f"; explained: class <b>{esc(ctx.class_name(record['explained_class']))}</b> (the target)"
    if record.get("runner_up") is not None:
        text += (f". Runner-up <b>{esc(ctx.class_name(record['runner_up']))}</b>; margin "
                 f"{labelled(record.get('margin'), 'margin of the ' + ctx.output_label, signed=True)} "
                 f"({esc(ctx.output_label)}).")
    if not ctx.output_is_distribution:
        rows = [[esc(ctx.class_name(int(t["class"]))), labelled(t["output"], ctx.output_label)]
                for t in record.get("top", [])]
        return f"<p>{text}</p>" + table(["class", ctx.output_label], rows, caption="highest outputs")
    rows = [[esc(ctx.class_name(int(t["class"]))), labelled(t["output"], ctx.output_label),
             labelled(t["probability"], "probability", 3)] for t in record.get("top", [])]
    return f"<p>{text}</p>" + table(["class", ctx.output_label, "probability"], rows, caption="highest outputs")


def prediction_page(record: dict[str, Any], ctx: ReportContext, number: int, total: int,
                    previous: str | None, following: str | None) -> tuple[str, list[tuple[str, str]]]:
    """(body, toc) of a record's page; links are relative to ``predictions/``."""
    parts = [section("input", "Input", render_input(record, ctx)),
             section("prediction", "Prediction", verdict(record, ctx)),
             section("evidence", "Evidence", evidence_table(record, ctx),
                     f"What each {esc(ctx.role())} adds to the output, and to the margin that decides it.")]
    toc = [("input", "Input"), ("prediction", "Prediction"), ("evidence", "Evidence")]
    for anchor, title, body in render_sections(record, ctx):
        parts.append(section(anchor, title, body))
        toc.append((anchor, title))
    raw = esc(json.dumps(record)[:200_000])
    parts.append(section("record", "The record", f"<details><summary>as exported (JSONL)</summary><pre>{raw}</pre>"
                                                  f"</details>"))
    toc.append(("record", "Record"))
    steps = [f"prediction {number} of {total}"]
    if previous:
        steps.append(link(previous, "previous"))
    if following:
        steps.append(link(following, "next"))
    return f'<p class="note">{" · ".join(steps)}</p>' + "".join(parts), toc
