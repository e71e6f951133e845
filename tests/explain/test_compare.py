"""``python -m explain.compare``: several models on the same inputs, one page, each model's own report beside
it; the numbers are the records'; the folder is written whole and replaces only an earlier comparison."""

from __future__ import annotations

import json

import pytest
from browser import broken_images, broken_links, browser_driver_fixture, console_errors, open_page  # noqa: F401

from explain.compare import main
from explain.report.context import read_records
from models import create_model, save_release


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    folder = tmp_path_factory.mktemp("releases")
    return [str(save_release(create_model(name), folder / name)) for name in ("linear_small8", "protopnet_small8")]


def test_compare_two_models_on_the_same_inputs(releases, tmp_path, capsys, browser_driver):
    out = tmp_path / "cmp"
    assert main(["--checkpoint", releases[0], "--checkpoint", releases[1], "--data", "digits", "--limit", "5",
                 "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    folders = manifest["folders"]
    assert len(folders) == 2 and all((out / f / "index.html").is_file() for f in folders)
    page = (out / "index.html").read_text()
    for folder in folders:
        for record in read_records(out / folder):
            assert f'href="{folder}/predictions/' in page and record["input_id"] in page
    assert "5 input(s) explained by every model" in page
    open_page(browser_driver, out / "index.html")
    assert console_errors(browser_driver) == [] and broken_images(browser_driver) == []
    assert broken_links(browser_driver, out) == []
    # an earlier comparison is replaced; a folder of something else is not
    assert main(["--checkpoint", releases[0], "--checkpoint", releases[1], "--data", "digits", "--limit", "2",
                 "--out", str(out)]) == 0
    other = tmp_path / "mine"
    other.mkdir()
    (other / "keep.txt").write_text("x")
    assert main(["--checkpoint", releases[0], "--checkpoint", releases[1], "--data", "digits",
                 "--out", str(other)]) == 2
    assert (other / "keep.txt").read_text() == "x" and "not an earlier export" in capsys.readouterr().err


def test_compare_needs_two_models(releases, tmp_path, capsys):
    assert main(["--checkpoint", releases[0], "--data", "digits", "--out", str(tmp_path / "x")]) == 2
    assert "two or more" in capsys.readouterr().err
