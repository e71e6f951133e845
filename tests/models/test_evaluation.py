"""Explanation metrics (models.evaluation): EvalProtoPNet's part consistency and stability, deletion / insertion
faithfulness, OOD AUROC, and the command that writes them into a card."""

import json
import shutil

import numpy as np
import pytest
import torch

from datamodules import create_datamodule
from datamodules.base import DataSpec
from datamodules.parts import CLASSES, COLOURS, PART_NAMES
from models import create_model, list_pretrained
from models.base import Decomposition, InterpretableModel
from models.evaluation import (
    EvaluationError,
    deletion_insertion,
    main,
    part_hits,
    part_localisation,
    peak_locations,
    region_masks,
    shifted_masks,
)
from models.explanation import GlobalExplanation, GlobalUnit
from models.registry import CHECKPOINT_DIR


def test_a_tied_maximum_gives_both_coordinates_of_the_first_peak():
    """ProtoPNeXt's tie-break, ``(max_indices[0][:1], max_indices[0][:1])``, takes the row index twice: with the
    first peak at (row 1, column 3) it would box (1, 1) and miss the part at x = 3, y = 1."""
    maps = torch.zeros(1, 12, 12)
    maps[0, 1, 3] = maps[0, 8, 0] = 5.0  # two tied maxima; row-major order puts (1, 3) first
    peak = peak_locations(maps)
    assert peak.tolist() == [[1, 3]]
    rows, cols = torch.nonzero(maps[0] == maps[0].max(), as_tuple=True)
    protopnext = torch.tensor([[int(rows[0]), int(rows[0])]])  # the bug, for contrast
    part = torch.tensor([[[3.0, 1.0], [11.0, 11.0]]])  # (x, y): at the peak, and far away
    visible = torch.ones(1, 2, dtype=torch.bool)
    assert part_hits(peak, part, visible, 1, (12, 12)).tolist() == [[True, False]]
    assert part_hits(protopnext, part, visible, 1, (12, 12)).tolist() == [[False, False]]


def test_part_box_includes_its_bounds_truncates_keypoints_and_ignores_hidden_parts():
    peak = torch.tensor([[10, 10]])  # (row, column)
    parts = torch.tensor([[[14.0, 10.0], [15.0, 10.0], [6.0, 6.0], [10.0, 5.9], [10.0, 10.0]]])  # (x, y)
    visible = torch.tensor([[True, True, True, True, False]])
    assert part_hits(peak, parts, visible, 4, (28, 28)).tolist() == [[True, False, True, False, False]]
    # the box is clipped at the image border, as EvalProtoPNet's max(0, r - h) / min(H, r + h)
    assert part_hits(torch.tensor([[0, 27]]), torch.tensor([[[27.9, 0.0]]]), visible[:, :1], 4, (28, 28)).all()


class PointAt(InterpretableModel):
    """One unit per class on part_glyphs. ``key``: its map peaks on the class's first key glyph (minus the colour
    distance to that glyph's colour); ``random``: a random map drawn anew on every call."""

    kind = "prototype"

    def __init__(self, spec, mode):
        super().__init__(spec)
        self.mode, self.generator = mode, torch.Generator().manual_seed(0)

    def decompose(self, x):
        return Decomposition(torch.zeros(len(x), self.num_classes), scores=torch.zeros(len(x), self.num_classes),
                             weights=torch.eye(self.num_classes), extras={"x": x})

    def unit_maps(self, decomposition, row, units):
        x = decomposition.extras["x"][row]
        maps = {}
        for u in units:
            colour = torch.tensor(COLOURS[CLASSES[u][0][2]]).view(3, 1, 1)
            maps[u] = (-(x - colour).norm(dim=0) if self.mode == "key"
                       else torch.rand(x.shape[1:], generator=self.generator)).numpy()
        return maps

    def global_explanation(self):
        units = [GlobalUnit(index=u, name=str(u), role="prototype", class_index=u) for u in range(self.num_classes)]
        return GlobalExplanation(kind="prototype", model=None, class_names=self.spec.class_names, units=units)


@pytest.fixture(scope="module")
def part_data():
    data = create_datamodule("part_glyphs", eval_batch_size=200)
    data.setup()
    return data


def test_a_unit_on_a_key_part_is_consistent_and_stable(part_data):
    annotations = part_data.annotations("test")
    result = part_localisation(PointAt(part_data.spec, "key"), part_data.eval_dataloader("test"), annotations)
    assert result["units"] == 10 and result["inputs"] == 600 and result["half_size"] == 4
    # the glyph's pixels tie, so the noise moves the peak within it; the box then sometimes reaches a neighbour
    assert result["consistency"] == 100.0 and result["stability"] > 90
    assert result["consistent_parts"] == {str(c): PART_NAMES[CLASSES[c][0][0]] for c in range(10)}


def test_a_unit_that_points_anywhere_is_neither(part_data):
    annotations = part_data.annotations("test")
    result = part_localisation(PointAt(part_data.spec, "random"), part_data.eval_dataloader("test"), annotations)
    assert result["consistency"] == 0.0 and result["consistent_parts"] == {}
    assert result["stability"] < 80  # a box that holds no part twice still counts as unchanged


class RegionModel(InterpretableModel):
    """One unit whose map is a fixed region; the logit of class 0 is the sum of the pixels in it."""

    kind = "prototype"

    def __init__(self, region):
        super().__init__(DataSpec(name="toy", input_shape=(1, 8, 8), num_classes=2, class_names=["a", "b"]))
        self.region = region

    def decompose(self, x):
        inside = (x[:, 0] * self.region).flatten(1).sum(1, keepdim=True)
        logits = torch.cat([inside, torch.zeros_like(inside) - 100], 1)
        return Decomposition(logits, scores=inside, weights=torch.tensor([[1.0], [0.0]]),
                             bias=torch.tensor([0.0, -100.0]))

    def unit_maps(self, decomposition, row, units):
        return {0: self.region.numpy() + 1e-3 * np.arange(64).reshape(8, 8) / 64}  # no ties in the top-k


def test_deleting_the_region_that_carries_the_output_removes_all_of_it_and_a_random_region_less():
    region = torch.zeros(8, 8)
    region[2:4, 3:6] = 1  # 6 pixels: area 6 / 64
    model = RegionModel(region)
    x = torch.ones(40, 1, 8, 8)
    result = deletion_insertion(model, [x], area=6 / 64)
    assert result["deletion_unit"] == pytest.approx(6.0) and result["insertion_unit"] == pytest.approx(6.0)
    assert result["deletion_random"] < 3 and result["insertion_random"] < 3  # shifted copies overlap rarely
    assert result["deletion_unit_beats_random"] > 0.8 and result["inputs"] == 40
    with pytest.raises(EvaluationError, match="area"):
        deletion_insertion(model, [x], area=1.5)


def test_random_regions_keep_the_size_and_shape_of_the_unit_region():
    maps = torch.rand(5, 10, 12)
    masks = region_masks(maps, 0.1)
    assert masks.flatten(1).sum(1).tolist() == [12] * 5
    shifted = shifted_masks(masks, torch.Generator().manual_seed(0))
    assert shifted.flatten(1).sum(1).tolist() == [12] * 5 and not torch.equal(shifted, masks)


def test_a_model_without_unit_maps_is_refused_with_the_reason():
    class NoMaps(RegionModel):
        unit_maps = InterpretableModel.unit_maps

    with pytest.raises(EvaluationError, match="no unit maps"):
        deletion_insertion(NoMaps(torch.ones(8, 8)), [torch.ones(2, 1, 8, 8)])


def test_the_shallow_cbc_and_autoencoder_maps_add_up_to_their_match():
    """CBC: sum_pixels x (2 w - x) = ||w||^2 - ||x - w||^2; autoencoder: the cells add up to D(black) - D(x)."""
    torch.manual_seed(0)
    cbc = create_model("robust_cbc_shallow8").eval()
    x = torch.rand(3, 1, 8, 8)
    d = cbc.decompose(x)
    maps = cbc.unit_maps(d, 1, [0, 4])
    for k in (0, 4):
        w = cbc.components[k].detach()
        expected = (w * w).sum() - (x[1].flatten() - w).pow(2).sum()
        assert float(maps[k].sum()) == pytest.approx(float(expected), rel=1e-4, abs=1e-4)
    ae = create_model("prototype_ae").eval()
    x = torch.rand(2, 1, 28, 28)
    d = ae.decompose(x)
    blank = ae.decompose(torch.zeros(1, 1, 28, 28)).scores[0]
    maps = ae.unit_maps(d, 0, [2])
    assert maps[2].shape == (2, 2)
    assert float(maps[2].sum()) == pytest.approx(float(blank[2] - d.scores[0, 2]), rel=1e-4)


def test_the_command_writes_every_metric_into_the_card_and_keeps_its_other_checks(tmp_path, capsys):
    release = tmp_path / "robust_cbc_shallow8.digits"
    shutil.copytree(CHECKPOINT_DIR / "robust_cbc_shallow8.digits", release)
    before = json.loads((release / "config.json").read_text())
    out = tmp_path / "metrics.json"
    assert main(["--checkpoint", str(release), "--limit", "64", "--out", str(out)]) == 0
    card = json.loads((release / "config.json").read_text())
    checks = card["checks"]
    assert checks["attack_verification"] == before["checks"]["attack_verification"]
    deletion = checks["explanation_metrics"]["deletion_insertion"]
    assert deletion["inputs"] == 64 and deletion["output"] == "probability"
    assert "no part annotations" in checks["explanation_metrics"]["part_localisation"]["not_applicable"]
    assert set(checks["ood_auroc"]) == {"uniform_noise", "smooth_noise", "rotated_90", "rotated_180", "inverted",
                                        "letters"}
    assert 0 <= checks["ood_auroc_mean"]["nearest_unit"] <= 1
    assert json.loads(out.read_text())["explanation_metrics"] == checks["explanation_metrics"]
    assert card["metrics"] == before["metrics"]  # the measured test metrics are untouched
    capsys.readouterr()
    assert main(["--checkpoint", str(release), "--data", "mnist5k", "--no-card"]) == 2
    assert "differs in" in capsys.readouterr().err


PROTOTYPE_FAMILIES = ("cbc.", "protopnet.", "psenn.")
PROTOTYPE_RELEASES = [r for r in list_pretrained()
                      if json.loads((CHECKPOINT_DIR / r / "config.json").read_text())["model_class"]
                      .startswith(PROTOTYPE_FAMILIES)]


@pytest.mark.parametrize("release", PROTOTYPE_RELEASES)
def test_every_shipped_prototype_card_holds_the_explanation_metrics_and_ood_auroc(release):
    card = json.loads((CHECKPOINT_DIR / release / "config.json").read_text())
    checks = card.get("checks", {})
    metrics = checks["explanation_metrics"]
    assert {"deletion_insertion", "part_localisation"} <= set(metrics)
    assert "deletion_unit" in metrics["deletion_insertion"] or metrics["deletion_insertion"]["not_applicable"]
    assert 0 <= min(checks["ood_auroc_mean"].values()) <= max(checks["ood_auroc_mean"].values()) <= 1
    if card["model_class"].endswith("ShallowCBC"):
        assert checks["attack_verification"]["violations"] == 0


def test_the_shipped_part_glyphs_protopnet_reproduces_the_consistency_in_its_card():
    model = create_model("protopnet_small", pretrained="part_glyphs").eval()
    data = create_datamodule("part_glyphs")  # the batch size the release checks used
    data.setup()
    recorded = model.card["checks"]["explanation_metrics"]["part_localisation"]
    again = part_localisation(model, data.eval_dataloader("test"), data.annotations("test"))
    assert again == recorded


@pytest.mark.heavy
@pytest.mark.parametrize("release", PROTOTYPE_RELEASES)
def test_every_card_s_evaluation_reproduces(release):
    from models.evaluation import release_evaluation

    name, tag = release.split(".", 1)
    model = create_model(name, pretrained=tag).eval()
    recorded = model.card["checks"]
    again = release_evaluation(model, create_datamodule(model.card["data"]["name"]))
    for key, value in again.items():
        assert recorded[key] == value, key
