"""The spine's shared contracts: input checks, registry, explanation records (tested on the linear baseline)."""

import json
import re

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
        (torch.rand(2, 1, 8, 8, dtype=torch.float64), "expected float32 inputs, got float64"),
        (torch.rand(2, 1, 8, 8) * 255, r"expected images in \[0, 1\].*divide 8-bit images by 255"),
        (torch.rand(2, 1, 8, 8) * 4 - 2, "pass the raw images"),
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


# ---- hooks every family uses -------------------------------------------------------------------------------
class Toy(models.InterpretableModel):
    """A two-unit linear model with an option on decompose and two named loss terms."""

    kind, selection_metric, selection_mode = "toy", "val/loss", "min"
    requires = ("concepts",)

    def __init__(self, spec):
        super().__init__(spec)
        self.save_hyperparameters()
        self.weight = torch.nn.Parameter(torch.randn(spec["num_classes"], 2))

    def decompose(self, x, scale: float = 1.0):
        scores = torch.stack([x.mean((1, 2, 3)), x.amax((1, 2, 3))], 1) * scale
        return models.Decomposition(scores @ self.weight.T, scores, self.weight)

    def unit_names(self):
        return ["mean", "max"]

    def loss_terms(self, batch, output):
        return {"cross_entropy": torch.nn.functional.cross_entropy(output.outputs, batch.targets),
                "concept": (output.scores[:, 0] - batch.concepts[:, 0]).pow(2).mean()}

    def loss_weights(self):
        return {"concept": 0.5}

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def toy_model():
    from datamodules import create_datamodule

    return Toy(create_datamodule("digits").spec.to_dict())


def test_options_pass_through_forward_and_explain_and_unknown_ones_are_refused():
    model = toy_model().eval()
    x = torch.rand(3, 1, 8, 8)
    assert model.explain_options() == ["scale"]
    torch.testing.assert_close(model(x, scale=2.0), 2 * model(x))
    assert model.explain(x, scale=2.0)[0].value == pytest.approx(2 * model.explain(x)[0].value)
    with pytest.raises(TypeError, match=r"unknown argument\(s\) \['sclae'\]; it takes \['scale'\]"):
        model.explain(x, sclae=2.0)


def test_named_loss_terms_are_weighted_and_logged(tmp_path):
    import lightning as L

    from datamodules import create_datamodule

    model, logged = toy_model(), {}
    data = create_datamodule("digits", batch_size=64)
    data.setup()
    batch = next(iter(data.train_dataloader()))
    with pytest.raises(InputError, match="trains on batches with concepts; the 'digits' data gives inputs"):
        model.training_step(batch, 0)
    batch.concepts = torch.rand(len(batch), 1)
    terms = model.loss_terms(batch, model.training_forward(batch))
    assert model.total_loss(terms).item() == pytest.approx((terms["cross_entropy"] + 0.5 * terms["concept"]).item())

    class Capture(L.Callback):
        def on_train_end(self, trainer, *args):
            logged.update({k: float(v) for k, v in trainer.callback_metrics.items()})

    class WithConcepts(L.LightningDataModule):
        def train_dataloader(self):
            for b in data.train_dataloader():
                b.concepts = torch.rand(len(b), 1)
                yield b

    trainer = L.Trainer(max_steps=3, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                        enable_model_summary=False, callbacks=[Capture()], default_root_dir=tmp_path)
    trainer.fit(model, train_dataloaders=WithConcepts().train_dataloader())
    assert {"train/loss", "train/cross_entropy", "train/concept", "train/acc"} <= set(logged)


def test_create_model_never_reads_data_and_takes_name_dot_tag():
    model = create_model("protopnet_resnet34", backbone_pretrained=False)  # CUB is not on this machine
    assert model.num_classes == 200 and model.spec.name == "cub200"
    pretrained = create_model("protopnet_small8.digits", pretrained=True)
    assert pretrained.card["tag"] == "digits"
    with pytest.raises(models.CheckpointError, match="holds 'protopnet_small8' weights, not 'linear_small8'"):
        create_model("linear_small8", pretrained=str(models.release.find_release("protopnet_small8", True)))
    info = models.pretrained_info("protopnet_small8.digits")
    assert info["metrics"]["test/acc"] > 0.9 and info["recipe"]["experiment"] == "protopnet_digits"


def test_model_classes_are_keyed_by_family_and_cannot_collide():
    from models.registry import MODEL_CLASSES, class_key, find_class, register_class

    assert class_key(models.protopnet.ProtoPNet) == "protopnet.ProtoPNet" and "protopnet.ProtoPNet" in MODEL_CLASSES
    assert find_class("ProtoPNet") is models.protopnet.ProtoPNet  # a v1 card's bare name
    impostor = type("ProtoPNet", (), {"__module__": "models.protopnet"})
    with pytest.raises(ValueError, match="registered twice"):
        register_class(impostor)


@pytest.mark.parametrize("name, args, message", [
    ("protopnet_small8", {"prototypes_per_class": 0}, "prototypes_per_class=0 is outside its allowed range"),
    ("protopnet_small8", {"epsilon": float("nan")}, "epsilon=nan is outside"),
    ("moex_small", {"n_experts": 0}, "n_experts=0 is outside"),
    ("moex_small", {"n_layers": -1}, "n_layers=-1 is outside"),
    ("moex_small", {"n_layers": 100_000}, "n_layers=100000 is outside"),
    ("cbm_joint_mlp", {"hidden": [64, -3]}, "hidden=[64, -3] is outside"),
    ("prob_psenn8", {"eval_samples": 10**9}, "eval_samples=1000000000 is outside")])
def test_constructors_check_their_arguments_bounds_before_building(name, args, message):
    """The same bound for a direct call as for a config or a card: an error naming the argument and its range."""
    import time

    from configs.validation import ConfigError

    start = time.perf_counter()
    with pytest.raises(ConfigError, match=re.escape(message)):
        create_model(name, **args)
    assert time.perf_counter() - start < 10
