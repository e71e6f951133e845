"""The export driver (explain/export.py): JSONL, streaming, the manifest, sequence records, atomic folders."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from records import make_record, temp_files

from explain import export_explanations, file_stem, write_jsonl
from models import create_model
from models.explanation import record_completeness_gap

ROOT = Path(__file__).resolve().parents[2]


def read_jsonl(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def test_jsonl_one_valid_record_per_line_with_input_id(tmp_path):
    records = [make_record(i) for i in range(5)] + [make_record(5, with_maps=False)]
    records[-1].input_id = None
    path = tmp_path / "out" / "e.jsonl"
    assert write_jsonl(records, path) == 6
    lines = read_jsonl(path)
    assert [d["input_id"] for d in lines] == [f"img/{i}" for i in range(5)] + ["5"]
    assert all("image" not in d and "class_names" not in d and d["predicted_label"] == "b" for d in lines)
    assert lines[0]["evidence"][0] == {"unit": "prototype 2", "index": 2, "contribution": 1.0, "score": 0.9,
                                       "weight": 1.1, "details": {}}
    assert lines[0]["output"] == "logit" and lines[0]["value"] == pytest.approx(1.475)
    assert record_completeness_gap(lines[0]) < 1e-12
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
    assert [r["input_id"] for r in read_jsonl(path)] == ["img/7"]


def test_export_streams_batches_and_writes_every_format(tmp_path):
    model = create_model("linear_small8").eval()
    x, y = torch.rand(150, 1, 8, 8), torch.randint(0, 10, (150,))
    batches = ((x[i:i + 32], y[i:i + 32]) for i in range(0, 150, 32))  # a one-pass iterator, no len()
    result = export_explanations(model, batches, tmp_path, id_prefix="val-", image_limit=5)
    assert result.records == 150
    lines = read_jsonl(tmp_path / "explanations.jsonl")
    assert len(lines) == 150 and lines[149]["input_id"] == "val-00149"
    for record in lines[:20]:
        assert record["target"] is not None and len(record["evidence"]) == 5 and record_completeness_gap(record) < 1e-5
    assert (tmp_path / "index.html").is_file() and len(list((tmp_path / "predictions").iterdir())) == 150
    assert len(list((tmp_path / "inputs").iterdir())) == 5  # pictures up to the image limit
    assert json.loads((tmp_path / "global_explanation.json").read_text())["kind"] == "channel"
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["class_names"] == [str(i) for i in range(10)] and manifest["records"] == 150
    assert manifest["unit_names"][:2] == ["channel 0", "channel 1"] and manifest["output"] == "logit"
    assert result.overlays == 0 and not (tmp_path / "overlays").exists()  # no unit maps: no overlays
    assert not temp_files(tmp_path)


def test_export_limit_ids_and_formats(tmp_path):
    model = create_model("linear_small8").eval()
    ids = [f"photo_{i}.png" for i in range(10)]
    result = export_explanations(model, torch.rand(10, 1, 8, 8), tmp_path / "e", formats=["jsonl"], ids=ids, limit=4)
    assert result.records == 4 and set(result.files) == {"jsonl", "manifest"}
    assert [r["input_id"] for r in read_jsonl(tmp_path / "e" / "explanations.jsonl")] == ids[:4]
    assert sorted(p.name for p in (tmp_path / "e").iterdir()) == ["explanations.jsonl", "manifest.json"]
    with pytest.raises(ValueError, match="unknown export format"):
        export_explanations(model, torch.rand(2, 1, 8, 8), tmp_path / "f", formats=["pdf"])


def test_a_failed_export_keeps_the_previous_one_whole(tmp_path):
    """The export is built in a temporary folder and moved into place at the end: a failure halfway leaves
    the earlier export as it was and no orphaned files."""
    model = create_model("linear_small8").eval()
    export_explanations(model, torch.rand(4, 1, 8, 8), tmp_path / "out", formats=["jsonl"])
    before = (tmp_path / "out" / "explanations.jsonl").read_text()

    def batches():
        yield torch.rand(3, 1, 8, 8)
        raise RuntimeError("data loader died")

    with pytest.raises(RuntimeError, match="died"):
        export_explanations(model, batches(), tmp_path / "out")
    assert (tmp_path / "out" / "explanations.jsonl").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_killed_export_leaves_no_half_written_folder_and_a_rerun_cleans_up(tmp_path):
    script = (
        "import sys, time, torch\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from explain import export_explanations\n"
        "from models import create_model\n"
        "def batches():\n"
        "    for _ in range(1000):\n"
        "        yield torch.rand(4, 1, 8, 8)\n"
        "        time.sleep(0.05)\n"
        f"export_explanations(create_model('linear_small8'), batches(), {str(tmp_path / 'out')!r})\n")
    process = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "OMP_NUM_THREADS": "1"})
    deadline = time.time() + 120
    while not list(tmp_path.glob(".out.*/explanations.jsonl")) and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not (tmp_path / "out").exists() and list(tmp_path.glob(".out.*"))  # only the temporary folder
    export_explanations(create_model("linear_small8"), torch.rand(2, 1, 8, 8), tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_export_of_a_prototype_model_writes_overlays_and_unit_pictures(tmp_path):
    from datamodules import create_datamodule

    datamodule = create_datamodule("digits")
    datamodule.setup("fit")
    model = create_model("protopnet_small8", spec=datamodule.spec, prototypes_per_class=1).eval()
    model.push(datamodule.eval_dataloader("train"))
    for source in (datamodule.eval_dataloader("train"), datamodule.eval_dataset("train")):  # a loader or its dataset
        result = export_explanations(model, datamodule.test_dataloader(), tmp_path, limit=6, image_limit=2,
                                     top_k=3, source_data=source)
        assert result.records == 6 and result.overlays == 2 * 3 and result.unit_images == 10
        for entry in json.loads((tmp_path / "units" / "index.json").read_text()):
            # the patch is cut from the training split's own image (not from the dataset under the split)
            patch = np.asarray(Image.open(tmp_path / "units" / entry["png"]))[::8, ::8, 0] / 255
            h0, h1, w0, w1 = entry["box"]
            image = datamodule.train_eval_set[entry["source_index"]]["inputs"]
            np.testing.assert_allclose(patch, image[0, h0:h1, w0:w1].numpy(), atol=1 / 255)
    for entry in json.loads((tmp_path / "overlays.json").read_text()):
        assert Image.open(tmp_path / entry["file"]).size == (64, 64)  # 8x8 digits drawn 8 times larger
    first = json.loads((tmp_path / "explanations.jsonl").read_text().splitlines()[0])
    page = (tmp_path / "predictions" / f"{file_stem(first['input_id'])}.html").read_text()
    # the input, and each overlay beside its prototype's picture and its source image (drawn, not only linked)
    assert page.count('src="../inputs/') == 1 and page.count('src="../overlays/') == 3
    assert page.count('src="../units/unit_') == 6 and page.count('_source.png"') == 3


def test_sequence_models_give_one_record_per_position_named_by_it(tmp_path):
    from datamodules import create_datamodule

    datamodule = create_datamodule("sort", dataset_size=200)
    datamodule.setup()
    model = create_model("tp_sort", spec=datamodule.spec, n_layers=1).eval()
    batch = next(iter(datamodule.eval_dataloader("test"))).select(slice(0, 5))
    ids = [f"seq{i}" for i in range(5)]
    result = export_explanations(model, batch, tmp_path, ids=ids)
    records = read_jsonl(tmp_path / "explanations.jsonl")
    lengths = (batch.inputs != 0).sum(1).tolist()
    assert (result.inputs, result.records) == (5, sum(lengths))
    assert [r["input_id"] for r in records[:3]] == ["seq0:0", "seq0:1", "seq0:2"]
    assert [(r["sequence"], r["position"]) for r in records[:2]] == [(0, 0), (0, 1)]
    assert records[1]["tokens"]["context"][0] == "<s>" and all(record_completeness_gap(r) < 1e-9 for r in records)
    assert json.loads((tmp_path / "global_explanation.json").read_text())["details"]["program"].startswith('"""')
