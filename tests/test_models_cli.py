"""``python -m models``: list, info, refresh (re-decompiling a Transformer Program release keeps its program)."""

import json
import shutil

import pytest

from models.__main__ import main
from models.registry import CHECKPOINT_DIR


def test_list_and_info(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "protopnet_small8" in out and "tp_sort.default" in out
    assert main(["info", "tp_hist.default"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["metrics"]["test/acc"] == 1.0 and info["paper_metrics"] == {"test/acc": 1.0}
    assert main(["info", "tp_hist.nosuch"]) == 2 and "no released weights" in capsys.readouterr().err


def test_refresh_regenerates_the_program_and_rechecks_it(tmp_path, capsys):
    folder = tmp_path / "tp_hist.default"
    shutil.copytree(CHECKPOINT_DIR / "tp_hist.default", folder)
    program = (folder / "hist.py").read_text()
    (folder / "hist.py").write_text("# edited by hand\n")
    assert main(["refresh", str(folder)]) == 0
    assert (folder / "hist.py").read_text() == program  # the same decompiler, the same program
    card = json.loads((folder / "config.json").read_text())
    assert card["checks"]["program_agreement_test"] == 1.0
    assert card["metrics"] == json.loads((CHECKPOINT_DIR / "tp_hist.default" / "config.json").read_text())["metrics"]


@pytest.mark.parametrize("argv", [["refresh", "/nonexistent/release"]])
def test_refresh_of_a_missing_release_is_one_line(argv, capsys):
    assert main(argv) == 2 and capsys.readouterr().err.startswith("error:")
