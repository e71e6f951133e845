"""Explanation exporters and the export command (``python -m explain``).

The exporters read ``Explanation`` records only (ARCHITECTURE contract 6), so every family gets JSONL, and
every family whose records carry spatial maps (``maps["image"]`` + ``maps["unit:<i>"]``) gets PNG overlays and
an HTML page, without the exporters knowing any model.
"""

from .exporters import (
    FORMATS,
    ExportResult,
    export_explanations,
    render_prototype_sources,
    write_global,
    write_html,
    write_jsonl,
    write_png_overlays,
    write_prototype_sources,
)
from .render import high_activation_box, render_overlay, upsample

__all__ = [
    "FORMATS",
    "ExportResult",
    "export_explanations",
    "high_activation_box",
    "render_overlay",
    "render_prototype_sources",
    "upsample",
    "write_global",
    "write_html",
    "write_jsonl",
    "write_png_overlays",
    "write_prototype_sources",
]
