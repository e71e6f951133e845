"""Transformer Programs (Friedman, Wettig & Chen 2023): how the program computed one position, from the record's
``program`` section: where each head looked (arrows from the explained position to the keys it selected), the
lines of the decompiled program that fired, and every variable at every position of the sequence."""

from __future__ import annotations

from typing import Any

from ..context import ReportContext
from ..html import esc, labelled, link, table
from ..sections import section_view
from ..tokens import token_text

COLUMN, LABEL, LANE, TOP = 46, 150, 24, 44  # the arrow diagram's grid, in pixels


def _value(value: Any) -> str:
    """A variable's value as plain text: tokens quoted as the program writes them, numbers without ``.0``."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return repr(value) if isinstance(value, str) else str(value)


def head_reads(ctx: ReportContext) -> dict[str, dict[str, str]]:
    """Each head's query, key and value variables, by head name (the global explanation's variables say what
    the module writing them reads)."""
    reads = {}
    for unit in ctx.units.values():
        name, details = str(unit.get("name", "")), unit.get("details") or {}
        if name.endswith("_outputs") and "query" in (details.get("reads") or {}):
            reads[name[: -len("_outputs")]] = details["reads"]
    return reads


def head_arrows(record: dict[str, Any], ctx: ReportContext) -> str:
    """An inline SVG: the sequence on top, one lane per head, an arrow from the explained position to each key
    the head selected there (a categorical head: the one it copies from; a numerical head: every key it counts)."""
    program, tokens = record["program"], record.get("tokens") or {}
    sequence = tokens.get("sequence") or tokens.get("context") or []
    here, heads = record.get("position") or 0, program.get("heads") or []
    n = len(sequence)
    x = lambda j: LABEL + j * COLUMN + COLUMN // 2  # noqa: E731 (a column's centre)
    width, height = LABEL + n * COLUMN + 320, TOP + LANE * len(heads) + 8
    parts = [f'<svg class="heads" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="where each head looked from position {here}">',
             '<defs><marker id="tip" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" fill="#1f5fa8"/></marker>'
             '<marker id="tip-none" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" fill="#999"/></marker></defs>',
             f'<rect x="{LABEL + here * COLUMN}" y="0" width="{COLUMN}" height="{height}" fill="#fff6d5"/>']
    for j, token in enumerate(sequence):
        parts.append(f'<text x="{x(j)}" y="16" text-anchor="middle" class="tok">{esc(token_text(token))}</text>'
                     f'<text x="{x(j)}" y="32" text-anchor="middle" class="pos">{j}</text>')
    values, wiring = program.get("values") or {}, head_reads(ctx)
    for row, head in enumerate(heads):
        y = TOP + row * LANE + LANE // 2
        selected = [int(j) for j in head.get("selected") or []]
        reads = wiring.get(head.get("name"), {})
        output = (values.get(f"{head.get('name')}_outputs") or [None] * (here + 1))[here]
        categorical = head.get("kind") == "categorical"
        if categorical:
            what = f"copies {reads.get('value', 'its value')} from position {selected[0] if selected else 0}"
            if not head.get("matched"):
                what += " (no key matched: the BOS)"
        else:
            what = (f"sums {reads.get('value', 'its value')} over {len(selected)} matching key(s)" if selected
                    else "no key matched: 0")
        source = reads.get("value")
        result = f"= {_value(output)}" + (f" ({'copied' if categorical else 'summed'} {source})" if source else "")
        tip = (f"{head.get('name')}: the query {reads.get('query', '?')} at position {here} against the key "
               f"{reads.get('key', '?')} at every position; {what}")
        parts.append(f'<g><title>{esc(tip)}</title>'
                     f'<line x1="{LABEL}" x2="{LABEL + n * COLUMN}" y1="{y}" y2="{y}" stroke="#eee"/>'
                     f'<text x="4" y="{y + 4}" class="head">{esc(head.get("name"))}</text>'
                     f'<circle cx="{x(here)}" cy="{y}" r="3.5" fill="#222"/>')
        dashed = categorical and not head.get("matched")
        style = 'stroke="#999" stroke-dasharray="3 2"' if dashed else 'stroke="#1f5fa8"'
        tip_id = "tip-none" if dashed else "tip"
        for j in selected:
            if j == here:  # the query's own position: a small loop
                parts.append(f'<path d="M{x(j) - 4},{y - 3} C{x(j) - 14},{y - 16} {x(j) + 14},{y - 16} '
                             f'{x(j) + 4},{y - 3}" fill="none" {style} marker-end="url(#{tip_id})"/>')
            else:
                bend = min(10, 3 + abs(j - here))
                parts.append(f'<path d="M{x(here)},{y} Q{(x(here) + x(j)) / 2},{y - bend} {x(j)},{y}" '
                             f'fill="none" {style} stroke-width="1.4" marker-end="url(#{tip_id})"/>')
        if not selected:
            parts.append(f'<text x="{x(here) + 8}" y="{y - 4}" class="none">no match</text>')
        parts.append(f'<text x="{LABEL + n * COLUMN + 8}" y="{y + 4}" class="result">{esc(result)}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def fired_lines(record: dict[str, Any], ctx: ReportContext) -> str:
    """The lines of the decompiled program that gave each variable its value at this position, with links to
    them in the program on the global page."""
    source = ((ctx.global_explanation or {}).get("details") or {}).get("program") or ""
    listing = source.splitlines()
    rows = []
    for entry in record["program"].get("lines") or []:
        arguments = ", ".join(f"{esc(k)}={esc(_value(v))}" for k, v in (entry.get("arguments") or {}).items())
        call = f"<code>{esc(entry.get('function'))}({arguments})</code>"
        numbers = [int(n) for n in entry.get("lines") or []]
        text = "\n".join(listing[n - 1].rstrip() for n in numbers if 0 < n <= len(listing))
        span = f"line {numbers[0]}" if len(numbers) == 1 else f"lines {numbers[0]}–{numbers[-1]}" if numbers else ""
        where = link(f"../global.html#line-{numbers[0]}", span) if listing and numbers else span
        rows.append([esc(entry.get("variable")), call, where, f"<pre class=\"code\">{esc(text)}</pre>" if text else "",
                     f"<code>{esc(_value(entry.get('result')))}</code>"])
    note = ('<p class="note">Each module of the program at this position: the call with its inputs here, the '
            'branch of the decompiled program that fired (its <code>if</code> and <code>return</code>, or the '
            'closing default <code>return</code>) and the value it gave. A head\'s predicate depends on its query '
            'alone; the arrows above show the keys it then selected.</p>')
    return note + table(["variable", "call at this position", "line(s)", "the program", "value"], rows,
                        cls="fired")


def variables_grid(record: dict[str, Any], ctx: ReportContext) -> str:
    """Every variable (rows) at every position (columns), the explained position marked, with each variable's
    part of the explained logit here: the value it holds is what its read-out weight is looked up by."""
    program, tokens = record["program"], record.get("tokens") or {}
    sequence = tokens.get("sequence") or tokens.get("context") or []
    here = record.get("position") or 0
    contributions = dict(zip((record.get("contributions") or {}).get("units", []),
                             (record.get("contributions") or {}).get("values", [])))
    parts = {ctx.unit_name(int(u)): v for u, v in contributions.items()}
    evidence = {e.get("unit") for e in record.get("evidence", [])}
    explained = ctx.class_name(record["explained_class"])
    head = "".join(f'<th class="{"here" if j == here else ""}">{esc(token_text(t))}<small>{j}</small></th>'
                   for j, t in enumerate(sequence))
    rows = []
    for name, values in (program.get("values") or {}).items():
        cells = "".join(f'<td class="{"here" if j == here else ""}">{esc(_value(v))}</td>'
                        for j, v in enumerate(values))
        part = labelled(parts.get(name, 0.0), f"part of the {ctx.output_label} of {explained}", signed=True)
        rows.append(f'<tr class="{"ev" if name in evidence else ""}"><th>{esc(name)}</th>{cells}'
                    f'<td class="r">{part}</td></tr>')
    return (f'<p class="note">Marked rows are the evidence above; the last column is each variable\'s part of the '
            f'{esc(ctx.output_label)} of {esc(explained)} at position {here}.</p>'
            f'<table class="grid"><thead><tr><th>variable</th>{head}<th>part here</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


@section_view("program", "The program at this position")
def program_view(record: dict[str, Any], ctx: ReportContext) -> str:
    position = record.get("position")
    return (f"<h3>Where each head looked from position {esc(position)}</h3>"
            '<p class="note">One lane per head, in layer order: an arrow from this position to each key the head '
            'selected. A categorical head copies its value variable from the one key it selects (dashed: no key '
            'matched, so it reads the BOS); a numerical head sums its value over every matching key. Hover a lane '
            'for what the head reads.</p>'
            f'<div class="scroll">{head_arrows(record, ctx)}</div>'
            "<h3>The program lines that fired</h3>" + fired_lines(record, ctx)
            + "<h3>Every variable at every position</h3>" + f'<div class="scroll">{variables_grid(record, ctx)}</div>')
