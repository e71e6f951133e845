"""What a report is built from, read back from an export folder: the manifest (the model, its card, what its
numbers are), the global explanation and the pictures of its units. The report reads only these files and the
records, so it can be rebuilt from any export (``python -m explain.report DIR``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.explanation import UnitScore

from ..images import file_stem
from .tokens import token_label

OUTPUT_LABELS = {"logit": "logit", "probability": "probability", "mean_probability": "mean probability"}


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def read_records(root: Path) -> Iterator[dict[str, Any]]:
    path = root / "explanations.jsonl"
    if not path.is_file():
        return
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def record_page(record: dict[str, Any]) -> str:
    """A record's page, relative to the report's root."""
    return f"predictions/{file_stem(str(record.get('input_id') or 'input'))}.html"


@dataclass
class ReportContext:
    root: Path
    title: str
    manifest: dict[str, Any]
    global_explanation: dict[str, Any] | None = None
    unit_pictures: dict[int, dict[str, Any]] = field(default_factory=dict)  # unit -> units/index.json entry
    units: dict[int, dict[str, Any]] = field(default_factory=dict)  # unit -> its global entry
    unit_pages: dict[int, str] = field(default_factory=dict)  # unit -> its atlas page (units/<page>), if written

    @classmethod
    def read(cls, root: Path, title: str) -> ReportContext:
        manifest = read_json(root / "manifest.json") or {}
        explanation = read_json(root / "global_explanation.json")
        pictures = {int(e["unit"]): e for e in read_json(root / "units" / "index.json") or [] if "png" in e}
        units = {int(u["index"]): u for u in (explanation or {}).get("units", [])}
        pages = {int(e["unit"]): str(e["page"]) for e in read_json(root / "units" / "index.json") or [] if "page" in e}
        return cls(root, title, manifest, explanation, pictures, units, unit_pages=pages)

    # ---- what the numbers are ------------------------------------------------------------------------------
    @property
    def output_label(self) -> str:
        """What the outputs are called: the family's own name for them, else the output kind's."""
        output = self.manifest.get("output", "logit")
        return str(self.manifest.get("output_label") or OUTPUT_LABELS.get(output, output))

    @property
    def output_is_distribution(self) -> bool:
        """Whether the outputs give class probabilities (False: CBC's agreements; no page shows a probability)."""
        return bool(self.manifest.get("output_is_distribution", True))

    @property
    def unit_score(self) -> UnitScore:
        return UnitScore(**(self.manifest.get("unit_score") or {}))

    @property
    def class_names(self) -> list[str]:
        """The class names as pages show them (a whitespace token as a visible mark: ``␣ (space)``)."""
        return [token_label(str(c)) for c in self.manifest.get("class_names") or []]

    @property
    def spec(self) -> dict[str, Any]:
        return self.manifest.get("spec") or {}

    def class_name(self, index: int | None) -> str | None:
        names = self.class_names
        return None if index is None else names[index] if 0 <= index < len(names) else str(index)

    def unit_name(self, unit: int) -> str:
        names = self.manifest.get("unit_names")
        if names and 0 <= unit < len(names):
            return str(names[unit])
        if unit in self.units:
            return str(self.units[unit].get("name"))
        return f"unit {unit}"

    def role(self, unit: int | None = None) -> str:
        """What the units are called ("prototype", "component", "concept", "expert", ...)."""
        if unit is not None and unit in self.units:
            return str(self.units[unit].get("role") or "unit")
        if "_roles" not in self.__dict__:  # computed once: a page asks for every unit it sums
            self.__dict__["_roles"] = {str(u.get("role")) for u in self.units.values() if u.get("role")}
        roles = self.__dict__["_roles"]
        return next(iter(roles)) if len(roles) == 1 else "unit"

    def unit_group(self, unit: int, explained: int, runner_up: int | None = None) -> str:
        """The remainder row a unit not shown on its own is summed into: by the class it belongs to (the
        explained class, the runner-up, the others) where units belong to classes."""
        role = self.role(unit)
        owner = self.units.get(unit, {}).get("class_index")
        if owner is None:
            return f"other {role}s"
        if owner in (explained, runner_up):
            return f"other {role}s of class {self.class_name(owner)}"
        return f"{role}s of other classes"

    # ---- what the global explanation says of its units -------------------------------------------------------
    @property
    def global_details(self) -> dict[str, Any]:
        return (self.global_explanation or {}).get("details") or {}

    @property
    def picture_label(self) -> str:
        """What a unit's picture is ("decoded prototype", "training patch and its source image"), as the model's
        global explanation says; "picture" where it says nothing."""
        return str(self.global_details.get("unit_picture") or "picture")

    def unit_flags(self, unit: int) -> list[str]:
        """The unit's flags: the names of its global details that are true ("background", "pruned")."""
        details = self.units.get(unit, {}).get("details") or {}
        return [str(k) for k, v in details.items() if v is True]

    def matrix_axes(self, name: str, shape: list[int]) -> dict[str, Any]:
        """What the rows and columns of a matrix of the global explanation are, where the model says
        (``details["matrix_axes"][name]``): ``{rows, columns, row_title, column_title}`` (labels and what they
        are), or the two nouns ``["class", "prototype"]``, whose labels are the class or unit names."""
        declared = (self.global_details.get("matrix_axes") or {}).get(name)
        if isinstance(declared, dict):
            return declared
        if isinstance(declared, (list, tuple)) and len(declared) == 2:
            from .plots import plural

            lengths = list(shape) + [0, 0]
            return {"rows": self.axis_labels(declared[0], lengths[0]),
                    "columns": self.axis_labels(declared[1], lengths[1]),
                    "row_title": plural(declared[0]), "column_title": plural(declared[1])}
        return {}

    def axis_labels(self, axis: str | None, length: int) -> list[str] | None:
        """Labels along a matrix axis of ``length``: class names for "class", unit names for the units' role."""
        if axis == "class" and len(self.class_names) == length:
            return self.class_names
        if axis is not None and axis == self.role() and len(self.units) == length:
            return [self.unit_name(u) for u in sorted(self.units)]
        return None
