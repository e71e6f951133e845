"""Text -> token ids for a sequence spec, from the spec alone (``tokenizer_for(spec)``), so a released model can
read new text with nothing but its release folder.

``spec.tokenizer["type"]``:

* ``vocab``: the input is already tokens, separated by whitespace (``<s> 3 1 4 </s>``); every token must be in
  the vocabulary (or becomes ``unk`` when the spec has one);
* ``word``: lower-cased (``lowercase``) and split by the regex ``pattern``; unknown words become ``unk``;
* ``bytes``: UTF-8 bytes, token ``i`` of the vocabulary is byte ``i`` (special tokens after the 256 bytes);
* ``bpe``: a byte-level BPE trained with the ``tokenizers`` library; its JSON is ``spec.tokenizer_data``
  (in a release: the file ``spec.tokenizer["file"]`` beside the weights).

A ``<s>`` is prepended when the spec has a ``bos`` token and the text does not start with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .base import DataSpec

# The special tokens of the zoo's own datasets (a spec names its own in ``special_tokens``; none is required).
PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<s>", "</s>"


class TokenizerError(ValueError):
    """Text the spec's tokenizer cannot encode; the message names the token or character."""


@dataclass
class Tokenizer:
    spec: DataSpec

    def __post_init__(self) -> None:
        self.kind = (self.spec.tokenizer or {}).get("type", "vocab")
        if self.kind not in ("vocab", "word", "bytes", "bpe"):
            raise TokenizerError(f"unknown tokenizer type {self.kind!r} in spec {self.spec.name!r}")
        self.ids = {token: i for i, token in enumerate(self.spec.vocab)}
        self.unk = self.spec.special_tokens.get("unk")
        self.bos = self.spec.special_tokens.get("bos")
        if self.kind == "bpe":
            if not self.spec.tokenizer_data:
                raise TokenizerError(f"spec {self.spec.name!r} names a BPE tokenizer but carries no tokenizer file")
            from tokenizers import Tokenizer as HFTokenizer

            self.bpe = HFTokenizer.from_str(self.spec.tokenizer_data)

    def tokens(self, text: str) -> list[str]:
        """The token strings of ``text`` (before the id lookup)."""
        if self.kind == "vocab":
            return text.split()
        if self.kind == "word":
            options = self.spec.tokenizer
            text = text.lower() if options.get("lowercase") else text
            return re.findall(options["pattern"], text)
        if self.kind == "bytes":
            return [self.spec.vocab[b] for b in text.encode("utf-8")]
        return self.bpe.encode(text).tokens

    def encode(self, text: str) -> list[int]:
        tokens = self.tokens(text)
        if self.bos is not None and (not tokens or tokens[0] != self.bos):
            tokens = [self.bos, *tokens]
        ids = []
        for token in tokens:
            if token in self.ids:
                ids.append(self.ids[token])
            elif self.unk is not None:
                ids.append(self.ids[self.unk])
            else:
                raise TokenizerError(f"token {token!r} is not in the vocabulary of {self.spec.name!r} "
                                     f"({len(self.ids)} tokens, no <unk>)")
        return ids

    def decode(self, ids: list[int]) -> str:
        tokens = [self.spec.vocab[i] for i in ids]
        if self.kind == "bytes":
            return bytes(int(i) for i in ids if i < 256).decode("utf-8", errors="replace")
        if self.kind == "bpe":
            return self.bpe.decode(list(ids))
        if self.kind == "word" and self.spec.tokenizer.get("pattern") == ".":  # characters: no separator
            return "".join(tokens)
        return " ".join(tokens)


def tokenizer_for(spec: DataSpec) -> Tokenizer:
    if not spec.is_sequence:
        raise TokenizerError(f"spec {spec.name!r} is not a sequence task ({spec.task})")
    return Tokenizer(spec)
