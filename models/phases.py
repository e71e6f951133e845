"""Training phases as a Lightning callback, shared by every family that trains in stages (ProtoPNet's
warm-up / joint / last-layer, CBC, concept models' sequential and joint training, ...).

The schedule is data: a list of ``(phase, epochs)`` blocks, or a function ``epoch -> phase``. At the start of
every training epoch ``PhaseSchedule`` sets ``pl_module.phase`` and, if the module has it, calls

    pl_module.on_phase_epoch_start(phase: str, first_epoch_of_phase: bool)

where the module switches ``requires_grad``, picks its optimiser, steps a per-phase scheduler. A run resumed
in the middle of an epoch gets no ``on_train_epoch_start`` from Lightning: the schedule then enters the
epoch's phase at ``on_train_start``, and a hook that takes ``resumed`` is told so (the once-per-epoch steps, a
scheduler step or a push, are already in the checkpoint). A block list
has a fixed length (``total_epochs``); the callback stops the fit after its last epoch, so a run ends where
the schedule says (e.g. ProtoPNet on a push + last-layer block) whatever ``max_epochs`` is, as long as it is
not smaller. Lightning runs the loop; this only says which phase an epoch belongs to.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import lightning as L


class PhaseSchedule(L.Callback):
    def __init__(self, schedule: Sequence[tuple[str, int]] | Callable[[int], str]):
        if callable(schedule):
            self.blocks: list[tuple[str, int]] | None = None
            self._phase_fn = schedule
            return
        blocks = []
        for phase, epochs in schedule:
            if not isinstance(phase, str) or int(epochs) < 0:
                raise ValueError(f"a schedule block is (phase name, epochs >= 0), got {(phase, epochs)!r}")
            if epochs == 0:
                continue
            if blocks and blocks[-1][0] == phase:  # merge neighbours: one block per contiguous phase
                blocks[-1] = (phase, blocks[-1][1] + int(epochs))
            else:
                blocks.append((phase, int(epochs)))
        if not blocks:
            raise ValueError("the phase schedule is empty")
        self.blocks = blocks
        self._phases = [phase for phase, epochs in blocks for _ in range(epochs)]

    @property
    def total_epochs(self) -> int | None:
        """The schedule's length in epochs (None for a schedule given as a function)."""
        return None if self.blocks is None else len(self._phases)

    def phase_at(self, epoch: int) -> str:
        """The phase of ``epoch``; past the end of a block list, the last phase continues."""
        if self.blocks is None:
            return self._phase_fn(epoch)
        return self._phases[min(epoch, len(self._phases) - 1)]

    def starts_phase(self, epoch: int) -> bool:
        """True when ``epoch`` is the first epoch of a block (a phase change)."""
        if self.blocks is not None and epoch >= len(self._phases):
            return False
        return epoch == 0 or self.phase_at(epoch - 1) != self.phase_at(epoch)

    def block_starts(self, phase: str) -> list[int]:
        """The first epoch of every block of ``phase`` (block lists only)."""
        if self.blocks is None:
            raise ValueError("block_starts needs a schedule given as (phase, epochs) blocks")
        return [e for e in range(len(self._phases)) if self._phases[e] == phase and self.starts_phase(e)]

    def on_fit_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        total = self.total_epochs
        if total is not None and trainer.max_epochs is not None and 0 <= trainer.max_epochs < total:
            warnings.warn(f"{type(pl_module).__name__}'s phase schedule has {total} epochs but the trainer "
                          f"stops after max_epochs={trainer.max_epochs}: the run will not reach its final "
                          f"phase ({self.blocks[-1][0]}); set max_epochs to the schedule's length",
                          stacklevel=2)

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.fit_loop.restarted_mid_epoch:
            self._enter(trainer.current_epoch, pl_module, resumed=True)

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._enter(trainer.current_epoch, pl_module, resumed=False)

    def _enter(self, epoch: int, pl_module: L.LightningModule, resumed: bool) -> None:
        phase = self.phase_at(epoch)
        pl_module.phase = phase
        pl_module.on_phase_epoch_start(phase, self.starts_phase(epoch), resumed=resumed)

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        total = self.total_epochs
        if total is not None and trainer.current_epoch + 1 >= total:
            trainer.should_stop = True
