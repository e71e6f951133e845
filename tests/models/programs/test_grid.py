"""Seed-parallel training (``models.programs.grid``) and the Gumbel draws it relies on."""

import json

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from torch.func import functional_call, vmap
from torch.utils._pytree import tree_map

import train
from datamodules import create_datamodule
from datamodules.batch import as_batch
from models import create_model
from models.programs.grid import GridData, build_grid
from models.programs.transformer_programs import gumbel

SMALL = ["model=tp_hist", "data=hist", "data.args.dataset_size=2000", "data.args.batch_size=128",
         "model.args.n_layers=1", "trainer=cpu", "explain.enabled=false", "threads=1", "trainer.progress_bar=false",
         "trainer.max_epochs=1"]


@pytest.mark.parametrize("shape", [(7,), (4, 9), (512, 4, 10, 10), (3, 5, 1)])
def test_gumbel_noise_is_the_draw_of_f_gumbel_softmax(shape):
    """Bit for bit: F.gumbel_softmax's sample, and the same numbers from a generator in the same state."""
    logits = torch.randn(shape)
    for seed in (0, 1, 1234):
        torch.manual_seed(seed)
        reference = F.gumbel_softmax(logits, tau=0.7)
        torch.manual_seed(seed)
        assert torch.equal(((logits + gumbel(shape, logits.device)) / 0.7).softmax(-1), reference)
        torch.manual_seed(seed)
        expected = -torch.empty(shape).exponential_().log()
        assert torch.equal(gumbel(shape, logits.device, torch.Generator().manual_seed(seed)), expected)


def test_noise_drawn_before_the_forward_pass_is_the_noise_it_draws_itself():
    dm = create_datamodule("hist", dataset_size=200)
    model = create_model("tp_hist", spec=dm.spec, n_layers=2)
    x = torch.tensor([[0, 3, 4, 4, 5, 6, 1, 1], [0, 7, 2, 2, 2, 1, 1, 1]])
    torch.manual_seed(3)
    drawn_inside = model.trace(x, 0.5).logits
    torch.manual_seed(3)
    noise = model.draw_noise(*x.shape, x.device)
    assert torch.equal(model.trace(x, 0.5, noise).logits, drawn_inside)


def test_a_members_batched_forward_pass_is_its_own_bit_for_bit():
    dm = create_datamodule("hist", dataset_size=2000, batch_size=64)
    dm.setup("fit")
    grid = build_grid(lambda **a: create_model("tp_hist", spec=dm.spec, **a), [0, 1, 2], [{}])
    batch = as_batch(next(iter(GridData(dm, grid).train_dataloader())))
    x = batch.inputs.view(3, -1, batch.inputs.shape[-1])
    noise = [grid.template.draw_noise(*x.shape[1:], x.device, torch.Generator().manual_seed(m)) for m in range(3)]
    stacked_noise = tree_map(lambda *leaves: torch.stack(leaves), *noise)
    buffers = grid.buffers_for_call()
    params = {k: v.detach() for k, v in grid.member_parameters().items()}
    logits = vmap(lambda p, x, tau, n: functional_call(grid.relaxed, {**p, **buffers}, (x, tau, n)))(
        params, x, torch.tensor([0.8, 0.8, 0.8]), stacked_noise)
    alone = create_model("tp_hist", spec=dm.spec)
    for m in range(3):
        alone.load_state_dict({k: v[m] for k, v in zip(grid.names, grid.stacked)})
        assert torch.equal(logits[m], alone.trace(x[m], 0.8, noise[m]).logits)
        assert torch.equal(grid.member_logits(m, x[m]), alone.trace(x[m], None).logits)  # the discrete program


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A grid of seeds 0-2 and seed 1 alone, one epoch each (13 steps, temperature 3.0 -> 0.27)."""
    root = tmp_path_factory.mktemp("grid")
    grid = train.main([*SMALL, "grid.seeds=3", "seed=0", f"run_dir={root / 'grid'}"])
    alone = train.main([*SMALL, "seed=1", f"run_dir={root / 'alone'}"])
    return root, grid, alone


def test_a_member_trained_in_the_grid_is_its_seed_trained_alone(runs):
    """The same initialisation, batches and Gumbel noise; the batched products round differently (the
    gradients differ by ~1e-7 of their size), so after an epoch the weights agree to ~1e-6, not bit for bit."""
    root, _, alone = runs
    grid_state = torch.load(root / "grid" / "checkpoints" / "last.ckpt", weights_only=True)
    alone_state = torch.load(root / "alone" / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]
    names = grid_state["grid"]["names"]  # the stacked parameters, in this order
    member = {name: grid_state["state_dict"][f"stacked.{i}"][1] for i, name in enumerate(names)}
    assert {k: v.shape for k, v in member.items()} == {k: v.shape for k, v in alone_state.items()}
    worst = max((member[k] - alone_state[k]).abs().max().item() for k in alone_state)
    assert worst < 1e-4, worst
    other = {name: grid_state["state_dict"][f"stacked.{i}"][0] for i, name in enumerate(names)}
    assert max((member[k] - other[k]).abs().max().item() for k in other) > 0.1  # seed 0 is another run
    assert grid_state["grid"]["best"][1][0] == pytest.approx(alone["metrics"]["val/acc"], abs=1e-6)


def test_the_grid_releases_the_member_best_on_validation(runs):
    root, grid, _ = runs
    card = json.loads((root / "grid" / "release" / "config.json").read_text())
    summary = card["training"]["grid"]
    accuracies = summary["val_acc_at_selection"]
    chosen = accuracies.index(max(accuracies))
    assert summary["selected_member"] == chosen and card["seed"] == chosen  # seeds 0, 1, 2
    assert [m["seed"] for m in summary["members"]] == [0, 1, 2]
    assert max(m["best_val_acc"] for m in summary["members"]) == max(accuracies)
    assert card["metrics"]["val/acc"] == pytest.approx(max(accuracies), abs=1e-6)
    assert card["checks"]["program_agreement_test"] == 1.0  # the decompiled program is the released member
    best = torch.load(grid["best"], weights_only=True)
    released = load_file(str(root / "grid" / "release" / "model.safetensors"))
    assert sorted(released) == sorted(best["grid"]["names"])
    for i, name in enumerate(best["grid"]["names"]):
        assert torch.equal(released[name], best["state_dict"][f"stacked.{i}"][chosen])


@pytest.mark.parametrize("argv, message", [
    (["grid.seeds=0"], "grid.seeds must be"),
    (["grid.seeds=[1,1]"], "distinct"),
    (["grid.configs=[{n_layers: 1},{n_layers: 2}]"], "members of one grid differ only"),
    (["grid.configs=[{tau_end: 0.1},{d_mlp: 32}]"], "members of one grid differ only"),
    (["grid.seeds=2", "trainer.strategy=ddp"], "in one process"),
    (["model=linear_small8", "grid.seeds=2"], "cannot be trained as a grid"),
])
def test_grid_settings_that_cannot_run_are_refused(argv, message, tmp_path, capsys):
    base = ["trainer=cpu", "trainer.max_epochs=1"] if argv[0].startswith("model=") else SMALL
    with pytest.raises(SystemExit) as exit_info:
        train.main([*base, *argv, f"run_dir={tmp_path}"])
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_each_member_follows_its_own_temperature_schedule():
    from types import SimpleNamespace

    from models.programs.grid import MemberTemperatures
    from models.programs.transformer_programs import TemperatureAnnealing

    schedules = [(3.0, 0.01), (3.0, 0.1), (1.0, 0.01)]
    callback, module = MemberTemperatures(schedules), SimpleNamespace(temperatures=None)
    trainer = SimpleNamespace(max_epochs=10, num_training_batches=4, current_epoch=6)
    callback.on_train_batch_start(trainer, module, None, 2)
    assert module.temperatures == [TemperatureAnnealing(*s).temperature(6, 2, 4, 10) for s in schedules]
    assert len(set(module.temperatures)) == 3


@pytest.mark.heavy  # three training subprocesses: about a minute
def test_a_grid_run_killed_mid_epoch_resumes_to_the_uninterrupted_result(tmp_path):
    """kill -9 in the second epoch, then the same command: the run restarts that epoch from the checkpoint of
    the first one (each member's generator is saved with it) and ends where the run never killed ends."""
    from test_train import run_subprocess

    argv = [*SMALL, "grid.seeds=2", "release.enabled=false", "trainer.limit_train_batches=3", "trainer.max_epochs=2"]
    assert run_subprocess([*argv, f"run_dir={tmp_path / 'whole'}"]).returncode == 0
    assert run_subprocess([*argv, f"run_dir={tmp_path / 'killed'}"], kill_at_step=5).returncode == -9
    assert torch.load(tmp_path / "killed" / "checkpoints" / "last.ckpt", weights_only=True)["global_step"] == 3
    resumed = run_subprocess([*argv, f"run_dir={tmp_path / 'killed'}"])
    assert resumed.returncode == 0 and "resuming" in resumed.stdout, resumed.stderr[-2000:]
    whole, killed = (torch.load(tmp_path / run / "checkpoints" / "last.ckpt", weights_only=True)
                     for run in ("whole", "killed"))
    assert whole["global_step"] == killed["global_step"] == 6
    assert all(torch.equal(whole["state_dict"][k], killed["state_dict"][k]) for k in whole["state_dict"])
    assert all(torch.equal(a, b) for a, b in zip(whole["grid"]["generators"], killed["grid"]["generators"]))


def test_a_run_folder_from_before_grids_is_a_single_run(tmp_path):
    """A config.yaml written before the grid settings existed resumes as the single run it was."""
    from omegaconf import OmegaConf

    from configs import load_config

    cfg = train.resolve(load_config([*SMALL, f"run_dir={tmp_path}"]))
    saved = OmegaConf.to_container(cfg)
    saved.pop("grid")
    (tmp_path / "config.yaml").write_text(OmegaConf.to_yaml(saved))
    (tmp_path / "checkpoints").mkdir()
    torch.save({"state_dict": {}}, tmp_path / "checkpoints" / "last.ckpt")
    assert train._check_resume(cfg, tmp_path) == tmp_path / "checkpoints" / "last.ckpt"
    grid_cfg = train.resolve(load_config([*SMALL, f"run_dir={tmp_path}", "grid.seeds=2"]))
    with pytest.raises(train.ConfigError, match="different 'grid'"):
        train._check_resume(grid_cfg, tmp_path)


@pytest.mark.slow
def test_the_compiled_grid_step_is_the_eager_one_to_float_rounding():
    """``compile=True`` for the members: the batched step compiled (vmap inside the graph) gives every member's
    loss and gradient as the eager grid does, to float rounding, from the same generators."""
    dm = create_datamodule("hist", dataset_size=2000, batch_size=64)
    dm.setup("fit")
    results = []
    for compile in (False, True):
        grid = build_grid(lambda **a: create_model("tp_hist", spec=dm.spec, n_layers=1, **a), [0, 1],
                          [{"compile": compile}])
        grid.log = lambda *args, **kwargs: None  # no Trainer here
        grid.temperatures = [1.5, 0.1]
        loss = grid.training_step(next(iter(GridData(dm, grid).train_dataloader())), 0)
        loss.backward()
        results.append((loss.detach(), [p.grad.clone() for p in grid.stacked]))
    (eager_loss, eager_grads), (compiled_loss, compiled_grads) = results
    assert torch.allclose(compiled_loss, eager_loss, rtol=1e-5)
    largest = max(float(g.abs().max()) for g in eager_grads)
    for eager, compiled in zip(eager_grads, compiled_grads):  # rounding: relative to the tensor and to the model
        assert (compiled - eager).abs().max() <= 1e-3 * eager.abs().max() + 1e-6 * largest
