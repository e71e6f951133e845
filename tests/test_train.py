"""train.py end to end: configs and their errors; fit -> validate -> test -> release -> explain; resume."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import lightning as L
import numpy as np
import pytest
import torch
from helpers import split_accuracy
from omegaconf import OmegaConf
from PIL import Image

import train
from configs import available, load_config
from models import load_release
from models.explanation import record_completeness_gap

ROOT = Path(__file__).resolve().parent.parent
DIGITS_TEST_SIZE = 359  # round(0.2 * 1797) test images (datamodules' fixed 70/10/20 split)
FAST = ["trainer=cpu", "trainer.max_epochs=2", "trainer.log_every_n_steps=5", "explain.image_limit=8"]


def subprocess_env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "CI": "true", "PYTHONPATH": str(ROOT)}


def assert_record_complete(record: dict, atol: float = 1e-5) -> None:
    """An exported record's contributions + bias equal its value (the JSON form of check_complete)."""
    assert record["complete"] and record_completeness_gap(record) <= atol * max(1.0, abs(record["value"]))


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def release_test_accuracy(release_dir: Path) -> float:
    """The released model's accuracy on the digits test split, measured independently of Lightning."""
    return split_accuracy(load_release(release_dir), "digits")





@pytest.fixture(scope="module")
def linear_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("linear_run")
    summary = train.main(["model=linear_small8", *FAST, f"run_dir={run_dir}", "release.tag=t1",
                          "release.publish=true", f"release.publish_dir={run_dir / 'published'}"])
    return run_dir, summary


# ---- configuration ---------------------------------------------------------------------------------------
def test_groups_experiment_and_overrides_merge_in_order():
    cfg = load_config(["experiment=protopnet_digits", "trainer.max_epochs=3", "data.args.batch_size=32"])
    assert cfg.model.name == "protopnet_small8" and cfg.data.name == "digits"
    assert cfg.trainer.accelerator == "cpu" and cfg.trainer.max_epochs == 3
    assert cfg.data.args.batch_size == 32 and cfg.data.args.augment is True  # yaml value kept
    assert cfg.release.publish is False and cfg.release.tag == "digits"  # publishing needs an explicit flag
    assert cfg.experiment == "protopnet_digits"
    # a group named on the command line wins over the experiment's default
    assert load_config(["experiment=protopnet_digits", "trainer=gpu"]).trainer.precision == "bf16-mixed"


def test_resolved_defaults_data_run_dir_and_publish_tag(tmp_path):
    cfg = train.resolve(load_config(["model=linear_small28", "release.publish=true",
                                     f"release.publish_dir={tmp_path}"]))
    assert cfg.data.name == "mnist5k"  # the variant's own dataset
    assert cfg.run_dir == "runs/linear_small28-mnist5k" and cfg.release.tag == "mnist5k"
    cfg = train.resolve(load_config(["experiment=protopnet_digits", "release.tag=v2"]))
    assert cfg.run_dir == "runs/protopnet_digits" and not cfg.release.publish and cfg.release.tag == "v2"
    assert train.resolve(load_config(["model=linear_small8"])).release.publish is False


def test_publishing_over_a_shipped_release_needs_an_explicit_flag():
    """The documented command never overwrites checkpoints/: publishing is opt-in, replacing is opt-in too."""
    assert train.resolve(load_config(["experiment=protopnet_digits"])).release.publish is False
    with pytest.raises(train.ConfigError, match=r"would replace the release in .*protopnet_small8.digits.*"
                                                r"release.overwrite=true"):
        train.resolve(load_config(["experiment=protopnet_digits", "release.publish=true"]))
    cfg = train.resolve(load_config(["experiment=protopnet_digits", "release.publish=true",
                                     "release.overwrite=true"]))
    assert cfg.release.publish and cfg.release.overwrite


def test_every_shipped_yaml_is_valid_for_its_constructor():
    """Every model/data/experiment yaml names a registered variant or datamodule and only arguments its
    constructor takes, with the right types (data roots that must be given are left out)."""
    from configs import to_plain, validate_args
    from datamodules import base as datamodule_base
    from models.registry import model_entry

    for name in available("model"):
        cfg = load_config([f"model={name}"])
        validate_args(model_entry(cfg.model.name).model_class, to_plain(cfg.model.args), name)
    for name in available("data"):
        cfg = load_config([f"data={name}", f"data.args.root={ROOT}"]) if name in ("cub200", "image_folder") \
            else load_config([f"data={name}"])
        validate_args(datamodule_base._DATAMODULES[cfg.data.name], to_plain(cfg.data.args), name)
    for name in available("experiment"):
        cfg = train.resolve(load_config([f"experiment={name}"]))
        validate_args(model_entry(cfg.model.name).model_class, to_plain(cfg.model.args), name)
    assert {"cpu", "gpu", "ddp"} <= set(available("trainer"))
    # a registered model or datamodule needs no yaml: it is selected with its default arguments
    assert {"seq_transformer", "protopnet_vgg19"} <= set(available("model")) and "sort" in available("data")
    cfg = load_config(["model=protopnet_vgg19", "data=sort"])
    assert cfg.model.name == "protopnet_vgg19" and cfg.data.name == "sort" and not cfg.data.args
    assert OmegaConf.load(ROOT / "configs/trainer/ddp.yaml").strategy.startswith("ddp")


@pytest.mark.parametrize("argv, message", [
    (["model=linear_small8", "trainer.epochs=3"],
     r"unknown config key 'trainer.epochs'.*valid keys: .*max_epochs"),
    (["model=linear_small8", "bogus=1"], r"unknown config key 'bogus'.*valid keys: .*trainer"),
    (["model=linear_small8", "trainer.max_epochs=three"], r"'trainer.max_epochs'.*could not be converted"),
    (["model=linear_small8", "model.args.lr=fast"], r"lr='fast' has type str, expected float"),
    (["model=linear_small8", "model.args.widht=3"], r"unknown argument\(s\) widht; valid: backbone"),
    (["model=no_such_model"], r"no model config 'no_such_model'; available: .*linear_small8"),
    (["model.name=linear_smal8"], r"unknown model 'linear_smal8'. Did you mean linear_small8"),
    (["model=linear_small8", "data.name=imagenet"], r"unknown datamodule 'imagenet'; available: .*digits"),
    (["model=linear_small8", "data.args.batchsize=8"], r"data 'digits' got unknown argument\(s\) batchsize"),
    (["model=linear_small8", "data=cub200"], r"data.args.root is required"),
    (["experiment=nope"], r"no experiment config 'nope'"),
    (["model=linear_small8", "trainer.max_epochs=0"], r"trainer.max_epochs must be at least 1"),
    ([], r"no model selected: pass model=<name>"),
    (["model=linear_small8", "max_epochs"], r"cannot read argument 'max_epochs'"),
    (["model=linear_small8", "explain.formats=[jsonl,pdf]"], r"explain.formats: unknown \['pdf'\]"),
])
def test_config_errors_exit_2_with_one_clear_line(argv, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        train.main([*argv, f"run_dir={tmp_path}"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err
    import re

    assert re.search(message, err), err
    assert not (tmp_path / "checkpoints").exists()


def test_an_experiment_without_defaults_names_what_is_missing(tmp_path, monkeypatch):
    import configs

    (tmp_path / "experiment").mkdir()
    (tmp_path / "experiment" / "bare.yaml").write_text("seed: 3\n")
    monkeypatch.setattr(configs, "CONFIG_DIR", tmp_path)
    with pytest.raises(configs.ConfigError, match="experiment 'bare' names no model: give it 'defaults:'"):
        load_config(["experiment=bare"])


def test_missing_data_root_is_a_user_error(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        train.main(["model=linear_small28", "data=mnist", f"data.args.root={tmp_path / 'none'}",
                    f"run_dir={tmp_path / 'run'}", "trainer=cpu"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.startswith("error: mnist: data root")


@pytest.mark.slow
def test_command_line_exit_code_and_no_traceback():
    result = subprocess.run([sys.executable, "train.py", "model=linear_small8", "trainer.nope=1"], cwd=ROOT,
                            env=subprocess_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: unknown config key 'trainer.nope'")
    assert "Traceback" not in result.stderr


# ---- a full run ------------------------------------------------------------------------------------------
def test_run_saves_resolved_config_and_checkpoints(linear_run):
    run_dir, summary = linear_run
    saved = OmegaConf.load(run_dir / "config.yaml")
    assert saved.model.name == "linear_small8" and saved.data.name == "digits"  # default data filled in
    assert saved.trainer.max_epochs == 2 and saved.run_dir == str(run_dir)
    checkpoints = run_dir / "checkpoints"
    best = sorted(checkpoints.glob("best-*.ckpt"))
    assert len(best) == 1 and (checkpoints / "last.ckpt").is_file()
    assert summary["best"] == best[0]
    assert not list(run_dir.rglob("*.tmp"))
    last = torch.load(checkpoints / "last.ckpt", map_location="cpu", weights_only=True)
    assert last["global_step"] == summary["global_step"] > 0
    assert isinstance(last["hyper_parameters"], dict)  # plain dict, loads with weights_only=True
    assert (run_dir / "logs" / "csv" / "version_0" / "metrics.csv").is_file()
    assert list((run_dir / "logs" / "tensorboard").glob("events.out.tfevents.*"))


def test_best_checkpoint_is_selected_on_validation(linear_run):
    run_dir, summary = linear_run
    best = torch.load(summary["best"], map_location="cpu", weights_only=True)
    states = [v for k, v in best["callbacks"].items() if "'monitor': 'val/acc'" in k]
    assert states and states[0]["best_model_path"] == str(summary["best"])
    assert float(states[0]["best_model_score"]) == pytest.approx(summary["metrics"]["val/acc"], abs=1e-6)


def test_release_reproduces_the_recorded_test_accuracy(linear_run):
    run_dir, summary = linear_run
    card = json.loads((run_dir / "release" / "config.json").read_text())
    assert card["architecture"] == "linear_small8" and card["seed"] == 0
    assert card["recipe"]["model"]["name"] == "linear_small8" and card["recipe"]["trainer"]["max_epochs"] == 2
    assert card["metrics"]["test/acc"] == pytest.approx(summary["metrics"]["test/acc"])
    assert release_test_accuracy(run_dir / "release") == pytest.approx(card["metrics"]["test/acc"], abs=1e-6)
    # release.tag publishes the same weights as <model>.<tag>
    published = run_dir / "published" / "linear_small8.t1"
    assert json.loads((published / "config.json").read_text())["tag"] == "t1"
    assert release_test_accuracy(published) == pytest.approx(card["metrics"]["test/acc"], abs=1e-6)


def test_explanations_cover_the_test_split_and_are_complete(linear_run):
    run_dir, _ = linear_run
    out = run_dir / "explanations"
    records = read_jsonl(out / "explanations.jsonl")
    assert len(records) == DIGITS_TEST_SIZE
    assert len({r["input_id"] for r in records}) == DIGITS_TEST_SIZE
    for record in records:
        assert_record_complete(record)
    assert (out / "index.html").is_file() and len(list((out / "predictions").iterdir())) == DIGITS_TEST_SIZE
    assert len(list((out / "inputs").iterdir())) == 8  # drawn up to the image limit
    assert json.loads((out / "global_explanation.json").read_text())["kind"] == "channel"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["class_names"] == [str(i) for i in range(10)] and manifest["output"] == "logit"
    assert manifest["records"] == DIGITS_TEST_SIZE and "class_names" not in records[0]


def test_mid_epoch_kill_resumes_from_the_step_checkpoint(tmp_path):
    """A run killed mid-epoch continues from last.ckpt (written every N steps), not from scratch."""

    class Kill(L.Callback):
        def on_train_batch_end(self, trainer, *args):
            if trainer.global_step == 17:
                raise RuntimeError("killed")  # a crash or pre-emption in the middle of epoch 0

    class RecordStart(L.Callback):
        steps: list[int] = []

        def on_train_start(self, trainer, *args):
            self.steps.append(trainer.global_step)

    argv = ["model=linear_small8", "trainer=cpu", "trainer.max_epochs=2", f"run_dir={tmp_path}",
            "checkpoint.every_n_train_steps=5", "explain.enabled=false", "release.enabled=false"]
    with pytest.raises(RuntimeError, match="killed"):
        train.main(argv, callbacks=[Kill()])
    saved = torch.load(tmp_path / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    assert saved["global_step"] == 15 and saved["epoch"] == 0  # 20 steps per epoch: killed mid-epoch 0
    start = RecordStart()
    summary = train.main(argv, callbacks=[start])
    assert start.steps == [15]
    assert summary["global_step"] == 40  # 2 epochs x 20 steps, not 40 + 15
    # a different model config in the same folder is refused rather than mixed
    with pytest.raises(SystemExit) as exit_info:
        train.main([*argv, "model.args.lr=0.5"])
    assert exit_info.value.code == 2
    # loader-only settings may change; more epochs continue the same run
    more = train.main([*argv, "data.args.num_workers=0", "trainer.max_epochs=3"], callbacks=[start])
    assert start.steps == [15, 40] and more["global_step"] == 60


KILLER = """
import os, signal, sys
import lightning as L
import train

class KillAt(L.Callback):  # kill -9 in the middle of an epoch, between two step checkpoints
    def on_train_batch_end(self, trainer, *args):
        if trainer.global_step == int(sys.argv[1]):
            os.kill(os.getpid(), signal.SIGKILL)

train.main(sys.argv[2:], callbacks=[KillAt()] if int(sys.argv[1]) > 0 else [])
"""


def run_subprocess(argv: list[str], kill_at_step: int = 0) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", KILLER, str(kill_at_step), *argv], cwd=ROOT, env=subprocess_env(),
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
@pytest.mark.parametrize("model_args", [
    ["model=linear_small8", "trainer.max_epochs=3"],  # augmented data: the data's random draws
    ["model=tp_hist", "data=hist", "data.args.dataset_size=2000", "data.args.batch_size=128",
     "model.args.n_layers=1", "trainer.max_epochs=3"],  # Gumbel noise: the model's random draws
    ["model=protopnet_small8", "model.args.train_epochs=3", "model.args.warm_epochs=1", "model.args.push_start=1",
     "model.args.push_every=1", "model.args.last_layer_epochs=1", "model.args.prototypes_per_class=2"],  # phases
], ids=["augmentation", "gumbel", "phases"])
def test_a_run_killed_mid_epoch_resumes_to_the_uninterrupted_result(tmp_path, model_args):
    """kill -9 mid-epoch, then the same command: the same final weights and metrics as the run never killed."""
    common = [*model_args, "trainer=cpu", "checkpoint.every_n_train_steps=7", "explain.enabled=false",
              "threads=1"]
    whole = run_subprocess([*common, f"run_dir={tmp_path / 'whole'}"])
    assert whole.returncode == 0, whole.stderr[-2000:]
    killed = run_subprocess([*common, f"run_dir={tmp_path / 'killed'}"], kill_at_step=25)
    assert killed.returncode == -9
    saved = torch.load(tmp_path / "killed" / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    assert saved["global_step"] == 21 and "exact_resume" in saved  # resumes from the middle of an epoch
    resumed = run_subprocess([*common, f"run_dir={tmp_path / 'killed'}"])
    assert resumed.returncode == 0 and "resuming" in resumed.stdout, resumed.stderr[-2000:]
    from safetensors.torch import load_file

    a = load_file(str(tmp_path / "whole" / "release" / "model.safetensors"))
    b = load_file(str(tmp_path / "killed" / "release" / "model.safetensors"))
    assert all(torch.equal(a[k], b[k]) for k in a), [k for k in a if not torch.equal(a[k], b[k])][:5]
    cards = [json.loads((tmp_path / run / "release" / "config.json").read_text()) for run in ("whole", "killed")]
    assert cards[0]["metrics"] == cards[1]["metrics"]


def test_a_finished_run_re_run_does_nothing_but_say_so(tmp_path, capsys):
    argv = ["model=linear_small8", "trainer=cpu", "trainer.max_epochs=1", f"run_dir={tmp_path}",
            "explain.enabled=false"]
    first = train.main(argv)
    weights = (tmp_path / "release" / "model.safetensors").read_bytes()
    again = train.main(argv)
    assert again["finished"] and again["metrics"] == first["metrics"]
    assert "already finished" in capsys.readouterr().out
    assert (tmp_path / "release" / "model.safetensors").read_bytes() == weights
    assert len(list((tmp_path / "logs" / "csv").glob("version_*"))) == 1  # no second attempt was started


def test_a_cut_short_last_checkpoint_falls_back_to_the_previous_good_one(tmp_path, capsys):
    argv = ["model=linear_small8", "trainer=cpu", "trainer.max_epochs=2", f"run_dir={tmp_path}",
            "explain.enabled=false", "release.enabled=false", "checkpoint.every_n_train_steps=0"]
    train.main([*argv, "trainer.max_epochs=1"])
    last = tmp_path / "checkpoints" / "last.ckpt"
    last.write_bytes(last.read_bytes()[:1000])
    summary = train.main(argv)
    assert "cannot be read" in capsys.readouterr().out and summary["global_step"] == 40
    for checkpoint in (tmp_path / "checkpoints").glob("*.ckpt"):
        checkpoint.write_bytes(b"garbage")
    (tmp_path / "finished.json").unlink()
    with pytest.raises(SystemExit) as exit_info:
        train.main([*argv, "trainer.max_epochs=3"])
    assert exit_info.value.code == 2
    assert "no other readable checkpoint: delete" in capsys.readouterr().err


def test_no_release_of_a_model_no_validation_could_select(tmp_path, capsys):
    """Fewer epochs than ProtoPNet's first push: val/acc_projected never has a value; nothing is released."""
    with pytest.raises(SystemExit) as exit_info:
        train.main(["model=protopnet_small8", "trainer=cpu", "trainer.max_epochs=2", f"run_dir={tmp_path}"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "no checkpoint could be selected and nothing was released" in err and "first push is at epoch 7" in err
    assert not (tmp_path / "release").exists() and not (tmp_path / "explanations").exists()
    assert json.loads((tmp_path / "failed.json").read_text())["error"].startswith("ConfigError")


def test_a_run_that_fails_on_its_data_leaves_no_run_folder(tmp_path, capsys):
    """A missing data root, a bad batch size or a label only in the test file fail before anything is
    written."""
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "train.tsv").write_text("pos\tgood film\nneg\tbad film\n")
    (tmp_path / "text" / "test.tsv").write_text("meh\tso so\n")
    for argv in (["model=linear_small28", "data=mnist", f"data.args.root={tmp_path / 'none'}"],
                 ["model=linear_small8", "data.args.batch_size=0"],
                 ["model=tp_text", "data=text", f"data.args.root={tmp_path / 'text'}"]):
        with pytest.raises(SystemExit) as exit_info:
            train.main([*argv, "trainer=cpu", f"run_dir={tmp_path / 'run'}"])
        assert exit_info.value.code == 2
        assert not (tmp_path / "run").exists(), argv
    assert "label 'meh' does not occur in the training split" in capsys.readouterr().err


def test_more_epochs_continue_a_finished_run(tmp_path):
    argv = ["model=linear_small8", "trainer=cpu", f"run_dir={tmp_path}", "explain.enabled=false",
            "release.enabled=false"]
    first = train.main([*argv, "trainer.max_epochs=1"])
    second = train.main([*argv, "trainer.max_epochs=2"])
    assert (first["global_step"], second["global_step"]) == (20, 40)
    assert len(list((tmp_path / "logs" / "csv").glob("version_*"))) == 2  # no log overwritten


@pytest.mark.slow
def test_protopnet_small8_end_to_end(tmp_path):
    """The whole pipeline on a prototype model: phases from its callbacks, projection-based selection,
    prototype overlays and source patches."""
    pytest.importorskip("models.protopnet")
    schedule = ["model.args.prototypes_per_class=2", "model.args.train_epochs=2", "model.args.warm_epochs=1",
                "model.args.push_start=1", "model.args.push_every=1", "model.args.last_layer_epochs=1"]
    summary = train.main(["model=protopnet_small8", "trainer=cpu", f"run_dir={tmp_path}",
                          "explain.image_limit=4", *schedule])
    assert summary["global_step"] == 3 * 20  # warm, joint, last layer: the schedule's own length
    assert summary["metrics"]["val/acc_projected"] >= 0  # selected after the push
    accuracy = release_test_accuracy(tmp_path / "release")
    assert accuracy == pytest.approx(summary["metrics"]["test/acc"], abs=1e-6)
    out = tmp_path / "explanations"
    records = read_jsonl(out / "explanations.jsonl")
    assert len(records) == DIGITS_TEST_SIZE
    for record in records[:50]:
        assert_record_complete(record)
    assert len(list((out / "overlays").glob("*.png"))) == 4 * 5
    sources = json.loads((out / "units" / "index.json").read_text())
    assert len(sources) == 20
    from datamodules import create_datamodule

    datamodule = create_datamodule("digits")
    datamodule.setup("fit")
    for entry in sources:  # each patch is its prototype's source in the training split, of its own class
        item = datamodule.train_eval_set[entry["source_index"]]
        image, label = item["inputs"], item["targets"]
        assert int(label) == entry["unit"] // 2
        h0, h1, w0, w1 = entry["box"]
        patch = np.asarray(Image.open(out / "units" / entry["png"]))[::8, ::8, 0] / 255
        np.testing.assert_allclose(patch, image[0, h0:h1, w0:w1].numpy(), atol=1 / 255)


@pytest.mark.slow
def test_two_process_cpu_ddp_run_completes_and_releases(tmp_path):
    result = subprocess.run(
        [sys.executable, "train.py", "model=linear_small8", "trainer=ddp", "trainer.devices=2",
         "trainer.accelerator=cpu", "trainer.precision=32-true", "trainer.max_epochs=1",
         f"run_dir={tmp_path}", "explain.formats=[jsonl]"],
        cwd=ROOT, env=subprocess_env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    saved = torch.load(tmp_path / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    assert saved["global_step"] == 10  # 1257 training images / (64 per process x 2 processes)
    card = json.loads((tmp_path / "release" / "config.json").read_text())
    assert card["recipe"]["trainer"]["strategy"].startswith("ddp")
    assert release_test_accuracy(tmp_path / "release") == pytest.approx(card["metrics"]["test/acc"], abs=1e-6)
    assert len(read_jsonl(tmp_path / "explanations" / "explanations.jsonl")) == DIGITS_TEST_SIZE


@pytest.mark.slow
def test_two_process_cpu_ddp_run_of_a_phase_trained_model(tmp_path):
    """ProtoPNet under DDP: phases freeze parts of the model (the ddp preset allows unused parameters) and the
    push is sharded across the two processes; the run ends projected and released."""
    pytest.importorskip("models.protopnet")
    result = subprocess.run(
        [sys.executable, "train.py", "model=protopnet_small8", "trainer=ddp", "trainer.devices=2",
         "trainer.accelerator=cpu", "trainer.precision=32-true", f"run_dir={tmp_path}",
         "model.args.prototypes_per_class=2", "model.args.train_epochs=2", "model.args.warm_epochs=1",
         "model.args.push_start=1", "model.args.push_every=1", "model.args.last_layer_epochs=1",
         "explain.formats=[jsonl]"],
        cwd=ROOT, env=subprocess_env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    card = json.loads((tmp_path / "release" / "config.json").read_text())
    assert card["metrics"]["val/acc_projected"] >= 0  # selected after the push
    model = load_release(tmp_path / "release")
    assert bool(model.prototypes_projected) and (model.source_index >= 0).all()
    accuracy = release_test_accuracy(tmp_path / "release")
    assert accuracy == pytest.approx(card["metrics"]["test/acc"], abs=1e-6)


def test_checkpoints_are_selected_in_the_models_own_direction():
    """A language model selects on the lowest validation loss: ModelCheckpoint's mode is the model's."""
    from models import create_model

    model = create_model("linear_small8")
    model.selection_metric, model.selection_mode = "val/loss", "min"
    best, _ = train.make_callbacks(load_config(["model=linear_small8"]), model, Path("/tmp/unused"))
    assert (best.monitor, best.mode) == ("val/loss", "min")


def test_a_checkpoint_of_another_model_planted_in_a_run_folder_is_refused(tmp_path, capsys):
    argv = ["model=linear_small8", "trainer=cpu", f"run_dir={tmp_path}", "explain.enabled=false",
            "release.enabled=false", "checkpoint.every_n_train_steps=0"]
    train.main([*argv, "trainer.max_epochs=1"])
    last = tmp_path / "checkpoints" / "last.ckpt"
    checkpoint = torch.load(last, weights_only=True)
    checkpoint["intrinsic_zoo"] = {**checkpoint["intrinsic_zoo"], "model_class": "protopnet.ProtoPNet",
                                   "variant": "protopnet_small8"}
    torch.save(checkpoint, last)
    with pytest.raises(SystemExit) as exit_info:
        train.main([*argv, "trainer.max_epochs=2"])
    assert exit_info.value.code == 2 and "checkpoint of 'protopnet_small8', not of 'linear_small8'" in \
        capsys.readouterr().err


def test_bad_run_folders_and_trainer_options_write_nothing(tmp_path, capsys):
    (tmp_path / "a_file").write_text("mine")
    cases = [("run_dir", tmp_path / "a_file", "is a file"),
             ("trainer.limit_train_batches", 0, "limit_train_batches must be"),
             ("trainer.extra.bogus", 1, "unknown argument(s) bogus")]
    for key, value, message in cases:
        run_dir = tmp_path / "a_file" if key == "run_dir" else tmp_path / "run"
        argv = ["model=linear_small8", "trainer=cpu", "trainer.max_epochs=1", f"run_dir={run_dir}", f"{key}={value}"]
        with pytest.raises(SystemExit) as exit_info:
            train.main(argv)
        assert exit_info.value.code == 2 and message in capsys.readouterr().err
        assert not (tmp_path / "run").exists()
    assert (tmp_path / "a_file").read_text() == "mine"


def test_publishing_a_finished_run_publishes_its_release(tmp_path, capsys):
    argv = ["model=linear_small8", "trainer=cpu", "trainer.max_epochs=1", f"run_dir={tmp_path / 'run'}",
            "explain.enabled=false", f"release.publish_dir={tmp_path / 'shelf'}"]
    train.main(argv)
    summary = train.main([*argv, "release.publish=true", "release.tag=later"])
    target = tmp_path / "shelf" / "linear_small8.later"
    assert summary["published"] == target and json.loads((target / "config.json").read_text())["tag"] == "later"
    assert (target / "model.safetensors").read_bytes() == (tmp_path / "run" / "release" / "model.safetensors"
                                                           ).read_bytes()
    assert "published" in capsys.readouterr().out


def test_an_image_folder_defaults_to_the_models_own_input_size(tmp_path):
    from PIL import Image

    for label in ("cat", "dog"):
        (tmp_path / "images" / label).mkdir(parents=True)
        for i in range(10):
            Image.new("RGB", (40, 30), (20 * i, 100, 200 if label == "dog" else 0)).save(
                tmp_path / "images" / label / f"{i}.png")
    run_dir = tmp_path / "run"
    train.main(["model=linear_small8", "data=image_folder", f"data.args.root={tmp_path / 'images'}", "trainer=cpu",
                "trainer.max_epochs=1", f"run_dir={run_dir}", "explain.enabled=false"])
    saved = OmegaConf.load(run_dir / "config.yaml").data.args
    assert list(saved.image_size) == [8, 8] and saved.channels == 1
    card = json.loads((run_dir / "release" / "config.json").read_text())
    assert card["data"]["input_shape"] == [1, 8, 8]


def test_a_run_shorter_than_its_schedule_says_so_first_and_in_the_card(tmp_path, capsys):
    train.main(["model=cbm_joint_mlp", "data=xor", "trainer=cpu", "trainer.max_epochs=1", f"run_dir={tmp_path}",
                "explain.enabled=false"])
    out = capsys.readouterr().out
    assert "stops it early" in out and out.index("stops it early") < out.index("release")
    card = json.loads((tmp_path / "release" / "config.json").read_text())
    assert card["training"]["schedule_complete"] is False and card["training"]["schedule_epochs"] > 1


def test_a_model_argument_at_the_top_level_points_to_model_args(tmp_path, capsys):
    with pytest.raises(SystemExit):
        train.main(["model=linear_small8", "backbone_pretrained=false", f"run_dir={tmp_path}"])
    assert "model.args.backbone_pretrained" in capsys.readouterr().err
