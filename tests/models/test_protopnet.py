import copy
import json
import math

import lightning as L
import numpy as np
import pytest
import torch
from helpers import assert_complete
from lightning.pytorch.callbacks import ModelCheckpoint
from torch.utils.data import DataLoader, Subset

import models.protopnet as protopnet
from datamodules import create_datamodule
from models import InputError, create_model, load_checkpoint, load_release, save_release
from models.phases import PhaseSchedule
from models.protopnet import (
    ProtoPNet,
    add_on_layers,
    choose_push_winners,
    high_activation_boxes,
    log_similarity,
    squared_distances,
)


@pytest.fixture(scope="module")
def digits():
    datamodule = create_datamodule("digits", batch_size=32)
    datamodule.setup("fit")
    return datamodule


def small_model(spec, **overrides) -> ProtoPNet:
    torch.manual_seed(0)
    return create_model("protopnet_small8", spec=spec, **overrides)


def push_subset(digits, n=96, batch_size=16) -> DataLoader:
    return DataLoader(Subset(digits.train_eval_set, range(n)), batch_size=batch_size, shuffle=False)


# ---- architecture ------------------------------------------------------------------------------------------
def test_conv_trick_distances_equal_cdist_squared():
    z = torch.rand(2, 16, 3, 5, dtype=torch.float64)
    prototypes = torch.rand(7, 16, 1, 1, dtype=torch.float64)
    distances = squared_distances(z, prototypes)  # (B, P, H, W)
    patches = z.permute(0, 2, 3, 1).reshape(-1, 16)  # (B*H*W, D)
    expected = torch.cdist(patches, prototypes.flatten(1)).pow(2).view(2, 3, 5, 7).permute(0, 3, 1, 2)
    torch.testing.assert_close(distances, expected, atol=1e-10, rtol=1e-10)
    assert (squared_distances(prototypes.view(1, 7, 16).permute(0, 2, 1)[..., None], prototypes) >= 0).all()


def test_similarity_values(digits):
    assert log_similarity(torch.tensor(0.0)).item() == pytest.approx(math.log(1e4))
    assert log_similarity(torch.tensor(3.0)).item() == pytest.approx(math.log(4 / 3.0001))
    d = torch.tensor([0.5, 2.0])
    torch.testing.assert_close(small_model(digits.spec, similarity="linear").distance_to_similarity(d), -d)
    # decompose: the scores are g(min over patches of the distance maps)
    model = small_model(digits.spec).eval()
    x = next(iter(digits.val_dataloader())).inputs[:4]
    with torch.no_grad():
        decomposition = model.decompose(x)
    min_distances = decomposition.extras["distances"].amin(dim=(2, 3))
    torch.testing.assert_close(decomposition.scores, torch.log((min_distances + 1) / (min_distances + 1e-4)))


def test_linear_similarity_and_bf16_autocast(digits):
    x = next(iter(digits.val_dataloader())).inputs[:4]
    linear = small_model(digits.spec, similarity="linear").eval()
    with torch.no_grad():
        decomposition = linear.decompose(x)
    torch.testing.assert_close(decomposition.scores, -decomposition.extras["min_distances"])
    assert_complete(linear, x)
    # under bf16 autocast the distances (a difference of large terms) are still computed in float32
    model = small_model(digits.spec).eval()
    with torch.no_grad():
        reference = model.decompose(x)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            mixed = model.decompose(x)
    assert mixed.extras["distances"].dtype == torch.float32 and mixed.scores.dtype == torch.float32
    torch.testing.assert_close(mixed.scores, reference.scores, atol=0.05, rtol=0.02)


def test_last_layer_init_and_prototypes():
    spec = create_datamodule("digits").spec
    model = small_model(spec, prototypes_per_class=3)
    weight = model.last_layer.weight
    assert model.last_layer.bias is None and weight.shape == (10, 30)
    for c in range(10):
        for j in range(30):
            assert weight[c, j].item() == (1.0 if j // 3 == c else -0.5)
    assert model.prototype_vectors.shape == (30, 64, 1, 1)
    assert 0 <= model.prototype_vectors.min() and model.prototype_vectors.max() <= 1
    assert model.prototype_classes.tolist() == [j // 3 for j in range(30)]


def test_add_on_layers():
    regular = add_on_layers(512, 128, "regular")
    assert [type(m).__name__ for m in regular] == ["Conv2d", "ReLU", "Conv2d", "Sigmoid"]
    bottleneck = add_on_layers(512, 128, "bottleneck")
    convs = [m for m in bottleneck if isinstance(m, torch.nn.Conv2d)]
    channels = [(c.in_channels, c.out_channels) for c in convs]
    assert channels == [(512, 256), (256, 256), (256, 128), (128, 128)]
    assert isinstance(bottleneck[-1], torch.nn.Sigmoid)
    assert sum(isinstance(m, torch.nn.Sigmoid) for m in bottleneck) == 1
    assert all((c.bias == 0).all() for c in convs)
    # Kaiming-normal fan_out: std = sqrt(2 / out_channels) for a 1x1 conv
    assert convs[0].weight.std().item() == pytest.approx(math.sqrt(2 / 256), rel=0.05)
    with pytest.raises(ValueError, match="regular"):
        add_on_layers(8, 4, "deep")


# ---- losses ------------------------------------------------------------------------------------------------
def test_loss_terms_against_brute_force(digits):
    model = small_model(digits.spec, prototypes_per_class=2)
    with torch.no_grad():
        model.last_layer.weight.normal_()
    batch = next(iter(digits.train_dataloader()))
    x, y = batch.inputs, batch.targets
    decomposition = model.decompose(x)
    terms = model.loss_terms(batch, decomposition)
    distances = decomposition.extras["distances"].detach().double()
    classes = model.prototype_classes.tolist()
    cluster, separation = [], []
    for i in range(len(x)):
        own = [distances[i, j].min().item() for j in range(len(classes)) if classes[j] == y[i]]
        other = [distances[i, j].min().item() for j in range(len(classes)) if classes[j] != y[i]]
        cluster.append(min(own))
        separation.append(min(other))
    weight = model.last_layer.weight.detach().double()
    l1 = sum(abs(weight[k, j].item()) for k in range(10) for j in range(len(classes)) if classes[j] != k)
    assert terms["cluster"].item() == pytest.approx(np.mean(cluster), rel=1e-5)
    assert terms["separation"].item() == pytest.approx(np.mean(separation), rel=1e-5)
    assert terms["l1"].item() == pytest.approx(l1, rel=1e-5)
    assert terms["cross_entropy"].item() == pytest.approx(
        torch.nn.functional.cross_entropy(decomposition.outputs, y).item())
    # the paper code's form: max_dist - max((max_dist - d) * mask), equal while d <= D
    min_distances = decomposition.extras["min_distances"].detach()
    own_mask = model.prototype_class_identity[:, y].t()
    code_cluster = (64 - ((64 - min_distances) * own_mask).max(1).values).mean()
    assert terms["cluster"].item() == pytest.approx(code_cluster.item(), rel=1e-5)
    total = model.total_loss(terms)
    expected = (terms["cross_entropy"] + 0.8 * terms["cluster"] - 0.08 * terms["separation"]
                + 1e-4 * terms["l1"])
    assert total.item() == pytest.approx(expected.item())
    total.backward()
    assert model.prototype_vectors.grad.abs().sum() > 0


# ---- push --------------------------------------------------------------------------------------------------
def reference_push(model: ProtoPNet, loader) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """push.py's algorithm, one prototype at a time in a Python loop over numpy arrays."""
    model.eval()
    P = model.num_prototypes
    best = np.full(P, np.inf)
    index = np.full(P, -1)
    location = np.full((P, 2), -1)
    patches = model.prototype_vectors.detach().flatten(1).clone()
    classes = model.prototype_classes.tolist()
    offset = 0
    with torch.no_grad():
        for batch in loader:
            x, y = batch["inputs"], batch["targets"]
            z, distances = model.push_forward(x)
            distances = distances.numpy()
            for j in range(P):
                images = [i for i in range(len(y)) if y[i] == classes[j]]
                if not images:
                    continue
                maps = distances[images, j]  # (n, H, W)
                flat = int(np.argmin(maps))
                n, h, w = np.unravel_index(flat, maps.shape)
                if maps[n, h, w] < best[j]:
                    best[j] = maps[n, h, w]
                    index[j] = offset + images[n]
                    location[j] = (h, w)
                    patches[j] = z[images[n], :, h, w]
            offset += len(y)
    return torch.from_numpy(best), torch.from_numpy(index), torch.from_numpy(location), patches


def test_push_equals_loop_reference_and_respects_classes(digits):
    model = small_model(digits.spec, prototypes_per_class=3)
    loader = push_subset(digits)
    best, index, location, patches = reference_push(model, loader)
    before = copy.deepcopy(model).eval()
    summary = model.push(loader)
    assert summary["projected"] == model.num_prototypes
    assert torch.equal(model.source_index, index)
    assert torch.equal(model.source_location, location)
    assert torch.equal(model.prototype_vectors.flatten(1), patches)  # bit-identical copies of latent patches
    torch.testing.assert_close(model.source_distance.double(), best, rtol=0, atol=0)
    labels = torch.tensor([digits.train_eval_set[i]["targets"] for i in index.tolist()])
    assert torch.equal(labels, model.prototype_classes)  # class-specific push
    assert torch.equal(model.source_class, model.prototype_classes)
    assert bool(model.prototypes_projected)
    rf = model.receptive_field_boxes()
    for j in range(model.num_prototypes):
        h, w = location[j].tolist()
        assert model.source_receptive_field[j].tolist() == rf[h, w].tolist()
        y0, y1, x0, x1 = model.source_high_activation[j].tolist()
        assert 0 <= y0 < y1 <= 8 and 0 <= x0 < x1 <= 8
    x = torch.stack([digits.train_eval_set[i]["inputs"] for i in index.tolist()])
    # the high-activation box: the source image's similarity map for the prototype as it was before the push
    with torch.no_grad():
        _, distances = before.push_forward(x)
    maps = before.distance_to_similarity(distances[torch.arange(len(x)), torch.arange(len(x))])
    assert torch.equal(model.source_high_activation, high_activation_boxes(maps, (8, 8)))
    # after the push every prototype is (numerically) at distance 0 from its source patch
    with torch.no_grad():
        _, distances = model.push_forward(x)
    own = distances[torch.arange(len(x)), torch.arange(len(x))]
    assert own.amin(dim=(1, 2)).max() < 1e-3


def test_push_skips_classes_absent_from_the_data(digits):
    model = small_model(digits.spec, prototypes_per_class=1)
    only_zeros = [i for i in range(200) if digits.train_eval_set[i]["targets"] == 0]
    before = model.prototype_vectors.detach().clone()
    with pytest.warns(UserWarning, match="no image of their class"):
        model.push(DataLoader(Subset(digits.train_eval_set, only_zeros), batch_size=8))
    assert model.source_index[0] >= 0 and (model.source_index[1:] == -1).all()
    assert torch.equal(model.prototype_vectors[1:], before[1:])


def test_push_winner_choice_breaks_ties_by_lowest_index():
    distances = torch.tensor([[1.0, 2.0, math.inf], [1.0, 0.5, math.inf]])
    indices = torch.tensor([[7, 1, -1], [3, 9, -1]])
    assert choose_push_winners(distances, indices).tolist() == [1, 1, 0]


def test_sharded_push_equals_single_process_push(digits, monkeypatch):
    """Two ranks simulated in turn: rank 1 records what it would all-gather, rank 0 merges with it."""
    data = Subset(digits.train_eval_set, range(80))
    single = small_model(digits.spec, prototypes_per_class=2)
    single.push(DataLoader(data, batch_size=16))

    def shard(rank):
        return DataLoader(Subset(data, range(rank, len(data), 2)), batch_size=16)  # as PrototypePush shards

    sent = []
    monkeypatch.setattr(protopnet, "_all_gather", lambda t: sent.append(t.clone()) or torch.stack([t, t]))
    small_model(digits.spec, prototypes_per_class=2).push(shard(1), world_size=2)
    received = iter(sent)
    monkeypatch.setattr(protopnet, "_all_gather", lambda t: torch.stack([t, next(received)]))
    rank0 = small_model(digits.spec, prototypes_per_class=2)
    rank0.push(shard(0), world_size=2)
    assert torch.equal(rank0.prototype_vectors, single.prototype_vectors)
    for name in ("source_index", "source_location", "source_receptive_field", "source_high_activation"):
        assert torch.equal(getattr(rank0, name), getattr(single, name)), name
    assert {i % 2 for i in rank0.source_index.tolist()} == {0, 1}  # winners come from both shards


def test_high_activation_box_is_the_top_five_percent():
    maps = torch.zeros(1, 4, 4)
    maps[0, 1, 2] = 10.0  # one hot cell: after bicubic upsampling the top 5% sit around it
    (box,) = high_activation_boxes(maps, (40, 40)).tolist()
    y0, y1, x0, x1 = box
    assert 10 <= y0 < y1 <= 20 and 20 <= x0 < x1 <= 30
    assert (y1 - y0) * (x1 - x0) >= 0.05 * 1600


def test_push_record_survives_release(digits, tmp_path):
    model = small_model(digits.spec)
    model.variant = "protopnet_small8"
    model.push(push_subset(digits))
    model.prune_prototypes(push_subset(digits))
    save_release(model, tmp_path / "protopnet_small8.test")
    loaded = load_release(tmp_path / "protopnet_small8.test")
    for name, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[name], value), name
    assert bool(loaded.prototypes_projected) and (loaded.source_index >= 0).any()
    assert loaded.global_explanation().to_dict() == model.global_explanation().to_dict()


# ---- explanations ------------------------------------------------------------------------------------------
def test_complete_small8_before_and_after_push(digits):
    model = small_model(digits.spec)
    batch = next(iter(digits.val_dataloader())).select(slice(0, 8))
    assert_complete(model, batch)
    model.push(push_subset(digits))
    assert_complete(model, batch)
    record = model.explain(batch, top_k=3)[0]
    details = record.evidence[0].details
    assert details["source"]["class"] == details["prototype_class"]
    assert details["source"]["index"] == int(model.source_index[record.evidence[0].index])
    assert record.image.shape == (8, 8, 1) and record.image.dtype == np.float32
    assert sorted(record.unit_maps) == sorted(e.index for e in record.evidence)
    for e in record.evidence:
        assert record.unit_maps[e.index].shape == (4, 4)
        # the map's maximum is at the reported location and equals the similarity score
        similarity = record.unit_maps[e.index]
        assert np.unravel_index(similarity.argmax(), similarity.shape) == tuple(e.details["location"])
        assert similarity.max() == pytest.approx(e.score, rel=1e-5)
    json.dumps(record.to_dict())
    summary = model.global_explanation()
    data = json.loads(json.dumps(summary.to_dict()))
    assert len(data["units"]) == 100 and data["details"]["projected"]
    unit = summary.units[17]
    assert unit.class_index == 1 and unit.role == "prototype" and len(unit.weights) == 10
    assert unit.source.split == "train" and unit.source.index == int(model.source_index[17])
    assert unit.source.boxes["high_activation"] == model.source_high_activation[17].tolist()


def test_complete_timm_backbone_at_tiny_input():
    spec = dict(name="tiny", input_shape=[3, 32, 32], num_classes=3, class_names=["a", "b", "c"],
                mean=[0.5, 0.5, 0.5], std=[0.25, 0.25, 0.25])
    model = create_model("protopnet_resnet34", spec=spec, backbone_pretrained=False, prototypes_per_class=2,
                         prototype_dim=16)
    assert model.features.out_channels == 512 and model.hparams.add_on == "regular"
    x = torch.rand(2, 3, 32, 32)
    assert_complete(model, (x, torch.tensor([0, 2])))


def test_pruning_masks_prototypes_and_stays_complete(digits):
    model = small_model(digits.spec, prototypes_per_class=2)
    loader = push_subset(digits, n=64)
    model.push(loader)
    with torch.no_grad():  # make prototype 0 (class 0) look like a 1: its nearest patches are of class 1
        model.prototype_vectors[0] = model.prototype_vectors[2]
    # brute force: k = 6 nearest images (by their closest patch), count those of the prototype's class
    items = [digits.train_eval_set[i] for i in range(64)]
    xs, ys = [item["inputs"] for item in items], [item["targets"] for item in items]
    with torch.no_grad():
        _, distances = model.eval().push_forward(torch.stack(xs))
    per_image = distances.amin(dim=(2, 3))  # (N, P)
    labels = torch.tensor(ys)
    expected = [j for j in range(20)
                if (labels[per_image[:, j].argsort()[:6]] == j // 2).sum() < 3]
    pruned = model.prune_prototypes(loader, k=6, threshold=3)
    assert pruned == expected and 0 in pruned
    assert not model.prototype_mask[pruned].any() and model.prototype_mask.sum() == 20 - len(pruned)
    assert (model.effective_weights()[:, pruned] == 0).all()
    batch = (torch.stack(xs[:4]), labels[:4])
    assert_complete(model, batch)
    record = model.explain(batch)[0]
    assert all(record.contributions[j] == 0 for j in pruned)
    assert model.global_explanation().units[0].details["pruned"]


def test_input_errors(digits):
    model = small_model(digits.spec)
    with pytest.raises(InputError, match="channel"):
        model(torch.rand(2, 3, 8, 8))
    x = torch.rand(2, 1, 8, 8)
    x[0, 0, 0, 0] = float("nan")
    with pytest.raises(InputError, match="NaN"):
        model(x)
    with pytest.raises(InputError):
        model.explain(torch.rand(1, 8, 8))


# ---- training phases ---------------------------------------------------------------------------------------
def test_phase_schedule_blocks():
    schedule = PhaseSchedule([("warm", 2), ("joint", 0), ("joint", 3), ("joint", 1), ("last", 2)])
    assert schedule.blocks == [("warm", 2), ("joint", 4), ("last", 2)]
    assert schedule.total_epochs == 8
    assert [schedule.phase_at(e) for e in range(9)] == ["warm"] * 2 + ["joint"] * 4 + ["last"] * 3
    assert [e for e in range(8) if schedule.starts_phase(e)] == [0, 2, 6]
    assert schedule.block_starts("joint") == [2]
    by_function = PhaseSchedule(lambda epoch: "a" if epoch % 3 else "b")
    assert by_function.total_epochs is None and by_function.phase_at(4) == "a" and by_function.starts_phase(3)
    with pytest.raises(ValueError):
        PhaseSchedule([("warm", -1)])


def test_protopnet_schedule_follows_the_paper(digits):
    paper = small_model(digits.spec, train_epochs=31, warm_epochs=5, push_start=10, push_every=10,
                        last_layer_epochs=20)
    assert paper.phase_blocks() == [("warm", 5), ("joint", 6), ("last_layer", 20), ("joint", 10),
                                    ("last_layer", 20), ("joint", 10), ("last_layer", 20)]
    assert paper.total_epochs == 91
    # a run whose last epoch is not a push epoch still ends on a push + last layer
    assert small_model(digits.spec, train_epochs=8, warm_epochs=1, push_start=4,
                       push_every=10).phase_blocks()[-1] == ("last_layer", 4)


class PhaseRecorder(L.Callback):
    def __init__(self):
        self.seen = []

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if batch_idx == 0:
            self.seen.append(dict(
                phase=pl_module.phase,
                features=all(p.requires_grad for p in pl_module.features.parameters()),
                add_on=all(p.requires_grad for p in pl_module.add_on_layers.parameters()),
                prototypes=pl_module.prototype_vectors.requires_grad,
                last_layer=pl_module.last_layer.weight.requires_grad,
                projected=bool(pl_module.prototypes_projected),
                state={k: v.clone() for k, v in pl_module.state_dict().items()},
                joint_lr=pl_module.optimizers()[1].param_groups[0]["lr"],
            ))

    def on_train_epoch_end(self, trainer, pl_module):
        self.seen[-1]["projected_at_end"] = bool(pl_module.prototypes_projected)


def test_short_fit_switches_phases_and_ends_projected(digits, tmp_path):
    model = small_model(digits.spec, prototypes_per_class=2, train_epochs=3, warm_epochs=1, push_start=1,
                        push_every=1, last_layer_epochs=1, joint_lr_step=2, features_lr=1e-4, prune=True)
    assert model.phase_blocks() == [("warm", 1), ("joint", 1), ("last_layer", 1), ("joint", 1),
                                    ("last_layer", 1)]
    recorder = PhaseRecorder()
    best = ModelCheckpoint(dirpath=tmp_path, monitor=model.selection_metric, mode="max", save_top_k=1)
    trainer = L.Trainer(max_epochs=20, limit_train_batches=2, limit_val_batches=1, logger=False,
                        enable_progress_bar=False, enable_model_summary=False, callbacks=[recorder, best],
                        default_root_dir=tmp_path, num_sanity_val_steps=0)
    trainer.fit(model, datamodule=digits)
    assert trainer.current_epoch == model.total_epochs == 5  # the schedule stopped the fit, not max_epochs
    phases = [s["phase"] for s in recorder.seen]
    assert phases == ["warm", "joint", "last_layer", "joint", "last_layer"]
    warm, joint, last = recorder.seen[0], recorder.seen[1], recorder.seen[2]
    def trainable(s):
        return s["features"], s["add_on"], s["prototypes"], s["last_layer"]

    assert trainable(warm) == (False, True, True, True)
    assert (joint["features"], joint["add_on"], joint["prototypes"]) == (True, True, True)
    assert trainable(last) == (False, False, False, True)
    assert [s["projected_at_end"] for s in recorder.seen] == [False, False, True, False, True]
    # StepLR(step 2) is stepped before each joint epoch, as in the paper: the second joint epoch runs at 0.1x
    assert (recorder.seen[1]["joint_lr"], recorder.seen[3]["joint_lr"]) == pytest.approx((1e-4, 1e-5))
    # what each phase's optimiser changed, from the start of one epoch to the start of the next
    def changed(a, b, prefix):
        return any(not torch.equal(a["state"][k], b["state"][k]) for k in a["state"] if k.startswith(prefix))
    features_weight = "features.features.0.weight"
    assert torch.equal(warm["state"][features_weight], joint["state"][features_weight])  # frozen in warm
    assert changed(warm, joint, "prototype_vectors") and changed(warm, joint, "add_on_layers")
    assert not changed(warm, joint, "last_layer")
    assert changed(joint, last, "features.") and not changed(joint, last, "last_layer")
    final = {k: v for k, v in model.state_dict().items()}
    assert torch.equal(final["prototype_vectors"], recorder.seen[4]["state"]["prototype_vectors"])
    assert changed(recorder.seen[4], {"state": final}, "last_layer")
    assert bool(model.prototypes_projected) and (model.source_index >= 0).all()
    # the final model's prototypes are its own latent training patches (no BatchNorm drift after the push)
    x = torch.stack([digits.train_eval_set[i]["inputs"] for i in model.source_index.tolist()])
    with torch.no_grad():
        _, distances = model.eval().push_forward(x)
    rows, cols = model.source_location.unbind(1)
    assert distances[torch.arange(20), torch.arange(20), rows, cols].max() < 1e-3
    assert trainer.callback_metrics["val/acc_projected"] >= 0
    # prune=True prunes once, before the final last-layer block, on the whole push set
    assert recorder.seen[2]["state"]["prototype_mask"].all()
    assert torch.equal(recorder.seen[4]["state"]["prototype_mask"], model.prototype_mask)
    recomputed = small_model(digits.spec, prototypes_per_class=2)
    recomputed.load_state_dict({**model.state_dict(), "prototype_mask": torch.ones(20, dtype=torch.bool)})
    recomputed.prune_prototypes(digits.eval_dataloader("train"))
    assert torch.equal(model.prototype_mask, recomputed.prototype_mask)
    assert (model.last_layer.weight[:, ~model.prototype_mask] == 0).all()
    # checkpoint selection on the validation metric only ever picks a projected model (epochs 2 or 4)
    assert best.best_model_score >= 0
    assert "epoch=2" in best.best_model_path or "epoch=4" in best.best_model_path
    selected = load_checkpoint(best.best_model_path)
    assert bool(selected.prototypes_projected) and (selected.source_index >= 0).all()


def test_accuracy_selection_metric_never_wins_before_push(digits):
    model = small_model(digits.spec, prototypes_per_class=1)
    trainer = L.Trainer(logger=False, enable_progress_bar=False, enable_model_summary=False,
                        limit_val_batches=1)
    (metrics,) = trainer.validate(model, datamodule=digits, verbose=False)
    assert math.isnan(metrics["val/acc_projected"]) and metrics["val/acc"] >= 0  # no value: never selected
    model.push(push_subset(digits))
    (metrics,) = trainer.validate(model, datamodule=digits, verbose=False)
    assert metrics["val/acc_projected"] == pytest.approx(metrics["val/acc"])


def test_resume_from_checkpoint_continues_the_schedule(digits, tmp_path):
    def fit(max_epochs, ckpt_path=None):
        model = small_model(digits.spec, prototypes_per_class=1, train_epochs=2, warm_epochs=1, push_start=0,
                            push_every=1, last_layer_epochs=1)
        trainer = L.Trainer(max_epochs=max_epochs, limit_train_batches=1, limit_val_batches=1, logger=False,
                            enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
                            default_root_dir=tmp_path, callbacks=[ModelCheckpoint(dirpath=tmp_path)])
        trainer.fit(model, datamodule=digits, ckpt_path=ckpt_path)
        return model, trainer

    # schedule: warm, last_layer (push), joint, last_layer (push); stop after 3 epochs, then resume
    with pytest.warns(UserWarning, match="will not reach its final phase"):
        first, _ = fit(3)
    assert not bool(first.prototypes_projected)
    resumed, trainer = fit(4, ckpt_path=str(next(tmp_path.glob("*.ckpt"))))
    assert trainer.current_epoch == 4 and resumed.phase == "last_layer"
    assert bool(resumed.prototypes_projected) and (resumed.source_index >= 0).all()
    assert not torch.equal(resumed.source_distance, first.source_distance)


def test_the_unit_score_is_declared_as_the_papers_similarity(digits):
    """Sec. 2.1: g = log((d + 1) / (d + epsilon)) of the closest patch; the linear variant scores -d."""
    model = small_model(digits.spec).eval()
    score = model.unit_score
    assert (score.name, score.distance) == ("log-similarity", False) and "log((d + 1) / (d + 0.0001))" in score.about
    x = torch.rand(2, 1, 8, 8)
    record = model.explain(x)[0]
    for e in record.evidence:
        d = e.details["distance"]
        assert e.score == pytest.approx(math.log((d + 1) / (d + 1e-4)), rel=1e-4)
    linear = small_model(digits.spec, similarity="linear")
    assert linear.unit_score.name == "negative squared distance" and not linear.unit_score.distance
