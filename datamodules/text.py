"""Word-level text classification from local files (TREC, MR, Subj, AG News... exported as plain text).

Layout of ``root`` (UTF-8, one example per line, ``label<TAB>text``; blank lines are skipped)::

    root/train.tsv     required
    root/val.tsv       optional: else 10% of train, split off with a fixed seed
    root/test.tsv      optional: else another 10% of train

Text is lower-cased and split into words and punctuation marks. The vocabulary is ``<pad>``, ``<unk>``,
``<s>`` and the ``vocab_size`` most frequent training words (ties: first seen first); every other word becomes
``<unk>``. Each input is ``<s>`` followed by at most ``max_length - 1`` words, padded with ``<pad>`` to
``max_length``. Class names are the sorted training labels. All of this is published in the spec (vocabulary
included), so a released model never needs the files again.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import torch

from .base import (
    AugmentedSubset,
    DataError,
    DataRootError,
    DataSpec,
    SpecError,
    TensorItems,
    ZooDataModule,
    fixed_split,
    register_datamodule,
)
from .tokenizers import BOS, PAD, UNK

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")


def tokenize(text: str) -> list[str]:
    return WORD.findall(text.lower())


def read_examples(path: Path) -> list[tuple[str, list[str]]]:
    """(label, words) per non-blank line of a ``label<TAB>text`` file (UTF-8; a byte-order mark is dropped)."""
    examples = []
    for number, raw in enumerate(path.read_bytes().splitlines(), 1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as err:
            raise DataError(f"{path}:{number}: not UTF-8 text (byte {err.start}: {err.reason}); save the file "
                            f"as UTF-8") from None
        if not line.strip():
            continue
        label, sep, text = line.partition("\t")
        if not sep or not label.strip():
            raise DataError(f"{path}:{number}: expected 'label<TAB>text', got {line[:60]!r}")
        examples.append((label.strip(), tokenize(text)))
    return examples


def build_vocab(sentences: list[list[str]], vocab_size: int) -> list[str]:
    counts = Counter(word for words in sentences for word in words)
    return [PAD, UNK, BOS, *[w for w, _ in counts.most_common() if w not in (PAD, UNK, BOS)][:vocab_size]]


@register_datamodule("text")
class TextClassificationDataModule(ZooDataModule):
    """Sequence classification over local ``label<TAB>text`` files (see the module docstring)."""

    def __init__(self, root: str | Path = "data/text", name: str = "text", vocab_size: int = 10_000,
                 max_length: int = 64, split_seed: int = 0, batch_size: int = 512,
                 eval_batch_size: int | None = None, num_workers: int = 0):
        super().__init__(batch_size, eval_batch_size, num_workers)
        self.root, self.name = Path(root), name
        self.vocab_size, self.max_length, self.split_seed = vocab_size, max_length, split_seed
        self._spec: DataSpec | None = None
        self._splits: dict[str, list[tuple[str, list[str]]]] | None = None

    def _read(self) -> dict[str, list[tuple[str, list[str]]]]:
        if self._splits is not None:
            return self._splits
        train_file = self.root / "train.tsv"
        if not train_file.is_file():
            raise DataRootError(
                f"text data not found: {train_file} is missing. Put one example per line as "
                f"'label<TAB>text' in {self.root}/train.tsv (and optionally val.tsv, test.tsv), or pass "
                f"root=<folder> to the 'text' datamodule")
        splits = {"train": read_examples(train_file)}
        if not splits["train"]:
            raise DataRootError(f"{train_file} holds no examples")
        missing = [s for s in ("val", "test") if not (self.root / f"{s}.tsv").is_file()]
        for split in ("val", "test"):
            if split not in missing:
                splits[split] = read_examples(self.root / f"{split}.tsv")
        if missing:
            train = splits["train"]
            fractions = (0.1 if "val" in missing else 0.0, 0.1 if "test" in missing else 0.0)
            rest, val, test = fixed_split(len(train), fractions, self.split_seed)
            splits["train"] = [train[i] for i in rest]
            if "val" in missing:
                splits["val"] = [train[i] for i in val]
            if "test" in missing:
                splits["test"] = [train[i] for i in test]
        self._splits = splits
        return splits

    @classmethod
    def default_spec(cls) -> DataSpec:
        raise SpecError("the text data takes its classes and vocabulary from the files: build the model with "
                        "the datamodule's spec (create_model(name, spec=create_datamodule('text', root=...).spec))")

    @property
    def spec(self) -> DataSpec:
        if self._spec is None:
            splits = self._read()
            labels = sorted({label for label, _ in splits["train"]})
            vocab = build_vocab([words for _, words in splits["train"]], self.vocab_size)
            self._spec = DataSpec(
                name=self.name, input_shape=(self.max_length,), num_classes=len(labels), class_names=labels,
                task="sequence_classification", vocab=vocab, special_tokens={"pad": PAD, "unk": UNK, "bos": BOS},
                variable_length=True, tokenizer={"type": "word", "pattern": WORD.pattern, "lowercase": True},
                preprocessing={"vocab_size": self.vocab_size, "split_seed": self.split_seed,
                               "format": "label<TAB>text, train.tsv [+ val.tsv, test.tsv]"})
        return self._spec

    def encode(self, examples: list[tuple[str, list[str]]]) -> TensorItems:
        """Token ids (N, max_length) and label ids (N,); labels unseen in training are an error."""
        word_id = {w: i for i, w in enumerate(self.spec.vocab)}
        label_id = {c: i for i, c in enumerate(self.spec.class_names)}
        x = torch.zeros(len(examples), self.max_length, dtype=torch.long)
        y = torch.zeros(len(examples), dtype=torch.long)
        for i, (label, words) in enumerate(examples):
            if label not in label_id:
                raise DataError(f"label {label!r} does not occur in the training split of {self.root}; every "
                                f"label needs training examples")
            ids = [word_id[BOS], *(word_id.get(w, word_id[UNK]) for w in words[: self.max_length - 1])]
            x[i, : len(ids)] = torch.tensor(ids)
            y[i] = label_id[label]
        return TensorItems(inputs=x, targets=y)

    def setup(self, stage: str | None = None) -> None:
        if self.test_set is not None:
            return
        splits = self._read()
        datasets = {name: self.encode(examples) for name, examples in splits.items()}
        everything = lambda d: AugmentedSubset(d, range(len(d)))  # noqa: E731
        self.train_set = self.train_eval_set = everything(datasets["train"])
        self.val_set, self.test_set = everything(datasets["val"]), everything(datasets["test"])


__all__ = ["TextClassificationDataModule", "build_vocab", "read_examples", "tokenize"]
