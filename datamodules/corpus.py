"""Next-token text corpora from local text, for the language models (``models.language_model``).

* ``python_docs`` (the embedded default: nothing to download): two domains that ship with Python itself,
  ``prose`` = the 79 documentation topics of ``pydoc_data.topics`` (465K characters of the language reference)
  and ``code`` = the top-level modules of the standard library's sources (public modules in name order, up to
  ``code_chars`` characters). The Python version is recorded in the spec: another version ships other text.
* ``text_folder``: ``root/<domain>/*.txt`` (each sub-folder a domain) and ``root/*.txt`` (domain ``text``),
  UTF-8.

Tokenisation (``tokenizer``): ``bytes`` (UTF-8 bytes, vocabulary = the 256 bytes + ``<eos>``) or ``bpe``: a
byte-level BPE of ``vocab_size`` tokens trained with the ``tokenizers`` library on the training split only;
its JSON travels in the spec (``tokenizer_data``) and as ``tokenizer.json`` beside a release's weights, so a
released model reads new text with its own tokenizer. Both encode any text, so nothing is ever unknown.

Splits are **contiguous**: within each domain the documents are concatenated in their fixed order and cut at
``split`` fractions of the characters (train, then val, then test), so no test text is ever a neighbour of a
training chunk. Each split of each domain is one token stream (documents separated by ``<eos>``) cut into
chunks of ``context + 1`` tokens that overlap by one: inputs are the first ``context``, targets the last, so
every token of a split is predicted once. A chunk never mixes domains; ``Batch.domains`` holds its domain
(index into ``spec.preprocessing["domains"]``).
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import torch

from .base import AugmentedSubset, DataRootError, DataSpec, TensorItems, ZooDataModule, register_datamodule

EOS = "<eos>"
Document = tuple[str, str, str]  # (domain, name, text)


def byte_vocab() -> list[str]:
    """Token i is byte i: printable ASCII as itself, every other byte as <0xNN>; then ``<eos>``."""
    return [chr(b) if 33 <= b <= 126 else f"<0x{b:02X}>" for b in range(256)] + [EOS]


def split_documents(documents: list[Document], fractions: tuple[float, float, float]) -> list[list[Document]]:
    """Cut one domain's documents, in order, at the character fractions (at a line break when there is one
    near the cut), into train / val / test lists of (domain, name, text) pieces."""
    total = sum(len(text) for _, _, text in documents)
    cuts = [round(total * fractions[0]), round(total * (fractions[0] + fractions[1]))]
    splits: list[list[Document]] = [[], [], []]
    offset, split = 0, 0
    for domain, name, text in documents:
        start = 0
        while split < 2 and offset + len(text) > cuts[split]:
            at = cuts[split] - offset
            newline = text.rfind("\n", start, at)
            at = newline + 1 if newline > start and at - newline < 2000 else at
            if at > start:
                splits[split].append((domain, name, text[start:at]))
            start, split = max(start, at), split + 1
        if start < len(text):
            splits[split].append((domain, name, text[start:]))
        offset += len(text)
    return splits


def train_bpe(texts: list[str], vocab_size: int) -> str:
    """A byte-level BPE (``tokenizers``) trained on ``texts``; returns its JSON. ``<eos>`` is id 0."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[EOS], show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return tokenizer.to_str()


def cache_dir() -> Path:
    """Where generated data and trained tokenizers are kept (``INTRINSIC_ZOO_CACHE``, default
    ``~/.cache/intrinsic-zoo``)."""
    return Path(os.environ.get("INTRINSIC_ZOO_CACHE", Path.home() / ".cache" / "intrinsic-zoo"))


class TextCorpusDataModule(ZooDataModule):
    """The shared machinery: documents -> contiguous splits -> tokens -> chunks. Subclasses give
    ``documents()`` and ``describe()`` (what the data is, for the spec)."""

    name = "text_corpus"

    def __init__(self, context: int = 256, tokenizer: str = "bytes", vocab_size: int = 2048,
                 split: tuple[float, float, float] = (0.9, 0.05, 0.05), batch_size: int = 32,
                 eval_batch_size: int | None = 64, num_workers: int = 0):
        super().__init__(batch_size, eval_batch_size, num_workers)
        if tokenizer not in ("bytes", "bpe"):
            raise ValueError(f"tokenizer must be 'bytes' or 'bpe', got {tokenizer!r}")
        split = tuple(float(f) for f in split)
        if len(split) != 3 or any(f <= 0 for f in split) or abs(sum(split) - 1) > 1e-6:
            raise ValueError(f"split must be three positive fractions (train, val, test) adding up to 1, got {split}")
        if context < 2:
            raise ValueError(f"context must be at least 2 tokens, got {context}")
        self.context, self.tokenizer_kind, self.vocab_size, self.split = context, tokenizer, vocab_size, split
        self._spec: DataSpec | None = None
        self._splits: dict[str, list[Document]] | None = None

    def documents(self) -> list[Document]:
        raise NotImplementedError

    def describe(self) -> dict:
        return {}

    def domain_names(self) -> list[str]:
        return sorted({domain for domain, _, _ in self.documents()})

    def splits(self) -> dict[str, list[Document]]:
        if self._splits is None:
            documents = self.documents()
            if not documents or not any(text.strip() for _, _, text in documents):
                raise DataRootError(f"the {self.name!r} corpus holds no text")
            parts: dict[str, list[Document]] = {"train": [], "val": [], "test": []}
            for domain in sorted({d for d, _, _ in documents}):
                pieces = split_documents([doc for doc in documents if doc[0] == domain], self.split)
                for name, piece in zip(parts, pieces):
                    parts[name].extend(piece)
            self._splits = parts
        return self._splits

    def _bpe_json(self) -> str:
        """The BPE trained on the training split, cached by the hash of that text and the vocabulary size."""
        texts = [text for _, _, text in self.splits()["train"]]
        digest = hashlib.sha256("\x00".join(texts).encode() + str(self.vocab_size).encode()).hexdigest()[:16]
        path = cache_dir() / "bpe" / f"{self.name}-{digest}.json"
        if path.is_file():
            return path.read_text(encoding="utf-8")
        data = train_bpe(texts, self.vocab_size)
        from models.release import atomic_write_text

        atomic_write_text(path, data)
        return data

    @property
    def spec(self) -> DataSpec:
        if self._spec is None:
            tokenizer, data = {"type": "bytes"}, None
            if self.tokenizer_kind == "bytes":
                vocab = byte_vocab()
            else:
                from tokenizers import Tokenizer

                data = self._bpe_json()
                table = Tokenizer.from_str(data).get_vocab()
                vocab = sorted(table, key=table.get)
                tokenizer = {"type": "bpe", "file": "tokenizer.json"}
            self._spec = DataSpec(
                name=self.name, input_shape=(self.context,), num_classes=len(vocab), class_names=list(vocab),
                task="next_token", vocab=list(vocab), special_tokens={"eos": EOS}, causal=True,
                variable_length=True, tokenizer=tokenizer, tokenizer_data=data,
                preprocessing={"domains": self.domain_names(), "split": list(self.split),
                               "split_rule": "contiguous per domain, by characters",
                               "chunks": "context + 1 tokens, overlapping by one", **self.describe()})
        return self._spec

    def encode_split(self, documents: list[Document]) -> TensorItems:
        """Chunks (N, context) of inputs and targets, and the domain of each chunk."""
        from .tokenizers import tokenizer_for

        tokenizer = tokenizer_for(self.spec)
        if tokenizer.kind == "bytes":  # the same ids as Tokenizer.encode, without a lookup per byte
            encode = lambda text: list(text.encode("utf-8"))  # noqa: E731
        else:
            encode = lambda text: tokenizer.bpe.encode(text).ids  # noqa: E731
        eos = self.spec.token_id("eos")
        domains = self.spec.preprocessing["domains"]
        inputs, targets, labels = [], [], []
        for domain in domains:
            stream: list[int] = []
            for doc_domain, _, text in documents:
                if doc_domain == domain:
                    stream += encode(text) + [eos]
            ids = torch.tensor(stream, dtype=torch.long)
            n = (len(ids) - 1) // self.context
            if n == 0:
                continue
            windows = ids[: n * self.context + 1]
            inputs.append(windows[:-1].view(n, self.context))
            targets.append(windows[1:].view(n, self.context))
            labels.append(torch.full((n,), domains.index(domain), dtype=torch.long))
        if not inputs:
            raise DataRootError(f"the {self.name!r} corpus split has fewer than {self.context + 1} tokens")
        return TensorItems(inputs=torch.cat(inputs), targets=torch.cat(targets), domains=torch.cat(labels))

    def setup(self, stage: str | None = None) -> None:
        if self.test_set is not None:
            return
        sets = {name: self.encode_split(docs) for name, docs in self.splits().items()}
        whole = lambda d: AugmentedSubset(d, range(len(d)))  # noqa: E731
        self.train_set = self.train_eval_set = whole(sets["train"])
        self.val_set, self.test_set = whole(sets["val"]), whole(sets["test"])


def _stdlib_sources(budget: int) -> list[Document]:
    """Public top-level standard-library modules in name order, until ``budget`` characters."""
    import sysconfig

    folder = Path(sysconfig.get_paths()["stdlib"])
    documents, total = [], 0
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("_") or total >= budget:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        text = text[: budget - total]
        documents.append(("code", path.name, text))
        total += len(text)
    return documents


@register_datamodule("python_docs")
class PythonDocsDataModule(TextCorpusDataModule):
    """Python's own documentation topics (``prose``) and standard-library sources (``code``): no download."""

    name = "python_docs"

    def __init__(self, context: int = 128, tokenizer: str = "bytes", vocab_size: int = 2048,
                 code_chars: int = 465_000, split: tuple[float, float, float] = (0.9, 0.05, 0.05),
                 batch_size: int = 32, eval_batch_size: int | None = 64, num_workers: int = 0):
        super().__init__(context, tokenizer, vocab_size, split, batch_size, eval_batch_size, num_workers)
        self.code_chars = code_chars

    def documents(self) -> list[Document]:
        from pydoc_data.topics import topics

        prose = [("prose", name, topics[name]) for name in sorted(topics)]
        return prose + _stdlib_sources(self.code_chars)

    def domain_names(self) -> list[str]:
        return ["code", "prose"]

    def describe(self) -> dict:
        return {"source": f"Python {sys.version.split()[0]}: pydoc_data.topics (prose), standard library "
                          f"sources (code)", "code_chars": self.code_chars}


@register_datamodule("text_folder")
class TextFolderDataModule(TextCorpusDataModule):
    """``root/<domain>/*.txt`` and ``root/*.txt`` (domain ``text``), UTF-8, read in path order."""

    name = "text_folder"

    def __init__(self, root: str | Path = "data/text_corpus", context: int = 256, tokenizer: str = "bytes",
                 vocab_size: int = 2048, split: tuple[float, float, float] = (0.9, 0.05, 0.05),
                 batch_size: int = 32, eval_batch_size: int | None = 64, num_workers: int = 0):
        super().__init__(context, tokenizer, vocab_size, split, batch_size, eval_batch_size, num_workers)
        self.root = Path(root)
        self._documents: list[Document] | None = None

    @classmethod
    def default_spec(cls) -> DataSpec:
        """A byte-level spec of the default shape: the vocabulary does not depend on the files."""
        return DataSpec(name=cls.name, input_shape=(256,), num_classes=257, class_names=byte_vocab(),
                        task="next_token", vocab=byte_vocab(), special_tokens={"eos": EOS}, causal=True,
                        variable_length=True, tokenizer={"type": "bytes"})

    def documents(self) -> list[Document]:
        if self._documents is None:
            if not self.root.is_dir():
                raise DataRootError(f"text folder {self.root} does not exist: put UTF-8 .txt files in "
                                    f"{self.root}/<domain>/ (or directly in it), or pass root=<folder>")
            files = sorted(self.root.glob("*.txt")) + sorted(self.root.glob("*/*.txt"))
            if not files:
                raise DataRootError(f"text folder {self.root} holds no .txt files (expected {self.root}/*.txt or "
                                    f"{self.root}/<domain>/*.txt)")
            documents = []
            for path in files:
                try:
                    text = path.read_text(encoding="utf-8-sig")
                except UnicodeDecodeError as err:
                    raise DataRootError(f"{path} is not UTF-8 text (byte {err.start}: {err.reason})") from None
                domain = "text" if path.parent == self.root else path.parent.name
                documents.append((domain, str(path.relative_to(self.root)), text))
            self._documents = documents
        return self._documents

    def describe(self) -> dict:
        return {"root": str(self.root)}


__all__ = ["EOS", "PythonDocsDataModule", "TextCorpusDataModule", "TextFolderDataModule", "byte_vocab",
           "split_documents", "train_bpe"]
