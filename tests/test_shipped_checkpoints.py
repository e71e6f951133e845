"""Every shipped image checkpoint reloads offline and reproduces the test accuracy recorded in its card."""

import pytest
from helpers import split_accuracy

from datamodules import create_datamodule
from models import create_model, list_pretrained

REQUIRED = ["protopnet_small8.digits", "protopnet_small.mnist5k"]
IMAGE_RELEASES = [name for name in list_pretrained() if not name.startswith("tp_")]


def test_the_issue_s_checkpoints_are_shipped():
    assert set(REQUIRED) <= set(list_pretrained())


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
        record.check_complete()
