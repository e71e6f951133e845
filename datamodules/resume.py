"""Exact resume: a run killed mid-epoch and restarted reaches the same weights as the uninterrupted run.

Two pieces, used by every zoo datamodule and by ``train.py``:

* ``ResumableRandomSampler`` draws each epoch's order exactly as ``torch.utils.data.RandomSampler`` does (a
  seed from the global generator, then ``randperm``), so a run's random stream is the same as with
  ``shuffle=True``; it also notes the global random state just before each batch is fetched (augmentations draw
  from it) and can restart an epoch at a given batch.
* ``ExactResume`` (a Lightning callback) saves, with every checkpoint, the epoch's seed, how many batches the
  loop had consumed, the random state before the next batch was fetched, and the random state at the save. On
  resume the sampler restarts at that batch: the state before its fetch is restored (its augmentation is the
  same), and once it is fetched the state at the save (the model's own draws: Gumbel noise, dropout) is
  restored. Where Lightning fetches one batch ahead, this keeps the order of draws the same.

Exact for single-process runs with ``num_workers=0`` (worker processes draw from their own streams); under DDP
Lightning's distributed sampler takes over and a resume continues the same schedule without the bit-for-bit
promise.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import lightning as L
import numpy as np
import torch
from torch.utils.data import Sampler


def random_state() -> dict[str, Any]:
    """The global random state of torch (CPU and CUDA), numpy and Python."""
    state = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_random_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _plain(state: dict[str, Any]) -> dict[str, Any]:
    """A random state as checkpoint data that ``torch.load(weights_only=True)`` reads (tensors, lists, ints)."""
    kind, keys, position, has_gauss, gauss = state["numpy"]
    version, internal, gauss_next = state["python"]
    plain = {"torch": state["torch"], "numpy": [kind, torch.from_numpy(keys.astype(np.int64)), int(position),
                                                int(has_gauss), float(gauss)],
             "python": [version, list(internal), gauss_next]}
    if "cuda" in state:
        plain["cuda"] = list(state["cuda"])
    return plain


def _native(plain: dict[str, Any]) -> dict[str, Any]:
    kind, keys, position, has_gauss, gauss = plain["numpy"]
    version, internal, gauss_next = plain["python"]
    state = {"torch": plain["torch"],
             "numpy": (kind, keys.numpy().astype(np.uint32), position, has_gauss, gauss),
             "python": (version, tuple(internal), gauss_next)}
    if "cuda" in plain:
        state["cuda"] = plain["cuda"]
    return state


class ResumableRandomSampler(Sampler[int]):
    """``RandomSampler`` (without replacement) over ``n`` items served in batches of ``batch_size``, that can
    restart an epoch at a batch with the random states of the uninterrupted run."""

    def __init__(self, n: int, batch_size: int):
        self.n, self.batch_size = n, batch_size
        self.epoch_seed: int | None = None
        self.before_batch: dict[int, dict[str, Any]] = {}  # the last two batches' states before their fetch
        self._resume: dict[str, Any] | None = None

    def __len__(self) -> int:
        return self.n

    def resume(self, seed: int, batch: int, before: dict[str, Any], after: dict[str, Any] | None = None) -> None:
        """The next epoch this sampler serves restarts at ``batch`` of the epoch drawn with ``seed``: the random
        state is ``before`` when that batch is fetched and, if given, ``after`` when the next one is."""
        self._resume = {"seed": seed, "batch": batch, "before": before, "after": after}

    def __iter__(self) -> Iterator[int]:
        resume, self._resume = self._resume, None
        if resume is None:  # exactly RandomSampler's draw
            seed, start = int(torch.empty((), dtype=torch.int64).random_().item()), 0
        else:
            seed, start = resume["seed"], resume["batch"]
        self.epoch_seed, self.before_batch = seed, {}
        generator = torch.Generator()
        generator.manual_seed(seed)
        order = torch.randperm(self.n, generator=generator).tolist()
        for position in range(start * self.batch_size, self.n):
            if position % self.batch_size == 0:  # the loader is about to fetch this batch
                batch = position // self.batch_size
                if resume is not None and batch == start:
                    set_random_state(resume["before"])
                elif resume is not None and batch == start + 1 and resume["after"] is not None:
                    set_random_state(resume["after"])
                self.before_batch = {b: s for b, s in self.before_batch.items() if b >= batch - 1}
                self.before_batch[batch] = random_state()
            yield order[position]


class ExactResume(L.Callback):
    """Saves and restores what a mid-epoch resume needs to continue the uninterrupted run exactly."""

    def __init__(self) -> None:
        self._pending: dict[str, Any] | None = None

    @staticmethod
    def _sampler(trainer: L.Trainer) -> ResumableRandomSampler | None:
        loader = trainer.train_dataloader
        sampler = getattr(loader, "sampler", None)
        return sampler if isinstance(sampler, ResumableRandomSampler) else None

    def on_save_checkpoint(self, trainer: L.Trainer, pl_module: L.LightningModule, checkpoint: dict) -> None:
        sampler = self._sampler(trainer)
        consumed = trainer.fit_loop.epoch_loop.batch_progress.current.processed
        now = random_state()
        state: dict[str, Any] = {"after": _plain(now), "batch": consumed}
        mid_epoch = 0 < consumed < trainer.num_training_batches
        if sampler is not None and sampler.epoch_seed is not None and mid_epoch:
            state["seed"] = sampler.epoch_seed
            if consumed in sampler.before_batch:  # fetched ahead: its fetch must see the state before it
                state["before"] = _plain(sampler.before_batch[consumed])
        checkpoint["exact_resume"] = state

    def on_load_checkpoint(self, trainer: L.Trainer, pl_module: L.LightningModule, checkpoint: dict) -> None:
        self._pending = checkpoint.get("exact_resume")

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        # Before the first epoch's iterator; Lightning gives a run resumed mid-epoch no on_train_epoch_start.
        pending, self._pending = self._pending, None
        if pending is None:
            return
        sampler = self._sampler(trainer)
        after = _native(pending["after"])
        if sampler is not None and "seed" in pending:  # saved mid-epoch: restart at the next batch
            if "before" in pending:
                sampler.resume(pending["seed"], pending["batch"], _native(pending["before"]), after)
            else:  # nothing was fetched ahead: the next fetch starts from the state at the save
                sampler.resume(pending["seed"], pending["batch"], after)
        else:  # saved at an epoch's end: the next epoch draws from the state at the save
            set_random_state(after)
