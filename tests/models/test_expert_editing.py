"""Domain experts and masking (models/expert_editing.py): the >= 2x rule, the masking table, the command."""

import json

import pytest
import torch

from datamodules import create_datamodule
from models import save_release
from models.expert_editing import as_mask, main, masking_effect, masking_table, specialised_units
from models.language_model import LanguageModel


def test_the_two_times_rule_assigns_a_unit_to_at_most_one_domain():
    routing = torch.tensor([[[0.5, 0.2, 0.0, 0.3]], [[0.2, 0.2, 0.0, 0.1]], [[0.1, 0.3, 0.0, 0.1]]])  # (D=3, L=1, U=4)
    specialised = specialised_units(routing)
    # unit 0: 0.5 >= 2 x 0.2; unit 1: no domain doubles the others; unit 2: never routed; unit 3: 0.3 >= 2 x 0.1
    assert specialised[:, 0].tolist() == [[True, False, False, True], [False] * 4, [False] * 4]
    routing[0, 0, 3] = 0.19
    assert not specialised_units(routing)[0, 0, 3]
    assert as_mask(specialised[0]) == {0: [0, 3]}
    assert masking_effect([1.0, 2.0, 3.0], [1.5, 2.1, 3.3], target=0) == pytest.approx(
        {"delta_target": 0.5, "delta_others": 0.2})


@pytest.fixture()
def corpus(tmp_path):
    for domain, line in (("letters", "abc def ghi jkl mno pqr stu vwx yz. "), ("digits", "0123 4567 89 1357 2468. ")):
        (tmp_path / "corpus" / domain).mkdir(parents=True)
        (tmp_path / "corpus" / domain / "a.txt").write_text(line * 120)
    return create_datamodule("text_folder", root=tmp_path / "corpus", context=16, batch_size=8, eval_batch_size=16)


def test_masking_a_domains_experts_and_the_command(tmp_path, corpus, capsys):
    torch.manual_seed(0)
    model = LanguageModel(corpus.spec, n_layers=2, n_heads=2, d_model=16, mlp="monet_vd", monet_experts=4,
                          monet_dim=4, monet_heads=2, monet_topk=2, moe_groups=2).eval()
    model.variant = "monet_vd_small"
    table = masking_table(model, corpus, split="test", fit_split="train")
    assert table["domains"] == ["digits", "letters"] and len(table["rows"]) == 2
    for row in table["rows"]:
        assert row["masked_units"] == sum(len(v) for v in row["mask"].values())
        if row["mask"]:  # the shared router: a group's experts are masked in every layer of the group
            assert row["mask"].get(0) == row["mask"].get(1)
    release = save_release(model, tmp_path / "release")
    out = tmp_path / "table.json"
    assert main(["--checkpoint", str(release), "--data", "text_folder", "--data-arg", f"root={corpus.root}",
                 "--data-arg", "context=16", "--table", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["rows"][0]["domain"] == "digits"
    assert "D-target" in capsys.readouterr().out
    assert main(["--checkpoint", str(release), "--data", "text_folder", "--data-arg", f"root={corpus.root}",
                 "--data-arg", "context=16", "--experts", "0:3,1:15"]) == 0
    assert main(["--checkpoint", str(release), "--data", "text_folder", "--data-arg", f"root={corpus.root}",
                 "--data-arg", "context=16", "--experts", "0:16"]) == 2
    assert "16 experts (ids 0..15)" in capsys.readouterr().err
