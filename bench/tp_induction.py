"""Why the induction task is hard to learn with the paper's one head per layer, and how more heads solve it.

    OMP_NUM_THREADS=1 .venv/bin/python bench/tp_induction.py --epochs 40
    OMP_NUM_THREADS=1 .venv/bin/python bench/tp_induction.py free --heads 2 4 --seed 0 1 2 3 4 --epochs 40

The paper's solution (§4.1) has two parts: layer 0 is a previous-token head (query positions, key positions,
``key == query - 1``, value tokens), and layer 1 is the induction head (query tokens, key ``attn_0_0_outputs``,
value tokens, ``key == query``). Each setting below fixes one part by hand and trains the rest with the usual
recipe (Adam 5e-2, batch 512, Gumbel temperature 3.0 -> 0.01 over ``--epochs``), then reports the discrete
program's validation accuracy and the learned choices. ``free`` fixes nothing (the plain recipe); with
``--heads`` it is run with that many categorical heads per layer (the paper's §4.1 uses one).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import lightning as L  # noqa: E402
import torch  # noqa: E402

from datamodules import create_datamodule  # noqa: E402
from models import create_model  # noqa: E402
from models.programs.transformer_programs import TransformerProgram  # noqa: E402

TOKENS, POSITIONS, ATTN_0_0 = 0, 1, 2  # the categorical variables layer 1 can read


def fix_gate(gate, choices: list[int]) -> None:
    gate.logits.data.fill_(-10.0)
    for reader, var in enumerate(choices):
        gate.logits.data[reader, var] = 10.0
    gate.logits.requires_grad_(False)


def fix_previous_token_head(model: TransformerProgram) -> None:
    head = model.cat_attn[0]
    fix_gate(head.query, [POSITIONS]), fix_gate(head.key, [POSITIONS]), fix_gate(head.value, [TOKENS])
    head.predicate.data.fill_(-10.0)
    for query in range(model.d_var):
        head.predicate.data[0, query, max(query - 1, 0)] = 10.0
    head.predicate.requires_grad_(False)


def wire_induction_head(model: TransformerProgram) -> None:
    """Layer 1 reads the right variables; its predicate is still learned."""
    head = model.cat_attn[1]
    fix_gate(head.query, [TOKENS]), fix_gate(head.key, [ATTN_0_0]), fix_gate(head.value, [TOKENS])


class ValidationCurve(L.Callback):
    def __init__(self):
        self.curve: list[float] = []

    def on_validation_epoch_end(self, trainer, pl_module):
        if not trainer.sanity_checking:
            self.curve.append(round(float(trainer.callback_metrics["val/acc"]), 4))


def run(setting: str, epochs: int, seed: int, n_cat_heads: int = 1) -> dict:
    """The usual Lightning fit (the model's optimiser and TemperatureAnnealing); fixed parameters are frozen,
    so Adam leaves them as set."""
    if setting != "free" and n_cat_heads != 1:
        raise ValueError(f"setting {setting!r} fixes the one-head solution; use --heads 1")
    L.seed_everything(seed)
    datamodule = create_datamodule("induction")
    datamodule.setup()
    model = create_model("tp_induction", spec=datamodule.spec, n_cat_heads=n_cat_heads)
    if setting == "layer0_fixed":
        fix_previous_token_head(model)
    elif setting == "layer1_wired":
        wire_induction_head(model)
    curve = ValidationCurve()
    trainer = L.Trainer(max_epochs=epochs, accelerator="cpu", logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
                        callbacks=[curve])
    start = time.time()
    trainer.fit(model, datamodule)
    heads = {f"layer {i}": {"query": h.query.choices(), "key": h.key.choices(), "value": h.value.choices(),
                            "predicate": h.predicate.argmax(-1).tolist()} for i, h in enumerate(model.cat_attn)}
    y_val = next(iter(datamodule.val_dataloader())).targets
    return {"setting": setting, "n_cat_heads": n_cat_heads, "seed": seed, "epochs": epochs,
            "seconds": round(time.time() - start),
            "val_acc_by_epoch": curve.curve, "final_val_acc": curve.curve[-1], "heads": heads,
            "majority_label_share": round(float((y_val == 1).sum() / (y_val != 0).sum()), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("settings", nargs="*", default=["layer0_fixed", "layer1_wired", "free"])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--seed", type=int, nargs="+", default=[0])
    parser.add_argument("--heads", type=int, nargs="+", default=[1], help="categorical heads per layer")
    args = parser.parse_args()
    torch.set_num_threads(1)
    for setting in args.settings:
        for heads in args.heads:
            for seed in args.seed:
                print(json.dumps(run(setting, args.epochs, seed, heads)), flush=True)


if __name__ == "__main__":
    main()
