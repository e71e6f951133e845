import random
from collections import Counter

import pytest
import torch

from datamodules import create_datamodule
from datamodules.sequences import TASKS, dyck_labels, encode, generate, make_induction


def test_labels_follow_the_task_definitions():
    for name, check in {
        "sort": lambda s, t: t[1:-1] == sorted(s[1:-1]),
        "reverse": lambda s, t: t[1:-1] == s[1:-1][::-1],
        "hist": lambda s, t: t[1:] == [str(Counter(s[1:])[c]) for c in s[1:]],
    }.items():
        for tokens, labels in generate(TASKS[name], 50, seed=1):
            assert tokens[0] == "<s>" and labels[0] == "<pad>"
            assert check(tokens, labels), (name, tokens, labels)
    tokens, labels = ["<s>", "2", "5", "2", "4", "5", "5"], None
    counts = Counter(tokens[1:])
    assert {c: n for c, n in counts.items()} == {"2": 2, "5": 3, "4": 1}


def test_most_freq_and_double_hist_on_a_hand_example():
    rng_tokens = ["3", "1", "3", "0", "1", "3"]

    class Fixed(random.Random):  # replays a chosen sequence through the generator
        def randint(self, a, b):
            return len(rng_tokens)

        def choices(self, population, k):
            return list(rng_tokens)

    most = TASKS["most_freq"].make(Fixed(), 8, 8)
    assert most[1] == ["<pad>", "3", "1", "0", "<s>", "<s>", "<s>"]
    double = TASKS["double_hist"].make(Fixed(), 8, 8)
    # counts: 3 -> 3, 1 -> 2, 0 -> 1: each count is shared by exactly one token
    assert double[1] == ["<pad>"] + ["1"] * 6


@pytest.mark.parametrize("sent,expected", [
    ("(())", "PPPT"),
    ("())(", "PTFF"),
    ("({)}", "PPFF"),
    ("{}()", "PTPT"),
    (")(", "FF"),
])
def test_dyck_prefix_labels(sent, expected):
    assert "".join(dyck_labels(list(sent))) == expected


def test_induction_labels_recall_the_earlier_digit():
    rng = random.Random(3)
    for _ in range(200):
        tokens, labels = make_induction(rng, 10, 10)
        assert len(tokens) == 10  # the paper's fixed length
        for i, (token, label) in enumerate(zip(tokens, labels)):
            if token.isalpha() and token != "<s>" and label != "?":
                earlier = [tokens[j + 1] for j in range(1, i - 1) if tokens[j] == token]
                assert earlier and earlier[0] == label


def test_generation_is_unique_seeded_and_bounded():
    task = TASKS["hist"]
    a, b = generate(task, 300, seed=0), generate(task, 300, seed=0)
    assert a == b and a != generate(task, 300, seed=1)
    assert len({tuple(t) for t, _ in a}) == 300
    assert all(len(t) <= task.max_length for t, _ in a)
    x, y = encode(a, task.vocab, task.classes, task.max_length)
    assert x.shape == y.shape == (300, task.max_length)
    lengths = torch.tensor([len(t) for t, _ in a])[:, None]
    assert ((x == 0) == (torch.arange(task.max_length) >= lengths)).all()


def test_datamodule_splits_and_spec():
    dm = create_datamodule("dyck2", dataset_size=1000)
    dm.setup()
    assert (len(dm.train_set), len(dm.val_set), len(dm.test_set)) == (810, 90, 100)
    train, test = set(dm.train_set.indices), set(dm.test_set.indices)
    assert not train & test
    spec = dm.spec
    assert spec.vocab[0] == "<pad>" and spec.class_names[0] == "<pad>"
    assert spec.input_shape == (16,) and spec.causal and spec.task == "sequence_labelling"
    assert spec.special_tokens == {"pad": "<pad>", "bos": "<s>"} and spec.variable_length
    batch = next(iter(dm.test_dataloader()))
    x, y = batch.inputs, batch.targets
    assert x.shape[1] == 16 and int(x.max()) < len(spec.vocab) and int(y.max()) < spec.num_classes
    dm2 = create_datamodule("dyck2", dataset_size=1000)
    dm2.setup()
    assert dm2.test_set.indices == dm.test_set.indices


def test_paper_protocol_sizes():
    dm = create_datamodule("hist")
    dm.setup()
    assert (len(dm.train_set), len(dm.val_set), len(dm.test_set)) == (16200, 1800, 2000)
