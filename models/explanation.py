"""The explanation record every family returns: plain data, JSON-safe through ``to_dict()``.

One record explains one prediction. ``contributions`` holds the part every interpretable unit (prototype,
component, concept, expert, program feature) plays in the logit of ``explained_class``; with ``bias`` they add
up to that logit exactly (the completeness contract, checked by ``check_complete``). ``evidence`` is the short,
human-sized list of the strongest units with what a person needs to look at them (similarity, weight, location,
source patch). ``maps`` carries arrays for image exporters (heat maps); it is left out of ``to_dict()``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return _json_safe(value.tolist())
    if hasattr(value, "item") and callable(value.item):  # numpy / torch scalars
        return _json_safe(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass
class Evidence:
    """One interpretable unit's part in a prediction."""

    unit: str  # human-readable name, e.g. "prototype 17 (class 3)"
    index: int  # index of the unit in the model
    contribution: float  # its additive share of the explained class logit
    score: float | None = None  # similarity / activation / detection of the unit on this input
    weight: float | None = None  # the read-out weight from the unit to the explained class
    details: dict[str, Any] = field(default_factory=dict)  # location, boxes, source image, ...


@dataclass
class Explanation:
    kind: str  # "prototype", "concept", "routing", "program", ...
    prediction: int
    probabilities: list[float]
    logits: list[float]
    explained_class: int
    contributions: list[float]  # one per unit, to logits[explained_class]
    bias: float = 0.0
    target: int | None = None
    class_names: list[str] | None = None
    evidence: list[Evidence] = field(default_factory=list)
    input_id: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    maps: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def predicted_label(self) -> str:
        return self.class_names[self.prediction] if self.class_names else str(self.prediction)

    def completeness_gap(self) -> float:
        """|sum(contributions) + bias - logit| for the explained class (0 for a complete explanation)."""
        total = math.fsum(self.contributions) + self.bias
        return abs(total - self.logits[self.explained_class])

    def check_complete(self, atol: float = 1e-5) -> None:
        gap = self.completeness_gap()
        if not gap <= atol * max(1.0, abs(self.logits[self.explained_class])):
            raise AssertionError(
                f"explanation is not complete: contributions + bias differ from the logit by {gap:.3g}"
            )

    def to_dict(self) -> dict[str, Any]:
        # shallow on purpose: dataclasses.asdict deep-copies every list, which dominated export time
        record = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "maps"}
        record["evidence"] = [{f.name: getattr(e, f.name) for f in fields(e)} for e in self.evidence]
        if self.class_names:
            record["predicted_label"] = self.predicted_label
        return _json_safe(record)

    def __str__(self) -> str:
        head = f"{self.kind} explanation: predicted {self.predicted_label} (p={max(self.probabilities):.3f})"
        if self.target is not None:
            head += f", target {self.target}"
        lines = [head, f"  logit {self.logits[self.explained_class]:.4f} = bias {self.bias:.4f} + units:"]
        lines += [f"    {e.unit}: {e.contribution:+.4f}" for e in self.evidence]
        return "\n".join(lines)
