"""The embedded datamodules: fixed sizes, disjoint and deterministic splits, images in [0, 1]."""

import pytest
import torch

from datamodules import create_datamodule


def _indices(dm):
    return [list(s.indices) for s in (dm.train_set, dm.val_set, dm.test_set)]


@pytest.fixture(scope="module")
def digits():
    dm = create_datamodule("digits")
    dm.setup()
    return dm


@pytest.fixture(scope="module")
def mnist5k():
    dm = create_datamodule("mnist5k")
    dm.setup()
    return dm


def test_digits_split_sizes_disjoint_and_complete(digits):
    train, val, test = _indices(digits)
    assert (len(train), len(val), len(test)) == (1258, 180, 359)
    assert len(set(train) | set(val) | set(test)) == 1797
    assert digits.train_eval_set.indices == digits.train_set.indices


def test_mnist5k_split_sizes_disjoint_and_complete(mnist5k):
    train, val, test = _indices(mnist5k)
    assert (len(train), len(val), len(test)) == (3500, 500, 1000)
    assert len(set(train) | set(val) | set(test)) == 5000


def test_splits_are_deterministic(digits):
    again = create_datamodule("digits")
    again.setup()
    assert _indices(again) == _indices(digits)


@pytest.mark.parametrize("name", ["digits", "mnist5k"])
def test_images_have_spec_shape_and_range(name, request):
    dm = request.getfixturevalue(name)
    batch = next(iter(dm.eval_dataloader("train")))
    images, labels = batch.inputs, batch.targets
    assert images.shape[1:] == dm.spec.input_shape and images.dtype == torch.float32
    assert 0 <= images.min() and images.max() <= 1 and images.max() > 0.5
    assert labels.dtype == torch.long and 0 <= labels.min() and labels.max() < dm.spec.num_classes


def test_train_eval_set_is_the_unaugmented_training_split(digits):
    torch.manual_seed(1)
    augmented = torch.stack([digits.train_set[i]["inputs"] for i in range(20)])
    plain = torch.stack([digits.train_eval_set[i]["inputs"] for i in range(20)])
    assert digits.train_eval_set.transform is None
    assert not torch.equal(augmented, plain)
    assert torch.equal(plain, torch.stack([digits.train_eval_set[i]["inputs"] for i in range(20)]))


def test_splits_are_named_and_the_training_split_is_never_quietly_unaugmented(digits):
    assert digits.eval_dataset("train") is digits.train_eval_set and digits.eval_dataset("val") is digits.val_set
    with pytest.raises(KeyError, match="unknown split 'push'"):
        digits.eval_dataloader("push")
    assert not hasattr(digits, "split_dataloader") and not hasattr(digits, "push_dataloader")


def test_items_carry_their_index_in_the_split(digits):
    batch = next(iter(digits.eval_dataloader("val")))
    assert batch.ids.tolist() == list(range(len(batch)))
    assert digits.val_set[7]["ids"] == 7
