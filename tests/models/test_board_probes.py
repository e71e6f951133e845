"""Karvonen et al.'s board-state metrics (models/board_probes.py) on features whose answers are known."""

import pytest
import torch

from models.board_probes import bsp_labels, bsp_names, coverage, reconstruction


def boards(n: int = 400) -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    pieces = torch.tensor([-6, -5, -4, -3, -2, -1, 0, 0, 0, 1, 2, 3, 4, 5, 6])
    return pieces[torch.randint(0, len(pieces), (n, 64), generator=g)].to(torch.int8)


def test_bsp_labels_and_names():
    b = torch.zeros(1, 64, dtype=torch.int8)
    b[0, 21] = 2  # white knight on f3
    labels = bsp_labels(b)
    assert labels.shape == (1, 768) and labels.sum() == 1
    assert bsp_names()[int(labels[0].nonzero())] == "white knight on f3"


def test_a_feature_per_property_covers_and_reconstructs_everything():
    train, test = boards(), boards(300)
    exact_train, exact_test = bsp_labels(train).float(), bsp_labels(test).float()
    assert coverage(exact_test, test)["coverage"] == pytest.approx(1.0)
    assert reconstruction(exact_train, train, exact_test, test)["reconstruction"] == pytest.approx(1.0)


def test_random_features_score_low():
    train, test = boards(), boards(300)
    g = torch.Generator().manual_seed(1)
    noise_train, noise_test = torch.rand(400, 50, generator=g), torch.rand(300, 50, generator=g)
    assert coverage(noise_test, test)["coverage"] < 0.3
    assert reconstruction(noise_train, train, noise_test, test)["reconstruction"] < 0.2


def test_a_noisy_copy_sits_in_between():
    test = boards(300)
    g = torch.Generator().manual_seed(2)
    noisy = lambda b: bsp_labels(b).float() + 0.5 * torch.randn(len(b), 768, generator=g)  # noqa: E731
    value = coverage(noisy(test), test)["coverage"]
    assert 0.3 < value < 1.0


def _f1(pred: torch.Tensor, truth: torch.Tensor) -> float:
    tp = float((pred & truth).sum())
    return 2 * tp / max(float(pred.sum() + truth.sum()), 1.0)


def test_coverage_and_reconstruction_pick_one_threshold_for_all_properties():
    """Karvonen's definitions written out with loops: coverage = max_t mean_g max_f F1, reconstruction = max_t F1
    of the boards predicted by the >= 95%-precise features (>= 10 co-firings) of training."""
    train, test = boards(200), boards(120)
    g = torch.Generator().manual_seed(3)
    mix = 0.4 * torch.rand(768, 4, generator=g) * (torch.rand(768, 4, generator=g) < 0.005)
    mix[[5, 100, 300, 700], range(4)] = 1.0  # each unit also a strong detector of one property
    feats = lambda b: bsp_labels(b).float() @ mix + 0.3 * torch.rand(len(b), 4, generator=g)  # noqa: E731
    f_train, f_test = feats(train), feats(test)
    truth_train, truth_test = bsp_labels(train), bsp_labels(test)
    thresholds = [0.1 * i for i in range(10)]

    def fires(f, f_max, t):
        return f > t * f_max

    per_t = []
    for t in thresholds:
        fired = [fires(f_test[:, u], f_test[:, u].max(), t) for u in range(4)]
        per_t.append(sum(max(_f1(fired[u], truth_test[:, k]) for u in range(4)) for k in range(768)) / 768)
    assert coverage(f_test, test)["coverage"] == pytest.approx(max(per_t), abs=1e-6)

    f_max = f_train.max(0).values
    scores = []
    for t in thresholds:
        guessed = torch.zeros_like(truth_test)
        for u in range(4):
            on_train = fires(f_train[:, u], f_max[u], t)
            co = (on_train.unsqueeze(1) & truth_train).sum(0)
            labels = (co >= 10) & (co >= 0.95 * on_train.sum())
            guessed |= fires(f_test[:, u], f_max[u], t).unsqueeze(1) & labels.unsqueeze(0)
        scores.append(_f1(guessed, truth_test))
    assert reconstruction(f_train, train, f_test, test)["reconstruction"] == pytest.approx(max(scores), abs=1e-6)
