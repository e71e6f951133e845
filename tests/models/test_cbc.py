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


# ---- the deep RBF head and PIP-Net's pipeline (DeepRBF) ------------------------------------------------------
def test_pipnet_class_loss_is_the_nll_of_log1p_p_squared():
    from models.cbc import pipnet_class_loss

    p = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    # logits log1p(p^2) = (ln 2, 0): softmax (2/3, 1/3)
    assert float(pipnet_class_loss(p, torch.tensor([0, 0]), 2.0)) == pytest.approx(math.log(1.5))
    assert float(pipnet_class_loss(p, torch.tensor([1, 1]), 2.0)) == pytest.approx(math.log(3))
    # multiplier 1: log1p(0.5) against 0
    half = torch.tensor([[0.5, 0.0]])
    assert float(pipnet_class_loss(half, torch.tensor([0]), 1.0)) == pytest.approx(-math.log(1.5 / 2.5))


def test_pipnet_tanh_loss_averages_components_and_views():
    from models.cbc import tanh_loss

    maps = torch.zeros(2, 2, 1, 2)  # (B, K, H, W): component 0 peaks at 0.5 in both images, component 1 at 0.25
    maps[:, 0, 0, 0], maps[:, 1, 0, 1] = 0.5, 0.25
    expected = -(math.log(math.tanh(1.0)) + math.log(math.tanh(0.5))) / 2
    assert float(tanh_loss(maps, maps, eps=0.0)) == pytest.approx(expected)
    never = torch.zeros_like(maps)  # a component detected nowhere costs -log(eps)
    assert float(tanh_loss(never, never, eps=1e-8)) == pytest.approx(-math.log(1e-8))


def test_deep_rbf_variant_is_the_reference_rbfnet_config():
    model = create_model("deep_rbf_convnext_tiny", backbone_pretrained=False,
                         spec=DataSpec(name="rgb", input_shape=(3, 64, 64), num_classes=4, class_names=list("abcd")))
    hp = model.hparams
    # cub_rbfnet_config_base.yaml: epochs_pretrain 12, epochs 84, freeze_epochs 24, lr 0.05, lr_block / lr_net 5e-4
    assert (hp.pretrain_epochs, hp.finetune_epochs + hp.partial_epochs, model.second_stage_epochs) == (12, 24, 84)
    assert (hp.head_lr, hp.lr_block, hp.lr_net, hp.multiplier) == (0.05, 5e-4, 5e-4, 2.0)
    assert model.reasoning == "rbf" and model.reasoning_logits.shape == (768, 4)
    early, last_stage, last_block = (set(map(id, g)) for g in
                                     (model.parameter_groups()[n] for n in ("early", "last_stage", "last_block")))
    names = {id(p): n for n, p in model.features.named_parameters()}
    assert all(".stages_3.blocks.2." in names[i] for i in last_block)
    assert all(".stages_3." in names[i] and ".blocks.2." not in names[i] for i in last_stage)
    assert all(".stages_3." not in names[i] for i in early)
    assert len(early) + len(last_stage) + len(last_block) == len(names)


def test_deep_rbf_refuses_a_backbone_without_pipnet_groups():
    spec = DataSpec(name="rgb", input_shape=(3, 64, 64), num_classes=4, class_names=list("abcd"))
    with pytest.raises(ValueError, match="backbone groups are defined for ConvNeXt and the small CNNs"):
        create_model("deep_rbf_convnext_tiny", backbone="resnet18", backbone_pretrained=False, spec=spec)


def test_deep_rbf_clamps_the_head_after_every_step_outside_pretraining_and_on_the_reference_epochs():
    from unittest.mock import PropertyMock, patch

    from models.cbc import DeepRBF

    model = create_model("deep_rbf_small", pretrain_epochs=2, finetune_epochs=3, partial_epochs=30, joint_epochs=7)
    with torch.no_grad():
        model.reasoning_logits.zero_()
        model.reasoning_logits[0, :3] = torch.tensor([0.0005, -1.0, 2.0])
    model.phase = "pretrain"
    model.after_optimizer_step()
    assert model.reasoning_logits[0, 1] == -1.0  # pretraining: the head is frozen and not clamped
    model.phase = "joint"
    model.after_optimizer_step()
    torch.testing.assert_close(model.reasoning_logits[0, :3], torch.tensor([0.0, 0.0, 1.999]))
    clamped = []
    for epoch in range(model.total_epochs):  # once more at the start of second-stage epochs 30 and 40 (the last)
        before = model.reasoning_logits[0, 2].item()
        with patch.object(DeepRBF, "current_epoch", new_callable=PropertyMock, return_value=epoch):
            model.on_phase_epoch_start(model.configure_callbacks()[0].phase_at(epoch), False)
        if model.reasoning_logits[0, 2].item() < before:
            clamped.append(epoch - 2 + 1)
    assert clamped == [30, 40]


def test_deep_rbf_learning_rates_follow_the_reference_schedulers():
    model = create_model("deep_rbf_small", pretrain_epochs=2, finetune_epochs=3, partial_epochs=4, joint_epochs=5)
    hp, iters = model.hparams, 3
    dummy = [torch.nn.Parameter(torch.zeros(1))]
    pre = torch.optim.SGD(dummy, lr=hp.lr_block)
    pre_sched = torch.optim.lr_scheduler.CosineAnnealingLR(pre, T_max=iters * 2, eta_min=hp.lr_block / 100)
    for step in range(2 * iters):
        lrs = model.scheduled_lrs(step // iters, step % iters, iters)
        assert lrs["last_block"] == pytest.approx(pre.param_groups[0]["lr"]) and "head" not in lrs
        pre.step()  # no gradient: moves nothing, keeps the schedulers' step order
        pre_sched.step()
    head = torch.optim.SGD(dummy, lr=hp.head_lr)
    net = torch.optim.SGD(dummy, lr=hp.lr_net)
    # 12 epochs after pretraining (<= 30): restarts every 5 epochs, stepped at epoch - 1 + i / iters
    head_sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(head, T_0=5, eta_min=1e-3)
    net_sched = torch.optim.lr_scheduler.CosineAnnealingLR(net, T_max=iters * 12, eta_min=hp.lr_net / 100)
    for epoch in range(1, 13):
        for i in range(iters):
            lrs = model.scheduled_lrs(2 + epoch - 1, i, iters)
            assert lrs["head"] == pytest.approx(head.param_groups[0]["lr"])
            if epoch > 3:  # the network's scheduler does not move while only the head trains
                assert lrs["early"] == pytest.approx(net.param_groups[0]["lr"])
                net.step()
                net_sched.step()
            head.step()
            head_sched.step(epoch - 1 + i / iters)


def test_deep_rbf_trains_each_parameter_group_in_its_phases_only():
    import lightning as L

    class Watch(L.Callback):
        def __init__(self):
            self.changed = []

        def on_train_epoch_start(self, trainer, module):
            self.before = {n: [p.detach().clone() for p in ps] for n, ps in module.parameter_groups().items()}

        def on_train_epoch_end(self, trainer, module):
            self.changed.append({n for n, ps in module.parameter_groups().items()
                                 if any(not torch.equal(p, q) for p, q in zip(ps, self.before[n]))})

    torch.manual_seed(0)
    model = create_model("deep_rbf_small", pretrain_epochs=1, finetune_epochs=1, partial_epochs=1, joint_epochs=1)
    data = torch.utils.data.TensorDataset(torch.rand(8, 3, 28, 28), torch.arange(8) % 10)
    watch = Watch()
    trainer = L.Trainer(max_epochs=4, accelerator="cpu", logger=False, enable_checkpointing=False,
                        limit_val_batches=0, num_sanity_val_steps=0, enable_progress_bar=False,
                        enable_model_summary=False, callbacks=[watch])
    trainer.fit(model, torch.utils.data.DataLoader(data, batch_size=4))
    assert watch.changed == [{"last_stage", "last_block", "add_on"}, {"head"},
                             {"head", "last_stage", "last_block", "add_on"},
                             {"head", "early", "last_stage", "last_block", "add_on"}]
    assert (model.reasoning_logits >= 0).all()
    model.eval()
    x = torch.rand(3, 3, 28, 28)
    decomposition = model.decompose(x)
    assert (decomposition.extras["maps"].flatten(2).max(2).values[decomposition.scores == 0] < 0.1).all()
    assert_complete(model, x)


# ---- what the records and the global explanation say (the report reads them) ---------------------------------
@pytest.mark.parametrize("reasoning", ["cbc", "stable", "rbf"])
def test_records_hold_every_components_reasoning_for_the_class_and_the_runner_up(reasoning):
    model = toy(reasoning, reasoning_per_class=2 if reasoning != "rbf" else 1)
    x, y = torch.rand(4, 1, 4, 4), torch.tensor([0, 1, 2, 0])
    for explain_class in ("prediction", "target"):
        for record in model.explain((x, y), explain_class=explain_class):
            section = record.reasoning
            assert section.form == reasoning and section.units == list(range(5))
            d = torch.tensor(section.detection, dtype=torch.float64)
            parts = {}
            for side in ("", "runner_up_"):
                positive, negative = (torch.tensor(getattr(section, side + k)) for k in ("positive", "negative"))
                parts[side] = d * positive + (1 - d) * negative  # NeurIPS 2019 Eq. 4, normalised
                if reasoning == "rbf":
                    assert (negative == 0).all()
            assert float(parts[""].sum()) == pytest.approx(record.value, abs=1e-6)
            assert float(parts[""].sum() - parts["runner_up_"].sum()) == pytest.approx(record.margin, abs=1e-6)
            torch.testing.assert_close(parts[""], torch.from_numpy(record.contributions), atol=1e-6, rtol=0)
            assert (section.indefinite is not None) == (reasoning == "cbc")
            assert (section.concept is not None) == (reasoning != "rbf")  # several concepts per class
            if section.concept is not None:
                assert int(model.concept_classes[section.concept]) == record.explained_class
                assert int(model.concept_classes[section.runner_up_concept]) == record.runner_up


def test_original_cbcs_indefinite_reasoning_is_the_rest_of_a_components_share():
    model = toy("cbc", reasoning_per_class=2, component_prior=True)
    with torch.no_grad():
        model.component_prior_logits.normal_()
    positive, negative = model.reasoning_probabilities()
    indefinite = model.indefinite_reasoning()
    q = model.requiredness_probabilities()
    share = positive + negative + indefinite  # (K, M): pi_k / Z_m, split into r+, r- and r0
    torch.testing.assert_close(share / share.sum(0), q["component_prior"].unsqueeze(1).expand_as(share))
    torch.testing.assert_close(indefinite / share, q["indefinite"])
    torch.testing.assert_close((positive + negative).sum(0), torch.ones(model.num_concepts), atol=1e-6, rtol=0)
    assert toy("stable").indefinite_reasoning() is None


def test_cbc_outputs_are_agreements_no_record_calls_probabilities():
    model = toy("stable", reasoning_per_class=2)
    assert model.output_label == "agreement" and model.output_is_distribution is False
    assert model.unit_score.name == "detection" and model.unit_score.absent_below is None
    records = model.explain((torch.rand(2, 1, 4, 4), torch.tensor([0, 1])))
    outputs = model(torch.rand(2, 1, 4, 4))
    assert float(outputs.sum(1).min()) > 1  # the agreements are no distribution over the classes
    for record in records:
        assert record.probabilities is None
        assert all(set(t) == {"class", "output"} for t in record.to_dict()["top"])
        assert "p=" not in str(record) and f"output {record.value:.3f}" in str(record)


def test_global_explanation_names_the_reasoning_matrices_axes_and_weights_only_per_class():
    model = toy("stable", reasoning_per_class=2)
    explanation = model.global_explanation()
    axes = explanation.details["matrix_axes"]["positive_reasoning"]
    assert axes["rows"] == [f"component {k}" for k in range(5)] and axes["row_title"] == "components"
    assert axes["columns"] == ["a (1)", "a (2)", "b (1)", "b (2)", "c (1)", "c (2)"]
    assert all(u.weights is None for u in explanation.units)  # 6 concepts for 3 classes: no per-class weight
    single = toy("rbf").global_explanation()
    positive, negative = toy("rbf").reasoning_probabilities()
    assert single.details["matrix_axes"]["positive_reasoning"]["columns"] == ["a", "b", "c"]
    torch.testing.assert_close(torch.tensor(single.units[1].weights), (positive - negative)[1].detach())


@pytest.mark.parametrize("variant", ["deep_cbc_small", "deep_rbf_small"])
def test_deep_records_mark_absent_components_and_hold_the_reasoning_of_both_classes(variant):
    model = create_model(variant).eval()
    assert model.unit_score.name == "detection" and model.unit_score.absent_below == model.hparams.detection_threshold
    assert model.output_label == "agreement" and model.output_is_distribution is False
    x, y = torch.rand(3, *model.spec.input_shape), torch.tensor([4, 5, 6])
    records = model.explain((x, y), explain_class="target")
    for n, record in enumerate(records):
        assert record.explained_class == int(y[n])
        section = record.reasoning
        assert section.form == model.reasoning and len(section.units) == model.num_components
        for e in record.evidence:  # the explained class's reasoning (not the prediction's) and the runner-up's
            i = section.units.index(e.index)
            assert e.details["positive_reasoning"] == pytest.approx(section.positive[i])
            assert e.details["runner_up_positive_reasoning"] == pytest.approx(section.runner_up_positive[i])
            assert e.details["runner_up"] == record.runner_up
            assert model.unit_score.is_absent(e.score) == (e.score == 0)  # zeroed detections are the absent ones


def test_deep_component_pictures_come_from_the_training_image_where_it_is_detected_most():
    model = create_model("deep_cbc_small").eval()
    with torch.no_grad():  # sharper channel softmax than at initialisation: some components are detected
        model.add_on.weight.mul_(30)
    images = torch.rand(40, 1, 28, 28)
    dataset = [{"inputs": image, "targets": torch.tensor(0)} for image in images]
    explanation = model.global_explanation()
    model.locate_unit_sources(explanation, dataset)
    with torch.no_grad():
        detections = model.component_maps(images).flatten(2).max(2).values  # (N, K), before the threshold
    best, where = detections.max(0)
    for unit in explanation.units:
        k = unit.index
        if best[k] < model.hparams.detection_threshold:
            assert unit.source is None and unit.details["never detected in training"] is True
            continue
        assert unit.source.index == int(where[k]) and unit.source.split == "train"
        assert unit.source.details["detection"] == pytest.approx(float(best[k]), abs=1e-6)
        y0, y1, x0, x1 = unit.source.boxes["high_activation"]
        assert 0 <= y0 < y1 <= 28 and 0 <= x0 < x1 <= 28
    assert any(u.source is not None for u in explanation.units)


def test_a_record_of_a_model_with_many_components_lists_those_that_move_the_output_or_the_margin_most():
    from models.cbc import REASONING_LISTED

    model = toy("stable", num_components=REASONING_LISTED + 16)
    record = model.explain(torch.rand(1, 1, 4, 4), top_k=5)[0]
    units = record.reasoning.units
    assert len(units) <= REASONING_LISTED and units == sorted(units)
    assert {e.index for e in record.evidence} <= set(units)  # the strongest parts in the output
    strongest = sorted(range(record.num_units), key=lambda u: -abs(record.contrast[u]))[:REASONING_LISTED // 2]
    assert set(strongest) <= set(units)  # and in the margin
