"""Pixels for explanations: upsample a unit's similarity map to the image, colour it, overlay it, box it.

Follows ProtoPNet's local analysis: the map is upsampled bicubically to the image size, the overlay is
``0.5 * image + 0.3 * jet(map)`` with the map min-max scaled, and the "high-activation" box is the tightest
box around the pixels at or above the map's 95th percentile (the top 5%), in the image's own pixels. Images
smaller than ``MIN_SIZE`` are drawn an integer factor larger (``display_scale``).
"""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image, ImageDraw

from models.layers.activation_maps import percentile_boxes, upsample_maps

BOX_COLOUR = (255, 255, 0)


def as_numpy(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().float().cpu().numpy()
    return np.asarray(value, dtype=np.float32)


def image_to_rgb(image) -> np.ndarray:
    """(C, H, W), (H, W, C) or (H, W) in [0, 1] (or uint8) -> (H, W, 3) float32 in [0, 1]."""
    array = image.detach().cpu().numpy() if isinstance(image, torch.Tensor) else np.asarray(image)
    if array.dtype == np.uint8:
        array = array.astype(np.float32) / 255.0
    array = array.astype(np.float32)
    if array.ndim == 3 and array.shape[0] in (1, 3) and array.shape[-1] not in (1, 3):
        array = array.transpose(1, 2, 0)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[-1] not in (1, 3):
        raise ValueError(f"expected an image of shape (C, H, W), (H, W, C) or (H, W); got {array.shape}")
    if array.shape[-1] == 1:
        array = np.repeat(array, 3, axis=-1)
    return np.clip(array, 0.0, 1.0)


def upsample(activation, size: tuple[int, int]) -> np.ndarray:
    """A (h, w) map -> (H, W), bicubic as in ProtoPNet (cv2.INTER_CUBIC)."""
    array = as_numpy(activation)
    while array.ndim > 2 and array.shape[0] == 1:  # (1, h, w) maps
        array = array[0]
    if array.ndim != 2:
        raise ValueError(f"expected a 2-D activation map, got shape {array.shape}")
    return upsample_maps(torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))[None], size)[0].numpy()


def jet(values: np.ndarray) -> np.ndarray:
    """The JET colour map for values in [0, 1] -> (..., 3) in [0, 1] (no matplotlib needed)."""
    v = np.clip(values, 0.0, 1.0)[..., None]
    centres = np.array([3.0, 2.0, 1.0], dtype=np.float32)  # red, green, blue peaks at 3/4, 1/2, 1/4
    return np.clip(1.5 - np.abs(4.0 * v - centres), 0.0, 1.0).astype(np.float32)


def normalise(activation: np.ndarray) -> np.ndarray:
    low, high = float(activation.min()), float(activation.max())
    return (activation - low) / (high - low) if high > low else np.zeros_like(activation)


def overlay(image_rgb: np.ndarray, activation: np.ndarray) -> np.ndarray:
    """0.5 * image + 0.3 * jet(min-max scaled activation) (ProtoPNet), values in [0, 0.8]."""
    return 0.5 * image_rgb + 0.3 * jet(normalise(activation))


def high_activation_box(activation: np.ndarray, percentile: float = 95.0) -> tuple[int, int, int, int]:
    """The tightest box around pixels >= the percentile: (h0, h1, w0, w1), h1/w1 exclusive (ProtoPNet)."""
    box = percentile_boxes(torch.from_numpy(np.ascontiguousarray(activation, dtype=np.float32))[None], percentile)
    return tuple(int(v) for v in box[0])


def to_image(array: np.ndarray) -> Image.Image:
    return Image.fromarray((np.clip(array, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8), mode="RGB")


def draw_box(image: Image.Image, box: tuple[int, int, int, int], colour=BOX_COLOUR) -> Image.Image:
    h0, h1, w0, w1 = box
    ImageDraw.Draw(image).rectangle([w0, h0, w1 - 1, h1 - 1], outline=colour)
    return image


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


MIN_SIZE = 64  # small images (8x8 digits, 28x28 MNIST) are drawn larger so that a 1-pixel box stays thin


def display_scale(size: tuple[int, int], min_size: int = MIN_SIZE) -> int:
    """The integer factor that brings the shorter side of an (H, W) image to at least ``min_size`` pixels."""
    return max(1, -(-min_size // max(1, min(size))))


def enlarge(rgb: np.ndarray, scale: int) -> np.ndarray:
    return rgb if scale == 1 else np.repeat(np.repeat(rgb, scale, axis=0), scale, axis=1)


def render_overlay(image, activation, min_size: int = MIN_SIZE) -> tuple[bytes, tuple[int, int, int, int]]:
    """PNG bytes of the heat-map overlay with its high-activation box, and the box (h0, h1, w0, w1) in the
    image's own pixels. Small images are drawn ``display_scale`` times larger (nearest-neighbour pixels, the
    map upsampled bicubically to the drawn size)."""
    rgb = image_to_rgb(image)
    size = rgb.shape[:2]
    box = high_activation_box(upsample(activation, size))
    scale = display_scale(size, min_size)
    drawn = overlay(enlarge(rgb, scale), upsample(activation, (size[0] * scale, size[1] * scale)))
    return png_bytes(draw_box(to_image(drawn), tuple(v * scale for v in box))), box


def render_image(image, box: tuple[int, int, int, int] | None = None, min_size: int = MIN_SIZE) -> bytes:
    rgb = image_to_rgb(image)
    scale = display_scale(rgb.shape[:2], min_size)
    picture = to_image(enlarge(rgb, scale))
    return png_bytes(draw_box(picture, tuple(v * scale for v in box)) if box is not None else picture)


def render_crop(image, box: tuple[int, int, int, int], min_size: int = MIN_SIZE) -> bytes:
    """The patch inside ``box``, enlarged by the same factor as its whole image."""
    rgb = image_to_rgb(image)
    h0, h1, w0, w1 = box
    return png_bytes(to_image(enlarge(rgb[h0:h1, w0:w1], display_scale(rgb.shape[:2], min_size))))
