"""Out-of-distribution inputs made from nothing but the in-distribution images and PIL: for measuring whether an
uncertainty score separates test inputs from inputs the model was not trained on.

``shifted_sets(images)`` returns named batches of the same shape as ``images`` (N, C, H, W) in [0, 1]:
uniform noise, Gaussian-blurred noise, the images rotated by 90 and 180 degrees, their negatives, and glyphs
of letters drawn with PIL's built-in font (an EMNIST / K-MNIST-like shift: strokes, but not the trained
classes).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFont

SHIFTS = ("uniform_noise", "smooth_noise", "rotated_90", "rotated_180", "inverted", "letters")


def letter_glyphs(count: int, size: tuple[int, int], seed: int = 0) -> torch.Tensor:
    """(count, 1, H, W) white letters A-Z on black, randomly scaled, shifted and thickened."""
    rng = np.random.default_rng(seed)
    height, width = size
    glyphs = []
    for _ in range(count):
        letter = chr(ord("A") + int(rng.integers(26)))
        canvas = Image.new("L", (64, 64), 0)
        draw = ImageDraw.Draw(canvas)
        font = ImageFont.load_default(size=int(rng.integers(36, 52)))
        offset = (int(rng.integers(4, 16)), int(rng.integers(-4, 8)))
        draw.text(offset, letter, fill=255, font=font, stroke_width=int(rng.integers(1, 4)), stroke_fill=255)
        glyphs.append(np.asarray(canvas.resize((width, height), Image.BILINEAR), dtype=np.float32) / 255)
    return torch.from_numpy(np.stack(glyphs)).unsqueeze(1)


def shifted_sets(images: torch.Tensor, seed: int = 0) -> dict[str, torch.Tensor]:
    """Named out-of-distribution batches shaped like ``images`` (N, C, H, W)."""
    generator = torch.Generator().manual_seed(seed)
    n, c, h, w = images.shape
    noise = torch.rand(n, c, h, w, generator=generator)
    smooth = F.avg_pool2d(F.pad(noise, (1, 1, 1, 1), mode="reflect"), 3, stride=1)
    smooth = (smooth - smooth.amin((1, 2, 3), keepdim=True)) / (
        smooth.amax((1, 2, 3), keepdim=True) - smooth.amin((1, 2, 3), keepdim=True) + 1e-8)
    letters = letter_glyphs(n, (h, w), seed).expand(n, c, h, w).contiguous()
    return {
        "uniform_noise": noise,
        "smooth_noise": smooth,
        "rotated_90": torch.rot90(images, 1, dims=(2, 3)),
        "rotated_180": torch.rot90(images, 2, dims=(2, 3)),
        "inverted": 1 - images,
        "letters": letters,
    }


def auroc(in_scores: torch.Tensor, out_scores: torch.Tensor) -> float:
    """Area under the ROC curve of ``score`` as a detector of out-of-distribution inputs (higher = OOD),
    ties counted as half (the Mann-Whitney statistic)."""
    scores = torch.cat([in_scores, out_scores]).double()
    ranks = torch.empty_like(scores)
    order = scores.argsort()
    ranks[order] = torch.arange(1, len(scores) + 1, dtype=torch.float64)
    for value in scores.unique():  # average ranks over ties
        tied = scores == value
        if tied.sum() > 1:
            ranks[tied] = ranks[tied].mean()
    n_in, n_out = len(in_scores), len(out_scores)
    return float((ranks[n_in:].sum() - n_out * (n_out + 1) / 2) / (n_in * n_out))
