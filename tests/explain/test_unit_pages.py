"""Text pages per global unit (explain/unit_pages.py): a sequence model's top-activating contexts as text."""

import html

import torch

from datamodules.base import TensorItems
from datamodules.batch import Batch
from datamodules.corpus import byte_vocab
from explain import export_explanations
from models.language_model import LanguageModel


def test_every_unit_with_contexts_gets_a_page_with_its_token_highlighted(tmp_path):
    from datamodules.base import DataSpec

    vocab = byte_vocab()
    spec = DataSpec(name="bytes", input_shape=(12,), num_classes=len(vocab), class_names=vocab, task="next_token",
                    vocab=vocab, special_tokens={"eos": "<eos>"}, causal=True, variable_length=True,
                    tokenizer={"type": "bytes"})
    torch.manual_seed(0)
    model = LanguageModel(spec, n_layers=1, n_heads=2, d_model=16, mlp="relu", d_mlp=6, atlas_contexts=2).eval()
    x = torch.tensor([list(b"hello world!"), list(b"print(x + 1)")])
    items = TensorItems(inputs=x, targets=torch.roll(x, -1, 1))
    model.collect_atlas([Batch(inputs=x, targets=x, ids=torch.arange(2))])
    result = export_explanations(model, (x, None), tmp_path / "out", formats=["global"], source_data=items)
    pages = sorted((tmp_path / "out" / "units").glob("unit_*.html"))
    with_contexts = [u for u in model.global_explanation().units if u.details.get("top_contexts")]  # MLP units
    assert len(pages) == len(with_contexts) > 0
    assert (tmp_path / "out" / "units" / "index.html").exists()
    unit = with_contexts[0]
    best = unit.details["top_contexts"][0]
    token = bytes([int(x[best["index"], best["position"]])]).decode()
    page = (tmp_path / "out" / "units" / f"unit_{unit.index}.html").read_text()
    assert f"<mark>{html.escape(token)}</mark>" in page
    assert "units" in result.files
