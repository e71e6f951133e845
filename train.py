"""The one entry point: fit -> validate -> test -> release -> explain.

    python train.py model=linear_small8 data=digits trainer=cpu trainer.max_epochs=3
    python train.py experiment=protopnet_mnist5k
    python train.py model=protopnet_small trainer=ddp trainer.devices=2 trainer.accelerator=cpu

Configuration: ``configs/__init__.py`` (typed defaults, groups, overrides). A run lives in ``run_dir``:
``config.yaml`` (the resolved configuration), ``checkpoints/`` (best by the model's validation
``selection_metric``, and ``last.ckpt``, also refreshed every ``checkpoint.every_n_train_steps``), ``logs/``
(CSV and TensorBoard), ``release/`` (safetensors + model card with the test metrics) and ``explanations/``
(JSONL, PNG overlays, HTML) for the test split. Running the same command again resumes from ``last.ckpt``.

Families add their training phases as callbacks from ``configure_callbacks()``; nothing here knows a family.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omegaconf import DictConfig, OmegaConf, open_dict

from configs import ConfigError, available, load_config, to_plain, validate_args

if TYPE_CHECKING:
    import lightning as L
    from lightning.pytorch.callbacks import Callback, ModelCheckpoint

# Lightning, torch and the model zoo are imported where they are used, so that a configuration mistake is
# reported in a fraction of a second instead of after seconds of imports.

def _quiet_lightning() -> None:
    """Keep Lightning's chatter to what a user acts on; train.py prints its own summary."""
    for name in ("lightning.pytorch.utilities.rank_zero", "lightning.fabric.utilities.rank_zero",
                 "lightning.pytorch.accelerators.cuda", "lightning.fabric.utilities.seed"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for pattern in (".*does not have many workers.*", ".*litlogger.*", ".*litmodels.*",
                    ".*is smaller than the logging interval.*", ".*LeafSpec.*",
                    ".*resuming from a checkpoint that ended before the epoch ended.*",
                    ".*Checkpoint directory .* exists and is not empty.*",
                    ".*using DDP for testing.*", ".*sync_dist=True.*",
                    ".*callbacks used to create the checkpoint need to be provided.*",
                    ".*manual optimization and every_n_train_steps.*"):
        warnings.filterwarnings("ignore", message=pattern)


def _global_rank() -> int:
    """The process rank before a Trainer exists (Lightning's DDP launcher re-runs this script per process,
    setting LOCAL_RANK and NODE_RANK; cluster launchers set RANK)."""
    if "RANK" in os.environ:
        return int(os.environ["RANK"])
    local, node = int(os.environ.get("LOCAL_RANK", 0)), int(os.environ.get("NODE_RANK", 0))
    return local if node == 0 else node * 1_000 + local  # only "is it zero" matters


def _echo(message: str) -> None:
    if _global_rank() == 0:
        from rich.console import Console

        Console(stderr=False, highlight=False).print(message)


# ---- configuration -------------------------------------------------------------------------------------
def resolve(cfg: DictConfig) -> DictConfig:
    """Fill the defaults that depend on other values: the model's own dataset and the run folder."""
    from models import list_models
    from models.registry import model_entry

    if not cfg.model.name:
        raise ConfigError(f"no model selected: pass model=<name> (configs: "
                          f"{', '.join(available('model'))}; registered: {', '.join(list_models())})")
    try:
        entry = model_entry(cfg.model.name)
    except KeyError as err:
        raise ConfigError(err.args[0]) from None
    if not cfg.data.name:
        cfg.data.name = entry.default_data
    if not cfg.run_dir:
        cfg.run_dir = str(Path("runs") / (cfg.experiment or f"{cfg.model.name}-{cfg.data.name}"))
    from explain import FORMATS

    unknown = sorted(set(cfg.explain.formats) - set(FORMATS))
    if unknown:
        raise ConfigError(f"explain.formats: unknown {unknown}; choose from {list(FORMATS)}")
    if cfg.explain.split not in ("train", "val", "test"):
        raise ConfigError(f"explain.split must be train, val or test, got {cfg.explain.split!r}")
    if not cfg.release.tag:
        cfg.release.tag = cfg.data.name
    if cfg.release.publish and not cfg.release.overwrite:
        target = publish_target(cfg)
        if (target / "config.json").exists():
            raise ConfigError(f"release.publish would replace the release in {target}; pass "
                              f"release.overwrite=true to replace it, or release.tag=<new tag>")
    if cfg.threads is not None and cfg.threads < 1:
        raise ConfigError(f"threads must be >= 1, got {cfg.threads}")
    grid_members(cfg)  # checks grid.seeds and grid.configs
    return cfg


def grid_members(cfg: DictConfig) -> tuple[list[int], list[dict[str, Any]]] | None:
    """The seeds and the ``model.args`` of every configuration of a grid run (``grid.seeds``, ``grid.configs``),
    or None for a single run."""
    seeds, configs = to_plain(cfg.grid.seeds), to_plain(cfg.grid.configs)
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        if seeds < 1:
            raise ConfigError(f"grid.seeds must be a number >= 1 or a list of seeds, got {seeds}")
        seeds = list(range(cfg.seed, cfg.seed + seeds))
    elif not (isinstance(seeds, list) and seeds and all(isinstance(s, int) and not isinstance(s, bool)
                                                        for s in seeds) and len(set(seeds)) == len(seeds)):
        raise ConfigError(f"grid.seeds must be a number >= 1 or a list of distinct integer seeds, got {seeds}")
    if not isinstance(configs, list) or not all(isinstance(c, dict) for c in configs):
        raise ConfigError(f"grid.configs must be a list of model.args overrides (mappings), got {configs}")
    if len(seeds) == 1 and len(configs) <= 1:
        if seeds[0] != cfg.seed:
            raise ConfigError(f"grid.seeds={seeds} is one seed: pass seed={seeds[0]} for a single run")
        if configs:
            raise ConfigError("grid.configs with one configuration and one seed: set model.args instead")
        return None
    if "ddp" in str(cfg.trainer.strategy) or cfg.trainer.num_nodes != 1:
        raise ConfigError(f"a grid trains its members in one process: drop trainer.strategy={cfg.trainer.strategy}"
                          f" / trainer.num_nodes (the members are the batch dimension)")
    base = to_plain(cfg.model.args)
    return seeds, [{**base, **c} for c in configs] or [base]


def publish_target(cfg: DictConfig) -> Path:
    from models.registry import CHECKPOINT_DIR

    publish_dir = Path(cfg.release.publish_dir) if cfg.release.publish_dir else CHECKPOINT_DIR
    return publish_dir / f"{cfg.model.name}.{cfg.release.tag}"


def build(cfg: DictConfig):
    """The datamodule and the model, with their free-form arguments checked against the constructors."""
    from datamodules import base as datamodule_base
    from datamodules import create_datamodule, list_datamodules
    from models import create_model
    from models.registry import model_entry

    data_args, model_args = to_plain(cfg.data.args), to_plain(cfg.model.args)
    data_class = datamodule_base._DATAMODULES.get(cfg.data.name)  # the class, to check argument types
    if data_class is None:
        raise ConfigError(f"unknown datamodule {cfg.data.name!r}; available: {', '.join(list_datamodules())}")
    validate_args(data_class, data_args, f"data {cfg.data.name!r}")
    validate_args(model_entry(cfg.model.name).model_class, model_args, f"model {cfg.model.name!r}")
    if "spec" in model_args:
        raise ConfigError("model.args.spec is set by the datamodule; remove it")
    try:
        datamodule = create_datamodule(cfg.data.name, **data_args)
    except (ValueError, TypeError) as err:  # an argument the datamodule refuses (batch_size=0, ...)
        raise ConfigError(f"data {cfg.data.name!r}: {err}") from None
    spec = datamodule.spec
    grid = grid_members(cfg)
    try:
        model = create_model(cfg.model.name, spec=spec, **model_args)
        if grid is not None:  # the members of a grid, built as their single runs build them, as one model
            model_class = model_entry(cfg.model.name).model_class
            if not model_class.supports_grid:
                raise ConfigError(f"model {cfg.model.name!r} cannot be trained as a grid (grid.seeds, "
                                  f"grid.configs): its class has no grid training")
            seeds, configs = grid
            for args in configs:
                validate_args(model_class, args, f"grid.configs of {cfg.model.name!r}")
            model = model_class.grid(lambda **args: create_model(cfg.model.name, spec=spec, **args), seeds, configs)
    except (ValueError, TypeError) as err:  # an argument the model refuses, or data it cannot take
        raise ConfigError(f"model {cfg.model.name!r} on data {cfg.data.name!r}: {err}") from None
    return datamodule, model


def _model_image_size(model_name: str, data_class: type) -> dict[str, Any]:
    """Data whose image size is the user's choice (an image folder) gets the model's own input size and
    channels by default: a 28-pixel grey model is not silently trained on 224-pixel colour images."""
    import inspect

    from datamodules import SpecError
    from models.registry import default_spec

    params = inspect.signature(data_class.__init__).parameters
    if "image_size" not in params:
        return {}
    try:
        spec = default_spec(model_name)
    except (SpecError, KeyError, TypeError):
        return {}
    if not spec.is_image:
        return {}
    size = {"image_size": list(spec.input_shape[1:])}
    if "channels" in params:
        size["channels"] = spec.input_shape[0]
    return size


def _check_resume(cfg: DictConfig, run_dir: Path) -> Path | None:
    """The checkpoint to resume from, or None for a fresh run; refuses to mix two different runs. An unreadable
    last.ckpt (a copy cut short) falls back to the newest readable checkpoint of the run."""
    last = run_dir / "checkpoints" / "last.ckpt"
    if not last.is_file():
        return None
    if not cfg.resume:
        raise ConfigError(f"{run_dir} already holds a run (checkpoints/last.ckpt); pass resume=true to "
                          f"continue it, or run_dir=<new folder> to start afresh")
    saved_path = run_dir / "config.yaml"
    if saved_path.is_file():
        saved = OmegaConf.load(saved_path)
        for key in ("model", "data", "seed", "grid"):
            if key == "grid" and "grid" not in saved:  # a run begun before grids existed: a single run
                saved.grid = {"seeds": 1, "configs": []}
            before, now = _what_is_trained(to_plain(saved.get(key))), _what_is_trained(to_plain(cfg.get(key)))
            if before != now:
                raise ConfigError(f"{run_dir} holds a run with a different {key!r} config ({before}, now "
                                  f"{now}); pass run_dir=<new folder> for a new run")
    if _readable(last):
        _check_identity(last, cfg)
        return last
    others = sorted((p for p in last.parent.glob("*.ckpt") if p != last), key=lambda p: p.stat().st_mtime,
                    reverse=True)
    fallback = next((p for p in others if _readable(p)), None)
    if fallback is None:
        raise ConfigError(f"{last} cannot be read (cut short or corrupt) and the run has no other readable "
                          f"checkpoint: delete {run_dir / 'checkpoints'} to start this run again, or pass "
                          f"run_dir=<new folder>")
    _check_identity(fallback, cfg)
    _echo(f"[yellow]{last} cannot be read (cut short or corrupt): resuming from {fallback.name} instead[/]")
    return fallback


def _check_identity(path: Path, cfg: DictConfig) -> None:
    """A checkpoint in the run folder must be of the model the config trains (a file copied or planted there
    from another run is refused before Lightning loads it)."""
    import torch

    from models.registry import class_key, model_entry

    identity = torch.load(path, map_location="cpu", weights_only=True).get("intrinsic_zoo")
    if not identity:  # a grid's checkpoint holds its members (no single identity): Lightning checks its keys
        return
    expected = class_key(model_entry(cfg.model.name).model_class)
    if identity.get("model_class") != expected or identity.get("variant") not in (None, cfg.model.name):
        raise ConfigError(f"{path} is a checkpoint of {identity.get('variant') or identity.get('model_class')!r}, "
                          f"not of {cfg.model.name!r} as this run's config says; remove it or pass "
                          f"run_dir=<new folder>")


def _readable(path: Path) -> bool:
    import torch

    try:
        torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # torch raises several types for a truncated zip or a bad pickle
        return False
    return True


def _finished(cfg: DictConfig, run_dir: Path) -> dict[str, Any] | None:
    """The summary of a run that already finished this schedule (a re-run does nothing but say so)."""
    import json

    marker = run_dir / "finished.json"
    if not cfg.resume or not marker.is_file():
        return None
    summary = json.loads(marker.read_text())
    if cfg.trainer.max_epochs > summary["max_epochs"]:  # more epochs: the run continues
        marker.unlink()
        return None
    return summary


_LOADER_ONLY = ("num_workers", "eval_batch_size")  # data arguments a resumed run may change


def _what_is_trained(section: Any) -> Any:
    if isinstance(section, dict) and isinstance(section.get("args"), dict):
        section = {**section, "args": {k: v for k, v in section["args"].items() if k not in _LOADER_ONLY}}
    return section


# ---- the trainer -------------------------------------------------------------------------------------------
def _uses_gpu(accelerator: str) -> bool:
    import torch

    return accelerator in ("gpu", "cuda", "mps") or (accelerator == "auto" and torch.cuda.is_available())


def _progress_bar(cfg: DictConfig) -> bool:
    if cfg.trainer.progress_bar is not None:
        return bool(cfg.trainer.progress_bar)
    return sys.stdout.isatty() and os.environ.get("CI", "").lower() not in ("1", "true", "yes")


DEFAULT_MAX_EPOCHS = 10


def trainer_kwargs(cfg: DictConfig) -> dict[str, Any]:
    t = cfg.trainer
    kwargs: dict[str, Any] = dict(
        accelerator=t.accelerator, devices=t.devices, strategy=t.strategy, num_nodes=t.num_nodes,
        precision=t.precision, max_epochs=t.max_epochs, max_steps=t.max_steps,
        gradient_clip_val=t.gradient_clip_val, accumulate_grad_batches=t.accumulate_grad_batches,
        check_val_every_n_epoch=t.check_val_every_n_epoch, num_sanity_val_steps=t.num_sanity_val_steps,
        log_every_n_steps=t.log_every_n_steps,
        deterministic=t.deterministic if t.deterministic is not None else not _uses_gpu(t.accelerator),
    )
    for key in ("limit_train_batches", "limit_val_batches", "limit_test_batches"):
        value = t[key]
        if value is not None:
            if not value > 0:  # 0 trains (or validates, or tests) nothing, and a run would release nothing
                raise ConfigError(f"trainer.{key} must be a fraction in (0, 1] or a number of batches >= 1, got "
                                  f"{value}")
            kwargs[key] = int(value) if value > 1 else float(value)
    extra = to_plain(t.extra)
    import lightning as L

    validate_args(L.Trainer, extra, "trainer.extra")
    clash = sorted(set(extra) & set(kwargs) | set(extra) & {"callbacks", "logger", "default_root_dir"})
    if clash:
        raise ConfigError(f"trainer.extra sets {clash}, which train.py sets itself; use trainer.<key>")
    kwargs.update(extra)
    return kwargs


def make_loggers(run_dir: Path) -> list:
    """CSV (a new version_N per attempt: Lightning's CSVLogger truncates an existing one) and TensorBoard (one
    folder that a resumed run appends to)."""
    from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger

    return [CSVLogger(run_dir / "logs", name="csv"),
            TensorBoardLogger(run_dir / "logs", name="tensorboard", version="", default_hp_metric=False)]


def make_callbacks(cfg: DictConfig, model, checkpoint_dir: Path) -> tuple[ModelCheckpoint, list[Callback]]:
    from lightning.pytorch.callbacks import LearningRateMonitor, ModelCheckpoint, RichProgressBar

    best = ModelCheckpoint(dirpath=checkpoint_dir, filename="best-epoch{epoch:03d}-step{step:06d}",
                           auto_insert_metric_name=False, monitor=model.selection_metric, mode=model.selection_mode,
                           save_top_k=cfg.checkpoint.save_top_k, save_last=True, enable_version_counter=False)
    from datamodules.resume import ExactResume

    callbacks: list[Callback] = [best, LearningRateMonitor(logging_interval="epoch"), ExactResume()]
    if cfg.checkpoint.every_n_train_steps > 0 and model.mid_epoch_resume:
        # A second checkpoint writer: only last.ckpt, refreshed every N optimiser steps (mid-epoch resume).
        callbacks.append(ModelCheckpoint(dirpath=checkpoint_dir, save_top_k=0, save_last=True,
                                         every_n_train_steps=cfg.checkpoint.every_n_train_steps,
                                         enable_version_counter=False))
    if _progress_bar(cfg):
        callbacks.append(RichProgressBar())
    return best, callbacks


def _evaluation_trainer(cfg: DictConfig, fit_trainer: L.Trainer, loggers: list) -> L.Trainer:
    """A one-device, float32 Trainer for the final validate/test: under DDP a DistributedSampler would pad and
    repeat test samples, and the card's metrics should be what a user of the float32 release measures."""
    import lightning as L
    from lightning.pytorch.callbacks import RichProgressBar

    root = fit_trainer.strategy.root_device
    kwargs = trainer_kwargs(cfg)
    kwargs.update(devices=[root.index] if root.type == "cuda" and root.index is not None else 1,
                  strategy="auto", num_nodes=1, precision="32-true")
    bar = _progress_bar(cfg)
    return L.Trainer(**kwargs, logger=loggers, enable_progress_bar=bar,
                     callbacks=[RichProgressBar()] if bar else [], enable_model_summary=False,
                     default_root_dir=fit_trainer.default_root_dir)


def _metrics(results: list[dict[str, Any]]) -> dict[str, float]:
    return {k: float(v) for result in results for k, v in result.items()}


# ---- the run ----------------------------------------------------------------------------------------------
def run(cfg: DictConfig, callbacks: list[Callback] | None = None) -> dict[str, Any]:

    import lightning as L
    import torch

    from datamodules import base as datamodule_base
    from models.release import atomic_write_text

    data_class = datamodule_base._DATAMODULES.get(cfg.data.name)
    for key, value in (_model_image_size(cfg.model.name, data_class) if data_class else {}).items():
        if cfg.data.args.get(key) is None:  # recorded in config.yaml: the run says what it trained on
            with open_dict(cfg.data.args):
                cfg.data.args[key] = value
    run_dir = Path(cfg.run_dir).resolve()
    if run_dir.exists() and not run_dir.is_dir():
        raise ConfigError(f"run_dir {run_dir} is a file; name a folder (new, or a run to resume)")
    resume_from = _check_resume(cfg, run_dir)
    if cfg.threads is not None:
        torch.set_num_threads(cfg.threads)
    L.seed_everything(cfg.seed, workers=True)
    datamodule, model = build(cfg)
    if grid_members(cfg) is not None:
        L.seed_everything(cfg.seed, workers=True)  # building the members seeded each one
    if cfg.trainer.max_epochs is None:  # a model with a fixed phase schedule says how long it is
        cfg.trainer.max_epochs = model.total_epochs or DEFAULT_MAX_EPOCHS
    if cfg.trainer.max_epochs < 1:
        raise ConfigError(f"trainer.max_epochs must be at least 1, got {cfg.trainer.max_epochs}")
    schedule = model.total_epochs
    if schedule is not None and cfg.trainer.max_epochs < schedule:  # said before training, and kept in the card
        _echo(f"[bold yellow]note:[/] {cfg.model.name}'s training schedule has {schedule} epochs and "
              f"trainer.max_epochs={cfg.trainer.max_epochs} stops it early: the model is released from an "
              f"unfinished schedule (its card says so). Leave trainer.max_epochs unset to run the whole schedule, "
              f"or shorten the schedule's own arguments (model.args...).")
    finished = _finished(cfg, run_dir)
    if finished is not None and cfg.release.publish:  # publishing a finished run's release is all that is asked
        return {**finished, "run_dir": run_dir, "finished": True, "rank": _global_rank(),
                "published": _publish_finished(cfg, run_dir)}
    if finished is not None:
        _echo(f"[bold]{run_dir} already finished[/] its {finished['max_epochs']} epochs: "
              f"{', '.join(f'{k} {v:.4f}' for k, v in finished['metrics'].items())}. Nothing to do: pass "
              f"trainer.max_epochs=<more> to continue it, or run_dir=<new folder> for a new run")
        return {**finished, "run_dir": run_dir, "finished": True, "rank": _global_rank()}
    datamodule.setup("fit")  # a missing root or bad data fails here, before the run folder is written
    trainer_kwargs(cfg)  # and so does a trainer option Lightning would refuse
    if _global_rank() == 0:
        atomic_write_text(run_dir / "config.yaml", OmegaConf.to_yaml(cfg, resolve=True))
        (run_dir / "failed.json").unlink(missing_ok=True)
    try:
        return _fit_and_release(cfg, run_dir, datamodule, model, resume_from, callbacks)
    except BaseException as err:
        if _global_rank() == 0 and not isinstance(err, SystemExit):
            atomic_write_text(run_dir / "failed.json", json.dumps({"error": f"{type(err).__name__}: {err}"}) + "\n")
        raise


def _publish_finished(cfg: DictConfig, run_dir: Path) -> Path:
    """Copy a finished run's release into the publish folder under the configured tag (written whole)."""
    import shutil

    from models.release import atomic_path, update_card

    source, target = run_dir / "release", publish_target(cfg)
    if not (source / "config.json").is_file():
        raise ConfigError(f"{run_dir} finished without a release (release.enabled=false): nothing to publish; "
                          f"run it again in a new run_dir with release.publish=true")
    if _global_rank() == 0:
        with atomic_path(target, is_dir=True) as tmp:
            shutil.copytree(source, tmp, dirs_exist_ok=True)
            update_card(tmp, tag=cfg.release.tag)
        _echo(f"[bold]published[/] the finished run's release as {target}")
    return target


def _fit_and_release(cfg: DictConfig, run_dir: Path, datamodule, model, resume_from: Path | None,
                     callbacks: list[Callback] | None) -> dict[str, Any]:
    import time

    import lightning as L
    import torch

    from explain import export_explanations
    from models.release import atomic_write_text, model_card, save_release, update_card

    checkpoint_dir = run_dir / "checkpoints"
    best, own_callbacks = make_callbacks(cfg, model, checkpoint_dir)
    loggers = make_loggers(run_dir)
    trainer = L.Trainer(**trainer_kwargs(cfg), default_root_dir=run_dir, logger=loggers,
                        callbacks=own_callbacks + list(callbacks or []), plugins=[AtomicCheckpointIO()],
                        enable_progress_bar=_progress_bar(cfg), enable_model_summary=True)
    if resume_from is not None:
        _echo(f"[bold]resuming[/] from {resume_from}")
    start = time.time()
    # A grid trains its members on their own batch orders (the datamodule's data, the grid's sampler).
    fit_data = model.fit_datamodule(datamodule)
    trainer.fit(model, datamodule=fit_data, ckpt_path=resume_from)
    fit_seconds = round(time.time() - start)
    if trainer.interrupted:
        raise ConfigError(f"training was interrupted at step {trainer.global_step}: nothing was released; run the "
                          f"same command again to resume from {checkpoint_dir / 'last.ckpt'}")
    if not trainer.is_global_zero:
        return {"run_dir": run_dir, "rank": trainer.global_rank}
    score = best.best_model_score
    if not best.best_model_path or score is None or not torch.isfinite(score):
        raise ConfigError(f"no validation step gave {model.selection_metric!r} a value, so no checkpoint could be "
                          f"selected and nothing was released or explained. {model.selection_help()}".strip())
    best_path = best.best_model_path
    if trainer.world_size > 1 and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()  # the other ranks are done; evaluate on this one only

    evaluator = _evaluation_trainer(cfg, trainer, loggers)
    seed, training = cfg.seed, {}
    chosen = model.select(best_path)  # a grid: the member best on validation is what is tested and released
    if chosen is not None:
        model, selection = chosen
        seed, training = selection["seed"], {"grid": selection["grid"]}
        best_path = None  # the member holds its weights
    metrics = _metrics(evaluator.validate(model, datamodule=datamodule, ckpt_path=best_path, verbose=False))
    metrics.update(_metrics(evaluator.test(model, datamodule=datamodule, ckpt_path=best_path, verbose=False)))
    best_path = best_path or best.best_model_path
    summary: dict[str, Any] = {"run_dir": run_dir, "config": run_dir / "config.yaml", "best": Path(best_path),
                               "last": checkpoint_dir / "last.ckpt", "metrics": metrics,
                               "global_step": trainer.global_step, "logs": run_dir / "logs", "rank": 0}
    model.eval()
    card = dict(metrics=metrics, recipe=to_plain(cfg), seed=seed, tag=cfg.release.tag,
                paper_metrics=to_plain(cfg.release.paper_metrics),
                training={"device": _device_name(trainer), "threads": torch.get_num_threads(),
                          "fit_seconds": fit_seconds, "best_epoch": _epoch_of(best_path), **training})
    schedule = model.total_epochs
    if schedule is not None:
        card["training"].update(schedule_epochs=schedule, schedule_complete=cfg.trainer.max_epochs >= schedule)
    targets = [("release", run_dir / "release")] if cfg.release.enabled or cfg.release.publish else []
    if cfg.release.publish:
        targets.append(("published", publish_target(cfg)))
    for key, directory in targets:
        summary[key] = save_release(model, directory, **card)
        try:
            checks = model.release_checks(directory, datamodule)
        except Exception as err:  # the release is written: its card says its checks did not finish
            update_card(directory, checks={"failed": f"{type(err).__name__}: {err}"})
            raise
        if checks:
            update_card(directory, checks=checks)
            summary.setdefault("checks", checks)
    if cfg.explain.enabled:
        datamodule.setup("test")
        exported = export_explanations(
            model, datamodule.eval_dataloader(cfg.explain.split), run_dir / "explanations",
            formats=list(cfg.explain.formats), id_prefix=f"{cfg.explain.split}-", top_k=cfg.explain.top_k,
            limit=cfg.explain.limit, image_limit=cfg.explain.image_limit,
            source_data=datamodule.eval_dataset("train"), card=model_card(model, **card),
            training_log=sorted((run_dir / "logs" / "csv").glob("version_*/metrics.csv"),
                                key=lambda p: int(p.parent.name.split("_")[-1])))
        summary["explanations"] = exported
    marker = {"max_epochs": cfg.trainer.max_epochs, "global_step": trainer.global_step, "metrics": metrics,
              **{k: str(summary[k]) for k in ("release", "published", "best") if k in summary}}
    atomic_write_text(run_dir / "finished.json", json.dumps(marker, indent=2) + "\n")
    print_summary(summary, model)
    return summary


class AtomicCheckpointIO:
    """Lightning's checkpoint writer, writing to a temporary file and renaming it into place: a kill during a
    save leaves the previous checkpoint whole. (A subclass is made on first use: Lightning is imported late.)"""

    def __new__(cls):
        from lightning.pytorch.plugins.io import TorchCheckpointIO

        from models.release import atomic_path

        class _Atomic(TorchCheckpointIO):
            def save_checkpoint(self, checkpoint, path, storage_options=None):
                with atomic_path(Path(path)) as tmp:
                    super().save_checkpoint(checkpoint, tmp, storage_options)

        return _Atomic()


def _device_name(trainer) -> str:
    import torch

    device = trainer.strategy.root_device
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} x {trainer.world_size}"
    return f"cpu, {torch.get_num_threads()} thread(s) x {trainer.world_size} process(es)"


def _epoch_of(checkpoint_path: str) -> int | None:
    import torch

    try:
        return int(torch.load(checkpoint_path, map_location="cpu", weights_only=True)["epoch"])
    except (OSError, KeyError, RuntimeError, ValueError):
        return None


def print_summary(summary: dict[str, Any], model) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{model.variant}: run finished", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in summary["metrics"].items():
        table.add_row(key, f"{value:.4f}")
    table.add_row("run folder", str(summary["run_dir"]))
    table.add_row("config", str(summary["config"]))
    table.add_row("best checkpoint", str(summary["best"]))
    table.add_row("last checkpoint", str(summary["last"]))
    table.add_row("logs", f"{summary['logs']}  (tensorboard --logdir {summary['logs']})")
    for key, label in (("release", "release"), ("published", "published")):
        if key in summary:
            table.add_row(label, str(summary[key]))
    for key, value in summary.get("checks", {}).items():
        table.add_row(key, f"{value}")
    if "explanations" in summary:
        exported = summary["explanations"]
        table.add_row("explanations", f"{exported.out_dir}  ({exported.inputs} inputs, {exported.records} "
                                      f"records, {exported.overlays} overlays; {', '.join(exported.files)})")
    Console(highlight=False).print(table)


def print_help() -> None:
    from configs import GROUPS, TrainConfig, available

    print(__doc__)
    print("Config groups (<group>=<name>):")
    for group in GROUPS:
        print(f"  {group:<11} {', '.join(available(group))}")
    print("\nKeys and defaults (override with key=value):\n")
    print(OmegaConf.to_yaml(OmegaConf.structured(TrainConfig)))


def main(argv: list[str] | None = None, callbacks: list[Callback] | None = None) -> dict[str, Any]:
    """Parse ``argv`` (default: the command line) and run. ``callbacks`` are added to the fit Trainer."""
    _quiet_lightning()
    argv = sys.argv[1:] if argv is None else argv
    if any(a in ("-h", "--help") for a in argv):
        print_help()
        raise SystemExit(0)
    try:
        cfg = load_config(argv)  # needs only OmegaConf: typos are reported at once
    except ConfigError as err:
        _fail(err)
    from datamodules import DataRootError, SpecError
    from datamodules.base import DataError
    from models.backbones import BackboneWeightsError

    try:
        return run(resolve(cfg), callbacks)
    except (ConfigError, DataRootError, DataError, SpecError, BackboneWeightsError) as err:
        _fail(err)


def _fail(err: Exception) -> None:
    """A user error: one ``error: ...`` line (a missing data root keeps its "how to get it" lines), exit 2."""
    message = " ".join(str(err).split()) if isinstance(err, ConfigError) else str(err).strip()
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2) from None

if __name__ == "__main__":
    main()
