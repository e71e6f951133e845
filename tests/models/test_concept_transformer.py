"""Concept Transformer and Concept-Centric Transformer: the cross-attention is CT's, logits are linear in the
attention (complete records), the explanation and sparsity losses, spatial maps on the patch grid, the concept
memory variants, and the patch-grid errors; records carry each patch's part in the margin, not attention maps."""

import json

import lightning as L
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from helpers import assert_complete

from datamodules import create_datamodule
from datamodules.base import DataSpec
from explain import export_explanations
from models import InputError, create_model
from models.concept_transformer import (
    AttentionConceptAccuracy,
    CrossAttention,
    SlotAttention,
    entropy,
    explanation_cost,
)


@pytest.fixture(scope="module")
def shapes():
    dm = create_datamodule("shapes", num_scenes=200, batch_size=16)
    dm.setup()
    return dm


def build(name, spec, **overrides):
    torch.manual_seed(0)
    return create_model(name, spec=spec, **overrides).eval()


def reference_cross_attention(module, x, y):
    """CT's CrossAttention.forward (ctc/ctc.py) written out: reshape, softmax over concepts, attn @ v, proj."""
    b, nx, c = x.shape
    h = module.num_heads
    q = module.q(x).reshape(b, nx, 1, h, c // h).permute(2, 0, 3, 1, 4)[0]
    kv = module.kv(y).reshape(y.shape[0], y.shape[1], 2, h, c // h).permute(2, 0, 3, 1, 4)
    attention = (q @ kv[0].transpose(-2, -1) * module.scale).softmax(-1)
    out = module.proj((attention @ kv[1]).transpose(1, 2).reshape(b, nx, c))
    return out, attention


def test_cross_attention_is_cts_and_linear_in_the_attention():
    torch.manual_seed(0)
    module = CrossAttention(16, 5, 4, 0.0, 0.0).eval()
    x, concepts = torch.randn(3, 7, 16), torch.randn(1, 6, 16)
    logits, attention, values = module(x, concepts)
    out, expected_attention = reference_cross_attention(module, x, concepts.expand(3, -1, -1))
    torch.testing.assert_close(attention, expected_attention)
    torch.testing.assert_close(logits, out.mean(1), atol=1e-5, rtol=1e-5)  # the spatial stream's mean over tokens
    rebuilt = torch.einsum("bhqn,hnc->bc", attention, values[0]) / 7 + module.proj.bias
    torch.testing.assert_close(rebuilt, logits, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("heads, n", [(2, 6), (4, 6)])  # W_q folded into the keys (n (H - 1) < D), or not
def test_shared_concepts_take_the_short_path_with_the_same_outputs_and_gradients(heads, n):
    """Parameters (1, n, D) take the shared path (W_q folded into the keys where that is cheaper, the attention
    summed over the queries first); the same concepts given per input (B, n, D) take the general path. Training
    mode, dropout on: the same seed gives the same masks, outputs and gradients (float rounding)."""
    torch.manual_seed(0)
    module = CrossAttention(16, 5, heads, 0.2, 0.2).train()
    concepts = torch.randn(1, n, 16, requires_grad=True)
    runs = []
    for given in (concepts, concepts.expand(3, -1, -1)):
        x = torch.randn(3, 7, 16, generator=torch.Generator().manual_seed(1)).requires_grad_()
        module.zero_grad()
        torch.manual_seed(2)
        logits, attention, values = module(x, given)
        (logits.square().sum() + attention.square().sum()).backward()
        runs.append((logits, attention, x.grad, {k: p.grad.clone() for k, p in module.named_parameters()}))
        concepts.grad = None
    (folded, attention, x_grad, grads), (general, attention2, x_grad2, grads2) = runs
    with torch.no_grad():  # dropout was on: without it the logits differ
        assert not torch.allclose(module.eval()(x, concepts)[0], folded)
    torch.testing.assert_close(folded, general)
    torch.testing.assert_close(attention, attention2)
    torch.testing.assert_close(x_grad, x_grad2)
    for name in grads:
        torch.testing.assert_close(grads[name], grads2[name], msg=name)


def test_the_concept_softmax_and_the_gru_step_are_torchs():
    from models.concept_transformer import gru_step, softmax_over_concepts

    torch.manual_seed(0)
    for concepts in (12, 95):  # the transposed layout below 16 concepts, torch's kernel from 16 on
        scores = torch.randn(4, 2, 16, concepts)
        attention = softmax_over_concepts(scores)
        assert attention.is_contiguous() and attention.shape == scores.shape
        torch.testing.assert_close(attention, scores.softmax(-1))
    gru = torch.nn.GRUCell(8, 8)
    inputs, hidden = torch.randn(5, 1, 8), torch.randn(5, 3, 8)
    gates = F.linear(inputs, gru.weight_ih, gru.bias_ih)
    expected = gru(inputs.expand(5, 3, 8).reshape(-1, 8), hidden.reshape(-1, 8)).view(5, 3, 8)
    torch.testing.assert_close(gru_step(gru, gates, hidden), expected)


def reference_slot_attention(module, inputs, noise):
    """Slot attention written out for any number of inputs (Locatello et al., Alg. 1; CCT's ConceptSlotAttention)."""
    b, _, d = inputs.shape
    slots = module.slot_mu + torch.exp(module.slot_log_sigma) * noise
    inputs = module.norm_inputs(inputs)
    k, v = module.project_k(inputs) * d ** -0.5, module.project_v(inputs)
    for _ in range(module.iterations):
        q = module.project_q(module.norm_slots(slots))
        attention = torch.bmm(k, q.transpose(1, 2)).softmax(-1) + module.epsilon
        attention = attention / attention.sum(1, keepdim=True)
        updates = torch.bmm(attention.transpose(1, 2), v)
        slots = module.gru(updates.reshape(-1, d), slots.reshape(-1, d)).view(b, -1, d)
    return slots


@pytest.mark.parametrize("tokens", [1, 5])
def test_slot_attention_over_one_input_skips_the_fixed_weights_with_the_same_slots(tokens):
    """Over one input (CCT-SA's global token) the attention is exactly 1 and q / k are skipped; the slots and
    the gradients of everything they depend on are those of the written-out algorithm."""
    torch.manual_seed(0)
    module = SlotAttention(num_slots=3, dim=16, iterations=2).train()
    inputs = torch.randn(4, tokens, 16, requires_grad=True)
    noise = torch.randn(4, 3, 16)
    results = []
    for fn in (lambda: module(inputs, noise), lambda: reference_slot_attention(module, inputs, noise)):
        module.zero_grad()
        inputs.grad = None
        slots = fn()
        slots.square().sum().backward()
        results.append((slots, inputs.grad, {k: p.grad for k, p in module.named_parameters()}))
    (slots, x_grad, grads), (expected, x_grad2, grads2) = results
    torch.testing.assert_close(slots, expected)
    torch.testing.assert_close(x_grad, x_grad2)
    for name, grad in grads.items():
        if grad is None:  # skipped: q, k and the slot norm, whose gradient is rounding noise in the reference
            assert tokens == 1 and name.split(".")[0] in ("project_q", "project_k", "norm_slots")
            assert grads2[name].abs().max() < 1e-6
        else:
            torch.testing.assert_close(grad, grads2[name], msg=name)


def test_explanation_and_sparsity_costs():
    attention = torch.tensor([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]])
    targets = torch.tensor([[1.0, 1.0, 0.0], [float("nan"), 0.0, 1.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    kept = torch.tensor([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])  # rows 0 and 3: row 1 unknown, row 2 names nothing
    expected = 3 * F.mse_loss(attention[[0, 3]], kept)
    torch.testing.assert_close(explanation_cost(attention, targets), expected)
    assert float(explanation_cost(attention, torch.full((4, 3), float("nan")))) == 0.0
    torch.testing.assert_close(entropy(attention), (-attention * torch.log(attention + 1e-8)).mean())


@pytest.mark.parametrize("name", ["ct_small_vit", "cct_small_vit", "cct_isa_small_vit", "cct_qsa_small_vit"])
def test_records_are_complete_with_each_patchs_part_of_the_margin(shapes, name):
    model = build(name, shapes.spec)
    batch = next(iter(shapes.test_dataloader())).select(slice(0, 5))
    records = assert_complete(model, batch)
    assert model.streams == ["global", "spatial"] and model.spatial_index == list(range(12))
    for n, record in enumerate(records):
        section = record.concepts
        assert len(section.predicted) == 15 and section.true == batch.concepts[n].tolist()
        # no attention maps (an attention map is not a concept's part); each spatial concept's part in the margin,
        # patch by patch, whose cells add up to the concept's contrast
        assert record.unit_maps == {} and sorted(section.patch_contrast) == list(range(12))
        contrast = record.dense_contrast()
        for unit, grid in section.patch_contrast.items():
            assert np.shape(grid) == (4, 4) and np.sum(grid) == pytest.approx(contrast[unit], abs=1e-5)
        assert [e.score for e in record.evidence] == pytest.approx([section.attention[e.index] for e in
                                                                     record.evidence])
        assert sum(section.predicted[12:]) == pytest.approx(1.0, abs=1e-5)  # softmax over the global concepts
    claim = records[0].extras["concept_values"]
    assert claim.startswith("fixed") if name == "ct_small_vit" else claim.startswith("input-dependent")
    built = {"ct_small_vit": None, "cct_small_vit": ["global"]}.get(name, ["global", "spatial"])
    assert records[0].extras.get("concepts_from_memory") == built  # CCT-SA keeps its spatial concepts as parameters
    with torch.no_grad():  # evaluation is deterministic (CCT-SA starts its slots at mu)
        torch.testing.assert_close(model(batch.inputs), model(batch.inputs))


def test_ct_contributions_are_attention_times_fixed_concept_values(shapes):
    model = build("ct_small_vit", shapes.spec)
    batch = next(iter(shapes.test_dataloader())).select(slice(0, 3))
    with torch.no_grad():
        decomposition = model.decompose(batch.inputs)
    per_head = torch.tensor(model.global_explanation().matrices["global_concept_to_class_per_head"])  # (H, 3, C)
    attention = decomposition.extras["attention"]["global"][:, :, 0]  # (B, H, 3)
    expected = torch.einsum("bhn,hnc->bcn", attention, per_head)
    torch.testing.assert_close(decomposition.contributions[:, :, 12:], expected, atol=1e-5, rtol=1e-5)


def test_cct_memory_is_stochastic_in_training_and_built_from_the_tokens(shapes):
    model = build("cct_small_vit", shapes.spec)
    x = next(iter(shapes.test_dataloader())).inputs[:2]
    model.train()
    a, b = model.streams_forward(x)["logits"], model.streams_forward(x)["logits"]
    assert not torch.allclose(a, b)
    isa = build("cct_isa_small_vit", shapes.spec)
    with torch.no_grad():
        cls_token, tokens = isa.backbone(isa.normalize(x))
        concepts = isa.concept_vectors(isa.global_query(cls_token, tokens), tokens)
        assert concepts["global"].shape == (2, 3, 64) and concepts["spatial"].shape == (2, 12, 64)
        other = isa.concept_vectors(isa.global_query(cls_token, tokens), tokens.flip(0))
    assert not torch.allclose(concepts["spatial"], other["spatial"])  # slot attention over this input's patches


def test_training_runs_and_reads_spatial_targets(shapes):
    model = build("ct_small_vit", shapes.spec, epochs=2, warmup_epochs=1)
    batch = next(iter(shapes.train_dataloader()))
    model.train()
    terms = model.loss_terms(batch, model.training_forward(batch))
    assert set(terms) == {"cross_entropy", "explanation", "sparsity"} and terms["explanation"] > 0
    trainer = L.Trainer(accelerator="cpu", max_epochs=2, logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(model, datamodule=shapes)
    assert trainer.current_epoch == 2


def test_spatial_targets_need_a_patch_grid(shapes, tmp_path):
    with pytest.raises(ValueError, match=r"\(4, 4\) grid but the small_vit tokens form a \(6, 6\) grid"):
        build("ct_small_vit", shapes.spec, patch_size=8)
    no_grid = DataSpec(name="plain", input_shape=(3, 48, 48), num_classes=2, class_names=["a", "b"],
                       concept_names=["x", "y"])
    with pytest.raises(ValueError, match="has no concept grid"):
        build("ct_small_vit", no_grid, spatial_concepts=[0])
    assert build("ct_small_vit", no_grid).streams == ["global"]
    vectors = create_datamodule("xor").spec
    with pytest.raises(ValueError, match="reads image tokens"):
        build("ct_small_vit", vectors)
    model = build("ct_small_vit", shapes.spec)
    batch = next(iter(shapes.train_dataloader()))
    batch.spatial_concepts = None
    with pytest.raises(InputError, match="spatial_concepts"):
        model.check_training_batch(batch)
    batch.spatial_concepts = torch.zeros(len(batch), 15, 2, 2)
    with pytest.raises(InputError, match=r"\(2, 2\) grid"):
        model.check_training_batch(batch)


def test_exports_no_attention_overlays_and_the_patch_parts_in_the_records(shapes, tmp_path):
    model = build("ct_small_vit", shapes.spec)
    batch = next(iter(shapes.test_dataloader())).select(slice(0, 2))
    result = export_explanations(model, (batch.inputs, batch.targets), tmp_path / "out", formats=["jsonl", "png"])
    assert result.overlays == 0 and not (tmp_path / "out" / "overlays").exists()
    record = json.loads((tmp_path / "out" / "explanations.jsonl").read_text().splitlines()[0])
    assert sorted(record["concepts"]["patch_contrast"], key=int) == [str(u) for u in range(12)]


def test_a_patchs_part_is_its_attention_times_the_concepts_value_difference(shapes):
    model = build("ct_small_vit", shapes.spec)
    batch = next(iter(shapes.test_dataloader())).select(slice(0, 2))
    with torch.no_grad():
        decomposition = model.decompose(batch.inputs)
    record = model.records(decomposition, batch)[0]
    attention = decomposition.extras["attention"]["spatial"][0]  # (H, 16, 12)
    values = decomposition.extras["values"]["spatial"][0]  # (H, 12, C)
    c, r = record.explained_class, record.runner_up
    expected = torch.einsum("hqn,hn->qn", attention, values[..., c] - values[..., r]) / 16
    for unit, grid in record.concepts.patch_contrast.items():
        np.testing.assert_allclose(np.ravel(grid), expected[:, unit].numpy(), atol=1e-6)


def test_timm_token_backbones_and_offline_weights(tmp_path):
    from datamodules.base import DataSpec
    from models.backbones import BackboneWeightsError, create_token_backbone

    spec = DataSpec(name="rgb", input_shape=(3, 64, 64), num_classes=3, class_names=list("abc"),
                    mean=(0.5,) * 3, std=(0.25,) * 3, concept_names=["p", "q"], concept_grid=(2, 2),
                    preprocessing={"spatial_concepts": [1]})
    vit = build("ct_small_vit", replace_grid(spec, (4, 4)), backbone="vit_tiny_patch16_224", num_heads=3)
    assert vit.backbone.grid == (4, 4) and vit.backbone.has_class_token and vit.token_attention_pool is None
    convnext = build("ct_small_vit", spec, backbone="convnext_atto", num_heads=2)
    assert convnext.backbone.grid == (2, 2) and not convnext.backbone.has_class_token  # CT's sequence pooling
    x = torch.rand(2, 3, 64, 64)
    for model in (vit, convnext):
        assert_complete(model, x)
    with pytest.raises(BackboneWeightsError, match="does not exist"):
        create_token_backbone("vit_tiny_patch16_224", 3, (64, 64), pretrained=True,
                              weights_file=str(tmp_path / "missing.safetensors"))
    with pytest.raises(BackboneWeightsError, match="nothing is downloaded"):
        create_token_backbone("vit_tiny_patch16_224", 3, (64, 64), pretrained=True)


def replace_grid(spec, grid):
    from dataclasses import replace

    return replace(spec, concept_grid=grid)


def test_attention_concept_accuracy_is_the_share_of_true_concepts_among_the_most_attended():
    metric = AttentionConceptAccuracy()
    attention = torch.tensor([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7], [0.4, 0.4, 0.2], [0.6, 0.3, 0.1]])
    targets = torch.tensor([[1.0, 0.0, 1.0],  # top 2 = {0, 1}: one of the two true ones
                            [0.0, 0.0, 1.0],  # top 1 = {2}: right
                            [0.0, 0.0, 0.0],  # names no concept: skipped
                            [float("nan"), 1.0, 0.0]])  # unknown: skipped
    metric.update(attention, targets)
    assert metric.compute() == pytest.approx(2 / 3)


def test_ct_and_cct_log_how_well_their_attention_picks_the_annotated_concepts(shapes):
    batch = next(iter(shapes.test_dataloader()))
    for name in ("ct_small_vit", "cct_small_vit"):
        model = build(name, shapes.spec).eval()
        metrics = model.metrics()
        with torch.no_grad():
            model.update_metrics(metrics, model.evaluation_forward(batch), batch)
        values = metrics.compute()
        assert set(values) == {"acc", "attention_concept_acc"} and 0 <= values["attention_concept_acc"] <= 1
        assert metrics["attention_concept_acc"].total > len(batch.targets)  # the global query and the patches
