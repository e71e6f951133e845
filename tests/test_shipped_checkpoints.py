"""Every shipped checkpoint reloads offline, reproduces the test accuracy in its card, and its card's recipe is
its experiment config (``python train.py experiment=<x>`` is how it was made)."""

import json
import shutil

import pytest
from helpers import split_accuracy

import train
from configs import load_config, to_plain
from datamodules import create_datamodule
from models import create_model, list_pretrained, load_release
from models.registry import CHECKPOINT_DIR

REQUIRED = ["protopnet_small8.digits", "protopnet_small.mnist5k"]
IMAGE_RELEASES = [name for name in list_pretrained() if not name.startswith("tp_")]
# Where a run ran, not what it trained: a card records the device it was made on, its experiment names the
# CPU so that the documented command runs anywhere.
PLACEMENT = ("accelerator", "devices", "strategy", "num_nodes", "precision", "deterministic", "progress_bar")


def test_the_issue_s_checkpoints_are_shipped():
    assert set(REQUIRED) <= set(list_pretrained())


@pytest.mark.slow
@pytest.mark.parametrize("release", IMAGE_RELEASES)
def test_shipped_checkpoint_reproduces_its_test_accuracy(release):
    name, tag = release.split(".", 1)
    model = create_model(name, pretrained=tag)
    card = model.card
    assert card["architecture"] == name and card["tag"] == tag
    datamodule = create_datamodule(card["data"]["name"])
    assert datamodule.spec.to_dict() == card["data"], "the datamodule's preprocessing changed since release"
    datamodule.setup("test")
    accuracy = split_accuracy(model, card["data"]["name"])
    assert accuracy == pytest.approx(card["metrics"]["test/acc"], abs=0.5 / len(datamodule.test_set))
    for record in model.explain(next(iter(datamodule.test_dataloader())))[:8]:
        if model.complete:
            record.check_complete()
        else:  # e.g. a Monte Carlo mean: the record says what its numbers are exactly
            assert not record.complete and record.exact


@pytest.mark.parametrize("release", list_pretrained())
def test_each_cards_recipe_is_its_experiment_config(release):
    card = json.loads((CHECKPOINT_DIR / release / "config.json").read_text())
    experiment = card["recipe"]["experiment"]
    config = to_plain(train.resolve(load_config([f"experiment={experiment}"])))
    recipe = card["recipe"]
    for key in ("model", "data", "seed", "threads", "checkpoint"):
        assert recipe[key] == config[key], f"{release}: {key} differs from configs/experiment/{experiment}.yaml"
    trained = {k: v for k, v in recipe["trainer"].items() if k not in PLACEMENT}
    assert trained == {k: v for k, v in config["trainer"].items() if k not in PLACEMENT}
    assert card["seed"] == config["seed"] and card["tag"] == config["release"]["tag"]
    assert card["paper_metrics"] == config["release"]["paper_metrics"]
    assert card["model_args"] == {k: v for k, v in create_model(card["architecture"], spec=card["data"],
                                                                 **config["model"]["args"]).hparams.items()
                                  if k != "spec"}


def test_a_version_1_card_still_loads(tmp_path):
    """Cards written before spec v2 (tasks and special tokens inside preprocessing, the spec kept three times)
    load, and the model reproduces its recorded accuracy."""
    shipped = CHECKPOINT_DIR / "tp_hist.default"
    folder = tmp_path / "tp_hist.v1"
    folder.mkdir()
    shutil.copy(shipped / "model.safetensors", folder)
    shutil.copy(ROOT_FIXTURES / "release_v1_tp_hist.json", folder / "config.json")
    model = load_release(folder)
    assert model.card["format"] == "intrinsic-zoo/release-v1" and model.spec.special_tokens["pad"] == "<pad>"
    assert model.spec.differences(create_datamodule("hist").spec) == []
    assert split_accuracy(model, "hist") == pytest.approx(model.card["metrics"]["test/acc"], abs=1e-6)


ROOT_FIXTURES = CHECKPOINT_DIR.parent / "tests" / "fixtures"


def _card(release):
    return json.loads((CHECKPOINT_DIR / release / "config.json").read_text())


CONCEPT_RELEASES = [r for r in list_pretrained()
                    if _card(r)["model_class"].startswith(("cbm.", "cem.", "concept_transformer."))]


@pytest.mark.parametrize("release", CONCEPT_RELEASES)
def test_every_shipped_concept_card_holds_concept_accuracy_and_its_intervention_curve(release):
    """Concept accuracy on the test split in every concept card (for CT / CCT: how well the attention picks the
    annotated concepts); for every model that can be intervened on
    (CBM except the standard model, CEM), the curve file beside the weights, whose k = 0 point is the card's test
    accuracy and whose areas are the card's."""
    card = _card(release)
    metrics, checks = card["metrics"], card.get("checks", {})
    transformer = card["model_class"].startswith("concept_transformer.")  # attention over concepts, no probabilities
    assert 0 <= metrics["test/attention_concept_acc" if transformer else "test/concept_acc"] <= 1
    assert 0 <= metrics["test/acc"] <= 1
    assert card["training"]["threads"] == card["recipe"]["threads"] == 1
    intervenable = card["model_class"].startswith("cem.") or (card["model_class"].startswith("cbm.")
                                                               and card["model_args"]["mode"] != "standard")
    if not intervenable:  # CT / CCT define no concept intervention; a standard model has no concepts to set
        assert "intervention_curve" not in checks
        return
    directory = CHECKPOINT_DIR / release
    assert (directory / checks["intervention_plot"]).is_file()
    curves = json.loads((directory / checks["intervention_curve"]).read_text())
    n_test = curves["random"]["inputs"]
    for policy in ("random", "uncertainty"):
        curve = curves[policy]
        assert curve["accuracy_mean"][0] == pytest.approx(metrics["test/acc"], abs=0.5 / n_test)
        assert checks[f"intervention_area_{policy}"] == pytest.approx(curve["area"], abs=1e-6)
        assert checks[f"intervention_acc_all_{policy}"] == pytest.approx(curve["accuracy_mean"][-1], abs=1e-6)
        assert len(curve["accuracy_mean"]) == len(card["data"]["concept_groups"]) + 1
    assert curves["random"]["orders"] == 5 and 0 <= checks["cas"] <= 1
