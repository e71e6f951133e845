"""Concept models (CBM in its modes, CEM, Concept Transformer, Concept-Centric Transformer): the concept section of
a prediction page, and on the global page the concept-to-class weights as a labelled matrix and the intervention
curve measured at release.

A prediction is decided by the margin over the runner-up, not by the size of a logit: a concept can add a lot to
every class's logit alike (then it cancels in the margin and decides nothing). So the concept table leads with
each concept's part in the margin (sorted by it), beside its part in the explained class's logit and in the
runner-up's. Concept i is unit i in every concept family, so a concept's part in the margin is the record's
contrast of unit i. Everything drawn here is read from the record, the manifest (the card) and the global
explanation."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import global_page, plots
from ..context import ReportContext
from ..global_page import global_view
from ..html import esc, img, labelled, num, table
from ..sections import section_view

SHOWN_IN_LEAD = 3  # concepts named in the sentence that leads the section
MAX_NUMBERED_CELLS = 36  # a patch map writes its numbers in its cells up to this many cells (a 6 x 6 grid)
MAX_HEADS_SHOWN = 4  # concept transformers: per-head values listed up to this many heads, else their mean
MAX_CLASS_COLUMNS = 24  # a weight table gives each class a column up to this many classes
MAX_WEIGHT_ROWS = 600  # rows of a weight table (a hybrid CBM's extra units can be hundreds)
COLOURS = "Blue is positive, red negative; the deeper the colour, the larger the number (one scale per table)."
# The matrices this view draws labelled, so the global page's generic (unlabelled) heat maps leave them out.
global_page.FAMILY_MATRICES["concept"] = {"concept_to_class", "bias", "label_predictor"} | {
    f"{stream}_concept_to_class_per_head" for stream in ("global", "spatial", "unsupervised")}

STYLE = """<style>
.pmaps{display:flex;flex-wrap:wrap;gap:.8em}
.pmap{position:relative;width:168px;height:168px;border:1px solid #999}
.pmap img{position:absolute;inset:0;width:100%;height:100%;image-rendering:pixelated;filter:grayscale(35%)}
.pmap .cells{position:absolute;inset:0;display:grid}
.pmap .cell{display:flex;align-items:center;justify-content:center;font-size:10px;color:#111;
  border:1px solid rgba(255,255,255,.25);text-shadow:0 0 2px #fff,0 0 2px #fff}
</style>"""


def _parts(record: dict[str, Any], key: str) -> dict[int, float]:
    entry = record.get(key) or {}
    return {int(u): float(v) for u, v in zip(entry.get("units", []), entry.get("values", []))}


def _names(section: dict[str, Any], ctx: ReportContext) -> list[str]:
    count = len(section["predicted"])
    names = list(ctx.manifest.get("concept_names") or [])
    return names + [f"concept {i}" for i in range(len(names), count)]


def concept_rows(record: dict[str, Any], ctx: ReportContext) -> list[dict[str, Any]]:
    """One dict per concept with every number the table shows, sorted by the size of its part in the margin
    (the test reads them back)."""
    section = record["concepts"]
    names = _names(section, ctx)
    contrast = _parts(record, "contrast") if "contrast" in record else None
    intervened = list(section.get("intervened") or [])
    set_to = dict(zip(intervened, section.get("intervened_values") or []))

    def at(key: str, i: int) -> Any:
        values = section.get(key)
        return None if values is None or i >= len(values) else values[i]

    rows = []
    for i, name in enumerate(names):
        contribution = at("contributions", i)
        margin = None if contrast is None else contrast.get(i, 0.0)
        runner = None if margin is None or contribution is None else contribution - margin
        rows.append({"concept": i, "name": name, "margin": margin, "contribution": contribution,
                     "runner_up": runner, "predicted": at("predicted", i), "true": at("true", i),
                     "used": at("used", i), "effect": at("effects", i), "attention": at("attention", i),
                     "before": at("contributions_before", i), "intervened": i in intervened,
                     "set_to": set_to.get(i)})
    key = "margin" if contrast is not None else "contribution"
    return sorted(rows, key=lambda r: (-abs(r[key] or 0.0), r["concept"]))


def lead(record: dict[str, Any], rows: list[dict[str, Any]], ctx: ReportContext) -> str:
    """The sentence the section starts with: the margin, and the concepts that move it most."""
    explained, runner = ctx.class_name(record["explained_class"]), ctx.class_name(record.get("runner_up"))
    out = esc(ctx.output_label)
    if record.get("margin") is None or rows[0]["margin"] is None:
        return ""
    movers = ", ".join(f"<b>{esc(r['name'])}</b> {labelled(r['margin'], 'part of the margin', signed=True)}"
                       for r in rows[:SHOWN_IN_LEAD])
    ahead = "ahead of" if record["margin"] >= 0 else "behind"
    # what the concepts add up to, so a page never suggests they carry a margin that other units carry
    together = sum(r["margin"] for r in rows)
    bias = (record.get("contrast") or {}).get("bias") or 0.0
    rest = record["margin"] - together - bias
    split = (f"Together the concepts add {labelled(together, 'the concepts part of the margin', signed=True)} to it, "
             f"the bias {labelled(bias, 'the bias part of the margin', signed=True)}")
    if abs(rest) > 1e-9 * max(1.0, abs(record["margin"])):
        split += (f", and units that are not concepts (a hybrid model's extra units, unsupervised concepts) "
                  f"{labelled(rest, 'the other units part of the margin', signed=True)}")
    return (f"<p>The margin decides: <b>{esc(explained)}</b> is {ahead} <b>{esc(runner)}</b> by "
            f"{labelled(record['margin'], 'margin', signed=True)} ({out}). The concepts that move this margin most: "
            f"{movers}. {split}.</p><p class=\"note\">A concept's part in the {out} of {esc(explained)} alone says "
            f"little: a concept that adds as much to the {out} of {esc(runner)} cancels in the margin. Rows are "
            f"sorted by the size of their part in the margin; that part is the difference of the next two "
            f"columns.</p>")


def intervention(record: dict[str, Any], rows: list[dict[str, Any]], ctx: ReportContext) -> str:
    """What the concepts set from outside changed: the prediction, the explained output and the margin, before
    and after, and each set concept's value and part."""
    section = record["concepts"]
    intervened = section.get("intervened") or []
    if not intervened:
        return ""
    out = ctx.output_label
    explained, runner = record["explained_class"], record.get("runner_up")
    set_rows = [r for r in sorted(rows, key=lambda r: r["concept"]) if r["intervened"]]
    listed = "; ".join(f"<b>{esc(r['name'])}</b> (predicted {labelled(r['predicted'], 'concept probability')}, "
                       f"set to {labelled(r['set_to'], 'value set from outside')})" for r in set_rows)
    text = f"<p>{len(set_rows)} concept(s) set from outside (marked in the table): {listed}.</p>"
    before = section.get("outputs_before")
    if before is None:
        return text + '<p class="note">The record holds no outputs from before the intervention.</p>'
    after_value = record["value"]
    before_value = before[explained]
    changes = [["prediction", esc(ctx.class_name(section.get("prediction_before"))),
                esc(ctx.class_name(record["prediction"]))],
               [f"{out} of {ctx.class_name(explained)}", labelled(before_value, out), labelled(after_value, out)]]
    if runner is not None:
        changes.append([f"margin over {ctx.class_name(runner)}",
                        labelled(before_value - before[runner], "margin", signed=True),
                        labelled(record.get("margin"), "margin", signed=True)])
    for r in set_rows:
        changes.append([f"{r['name']}: its part of the {out} of {ctx.class_name(explained)}",
                        labelled(r["before"], f"part of the {out}", signed=True),
                        labelled(r["contribution"], f"part of the {out}", signed=True)])
    changed = section.get("prediction_before") != record["prediction"]
    moved = labelled(after_value - before_value, "change", signed=True)
    verdict = ('<p><span class="badge warn">the intervention changed the prediction</span></p>' if changed else
               f'<p class="note">The prediction is the same; the {esc(out)} of {esc(ctx.class_name(explained))} '
               f'moved by {moved}.</p>')
    body = table(["", "before the intervention", "after"], [[esc(c[0]), c[1], c[2]] for c in changes],
                 caption="what setting the concepts changed")
    return text + verdict + body


def concept_table(record: dict[str, Any], rows: list[dict[str, Any]], ctx: ReportContext) -> str:
    section = record["concepts"]
    out = ctx.output_label
    explained, runner = ctx.class_name(record["explained_class"]), ctx.class_name(record.get("runner_up"))
    attention_only = section.get("attention") is not None  # a concept transformer: attention is its concept output
    has = {key: any(r[key] is not None for r in rows) for key in rows[0]} if rows else {}
    columns: list[tuple[str, str, str, bool]] = []  # (row key, header, what the number is, signed)
    if has.get("margin"):
        columns.append(("margin", f"part of the margin over {runner}", "part of the margin", True))
    columns.append(("contribution", f"part of the {out} of {explained}", f"part of the {out}", True))
    if has.get("margin"):
        columns.append(("runner_up", f"part of the {out} of {runner}", f"part of the {out} of the runner-up", True))
    if attention_only:
        columns.append(("attention", "attention", "attention (mean over heads and patches)", False))
    else:
        columns.append(("predicted", "predicted probability", "concept probability", False))
    if has.get("true"):
        columns.append(("true", "true", "label", False))
    if has.get("set_to"):
        columns.append(("set_to", "set to", "value set from outside", False))
    read_as_predicted = all(r["used"] == r["predicted"] for r in rows)  # a probability read as it is: said once
    if has.get("used") and not attention_only and not read_as_predicted:
        columns.append(("used", "read by the label predictor", "value the label predictor read", False))
    if has.get("effect"):
        columns.append(("effect", f"effect of flipping on the {out} of {explained}", f"change of the {out}", True))
    body, classes = [], []
    for r in rows:
        name = esc(r["name"]) + (' <span class="badge warn">set from outside</span>' if r["intervened"] else "")
        wrong = (not attention_only and r["true"] is not None and r["predicted"] is not None
                 and (r["predicted"] > 0.5) != (r["true"] > 0.5))
        cells = [name]
        for key, _, kind, signed in columns:
            cell = labelled(r[key], kind, signed=signed)
            if key == "margin":
                cell += " " + _bar(r[key], max(abs(x["margin"] or 0.0) for x in rows))
            if key == "predicted" and wrong:
                cell = f'<span class="bad" title="on the other side of 0.5 from its label">{cell}</span>'
            cells.append(cell)
        body.append(cells)
        classes.append(" ".join(c for c in ("hit" if r["intervened"] else "", "miss" if wrong else "") if c))
    notes = []
    if not record.get("complete", True):
        notes.append(f'<span class="warn">These parts do not add up exactly: {esc(record.get("exact"))}.</span>')
    if any("miss" in c for c in classes):
        notes.append("A predicted probability on the other side of 0.5 from the concept's label is shown in red.")
    if has.get("effect"):
        notes.append(f"Effect of flipping: how the {esc(out)} of {esc(explained)} changes when that concept alone is "
                     f"set to the opposite of its current value (an intervention).")
    if attention_only:
        notes.append("Attention is how much the model reads a concept; a concept's part is its attention times its "
                     "value for the class, summed over heads and patches.")
    header = ["concept"] + [c[1] for c in columns]
    html = table(header, body, cls="concepts", row_classes=classes)
    return html + "".join(f'<p class="note">{n}</p>' for n in notes)


def _bar(value: float | None, scale: float) -> str:
    if value is None or not scale or not math.isfinite(value):
        return ""
    width = max(1, round(60 * min(1.0, abs(value) / scale)))
    return f'<span class="bar {"pos" if value >= 0 else "neg"}" style="width:{width}px"></span>'


def _cell_colour(value: float, scale: float) -> str:
    alpha = 0.0 if not scale else min(1.0, abs(value) / scale) * 0.85
    rgb = "31,95,168" if value >= 0 else "176,58,46"  # the report's --pos / --neg
    return f"background:rgba({rgb},{alpha:.3f})"


def patch_maps(record: dict[str, Any], rows: list[dict[str, Any]], ctx: ReportContext) -> str:
    """Each spatial concept's part in the margin, patch by patch, over the input: signed, on one scale for every
    map of the page, and adding up to the concept's row of the table."""
    maps = record["concepts"].get("patch_contrast") or {}
    if not maps:
        return ""
    explained, runner = ctx.class_name(record["explained_class"]), ctx.class_name(record.get("runner_up"))
    picture = (record.get("assets") or {}).get("input")
    order = [r for r in rows if str(r["concept"]) in maps]
    # Full colour at the strongest cell, or where one patch carries its even share of the whole margin if that is
    # more: maps of concepts that barely move the margin stay pale instead of being stretched to full colour.
    strongest = max((abs(v) for m in maps.values() for line in m for v in line), default=0.0)
    cells_per_map = max(len(m) * len(m[0]) for m in maps.values())
    scale = max(strongest, abs(record.get("margin") or 0.0) / cells_per_map)
    figures = []
    for r in order:
        grid = maps[str(r["concept"])]
        h, w = len(grid), len(grid[0]) if grid else 0
        numbered = h * w <= MAX_NUMBERED_CELLS
        cells = []
        for y, line in enumerate(grid):
            for x, value in enumerate(line):
                title = f"patch (row {y + 1}, column {x + 1}): {num(value, signed=True)} part of the margin"
                text = num(value, 2, signed=True) if numbered and abs(value) >= 0.005 else ""
                cells.append(f'<span class="cell" style="{_cell_colour(value, scale)}" title="{esc(title)}" '
                             f'data-value="{value!r}">{text}</span>')
        layout = f"grid-template-columns:repeat({w},1fr);grid-template-rows:repeat({h},1fr)"
        under = img(f"../{picture}", "the input", "") if picture else ""
        total = sum(v for line in grid for v in line)
        figures.append(f'<figure data-concept="{r["concept"]}"><div class="pmap">{under}<div class="cells" '
                       f'style="{layout}">{"".join(cells)}</div></div><figcaption>{esc(r["name"])}: '
                       f'{labelled(total, "part of the margin (sum of the cells)", signed=True)}</figcaption></figure>')
    built = (record.get("extras") or {}).get("concepts_from_memory") or []
    memory = (" The spatial concepts come from this input's concept memory, so a concept's value for a class is "
              "computed from the input too." if "spatial" in built else "")
    note = (f"Each map is a spatial concept's part in the margin of <b>{esc(explained)}</b> over "
            f"<b>{esc(runner)}</b>, patch by patch: the patch's attention to the concept times the concept's value "
            f"for {esc(explained)} minus its value for {esc(runner)} (summed over heads, divided by the number of "
            f"patches). Blue cells push toward {esc(explained)}, red toward {esc(runner)}, on one colour scale for "
            f"every map: full colour at {num(scale)} (the strongest cell, or the margin shared evenly over the "
            f"patches if that is more). The cells add up to the concept's part of the margin "
            f"in the table. These are not attention maps: a patch that attends to a concept adds that concept's "
            f"value whether or not the concept is in the patch, so a concept's part may come from the background."
            f"{memory} Global concepts are read by one global query and have no map.")
    return (f'<h3>Where each spatial concept\'s part comes from</h3><p class="note">{note}</p>'
            f'<div class="pmaps">{"".join(figures)}</div>')


@section_view("concepts", "Concepts")
def concepts_view(record: dict[str, Any], ctx: ReportContext) -> str:
    rows = concept_rows(record, ctx)
    if not rows:
        return '<p class="note">The record names no concept.</p>'
    return (STYLE + lead(record, rows, ctx) + intervention(record, rows, ctx) + concept_table(record, rows, ctx)
            + patch_maps(record, rows, ctx))


# ---- the global page --------------------------------------------------------------------------------------------
def _weight_table(row_names: list[str], class_names: list[str], values: np.ndarray, what: str,
                  extra: list[tuple[str, list[Any]]] = ()) -> str:
    """Rows (concepts) x classes, each cell a labelled number on a shared signed colour scale. With many classes,
    each row lists its largest and smallest values by class instead of a column per class."""
    scale = float(np.nanmax(np.abs(values))) if values.size else 0.0
    wide = len(class_names) > MAX_CLASS_COLUMNS

    def cell(v: float, label: str = "") -> str:
        return (f'<span style="{_cell_colour(v, scale)};display:block;padding:0 .3em">{esc(label)}'
                f'{labelled(v, what, signed=True)}</span>')

    body = []
    for i, name in enumerate(row_names[:MAX_WEIGHT_ROWS]):
        row = values[i]
        if wide:
            order = np.argsort(-row, kind="stable")
            cells = [esc(name), "".join(cell(float(row[c]), f"{class_names[c]}: ") for c in order[:3]),
                     "".join(cell(float(row[c]), f"{class_names[c]}: ") for c in order[::-1][:3])]
        else:
            cells = [esc(name)] + [cell(float(v)) for v in row]
        body.append(cells + [labelled(column[i], label) for label, column in extra])
    header = ["concept"] + (["largest", "smallest"] if wide else list(class_names)) + [e[0] for e in extra]
    more = len(row_names) - len(body)
    note = (f'<p class="note">{more} more row(s) and every class are in global_explanation.json.</p>' if more else
            '<p class="note">Every class is in global_explanation.json.</p>' if wide else "")
    return table(header, body, cls="weights") + note


def _cbm_weights(ctx: ReportContext, explanation: dict[str, Any]) -> str:
    matrices = explanation.get("matrices") or {}
    weights = np.asarray(matrices["concept_to_class"], dtype=float).T  # (units, classes)
    names = [ctx.unit_name(u) for u in range(len(weights))]
    details = explanation.get("details") or {}
    extra = []
    if details.get("concept_activation") == "logits":
        k = len(details.get("intervention_low") or [])
        pad = [None] * (len(names) - k)
        extra = [("a concept set to 0 reads", list(details["intervention_low"]) + pad),
                 ("set to 1 reads", list(details["intervention_high"]) + pad)]
    read = {"logits": "its logit", "sigmoid": "its probability", "bool": "1 if its probability is above 0.5, else 0"}
    html = _weight_table(names, ctx.class_names, weights, "weight", extra)
    if "bias" in matrices and len(ctx.class_names) <= MAX_CLASS_COLUMNS:
        bias = np.asarray(matrices["bias"], dtype=float)
        html += table(["bias"] + ctx.class_names, [["bias"] + [labelled(float(b), "bias", signed=True) for b in bias]])
    note = (f"logit of a class = sum over concepts of weight x what the label predictor reads for the concept "
            f"({read.get(details.get('concept_activation'), 'its value')}) + the class's bias. Only the difference "
            f"of a concept's weights between two classes moves the margin between them. {COLOURS}")
    if extra:
        note += (" The last two columns are what the label predictor reads for a concept set from outside: the 5th "
                 "and 95th percentile of its training logits.")
    return f'<p class="note">{esc(note)}</p>' + html


def _cem_weights(ctx: ReportContext, explanation: dict[str, Any]) -> str:
    units = [u for u in explanation.get("units", []) if (u.get("details") or {}).get("weight_norm_per_class")]
    if not units:
        return ""
    norms = np.asarray([u["details"]["weight_norm_per_class"] for u in units], dtype=float)
    note = ("A concept embedding model has no single weight per concept and class: the label predictor reads each "
            "concept's mixed embedding (m numbers). Shown: the length (L2 norm) of the label predictor's weights on a "
            "concept's embedding for each class, how strongly the class can read the concept at all (unsigned). A "
            "concept's signed part in a prediction is in that prediction's record; f's weights themselves (classes x "
            "concepts x m) are in global_explanation.json. " + COLOURS)
    return f'<p class="note">{esc(note)}</p>' + _weight_table([str(u["name"]) for u in units], ctx.class_names,
                                                              norms, "weight norm")


def _ct_weights(ctx: ReportContext, explanation: dict[str, Any]) -> str:
    matrices = explanation.get("matrices") or {}
    parts = []
    for stream in ("global", "spatial", "unsupervised"):
        values = matrices.get(f"{stream}_concept_to_class_per_head")
        if values is None:
            continue
        per_head = np.asarray(values, dtype=float)  # (H, n, C)
        units = [u for u in explanation.get("units", []) if u.get("role") == f"{stream} concept"]
        names = [str(u["name"]) for u in units]
        heads = per_head.shape[0]
        if heads <= MAX_HEADS_SHOWN:
            rows = [f"{n} (head {h + 1})" for n in names for h in range(heads)]
            grid = per_head.transpose(1, 0, 2).reshape(-1, per_head.shape[2])
        else:
            rows, grid = [f"{n} (mean of {heads} heads)" for n in names], per_head.mean(0)
        parts.append(f"<h3>{esc(stream)} concepts</h3>" + _weight_table(rows, ctx.class_names, grid, "value"))
    if not parts:
        return ('<p class="note">This model builds its concepts from each input (a concept memory): a concept has no '
                'fixed value for a class; each prediction\'s record holds its exact parts.</p>')
    note = ("A concept's value for a class, per attention head (the projection of the concept's value vector). A "
            "concept's part in a logit is its attention x this value, summed over heads (and averaged over the "
            "patches for a spatial concept). The attention is the same for every class, so only the difference of "
            "a concept's values between two classes moves the margin between them: a concept with a large value for "
            "every class adds to every logit and decides nothing. " + COLOURS)
    missing = [s for s in (explanation.get("details") or {}).get("streams", [])
               if f"{s}_concept_to_class_per_head" not in matrices]
    if missing:
        note += (f" The {', '.join(missing)} concepts come from each input's concept memory: no fixed values "
                 f"(their parts are in the records).")
    return f'<p class="note">{esc(note)}</p>' + "".join(parts)


@global_view("concept_weights")
def concept_weights(ctx: ReportContext) -> tuple[str, str] | None:
    explanation = ctx.global_explanation or {}
    if explanation.get("kind") != "concept":
        return None
    matrices = explanation.get("matrices") or {}
    if "concept_to_class" in matrices:
        standard = (explanation.get("details") or {}).get("mode") == "standard"
        return ("Bottleneck-to-class weights (a standard model: its units are not concepts)" if standard else
                "Concept-to-class weights"), _cbm_weights(ctx, explanation)
    if any(name.endswith("_concept_to_class_per_head") for name in matrices) or \
            "streams" in (explanation.get("details") or {}):
        return "Concept values per class", _ct_weights(ctx, explanation)
    body = _cem_weights(ctx, explanation)
    return ("How strongly each class reads each concept", body) if body else None


# ---- the intervention curve ------------------------------------------------------------------------------------
def curve_plot(curves: dict[str, Any], path) -> Any:
    plt, fig = plots._figure(5.5, 3.4)
    ax = fig.add_subplot()
    for policy, curve in curves.items():
        groups = np.asarray(curve["groups"], dtype=float)
        mean = np.asarray(curve["accuracy_mean"], dtype=float)
        std = np.asarray(curve.get("accuracy_std") or np.zeros_like(mean), dtype=float)
        orders = curve.get("orders")
        ax.plot(groups, mean, marker=".", label=f"{policy}" + (f" (mean of {orders} orders)" if orders and orders > 1
                                                                 else ""))
        if orders and orders > 1:
            ax.fill_between(groups, mean - std, mean + std, alpha=0.2)
    ax.set_xlabel("concept groups set to their true values")
    ax.set_ylabel("task accuracy")
    inputs = {c.get("inputs") for c in curves.values()} - {None}
    ax.set_title("measured at release" + (f" on {inputs.pop()} test inputs" if len(inputs) == 1 else ""))
    ax.legend(fontsize=8)
    return plots._save(plt, fig, path)


@global_view("intervention_curve")
def intervention_curve(ctx: ReportContext) -> tuple[str, str] | None:
    checks = ((ctx.manifest.get("card") or {}).get("checks")) or {}
    curves = checks.get("intervention_curves")
    if not curves:
        if "intervention_area_random" not in checks:
            return None
        return "Intervention curve", ('<p class="note">The release\'s card records only the curve\'s area '
                                      f'({num(checks["intervention_area_random"])}, random order); the curve is in '
                                      f'the release folder\'s {esc(checks.get("intervention_curve"))}.</p>')
    path = curve_plot(curves, ctx.root / "plots" / "intervention_curve.png")
    rows = []
    for policy, curve in curves.items():
        for g, mean, std in zip(curve["groups"], curve["accuracy_mean"], curve.get("accuracy_std") or []):
            rows.append([esc(policy), num(g), labelled(mean, "task accuracy"), labelled(std, "standard deviation")])
    areas = ", ".join(f"{esc(p)} {num(checks.get(f'intervention_area_{p}'))}" for p in curves
                      if checks.get(f"intervention_area_{p}") is not None)
    note = ("Task accuracy on the test split when the first k concept groups of each input are set to their true "
            "values (random: a random order per input, averaged over orders, the band one standard deviation; "
            "uncertainty: the groups whose predicted concepts are least certain first). Measured when the model was "
            f"released and recorded in its card{'; area under the curve: ' + areas if areas else ''}.")
    figure = f"<figure>{img(str(path.relative_to(ctx.root)), 'intervention curve', 'plot')}" \
             f"<figcaption>intervention curve</figcaption></figure>"
    numbers = ("<details><summary>the numbers</summary>" +
               table(["policy", "groups set", "accuracy", "standard deviation"], rows) + "</details>")
    return "Intervention curve", f'<p class="note">{note}</p>' + figure + numbers
