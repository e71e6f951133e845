"""Explanation records: plain data, JSON-safe through ``to_dict()`` (ARCHITECTURE contract 2, record v2).

One ``Explanation`` explains one prediction: one input, or one position of a sequence (``sequence``,
``position``). ``outputs`` is the vector the model predicts from and ``output`` says what it holds: ``"logit"``,
``"probability"`` (class probabilities, e.g. CBC) or ``"mean_probability"`` (a Monte Carlo mean over samples,
e.g. Prob-PSENN). ``contributions`` are the parts the interpretable units (prototypes, components, concepts,
experts, program variables) play in ``value = outputs[explained_class]``; a record is ``complete`` when
``sum(contributions) + bias == value`` (``check_complete``); otherwise ``exact`` says which part is exact.
Contributions may be sparse (``units`` gives the unit index of each), so a record over 262k experts stays small.

Optional typed sections, filled by the families and rendered by the exporters: ``concepts``, ``uncertainty``,
``certificate``, ``tokens``. ``image`` and ``unit_maps`` (heat maps of units over the image) are arrays for the
image exporters and are left out of ``to_dict()``; so are the class names, which an export writes once.

``GlobalExplanation`` is what a model learned, as a list of ``GlobalUnit`` (name, role, class, read-out weights,
an image of the unit or a reference to the training patch it came from) plus named matrices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

OUTPUT_KINDS = ("logit", "probability", "mean_probability")
RECORD_VERSION = 3  # v3: the runner-up, the contrast, a vector input's values, the files an export drew


def json_safe(value: Any) -> Any:
    """Plain JSON types: numpy / torch values to Python, non-finite floats to None, sections to dicts."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "iub" or (value.dtype.kind == "f" and np.isfinite(value).all()):
            return value.tolist()  # already plain numbers: no need to visit each one
        return json_safe(value.tolist())
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return json_safe(value.to_dict())
    if hasattr(value, "item") and callable(value.item):  # numpy / torch scalars
        return json_safe(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(frozen=True)
class UnitScore:
    """What a unit's ``score`` in a record is, declared once per family (``InterpretableModel.unit_score``), so
    every page labels the number with its kind and never draws a unit that is not there."""

    name: str = "activation"  # e.g. "similarity", "squared distance", "detection", "concept probability"
    distance: bool = False  # lower is closer: the nearest unit scores lowest ("far from" reads as such)
    absent_below: float | None = None  # a unit scoring below this is absent from the input: no map, no box
    about: str = ""  # one sentence for the reader: what a high (or low) score means

    @property
    def heading(self) -> str:
        """The name as a column heading: a distance says which way is closer."""
        return f"{self.name} (lower = closer)" if self.distance else self.name

    def is_absent(self, score: float | None) -> bool:
        return self.absent_below is not None and score is not None and score < self.absent_below

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class _Section:
    def to_dict(self) -> dict[str, Any]:
        return json_safe({f.name: getattr(self, f.name) for f in fields(self)})


@dataclass
class Evidence:
    """One interpretable unit's part in a prediction."""

    unit: str  # human-readable name, e.g. "prototype 17 (class 3)"
    index: int  # index of the unit in the model
    contribution: float  # its additive share of the explained value
    score: float | None = None  # similarity / activation / detection of the unit on this input
    weight: float | None = None  # the read-out weight from the unit to the explained class
    details: dict[str, Any] = field(default_factory=dict)  # location, boxes, source image, ...

    def to_dict(self) -> dict[str, Any]:
        return json_safe({f.name: getattr(self, f.name) for f in fields(self)})


@dataclass
class ConceptSection(_Section):
    """Per concept of the spec (lists aligned with ``spec.concept_names``)."""

    predicted: list[float]  # the model's concept value (probability for binary concepts)
    true: list[float | None] | None = None  # the label, None where unknown
    used: list[float] | None = None  # what the label predictor read (after interventions)
    intervened: list[int] = field(default_factory=list)  # concepts set from outside
    intervened_values: list[float] | None = None  # the value each of them was set to (0 / 1), in that order
    contributions: list[float] | None = None  # each concept's part in the explained value
    effects: list[float] | None = None  # change of the explained value when the concept is flipped
    attention: list[float] | None = None  # attention over concepts (concept transformers)
    # Before the intervention (None without one): every output, the prediction, and each concept's part in the
    # explained value, as the model gives them with no concept set from outside.
    outputs_before: list[float] | None = None
    prediction_before: int | None = None
    contributions_before: list[float] | None = None
    # Concept transformers: {concept: (h, w) each patch's part in the margin over the runner-up through that
    # spatial concept}; a map's cells add up to the concept's part of the margin (the record's contrast).
    patch_contrast: dict[int, list[list[float]]] | None = None


@dataclass
class UncertaintySection(_Section):
    """Entropy decomposition over Monte Carlo samples, and how well the explanation itself is determined."""

    predictive: float  # H[E_s p_s]
    aleatoric: float  # E_s H[p_s]
    epistemic: float  # predictive - aleatoric (mutual information)
    explanatory: float | None = None  # overlap of the predicted and other classes' distance distributions
    distance_percentile: float | None = None  # the input's distance among training distances
    uninformed: bool = False  # the prediction rests on no prototype the model is sure of
    samples: int | None = None
    seed: int | None = None  # the seed of the Monte Carlo samples (None: none drawn, e.g. the prototypes' modes)
    entropy_unit: str = "nats"  # the entropies' unit (natural logarithms)


@dataclass
class CertificateSection(_Section):
    """A certified radius: no input within ``radius`` (in ``norm``) of this one changes the prediction."""

    radius: float  # 0 for a wrong or uncertified prediction
    norm: str  # "l2", ...
    assumption: str | None = None  # what the bound needs (e.g. "one prototype per class")


@dataclass
class TokenSection(_Section):
    context: list[str]  # the tokens the prediction read (a causal model: up to ``position``; else all of them)
    token: str  # the token at ``position``
    predicted: str  # the predicted label or next token
    target: str | None = None
    sequence: list[str] | None = None  # the whole input sequence (token-labelling models), read or not
    predicted_sequence: list[str] | None = None  # the model's label at every position of ``sequence``
    target_sequence: list[str | None] | None = None  # the label at every position; None: no label (BOS, EOS)


@dataclass
class ProgramSection(_Section):
    """How a Transformer Program computed one position: every variable at every position, what each head read
    and selected for this position, and the lines of the decompiled program that ran for it."""

    values: dict[str, list[Any]]  # variable -> its value at each position of the sequence
    heads: list[dict[str, Any]]  # per head: name, kind, the positions it selected here, whether a key matched
    lines: list[dict[str, Any]] = field(default_factory=list)  # per module: function, arguments, lines, result




@dataclass
class SumsToSection(_Section):
    """What the contributions add up to when the outputs are not a sum of parts (a record that is not
    ``complete`` but exact for another number), e.g. Prob-PSENN's Monte Carlo mean logit: there
    ``sum(contributions) + bias == value`` and ``sum(contrast) + contrast_bias == margin``."""

    name: str  # what the number is, e.g. "Monte Carlo mean logit"
    value: float  # the number for the explained class
    margin: float | None  # value minus the number for the record's runner-up (the contrast adds up to it)
    outputs: list[float]  # the number for every class


@dataclass
class ReasoningSection(_Section):
    """Classification-by-components reasoning (Saralajew et al., NeurIPS 2019 Eq. 4; AAAI 2025): a class's
    agreement is p = sum_k d_k r+_k + (1 - d_k) r-_k over the components k, with d_k the component's detection,
    r+_k how much the class's reasoning requires it detected (positive) and r-_k how much it requires it absent
    (negative). Lists are aligned with ``units``; ``runner_up_*`` are the runner-up class's reasoning."""

    form: str  # "cbc" (with indefinite reasoning), "stable" (none), "rbf" (positive only)
    units: list[int]  # the components listed (all of them for a model with few)
    detection: list[float]
    positive: list[float]  # r+ of the explained class (of its winning reasoning concept)
    negative: list[float]  # r- of the explained class
    runner_up_positive: list[float] | None = None
    runner_up_negative: list[float] | None = None
    indefinite: list[float] | None = None  # "cbc" only: the share that says the component does not matter
    runner_up_indefinite: list[float] | None = None
    concept: int | None = None  # the explained class's winning reasoning concept (several per class)
    runner_up_concept: int | None = None


# Every typed section a record may carry (record key -> class): the exporters render them by these keys.
SECTIONS = {"concepts": ConceptSection, "uncertainty": UncertaintySection, "certificate": CertificateSection,
            "tokens": TokenSection, "program": ProgramSection, "sums_to": SumsToSection,
            "reasoning": ReasoningSection}


@dataclass
class Explanation:
    kind: str  # "prototype", "component", "concept", "expert", "program", ...
    output: str  # one of OUTPUT_KINDS: what ``outputs`` hold
    outputs: np.ndarray  # (C,) the explained vector
    prediction: int
    explained_class: int
    contributions: np.ndarray  # (n,) parts of outputs[explained_class]
    num_units: int
    units: np.ndarray | None = None  # (n,) unit index of each contribution; None: contribution i is unit i
    bias: float = 0.0
    complete: bool = True
    exact: str | None = None  # when not complete: which part of the record is exact
    target: int | None = None
    input_id: str | None = None
    sequence: int | None = None  # which sequence of the batch (sequence models)
    position: int | None = None  # which position in it
    evidence: list[Evidence] = field(default_factory=list)
    concepts: ConceptSection | None = None
    uncertainty: UncertaintySection | None = None
    certificate: CertificateSection | None = None
    tokens: TokenSection | None = None
    sums_to: SumsToSection | None = None  # what the contributions add up to, where it is not the output
    reasoning: ReasoningSection | None = None
    program: ProgramSection | None = None  # Transformer Programs: the program's trace at this position
    extras: dict[str, Any] = field(default_factory=dict)
    runner_up: int | None = None  # the highest output other than the explained class's
    contrast: np.ndarray | None = None  # (n,) each unit's part in value - outputs[runner_up] (units as contributions)
    contrast_bias: float | None = None  # the bias's part in it: sum(contrast) + contrast_bias == margin
    inputs: list[float] | None = None  # a feature vector's values (vector tasks; images and tokens have their own)
    assets: dict[str, Any] = field(default_factory=dict)  # files an export wrote for this record (input, overlays)
    image: np.ndarray | None = field(default=None, repr=False)  # (H, W, C) in [0, 1]
    unit_maps: dict[int, np.ndarray] = field(default_factory=dict, repr=False)  # unit -> (h, w) map
    class_names: list[str] | None = field(default=None, repr=False)
    # Whether the outputs (a logit's softmax) are a distribution over the classes; False (CBC's class agreements):
    # no probability is derived from them
    output_is_distribution: bool = field(default=True, repr=False)

    def __post_init__(self) -> None:
        if self.output not in OUTPUT_KINDS:
            raise ValueError(f"output must be one of {OUTPUT_KINDS}, got {self.output!r}")

    # ---- derived values ---------------------------------------------------------------------------------
    @property
    def value(self) -> float:
        """The explained number: ``outputs[explained_class]``."""
        return float(self.outputs[self.explained_class])

    @property
    def probabilities(self) -> np.ndarray | None:
        if not self.output_is_distribution:
            return None
        if self.output == "logit":
            shifted = np.exp(self.outputs - self.outputs.max())
            return shifted / shifted.sum()
        return self.outputs

    def label(self, index: int | None) -> str | None:
        if index is None:
            return None
        return self.class_names[index] if self.class_names else str(index)

    @property
    def predicted_label(self) -> str:
        return self.label(self.prediction)

    @property
    def margin(self) -> float | None:
        """value - outputs[runner_up]: how far the explained class is ahead of (or behind) the runner-up."""
        return None if self.runner_up is None else self.value - float(self.outputs[self.runner_up])

    def dense_contrast(self) -> np.ndarray | None:
        if self.contrast is None or self.units is None:
            return self.contrast
        dense = np.zeros(self.num_units)
        np.add.at(dense, self.units, self.contrast)
        return dense

    def dense_contributions(self) -> np.ndarray:
        """(num_units,) with zeros for the units a sparse record leaves out."""
        if self.units is None:
            return self.contributions
        dense = np.zeros(self.num_units)
        np.add.at(dense, self.units, self.contributions)
        return dense

    def top(self, k: int = 5) -> list[dict[str, Any]]:
        """The k highest-scoring classes: class index, output and probability (where the outputs give one)."""
        order = np.argsort(-self.outputs, kind="stable")[:k]
        probabilities = self.probabilities
        if probabilities is None:
            return [{"class": int(c), "output": float(self.outputs[c])} for c in order]
        return [{"class": int(c), "output": float(self.outputs[c]), "probability": float(probabilities[c])}
                for c in order]

    # ---- the completeness contract --------------------------------------------------------------------
    def completeness_gap(self) -> float:
        """|sum(contributions) + bias - value| (0 for a complete explanation)."""
        return abs(math.fsum(self.contributions.tolist()) + self.bias - self.value)

    def check_complete(self, atol: float = 1e-5) -> None:
        if not self.complete:
            raise AssertionError(f"the record says it is not complete ({self.exact})")
        gap = self.completeness_gap()
        if not gap <= atol * max(1.0, abs(self.value)):
            raise AssertionError(f"explanation is not complete: contributions + bias differ from the "
                                 f"{self.output} by {gap:.3g}")
        if self.runner_up is not None:
            gap = abs(math.fsum(self.contrast.tolist()) + self.contrast_bias - self.margin)
            if not gap <= atol * max(1.0, abs(self.value), abs(self.margin)):
                raise AssertionError(f"the contrast to the runner-up is not complete: its parts + bias differ from "
                                     f"the margin by {gap:.3g}")

    def numbers_are_finite(self) -> bool:
        """Whether every number of the record is finite (a record with NaN or inf is never complete)."""
        arrays = [self.outputs, self.contributions, [self.bias]]
        if self.contrast is not None:
            arrays += [self.contrast, [self.contrast_bias]]
        return all(np.isfinite(np.asarray(a, dtype=np.float64)).all() for a in arrays)

    # ---- serialisation ----------------------------------------------------------------------------------
    def to_dict(self, top_k: int = 5, full: bool = False) -> dict[str, Any]:
        """JSON-safe: the top-k outputs (every output when ``full``) and the non-zero contributions."""
        contributions = self.dense_contributions() if full else self.contributions
        keep = np.arange(len(contributions)) if full else np.flatnonzero(contributions)
        units = keep if (full or self.units is None) else self.units[keep]
        record: dict[str, Any] = {
            "record_version": RECORD_VERSION, "kind": self.kind, "output": self.output, "input_id": self.input_id,
            "sequence": self.sequence, "position": self.position,
            "prediction": self.prediction, "predicted_label": self.predicted_label,
            "target": self.target, "target_label": self.label(self.target),
            "explained_class": self.explained_class, "value": self.value,
            "top": self.top(len(self.outputs) if full else top_k),
            "complete": self.complete, "exact": self.exact, "bias": self.bias,
            "num_units": self.num_units,
            "contributions": {"units": units, "values": contributions[keep]},
            "evidence": self.evidence,
        }
        if self.runner_up is not None:
            contrast = self.dense_contrast() if full else self.contrast
            kept = np.arange(len(contrast)) if full else np.flatnonzero(contrast)
            record.update(runner_up=self.runner_up, runner_up_label=self.label(self.runner_up), margin=self.margin,
                          contrast={"units": kept if (full or self.units is None) else self.units[kept],
                                    "values": contrast[kept], "bias": self.contrast_bias})
        if self.inputs is not None:
            record["inputs"] = self.inputs
        if self.assets:
            record["assets"] = self.assets
        for name in SECTIONS:
            if getattr(self, name) is not None:
                record[name] = getattr(self, name)
        if self.extras:
            record["extras"] = self.extras
        return json_safe(record)

    def __str__(self) -> str:
        shown = (f"p={float(self.probabilities[self.prediction]):.3f}" if self.output_is_distribution
                 else f"output {float(self.outputs[self.prediction]):.3f}")  # e.g. CBC's agreements: no probability
        head = f"{self.kind} explanation: predicted {self.predicted_label} ({shown})"
        if self.target is not None:
            head += f", target {self.label(self.target)}"
        where = "" if self.position is None else f" at position {self.position}"
        lines = [head + where,
                 f"  {self.output} of {self.label(self.explained_class)} {self.value:.4f} = bias {self.bias:.4f} "
                 f"+ units{'' if self.complete else ' (not complete: ' + str(self.exact) + ')'}:"]
        lines += [f"    {e.unit}: {e.contribution:+.4f}" for e in self.evidence]
        return "\n".join(lines)


def record_completeness_gap(record: dict[str, Any]) -> float:
    """``completeness_gap`` of an exported (JSON) record: its sparse contributions + bias against its value."""
    return abs(math.fsum(record["contributions"]["values"]) + record["bias"] - record["value"])


def record_sums_to_gaps(record: dict[str, Any]) -> tuple[float, float | None]:
    """For a record with a ``sums_to`` section: how far its contributions + bias are from that number, and its
    contrast + contrast bias from that number's margin (None without a runner-up)."""
    sums_to = record["sums_to"]
    value_gap = abs(math.fsum(record["contributions"]["values"]) + record["bias"] - sums_to["value"])
    if "contrast" not in record or sums_to.get("margin") is None:
        return value_gap, None
    contrast = record["contrast"]
    return value_gap, abs(math.fsum(contrast["values"]) + contrast["bias"] - sums_to["margin"])


def record_contrast_gap(record: dict[str, Any]) -> float:
    """The same for the contrast: its parts + its bias against the margin to the runner-up."""
    contrast = record["contrast"]
    return abs(math.fsum(contrast["values"]) + contrast["bias"] - record["margin"])


# ---- global explanations ---------------------------------------------------------------------------------
@dataclass
class SourceRef:
    """Where a unit came from in the training data: an item of a split and boxes ``(y0, y1, x0, x1)`` in it."""

    split: str
    index: int
    boxes: dict[str, list[int]] = field(default_factory=dict)  # e.g. high_activation, receptive_field
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return json_safe({f.name: getattr(self, f.name) for f in fields(self)})


@dataclass
class GlobalUnit:
    index: int
    name: str
    role: str  # "prototype", "component", "concept", "expert", "variable", ...
    class_index: int | None = None  # the class the unit belongs to, if any
    weights: list[float] | None = None  # read-out weights to every class
    image: np.ndarray | None = field(default=None, repr=False)  # (H, W, C) in [0, 1]: decoded or input-space
    source: SourceRef | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "image"}
        data["has_image"] = self.image is not None
        return json_safe(data)


@dataclass
class GlobalExplanation:
    kind: str
    model: str | None
    class_names: list[str]
    units: list[GlobalUnit] = field(default_factory=list)
    matrices: dict[str, np.ndarray] = field(default_factory=dict)  # e.g. reasoning, concept-to-class weights
    details: dict[str, Any] = field(default_factory=dict)  # e.g. a program's source

    def to_dict(self) -> dict[str, Any]:
        return json_safe({"kind": self.kind, "model": self.model, "class_names": self.class_names,
                          "units": self.units, "matrices": self.matrices, "details": self.details})
