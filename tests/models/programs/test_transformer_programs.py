import math

import lightning as L
import pytest
import torch
from helpers import assert_complete, toy_text_spec

from datamodules import create_datamodule
from datamodules.sequences import TASKS, encode
from models import InputError, create_model, load_release, save_release
from models.programs.transformer_programs import TemperatureAnnealing, TransformerProgram, closest_match_bias


@pytest.fixture(scope="module")
def hist_spec():
    return create_datamodule("hist").spec


def ids(tokens: list[str], task: str = "hist") -> torch.Tensor:
    t = TASKS[task]
    return encode([(tokens, ["<pad>"] * len(tokens))], t.vocab, t.classes, t.max_length)[0]


def fix(gate, choices: list[int]) -> None:
    """Make a gate pick ``choices`` (one per reader)."""
    gate.logits.data.fill_(-10.0)
    for reader, var in enumerate(choices):
        gate.logits.data[reader, var] = 10.0


def set_predicate(head, index: int, mapping: dict[int, int]) -> None:
    head.predicate.data[index].fill_(-10.0)
    for query, key in mapping.items():
        head.predicate.data[index, query, key] = 10.0


def one_head_model(spec, causal=None) -> TransformerProgram:
    return TransformerProgram(spec, n_layers=1, n_cat_heads=1, n_num_heads=1, n_cat_mlps=0, n_num_mlps=0,
                              causal=causal).eval()


def test_bias_orders_keys_closest_earlier_then_self_last():
    bias = closest_match_bias(8)
    for i in range(8):
        order = sorted(range(8), key=lambda j: -float(bias[i, j]))
        assert order == sorted(range(8), key=lambda j: (j == i, abs(i - j), j > i))
        assert (bias[i] >= -2.0).all() and float(bias[i, i]) == -2.0 and (bias[i] > -1).sum() == 7


def test_hand_built_head_selects_closest_match_with_bos_fallback(hist_spec):
    model = one_head_model(hist_spec)
    tokens_var, positions_var = 0, 1
    head = model.cat_attn[0]
    # predicate(query token, key token): token t looks for token "1"; token "3" looks for token "4"
    vocab = model.vocab
    fix(head.query, [tokens_var]), fix(head.key, [tokens_var]), fix(head.value, [positions_var])
    mapping = {q: vocab.index("1") for q in range(model.d_var)}
    mapping[vocab.index("3")] = vocab.index("4")
    set_predicate(head, 0, mapping)
    x = ids(["<s>", "1", "2", "2", "2", "1", "3"])
    trace = model.trace(x)
    selected = trace.patterns["attn_0_0"][0].argmax(-1).tolist()
    # position 3 is 2 away from both "1"s (1 and 5): the earlier wins; position 1 matches only itself
    # and the other "1" (at 5): the other one wins; "3" finds no "4": BOS.
    assert selected[:7] == [1, 5, 1, 1, 5, 1, 0]
    values = trace.x_cat[0, :7, model.unit_names().index("attn_0_0_outputs")].argmax(-1).tolist()
    assert values == selected[:7]  # the value read is the position itself


def test_causal_head_cannot_look_ahead_and_counting_head_counts(hist_spec):
    model = one_head_model(hist_spec, causal=True)
    head, count = model.cat_attn[0], model.num_attn[0]
    same = {q: q for q in range(model.d_var)}
    fix(head.query, [0]), fix(head.key, [0]), fix(head.value, [1])
    set_predicate(head, 0, same)
    fix(count.query, [0]), fix(count.key, [0]), fix(count.value, [0])
    set_predicate(count, 0, same)
    x = ids(["<s>", "4", "0", "4", "4"])
    trace = model.trace(x)
    assert trace.patterns["attn_0_0"][0].argmax(-1).tolist()[:5] == [0, 1, 2, 1, 3]
    counts = trace.x_num[0, :5, model.n_num_vars - 1].tolist()
    assert counts == [1, 1, 1, 2, 3]  # causal: occurrences so far, itself included


def test_forward_shapes_dtypes_and_input_errors(hist_spec):
    model = create_model("tp_hist", spec=hist_spec)
    x = torch.stack([ids(["<s>", "1", "2"])[0], ids(["<s>", "5"])[0]])
    model.train()
    assert model(x).shape == (2, 8, len(hist_spec.class_names)) and model(x).dtype == torch.float32
    model.eval()
    logits = model(x)
    assert logits.dtype == torch.float64
    assert (logits[..., 0] <= -1e8).all()  # <pad> is never predicted
    with pytest.raises(InputError, match="integer"):
        model(x.float())
    with pytest.raises(InputError, match=r"\[0, 8\)"):
        model(x + 20)
    assert torch.equal(model(x[:, :5]), logits[:, :5])  # shorter than the context: the same program
    with pytest.raises(InputError, match="at most 8 tokens"):
        model(torch.cat([x, x], 1))
    with pytest.raises(InputError, match="only padding"):
        model(torch.zeros(1, 8, dtype=torch.long))


def test_padding_does_not_change_the_program(hist_spec):
    model = create_model("tp_hist", spec=hist_spec, n_layers=2).eval()
    x = ids(["<s>", "1", "2", "1", "0"])
    y = x.clone()
    y[0, 6] = 3  # a longer sequence sharing the prefix would change it; padding must not
    base = model(x)[0, :5]
    assert torch.equal(model(torch.cat([x, x]))[1, :5], base)


def test_explanations_are_complete_per_position(hist_spec):
    torch.manual_seed(1)
    model = create_model("tp_hist", spec=hist_spec, n_layers=2).eval()
    x = torch.stack([ids(["<s>", "1", "2", "1"])[0], ids(["<s>", "5", "5"])[0]])
    y = torch.randint(1, 8, x.shape)
    records = assert_complete(model, (x, y), atol=1e-9)
    assert len(records) == 4 + 3
    logits = model(x)
    for r in records:
        b, t = r.sequence, r.position
        assert r.value == pytest.approx(float(logits[b, t, r.explained_class]), abs=1e-9)
        assert set(r.extras["variables"]) == set(model.unit_names())
        assert set(r.extras["attention"]) == {"attn_0_0", "attn_0_1", "num_attn_0_0", "num_attn_0_1",
                                              "attn_1_0", "attn_1_1", "num_attn_1_0", "num_attn_1_1"}
        assert r.extras["variables"]["tokens"] == r.tokens.token
        assert r.extras["variables"]["positions"] == t
        assert all(e.details["value"] == r.extras["variables"][e.unit] for e in r.evidence)
    assert records[3].tokens.context == ["<s>", "1", "2", "1"]
    y[:, 0] = 0  # the BOS is labelled <pad>: no label, so no target, and its prediction is what is explained
    target_records = model.explain((x, y), explain_class="target")
    for r in target_records:
        assert (r.target is None) == (r.position == 0)
        assert r.explained_class == (r.prediction if r.target is None else r.target)
        r.check_complete(1e-9)
    assert records[0].to_dict()["kind"] == "program"


def test_records_trace_the_decompiled_program_at_their_position(hist_spec):
    """Each record's program section: every variable at every position (the record's own position is its
    extras), each head's selected keys, and the branch of the decompiled program that gave each module its
    value there, which the program itself reproduces."""
    from models.programs import decompile

    torch.manual_seed(3)
    model = create_model("tp_hist", spec=hist_spec, n_layers=2).eval()
    x = torch.stack([ids(["<s>", "1", "2", "1", "3"])[0], ids(["<s>", "5", "5"])[0]])
    records = model.explain(x)
    source = decompile(model, hist_spec.name).splitlines()
    for r in records:
        program, t = r.program, r.position
        length = len(r.tokens.sequence)
        assert set(program.values) == set(model.unit_names()) and all(len(v) == length for v in program.values.values())
        assert {name: values[t] for name, values in program.values.items()} == r.extras["variables"]
        assert {h["name"]: h["selected"] for h in program.heads} == {
            k: [v] if isinstance(v, int) else v for k, v in r.extras["attention"].items()}
        modules = [v for v in model.variables if v.module is not None]
        assert [entry["variable"] for entry in program.lines] == [v.name for v in modules]
        for entry in program.lines:
            lines = [source[n - 1].strip() for n in entry["lines"]]
            assert lines[-1].startswith("return") and entry["lines"] == sorted(entry["lines"])
            assert len(lines) == 1 or lines[0].startswith(("if ", "elif "))
            if not entry["function"].startswith(("predicate", "num_predicate")):
                assert entry["result"] == r.extras["variables"][entry["variable"]]


def test_temperature_schedule_is_geometric_and_smoothed():
    anneal = TemperatureAnnealing(3.0, 0.01)
    temps = [anneal.temperature(e, 0, 10, 250) for e in range(250)]
    assert temps[0] == pytest.approx(3.0) and temps[-1] == pytest.approx(0.01)
    ratios = [b / a for a, b in zip(temps, temps[1:])]
    assert max(ratios) == pytest.approx(min(ratios))
    mid = anneal.temperature(10, 5, 10, 250)
    assert temps[11] < mid < temps[10]
    assert mid == pytest.approx(math.sqrt(temps[10] * temps[11]))


def test_fit_anneals_and_release_round_trips(tmp_path):
    dm = create_datamodule("hist", dataset_size=600, batch_size=128)
    model = create_model("tp_hist", spec=dm.spec)
    trainer = L.Trainer(max_epochs=2, accelerator="cpu", logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, limit_train_batches=2)
    trainer.fit(model, dm)
    assert any(isinstance(c, TemperatureAnnealing) for c in trainer.callbacks)
    assert model.temperature < 3.0
    assert "val/acc" in trainer.callback_metrics
    save_release(model, tmp_path / "tp_hist.test", metrics={"test/acc": 0.0})
    loaded = load_release(tmp_path / "tp_hist.test")
    x = next(iter(dm.test_dataloader())).inputs
    assert torch.equal(loaded(x), model.eval()(x))


def test_learned_embeddings_and_pooled_classification():

    spec = toy_text_spec()
    model = create_model("tp_text", spec=spec, n_layers=1, d_var=6).eval()
    x = torch.tensor([[2, 3, 5, 0, 0, 0], [2, 4, 4, 5, 1, 0]])
    assert model(x).shape == (2, 2)
    records = assert_complete(model, x, atol=1e-9)
    assert len(records) == 2 and [r.sequence for r in records] == [0, 1] and records[0].position is None


def test_the_papers_induction_program_solves_the_induction_data():
    """§4.1's solution, built by hand: layer 0 copies the previous token, layer 1 finds the latest position
    whose previous token is the query letter and copies the digit there. It labels every test token right, so
    the architecture and the data admit the solution the optimiser has to find."""
    dm = create_datamodule("induction")
    dm.setup()
    model = create_model("tp_induction", spec=dm.spec, n_cat_heads=1).eval()  # the paper's one head per layer
    vocab, classes = model.vocab, dm.spec.class_names
    tokens_var, positions_var, previous_var = 0, 1, 2
    first, second = model.cat_attn
    fix(first.query, [positions_var]), fix(first.key, [positions_var]), fix(first.value, [tokens_var])
    set_predicate(first, 0, {q: max(q - 1, 0) for q in range(model.d_var)})
    fix(second.query, [tokens_var]), fix(second.key, [previous_var]), fix(second.value, [tokens_var])
    # letters look for themselves; anything else looks for <pad> (id 0), which is never a previous token
    set_predicate(second, 0, {q: q if q < len(vocab) and vocab[q].isalpha() else 0 for q in range(model.d_var)})
    model.readout_cat.data.zero_(), model.readout_num.data.zero_()
    recall = 3  # attn_1_0_outputs: the digit found, or the BOS token when the letter is new
    for digit in "0123":
        model.readout_cat.data[classes.index(digit), recall, vocab.index(digit)] = 1.0
    model.readout_cat.data[classes.index("?"), recall, vocab.index("<s>")] = 1.0
    batch = next(iter(dm.test_dataloader()))
    x, y = batch.inputs, batch.targets
    labelled = y != 0
    assert (model(x).argmax(-1)[labelled] == y[labelled]).all()


@pytest.mark.slow
def test_the_compiled_training_step_is_the_eager_one_to_float_rounding():
    """``compile=True``: the same logits and gradients (the same Gumbel noise, drawn outside the compiled graph),
    to float rounding, at two temperatures; the state dict is the uncompiled model's (no ``_orig_mod.``)."""
    dm = create_datamodule("hist", dataset_size=600, batch_size=128)
    dm.setup("fit")
    x = next(iter(dm.train_dataloader())).inputs
    eager = create_model("tp_hist", spec=dm.spec).train()
    compiled = create_model("tp_hist", spec=dm.spec, compile=True).train()
    compiled.load_state_dict(eager.state_dict())
    for tau in (2.0, 0.05):
        results = []
        for model in (eager, compiled):
            model.zero_grad()
            model.temperature = tau
            torch.manual_seed(4)
            logits = model.training_logits(x)
            logits.log_softmax(-1)[..., 2].mean().backward()
            results.append((logits.detach(), {n: p.grad.clone() for n, p in model.named_parameters()}))
        (eager_logits, eager_grads), (compiled_logits, compiled_grads) = results
        assert torch.allclose(compiled_logits, eager_logits, rtol=1e-5, atol=1e-5)
        largest = max(float(g.abs().max()) for g in eager_grads.values())
        for name, grad in eager_grads.items():  # rounding: relative to the tensor and to the model
            assert (compiled_grads[name] - grad).abs().max() <= 1e-3 * grad.abs().max() + 1e-6 * largest, name
    assert list(compiled.state_dict()) == list(eager.state_dict())


def test_a_compiler_that_cannot_build_the_step_is_a_clear_error(hist_spec, monkeypatch):
    def failing_compile(fn, **options):
        def compiled(*args):
            raise torch._dynamo.exc.TorchDynamoException("InvalidCxxCompiler: no working C++ compiler found")
        return compiled

    monkeypatch.setattr(torch, "compile", failing_compile)
    model = create_model("tp_hist", spec=hist_spec, compile=True).train()
    with pytest.raises(RuntimeError, match=r"could not build the training step .*InvalidCxxCompiler.*"
                                           r"model\.args\.compile=false"):
        model.training_logits(ids(["<s>", "1", "2", "2"]))


@pytest.mark.slow
def test_a_compiled_run_killed_mid_epoch_resumes_to_the_uninterrupted_result(tmp_path):
    """``model.args.compile=true`` through train.py: the checkpoints hold the plain state dict (no ``_orig_mod.``),
    and a run killed mid-epoch resumes to the release of the run never killed, bit for bit."""
    from safetensors.torch import load_file
    from test_train import run_subprocess

    argv = ["model=tp_hist", "data=hist", "data.args.dataset_size=2000", "data.args.batch_size=128",
            "model.args.n_layers=1", "model.args.compile=true", "trainer.max_epochs=3", "trainer=cpu",
            "checkpoint.every_n_train_steps=7", "explain.enabled=false", "threads=1"]
    assert run_subprocess([*argv, f"run_dir={tmp_path / 'whole'}"]).returncode == 0
    assert run_subprocess([*argv, f"run_dir={tmp_path / 'killed'}"], kill_at_step=25).returncode == -9
    saved = torch.load(tmp_path / "killed" / "checkpoints" / "last.ckpt", weights_only=True)
    assert saved["global_step"] == 21
    assert set(saved["state_dict"]) == set(create_model("tp_hist", spec=create_datamodule("hist").spec,
                                                        n_layers=1).state_dict())
    resumed = run_subprocess([*argv, f"run_dir={tmp_path / 'killed'}"])
    assert resumed.returncode == 0 and "resuming" in resumed.stdout, resumed.stderr[-2000:]
    whole, killed = (load_file(str(tmp_path / run / "release" / "model.safetensors")) for run in ("whole", "killed"))
    assert whole.keys() == killed.keys() and all(torch.equal(whole[k], killed[k]) for k in whole)


def test_special_tokens_out_of_place_are_refused_as_the_program_refuses_them():
    """The model would explain a mid-sequence <s> or a token after <pad>; the data and the program never have
    them, so the model refuses them too, naming the position."""
    from models import InputError, create_model

    model = create_model("tp_sort", pretrained=True)
    vocab = model.vocab
    ids = lambda tokens: torch.tensor([[vocab.index(t) for t in tokens]])  # noqa: E731
    with pytest.raises(InputError, match="position 2 breaks that"):
        model(ids(["<s>", "3", "<s>", "1"]))
    with pytest.raises(InputError, match="position 0 breaks that"):
        model(ids(["3", "1"]))
    with pytest.raises(InputError, match="position 3 follows"):
        model(ids(["<s>", "3", "<pad>", "1"]))
    assert model(ids(["<s>", "3", "1", "<pad>"])).shape[1] == 4
