"""The certificates of the shipped shallow CBC / RBF models hold against a strong L2 attack (Auto-PGD from the
Adversarial Robustness Toolbox), and attacks refuse models without a certificate."""

import pytest
import torch

from datamodules import create_datamodule
from models import create_model, list_pretrained
from models.robustness import CertificateError, apgd_attack, verify_certificates

CERTIFIED_RELEASES = [r for r in ("robust_cbc_shallow.mnist5k", "robust_rbf_shallow.mnist5k",
                                  "robust_cbc_shallow8.digits", "robust_rbf_shallow8.digits")
                      if r in list_pretrained()]


def test_the_robust_models_are_shipped():
    assert "robust_cbc_shallow.mnist5k" in CERTIFIED_RELEASES


def test_no_attack_succeeds_inside_a_certified_radius_of_the_shipped_robust_cbc():
    model = create_model("robust_cbc_shallow", pretrained="mnist5k").eval()
    data = create_datamodule("mnist5k")
    data.setup("test")
    result = verify_certificates(model, data.eval_dataloader("test"), (0.5, 1.0, 1.58), limit=96, max_iter=50)
    assert result["violations"] == 0
    for row in result["eps"].values():
        assert row["empirical_robust_accuracy"] >= row["certified_accuracy"]
    # the attack is not toothless: at the largest radius it breaks inputs that were classified correctly
    assert result["eps"]["1.58"]["empirical_robust_accuracy"] < result["accuracy"]


@pytest.mark.parametrize("release", CERTIFIED_RELEASES)
def test_per_input_attack_at_its_own_radius_keeps_the_prediction(release):
    name, tag = release.split(".", 1)
    model = create_model(name, pretrained=tag).eval()
    data = create_datamodule(model.card["data"]["name"])
    data.setup("test")
    batch = next(iter(data.eval_dataloader("test")))
    with torch.no_grad():
        radius = model.certified_radius(batch.inputs)
        prediction = model(batch.inputs).argmax(1)
    certified = torch.nonzero(radius > 0.05).flatten()[:4]
    assert len(certified) > 0
    for i in certified.tolist():
        x = batch.inputs[i : i + 1]
        adversarial = apgd_attack(model, x, prediction[i : i + 1], float(radius[i]) * 0.999, max_iter=50)
        assert float((adversarial - x).norm()) <= float(radius[i])
        with torch.no_grad():
            assert int(model(adversarial).argmax(1)) == int(prediction[i])


def test_an_attack_on_a_model_without_a_certificate_is_refused():
    with pytest.raises(CertificateError, match="no certified radius"):
        apgd_attack(create_model("protopnet_small8"), torch.rand(2, 1, 8, 8), torch.tensor([0, 1]), 0.5)
    with pytest.raises(CertificateError, match="not a metric"):
        verify_certificates(create_model("rbf_shallow8", distance="squared_euclidean"),
                            (torch.rand(2, 1, 8, 8), torch.tensor([0, 1])))


def test_a_two_class_model_is_verified_with_a_loss_that_fits_it():
    """DLR needs three classes: a user's two-class robust CBC is attacked with cross-entropy only."""
    from datamodules.base import DataSpec

    spec = DataSpec(name="two", input_shape=(1, 8, 8), num_classes=2, class_names=["no", "yes"])
    model = create_model("robust_cbc_shallow8", spec=spec).eval()
    x, y = torch.rand(6, 1, 8, 8), torch.tensor([0, 1] * 3)
    result = verify_certificates(model, (x, y), (0.5,), max_iter=5)
    assert result["losses"] == ["cross_entropy"] and result["violations"] == 0


def test_certified_radius_of_a_model_without_certificates_is_a_certificate_error():
    with pytest.raises(CertificateError, match="gives no certified radius"):
        create_model("protopnet_small8").certified_radius(torch.rand(1, 1, 8, 8))
