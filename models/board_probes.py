"""Board-state-property coverage and board reconstruction (Karvonen et al., *Measuring Progress in Dictionary
Learning for Language Model Interpretability with Board Game Models*, 2024), as MoE-X applies them to the hidden
neurons of a chess model's MLP (Yang et al. 2025, Table 1).

* A **board-state property** (BSP) is a binary function of the board: here "piece p on square s" for the 12
  pieces and 64 squares (768 BSPs; empty squares are not scored), read at every ``.`` of a game string
  (``datamodules.chess.ChessDataModule.board_states``).
* A **feature** f is one hidden neuron; it fires at threshold t when ``f(x) > t * f_max`` (``f_max``: its
  maximum over the data). Thresholds: 0, 0.1, ..., 0.9 [grid UNVERIFIED].
* **Coverage** = mean over the BSPs that occur of ``max_{f, t} F1(1[f > t f_max]; g)``.
* **Board reconstruction**: on training games find every (f, t) whose precision for some g is >= 0.95; on test
  games predict g wherever one of its high-precision features fires; the score is the F1 of the predicted board
  against the true one, averaged over boards.
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
    """(N, U) activations -> (N, U * len(THRESHOLDS)) booleans, column ``unit * T + threshold``."""
    thresholds = torch.tensor(THRESHOLDS, dtype=features.dtype)
    scale = f_max.clamp_min(1e-12)
    return (features.unsqueeze(-1) > thresholds * scale.unsqueeze(-1)).flatten(1) & (f_max > 0).repeat_interleave(
        len(THRESHOLDS)).unsqueeze(0)


def _counts(fired: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """True positives, predicted positives and actual positives of every (feature, threshold) for every BSP."""
    tp = fired.T.float() @ labels.float()  # (P, G)
    return tp, fired.sum(0).float().unsqueeze(1), labels.sum(0).float().unsqueeze(0)


def coverage(features: torch.Tensor, boards: torch.Tensor) -> dict[str, Any]:
    """Mean over the occurring BSPs of the best F1 of any feature at any threshold."""
    labels = bsp_labels(boards)
    fired = firing(features, features.max(0).values)
    tp, predicted, actual = _counts(fired, labels)
    f1 = 2 * tp / (predicted + actual).clamp_min(1)
    best = f1.max(0).values
    occurring = actual.squeeze(0) > 0
    return {"coverage": float(best[occurring].mean()), "bsps": int(occurring.sum()), "best_f1": best}


def reconstruction(train_features: torch.Tensor, train_boards: torch.Tensor, test_features: torch.Tensor,
                   test_boards: torch.Tensor, min_precision: float = 0.95) -> dict[str, Any]:
    """Board F1 on the test positions from the features that are >= ``min_precision`` precise on training."""
    f_max = train_features.max(0).values
    tp, predicted, _ = _counts(firing(train_features, f_max), bsp_labels(train_boards))
    precise = (tp / predicted.clamp_min(1) >= min_precision) & (tp > 0)  # (P, G)
    fired = firing(test_features, f_max).float()
    guessed = (fired @ precise.float()) > 0  # (N, G)
    truth = bsp_labels(test_boards)
    hits = (guessed & truth).sum(1).float()
    f1 = 2 * hits / (guessed.sum(1) + truth.sum(1)).float().clamp_min(1)
    return {"reconstruction": float(f1.mean()), "precise_features": int(precise.any(1).sum())}


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
