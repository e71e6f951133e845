"""Program == model: the decompiled Python program and the discrete model agree on every output."""

import json

import lightning as L
import pytest
import torch
from helpers import toy_text_spec

from datamodules import create_datamodule
from models import create_model, list_pretrained, load_release, save_release
from models.programs.decompile import compare_program, decompile, load_program, program_agreement, save_program
from models.registry import CHECKPOINT_DIR


def sample(dm, n: int = 200) -> torch.Tensor:
    return dm.test_set.dataset.tensors["inputs"][dm.test_set.indices[:n]]


@pytest.mark.parametrize("task,overrides", [
    ("hist", {}),
    ("sort", dict(n_layers=2)),  # two layers: MLPs and heads reading earlier outputs, numbers > n_ctx
    ("dyck1", dict(n_layers=2, n_cat_heads=1, n_num_heads=1)),  # causal, length 16
    ("induction", {}),  # categorical heads only
])
def test_random_programs_agree_with_their_models(tmp_path, task, overrides):
    torch.manual_seed(3)
    dm = create_datamodule(task, dataset_size=400)
    dm.setup()
    model = create_model(f"tp_{task}", spec=dm.spec, **overrides).eval()
    program = load_program(save_program(model, tmp_path, task))
    agree, total = compare_program(model, program, sample(dm))
    assert total > 0 and agree == total


def test_a_release_carries_its_program(tmp_path):
    """save_release (as train.py calls it) writes the decompiled program into the release folder and the card."""
    torch.manual_seed(3)
    dm = create_datamodule("hist", dataset_size=400)
    dm.setup()
    model = create_model("tp_hist", spec=dm.spec).eval()
    directory = save_release(model, tmp_path / "release")
    card = load_release(directory).card
    program = load_program(directory / card["program"]["program"])
    assert card["program"]["program_lines"] == len((directory / "hist.py").read_text().splitlines())
    assert (directory / "hist_weights.csv").is_file()
    agree, total = compare_program(model, program, sample(dm))
    assert total > 0 and agree == total


def test_a_program_refuses_what_its_model_cannot_read(tmp_path):
    """Unknown tokens, <pad> and sequences longer than the context get a ValueError that says why, not a
    KeyError from deep inside a lookup table."""
    torch.manual_seed(3)
    model = create_model("tp_hist", spec=create_datamodule("hist").spec).eval()
    program = load_program(save_program(model, tmp_path, "hist"))
    assert len(program.run(["<s>", "1", "2", "1"])) == 4
    for tokens, message in [(["<s>", "9"], r"unknown tokens \['9'\]"), (["<s>", "<pad>"], "unknown tokens"),
                            (["<s>"] + ["1"] * 8, "at most 8 tokens"), ("<s> 1 2", "expected a list of tokens"),
                            ([], "an empty sequence"), (["1", "2"], "a sequence starts with '<s>'")]:
        with pytest.raises(ValueError, match=message):
            program.run(tokens)


def test_trained_program_agrees_on_the_whole_test_split(tmp_path):
    """A tiny hist model trained for a few epochs (the annealing runs over 3 epochs), then the whole test
    split: every output token of the program equals the model's."""
    L.seed_everything(0)
    dm = create_datamodule("hist", dataset_size=1000, batch_size=100)
    model = create_model("tp_hist", spec=dm.spec, d_mlp=16)
    trainer = L.Trainer(max_epochs=3, accelerator="cpu", logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, limit_val_batches=0)
    trainer.fit(model, dm)
    model.eval()
    path = save_program(model, tmp_path, "hist")
    assert program_agreement(model, path, dm.test_dataloader()) == 1.0
    assert (tmp_path / "hist_weights.csv").is_file()


def test_source_is_readable_and_pruned():
    spec = create_datamodule("hist").spec
    model = create_model("tp_hist", spec=spec).eval()
    head = model.cat_attn[0]
    for gate, var in ((head.query, 0), (head.key, 0), (head.value, 1)):
        gate.logits.data.fill_(-10.0)
        gate.logits.data[0, var] = 10.0
    head.predicate.data[0].fill_(-10.0)
    head.predicate.data[0, :, spec.vocab.index("1")] = 10.0  # every token looks for a "1"
    head.predicate.data[0, spec.vocab.index("2"), spec.vocab.index("3")] = 20.0  # except "2": for a "3"
    source = decompile(model, "hist")
    expected = ("def predicate_0_0(query_token, key_token):\n"
                "    if query_token in {'1'}:\n        return key_token == query_token\n"
                "    elif query_token in {'2'}:\n        return key_token == '3'\n"
                "    return key_token == '1'\n")
    assert expected in source
    assert "<pad>" not in source  # never reachable
    assert "attn_0_0_outputs = aggregate(attn_0_0_selected, positions)" in source
    compile(source, "hist.py", "exec")


def test_pooled_program_with_learned_embeddings(tmp_path):
    spec = toy_text_spec()
    torch.manual_seed(0)
    model = create_model("tp_text", spec=spec, n_layers=2, d_var=6).eval()
    program = load_program(save_program(model, tmp_path, "toy"))
    x = torch.randint(3, 6, (64, 6))  # ordinary words after the <s> (special tokens have their places)
    x[:, 0] = 2
    x[::2, 4:] = 0
    agree, total = compare_program(model, program, x)
    assert agree == total == 64
    assert program.run(["<s>", "good", "never-seen"]) in ("neg", "pos")  # unknown words read as <unk>
    with pytest.raises(ValueError, match="at most 6 tokens"):
        program.run(["<s>"] + ["good"] * 6)


SHIPPED = list_pretrained("tp_*")


@pytest.mark.skipif(not SHIPPED, reason="no Transformer Program released in checkpoints/")
@pytest.mark.parametrize("release", SHIPPED)
def test_shipped_programs_agree_with_their_checkpoints(release):
    directory = CHECKPOINT_DIR / release
    model = load_release(directory)
    card = json.loads((directory / "config.json").read_text())
    assert 0.0 <= card["metrics"]["test/acc"] <= 1.0
    task = model.spec.name
    program = load_program(directory / card["program"]["program"])
    dm = create_datamodule(task, **{k: model.spec.preprocessing[k] for k in ("dataset_size",)})
    dm.setup()
    agree, total = compare_program(model, program, sample(dm, 300))
    assert agree == total
    x, y = (dm.test_set.dataset.tensors[k][dm.test_set.indices] for k in ("inputs", "targets"))
    scored = y != 0  # token accuracy ignores the <pad> label
    accuracy = float((model(x).argmax(-1) == y)[scored].double().mean())
    assert accuracy == pytest.approx(card["metrics"]["test/acc"], abs=1e-6)
    assert card["program"]["program_lines"] == len((directory / f"{task}.py").read_text().splitlines())
    summary = model.global_explanation()
    assert summary.details["program"] == (directory / f"{task}.py").read_text()
    assert summary.details["program_lines"] == card["program"]["program_lines"]


def test_numerical_mlp_tables_read_as_ranges():
    """A numerical MLP's table over two integers is written as range conditions that reproduce it exactly."""
    from models.programs.decompile import _mlp_source
    from models.programs.transformer_programs import Variable

    table = {(a, b): (2 if a + b >= 6 else 1 if a == 0 and b in (1, 2, 4) else 0) for a in range(5) for b in range(6)}
    v = Variable("num_mlp_0_0_outputs", "categorical", "num_mlp", (0, "num_mlp", 0))
    reads = {"inputs": ["num_attn_0_0_outputs", "num_attn_0_1_outputs"]}
    types = dict.fromkeys(reads["inputs"], "numbers")
    source = "\n".join(_mlp_source(None, v, table, reads, types))
    assert "key in" not in source and "1 <= num_attn_0_1_output <= 2 or num_attn_0_1_output == 4" in source
    namespace: dict = {}
    exec(source, namespace)
    assert all(namespace["num_mlp_0_0"](a, b) == out for (a, b), out in table.items())
