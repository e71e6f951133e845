"""The concept datamodules: the CEM synthetic recipes (and the PyC Dot pitfall avoided), digit pairs, rendered
shapes with located concepts, and user concept tables."""

import numpy as np
import pytest
import torch

from datamodules import create_datamodule
from datamodules.concepts import (
    SHAPE_CONCEPTS,
    ConceptDataError,
    concept_labels,
    read_concept_table,
    render_scenes,
    shapes_label,
    synthetic_splits,
)


def cem_reference(task, size=3000, seed=42):
    """The cem loader's draws, written with NumPy's global stream as in cem/data/synthetic_loaders.py."""
    np.random.seed(seed)
    out = {}
    for split, fraction in (("train", 0.7), ("test", 0.2), ("val", 0.1)):
        n = int(size * fraction)
        if task == "xor":
            x = np.random.uniform(0, 1, (n, 2))
            c = np.stack([x[:, 0] > 0.5, x[:, 1] > 0.5]).T
            y = np.logical_xor(c[:, 0], c[:, 1])
        elif task == "trig":
            h = np.random.normal(0, 2, (n, 3))
            a, b, d = h[:, 0], h[:, 1], h[:, 2]
            x = np.stack([np.sin(a) + a, np.cos(a) + a, np.sin(b) + b, np.cos(b) + b, np.sin(d) + d,
                          np.cos(d) + d, a ** 2 + b ** 2 + d ** 2]).T
            c = np.stack([a > 0, b > 0, d > 0]).T
            y = (a + b + d) > 1
        else:
            v1 = np.random.randn(n, 2) * 2
            v3 = np.random.randn(n, 2) * 2
            x = np.hstack([v1 + v3, v1 - v3])
            c = np.stack([np.dot(v1, np.ones(2)) > 0, np.dot(v3, -np.ones(2)) > 0]).T
            y = (v1 * v3).sum(-1) > 0
        out[split] = (x, c, y)
    return out


@pytest.mark.parametrize("task", ["xor", "trig", "dot"])
def test_synthetic_tasks_are_the_cem_recipes(task):
    ours, reference = synthetic_splits(task), cem_reference(task)
    for split in ("train", "val", "test"):
        x, c, y = ours[split]
        rx, rc, ry = reference[split]
        np.testing.assert_allclose(x.numpy(), rx.astype(np.float32), rtol=1e-6, atol=1e-6)
        assert c.numpy().tolist() == rc.astype(np.float32).tolist() and y.numpy().tolist() == ry.astype(int).tolist()
    dm = create_datamodule(task)
    dm.setup()
    assert (len(dm.train_set), len(dm.val_set), len(dm.test_set)) == (2100, 300, 600)
    batch = next(iter(dm.train_dataloader()))
    assert batch.inputs.shape[1:] == dm.spec.input_shape and batch.concepts.shape[1] == dm.spec.num_concepts
    assert dm.spec.concept_groups == {name: [i] for i, name in enumerate(dm.spec.concept_names)}
    assert torch.equal(concept_labels(dm, "val"), ours["val"][1])


def test_dot_does_not_collapse_like_pyc_toy_dataset():
    """PyC's ToyDataset('dot') re-seeds before the second vector: v2 == v1, so y == 1, c2 == not c1, x[:, 2:] == 0."""
    x, c, y = synthetic_splits("dot", 20_000)["train"]
    assert 0.45 < y.float().mean() < 0.55
    assert (c[:, 1] == 1 - c[:, 0]).float().mean() < 0.6
    assert x[:, 2:].abs().mean() > 1


def best_accuracy_from_concepts(c, y):
    """The accuracy of the best function of the binary concepts: the majority label of each concept pattern."""
    patterns = (c * 2 ** torch.arange(c.shape[1])).sum(1).long()
    correct = sum(max(int((y[patterns == p] == 1).sum()), int((y[patterns == p] == 0).sum()))
                  for p in patterns.unique())
    return correct / len(y)


@pytest.mark.parametrize("task, positive, best", [("xor", 0.50, 1.0), ("trig", 0.38, 0.813), ("dot", 0.50, 0.749)])
def test_synthetic_label_rates_and_concept_ceilings(task, positive, best):
    """The spec's independent re-implementation (1e5 samples): P(y=1) and the best accuracy from concepts."""
    _, c, y = synthetic_splits(task, 100_000, seed=1)["train"]
    assert y.float().mean().item() == pytest.approx(positive, abs=0.01)
    assert best_accuracy_from_concepts(c, y) == pytest.approx(best, abs=0.01)


def test_digit_pairs_concepts_label_and_disjoint_images():
    dm = create_datamodule("digit_pairs", pairs=(200, 50, 60))
    dm.setup()
    spec = dm.spec
    assert spec.input_shape == (1, 8, 16) and spec.num_classes == 19 and spec.concept_grid == (2, 4)
    item = dm.test_set[3]
    left, right = item["concepts"][:10].argmax(), item["concepts"][10:].argmax()
    assert item["concepts"].sum() == 2 and int(item["targets"]) == int(left + right)
    spatial = item["spatial_concepts"]  # (20, 2, 4): the left digit on the left half, the right on the right
    assert spatial[left, :, :2].eq(1).all() and spatial[left, :, 2:].eq(0).all()
    assert spatial[10 + right, :, 2:].eq(1).all() and spatial[10 + right, :, :2].eq(0).all()
    # every half is a real digit of the same split of the base data: train halves never appear in test pairs
    from datamodules.mnist import DigitsDataModule

    base = DigitsDataModule()
    images, _ = base.load_arrays()
    train_idx, _, test_idx = dm._base()[2]

    def halves(subset):
        return {tuple(subset[i]["inputs"][..., half].flatten().tolist())
                for i in range(len(subset)) for half in (slice(0, 8), slice(8, 16))}

    test_images = {tuple(images[i].flatten().tolist()) for i in test_idx}
    assert halves(dm.test_set) <= test_images
    assert not halves(dm.train_eval_set) & test_images
    parity = create_datamodule("digit_pairs", task="parity", pairs=(20, 5, 5))
    parity.setup()
    assert parity.spec.class_names == ["even", "odd"] and int(parity.val_set[0]["targets"]) in (0, 1)


def test_shapes_concepts_locations_and_rule():
    images, concepts, spatial = render_scenes(60, seed=3)
    assert images.shape == (60, 3, 48, 48) and 0 <= images.min() and images.max() <= 1
    count = concepts[:, 12:].argmax(1) + 1
    located = np.nan_to_num(spatial[:, :12])
    for n in range(60):
        occupied = located[n, :3].sum(0)  # one shape per object: the occupied cells
        assert occupied.sum() == count[n] and concepts[n, 12:].sum() == 1
        for k in range(12):  # a scene has a concept iff one of its cells does
            assert concepts[n, k] == float(located[n, k].any())
        assert located[n, 3:6].sum() == count[n] and located[n, 6:8].sum() == count[n]
        rows, cols = np.nonzero(occupied)  # position concepts follow the occupied cells
        assert concepts[n, 8] == float((cols < 2).any()) and concepts[n, 11] == float((rows >= 2).any())
        # the object is drawn where its cell says: the cell is brighter than the background
        for r, c in zip(rows, cols):
            assert images[n, :, r * 12:(r + 1) * 12, c * 12:(c + 1) * 12].max() > 0.6
    assert np.isnan(spatial[:, 12:]).all()
    marked = concepts[:, 0] + concepts[:, 3] - concepts[:, 5] >= 1
    busy = (count >= 2) & (concepts[:, 7] == 1)
    assert shapes_label(concepts).tolist() == (2 * busy + marked).tolist()


def test_shapes_datamodule_batches_and_balance():
    dm = create_datamodule("shapes", num_scenes=400)
    dm.setup()
    assert dm.spec.concept_names == SHAPE_CONCEPTS and dm.spec.concept_grid == (4, 4)
    assert set(dm.spec.concept_groups) == {"shape", "colour", "size", "position", "count"}
    batch = next(iter(dm.train_dataloader()))
    assert batch.spatial_concepts.shape == (64, 15, 4, 4) and batch.concepts.shape == (64, 15)
    labels = torch.tensor([int(dm.train_eval_set[i]["targets"]) for i in range(len(dm.train_eval_set))])
    assert (torch.bincount(labels, minlength=4).float() / len(labels)).min() > 0.15
    assert torch.equal(concept_labels(dm, "test"), torch.stack([dm.test_set[i]["concepts"]
                                                                 for i in range(len(dm.test_set))]))


def test_concept_table_reads_labels_and_refuses_bad_files(tmp_path):
    path = tmp_path / "concepts.csv"
    path.write_text("id,striped,spotted\na.png,1,0\nb.png,,1\nc.png,0,nan\n")
    names, labels = read_concept_table(path, ["c.png", "a.png", "b.png"])
    assert names == ["striped", "spotted"]
    assert labels[0, 0] == 0 and torch.isnan(labels[0, 1]) and labels[1].tolist() == [1.0, 0.0]
    bad = {
        "id,striped,spotted\na.png,1,0\nb.png,0,1\n": "no row for 1 of 3 items",
        "id,striped,spotted\na.png,1,0\nb.png,0,1\nc.png,2,0\n": "has value '2'",
        "id,striped,spotted\na.png,1,0\na.png,0,1\nc.png,0,0\n": "appears twice",
        "id,striped,spotted\na.png,1,0\nb.png,0,1\nz.png,0,0\n": "'z.png' is not an item",
        "id,striped,spotted\na.png,1\n": "expected 3 fields",
    }
    for text, message in bad.items():
        path.write_text(text)
        with pytest.raises(ConceptDataError, match=message):
            read_concept_table(path, ["a.png", "b.png", "c.png"])
    path.write_text("id,striped,dotted\na.png,1,0\n")
    with pytest.raises(ConceptDataError, match="unknown: \\['dotted'\\]"):
        read_concept_table(path, ["a.png"], concept_names=["striped", "spotted"])
