"""Load a released Monet checkpoint (``MonetLLM/monet-{vd,hd}-*-hf``: ``config.json`` + ``model.safetensors``
(+ ``tokenizer.json``), saved with transformers 4.42 for ``dmis-lab/Monet``'s ``modeling_monet.py``) into the zoo's
``LanguageModel``, offline, without transformers:

    from models.monet_convert import load_monet
    model = load_monet("path/to/monet-vd-850M-100BT-hf")

Monet is a LLaMA (RMSNorm, rotary positions, no biases in attention, untied embeddings) whose MLPs are Monet
expert layers; ``LanguageModel`` builds that shape with ``norm="rms"``, ``positions="rope"``, ``bias=False``,
``tie_embeddings=False``, and the expert layers keep the public code's parameter names, so the state dict
converts by renaming (``convert_state_dict``). The config is checked against every tensor before anything is
allocated; a mismatch is a ``MonetCheckpointError`` naming the tensor. Grouped-query attention and rope scaling
(absent from the released Monet configs) are refused rather than silently mis-read.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import torch

from datamodules.base import DataSpec

from .release import CheckpointError


class MonetCheckpointError(CheckpointError):
    """A Monet checkpoint whose config and tensors disagree, or that uses a feature this loader does not read."""


def model_args(config: dict[str, Any]) -> dict[str, Any]:
    """``LanguageModel`` arguments from a Monet ``config.json``."""
    def need(key: str) -> Any:
        if key not in config:
            raise MonetCheckpointError(f"Monet config has no {key!r}")
        return config[key]

    heads = need("num_attention_heads")
    if config.get("num_key_value_heads") not in (None, heads):
        raise MonetCheckpointError(f"grouped-query attention (num_key_value_heads={config['num_key_value_heads']} "
                                   f"for {heads} heads) is not supported")
    if config.get("rope_scaling"):
        raise MonetCheckpointError(f"rope_scaling {config['rope_scaling']} is not supported")
    if config.get("hidden_act", "relu2") != "relu2":
        raise MonetCheckpointError(f"Monet experts use hidden_act 'relu2', the config says {config['hidden_act']!r}")
    if config.get("attention_bias"):
        raise MonetCheckpointError("attention biases are not part of the released Monet models")
    decompose = config.get("moe_decompose", "vertical")
    if decompose not in ("vertical", "horizontal"):
        raise MonetCheckpointError(f"moe_decompose must be 'vertical' or 'horizontal', got {decompose!r}")
    return dict(n_layers=need("num_hidden_layers"), n_heads=heads, d_model=need("hidden_size"),
                mlp="monet_vd" if decompose == "vertical" else "monet_hd", monet_experts=config.get("moe_experts", 512),
                monet_dim=config.get("moe_dim", 8), monet_heads=config.get("moe_heads", 8),
                monet_topk=config.get("moe_topk", 32), moe_groups=config.get("moe_groups", 4), norm="rms",
                norm_eps=config.get("rms_norm_eps", 1e-6), positions="rope",
                rope_theta=float(config.get("rope_theta", 10000.0)), bias=False,
                tie_embeddings=bool(config.get("tie_word_embeddings", False)), atlas_contexts=0, atlas_batches=0)


_LAYER = re.compile(r"^model\.layers\.(\d+)\.(.+)$")
_RENAMES = {"self_attn.q_proj.": "attn.q.", "self_attn.k_proj.": "attn.k.", "self_attn.v_proj.": "attn.v.",
            "self_attn.o_proj.": "attn.o.", "input_layernorm.": "ln_1.", "post_attention_layernorm.": "ln_2.",
            "moe.": "mlp.", "router.": "router."}


def convert_key(key: str) -> str:
    """A ``modeling_monet.py`` state-dict key -> the ``LanguageModel`` key."""
    if key == "model.embed_tokens.weight":
        return "gpt.wte.weight"
    if key == "model.norm.weight":
        return "gpt.ln_f.weight"
    if key == "lm_head.weight":
        return "gpt.lm_head.weight"
    match = _LAYER.match(key)
    if match:
        layer, rest = match.groups()
        for old, new in _RENAMES.items():
            if rest.startswith(old):
                return f"gpt.blocks.{layer}.{new}{rest[len(old):]}"
    raise MonetCheckpointError(f"unexpected tensor {key!r} in the Monet checkpoint")


def convert_state_dict(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {convert_key(k): v for k, v in state.items()}


def monet_spec(config: dict[str, Any], tokenizer_json: str | None = None, name: str = "monet") -> DataSpec:
    """The data spec of a Monet checkpoint: its tokenizer (``tokenizer.json``, a byte-fallback BPE) when given,
    else token ids as the vocabulary (``<id>``); context = ``max_position_embeddings``."""
    vocab_size = int(config["vocab_size"])
    special: dict[str, str] = {}
    tokenizer: dict[str, Any] = {"type": "vocab"}
    if tokenizer_json is not None:
        from tokenizers import Tokenizer

        table = Tokenizer.from_str(tokenizer_json).get_vocab(with_added_tokens=True)
        vocab = [f"<id {i}>" for i in range(vocab_size)]
        for token, i in table.items():
            if i < vocab_size:
                vocab[i] = token
        tokenizer = {"type": "bpe", "file": "tokenizer.json"}
        for role, key in (("bos", "bos_token_id"), ("eos", "eos_token_id")):
            if config.get(key) is not None and int(config[key]) < vocab_size:
                special[role] = vocab[int(config[key])]
    else:
        vocab = [f"<{i}>" for i in range(vocab_size)]
    return DataSpec(name=name, input_shape=(int(config.get("max_position_embeddings", 2048)),),
                    num_classes=vocab_size, class_names=vocab, task="next_token", vocab=vocab,
                    special_tokens=special, causal=True, variable_length=True, tokenizer=tokenizer,
                    tokenizer_data=tokenizer_json, preprocessing={"source": "Monet checkpoint (MonetLLM)"})


def load_monet(folder: str | Path, dtype: torch.dtype = torch.float32):
    """A ``LanguageModel`` holding a Monet checkpoint's weights, in eval mode (see the module docstring)."""
    from safetensors import safe_open

    from .language_model import LanguageModel

    folder = Path(folder)
    config_path, weights = folder / "config.json", folder / "model.safetensors"
    for path in (config_path, weights):
        if not path.is_file():
            raise MonetCheckpointError(f"{folder} is not a Monet checkpoint: {path.name} is missing")
    config = json.loads(config_path.read_text(encoding="utf-8"))
    tokenizer_file = folder / "tokenizer.json"
    spec = monet_spec(config, tokenizer_file.read_text(encoding="utf-8") if tokenizer_file.is_file() else None)
    args = model_args(config)
    with torch.device("meta"):
        expected = {k: tuple(v.shape) for k, v in LanguageModel(spec, **args).state_dict().items()}
    with safe_open(str(weights), framework="pt") as f:
        found = {convert_key(k): (k, tuple(f.get_slice(k).get_shape())) for k in f.keys()}
    _check(expected, found, folder)
    model = LanguageModel(spec, **args)
    with safe_open(str(weights), framework="pt") as f:
        state = {new: f.get_tensor(old).to(dtype) for new, (old, _) in found.items()}
    state.update({k: v for k, v in model.state_dict().items() if k not in state})  # the (empty) atlas
    model.load_state_dict(state)
    model.variant = f"monet_{'vd' if args['mlp'] == 'monet_vd' else 'hd'}"
    return model.to(dtype).eval()


def _check(expected: dict[str, tuple], found: dict[str, tuple[str, tuple]], folder: Path) -> None:
    atlas = {k for k in expected if k.startswith(("atlas_", "unit_"))}
    missing = sorted(set(expected) - set(found) - atlas)
    if missing:
        raise MonetCheckpointError(f"{folder}: the config describes tensors the file lacks, e.g. {missing[:3]}")
    for key, (original, shape) in found.items():
        if key not in expected:
            raise MonetCheckpointError(f"{folder}: {original} is not part of the model the config describes")
        if tuple(expected[key]) != shape:
            raise MonetCheckpointError(f"{folder}: {original} has shape {shape}, the config implies "
                                       f"{tuple(expected[key])}: config.json does not match model.safetensors")
