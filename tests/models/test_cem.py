"""Concept embedding models (Espinosa Zarlenga et al. 2022): the embeddings and their mixing, the shared
probability generator, interventions swap in the true embedding, RandInt, complete records."""

import pytest
import torch
import torch.nn.functional as F
from helpers import assert_complete

from datamodules import create_datamodule
from models import create_model


@pytest.fixture(scope="module")
def dot():
    dm = create_datamodule("dot", batch_size=64)
    dm.setup()
    return dm


def build(spec, **overrides):
    torch.manual_seed(0)
    return create_model("cem_mlp", spec=spec, embedding_size=8, **overrides).eval()


def test_embeddings_probability_and_mixing_follow_the_paper(dot):
    model = build(dot.spec)
    x = next(iter(dot.test_dataloader())).inputs[:5]
    state = model.encode(x)
    h = model.encoder(x)
    for i in range(2):  # [c+_i ; c-_i] = LeakyReLU(W_i h + b_i); p_i = sigmoid(W_s [c+_i ; c-_i] + b_s)
        context = F.leaky_relu(h @ model.context_weight[i].t() + model.context_bias[i])
        torch.testing.assert_close(torch.cat([state.extras["positive"][:, i], state.extras["negative"][:, i]], 1),
                                   context)
        torch.testing.assert_close(state.logits[:, i], model.prob_generator(context).squeeze(-1))
    p = state.probabilities[..., None]
    mixed = p * state.extras["positive"] + (1 - p) * state.extras["negative"]
    torch.testing.assert_close(model(x), model.label_predictor(mixed.flatten(1)))
    unshared = build(dot.spec, shared_prob_gen=False)
    assert unshared.prob_generator is None and unshared.prob_weight.shape == (2, 16)


def test_intervention_swaps_in_the_true_embedding(dot):
    model = build(dot.spec)
    batch = next(iter(dot.test_dataloader())).select(slice(0, 6))
    out = model.decompose(batch.inputs, intervene="v1 . w+ > 0", values=batch.concepts)
    state = out.extras["state"]
    chosen = torch.where(batch.concepts[:, :1] > 0.5, state.extras["positive"][:, 0], state.extras["negative"][:, 0])
    expected = torch.cat([chosen, model.mix(state, state.probabilities)[:, 1]], 1)
    k, m = 2, 8
    manual = model.label_predictor(expected)
    torch.testing.assert_close(out.outputs, manual)
    records = assert_complete(model, batch, intervene="v1 . w+ > 0", values=batch.concepts)
    assert all(r.concepts.intervened == [0] and r.concepts.used[0] == r.concepts.true[0] for r in records)
    weights = model.label_predictor[0].weight.view(-1, k, m)
    c = records[0].explained_class
    contribution = float((weights[c, 1] * model.mix(state, state.probabilities)[0, 1]).sum())
    assert records[0].concepts.contributions[1] == pytest.approx(contribution, rel=1e-5)
    assert_complete(model, batch)


def test_randint_masks_one_draw_per_batch_or_per_sample(dot):
    model = build(dot.spec, randint=0.5)
    model.train()
    batch = next(iter(dot.train_dataloader()))
    masks = []
    original = model.head

    def spy(state, mask, values, outputs_only=False):
        masks.append(mask)
        return original(state, mask, values, outputs_only)

    model.head = spy
    torch.manual_seed(1)
    for _ in range(200):
        model.training_forward(batch)
    rows = torch.stack(masks).float()  # (200, B, K)
    assert (rows == rows[:, :1]).all()  # per batch: every sample gets the same mask (the reference code)
    assert rows[:, 0].mean().item() == pytest.approx(0.5, abs=0.07)
    per_sample = build(dot.spec, randint=0.25, randint_per="sample")
    per_sample.train()
    masks.clear()
    per_sample.head = spy
    per_sample.training_forward(batch)
    assert not (masks[0] == masks[0][:1]).all()
    model.eval()
    masks.clear()
    model.decompose(batch.inputs)
    assert masks[-1] is None  # no RandInt at test time


def test_cem_loss_is_task_plus_alpha_bce(dot):
    model = build(dot.spec, concept_weight=2.0, randint=0.0)
    batch = next(iter(dot.train_dataloader()))
    output = model.training_forward(batch)
    terms = model.loss_terms(batch, output)
    bce = F.binary_cross_entropy(output.extras["state"].probabilities, batch.concepts)
    torch.testing.assert_close(terms["concepts"], bce, rtol=1e-5, atol=1e-6)
    assert float(model.total_loss(terms)) == pytest.approx(float(terms["task"] + 2 * bce), rel=1e-5)


def test_cem_with_an_mlp_head_says_it_is_not_complete(dot):
    model = build(dot.spec, label_hidden=(8,))
    batch = next(iter(dot.test_dataloader())).select(slice(0, 3))
    records = assert_complete(model, batch)
    assert all("gradient x input" in r.exact for r in records)
