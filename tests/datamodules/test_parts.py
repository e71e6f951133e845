"""part_glyphs: generated images whose part keypoints are known."""

import pytest
import torch

from datamodules import create_datamodule
from datamodules.parts import CLASSES, COLOURS, GLYPH, PART_NAMES, generate


@pytest.fixture(scope="module")
def parts():
    dm = create_datamodule("part_glyphs")
    dm.setup()
    return dm


def test_generation_is_deterministic_and_in_range():
    a, b = generate(4, seed=3), generate(4, seed=3)
    for x, y in zip(a, b):
        assert torch.equal(x, y)
    images, labels, locations, visible = a
    assert images.shape == (40, 3, 28, 28) and 0 <= images.min() and images.max() <= 1
    assert labels.tolist() == [c for c in range(10) for _ in range(4)]
    half = GLYPH // 2
    assert (locations >= half).all() and (locations <= 27 - half).all()  # every glyph fits in the image


def test_key_glyphs_are_drawn_in_their_colour_at_their_keypoint_and_hidden_parts_are_not_drawn():
    images, labels, locations, visible = generate(6, seed=1)
    for i in range(len(images)):
        keys = {part: colour for part, _, colour in CLASSES[int(labels[i])]}
        for part in range(len(PART_NAMES)):
            x, y = locations[i, part].long().tolist()
            patch = images[i, :, y - 2 : y + 3, x - 2 : x + 3].flatten(1)  # (3, 25)
            if part in keys:
                colour = torch.tensor(COLOURS[keys[part]])
                assert visible[i, part]
                assert ((patch - colour[:, None]).abs().max(0).values < 1e-6).sum() >= 9  # the stencil's pixels
            elif not visible[i, part]:
                assert patch.max() < 0.5  # background (< 0.15) and the body disc (0.45) only
            else:
                assert (patch[:, 12] - 0.7).abs().max() < 1e-6  # the neutral dot's centre


def test_annotations_describe_the_items_in_loader_order(parts):
    annotations = parts.annotations("test")
    labels = torch.cat([b.targets for b in parts.eval_dataloader("test")])
    assert torch.equal(annotations["label"], labels)
    assert annotations["part_locations"].shape == (600, 4, 2) and annotations["part_names"] == PART_NAMES
    assert annotations["key_parts"].sum(1).tolist() == [2] * 10
    assert (annotations["part_visible"] | ~annotations["key_parts"][labels]).all()  # key parts are always shown
    assert 0.8 < float(annotations["part_visible"].float().mean()) < 0.95
    assert parts.spec.input_shape == (3, 28, 28) and len(parts.spec.class_names) == 10
