"""Chess games (datamodules/chess.py): the PGN strings, legal moves, boards at every move, the cache, bad files."""

import chess
import pytest
import torch

from datamodules import DataRootError, create_datamodule
from datamodules.chess import ChessDataError, boards_at_dots, game_string, generate_games, parse_game
from datamodules.tokenizers import TokenizerError, tokenizer_for


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("INTRINSIC_ZOO_CACHE", str(tmp_path))
    return tmp_path


def test_games_are_legal_karvonen_strings_from_a_non_uniform_policy():
    games = generate_games(6, 300, "greedy", seed=0)
    assert len(games) == 6 and all(g.startswith(";1.") for g in games)
    for game in games:
        moves = parse_game(game)
        assert game_string(moves) == game
    captures = sum(g.count("x") for g in games) / sum(len(parse_game(g)) for g in games)
    assert captures > 0.15  # a material-greedy player captures far more often than a random one
    assert generate_games(2, 300, "greedy", seed=0) == games[:2]


def test_the_board_at_each_dot_is_the_position_before_whites_move():
    text = ";1.e4 e5 2.Nf3 Nc6 3.Bb5"
    positions, boards = boards_at_dots(text)
    assert [text[p] for p in positions] == ["."] * 3 and positions[0] == 2
    board = chess.Board()
    for san in ["e4", "e5", "Nf3", "Nc6"]:
        board.push_san(san)
    grid = torch.tensor(boards[2]).view(8, 8)
    assert grid[3, 4] == 1 and grid[4, 4] == -1  # white pawn e4, black pawn e5
    assert grid[2, 5] == 2 and grid[5, 2] == -2  # white knight f3, black knight c6
    assert int((grid != 0).sum()) == len(board.piece_map())


def test_generated_once_into_the_cache_and_reused(cache):
    dm = create_datamodule("chess", n_games=10, context=128)
    dm.setup()
    files = list((cache / "chess").glob("*.txt"))
    assert len(files) == 1
    again = create_datamodule("chess", n_games=10, context=128)
    assert again.games() == dm.games()
    assert len(dm.train_set) == 8 and len(dm.val_set) == len(dm.test_set) == 1
    item = dm.train_set[0]
    assert torch.equal(item["inputs"][1:], item["targets"][:-1])
    games, positions, boards = dm.board_states("train")
    assert boards.shape == (len(positions), 64) and int(positions.max()) < 128
    assert dm.spec.special_tokens == {"pad": "<pad>"} and dm.spec.preprocessing["policy"] == "greedy"


def test_an_illegal_move_in_a_games_file_names_the_game_and_the_ply(tmp_path):
    path = tmp_path / "games.txt"
    path.write_text(";1.e4 e5 2.Nf3\n;1.d4 d5 2.Ke3\n")
    with pytest.raises(ChessDataError, match=r"game 2 \(line 2\), ply 3: 'Ke3' is not a legal move"):
        create_datamodule("chess", games_file=str(path)).games()
    path.write_text(";1.e4 e5 2.Nf3 Nc6\n")
    assert create_datamodule("chess", games_file=str(path)).games() == [";1.e4 e5 2.Nf3 Nc6"]
    with pytest.raises(DataRootError, match="does not exist"):
        create_datamodule("chess", games_file=str(tmp_path / "none.txt")).games()


def test_characters_outside_the_pgn_vocabulary_are_refused():
    with pytest.raises(ChessDataError, match="not in the PGN vocabulary"):
        parse_game(";1.e4 e5 2.Nf3 {good}")
    spec = create_datamodule("chess").spec
    tokenizer = tokenizer_for(spec)
    assert tokenizer.encode(";1.e4") == [spec.vocab.index(c) for c in ";1.e4"]
    with pytest.raises(TokenizerError, match="'!'"):
        tokenizer.encode(";1.e4!")


def test_unknown_policy_and_a_missing_engine(monkeypatch):
    with pytest.raises(ValueError, match="policy"):
        create_datamodule("chess", policy="random")
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name: None)
    from pathlib import Path

    monkeypatch.setattr(Path, "exists", lambda self: False)
    assert create_datamodule("chess", policy="auto").policy == "greedy"
    with pytest.raises(DataRootError, match="apt-get install stockfish"):
        generate_games(1, 50, "stockfish", seed=0)


def _has_stockfish() -> bool:
    import shutil
    from pathlib import Path

    return bool(shutil.which("stockfish")) or Path("/usr/games/stockfish").exists()


@pytest.mark.skipif(not _has_stockfish(), reason="Debian's stockfish is not installed (apt-get install stockfish)")
def test_stockfish_games_are_legal_and_reproducible():
    games = generate_games(1, 60, "stockfish", seed=3, depth=1)
    assert parse_game(games[0]) and games == generate_games(1, 60, "stockfish", seed=3, depth=1)
    assert create_datamodule("chess", policy="auto", n_games=2).spec.preprocessing["policy"] == "stockfish"
