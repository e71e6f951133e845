"""The MoE-X layer (Yang et al., *Mixture of Experts Made Intrinsically Interpretable*, ICML 2025).

MoE-X reads a mixture of experts as **one wide sparse MLP** (§3, Fig. 1):

    MoE(x) = sum_e g_e W_dec^e relu(W_enc^e x + b_e) = W_dec [g_1 relu(W_enc^1 x + b_1); ...; g_N relu(...)]

so its interpretable units are the ``N x D`` neurons of that wide hidden layer ("expert 2, #457"), zero outside
the selected experts, and sparse inside them because the experts are **ReLU** MLPs.

**Sparsity-aware routing.** The router "routes tokens to the sparsest experts", predicting each expert's
activation sparsity from statistics of its weights. The paper's method text could not be read and no code is
public, so this implements the stated principle [formula UNVERIFIED]: treat the entries of each column of
``W_enc^e`` (one input dimension across the expert's ``D`` neurons) and its biases as Gaussian samples; a neuron's
pre-activation on token ``x`` is then ``N(mu_e . x + mean(b_e), var_e . x^2 + var(b_e))``, so the expected share
of active neurons is ``Phi(z_e(x))`` with ``z_e = (mu_e . x + mean b_e) / sqrt(var_e . x^2 + var b_e)``. The router
scores experts by ``-z_e(x)`` (monotone in the expected L0 norm), selects the ``top_k`` sparsest, and gates them
with the softmax of their scores; gradients reach the router through the weight statistics. ``router="topk"`` is
the ablation: a learned linear router with softmax over its top-k logits (Switch / Mixtral style).

**Load balancing** (Switch Transformer, Fedus et al. 2022): ``N sum_e f_e P_e`` with ``f_e`` the share of routed
slots that went to expert e and ``P_e`` its mean router probability (softmax over every expert's score).

**Upcycling** (Komatsuzaki et al. 2023; MoE-X Table 4): every expert starts as a copy of a trained dense ReLU
MLP, with a little noise to break the symmetry, so the upcycled layer computes the dense MLP at the start
(gates sum to one); see ``LanguageModel.upcycle_from``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

ROUTERS = ("sparsity", "topk")


class MoEX(nn.Module):
    def __init__(self, d_model: int, n_experts: int, expert_dim: int, top_k: int, router: str = "sparsity",
                 bias: bool = True):
        super().__init__()
        if router not in ROUTERS:
            raise ValueError(f"router must be one of {ROUTERS}, got {router!r}")
        if not 1 <= top_k <= n_experts:
            raise ValueError(f"top_k must lie in 1..{n_experts}, got {top_k}")
        self.n_experts, self.expert_dim, self.top_k = n_experts, expert_dim, top_k
        self.w_enc = nn.Parameter(torch.randn(n_experts, expert_dim, d_model) * 0.02)
        self.b_enc = nn.Parameter(torch.zeros(n_experts, expert_dim))
        self.w_dec = nn.Parameter(torch.randn(n_experts, d_model, expert_dim) * 0.02)
        self.b_dec = nn.Parameter(torch.zeros(d_model)) if bias else None
        self.gate = nn.Linear(d_model, n_experts, bias=False) if router == "topk" else None
        self._statistics_key: tuple | None = None  # what ``weight_statistics`` last kept them for

    # ---- routing ------------------------------------------------------------------------------------------
    def weight_statistics(self) -> tuple[torch.Tensor, ...]:
        """Mean and variance over each expert's neurons of W_enc's columns (N, d) and of b_enc (N,).

        Without gradients they are kept until the weights change (a parameter's ``_version`` counts its in-place
        updates): computing them costs more than a decoding step's expert work."""
        key = (self.w_enc._version, self.b_enc._version, self.w_enc.data_ptr(), self.b_enc.data_ptr())
        if torch.is_grad_enabled() or self._statistics_key != key:
            statistics = (self.w_enc.mean(1), self.w_enc.var(1, unbiased=False), self.b_enc.mean(1),
                          self.b_enc.var(1, unbiased=False))
            if torch.is_grad_enabled():  # part of the graph: never kept
                return statistics
            self._statistics, self._statistics_key = statistics, key
        return self._statistics

    def expected_activity(self, x: torch.Tensor) -> torch.Tensor:
        """z_e(x): the Gaussian estimate of the probit of expert e's share of active neurons, (..., N)."""
        mu, var, b_mean, b_var = self.weight_statistics()
        mean = x @ mu.T + b_mean
        std = (x.square() @ var.T + b_var).clamp_min(1e-12).sqrt()
        return mean / std

    def expected_l0(self, x: torch.Tensor) -> torch.Tensor:
        """The expected number of active neurons of every expert, D Phi(z_e(x)), (..., N)."""
        return self.expert_dim * 0.5 * (1 + torch.erf(self.expected_activity(x) / math.sqrt(2)))

    def scores(self, x: torch.Tensor) -> torch.Tensor:
        """Router scores (..., N): higher = preferred (sparser, for the sparsity-aware router)."""
        return self.gate(x) if self.gate is not None else -self.expected_activity(x)

    def route(self, x: torch.Tensor, mask: torch.Tensor | None = None):
        """(gates (M, N) zero outside the selected experts, selected (M, k), router probabilities (M, N))."""
        scores = self.scores(x).float()
        top, selected = scores.topk(self.top_k, dim=-1)
        gates = torch.zeros_like(scores).scatter(-1, selected, torch.softmax(top, dim=-1))
        if mask is not None:  # a removed expert keeps its place in the routing; its score is set to zero
            gates = gates.masked_fill(mask, 0.0)
        return gates.type_as(x), selected, torch.softmax(scores, dim=-1)

    def load_balance(self, selected: torch.Tensor, probabilities: torch.Tensor) -> torch.Tensor:
        share = torch.bincount(selected.flatten(), minlength=self.n_experts).float() / selected.numel()
        return self.n_experts * (share * probabilities.mean(0)).sum()

    # ---- the wide sparse MLP ------------------------------------------------------------------------------
    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """relu(W_enc^e x + b_e) for every expert, (M, N, D) (the dense form, for explanations)."""
        return F.relu(torch.einsum("md,ned->mne", x, self.w_enc) + self.b_enc)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None, trace: bool = False):
        """x (B, T, d) -> (output, {"load_balance": ...}, trace or None). Tokens go only through their experts."""
        shape = x.shape
        x = x.reshape(-1, shape[-1])
        gates, selected, probabilities = self.route(x, mask)
        out = torch.zeros_like(x)
        for e in range(self.n_experts):
            rows = (selected == e).any(-1).nonzero().squeeze(-1)
            if rows.numel() == 0:
                continue
            h = F.relu(F.linear(x[rows], self.w_enc[e], self.b_enc[e]))
            out.index_add_(0, rows, F.linear(h, self.w_dec[e]) * gates[rows, e, None])
        if self.b_dec is not None:
            out = out + self.b_dec
        aux = {"load_balance": self.load_balance(selected, probabilities)}
        record = None
        if trace:
            record = {"gates": gates.view(*shape[:-1], -1), "hidden": self.hidden(x).view(*shape[:-1],
                      self.n_experts, self.expert_dim), "expected_l0": self.expected_l0(x).view(*shape[:-1], -1)}
        return out.view(shape), aux, record

    def logit_parts(self, record: dict[str, torch.Tensor], r: torch.Tensor) -> torch.Tensor:
        """Each wide-MLP neuron's direct part g_e h_ej (W_dec^e[:, j] . r), (N, N_experts * D)."""
        read = r @ self.w_dec.permute(1, 0, 2).flatten(1)  # (N, N_experts * D): neuron e * D + j
        activation = (record["gates"].unsqueeze(-1) * record["hidden"]).flatten(-2)
        return activation * read

    @torch.no_grad()
    def upcycle(self, fc_weight: torch.Tensor, fc_bias: torch.Tensor | None, proj_weight: torch.Tensor,
                proj_bias: torch.Tensor | None, noise: float = 0.01) -> None:
        """Every expert <- the dense ReLU MLP (fc: d -> D, proj: D -> d), plus relative noise ``noise``."""
        if fc_weight.shape != self.w_enc.shape[1:]:
            raise ValueError(f"upcycling needs a dense MLP of width expert_dim={self.expert_dim} and d_model="
                             f"{self.w_enc.shape[-1]}, got fc weights of shape {tuple(fc_weight.shape)}")
        for e in range(self.n_experts):
            self.w_enc[e] = fc_weight * (1 + noise * torch.randn_like(fc_weight))
            self.w_dec[e] = proj_weight * (1 + noise * torch.randn_like(proj_weight))
            self.b_enc[e] = fc_bias if fc_bias is not None else 0.0
        if self.b_dec is not None and proj_bias is not None:
            self.b_dec.copy_(proj_bias)
