"""One export per family view, shared by the report's browser tests (a helper module, not a test file).

``CASES`` names a shipped release (or a registered variant built small, for families that ship none) with the
data its test split comes from; ``exported(name)`` explains a few inputs and writes the report once per test
session, into a shared temporary folder."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch


@dataclass(frozen=True)
class Case:
    checkpoint: str | None  # a released name.tag, or None: build ``variant`` with random weights
    data: str
    limit: int = 6
    variant: str | None = None
    data_args: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)


CASES: dict[str, Case] = {
    "protopnet": Case("protopnet_small.mnist5k", "mnist5k"),
    "robust_cbc": Case("robust_cbc_shallow.mnist5k", "mnist5k"),
    "robust_rbf": Case("robust_rbf_shallow8.digits", "digits"),
    "deep_cbc": Case("deep_cbc_small.part_glyphs", "part_glyphs"),
    "deep_rbf": Case("deep_rbf_small.part_glyphs", "part_glyphs"),
    "prototype_ae": Case("prototype_ae.mnist5k", "mnist5k"),
    "prob_psenn": Case("prob_psenn8.digits", "digits"),
    "cbm": Case("cbm_joint_cnn.shapes", "shapes"),
    "cem": Case("cem_mlp.xor", "xor"),
    "ct": Case("ct_small_vit.shapes", "shapes"),
    "cct": Case("cct_small_vit.shapes", "shapes"),
    "cbm_intervened": Case("cbm_joint_cnn.shapes", "shapes", limit=3, options={"intervene": ["has red", "has green"]}),
    "transformer_program": Case("tp_sort.default", "sort", limit=3),
    "lm_moex": Case("moex_small.python_docs", "python_docs", limit=1),
    "lm_monet": Case("monet_hd_small.python_docs", "python_docs", limit=1),
    "chess": Case("chess_moex.chess", "chess", limit=1),
    "linear_baseline": Case(None, "digits", variant="linear_small8"),
    "sequence_baseline": Case(None, "sort", limit=3, variant="seq_transformer"),
}

_ROOT = Path(tempfile.mkdtemp(prefix="zoo-report-cases-"))
_DONE: dict[str, Path] = {}


def load(case: Case):
    from models import create_model, load_any

    if case.checkpoint is not None:
        return load_any(case.checkpoint)
    from datamodules import create_datamodule

    torch.manual_seed(0)
    return create_model(case.variant, spec=create_datamodule(case.data, **case.data_args).spec).eval()


def exported(name: str) -> Path:
    """The export folder of ``CASES[name]`` (written on first use)."""
    if name in _DONE:
        return _DONE[name]
    from datamodules import create_datamodule
    from explain import export_explanations

    case = CASES[name]
    model = load(case)
    datamodule = create_datamodule(case.data, **case.data_args)
    datamodule.setup("test")
    out = _ROOT / name
    export_explanations(model, datamodule.eval_dataloader("test"), out, id_prefix="test-", limit=case.limit,
                        source_data=datamodule.eval_dataset("train"), options=dict(case.options),
                        title=f"{name}: explanations")
    _DONE[name] = out
    return out
