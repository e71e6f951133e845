"""Explanation exporters and the export command (``python -m explain``).

The exporters read records only (ARCHITECTURE contract 6): every family gets JSONL and the HTML report; every
record with an ``image`` gets its picture and PNG overlays of its unit maps; every global unit with an image or a
training-patch source gets its picture. ``export`` drives them, ``images`` writes the pictures, ``render`` draws
the pixels, ``report`` builds the pages from the files the others wrote.
"""

from .export import FORMATS, ExportResult, export_explanations, iterate_batches, write_jsonl
from .images import file_stem, render_overlays, unit_patches, write_png_overlays, write_unit_images
from .render import high_activation_box, render_overlay, upsample
from .report import write_report

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
    "write_jsonl",
    "write_report",
    "write_png_overlays",
    "write_unit_images",
]
