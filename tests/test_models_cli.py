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


# ---- a release folder is data from outside: refresh runs no code and reads no path from the card ------------
PAYLOAD = "{__import__('pathlib').Path(%r).touch()}\"\"\"+__import__('pathlib').Path(%r).touch()#'"


def _rename_token(card: dict, old: str, new: str) -> None:
    data = card["data"]
    data["vocab"] = [new if t == old else t for t in data["vocab"]]
    data["class_names"] = [new if t == old else t for t in data["class_names"]]
    data["special_tokens"] = {role: new if t == old else t for role, t in data["special_tokens"].items()}


def test_refresh_runs_no_code_a_crafted_card_names(tmp_path, capsys):
    """Token names that would break out of a string, a docstring or an f-string of the regenerated program (the
    BOS and an ordinary token) stay data: the program holds them as quoted constants, and nothing they spell runs
    on refresh, when the program is imported, nor on its error paths."""
    import ast

    from models.programs import load_program

    marker = tmp_path / "pwned"
    folder = tmp_path / "tp_sort.default"
    shutil.copytree(CHECKPOINT_DIR / "tp_sort.default", folder)
    card = json.loads((folder / "config.json").read_text())
    bos, token = PAYLOAD % (str(marker), str(marker)), "{__import__('os').system('touch " + str(marker) + "')}"
    _rename_token(card, "<s>", bos)
    _rename_token(card, "3", token)
    (folder / "config.json").write_text(json.dumps(card))
    main(["refresh", str(folder)])  # the checks may disagree with data built for the real tokens; no code runs
    capsys.readouterr()
    source = (folder / "sort.py").read_text()
    tree = ast.parse(source)
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "__import__"]
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    assert bos in strings and token in strings
    program = load_program(folder / "sort.py")
    assert program.BOS == bos
    for tokens in ([bos, token, "1"], ["1", "2"], [bos, "nine"]):  # a valid input and both error messages
        try:
            program.run(tokens)
        except ValueError:
            pass
    assert not marker.exists()


def test_refresh_reads_data_only_where_the_user_says(tmp_path, monkeypatch, capsys):
    """A recipe asking to download, or naming a data root, is not followed: refresh builds the data without
    them, and a rooted dataset needs --data-arg root=..."""
    import datamodules.images as images

    folder = tmp_path / "tp_hist.default"
    shutil.copytree(CHECKPOINT_DIR / "tp_hist.default", folder)
    card = json.loads((folder / "config.json").read_text())
    card["recipe"].setdefault("data", {})["args"] = {**card["recipe"]["data"].get("args", {}),
                                                     "root": str(tmp_path / "made_by_card")}
    (folder / "config.json").write_text(json.dumps(card))
    assert main(["refresh", str(folder)]) == 0  # a generated task: the root is dropped, not passed
    assert not (tmp_path / "made_by_card").exists()
    capsys.readouterr()

    mnist = tmp_path / "mnist_like"
    shutil.copytree(CHECKPOINT_DIR / "protopnet_small8.digits", mnist)
    card = json.loads((mnist / "config.json").read_text())
    card["data"]["name"] = "mnist"
    card["recipe"]["data"] = {"name": "mnist", "args": {"root": str(tmp_path / "card_root"), "download": True}}
    (mnist / "config.json").write_text(json.dumps(card))
    monkeypatch.setattr(images.RootedDataModule, "download_data", lambda self: pytest.fail("refresh downloaded"))
    assert main(["refresh", str(mnist)]) == 2
    err = capsys.readouterr().err
    assert "--data-arg root=" in err and "card_root" not in err
    assert not (tmp_path / "card_root").exists()


@pytest.mark.parametrize("argv", [["--orders", "0"], ["--competence", "2.0"], ["--seed", "-5"], ["--seed", "abc"],
                                  ["--seed", str(2**70)]])
def test_intervention_command_numbers_are_checked(argv, capsys):
    from models.interventions import main as interventions

    with pytest.raises(SystemExit) as exit_info:
        interventions(["cbm_joint_mlp.xor", *argv])
    assert exit_info.value.code == 2 and argv[0] in capsys.readouterr().err
