"""Pixels: bicubic upsampling, the top-5% box (the same as the models' own), the overlay formula."""

import numpy as np
import torch
from records import H, W

from explain import render
from models.layers.activation_maps import high_activation_boxes


def test_box_is_the_tightest_box_around_the_top_five_percent():
    rng = np.random.default_rng(0)
    activation = rng.random((40, 30))
    h0, h1, w0, w1 = render.high_activation_box(activation)
    rows, cols = np.nonzero(activation >= np.percentile(activation, 95))
    assert (h0, h1, w0, w1) == (rows.min(), rows.max() + 1, cols.min(), cols.max() + 1)
    peak = np.zeros((20, 20))
    peak[5:8, 11:13] = 1.0  # exactly the top 6 of 400 pixels -> their box
    assert render.high_activation_box(peak, percentile=98.5) == (5, 8, 11, 13)


def test_upsampling_is_bicubic_to_the_image_size():
    activation = torch.rand(4, 3)
    up = render.upsample(activation, (H, W))
    assert up.shape == (H, W)
    reference = torch.nn.functional.interpolate(activation[None, None], size=(H, W), mode="bicubic",
                                                align_corners=False)[0, 0].numpy()
    np.testing.assert_allclose(up, reference, rtol=1e-6)
    assert not np.allclose(up, torch.nn.functional.interpolate(activation[None, None], size=(H, W))[0, 0])
    assert [render.display_scale((n, n)) for n in (8, 28, 224)] == [8, 3, 1]


def test_box_agrees_with_the_models_own_box():
    maps = torch.rand(5, 7, 7)
    expected = high_activation_boxes(maps, (28, 28)).tolist()
    assert [list(render.high_activation_box(render.upsample(m, (28, 28)))) for m in maps] == expected


def test_overlay_is_half_image_plus_three_tenths_jet():
    image = np.full((H, W, 3), 0.4, dtype=np.float32)
    activation = np.linspace(0, 1, H * W, dtype=np.float32).reshape(H, W)
    mixed = render.overlay(image, activation)
    np.testing.assert_allclose(mixed[0, 0], 0.2 + 0.3 * np.array([0, 0, 0.5]), atol=1e-6)  # jet(0): dark blue
    np.testing.assert_allclose(mixed[-1, -1], 0.2 + 0.3 * np.array([0.5, 0, 0]), atol=1e-6)  # jet(1): red
