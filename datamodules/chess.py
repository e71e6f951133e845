"""Chess games as character-level PGN strings, with the board at every move, for MoE-X's chess experiments
(Yang et al. 2025, §4.1) and Karvonen et al.'s board-state probes (2024).

A game is written as Karvonen's ``chess_llm_interpretability`` strings: ``;1.e4 e5 2.Nf3 Nc6 3.Bb5 ...`` (``;``
starts a game, no space after a move number's dot), over a 32-character vocabulary, plus ``<pad>`` after the game
ends. Games are cut to ``context + 1`` characters; inputs are the first ``context``, targets the rest.

Games come from a **non-uniform move policy** (``policy``), generated once into the cache
(``$INTRINSIC_ZOO_CACHE/chess/``, see ``datamodules.corpus.cache_dir``) and read back from there:

* ``greedy`` (the default): a material-greedy player: with probability 0.75 a random move among those that win
  the most material (captures, promotions; checkmate first), otherwise a uniformly random legal move;
* ``stockfish``: Debian's ``stockfish`` engine at ``depth`` plies, choosing among its 3 best moves with
  probability proportional to ``exp(score / 100 centipawns)``; ``auto`` uses it where it is installed, else
  ``greedy``. The shipped chess models use ``greedy`` so that their data is the same on every machine.

``games_file`` reads games from a text file instead (one game per line in the format above); an illegal move is
a ``ChessDataError`` naming the game and the ply. The cache files are read the same way.

**Board states** (``board_states(split)``): at every ``.`` of a game string (the moment White's move number is
written), the board as 64 squares a1..h8 of piece classes -6..6 (black king .. white king, 0 empty), Karvonen's
encoding; they are the targets of the board-state properties of ``models.board_probes``.
"""

from __future__ import annotations

import hashlib
import math
import random
import shutil
from pathlib import Path

import torch

from .base import AugmentedSubset, DataRootError, DataSpec, TensorItems, ZooDataModule, register_datamodule
from .corpus import cache_dir

PAD = "<pad>"
CHARACTERS = list(" #+-.0123456789;=BKNOQRabcdefghx")
PIECE_VALUES = {1: 1, 2: 3, 3: 3, 4: 5, 5: 9, 6: 0}  # python-chess piece types: pawn .. king
POLICIES = ("greedy", "stockfish", "auto")


class ChessDataError(ValueError):
    """A game file with a move that is not legal (or not readable) where it is played."""


def _chess():
    try:
        import chess
    except ImportError:  # pragma: no cover - a declared dependency
        raise ImportError("the chess data needs python-chess: pip install chess") from None
    return chess


def game_string(moves: list[str]) -> str:
    """SAN moves -> ``;1.e4 e5 2.Nf3 ...``."""
    parts = []
    for ply, san in enumerate(moves):
        parts.append(f"{ply // 2 + 1}.{san}" if ply % 2 == 0 else san)
    return ";" + " ".join(parts)


def parse_game(text: str, where: str = "game") -> list[str]:
    """``;1.e4 e5 ...`` -> SAN moves, each checked on a board; ``ChessDataError`` names the ply."""
    text = text.strip()
    if not text.startswith(";"):
        raise ChessDataError(f"{where}: a game starts with ';' (e.g. ';1.e4 e5 2.Nf3'), got {text[:20]!r}")
    bad = sorted(set(text) - set(CHARACTERS))
    if bad:
        raise ChessDataError(f"{where}: characters {bad} are not in the PGN vocabulary {''.join(CHARACTERS)!r}")
    board, moves, illegal = replay(text[1:].split())
    if illegal is not None:
        raise ChessDataError(f"{where}, ply {len(moves) + 1}: {illegal!r} is not a legal move in {board.fen()}")
    return moves


def replay(words: list[str]):
    """Play move words (``1.e4``, ``e5``) from the start: (the board, the SAN moves played, the first illegal
    move or None; the board is the position before it)."""
    board, moves = _chess().Board(), []
    for word in words:
        san = word.split(".", 1)[1] if "." in word else word
        if not san:
            continue
        try:
            board.push_san(san)
        except ValueError:
            return board, moves, san
        moves.append(san)
    return board, moves, None


def board_grid(board) -> list[int]:
    """64 squares (a1, b1, ..., h8) as piece classes: +type for White, -type for Black, 0 empty."""
    grid = [0] * 64
    for square, piece in board.piece_map().items():
        grid[square] = piece.piece_type if piece.color else -piece.piece_type
    return grid


def boards_at_dots(text: str) -> tuple[list[int], list[list[int]]]:
    """The index of every '.' in a game string and the board at that moment: the k-th dot writes White's move
    number k + 1, so its board is the one after 2k plies."""
    chess = _chess()
    moves = parse_game(text)
    board = chess.Board()
    positions = [i for i, c in enumerate(text) if c == "."]
    boards = []
    for k in range(len(positions)):
        boards.append(board_grid(board))
        for ply in (2 * k, 2 * k + 1):
            if ply < len(moves):
                board.push_san(moves[ply])
    return positions, boards


class GreedyPolicy:
    """Checkmate if possible; else with probability ``1 - explore`` a random move among the largest material
    gains, otherwise any legal move."""

    def __init__(self, rng: random.Random, explore: float = 0.25):
        self.rng, self.explore = rng, explore

    def __call__(self, board):
        moves = list(board.legal_moves)
        if self.rng.random() < self.explore:
            return self.rng.choice(moves)
        best, scored = -1.0, []
        for move in moves:
            gain = PIECE_VALUES.get(board.piece_type_at(move.to_square) or 0, 0)
            if board.is_en_passant(move):
                gain = 1
            if move.promotion:
                gain += PIECE_VALUES[move.promotion] - 1
            if board.gives_check(move):
                board.push(move)
                mate = board.is_checkmate()
                board.pop()
                gain += 100 if mate else 0.1
            scored.append((gain, move))
            best = max(best, gain)
        return self.rng.choice([m for g, m in scored if g == best])


class StockfishPolicy:
    """The engine's 3 best moves at ``depth``, sampled with probability proportional to exp(score / 100 cp)."""

    def __init__(self, rng: random.Random, depth: int = 1):
        import chess.engine

        path = shutil.which("stockfish") or (Path("/usr/games/stockfish") if Path("/usr/games/stockfish").exists()
                                             else None)
        if path is None:
            raise DataRootError("policy='stockfish' needs the stockfish engine (Debian: apt-get install stockfish); "
                                "use policy='greedy' or 'auto'")
        self.engine = chess.engine.SimpleEngine.popen_uci(str(path))
        self.rng, self.depth, self.limit = rng, depth, chess.engine.Limit(depth=depth)

    def __call__(self, board):
        infos = self.engine.analyse(board, self.limit, multipv=3)
        moves, weights = [], []
        for info in infos:
            if "pv" not in info:
                continue
            score = info["score"].relative.score(mate_score=10_000)
            moves.append(info["pv"][0])
            weights.append(score / 100.0)
        top = max(weights)
        return self.rng.choices(moves, [math.exp(w - top) for w in weights])[0]

    def close(self) -> None:
        self.engine.quit()


def resolve_policy(policy: str) -> str:
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {POLICIES}, got {policy!r}")
    if policy == "auto":
        return "stockfish" if shutil.which("stockfish") or Path("/usr/games/stockfish").exists() else "greedy"
    return policy


def generate_games(n: int, max_chars: int, policy: str, seed: int, depth: int = 1) -> list[str]:
    """``n`` games of the policy, each played until it ends or its string passes ``max_chars`` characters."""
    chess = _chess()
    rng = random.Random(seed)
    player = GreedyPolicy(rng) if policy == "greedy" else StockfishPolicy(rng, depth)
    games = []
    try:
        for _ in range(n):
            board, moves, length = chess.Board(), [], 1
            while not board.is_game_over() and length <= max_chars:
                move = player(board)
                san = board.san(move)
                length += len(san) + 1 + (len(str(len(moves) // 2 + 1)) + 1 if len(moves) % 2 == 0 else 0)
                moves.append(san)
                board.push(move)
            games.append(game_string(moves))
    finally:
        if hasattr(player, "close"):
            player.close()
    return games


def read_games(path: Path, check_moves: bool = True) -> list[str]:
    """One game per non-blank line, every move checked (``ChessDataError`` names the game and the ply); the
    cache, which python-chess wrote itself, is only checked for its characters."""
    games = []
    allowed = set(CHARACTERS)
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            where = f"{path}: game {len(games) + 1} (line {number})"
            if check_moves:
                parse_game(line, where)
            elif not line.startswith(";") or set(line.strip()) - allowed:
                raise ChessDataError(f"{where}: not a game string; delete the cache file to regenerate it")
            games.append(line.strip())
    if not games:
        raise DataRootError(f"{path} holds no games")
    return games


@register_datamodule("chess")
class ChessDataModule(ZooDataModule):
    """Generated (or read) chess games, split by game: ``n_games`` x (0.8, 0.1, 0.1)."""

    location_args = ("games_file",)
    has_board_states = True

    def __init__(self, n_games: int = 1500, context: int = 511, policy: str = "greedy", depth: int = 1,
                 seed: int = 0, games_file: str | None = None, batch_size: int = 16, eval_batch_size: int | None = 32,
                 num_workers: int = 0):
        super().__init__(batch_size, eval_batch_size, num_workers)
        self.n_games, self.context, self.seed, self.depth = n_games, context, seed, depth
        self.policy = resolve_policy(policy)
        self.games_file = Path(games_file) if games_file else None
        vocab = [PAD, *CHARACTERS]
        source = {"games_file": str(self.games_file)} if self.games_file else {
            "n_games": n_games, "policy": self.policy, "seed": seed, **({"depth": depth} if self.policy == "stockfish"
                                                                         else {})}
        self.spec = DataSpec(
            name="chess", input_shape=(context,), num_classes=len(vocab), class_names=vocab, task="next_token",
            vocab=vocab, special_tokens={"pad": PAD}, causal=True, variable_length=True,
            tokenizer={"type": "word", "pattern": ".", "lowercase": False, "join": ""},
            preprocessing={"format": ";1.e4 e5 2.Nf3 ... (Karvonen), cut to context + 1 characters",
                           "split": "by game, 80/10/10 in generation order", **source})
        self._games: list[str] | None = None
        self._boards: dict[str, tuple] = {}

    def cache_file(self) -> Path:
        key = f"{self.n_games}-{self.context}-{self.policy}-{self.depth}-{self.seed}"
        return cache_dir() / "chess" / f"games-{hashlib.sha256(key.encode()).hexdigest()[:12]}-{key}.txt"

    def games(self) -> list[str]:
        if self._games is None:
            if self.games_file is not None:
                if not self.games_file.is_file():
                    raise DataRootError(f"games file {self.games_file} does not exist (one ';1.e4 e5 ...' game per "
                                        f"line)")
                self._games = read_games(self.games_file)
            else:
                path = self.cache_file()
                if not path.is_file():
                    from models.release import atomic_write_text

                    games = generate_games(self.n_games, self.context + 1, self.policy, self.seed, self.depth)
                    atomic_write_text(path, "\n".join(games) + "\n")
                self._games = read_games(path, check_moves=False)
        return self._games

    def split_games(self) -> dict[str, list[str]]:
        games = self.games()
        n_val = n_test = max(1, len(games) // 10)
        n_train = len(games) - n_val - n_test
        return {"train": games[:n_train], "val": games[n_train:n_train + n_val], "test": games[n_train + n_val:]}

    def encode(self, games: list[str]) -> TensorItems:
        ids = {c: i for i, c in enumerate(self.spec.vocab)}
        pad = ids[PAD]
        rows = torch.full((len(games), self.context + 1), pad, dtype=torch.long)
        for row, game in enumerate(games):
            text = game[: self.context + 1]
            rows[row, : len(text)] = torch.tensor([ids[c] for c in text])
        return TensorItems(inputs=rows[:, :-1].clone(), targets=rows[:, 1:].clone())

    def setup(self, stage: str | None = None) -> None:
        if self.test_set is not None:
            return
        sets = {name: self.encode(games) for name, games in self.split_games().items()}
        whole = lambda d: AugmentedSubset(d, range(len(d)))  # noqa: E731
        self.train_set = self.train_eval_set = whole(sets["train"])
        self.val_set, self.test_set = whole(sets["val"]), whole(sets["test"])

    def board_states(self, split: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(game index, character position of a '.', board (64,) int8) for every '.' inside the context."""
        if split not in self._boards:
            games, positions, boards = [], [], []
            for g, game in enumerate(self.split_games()[split]):
                dots, grids = boards_at_dots(game)
                for dot, grid in zip(dots, grids):
                    if dot < self.context:
                        games.append(g)
                        positions.append(dot)
                        boards.append(grid)
            self._boards[split] = (torch.tensor(games), torch.tensor(positions),
                                   torch.tensor(boards, dtype=torch.int8).view(-1, 64))
        return self._boards[split]


__all__ = ["CHARACTERS", "ChessDataError", "ChessDataModule", "board_grid", "boards_at_dots", "game_string",
           "generate_games", "parse_game", "read_games"]
