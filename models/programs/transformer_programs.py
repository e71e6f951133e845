"""Transformer Programs (Friedman, Wettig & Chen, *Learning Transformer Programs*, NeurIPS 2023).

A transformer constrained so that, once its discrete choices are fixed, it is a program (§3):

* The residual stream is *disentangled*: a list of named variables. A categorical variable is a one-hot
  vector of cardinality ``k`` (``d_var``); a numerical variable is one scalar. The inputs are ``tokens``
  (one-hot, or ``n_embed_vars`` learned categorical embeddings for word-level tasks), ``positions`` (one-hot)
  and the numerical ``ones``.
* Every module *reads* its inputs through a learned one-hot gate over the variables (``ConstrainedRead`` in
  the paper's code) and *writes* one new variable per head or MLP; nothing is added into an existing slot.
* Categorical attention (§3.2): query and key variables are compared through a predicate matrix
  ``W_pred`` (each query value maps to one key value); every query selects exactly one key: the closest
  match (a fixed relative-position bias: nearer first, the earlier of two at the same distance, the query's
  own position last), or the BOS at position 0 when nothing matches. It copies that key's value variable.
* Numerical attention (App. A.2): the same predicate, but no softmax: the output is the sum of the (numerical)
  value over the matching keys; reading ``ones`` counts them (RASP's ``selector_width``).
* Categorical and numerical MLPs read two variables and write a categorical one; after training they are
  lookup tables.
* The read-out is linear in the one-hot values and the numbers, so every logit is a sum of per-variable
  contributions; ``<pad>`` and ``<unk>`` output logits are masked.

Training relaxes every choice (gates, predicate rows, attention argmax, MLP outputs, learned embeddings) with
the Gumbel-softmax at temperature ``tau``, annealed geometrically from 3.0 to 0.01 (``TemperatureAnnealing``).
In eval mode the model is the discrete (argmax) program: that is what is validated, tested, released and
decompiled (``models.programs.decompile``), and it runs in float64 so the decompiled program reproduces it exactly.
``compile=True`` compiles the relaxed forward pass and its backward (``compile_training``); the discrete program is
never compiled.

Explanations: one ``Explanation`` per (sequence, non-pad position) for token tasks (its ``sequence`` and
``position``), one per sequence for pooled classification. The units are the variables of the residual stream; a unit's
contribution is the read-out weight of the value it holds (times the value for a numerical variable), so the
contributions add up to the logit exactly (bias 0; the constant logit of a masked class is all bias).
``extras`` holds every variable's value, each head's selected key position (categorical) or matched positions
(numerical).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn

from configs.validation import Count, Depth, Modules, NonNegative, Positive

from ..base import Decomposition
from ..explanation import GlobalExplanation, GlobalUnit, ProgramSection, UnitScore
from ..registry import register_model
from ..sequence import MASKED_LOGIT, SequenceModel
from .decompile import _reads, decompile, program_agreement, save_program, save_program_name, variable_types
from .trace import program_trace, sequence_values, tracer_for

LOG_EPS = 1e-20  # log(S + eps) turns a 0/1 match matrix into attention scores


def gumbel(shape: tuple[int, ...], device: torch.device, generator: torch.Generator | None = None) -> torch.Tensor:
    """Standard Gumbel noise, the very numbers ``F.gumbel_softmax`` draws for a float32 tensor of this shape.
    Its ``exponential_`` takes one 53-bit uniform ``u`` per element from the generator and returns
    ``-log1p(-u)`` rounded to float32; on the CPU that is a scalar loop, and drawing ``u`` with ``torch.rand``
    and taking the logarithm vectorised gives the same floats twice as fast (tests check it bit for bit).
    ``generator``: draw from it instead of the global one (each member of a ``ProgramGrid`` has its own)."""
    if device.type != "cpu":
        return -torch.empty(shape, device=device).exponential_(generator=generator).log()
    exponential = torch.rand(shape, dtype=torch.float64, generator=generator).neg_().log1p_().neg_().float()
    return exponential.log_().neg_()


def one_hot_choice(logits: torch.Tensor, tau: float | None, noise: torch.Tensor | None = None,
                   dim: int = -1) -> torch.Tensor:
    """The relaxed choice: a Gumbel-softmax sample at temperature ``tau`` (``noise``: its Gumbel noise, drawn
    here if not given); the argmax one-hot when ``tau`` is None (the discrete program). The argmax breaks ties
    towards the lowest index, like ``torch.argmax``."""
    if tau is None:
        index = logits.argmax(dim, keepdim=True)
        return torch.zeros_like(logits).scatter_(dim, index, 1.0)
    if noise is None:
        noise = gumbel(logits.shape, logits.device)
    return ((logits + noise) / tau).softmax(dim)


class Gate(nn.Module):
    """Each of ``n_reads`` readers picks one of ``n_vars`` variables: logits (n_reads, n_vars)."""

    def __init__(self, n_reads: int, n_vars: int):
        super().__init__()
        self.logits = nn.Parameter(torch.randn(n_reads, n_vars) / math.sqrt(n_vars))

    def forward(self, tau: float | None, noise: torch.Tensor | None = None) -> torch.Tensor:
        return one_hot_choice(self.logits, tau, noise)  # (n_reads, n_vars)

    def choices(self) -> list[int]:
        return self.logits.argmax(-1).tolist()


def read(stream: torch.Tensor, gates: torch.Tensor) -> torch.Tensor:
    """What ``R`` readers read from a stream of ``V`` variables: gates (R, V), stream (V, B, T[, k]) ->
    (R, B, T[, k]), one matrix product for every reader."""
    return (gates.to(stream.dtype) @ stream.flatten(1)).view(len(gates), *stream.shape[1:])


MAX_CONTEXT = 4096

def closest_match_bias(n_ctx: int) -> torch.Tensor:
    """(n_ctx, n_ctx) fixed bias b[i, j] ordering the keys j of query i: distance 1 first, the earlier key
    before the later one at equal distance, the query's own position last. All values lie in (-2, 0], well
    inside the gap log(1) - log(eps) between a match and a non-match, so they only break ties."""
    i = torch.arange(n_ctx).view(-1, 1)
    j = torch.arange(n_ctx).view(1, -1)
    distance = (i - j).abs().double()
    bias = -((distance - 1) + 0.5 * (j > i).double()) / n_ctx
    return bias.masked_fill(i == j, -2.0).float()


def matches(queries: torch.Tensor, keys: torch.Tensor, predicates: torch.Tensor) -> torch.Tensor:
    """S[h, b, i, j]: does key j satisfy query i's predicate under head h (soft in training).
    queries, keys (H, B, T, k); predicates (H, k_query, k_key), row q: the key value that query value q asks for."""
    H, B, T, k = queries.shape
    wanted = torch.bmm(queries.reshape(H, B * T, k), predicates.to(queries.dtype))  # (H, B*T, k_key)
    return torch.bmm(wanted.view(H * B, T, k), keys.reshape(H * B, T, k).transpose(1, 2)).view(H, B, T, T)


class CategoricalAttention(nn.Module):
    """``n_heads`` heads, each reading a query, a key and a value categorical variable (§3.2)."""

    def __init__(self, n_heads: int, n_vars: int, d_var: int):
        super().__init__()
        self.query, self.key, self.value = Gate(n_heads, n_vars), Gate(n_heads, n_vars), Gate(n_heads, n_vars)
        self.predicate = nn.Parameter(torch.randn(n_heads, d_var, d_var) / math.sqrt(d_var))  # rows: queries
        self.scale = math.sqrt(d_var)

    def select(self, matched: torch.Tensor, blocked: torch.Tensor, bias: torch.Tensor, tau: float | None,
               noise: torch.Tensor | None = None) -> torch.Tensor:
        """Hard attention (relaxed in training): each query selects the closest matching key, or the BOS at
        position 0 when no key matches. matched (H, B, T_query, T_key), 0 where ``blocked``."""
        fallback = F.relu(1.0 - matched.amax(-1, keepdim=True))  # 1 where no key matches
        bos = torch.zeros(matched.shape[-1], dtype=matched.dtype, device=matched.device)
        bos[0] = 1.0
        scores = ((matched + fallback * bos + LOG_EPS).log() + bias) / self.scale
        return one_hot_choice(scores.masked_fill(blocked, float("-inf")), tau, noise)


class NumericalAttention(nn.Module):
    """Categorical query and key, numerical value; no softmax: out_i = sum_j S_ij value_j (App. A.2)."""

    def __init__(self, n_heads: int, n_cat_vars: int, n_num_vars: int, d_var: int):
        super().__init__()
        self.query, self.key = Gate(n_heads, n_cat_vars), Gate(n_heads, n_cat_vars)
        self.value = Gate(n_heads, n_num_vars)
        self.predicate = nn.Parameter(torch.randn(n_heads, d_var, d_var) / math.sqrt(d_var))


class LookupMLP(nn.Module):
    """Reads ``n_inputs`` variables (one-hot of size ``d_in`` each, or scalars with ``d_in=1``) and writes one
    categorical variable of cardinality ``d_out``; a lookup table once discrete (§3.3)."""

    def __init__(self, n_vars: int, d_in: int, d_out: int, d_mlp: int, n_inputs: int = 2):
        super().__init__()
        self.read = Gate(n_inputs, n_vars)
        self.hidden = nn.Linear(n_inputs * d_in, d_mlp)
        self.out = nn.Linear(d_mlp, d_out)

    def apply_table(self, inputs: torch.Tensor, tau: float | None, noise: torch.Tensor | None = None):
        """The values read, (n_inputs, N, d_in) -> one-hot output (N, d_out). The discrete program runs in
        float64, and the decompiler enumerates its table through this same function."""
        inputs = torch.cat(list(inputs), -1)  # (N, n_inputs * d_in)
        if tau is None:
            inputs = inputs.double()
            hidden = F.linear(inputs, self.hidden.weight.double(), self.hidden.bias.double())
            logits = F.linear(hidden.relu(), self.out.weight.double(), self.out.bias.double())
        else:
            logits = self.out(self.hidden(inputs).relu())
        return one_hot_choice(logits.log_softmax(-1), tau, noise)

    def forward(self, reads: torch.Tensor, tau: float | None, noise: torch.Tensor | None = None):
        """The values read, (n_inputs, B, T, d_in) or (n_inputs, B, T) for numbers -> output (B, T, d_out)."""
        n_inputs, B, T = reads.shape[:3]
        inputs = reads.reshape(n_inputs, B * T, -1)
        return self.apply_table(inputs, tau, None if noise is None else noise.view(B * T, -1)).view(B, T, -1)


@dataclass
class Variable:
    name: str
    kind: str  # "categorical" or "numerical"
    source: str  # tokens | embedding | positions | ones | attention | num_attention | mlp | num_mlp
    module: tuple[int, str, int] | None = None  # (layer, cat_attn | num_attn | cat_mlp | num_mlp, index)


@dataclass
class Trace:
    """Everything the program computed on a batch."""

    logits: torch.Tensor  # (B, T, C) for token tasks, (B, C) when pooled
    x_cat: torch.Tensor  # (B, T, V_cat, k) one-hot values of every categorical variable
    x_num: torch.Tensor  # (B, T, V_num)
    patterns: dict[str, torch.Tensor] = field(default_factory=dict)  # head name -> (B, T_query, T_key)
    valid: torch.Tensor | None = None  # (B, T) non-pad positions


class TransformerProgram(SequenceModel):
    kind = "program"
    unit_score = UnitScore(name="value held", about="A variable's part is the read-out weight of the value it holds "
                           "at this position (times the value, for a numerical variable); the program section below "
                           "shows every variable at every position and the lines that computed it.")

    def __init__(self, spec: dict[str, Any], n_layers: Depth = 2, n_cat_heads: Modules = 2, n_num_heads: Modules = 2,
                 n_cat_mlps: Modules = 1, n_num_mlps: Modules = 1, d_mlp: Count = 64, d_var: Count | None = None,
                 causal: bool | None = None, token_embedding: str = "one_hot", n_embed_vars: Depth = 1,
                 mask_special_logits: bool = True, lr: NonNegative = 5e-2, tau_start: Positive = 3.0,
                 tau_end: Positive = 0.01, compile: bool = False):
        super().__init__(spec, mask_special_logits)
        self.save_hyperparameters(ignore=["compile"])  # how it is trained, not what it is: not in a card
        if token_embedding not in ("one_hot", "learned"):
            raise ValueError(f"token_embedding must be 'one_hot' or 'learned', got {token_embedding!r}")
        self.causal = self.causal if causal is None else causal
        if self.n_ctx > MAX_CONTEXT:  # positions are one-hot values and n_ctx x n_ctx tables: refused before building
            raise ValueError(f"a Transformer Program reads at most {MAX_CONTEXT} positions (one-hot positions and "
                             f"n_ctx x n_ctx masks), got sequences of {self.n_ctx}")
        default_d = max(len(self.vocab), self.n_ctx) if token_embedding == "one_hot" else self.n_ctx
        self.d_var = k = d_var or default_d
        if token_embedding == "one_hot" and len(self.vocab) > k:
            raise ValueError(f"one-hot tokens need d_var >= vocabulary size {len(self.vocab)}, got {k}")
        if self.n_ctx > k:
            raise ValueError(f"one-hot positions need d_var >= sequence length {self.n_ctx}, got {k}")
        self.temperature: float = tau_start  # set by TemperatureAnnealing during training
        self.compile_step = compile  # compile the relaxed training step (``compile_training``)
        self._compiled_logits = None  # the relaxed program compiled at the first training step (``compile``)

        if token_embedding == "learned":
            self.embedding = nn.Parameter(torch.randn(len(self.vocab), n_embed_vars, k))
            inputs = [Variable(f"var{i}_embeddings", "categorical", "embedding") for i in range(n_embed_vars)]
        else:
            self.embedding = None
            inputs = [Variable("tokens", "categorical", "tokens")]
        self.variables: list[Variable] = [*inputs, Variable("positions", "categorical", "positions"),
                                          Variable("ones", "numerical", "ones")]
        self.cat_attn, self.num_attn = nn.ModuleList(), nn.ModuleList()
        self.cat_mlps, self.num_mlps = nn.ModuleList(), nn.ModuleList()
        for layer in range(n_layers):
            n_cat, n_num = self.n_cat_vars, self.n_num_vars
            self.cat_attn.append(CategoricalAttention(n_cat_heads, n_cat, k))
            self.num_attn.append(NumericalAttention(n_num_heads, n_cat, n_num, k))
            self.cat_mlps.append(nn.ModuleList(
                LookupMLP(n_cat + n_cat_heads, k, k, d_mlp) for _ in range(n_cat_mlps)))
            self.num_mlps.append(nn.ModuleList(
                LookupMLP(n_num + n_num_heads, 1, k, d_mlp) for _ in range(n_num_mlps)))
            self.variables += [Variable(f"attn_{layer}_{h}_outputs", "categorical", "attention",
                                        (layer, "cat_attn", h)) for h in range(n_cat_heads)]
            self.variables += [Variable(f"num_attn_{layer}_{h}_outputs", "numerical", "num_attention",
                                        (layer, "num_attn", h)) for h in range(n_num_heads)]
            self.variables += [Variable(f"mlp_{layer}_{m}_outputs", "categorical", "mlp",
                                        (layer, "cat_mlp", m))
                               for m in range(n_cat_mlps)]
            self.variables += [Variable(f"num_mlp_{layer}_{m}_outputs", "categorical", "num_mlp",
                                        (layer, "num_mlp", m)) for m in range(n_num_mlps)]
        # Read-out: one weight per (categorical variable, value, class) and per (numerical variable, class).
        C = self.num_classes
        self.readout_cat = nn.Parameter(torch.randn(C, self.n_cat_vars, k) / math.sqrt(C))
        self.readout_num = nn.Parameter(torch.randn(C, self.n_num_vars) / math.sqrt(C))
        self.register_buffer("position_bias", closest_match_bias(self.n_ctx), persistent=False)
        causal_mask = torch.ones(self.n_ctx, self.n_ctx).tril().bool()
        self.register_buffer("causal_mask", causal_mask, persistent=False)

    # ---- the variables ------------------------------------------------------------------------------
    @property
    def cat_variables(self) -> list[Variable]:
        return [v for v in self.variables if v.kind == "categorical"]

    @property
    def num_variables(self) -> list[Variable]:
        return [v for v in self.variables if v.kind == "numerical"]

    @property
    def n_cat_vars(self) -> int:
        return len(self.cat_variables)

    @property
    def n_num_vars(self) -> int:
        return len(self.num_variables)

    def unit_names(self) -> list[str]:
        return [v.name for v in self.cat_variables] + [v.name for v in self.num_variables]

    # ---- the program --------------------------------------------------------------------------------
    def trace(self, x: torch.Tensor, tau: float | torch.Tensor | None = None,
              noise: dict[str, Any] | None = None) -> Trace:
        """Run the program on token ids (B, T); ``tau`` None is the discrete program. ``noise``: the Gumbel
        noise of every relaxed choice (``draw_noise``), drawn here from the global generator if not given.

        The residual stream is held variable-major: ``cat`` (V_cat, B, T, k) and ``num`` (V_num, B, T), so
        that every read of a layer is one matrix product and each layer appends its outputs as one block."""
        B, T = x.shape
        if tau is not None and noise is None:
            noise = self.draw_noise(B, T, x.device)
        k = self.d_var
        valid = self.valid_positions(x)  # (B, T)
        allowed = valid.unsqueeze(1).expand(B, T, T)  # allowed[b, i, j]: query i may look at key j
        if self.causal:
            allowed = allowed & self.causal_mask[:T, :T]
        blocked = ~allowed
        dtype = torch.float64 if tau is None else torch.float32
        bias = self.position_bias[:T, :T].to(dtype)
        if self.embedding is not None:
            table = one_hot_choice(self.embedding, tau, None if tau is None else noise["embedding"])  # (V, n, k)
            tokens = table[x].to(dtype).permute(2, 0, 1, 3)
        else:  # one-hot, written as a comparison so that torch.func.vmap can batch it (ProgramGrid)
            tokens = (x.unsqueeze(-1) == torch.arange(k, device=x.device)).to(dtype).unsqueeze(0)
        positions = F.one_hot(torch.arange(T, device=x.device), k).to(dtype).expand(1, B, T, k)
        cat = torch.cat([tokens, positions])
        num = torch.ones(1, B, T, dtype=dtype, device=x.device)
        patterns: dict[str, torch.Tensor] = {}
        layers_noise = noise["layers"] if tau is not None else None
        for layer in range(len(self.cat_attn)):
            noise = layers_noise[layer] if tau is not None else {}
            attn, counting = self.cat_attn[layer], self.num_attn[layer]
            n_cat, n_num = len(attn.predicate), len(counting.predicate)
            # Every head reads the categorical stream at once: the queries and the keys of all heads, then the
            # values of the categorical heads.
            gates = torch.cat([attn.query(tau, noise.get("attn.query")), counting.query(tau, noise.get("num.query")),
                               attn.key(tau, noise.get("attn.key")), counting.key(tau, noise.get("num.key")),
                               attn.value(tau, noise.get("attn.value"))])
            queries, keys, values = read(cat, gates).split([n_cat + n_num, n_cat + n_num, n_cat])
            predicates = torch.cat([one_hot_choice(attn.predicate, tau, noise.get("attn.predicate")),
                                    one_hot_choice(counting.predicate, tau, noise.get("num.predicate"))])
            matched = matches(queries, keys, predicates).masked_fill(blocked, 0.0)  # (H, B, T, T)
            pattern_noise = noise.get("attn.pattern")
            pattern = attn.select(matched[:n_cat], blocked, bias, tau,
                                  None if pattern_noise is None else pattern_noise.transpose(0, 1))
            counted = matched[n_cat:]  # a numerical head sums its value over every matching key
            copied = torch.bmm(pattern.flatten(0, 1), values.flatten(0, 1)).view(n_cat, B, T, k)
            summed = (counted @ read(num, counting.value(tau, noise.get("num.value"))).unsqueeze(-1)).squeeze(-1)
            patterns.update({f"attn_{layer}_{h}": p for h, p in enumerate(pattern)})
            patterns.update({f"num_attn_{layer}_{h}": p for h, p in enumerate(counted)})
            cat, num = torch.cat([cat, copied.to(dtype)]), torch.cat([num, summed.to(dtype)])
            outputs = [*self.mlp_outputs(self.cat_mlps[layer], "cat_mlp", cat, tau, noise),
                       *self.mlp_outputs(self.num_mlps[layer], "num_mlp", num, tau, noise)]
            if outputs:
                cat = torch.cat([cat, torch.stack(outputs).to(dtype)])
        x_cat, x_num = cat.permute(1, 2, 0, 3), num.permute(1, 2, 0)  # (B, T, V_cat, k), (B, T, V_num)
        features_cat, features_num = x_cat, x_num
        if self.pooled:  # mean over the non-pad positions (sequence classification)
            weights = valid.to(dtype) / valid.sum(1, keepdim=True).clamp_min(1).to(dtype)
            features_cat = torch.einsum("btvk,bt->bvk", x_cat, weights)
            features_num = torch.einsum("btv,bt->bv", x_num, weights)
        logits = self.read_out(features_cat, features_num).masked_fill(self.class_mask, MASKED_LOGIT)
        return Trace(logits, x_cat, x_num, patterns, valid)

    def read_out(self, features_cat: torch.Tensor, features_num: torch.Tensor) -> torch.Tensor:
        """Logits (..., C): every categorical variable's one-hot value (..., V_cat, k) and every number
        (..., V_num) times its read-out weights, summed."""
        dtype = features_cat.dtype
        weights_cat = self.readout_cat.to(dtype).flatten(1)  # (C, V_cat * k)
        return (features_cat.flatten(-2) @ weights_cat.T) + features_num @ self.readout_num.to(dtype).T

    @staticmethod
    def mlp_outputs(mlps: nn.ModuleList, name: str, stream: torch.Tensor, tau: float | None,
                    noise: dict[str, torch.Tensor]) -> list[torch.Tensor]:
        """Each MLP's output (B, T, k); all of them read the stream in one product."""
        if not len(mlps):
            return []
        gates = [mlp.read(tau, noise.get(f"{name}{i}.read")) for i, mlp in enumerate(mlps)]
        reads = read(stream, torch.cat(gates)).split([len(g) for g in gates])
        return [mlp(inputs, tau, noise.get(f"{name}{i}.out")) for i, (mlp, inputs) in enumerate(zip(mlps, reads))]

    def draw_noise(self, B: int, T: int, device: torch.device,
                   generator: torch.Generator | None = None) -> dict[str, Any]:
        """The Gumbel noise of one training step on a (B, T) batch: ``embedding`` (learned embeddings only) and
        ``layers``, one dict per layer (``layer_noise``), drawn in the order the forward pass once drew them."""
        noise: dict[str, Any] = {}
        if self.embedding is not None:
            noise["embedding"] = gumbel(self.embedding.shape, device, generator)
        noise["layers"] = [self.layer_noise(layer, self.cat_attn[layer].query.logits.shape[-1],
                                            self.num_attn[layer].value.logits.shape[-1], B, T, device, generator)
                           for layer in range(len(self.cat_attn))]
        return noise

    def layer_noise(self, layer: int, n_cat: int, n_num: int, B: int, T: int, device: torch.device,
                    generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """The Gumbel noise of every relaxed choice of one layer, drawn in a fixed order: module by module, as
        each module drew its own before the layer's reads were fused, so a seed draws the same numbers."""
        k = self.d_var
        n_heads, n_counting = len(self.cat_attn[layer].predicate), len(self.num_attn[layer].predicate)
        shapes = {"attn.query": (n_heads, n_cat), "attn.key": (n_heads, n_cat), "attn.predicate": (n_heads, k, k),
                  "attn.pattern": (B, n_heads, T, T), "attn.value": (n_heads, n_cat),
                  "num.query": (n_counting, n_cat), "num.key": (n_counting, n_cat),
                  "num.predicate": (n_counting, k, k), "num.value": (n_counting, n_num)}
        for name, mlps, n_vars in (("cat_mlp", self.cat_mlps[layer], n_cat + n_heads),
                                   ("num_mlp", self.num_mlps[layer], n_num + n_counting)):
            for i, mlp in enumerate(mlps):
                shapes[f"{name}{i}.read"] = (len(mlp.read.logits), n_vars)
                shapes[f"{name}{i}.out"] = (B, T, k)
        return {name: gumbel(shape, device, generator) for name, shape in shapes.items()}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Token ids (B, T) -> logits (B, T, C) (token tasks) or (B, C) (pooled classification)."""
        x = self.check_input(x)
        return self.trace(x, self.temperature if self.training else None).logits

    # ---- training -----------------------------------------------------------------------------------
    def relaxed_logits(self, x: torch.Tensor, tau: float | torch.Tensor, noise: dict[str, Any]) -> torch.Tensor:
        """The relaxed program's logits at temperature ``tau`` with the Gumbel ``noise``: what training
        differentiates."""
        return self.trace(x, tau, noise).logits

    def training_logits(self, x: torch.Tensor) -> torch.Tensor:
        self.log("train/tau", self.temperature)
        if not self.compile_step:
            return self.trace(x, self.temperature).logits
        if self._compiled_logits is None:
            self._compiled_logits = compile_training(self.relaxed_logits)
        # The noise is drawn outside the compiled graph (the same numbers as without it), and the temperature is a
        # tensor, so that one graph serves the whole schedule.
        tau = torch.tensor(self.temperature, dtype=torch.float32, device=x.device)
        return self._compiled_logits(x, tau, self.draw_noise(*x.shape, x.device))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr, foreach=True)  # = the loop, faster

    def configure_callbacks(self):
        return [TemperatureAnnealing(self.hparams.tau_start, self.hparams.tau_end), FlushSubnormals()]

    supports_grid = True

    @classmethod
    def grid(cls, make_member, seeds: list[int], member_args: list[dict[str, Any]]):
        """Members ``member_args x seeds`` trained as one batched model (``models.programs.grid``;
        ``python train.py experiment=tp_sort grid.seeds=4``)."""
        from .grid import build_grid

        return build_grid(make_member, seeds, member_args)

    # ---- explanations -------------------------------------------------------------------------------
    def decompose(self, x: torch.Tensor) -> Decomposition:
        """The discrete program's logits (B, T, C) (pooled: (B, C)) as a sum over the variables of the residual
        stream: a unit's contribution is the read-out weight of the value it holds (times the value for a
        numerical variable). Bias 0; a masked class's logit is the constant MASKED_LOGIT, all bias."""
        trace = self.trace(x, None)
        n_cat = self.n_cat_vars
        cat_values = trace.x_cat.argmax(-1)  # (B, T, V_cat)
        contrib_cat = self.readout_cat.double().permute(1, 2, 0)[torch.arange(n_cat), cat_values]  # (B,T,V,C)
        contrib_num = trace.x_num.unsqueeze(-1) * self.readout_num.double().T  # (B, T, V_num, C)
        contributions = torch.cat([contrib_cat, contrib_num], 2).transpose(2, 3)  # (B, T, C, U)
        contributions = contributions.masked_fill(self.class_mask.unsqueeze(-1), 0.0)
        bias = torch.zeros(self.num_classes, dtype=torch.float64, device=x.device)
        bias = bias.masked_fill(self.class_mask, MASKED_LOGIT)
        if self.pooled:
            weights = trace.valid.double() / trace.valid.sum(1, keepdim=True).double().clamp_min(1)
            contributions = torch.einsum("btcu,bt->bcu", contributions, weights)
        return Decomposition(outputs=trace.logits.double(), contributions=contributions, bias=bias,
                             extras={"trace": trace, "cat_values": cat_values, "tokens": x})

    def unit_details(self, decomposition: Decomposition, row: int, units: list[int]) -> list[dict[str, Any]]:
        """The value each unit (variable) holds at the row's position."""
        if decomposition.position is None:
            return [{} for _ in units]
        variables = self._position_variables(decomposition, row)
        names = self.unit_names()
        return [{"value": variables[names[u]]} for u in units]

    def explanation_sections(self, decomposition: Decomposition, batch, classes) -> list[dict[str, Any]]:
        """Beside the tokens: every variable's value and each head's selected key position (categorical) or
        matched positions (numerical) at the row's position, as ``extras``."""
        sections = super().explanation_sections(decomposition, batch, classes)
        if decomposition.position is None:
            return sections
        trace = decomposition.extras["trace"]
        tracer = tracer_for(self)
        lengths = trace.valid.sum(1).tolist()
        grids: dict[int, dict[str, list[Any]]] = {}
        for n, section in enumerate(sections):
            b, t = int(decomposition.sequence[n]), int(decomposition.position[n])
            attention = {}
            for head, pattern in trace.patterns.items():
                selected = pattern[b, t].nonzero().flatten().tolist()  # one key (categorical), every match
                attention[head] = selected[0] if head.startswith("attn") else selected
            section["extras"] = {"variables": self._position_variables(decomposition, n), "attention": attention}
            if b not in grids:
                grids[b] = sequence_values(self, decomposition.extras["cat_values"], trace.x_num, b, int(lengths[b]))
            heads, lines = program_trace(self, grids[b], attention, t, tracer)
            section["program"] = ProgramSection(values=grids[b], heads=heads, lines=lines)
        return sections

    def _position_variables(self, decomposition: Decomposition, row: int) -> dict[str, Any]:
        trace, cat_values = decomposition.extras["trace"], decomposition.extras["cat_values"]
        b, t = int(decomposition.sequence[row]), int(decomposition.position[row])
        types = variable_types(self)
        variables: dict[str, Any] = {}
        for i, v in enumerate(self.cat_variables):
            value = int(cat_values[b, t, i])
            variables[v.name] = self.vocab[value] if types[v.name] == "tokens" else value
        variables.update({v.name: float(trace.x_num[b, t, i]) for i, v in enumerate(self.num_variables)})
        return variables

    def global_explanation(self) -> GlobalExplanation:
        """The decompiled program, and every variable with what the module that writes it reads (a head: its
        query, key and value variables; an MLP: its inputs)."""
        source = decompile(self, self.spec.name)
        units = [GlobalUnit(index=i, name=name, role="variable", details={
                     "kind": v.kind, "source": v.source, **({"reads": _reads(self, v)} if v.module else {})})
                 for i, (name, v) in enumerate(zip(self.unit_names(), self.cat_variables + self.num_variables))]
        return GlobalExplanation(
            kind=self.kind, model=self.variant, class_names=list(self.spec.class_names), units=units,
            matrices={"readout_categorical": self.readout_cat.detach().cpu().numpy(),
                      "readout_numerical": self.readout_num.detach().cpu().numpy()},
            details={"program": source, "program_lines": len(source.splitlines())})

    def release_files(self, directory) -> dict[str, Any]:
        """A release carries the decompiled program: ``<task>.py`` + ``<task>_weights.csv``."""
        path = save_program(self, directory, self.spec.name)
        return {"program": {"program": path.name, "program_lines": len(path.read_text().splitlines())}}

    def release_checks(self, directory, datamodule) -> dict[str, Any]:
        """The released program against this model on the whole test split: must be 1.0 (100%)."""
        datamodule.setup("test")
        program = Path(directory) / save_program_name(self.spec.name)
        return {"program_agreement_test": program_agreement(self, program, datamodule.eval_dataloader("test"))}


def compile_training(fn):
    """``fn`` (a relaxed forward pass) compiled by ``torch.compile`` (inductor: C++ on the CPU, Triton on a GPU),
    which fuses the elementwise Gumbel-softmax, log-score and residual-stream work of a step and its backward
    (``model.args.compile=true``; bench/tp_speed.py). One graph per batch shape (the epoch's last batch is a
    second one). Only the function is compiled, never the module, so the state dict and checkpoints are those of
    an uncompiled run. A compiler that cannot build it is an error that says how to train without it."""
    compiled = torch.compile(fn, dynamic=False, fullgraph=True)

    def run(*args):
        try:
            return compiled(*args)
        except torch._dynamo.exc.TorchDynamoException as err:
            reason = str(err).strip().splitlines()[:1]
            raise RuntimeError(f"model.args.compile=true: torch.compile could not build the training step "
                               f"({type(err).__name__}: {''.join(reason)}); train without it: "
                               f"model.args.compile=false") from err

    return run


class TemperatureAnnealing(L.Callback):
    """Gumbel temperature geometric from ``tau_start`` to ``tau_end`` over the epochs (``np.geomspace``), and
    geometric within each epoch towards the next epoch's value (the paper's ``smooth_temps``)."""

    def __init__(self, tau_start: float = 3.0, tau_end: float = 0.01):
        self.tau_start, self.tau_end = tau_start, tau_end

    def temperature(self, epoch: int, step: int, steps_per_epoch: int, n_epochs: int) -> float:
        if n_epochs <= 1:
            return self.tau_start
        ratio = (self.tau_end / self.tau_start) ** (1.0 / (n_epochs - 1))
        start = self.tau_start * ratio ** min(epoch, n_epochs - 1)
        if epoch >= n_epochs - 1:
            return start
        return start * ratio ** (step / max(steps_per_epoch, 1))

    @staticmethod
    def position(trainer, batch_idx: int) -> tuple[int, int, int, int]:
        """(epoch, step, steps per epoch, epochs): where the schedule stands at this batch."""
        n_epochs = trainer.max_epochs if trainer.max_epochs and trainer.max_epochs > 0 else 1
        steps = trainer.num_training_batches
        steps = steps if isinstance(steps, int) or (isinstance(steps, float) and math.isfinite(steps)) else 1
        return trainer.current_epoch, batch_idx, int(steps), n_epochs

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        pl_module.temperature = self.temperature(*self.position(trainer, batch_idx))


class FlushSubnormals(L.Callback):
    """Subnormal floats (below 1.2e-38) flushed to zero on the CPU while fitting (``torch.set_flush_denormal``).
    Late in the annealing a few percent of the relaxed attention weights are that small, and CPU arithmetic on them
    is many times slower: training slowed 3-4x around temperature 0.05 without this (bench/tp_speed.py). Zero
    instead of a number below 1.2e-38 moves no sum that has a normal-sized term."""

    def on_fit_start(self, trainer, pl_module):
        torch.set_flush_denormal(True)

    def on_fit_end(self, trainer, pl_module):
        torch.set_flush_denormal(False)


# ---- named variants (Table 1 of the paper: categorical + numerical heads and MLPs) ---------------------
_PAPER = "Friedman, Wettig & Chen, Learning Transformer Programs, NeurIPS 2023"


def _variant(n_layers: int, n_heads: int, n_mlps: int) -> dict[str, Any]:
    """The paper's H heads and M MLPs split evenly between categorical and numerical."""
    return dict(n_layers=n_layers, n_cat_heads=n_heads // 2, n_num_heads=n_heads // 2,
                n_cat_mlps=n_mlps // 2, n_num_mlps=n_mlps // 2)


@register_model(TransformerProgram, default_data="sort", paper=_PAPER)
def tp_sort():
    return _variant(3, 8, 4)


@register_model(TransformerProgram, default_data="reverse", paper=_PAPER)
def tp_reverse():
    return _variant(3, 8, 2)


@register_model(TransformerProgram, default_data="hist", paper=_PAPER)
def tp_hist():
    return _variant(1, 4, 2)


@register_model(TransformerProgram, default_data="double_hist", paper=_PAPER)
def tp_double_hist():
    return _variant(3, 4, 2)


@register_model(TransformerProgram, default_data="most_freq", paper=_PAPER)
def tp_most_freq():
    return _variant(3, 8, 4)


@register_model(TransformerProgram, default_data="dyck1", paper=_PAPER)
def tp_dyck1():
    return _variant(3, 8, 2)


@register_model(TransformerProgram, default_data="dyck2", paper=_PAPER)
def tp_dyck2():
    return _variant(3, 4, 4)


@register_model(TransformerProgram, default_data="induction", paper=_PAPER)
def tp_induction():
    """§4.1: two layers of categorical heads, nothing else. The paper uses one head per layer, but with one head
    the search never leaves the majority-label program (64-66%): not in 21 seeds here, nor with the reference
    code's own script (seed 6, 500 epochs: 64.5% test). With four heads per layer it found the induction head
    in 5 of 5 seeds (bench/tp_results.md); ``n_cat_heads=1`` gives the paper's configuration."""
    return dict(n_layers=2, n_cat_heads=4, n_num_heads=0, n_cat_mlps=0, n_num_mlps=0)


@register_model(TransformerProgram, default_data="text", paper=_PAPER)
def tp_text():
    """Word-level classification (App. B.3): learned categorical embeddings, pooled read-out."""
    return dict(n_layers=2, n_cat_heads=4, n_num_heads=4, n_cat_mlps=1, n_num_mlps=1,
                token_embedding="learned", n_embed_vars=4)
