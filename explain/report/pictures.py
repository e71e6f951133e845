"""A unit's picture as the pages show it: the unit's own image (a decoded prototype) or the training patch it
came from, drawn at a size that keeps its shape, the training image it was cut from beside it (with its box),
and a badge for each flag its global explanation gives it (a background patch, a pruned prototype)."""

from __future__ import annotations

from .context import ReportContext
from .html import esc, img

PATCH_SIDE = 72  # px: the longer side of a drawn training patch (the browser sizes the other in proportion)
FLAG_TEXT = {"background": "background patch", "pruned": "pruned"}


def patch_style(box: list[int], side: int = PATCH_SIDE) -> str:
    """CSS for a patch ``box`` (y0, y1, x0, x1): its longer side ``side`` px, the other left to the browser, so a
    thin patch is drawn as thin as it is, never stretched to a square."""
    height, width = box[1] - box[0], box[3] - box[2]
    return f"width:{side}px;height:auto" if width >= height else f"height:{side}px;width:auto"


def unit_badges(ctx: ReportContext, unit: int) -> str:
    badges = []
    for flag in (f for f in ctx.unit_flags(unit) if f in FLAG_TEXT):  # known flags only: a badge warns
        title = ctx.global_details.get(f"{flag}_criterion") or ""
        badges.append(f'<span class="badge warn" data-flag="{esc(flag)}" title="{esc(title)}">'
                      f'{esc(FLAG_TEXT.get(flag, flag))}</span>')
    return " ".join(badges)


def unit_picture(ctx: ReportContext, unit: int, name: str, up: str = "") -> str:
    """The unit's picture(s) and badges as HTML; ``up`` leads from the page to the report's root."""
    picture = ctx.unit_pictures.get(unit)
    parts = []
    if picture:
        source = picture.get("source_png")
        what = "training patch" if source else ctx.picture_label
        size = ""
        if picture.get("box") and len(picture["box"]) == 4:  # a patch: drawn larger, never out of proportion
            size = f' style="{patch_style(picture["box"])}"'
        caption = f"<figcaption>{esc(what)}</figcaption>" if source or what != "picture" else ""
        parts.append(f'<figure><img src="{esc(up)}units/{esc(picture["png"])}" alt="{esc(name)}: {esc(what)}" '
                     f'class="thumb unit-picture"{size} loading="eager">{caption}</figure>')
        if source:
            whole = img(f"{up}units/{source}", f"{name}: the training image it was cut from", "thumb unit-source")
            parts.append(f"<figure>{whole}<figcaption>source image</figcaption></figure>")
    badges = unit_badges(ctx, unit)
    return "".join(parts) + (f"<div>{badges}</div>" if badges else "")
