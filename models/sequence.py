"""``SequenceModel``: what every model over token sequences shares (Transformer Programs, the standard
transformer baseline, the sparse-expert language models).

Token tasks (``sequence_labelling``, ``next_token``) label every position, and positions whose label is the
spec's ``pad`` token are ignored by the loss and the token accuracy; ``sequence_classification`` labels whole
sequences (pooled). Inputs may be shorter than the spec's maximum length when the spec says
``variable_length``. Output classes that are the spec's ``pad`` or ``unk`` token are never predicted: their
logit is the constant ``MASKED_LOGIT``. ``explain`` gives one record per non-pad position (``sequence``,
``position``) with a ``tokens`` section: what the prediction read (a causal model: the prefix; any other model:
every token), the whole input and the labels predicted at every position of it. A position labelled ``pad`` (the
BOS, the EOS) has no label: its record has no target, and it is neither right nor wrong.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import torch

from datamodules.batch import Batch

from .base import Decomposition, InputError, InterpretableModel
from .explanation import TokenSection

MASKED_LOGIT = -1e9  # the logit of a masked class (<pad>, <unk>): finite, so losses and sums stay finite


class SequenceModel(InterpretableModel):
    """Token ids (B, T) -> logits (B, T, C) for token tasks, (B, C) for pooled classification.
    Subclasses implement ``training_logits(x)`` (the model as trained: relaxed, sampled...)."""

    def __init__(self, spec: dict[str, Any], mask_special_logits: bool = True):
        super().__init__(spec)
        if not self.spec.is_sequence:
            raise ValueError(f"data spec {self.spec.name!r} is a {self.spec.task} task; a sequence model needs "
                             f"token sequences with a vocabulary")
        self.vocab = list(self.spec.vocab)
        self.n_ctx = self.spec.input_shape[0]
        self.pad_id = self.spec.token_id("pad")
        self.pooled = self.spec.task == "sequence_classification"
        self.causal = self.spec.causal
        never = {self.spec.special_tokens[r] for r in ("pad", "unk") if r in self.spec.special_tokens}
        masked = [c in never for c in self.spec.class_names] if mask_special_logits else [False] * self.num_classes
        self.register_buffer("class_mask", torch.tensor(masked), persistent=False)

    @property
    def ignore_index(self) -> int:
        """The target id the loss and accuracy skip: the pad label of token tasks (-100: none)."""
        pad = self.spec.special_tokens.get("pad")
        if self.spec.task == "sequence_classification" or pad not in self.spec.class_names:
            return -100
        return self.spec.class_names.index(pad)

    def check_input(self, x: Any) -> torch.Tensor:
        if not isinstance(x, torch.Tensor) or x.dim() != 2:
            got = f"shape {tuple(x.shape)}" if isinstance(x, torch.Tensor) else type(x).__name__
            raise InputError(f"expected token ids of shape (B, T) with T <= {self.n_ctx}, got {got}; add a batch "
                             f"dimension with x.unsqueeze(0) for one sequence")
        if x.shape[0] == 0 or x.shape[1] == 0:
            raise InputError(f"empty batch or empty sequences (shape {tuple(x.shape)})")
        length = x.shape[1]
        if length > self.n_ctx or (length < self.n_ctx and not self.spec.variable_length):
            rule = f"at most {self.n_ctx}" if self.spec.variable_length else f"exactly {self.n_ctx}"
            raise InputError(f"sequences of length {length}: the {self.spec.name!r} model reads {rule} tokens")
        if x.is_floating_point() or x.dtype == torch.bool:
            raise InputError(f"expected token ids (an integer tensor) from the {self.spec.name!r} data, "
                             f"got dtype {x.dtype}")
        if x.min() < 0 or x.max() >= len(self.vocab):
            raise InputError(f"token ids must lie in [0, {len(self.vocab)}) (the vocabulary of "
                             f"{self.spec.name!r}), got values in [{int(x.min())}, {int(x.max())}]")
        if self.pad_id is not None and bool((x == self.pad_id).all(1).any()):
            raise InputError("a sequence holds only padding: there is nothing to predict from")
        if self.spec.task != "next_token":  # one example per sequence: <s> first and only there, padding at the end
            self._check_special_positions(x)
        return x

    def _check_special_positions(self, x: torch.Tensor) -> None:
        """A model would explain ``<s>`` or ``<pad>`` anywhere; the data (and a decompiled program) have the BOS
        at position 0 only and padding only after the last token, so anything else is refused, saying where."""
        bos = self.spec.token_id("bos")
        if bos is not None:
            inside = (x[:, 1:] == bos).nonzero()
            missing = (x[:, 0] != bos).nonzero()
            if len(inside) or len(missing):
                row, t = (inside[0, 0].item(), inside[0, 1].item() + 1) if len(inside) else (missing[0, 0].item(), 0)
                raise InputError(f"sequence {row}: {self.spec.special_tokens['bos']!r} belongs at position 0 and "
                                 f"only there (position {t} breaks that)")
        if self.pad_id is not None:
            padded = x == self.pad_id
            after = padded.int().cummax(1).values.bool() & ~padded  # a real token after a pad
            if bool(after.any()):
                row, t = after.nonzero()[0].tolist()
                raise InputError(f"sequence {row}: padding must come after the last token, but position {t} "
                                 f"follows a {self.spec.special_tokens['pad']!r}")

    def valid_positions(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T) True at real tokens (every position when the vocabulary has no pad)."""
        return torch.ones_like(x, dtype=torch.bool) if self.pad_id is None else x != self.pad_id

    def training_logits(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def training_forward(self, batch: Batch) -> Decomposition:
        return Decomposition(outputs=self.training_logits(batch.inputs))

    def scored(self, outputs: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return (outputs, targets) if self.pooled else (outputs.flatten(0, 1), targets.flatten())

    # ---- explanations: one row per position --------------------------------------------------------
    def explain_decompose(self, batch: Batch, **options: Any) -> Decomposition:
        """The family's (B, T, ...) decomposition, flattened to one row per non-pad position."""
        decomposition = self.decompose(batch.inputs, **options)
        B = len(batch)
        if self.pooled:
            return replace(decomposition, sequence=torch.arange(B, device=batch.inputs.device),
                           targets=batch.targets)
        valid = self.valid_positions(batch.inputs)
        where = valid.nonzero()

        def rows(t: torch.Tensor | None, per_position_dims: int) -> torch.Tensor | None:
            return t[valid] if t is not None and t.dim() == per_position_dims else t

        return replace(decomposition, outputs=decomposition.outputs[valid], scores=rows(decomposition.scores, 3),
                       weights=rows(decomposition.weights, 4), bias=rows(decomposition.bias, 3),
                       contributions=rows(decomposition.contributions, 4), sequence=where[:, 0],
                       position=where[:, 1], targets=self.labelled(None if batch.targets is None
                                                                   else batch.targets[valid]))

    def labelled(self, targets: torch.Tensor | None) -> torch.Tensor | None:
        """The targets with the ignored label (``<pad>``: the BOS, the EOS, padding) as -100: a position
        without a label is no right or wrong prediction, and records give it no target."""
        if targets is None or self.ignore_index < 0:
            return targets
        return targets.masked_fill(targets == self.ignore_index, -100)

    def explanation_sections(self, decomposition: Decomposition, batch: Batch,
                             classes: torch.Tensor) -> list[dict[str, Any]]:
        names = self.spec.class_names
        tokens = [[self.vocab[int(i)] for i, ok in zip(row, keep) if ok]
                  for row, keep in zip(batch.inputs.tolist(), self.valid_positions(batch.inputs).tolist())]
        targets = decomposition.targets
        predictions = decomposition.outputs.argmax(-1).tolist()
        rows = decomposition.sequence.tolist()
        labels = [None if targets is None or int(y) < 0 else names[int(y)] for y in
                  (targets.tolist() if targets is not None else rows)]
        # Token tasks: each sequence's labels at every position, so that a record shows the whole output.
        outputs: dict[int, list[str]] = {}
        expected: dict[int, list[str | None]] = {}
        if decomposition.position is not None:
            for n, b in enumerate(rows):
                outputs.setdefault(b, []).append(names[predictions[n]])
                expected.setdefault(b, []).append(labels[n])
        sections = []
        for n, b in enumerate(rows):
            t = None if decomposition.position is None else int(decomposition.position[n])
            # What the prediction read: a causal model the prefix up to its position, any other every token.
            context = tokens[b] if t is None or not self.causal else tokens[b][: t + 1]
            token = tokens[b][-1] if t is None else tokens[b][t]
            section = TokenSection(context=context, token=token, predicted=names[predictions[n]], target=labels[n])
            if t is not None:
                section.sequence, section.predicted_sequence = tokens[b], outputs[b]
                section.target_sequence = expected[b] if targets is not None else None
            sections.append({"tokens": section})
        return sections
