"""Classification-by-components (shallow CBC / RBF, deep CBC / RBF): what their records and global explanation
hold beyond the generic pages.

A class's output is an agreement, p_c = sum_k d_k r+_kc + (1 - d_k) r-_kc (Saralajew et al., NeurIPS 2019
Eq. 4; AAAI 2025), not a probability over the classes. A component has no weight but a reasoning: positive r+
(the class needs it detected), negative r- (needs it absent) and, in the original CBC, indefinite (it does not
matter). So:

* the evidence table's weight column shows each component's reasoning for the explained class and the
  runner-up (``unit_facts``), and the detection of the components shown for their part in the margin;
* a "Reasoning over components" section lists every component's detection and reasoning for both classes,
  with its part in each agreement and in the margin (the record's ``reasoning`` section);
* the global page shows, per class, the components its reasoning needs present and absent, and, wherever the
  records carry certificates, the certified accuracy against the radius.
"""

from __future__ import annotations

import math
import re
from typing import Any

from .. import plots
from ..context import ReportContext, read_records
from ..global_page import global_view
from ..html import esc, img, labelled, num, table
from ..prediction import UnitFacts, unit_facts
from ..sections import section_view

TOP_PER_CLASS = 3  # components shown per class and sign on the global page
MIN_SHARE = 0.05  # ... if they hold at least this share of the class's reasoning (smaller shares are spread thin)
MAX_ROWS = 40  # components listed in a page's reasoning table (the strongest in the margin first)
FORMS = {"cbc": "original CBC: positive, negative and indefinite reasoning",
         "stable": "stable CBC: positive and negative reasoning, no indefinite",
         "rbf": "RBF: positive reasoning only"}


def _columns(section: dict[str, Any], prefix: str) -> dict[str, list[float] | None]:
    return {k: section.get(prefix + k) for k in ("positive", "negative", "indefinite")}


def _parts(d: float, side: dict[str, list[float] | None], i: int) -> float:
    """A component's part in an agreement: d r+ + (1 - d) r- (the indefinite share adds nothing)."""
    return d * side["positive"][i] + (1 - d) * side["negative"][i]


def _reasoning_text(side: dict[str, list[float] | None], i: int, form: str) -> str:
    text = f"r+ {labelled(side['positive'][i], 'positive reasoning')}"
    if form != "rbf":  # the RBF's r- is 0 throughout
        text += f" · r− {labelled(side['negative'][i], 'negative reasoning')}"
    if side.get("indefinite") is not None:
        text += f" · indefinite {labelled(side['indefinite'][i], 'indefinite reasoning')}"
    return text


@unit_facts("component")
def component_facts(record: dict[str, Any], ctx: ReportContext) -> UnitFacts:
    section = record.get("reasoning")
    if not section:
        return UnitFacts()
    ours, theirs = _columns(section, ""), _columns(section, "runner_up_")
    explained, runner = ctx.class_name(record["explained_class"]), ctx.class_name(record.get("runner_up"))
    weights, scores = {}, {}
    form = section.get("form")
    for i, u in enumerate(section["units"]):
        cell = _reasoning_text(ours, i, form)
        if theirs["positive"] is not None:
            cell += f'<br><small class="note">for {esc(runner)}: {_reasoning_text(theirs, i, form)}</small>'
        weights[int(u)] = cell
        scores[int(u)] = section["detection"][i]
    header = f"reasoning for {explained}" + (f" (and the runner-up {runner})" if theirs["positive"] else "")
    return UnitFacts(weight_header=header, weights=weights, scores=scores)


@section_view("reasoning", "Reasoning over components")
def reasoning_view(record: dict[str, Any], ctx: ReportContext) -> str:
    section = record["reasoning"]
    ours, theirs = _columns(section, ""), _columns(section, "runner_up_")
    units, detection = [int(u) for u in section["units"]], section["detection"]
    explained, runner = ctx.class_name(record["explained_class"]), ctx.class_name(record.get("runner_up"))
    has_runner = theirs["positive"] is not None
    rbf = section.get("form") == "rbf"  # positive reasoning only
    signs = [("positive", "r+")] + ([] if rbf else [("negative", "r−")]) + (
        [("indefinite", "indefinite")] if ours["indefinite"] else [])
    label = ctx.output_label
    score = ctx.unit_score

    def margin_part(i: int) -> float:
        return _parts(detection[i], ours, i) - (_parts(detection[i], theirs, i) if has_runner else 0.0)

    order = sorted(range(len(units)), key=lambda i: (-abs(margin_part(i)), units[i]))
    head1 = '<th rowspan="2">component</th><th rowspan="2">picture</th>' \
            f'<th rowspan="2">{esc(score.name)} d</th>' \
            f'<th colspan="{len(signs) + 1}">{esc(explained)} (explained)</th>'
    head2 = "".join(f"<th>{esc(name)}</th>" for _, name in signs) + f"<th>part of its {esc(label)}</th>"
    if has_runner:
        head1 += f'<th colspan="{len(signs) + 1}">{esc(runner)} (runner-up)</th><th rowspan="2">part of the margin</th>'
        head2 += "".join(f"<th>{esc(name)}</th>" for _, name in signs) + f"<th>part of its {esc(label)}</th>"
    def adds_nothing(i: int) -> bool:  # e.g. an absent component under positive reasoning only
        return _parts(detection[i], ours, i) == 0 and (not has_runner or _parts(detection[i], theirs, i) == 0)

    silent = [i for i in order if adds_nothing(i)]
    order = [i for i in order if not adds_nothing(i)]
    rows = []
    for i in order[:MAX_ROWS]:
        u = units[i]
        picture = ctx.unit_pictures.get(u)
        pic = img(f"../units/{picture['png']}", ctx.unit_name(u), "thumb") if picture else ""
        absent = score.is_absent(detection[i])
        cells = [esc(ctx.unit_name(u)), pic,
                 labelled(detection[i], score.name) + (' <span class="note">absent</span>' if absent else "")]
        for side, present in ((ours, True), (theirs, has_runner)):
            if present:
                cells += [labelled(side[key][i], f"{name} reasoning") for key, name in signs]
                cells.append(labelled(_parts(detection[i], side, i), f"part of the {label}", signed=True))
        if has_runner:
            cells.append(labelled(margin_part(i), "part of the margin", signed=True))
        rows.append(f'<tr{" class=absent" if absent else ""}>' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    if len(units) == record.get("num_units"):  # every component listed: the columns add up to the outputs
        runner_value = record["value"] - record["margin"] if has_runner else None
        cells = [f"all {len(units)} components", "", ""] + [""] * len(signs)
        cells.append(labelled(record["value"], f"{label} of {explained}"))
        if has_runner:
            cells += [""] * len(signs) + [labelled(runner_value, f"{label} of {runner}"),
                                          labelled(record["margin"], "margin", signed=True)]
        rows.append('<tr class="total">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    more = len(order) - min(len(order), MAX_ROWS)
    listed = len(units) < (record.get("num_units") or len(units))
    how = f"How the agreement is reached ({esc(FORMS.get(section.get('form'), section.get('form')))}): each class's "
    if rbf:
        how += (f"{esc(label)} is p = Σ<sub>k</sub> d<sub>k</sub> r+<sub>k</sub> over the components k, r+ the share "
                f"of the class's reasoning that needs component k detected: a component not detected adds nothing.")
    else:
        how += (f"{esc(label)} is p = Σ<sub>k</sub> d<sub>k</sub> r+<sub>k</sub> + (1 − d<sub>k</sub>) r−<sub>k</sub> "
                f"over the components k (Saralajew et al. 2019, Eq. 4). r+ is how much the class's reasoning needs "
                f"the component detected, r− how much it needs it absent: a component that is not detected still "
                f"adds its r−.")
    notes = [how]
    if ours["indefinite"]:
        notes.append("Indefinite reasoning is the part of a component's share that says it does not matter: it "
                     "adds nothing.")
    notes.append(f"Each {esc(label)} lies in [0, 1] on its own; over the classes they do not add up to 1, so they "
                 f"are not probabilities of the classes.")
    if section.get("concept") is not None:
        named = _concept_names(ctx)

        def concept(m: int) -> str:  # as the global page's matrices name it, e.g. "3 (2)"
            return esc(named[m]) if 0 <= m < len(named) else f"concept {num(m)}"

        notes.append(f"With several reasoning concepts per class, a class's {esc(label)} is its best concept's: "
                     f"{concept(section['concept'])} for {esc(explained)}"
                     + (f", {concept(section['runner_up_concept'])} for {esc(runner)}" if has_runner else "") + ".")
    if silent:
        notes.append(f"{len(silent)} listed component(s) add nothing to either {esc(label)} here (not shown).")
    if more:
        notes.append(f"{more} more component(s) with smaller parts in the margin are in the record.")
    if listed:
        notes.append(f"The record lists the {len(units)} components with the largest parts, of "
                     f"{num(record.get('num_units'))}.")
    body = (f'<table class="reasoning"><thead><tr>{head1}</tr><tr>{head2}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')
    return "".join(f'<p class="note">{n}</p>' for n in notes[:1]) + body + "".join(
        f'<p class="note">{n}</p>' for n in notes[1:])


def _concept_names(ctx: ReportContext) -> list[str]:
    """The reasoning concepts' names, as the global explanation labels its reasoning matrices' columns."""
    details = (ctx.global_explanation or {}).get("details") or {}
    return list(((details.get("matrix_axes") or {}).get("positive_reasoning") or {}).get("columns") or [])


# ---- the global page -----------------------------------------------------------------------------------------
def _matrix(ctx: ReportContext, name: str) -> list[list[float]] | None:
    values = ((ctx.global_explanation or {}).get("matrices") or {}).get(name)
    return values if isinstance(values, list) and values and isinstance(values[0], list) else None


@global_view("reasoning")
def class_reasoning(ctx: ReportContext) -> tuple[str, str] | None:
    """Per class (reasoning concept): the components its reasoning needs detected and needs absent, strongest
    first, with their pictures and their share of the class's reasoning."""
    positive, negative = _matrix(ctx, "positive_reasoning"), _matrix(ctx, "negative_reasoning")
    details = (ctx.global_explanation or {}).get("details") or {}
    if ctx.manifest.get("kind") != "component" or positive is None or negative is None:
        return None
    concepts = len(positive[0])
    owners = details.get("concept_classes") or list(range(concepts))
    columns = _concept_names(ctx) or [ctx.class_name(c) for c in owners]

    def strongest(matrix: list[list[float]], m: int) -> str:
        column = [row[m] for row in matrix]
        order = [k for k in sorted(range(len(column)), key=lambda k: (-column[k], k))[:TOP_PER_CLASS]
                 if column[k] >= MIN_SHARE]
        if not order:
            largest = max(column, default=0.0)
            return ('<span class="note">none' + (f": no component holds {num(MIN_SHARE)} of it (the largest share "
                                                 f"is {num(largest, 3)})" if largest > 0 else "") + "</span>")
        cells = []
        for k in order:
            picture = ctx.unit_pictures.get(k)
            pic = img(f"units/{picture['png']}", ctx.unit_name(k), "thumb") if picture else ""
            cells.append(f'<figure>{pic}<figcaption>{esc(ctx.unit_name(k))}<br>'
                         f'{labelled(column[k], "share of the reasoning")}</figcaption></figure>')
        shown = math.fsum(column[k] for k in order)
        return "".join(cells) + f'<p class="note">these {len(order)} hold {num(shown, 3)} of it</p>'

    rows = [[esc(columns[m]), strongest(positive, m), strongest(negative, m)] for m in range(concepts)]
    note = ("Each class's reasoning is one distribution over the components: r+ (needs the component detected) "
            f"and r− (needs it absent) share it. Up to {TOP_PER_CLASS} components with the largest shares are shown, "
            f"each holding at least {num(MIN_SHARE)} of it; the full matrices (rows components, columns classes) "
            "are under Matrices.")
    return "Reasoning per class", f'<p class="note">{note}</p>' + table(
        ["class", "needs detected (positive reasoning r+)", "needs absent (negative reasoning r−)"], rows,
        cls="class-reasoning")


def certified_curve(records: list[dict[str, Any]]) -> tuple[list[tuple[float, float]], int, str]:
    """(points, labelled, norm): the certified accuracy at each radius eps, the fraction of the labelled records
    that are right with a certified radius >= eps, as a step curve starting at eps = 0."""
    labelled_records = [r for r in records if r.get("target") is not None and r.get("certificate")]
    total = len(labelled_records)
    radii = sorted(float(r["certificate"]["radius"]) for r in labelled_records if r["target"] == r["prediction"])
    if not total:
        return [], 0, ""
    points = [(0.0, len(radii) / total)]
    for i, radius in enumerate(radii):  # past each radius, one fewer prediction stays certified
        points.append((radius, (len(radii) - i - 1) / total))
    return points, total, str(labelled_records[0]["certificate"].get("norm") or "")


def certified_at(records: list[dict[str, Any]], eps: float) -> float | None:
    labelled_records = [r for r in records if r.get("target") is not None and r.get("certificate")]
    if not labelled_records:
        return None
    right = sum(1 for r in labelled_records if r["target"] == r["prediction"]
                and float(r["certificate"]["radius"]) >= eps)
    return right / len(labelled_records)


@global_view("certified")
def certified_accuracy(ctx: ReportContext) -> tuple[str, str] | None:
    """Any export whose records carry certificates: the certified accuracy against the radius, and at the
    radii the release measured (its card's ``certified_acc_eps*`` metrics) beside the release's numbers."""
    records = [r for r in read_records(ctx.root) if r.get("certificate")]
    points, total, norm = certified_curve(records)
    path = plots.certified_accuracy(points, norm, total, ctx.root / "plots" / "certified_accuracy.png")
    if path is None:
        return None
    metrics = (ctx.manifest.get("card") or {}).get("metrics") or {}
    radii = {0.0: metrics.get("test/acc")}  # certified at radius 0: the accuracy
    for key, value in metrics.items():
        found = re.fullmatch(r"test/certified_acc_eps(\d+(?:_\d+)?)", str(key))
        if found:
            radii[float(found.group(1).replace("_", "."))] = value
    rows = [[labelled(eps, f"{norm} radius"), labelled(certified_at(records, eps), "certified accuracy here"),
             labelled(radii.get(eps), "certified accuracy at release (test split)")]
            for eps in sorted(radii)]
    text = (f'<p class="note">Of the {total} explained prediction(s) with a target, the fraction that is right '
            f"and certified at least eps (a wrong prediction's radius certifies a wrong class and never counts). "
            f"At eps = 0 it is the accuracy.</p>")
    figure = f"<figure>{img(str(path.relative_to(ctx.root)), 'certified accuracy', 'plot')}" \
             f"<figcaption>certified accuracy against the {esc(norm)} radius</figcaption></figure>"
    return "Certified accuracy", text + figure + table(
        ["radius eps", "certified accuracy here", "at release (test split)"], rows, cls="certified")
