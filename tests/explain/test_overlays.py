"""PNG exporters (explain/images.py): overlays with their boxes, unique file names, the pictures of units."""

import numpy as np
import torch
from PIL import Image
from records import H, W, make_record, temp_files

from explain import file_stem, render, unit_patches, write_png_overlays, write_unit_images
from models.explanation import GlobalExplanation, GlobalUnit, SourceRef

S = render.display_scale((H, W))  # small images are drawn S times larger


def test_png_overlays_have_the_image_size_and_a_box_inside_it(tmp_path):
    records = [make_record(i, channels=c) for i, c in ((0, 1), (1, 3), (2, 1))]
    records.append(make_record(3, with_maps=False))
    index = write_png_overlays(records, tmp_path / "png")
    assert len(index) == 3 * 2  # two unit maps each; the record without maps gets none
    assert [e["unit"] for e in index[:2]] == [2, 0]  # evidence order
    assert S == 6
    for entry in index:
        picture = Image.open(tmp_path / "png" / entry["file"])
        assert picture.size == (W * S, H * S) and picture.mode == "RGB"
        h0, h1, w0, w1 = entry["box"]  # in the image's own pixels
        assert 0 <= h0 < h1 <= H and 0 <= w0 < w1 <= W
        pixels = np.asarray(picture)
        assert (pixels[h0 * S, w0 * S] == render.BOX_COLOUR).all()  # the box outline is drawn
        assert (pixels[h1 * S - 1, w1 * S - 1] == render.BOX_COLOUR).all()
    assert index[0]["file"] == f"{file_stem('img/0')}_unit2.png"
    assert not temp_files(tmp_path)


def test_png_overlay_pixels_match_the_formula(tmp_path):
    record = make_record(0)
    entry = write_png_overlays([record], tmp_path)[0]
    pixels = np.asarray(Image.open(tmp_path / entry["file"])).astype(float) / 255
    image = np.repeat(record.image, 3, axis=-1).repeat(S, 0).repeat(S, 1)
    up = render.upsample(record.unit_maps[2], (H * S, W * S))
    expected = 0.5 * image + 0.3 * render.jet((up - up.min()) / (up.max() - up.min()))
    h0, h1, w0, w1 = (v * S for v in entry["box"])
    outside = np.ones((H * S, W * S), bool)
    outside[h0:h1, w0:w1] = False  # the outline lies on the box's border pixels
    np.testing.assert_allclose(pixels[outside], expected[outside], atol=1 / 255 + 1e-6)


def test_file_names_stay_unique_for_ids_that_read_the_same():
    """'a b/x.png', 'a&b/x.png' and 'a_b/x.png' become the same readable name; the hash keeps them apart, and
    the same id always gets the same name."""
    ids = ["a b/x.png", "a&b/x.png", "a_b/x.png", "a b/x.png:3"]
    stems = [file_stem(i) for i in ids]
    assert len(set(stems)) == 4 and all(s.startswith("a_b_x.png") for s in stems)
    assert file_stem("a b/x.png") == stems[0]


def test_unit_pictures_from_their_own_image_or_their_training_source(tmp_path):
    dataset = [{"inputs": torch.rand(1, H, W), "targets": torch.tensor(i)} for i in range(6)]
    units = [
        GlobalUnit(0, "prototype 0", "prototype", source=SourceRef("train", 4, {"high_activation": [2, 9, 1, 5]})),
        GlobalUnit(1, "prototype 1", "prototype"),  # never projected: no picture
        GlobalUnit(2, "prototype 2", "prototype", source=SourceRef("train", 99, {"high_activation": [0, 1, 0, 1]})),
        GlobalUnit(3, "component 3", "component", image=np.full((H, W, 1), 0.5, dtype=np.float32)),
    ]
    explanation = GlobalExplanation("prototype", "toy", ["a", "b"], units)
    patches = unit_patches(explanation, dataset)
    assert sorted(patches) == [0, 3]
    index = write_unit_images(explanation, patches, dataset, tmp_path)
    assert [e["unit"] for e in index] == [0, 3] and "source_png" not in index[1]
    assert Image.open(tmp_path / "unit_0_source.png").size == (W * S, H * S)
    assert Image.open(tmp_path / "unit_0.png").size == ((5 - 1) * S, (9 - 2) * S)
    patch = np.asarray(Image.open(tmp_path / "unit_0.png"))[::S, ::S, 0] / 255
    np.testing.assert_allclose(patch, dataset[4]["inputs"][0, 2:9, 1:5].numpy(), atol=1 / 255)
    assert Image.open(tmp_path / "unit_3.png").size == (W * S, H * S)
