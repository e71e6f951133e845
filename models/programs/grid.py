"""Seed- and configuration-parallel training of Transformer Programs: a grid of members as one batched model.

The paper reports, for each task, the member of a grid (configurations x 5 seeds) that is best on validation
(App. B.2). ``ProgramGrid`` trains such members in one process: every parameter of the ``TransformerProgram``
gets a leading member dimension (``torch.func.stack_module_state``), and a training step runs all members at once
with ``torch.func.vmap`` over ``functional_call``: the same relaxed program of §3 (gated reads, categorical and
numerical attention, lookup MLPs, the linear read-out), the same Gumbel-softmax relaxation and temperature
schedule (§3.4, App. B.2), the same Adam. Members may differ in their seed and in any argument that leaves every
parameter shape unchanged (``tau_start``, ``tau_end``); members of different shapes are separate grids.

Each member is the run its seed would be alone (``python train.py ... seed=s``): its parameters are initialised
from ``torch.manual_seed(s)``, and its own generator, left where that initialisation left the global one, draws
its epochs' batch orders (as ``ResumableRandomSampler`` does) and its Gumbel noise (``draw_noise``) in the order
the single run draws them. Members see different batches, stacked on a leading dimension. The loss is the sum of
the members' losses, so each member gets its own gradient; Adam is elementwise, so one Adam over the stacked
parameters is each member's own Adam. The batched forward pass is the single run's bit for bit; the batched
products of the backward pass sum in another order, so a member agrees with its single run to float rounding
(tests/models/programs/test_grid.py), not bit for bit. With the members' ``compile=True`` the batched step
(``relaxed_logits``, vmap included) is compiled as one graph.

Validation runs each member's discrete program (float64, as a single run validates); ``val/acc`` is the best
member's, ``val/acc_member<m>`` each one's. The checkpoint with the best ``val/acc`` holds the member that is
best on validation over all members and epochs; ``select`` returns that member as an ordinary
``TransformerProgram``, which train.py tests, releases and decompiles as it does a single run.
"""

from __future__ import annotations

import math
from typing import Any

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call, stack_module_state, vmap
from torch.utils._pytree import tree_map
from torch.utils.data import DataLoader, Sampler

from datamodules.batch import as_batch, collate

from .transformer_programs import FlushSubnormals, TemperatureAnnealing, TransformerProgram, compile_training

SHAPE_FREE_ARGS = ("tau_start", "tau_end")  # arguments members may differ in (no parameter changes shape)


class _Relaxed(nn.Module):
    """The program's logits as a function of its parameters, the temperature and the noise (for vmap)."""

    def __init__(self, program: TransformerProgram):
        super().__init__()
        self.program = program

    def forward(self, x, tau=None, noise=None):
        return self.program.trace(x, tau, noise).logits


class ProgramGrid(L.LightningModule):
    """``members``: the members as built for a single run (each from ``torch.manual_seed(seed)``); ``seeds``
    their seeds; ``generators``: each member's random state right after its initialisation."""

    selection_metric = "val/acc"
    selection_mode = "max"
    mid_epoch_resume = False  # last.ckpt at epoch ends only: the members' samplers restart whole epochs
    total_epochs = None  # the schedule is the trainer's max_epochs (the temperature anneals over it)

    def __init__(self, members: list[TransformerProgram], seeds: list[int], generators: list[torch.Tensor]):
        super().__init__()
        if not members or not (len(members) == len(seeds) == len(generators)):
            raise ValueError("a grid needs one seed and one random state per member")
        shapes = [{n: tuple(p.shape) for n, p in m.named_parameters()} for m in members]
        for i, s in enumerate(shapes[1:], 1):
            if s != shapes[0]:
                differ = sorted(n for n in s.keys() | shapes[0].keys() if s.get(n) != shapes[0].get(n))
                raise ValueError(f"member {i} has parameters of other shapes than member 0 ({', '.join(differ[:4])}"
                                 f"...): members of one grid differ only in their seed and {SHAPE_FREE_ARGS}")
        base = {k: v for k, v in members[0].hparams.items() if k not in SHAPE_FREE_ARGS}
        for i, m in enumerate(members):
            differ = sorted(k for k in base.keys() | m.hparams.keys()
                            if k not in SHAPE_FREE_ARGS and m.hparams.get(k) != base.get(k))
            if differ:
                raise ValueError(f"member {i} differs from member 0 in {differ}: members of one grid differ only "
                                 f"in their seed and {SHAPE_FREE_ARGS}")
        if len({m.compile_step for m in members}) > 1:
            raise ValueError("the members of one grid are all compiled or none (model.args.compile)")
        self._members = members  # a plain list: not submodules (the stacked parameters are the grid's own)
        self.seeds = list(seeds)
        self.generators = []
        for state in generators:
            generator = torch.Generator()
            generator.set_state(state)
            self.generators.append(generator)
        params, _ = stack_module_state(members)
        self.names = list(params)
        self.stacked = nn.ParameterList(nn.Parameter(params[n]) for n in self.names)  # (M, *shape) each
        # The template whose parameters functional_call replaces, in a list so that its own parameters are not
        # the grid's; its buffers (fixed position bias, masks), the same for every member, are the grid's.
        self._relaxed = [_Relaxed(members[0])]
        self.buffer_names = {}
        for n, b in members[0].named_buffers():
            self.buffer_names[f"program.{n}"] = f"template_{n.replace('.', '_')}"
            self.register_buffer(self.buffer_names[f"program.{n}"], b.clone(), persistent=False)
        self.schedules = [(m.hparams.tau_start, m.hparams.tau_end) for m in members]
        self.temperatures = [start for start, _ in self.schedules]  # set by MemberTemperatures
        self.val_correct = torch.zeros(len(members), dtype=torch.long)
        self.val_total = torch.zeros(len(members), dtype=torch.long)
        self.last_val_acc: list[float] | None = None
        self.best: list[tuple[float, int] | None] = [None] * len(members)  # each member's best (val acc, epoch)
        self._compiled_logits = None  # ``relaxed_logits`` compiled at the first step (the members' ``compile``)

    @property
    def n_members(self) -> int:
        return len(self.seeds)

    @property
    def relaxed(self) -> _Relaxed:
        return self._relaxed[0]

    @property
    def template(self) -> TransformerProgram:
        return self.relaxed.program

    def member_parameters(self, m: int | None = None) -> dict[str, torch.Tensor]:
        """Member ``m``'s parameters, named as the program's (all members stacked when ``m`` is None). The
        template's buffers are shared by every member (fixed position bias, masks)."""
        params = {f"program.{n}": p if m is None else p[m] for n, p in zip(self.names, self.stacked)}
        return params

    def buffers_for_call(self) -> dict[str, torch.Tensor]:
        return {name: getattr(self, own) for name, own in self.buffer_names.items()}

    # ---- training ------------------------------------------------------------------------------------------
    def on_fit_start(self):
        if self.trainer.world_size > 1:
            raise RuntimeError(f"a grid trains its members in one process, not {self.trainer.world_size}: pass "
                               f"trainer.devices=1 (the members are the batch dimension)")

    def configure_optimizers(self):
        return torch.optim.Adam(self.stacked.parameters(), lr=self.template.hparams.lr, foreach=True)

    def configure_callbacks(self):
        return [MemberTemperatures(self.schedules), FlushSubnormals()]

    def training_step(self, batch, batch_idx):
        batch = as_batch(batch)
        M, program = self.n_members, self.template
        x = batch.inputs.view(M, -1, batch.inputs.shape[-1])  # (M, B, T): member m's batch is the m-th block
        targets = batch.targets.view(M, -1, *batch.targets.shape[1:])
        B, T = x.shape[1:]
        # Each member's own draws, from its CPU generator (on a GPU they are moved there, so a member is then not
        # its single GPU run, which draws from the CUDA generator).
        noise = [program.draw_noise(B, T, torch.device("cpu"), g) for g in self.generators]
        noise = tree_map(lambda *leaves: torch.stack(leaves).to(x.device), *noise)
        taus = torch.tensor(self.temperatures, dtype=torch.float32, device=x.device)
        if program.compile_step and self._compiled_logits is None:
            self._compiled_logits = compile_training(self.relaxed_logits)
        relaxed_logits = self._compiled_logits or self.relaxed_logits
        logits = relaxed_logits(self.member_parameters(), self.buffers_for_call(), x, taus, noise)
        losses = torch.stack([F.cross_entropy(*program.scored(logits[m].float(), targets[m]),
                                              ignore_index=program.ignore_index) for m in range(M)])
        self.log("train/loss", losses.mean().detach(), prog_bar=True, batch_size=B)
        self.log("train/tau", self.temperatures[0], batch_size=B)
        return losses.sum()  # d(sum)/d(member m's loss) = 1: each member's gradient is its own

    def relaxed_logits(self, params, buffers, x, taus, noise) -> torch.Tensor:
        """Every member's relaxed logits (M, B, T, C) or (M, B, C): member m's program with its parameters, batch,
        temperature and noise (the m-th block of each)."""

        def member_logits(params, x, tau, noise):
            return functional_call(self.relaxed, {**params, **buffers}, (x, tau, noise))

        return vmap(member_logits)(params, x, taus, noise)

    # ---- validation: every member's discrete program -------------------------------------------------------
    def member_logits(self, m: int, x: torch.Tensor) -> torch.Tensor:
        """Member ``m``'s discrete program (float64) on token ids (B, T), as its single run validates it."""
        return functional_call(self.relaxed, {**self.member_parameters(m), **self.buffers_for_call()}, (x,))

    def on_validation_epoch_start(self):
        self.val_correct.zero_()
        self.val_total.zero_()
        for generator in self.generators:  # a single run's validation loader draws its base seed here
            torch.empty((), dtype=torch.int64).random_(generator=generator)

    def validation_step(self, batch, batch_idx):
        batch = as_batch(batch)
        program = self.template
        x = program.check_input(batch.inputs)
        for m in range(self.n_members):
            outputs, targets = program.scored(self.member_logits(m, x).float(), batch.targets)
            keep = targets != program.ignore_index
            self.val_correct[m] += int((outputs.argmax(-1)[keep] == targets[keep]).sum())
            self.val_total[m] += int(keep.sum())

    def on_validation_epoch_end(self):
        accuracies = (self.val_correct.double() / self.val_total.clamp_min(1).double()).tolist()
        self.last_val_acc = accuracies
        if not self.trainer.sanity_checking:
            for m, acc in enumerate(accuracies):
                if self.best[m] is None or acc > self.best[m][0]:
                    self.best[m] = (acc, self.current_epoch)
        self.log("val/acc", max(accuracies), prog_bar=True)
        self.log_dict({f"val/acc_member{m}": acc for m, acc in enumerate(accuracies)})

    # ---- checkpoints and the selected member ----------------------------------------------------------------
    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint["grid"] = {"seeds": self.seeds, "names": self.names, "val_acc": self.last_val_acc,
                              "best": [list(b) if b else None for b in self.best],
                              "generators": [g.get_state() for g in self.generators]}

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        grid = checkpoint["grid"]
        if grid["seeds"] != self.seeds:
            raise ValueError(f"the checkpoint holds a grid of seeds {grid['seeds']}, not {self.seeds}")
        for generator, state in zip(self.generators, grid["generators"]):
            generator.set_state(state)
        self.last_val_acc = grid["val_acc"]
        self.best = [tuple(b) if b else None for b in grid["best"]]

    def select(self, checkpoint_path: str) -> tuple[TransformerProgram, dict[str, Any]]:
        """The member best on validation, from the checkpoint with the best ``val/acc``: an ordinary
        ``TransformerProgram`` holding that member's weights, and what the card records about the grid."""
        checkpoint = torch.load(checkpoint_path, map_location="cpu", weights_only=True)
        accuracies = checkpoint["grid"]["val_acc"]
        chosen = max(range(len(accuracies)), key=lambda m: (accuracies[m], -m))  # the first of equals
        state = {n: checkpoint["state_dict"][f"stacked.{i}"][chosen].clone() for i, n in enumerate(self.names)}
        member = self._members[chosen]
        member.load_state_dict(state)
        member.to(self.device)
        grid = checkpoint["grid"]
        summary = {"members": [{"seed": s, "args": {k: self._members[m].hparams[k] for k in SHAPE_FREE_ARGS},
                                "best_val_acc": grid["best"][m][0] if grid["best"][m] else None,
                                "best_epoch": grid["best"][m][1] if grid["best"][m] else None}
                               for m, s in enumerate(self.seeds)],
                   "selected_member": chosen, "selected_epoch": int(checkpoint["epoch"]),
                   "val_acc_at_selection": accuracies}
        return member, {"seed": self.seeds[chosen], "grid": summary}

    def selection_help(self) -> str:
        return ""

    def fit_datamodule(self, datamodule) -> GridData:
        return GridData(datamodule, self)


class MemberTemperatures(TemperatureAnnealing):
    """Each member's temperature (its own ``tau_start`` -> ``tau_end``), by the single run's schedule."""

    def __init__(self, schedules: list[tuple[float, float]]):
        self.schedules = [TemperatureAnnealing(start, end) for start, end in schedules]

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        position = self.position(trainer, batch_idx)
        pl_module.temperatures = [schedule.temperature(*position) for schedule in self.schedules]


class GridBatchSampler(Sampler[list[int]]):
    """Every step's batch of every member, concatenated: member m's epoch order is drawn from its generator as
    a single run's loader draws it from the global one: the ``DataLoader`` iterator's base seed for workers,
    then ``RandomSampler``'s seed, then ``randperm``."""

    def __init__(self, n: int, batch_size: int, generators: list[torch.Generator]):
        self.n, self.batch_size, self.generators = n, batch_size, generators

    def __len__(self) -> int:
        return math.ceil(self.n / self.batch_size)

    def __iter__(self):
        orders = []
        for generator in self.generators:
            torch.empty((), dtype=torch.int64).random_(generator=generator)  # the loader's base seed
            seed = int(torch.empty((), dtype=torch.int64).random_(generator=generator).item())
            orders.append(torch.randperm(self.n, generator=torch.Generator().manual_seed(seed)).tolist())
        for start in range(0, self.n, self.batch_size):
            yield [i for order in orders for i in order[start:start + self.batch_size]]


class GridData(L.LightningDataModule):
    """The datamodule a grid is fitted on: the training batches of every member (``GridBatchSampler``); the
    validation batches as the datamodule serves them."""

    def __init__(self, datamodule, grid: ProgramGrid):
        super().__init__()
        self.datamodule, self.grid = datamodule, grid

    def setup(self, stage: str | None = None) -> None:
        self.datamodule.setup(stage)

    def train_dataloader(self) -> DataLoader:
        dataset = self.datamodule.train_set
        sampler = GridBatchSampler(len(dataset), self.datamodule.batch_size, self.grid.generators)
        return DataLoader(dataset, batch_sampler=sampler, collate_fn=collate)

    def val_dataloader(self) -> DataLoader:
        return self.datamodule.val_dataloader()


def build_grid(make_member, seeds: list[int], member_args: list[dict[str, Any]]) -> ProgramGrid:
    """A grid of ``member_args x seeds``: ``make_member(**args)`` builds a member as a single run would, called
    right after ``lightning.seed_everything(seed)``."""
    members, all_seeds, states = [], [], []
    with torch.random.fork_rng(devices=[]):
        for args in member_args:
            for seed in seeds:
                L.seed_everything(seed, verbose=False)
                members.append(make_member(**args))
                all_seeds.append(seed)
                states.append(torch.get_rng_state())
    return ProgramGrid(members, all_seeds, states)
