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
