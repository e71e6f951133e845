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
