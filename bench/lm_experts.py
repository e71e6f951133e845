"""Sparse-expert language models against the dense baseline of equal active parameters (docs/benchmarks.md).

    python bench/lm_experts.py                      # CPU, the shipped small shapes and a tiny expert layer
    python bench/lm_experts.py --device cuda --paper  # a GPU: also the Monet 850M layer shape in bf16

What is measured (medians; every rate beside the dense model's, run in the same script):

* **training tokens/s** of ``lm_gelu_small`` (dense GELU, width 256), ``moex_small`` (2 of 8 ReLU experts of
  128) and ``monet_hd_small`` / ``monet_vd_small`` (E m = 16 x 16): forward, every loss term, backward, AdamW;
* **activation memory per token**: the bytes autograd saves for the backward pass (``saved_tensors_hooks``), a
  device-independent measure; on a GPU also the peak allocated memory per token;
* **generation tokens/s** with the KV cache and without it (recomputing the context every token), greedy;
* **the Monet expert layer**: forward + backward of router + HD/VD layer against a dense squared-ReLU MLP of
  width E m (what the layer computes, Monet-paper Eq. 12), at a tiny shape, and (``--paper``) at the 850M shape
  (d 1536, E 512, m 12, 6 heads, top-k 8) in bf16, with peak memory. The masked path (an E x E score matrix,
  what editing uses) is timed beside the efficient one.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, paired, stamp, sync, time_it  # noqa: E402

from datamodules.base import DataSpec  # noqa: E402
from datamodules.batch import Batch  # noqa: E402
from datamodules.corpus import byte_vocab  # noqa: E402
from models import create_model  # noqa: E402
from models.monet import EXPERT_LAYERS, MonetRouter, relu2  # noqa: E402

MODELS = ["lm_gelu_small", "moex_small", "monet_hd_small", "monet_vd_small"]


def peak_memory(step, device) -> int | None:
    """Peak GPU memory (bytes) of one more ``step``; None on the CPU."""
    if device.type != "cuda":
        return None
    torch.cuda.reset_peak_memory_stats(device)
    step()
    sync(device)
    return torch.cuda.max_memory_allocated(device)


def spec(context: int) -> DataSpec:
    vocab = byte_vocab()
    return DataSpec(name="bench", input_shape=(context,), num_classes=len(vocab), class_names=vocab,
                    task="next_token", vocab=vocab, special_tokens={"eos": "<eos>"}, causal=True,
                    variable_length=True, tokenizer={"type": "bytes"})


def saved_bytes(fn) -> int:
    """Bytes of the tensors autograd keeps for the backward pass of ``fn()`` (each storage counted once)."""
    seen: dict[int, int] = {}

    def pack(t: torch.Tensor):
        seen[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = fn()
    loss.backward()
    return sum(seen.values())


def train_step(model, data: Batch):
    """One training step: forward, every loss term, backward, AdamW."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

    def loss_fn():
        out = model.training_forward(data)
        return model.total_loss(model.loss_terms(data, out))

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss_fn().backward()
        optimizer.step()

    return step, loss_fn


def built(device: torch.device, context: int, mode: str) -> dict:
    models = {}
    for name in MODELS:
        torch.manual_seed(0)
        models[name] = create_model(name, spec=spec(context)).to(device)
        models[name].train(mode == "train")
    return models


def train_rates(device: torch.device, batch: int, context: int, rounds: int) -> list[dict]:
    """Each model's training step timed alternately with the dense model's, round by round (``paired``)."""
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (batch, context), generator=g).to(device)
    data, tokens = Batch(inputs=x, targets=torch.roll(x, -1, 1)), x.numel()
    models = built(device, context, "train")
    steps = {name: train_step(model, data) for name, model in models.items()}
    dense = MODELS[0]
    rows = []
    for name, model in models.items():
        step, loss_fn = steps[name]
        base, seconds, ratio, _ = paired(steps[dense][0], step, device, rounds)
        peak = peak_memory(step, device)
        rows.append({"model": name, "tokens_per_s": tokens / seconds, "dense_tokens_per_s": tokens / base,
                     "speed_vs_dense": 1 / ratio, "saved_bytes_per_token": saved_bytes(loss_fn) / tokens,
                     "peak_bytes_per_token": None if peak is None else peak / tokens,
                     "parameters": sum(p.numel() for p in model.parameters())})
    return rows


def generation_rates(device: torch.device, context: int, new_tokens: int, rounds: int) -> list[dict]:
    """Greedy generation with and without the KV cache, each model's timed alternately with the dense model's."""
    prompt = torch.randint(0, 256, (1, 8), generator=torch.Generator().manual_seed(1)).to(device)
    models = built(device, context, "eval")

    def generate(name: str, cache: bool = True):
        return lambda: models[name].generate(prompt, new_tokens, temperature=0, use_cache=cache)

    rows = []
    for name in models:
        base, cached, ratio, _ = paired(generate(MODELS[0]), generate(name), device, rounds)
        fresh = time_it(generate(name, cache=False), device, 1, rounds)
        rows.append({"model": name, "cached_tokens_per_s": new_tokens / cached, "speed_vs_dense": 1 / ratio,
                     "uncached_tokens_per_s": new_tokens / fresh, "cache_speedup": fresh / cached})
    return rows


def expert_layer(device: torch.device, dtype: torch.dtype, d: int, E: int, m: int, H: int, topk: int,
                 tokens: int, steps: int) -> list[dict]:
    """Router + Monet layer (efficient and masked paths) vs a dense relu2 MLP of width E m, forward + backward."""
    torch.manual_seed(0)
    x = torch.randn(1, tokens, d, device=device, dtype=dtype, requires_grad=True)
    up = torch.nn.Linear(d, E * m, device=device, dtype=dtype)
    down = torch.nn.Linear(E * m, d, bias=False, device=device, dtype=dtype)
    router = MonetRouter(d, E, H, topk).to(device=device, dtype=dtype).train()
    rows = []

    def measure(name: str, fn) -> None:
        def step():
            fn().float().square().mean().backward()

        seconds = time_it(step, device, warmup=2, repeats=steps)
        rows.append({"layer": name, "seconds": seconds, "peak_bytes": peak_memory(step, device)})

    measure("dense relu2 MLP, width E m", lambda: down(relu2(up(x))))
    mask = torch.zeros(E, E, dtype=torch.bool, device=device)
    for decompose in ("monet_hd", "monet_vd"):
        layer = EXPERT_LAYERS[decompose](d, E, m).to(device=device, dtype=dtype)
        measure(f"router + {decompose}", lambda layer=layer: layer(x, *router(x))[0])
        if E <= 64:  # the E x E score path (masks) is only affordable at small E
            measure(f"router + {decompose}, masked path", lambda layer=layer: layer(x, *router(x), mask)[0])
    dense = rows[0]["seconds"]
    for row in rows:
        row["time_vs_dense"] = row["seconds"] / dense
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=5, help="timed (paired) rounds of each measurement")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--context", type=int, default=128)
    parser.add_argument("--paper", action="store_true", help="also the Monet 850M layer shape (GPU, bf16)")
    parser.add_argument("--out", default=str(Path(__file__).with_name("lm_experts.jsonl")))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    result = {"date": stamp(), "machine": machine(), "args": vars(args),
              "training": train_rates(device, args.batch, args.context, args.steps),
              "generation": generation_rates(device, args.context, 64, args.steps),
              "expert_layer_tiny": expert_layer(device, torch.float32, 128, 16, 16, 4, 4, 2048, args.steps)}
    if args.paper:
        result["expert_layer_850m"] = expert_layer(device, torch.bfloat16, 1536, 512, 12, 6, 8, 8192, args.steps)
    with open(args.out, "a", encoding="utf-8") as f:
        f.write(json.dumps(result) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
