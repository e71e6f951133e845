"""cub200 on a tiny CUB_200_2011 tree written here with the official text-file formats and JPEGs."""

import shutil

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from datamodules import DataRootError, create_datamodule
from datamodules.concepts import ConceptDataError
from datamodules.cub import CBM_ATTRIBUTES, CUB_URL, class_level_attributes, crop_box, read_attributes, transform_points
from datamodules.images import IMAGENET_MEAN

CLASSES = ["001.Black_footed_Albatross", "002.Laysan_Albatross", "003.Sooty_Albatross"]
COLOURS = [(230, 30, 30), (30, 230, 30), (30, 30, 230)]
ATTRIBUTES = ["has_bill_shape::dagger", "has_bill_shape::hooked_seabird", "has_wing_color::blue",
              "has_wing_color::brown", "has_wing_color::grey", "has_size::large_(16_-_32_in)"]
PARTS = ["back", "left eye", "tail"]
WIDTH, HEIGHT, SIZE = 60, 40, 16


def bbox_of(image_id):
    return (8.0 + image_id % 3, 6.0 + image_id % 2, 40.0, 24.0)  # x, y, w, h


def back_of(image_id):
    return (26.0 + image_id % 4, 17.0 + image_id % 3)  # the "back" part, inside the box


def is_present(image_id, attribute):
    return (image_id + attribute) % 2


def certainty(image_id, attribute):
    return 1 + (image_id * attribute) % 4


def write_cub(root, per_class=4, attributes=ATTRIBUTES, present=is_present, sure=certainty):
    """Class k has per_class images; the last of each class is a test image. Each image: grey background,
    the box filled with the class colour, a white 8x8 marker centred on the "back" part."""
    folder = root / "CUB_200_2011"
    for sub in ("attributes", "parts"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    images, labels, split, boxes, attribute_rows, part_rows = [], [], [], [], [], []
    for k, class_name in enumerate(CLASSES):
        (folder / "images" / class_name).mkdir(parents=True)
        for j in range(per_class):
            image_id = k * per_class + j + 1
            path = f"{class_name}/{class_name[4:]}_{image_id:04d}_{100 + image_id}.jpg"
            x, y, w, h = bbox_of(image_id)
            bx, by = back_of(image_id)
            image = Image.new("RGB", (WIDTH, HEIGHT), (128, 128, 128))
            draw = ImageDraw.Draw(image)
            draw.rectangle([x, y, x + w - 1, y + h - 1], fill=COLOURS[k])
            draw.rectangle([bx - 4, by - 4, bx + 3, by + 3], fill=(255, 255, 255))
            image.save(folder / "images" / path, quality=95, subsampling=0)  # 4:4:4 keeps edges sharp
            images.append(f"{image_id} {path}")
            labels.append(f"{image_id} {k + 1}")
            split.append(f"{image_id} {int(j < per_class - 1)}")
            boxes.append(f"{image_id} {x} {y} {w} {h}")
            for a in range(1, len(attributes) + 1):
                extra = " 0" if (image_id, a) == (2, 3) else ""  # as in a few rows of the real file
                attribute_rows.append(f"{image_id} {a} {present(image_id, a)} {sure(image_id, a)} "
                                      f"{1.5 * a:.3f}{extra}")
            part_rows += [f"{image_id} 1 {bx} {by} 1", f"{image_id} 2 5.0 5.0 1", f"{image_id} 3 0.0 0.0 0"]
    (folder / "images.txt").write_text("\n".join(images) + "\n")
    (folder / "image_class_labels.txt").write_text("\n".join(labels) + "\n")
    (folder / "train_test_split.txt").write_text("\n".join(split) + "\n")
    (folder / "bounding_boxes.txt").write_text("\n".join(boxes) + "\n")
    (folder / "classes.txt").write_text("".join(f"{i} {c}\n" for i, c in enumerate(CLASSES, 1)))
    (root / "attributes.txt").write_text("".join(f"{i} {a}\n" for i, a in enumerate(attributes, 1)))
    certainties = "1 not visible\n2 guessing\n3 probably\n4 definitely\n"
    (folder / "attributes" / "certainties.txt").write_text(certainties)
    (folder / "attributes" / "image_attribute_labels.txt").write_text("\n".join(attribute_rows) + "\n")
    (folder / "parts" / "parts.txt").write_text("".join(f"{i} {p}\n" for i, p in enumerate(PARTS, 1)))
    (folder / "parts" / "part_locs.txt").write_text("\n".join(part_rows) + "\n")
    return folder


@pytest.fixture(scope="module")
def cub_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("cub")
    write_cub(root)
    return root


def make(root, **kwargs):
    kwargs = {"image_size": SIZE, "val_fraction": 1 / 3, **kwargs}
    dm = create_datamodule("cub200", root=root, **kwargs)
    dm.setup()
    return dm


def test_spec(cub_root):
    spec = create_datamodule("cub200", root=cub_root, image_size=(16, 24)).spec
    assert spec.class_names == ["Black_footed_Albatross", "Laysan_Albatross", "Sooty_Albatross"]
    assert spec.num_classes == 3 and spec.input_shape == (3, 16, 24) and spec.mean == IMAGENET_MEAN
    assert spec.concept_names is None and spec.preprocessing["crop"] == "bounding box"
    assert create_datamodule("cub200", root=cub_root, crop_to_bbox=False).spec.preprocessing["crop"] is None


def test_official_split_with_stratified_validation(cub_root):
    dm = make(cub_root)
    train, val, test = (dm.split_positions(s) for s in ("train", "val", "test"))
    assert (len(train), len(val), len(test)) == (6, 3, 3)
    assert set(test) == {3, 7, 11}  # the rows marked 0 in train_test_split.txt
    assert not set(train) & set(val) and not (set(train) | set(val)) & set(test)
    assert sorted(int(dm.val_set[i]["targets"]) for i in range(3)) == [0, 1, 2]
    assert make(cub_root).split_positions("val") == val
    assert dm.val_set.dataset is dm.train_eval_set.dataset and dm.test_set.dataset is not dm.train_eval_set.dataset


def test_crop_to_bbox_keeps_only_the_box(cub_root):
    for crop in (True, False):
        dm = make(cub_root, crop_to_bbox=crop)
        for i in range(len(dm.test_set)):
            image, label = dm.test_set[i]["inputs"], dm.test_set[i]["targets"]
            assert image.shape == (3, SIZE, SIZE) and 0 <= image.min() and image.max() <= 1
            colour = torch.tensor(COLOURS[int(label)]) / 255
            corner = image[:, 0, 0]
            if crop:  # the box's colour reaches the corner; the grey background is gone
                assert torch.allclose(corner, colour, atol=0.08)
            else:
                assert torch.allclose(corner, torch.full((3,), 128 / 255), atol=0.08)


def test_part_locations_follow_the_crop_and_resize(cub_root):
    dm = create_datamodule("cub200", root=cub_root, image_size=SIZE, val_fraction=1 / 3)
    notes = dm.annotations("test")  # sets the datamodule up on first use
    assert notes["part_names"] == PARTS and notes["image_id"].tolist() == [4, 8, 12]
    for k, image_id in enumerate(notes["image_id"].tolist()):
        x, y, w, h = bbox_of(image_id)
        left, top = int(x), int(y)
        assert notes["crop_box"][k].tolist() == [left, top, left + int(w), top + int(h)]
        bx, by = back_of(image_id)
        expected = torch.tensor([(bx - left) * SIZE / w, (by - top) * SIZE / h])
        torch.testing.assert_close(notes["part_locations"][k, 0], expected)
        # the white marker drawn around the part is where the transformed location says
        image = dm.test_set[k]["inputs"]
        column, row = (int(v) for v in notes["part_locations"][k, 0])
        assert image[:, row, column].min() > 0.75
        assert notes["part_visible"][k].tolist() == [True, False, False]  # the eye lies outside the box
    uncropped = make(cub_root, crop_to_bbox=False).annotations("test")
    assert uncropped["part_visible"][:, 1].all()
    eye = torch.tensor([[5 * SIZE / WIDTH, 5 * SIZE / HEIGHT]] * 3)
    torch.testing.assert_close(uncropped["part_locations"][:, 1], eye)


def test_attributes_and_certainty_per_image(cub_root):
    dm = make(cub_root)
    notes = dm.annotations("train")
    for k, image_id in enumerate(notes["image_id"].tolist()):
        assert notes["attributes"][k].tolist() == [is_present(image_id, a) for a in range(1, 7)]
        assert notes["certainty"][k].tolist() == [certainty(image_id, a) for a in range(1, 7)]
    assert notes["label"].tolist() == [int(dm.train_eval_set[k]["targets"]) for k in range(len(dm.train_eval_set))]


def test_return_concepts(cub_root):
    dm = make(cub_root, return_concepts=True, batch_size=4)
    assert dm.spec.concept_names == ATTRIBUTES
    assert dm.spec.concept_groups == {"has_bill_shape": [0, 1], "has_wing_color": [2, 3, 4], "has_size": [5]}
    image_ids = dm.annotations("val")["image_id"].tolist()
    for k, image_id in enumerate(image_ids):
        item = dm.val_set[k]
        concepts = item["concepts"]
        assert concepts.dtype == torch.float32
        assert concepts.tolist() == [is_present(image_id, a) for a in range(1, 7)]
    batch = next(iter(dm.train_dataloader()))  # augmented, concepts ride along
    images, labels, concepts = batch.inputs, batch.targets, batch.concepts
    assert images.shape == (4, 3, SIZE, SIZE) and labels.shape == (4,) and concepts.shape == (4, 6)

    subset = make(cub_root, return_concepts=True, attribute_indices=[2, 5])
    assert subset.spec.concept_names == [ATTRIBUTES[2], ATTRIBUTES[5]]
    assert subset.spec.concept_groups == {"has_wing_color": [0], "has_size": [1]}
    assert subset.test_set[0]["concepts"].tolist() == [is_present(4, 3), is_present(4, 6)]


def test_training_augmentation_keeps_shape_and_changes_pixels(cub_root):
    dm = make(cub_root)
    torch.manual_seed(0)
    augmented = torch.stack([dm.train_set[i]["inputs"] for i in range(len(dm.train_set))])
    plain = torch.stack([dm.train_eval_set[i]["inputs"] for i in range(len(dm.train_eval_set))])
    assert augmented.shape == plain.shape and not torch.equal(augmented, plain)
    assert dm.train_eval_set.transform is None and 0 <= augmented.min() and augmented.max() <= 1


def test_missing_or_incomplete_root(tmp_path, cub_root):
    with pytest.raises(DataRootError) as error:
        create_datamodule("cub200", root=tmp_path / "nowhere").setup()
    message = str(error.value)
    assert "CUB_200_2011" in message and "images.txt" in message
    assert "https://data.caltech.edu/records/65de6-vp158" in message and "tar -xzf" in message

    copy = tmp_path / "copy"
    shutil.copytree(cub_root, copy)
    next((copy / "CUB_200_2011" / "images" / CLASSES[1]).iterdir()).unlink()
    with pytest.raises(DataRootError, match="1 of 12 images"):
        create_datamodule("cub200", root=copy).setup()
    shutil.rmtree(copy / "CUB_200_2011" / "attributes")
    with pytest.raises(DataRootError, match="image_attribute_labels.txt"):
        create_datamodule("cub200", root=copy, return_concepts=True).setup()


def test_crop_box_and_point_transform():
    assert crop_box((10.4, 5.0, 20.2, 9.5), (100, 100)) == (10, 5, 31, 15)
    assert crop_box((90.0, -2.0, 30.0, 10.0), (100, 50)) == (90, 0, 100, 8)  # clipped to the image
    points = torch.tensor([[10.0, 5.0], [30.0, 15.0], [20.0, 10.0]])
    torch.testing.assert_close(transform_points(points, (10, 5, 30, 15), (20, 40)),
                               torch.tensor([[0.0, 0.0], [40.0, 20.0], [20.0, 10.0]]))


def test_download_fetches_the_official_archive(tmp_path, monkeypatch):
    import torchvision.datasets.utils

    calls = []

    def fake_download(url, download_root, filename, md5):
        calls.append((url, filename, md5))
        write_cub(tmp_path)

    monkeypatch.setattr(torchvision.datasets.utils, "download_and_extract_archive", fake_download)
    dm = make(tmp_path, download=True)
    assert calls == [(CUB_URL, "CUB_200_2011.tgz", "97eceeb196236b17998738112f37df78")]
    assert len(dm.test_set) == 3


def test_attribute_rows_with_extra_fields_parse_without_fast_path(cub_root, monkeypatch):
    fast = read_attributes(cub_root / "CUB_200_2011" / "attributes" / "image_attribute_labels.txt",
                           list(range(1, 13)), len(ATTRIBUTES))

    def strict_loadtxt(*args, **kwargs):
        raise ValueError("the number of columns changed")

    monkeypatch.setattr(np, "loadtxt", strict_loadtxt)
    slow = read_attributes(cub_root / "CUB_200_2011" / "attributes" / "image_attribute_labels.txt",
                           list(range(1, 13)), len(ATTRIBUTES))
    assert torch.equal(fast[0], slow[0]) and torch.equal(fast[1], slow[1])
    assert slow[1][1, 2] == certainty(2, 3)  # the row with the extra field


# ---- the CBM paper's concept side (cub200_cbm) --------------------------------------------------------------
# 312 attributes in 28 groups of consecutive names, as in CUB's attributes.txt (sizes invented, sum 312)
GROUP_SIZES = [9, 15, 15, 15, 4, 15, 6, 15, 11, 15, 15, 14, 3, 15, 15, 15, 15, 5, 5, 14, 4, 4, 4, 15, 15, 15, 15, 4]
FULL_ATTRIBUTES = [f"has_part{g}_property::value{v}" for g, n in enumerate(GROUP_SIZES) for v in range(n)]


def cbm_present(image_id, attribute):
    return int((image_id * 7 + attribute * 3) % 5 < 2)


def cbm_certainty(image_id, attribute):
    return 1 + (image_id + 2 * attribute) % 4


@pytest.fixture(scope="module")
def cbm_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("cub_cbm")
    write_cub(root, per_class=5, attributes=FULL_ATTRIBUTES, present=cbm_present, sure=cbm_certainty)
    return root


def koh_majority_vote(train_ids, train_labels):
    """The loop of CUB/generate_new_data.py, over the same images: counts per class of 0/1 labels, skipping
    not-visible zeros; argmax, ties -> 1."""
    counts = np.zeros((3, 312, 2))
    for image_id, label in zip(train_ids, train_labels):
        for a in range(312):
            value, sure = cbm_present(image_id, a + 1), cbm_certainty(image_id, a + 1)
            if value == 0 and sure == 1:
                continue
            counts[label, a, value] += 1
    best = counts.argmax(2)
    best[counts.argmin(2) == best] = 1
    return best


def test_cbm_concepts_are_the_112_class_level_attributes(cbm_root):
    dm = create_datamodule("cub200_cbm", root=cbm_root, image_size=SIZE, val_fraction=0.25)
    dm.setup()
    spec = dm.spec
    assert len(CBM_ATTRIBUTES) == 112 and spec.num_concepts == 112
    assert spec.concept_names == [FULL_ATTRIBUTES[i] for i in CBM_ATTRIBUTES]
    groups = {name.split("::")[0] for name in spec.concept_names}
    assert set(spec.concept_groups) == groups and sum(map(len, spec.concept_groups.values())) == 112
    assert spec.mean == (0.5,) * 3 and spec.std == (2.0,) * 3  # Koh's Normalize(0.5, 2)
    train = dm.annotations("train")
    expected = koh_majority_vote(train["image_id"].tolist(), train["label"].tolist())[:, list(CBM_ATTRIBUTES)]
    for split in ("train", "val", "test"):  # every image, test images too, gets its class's vector
        notes = dm.annotations(split)
        concepts = dm.split_concepts(split)
        assert concepts.tolist() == expected[notes["label"].numpy()].tolist()
        item = dm.eval_dataset(split)[0]
        assert item["concepts"].tolist() == concepts[0].tolist()
        assert item["concept_certainty"].tolist() == notes["certainty"][0, list(CBM_ATTRIBUTES)].tolist()
    batch = next(iter(dm.train_dataloader()))
    assert batch.concepts.shape[1] == 112 and batch.concept_certainty.shape == batch.concepts.shape


def test_majority_vote_skips_not_visible_zeros_and_breaks_ties_to_one():
    is_present = torch.tensor([[0, 0, 1], [0, 1, 0], [1, 0, 0]], dtype=torch.uint8)
    certainty = torch.tensor([[1, 3, 3], [1, 3, 3], [3, 1, 3]], dtype=torch.uint8)
    labels = torch.tensor([0, 0, 0])
    # attribute 0: two not-visible zeros skipped, one 1 -> 1; attribute 1: one 0 (one skipped), one 1 -> tie -> 1;
    # attribute 2: two visible zeros, one 1 -> 0
    assert class_level_attributes(is_present, certainty, labels, 1).tolist() == [[1.0, 1.0, 0.0]]
    assert class_level_attributes(is_present[:0], certainty[:0], labels[:0], 1).tolist() == [[1.0, 1.0, 1.0]]


def _rewrite_attribute_rows(folder, edit):
    path = folder / "CUB_200_2011" / "attributes" / "image_attribute_labels.txt"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(edit(lines)) + "\n")


def test_concept_files_with_missing_rows_or_labels_outside_the_declared_ones(tmp_path, cub_root):
    cases = {
        "missing": (lambda lines: lines[:5] + lines[6:], "one row per attribute"),
        "repeated": (lambda lines: lines + lines[:1], "more than one"),
        "bad value": (lambda lines: [lines[0].replace(" 0 ", " 2 ", 1) if i == 0 else line
                                     for i, line in enumerate(lines)], "is_present outside"),
        "bad certainty": (lambda lines: [" ".join(line.split()[:3] + ["7"] + line.split()[4:]) if i == 1 else line
                                         for i, line in enumerate(lines)], "certainty outside"),
        "unknown attribute": (lambda lines: lines + ["1 99 1 3 0.5"], "attribute ids outside 1..6"),
    }
    for name, (edit, message) in cases.items():
        copy = tmp_path / name.replace(" ", "_")
        shutil.copytree(cub_root, copy)
        _rewrite_attribute_rows(copy, edit)
        with pytest.raises((ConceptDataError, ValueError), match=message):
            create_datamodule("cub200", root=copy, return_concepts=True, image_size=SIZE).setup()


def test_attribute_sets_and_options_are_checked(cub_root):
    with pytest.raises(ValueError, match="cbm112"):
        create_datamodule("cub200", root=cub_root, attribute_indices="cbm113")
    with pytest.raises(ValueError, match="concept_labels"):
        create_datamodule("cub200", root=cub_root, concept_labels="instance")
    spec = create_datamodule("cub200_cbm").default_spec()
    assert spec.num_concepts == 112 and spec.input_shape == (3, 299, 299)


# ---- the Concept Transformer's concept side (cub200_parts) --------------------------------------------------
CUB_GROUPS = ["bill_shape", "wing_color", "upperparts_color", "underparts_color", "breast_pattern", "back_color",
              "tail_shape", "upper_tail_color", "head_pattern", "breast_color", "throat_color", "eye_color",
              "bill_length", "forehead_color", "under_tail_color", "nape_color", "belly_color", "wing_shape", "size",
              "shape", "back_pattern", "tail_pattern", "belly_pattern", "primary_color", "leg_color", "bill_color",
              "crown_color", "wing_pattern"]  # CUB's 28 categories in attributes.txt order
CUB_NAMES = [f"has_{g}::value{v}" for g, n in zip(CUB_GROUPS, GROUP_SIZES) for v in range(n)]
CUB_PARTS = ["back", "beak", "belly", "breast", "crown", "forehead", "left eye", "left leg", "left wing", "nape",
             "right eye", "right leg", "right wing", "tail", "throat"]


def test_cub_parts_locates_concepts_on_the_patch_grid(tmp_path):
    from datamodules.cub import CT_ATTRIBUTES, attribute_parts

    write_cub(tmp_path, per_class=2, attributes=CUB_NAMES, present=lambda i, a: 1, sure=lambda i, a: 3)
    folder = tmp_path / "CUB_200_2011"
    (folder / "parts" / "parts.txt").write_text("".join(f"{i} {p}\n" for i, p in enumerate(CUB_PARTS, 1)))
    rows = []
    for image_id in range(1, 7):
        x, y, _, _ = bbox_of(image_id)
        for part in range(1, 16):  # the back and the beak visible, inside the box; the rest not visible
            visible = part in (1, 2)
            px, py = (x + 10, y + 6) if part == 1 else (x + 30, y + 18) if part == 2 else (0, 0)
            rows.append(f"{image_id} {part} {px} {py} {int(visible)}")
    (folder / "parts" / "part_locs.txt").write_text("\n".join(rows) + "\n")
    dm = create_datamodule("cub200_parts", root=tmp_path, image_size=28, grid=14, val_fraction=0.34)
    dm.setup()
    spec = dm.spec
    names = [CUB_NAMES[i] for i in CT_ATTRIBUTES]
    assert spec.concept_names == names and spec.concept_grid == (14, 14)
    located = attribute_parts(names)
    spatial = spec.preprocessing["spatial_concepts"]
    assert len(names) == 108 and len(spatial) == 95  # CT: 13 global + 95 spatial
    assert located[names.index("has_back_color::value1")] == [0]
    assert located[names.index("has_wing_color::value1")] == [8, 12]
    item = dm.test_set[0]
    maps = item["spatial_concepts"]  # (108, 14, 14)
    back = names.index("has_back_color::value1")
    beak = names.index("has_bill_shape::value1")
    x, y, w, h = bbox_of(int(dm.annotations("test")["image_id"][0]))
    back_cell = (int(6 / h * 14), int(10 / w * 14))  # the back at (x + 10, y + 6) in a box of w x h
    beak_cell = (int(18 / h * 14), int(30 / w * 14))
    assert maps[back][back_cell] == 1 and maps[beak][beak_cell] == 1
    assert maps[beak][back_cell] == 0 and maps[back][beak_cell] == 0  # other located concepts on a marked patch
    assert torch.isnan(maps[back][0, 13])  # a patch without any located concept
    assert torch.isnan(maps[[k for k in range(108) if k not in spatial]]).all()  # global concepts: never located
    assert item["concepts"].shape == (108,) and item["concepts"].eq(1).all()
