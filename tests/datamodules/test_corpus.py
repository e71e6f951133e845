"""Next-token corpora (datamodules/corpus.py): contiguous splits, chunks, domains, bytes and a local BPE, folders."""

import pytest
import torch

from datamodules import DataRootError, create_datamodule
from datamodules.corpus import byte_vocab, split_documents
from datamodules.tokenizers import TokenizerError, tokenizer_for


@pytest.fixture(scope="module")
def docs():
    dm = create_datamodule("python_docs", context=64, code_chars=60_000)
    dm.setup()
    return dm


def test_python_docs_has_two_domains_and_needs_no_download(docs):
    spec = docs.spec
    assert spec.task == "next_token" and spec.causal and spec.preprocessing["domains"] == ["code", "prose"]
    assert "Python 3" in spec.preprocessing["source"]
    domains = {split: set(getattr(docs, f"{split}_set").dataset.tensors["domains"].tolist())
               for split in ("train", "val", "test")}
    assert all(d == {0, 1} for d in domains.values())
    batch = next(iter(docs.train_dataloader()))
    assert batch.domains is not None and batch.inputs.shape == (32, 64)


def test_targets_are_the_inputs_shifted_and_every_token_is_predicted_once(docs):
    items = docs.train_set.dataset.tensors
    x, y, d = items["inputs"], items["targets"], items["domains"]
    assert torch.equal(x[:, 1:], y[:, :-1])
    same = d[1:] == d[:-1]  # consecutive chunks of one domain continue each other
    assert torch.equal(x[1:][same][:, 0], y[:-1][same][:, -1])


def test_splits_are_contiguous_in_document_order():
    documents = [("a", "one", "x" * 50 + "\n" + "y" * 49), ("a", "two", "z" * 100)]
    train, val, test = split_documents(documents, (0.5, 0.25, 0.25))
    text = lambda part: "".join(t for _, _, t in part)  # noqa: E731
    assert text(train) + text(val) + text(test) == "".join(t for _, _, t in documents)
    assert text(train).startswith("x") and text(test).endswith("z")
    assert [n for _, n, _ in train] == ["one"] and [n for _, n, _ in test] == ["two"]


def test_byte_tokenizer_round_trips_any_text(docs):
    tokenizer = tokenizer_for(docs.spec)
    text = "déf f(x):\n\treturn x ** 2  # ünïcode ✓"
    ids = tokenizer.encode(text)
    assert len(ids) == len(text.encode()) and max(ids) < 256
    assert tokenizer.decode(ids) == text
    assert len(set(byte_vocab())) == 257


def test_bpe_is_trained_on_the_training_split_and_shipped_in_the_spec(tmp_path, monkeypatch):
    monkeypatch.setenv("INTRINSIC_ZOO_CACHE", str(tmp_path))
    (tmp_path / "corpus" / "poems").mkdir(parents=True)
    (tmp_path / "corpus" / "poems" / "a.txt").write_text("the cat sat on the mat. " * 200)
    (tmp_path / "corpus" / "notes.txt").write_text("def cat(x): return x + 1\n" * 200)
    dm = create_datamodule("text_folder", root=tmp_path / "corpus", context=16, tokenizer="bpe", vocab_size=300)
    spec = dm.spec
    assert spec.tokenizer == {"type": "bpe", "file": "tokenizer.json"} and spec.tokenizer_data
    assert spec.vocab[0] == "<eos>" and len(spec.vocab) <= 300
    assert spec.preprocessing["domains"] == ["poems", "text"]
    tokenizer = tokenizer_for(spec)
    ids = tokenizer.encode("the cat sat")
    assert len(ids) < len("the cat sat") and tokenizer.decode(ids) == "the cat sat"
    assert list((tmp_path / "bpe").glob("*.json")), "the trained tokenizer is cached"
    dm.setup()
    assert len(dm.train_set) > len(dm.val_set) > 0


def test_an_empty_or_missing_folder_and_undecodable_files_are_clear_errors(tmp_path):
    with pytest.raises(DataRootError, match="does not exist"):
        _ = create_datamodule("text_folder", root=tmp_path / "nothing").spec
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataRootError, match="no .txt files"):
        _ = create_datamodule("text_folder", root=tmp_path / "empty").spec
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(DataRootError, match="latin1.txt is not UTF-8"):
        _ = create_datamodule("text_folder", root=tmp_path / "bad").spec


def test_bad_arguments():
    with pytest.raises(ValueError, match="tokenizer"):
        create_datamodule("python_docs", tokenizer="words")
    with pytest.raises(ValueError, match="split"):
        create_datamodule("python_docs", split=(0.5, 0.5, 0.5))


def test_unknown_tokens_of_a_vocabulary_without_unk_are_named():
    from datamodules.base import DataSpec

    spec = DataSpec(name="chars", input_shape=(8,), num_classes=3, class_names=list("abc"), task="next_token",
                    vocab=list("abc"), causal=True, tokenizer={"type": "vocab"})
    with pytest.raises(TokenizerError, match="'d'"):
        tokenizer_for(spec).encode("a b d")
