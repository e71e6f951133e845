"""The global page: what the model learned, from ``global_explanation.json`` and the unit pictures: a gallery
of its units (with their training sources), every matrix as a heat map, a decompiled program highlighted, the
expert atlas when the export wrote one. A family with more to show registers a view in ``GLOBAL_VIEWS``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from . import plots
from .context import ReportContext
from .html import esc, img, key_values, link, num, section, table
from .pictures import unit_picture

MAX_UNITS_SHOWN = 2_000  # the gallery's rows; the page says how many more there are
MAX_UNITS_OPEN = 60  # a longer table starts folded (a family view may show the units more compactly)
GLOBAL_VIEWS: dict[str, Callable[[ReportContext], tuple[str, str] | None]] = {}  # name -> (title, html)
FAMILY_MATRICES: dict[str, set[str]] = {}  # kind -> matrices its family view draws labelled (not repeated here)


def global_view(name: str):
    def register(fn):
        GLOBAL_VIEWS[name] = fn
        return fn
    return register


def units_gallery(ctx: ReportContext) -> str:
    units = list(ctx.units.values())
    if not units:
        return '<p class="note">The model lists no units.</p>'
    rows = []
    for unit in units[:MAX_UNITS_SHOWN]:
        u = int(unit["index"])
        pic = unit_picture(ctx, u, str(unit.get("name", "")))
        weights = unit.get("weights")
        strongest = ""
        if weights:  # distance units favour, by closeness, the class they weigh least
            pick = min if ctx.unit_score.distance else max
            best = pick(range(len(weights)), key=lambda c: weights[c])
            strongest = f"{esc(ctx.class_name(best))} ({num(weights[best])})"
        flags = [esc(k) for k, v in (unit.get("details") or {}).items() if v is True]
        name = esc(unit.get("name"))
        name = link(f"units/{ctx.unit_pages[u]}", name) if u in ctx.unit_pages else name  # its atlas page
        rows.append([num(u), name, esc(unit.get("role")), esc(ctx.class_name(unit.get("class_index"))
                                                                               or "—"),
                     pic, strongest, esc(", ".join(flags))])
    more = len(units) - min(len(units), MAX_UNITS_SHOWN)
    note = f'<p class="note">{more} more unit(s) are in global_explanation.json.</p>' if more else ""
    strongest = "lowest weight (closeness favours)" if ctx.unit_score.distance else "strongest weight"
    shown = table(["#", "unit", "role", "class", ctx.picture_label, strongest, "flags"], rows) + note
    if len(units) > MAX_UNITS_OPEN:
        shown = f"<details><summary>the table of all {len(units)} units</summary>{shown}</details>"
    return shown


def matrices(ctx: ReportContext) -> str:
    parts = []
    claimed = FAMILY_MATRICES.get(str((ctx.global_explanation or {}).get("kind")), set())
    for name, values in ((ctx.global_explanation or {}).get("matrices") or {}).items():
        if name in claimed:
            continue
        shape = _shape(values)
        axis = ctx.matrix_axes(name, shape)  # rows / columns labels and titles, where the model names them
        path = plots.matrix(values, name, axis.get("rows"), axis.get("columns"),
                            ctx.root / "plots" / f"matrix_{_slug(name)}.png", axis.get("row_title"),
                            axis.get("column_title"))
        shape = "x".join(str(s) for s in shape)
        if axis.get("row_title") and axis.get("column_title"):
            shape += f": rows {axis['row_title']}, columns {axis['column_title']}"
        if path is not None:
            parts.append(f"<figure>{img(str(path.relative_to(ctx.root)), name, 'plot')}"
                         f"<figcaption>{esc(name)} ({esc(shape)})</figcaption></figure>")
        else:
            parts.append(f'<p class="note">{esc(name)}: a {shape} matrix, too large to draw '
                         f'(in global_explanation.json).</p>')
    return "".join(parts)


def _shape(values: Any) -> list[int]:
    shape = []
    while isinstance(values, list):
        shape.append(len(values))
        values = values[0] if values else None
    return shape


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)[:60]


def program(ctx: ReportContext) -> str:
    source = ((ctx.global_explanation or {}).get("details") or {}).get("program")
    if not source:
        return ""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    # lineanchors: a prediction page links the lines that fired to line-<n> here
    return highlight(source, PythonLexer(), HtmlFormatter(noclasses=True, linenos="table", lineanchors="line",
                                                          anchorlinenos=True))


def atlas_note(ctx: ReportContext) -> str:
    """What the atlas left out: past a size it writes pages only for the units the predictions show."""
    atlas = ctx.manifest.get("atlas") or {}
    if not atlas.get("left_out"):
        return ""
    return (f'<p class="note">Pages for {num(atlas["pages"])} of the {num(atlas["units"])} units with contexts '
            f'({esc(atlas.get("which"))}; their evidence rows link to them); the index lists the other '
            f'{num(atlas["left_out"])} without a page. Export with <code>--unit-pages all</code> for every page.</p>')


def details(ctx: ReportContext) -> str:
    items = [(k, f"<code>{esc(json.dumps(v)[:1000])}</code>")
             for k, v in ((ctx.global_explanation or {}).get("details") or {}).items()
             if k not in ("program", "matrix_axes")]  # matrix axes label the matrices' plots
    return key_values(items) if items else ""


def global_page(ctx: ReportContext) -> tuple[str, list[tuple[str, str]]]:
    parts, toc = [], []

    def add(anchor: str, title: str, body: str, note: str = "") -> None:
        if body:
            parts.append(section(anchor, title, body, note))
            toc.append((anchor, title))

    if ctx.global_explanation is None:
        return '<p class="note">This export holds no global explanation.</p>', []
    add("units", f"{ctx.role().capitalize()}s", units_gallery(ctx),
        f"{len(ctx.units)} unit(s); pictures are the units themselves or the training patches they came from.")
    add("program", "The decompiled program", program(ctx))
    add("matrices", "Matrices", matrices(ctx), "Red is positive, blue negative; the scale is symmetric.")
    for name, view in GLOBAL_VIEWS.items():
        shown = view(ctx)
        if shown:
            add(name, *shown)
    if (ctx.root / "units" / "index.html").is_file():
        add("atlas", "Unit atlas", link("units/index.html", "the units and their top-activating contexts")
            + atlas_note(ctx))
    add("details", "Details", details(ctx))
    return "".join(parts), toc
