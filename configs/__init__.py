"""Typed run configuration: dataclass defaults, YAML groups, dotlist overrides (OmegaConf, Hydra syntax).

    python train.py model=protopnet_small data=mnist5k trainer=cpu trainer.max_epochs=3
    python train.py experiment=protopnet_mnist5k seed=1

``<group>=<name>`` (group: model, data, trainer, experiment) merges ``configs/<group>/<name>.yaml`` into that
section; ``a.b=c`` sets one value. Merge order: typed defaults, then the selected group files (a group named
on the command line wins over the experiment's ``defaults``), then the experiment's own values, then the
``a.b=c`` overrides. ``model.args`` and ``data.args`` are free-form: they are checked against the constructor
signatures by ``validate_args`` instead of by OmegaConf.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import ConfigKeyError, MissingMandatoryValue, OmegaConfBaseException, ValidationError

from .validation import ConfigError, check_kwargs, validate_args  # noqa: F401  (public here too)

CONFIG_DIR = Path(__file__).resolve().parent
GROUPS = ("model", "data", "trainer", "experiment")


@dataclass
class ModelConfig:
    name: str | None = None  # a registered variant (models.list_models())
    args: dict[str, Any] = field(default_factory=dict)  # constructor overrides, e.g. lr, num_prototypes


@dataclass
class DataConfig:
    name: str | None = None  # a registered datamodule; default: the model's own default_data
    args: dict[str, Any] = field(default_factory=dict)  # e.g. batch_size, root, num_workers


@dataclass
class TrainerConfig:
    """The subset of ``lightning.Trainer`` arguments a recipe sets; ``extra`` passes any other one through."""

    accelerator: str = "auto"
    devices: int | str = "auto"  # an int, "auto", or a comma list "0,1"
    strategy: str = "auto"  # "ddp" for multi-process data parallel (gloo on CPU, nccl on GPU)
    num_nodes: int = 1
    precision: str = "32-true"  # "bf16-mixed" on recent GPUs
    max_epochs: int | None = None  # None: the model's schedule length (``total_epochs``) if any, else 10
    max_steps: int = -1
    limit_train_batches: float | None = None  # a fraction (<= 1.0) or a number of batches
    limit_val_batches: float | None = None
    limit_test_batches: float | None = None
    gradient_clip_val: float | None = None
    accumulate_grad_batches: int = 1
    check_val_every_n_epoch: int = 1
    num_sanity_val_steps: int = 0
    log_every_n_steps: int = 10
    deterministic: bool | None = None  # None: deterministic on CPU (free), not on GPU (costs speed)
    progress_bar: bool | None = None  # None: a rich bar on a terminal, none when piped or CI=true
    extra: dict[str, Any] = field(default_factory=dict)  # any other lightning.Trainer argument


@dataclass
class CheckpointConfig:
    every_n_train_steps: int = 50  # also write last.ckpt every N steps, so a mid-epoch kill loses little
    save_top_k: int = 1  # best checkpoints kept, ranked by the model's selection_metric on validation


@dataclass
class ReleaseConfig:
    enabled: bool = True  # write run_dir/release (model.safetensors + config.json)
    publish: bool = False  # also write <publish_dir>/<model>.<tag>/ (the shipped checkpoints)
    overwrite: bool = False  # publishing over an existing release needs this too
    tag: str | None = None  # the release's tag (default: the data name)
    publish_dir: str | None = None  # default: the repository's checkpoints/ folder
    paper_metrics: dict[str, Any] = field(default_factory=dict)  # the paper's number for this setting


@dataclass
class ExplainConfig:
    enabled: bool = True
    split: str = "test"
    formats: list[str] = field(default_factory=lambda: ["jsonl", "png", "html", "global"])
    top_k: int = 5  # evidence units per record
    limit: int | None = None  # records in the JSONL (None: the whole split)
    image_limit: int = 1000  # records whose input and unit maps are drawn (every record gets a report page)


@dataclass
class GridConfig:
    """Train several members of a grid in one process as one batched model, and release the one best on
    validation (models whose class offers ``grid``: Transformer Programs). ``seeds``: 1 (a single run), a number
    N (seeds ``seed`` .. ``seed``+N-1) or a list of seeds; ``configs``: a list of ``model.args`` overrides, each
    trained with every seed (they must keep every parameter's shape: e.g. ``tau_end``)."""

    seeds: Any = 1
    configs: list[Any] = field(default_factory=list)


@dataclass
class TrainConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    checkpoint: CheckpointConfig = field(default_factory=CheckpointConfig)
    release: ReleaseConfig = field(default_factory=ReleaseConfig)
    explain: ExplainConfig = field(default_factory=ExplainConfig)
    grid: GridConfig = field(default_factory=GridConfig)
    experiment: str | None = None
    seed: int = 0
    run_dir: str | None = None  # default: runs/<experiment> or runs/<model>-<data>
    resume: bool = True  # continue from run_dir/checkpoints/last.ckpt when it exists
    threads: int | None = None  # torch CPU threads (results depend on it: float sums are ordered per thread)


def _registered(group: str) -> list[str]:
    """Models and datamodules need no yaml: a registered name selects it with its default arguments."""
    if group == "model":
        from models import list_models

        return list_models()
    if group == "data":
        from datamodules import list_datamodules

        return list_datamodules()
    return []


def available(group: str) -> list[str]:
    return sorted({p.stem for p in (CONFIG_DIR / group).glob("*.yaml")} | set(_registered(group)))


def _load_yaml(group: str, name: str) -> DictConfig:
    path = CONFIG_DIR / group / f"{name}.yaml"
    if not path.is_file() and name in _registered(group):
        return OmegaConf.create({"name": name})
    if not path.is_file():
        raise ConfigError(f"no {group} config {name!r}; available: {', '.join(available(group)) or 'none'}")
    try:
        loaded = OmegaConf.load(path)
    except Exception as err:  # yaml.YAMLError and OmegaConf's own
        raise ConfigError(f"{path} is not valid YAML: {err}") from err
    if not isinstance(loaded, DictConfig):
        raise ConfigError(f"{path} must hold a mapping")
    return loaded


def _explain(err: OmegaConfBaseException, base: DictConfig, source: str) -> ConfigError:
    """Turn an OmegaConf error into a one-line message that names the valid keys or the expected type."""
    full_key = getattr(err, "full_key", None) or ""
    parent_path, _, key = full_key.rpartition(".")
    if isinstance(err, ConfigKeyError):
        parent = OmegaConf.select(base, parent_path) if parent_path else base
        valid = ", ".join(sorted(parent.keys())) if isinstance(parent, DictConfig) else "?"
        where = f" in {parent_path!r}" if parent_path else ""
        hint = ""
        if not parent_path:  # a model or data argument written at the top level
            hint = "; model and data arguments go under model.args. / data.args. (e.g. model.args." + key + "=...)"
        return ConfigError(f"unknown config key {full_key!r}{where} ({source}); valid keys: {valid}{hint}")
    if isinstance(err, ValidationError):
        message = str(err).splitlines()[0]
        return ConfigError(f"bad value for {full_key!r} ({source}): {message}")
    return ConfigError(f"{source}: {str(err).splitlines()[0]}")


def _merge(base: DictConfig, other: DictConfig | dict, source: str) -> DictConfig:
    try:
        return OmegaConf.merge(base, other)
    except OmegaConfBaseException as err:
        raise _explain(err, base, source) from None


def parse_overrides(argv: list[str]) -> tuple[dict[str, str], list[str]]:
    """Split ``argv`` into group selections (``model=x``) and dotlist overrides (``a.b=c``)."""
    groups: dict[str, str] = {}
    dotlist: list[str] = []
    for arg in argv:
        key, sep, value = arg.partition("=")
        if not sep or not key:
            raise ConfigError(f"cannot read argument {arg!r}: write overrides as key=value (e.g. "
                              f"model=linear_small8 or trainer.max_epochs=3)")
        if key in GROUPS:
            groups[key] = value
        else:
            dotlist.append(arg)
    return groups, dotlist


def load_config(argv: list[str]) -> DictConfig:
    """The merged, validated configuration (still an OmegaConf node: struct mode, typed)."""
    groups, dotlist = parse_overrides(argv)
    cfg = OmegaConf.structured(TrainConfig)
    experiment_values: DictConfig | None = None
    if "experiment" in groups:
        experiment_values = _load_yaml("experiment", groups["experiment"])
        defaults = experiment_values.pop("defaults", None) or {}
        if not defaults and not OmegaConf.select(experiment_values, "model.name") and "model" not in groups:
            raise ConfigError(f"experiment {groups['experiment']!r} names no model: give it 'defaults:' with "
                              f"'model: <name>' (and data, trainer), as configs/experiment/*.yaml do")
        if not isinstance(defaults, DictConfig):
            raise ConfigError(f"experiment {groups['experiment']!r}: 'defaults' must map a group to a name")
        for group, name in defaults.items():
            if group not in ("model", "data", "trainer"):
                raise ConfigError(f"experiment {groups['experiment']!r}: unknown group {group!r} in "
                                  f"defaults; groups: model, data, trainer")
            groups.setdefault(str(group), str(name))
        cfg.experiment = groups["experiment"]
    for group in ("model", "data", "trainer"):
        if group in groups:
            source = f"configs/{group}/{groups[group]}.yaml"
            cfg = _merge(cfg, {group: _load_yaml(group, groups[group])}, source)
    if experiment_values is not None:
        cfg = _merge(cfg, experiment_values, f"configs/experiment/{groups['experiment']}.yaml")
    try:
        overrides = OmegaConf.from_dotlist(dotlist)
    except OmegaConfBaseException as err:
        raise ConfigError(f"cannot parse overrides {dotlist}: {str(err).splitlines()[0]}") from None
    cfg = _merge(cfg, overrides, "command line")
    OmegaConf.set_struct(cfg, True)
    return cfg


def to_plain(node: Any) -> Any:
    """A plain dict/list (never a DictConfig: Lightning hparams must load with ``weights_only=True``)."""
    if isinstance(node, (DictConfig, ListConfig)):
        try:
            return OmegaConf.to_container(node, resolve=True, throw_on_missing=True)
        except OmegaConfBaseException as err:
            key = getattr(err, "full_key", "") or "a value"
            if isinstance(err, MissingMandatoryValue):
                raise ConfigError(f"{key} is required: set it with {key}=<value>") from None
            raise ConfigError(f"cannot resolve {key}: {str(err).splitlines()[0]}") from None
    return node
