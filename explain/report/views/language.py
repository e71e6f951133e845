"""The language models (dense, MoE-X, Monet) on chess games: the board of the game so far, drawn by python-chess
from the characters the prediction read (the generic token view draws the characters themselves)."""

from __future__ import annotations

from typing import Any

from ..context import ReportContext
from ..html import esc, key_values
from ..inputs import input_view


def game_so_far(text: str) -> tuple[Any, list[str], str, str | None]:
    """(board, the moves played, the move being written, a problem or None) of a game string such as
    ``;1.e4 e5 2.Nf`` (Karvonen's format, ``datamodules.chess``). A move counts as played once the space after
    it is written: until then the model may still be writing it (``Nf3`` or ``Nf3+``)."""
    import chess

    from datamodules.chess import replay

    if not text.startswith(";"):
        return chess.Board(), [], "", "the context does not start at the beginning of a game (';')"
    body = text[1:]
    words = body.split(" ")
    done, writing = (words, "") if body.endswith(" ") else (words[:-1], words[-1])
    board, moves, illegal = replay(done)
    problem = None if illegal is None else f"{illegal!r} is not a legal move after {len(moves)} plies"
    return board, moves, writing, problem


@input_view("chess")
def chess_board(record: dict[str, Any], ctx: ReportContext) -> str:
    import chess
    import chess.svg

    text = "".join((record.get("tokens") or {}).get("context") or [])
    board, moves, writing, problem = game_so_far(text)
    last = board.peek() if board.move_stack else None
    svg = chess.svg.board(board, lastmove=last, size=320)
    plies = len(moves)
    turn = "White" if board.turn == chess.WHITE else "Black"
    facts = [("moves played", f"{plies} plies ({(plies + 1) // 2} move(s)); {turn} to move"),
             ("last move", esc(moves[-1]) if moves else "none yet"),
             ("being written", f"<code>{esc(writing)}</code>" if writing else "nothing: the next move starts"),
             ("position (FEN)", f'<code class="fen">{esc(board.fen())}</code>')]
    if board.is_check():
        facts.append(("check", f"{turn} is in check"))
    warn = f'<p class="warn">Board drawn up to the problem: {esc(problem)}.</p>' if problem else ""
    return (f"<h3>The board of the game so far</h3>{warn}"
            f'<div class="board">{svg}</div>'
            '<p class="note">Replayed with python-chess from the characters the prediction read (its context); '
            'a move counts once the space after it is written. The model itself reads only the characters.</p>'
            + key_values(facts))
