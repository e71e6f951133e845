"""The standard-transformer baseline of the sequence tasks: shapes, masks, input errors, complete explanations."""

import lightning as L
import pytest
import torch
from helpers import assert_complete, toy_text_spec

from datamodules import create_datamodule
from models import InputError, create_model
from models.sequence import MASKED_LOGIT


@pytest.fixture(scope="module")
def dyck():
    dm = create_datamodule("dyck1", dataset_size=300)
    dm.setup()
    return dm


def test_causal_masked_and_complete_per_position(dyck):
    model = create_model("seq_transformer", spec=dyck.spec).eval()
    batch = next(iter(dyck.test_dataloader()))
    x, y = batch.inputs, batch.targets
    logits = model(x)
    assert logits.shape == (*x.shape, dyck.spec.num_classes)
    assert (logits[..., 0] == MASKED_LOGIT).all()  # <pad> is never predicted
    # causal: changing the last symbol leaves every earlier position's logits unchanged
    changed = x.clone()
    changed[:, -1] = torch.where(x[:, -1] == 2, 3, 2)
    assert torch.allclose(model(changed)[:, :-1], logits[:, :-1], atol=1e-6)
    assert not torch.allclose(model(changed)[:, -1], logits[:, -1])
    records = assert_complete(model, (x[:4], y[:4]))
    assert len(records) == int((x[:4] != 0).sum())
    assert (records[1].sequence, records[1].position) == (0, 1) and records[1].tokens.token in ("(", ")")
    assert records[1].tokens.context == ["<s>", records[1].tokens.token]
    targets = model.explain((x[:4], y[:4]), explain_class="target")
    labels = y[:4][x[:4] != 0].tolist()  # a <pad> label (the BOS) is no label: there the prediction is explained
    assert [r.explained_class for r in targets] == [r.prediction if t == 0 else t for r, t in zip(targets, labels)]
    assert [r.target for r in targets] == [None if t == 0 else t for t in labels]


def test_pooled_classification_and_input_errors():
    spec = toy_text_spec()
    model = create_model("seq_transformer", spec=spec).eval()
    x = torch.tensor([[2, 3, 5, 0, 0, 0], [2, 4, 4, 5, 1, 0]])
    assert model(x).shape == (2, 2)
    # padding does not change a pooled prediction
    assert torch.allclose(model(x[:1]), model(torch.tensor([[2, 3, 5, 0, 0, 0]])))
    records = assert_complete(model, x)
    assert [(r.sequence, r.position) for r in records] == [(0, None), (1, None)]
    with pytest.raises(InputError, match="token ids"):
        model(x.float())
    with pytest.raises(InputError, match="must lie in"):
        model(x + 10)


def test_a_short_fit_learns_sort():
    dm = create_datamodule("sort", dataset_size=2000, batch_size=64)
    model = create_model("seq_transformer", spec=dm.spec, lr=3e-3)
    trainer = L.Trainer(max_epochs=3, accelerator="cpu", logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(model, dm)
    # chance is 1/5 per token; a standard transformer sorts most tokens after a few hundred sequences
    assert trainer.validate(model, dm, verbose=False)[0]["val/acc"] > 0.5
