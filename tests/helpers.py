"""Shared test helpers: the completeness contract every family keeps (ARCHITECTURE contract 2)."""

from __future__ import annotations

import torch

from datamodules.batch import as_batch


def assert_complete(model, batch, atol: float = 1e-5, **options) -> list:
    """For a model that claims completeness: its decomposition rebuilds every output of every row exactly and
    matches ``model(x)``, and every record's contributions + bias equal its explained value. For one that does
    not: every record says so and says what is exact. Returns the records."""
    batch = as_batch(batch)
    model.eval()
    with torch.no_grad():
        outputs = model(batch.inputs, **options).double()
        decomposition = model.explain_decompose(model.check_batch(batch), **options)
        records = model.explain(batch, **options)
    rows = outputs if decomposition.position is None else outputs[decomposition.sequence, decomposition.position]
    torch.testing.assert_close(decomposition.outputs.double(), rows, atol=atol, rtol=atol)
    assert len(records) == len(rows)
    for record, row in zip(records, rows):
        assert record.output == model.output and record.prediction == int(row.argmax())
        assert record.num_units == decomposition.num_units
    if not model.complete:
        assert all(not r.complete and r.exact for r in records), "an incomplete record must say what is exact"
        return records
    rebuilt = decomposition.all_contributions().double().sum(-1) + decomposition.all_bias().double()
    torch.testing.assert_close(rebuilt, rows, atol=atol, rtol=atol)
    for record in records:
        record.check_complete(atol)
    return records


def split_accuracy(model, data_name: str, split: str = "test") -> float:
    """A model's accuracy on a datamodule split (token accuracy for sequence models), measured directly (no
    Lightning)."""
    from datamodules import create_datamodule

    datamodule = create_datamodule(data_name)
    datamodule.setup(split)
    correct = total = 0
    with torch.no_grad():
        for batch in datamodule.eval_dataloader(split):
            outputs, targets = model.scored(model(batch.inputs), batch.targets)
            scored = targets != model.ignore_index
            correct += int((outputs.argmax(-1)[scored] == targets[scored]).sum())
            total += int(scored.sum())
    return correct / total


def toy_text_spec(length: int = 6):
    """A word-level sequence-classification spec (the ``text`` datamodule's shape) for unit tests."""
    from datamodules.base import DataSpec

    return DataSpec(name="toy", input_shape=(length,), num_classes=2, class_names=["neg", "pos"],
                    task="sequence_classification", vocab=["<pad>", "<unk>", "<s>", "good", "bad", "film"],
                    special_tokens={"pad": "<pad>", "unk": "<unk>", "bos": "<s>"}, variable_length=True,
                    tokenizer={"type": "word", "pattern": r"\w+", "lowercase": True})
