"""Exporters: JSONL, PNG overlays, HTML, global explanation, prototype sources; atomic writes; streaming."""

from __future__ import annotations

import base64
import io
import json
import re

import numpy as np
import pytest
import torch
from PIL import Image

from explain import (
    export_explanations,
    render,
    write_html,
    write_jsonl,
    write_png_overlays,
    write_prototype_sources,
)
from models import create_model
from models.explanation import Evidence, Explanation

H, W = 16, 12  # a non-square image catches (H, W) / (W, H) mix-ups
S = render.display_scale((H, W))  # small images are drawn S times larger


def make_record(i: int, with_maps: bool = True, channels_last: bool = False) -> Explanation:
    generator = torch.Generator().manual_seed(i)
    image = torch.rand(1, H, W, generator=generator)
    similarity = torch.rand(4, 3, generator=generator)  # a (H', W') map on the feature grid
    contributions = [0.5, -0.25, 1.0, 0.125]
    logits = [0.0, sum(contributions) + 0.1]
    maps = {}
    if with_maps:
        maps = {"image": image.permute(1, 2, 0).numpy() if channels_last else image.numpy(),
                "unit:2": similarity.numpy(), "unit:0": (similarity * 2).numpy()}
    return Explanation(kind="prototype", prediction=1, probabilities=[0.3, 0.7], logits=logits,
                       explained_class=1, contributions=contributions, bias=0.1, target=1,
                       class_names=["a", "b"], input_id=f"img/{i}",
                       evidence=[Evidence("prototype 2", 2, 1.0, 0.9, 1.1),
                                 Evidence("prototype 0", 0, 0.5, 0.4, 1.2)],
                       maps=maps)


def temp_files(folder) -> list:
    return [p for p in folder.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]


# ---- pixels ----------------------------------------------------------------------------------------------
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


def test_box_agrees_with_protopnet_own_box():
    protopnet = pytest.importorskip("models.protopnet")
    maps = torch.rand(5, 7, 7)
    expected = protopnet.high_activation_boxes(maps, (28, 28)).tolist()
    assert [list(render.high_activation_box(render.upsample(m, (28, 28)))) for m in maps] == expected


def test_overlay_is_half_image_plus_three_tenths_jet():
    image = np.full((H, W, 3), 0.4, dtype=np.float32)
    activation = np.linspace(0, 1, H * W, dtype=np.float32).reshape(H, W)
    mixed = render.overlay(image, activation)
    np.testing.assert_allclose(mixed[0, 0], 0.2 + 0.3 * np.array([0, 0, 0.5]), atol=1e-6)  # jet(0): dark blue
    np.testing.assert_allclose(mixed[-1, -1], 0.2 + 0.3 * np.array([0.5, 0, 0]), atol=1e-6)  # jet(1): red


# ---- writers ---------------------------------------------------------------------------------------------
def test_jsonl_one_valid_record_per_line_with_input_id(tmp_path):
    records = [make_record(i) for i in range(5)] + [make_record(5, with_maps=False)]
    records[-1].input_id = None
    path = tmp_path / "out" / "e.jsonl"
    assert write_jsonl(records, path) == 6
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [d["input_id"] for d in lines] == [f"img/{i}" for i in range(5)] + ["5"]
    assert all("maps" not in d and d["predicted_label"] == "b" for d in lines)
    assert lines[0]["evidence"][0] == {"unit": "prototype 2", "index": 2, "contribution": 1.0, "score": 0.9,
                                       "weight": 1.1, "details": {}}
    assert not temp_files(tmp_path)


def test_failed_write_leaves_no_partial_file_and_keeps_the_old_one(tmp_path):
    def broken():
        yield make_record(0)
        yield make_record(1)
        raise RuntimeError("disk full")

    path = tmp_path / "e.jsonl"
    with pytest.raises(RuntimeError, match="disk full"):
        write_jsonl(broken(), path)
    assert not path.exists() and not temp_files(tmp_path)
    write_jsonl([make_record(7)], path)
    with pytest.raises(RuntimeError):
        write_jsonl(broken(), path)
    assert [json.loads(line)["input_id"] for line in path.read_text().splitlines()] == ["img/7"]
    with pytest.raises(RuntimeError):
        write_html(broken(), tmp_path / "page.html")
    assert not (tmp_path / "page.html").exists() and not temp_files(tmp_path)


@pytest.mark.parametrize("channels_last", [False, True])
def test_png_overlays_have_the_image_size_and_a_box_inside_it(tmp_path, channels_last):
    records = [make_record(i, channels_last=channels_last) for i in range(3)]
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
    assert index[0]["file"] == "img_0_unit2.png"
    assert not temp_files(tmp_path)


def test_png_overlay_pixels_match_the_formula(tmp_path):
    record = make_record(0)
    entry = write_png_overlays([record], tmp_path)[0]
    pixels = np.asarray(Image.open(tmp_path / entry["file"])).astype(float) / 255
    image = np.repeat(record.maps["image"][0][:, :, None], 3, axis=-1).repeat(S, 0).repeat(S, 1)
    up = render.upsample(record.maps["unit:2"], (H * S, W * S))
    expected = 0.5 * image + 0.3 * render.jet((up - up.min()) / (up.max() - up.min()))
    h0, h1, w0, w1 = (v * S for v in entry["box"])
    outside = np.ones((H * S, W * S), bool)
    outside[h0:h1, w0:w1] = False  # the outline lies on the box's border pixels
    np.testing.assert_allclose(pixels[outside], expected[outside], atol=1 / 255 + 1e-6)


def test_html_is_self_contained_with_an_evidence_table(tmp_path):
    records = [make_record(i) for i in range(3)]
    path = tmp_path / "page.html"
    assert write_html(records, path, title="t <1>") == 3
    page = path.read_text()
    assert page.count("<section>") == 3 and "t &lt;1&gt;" in page and page.rstrip().endswith("</html>")
    assert "src=\"http" not in page and "<script" not in page
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 3 * 3  # input + two overlays per record
    assert Image.open(io.BytesIO(base64.b64decode(images[0]))).size == (W * S, H * S)
    assert "prototype 2" in page and "+1.0000" in page and "+0.1000" in page  # evidence and bias rows


def test_prototype_sources_rendered_from_the_push_split_and_skipped_when_absent(tmp_path):
    dataset = torch.utils.data.TensorDataset(torch.rand(6, 1, H, W), torch.arange(6))
    explanation = {"prototypes": [
        {"index": 0, "source": {"index": 4, "high_activation_box": [2, 9, 1, 5],
                                "receptive_field_box": [0, 16, 0, 12]}},
        {"index": 1, "source": None},  # never projected
        {"index": 2, "source": {"index": 99, "high_activation_box": [0, 1, 0, 1]}},  # not in this split
    ]}
    index = write_prototype_sources(explanation, dataset, tmp_path)
    assert [e["prototype"] for e in index] == [0]
    assert Image.open(tmp_path / "prototype_0_source.png").size == (W * S, H * S)
    assert Image.open(tmp_path / "prototype_0_patch.png").size == ((5 - 1) * S, (9 - 2) * S)
    patch = np.asarray(Image.open(tmp_path / "prototype_0_patch.png"))[::S, ::S, 0] / 255
    np.testing.assert_allclose(patch, dataset[4][0][0, 2:9, 1:5].numpy(), atol=1 / 255)
    assert write_prototype_sources({"kind": "channel", "head_weights": []}, dataset, tmp_path / "none") == []
    assert not (tmp_path / "none").exists()


# ---- the driver ------------------------------------------------------------------------------------------
def test_export_streams_batches_and_writes_every_format(tmp_path):
    model = create_model("linear_small8").eval()
    x, y = torch.rand(150, 1, 8, 8), torch.randint(0, 10, (150,))
    batches = ((x[i:i + 32], y[i:i + 32]) for i in range(0, 150, 32))  # a one-pass iterator, no len()
    result = export_explanations(model, batches, tmp_path, id_prefix="val-", image_limit=5)
    assert result.records == 150
    lines = (tmp_path / "explanations.jsonl").read_text().splitlines()
    assert len(lines) == 150 and json.loads(lines[149])["input_id"] == "val-00149"
    for line in lines[:20]:
        record = json.loads(line)
        assert record["target"] is not None and len(record["evidence"]) == 5
    assert (tmp_path / "index.html").read_text().count("<section>") == 5
    assert json.loads((tmp_path / "global_explanation.json").read_text())["kind"] == "channel"
    assert result.overlays == 0 and not (tmp_path / "overlays").exists()  # no unit maps: no overlays
    assert not temp_files(tmp_path)


def test_export_limit_ids_and_formats(tmp_path):
    model = create_model("linear_small8").eval()
    ids = [f"photo_{i}.png" for i in range(10)]
    result = export_explanations(model, torch.rand(10, 1, 8, 8), tmp_path, formats=["jsonl"], ids=ids,
                                 limit=4)
    assert result.records == 4 and set(result.files) == {"jsonl"}
    lines = (tmp_path / "explanations.jsonl").read_text().splitlines()
    assert [json.loads(line)["input_id"] for line in lines] == ids[:4]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["explanations.jsonl"]
    with pytest.raises(ValueError, match="unknown export format"):
        export_explanations(model, torch.rand(2, 1, 8, 8), tmp_path, formats=["pdf"])


def test_export_of_a_prototype_model_writes_overlays_and_sources(tmp_path):
    pytest.importorskip("models.protopnet")
    from datamodules import create_datamodule

    datamodule = create_datamodule("digits")
    datamodule.setup("fit")
    model = create_model("protopnet_small8", spec=datamodule.spec, prototypes_per_class=1).eval()
    model.push(datamodule.push_dataloader())
    for push_data in (datamodule.push_dataloader(), datamodule.push_set):  # a loader or its dataset
        result = export_explanations(model, datamodule.test_dataloader(), tmp_path, limit=6, image_limit=2,
                                     top_k=3, push_data=push_data)
        assert result.records == 6 and result.overlays == 2 * 3
        assert result.prototype_sources == 10
        for entry in json.loads((tmp_path / "prototypes" / "index.json").read_text()):
            # the patch is cut from the push split's own image (not from the dataset under the split)
            patch = np.asarray(Image.open(tmp_path / "prototypes" / entry["patch_png"]))[::8, ::8, 0] / 255
            h0, h1, w0, w1 = entry["box"]
            source = datamodule.push_set[entry["source_index"]][0][0, h0:h1, w0:w1].numpy()
            np.testing.assert_allclose(patch, source, atol=1 / 255)
    for entry in json.loads((tmp_path / "overlays.json").read_text()):
        assert Image.open(tmp_path / entry["file"]).size == (64, 64)  # 8x8 digits drawn 8 times larger
    page = (tmp_path / "index.html").read_text()
    # per record: the input, and each overlay beside its prototype's source patch
    assert page.count("data:image/png") == 2 * (1 + 3 * 2) and page.count("its source patch") == 2 * 3


class TokenModel:
    """A stand-in for a sequence model that explains every position of an input in its own record."""

    variant = "token_model"

    def __init__(self, name_records: bool = True):
        self.name_records = name_records

    def explain(self, batch, top_k=5, explain_class="prediction"):
        records = []
        for b in range(len(batch)):
            for t in range(3):
                record = make_record(t, with_maps=False)
                record.input_id = f"{b}:{t}" if self.name_records else None
                records.append(record)
        return records

    def global_explanation(self):
        raise NotImplementedError


def test_several_records_per_input_keep_their_part_names(tmp_path):
    sequences = torch.randint(0, 5, (7, 4))  # (N, T) token ids: not images
    ids = [f"seq{i}" for i in range(7)]
    result = export_explanations(TokenModel(), sequences, tmp_path, ids=ids, limit=5)
    assert (result.inputs, result.records) == (5, 15)
    lines = (tmp_path / "explanations.jsonl").read_text().splitlines()
    assert [json.loads(line)["input_id"] for line in lines[:4]] == ["seq0:0", "seq0:1", "seq0:2", "seq1:0"]
    assert "global" not in result.files
    with pytest.raises(ValueError, match="must name them '<row>:<part>'"):
        export_explanations(TokenModel(name_records=False), sequences, tmp_path / "bad")
    assert not (tmp_path / "bad" / "explanations.jsonl").exists() and not temp_files(tmp_path)
