"""DataSpec v2: validation, the v1 upgrade, field-by-field differences, and tokenizers built from a spec."""

import json

import pytest
import torch

from datamodules import create_datamodule
from datamodules.base import DataSpec, SpecError
from datamodules.tokenizers import TokenizerError, tokenizer_for
from models import create_model, load_release, save_release


def spec(**overrides) -> DataSpec:
    args = dict(name="toy", input_shape=(1, 4, 4), num_classes=2, class_names=["a", "b"], mean=(0.5,), std=(0.2,))
    return DataSpec(**{**args, **overrides})


@pytest.mark.parametrize("overrides, message", [
    (dict(class_names=["a", "b", "c"]), "num_classes is 2 but there are 3 class names"),
    (dict(std=(0.0,)), "std must be positive"),
    (dict(mean=(0.5, 0.5)), "one per channel"),
    (dict(task="segmentation"), "unknown task 'segmentation'"),
    (dict(input_shape=(4,), task="sequence_labelling"), "needs input_shape \\(T,\\) and a vocabulary"),
    (dict(input_shape=(4,), vocab=["x", "y"], special_tokens={"pad": "<pad>"}, mean=None, std=None),
     "special tokens \\['<pad>'\\] are not in the vocabulary"),
    (dict(concept_names=["c0"], concept_groups={"g": [0, 3]}), "concept indices in 0..0"),
    (dict(concept_groups={"g": [0]}), "without concept names"),
])
def test_a_spec_that_cannot_describe_data_is_refused(overrides, message):
    with pytest.raises(SpecError, match=message):
        spec(**overrides)


def test_the_task_is_inferred_and_typed():
    assert spec().task == "image_classification" and spec().is_image
    vector = DataSpec(name="xor", input_shape=(2,), num_classes=2, class_names=["0", "1"], concept_names=["a", "b"])
    assert vector.task == "vector_classification" and vector.num_concepts == 2 and not vector.is_sequence
    assert create_datamodule("sort").spec.max_length == 8


def test_a_version_1_spec_is_upgraded_exactly():
    """v1 kept the task, the special tokens and causality in preprocessing; the upgrade gives what the
    datamodule publishes today."""
    v1 = {"name": "dyck1", "input_shape": [16], "num_classes": 4, "class_names": ["<pad>", "F", "P", "T"],
          "mean": None, "std": None, "concept_names": None, "concept_groups": None,
          "vocab": ["<pad>", "<s>", "(", ")"],
          "preprocessing": {"task_type": "token_classification", "pad": "<pad>", "bos": "<s>", "causal": True,
                            "max_length": 16, "dataset_size": 20000, "unique": True, "generator_seed": 0,
                            "split": "test 10%, val 10% of the rest", "split_seed": 0,
                            "description": "Dyck-1 prefix labels P/T/F"}}
    upgraded = DataSpec.from_dict(v1)
    assert upgraded.task == "sequence_labelling" and upgraded.causal and upgraded.special_tokens["bos"] == "<s>"
    assert upgraded.differences(create_datamodule("dyck1").spec) == []
    with pytest.raises(SpecError, match="unknown field"):
        DataSpec.from_dict({**spec().to_dict(), "colour": "red"})


def test_differences_name_every_field_that_differs():
    sort, reverse = create_datamodule("sort").spec, create_datamodule("reverse").spec
    differences = sort.differences(reverse)
    assert any(d.startswith("name: 'sort' != 'reverse'") for d in differences)
    assert sort.differences(reverse, DataSpec.MODEL_FIELDS) == []  # the same format: other data


def test_a_vocabulary_without_pad_works_end_to_end():
    no_pad = DataSpec(name="nopad", input_shape=(5,), num_classes=2, class_names=["x", "y"], task="sequence_labelling",
                      vocab=["a", "b", "c"], causal=True)
    model = create_model("tp_hist", spec=no_pad, n_layers=1).eval()
    x = torch.tensor([[0, 1, 2, 1, 0]])
    assert model(x).shape == (1, 5, 2) and len(model.explain(x)) == 5  # every position is a real token


@pytest.mark.parametrize("kind, text, tokens", [
    ("vocab", "<s> 3 1 4", ["<s>", "3", "1", "4"]),
    ("word", "Good FILM!", ["<s>", "good", "film", "!"]),
])
def test_tokenizers_from_the_spec(kind, text, tokens):
    vocab = ["<pad>", "<unk>", "<s>", "good", "film", "!", "1", "3", "4"]
    tokenizer = {"type": kind} if kind == "vocab" else {"type": "word", "pattern": r"\w+|[^\w\s]", "lowercase": True}
    s = DataSpec(name="t", input_shape=(8,), num_classes=2, class_names=["n", "p"], task="sequence_classification",
                 vocab=vocab, special_tokens={"pad": "<pad>", "unk": "<unk>", "bos": "<s>"}, tokenizer=tokenizer)
    ids = tokenizer_for(s).encode(text)
    assert [vocab[i] for i in ids] == tokens


def test_tokenizer_errors_name_the_token():
    s = create_datamodule("sort").spec  # no <unk>
    assert tokenizer_for(s).decode(tokenizer_for(s).encode("<s> 1 2 </s>")) == "<s> 1 2 </s>"
    with pytest.raises(TokenizerError, match="token '7' is not in the vocabulary of 'sort'"):
        tokenizer_for(s).encode("<s> 1 7")
    with pytest.raises(TokenizerError, match="not a sequence task"):
        tokenizer_for(spec())


def test_a_bpe_tokenizer_ships_as_a_file_beside_the_weights(tmp_path):
    import tokenizers
    bpe = tokenizers.Tokenizer(tokenizers.models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    trainer = tokenizers.trainers.BpeTrainer(vocab_size=40, special_tokens=["<pad>", "<unk>", "<s>"])
    bpe.train_from_iterator(["the cat sat on the mat", "the dog sat on the log"] * 20, trainer)
    vocab = [token for token, _ in sorted(bpe.get_vocab().items(), key=lambda kv: kv[1])]
    s = DataSpec(name="bpe", input_shape=(12,), num_classes=2, class_names=["n", "p"], task="sequence_classification",
                 vocab=vocab, special_tokens={"pad": "<pad>", "unk": "<unk>", "bos": "<s>"}, variable_length=True,
                 tokenizer={"type": "bpe", "file": "tokenizer.json"}, tokenizer_data=bpe.to_str())
    model = create_model("seq_transformer", spec=s)
    directory = save_release(model, tmp_path / "bpe")
    assert (directory / "tokenizer.json").is_file()
    card = json.loads((directory / "config.json").read_text())
    assert "tokenizer_data" not in card["data"]  # the card names the file, the file holds the tokenizer
    loaded = load_release(directory)
    ids = tokenizer_for(loaded.spec).encode("the cat sat")
    assert ids[0] == vocab.index("<s>") and loaded(torch.tensor([ids])).shape == (1, 2)
