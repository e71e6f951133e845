"""The Monet checkpoint converter (models/monet_convert.py) on synthetic tensors in the released format: the
key names of ``modeling_monet.py``'s state dict, a transformers-4.42 ``config.json`` and one ``model.safetensors``."""

import json

import pytest
import torch
from helpers import assert_complete
from safetensors.torch import save_file

from models.monet_convert import MonetCheckpointError, load_monet

CONFIG = {"architectures": ["MonetForCausalLM"], "model_type": "monet", "transformers_version": "4.42.3",
          "auto_map": {"AutoConfig": "modeling_monet.MonetConfig",
                       "AutoModelForCausalLM": "modeling_monet.MonetForCausalLM"},
          "vocab_size": 50, "hidden_size": 16, "num_hidden_layers": 4, "num_attention_heads": 2,
          "num_key_value_heads": 2, "hidden_act": "relu2", "max_position_embeddings": 32, "rms_norm_eps": 1e-6,
          "rope_theta": 10000.0, "rope_scaling": None, "attention_bias": False, "tie_word_embeddings": False,
          "bos_token_id": 1, "eos_token_id": 2, "moe_dim": 4, "moe_heads": 2, "moe_experts": 6, "moe_topk": 2,
          "moe_groups": 2, "moe_decompose": "vertical", "torch_dtype": "bfloat16"}


def monet_tensors(config: dict) -> dict[str, torch.Tensor]:
    """Random tensors under the public key names, with the shapes modeling_monet.py gives them."""
    g = torch.Generator().manual_seed(0)
    d, V, E, m, H = (config[k] for k in ("hidden_size", "vocab_size", "moe_experts", "moe_dim", "moe_heads"))
    shapes = {"model.embed_tokens.weight": (V, d), "model.norm.weight": (d,), "lm_head.weight": (V, d)}
    for layer in range(config["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        shapes.update({p + f"self_attn.{x}_proj.weight": (d, d) for x in "qkvo"})
        shapes.update({p + "input_layernorm.weight": (d,), p + "post_attention_layernorm.weight": (d,)})
        if config["moe_decompose"] == "vertical":
            for u in ("u1", "u2"):
                shapes.update({p + f"moe.{u}.weight": (E * m // 2, d), p + f"moe.{u}.bias": (E * m // 2,)})
            shapes.update({p + f"moe.{v}.weight": (d // 2, E * m // 2) for v in ("v11", "v12", "v21", "v22")})
            shapes.update({p + "moe.b1": (E, d // 2), p + "moe.b2": (E, d // 2)})
        else:
            shapes.update({p + "moe.u.weight": (E * m, d), p + "moe.u.bias": (E * m,), p + "moe.v.weight": (d, E * m),
                           p + "moe.b": (E, d)})
        if layer % config["moe_groups"] == 0:
            for n in ("1", "2"):
                shapes.update({p + f"router.w{n}.weight": (H * E, d), p + f"router.norm{n}.running_mean": (H,),
                               p + f"router.norm{n}.running_var": (H,)})
    tensors = {k: torch.randn(s, generator=g) * 0.2 for k, s in shapes.items()}
    for k in tensors:
        if k.endswith("running_var") or k.endswith("layernorm.weight") or k == "model.norm.weight":
            tensors[k] = 1 + tensors[k].abs()
    for layer in range(0, config["num_hidden_layers"], config["moe_groups"]):
        for n in ("1", "2"):
            tensors[f"model.layers.{layer}.router.norm{n}.num_batches_tracked"] = torch.tensor(1000)
    return tensors


def write(folder, config, tensors):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config))
    save_file({k: v.to(torch.bfloat16) if v.is_floating_point() else v for k, v in tensors.items()},
              str(folder / "model.safetensors"), metadata={"format": "pt"})
    return folder


@pytest.mark.parametrize("decompose", ["vertical", "horizontal"])
def test_every_tensor_lands_where_the_reference_code_reads_it(tmp_path, decompose):
    config = {**CONFIG, "moe_decompose": decompose}
    tensors = monet_tensors(config)
    model = load_monet(write(tmp_path / decompose, config, tensors))
    state = model.state_dict()
    assert model.cfg.mlp == ("monet_vd" if decompose == "vertical" else "monet_hd")
    assert [b.router is not None for b in model.gpt.blocks] == [True, False, True, False]
    pairs = {"model.layers.2.self_attn.o_proj.weight": "gpt.blocks.2.attn.o.weight",
             "model.layers.1.post_attention_layernorm.weight": "gpt.blocks.1.ln_2.weight",
             "model.layers.2.router.norm2.running_var": "gpt.blocks.2.router.norm2.running_var",
             "lm_head.weight": "gpt.lm_head.weight", "model.norm.weight": "gpt.ln_f.weight"}
    pairs[f"model.layers.3.moe.{'v12.weight' if decompose == 'vertical' else 'b'}"] = \
        f"gpt.blocks.3.mlp.{'v12.weight' if decompose == 'vertical' else 'b'}"
    for source, target in pairs.items():
        torch.testing.assert_close(state[target], tensors[source].to(torch.bfloat16).float())
    x = torch.randint(0, 50, (2, 10))
    assert model(x).shape == (2, 10, 50)
    assert_complete(model, x, atol=1e-4)
    assert torch.equal(model.generate(x[:1, :3], 5, temperature=0), model.generate(x[:1, :3], 5, temperature=0,
                                                                                   use_cache=False))


def test_a_config_that_does_not_match_its_tensors_is_refused_naming_the_tensor(tmp_path):
    tensors = monet_tensors(CONFIG)
    folder = write(tmp_path / "m", {**CONFIG, "moe_experts": 8}, tensors)
    with pytest.raises(MonetCheckpointError, match=r"moe\.b1 has shape \(6, 8\), the config implies \(8, 8\)"):
        load_monet(folder)
    folder = write(tmp_path / "n", {**CONFIG, "moe_groups": 1}, tensors)
    with pytest.raises(MonetCheckpointError, match="lacks"):
        load_monet(folder)
    extra = dict(tensors, **{"model.layers.0.mlp.gate_proj.weight": torch.zeros(2, 2)})
    with pytest.raises(MonetCheckpointError, match="unexpected tensor"):
        load_monet(write(tmp_path / "o", CONFIG, extra))


@pytest.mark.parametrize("change, message", [({"num_key_value_heads": 1}, "grouped-query"),
                                             ({"rope_scaling": {"type": "linear", "factor": 2}}, "rope_scaling"),
                                             ({"hidden_act": "silu"}, "relu2")])
def test_features_the_loader_does_not_read_are_refused(tmp_path, change, message):
    with pytest.raises(MonetCheckpointError, match=message):
        load_monet(write(tmp_path / "m", {**CONFIG, **change}, monet_tensors(CONFIG)))


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(MonetCheckpointError, match="model.safetensors is missing"):
        (tmp_path / "config.json").write_text("{}")
        load_monet(tmp_path)
