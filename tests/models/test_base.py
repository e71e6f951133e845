"""The spine's shared contracts: input checks, registry, explanation records (tested on the linear baseline)."""

import json

import pytest
import torch
from helpers import assert_complete

import models
from models import InputError, create_model


@pytest.fixture(scope="module")
def model():
    return create_model("linear_small8").eval()


def test_registry_lists_variants():
    names = models.list_models()
    assert "linear_small8" in names and names == sorted(names)
    assert models.list_models("linear_small*") == ["linear_small28", "linear_small8"]


def test_unknown_model_names_close_matches():
    with pytest.raises(KeyError, match="Did you mean linear_small8"):
        create_model("linear_smal8")


def test_unknown_override_lists_valid_arguments():
    with pytest.raises(TypeError, match=r"unknown argument\(s\) \['widht'\].*backbone"):
        create_model("linear_small8", widht=3)


def test_none_override_means_default():
    assert create_model("linear_small8", lr=None).hparams.lr == 1e-3


@pytest.mark.parametrize(
    "x, message",
    [
        (torch.rand(2, 3, 8, 8), "expected 1 channel"),
        (torch.rand(2, 1, 9, 8), r"expected inputs of shape \(1, 8, 8\)"),
        (torch.rand(1, 8, 8), "add a batch dimension"),
        (torch.rand(0, 1, 8, 8), "empty batch"),
        (torch.full((2, 1, 8, 8), float("nan")), "NaN"),
        (torch.zeros(2, 1, 8, 8, dtype=torch.uint8), "floating-point"),
        ([[0.0]], "torch.Tensor"),
    ],
)
def test_bad_input_is_a_clear_error(model, x, message):
    with pytest.raises(InputError, match=message):
        model(x)
    with pytest.raises(InputError, match=message):
        model.explain(x)


def test_explanations_are_complete_and_json_safe(model):
    x, y = torch.rand(4, 1, 8, 8), torch.tensor([0, 1, 2, 3])
    assert_complete(model, (x, y))
    record = model.explain((x, y), top_k=3)[1]
    data = json.loads(json.dumps(record.to_dict()))
    assert data["target"] == 1 and len(data["evidence"]) == 3 and "image" not in data
    assert data["predicted_label"] == str(data["prediction"]) and data["output"] == "logit"
    # evidence is the strongest units, strongest first
    magnitudes = [abs(e["contribution"]) for e in data["evidence"]]
    assert magnitudes == sorted(magnitudes, reverse=True)
    assert magnitudes[0] == pytest.approx(max(abs(c) for c in data["contributions"]["values"]))


def test_explain_target_class(model):
    x, y = torch.rand(3, 1, 8, 8), torch.tensor([4, 5, 6])
    records = model.explain((x, y), explain_class="target")
    assert [r.explained_class for r in records] == [4, 5, 6]
    for r in records:
        r.check_complete()


def test_check_complete_detects_a_gap(model):
    record = model.explain(torch.rand(1, 1, 8, 8))[0]
    record.bias += 0.1
    with pytest.raises(AssertionError, match="not complete"):
        record.check_complete()
