"""Certified and empirical robustness of models that certify their predictions (``certified_radius``).

Certified robust accuracy at radius eps: the share of inputs that are classified correctly and certified at
least eps far. The certificates are checked empirically with a strong L2 attack from a maintained library:
Auto-PGD (Croce & Hein, ICML 2020, the attacks of AutoAttack) from the Adversarial Robustness Toolbox, with its
cross-entropy and its DLR loss. A certificate is violated when an attack inside eps changes the prediction of
an input certified at least eps far; ``verify_certificates`` counts those (it must be zero).

(torchattacks, the library the issue names, pins ``requests~=2.25.1`` and so ``idna<3``, which cannot be
installed beside huggingface_hub's ``idna>=3``; the Adversarial Robustness Toolbox has the same Auto-PGD.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from datamodules.batch import as_batch

from .base import CertificateError, evaluating  # noqa: F401 (CertificateError: its old home)


def check_certifiable(model, norm: str = "l2") -> None:
    """Raise ``CertificateError`` unless ``model`` certifies its predictions in ``norm``."""
    refusal = model.certificate_refusal(norm)
    if refusal:
        raise CertificateError(f"{model.variant or type(model).__name__}: {refusal}: nothing to verify with an attack")


class _LogProbabilities(nn.Module):
    """The model's class probabilities as log-scores, the logits the attack losses expect."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs = self.model(x)
        return outputs if self.model.output == "logit" else outputs.clamp_min(1e-30).log()


def apgd_attack(model, x: torch.Tensor, y: torch.Tensor, eps: float, loss: str = "cross_entropy",
                max_iter: int = 100, restarts: int = 1, batch_size: int = 256, seed: int = 0) -> torch.Tensor:
    """Auto-PGD (L2, untargeted) adversarial inputs within ``eps`` of ``x``, clipped to [0, 1]."""
    from art.attacks.evasion import AutoProjectedGradientDescent
    from art.estimators.classification import PyTorchClassifier

    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps}")
    check_certifiable(model)
    with evaluating(model):
        classifier = PyTorchClassifier(model=_LogProbabilities(model), loss=nn.CrossEntropyLoss(),
                                       input_shape=tuple(model.spec.input_shape), nb_classes=model.num_classes,
                                       clip_values=(0.0, 1.0), device_type="cpu")
        attack = AutoProjectedGradientDescent(classifier, norm=2, eps=float(eps), eps_step=2 * float(eps),
                                              max_iter=max_iter, targeted=False, nb_random_init=restarts,
                                              batch_size=batch_size, loss_type=loss, verbose=False)
        np.random.seed(seed)
        adversarial = attack.generate(x.detach().cpu().numpy().astype(np.float32),
                                      y=np.eye(model.num_classes, dtype=np.float32)[y.cpu().numpy()])
    return torch.from_numpy(adversarial).to(x.dtype)


@torch.no_grad()
def _predict(model, x: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
    with evaluating(model):
        return torch.cat([model(x[i : i + batch_size]).argmax(1) for i in range(0, len(x), batch_size)])


def verify_certificates(model, data: Any, eps_list=(0.5, 1.0, 1.58), losses=("cross_entropy",
                        "difference_logits_ratio"), max_iter: int = 100, restarts: int = 1,
                        limit: int | None = None) -> dict[str, Any]:
    """Certified and empirical (Auto-PGD) robust accuracy at each radius, and the number of certificate
    violations (an input certified at >= eps that an attack within eps misclassifies; must be 0).

    ``data``: a dataloader of batches, or an ``(x, y)`` pair. The attack counts as succeeding on an input when
    any of ``losses`` does."""
    check_certifiable(model)
    if isinstance(data, (tuple, list)) and len(data) == 2 and isinstance(data[0], torch.Tensor):
        x, y = data
    else:
        batches = [as_batch(b) for b in data]
        x, y = torch.cat([b.inputs for b in batches]), torch.cat([b.targets for b in batches])
    if limit is not None:
        x, y = x[:limit], y[:limit]
    with evaluating(model), torch.no_grad():
        radius = torch.cat([model.certified_radius(x[i : i + 512]) for i in range(0, len(x), 512)])
    correct = _predict(model, x) == y
    if model.num_classes < 3:  # the DLR loss needs a third-highest class: with two, cross-entropy alone
        losses = tuple(loss for loss in losses if loss != "difference_logits_ratio") or ("cross_entropy",)
    result: dict[str, Any] = {"inputs": len(x), "accuracy": float(correct.float().mean()), "eps": {},
                              "losses": list(losses)}
    for eps in eps_list:
        certified = correct & (radius >= eps)
        robust = correct.clone()
        for loss in losses:
            adversarial = apgd_attack(model, x, y, eps, loss=loss, max_iter=max_iter, restarts=restarts)
            assert float((adversarial - x).flatten(1).norm(dim=1).max()) <= eps * (1 + 1e-4) + 1e-6
            robust &= _predict(model, adversarial) == y
        result["eps"][f"{eps:g}"] = {
            "certified_accuracy": float(certified.float().mean()),
            "empirical_robust_accuracy": float(robust.float().mean()),
            "violations": int((certified & ~robust).sum()),
        }
    result["violations"] = sum(v["violations"] for v in result["eps"].values())
    return result
