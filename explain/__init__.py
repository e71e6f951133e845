"""Explanation exporters and the export command (``python -m explain``).

The exporters read records only (ARCHITECTURE contract 6): every family gets JSONL and HTML; every record with
an ``image`` and ``unit_maps`` gets PNG overlays; every global unit with an image or a training-patch source
gets its picture. ``export`` drives them, ``images`` and ``html`` write them, ``render`` draws the pixels.
"""

from .export import FORMATS, ExportResult, export_explanations, iterate_batches, write_jsonl
from .html import write_html
from .images import file_stem, render_overlays, unit_patches, write_png_overlays, write_unit_images
from .render import high_activation_box, render_overlay, upsample

__all__ = [
    "FORMATS",
    "ExportResult",
    "export_explanations",
    "file_stem",
    "high_activation_box",
    "iterate_batches",
    "render_overlay",
    "render_overlays",
    "unit_patches",
    "upsample",
    "write_html",
    "write_jsonl",
    "write_png_overlays",
    "write_unit_images",
]
