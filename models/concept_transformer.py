"""Concept Transformer (CT; Rigotti, Miksovic, Giurgiu, Gschwind and Scotton, "Attention-based Interpretability
with Concept Transformers", ICLR 2022) and Concept-Centric Transformer (CCT; Hong, Park and Pavlic,
"Concept-Centric Transformers: Enhancing Model Interpretability through Object-Centric Concept Learning within a
Shared Global Workspace", WACV 2024).

    image ─token backbone─▶ a global token x_cls (B, 1, D) and patch tokens x (B, N, D) on an h x w grid
      global stream:  CrossAttention(query x_cls, keys/values = global concepts)       -> logits, alpha (B, n_g)
      spatial stream: CrossAttention(query each patch token, spatial concepts), mean over tokens
                                                                                     -> logits, alpha (B, N, n_s)
      (+ an unsupervised stream like the global one)        logits = the streams' logits summed

CrossAttention (``ctc/ctc.py``): q = W_q token, k / v = W_k / W_v concept (no biases), per head softmax over the
concepts, output proj(alpha v) with proj: Linear(D, classes). So the logits are linear in the attention:

    logit_c = sum_streams mean_q sum_h sum_j alpha[h, q, j] (P_h W_v^h concept_j)_c + bias_c

and each concept's contribution (its summed term) adds up to the logit exactly (complete). In CT the concepts
are learned parameters (trunc-normal, std 1/sqrt(D)): the value P_h W_v^h concept_j of a concept for a class is a
fixed number, the global explanation. In CCT the global concepts come from a concept memory built per input by
slot attention over the backbone's tokens, so the same sum holds for every input but a concept's value vector
depends on the input (the records say so).

Loss (``ctc/ctc_model.py``): CE + expl_lambda [n_g MSE(alpha_g, t_g / sum t_g) + n_s MSE(alpha_s, t_s / sum t_s)]
+ attention_sparsity H(alpha), with t the concept annotations (``Batch.concepts`` for the global stream,
``Batch.spatial_concepts`` on the patch grid for the spatial one) and H the mean attention entropy. Rows with an
unknown (NaN) target are skipped as in the reference; rows whose target has no concept at all (a sum of 0,
which makes the reference's target NaN) are skipped too. AdamW with a linear warm-up then cosine schedule per
epoch (pl_bolts' LinearWarmupCosineAnnealingLR, which starts from lr 0).
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torchmetrics import Metric, MetricCollection

from configs.validation import Count, Depth, Epochs, NonNegative, NonNegativeCount, Positive, Probability

from .backbones import create_token_backbone
from .base import Decomposition, InputError, InterpretableModel
from .explanation import ConceptSection, GlobalExplanation, GlobalUnit, UnitScore
from .registry import register_model


def softmax_over_concepts(scores: torch.Tensor) -> torch.Tensor:
    """softmax(scores, -1), contiguous. On the CPU with fewer than 16 concepts it is computed over the transposed
    layout: torch's kernel over a last dimension that short is 2-7x slower than over an inner one (measured with
    AVX-512, 2,048 rows; from 16 on the plain kernel is faster). The same numbers up to float rounding."""
    if scores.device.type != "cpu" or scores.shape[-1] >= 16:
        return scores.softmax(-1)
    return scores.transpose(-1, -2).contiguous().softmax(-2).transpose(-1, -2).contiguous()


class CrossAttention(nn.Module):
    """Tokens (B, Nq, D) attend to concepts (B or 1, n, D): per-head softmax over the concepts, then Linear(D, C).
    Returns the per-head attention (B, H, Nq, n) and the per-head value of every concept for every class
    (B or 1, H, n, C), from which the logits are ``einsum(attention, values)`` + ``proj.bias``."""

    def __init__(self, dim: int, num_classes: int, num_heads: int, attention_dropout: float, projection_dropout: float):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f"the token dimension {dim} is not a multiple of num_heads={num_heads}")
        self.num_heads, self.head_dim = num_heads, dim // num_heads
        self.scale = self.head_dim ** -0.5
        self.q = nn.Linear(dim, dim, bias=False)
        self.kv = nn.Linear(dim, 2 * dim, bias=False)
        self.attn_drop = nn.Dropout(attention_dropout)
        self.proj = nn.Linear(dim, num_classes)
        self.proj_drop = nn.Dropout(projection_dropout)

    def forward(self, tokens: torch.Tensor, concepts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(logits (B, C) averaged over the query tokens, attention (B, H, Nq, n), values (b, H, n, C))."""
        b, nq, d = tokens.shape
        h, dh = self.num_heads, self.head_dim
        k, v = self.kv(concepts).view(len(concepts), -1, 2, h, dh).permute(2, 0, 3, 1, 4)  # (b, H, n, dh) each
        n = k.shape[2]
        # P_h v_hj: each head's slice of the projection applied to each concept's value, (b, H, n, C)
        values = torch.einsum("bhnd,chd->bhnc", v, self.proj.weight.view(-1, h, dh))
        shared = len(concepts) == 1  # the concepts are parameters, the same for every input (CT, CCT-SA spatial)
        if shared and n * (h - 1) < d:
            # q_h . k_hj = token . (W_q^h)^T k_hj: W_q folded into the n keys, one (B Nq, D) x (D, H n) product
            # instead of projecting every token, fewer products when H n < D + n (the same scores up to rounding)
            keys = torch.einsum("hed,hne->dhn", self.q.weight.view(h, dh, d), k[0] * self.scale)
            scores = (tokens.reshape(b * nq, d) @ keys.reshape(d, h * n)).view(b, nq, h, n).transpose(1, 2)
        else:
            q = self.q(tokens).view(b, nq, h, dh).transpose(1, 2)  # (B, H, Nq, dh)
            scores = q @ k.transpose(-2, -1) * self.scale
        attention = softmax_over_concepts(scores)  # (B, H, Nq, n)
        used = self.attn_drop(attention)
        if shared:  # sum the attention over the queries first: one (B, H n) x (H n, C) product
            logits = used.sum(2).reshape(b, h * n) @ values[0].reshape(h * n, -1) / nq + self.proj.bias
        else:
            logits = torch.einsum("bhqn,bhnc->bc", used, values) / nq + self.proj.bias
        return self.proj_drop(logits), attention, values


def entropy(attention: torch.Tensor) -> torch.Tensor:
    """CT's sparsity cost: the mean of -p log p over every attention entry."""
    return (-attention * torch.log(attention + 1e-8)).mean()


def explanation_cost(attention: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """n * MSE(attention, targets / sum targets) over the rows (last dim: concepts) whose target is known and
    names at least one concept (CT's ``concepts_cost`` / ``spatial_concepts_cost``)."""
    norm = targets.sum(-1, keepdim=True)
    rows = norm > 0  # False for an unknown (NaN) or empty target
    normalised = torch.where(rows, targets / norm, 0.0).to(attention.dtype)
    # n * the mean over the kept rows' entries = the kept rows' squared error / their number (masked, no gather)
    return torch.where(rows, attention - normalised, 0.0).square().sum() / rows.sum().clamp_min(1)


class AttentionConceptAccuracy(Metric):
    """How well a CT / CCT attends to the annotated concepts: for every query whose target names n > 0 concepts
    (the global query; each patch that holds a located concept), the share of the n most attended concepts
    (attention averaged over heads) that are among those n, pooled over the queries. With one true concept per
    query (the global count) it is the argmax accuracy. It is not the CBM's binary concept accuracy: a CT has no
    per-concept probabilities, only a distribution over the concepts."""

    full_state_update = False

    def __init__(self):
        super().__init__()
        self.add_state("correct", torch.tensor(0.0), dist_reduce_fx="sum")
        self.add_state("total", torch.tensor(0.0), dist_reduce_fx="sum")

    def update(self, attention: torch.Tensor, targets: torch.Tensor) -> None:
        """attention and targets (R, n): rows are queries; rows with an unknown (NaN) or empty target skipped."""
        attention, targets = attention.reshape(-1, attention.shape[-1]), targets.reshape(-1, targets.shape[-1])
        true = targets.nan_to_num(0.0) > 0.5
        count = true.sum(-1)
        rows = ~targets.isnan().any(-1) & (count > 0)
        rank = attention[rows].argsort(-1, descending=True).argsort(-1)  # 0 = the most attended concept
        chosen = rank < count[rows].unsqueeze(-1)
        self.correct += (chosen & true[rows]).sum()
        self.total += count[rows].sum()

    def compute(self) -> torch.Tensor:
        return self.correct / self.total.clamp_min(1)


MAX_PATCH_MAPS = 12  # spatial concepts whose per-patch parts a record keeps (those that move the margin most)


class ConceptTransformer(InterpretableModel):
    kind = "concept"
    memories = ("parameters",)  # where the concepts come from: CT learns them as parameters
    unit_score = UnitScore(name="attention", about="The score is the concept's attention (mean over heads; for a "
                           "spatial concept, mean over the patch tokens): how much the query reads it. It is not "
                           "the concept's part: that is attention x the concept's value for the class, and only "
                           "its part in the margin over the runner-up decides the prediction.")

    def __init__(
        self,
        spec: dict[str, Any],
        backbone: str = "small_vit",
        backbone_pretrained: bool = False,
        backbone_weights: str | None = None,
        patch_size: Count = 12,
        embed_dim: Count = 64,
        depth: Depth = 2,
        backbone_heads: Depth = 2,
        mlp_ratio: Positive = 2.0,
        num_heads: Depth = 2,
        global_concepts: list[NonNegativeCount] | None = None,
        spatial_concepts: list[NonNegativeCount] | None = None,
        unsupervised_concepts: NonNegativeCount = 0,
        memory: str = "parameters",
        slot_iterations: Depth | None = None,
        attention_dropout: Probability = 0.1,
        projection_dropout: Probability = 0.1,
        expl_lambda: NonNegative = 1.0,
        attention_sparsity: NonNegative = 0.0,
        lr: NonNegative = 4e-4,
        weight_decay: NonNegative = 1e-3,
        epochs: Epochs = 50,
        warmup_epochs: Epochs = 5,
    ):
        super().__init__(spec)
        self.save_hyperparameters()
        if memory not in self.memories:
            raise ValueError(f"{type(self).__name__} takes memory in {self.memories}, got {memory!r}")
        if not self.spec.is_image:
            raise ValueError(f"a concept transformer reads image tokens; the {self.spec.name!r} data is "
                             f"{self.spec.task}")
        self.global_index, self.spatial_index = self.concept_streams(global_concepts, spatial_concepts)
        self.backbone = create_token_backbone(backbone, self.spec.input_shape[0], tuple(self.spec.input_shape[1:]),
                                              backbone_pretrained, backbone_weights,
                                              **(dict(patch_size=patch_size, dim=embed_dim, depth=depth,
                                                      heads=backbone_heads, mlp_ratio=mlp_ratio)
                                                 if backbone == "small_vit" else {}))
        if self.spatial_index and tuple(self.spec.concept_grid) != tuple(self.backbone.grid):
            raise ValueError(f"the {self.spec.name!r} data locates concepts on a {self.spec.concept_grid} grid but "
                             f"the {backbone} tokens form a {self.backbone.grid} grid: choose a patch size / image "
                             f"size whose token grid is the concept grid")
        dim = self.backbone.dim
        streams = {"unsupervised": unsupervised_concepts, "global": len(self.global_index),
                   "spatial": len(self.spatial_index)}
        self.streams = [name for name, n in streams.items() if n > 0]
        if not self.streams:
            raise ValueError("a concept transformer needs at least one concept (global, spatial or unsupervised)")
        self.attention = nn.ModuleDict({name: CrossAttention(dim, self.num_classes, num_heads, attention_dropout,
                                                             projection_dropout) for name in self.streams})
        self.build_concepts(streams, dim)
        # CT's sequence pooling: the global query of a backbone without a class token (Swin, ConvNeXt)
        self.token_attention_pool = None if self.backbone.has_class_token else nn.Linear(dim, 1)

    # ---- which concept goes where -----------------------------------------------------------------------------
    def concept_streams(self, global_concepts, spatial_concepts) -> tuple[list[int], list[int]]:
        k = self.spec.num_concepts
        if spatial_concepts is None:
            located = (self.spec.preprocessing or {}).get("spatial_concepts")
            spatial_concepts = list(located) if (located is not None and self.spec.concept_grid) else []
        if global_concepts is None:
            global_concepts = [j for j in range(k) if j not in set(spatial_concepts)]
        spatial, overall = [int(j) for j in spatial_concepts], [int(j) for j in global_concepts]
        if any(not 0 <= j < k for j in spatial + overall) or set(spatial) & set(overall):
            raise ValueError(f"global_concepts and spatial_concepts are disjoint lists of concept indices in "
                             f"0..{k - 1}; got {overall} and {spatial}")
        if spatial and self.spec.concept_grid is None:
            raise ValueError(f"spatial concepts are targets on a patch grid, and the {self.spec.name!r} data has no "
                             f"concept grid (spec.concept_grid): pass spatial_concepts=[] or use located data")
        return overall, spatial

    def build_concepts(self, streams: dict[str, int], dim: int) -> None:
        """CT: the concepts are learned parameters, trunc-normal with std 1/sqrt(D)."""
        self.concepts = nn.ParameterDict()
        for name, n in streams.items():
            if n:
                self.concepts[name] = nn.Parameter(nn.init.trunc_normal_(torch.zeros(1, n, dim),
                                                                         std=1 / math.sqrt(dim)))

    def concept_vectors(self, query: torch.Tensor, tokens: torch.Tensor) -> dict[str, torch.Tensor]:
        """The concepts each stream attends to: (1, n, D) parameters in CT."""
        return {name: self.concepts[name] for name in self.streams}

    # ---- forward ----------------------------------------------------------------------------------------------
    def global_query(self, cls_token: torch.Tensor | None, tokens: torch.Tensor) -> torch.Tensor:
        if cls_token is not None:
            return cls_token
        weights = self.token_attention_pool(tokens).softmax(1).transpose(1, 2)  # (B, 1, N)
        return weights @ tokens

    def streams_forward(self, x: torch.Tensor) -> dict[str, Any]:
        cls_token, tokens = self.backbone(self.normalize(x))
        query = self.global_query(cls_token, tokens)
        concepts = self.concept_vectors(query, tokens)
        out: dict[str, Any] = {"logits": 0.0, "attention": {}, "values": {}}
        for name in self.streams:
            queries = tokens if name == "spatial" else query
            logits, attention, values = self.attention[name](queries, concepts[name])
            out["logits"] = out["logits"] + logits
            out["attention"][name], out["values"][name] = attention, values
        return out

    def unit_streams(self) -> list[tuple[str, list[int]]]:
        """(stream, the unit index of each of its concepts): units are the spec's concepts, then the unsupervised."""
        k = self.spec.num_concepts
        units = {"global": self.global_index, "spatial": self.spatial_index,
                 "unsupervised": list(range(k, k + self.hparams.unsupervised_concepts))}
        return [(name, units[name]) for name in self.streams]

    def decompose(self, x: torch.Tensor) -> Decomposition:
        """logits = sum over streams, heads, queries and concepts of attention x concept value + bias: the
        contribution of each concept is its summed term (exact)."""
        out = self.streams_forward(x)
        if self.training:  # dropout: the decomposition does not hold, the outputs are what is trained on
            return Decomposition(out["logits"], extras=out)
        b = len(x)
        num_units = self.spec.num_concepts + self.hparams.unsupervised_concepts
        contributions = x.new_zeros(b, self.num_classes, num_units)
        bias = sum(self.attention[name].proj.bias for name in self.streams)
        for name, units in self.unit_streams():
            attention, values = out["attention"][name], out["values"][name]
            part = torch.einsum("bhqn,bhnc->bcn", attention, values.expand(b, -1, -1, -1)) / attention.shape[2]
            contributions[:, :, units] = part
        return Decomposition(out["logits"], scores=self.unit_attention(out["attention"], num_units),
                             contributions=contributions, bias=bias, extras=out)

    # ---- losses (ctc/ctc_model.py) ----------------------------------------------------------------------------
    def check_training_batch(self, batch) -> None:
        super().check_training_batch(batch)
        if self.spatial_index:
            if batch.spatial_concepts is None:
                raise InputError(f"the spatial concepts of {type(self).__name__} are trained on Batch.spatial_concepts "
                                 f"(B, K, h, w); the {self.spec.name!r} batches carry {', '.join(batch.present())}")
            grid = tuple(batch.spatial_concepts.shape[-2:])
            if grid != tuple(self.backbone.grid):
                raise InputError(f"spatial concept targets on a {grid} grid for a model whose tokens form a "
                                 f"{self.backbone.grid} grid")
        if self.global_index and batch.concepts is None and self.hparams.expl_lambda > 0:
            raise InputError(f"the global concepts of {type(self).__name__} are trained on Batch.concepts; the "
                             f"{self.spec.name!r} batches carry {', '.join(batch.present())}")

    def training_forward(self, batch) -> Decomposition:
        return self.decompose(batch.inputs)

    def loss_terms(self, batch, output: Decomposition) -> dict[str, torch.Tensor]:
        out = output.extras
        terms = {"cross_entropy": F.cross_entropy(output.outputs, batch.targets)}
        explanation, sparsity = 0.0, 0.0
        if "global" in out["attention"] and batch.concepts is not None:
            attention = out["attention"]["global"].mean(1)[:, 0]  # mean over heads, the one query: (B, n_g)
            explanation = explanation + explanation_cost(attention, batch.concepts[:, self.global_index].float())
            sparsity = sparsity + entropy(attention)
        if "spatial" in out["attention"]:
            attention = out["attention"]["spatial"].mean(1)  # (B, N, n_s)
            if batch.spatial_concepts is not None:
                targets = batch.spatial_concepts[:, self.spatial_index].flatten(2).transpose(1, 2).float()
                explanation = explanation + explanation_cost(attention, targets)
            sparsity = sparsity + entropy(attention)
        terms["explanation"] = torch.as_tensor(explanation, device=output.outputs.device)
        terms["sparsity"] = torch.as_tensor(sparsity, device=output.outputs.device)
        return terms

    def loss_weights(self) -> dict[str, float]:
        hp = self.hparams
        return {"cross_entropy": 1.0, "explanation": hp.expl_lambda, "sparsity": hp.attention_sparsity}

    def evaluation_forward(self, batch) -> Decomposition:
        return self.decompose(self.check_input(batch.inputs))

    def metrics(self) -> MetricCollection:
        collection = super().metrics()
        collection.add_metrics({"attention_concept_acc": AttentionConceptAccuracy()})
        return collection

    def update_metrics(self, metrics: MetricCollection, output: Decomposition, batch) -> None:
        """The task accuracy, and how well the attention picks the annotated concepts (both streams, one number;
        ``AttentionConceptAccuracy``)."""
        metrics["acc"].update(*self.scored(output.outputs.detach().float(), batch.targets))
        attention, metric = output.extras["attention"], metrics["attention_concept_acc"]
        if "global" in attention and batch.concepts is not None:
            metric.update(attention["global"].detach().mean(1)[:, 0].float(),
                          batch.concepts[:, self.global_index].float())
        if "spatial" in attention and batch.spatial_concepts is not None:
            targets = batch.spatial_concepts[:, self.spatial_index].flatten(2).transpose(1, 2).float()
            metric.update(attention["spatial"].detach().mean(1).float(), targets)

    @property
    def total_epochs(self) -> int:
        return self.hparams.epochs

    def configure_optimizers(self):
        hp = self.hparams
        optimizer = torch.optim.AdamW([p for p in self.parameters() if p.requires_grad], lr=hp.lr,
                                      weight_decay=hp.weight_decay)
        warmup, total = hp.warmup_epochs, max(hp.epochs, hp.warmup_epochs + 1)

        def factor(epoch: int) -> float:  # pl_bolts LinearWarmupCosineAnnealingLR, warmup from 0, eta_min 0
            if epoch < warmup:
                return epoch / warmup
            return 0.5 * (1 + math.cos(math.pi * (epoch - warmup) / (total - warmup)))

        return [optimizer], [torch.optim.lr_scheduler.LambdaLR(optimizer, factor)]

    # ---- explanations -------------------------------------------------------------------------------------------
    def unit_names(self) -> list[str]:
        return list(self.spec.concept_names) + [f"unsupervised concept {u}"
                                                for u in range(self.hparams.unsupervised_concepts)]

    def unit_attention(self, attention: dict[str, torch.Tensor], num_units: int) -> torch.Tensor:
        """(B, U) each unit's attention: its query's (mean over heads), for a spatial concept the mean over the
        patch tokens; NaN for a concept in no stream."""
        first = next(iter(attention.values()))
        values = first.new_full((len(first), num_units), math.nan)
        for name, units in self.unit_streams():
            values[:, units] = attention[name].mean(1).mean(1)
        return values

    def concept_attention(self, decomposition: Decomposition) -> torch.Tensor:
        """(B, K) each concept's attention (``unit_attention`` of the spec's concepts)."""
        return self.unit_attention(decomposition.extras["attention"], self.spec.num_concepts +
                                   self.hparams.unsupervised_concepts)[:, : self.spec.num_concepts]

    def patch_contrast(self, decomposition: Decomposition, classes: torch.Tensor) -> list[dict[int, list]] | None:
        """Per row, {spatial concept: (h, w) each patch's part in the margin over the runner-up through that
        concept}: (1/N) sum_h alpha[h, q, j] (v_hj[class] - v_hj[runner-up]), the patch's term of the concept's
        contribution (so the cells add up to its part of the margin). Kept for the ``MAX_PATCH_MAPS`` spatial
        concepts that move the margin most. Unlike the attention alpha alone, this is what the patch adds."""
        attention = decomposition.extras["attention"].get("spatial")
        if attention is None or self.num_classes < 2:
            return None
        b, _, tokens, n = attention.shape
        rows = torch.arange(b, device=classes.device)
        others = decomposition.outputs.detach().clone()
        others[rows, classes] = -torch.inf
        runner_up = others.argmax(-1)  # as the record builder picks it
        values = decomposition.extras["values"]["spatial"].expand(b, -1, -1, -1)  # (B, H, n, C)

        def value_for(c: torch.Tensor) -> torch.Tensor:  # (B, H, n): each row's concept values for its class c
            return values.gather(-1, c.view(b, 1, 1, 1).expand(-1, values.shape[1], n, 1))[..., 0]

        parts = torch.einsum("bhqn,bhn->bqn", attention, value_for(classes) - value_for(runner_up)) / tokens
        parts = parts.detach().double().cpu()
        h, w = self.backbone.grid
        maps = []
        for row in range(b):
            strongest = parts[row].sum(0).abs().argsort(descending=True)[:MAX_PATCH_MAPS].tolist()
            maps.append({self.spatial_index[j]: parts[row, :, j].view(h, w).tolist() for j in sorted(strongest)})
        return maps

    def explanation_sections(self, decomposition: Decomposition, batch, classes: torch.Tensor) -> list[dict[str, Any]]:
        """Attention over concepts (``predicted`` and ``attention``: the model's only concept output), the true
        concepts, each concept's exact contribution. A CT has no concept intervention, so ``effects`` is None."""
        attention = self.concept_attention(decomposition).detach().double().cpu().numpy()
        contributions = decomposition.contributions_for(classes)[:, : self.spec.num_concepts]
        contributions = contributions.detach().double().cpu().numpy()
        true = None if batch.concepts is None else batch.concepts.detach().double().cpu().numpy()
        maps = self.patch_contrast(decomposition, classes)
        sections = []
        for n in range(len(classes)):
            row = [None if math.isnan(v) else float(v) for v in attention[n]]
            sections.append({"concepts": ConceptSection(
                predicted=row, attention=row, contributions=contributions[n].tolist(),
                true=None if true is None else [None if math.isnan(v) else float(v) for v in true[n]],
                patch_contrast=None if maps is None else maps[n]),
                "extras": self.record_claims()})
        return sections

    def record_claims(self) -> dict[str, Any]:
        return {"concept_values": "fixed: each concept's value for each class is a learned constant (CT), so a "
                                  "contribution is attention x a fixed concept-to-class weight"}

    # No ``unit_maps``: the patches' attention to a spatial concept is not the concept's part (a background patch
    # that attends to "has blue" adds that concept's value to every class alike). The faithful map is each patch's
    # part in the margin, which the records carry as ``concepts.patch_contrast`` (signed, drawn by the report).

    def unit_details(self, decomposition: Decomposition, row: int, units: list[int]) -> list[dict[str, Any]]:
        stream = {u: name for name, members in self.unit_streams() for u in members}
        return [{"stream": stream.get(u)} for u in units]

    def global_explanation(self) -> GlobalExplanation:
        """Each concept's value for every class, per stream: mean over heads of P_h W_v^h concept_j (CT: fixed)."""
        units, matrices = [], {}
        with torch.no_grad():
            dummy = torch.zeros(1, 1, self.backbone.dim, device=self.device)
            for name, members in self.unit_streams():
                if name not in self.concepts:  # a concept memory (CCT): no input-free value
                    continue
                _, _, values = self.attention[name](dummy, self.concepts[name])
                per_head = values[0].detach().cpu()  # (H, n, C)
                matrices[f"{name}_concept_to_class_per_head"] = per_head.numpy()
                for j, unit in enumerate(members):
                    units.append(GlobalUnit(index=unit, name=self.unit_name(unit), role=f"{name} concept",
                                            weights=per_head[:, j].mean(0).tolist()))
        return GlobalExplanation(kind=self.kind, model=self.variant, class_names=list(self.spec.class_names),
                                 units=units, matrices=matrices,
                                 details={"streams": self.streams, "grid": list(self.backbone.grid)})


# ---- CCT: the concept memory ("shared global workspace") -------------------------------------------------------
def gru_step(gru: nn.GRUCell, input_gates: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
    """``gru(input, hidden)`` given the input gates ``W_ih input + b_ih`` (broadcast over the slots): r and z
    gates, candidate n = tanh(i_n + r (W_hn h + b_hn)), h' = (h - n) z + n (torch's GRUCell, in its order)."""
    i_r, i_z, i_n = input_gates.chunk(3, -1)
    h_r, h_z, h_n = F.linear(hidden, gru.weight_hh, gru.bias_hh).chunk(3, -1)
    reset, update = torch.sigmoid(h_r + i_r), torch.sigmoid(h_z + i_z)
    candidate = torch.tanh(i_n + h_n * reset)
    return (hidden - candidate) * update + candidate


class SlotAttention(nn.Module):
    """CCT's ``ConceptSlotAttention`` (Locatello et al.'s slot attention): Gaussian slot init (mu, log sigma,
    shared by all slots), LayerNorms, softmax over the slots, a weighted mean over the inputs, a GRU update, for
    ``iterations``. At evaluation the slots start at mu (deterministic records; the reference samples at test too)."""

    def __init__(self, num_slots: int, dim: int, iterations: int = 1, epsilon: float = 1e-8):
        super().__init__()
        self.num_slots, self.iterations, self.epsilon = num_slots, iterations, epsilon
        self.slot_mu = nn.Parameter(nn.init.xavier_uniform_(torch.empty(1, 1, dim)))
        self.slot_log_sigma = nn.Parameter(nn.init.xavier_uniform_(torch.empty(1, 1, dim)))
        self.norm_inputs, self.norm_slots = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.project_q = nn.Linear(dim, dim, bias=False)
        self.project_k = nn.Linear(dim, dim, bias=False)
        self.project_v = nn.Linear(dim, dim, bias=False)
        self.gru = nn.GRUCell(dim, dim)

    def forward(self, inputs: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        b, _, d = inputs.shape
        slots = self.slot_mu.expand(b, self.num_slots, d)
        if self.training or noise is not None:
            noise = torch.randn(b, self.num_slots, d, device=inputs.device) if noise is None else noise
            slots = slots + torch.exp(self.slot_log_sigma) * noise
        inputs = self.norm_inputs(inputs)
        v = self.project_v(inputs)
        if inputs.shape[1] == 1:
            # one input (CCT-SA's global token): the softmax over the slots, + epsilon, divided by its sum over
            # the one input is exactly 1, so every slot's update is that input's value; q, k and the softmax,
            # whose result is fixed, are skipped, and the GRU's input gates are computed once per input
            input_gates = F.linear(v, self.gru.weight_ih, self.gru.bias_ih)  # (B, 1, 3D)
            for _ in range(self.iterations):
                slots = gru_step(self.gru, input_gates, slots)
            return slots
        k = self.project_k(inputs) * d ** -0.5
        for _ in range(self.iterations):
            previous = slots
            q = self.project_q(self.norm_slots(slots))
            attention = torch.bmm(k, q.transpose(1, 2)).softmax(-1) + self.epsilon  # (B, inputs, slots)
            attention = attention / attention.sum(1, keepdim=True)
            updates = torch.bmm(attention.transpose(1, 2), v)
            slots = self.gru(updates.reshape(-1, d), previous.reshape(-1, d)).view(b, -1, d)
        return slots


class InitialisedSlotAttention(nn.Module):
    """CCT's ISA (``ConceptISA``, "object representations as fixed points": ``iterations`` steps, then one more
    from the detached slots) and BO-QSA (``ConceptQuerySlotAttention``: a straight-through bi-level last
    iteration), both from learned per-concept initial slots; softmax over the slots, a weighted mean over the
    inputs, a GRU (xavier / orthogonal init). ISA has no slot LayerNorm in its step; QSA has one."""

    def __init__(self, dim: int, iterations: int, kind: str, epsilon: float = 1e-8):
        super().__init__()
        self.iterations, self.kind, self.epsilon = iterations, kind, epsilon
        self.norm_features, self.norm_slots = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.project_k, self.project_v, self.project_q = (nn.Linear(dim, dim, bias=False) for _ in range(3))
        for layer in (self.project_k, self.project_v, self.project_q):
            nn.init.xavier_uniform_(layer.weight)
        self.gru = nn.GRUCell(dim, dim)
        nn.init.xavier_uniform_(self.gru.weight_ih)
        nn.init.orthogonal_(self.gru.weight_hh)
        nn.init.zeros_(self.gru.bias_ih)
        nn.init.zeros_(self.gru.bias_hh)

    def step(self, slots: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        b, _, d = v.shape
        q = self.project_q(self.norm_slots(slots) if self.kind == "qsa" else slots)
        attention = torch.einsum("bid,bjd->bij", q, k).mul(d ** -0.5).softmax(1)  # over the slots
        attention = attention / (attention.sum(-1, keepdim=True) + self.epsilon)
        updates = torch.einsum("bij,bjd->bid", attention, v)
        return self.gru(updates.reshape(-1, d), slots.reshape(-1, d)).view(b, -1, d)

    def forward(self, features: torch.Tensor, slots_init: torch.Tensor) -> torch.Tensor:
        features = self.norm_features(features)
        k, v = self.project_k(features), self.project_v(features)
        slots = slots_init
        if self.kind == "isa":
            for _ in range(self.iterations):
                slots = self.step(slots, k, v)
            return self.step(slots.detach(), k, v)
        for i in range(self.iterations):
            if i == self.iterations - 1:
                slots = slots.detach() + slots_init - slots_init.detach()
            slots = self.step(slots, k, v)
        return slots


class ConceptCentricTransformer(ConceptTransformer):
    """CCT: CT's streams and losses, the concepts built by a concept memory. ``memory``:

    * ``"sa"`` (the default, ``ConceptCentricTransformerVITSA``): global (and unsupervised) concepts are slot
      attention (1 iteration) over the global token alone, plus a learned per-slot offset ("makes slots have an
      order"); spatial concepts stay learned parameters as in CT. With one input token the slot-attention weights
      are all 1, so every slot gets the same update and the slots differ by their initial state and offset.
    * ``"isa"`` / ``"qsa"``: learned per-concept initial slots (``nn.Embedding``), ISA (3 iterations + a fixed-
      point step) or BO-QSA (2 iterations); global concepts from the global token (+ offset), spatial concepts by
      slot attention over the patch tokens.
    """

    memories = ("sa", "isa", "qsa")

    def build_concepts(self, streams: dict[str, int], dim: int) -> None:
        self.concepts = nn.ParameterDict()
        self.memory = nn.ModuleDict()
        self.slot_init = nn.ParameterDict()
        self.slot_offset = nn.ParameterDict()
        kind = self.hparams.memory
        iterations = self.hparams.slot_iterations or {"sa": 1, "isa": 3, "qsa": 2}[kind]
        for name, n in streams.items():
            if not n:
                continue
            if kind == "sa":
                if name == "spatial":
                    self.concepts[name] = nn.Parameter(nn.init.trunc_normal_(torch.zeros(1, n, dim),
                                                                             std=1 / math.sqrt(dim)))
                    continue
                self.memory[name] = SlotAttention(n, dim, iterations)
            else:
                self.memory[name] = InitialisedSlotAttention(dim, iterations, kind)
                self.slot_init[name] = nn.Parameter(nn.init.xavier_uniform_(torch.empty(n, dim)))
            if name != "spatial":
                self.slot_offset[name] = nn.Parameter(torch.zeros(1, n, dim))

    def concept_vectors(self, query: torch.Tensor, tokens: torch.Tensor) -> dict[str, torch.Tensor]:
        """The concept memory of this input: (B, n, D) per stream (SA's spatial concepts: parameters (1, n, D))."""
        concepts = {}
        for name in self.streams:
            if name in self.concepts:
                concepts[name] = self.concepts[name]
                continue
            source = tokens if name == "spatial" else query
            if self.hparams.memory == "sa":
                slots = self.memory[name](source)
            else:
                slots = self.memory[name](source, self.slot_init[name].expand(len(source), -1, -1))
            concepts[name] = slots + self.slot_offset[name] if name in self.slot_offset else slots
        return concepts

    def record_claims(self) -> dict[str, Any]:
        built = [name for name in self.streams if name not in self.concepts]  # SA keeps spatial concepts as parameters
        return {"concept_values": f"input-dependent: the {', '.join(built)} concepts come from a concept memory (slot "
                                  f"attention over this input's tokens), so the contributions add up to the logit "
                                  f"exactly but such a concept's value for a class is not a fixed weight",
                "concepts_from_memory": built}


_CT = "Rigotti et al., Attention-based Interpretability with Concept Transformers, ICLR 2022"
_CCT = "Hong, Park and Pavlic, Concept-Centric Transformers, WACV 2024"
# shapes (48 x 48, a 4 x 4 concept grid): a small ViT with 12-pixel patches, so its tokens are the grid
_SHAPES = dict(backbone="small_vit", patch_size=12, embed_dim=64, depth=2, backbone_heads=2, mlp_ratio=2.0,
               num_heads=2, expl_lambda=1.0, lr=1e-3, weight_decay=1e-3, epochs=40, warmup_epochs=5)


@register_model(ConceptTransformer, default_data="shapes", paper=_CT)
def ct_small_vit():
    """The located concepts in the spatial stream, the count in the global one; CT's MNIST settings scaled down."""
    return dict(attention_sparsity=0.0, **_SHAPES)


@register_model(ConceptCentricTransformer, default_data="shapes", paper=_CCT)
def cct_small_vit():
    """CCT-SA with the same backbone and losses (sparsity 0.5 as in the paper's CUB / CIFAR settings)."""
    return dict(memory="sa", attention_sparsity=0.5, **_SHAPES)


@register_model(ConceptCentricTransformer, default_data="shapes", paper=_CCT)
def cct_isa_small_vit():
    return dict(memory="isa", attention_sparsity=0.5, **_SHAPES)


@register_model(ConceptCentricTransformer, default_data="shapes", paper=_CCT)
def cct_qsa_small_vit():
    return dict(memory="qsa", attention_sparsity=0.5, **_SHAPES)


# CUB-200-2011 with part-located concepts (cub200_parts: 13 global + 95 spatial on 14 x 14 patches). The papers
# use ViT-L/16 (experiment=ct_cub / cct_cub); the variants default to ViT-S/16 (12 heads divide its 384 dims), a
# pretrained backbone given as a local weights file.
_CUB = dict(backbone_pretrained=True, num_heads=12, expl_lambda=1.0, attention_sparsity=0.5, weight_decay=1e-3,
            epochs=50, warmup_epochs=10, attention_dropout=0.1, projection_dropout=0.1)


@register_model(ConceptTransformer, default_data="cub200_parts", paper=_CT)
def ct_vit_cub():
    """CT on CUB (cvit_cub.py): lr 5e-5, batch 32, wd 1e-3, 50 epochs with 10 of warm-up, sparsity 0.5."""
    return dict(backbone="vit_small_patch16_224", lr=5e-5, **_CUB)


@register_model(ConceptCentricTransformer, default_data="cub200_parts", paper=_CCT)
def cct_vit_cub():
    """CCT-SA on CUB (the paper's table): lr 1e-5, batch 16, wd 1e-3, 50 epochs (10 warm-up), sparsity 0.5."""
    return dict(backbone="vit_small_patch16_224", memory="sa", lr=1e-5, **_CUB)
