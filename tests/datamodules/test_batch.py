"""The typed batch: what a dataset item, a collated batch and a user's tuple or dict become, and the errors."""

import pytest
import torch
from torch.utils.data import DataLoader

from datamodules.base import AugmentedSubset, TensorItems
from datamodules.batch import Batch, BatchError, as_batch, collate


def test_dict_items_collate_into_a_batch_and_keep_every_field():
    items = TensorItems(inputs=torch.rand(6, 3), targets=torch.arange(6), concepts=torch.rand(6, 4),
                        concept_mask=torch.ones(6, 4, dtype=torch.bool))
    batch = next(iter(DataLoader(AugmentedSubset(items, [5, 1, 2]), batch_size=3, collate_fn=collate)))
    assert isinstance(batch, Batch)
    assert batch.present() == ["inputs", "targets", "concepts", "concept_mask", "ids"]
    assert batch.targets.tolist() == [5, 1, 2] and batch.ids.tolist() == [0, 1, 2]
    assert torch.equal(batch.concepts, items.tensors["concepts"][[5, 1, 2]])
    part = batch.select(slice(1, 3))
    assert len(part) == 2 and part.concepts.shape == (2, 4) and part.ids.tolist() == [1, 2]


def test_as_batch_takes_tensors_pairs_dicts_and_batches():
    x, y = torch.rand(2, 3), torch.tensor([0, 1])
    assert as_batch(x).targets is None and as_batch((x, y)).targets is y and as_batch([x]).inputs is x
    assert as_batch({"inputs": x, "domains": y}).domains is y
    batch = Batch(x, y)
    assert as_batch(batch) is batch and batch.to("cpu").inputs is not None


@pytest.mark.parametrize("data, message", [
    ((torch.rand(2, 3), torch.arange(2), torch.rand(2, 4)), "a tuple batch is \\(inputs, targets\\); got 3 items"),
    ({"inputs": torch.rand(2), "concept": torch.rand(2)}, "may hold inputs, targets, concepts"),
    ({"targets": torch.arange(2)}, "needs 'inputs'"),
    ("images/", "expected a tensor"),
])
def test_what_is_not_a_batch_says_why(data, message):
    with pytest.raises(BatchError, match=message):
        as_batch(data)


def test_a_cub_concept_batch_reaches_training_and_explain(monkeypatch):
    """Concept labels are not dropped on the way: training_step and explain see them (issue: split_batch kept
    batch[0] and batch[1] only)."""
    from models import create_model

    model = create_model("linear_small8")
    seen = []
    monkeypatch.setattr(type(model), "loss_terms", lambda self, batch, output: seen.append(batch.present())
                        or {"cross_entropy": output.outputs.sum() * 0})
    batch = {"inputs": torch.rand(2, 1, 8, 8), "targets": torch.tensor([1, 2]), "concepts": torch.rand(2, 5)}
    model.training_step(collate([{k: v[i] for k, v in batch.items()} for i in range(2)]), 0)
    assert seen == [["inputs", "targets", "concepts"]]
    assert len(model.explain(batch)) == 2
