"""Monet expert layers (Park et al., *Monet: Mixture of Monosemantic Experts for Transformers*, ICLR 2025).

A Monet layer replaces a transformer's MLP by ``N = E^2`` experts composed from two groups of ``E`` pieces
(product-key composition, §3): expert ``(i, j)`` is built from piece ``i`` of the bottom group and piece ``j`` of
the top group, and its routing score is ``G_ij = sum_h g1_hi g2_hj`` over ``H`` routing heads. The layer's output
is ``sum_ij G_ij E_ij(x)`` (Eq. 9), computed without ever materialising an expert: the sums over ``i`` and
``j`` factorise (Eq. 12), so the cost is that of a dense MLP of width ``E m``.

* **Horizontal decomposition** (``MonetHD``, Eq. 10-12): ``E_ij(x) = V_j act(U_i x + b_i) + b2_j``.
* **Vertical decomposition** (``MonetVD``, Eq. 13-15): each expert is split into a left half built from piece
  ``i`` and a right half built from piece ``j``, each with ``m/2`` hidden units and ``d/2`` outputs, plus the two
  cross terms: ``E_ij(x) = [V11_i a1_i + V12_i a2_j + b1_i ; V21_j a1_i + V22_j a2_j + b2_j]`` with
  ``a1 = act(U1 x)``, ``a2 = act(U2 x)``.
* Activation: squared ReLU (``relu2``).
* **Router** (``MonetRouter``, §3 "Adaptive routing with batch normalisation"): two linear maps to ``H x E``
  logits, each head's logits batch-normalised (no affine) over every token and expert of the batch; experts
  whose normalised logit reaches ``min(max_e, Phi^-1(1 - topk / E))`` are kept (at least the top one), and
  ``g = softmax`` of the *raw* logits of the kept experts. Running statistics are used at inference. One router
  serves ``moe_groups`` consecutive layers.
* **Auxiliary losses** (Eq. 16-18), weighted by lambda = 1e-3 each: uniformity (the KL from the uniform
  distribution to the batch-averaged routing probabilities, per head and group) and ambiguity
  (``1 - max_e g_he`` per token, pushing each head to one dominant expert). The paper's training code is not
  public: the batch averaging of the uniformity loss is our reading of "uniform across tokens and batches"
  [UNVERIFIED], and probabilities are clamped at 1e-9 inside its logarithm so an unused expert cannot give an
  infinite loss.

Parameter names and shapes follow the public inference code (``dmis-lab/Monet``, ``modeling_monet.py``), so
released checkpoints convert by renaming only (``models.monet_convert``).
"""

from __future__ import annotations

from statistics import NormalDist

import torch
import torch.nn.functional as F
from torch import nn


def relu2(x: torch.Tensor) -> torch.Tensor:
    """Squared ReLU (So et al. 2021), Monet's expert activation."""
    return F.relu(x).square()


def routing_threshold(topk: int, n_experts: int) -> float:
    """sigma = Phi^-1(1 - topk / E): the normalised logit above which about ``topk`` of ``E`` experts lie."""
    if not 0 < topk < n_experts:
        raise ValueError(f"monet_topk must lie in 1..{n_experts - 1} (of {n_experts} experts), got {topk}")
    return NormalDist().inv_cdf(1 - topk / n_experts)


class MonetRouter(nn.Module):
    """Two routing groups of ``heads x experts`` probabilities, (B, T, H, E) each, in float32."""

    def __init__(self, d_model: int, n_experts: int, n_heads: int, topk: int, momentum: float = 0.1):
        super().__init__()
        self.n_experts, self.n_heads = n_experts, n_heads
        self.sigma = routing_threshold(topk, n_experts)
        self.w1 = nn.Linear(d_model, n_heads * n_experts, bias=False)
        self.w2 = nn.Linear(d_model, n_heads * n_experts, bias=False)
        self.norm1 = nn.BatchNorm1d(n_heads, affine=False, momentum=momentum)
        self.norm2 = nn.BatchNorm1d(n_heads, affine=False, momentum=momentum)

    def _group(self, linear: nn.Linear, norm: nn.BatchNorm1d, x: torch.Tensor) -> torch.Tensor:
        logits = linear(x).unflatten(-1, (self.n_heads, self.n_experts)).float()  # (B, T, H, E)
        # each head normalised over every (token, expert) of the batch
        normed = norm(logits.transpose(-1, -2).reshape(-1, self.n_heads)).view(*logits.shape[:-2], self.n_experts,
                                                                              self.n_heads).transpose(-1, -2)
        threshold = normed.amax(-1, keepdim=True).clamp_max(self.sigma)
        return torch.softmax(logits.masked_fill(normed < threshold, -1e10), dim=-1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self._group(self.w1, self.norm1, x), self._group(self.w2, self.norm2, x)


def routing_losses(g1: torch.Tensor, g2: torch.Tensor) -> dict[str, torch.Tensor]:
    """Uniformity (Eq. 17) and ambiguity (Eq. 18) of one router's probabilities (B, T, H, E)."""
    def uniformity(g: torch.Tensor) -> torch.Tensor:  # KL(uniform || mean routing), up to the constant log E
        mean = g.flatten(0, -3).mean(0)  # (H, E) averaged over the batch's tokens
        return -mean.clamp_min(1e-9).log().mean()

    def ambiguity(g: torch.Tensor) -> torch.Tensor:
        return (1 - g.amax(-1)).mean()

    return {"uniformity": (uniformity(g1) + uniformity(g2)) / 2, "ambiguity": (ambiguity(g1) + ambiguity(g2)) / 2}


def composed_scores(g1: torch.Tensor, g2: torch.Tensor) -> torch.Tensor:
    """G_ij = sum_h g1_hi g2_hj: the routing score of every composed expert, (..., E, E); id = i * E + j."""
    return torch.einsum("...hi,...hj->...ij", g1, g2)


class MonetHD(nn.Module):
    """Horizontal expert decomposition. ``u``: all bottom pieces U_i (with biases), ``v``: all top pieces V_j,
    ``b``: the top pieces' output biases b2_j."""

    def __init__(self, d_model: int, n_experts: int, expert_dim: int):
        super().__init__()
        self.n_experts, self.expert_dim = n_experts, expert_dim
        self.u = nn.Linear(d_model, n_experts * expert_dim)
        self.v = nn.Linear(n_experts * expert_dim, d_model, bias=False)
        self.b = nn.Parameter(torch.zeros(n_experts, d_model))

    def hidden(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """act(U_i x + b_i) for every bottom piece, (B, T, E, m)."""
        return {"a": relu2(self.u(x).unflatten(-1, (self.n_experts, self.expert_dim)))}

    def forward(self, x: torch.Tensor, g1: torch.Tensor, g2: torch.Tensor,
                mask: torch.Tensor | None = None) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Eq. 12; with an expert ``mask`` (E, E, True = removed) the masked scores G_ij go in directly."""
        hidden = self.hidden(x)
        a = hidden["a"]
        g1, g2 = g1.type_as(x), g2.type_as(x)
        if mask is None:  # sum_j V_j (sum_h g2_hj sum_i g1_hi a_i) + sum_h sum_j g2_hj b_j, contracted i first
            mixed = torch.einsum("bthm,bthj->btjm", torch.einsum("btim,bthi->bthm", a, g1), g2)
            bias = torch.einsum("bthj,jd->btd", g2, self.b)
        else:
            G = composed_scores(g1, g2).masked_fill(mask, 0.0)
            mixed = torch.einsum("btim,btij->btjm", a, G)
            bias = torch.einsum("btij,jd->btd", G, self.b)
        return self.v(mixed.flatten(-2)) + bias, hidden

    def expert(self, x: torch.Tensor, i: int, j: int) -> torch.Tensor:
        """E_ij(x) written out (for the brute-force check): V_j act(U_i x + b_i) + b2_j."""
        m = self.expert_dim
        a = relu2(F.linear(x, self.u.weight[i * m:(i + 1) * m], self.u.bias[i * m:(i + 1) * m]))
        return F.linear(a, self.v.weight[:, j * m:(j + 1) * m]) + self.b[j]

    def logit_parts(self, hidden: dict[str, torch.Tensor], r: torch.Tensor) -> torch.Tensor:
        """E_ij(x) . r for every composed expert, (N, E, E), from one row's hidden pieces and read-out r (N, d)."""
        a = hidden["a"]  # (N, E, m)
        top = torch.einsum("nd,djm->njm", r, self.v.weight.view(-1, self.n_experts, self.expert_dim))
        return torch.einsum("nim,njm->nij", a, top) + (r @ self.b.T).unsqueeze(1)


class MonetVD(nn.Module):
    """Vertical expert decomposition: bottom pieces ``u1`` (index i) and ``u2`` (index j), four half-width
    output maps, and the two halves' biases ``b1`` (index i, left half), ``b2`` (index j, right half)."""

    def __init__(self, d_model: int, n_experts: int, expert_dim: int):
        super().__init__()
        if expert_dim % 2 or d_model % 2:
            raise ValueError(f"vertical decomposition halves the expert and the model width: monet_dim "
                             f"({expert_dim}) and d_model ({d_model}) must be even")
        self.n_experts, self.half = n_experts, expert_dim // 2
        width = n_experts * self.half
        self.u1 = nn.Linear(d_model, width)
        self.u2 = nn.Linear(d_model, width)
        self.v11 = nn.Linear(width, d_model // 2, bias=False)
        self.v12 = nn.Linear(width, d_model // 2, bias=False)
        self.v21 = nn.Linear(width, d_model // 2, bias=False)
        self.v22 = nn.Linear(width, d_model // 2, bias=False)
        self.b1 = nn.Parameter(torch.zeros(n_experts, d_model // 2))
        self.b2 = nn.Parameter(torch.zeros(n_experts, d_model // 2))

    def hidden(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        shape = (self.n_experts, self.half)
        return {"a1": relu2(self.u1(x).unflatten(-1, shape)), "a2": relu2(self.u2(x).unflatten(-1, shape))}

    def forward(self, x: torch.Tensor, g1: torch.Tensor, g2: torch.Tensor,
                mask: torch.Tensor | None = None) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Eq. 15 (six terms); with an expert ``mask`` the masked scores G_ij go in directly."""
        hidden = self.hidden(x)
        a1, a2 = hidden["a1"], hidden["a2"]
        g1, g2 = g1.type_as(x), g2.type_as(x)
        if mask is None:
            left_own = torch.einsum("btim,bthi->btim", a1, g1)  # sum_j g2_hj = 1
            # the three-way products of Eq. 15, each contracted over its own piece index first (per head)
            left_cross = torch.einsum("bthm,bthi->btim", torch.einsum("btjm,bthj->bthm", a2, g2), g1)
            right_cross = torch.einsum("bthm,bthj->btjm", torch.einsum("btim,bthi->bthm", a1, g1), g2)
            right_own = torch.einsum("btjm,bthj->btjm", a2, g2)
            left_bias = torch.einsum("bthi,id->btd", g1, self.b1)
            right_bias = torch.einsum("bthj,jd->btd", g2, self.b2)
        else:
            G = composed_scores(g1, g2).masked_fill(mask, 0.0)  # (B, T, E_i, E_j)
            left_own = a1 * G.sum(-1, keepdim=True)
            left_cross = torch.einsum("btjm,btij->btim", a2, G)
            right_cross = torch.einsum("btim,btij->btjm", a1, G)
            right_own = a2 * G.sum(-2).unsqueeze(-1)
            left_bias = torch.einsum("btij,id->btd", G, self.b1)
            right_bias = torch.einsum("btij,jd->btd", G, self.b2)
        left = self.v11(left_own.flatten(-2)) + self.v12(left_cross.flatten(-2)) + left_bias
        right = self.v21(right_cross.flatten(-2)) + self.v22(right_own.flatten(-2)) + right_bias
        return torch.cat((left, right), dim=-1), hidden

    def _piece(self, linear: nn.Linear, k: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        rows = slice(k * self.half, (k + 1) * self.half)
        return linear.weight[rows], None if linear.bias is None else linear.bias[rows]

    def expert(self, x: torch.Tensor, i: int, j: int) -> torch.Tensor:
        """E_ij(x) written out (for the brute-force check)."""
        a1 = relu2(F.linear(x, *self._piece(self.u1, i)))
        a2 = relu2(F.linear(x, *self._piece(self.u2, j)))
        cols_i, cols_j = slice(i * self.half, (i + 1) * self.half), slice(j * self.half, (j + 1) * self.half)
        left = F.linear(a1, self.v11.weight[:, cols_i]) + F.linear(a2, self.v12.weight[:, cols_i]) + self.b1[i]
        right = F.linear(a1, self.v21.weight[:, cols_j]) + F.linear(a2, self.v22.weight[:, cols_j]) + self.b2[j]
        return torch.cat((left, right), dim=-1)

    def logit_parts(self, hidden: dict[str, torch.Tensor], r: torch.Tensor) -> torch.Tensor:
        """E_ij(x) . r for every composed expert, (N, E, E)."""
        a1, a2 = hidden["a1"], hidden["a2"]  # (N, E, m/2)
        half = r.shape[-1] // 2
        r_left, r_right = r[:, :half], r[:, half:]

        def read(linear: nn.Linear, direction: torch.Tensor) -> torch.Tensor:  # V_k^T r per piece k: (N, E, m/2)
            return torch.einsum("nd,dkm->nkm", direction, linear.weight.view(-1, self.n_experts, self.half))

        own_i = (a1 * read(self.v11, r_left)).sum(-1) + r_left @ self.b1.T  # (N, E_i)
        own_j = (a2 * read(self.v22, r_right)).sum(-1) + r_right @ self.b2.T  # (N, E_j)
        cross_left = torch.einsum("nim,njm->nij", read(self.v12, r_left), a2)
        cross_right = torch.einsum("nim,njm->nij", a1, read(self.v21, r_right))
        return own_i.unsqueeze(2) + own_j.unsqueeze(1) + cross_left + cross_right


EXPERT_LAYERS = {"monet_hd": MonetHD, "monet_vd": MonetVD}
