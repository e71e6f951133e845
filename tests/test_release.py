"""Release and checkpoint loading (models/release.py): round trips, and a CheckpointError with a clear message
for every broken input: corrupt or missing safetensors, a foreign or corrupt config.json, a .ckpt that is not
ours, is unreadable, or belongs to another architecture. Writes are atomic."""

from __future__ import annotations

import json
from pathlib import Path

import lightning as L
import pytest
import torch

from models import CheckpointError, create_model, load_any, load_checkpoint, load_release, save_release
from models.release import atomic_path, atomic_write_text


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory) -> Path:
    """A real Lightning checkpoint of linear_small8 after one optimiser step."""
    from datamodules import create_datamodule

    folder = tmp_path_factory.mktemp("ckpt")
    trainer = L.Trainer(max_steps=1, limit_val_batches=0, logger=False, enable_progress_bar=False,
                        enable_model_summary=False, enable_checkpointing=False, default_root_dir=folder)
    trainer.fit(create_model("linear_small8"), datamodule=create_datamodule("digits"))
    trainer.save_checkpoint(folder / "linear.ckpt")
    return folder / "linear.ckpt"


@pytest.fixture()
def release(tmp_path) -> Path:
    return save_release(create_model("linear_small8"), tmp_path / "linear_small8.test",
                        metrics={"test/acc": 0.5}, seed=3, tag="test")


def test_release_round_trip_is_exact(release):
    x = torch.rand(4, 1, 8, 8)
    original = create_model("linear_small8")
    save_release(original, release, metrics={"test/acc": 0.5}, tag="test")
    loaded = load_release(release)
    assert not loaded.training and loaded.variant == "linear_small8"
    assert loaded.card["metrics"] == {"test/acc": 0.5} and loaded.card["tag"] == "test"
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), original.eval()(x), rtol=0, atol=0)


def test_checkpoint_round_trip_and_load_any(ckpt, release):
    model = load_checkpoint(ckpt)
    state = torch.load(ckpt, map_location="cpu", weights_only=True)["state_dict"]
    torch.testing.assert_close(model.state_dict()["head.weight"], state["head.weight"])
    assert type(load_any(ckpt)).__name__ == type(load_any(release)).__name__ == "LinearHeadClassifier"


def test_corrupt_safetensors(release):
    (release / "model.safetensors").write_bytes(b"{not safetensors" * 50)
    with pytest.raises(CheckpointError, match="model.safetensors is missing or corrupt"):
        load_release(release)


def test_truncated_safetensors(release):
    data = (release / "model.safetensors").read_bytes()
    (release / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="missing or corrupt"):
        load_release(release)


def test_missing_weights_file(release):
    (release / "model.safetensors").unlink()
    with pytest.raises(CheckpointError, match="missing or corrupt"):
        load_release(release)


@pytest.mark.parametrize("content, message", [
    ('{"architecture": "resnet18", "num_classes": 1000}', "not an Intrinsic Zoo model card"),  # a timm card
    ("[1, 2, 3]", "not an Intrinsic Zoo model card"),
    ("{truncated", "is corrupt"),
])
def test_foreign_or_corrupt_config_json(release, content, message):
    (release / "config.json").write_text(content)
    with pytest.raises(CheckpointError, match=message):
        load_release(release)


def test_folder_without_card(tmp_path):
    with pytest.raises(CheckpointError, match="has no config.json"):
        load_release(tmp_path)


def test_unknown_model_class_in_card(release):
    card = json.loads((release / "config.json").read_text())
    card["model_class"] = "VisionTransformer"
    (release / "config.json").write_text(json.dumps(card))
    with pytest.raises(CheckpointError, match="holds a 'VisionTransformer', which this version"):
        load_release(release)


def test_release_of_another_architecture(release):
    """The card says one backbone, the weights are another's: same names, other shapes."""
    card = json.loads((release / "config.json").read_text())
    card["model_args"]["backbone"] = "small_cnn_28"
    (release / "config.json").write_text(json.dumps(card))
    with pytest.raises(CheckpointError, match="does not match LinearHeadClassifier: (size mismatch|missing)"):
        load_release(release)
    with pytest.raises(CheckpointError, match="not a ProtoPNet"):
        load_release(release, expected_class="ProtoPNet")


def test_ckpt_of_another_architecture(ckpt, tmp_path):
    with pytest.raises(CheckpointError, match="holds a LinearHeadClassifier, not a ProtoPNet"):
        load_checkpoint(ckpt, expected_class="ProtoPNet")
    data = torch.load(ckpt, map_location="cpu", weights_only=True)
    data["hyper_parameters"]["backbone"] = "small_cnn_28"
    torch.save(data, tmp_path / "other.ckpt")
    with pytest.raises(CheckpointError, match="does not match"):
        load_checkpoint(tmp_path / "other.ckpt")
    data = torch.load(ckpt, map_location="cpu", weights_only=True)
    data["state_dict"].pop("head.bias")
    torch.save(data, tmp_path / "missing_key.ckpt")
    with pytest.raises(CheckpointError, match=r"missing \['head.bias'\]"):
        load_checkpoint(tmp_path / "missing_key.ckpt")


def test_ckpt_that_is_not_ours_or_unreadable(ckpt, tmp_path):
    torch.save(create_model("linear_small8").state_dict(), tmp_path / "plain.ckpt")  # a bare state_dict
    with pytest.raises(CheckpointError, match="not an Intrinsic Zoo checkpoint"):
        load_checkpoint(tmp_path / "plain.ckpt")
    data = ckpt.read_bytes()
    (tmp_path / "truncated.ckpt").write_bytes(data[: len(data) // 3])
    with pytest.raises(CheckpointError, match="is not a readable checkpoint"):
        load_checkpoint(tmp_path / "truncated.ckpt")
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "absent.ckpt")


def test_ckpt_with_pickled_objects_is_refused(ckpt, tmp_path):
    """weights_only=True: a checkpoint whose hparams hold arbitrary objects (the DictConfig pitfall) is
    refused with a CheckpointError, not unpickled."""
    from omegaconf import OmegaConf

    data = torch.load(ckpt, map_location="cpu", weights_only=True)
    data["hyper_parameters"] = OmegaConf.create(data["hyper_parameters"])
    torch.save(data, tmp_path / "dictconfig.ckpt")
    with pytest.raises(CheckpointError, match="only reads weights-only checkpoints") as caught:
        load_checkpoint(tmp_path / "dictconfig.ckpt")
    assert "weights_only=False" not in str(caught.value)  # never pass on torch's advice to unpickle it


def test_atomic_writes_leave_nothing_behind_on_failure(tmp_path):
    target = tmp_path / "card.json"
    atomic_write_text(target, "old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed mid-write")
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["card.json"]
    model = create_model("linear_small8")
    with pytest.raises(RuntimeError):
        with atomic_path(tmp_path / "rel", is_dir=True) as tmp:
            save_release(model, tmp / "inner")
            raise RuntimeError("killed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["card.json"]


def test_save_release_replaces_an_existing_release_whole(release):
    (release / "stale.txt").write_text("from an older release")
    save_release(create_model("linear_small8"), release, tag="new")
    assert sorted(p.name for p in release.iterdir()) == ["config.json", "model.safetensors"]
    assert json.loads((release / "config.json").read_text())["tag"] == "new"


def test_atomic_writes_get_the_usual_permissions(tmp_path):
    """Temporary files are created owner-only; what is renamed into place is readable like any other file."""
    import os

    umask = os.umask(0)
    os.umask(umask)
    atomic_write_text(tmp_path / "config.yaml", "a: 1\n")
    release = save_release(create_model("linear_small8"), tmp_path / "rel")
    assert (tmp_path / "config.yaml").stat().st_mode & 0o777 == 0o666 & ~umask
    assert release.stat().st_mode & 0o777 == 0o777 & ~umask


# ---- a card is data from outside: validated before anything is built ----------------------------------------
def edit_card(release: Path, change) -> None:
    card = json.loads((release / "config.json").read_text())
    change(card)
    (release / "config.json").write_text(json.dumps(card))


@pytest.mark.parametrize("change, message", [
    (lambda c: c.pop("model_args"), "missing the key 'model_args'"),
    (lambda c: c.update(metrics=[0.5]), "'metrics' must be dict, got list"),
    (lambda c: c["model_args"].update(lr="fast"), "lr='fast' has type str, expected float"),
    (lambda c: c["model_args"].update(bogus=1), r"unknown argument\(s\) bogus"),
    (lambda c: c["data"].update(class_names=["a", "b"]), "num_classes is 10 but there are 2 class names"),
    (lambda c: c["data"].update(std=[0.0]), "std must be positive"),
    (lambda c: c["data"].update(num_classes=3, class_names=["a", "b", "c"]), "size mismatch for head"),
])
def test_a_bad_card_is_a_checkpoint_error_with_the_reason(release, change, message):
    edit_card(release, change)
    with pytest.raises(CheckpointError, match=message):
        load_release(release)


def test_sizes_beyond_reason_are_refused_before_allocating(tmp_path):
    """A card asking for 10,000,000 prototypes per class is compared with the file on the meta device: no
    51 GB allocation, a CheckpointError at once."""
    import time

    release = save_release(create_model("protopnet_small8", prototypes_per_class=1), tmp_path / "p")
    edit_card(release, lambda c: c["model_args"].update(prototypes_per_class=10_000_000))
    start = time.perf_counter()
    with pytest.raises(CheckpointError, match="outside its allowed range|beyond this zoo's bound|size mismatch"):
        load_release(release)
    assert time.perf_counter() - start < 10


def test_loading_never_reaches_the_network_or_a_path_named_in_the_card(tmp_path, monkeypatch):
    import models.backbones as backbones

    model = create_model("linear_resnet34", backbone_pretrained=False,
                         spec=create_model("linear_small8").spec.to_dict() | {"input_shape": [3, 32, 32],
                                                                            "mean": [0.5] * 3, "std": [0.2] * 3})
    release = save_release(model, tmp_path / "r")
    edit_card(release, lambda c: c["model_args"].update(backbone_pretrained=True,
                                                          backbone_weights="/etc/passwd"))
    monkeypatch.setattr(backbones, "local_pretrained_file", lambda name: pytest.fail("looked for hub weights"))
    loaded = load_release(release)
    x = torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), model.eval()(x))


def test_tied_weights_are_stored_once_and_restored(tmp_path):
    """A model whose output head shares its weight with another module (as a language model ties its token
    embedding and its head) is saved with the tensor once and loads with the tie restored."""
    from models.baseline import LinearHeadClassifier
    from models.registry import register_class

    class TiedHeads(LinearHeadClassifier):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.second_head = torch.nn.Linear(self.head.in_features, self.num_classes, bias=False)
            self.second_head.weight = self.head.weight

    register_class(TiedHeads)
    model = TiedHeads(spec=create_model("linear_small8").spec.to_dict())
    release = save_release(model, tmp_path / "tied")
    card = json.loads((release / "config.json").read_text())
    assert card["tied_weights"] == {"second_head.weight": "head.weight"}
    from safetensors import safe_open

    with safe_open(str(release / "model.safetensors"), framework="pt") as f:
        assert "head.weight" in f.keys() and "second_head.weight" not in f.keys()
    loaded = load_release(release)
    assert loaded.second_head.weight.data_ptr() == loaded.head.weight.data_ptr()
    torch.testing.assert_close(loaded.head.weight, model.head.weight)
    edit_card(release, lambda c: c.update(tied_weights={"second_head.weight": "nowhere"}))
    with pytest.raises(CheckpointError, match="tied weight second_head.weight names 'nowhere'"):
        load_release(release)


# ---- files a card names: a plain name inside the folder, bounded, UTF-8 JSON ----------------------------------
def _bpe_release(release: Path, file_name: str, content: bytes | None = None) -> None:
    edit_card(release, lambda c: c["data"].update(tokenizer={"type": "bpe", "file": file_name}))
    if content is not None:
        (release / file_name).write_bytes(content)


@pytest.mark.parametrize("file_name", ["/etc/passwd", "../../../etc/passwd", "sub/tokenizer.json", ".hidden", "..",
                                       "a" * 300])
def test_a_tokenizer_file_outside_the_release_or_with_a_path_is_refused(release, file_name):
    _bpe_release(release, file_name)
    with pytest.raises(CheckpointError, match="plain file name"):
        load_release(release)


def test_a_tokenizer_file_that_is_a_link_huge_not_utf8_or_not_json_is_refused(release, tmp_path, monkeypatch):
    import models.release as release_module

    outside = tmp_path / "outside.json"
    outside.write_text("{}")
    _bpe_release(release, "tokenizer.json")
    (release / "tokenizer.json").symlink_to(outside)
    with pytest.raises(CheckpointError, match="is a link"):
        load_release(release)
    (release / "tokenizer.json").unlink()
    (release / "tokenizer.json").write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(CheckpointError, match="not UTF-8"):
        load_release(release)
    (release / "tokenizer.json").write_text("not json")
    with pytest.raises(CheckpointError, match="not JSON"):
        load_release(release)
    monkeypatch.setattr(release_module, "MAX_FILE_BYTES", 16)
    (release / "tokenizer.json").write_text(json.dumps({"a": "b" * 64}))
    with pytest.raises(CheckpointError, match="beyond the bound"):
        load_release(release)


@pytest.mark.parametrize("name", ["../../..", "/tmp/x", "a/b", ".", "", "x" * 200])
def test_a_data_name_that_is_a_path_is_refused(release, name):
    """The data's name becomes a file name in some releases (a decompiled program): no path may hide in it."""
    edit_card(release, lambda c: c["data"].update(name=name))
    with pytest.raises(CheckpointError, match="plain name"):
        load_release(release)


@pytest.mark.parametrize("change, message", [
    (lambda c: c["data"].update(num_classes="10"), "num_classes must be an integer"),
    (lambda c: c["data"].update(input_shape=[1, 100_000, 100_000]), "beyond this zoo's bound"),
    (lambda c: c["data"].update(class_names="0123456789"), "class_names must be a list of strings"),
    (lambda c: c["data"].update(input_shape=["1", 8, 8]), "input_shape must be a list of integers"),
])
def test_a_spec_of_wrong_types_or_beyond_bounds_is_refused(release, change, message):
    import time

    edit_card(release, change)
    start = time.perf_counter()
    with pytest.raises(CheckpointError, match=message):
        load_release(release)
    assert time.perf_counter() - start < 5


def test_an_atomic_folder_write_never_replaces_a_file_or_touches_other_hidden_files(tmp_path):
    (tmp_path / "target").write_text("a user's file")
    with pytest.raises(FileExistsError, match="not a folder"):
        save_release(create_model("linear_small8"), tmp_path / "target")
    assert (tmp_path / "target").read_text() == "a user's file"
    (tmp_path / ".rel.backup").mkdir()  # a user's hidden folder that merely shares the prefix
    save_release(create_model("linear_small8"), tmp_path / "rel")
    assert (tmp_path / ".rel.backup").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".rel.backup", "rel", "target"]


def test_non_finite_weights_are_refused_at_load(release, ckpt, tmp_path):
    from safetensors.torch import load_file, save_file

    state = load_file(str(release / "model.safetensors"))
    name = next(k for k, v in state.items() if v.is_floating_point())
    state[name][0] = float("nan")
    save_file(state, str(release / "model.safetensors"), metadata={"format": "intrinsic-zoo/release-v2"})
    with pytest.raises(CheckpointError, match="non-finite"):
        load_release(release)
    checkpoint = torch.load(ckpt, weights_only=True)
    key = next(k for k, v in checkpoint["state_dict"].items() if v.is_floating_point())
    checkpoint["state_dict"][key] = checkpoint["state_dict"][key].clone().fill_(float("inf"))
    torch.save(checkpoint, tmp_path / "inf.ckpt")
    with pytest.raises(CheckpointError, match="non-finite"):
        load_checkpoint(tmp_path / "inf.ckpt")


def test_a_record_with_non_finite_numbers_is_never_complete():
    model = create_model("linear_small8")
    with torch.no_grad():
        model.head.weight[0, 0] = float("nan")
    records = model.explain(torch.rand(2, 1, 8, 8))
    assert all(not r.complete and "non-finite" in r.exact for r in records)
