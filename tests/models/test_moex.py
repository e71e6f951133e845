"""The MoE-X layer (models/moex.py): one wide sparse MLP, the sparsity-aware router, load balancing, upcycling."""

import pytest
import torch
import torch.nn.functional as F

from models.moex import MoEX

D, N, W, K = 16, 6, 10, 2


def layer(router: str = "sparsity", scale: float = 0.3) -> MoEX:
    torch.manual_seed(0)
    moe = MoEX(D, N, W, K, router)
    with torch.no_grad():
        for p in moe.parameters():
            p.normal_(0.0, scale)
        moe.b_enc.add_(torch.randn(N, 1))  # experts of different sparsity
    return moe


@pytest.mark.parametrize("router", ["sparsity", "topk"])
def test_the_layer_is_one_wide_mlp_with_zero_gates_outside_the_top_k(router):
    moe = layer(router)
    x = torch.randn(3, 7, D)
    out, aux, record = moe(x, trace=True)
    gates = record["gates"]  # (3, 7, N)
    assert ((gates > 0).sum(-1) == K).all()
    torch.testing.assert_close(gates.sum(-1), torch.ones(3, 7))
    wide = (gates.unsqueeze(-1) * record["hidden"]).flatten(-2)  # the wide hidden layer (N * W)
    dense = F.linear(wide, moe.w_dec.permute(1, 0, 2).flatten(1)) + moe.b_dec
    torch.testing.assert_close(out, dense, atol=1e-5, rtol=1e-5)
    assert float(aux["load_balance"]) > 0


def test_the_sparsity_router_chooses_the_experts_it_expects_to_be_sparsest():
    moe = layer("sparsity")
    x = torch.randn(200, D)
    expected = moe.expected_l0(x)
    gates, selected, _ = moe.route(x)
    chosen = expected.gather(1, selected)
    others = expected.masked_fill(gates > 0, float("inf")).min(1).values
    assert (chosen.max(1).values <= others + 1e-5).all()


def test_the_gaussian_estimate_tracks_the_true_number_of_active_neurons():
    """Across experts and tokens, the estimated L0 correlates strongly with the actual L0 (Fig. 9)."""
    moe = layer("sparsity")
    x = torch.randn(500, D)
    actual = (moe.hidden(x) > 0).sum(-1).float().flatten()
    expected = moe.expected_l0(x).flatten()
    correlation = torch.corrcoef(torch.stack([actual, expected]))[0, 1]
    assert correlation > 0.8


def test_load_balance_is_one_for_a_uniform_router():
    moe = layer("sparsity")
    selected = torch.arange(N).repeat(4).view(-1, K)
    probabilities = torch.full((selected.shape[0], N), 1.0 / N)
    assert float(moe.load_balance(selected, probabilities)) == pytest.approx(1.0)


def test_masked_experts_get_no_gate_and_do_not_change_the_routing():
    moe = layer("sparsity")
    x = torch.randn(5, 4, D)
    mask = torch.zeros(N, dtype=torch.bool)
    mask[:3] = True
    _, _, masked = moe(x, mask=mask, trace=True)
    _, _, plain = moe(x, trace=True)
    assert (masked["gates"][..., :3] == 0).all()
    torch.testing.assert_close(masked["gates"][..., 3:], plain["gates"][..., 3:])


def test_upcycled_layer_computes_the_dense_relu_mlp():
    torch.manual_seed(4)
    fc, proj = torch.nn.Linear(D, W), torch.nn.Linear(W, D)
    moe = MoEX(D, N, W, K)
    moe.upcycle(fc.weight, fc.bias, proj.weight, proj.bias, noise=0.0)
    x = torch.randn(2, 3, D)
    torch.testing.assert_close(moe(x)[0], proj(F.relu(fc(x))), atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match="width"):
        MoEX(D, N, W + 1, K).upcycle(fc.weight, fc.bias, proj.weight, proj.bias)


def test_gradients_reach_the_router_through_the_weight_statistics():
    moe = layer("sparsity")
    x = torch.randn(20, D)
    _, _, probabilities = moe.route(x)
    (moe.load_balance(probabilities.topk(K).indices, probabilities)).backward()
    assert moe.w_enc.grad is not None and moe.w_enc.grad.abs().sum() > 0


def test_kept_weight_statistics_follow_every_weight_update():
    """Without gradients the router's weight statistics are kept; an optimiser step or a loaded state renews them."""
    moe, x = layer("sparsity"), torch.randn(20, D)

    def fresh():
        return (x @ moe.w_enc.mean(1).T + moe.b_enc.mean(1)) / (
            x.square() @ moe.w_enc.var(1, unbiased=False).T + moe.b_enc.var(1, unbiased=False)).sqrt()

    with torch.no_grad():
        assert torch.equal(moe.expected_activity(x), fresh())
    optimiser = torch.optim.SGD(moe.parameters(), lr=0.5)
    moe(x)[0].square().sum().backward()
    optimiser.step()
    with torch.no_grad():
        assert torch.equal(moe.expected_activity(x), fresh())
        other = layer("sparsity", scale=0.7)
        moe.load_state_dict(other.state_dict())
        assert torch.equal(moe.expected_activity(x), fresh())
        moe.b_enc.add_(1.0)
        assert torch.equal(moe.expected_activity(x), fresh())


def test_bad_arguments():
    with pytest.raises(ValueError, match="router"):
        MoEX(D, N, W, K, router="hash")
    with pytest.raises(ValueError, match="top_k"):
        MoEX(D, N, W, N + 1)
