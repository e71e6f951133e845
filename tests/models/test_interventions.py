"""The shared intervention machinery: what ``intervene`` / ``values`` accept, the policies, the batched
intervention curve (against a per-sample loop), and the concept alignment score."""

import json

import numpy as np
import pytest
import torch

from datamodules import create_datamodule
from datamodules.base import DataSpec
from models import create_model
from models.concept_base import cas_from_representations, k_medoids
from models.interventions import (
    InterventionError,
    check_values,
    concept_indices,
    group_matrix,
    intervention_curve,
    intervention_mask,
    mask_from_ranking,
    rank_groups,
    save_curves,
)

SPEC = DataSpec(name="toy", input_shape=(4,), num_classes=2, class_names=["a", "b"], task="vector_classification",
                concept_names=["red", "green", "round", "square", "big"],
                concept_groups={"colour": [0, 1], "shape": [2, 3], "size": [4]})


def test_concepts_by_name_group_index_and_all():
    assert concept_indices(SPEC, "green") == [1]
    assert concept_indices(SPEC, "shape") == [2, 3]
    assert concept_indices(SPEC, ["colour", 4, "round"]) == [0, 1, 2, 4]
    assert concept_indices(SPEC, "all") == [0, 1, 2, 3, 4]
    assert intervention_mask(SPEC, torch.tensor([4, 0]), 2)[1].tolist() == [True, False, False, False, True]
    mask = torch.tensor([[True, False, False, False, False], [False] * 5])
    assert torch.equal(intervention_mask(SPEC, mask, 2), mask)
    assert intervention_mask(SPEC, None, 3) is None


@pytest.mark.parametrize("bad, message", [
    ("gren", "unknown concept or group 'gren'. Did you mean 'green'"),
    ("texture", "unknown concept or group 'texture'"),
    (7, "outside 0..4"),
    (True, "got bool"),
    (1.5, "got float"),
    ([1.5], "neither a concept name"),
    ({"red": 1}, "got dict"),
    (torch.tensor([0.0, 1.0]), "boolean mask or a 1-d tensor of concept indices"),
    (torch.ones(3, dtype=torch.bool), r"shape \(5,\) or \(2, 5\)"),
])
def test_unknown_concepts_and_wrong_types_are_refused(bad, message):
    with pytest.raises(InterventionError, match=message):
        intervention_mask(SPEC, bad, 2)


@pytest.mark.parametrize("bad, message", [
    ("1,0", "must be a tensor"),
    ([[0, "x"]], "must be numbers"),
    (torch.ones(2, 3), r"shape \(5,\) or \(2, 5\)"),
    (torch.full((5,), 0.5), "must be 0 or 1"),
    (torch.zeros(5, dtype=torch.complex64), "0/1 numbers or booleans"),
    (np.array(["a"] * 5), "numbers 0/1"),
])
def test_wrong_intervention_values_are_refused(bad, message):
    with pytest.raises(InterventionError, match=message):
        check_values(bad, 2, 5)


def test_values_broadcast_and_keep_unknowns():
    values = check_values([1, 0, float("nan"), True, 0], 3, 5)
    assert values.shape == (3, 5) and torch.isnan(values[:, 2]).all() and values[2, 3] == 1


def test_policies_rank_groups():
    probabilities = torch.tensor([[0.5, 0.5, 0.99, 0.01, 0.7], [0.9, 0.9, 0.6, 0.5, 0.99]])
    assert rank_groups("uncertainty", SPEC, probabilities).tolist() == [[0, 2, 1], [1, 0, 2]]
    assert rank_groups("fixed", SPEC, probabilities, order=["size"]).tolist() == [[2, 0, 1]] * 2
    gradients = torch.tensor([[0.0, 0.1, 3.0, 0.0, 1.0], [5.0, 0.0, 0.0, 0.0, 0.0]])
    assert rank_groups("gradient", SPEC, probabilities, gradients=gradients).tolist() == [[1, 2, 0], [0, 1, 2]]
    random = rank_groups("random", SPEC, probabilities.repeat(50, 1), torch.Generator().manual_seed(0))
    assert sorted(random[0].tolist()) == [0, 1, 2] and len({tuple(r) for r in random.tolist()}) > 1
    with pytest.raises(InterventionError, match="unknown intervention policy 'greedy'"):
        rank_groups("greedy", SPEC, probabilities)
    with pytest.raises(InterventionError, match="each group once"):
        rank_groups("fixed", SPEC, probabilities, order=["size", "size"])
    mask = mask_from_ranking(torch.tensor([[2, 0, 1]]), 2, group_matrix(SPEC))
    assert mask.tolist() == [[True, True, False, False, True]]


@pytest.fixture(scope="module")
def trained_xor():
    dm = create_datamodule("xor", batch_size=128)
    dm.setup()
    torch.manual_seed(0)
    model = create_model("cbm_sequential_mlp", spec=dm.spec, epochs=1, label_epochs=1)
    model.eval()
    model.fit_intervention_values(dm.eval_dataloader("train"))
    return model, dm


def loop_curve(model, dm, seed):
    """One random order per input, looped one input at a time (the reference for the batched curve)."""
    generator = torch.Generator().manual_seed(seed)
    batch = next(iter(dm.eval_dataloader("test")))
    state = model.encode(batch.inputs)
    ranking = rank_groups("random", model.spec, state.probabilities, generator)
    correct = np.zeros(3)
    for n in range(len(batch)):
        for k in range(3):
            chosen = [model.spec.concept_names[g] for g in ranking[n, :k].tolist()]
            output = model(batch.inputs[n:n + 1], intervene=chosen or None,
                           values=batch.concepts[n:n + 1] if chosen else None)
            correct[k] += int(output.argmax(-1) == batch.targets[n])
    return correct / len(batch)


def test_batched_curve_equals_a_per_sample_loop(trained_xor):
    model, dm = trained_xor
    loader = dm.eval_dataloader("test")
    # forward intervenes with the training percentiles: the curve with percentiles="training" must match it
    curve = intervention_curve(model, [next(iter(loader))], "random", orders=1, seed=3, percentiles="training")
    np.testing.assert_allclose(curve["accuracy_mean"], loop_curve(model, dm, 3), atol=1e-9)
    with torch.no_grad():
        plain = sum(int((model(b.inputs).argmax(-1) == b.targets).sum()) for b in loader) / len(dm.test_set)
    full = intervention_curve(model, loader, "random", orders=3, percentiles="training")
    assert full["accuracy_mean"][0] == pytest.approx(plain)
    # every group set: f on the concept percentiles of the true concepts, computed directly
    with torch.no_grad():
        direct = sum(int((model.label_predictor(model.intervention_values(b.concepts)).argmax(-1) == b.targets)
                         .sum()) for b in loader) / len(dm.test_set)
    assert full["accuracy_mean"][-1] == pytest.approx(direct)
    assert full["accuracy_std"][0] < 1e-12 and full["accuracy_std"][-1] < 1e-12  # no order matters at k = 0, G
    assert full["area"] == pytest.approx(np.trapezoid(full["accuracy_mean"], [0, 0.5, 1]))
    batch = next(iter(loader))
    wrong = model.decompose(batch.inputs, intervene="all", values=batch.concepts, competence=0.0)
    torch.testing.assert_close(wrong.extras["bottleneck"], model.intervention_values(1 - batch.concepts))


def test_curve_takes_the_training_percentiles_by_default_or_the_evaluated_splits(trained_xor):
    """The paper: training-logit percentiles (the default); Koh's tti.py: ptl_5 / ptl_95 are the percentiles of the
    evaluated split's own concept logits (``percentiles="evaluated"``)."""
    model, dm = trained_xor
    loader = dm.eval_dataloader("test")
    stored = model.intervention_low.clone(), model.intervention_high.clone()
    with torch.no_grad():
        logits = torch.cat([model.encode(b.inputs).logits for b in loader])
        low, high = (torch.tensor(np.percentile(logits.numpy(), q, axis=0), dtype=torch.float32) for q in (5, 95))
        assert not torch.allclose(low, stored[0])  # the test split's percentiles differ from the training ones
        direct = sum(int((model.label_predictor(torch.where(b.concepts > 0.5, high, low)).argmax(-1) == b.targets)
                         .sum()) for b in loader) / len(dm.test_set)
    curve = intervention_curve(model, loader, "random", orders=2, percentiles="evaluated")
    assert curve["percentiles"] == "evaluated"
    np.testing.assert_allclose(curve["intervention_values"]["low"], low, rtol=1e-5)
    np.testing.assert_allclose(curve["intervention_values"]["high"], high, rtol=1e-5)
    assert curve["accuracy_mean"][-1] == pytest.approx(direct)
    training = intervention_curve(model, loader, "random", orders=2)
    assert training["percentiles"] == "training"
    assert curve["accuracy_mean"][0] == training["accuracy_mean"][0]  # no intervention: the same predictions
    np.testing.assert_allclose(training["intervention_values"]["low"], stored[0])
    # the stored percentiles (what forward uses) are untouched by the curve
    assert torch.equal(model.intervention_low, stored[0]) and torch.equal(model.intervention_high, stored[1])
    with pytest.raises(InterventionError, match="percentiles is one of evaluated, training"):
        intervention_curve(model, loader, percentiles="test")
    cem = create_model("cem_mlp", spec=dm.spec).eval()  # not a logit model: percentiles do not apply
    assert intervention_curve(cem, loader, orders=1)["percentiles"] is None


def test_curves_are_saved_as_json_and_png(trained_xor, tmp_path):
    model, dm = trained_xor
    curves = {p: intervention_curve(model, dm.eval_dataloader("val"), p, orders=2) for p in ("random", "uncertainty")}
    files = save_curves(curves, tmp_path)
    saved = json.loads((tmp_path / files["json"]).read_text())
    assert set(saved) == {"random", "uncertainty"} and saved["random"]["orders"] == 2
    assert (tmp_path / files["png"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_k_medoids_and_cas():
    rng = np.random.RandomState(0)
    points = np.concatenate([rng.normal(0, 0.1, (20, 2)), rng.normal(5, 0.1, (20, 2))])
    distances = np.sqrt(((points[:, None] - points[None]) ** 2).sum(-1))
    labels = k_medoids(distances, 2)
    assert len(set(labels[:20])) == 1 and len(set(labels[20:])) == 1 and labels[0] != labels[-1]
    concepts = rng.randint(0, 2, (120, 2)).astype(float)
    aligned = concepts[:, :, None] + rng.normal(0, 0.01, (120, 2, 3))
    assert cas_from_representations(aligned, concepts, step=20) == pytest.approx(1.0)
    noise = rng.normal(0, 1, (120, 2, 3))
    assert cas_from_representations(noise, concepts, step=20) < 0.5


def test_explain_cli_takes_interventions_and_reports_bad_ones(trained_xor, tmp_path, capsys):
    from explain.__main__ import main as explain_main
    from models import save_release

    model, _ = trained_xor
    save_release(model, tmp_path / "release")
    common = ["--checkpoint", str(tmp_path / "release"), "--data", "xor", "--limit", "4", "--formats", "jsonl"]
    assert explain_main(common + ["--option", "policy=uncertainty", "--option", "budget=1",
                                  "--out", str(tmp_path / "out")]) == 0
    record = json.loads((tmp_path / "out" / "explanations.jsonl").read_text().splitlines()[0])
    assert len(record["concepts"]["intervened"]) == 1
    assert explain_main(common + ["--option", "intervene=[x3 > 0.5]", "--out", str(tmp_path / "bad")]) == 2
    assert "unknown concept or group 'x3 > 0.5'" in capsys.readouterr().err


def test_the_documented_intervention_example_runs(tmp_path, monkeypatch, capsys):
    """explain/__main__.py's docstring example of an intervention, run as written (in an empty folder)."""
    import shlex

    import explain.__main__ as command

    (line,) = [line.strip() for line in command.__doc__.splitlines() if line.strip().startswith("python -m explain")
                and "--option" in line]
    argv = shlex.split(line)
    assert argv[:3] == ["python", "-m", "explain"]
    monkeypatch.chdir(tmp_path)
    assert command.main(argv[3:]) == 0, capsys.readouterr().err
    records = [json.loads(r) for r in (tmp_path / "out" / "explanations.jsonl").read_text().splitlines()]
    assert records and all(r["concepts"]["intervened"] == [0] for r in records)
    assert all(r["concepts"]["outputs_before"] is not None for r in records)
