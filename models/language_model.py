"""Decoder-only transformer language models (GPT-2 style, after nanoGPT) whose MLP is dense (GELU or ReLU, the
baselines), MoE-X (``models.moex``) or Monet-HD / Monet-VD (``models.monet``), with an exact per-token
explanation of every predicted next token.

The model reads top to bottom: ``GPTConfig`` (every architectural choice), ``Norm`` (LayerNorm, or the RMSNorm
of the LLaMA-style Monet checkpoints), ``Attention`` (causal, a KV cache for generation, learned positions or
RoPE), the MLPs, ``Block``, ``GPT`` (tied or untied embeddings), then ``LanguageModel``, the zoo's
``SequenceModel`` over next-token data that trains it (AdamW, warm-up then cosine decay, the experts' auxiliary
losses as named loss terms), evaluates it (cross-entropy and perplexity), generates from it and explains it.

**Exact per-token attribution.** The logit of token v at position t is ``norm_f(x_t) . W_U[v]`` where ``x_t``
is the final residual stream, a sum of parts: the token embedding, the position embedding, every attention
head's output (its value mix times its slice of W_O), each attention output bias, every MLP unit's write (a
dense neuron; a MoE-X neuron ``g_e h_ej W_dec^e[:, j]``; a Monet composed expert ``G_ij E_ij(x)``) and each MLP
output bias. With the final norm's scale ``s_t`` (the standard deviation, or the RMS) held at its value for this
token, the norm is linear (mean-centring is a projection), so

    logit_v = sum_parts (centre(part) / s_t * gamma) . W_U[v] + beta . W_U[v]

holds exactly: each part's *direct* logit contribution plus the norm's bias term (the record's ``bias``). A part's
effect through later layers (a head that moves an expert's routing) is not in its own number: it is counted in
the later parts it changes. Records say so (``extras["attribution"]``) and list only the non-zero units.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import lightning as L
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torchmetrics import Metric, MetricCollection
from torchmetrics.classification import MulticlassAccuracy

from configs.validation import (
    ConfigError,
    Count,
    Depth,
    GeneratedTokens,
    NonNegative,
    NonNegativeCount,
    Positive,
    Probability,
    validate_args,
)
from datamodules.batch import Batch

from .base import Decomposition, InputError, evaluating
from .explanation import GlobalExplanation, GlobalUnit, TokenSection, UnitScore
from .moex import MoEX
from .monet import EXPERT_LAYERS, MonetRouter, composed_scores, routing_losses
from .registry import register_model
from .sequence import MASKED_LOGIT, SequenceModel

MLPS = ("gelu", "relu", "moex", "monet_hd", "monet_vd")


@dataclass
class GPTConfig:
    vocab_size: int
    n_ctx: int  # the context length (learned positions: the number of position embeddings)
    n_layers: int = 4
    n_heads: int = 4
    d_model: int = 128
    mlp: str = "gelu"  # one of MLPS
    d_mlp: int = 512  # dense: hidden width; MoE-X: each expert's width
    n_experts: int = 8  # MoE-X experts per layer
    top_k: int = 2  # MoE-X experts per token
    router: str = "sparsity"  # MoE-X: "sparsity" (the paper's) or "topk" (the ablation)
    monet_experts: int = 16  # Monet: E pieces per group (E^2 composed experts per layer)
    monet_dim: int = 32  # Monet: m hidden units per expert
    monet_heads: int = 4  # Monet: H routing heads
    monet_topk: int = 4  # Monet: experts kept per head and group (sets the BN threshold)
    moe_groups: int = 2  # Monet: consecutive layers sharing one router
    router_momentum: float = 0.1  # Monet: the routers' batch-norm momentum
    norm: str = "layer"  # "layer" (GPT-2) or "rms" (LLaMA / Monet)
    norm_eps: float = 1e-5
    positions: str = "learned"  # "learned" (GPT-2) or "rope" (LLaMA / Monet)
    rope_theta: float = 10000.0
    bias: bool = True  # biases in the linear maps and LayerNorms (GPT-2); none in LLaMA / Monet
    tie_embeddings: bool = True
    dropout: float = 0.0

    def __post_init__(self) -> None:
        checks = [(self.mlp in MLPS, f"mlp must be one of {MLPS}, got {self.mlp!r}"),
                  (self.norm in ("layer", "rms"), f"norm must be 'layer' or 'rms', got {self.norm!r}"),
                  (self.positions in ("learned", "rope"), f"positions must be 'learned' or 'rope', got "
                                                          f"{self.positions!r}"),
                  (self.d_model % self.n_heads == 0, f"d_model ({self.d_model}) must be a multiple of n_heads "
                                                     f"({self.n_heads})"),
                  (self.moe_groups >= 1, f"moe_groups must be >= 1, got {self.moe_groups}")]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    @property
    def is_monet(self) -> bool:
        return self.mlp.startswith("monet")

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_heads


class Norm(nn.Module):
    """LayerNorm or RMSNorm, and the linear map it is once its scale is held fixed (for the attribution)."""

    def __init__(self, d: int, kind: str, eps: float, bias: bool):
        super().__init__()
        self.kind, self.eps = kind, eps
        self.weight = nn.Parameter(torch.ones(d))
        self.bias = nn.Parameter(torch.zeros(d)) if kind == "layer" and bias else None

    def scale(self, x: torch.Tensor) -> torch.Tensor:
        """The divisor (..., 1): the standard deviation (LayerNorm) or the root mean square (RMSNorm)."""
        if self.kind == "layer":
            return (x.var(-1, unbiased=False, keepdim=True) + self.eps).sqrt()
        return (x.float().square().mean(-1, keepdim=True) + self.eps).sqrt()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.kind == "layer":
            return F.layer_norm(x, x.shape[-1:], self.weight, self.bias, self.eps)
        return self.weight * (x.float() * torch.rsqrt(x.float().square().mean(-1, keepdim=True) + self.eps)).type_as(x)

    def read_direction(self, w: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
        """r with norm(x) . w = x . r + offset(w) at a fixed scale: centre(gamma * w) / scale, (N, d)."""
        r = self.weight * w
        if self.kind == "layer":
            r = r - r.mean(-1, keepdim=True)
        return r / scale

    def offset(self, w: torch.Tensor) -> torch.Tensor:
        return w @ self.bias if self.bias is not None else w.new_zeros(w.shape[:-1])


def rotary_tables(n_ctx: int, head_dim: int, theta: float) -> tuple[torch.Tensor, torch.Tensor]:
    """RoPE cos/sin tables (n_ctx, head_dim), LLaMA's layout (the two halves rotate together)."""
    inv_freq = 1.0 / theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim)
    angles = torch.outer(torch.arange(n_ctx, dtype=torch.float32), inv_freq)
    angles = torch.cat((angles, angles), dim=-1)
    return angles.cos(), angles.sin()


def rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return x * cos + torch.cat((-x[..., half:], x[..., :half]), dim=-1) * sin


class Attention(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        d = cfg.d_model
        self.n_heads, self.head_dim, self.dropout = cfg.n_heads, cfg.head_dim, cfg.dropout
        self.q, self.k, self.v, self.o = (nn.Linear(d, d, bias=cfg.bias) for _ in range(4))

    def forward(self, x: torch.Tensor, rope: tuple[torch.Tensor, torch.Tensor] | None, past: tuple | None):
        """x (B, T, d) -> (output (B, T, d), the new (keys, values), per-head value mixes z (B, T, H, dh))."""
        B, T, _ = x.shape
        q, k, v = (proj(x).view(B, T, self.n_heads, self.head_dim).transpose(1, 2) for proj in (self.q, self.k, self.v))
        start = 0 if past is None else past[0].shape[2]
        if rope is not None:
            cos, sin = rope[0][start:start + T], rope[1][start:start + T]
            q, k = rotate(q, cos, sin), rotate(k, cos, sin)
        if past is not None:
            k, v = torch.cat((past[0], k), dim=2), torch.cat((past[1], v), dim=2)
        mask = None
        if past is not None and T > 1:  # new queries see the cache and the new keys up to themselves
            mask = torch.arange(T, device=x.device)[:, None] + start >= torch.arange(start + T, device=x.device)
        z = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=past is None and T > 1,
                                           dropout_p=self.dropout if self.training else 0.0).transpose(1, 2)
        return self.o(z.reshape(B, T, -1)), (k, v), z


class DenseMLP(nn.Module):
    """The GPT-2 MLP (GELU) or its ReLU variant: the baselines. Its units are the hidden neurons."""

    def __init__(self, d_model: int, width: int, activation: str, bias: bool):
        super().__init__()
        self.fc = nn.Linear(d_model, width, bias=bias)
        self.proj = nn.Linear(width, d_model, bias=bias)
        self.activation = F.gelu if activation == "gelu" else F.relu

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None, trace: bool = False):
        h = self.activation(self.fc(x))
        if mask is not None:
            h = h.masked_fill(mask, 0.0)
        return self.proj(h), {}, {"hidden": h} if trace else None

    def logit_parts(self, record: dict[str, torch.Tensor], r: torch.Tensor) -> torch.Tensor:
        return record["hidden"] * (r @ self.proj.weight)


class Block(nn.Module):
    def __init__(self, cfg: GPTConfig, layer: int):
        super().__init__()
        self.cfg = cfg
        self.ln_1 = Norm(cfg.d_model, cfg.norm, cfg.norm_eps, cfg.bias)
        self.attn = Attention(cfg)
        self.ln_2 = Norm(cfg.d_model, cfg.norm, cfg.norm_eps, cfg.bias)
        if cfg.mlp in ("gelu", "relu"):
            self.mlp = DenseMLP(cfg.d_model, cfg.d_mlp, cfg.mlp, cfg.bias)
        elif cfg.mlp == "moex":
            self.mlp = MoEX(cfg.d_model, cfg.n_experts, cfg.d_mlp, cfg.top_k, cfg.router, cfg.bias)
        else:
            self.mlp = EXPERT_LAYERS[cfg.mlp](cfg.d_model, cfg.monet_experts, cfg.monet_dim)
        owns_router = cfg.is_monet and layer % cfg.moe_groups == 0
        self.router = MonetRouter(cfg.d_model, cfg.monet_experts, cfg.monet_heads, cfg.monet_topk,
                                  cfg.router_momentum) if owns_router else None
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, x, rope, past, routing, mask, trace: bool):
        a, present, z = self.attn(self.ln_1(x), rope, past)
        x = x + self.dropout(a)
        h = self.ln_2(x)
        if self.cfg.is_monet:
            aux = {}
            if self.router is not None:  # this layer starts a routing group; the next ones reuse its routing
                routing = self.router(h)
                aux = routing_losses(*routing)
            out, hidden = self.mlp(h, *routing, mask)
            record = {"hidden": hidden, "g1": routing[0], "g2": routing[1]} if trace else None
        else:
            out, aux, record = self.mlp(h, mask, trace)
        x = x + self.dropout(out)
        return x, present, routing, aux, {"z": z, "mlp": record} if trace else None


@dataclass
class GPTOutput:
    logits: torch.Tensor  # (B, T, V)
    aux: dict[str, torch.Tensor]  # auxiliary losses, averaged over the layers (or routers) that have them
    cache: list[tuple[torch.Tensor, torch.Tensor]] | None = None
    trace: dict[str, Any] | None = None  # every residual-stream part, for the attribution


class GPT(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.wpe = nn.Embedding(cfg.n_ctx, cfg.d_model) if cfg.positions == "learned" else None
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg, layer) for layer in range(cfg.n_layers))
        self.ln_f = Norm(cfg.d_model, cfg.norm, cfg.norm_eps, cfg.bias)
        self.lm_head = None if cfg.tie_embeddings else nn.Linear(cfg.d_model, cfg.vocab_size, bias=False)
        if cfg.positions == "rope":
            cos, sin = rotary_tables(cfg.n_ctx, cfg.head_dim, cfg.rope_theta)
            self.register_buffer("rope_cos", cos, persistent=False)
            self.register_buffer("rope_sin", sin, persistent=False)
        self.apply(self._init_weights)
        # GPT-2: the projections that write into the residual stream start smaller, by 1/sqrt(2 n_layers)
        residual_std = 0.02 / math.sqrt(2 * cfg.n_layers)
        for name, p in self.named_parameters():
            if name.endswith(("attn.o.weight", "mlp.proj.weight", "mlp.w_dec")) or ".mlp.v" in name:
                nn.init.normal_(p, 0.0, residual_std)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, 0.0, 0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def unembedding(self) -> torch.Tensor:
        """W_U (V, d): the token embedding when tied."""
        return self.wte.weight if self.lm_head is None else self.lm_head.weight

    def forward(self, idx: torch.Tensor, cache: list | None = None, masks: dict[int, torch.Tensor] | None = None,
                trace: bool = False, use_cache: bool = False) -> GPTOutput:
        B, T = idx.shape
        start = 0 if cache is None else cache[0][0].shape[2]
        if start + T > self.cfg.n_ctx:
            raise InputError(f"{start + T} positions: the model reads at most {self.cfg.n_ctx} tokens")
        tok = self.wte(idx)
        pos = self.wpe(torch.arange(start, start + T, device=idx.device)).expand(B, -1, -1) \
            if self.wpe is not None else None
        x = self.drop(tok if pos is None else tok + pos)
        rope = (self.rope_cos, self.rope_sin) if self.cfg.positions == "rope" else None
        routing, new_cache, layers = None, [], []
        aux: dict[str, list[torch.Tensor]] = {}
        for layer, block in enumerate(self.blocks):
            past = None if cache is None else cache[layer]
            x, present, routing, layer_aux, record = block(x, rope, past, routing, (masks or {}).get(layer), trace)
            new_cache.append(present)
            layers.append(record)
            for name, value in layer_aux.items():
                aux.setdefault(name, []).append(value)
        head = self.unembedding()
        logits = F.linear(self.ln_f(x), head)
        record = {"tok": tok, "pos": pos, "layers": layers, "resid": x} if trace else None
        return GPTOutput(logits, {k: torch.stack(v).mean() for k, v in aux.items()},
                         new_cache if use_cache or cache is not None else None, record)


class Perplexity(Metric):
    """exp(mean cross-entropy) over the scored tokens (``ignore_index`` left out)."""

    full_state_update = False

    def __init__(self, ignore_index: int = -100):
        super().__init__()
        self.ignore_index = ignore_index
        self.add_state("nll", torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("count", torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")

    def update(self, logits: torch.Tensor, targets: torch.Tensor) -> None:
        keep = targets != self.ignore_index
        self.nll += F.cross_entropy(logits[keep].double(), targets[keep], reduction="sum")
        self.count += keep.sum()

    def compute(self) -> torch.Tensor:
        return (self.nll / self.count.clamp_min(1)).exp()


def _whole(value: Any) -> bool:
    """An integer (an int, or a string of one as parsed from "layer:id"), not a bool or a float."""
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and value.isdigit())


class ExpertMaskError(InputError):
    """An expert mask that names a layer or an expert the model does not have."""


@dataclass
class LogitAttribution(Decomposition):
    """A ``Decomposition`` whose contributions are computed for the explained classes only (a vocabulary of
    thousands times thousands of units is never materialised); ``all_contributions`` builds the full tensor for
    the completeness checks."""

    model: Any = None
    trace: dict[str, Any] | None = field(default=None, repr=False)
    scale: torch.Tensor | None = None  # (N, 1) the final norm's scale at each row
    masks: dict[int, torch.Tensor] = field(default_factory=dict)

    @property
    def num_units(self) -> int:
        return self.model.num_units

    def contributions_for(self, classes: torch.Tensor) -> torch.Tensor:
        return self.model.logit_contributions(self, torch.arange(len(classes), device=classes.device), classes)

    def all_contributions(self) -> torch.Tensor:
        N, C = self.outputs.shape
        rows = torch.arange(N, device=self.outputs.device).repeat_interleave(C)
        classes = torch.arange(C, device=self.outputs.device).repeat(N)
        return self.model.logit_contributions(self, rows, classes).view(N, C, -1)


class LanguageModel(SequenceModel):
    """A causal LM over a ``next_token`` data spec (see the module docstring). ``mlp`` picks the family."""

    kind = "expert"
    unit_score = UnitScore(name="activation", about="An MLP unit's activation at this token: a dense neuron's value, "
                           "a MoE-X neuron's gated value g h, a Monet expert's routing score (what its atlas page, "
                           "where linked, ranks contexts by). Parts are the direct logit attribution: each unit's "
                           "write into the final residual stream, read out with the final norm's scale held at this "
                           "token; an effect through later layers is counted in the later units it changes.")
    selection_metric = "val/loss"
    selection_mode = "min"

    def __init__(self, spec: dict[str, Any], n_layers: Depth = 4, n_heads: Depth = 4, d_model: Count = 128,
                 mlp: str = "gelu", d_mlp: Count = 512, n_experts: Count = 8, top_k: Count = 2,
                 router: str = "sparsity", monet_experts: Count = 16, monet_dim: Count = 32, monet_heads: Depth = 4,
                 monet_topk: Count = 4, moe_groups: Depth = 2, router_momentum: Probability = 0.1, norm: str = "layer",
                 norm_eps: Positive = 1e-5, positions: str = "learned", rope_theta: Positive = 10000.0,
                 bias: bool = True, tie_embeddings: bool = True, dropout: Probability = 0.0, lr: NonNegative = 1e-3,
                 min_lr: NonNegative = 1e-4, warmup_steps: NonNegativeCount = 100, weight_decay: NonNegative = 0.1,
                 beta2: NonNegative = 0.95, load_balance_weight: NonNegative = 0.01,
                 routing_loss_weight: NonNegative = 1e-3, upcycle_from: str | None = None,
                 upcycle_noise: NonNegative = 0.01, atlas_contexts: NonNegativeCount = 8,
                 atlas_batches: NonNegativeCount | None = 50):
        super().__init__(spec)
        if self.spec.task != "next_token":
            raise ValueError(f"a language model needs next_token data; {self.spec.name!r} is a {self.spec.task} task")
        if list(self.spec.class_names) != list(self.spec.vocab):
            raise ValueError("next_token data predicts its own vocabulary: class_names must equal vocab")
        self.save_hyperparameters()
        self.cfg = GPTConfig(vocab_size=len(self.vocab), n_ctx=self.n_ctx, n_layers=n_layers, n_heads=n_heads,
                             d_model=d_model, mlp=mlp, d_mlp=d_mlp, n_experts=n_experts, top_k=top_k, router=router,
                             monet_experts=monet_experts, monet_dim=monet_dim, monet_heads=monet_heads,
                             monet_topk=monet_topk, moe_groups=moe_groups, router_momentum=router_momentum, norm=norm,
                             norm_eps=norm_eps, positions=positions, rope_theta=rope_theta, bias=bias,
                             tie_embeddings=tie_embeddings, dropout=dropout)
        self.gpt = GPT(self.cfg)
        if mlp in ("gelu", "relu"):
            self.kind = "neuron"
        self.layout = self._unit_layout()
        units_per_layer = self.mlp_units
        for name, dtype, fill in (("atlas_index", torch.int32, -1), ("atlas_position", torch.int32, -1),
                                  ("atlas_score", torch.float32, 0.0)):
            self.register_buffer(name, torch.full((n_layers, units_per_layer, atlas_contexts), fill, dtype=dtype))
        self.register_buffer("unit_usage", torch.zeros(n_layers, units_per_layer))
        self.register_buffer("unit_mean", torch.zeros(n_layers, units_per_layer))
        self.register_buffer("atlas_tokens", torch.zeros((), dtype=torch.int64))

    # ---- units -------------------------------------------------------------------------------------------
    @property
    def mlp_units(self) -> int:
        """Interpretable units per MLP: neurons (dense, MoE-X's wide layer) or composed experts (Monet)."""
        cfg = self.cfg
        return {"moex": cfg.n_experts * cfg.d_mlp, "monet_hd": cfg.monet_experts ** 2,
                "monet_vd": cfg.monet_experts ** 2}.get(cfg.mlp, cfg.d_mlp)

    def _unit_layout(self) -> list[tuple[str, int | None, int]]:
        """(part, layer, count) in unit order: embeddings, then per layer heads, attention bias, MLP units,
        MLP bias."""
        layout: list[tuple[str, int | None, int]] = [("token", None, 1)]
        if self.gpt.wpe is not None:
            layout.append(("position", None, 1))
        for layer, block in enumerate(self.gpt.blocks):
            layout.append(("heads", layer, self.cfg.n_heads))
            if block.attn.o.bias is not None:
                layout.append(("attention_bias", layer, 1))
            layout.append(("mlp", layer, self.mlp_units))
            bias = getattr(block.mlp, "b_dec", None) if self.cfg.mlp == "moex" else getattr(
                getattr(block.mlp, "proj", None), "bias", None)
            if bias is not None:
                layout.append(("mlp_bias", layer, 1))
        return layout

    @property
    def num_units(self) -> int:
        return sum(count for _, _, count in self.layout)

    def unit_names(self) -> list[str]:
        if getattr(self, "_names", None) is None:
            self._names = [self._name(part, layer, k) for part, layer, count in self.layout for k in range(count)]
        return self._names

    def _name(self, part: str, layer: int | None, k: int) -> str:
        if part == "token":
            return "token embedding"
        if part == "position":
            return "position embedding"
        if part == "heads":
            return f"L{layer} head {k}"
        if part in ("attention_bias", "mlp_bias"):
            return f"L{layer} {part.replace('_', ' ')}"
        if self.cfg.mlp == "moex":
            return f"L{layer} expert {k // self.cfg.d_mlp} #{k % self.cfg.d_mlp}"
        if self.cfg.is_monet:
            return f"L{layer} expert {k}"
        return f"L{layer} neuron {k}"

    def locate(self, unit: int) -> tuple[str, int | None, int]:
        """(part, layer, index within the part) of a global unit index."""
        for part, layer, count in self.layout:
            if unit < count:
                return part, layer, unit
            unit -= count
        raise IndexError(f"unit {unit} out of range")

    # ---- expert masks ------------------------------------------------------------------------------------
    def parse_mask(self, expert_mask: Any) -> dict[int, torch.Tensor]:
        """``{layer: [ids]}`` or ``"layer:id,layer:id"`` (or a list of such strings) -> {layer: bool mask of the
        MLP's unit shape, True = removed}. Ids: MoE-X experts, Monet composed experts ``i * E + j``, dense
        neurons."""
        if expert_mask is None:
            return {}
        if isinstance(expert_mask, str):
            expert_mask = [s for s in expert_mask.replace(" ", "").split(",") if s]
        if isinstance(expert_mask, (list, tuple)):
            grouped: dict[int, list[int]] = {}
            for item in expert_mask:
                layer, sep, ident = str(item).partition(":")
                if not sep:
                    raise ExpertMaskError(f"expert mask entry {item!r}: write layer:expert, e.g. 2:147")
                try:
                    grouped.setdefault(int(layer), []).append(int(ident))
                except ValueError:
                    raise ExpertMaskError(f"expert mask entry {item!r}: layer and expert must be integers") from None
            expert_mask = grouped
        if not isinstance(expert_mask, dict):
            raise ExpertMaskError(f"expert_mask must be {{layer: [expert ids]}} or 'layer:id,...', got "
                                  f"{type(expert_mask).__name__}")
        cfg, masks = self.cfg, {}
        count = {"moex": cfg.n_experts, "monet_hd": cfg.monet_experts ** 2,
                 "monet_vd": cfg.monet_experts ** 2}.get(cfg.mlp, cfg.d_mlp)
        what = "experts" if cfg.mlp in ("moex", "monet_hd", "monet_vd") else "neurons"
        for layer, ids in expert_mask.items():
            ids = list(ids) if isinstance(ids, (list, tuple)) else [ids]
            if not all(_whole(v) for v in [layer, *ids]):  # 2.5 or "3" is no expert: never rounded silently
                raise ExpertMaskError(f"expert mask {{{layer!r}: {ids!r}}}: layers and expert ids must be integers")
            layer = int(layer)
            if not 0 <= layer < cfg.n_layers:
                raise ExpertMaskError(f"expert mask names layer {layer}; the model has layers 0..{cfg.n_layers - 1}")
            ids = [int(i) for i in ids]
            bad = [i for i in ids if not 0 <= i < count]
            if bad:
                raise ExpertMaskError(f"expert mask names {what} {bad[:5]} in layer {layer}, which has {count} "
                                      f"{what} (ids 0..{count - 1})")
            flat = torch.zeros(count, dtype=torch.bool, device=self.device)
            flat[ids] = True
            masks[layer] = flat.view(cfg.monet_experts, cfg.monet_experts) if cfg.is_monet else flat
        return masks

    # ---- forward, training, evaluation -------------------------------------------------------------------
    def _masked_logits(self, logits: torch.Tensor) -> torch.Tensor:
        return logits.masked_fill(self.class_mask, MASKED_LOGIT) if bool(self.class_mask.any()) else logits

    def forward(self, x: torch.Tensor, expert_mask: Any = None, positions: str = "last") -> torch.Tensor:
        """Token ids (B, T) -> next-token logits (B, T, V). ``expert_mask`` removes experts (``parse_mask``);
        ``positions`` only matters to ``explain``."""
        x = self.check_input(x)
        return self._masked_logits(self.gpt(x, masks=self.parse_mask(expert_mask)).logits)

    def training_forward(self, batch: Batch) -> Decomposition:
        out = self.gpt(batch.inputs)
        return Decomposition(outputs=self._masked_logits(out.logits), extras={"aux": out.aux})

    def evaluation_forward(self, batch: Batch) -> Decomposition:
        return Decomposition(outputs=self(batch.inputs))

    def loss_terms(self, batch: Batch, output: Decomposition) -> dict[str, torch.Tensor]:
        return {"cross_entropy": self.evaluation_loss(batch, output), **output.extras.get("aux", {})}

    def loss_weights(self) -> dict[str, float]:
        return {"load_balance": self.hparams.load_balance_weight, "uniformity": self.hparams.routing_loss_weight,
                "ambiguity": self.hparams.routing_loss_weight}

    def metrics(self) -> MetricCollection:
        ignore = None if self.ignore_index < 0 else self.ignore_index
        return MetricCollection({"acc": MulticlassAccuracy(self.num_classes, average="micro", ignore_index=ignore),
                                 "ppl": Perplexity(self.ignore_index)})

    def configure_optimizers(self):
        """AdamW (weight decay on matrices only, as nanoGPT), linear warm-up then cosine decay to ``min_lr``."""
        hp = self.hparams
        decay = [p for p in self.parameters() if p.requires_grad and p.dim() >= 2]
        rest = [p for p in self.parameters() if p.requires_grad and p.dim() < 2]
        optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": hp.weight_decay},
                                       {"params": rest, "weight_decay": 0.0}], lr=hp.lr, betas=(0.9, hp.beta2))
        total = max(1, int(self.trainer.estimated_stepping_batches)) if self._trainer is not None else 1

        def factor(step: int) -> float:
            if step < hp.warmup_steps:
                return (step + 1) / hp.warmup_steps
            progress = min(1.0, (step - hp.warmup_steps) / max(1, total - hp.warmup_steps))
            return (hp.min_lr + 0.5 * (hp.lr - hp.min_lr) * (1 + math.cos(math.pi * progress))) / hp.lr

        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}

    def configure_callbacks(self):
        return [ExpertAtlas(self.hparams.atlas_batches)]

    def on_fit_start(self) -> None:
        if self.hparams.upcycle_from and self.trainer.ckpt_path is None:
            self.upcycle(self.hparams.upcycle_from)

    @torch.no_grad()
    def upcycle(self, source: Any) -> None:
        """MoE-X from a trained dense ReLU model (a release folder, a .ckpt, a ``name.tag`` or the model):
        every non-MLP weight copied, every expert a noisy copy of its layer's dense MLP (``MoEX.upcycle``)."""
        from .release import load_any

        dense = load_any(source) if not isinstance(source, LanguageModel) else source
        if self.cfg.mlp != "moex" or dense.cfg.mlp != "relu":
            raise ValueError(f"upcycling turns a dense ReLU model into MoE-X; got {dense.cfg.mlp} -> {self.cfg.mlp}")
        for key in ("n_layers", "n_heads", "d_model", "norm", "positions", "bias", "tie_embeddings", "vocab_size",
                    "n_ctx"):
            if getattr(dense.cfg, key) != getattr(self.cfg, key):
                raise ValueError(f"cannot upcycle: the dense model has {key}={getattr(dense.cfg, key)}, this one "
                                 f"{getattr(self.cfg, key)}")
        shared = {k: v for k, v in dense.gpt.state_dict().items() if ".mlp." not in k}
        self.gpt.load_state_dict(shared, strict=False)
        for block, source_block in zip(self.gpt.blocks, dense.gpt.blocks):
            fc, proj = source_block.mlp.fc, source_block.mlp.proj
            block.mlp.upcycle(fc.weight, fc.bias, proj.weight, proj.bias, self.hparams.upcycle_noise)

    def release_checks(self, directory, datamodule) -> dict[str, Any]:
        """On chess data: Karvonen's board-state coverage and reconstruction of the MLP units, per layer
        (``models.board_probes``), recorded in the card."""
        if not datamodule.has_board_states:
            return {}
        from .board_probes import chess_board_metrics

        datamodule.setup("test")
        return chess_board_metrics(self, datamodule)

    # ---- generation and perplexity -----------------------------------------------------------------------
    @torch.no_grad()
    def generate(self, prompt: torch.Tensor | str, max_new_tokens: GeneratedTokens,
                 temperature: NonNegative = 1.0, top_k: Count | None = None, expert_mask: Any = None,
                 use_cache: bool = True, generator: torch.Generator | None = None) -> torch.Tensor:
        """Continue ``prompt`` (token ids (T,) or (B, T), or text for the model's tokenizer) by
        ``max_new_tokens`` sampled tokens; ``temperature`` 0 is greedy, ``top_k`` keeps the k likeliest.

        A prompt longer than the context is cut to its last ``n_ctx`` tokens with a warning (nanoGPT's rule);
        once the sequence fills the context, each step reads the last ``n_ctx`` tokens afresh (learned positions
        cannot slide, so the KV cache is rebuilt)."""
        try:  # the numbers by their annotations: a count, a finite temperature >= 0
            validate_args(self.generate, {"max_new_tokens": max_new_tokens, "temperature": temperature,
                                          "top_k": top_k}, "generate")
        except ConfigError as err:
            raise InputError(str(err)) from None
        if isinstance(prompt, str):
            from datamodules.tokenizers import tokenizer_for

            try:
                prompt.encode("utf-8")
            except UnicodeEncodeError as err:  # a lone surrogate: not text any tokenizer can read
                raise InputError(f"the prompt is not valid text: {err.reason} at character {err.start}") from None
            prompt = torch.tensor(tokenizer_for(self.spec).encode(prompt))
        idx = prompt.unsqueeze(0) if prompt.dim() == 1 else prompt
        idx = idx.to(self.device)
        if idx.shape[1] > self.n_ctx:
            warnings.warn(f"the prompt has {idx.shape[1]} tokens and the context {self.n_ctx}: only its last "
                          f"{self.n_ctx} tokens are read", stacklevel=2)
        self.check_input(idx[:, -self.n_ctx:])
        masks = self.parse_mask(expert_mask)
        cache, fed = None, 0  # fed: tokens of ``idx`` already in the cache
        with evaluating(self):
            for _ in range(max_new_tokens):
                if cache is not None and idx.shape[1] <= self.n_ctx:
                    out = self.gpt(idx[:, fed:], cache=cache, masks=masks)
                else:
                    out = self.gpt(idx[:, -self.n_ctx:], masks=masks, use_cache=use_cache)
                cache = out.cache if use_cache else None
                fed = idx.shape[1]
                logits = self._masked_logits(out.logits[:, -1].float())
                if temperature == 0:
                    nxt = logits.argmax(-1, keepdim=True)
                else:
                    logits = logits / temperature
                    if top_k is not None:
                        kth = logits.topk(min(top_k, logits.shape[-1]), dim=-1).values[:, -1:]
                        logits = logits.masked_fill(logits < kth, -float("inf"))
                    nxt = torch.multinomial(torch.softmax(logits, -1), 1, generator=generator)
                idx = torch.cat((idx, nxt), dim=1)
        return idx

    def generate_text(self, prompt: str, max_new_tokens: int, **options: Any) -> str:
        from datamodules.tokenizers import tokenizer_for

        tokenizer = tokenizer_for(self.spec)
        ids = tokenizer.encode(prompt)
        return tokenizer.decode(self.generate(torch.tensor(ids), max_new_tokens, **options)[0, len(ids):].tolist())

    @torch.no_grad()
    def perplexity(self, data, expert_mask: Any = None) -> dict[str, float]:
        """Cross-entropy (nats per token) and perplexity over a loader or an iterable of batches."""
        from explain.export import iterate_batches

        nll, count = 0.0, 0
        with evaluating(self):
            for batch in iterate_batches(data):
                batch = batch.to(self.device)
                logits = self(batch.inputs, expert_mask=expert_mask)
                nll += float(F.cross_entropy(logits.flatten(0, 1).double(), batch.targets.flatten(), reduction="sum"))
                count += batch.targets.numel()
        loss = nll / max(count, 1)
        return {"loss": loss, "ppl": math.exp(loss), "tokens": count}

    # ---- the exact per-token attribution -----------------------------------------------------------------
    def decompose(self, x: torch.Tensor, expert_mask: Any = None, positions: str = "last") -> LogitAttribution:
        """The attribution of the next-token logits at ``positions``: "last" (each sequence's final position:
        the prediction that continues it) or "all" (every position)."""
        if positions not in ("last", "all"):
            raise InputError(f"positions must be 'last' or 'all', got {positions!r}")
        masks = self.parse_mask(expert_mask)
        out = self.gpt(x, masks=masks, trace=True)
        valid = self.valid_positions(x)  # padding after a short sequence is never explained
        if positions == "last":
            sequence = torch.arange(x.shape[0], device=x.device)
            position = valid.long().cumsum(1).argmax(1)  # the last real token
        else:
            where = valid.nonzero()
            sequence, position = where[:, 0], where[:, 1]
        scale = self.gpt.ln_f.scale(out.trace["resid"][sequence, position]).to(out.logits.dtype)
        return LogitAttribution(outputs=self._masked_logits(out.logits[sequence, position]), bias=self.readout_bias(),
                                sequence=sequence, position=position, model=self, trace=out.trace, scale=scale,
                                masks=masks)

    def explain_decompose(self, batch: Batch, **options: Any) -> LogitAttribution:
        decomposition = self.decompose(batch.inputs, **options)
        if batch.targets is not None:
            decomposition.targets = self.labelled(batch.targets[decomposition.sequence, decomposition.position])
        return decomposition

    def readout_bias(self) -> torch.Tensor:
        """(V,): the final norm's bias read out by every token (the part of a logit no unit writes)."""
        bias = self.gpt.ln_f.offset(self.gpt.unembedding())
        return bias.masked_fill(self.class_mask, MASKED_LOGIT)

    def logit_contributions(self, d: LogitAttribution, rows: torch.Tensor, classes: torch.Tensor) -> torch.Tensor:
        """(len(rows), U): each unit's direct part in the logit of ``classes`` at the decomposition's ``rows``."""
        gpt, trace = self.gpt, d.trace
        b, t = d.sequence[rows], d.position[rows]
        r = gpt.ln_f.read_direction(gpt.unembedding()[classes], d.scale[rows])
        r = r.masked_fill(self.class_mask[classes].unsqueeze(-1), 0.0)
        parts = [(trace["tok"][b, t] * r).sum(-1, keepdim=True)]
        if trace["pos"] is not None:
            parts.append((trace["pos"][b, t] * r).sum(-1, keepdim=True))
        H, dh = self.cfg.n_heads, self.cfg.head_dim
        for layer, (block, record) in enumerate(zip(gpt.blocks, trace["layers"])):
            w_o = block.attn.o.weight.view(-1, H, dh)  # (d, H, dh)
            parts.append(torch.einsum("nhe,dhe,nd->nh", record["z"][b, t], w_o, r))
            if block.attn.o.bias is not None:
                parts.append((r @ block.attn.o.bias).unsqueeze(-1))
            mlp = record["mlp"]
            if self.cfg.is_monet:
                hidden = {k: v[b, t] for k, v in mlp["hidden"].items()}
                G = composed_scores(mlp["g1"][b, t], mlp["g2"][b, t]).type_as(r)
                if layer in d.masks:
                    G = G.masked_fill(d.masks[layer], 0.0)
                parts.append((G * block.mlp.logit_parts(hidden, r)).flatten(1))
            else:
                parts.append(block.mlp.logit_parts({k: v[b, t] for k, v in mlp.items()}, r))
                bias = block.mlp.b_dec if self.cfg.mlp == "moex" else block.mlp.proj.bias
                if bias is not None:
                    parts.append((r @ bias).unsqueeze(-1))
        return torch.cat(parts, dim=-1)

    def unit_activity(self, record: dict[str, Any]) -> torch.Tensor:
        """(B, T, U_mlp) each MLP unit's activation at every token: a dense neuron's value, a MoE-X neuron's
        gated value g_e h_ej, a Monet expert's routing score G_ij (the quantities the papers rank by)."""
        mlp = record["mlp"]
        if self.cfg.is_monet:
            return composed_scores(mlp["g1"], mlp["g2"]).flatten(-2)
        if self.cfg.mlp == "moex":
            return (mlp["gates"].unsqueeze(-1) * mlp["hidden"]).flatten(-2)
        return mlp["hidden"]

    def records(self, decomposition, batch, top_k=5, explain_class="prediction"):
        """The shared records, made sparse: only the units with a non-zero part (in the output or in the margin
        over the runner-up) are kept (``units``)."""
        records = super().records(decomposition, batch, top_k, explain_class)
        for record in records:
            nonzero = record.contributions != 0
            if record.contrast is not None:
                nonzero |= record.contrast != 0
                record.contrast = record.contrast[nonzero]
            keep = np.flatnonzero(nonzero)
            record.units, record.contributions = keep, record.contributions[keep]
            record.evidence = [e for e in record.evidence if e.contribution != 0]
            for e in record.evidence:  # an MLP unit's score: its activation, as ``unit_activity`` ranks it
                d = e.details
                e.score = d["gate"] * d["activation"] if "gate" in d else d.get("routing_score", d.get("activation"))
        return records

    def unit_details(self, decomposition: LogitAttribution, row: int, units: list[int]) -> list[dict[str, Any]]:
        trace, cfg = decomposition.trace, self.cfg
        b, t = int(decomposition.sequence[row]), int(decomposition.position[row])
        details = []
        for unit in units:
            part, layer, k = self.locate(unit)
            info: dict[str, Any] = {"part": part, "layer": layer}
            if part == "heads":
                info["head"] = k
            elif part == "mlp":
                mlp = trace["layers"][layer]["mlp"]
                if cfg.mlp == "moex":
                    e, j = divmod(k, cfg.d_mlp)
                    info.update(expert=e, neuron=j, gate=float(mlp["gates"][b, t, e]),
                                activation=float(mlp["hidden"][b, t, e, j]))
                elif cfg.is_monet:
                    i, j = divmod(k, cfg.monet_experts)
                    G = composed_scores(mlp["g1"][b, t], mlp["g2"][b, t])
                    info.update(group=layer // cfg.moe_groups, expert=k, i=i, j=j, routing_score=float(G[i, j]))
                else:
                    info.update(neuron=k, activation=float(mlp["hidden"][b, t, k]))
            details.append(info)
        return details

    def explanation_sections(self, decomposition: LogitAttribution, batch: Batch, classes: torch.Tensor):
        names = self.spec.class_names
        predictions = decomposition.outputs.argmax(-1).tolist()
        sections = []
        for n, (b, t) in enumerate(zip(decomposition.sequence.tolist(), decomposition.position.tolist())):
            context = [self.vocab[int(i)] for i in batch.inputs[b, : t + 1]]
            target = decomposition.targets
            target = None if target is None or int(target[n]) < 0 else names[int(target[n])]
            sections.append({"tokens": TokenSection(context=context, token=context[-1], predicted=names[predictions[n]],
                                                    target=target),
                             "extras": self._record_extras(decomposition, n, b, t)})
        return sections

    def _record_extras(self, d: LogitAttribution, n: int, b: int, t: int) -> dict[str, Any]:
        cfg, trace = self.cfg, d.trace
        extras: dict[str, Any] = {
            "attribution": "direct logit attribution: each unit's write into the final residual stream read out "
                           "through the final norm with its scale held at this token's value (exact: the parts "
                           "and the bias add up to the logit); effects through later layers are not in a unit's "
                           "own number",
            "final_norm_scale": float(d.scale[n]),
        }
        if cfg.mlp == "moex":
            experts = []
            for layer, record in enumerate(trace["layers"]):
                gates, hidden = record["mlp"]["gates"][b, t], record["mlp"]["hidden"][b, t]
                for e in gates.nonzero().flatten().tolist():
                    experts.append({"layer": layer, "expert": e, "gate": float(gates[e]),
                                    "active_neurons": int((hidden[e] > 0).sum()),
                                    "expected_active": float(record["mlp"]["expected_l0"][b, t, e])})
            extras["experts"] = experts
        elif cfg.is_monet:
            routing = []
            for layer in range(0, cfg.n_layers, cfg.moe_groups):
                mlp = trace["layers"][layer]["mlp"]
                G = composed_scores(mlp["g1"][b, t], mlp["g2"][b, t]).flatten()
                top = G.topk(min(8, G.numel()))
                routing.append({"group": layer // cfg.moe_groups, "layers": list(range(layer, min(
                    layer + cfg.moe_groups, cfg.n_layers))), "active_experts": int((G > 1e-2).sum()),
                    "top_experts": [{"expert": int(i), "score": float(s)} for s, i in zip(top.values, top.indices)]})
            extras["routing"] = routing
        return extras

    # ---- global explanation: the expert atlas ------------------------------------------------------------
    @torch.no_grad()
    def collect_atlas(self, loader, max_batches: int | None = None) -> None:
        """Each MLP unit's top-activating contexts (item, position, activation) over ``loader`` (the training
        split), the share of tokens it is active on and its mean activation; kept in the model's buffers so a
        release carries them."""
        K = self.atlas_index.shape[-1]
        L, U = self.unit_usage.shape
        best = torch.full((L, U, K), -float("inf"), device=self.device)
        index = torch.full((L, U, K), -1, dtype=torch.int64, device=self.device)
        position = torch.full((L, U, K), -1, dtype=torch.int64, device=self.device)
        active = torch.zeros(L, U, device=self.device, dtype=torch.float64)
        total = torch.zeros(L, U, device=self.device, dtype=torch.float64)
        tokens = 0
        threshold = 1e-2 if self.cfg.is_monet else 0.0  # Monet's README counts experts above 1e-2 as active
        with evaluating(self):
            for number, batch in enumerate(loader):
                if max_batches is not None and number >= max_batches:
                    break
                batch = batch.to(self.device)
                B, T = batch.inputs.shape
                ids = batch.ids if batch.ids is not None else torch.arange(B, device=self.device)
                trace = self.gpt(batch.inputs, trace=True).trace
                valid = self.valid_positions(batch.inputs).reshape(B * T, 1)
                tokens += int(valid.sum())
                for layer, record in enumerate(trace["layers"]):
                    act = self.unit_activity(record).reshape(B * T, U).float().masked_fill(~valid, -float("inf"))
                    active[layer] += (act > threshold).sum(0)
                    total[layer] += act.masked_fill(~valid, 0.0).sum(0)
                    k = min(K, B * T)
                    values, where = act.topk(k, dim=0)  # (k, U)
                    merged = torch.cat((best[layer], values.T), dim=1)
                    merged_index = torch.cat((index[layer], ids[where // T].T), dim=1)
                    merged_position = torch.cat((position[layer], (where % T).T), dim=1)
                    best[layer], order = merged.topk(K, dim=1)
                    index[layer] = merged_index.gather(1, order)
                    position[layer] = merged_position.gather(1, order)
        found = best > threshold
        self.atlas_score.copy_(torch.where(found, best, torch.zeros_like(best)))
        self.atlas_index.copy_(torch.where(found, index, -1).to(torch.int32))
        self.atlas_position.copy_(torch.where(found, position, -1).to(torch.int32))
        self.unit_usage.copy_((active / max(tokens, 1)).float())
        self.unit_mean.copy_((total / max(tokens, 1)).float())
        self.atlas_tokens.fill_(tokens)

    def global_explanation(self) -> GlobalExplanation:
        """Every MLP unit that was active on the atlas data: its share of active tokens, mean activation and
        top-activating contexts (items of the training split; the export shows them as text pages); and the
        embeddings, attention heads and biases, by role (they have no contexts)."""
        offsets = {}
        start = 0
        for part, layer, count in self.layout:
            if part == "mlp":
                offsets[layer] = start
            start += count
        role = "neuron" if self.cfg.mlp in ("gelu", "relu", "moex") else "expert"
        units = []
        usage, mean = self.unit_usage.cpu(), self.unit_mean.cpu()
        index, position, score = self.atlas_index.cpu(), self.atlas_position.cpu(), self.atlas_score.cpu()
        for layer in range(self.cfg.n_layers):
            for k in (usage[layer] > 0).nonzero().flatten().tolist():
                contexts = [{"split": "train", "index": int(i), "position": int(p), "score": float(s)}
                            for i, p, s in zip(index[layer, k], position[layer, k], score[layer, k]) if i >= 0]
                details: dict[str, Any] = {"layer": layer, "usage": float(usage[layer, k]),
                                           "mean_activation": float(mean[layer, k]), "top_contexts": contexts}
                if self.cfg.is_monet:
                    details.update(group=layer // self.cfg.moe_groups, i=k // self.cfg.monet_experts,
                                   j=k % self.cfg.monet_experts)
                elif self.cfg.mlp == "moex":
                    details.update(expert=k // self.cfg.d_mlp, neuron=k % self.cfg.d_mlp)
                unit = offsets[layer] + k
                units.append(GlobalUnit(index=unit, name=self.unit_name(unit), role=role, details=details))
        # The other parts of a logit (embeddings, heads, biases) are units too: listed with what they are, so that a
        # page sums them as "other attention heads", never into "other neurons".
        roles = {"token": "embedding", "position": "embedding", "heads": "attention head",
                 "attention_bias": "bias term", "mlp_bias": "bias term"}
        start = 0
        for part, layer, count in self.layout:
            if part != "mlp":
                units += [GlobalUnit(index=start + k, name=self.unit_name(start + k), role=roles[part],
                                     details={"layer": layer, "part": part}) for k in range(count)]
            start += count
        units.sort(key=lambda u: u.index)
        matrices = {"unit_usage": usage.numpy(), "unit_mean_activation": mean.numpy()}
        if self.cfg.mlp == "moex":  # share of tokens routed to each expert: a neuron's usage is within it
            experts = (usage.view(self.cfg.n_layers, self.cfg.n_experts, -1) > 0).any(-1)
            matrices["expert_has_active_neurons"] = experts.numpy()
        return GlobalExplanation(kind=self.kind, model=self.variant, class_names=list(self.spec.class_names),
                                 units=units, matrices=matrices,
                                 details={"atlas_tokens": int(self.atlas_tokens), "mlp": self.cfg.mlp,
                                          "units_per_layer": self.mlp_units})


class ExpertAtlas(L.Callback):
    """Fills the model's expert atlas from the training split when the model is tested (train.py tests the
    selected checkpoint once, just before the release, so the release carries the atlas of its own weights)."""

    def __init__(self, max_batches: int | None = 50):
        self.max_batches = max_batches

    def on_test_end(self, trainer, pl_module) -> None:
        datamodule = trainer.datamodule
        if datamodule is not None and hasattr(datamodule, "eval_dataloader"):
            pl_module.collect_atlas(datamodule.eval_dataloader("train"), self.max_batches)


# ---- registered variants: the shapes of the shipped small models and the paper configurations -----------------
_GPT2 = "baseline: GPT-2 (Radford et al. 2019), the dense MLP the expert models are compared with"
_MOEX = "Yang et al. 2025, Mixture of Experts Made Intrinsically Interpretable (MoE-X), ICML 2025"
_MONET = "Park et al. 2025, Monet: Mixture of Monosemantic Experts for Transformers, ICLR 2025"
_SMALL = dict(n_layers=4, n_heads=4, d_model=128)
# the shapes shared by the python_docs and the chess variants
_DENSE = dict(**_SMALL, d_mlp=256)
_MOEX_8X128 = dict(**_SMALL, mlp="moex", n_experts=8, d_mlp=128, top_k=2)


@register_model(LanguageModel, default_data="python_docs", paper=_GPT2)
def lm_gelu_small():
    """Dense GELU MLP of width 2d = 256 (half GPT-2's 4d, to keep the shipped MoE-X small)."""
    return dict(**_DENSE, mlp="gelu")


@register_model(LanguageModel, default_data="python_docs", paper=_GPT2)
def lm_relu_small():
    return dict(**_DENSE, mlp="relu")


@register_model(LanguageModel, default_data="python_docs", paper=_MOEX)
def moex_small():
    """8 ReLU experts of width 128, top-2: 256 active hidden units per token, as the dense baselines."""
    return dict(**_MOEX_8X128, router="sparsity")


@register_model(LanguageModel, default_data="python_docs", paper=_MOEX)
def moex_topk_small():
    """The ablation: the same experts behind a plain learned top-k router."""
    return dict(**_MOEX_8X128, router="topk")


@register_model(LanguageModel, default_data="python_docs", paper=_MONET)
def monet_hd_small():
    """E = 16 (256 composed experts per layer), m = 16: E m = 256 hidden units, as the dense baselines."""
    return dict(**_SMALL, mlp="monet_hd", monet_experts=16, monet_dim=16, monet_heads=4, monet_topk=4,
                moe_groups=2)


@register_model(LanguageModel, default_data="python_docs", paper=_MONET)
def monet_vd_small():
    return dict(**_SMALL, mlp="monet_vd", monet_experts=16, monet_dim=16, monet_heads=4, monet_topk=4,
                moe_groups=2)


@register_model(LanguageModel, default_data="chess", paper=_GPT2)
def chess_gelu():
    """The dense GELU chess baseline (Karvonen's GPT-2 shape, scaled down: 4 layers, d 128, width 256)."""
    return dict(**_DENSE, mlp="gelu")


@register_model(LanguageModel, default_data="chess", paper=_GPT2)
def chess_relu():
    return dict(**_DENSE, mlp="relu")


@register_model(LanguageModel, default_data="chess", paper=_MOEX)
def chess_moex():
    """8 experts of width 128, top-2 (upcycled from ``chess_relu_narrow`` in the chess recipe)."""
    return dict(**_MOEX_8X128, router="sparsity")


@register_model(LanguageModel, default_data="chess", paper=_MOEX)
def chess_relu_narrow():
    """A dense ReLU model of one expert's width (128): the model MoE-X is upcycled from."""
    return dict(**_SMALL, mlp="relu", d_mlp=128)
