"""Shallow CBC / stable CBC / RBF: the reasoning formulas, the certified radius (against its closed forms and
a worst-case check), the refusals, the explanation and the training constraints."""

import math

import pytest
import torch
from helpers import assert_complete

from datamodules.base import DataSpec
from models import InputError, create_model
from models.cbc import ShallowCBC, certified_radius_from, margin_loss, pairwise_radius_factor, rbf_certified_radius
from models.robustness import CertificateError

SPEC = DataSpec(name="toy", input_shape=(1, 4, 4), num_classes=3, class_names=list("abc"))


def toy(reasoning="stable", **kwargs):
    torch.manual_seed(0)
    args = dict(num_components=5, sigma_init=1.5, reasoning_per_class=1)
    args.update(kwargs)
    model = ShallowCBC(SPEC.to_dict(), reasoning=reasoning, **args)
    with torch.no_grad():
        model.components.copy_(torch.rand_like(model.components))
    return model.eval()


def test_stable_reasoning_is_one_distribution_per_concept_and_p_is_the_agreement_sum():
    model = toy("stable", reasoning_per_class=2)
    positive, negative = model.reasoning_probabilities()
    torch.testing.assert_close((positive + negative).sum(0), torch.ones(6))
    x = torch.rand(7, 1, 4, 4)
    d, _ = model.detections(x)
    by_sum = torch.einsum("bk,km->bm", d, positive) + torch.einsum("bk,km->bm", 1 - d, negative)
    torch.testing.assert_close(model.concept_probabilities(d), by_sum)
    # the class probability is the best of the class's two concepts
    torch.testing.assert_close(model(x), by_sum.view(7, 3, 2).max(2).values)


def test_original_cbc_is_the_neurips_agreement_with_indefinite_reasoning():
    model = toy("cbc", component_prior=True)
    with torch.no_grad():
        model.component_prior_logits.copy_(torch.randn(5))
    q = model.requiredness
    r_pos, r_neg = q[0], (1 - q[0]) * q[1]
    r_ind = 1 - r_pos - r_neg
    assert (r_ind >= -1e-6).all()
    prior = torch.softmax(model.component_prior_logits, 0)[:, None]
    x = torch.rand(4, 1, 4, 4)
    d, _ = model.detections(x)
    expected = (d @ (prior * r_pos) + (1 - d) @ (prior * r_neg)) / (prior * (r_pos + r_neg)).sum(0)
    torch.testing.assert_close(model(x), expected, atol=1e-6, rtol=1e-5)
    assert torch.allclose(model.requiredness_probabilities()["indefinite"], r_ind)


def test_rbf_radius_is_the_papers_closed_form():
    """RBF (one concept per class, r- = 0): r = sigma_min / 2 * ln(p_y / max_{k != y} p_k)."""
    model = toy("rbf")
    with torch.no_grad():
        model.sigma.copy_(torch.tensor([1.5, 2.0, 0.9, 3.0, 1.1]))
    x = torch.rand(16, 1, 4, 4)
    p = model(x)
    top2 = p.topk(2, dim=1).values
    expected = 0.9 / 2 * torch.log(top2[:, 0] / top2[:, 1])
    torch.testing.assert_close(model.certified_radius(x), expected.float(), atol=1e-6, rtol=1e-5)
    # the RBF's fast closed form is the general pairwise bound (b = 0) for every class, winning or not
    classes = torch.randint(0, 3, (16,))
    with torch.no_grad():
        d = model.detections(x)[0].double()
        positive, negative = (t.double() for t in model.reasoning_probabilities())
    general = certified_radius_from(d, positive, negative, model.concept_classes, classes, torch.tensor(0.9).double(),
                                    clamp=False)
    fast = rbf_certified_radius(d, positive, classes, torch.tensor(0.9).double(), clamp=False)
    torch.testing.assert_close(fast, general, atol=1e-12, rtol=1e-10)
    assert (fast < 0).any() and (fast > 0).any()


@pytest.mark.parametrize("reasoning", ["stable", "cbc"])
def test_radius_factor_is_the_root_of_the_theorems_worst_case_gap(reasoning):
    """q_ij is where P / t - N t + b (the terms that help concept i shrunk by 1/t, those that hurt it grown by
    t) closes; below it the true worst case over independently scaled detections is still positive."""
    model = toy(reasoning)
    with torch.no_grad():
        positive, negative = (t.double() for t in model.reasoning_probabilities())
        d = model.detections(torch.rand(6, 1, 4, 4))[0].double()
    q = pairwise_radius_factor(d, positive, negative)
    checked = 0
    for b in range(6):
        for i in range(3):
            for j in range(3):
                t = float(q[b, i, j])
                if i == j or not (math.isfinite(t) and t > 1):
                    continue
                helps = d[b] @ (positive[:, i] + negative[:, j])
                hurts = d[b] @ (negative[:, i] + positive[:, j])
                constant = negative[:, i].sum() - negative[:, j].sum()
                assert float(helps / t - hurts * t + constant) == pytest.approx(0, abs=1e-12)
                net = positive[:, i] - negative[:, i] - positive[:, j] + negative[:, j]
                inside = t * (1 - 1e-6)
                worst = torch.where(net > 0, d[b] / inside, d[b] * inside)
                assert float(worst @ net + constant) > 0
                checked += 1
    assert checked > 0


@pytest.mark.parametrize("reasoning", ["stable", "cbc", "rbf"])
def test_no_random_perturbation_inside_the_radius_changes_the_prediction(reasoning):
    model = toy(reasoning)
    x = torch.rand(64, 1, 4, 4)
    radius = model.certified_radius(x)
    prediction = model(x).argmax(1)
    for _ in range(20):
        direction = torch.randn_like(x)
        direction = direction / direction.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
        moved = x + direction * (radius * 0.999).view(-1, 1, 1, 1)
        assert torch.equal(model(moved).argmax(1), prediction)


def test_radius_is_zero_for_a_class_that_does_not_win():
    model = toy("stable")
    x = torch.rand(8, 1, 4, 4)
    loser = model(x).argmin(1)
    assert (model.certified_radius(x, classes=loser) == 0).all()
    assert (model.certified_radius(x, classes=loser, clamp=False) < 0).all()


@pytest.mark.parametrize("reasoning", ["stable", "rbf", "cbc"])
def test_certified_pass_reuses_the_forward_parts_and_gives_the_same_radius(reasoning):
    model = toy(reasoning, reasoning_per_class=2 if reasoning != "rbf" else 1)
    x = torch.rand(9, 1, 4, 4)
    with torch.no_grad():
        plain = model.decompose(x)
        certified = model.decompose(x, certify=True)
    torch.testing.assert_close(certified.outputs, plain.outputs)
    torch.testing.assert_close(certified.extras["certified_radius"], model.certified_radius(x), atol=1e-6, rtol=1e-5)
    assert (certified.extras["certified_radius"] > 0).any()
    dp, dn = plain.extras["parts"]
    positive, negative = model.reasoning_probabilities()
    torch.testing.assert_close(dp, plain.scores @ positive)
    torch.testing.assert_close(dn, plain.scores @ negative)
    # the record's certificate is the same number
    records = model.explain((x, torch.zeros(9, dtype=torch.long)), certify=True)
    assert [r.certificate.radius for r in records] == pytest.approx(certified.extras["certified_radius"].tolist(),
                                                                    abs=1e-6)
    with pytest.raises(CertificateError, match="cosine"):
        toy("cbc", distance="cosine").decompose(x, certify=True)


def test_certificates_are_refused_where_they_do_not_hold():
    with pytest.raises(CertificateError, match="L2 bound"):
        toy("stable").certified_radius(torch.rand(2, 1, 4, 4), norm="linf")
    with pytest.raises(CertificateError, match="not a metric"):
        toy("rbf", distance="squared_euclidean").certified_radius(torch.rand(2, 1, 4, 4))
    with pytest.raises(CertificateError, match="cosine"):
        toy("cbc", distance="cosine").certified_radius(torch.rand(2, 1, 4, 4))
    with pytest.raises(ValueError, match="robust loss"):
        toy("stable", loss="robust", distance="squared_euclidean")


def test_uncertified_model_says_why_in_its_records():
    model = toy("cbc", distance="cosine")
    records = assert_complete(model, (torch.rand(3, 1, 4, 4), torch.tensor([0, 1, 2])))
    assert all(r.certificate is None and "cosine" in r.extras["certificate"] for r in records)


def test_record_holds_probability_certificate_and_reasoning_of_explained_and_runner_up():
    model = toy("stable")
    x = torch.rand(3, 1, 4, 4)
    records = assert_complete(model, (x, torch.tensor([0, 1, 2])))
    radius = model.certified_radius(x)
    p = model(x)
    for n, record in enumerate(records):
        assert record.output == "probability" and record.bias == 0
        assert record.certificate.radius == pytest.approx(float(radius[n]), abs=1e-6)
        runner_up = int(p[n].topk(2).indices[1])
        for evidence in record.evidence:
            details = evidence.details
            assert details["runner_up"] == runner_up
            assert evidence.contribution == pytest.approx(details["positive_agreement"]
                                                          + details["negative_agreement"], abs=1e-6)
    target = model.explain((x, torch.tensor([0, 1, 2])), explain_class="target")
    assert [r.explained_class for r in target] == [0, 1, 2]
    for r in target:
        r.check_complete()


def test_global_explanation_has_component_images_and_reasoning_matrices():
    model = toy("cbc", reasoning_per_class=2)
    explanation = model.global_explanation()
    assert len(explanation.units) == 5 and explanation.units[0].image.shape == (4, 4, 1)
    torch.testing.assert_close(torch.from_numpy(explanation.units[2].image).flatten(),
                               model.components[2].detach())
    assert explanation.matrices["positive_reasoning"].shape == (5, 6)
    assert {"requiredness_positive", "requiredness_negative", "requiredness_indefinite"} <= set(explanation.matrices)


def test_margin_loss_is_the_probability_gap():
    p = torch.tensor([[0.7, 0.2, 0.6], [0.1, 0.9, 0.3]])
    torch.testing.assert_close(margin_loss(p, torch.tensor([0, 0]), 0.3),
                               torch.tensor([0.2, 1.1]))


def test_components_loaded_for_another_input_shape_are_refused():
    model = create_model("robust_cbc_shallow8")
    with pytest.raises(InputError, match=r"\(20, 1, 8, 8\).*got \(20, 1, 28, 28\)"):
        model.init_components(torch.rand(20, 1, 28, 28))
    with pytest.raises(InputError, match="expected inputs of shape"):
        model(torch.rand(2, 1, 28, 28))


def test_training_keeps_components_in_the_pixel_range_and_lowers_the_loss():
    import lightning as L

    from datamodules import create_datamodule

    torch.manual_seed(0)
    data = create_datamodule("digits", batch_size=64, augment=False)
    model = create_model("robust_cbc_shallow8", lr=0.05)
    data.setup("fit")
    batch = next(iter(data.eval_dataloader("train")))
    before = model.evaluation_loss(batch, model.decompose(batch.inputs)).item()
    L.Trainer(max_epochs=3, accelerator="cpu", logger=False, enable_checkpointing=False,
              enable_progress_bar=False, enable_model_summary=False).fit(model, datamodule=data)
    after = model.evaluation_loss(batch, model.decompose(batch.inputs)).item()
    assert after < before
    assert model.components.min() >= 0 and model.components.max() <= 1


def test_deep_cbc_zeroes_small_detections_at_inference_only_and_trains_in_phases():
    model = create_model("deep_cbc_small").eval()
    x = torch.rand(2, 1, 28, 28)
    with torch.no_grad():
        raw = model.component_maps(x).flatten(2).max(2).values
        inferred = model.decompose(x).scores
    small = raw < 0.1
    assert small.any() and (inferred[small] == 0).all()
    torch.testing.assert_close(inferred[~small], raw[~small])
    model.train()
    with torch.no_grad():
        assert (model.decompose(x).scores > 0).all()  # no threshold while training
    model.on_phase_epoch_start("finetune", True)
    assert not any(p.requires_grad for p in model.features.parameters()) and model.reasoning_logits.requires_grad
    model.on_phase_epoch_start("pretrain", True)
    assert all(p.requires_grad for p in model.features.parameters()) and not model.reasoning_logits.requires_grad
    with pytest.raises(CertificateError, match="softmax over feature channels"):
        model.certified_radius(x)


@pytest.mark.parametrize("phase", ["pretrain", "finetune", "joint"])
def test_deep_cbc_trains_on_both_views_in_every_phase_as_the_reference(phase):
    from datamodules.batch import as_batch

    model = create_model("deep_cbc_small").train()
    model.phase = phase
    batch = as_batch((torch.rand(3, 1, 28, 28), torch.tensor([0, 1, 2])))
    output = model.training_forward(batch)
    assert output.outputs.shape == (3, 10) and output.extras["outputs_view2"].shape == (3, 10)
    terms = model.loss_terms(batch, output)
    if phase == "pretrain":
        assert set(terms) == {"align", "tanh"}
    else:  # the margin over both views; no alignment term at joint_align_weight 0 (the reference's CBC loop)
        assert set(terms) == {"margin"}
        both = torch.cat([output.outputs, output.extras["outputs_view2"]])
        expected = margin_loss(both, batch.targets.repeat(2), model.hparams.margin).mean()
        torch.testing.assert_close(terms["margin"], expected)


def test_pipnet_alignment_loss():
    from models.cbc import alignment_loss

    one_hot = torch.zeros(1, 4, 2, 2)
    one_hot[:, 1] = 1
    assert float(alignment_loss(one_hot, one_hot)) == pytest.approx(0, abs=1e-6)
    uniform = torch.full((1, 4, 2, 2), 0.25)
    assert float(alignment_loss(uniform, uniform)) == pytest.approx(math.log(4), abs=1e-5)
