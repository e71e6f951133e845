"""What every datamodule shares: the published ``DataSpec``, a registry, and the split/loader plumbing.

Images leave a datamodule as float tensors in [0, 1] with shape ``spec.input_shape``; the model owns the
normalisation (``spec.mean``/``spec.std`` are stored in its card), so a released checkpoint always sees the
preprocessing it was trained with, and explanations can show the raw image.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import lightning as L
import torch
from torch.utils.data import DataLoader, Dataset

from configs.validation import check_kwargs

from .batch import collate
from .resume import ResumableRandomSampler

TASKS = ("image_classification", "vector_classification", "sequence_labelling", "sequence_classification",
         "next_token")
SPECIAL_TOKEN_ROLES = ("pad", "bos", "eos", "unk")
_V1_MOVED = ("task_type", "pad", "bos", "eos", "unk", "causal", "max_length")  # preprocessing keys v2 made fields


class SpecError(ValueError):
    """A data spec that contradicts itself (or a card's spec that does not describe valid data)."""


# A spec's name and its tokenizer file become file names (a release's program, its tokenizer): plain names only.
PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,99}")
# What one input may hold: a card is data from outside, and the model allocates per input what its spec says
# (2**24 values: a 3 x 2048 x 2048 image; sequences up to 2**16 tokens, whose position tables a model builds at
# once; vocabularies and classes up to 2**20).
MAX_INPUT_VALUES = 2**24
MAX_SEQUENCE_LENGTH = 2**16
MAX_CLASSES = 2**20


def is_plain_name(value: Any) -> bool:
    """A file or folder name with no path in it: letters, digits, ``_ . + -``, not starting with a dot."""
    return isinstance(value, str) and PLAIN_NAME.fullmatch(value) is not None and ".." not in value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _strings(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)


@dataclass
class DataSpec:
    """Everything a model needs to know about its data; saved in every model card (``to_dict``).

    * ``task``: what an input is and what is predicted: ``image_classification`` (C, H, W) images in [0, 1],
      ``vector_classification`` (D,) feature vectors, ``sequence_labelling`` one label per token,
      ``sequence_classification`` one label per sequence, ``next_token`` a language model. Concept supervision is
      not a task of its own: any task may carry ``concept_names`` (the concept datasets are image or vector
      classification with concepts).
    * sequences: ``vocab`` (token strings, ids by position), ``special_tokens`` (role -> token: pad, bos, eos,
      unk; a vocabulary needs none of them), ``causal`` (a label may only depend on the prefix),
      ``variable_length`` (inputs may be shorter than ``input_shape[0]``, the maximum), ``tokenizer`` (how text
      becomes tokens: ``{"type": "vocab" | "word" | "bytes" | "bpe", "file": ...}``; a file ships beside the
      weights in a release and its text is ``tokenizer_data``, never in the card itself).
    * concepts: ``concept_names``, ``concept_types`` ("binary" or "continuous", default binary),
      ``concept_groups`` (group name -> concept indices), ``concept_grid`` (h, w) when concepts are also located
      on a patch grid (``Batch.spatial_concepts``).
    """

    name: str
    input_shape: tuple[int, ...]  # (C, H, W) images, (T,) sequences (T the maximum length), (D,) vectors
    num_classes: int
    class_names: list[str]
    mean: tuple[float, ...] | None = None  # per-channel normalisation applied inside the model
    std: tuple[float, ...] | None = None
    task: str | None = None  # None: inferred (images, or sequences when there is a vocabulary)
    vocab: list[str] | None = None
    special_tokens: dict[str, str] = field(default_factory=dict)
    causal: bool = False
    variable_length: bool = False
    tokenizer: dict[str, Any] | None = None
    concept_names: list[str] | None = None
    concept_types: list[str] | None = None
    concept_groups: dict[str, list[int]] | None = None
    concept_grid: tuple[int, int] | None = None
    preprocessing: dict[str, Any] = field(default_factory=dict)  # resize, crop, ... as plain data
    tokenizer_data: str | None = field(default=None, repr=False, compare=False)  # the tokenizer file's text

    def __post_init__(self) -> None:
        self._check_types()
        self.input_shape = tuple(int(v) for v in self.input_shape)
        if self.task is None:
            self.task = ("sequence_labelling" if self.vocab else
                         "image_classification" if len(self.input_shape) == 3 else "vector_classification")
        if self.mean is not None:
            self.mean, self.std = tuple(self.mean), tuple(self.std) if self.std is not None else None
        if self.concept_grid is not None:
            self.concept_grid = tuple(int(v) for v in self.concept_grid)
        self.validate()

    def _check_types(self) -> None:
        """Each field's type (a card's spec comes from outside), before anything is converted or compared."""
        def fail(key: str, expected: str) -> None:
            value = getattr(self, key)
            raise SpecError(f"data spec {str(self.name)[:100]!r}: {key} must be {expected}, got "
                            f"{repr(value)[:100]} ({type(value).__name__})")

        if not is_plain_name(self.name):
            fail("name", "a plain name (letters, digits, '_', '.', '+', '-'; no path)")
        if not isinstance(self.input_shape, (list, tuple)) or not all(_is_int(v) for v in self.input_shape):
            fail("input_shape", "a list of integers")
        if not _is_int(self.num_classes):
            fail("num_classes", "an integer")
        if not _strings(self.class_names):
            fail("class_names", "a list of strings")
        for key in ("mean", "std"):
            value = getattr(self, key)
            if value is not None and (not isinstance(value, (list, tuple)) or not all(_is_number(v) and math.isfinite(v)
                                                                                     for v in value)):
                fail(key, "a list of finite numbers or null")
        for key in ("task",):
            if getattr(self, key) is not None and not isinstance(getattr(self, key), str):
                fail(key, "a string or null")
        for key in ("vocab", "concept_names", "concept_types"):
            if getattr(self, key) is not None and not _strings(getattr(self, key)):
                fail(key, "a list of strings or null")
        if not isinstance(self.special_tokens, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in self.special_tokens.items()):
            fail("special_tokens", "a mapping of role to token")
        for key in ("causal", "variable_length"):
            if not isinstance(getattr(self, key), bool):
                fail(key, "true or false")
        if self.tokenizer is not None:
            if not isinstance(self.tokenizer, dict) or not isinstance(self.tokenizer.get("type", "vocab"), str):
                fail("tokenizer", "a mapping with a 'type'")
            if "file" in self.tokenizer and not is_plain_name(self.tokenizer["file"]):
                fail("tokenizer", "a mapping whose 'file' is a plain file name inside the release folder")
        if self.concept_groups is not None and (not isinstance(self.concept_groups, dict) or not all(
                isinstance(v, list) and all(_is_int(i) for i in v) for v in self.concept_groups.values())):
            fail("concept_groups", "a mapping of group name to concept indices")
        if self.concept_grid is not None and (not isinstance(self.concept_grid, (list, tuple))
                                              or len(self.concept_grid) != 2
                                              or not all(_is_int(v) and v >= 1 for v in self.concept_grid)):
            fail("concept_grid", "two positive integers (h, w)")
        if not isinstance(self.preprocessing, dict):
            fail("preprocessing", "a mapping")

    def validate(self) -> None:
        """Raise ``SpecError`` for a spec that cannot describe real data (and so cannot build a model)."""
        def fail(message: str) -> None:
            raise SpecError(f"data spec {self.name!r}: {message}")

        if self.task not in TASKS:
            fail(f"unknown task {self.task!r}; tasks: {', '.join(TASKS)}")
        if not self.input_shape or any(v < 1 for v in self.input_shape):
            fail(f"input_shape must be positive sizes, got {self.input_shape}")
        if math.prod(self.input_shape) > MAX_INPUT_VALUES:
            fail(f"input_shape {self.input_shape} holds {math.prod(self.input_shape):,} values per input, beyond "
                 f"this zoo's bound of {MAX_INPUT_VALUES:,}")
        if self.num_classes > MAX_CLASSES or len(self.vocab or ()) > MAX_CLASSES:
            fail(f"at most {MAX_CLASSES:,} classes and vocabulary entries, got {self.num_classes:,} and "
                 f"{len(self.vocab or ()):,}")
        if self.task == "image_classification" and len(self.input_shape) != 3:
            fail(f"images need input_shape (C, H, W), got {self.input_shape}")
        if self.task in ("sequence_labelling", "sequence_classification", "next_token"):
            if len(self.input_shape) != 1 or not self.vocab:
                fail("a sequence task needs input_shape (T,) and a vocabulary")
            if self.input_shape[0] > MAX_SEQUENCE_LENGTH:
                fail(f"sequences of {self.input_shape[0]:,} tokens, beyond this zoo's bound of "
                     f"{MAX_SEQUENCE_LENGTH:,}")
        if len(self.class_names) != self.num_classes:
            fail(f"num_classes is {self.num_classes} but there are {len(self.class_names)} class names")
        if self.num_classes < 2:
            fail(f"there must be at least two classes to tell apart, got {self.class_names}")
        if self.mean is not None:
            channels = self.input_shape[0]
            if self.std is None or len(self.mean) != channels or len(self.std) != channels:
                fail(f"mean and std need {channels} value(s) each (one per channel), got {self.mean} and {self.std}")
            if any(not s > 0 for s in self.std):
                fail(f"std must be positive, got {self.std}")
        unknown = sorted(set(self.special_tokens) - set(SPECIAL_TOKEN_ROLES))
        if unknown:
            fail(f"unknown special-token roles {unknown}; roles: {', '.join(SPECIAL_TOKEN_ROLES)}")
        missing = [t for t in self.special_tokens.values() if not self.vocab or t not in self.vocab]
        if missing:
            fail(f"special tokens {missing} are not in the vocabulary")
        if self.concept_names is not None:
            k = len(self.concept_names)
            if self.concept_types is not None and len(self.concept_types) != k:
                fail(f"{len(self.concept_types)} concept types for {k} concepts")
            bad = [t for t in self.concept_types or [] if t not in ("binary", "continuous")]
            if bad:
                fail(f"concept types must be 'binary' or 'continuous', got {sorted(set(bad))}")
            for group, members in (self.concept_groups or {}).items():
                if not members or any(not 0 <= int(i) < k for i in members):
                    fail(f"concept group {group!r} must list concept indices in 0..{k - 1}, got {members}")
        elif self.concept_groups or self.concept_grid:
            fail("concept groups or a concept grid without concept names")

    # ---- convenience --------------------------------------------------------------------------------------
    @property
    def is_image(self) -> bool:
        return self.task == "image_classification"

    @property
    def is_sequence(self) -> bool:
        return self.task in ("sequence_labelling", "sequence_classification", "next_token")

    @property
    def max_length(self) -> int | None:
        return self.input_shape[0] if self.is_sequence else None

    @property
    def num_concepts(self) -> int:
        return len(self.concept_names or [])

    def token_id(self, role: str) -> int | None:
        """The id of the special token with ``role`` (pad, bos, eos, unk), None when the data has none."""
        token = self.special_tokens.get(role)
        return None if token is None else self.vocab.index(token)

    # ---- serialisation ------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if d["tokenizer_data"] is None:  # a release writes it as a file beside the card (``release``)
            d.pop("tokenizer_data")
        for key in ("input_shape", "mean", "std", "concept_grid"):
            if d[key] is not None:
                d[key] = list(d[key])
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DataSpec:
        """A spec from ``to_dict()`` output, also from a v1 card (before task kinds and special tokens)."""
        d = dict(d)
        if "task" not in d:  # v1: the task and the special tokens lived in preprocessing
            prep = dict(d.get("preprocessing") or {})
            kind = prep.get("task_type")
            if d.get("vocab"):
                d["task"] = "sequence_classification" if kind == "sequence_classification" else "sequence_labelling"
                d["special_tokens"] = {role: prep[role] for role in SPECIAL_TOKEN_ROLES if role in prep}
                d["causal"] = bool(prep.get("causal", False))
                d["variable_length"] = True  # every v1 sequence dataset was padded to its maximum length
                d["tokenizer"] = {"type": "vocab"}
                if "tokenizer" in prep:  # the word-level text data kept its regex and case folding there
                    d["tokenizer"] = {"type": "word", "pattern": prep.pop("tokenizer"),
                                      "lowercase": bool(prep.pop("lowercase", False))}
            d["preprocessing"] = {k: v for k, v in prep.items() if k not in _V1_MOVED}
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise SpecError(f"data spec {d.get('name')!r} has unknown field(s) {unknown}")
        try:
            return cls(**d)
        except TypeError as err:  # a missing required field
            raise SpecError(f"data spec {d.get('name')!r} is incomplete: {err}") from None

    # What a model reads its inputs by: data that agrees on these has the model's format and preprocessing.
    MODEL_FIELDS = ("input_shape", "num_classes", "class_names", "mean", "std", "task", "vocab", "special_tokens",
                    "causal", "tokenizer", "concept_names", "concept_types", "concept_grid")

    def differences(self, other: DataSpec, fields: tuple[str, ...] | None = None) -> list[str]:
        """The fields (all, or ``fields``) in which ``other`` differs from this spec, as 'field: this != other'."""
        mine, theirs = self.to_dict(), other.to_dict()
        keys = [k for k in {**mine, **theirs} if k != "tokenizer_data" and (fields is None or k in fields)]
        found = []
        for k in keys:
            a, b = mine.get(k), theirs.get(k)
            if a == b:
                continue
            if isinstance(a, dict) and isinstance(b, dict):  # only the entries that differ, each whole
                found += [f"{k}.{key}: {_short(a.get(key))} != {_short(b.get(key))}" for key in {**a, **b}
                          if a.get(key) != b.get(key)]
            else:
                found.append(f"{k}: {_short(a)} != {_short(b)}")
        return found


def _short(value: Any, limit: int = 60) -> str:
    """A value's repr, shortened only between items (never inside a word or a number)."""
    text = repr(value)
    if len(text) <= limit:
        return text
    cut = max(text.rfind(", ", 0, limit), text.rfind(" ", 0, limit))
    return (text[:cut] if cut > 0 else text[:limit]) + " ...(" + f"{len(text):,} characters)"


class DataRootError(FileNotFoundError):
    """A dataset's local root is missing or incomplete; the message says how to get the data."""


class DataError(ValueError):
    """Data files whose content cannot be used (a label only in the test file, text that is not UTF-8, an
    unreadable image); the message names the file (and line)."""


_DATAMODULES: dict[str, Callable[..., ZooDataModule]] = {}


def register_datamodule(name: str):
    def wrap(cls):
        if name in _DATAMODULES:
            raise ValueError(f"datamodule {name!r} is registered twice")
        _DATAMODULES[name] = cls
        return cls

    return wrap


def list_datamodules() -> list[str]:
    return sorted(_DATAMODULES)


def datamodule_class(name: str) -> type[ZooDataModule]:
    if name not in _DATAMODULES:
        import difflib

        close = difflib.get_close_matches(name, _DATAMODULES, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown datamodule {name!r}.{hint} Available: {', '.join(list_datamodules())}")
    return _DATAMODULES[name]


def create_datamodule(name: str, **kwargs: Any) -> ZooDataModule:
    cls = datamodule_class(name)
    check_kwargs(cls, kwargs, f"datamodule {name!r}")
    return cls(**kwargs)


def fixed_split(n: int, fractions: tuple[float, float], seed: int) -> tuple[list[int], list[int], list[int]]:
    """A deterministic (train, val, test) index split: the same seed gives the same split on every machine."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()
    n_val, n_test = int(round(n * fractions[0])), int(round(n * fractions[1]))
    return order[n_val + n_test :], order[:n_val], order[n_val : n_val + n_test]


class TensorItems(Dataset):
    """Equal-length tensors served as dict items: ``TensorItems(inputs=x, targets=y, concepts=c)[i]`` is
    ``{"inputs": x[i], "targets": y[i], "concepts": c[i]}`` (the field names of ``Batch``)."""

    def __init__(self, **tensors: torch.Tensor):
        lengths = {len(t) for t in tensors.values()}
        if len(lengths) != 1:
            raise ValueError(f"fields of different lengths: { {k: len(t) for k, t in tensors.items()} }")
        self.tensors = tensors

    def __len__(self) -> int:
        return len(next(iter(self.tensors.values())))

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {k: t[i] for k, t in self.tensors.items()}


class AugmentedSubset(Dataset):
    """A view of ``dataset`` at ``indices``, items numbered 0.. in ``ids``, with an optional transform of the
    ``inputs`` (training augmentation); the other fields (targets, concepts, ...) pass through unchanged."""

    def __init__(self, dataset: Dataset, indices, transform: Callable | None = None):
        self.dataset, self.indices, self.transform = dataset, list(indices), transform

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> dict[str, Any]:
        item = dict(self.dataset[self.indices[i]])
        if self.transform is not None:
            item["inputs"] = self.transform(item["inputs"])
        item["ids"] = i
        return item


SPLITS = ("train", "val", "test")


class ZooDataModule(L.LightningDataModule):
    """Base for every datamodule: subclasses fill ``train_set`` (augmented), ``train_eval_set`` (the same
    training items without augmentation: prototype projection, concept statistics, explaining the training
    split), ``val_set`` and ``test_set`` in ``setup``. Items are dicts of ``Batch`` fields; loaders collate them
    into a ``Batch``."""

    spec: DataSpec
    # The arguments that say where data lives or may come from. A recipe in a model card is data from outside:
    # ``python -m models refresh`` takes these only from the user, never from the card.
    location_args: tuple[str, ...] = ("root", "download")

    has_board_states = False  # games whose board at each move is known (chess: ``board_states(split)``)

    def annotations(self, split: str) -> dict[str, Any] | None:
        """Part annotations of a split's items (part locations, for the part-localisation metrics); None."""
        return None

    def __init__(self, batch_size: int = 64, eval_batch_size: int | None = None, num_workers: int = 0):
        super().__init__()
        for name, value in (("batch_size", batch_size), ("eval_batch_size", eval_batch_size or 1)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"num_workers must be an integer >= 0, got {num_workers!r}")
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size or batch_size
        self.num_workers = num_workers
        self.train_set = self.val_set = self.test_set = self.train_eval_set = None

    @classmethod
    def default_spec(cls) -> DataSpec:
        """The spec of this datamodule with its default arguments, without reading any data (the registry
        builds a model from it when no data is given)."""
        return cls().spec

    def _loader(self, dataset, shuffle: bool, batch_size: int | None = None) -> DataLoader:
        if dataset is None:
            raise RuntimeError(f"{type(self).__name__}.setup() has not been called")
        batch_size = batch_size or self.eval_batch_size
        # shuffled: RandomSampler's order, resumable mid-epoch (datamodules.resume)
        sampler = ResumableRandomSampler(len(dataset), batch_size) if shuffle else None
        return DataLoader(
            dataset,
            batch_size=batch_size,
            sampler=sampler,
            num_workers=self.num_workers,
            persistent_workers=self.num_workers > 0,
            collate_fn=collate,
        )

    def train_dataloader(self) -> DataLoader:
        return self._loader(self.train_set, shuffle=True, batch_size=self.batch_size)

    def val_dataloader(self) -> DataLoader:
        return self._loader(self.val_set, shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader(self.test_set, shuffle=False)

    def eval_dataset(self, split: str) -> Dataset:
        """The items of ``split`` as evaluation sees them: never augmented, in a fixed order."""
        if split not in SPLITS:
            raise KeyError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
        dataset = {"train": self.train_eval_set, "val": self.val_set, "test": self.test_set}[split]
        if dataset is None:
            raise RuntimeError(f"{type(self).__name__}.setup() has not been called")
        return dataset

    def eval_dataloader(self, split: str) -> DataLoader:
        """A loader over ``split`` without augmentation ("train": the training items un-augmented)."""
        return self._loader(self.eval_dataset(split), shuffle=False)


__all__ = [
    "AugmentedSubset",
    "DataError",
    "DataRootError",
    "DataSpec",
    "SPLITS",
    "SpecError",
    "TensorItems",
    "ZooDataModule",
    "check_kwargs",
    "create_datamodule",
    "datamodule_class",
    "fixed_split",
    "list_datamodules",
    "register_datamodule",
]
