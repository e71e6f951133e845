"""Generated sequence tasks from *Learning Transformer Programs* (Friedman, Wettig & Chen, 2023), App. B.

Every task is made on the fly (no download, no data root) with a seeded generator, following the paper's
protocol: 20,000 *unique* sequences (fewer when the task has fewer distinct sequences: sort and reverse with
vocabulary 8 and length 8 have only 19,530), vocabulary size 8 (special tokens included), maximum length 8
(16 for Dyck), split 16,200 / 1,800 / 2,000 (train / val / test) with a fixed seed. Every input starts with
the beginning-of-sequence token ``<s>``. Labels are per token; positions labelled ``<pad>`` (the BOS, the
EOS, the numbers in the induction task and the padding) are ignored by the loss and by the token accuracy.

========== ============================================================================================
task       label at every token
========== ============================================================================================
sort       the input digits sorted (between ``<s>`` and ``</s>``)
reverse    the input digits reversed
hist       how many times this token occurs in the sequence
double_hist how many distinct tokens occur as often as this one
most_freq  the distinct tokens by decreasing frequency (ties: first occurrence first), then ``<s>``
dyck1/2    prefix label: P (a valid prefix), T (balanced so far), F (can no longer be balanced); causal
induction  after letter ``c``: the digit that followed ``c`` earlier in the sequence, else ``?``; causal
========== ============================================================================================
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import torch

from .base import AugmentedSubset, DataSpec, TensorItems, ZooDataModule, fixed_split, register_datamodule
from .tokenizers import BOS, EOS, PAD

UNKNOWN = "?"  # the induction task's label for a letter seen for the first time

Example = tuple[list[str], list[str]]  # (tokens, labels), the same length, tokens[0] == BOS


def _digits(n: int) -> list[str]:
    return [str(i) for i in range(n)]


def make_sort(rng: random.Random, vocab_size: int, max_length: int) -> Example:
    sent = rng.choices(_digits(vocab_size - 3), k=rng.randint(1, max_length - 2))
    return [BOS, *sent, EOS], [PAD, *sorted(sent), PAD]


def make_reverse(rng: random.Random, vocab_size: int, max_length: int) -> Example:
    sent = rng.choices(_digits(vocab_size - 3), k=rng.randint(1, max_length - 2))
    return [BOS, *sent, EOS], [PAD, *sent[::-1], PAD]


def make_hist(rng: random.Random, vocab_size: int, max_length: int) -> Example:
    sent = rng.choices(_digits(vocab_size - 2), k=rng.randint(1, max_length - 1))
    counts = Counter(sent)
    return [BOS, *sent], [PAD, *(str(counts[c]) for c in sent)]


def make_double_hist(rng: random.Random, vocab_size: int, max_length: int) -> Example:
    sent = rng.choices(_digits(vocab_size - 2), k=rng.randint(1, max_length - 1))
    counts = Counter(sent)
    tokens_per_count = Counter(counts.values())
    return [BOS, *sent], [PAD, *(str(tokens_per_count[counts[c]]) for c in sent)]


def make_most_freq(rng: random.Random, vocab_size: int, max_length: int) -> Example:
    sent = rng.choices(_digits(vocab_size - 2), k=rng.randint(1, max_length - 1))
    counts = Counter(sent)
    first = {c: sent.index(c) for c in counts}
    by_frequency = sorted(counts, key=lambda c: (-counts[c], first[c]))
    return [BOS, *sent], [PAD, *by_frequency, *[BOS] * (len(sent) - len(by_frequency))]


BRACKETS = [("(", ")"), ("{", "}")]


def dyck_labels(sent: list[str]) -> list[str]:
    """P/T/F per prefix: T if balanced, P if it can still be balanced, F from the first bad closer on."""
    opener = {close: open_ for open_, close in BRACKETS}
    stack: list[str] = []
    labels = []
    for i, c in enumerate(sent):
        if c in opener:
            if not stack or stack[-1] != opener[c]:
                return labels + ["F"] * (len(sent) - i)
            stack.pop()
        else:
            stack.append(c)
        labels.append("P" if stack else "T")
    return labels


def _sample_dyck(rng: random.Random, pairs: list[tuple[str, str]], max_depth: int) -> list[str]:
    """A balanced string grown by max_depth random steps: append a pair, or wrap everything in one."""
    s: list[str] = []
    for _ in range(rng.randint(1, max_depth)):
        left, right = rng.choice(pairs)
        s = s + [left, right] if rng.randrange(2) == 0 else [left, *s, right]
    return s


def _make_dyck(n_pairs: int) -> Callable[[random.Random, int, int], Example]:
    pairs = BRACKETS[:n_pairs]
    symbols = [c for pair in pairs for c in pair]

    def make(rng: random.Random, vocab_size: int, max_length: int) -> Example:
        length = max_length - 1
        if rng.randrange(2):  # half balanced strings (then random symbols), half random strings
            sent = _sample_dyck(rng, pairs, max_length // 2)[:length]
            sent += rng.choices(symbols, k=length - len(sent))
        else:
            sent = rng.choices(symbols, k=length)
        return [BOS, *sent], [PAD, *dyck_labels(sent)]

    return make


def make_induction(rng: random.Random, vocab_size: int, max_length: int) -> Example:
    """Letter-digit pairs with a fixed (per sequence) letter->digit map; predict the digit after each letter
    when that letter has been seen before (the induction-head pattern). As in the paper (§4.1, the reference
    script: 4 letters, 4 digits, length 10) every sequence has the full length: BOS, (max_length - 2) // 2
    pairs and either a leading lone digit or a trailing query letter."""
    size = (vocab_size - 2) // 2
    letters, digits = "abcdefghijklmnopqrstuvwxyz"[:size], _digits(size)
    digit_of = {c: rng.choice(digits) for c in letters}
    n_pairs = (max_length - 2) // 2
    tokens, labels = [BOS], [PAD]
    if rng.randrange(2):  # start mid-stream with a lone digit: the sequence ends on a digit
        tokens.append(rng.choice(digits))
        labels.append(PAD)
        chosen = [rng.choice(letters) for _ in range(n_pairs)]
    else:  # end with a lone query letter
        chosen = [rng.choice(letters) for _ in range(n_pairs + 1)]
    for i, c in enumerate(chosen):
        labels.append(digit_of[c] if c in tokens else UNKNOWN)
        tokens.append(c)
        if i < n_pairs:
            tokens.append(digit_of[c])
            labels.append(PAD)
    return tokens, labels


@dataclass(frozen=True)
class SequenceTask:
    make: Callable[[random.Random, int, int], Example]
    vocab: list[str]  # input tokens, <pad> first
    classes: list[str]  # output labels, <pad> first
    max_length: int
    causal: bool
    vocab_size: int  # the paper's vocab_size argument (special tokens included)
    description: str


def _task(make, symbols, labels, max_length=8, causal=False, vocab_size=8, specials=(BOS,), description=""):
    return SequenceTask(make, [PAD, *specials, *symbols], [PAD, *labels], max_length, causal, vocab_size,
                        description)


TASKS: dict[str, SequenceTask] = {
    "sort": _task(make_sort, _digits(5), _digits(5), specials=(BOS, EOS), description="sort the digits"),
    "reverse": _task(make_reverse, _digits(5), _digits(5), specials=(BOS, EOS),
                     description="reverse the digits"),
    "hist": _task(make_hist, _digits(6), _digits(8)[1:], description="count of each token"),
    "double_hist": _task(make_double_hist, _digits(6), _digits(7)[1:],
                         description="number of distinct tokens with the same count"),
    "most_freq": _task(make_most_freq, _digits(6), [BOS, *_digits(6)],
                       description="distinct tokens by decreasing frequency"),
    "dyck1": _task(_make_dyck(1), ["(", ")"], ["F", "P", "T"], max_length=16, causal=True, vocab_size=1,
                   description="Dyck-1 prefix labels P/T/F"),
    "dyck2": _task(_make_dyck(2), ["(", ")", "{", "}"], ["F", "P", "T"], max_length=16, causal=True,
                   vocab_size=2, description="Dyck-2 prefix labels P/T/F"),
    "induction": _task(make_induction, [*"abcd", *_digits(4)], [UNKNOWN, *_digits(4)], max_length=10,
                       causal=True, vocab_size=10, description="in-context letter->digit recall"),
}


def generate(task: SequenceTask, n: int, seed: int, unique: bool = True) -> list[Example]:
    """``n`` examples (distinct input sequences when ``unique``; fewer if the task does not have ``n``)."""
    rng = random.Random(seed)
    examples, seen = [], set()
    misses = 0
    while len(examples) < n and misses < 20 * n:
        tokens, labels = task.make(rng, task.vocab_size, task.max_length)
        key = tuple(tokens)
        if unique and key in seen:
            misses += 1
            continue
        seen.add(key)
        examples.append((tokens, labels))
    return examples


def encode(examples: list[Example], vocab: list[str], classes: list[str], length: int):
    """(tokens (N, length), labels (N, length)) as ids, padded with id 0 (``<pad>`` in both)."""
    token_id = {t: i for i, t in enumerate(vocab)}
    class_id = {c: i for i, c in enumerate(classes)}
    x = torch.zeros(len(examples), length, dtype=torch.long)
    y = torch.zeros(len(examples), length, dtype=torch.long)
    for i, (tokens, labels) in enumerate(examples):
        x[i, : len(tokens)] = torch.tensor([token_id[t] for t in tokens])
        y[i, : len(labels)] = torch.tensor([class_id[c] for c in labels])
    return x, y


class SequenceTaskDataModule(ZooDataModule):
    """One generated task; ``dataset_size`` and ``seed`` change the data (and are recorded in the spec)."""

    task_name: str

    def __init__(self, dataset_size: int = 20_000, seed: int = 0, unique: bool = True, batch_size: int = 512,
                 eval_batch_size: int | None = 2048, num_workers: int = 0):
        super().__init__(batch_size, eval_batch_size, num_workers)
        self.dataset_size, self.seed, self.unique = dataset_size, seed, unique
        self.task = TASKS[self.task_name]
        self.spec = DataSpec(
            name=self.task_name,
            input_shape=(self.task.max_length,),
            num_classes=len(self.task.classes),
            class_names=list(self.task.classes),
            task="sequence_labelling",
            vocab=list(self.task.vocab),
            special_tokens={"pad": PAD, "bos": BOS, **({"eos": EOS} if EOS in self.task.vocab else {})},
            causal=self.task.causal,
            variable_length=True,
            tokenizer={"type": "vocab"},
            preprocessing={
                "dataset_size": dataset_size, "unique": unique, "generator_seed": seed,
                "split": "test 10%, val 10% of the rest", "split_seed": 0, "description": self.task.description,
            },
        )

    def setup(self, stage: str | None = None) -> None:
        if self.test_set is not None:
            return
        examples = generate(self.task, self.dataset_size, self.seed, self.unique)
        x, y = encode(examples, self.task.vocab, self.task.classes, self.task.max_length)
        dataset = TensorItems(inputs=x, targets=y)
        n_test = round(len(examples) * 0.1)
        n_val = round((len(examples) - n_test) * 0.1)
        train, val, test = fixed_split(len(examples), (n_val / len(examples), n_test / len(examples)), 0)
        self.train_set = self.train_eval_set = AugmentedSubset(dataset, train)
        self.val_set = AugmentedSubset(dataset, val)
        self.test_set = AugmentedSubset(dataset, test)


def _register(name: str) -> type:
    cls = type(f"{name.title().replace('_', '')}DataModule", (SequenceTaskDataModule,),
               {"task_name": name, "__doc__": f"The {name!r} task: {TASKS[name].description}."})
    return register_datamodule(name)(cls)


for _name in TASKS:
    _register(_name)

__all__ = ["TASKS", "SequenceTask", "SequenceTaskDataModule", "dyck_labels", "encode", "generate"]
