"""The completeness contract over the whole registry: every registered variant that claims complete
explanations decomposes its outputs exactly (the shared ``assert_complete``); a variant that does not claims
it in every record and says what is exact."""

import inspect
from dataclasses import replace

import pytest
import torch
from helpers import assert_complete, toy_text_spec

from datamodules import datamodule_class
from datamodules.base import DataSpec, SpecError
from models import create_model, list_models
from models.registry import model_entry

# Variants built for 224-pixel CUB run here on 64-pixel inputs: the contract is arithmetic, not resolution.
SMALL_RGB = DataSpec(name="rgb64", input_shape=(3, 64, 64), num_classes=5, class_names=list("abcde"),
                     mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25))


def spec_for(name: str) -> DataSpec:
    entry = model_entry(name)
    try:
        spec = datamodule_class(entry.default_data).default_spec()
    except SpecError:  # data whose classes come from files (text): a spec of the same task
        return toy_text_spec()
    if not (spec.is_image and spec.input_shape[-1] >= 224):
        return spec
    # the data's concepts stay: concept models are built from them; Inception-v3 needs at least 75 pixels
    # (a concept grid shrinks with the image: 16-pixel patches)
    size = 80 if "inception" in name else 64
    grid = None if spec.concept_grid is None else (size // 16, size // 16)
    return replace(SMALL_RGB, input_shape=(3, size, size), concept_names=spec.concept_names,
                   concept_types=spec.concept_types, concept_groups=spec.concept_groups, concept_grid=grid,
                   preprocessing=spec.preprocessing if grid else {})


def inputs_for(spec: DataSpec) -> torch.Tensor:
    torch.manual_seed(0)
    if spec.is_image or spec.task == "vector_classification":
        return torch.rand(3, *spec.input_shape)
    special = set(spec.special_tokens.values())
    ordinary = torch.tensor([i for i, t in enumerate(spec.vocab) if t not in special])
    ids = ordinary[torch.randint(0, len(ordinary), (3, spec.input_shape[0]))]
    ids[:, 0] = spec.token_id("bos") if "bos" in spec.special_tokens else ids[:, 0]
    if spec.token_id("pad") is not None:
        ids[1, -2:] = spec.token_id("pad")  # one padded sequence
    return ids


@pytest.mark.parametrize("name", list_models())
def test_every_registered_variant_keeps_the_completeness_contract(name):
    spec = spec_for(name)
    params = inspect.signature(model_entry(name).model_class.__init__).parameters
    offline = {"backbone_pretrained": False} if "backbone_pretrained" in params else {}
    model = create_model(name, spec=spec, **offline)
    x = inputs_for(spec)
    targets = None
    if not spec.is_sequence or spec.task == "sequence_classification":
        targets = torch.arange(len(x)) % spec.num_classes
    records = assert_complete(model, (x, targets) if targets is not None else x)
    assert records and all(r.kind == model.kind for r in records)
