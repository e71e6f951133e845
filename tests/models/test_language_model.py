"""The language models (models/language_model.py): exact per-token attribution for every MLP kind, expert masks,
KV-cache generation, perplexity, training terms, upcycling, the atlas and the release round trip."""

import math
import re

import pytest
import torch
from helpers import assert_complete

from datamodules.base import DataSpec
from datamodules.corpus import byte_vocab
from models import create_model, load_release, save_release
from models.base import InputError
from models.language_model import ExpertMaskError, LanguageModel

TINY = dict(n_layers=2, n_heads=2, d_model=16, d_mlp=12, n_experts=4, top_k=2, monet_experts=4, monet_dim=4,
            monet_heads=2, monet_topk=2, moe_groups=2, warmup_steps=2)
KINDS = ["gelu", "relu", "moex", "monet_hd", "monet_vd"]


def byte_spec(context: int = 12) -> DataSpec:
    vocab = byte_vocab()
    return DataSpec(name="bytes", input_shape=(context,), num_classes=len(vocab), class_names=vocab,
                    task="next_token", vocab=vocab, special_tokens={"eos": "<eos>"}, causal=True,
                    variable_length=True, tokenizer={"type": "bytes"})


def tiny(mlp: str, **overrides) -> LanguageModel:
    torch.manual_seed(0)
    model = LanguageModel(byte_spec(), **{**TINY, "mlp": mlp, **overrides})
    with torch.no_grad():  # trained-looking weights: biases and norms away from their initial values
        for name, p in model.gpt.named_parameters():
            if name.endswith(("bias", "b_enc", "b1", "b2", ".b")) or "ln" in name:
                p.add_(torch.randn_like(p) * 0.1)
    return model.eval()


def tokens(B: int = 3, T: int = 12) -> torch.Tensor:
    return torch.randint(0, 256, (B, T), generator=torch.Generator().manual_seed(1))


@pytest.mark.parametrize("mlp", KINDS)
@pytest.mark.parametrize("positions", ["last", "all"])
def test_contributions_add_up_to_every_logit_exactly(mlp, positions):
    model = tiny(mlp)
    records = assert_complete(model, tokens(), positions=positions)
    assert len(records) == (3 if positions == "last" else 36)
    record = records[0]
    assert record.units is not None and len(record.units) == len(record.contributions) <= record.num_units
    if mlp != "gelu":  # ReLU neurons, unselected experts and unrouted composed experts are left out
        assert len(record.units) < record.num_units
    assert "direct logit attribution" in record.extras["attribution"]


def test_rms_norm_rope_untied_models_are_exact_too():
    model = tiny("monet_vd", norm="rms", positions="rope", bias=False, tie_embeddings=False)
    assert_complete(model, tokens())
    assert "position embedding" not in model.unit_names()


@pytest.mark.parametrize("mlp", ["moex", "monet_hd", "relu"])
def test_expert_masks_change_the_output_and_the_attribution_stays_exact(mlp):
    model = tiny(mlp)
    x = tokens()
    mask = {0: [1, 2], 1: [0]}
    plain, masked = model(x), model(x, expert_mask=mask)
    assert not torch.allclose(plain, masked)
    torch.testing.assert_close(model(x, expert_mask="0:1, 0:2,1:0"), masked)
    records = assert_complete(model, x, expert_mask=mask)
    names = [model.unit_name(int(u)) for u in records[0].units]
    removed = {"moex": "L0 expert 1 #", "monet_hd": "L0 expert 1", "relu": "L0 neuron 1"}[mlp]
    assert not any(n.startswith(removed) and (mlp == "moex" or n == removed) for n in names)


@pytest.mark.parametrize("mask, message", [({5: [0]}, "layer 5"), ({0: [99]}, r"\[99\]"), ("0-3", "layer:expert"),
                                           ("a:b", "integers"), (7, "expert_mask must be")])
def test_bad_expert_masks_are_clear_errors(mask, message):
    model = tiny("monet_hd")
    with pytest.raises(ExpertMaskError, match=message):
        model(tokens(), expert_mask=mask)


def test_moex_records_name_experts_neurons_gates_and_values():
    model = tiny("moex")
    record = model.explain(tokens(), top_k=40)[0]
    neurons = [e for e in record.evidence if e.details["part"] == "mlp"]
    assert neurons and all({"expert", "neuron", "gate", "activation"} <= set(e.details) for e in neurons)
    assert all(e.details["gate"] > 0 and e.details["activation"] > 0 for e in neurons)
    experts = record.extras["experts"]
    assert len(experts) == 2 * 2 and all(x["gate"] > 0 for x in experts)  # top-2 in each of 2 layers


def test_monet_records_give_composed_expert_ids_with_routing_scores():
    model = tiny("monet_vd")
    record = model.explain(tokens(), top_k=50)[0]
    experts = [e for e in record.evidence if e.details["part"] == "mlp"]
    assert experts
    for e in experts:
        d = e.details
        assert d["expert"] == d["i"] * 4 + d["j"] and d["routing_score"] > 0
    groups = record.extras["routing"]
    assert [g["group"] for g in groups] == [0] and groups[0]["layers"] == [0, 1]
    assert sum(t["score"] for t in groups[0]["top_experts"]) <= 2 + 1e-5  # sum_ij G_ij = H


@pytest.mark.parametrize("mlp", ["gelu", "moex", "monet_hd"])
def test_kv_cache_generation_equals_recomputing_the_whole_context(mlp):
    model = tiny(mlp)
    prompt = tokens(2, 4)
    cached = model.generate(prompt, 12, temperature=0, use_cache=True)  # runs past the 12-token context
    fresh = model.generate(prompt, 12, temperature=0, use_cache=False)
    assert cached.shape == (2, 16)
    assert torch.equal(cached, fresh)
    out = model.gpt(prompt, use_cache=True)
    step = model.gpt(tokens(2, 1), cache=out.cache)
    whole = model.gpt(torch.cat([prompt, tokens(2, 1)], 1))
    torch.testing.assert_close(step.logits[:, -1], whole.logits[:, -1], atol=1e-5, rtol=1e-5)


def test_sampling_respects_top_k_and_a_seed():
    model = tiny("gelu")
    a = model.generate(tokens(1, 3)[0], 5, temperature=1.0, top_k=1, generator=torch.Generator().manual_seed(0))
    greedy = model.generate(tokens(1, 3)[0], 5, temperature=0)
    assert torch.equal(a, greedy)
    with pytest.raises(ValueError, match="temperature"):
        model.generate(tokens(1, 3)[0], 2, temperature=-1)


def test_a_prompt_longer_than_the_context_is_cut_with_a_warning_and_forward_refuses_it():
    model = tiny("gelu")
    with pytest.warns(UserWarning, match="last 12 tokens"):
        out = model.generate(tokens(1, 20), 2, temperature=0)
    assert out.shape == (1, 22)
    with pytest.raises(InputError, match="at most 12"):
        model(tokens(1, 20))
    text = model.generate_text("def f(x):", 3, temperature=0)
    assert isinstance(text, str)


def test_perplexity_is_the_exponential_of_the_token_cross_entropy():
    model = tiny("relu")
    x = tokens(4, 12)
    y = torch.roll(x, -1, 1)
    result = model.perplexity([(x, y)])
    with torch.no_grad():
        loss = torch.nn.functional.cross_entropy(model(x).flatten(0, 1), y.flatten())
    assert result["loss"] == pytest.approx(float(loss), rel=1e-5)
    assert result["ppl"] == pytest.approx(math.exp(float(loss)), rel=1e-5) and result["tokens"] == 48


@pytest.mark.parametrize("mlp, terms", [("gelu", {"cross_entropy"}), ("moex", {"cross_entropy", "load_balance"}),
                                        ("monet_vd", {"cross_entropy", "uniformity", "ambiguity"})])
def test_training_loss_terms_and_their_weights(mlp, terms):
    from datamodules.batch import Batch

    model = tiny(mlp).train()
    x = tokens(2, 12)
    batch = Batch(inputs=x, targets=torch.roll(x, -1, 1))
    found = model.loss_terms(batch, model.training_forward(batch))
    assert set(found) == terms
    loss = model.total_loss(found)
    loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
    if mlp.startswith("monet"):  # the routers learn (the reference inference code freezes them)
        assert model.gpt.blocks[0].router.w1.weight.grad.abs().sum() > 0
        assert model.loss_weights()["uniformity"] == 1e-3


def test_upcycling_a_dense_relu_model_keeps_its_function():
    dense = tiny("relu", d_mlp=6)
    moex = LanguageModel(byte_spec(), **{**TINY, "mlp": "moex", "d_mlp": 6, "upcycle_noise": 0.0})
    moex.upcycle(dense)
    x = tokens()
    torch.testing.assert_close(moex.eval()(x), dense(x), atol=1e-4, rtol=1e-4)
    with pytest.raises(ValueError, match="dense ReLU"):
        LanguageModel(byte_spec(), **{**TINY, "mlp": "moex"}).upcycle(tiny("gelu"))


def test_atlas_finds_the_top_activating_contexts_and_travels_with_the_release(tmp_path):
    model = tiny("moex")
    x = tokens(4, 12)
    ids = torch.arange(4)
    from datamodules.batch import Batch

    model.collect_atlas([Batch(inputs=x, targets=x, ids=ids)])
    explanation = model.global_explanation()
    assert explanation.units and int(model.atlas_tokens) == 48
    mlp_units = [u for u in explanation.units if "top_contexts" in u.details]  # heads, embeddings: no contexts
    others = {u.role for u in explanation.units} - {u.role for u in mlp_units}
    assert others == {"embedding", "attention head", "bias term"}
    unit = max(mlp_units, key=lambda u: u.details["top_contexts"][0]["score"])
    best = unit.details["top_contexts"][0]
    layer, k = unit.details["layer"], unit.details["expert"] * 12 + unit.details["neuron"]
    with torch.no_grad():
        activity = model.unit_activity(model.gpt(x, trace=True).trace["layers"][layer])[..., k]
    assert float(activity.max()) == pytest.approx(best["score"], rel=1e-5)
    assert float(activity[best["index"], best["position"]]) == pytest.approx(best["score"], rel=1e-5)
    model.variant = "moex_small"
    loaded = load_release(save_release(model, tmp_path / "release"))
    torch.testing.assert_close(loaded(x), model(x))
    assert torch.equal(loaded.atlas_index, model.atlas_index)


def test_the_model_needs_next_token_data():
    from helpers import toy_text_spec

    with pytest.raises(ValueError, match="next_token"):
        LanguageModel(toy_text_spec())


def test_registered_small_variants_have_equal_active_mlp_width():
    spec = byte_spec(16)
    widths = {}
    for name in ["lm_gelu_small", "moex_small", "monet_hd_small", "monet_vd_small"]:
        cfg = create_model(name, spec=spec).cfg
        widths[name] = {"moex": cfg.top_k * cfg.d_mlp, "monet_hd": cfg.monet_experts * cfg.monet_dim,
                        "monet_vd": cfg.monet_experts * cfg.monet_dim}.get(cfg.mlp, cfg.d_mlp)
    assert len(set(widths.values())) == 1, widths


def test_padding_after_a_short_sequence_is_ignored_by_metrics_attribution_and_atlas():
    vocab = ["<pad>", *"abcdef"]
    spec = DataSpec(name="padded", input_shape=(8,), num_classes=len(vocab), class_names=vocab, task="next_token",
                    vocab=vocab, special_tokens={"pad": "<pad>"}, causal=True, variable_length=True,
                    tokenizer={"type": "word", "pattern": ".", "lowercase": False})
    torch.manual_seed(0)
    model = LanguageModel(spec, **{**TINY, "mlp": "moex"}).eval()
    x = torch.tensor([[1, 2, 3, 4, 0, 0, 0, 0], [2, 3, 4, 5, 6, 1, 2, 3]])
    records = assert_complete(model, x)
    assert [r.position for r in records] == [3, 7]
    assert len(assert_complete(model, x, positions="all")) == 12
    assert model.ignore_index == 0
    from datamodules.batch import Batch

    model.collect_atlas([Batch(inputs=x, targets=x, ids=torch.arange(2))])
    assert int(model.atlas_tokens) == 12
    padded = (model.atlas_index[..., :] == 0) & (model.atlas_position >= 4)
    assert not padded.any()


@pytest.mark.heavy  # two processes for ~1-2 minutes: beyond the family's share of the default suite
def test_two_process_cpu_ddp_training_of_moex(tmp_path):
    """MoE-X under Lightning's DDP (two CPU processes over gloo): experts a step does not route to get no
    gradient, which the ddp preset allows; the run ends released with its atlas."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**__import__("os").environ, "OMP_NUM_THREADS": "1", "INTRINSIC_ZOO_CACHE": str(tmp_path / "cache")}
    result = subprocess.run(
        [sys.executable, "train.py", "model=moex_small", "data=python_docs", "trainer=ddp", "trainer.devices=2",
         "trainer.accelerator=cpu", "trainer.precision=32-true", "trainer.max_epochs=1",
         "trainer.limit_train_batches=3",
         "trainer.limit_val_batches=2", "trainer.limit_test_batches=2", "data.args.code_chars=20000",
         "model.args.atlas_batches=2", f"run_dir={tmp_path / 'run'}", "explain.limit=2", "explain.formats=[jsonl]",
         "trainer.progress_bar=false"],
        cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    saved = torch.load(tmp_path / "run" / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    assert saved["global_step"] == 3
    card = json.loads((tmp_path / "run" / "release" / "config.json").read_text())
    assert card["recipe"]["trainer"]["strategy"].startswith("ddp") and "x 2 process" in card["training"]["device"]
    assert int(load_release(tmp_path / "run" / "release").atlas_tokens) > 0


def test_the_fsdp_preset_is_a_multi_gpu_strategy():
    import train
    from configs import load_config

    cfg = train.resolve(load_config(["model=monet_vd_small", "trainer=fsdp", "trainer.num_nodes=2"]))
    kwargs = train.trainer_kwargs(cfg)
    assert kwargs["strategy"] == "fsdp" and kwargs["num_nodes"] == 2 and kwargs["precision"] == "bf16-mixed"


@pytest.mark.parametrize("experiment", ["moex_chess_paper", "gpt2_chess_paper", "monet_vd_850m", "monet_hd_850m",
                                        "monet_vd_1_4b"])
def test_the_paper_configurations_parse_and_build(experiment):
    """The GPU recipes build here: on the meta device, with a spec of their context and vocabulary size."""
    import train
    from configs import load_config, to_plain

    cfg = train.resolve(load_config([f"experiment={experiment}"]))
    args = to_plain(cfg.model.args)
    data = to_plain(cfg.data.args)
    vocab = [f"t{i}" for i in range(data.get("vocab_size", 33))]
    spec = DataSpec(name="paper", input_shape=(data["context"],), num_classes=len(vocab), class_names=vocab,
                    task="next_token", vocab=vocab, causal=True, variable_length=True)
    with torch.device("meta"):
        model = create_model(cfg.model.name, spec=spec, **args)
    active = sum(p.numel() for n, p in model.named_parameters() if ".mlp." not in n and ".router." not in n)
    assert active > 5_000_000
    if experiment == "monet_vd_850m":
        total = sum(p.numel() for p in model.parameters())
        assert 0.75e9 < total < 1.0e9, total  # ~850M with a 32k vocabulary and untied embeddings
        assert sum(b.router is not None for b in model.gpt.blocks) == 6


@pytest.mark.parametrize("options, message", [
    ({"max_new_tokens": "5"}, "max_new_tokens='5' has type str"), ({"max_new_tokens": -5}, "max_new_tokens=-5"),
    ({"temperature": float("nan")}, "temperature=nan"), ({"temperature": float("inf")}, "temperature=inf"),
    ({"top_k": 0}, "top_k=0"), ({"top_k": -1}, "top_k=-1")])
def test_generation_arguments_are_checked_before_anything_runs(options, message):
    from models import InputError

    model = create_model("moex_small")
    arguments = {"max_new_tokens": 2, **options}
    with pytest.raises(InputError, match=re.escape(message)):
        model.generate(torch.tensor([1, 2, 3]), **arguments)


def test_a_prompt_with_a_lone_surrogate_is_refused_as_text():
    from models import InputError

    with pytest.raises(InputError, match="not valid text"):
        create_model("moex_small").generate("print(\ud800)", 2)


@pytest.mark.parametrize("mask", [{0: [1.5]}, {0: [True]}, {0.0: [1]}, {0: ["x"]}])
def test_expert_ids_must_be_integers(mask):
    from models.language_model import ExpertMaskError

    with pytest.raises(ExpertMaskError, match="must be integers"):
        create_model("moex_small").parse_mask(mask)
