"""Tokens and token classes as a reader can see them: a byte token (``<0x41>``) as its character and a token
that is whitespace as a visible mark, so that a predicted space is never an empty cell."""

from __future__ import annotations

from functools import lru_cache

TOKEN_MARKS = {" ": "␣", "\t": "⇥", "\n": "↵", "\r": "␍"}  # a token that is whitespace, as a visible mark
MARK_NAMES = {" ": "space", "\t": "tab", "\n": "newline", "\r": "carriage return"}


def byte_value(token: str) -> int | None:
    """The byte a byte-level vocabulary's token names (``<0x20>`` -> 32), else None."""
    if len(token) == 6 and token.startswith("<0x") and token.endswith(">"):
        try:
            return int(token[3:5], 16)
        except ValueError:
            return None
    return None


@lru_cache(maxsize=65_536)
def token_text(token: str | None) -> str:
    """A token as plain text a reader can see (escape it before use): an ASCII byte token as its character,
    whitespace as a mark (``␣`` for a space); a byte of a longer UTF-8 character stays ``<0xC3>``."""
    if token is None:
        return ""
    byte = byte_value(token)
    text = chr(byte) if byte is not None and byte < 0x80 else token
    if text and all(c in TOKEN_MARKS for c in text):
        return "".join(TOKEN_MARKS[c] for c in text)
    return text if text.isprintable() else token


@lru_cache(maxsize=65_536)
def token_label(token: str | None) -> str | None:
    """A token class's name on a page: ``token_text``, with what a whitespace mark stands for
    (``␣ (space)``)."""
    if token is None:
        return None
    shown = token_text(token)
    byte = byte_value(token)
    raw = chr(byte) if byte is not None and byte < 0x80 else token
    if raw and all(c in MARK_NAMES for c in raw):
        return f"{shown} ({' '.join(MARK_NAMES[c] for c in raw)})"
    return shown
