"""Prototype autoencoder (Li et al.) and Prob-PSENN: shapes, the loss terms against direct computations, the
Monte Carlo mean and its exact mean-logit decomposition, the distributions, the uncertainty terms, the bad
inputs."""

import math
import re

import numpy as np
import pytest
import torch

from datamodules import create_datamodule
from datamodules.batch import as_batch
from datamodules.images import ElasticDeformation
from datamodules.shifts import SHIFTS, auroc, shifted_sets
from models import InputError, create_model
from models.psenn import explanatory_overlap, fill_scale_tril, inverse_fill_scale_tril


def test_li_autoencoder_has_the_papers_40_dimensional_latent_and_reconstructs_the_input_shape():
    model = create_model("prototype_ae")
    assert model.autoencoder.latent_shape == (10, 2, 2) and model.prototypes.shape == (15, 40)
    x = torch.rand(3, 1, 28, 28)
    z = model.autoencoder.encode(x)
    assert z.shape == (3, 40) and model.autoencoder.decode(z).shape == x.shape
    assert model.decoded_prototypes().shape == (15, 1, 28, 28)


def test_li_loss_terms_match_a_direct_computation():
    model = create_model("prototype_ae")
    x, y = torch.rand(6, 1, 28, 28), torch.arange(6)
    batch = as_batch((x, y))
    output = model.training_forward(batch)
    terms = model.loss_terms(batch, output)
    z = model.autoencoder.encode(x)
    d = torch.cdist(z, model.prototypes) ** 2
    torch.testing.assert_close(output.outputs, d @ model.last_layer, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(terms["r1"], d.min(0).values.mean(), atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(terms["r2"], d.min(1).values.mean(), atol=1e-4, rtol=1e-4)
    expected_ae = ((model.autoencoder.decode(z) - x) ** 2).sum((1, 2, 3)).mean()
    torch.testing.assert_close(terms["autoencoder"], expected_ae)
    assert model.loss_weights() == {"cross_entropy": 20.0, "autoencoder": 1.0, "r1": 1.0, "r2": 1.0}


@pytest.mark.parametrize("name", ["prob_psenn", "prob_psenn_diag", "prob_psenn_mixture"])
def test_prob_psenn_output_is_the_mean_over_samples_and_contributions_give_the_mean_logit(name):
    model = create_model(name).eval()
    x = torch.rand(4, 1, 28, 28)
    decomposition = model.decompose(x, samples=7, seed=3)
    probabilities = decomposition.extras["probabilities"]
    assert probabilities.shape == (7, 4, 10)
    torch.testing.assert_close(decomposition.outputs, probabilities.mean(0))
    mean_logit = decomposition.extras["logits"].mean(0)
    torch.testing.assert_close(decomposition.all_contributions().sum(-1), mean_logit, atol=1e-3, rtol=1e-5)
    records = model.explain((x, torch.arange(4)), samples=7, seed=3)
    assert all(not r.complete and "mean logit" in r.exact and r.output == "mean_probability" for r in records)
    assert records[0].uncertainty.samples == 7


def test_sampling_is_seeded_and_the_encoder_runs_once():
    model = create_model("prob_psenn").eval()
    x = torch.rand(3, 1, 28, 28)
    torch.testing.assert_close(model(x), model(x))
    assert not torch.allclose(model(x, seed=0), model(x, seed=1))
    calls = []
    model.autoencoder.encoder.register_forward_hook(lambda *a: calls.append(1))
    model(x, samples=32)
    assert len(calls) == 1


@pytest.mark.parametrize("samples", [0, -2, True, 2.5])
def test_zero_or_invalid_samples_are_refused(samples):
    model = create_model("prob_psenn8").eval()
    with pytest.raises(InputError, match="positive number of prototype samples"):
        model(torch.rand(2, 1, 8, 8), samples=samples)
    with pytest.raises(InputError, match="samples=.* (is outside its allowed range|has type)"):
        model.explain(torch.rand(2, 1, 8, 8), samples=samples)


def test_modes_give_one_sample_and_no_epistemic_uncertainty():
    model = create_model("prob_psenn8").eval()
    records = model.explain(torch.rand(3, 1, 8, 8), mode=True)
    for record in records:
        assert record.uncertainty.samples == 1 and record.uncertainty.epistemic == pytest.approx(0, abs=1e-6)
        assert record.uncertainty.predictive == pytest.approx(record.uncertainty.aleatoric, abs=1e-6)


def test_entropy_decomposition_of_disagreeing_samples():
    p = torch.tensor([[[1.0, 0.0]], [[0.0, 1.0]]])  # two confident samples that disagree
    predictive, aleatoric, epistemic = create_model("prob_psenn8").entropy_decomposition(p)
    assert float(predictive) == pytest.approx(math.log(2), abs=1e-6)
    assert float(aleatoric) == pytest.approx(0, abs=1e-6) and float(epistemic) == pytest.approx(math.log(2), abs=1e-6)


def test_full_covariance_samples_have_the_parameterised_covariance():
    torch.manual_seed(0)
    raw = torch.randn(3 * 4 // 2 * 2)[:6]
    tril = fill_scale_tril(raw, 3)
    torch.testing.assert_close(fill_scale_tril(inverse_fill_scale_tril(tril), 3), tril, atol=1e-5, rtol=1e-5)
    model = create_model("prob_psenn8")
    with torch.no_grad():
        samples = model.sample_prototypes(20000, torch.Generator().manual_seed(0))[:, 0]  # (S, Z)
        L = model.scale_tril()[0, 0]
    torch.testing.assert_close(torch.cov(samples.t()), L @ L.t(), atol=0.05, rtol=0.05)


@pytest.mark.parametrize("distribution", ["prob_psenn8", "prob_psenn_diag"])
def test_fitting_prototypes_puts_each_distribution_on_its_class_statistics(distribution):
    spec = create_datamodule("digits").spec
    model = create_model(distribution, spec=spec, channels=[32, 32, 10]).eval()
    data = create_datamodule("digits", augment=False)
    data.setup("fit")
    model.fit_prototypes(data.eval_dataloader("train"))
    codes, labels = model.encode_split(data.eval_dataloader("train"))
    for c in (0, 7):
        own = codes[labels == c]
        torch.testing.assert_close(model.prototype_modes()[c], own.mean(0), atol=1e-4, rtol=1e-4)
        covariance = model.scale_tril()[c, 0] @ model.scale_tril()[c, 0].t()
        expected = torch.cov(own.t())
        if model.hparams.distribution == "gauss_diag":
            expected = torch.diag(own.var(0))
        torch.testing.assert_close(covariance, expected, atol=2e-3, rtol=0.05)
    model.fit_distance_quantiles(data.eval_dataloader("train"))
    percentile = model.distance_percentile(codes, labels)
    assert 40 < float(percentile.median()) < 60  # training inputs sit in the middle of their own distances


def test_explanatory_overlap_is_one_for_the_same_and_zero_for_far_apart_distances():
    rng = np.random.default_rng(0)
    same = rng.normal(5, 1, size=(400, 1))
    assert explanatory_overlap(np.hstack([same, same]), 0) == pytest.approx(1, abs=1e-3)  # grid truncation
    far = np.hstack([same, same + 50])
    assert explanatory_overlap(far, 0) < 0.01


def test_elastic_deformation_keeps_shape_and_alpha_zero_is_the_identity():
    x = torch.rand(1, 28, 28)
    assert ElasticDeformation()(x).shape == x.shape
    torch.testing.assert_close(ElasticDeformation(alpha=0.0)(x), x, atol=1e-5, rtol=0)
    data = create_datamodule("mnist5k", augmentation="elastic")
    data.setup("fit")
    assert isinstance(data.train_set.transform, ElasticDeformation)
    with pytest.raises(ValueError, match="augmentation must be None"):
        create_datamodule("mnist5k", augmentation="swirl")


def test_shifted_sets_and_auroc():
    images = torch.rand(8, 1, 28, 28)
    sets = shifted_sets(images)
    assert set(sets) == set(SHIFTS) and all(s.shape == images.shape for s in sets.values())
    assert sets["letters"].max() > 0.5 and 0 <= sets["letters"].min()
    assert auroc(torch.tensor([0.0, 1.0]), torch.tensor([2.0, 3.0])) == 1.0
    assert auroc(torch.tensor([1.0, 1.0]), torch.tensor([1.0, 1.0])) == 0.5
    assert auroc(torch.tensor([0.0, 2.0]), torch.tensor([1.0, 3.0])) == 0.75


def test_prob_psenn_starts_from_its_deterministic_base():
    import lightning as L

    base = create_model("prototype_ae", pretrained="mnist5k")
    model = create_model("prob_psenn", base="prototype_ae.mnist5k", autoencoder_epochs=0, joint_epochs=1)
    seen = {}

    class Check(L.Callback):
        def on_train_start(self, trainer, pl_module):
            seen["same"] = all(torch.equal(a, b) for a, b in zip(pl_module.autoencoder.state_dict().values(),
                                                                 base.autoencoder.state_dict().values()))
            seen["fitted"] = float(pl_module.prototype_loc.abs().mean())

    data = create_datamodule("mnist5k", batch_size=250)
    L.Trainer(max_epochs=1, limit_train_batches=1, limit_val_batches=1, accelerator="cpu", logger=False,
              enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
              callbacks=[Check()]).fit(model, datamodule=data)
    assert seen["same"]
    assert model.training_distance_quantiles.abs().sum() > 0  # the distance percentile is fitted at validation


@pytest.mark.parametrize("name", ["prob_psenn8", "prob_psenn_mixture"])
def test_prob_psenn_records_hold_the_mean_logit_they_add_up_to_and_how_they_were_sampled(name):
    """The contributions add up to the Monte Carlo mean logit, not to the mean probability the outputs hold: the
    record carries that number (and its margin over the runner-up), the seed and the number of samples."""
    model = create_model(name).eval()
    x = torch.rand(5, *model.spec.input_shape)
    records = model.explain((x, torch.arange(5)), samples=6, seed=11)
    mean_logits = model.decompose(x, samples=6, seed=11).extras["logits"].double().mean(0)  # (B, C), directly
    for n, record in enumerate(records):
        sums_to, c, r = record.sums_to, record.explained_class, record.runner_up
        assert sums_to.name == "Monte Carlo mean logit"
        assert sums_to.value == pytest.approx(float(mean_logits[n, c]), rel=1e-5, abs=1e-5)
        assert sums_to.margin == pytest.approx(float(mean_logits[n, c] - mean_logits[n, r]), rel=1e-5, abs=1e-5)
        assert math.fsum(record.contributions) + record.bias == pytest.approx(sums_to.value, rel=1e-4, abs=1e-4)
        assert math.fsum(record.contrast) + record.contrast_bias == pytest.approx(sums_to.margin, rel=1e-4, abs=1e-4)
        assert (record.uncertainty.seed, record.uncertainty.samples, record.uncertainty.entropy_unit) == (11, 6, "nats")
        data = record.to_dict()
        assert data["sums_to"]["value"] == sums_to.value and data["uncertainty"]["seed"] == 11
    modes = model.explain((x, torch.arange(5)), mode=True)
    assert modes[0].uncertainty.seed is None and modes[0].uncertainty.samples == 1


@pytest.mark.parametrize("name", ["prototype_ae", "prob_psenn"])
def test_distance_scores_are_declared_and_no_map_is_drawn_but_the_metrics_keep_theirs(name):
    model = create_model(name).eval()
    assert model.unit_score.distance and "distance" in model.unit_score.name
    x = torch.rand(2, 1, 28, 28)
    records = model.explain(x)
    assert all(r.unit_maps == {} for r in records)  # a 2 x 2 latent grid is no map of the image
    decomposition = model.decompose(x)
    assert model.unit_maps(decomposition, 0, [1])[1].shape == (2, 2)  # still there for the explanation metrics


@pytest.mark.parametrize("options, message", [({"samples": 10**9}, "samples=1000000000 is outside"),
                                              ({"seed": "abc"}, "seed='abc' has type str"),
                                              ({"seed": -5}, "seed=-5 is outside"),
                                              ({"seed": 2**70}, "is outside")])
def test_explain_options_are_checked_by_their_bounds(options, message):
    from models import InputError

    model = create_model("prob_psenn8")
    with pytest.raises(InputError, match=re.escape(message)):
        model.explain(torch.rand(2, 1, 8, 8), **options)
