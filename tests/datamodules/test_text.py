import pytest
import torch

from datamodules import DataRootError, create_datamodule
from datamodules.text import tokenize

LINES = [
    "pos\tA good, good film.",
    "neg\tA bad film!",
    "pos\tGood acting and a good story",
    "neg\tbad bad bad",
    "neu\tIt's a film",
] * 8


def write(root, name, lines):
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_tokenize_lowercases_and_splits_punctuation():
    assert tokenize("A good, GOOD film. It's") == ["a", "good", ",", "good", "film", ".", "it's"]


def test_missing_root_is_a_clear_error(tmp_path):
    dm = create_datamodule("text", root=tmp_path / "nowhere")
    with pytest.raises(DataRootError, match="train.tsv"):
        dm.setup()
    with pytest.raises(DataRootError, match="label<TAB>text"):
        dm.spec  # noqa: B018


def test_bad_line_names_the_file_and_line(tmp_path):
    write(tmp_path, "train.tsv", ["pos\tfine", "no tab here"])
    with pytest.raises(ValueError, match=r"train.tsv:2"):
        create_datamodule("text", root=tmp_path).setup()


def test_vocab_encoding_and_splits(tmp_path):
    write(tmp_path, "train.tsv", LINES)
    write(tmp_path, "test.tsv", ["pos\tgood unseenword film", "neg\tbad"])
    dm = create_datamodule("text", root=tmp_path, vocab_size=4, max_length=5)
    spec = dm.spec
    assert spec.vocab[:3] == ["<pad>", "<unk>", "<s>"] and len(spec.vocab) == 3 + 4
    assert spec.class_names == ["neg", "neu", "pos"]
    assert spec.input_shape == (5,) and spec.task == "sequence_classification"
    assert spec.special_tokens == {"pad": "<pad>", "unk": "<unk>", "bos": "<s>"}
    dm.setup()
    assert len(dm.test_set) == 2 and len(dm.val_set) == 4 and len(dm.train_set) == 36  # val: 10% of train
    x, y = dm.test_set.dataset.tensors["inputs"], dm.test_set.dataset.tensors["targets"]
    vocab = spec.vocab
    first = [vocab[i] for i in x[0]]
    expected_good = "good" if "good" in vocab else "<unk>"
    assert first[0] == "<s>" and first[1] == expected_good and first[2] == "<unk>"
    assert x[1].tolist()[2:] == [0, 0, 0]
    assert y.tolist() == [2, 0]
    long = create_datamodule("text", root=tmp_path, max_length=3)
    long.setup()
    assert long.train_set.dataset.tensors["inputs"].shape[1] == 3


def test_trains_a_pooled_transformer_program(tmp_path):
    import lightning as L

    from models import create_model

    write(tmp_path, "train.tsv", LINES)
    dm = create_datamodule("text", root=tmp_path, max_length=8, batch_size=16)
    model = create_model("tp_text", spec=dm.spec, n_layers=1, d_var=8)
    L.Trainer(max_epochs=1, accelerator="cpu", logger=False, enable_checkpointing=False,
              enable_progress_bar=False, enable_model_summary=False).fit(model, dm)
    batch = next(iter(dm.test_dataloader()))
    x, y = batch.inputs, batch.targets
    model.eval()
    assert model(x).shape == (x.shape[0], 3)
    for record in model.explain((x, y)):
        record.check_complete(1e-9)
    assert torch.isfinite(model(x)).all()


def test_a_byte_order_mark_is_dropped_and_bad_bytes_are_named(tmp_path):
    from datamodules.base import DataError

    write(tmp_path, "train.tsv", LINES)
    raw = (tmp_path / "train.tsv").read_bytes()
    (tmp_path / "train.tsv").write_bytes(b"\xef\xbb\xbf" + raw)  # saved by an editor that adds a BOM
    assert create_datamodule("text", root=tmp_path).spec.class_names == ["neg", "neu", "pos"]  # no "\ufeffpos"
    (tmp_path / "train.tsv").write_bytes(raw + b"pos\tna\xefve caf\xe9\n")  # Latin-1 bytes on the last line
    with pytest.raises(DataError, match=r"train.tsv:41: not UTF-8 text"):
        _ = create_datamodule("text", root=tmp_path).spec


def test_one_class_is_not_a_classification_task(tmp_path):
    from datamodules.base import SpecError

    write(tmp_path, "train.tsv", ["pos\tgood", "pos\tfine"])
    with pytest.raises(SpecError, match="at least two classes"):
        _ = create_datamodule("text", root=tmp_path).spec
