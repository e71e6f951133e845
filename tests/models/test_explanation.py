"""The explanation record v2: what the numbers are, sparse contributions, typed sections, the JSON form."""

import json

import numpy as np
import pytest

from models.explanation import (
    CertificateSection,
    Evidence,
    Explanation,
    GlobalExplanation,
    GlobalUnit,
    SourceRef,
    UncertaintySection,
    record_completeness_gap,
)


def record(**overrides) -> Explanation:
    args = dict(kind="component", output="probability", outputs=np.array([0.2, 0.7, 0.1]), prediction=1,
                explained_class=1, contributions=np.array([0.5, 0.25]), units=np.array([3, 40]), num_units=100,
                bias=-0.05, class_names=["cat", "dog", "owl"])
    return Explanation(**{**args, **overrides})


def test_probability_outputs_are_not_softmaxed_again():
    r = record()
    np.testing.assert_allclose(r.probabilities, [0.2, 0.7, 0.1])  # a CBC's class probabilities, as they are
    logits = record(output="logit", outputs=np.array([0.0, 1.0, -1.0]))
    np.testing.assert_allclose(logits.probabilities.sum(), 1.0)
    assert logits.probabilities.argmax() == 1
    with pytest.raises(ValueError, match="output must be one of"):
        record(output="score")


def test_sparse_contributions_add_up_and_serialise_small():
    r = record()
    r.check_complete()
    assert r.value == 0.7 and r.dense_contributions()[[3, 40]].tolist() == [0.5, 0.25]
    data = json.loads(json.dumps(r.to_dict(top_k=2)))
    assert data["contributions"] == {"units": [3, 40], "values": [0.5, 0.25]} and data["num_units"] == 100
    assert [t["class"] for t in data["top"]] == [1, 0] and "outputs" not in data
    assert data["predicted_label"] == "dog" and "class_names" not in data  # names are written once per export
    assert record_completeness_gap(data) < 1e-12
    full = r.to_dict(full=True)
    assert len(full["contributions"]["values"]) == 100 and len(full["top"]) == 3


def test_an_incomplete_record_says_what_is_exact():
    r = record(output="mean_probability", complete=False, exact="the sampled prototypes' mean, not a sum")
    with pytest.raises(AssertionError, match="says it is not complete"):
        r.check_complete()
    assert "not complete: the sampled prototypes' mean" in str(r)
    r = record()
    r.bias += 0.1
    with pytest.raises(AssertionError, match="differ from the probability"):
        r.check_complete()


def test_sections_and_sequence_positions_serialise():
    r = record(sequence=2, position=5, certificate=CertificateSection(0.8, "l2", "one prototype per class"),
               uncertainty=UncertaintySection(0.9, 0.6, 0.3, explanatory=0.1, uninformed=False, samples=32),
               evidence=[Evidence("component 3", 3, 0.5, score=0.9, details={"box": np.array([1, 2])})],
               image=np.zeros((4, 4, 1)), unit_maps={3: np.zeros((2, 2))})
    data = json.loads(json.dumps(r.to_dict()))
    assert (data["sequence"], data["position"]) == (2, 5)
    assert data["certificate"] == {"radius": 0.8, "norm": "l2", "assumption": "one prototype per class"}
    assert data["uncertainty"]["epistemic"] == 0.3 and data["evidence"][0]["details"]["box"] == [1, 2]
    assert "image" not in data and "unit_maps" not in data and "concepts" not in data


def test_a_global_explanation_is_plain_data():
    unit = GlobalUnit(0, "prototype 0", "prototype", class_index=1, weights=[1.0, -0.5],
                      image=np.zeros((2, 2, 1)), source=SourceRef("train", 12, {"high_activation": [0, 1, 0, 1]}))
    data = json.loads(json.dumps(GlobalExplanation("prototype", "m", ["a", "b"], [unit],
                                                   {"last_layer": np.eye(2)}).to_dict()))
    assert data["units"][0]["source"] == {"split": "train", "index": 12, "boxes": {"high_activation": [0, 1, 0, 1]},
                                          "details": {}}
    assert data["units"][0]["has_image"] and "image" not in data["units"][0]
    assert data["matrices"]["last_layer"] == [[1.0, 0.0], [0.0, 1.0]]
