"""Monet's expert layers (models/monet.py): the efficient computation against a brute-force sum over every
composed expert, the BN router's threshold, the auxiliary losses, the per-expert logit parts."""

import pytest
import torch

from models.monet import MonetHD, MonetRouter, MonetVD, composed_scores, routing_losses, routing_threshold

D, E, M, H = 8, 4, 6, 3


def routing(B: int = 2, T: int = 5, topk: int = 2):
    router = MonetRouter(D, E, H, topk)
    x = torch.randn(B, T, D)
    g1, g2 = router(x)
    return x, g1, g2


def brute_force(layer, x, g1, g2, mask=None):
    """sum_ij G_ij E_ij(x), every expert written out."""
    G = composed_scores(g1, g2)
    out = torch.zeros_like(x)
    for i in range(E):
        for j in range(E):
            if mask is not None and mask[i, j]:
                continue
            out = out + G[..., i, j, None] * layer.expert(x, i, j)
    return out


@pytest.mark.parametrize("layer_class", [MonetHD, MonetVD])
def test_efficient_layer_equals_the_sum_over_all_composed_experts(layer_class):
    torch.manual_seed(0)
    layer = layer_class(D, E, M)
    for p in layer.parameters():  # biases are zero at initialisation: make every term count
        torch.nn.init.normal_(p, 0.0, 0.3)
    x, g1, g2 = routing()
    out, _ = layer(x, g1, g2)
    torch.testing.assert_close(out, brute_force(layer, x, g1, g2), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("layer_class", [MonetHD, MonetVD])
def test_a_masked_expert_is_exactly_its_term_removed(layer_class):
    torch.manual_seed(1)
    layer = layer_class(D, E, M)
    for p in layer.parameters():
        torch.nn.init.normal_(p, 0.0, 0.3)
    x, g1, g2 = routing()
    mask = torch.zeros(E, E, dtype=torch.bool)
    torch.testing.assert_close(layer(x, g1, g2, mask)[0], layer(x, g1, g2)[0], atol=1e-5, rtol=1e-5)
    mask[1, 2] = mask[3, 0] = True
    masked, _ = layer(x, g1, g2, mask)
    torch.testing.assert_close(masked, brute_force(layer, x, g1, g2, mask), atol=1e-5, rtol=1e-5)
    assert not torch.allclose(masked, layer(x, g1, g2)[0])


@pytest.mark.parametrize("layer_class", [MonetHD, MonetVD])
def test_logit_parts_of_all_experts_add_up_to_the_layer_output_read_out(layer_class):
    torch.manual_seed(2)
    layer = layer_class(D, E, M)
    for p in layer.parameters():
        torch.nn.init.normal_(p, 0.0, 0.3)
    x, g1, g2 = routing(B=1, T=4)
    out, hidden = layer(x, g1, g2)
    r = torch.randn(4, D)
    parts = layer.logit_parts({k: v[0] for k, v in hidden.items()}, r)  # (N, E, E)
    G = composed_scores(g1[0], g2[0])
    torch.testing.assert_close((G * parts).sum((1, 2)), (out[0] * r).sum(-1), atol=1e-5, rtol=1e-5)
    for i, j in [(0, 0), (2, 3)]:  # one expert's part is E_ij(x) . r
        torch.testing.assert_close(parts[:, i, j], (layer.expert(x[0], i, j) * r).sum(-1), atol=1e-5, rtol=1e-5)


def test_threshold_is_the_normal_quantile_of_the_paper():
    assert routing_threshold(8, 512) == pytest.approx(2.154, abs=1e-3)
    assert routing_threshold(8, 128) == pytest.approx(1.534, abs=1e-3)
    with pytest.raises(ValueError, match="monet_topk"):
        routing_threshold(64, 64)


def test_router_keeps_about_topk_experts_per_head_and_always_one():
    torch.manual_seed(3)
    E_big, topk = 64, 8
    router = MonetRouter(32, E_big, 4, topk).train()
    g1, g2 = router(torch.randn(16, 64, 32))
    for g in (g1, g2):
        kept = (g > 0).sum(-1).float()  # (B, T, H)
        assert kept.min() >= 1
        assert 0.6 * topk < kept.mean() < 1.4 * topk
        torch.testing.assert_close(g.sum(-1), torch.ones_like(g[..., 0]))
    router.eval()  # inference uses the running statistics: still at least one expert per head
    g1, _ = router(torch.randn(2, 3, 32))
    assert (g1 > 0).sum(-1).min() >= 1


def test_uniformity_and_ambiguity_losses():
    uniform = torch.full((2, 3, H, E), 1.0 / E)
    one_hot = torch.zeros(2, 3, H, E)
    one_hot[..., 0] = 1.0
    losses_uniform = routing_losses(uniform, uniform)
    # the KL from uniform is zero at the uniform distribution: the loss is its constant log E there
    assert float(losses_uniform["uniformity"]) == pytest.approx(torch.log(torch.tensor(float(E))).item(), abs=1e-6)
    assert float(losses_uniform["ambiguity"]) == pytest.approx(1 - 1 / E)
    losses_peaked = routing_losses(one_hot, one_hot)
    assert float(losses_peaked["ambiguity"]) == 0.0
    assert float(losses_peaked["uniformity"]) > float(losses_uniform["uniformity"])


def test_vertical_decomposition_needs_even_widths():
    with pytest.raises(ValueError, match="even"):
        MonetVD(8, 4, 5)
