"""Concept bottleneck models (Koh et al. 2020): the four training modes as phases, what f reads, interventions
with the training-logit percentiles, the concept section of the records, and the bad-input cases."""

import lightning as L
import numpy as np
import pytest
import torch
from helpers import assert_complete

import train
from datamodules import create_datamodule
from datamodules.base import AugmentedSubset, TensorItems
from models import create_model, load_release, save_release
from models.cbm import ConceptBottleneckModel
from models.concept_base import balanced_concept_weights
from models.interventions import InterventionError


@pytest.fixture(scope="module")
def trig():
    dm = create_datamodule("trig", batch_size=256)
    dm.setup()
    return dm


def build(name, spec, **overrides):
    torch.manual_seed(0)
    return create_model(name, spec=spec, **overrides)


def fit(model, dm):
    trainer = L.Trainer(accelerator="cpu", max_epochs=model.total_epochs, logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0)
    trainer.fit(model, datamodule=dm)
    return model.eval()


def test_modes_are_phases_with_their_own_optimisers(trig):
    joint = build("cbm_joint_mlp", trig.spec, epochs=2)
    assert joint.phases == ("joint",) and joint.phase_blocks() == [("joint", 2)]
    sequential = build("cbm_sequential_mlp", trig.spec, epochs=2, label_epochs=3)
    assert sequential.phase_blocks() == [("concepts", 2), ("label", 3)] and sequential.total_epochs == 5
    optimizers, schedulers = sequential.configure_optimizers()  # with a plateau schedule per phase
    assert len(schedulers) == 2
    encoder = {id(p) for p in sequential.concept_encoder.parameters()}
    assert {id(p) for g in optimizers[0].param_groups for p in g["params"]} == encoder
    assert {id(p) for g in optimizers[1].param_groups for p in g["params"]} == \
        {id(p) for p in sequential.label_predictor.parameters()}
    with pytest.raises(ValueError, match="concept_activation='sigmoid'"):
        build("cbm_independent_mlp", trig.spec, concept_activation="logits")
    with pytest.raises(ValueError, match="mode must be one of"):
        build("cbm_joint_mlp", trig.spec, mode="multitask")


def test_sequential_freezes_g_in_the_label_phase_and_f_in_the_concept_phase(trig):
    model = build("cbm_sequential_mlp", trig.spec, epochs=1, label_epochs=1)
    f_before = [p.detach().clone() for p in model.label_predictor.parameters()]
    schedule_end = {}

    class Snapshot(L.Callback):
        def on_train_epoch_end(self, trainer, module):
            if module.phase == "concepts":
                schedule_end["f"] = [p.detach().clone() for p in module.label_predictor.parameters()]
                schedule_end["g"] = [p.detach().clone() for p in module.concept_encoder.parameters()]

    trainer = L.Trainer(accelerator="cpu", max_epochs=2, logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, callbacks=[Snapshot()])
    trainer.fit(model, datamodule=trig)
    assert all(torch.equal(a, b) for a, b in zip(f_before, schedule_end["f"]))  # f waited
    assert all(torch.equal(a, b) for a, b in zip(schedule_end["g"], model.concept_encoder.parameters()))  # g frozen
    assert not all(torch.equal(a, b) for a, b in zip(f_before, model.label_predictor.parameters()))
    # the percentiles were fitted on the training split during validation
    with torch.no_grad():
        logits = torch.cat([model.encode(b.inputs).logits for b in trig.eval_dataloader("train")]).numpy()
    np.testing.assert_allclose(model.intervention_low.numpy(), np.percentile(logits, 5, axis=0), rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(model.intervention_high.numpy(), np.percentile(logits, 95, axis=0), rtol=1e-5,
                               atol=1e-5)


def test_independent_label_phase_reads_the_true_concepts(trig):
    model = build("cbm_independent_mlp", trig.spec, epochs=1, label_epochs=1)
    model.phase = "label"
    model.train()
    seen = []
    model.label_predictor.register_forward_hook(lambda module, args, out: seen.append(args[0].detach()))
    batch = next(iter(trig.train_dataloader()))
    model.training_forward(batch)
    assert torch.equal(seen[-1], batch.concepts)
    model.eval()
    model.decompose(batch.inputs)
    torch.testing.assert_close(seen[-1], torch.sigmoid(model.encode(batch.inputs).logits))


def test_losses_and_their_weights(trig):
    model = build("cbm_joint_mlp", trig.spec, concept_weight=0.5, concept_reduction="sum", normalize_loss=True)
    batch = next(iter(trig.train_dataloader()))
    output = model.training_forward(batch)
    terms = model.loss_terms(batch, output)
    logits = output.extras["state"].logits
    per_concept = [torch.nn.functional.binary_cross_entropy_with_logits(logits[:, j], batch.concepts[:, j])
                   for j in range(3)]
    torch.testing.assert_close(terms["concepts"], sum(per_concept))
    torch.testing.assert_close(terms["task"], torch.nn.functional.cross_entropy(output.outputs, batch.targets))
    assert model.loss_weights() == pytest.approx({"task": 1 / 2.5, "concepts": 0.5 / 2.5})
    concepts = torch.tensor([[1.0, 0.0], [0.0, float("nan")], [1.0, 1.0], [0.0, 1.0]])
    torch.testing.assert_close(balanced_concept_weights(concepts), torch.tensor([4 / 2 - 1, 3 / 2 - 1]))


def test_interventions_read_the_percentiles_or_the_values(trig):
    batch = next(iter(trig.test_dataloader()))
    logit = build("cbm_joint_mlp", trig.spec).eval()
    with pytest.raises(InterventionError, match="fit_intervention_values"):
        logit(batch.inputs, intervene="h1 > 0", values=batch.concepts)
    logit.fit_intervention_values(trig.eval_dataloader("train"))
    out = logit.decompose(batch.inputs, intervene=["h1 > 0", 2], values=batch.concepts)
    read = out.extras["bottleneck"]
    expected = torch.where(batch.concepts > 0.5, logit.intervention_high, logit.intervention_low)
    torch.testing.assert_close(read[:, [0, 2]], expected[:, [0, 2]])
    torch.testing.assert_close(read[:, 1], logit.encode(batch.inputs).logits[:, 1])
    sigmoid = build("cbm_fuzzy_mlp", trig.spec).eval()
    assert torch.equal(sigmoid.decompose(batch.inputs, intervene="all", values=batch.concepts).extras["bottleneck"],
                       batch.concepts)
    boolean = build("cbm_bool_mlp", trig.spec).eval()
    read = boolean.decompose(batch.inputs).extras["bottleneck"]
    assert set(read.unique().tolist()) <= {0.0, 1.0}
    # NaN values leave a concept alone
    values = batch.concepts.clone()
    values[:, 0] = float("nan")
    assert not sigmoid.decompose(batch.inputs, intervene="all", values=values).extras["mask"][:, 0].any()


def test_records_are_complete_and_carry_the_concept_section(trig):
    model = build("cbm_joint_mlp", trig.spec).eval()
    model.fit_intervention_values(trig.eval_dataloader("train"))
    batch = next(iter(trig.test_dataloader())).select(slice(0, 6))
    assert_complete(model, batch)
    records = assert_complete(model, batch, intervene="h2 > 0", values=batch.concepts)
    weights = model.label_predictor[0].weight
    for n, record in enumerate(records):
        section = record.concepts
        assert section.intervened == [1] and section.true == batch.concepts[n].tolist()
        assert section.used[1] == pytest.approx(float(model.intervention_high[1] if batch.concepts[n, 1]
                                                      else model.intervention_low[1]))
        c = record.explained_class
        np.testing.assert_allclose(section.contributions, (weights[c] * torch.tensor(section.used)).tolist(),
                                   rtol=1e-5, atol=1e-6)
        # the effect of flipping concept j in a linear f: w_cj (what f reads after the flip - what it read)
        current = [float(batch.concepts[n, 1]) if j == 1 else float(section.predicted[j] > 0.5) for j in range(3)]
        after = model.intervention_values(1 - torch.tensor(current))
        expected = weights[c] * (after - torch.tensor(section.used))
        np.testing.assert_allclose(section.effects, expected.tolist(), atol=1e-4)
    mlp = build("cbm_joint_mlp", trig.spec, label_hidden=(16,)).eval()
    mlp.fit_intervention_values(trig.eval_dataloader("train"))
    assert not mlp.complete
    assert all(not r.complete and "gradient x input" in r.exact for r in assert_complete(mlp, batch))


def test_an_intervened_record_keeps_the_outputs_before_the_intervention():
    """The shipped joint CBM of the issue: setting "has red" and "has green" (3, 4) to their labels moves the first
    test input's logit of busy from 6.48 to 7.60; the record holds both, the prediction before, each concept's part
    before, and the values the concepts were set to."""
    model = create_model("cbm_joint_cnn", pretrained="shapes")
    dm = create_datamodule("shapes")
    dm.setup("test")
    batch = next(iter(dm.eval_dataloader("test"))).select(slice(0, 3))
    records = model.explain(batch, intervene=[3, 4])
    with torch.no_grad():
        plain = model(batch.inputs).double()
    plain_records = model.explain(batch)
    for n, (record, untouched) in enumerate(zip(records, plain_records)):
        section = record.concepts
        assert section.intervened == [3, 4] and section.intervened_values == batch.concepts[n, [3, 4]].tolist()
        np.testing.assert_allclose(section.outputs_before, plain[n].numpy(), rtol=1e-6)
        assert section.prediction_before == int(plain[n].argmax()) == untouched.prediction
        if record.explained_class == untouched.explained_class:
            np.testing.assert_allclose(section.contributions_before, untouched.concepts.contributions, rtol=1e-6)
        assert untouched.concepts.outputs_before is None and untouched.concepts.prediction_before is None
    first = records[0]
    assert round(first.concepts.outputs_before[first.explained_class], 2) == 6.48 and round(first.value, 2) == 7.60


def test_the_unit_score_is_what_f_reads(trig):
    names = {variant: build(variant, trig.spec).unit_score.name for variant in
             ("cbm_joint_mlp", "cbm_fuzzy_mlp", "cbm_bool_mlp", "cbm_hybrid_mlp", "cbm_no_concepts_mlp")}
    assert names == {"cbm_joint_mlp": "concept logit", "cbm_fuzzy_mlp": "concept probability",
                     "cbm_bool_mlp": "concept (0/1)", "cbm_hybrid_mlp": "bottleneck value",
                     "cbm_no_concepts_mlp": "bottleneck value"}
    assert "LeakyReLU" in build("cbm_hybrid_mlp", trig.spec).unit_score.about


def test_records_of_a_policy_intervention(trig):
    model = build("cbm_independent_mlp", trig.spec).eval()
    batch = next(iter(trig.test_dataloader())).select(slice(0, 8))
    records = model.explain(batch, policy="uncertainty", budget=2)
    probabilities = torch.sigmoid(model.encode(batch.inputs).logits)
    closest = (probabilities - 0.5).abs().argsort(1)[:, :2]
    assert [sorted(r.concepts.intervened) for r in records] == [sorted(c.tolist()) for c in closest]
    with pytest.raises(InterventionError, match="budget"):
        model.explain(batch, policy="random")
    with pytest.raises(InterventionError, match="not both"):
        model.explain(batch, policy="random", budget=1, intervene="h1 > 0")
    with pytest.raises(InterventionError, match="unknown concept or group 'h4 > 0'"):
        model.explain(batch, intervene="h4 > 0")
    with pytest.raises(InterventionError, match="true concept values"):
        model(batch.inputs, intervene="h1 > 0")
    with pytest.raises(InterventionError, match="must be a tensor"):
        model(batch.inputs, intervene="h1 > 0", values="yes")
    with pytest.raises(InterventionError, match="not trained on concepts"):
        build("cbm_standard_mlp", trig.spec).eval()(batch.inputs, intervene="h1 > 0", values=batch.concepts)


def test_joint_and_sequential_refuse_data_without_concept_labels(trig, capsys):
    digits = create_datamodule("digits").spec
    for name in ("cbm_joint_cnn", "cbm_sequential_cnn"):
        with pytest.raises(ValueError, match="declares none"):
            create_model(name, spec=digits)
    standard = create_model("cbm_standard_cnn", spec=create_datamodule("shapes").spec)
    assert standard.requires == ()
    with pytest.raises(SystemExit) as exit_info:
        train.main(["model=cbm_joint_cnn", "data=digits", "trainer=cpu", "run_dir=/tmp/never"])
    assert exit_info.value.code == 2 and "declares none" in capsys.readouterr().err
    # concepts declared, but every training label unknown: refused before the first step
    unknown = TensorItems(inputs=torch.rand(8, 3), targets=torch.zeros(8, dtype=torch.long),
                          concepts=torch.full((8, 3), float("nan")))
    dm = create_datamodule("trig")
    dm.setup()
    dm.train_set = dm.train_eval_set = AugmentedSubset(unknown, range(8))
    dm.split_concepts = lambda split: unknown.tensors["concepts"]
    with pytest.raises(ValueError, match="silent zero"):
        fit(build("cbm_joint_mlp", trig.spec, epochs=1), dm)
    # batches without concept labels at all
    no_concepts = TensorItems(inputs=torch.rand(8, 7), targets=torch.zeros(8, dtype=torch.long))
    dm.train_set = dm.train_eval_set = AugmentedSubset(no_concepts, range(8))
    del dm.split_concepts
    dm.split_concepts = None
    with pytest.raises(ValueError, match="no concept labels"):
        fit(build("cbm_sequential_mlp", trig.spec, epochs=1), dm)


def test_a_short_run_learns_and_the_release_round_trips(trig, tmp_path):
    model = fit(build("cbm_joint_mlp", trig.spec, epochs=8), trig)
    batch = next(iter(trig.test_dataloader()))
    accuracy = float((model(batch.inputs).argmax(-1) == batch.targets).float().mean())
    assert accuracy > 0.8
    save_release(model, tmp_path / "release")
    loaded = load_release(tmp_path / "release")
    torch.testing.assert_close(loaded.intervention_high, model.intervention_high)
    torch.testing.assert_close(loaded(batch.inputs, intervene="all", values=batch.concepts),
                               model(batch.inputs, intervene="all", values=batch.concepts))
    checks = model.release_checks(tmp_path / "release", trig)
    assert (tmp_path / "release" / "intervention_curve.png").is_file() and 0 <= checks["cas"] <= 1
    assert checks["intervention_percentiles"] == "training"  # a logit model: the stored training percentiles
    assert isinstance(loaded, ConceptBottleneckModel)


def test_the_image_concept_encoder_keeps_every_cell_of_the_map_when_flattened():
    """``pooling="flatten"`` (the shapes recipes): D = C H' W', found without touching the BatchNorm statistics,
    and where an object is changes the features (average pooling of a shifted map does not)."""
    spec = create_datamodule("shapes").spec
    flat = build("cbm_joint_cnn", spec)
    pooled = build("cbm_joint_cnn", spec, pooling="avg")
    features = flat.concept_encoder[0]
    assert features.pooling == "flatten" and features.out_features == 64 * 6 * 6
    assert pooled.concept_encoder[0].out_features == 64
    running = [m.running_mean.clone() for m in features.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert all(r.abs().sum() == 0 for r in running)  # the dry run at construction left them at their init
    maps = torch.zeros(2, 64, 6, 6)
    maps[0, :, 0, 0] = maps[1, :, 5, 5] = 1.0  # the same object in two corners
    features.backbone = torch.nn.Identity()
    assert features(maps).shape == (2, 2304) and not torch.equal(features(maps)[0], features(maps)[1])
    features.pooling = "avg"
    assert torch.equal(features(maps)[0], features(maps)[1])
    with pytest.raises(ValueError, match="pooling must be one of"):
        build("cbm_joint_cnn", spec, pooling="max")
    with pytest.raises(ValueError, match="vector inputs have no feature map"):
        build("cbm_joint_mlp", create_datamodule("xor").spec, pooling="flatten")
