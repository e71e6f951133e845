"""A release folder is data from outside: every key of one shipped card per family, walked through values of the
wrong type, negative, huge and path-like, gives a ``CheckpointError`` or a model (when the value happens to be
valid), never another exception, never a read of the path, and never a long or large build."""

from __future__ import annotations

import json
import resource
import shutil
import time
from pathlib import Path

import pytest

from models import CheckpointError, load_release
from models.registry import CHECKPOINT_DIR

BAD_VALUES = ["abc", -1, 10**12, "../../../../etc/passwd", float("nan"), [1, "x"], {"a": None}]
DATA_KEYS = ("name", "input_shape", "num_classes", "class_names", "mean", "std", "vocab", "special_tokens",
             "tokenizer", "concept_names", "concept_groups", "concept_grid")


def one_release_per_family() -> list[str]:
    """The smallest shipped release of each model class."""
    chosen: dict[str, tuple[int, str]] = {}
    for folder in sorted(CHECKPOINT_DIR.iterdir()):
        card = folder / "config.json"
        if not card.is_file():
            continue
        size = (folder / "model.safetensors").stat().st_size
        key = json.loads(card.read_text())["model_class"]
        if key not in chosen or size < chosen[key][0]:
            chosen[key] = (size, folder.name)
    return sorted(name for _, name in chosen.values())


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.slow
@pytest.mark.parametrize("release", one_release_per_family())
def test_every_card_key_with_bad_values_is_a_checkpoint_error_or_a_model(release, tmp_path, monkeypatch):
    folder = tmp_path / release
    shutil.copytree(CHECKPOINT_DIR / release, folder)
    original = json.loads((folder / "config.json").read_text())
    read_paths: list[str] = []
    real_open = Path.open

    def watched_open(self, *args, **kwargs):  # a path a card names must never be opened
        if "passwd" in str(self):
            read_paths.append(str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", watched_open)
    cases = [("model_args", key) for key in original["model_args"]]
    cases += [("data", key) for key in DATA_KEYS if key in original["data"]]
    rss_before, outcomes = peak_rss_mb(), {"refused": 0, "loaded": 0}
    for section, key in cases:
        for value in BAD_VALUES:
            card = json.loads(json.dumps(original))
            card[section][key] = value
            (folder / "config.json").write_text(json.dumps(card))
            start = time.perf_counter()
            try:
                load_release(folder)
                outcomes["loaded"] += 1
            except CheckpointError:
                outcomes["refused"] += 1
            except Exception as err:  # noqa: BLE001 (the test's point: nothing but a CheckpointError)
                pytest.fail(f"{release}: {section}.{key}={value!r} raised {type(err).__name__}: {err}")
            assert time.perf_counter() - start < 20, f"{section}.{key}={value!r} took too long"
    assert not read_paths, read_paths
    assert peak_rss_mb() - rss_before < 2048, "a card made a load allocate gigabytes"
    assert outcomes["refused"] > len(cases)  # most bad values are refused, not silently accepted
