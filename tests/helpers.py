"""Shared test helpers: the completeness contract every family keeps (ARCHITECTURE contract 2)."""

from __future__ import annotations

import torch


def assert_complete(model, batch, atol: float = 1e-5) -> None:
    """Every record's contributions + bias equal its explained-class logit, and the model's decomposition
    rebuilds every class logit and equals ``model(x)``."""
    x = batch[0] if isinstance(batch, (list, tuple)) else batch
    model.eval()
    with torch.no_grad():
        logits = model(x).double()
        decomposition = model.decompose(x)
    rebuilt = decomposition.contributions().double().sum(-1) + decomposition.bias_per_sample().double()
    torch.testing.assert_close(rebuilt, logits, atol=atol, rtol=atol)
    torch.testing.assert_close(decomposition.logits.double(), logits, atol=atol, rtol=atol)
    records = model.explain(batch)
    assert len(records) == x.shape[0]
    for record, row in zip(records, logits):
        assert record.prediction == int(row.argmax())
        assert len(record.contributions) == decomposition.scores.shape[1]
        record.check_complete(atol)


def split_accuracy(model, data_name: str, split: str = "test") -> float:
    """A model's accuracy on a datamodule split, measured directly (no Lightning)."""
    from datamodules import create_datamodule

    datamodule = create_datamodule(data_name)
    datamodule.setup(split)
    correct = total = 0
    with torch.no_grad():
        for x, y in datamodule.split_dataloader(split):
            correct += int((model(x).argmax(-1) == y).sum())
            total += len(y)
    return correct / total
