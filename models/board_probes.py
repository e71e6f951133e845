"""Board-state-property coverage and board reconstruction (Karvonen et al., *Measuring Progress in Dictionary
Learning for Language Model Interpretability with Board Game Models*, 2024), as MoE-X applies them to the hidden
neurons of a chess model's MLP (Yang et al. 2025, Table 1). The definitions follow the paper's evaluation code
(``adamkarvonen/SAE_BoardGameEval``: ``eval_sae_as_classifier.py``, ``f1_analysis.py``, ``analysis.py``,
``eval_board_reconstruction.py``).

* A **board-state property** (BSP) g is a binary function of the board: here "piece p on square s" for the 12
  pieces and 64 squares (768 BSPs; empty squares are not scored), read at every ``.`` of a game string
  (``datamodules.chess.ChessDataModule.board_states``).
* A **feature** f is one hidden neuron; at threshold t it fires when ``f(x) > t * f_max`` (``f_max``: its
  maximum over the data; a feature that never activates is dead and never fires). Thresholds 0, 0.1, ..., 0.9 (the
  reference's grid also has 1.0, at which ``>`` never fires).
* **Coverage** = ``max_t (1/|G|) sum_g max_f F1(f_t; g)``: one threshold for all BSPs, the mean over all 768 BSPs
  (those that never occur count 0, as the reference divides by 8 x 8 x 12).
* **Board reconstruction** = ``max_t F1_t``: at threshold t, a feature predicts g when on training games it fired
  at least 10 times with g true (the reference's significance count) and g was true at >= 95% of its firings; on
  test games every firing feature predicts its BSPs, and F1_t is the F1 of the predicted against the true BSPs over
  all test positions and squares (true / false positives and false negatives summed, as the reference does).
"""

from __future__ import annotations

from typing import Any

import torch

PIECES = [-6, -5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 6]
PIECE_NAMES = {1: "pawn", 2: "knight", 3: "bishop", 4: "rook", 5: "queen", 6: "king"}
THRESHOLDS = tuple(round(0.1 * i, 1) for i in range(10))


def bsp_labels(boards: torch.Tensor) -> torch.Tensor:
    """(N, 64) piece classes -> (N, 768) booleans, BSP ``square * 12 + piece index``."""
    return (boards.long().unsqueeze(-1) == torch.tensor(PIECES)).flatten(1)


def bsp_names() -> list[str]:
    files, names = "abcdefgh", []
    for square in range(64):
        for piece in PIECES:
            colour = "white" if piece > 0 else "black"
            names.append(f"{colour} {PIECE_NAMES[abs(piece)]} on {files[square % 8]}{square // 8 + 1}")
    return names


def firing(features: torch.Tensor, f_max: torch.Tensor) -> torch.Tensor:
    """(N, U) activations -> (T, N, U) booleans: does unit u fire at threshold t (``f > t f_max``, live units)."""
    thresholds = torch.tensor(THRESHOLDS, dtype=features.dtype).view(-1, 1, 1)
    return (features.unsqueeze(0) > thresholds * f_max.clamp_min(1e-12)) & (f_max > 0)


def _true_positives(fired: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """(T, N, U) firings, (N, G) BSPs -> (T, U, G) counts of positions where the unit fired and g held."""
    return torch.einsum("tnu,ng->tug", fired.float(), labels.float())


def coverage(features: torch.Tensor, boards: torch.Tensor) -> dict[str, Any]:
    """``max_t mean_g max_f F1(f_t; g)`` over all 768 BSPs; ``best_f1`` per BSP at the chosen threshold."""
    labels = bsp_labels(boards)
    fired = firing(features, features.max(0).values)
    tp = _true_positives(fired, labels)
    predicted, actual = fired.sum(1).float().unsqueeze(-1), labels.sum(0).float()  # (T, U, 1), (G,)
    best_t = (2 * tp / (predicted + actual).clamp_min(1)).max(1).values  # (T, G): the best feature per BSP
    per_threshold = best_t.mean(1)
    t = int(per_threshold.argmax())
    return {"coverage": float(per_threshold[t]), "threshold": THRESHOLDS[t],
            "bsps": int((actual > 0).sum()), "best_f1": best_t[t]}


def reconstruction(train_features: torch.Tensor, train_boards: torch.Tensor, test_features: torch.Tensor,
                   test_boards: torch.Tensor, min_precision: float = 0.95, min_count: int = 10) -> dict[str, Any]:
    """``max_t`` F1 of the test boards predicted by the features that are high-precision classifiers of a BSP on
    the training positions (>= ``min_precision`` of their firings, and at least ``min_count`` of them)."""
    f_max = train_features.max(0).values
    fired_train = firing(train_features, f_max)
    tp = _true_positives(fired_train, bsp_labels(train_boards))
    predicted = fired_train.sum(1).float().unsqueeze(-1)
    precise = (tp >= min_count) & (tp >= min_precision * predicted)  # (T, U, G)
    guessed = torch.einsum("tnu,tug->tng", firing(test_features, f_max).float(), precise.float()) > 0
    truth = bsp_labels(test_boards).unsqueeze(0)
    hits = (guessed & truth).sum((1, 2)).float()
    f1 = 2 * hits / (guessed.sum((1, 2)) + truth.sum((1, 2))).float().clamp_min(1)
    t = int(f1.argmax())
    return {"reconstruction": float(f1[t]), "threshold": THRESHOLDS[t],
            "precise_features": int(precise[t].any(1).sum())}


@torch.no_grad()
def layer_features(model, datamodule, split: str,
                   max_games: int | None = None) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Every layer's MLP unit activity (``LanguageModel.unit_activity``) at the '.' positions of a chess split, and
    the boards there: ([ (N, U) per layer ], (N, 64))."""
    from models.base import evaluating

    games, positions, boards = datamodule.board_states(split)
    if max_games is not None:
        keep = games < max_games
        games, positions, boards = games[keep], positions[keep], boards[keep]
    dataset = datamodule.eval_dataset(split)
    layers: list[list[torch.Tensor]] = []
    with evaluating(model):
        for start in range(0, int(games.max()) + 1, 16):
            chunk = list(range(start, min(start + 16, int(games.max()) + 1)))
            x = torch.stack([dataset[g]["inputs"] for g in chunk]).to(model.device)
            trace = model.gpt(x, trace=True).trace
            rows = (games >= start) & (games < start + len(chunk))
            b, t = (games[rows] - start).to(model.device), positions[rows].to(model.device)
            for layer, record in enumerate(trace["layers"]):
                if len(layers) <= layer:
                    layers.append([])
                layers[layer].append(model.unit_activity(record)[b, t].float().cpu())
    return [torch.cat(parts) for parts in layers], boards


def chess_board_metrics(model, datamodule, train_games: int = 200) -> dict[str, Any]:
    """Coverage (test split) and reconstruction (fitted on the first ``train_games`` training games, scored on
    the test split) of every layer's MLP units; the best layer's values first."""
    train, train_boards = layer_features(model, datamodule, "train", train_games)
    test, test_boards = layer_features(model, datamodule, "test")
    per_layer = []
    for layer, (f_train, f_test) in enumerate(zip(train, test)):
        per_layer.append({"layer": layer, "coverage": coverage(f_test, test_boards)["coverage"],
                          "reconstruction": reconstruction(f_train, train_boards, f_test, test_boards)
                          ["reconstruction"]})
    return {"bsp_coverage": max(r["coverage"] for r in per_layer),
            "board_reconstruction": max(r["reconstruction"] for r in per_layer),
            "board_metrics_by_layer": per_layer,
            "board_metrics_data": f"{len(train_boards)} training and {len(test_boards)} test positions ('.' of "
                                  f"each game), {len(THRESHOLDS)} thresholds"}
