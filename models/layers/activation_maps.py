"""Activation maps at input resolution and their high-activation boxes (ProtoPNet's visualisation, Sec. 3):
bicubic upsampling of a (h, w) map to the image size, then the tightest box around the pixels at or above the
95th percentile. Shared by the models (push records, evidence) and the exporters (PNG overlays), so the box a
record states and the box an overlay draws are computed once, the same way."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def upsample_maps(maps: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(N, h, w) -> (N, H, W), bicubic (the paper's cv2.INTER_CUBIC has the same kernel)."""
    return F.interpolate(maps[:, None].float(), size=size, mode="bicubic", align_corners=False)[:, 0]


def percentile_boxes(maps: torch.Tensor, percentile: float = 95.0) -> torch.Tensor:
    """(N, H, W) -> (N, 4) boxes ``(y0, y1, x0, x1)`` (end-exclusive) around the pixels >= the percentile
    (linear interpolation, as np.percentile)."""
    threshold = torch.quantile(maps.flatten(1), percentile / 100.0, dim=1)
    mask = maps >= threshold[:, None, None]
    return torch.cat([_span(mask.any(2)), _span(mask.any(1))], dim=1)


def high_activation_boxes(maps: torch.Tensor, size: tuple[int, int], percentile: float = 95.0) -> torch.Tensor:
    """(N, h, w) maps -> (N, 4) high-activation boxes in an input of ``size`` (``find_high_activation_crop``)."""
    boxes = [percentile_boxes(upsample_maps(chunk, size), percentile) for chunk in maps.split(64)]  # bounded memory
    return torch.cat(boxes) if boxes else torch.zeros(0, 4, dtype=torch.long, device=maps.device)


def _span(rows: torch.Tensor) -> torch.Tensor:
    """(N, L) boolean rows -> (N, 2) first and one-past-last True index."""
    index = torch.arange(rows.shape[1], device=rows.device)
    first = torch.where(rows, index, rows.shape[1]).min(1).values
    last = torch.where(rows, index, -1).max(1).values
    return torch.stack([first, last + 1], dim=1)
