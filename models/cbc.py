"""Classification-by-Components, shallow: components in input space, with a certified L2 radius for every
prediction.

Papers: Saralajew, Holdijk, Rees, Asan, Villmann, "Classification-by-Components: Probabilistic Modeling of
Reasoning over a Set of Components", NeurIPS 2019 (the original CBC); Saralajew, Rana, Villmann, Shaker, "A
Robust Prototype-Based Network with Interpretable RBF Classifier Foundations", AAAI 2025 (stable / robust CBC,
the RBF view and the robustness theorem). Reference code read: ``saralajew/cbc_networks`` (Keras) and
``nec-research/enlaight`` (shallow models and certificates, Lightning).

    x (raw pixels in [0, 1], flattened) ── distance to K components w_k ──▶ d_k(x) = exp(-||x - w_k|| / sigma_k)
      ── reasoning over components, per reasoning concept m (``reasoning_per_class`` per class) ──▶
      p_m(x) = sum_k [ d_k r+_km + (1 - d_k) r-_km ] = d @ (r+ - r-) + sum_k r-_km
      ── class probability: the best of the class's reasoning concepts ──▶ p_c(x) = max_{m of c} p_m(x)

The three reasoning forms (``reasoning``):
  ``cbc``     NeurIPS 2019: per (component, concept) positive, negative and indefinite requiredness
              (q+ = q_0, q- = (1 - q_0) q_1, q0 = 1 - q+ - q-, a "breaking chopstick" code kept in [0, 1]);
              the agreement p_m = sum_k pi_k [d_k q+ + (1 - d_k) q-] / sum_k pi_k (q+ + q-) (Eq. 4 of the
              paper, pi the optional component prior). So r+ = pi q+ / Z and r- = pi q- / Z.
  ``stable``  AAAI 2025: no indefinite reasoning; per concept r+ and r- form one distribution over the 2K
              (component, sign) pairs: a softmax over dim 0 of a (2K, M) tensor.
  ``rbf``     positive reasoning only (r- = 0): p_m = sum_k r+_km d_k with r+ a softmax over components, the
              normalised RBF network the AAAI paper shows most deep prototype networks to be.

Losses (``loss``): ``margin`` relu(max_{c != y} p_c - p_y + m) (NeurIPS 2019 Eq. 6, m = 0.3); ``robust`` the
robustness-optimising loss relu(m_r - r_y(x)) with r_y the certified radius below for the true class (AAAI 2025;
negative for a misclassified input, m_r = 1.58 on MNIST); ``cross_entropy`` on the outputs as logits (enlaight's
RBF baseline).

The certificate (AAAI 2025, Theorem 1, as read in enlaight ``robust_stable_cbc_loss``; derived again here). With
a non-squared Euclidean distance, moving x by delta (||delta||_2 <= eps) changes every distance by at most eps
(triangle inequality), so every detection is scaled by a factor in [1/t, t], t = exp(eps / sigma_min). For the
predicted concept i and another concept j, p_i - p_j = P - N + b with P = d.(r+_i + r-_j) >= 0,
N = d.(r-_i + r+_j) >= 0 and b = sum_k (r-_ki - r-_kj); in the worst case it becomes P / t - N t + b, positive
while t < q_ij = (b + sqrt(b^2 + 4 N P)) / (2 N). The radius is

    r(x) = sigma_min * ln( min_{j not of class y} max_{i of class y} q_ij ),

and no input within r of x changes the predicted class. For ``rbf`` (b = 0) it is the paper's
r = sigma_min / 2 * ln(p_y / max_{k != y} p_k). enlaight notes that this RBF form "only works for one sample per
class": it needs one output (reasoning concept) per class, a class's probability being one non-negative mixture
of detections; the variants here keep ``reasoning_per_class=1`` for ``rbf``, and with several concepts per class
the min-max form above is used, which holds for any number. The bound holds for the original CBC too: its
normalised agreement is a stable-CBC reasoning with r+ = pi q+ / Z, r- = pi q- / Z (our extension of Theorem 1;
the attack test checks it like the others). It does not hold for a squared distance or a cosine detection, nor
for another norm: ``certified_radius`` refuses those with the reason (``CertificateError``).

Inputs are not normalised: the components live in the raw [0, 1] pixel space, so the radius is in the units the
attacks and the paper's epsilons (0.5, 1, 1.58 on MNIST) use.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torchmetrics import MeanMetric, MetricCollection

from configs.validation import Count, Depth, Epochs, NonNegative, Positive, Probability

from .base import Decomposition, InputError, InterpretableModel, evaluating
from .explanation import CertificateSection, GlobalExplanation, GlobalUnit, ReasoningSection, SourceRef, UnitScore
from .registry import register_model
from .robustness import CertificateError

REASONINGS = ("cbc", "stable", "rbf")
LOSSES = ("margin", "robust", "cross_entropy")
DISTANCES = ("euclidean", "squared_euclidean", "cosine")
CERTIFIED_EPS = (0.5, 1.0, 1.58)  # the AAAI paper's L2 radii on MNIST


def eps_name(eps: float) -> str:
    return f"certified_acc_eps{eps:g}".replace(".", "_")


REASONING_LISTED = 64  # a record lists every component's reasoning up to this many components, else the strongest
OUTPUT_LABEL = "agreement"  # p_c is how well the detections agree with class c's reasoning; no distribution


def reasoning_sections(form: str, detections: torch.Tensor, explained: tuple[torch.Tensor, ...],
                       runner_up: tuple[torch.Tensor, ...], concepts: tuple[torch.Tensor, torch.Tensor] | None = None,
                       ) -> list[dict[str, ReasoningSection]]:
    """One ``ReasoningSection`` per row: ``detections`` (B, K); ``explained`` / ``runner_up`` the (B, K) positive,
    negative (and, for the original CBC, indefinite) reasoning of each row's explained class and runner-up;
    ``concepts`` their winning reasoning concepts (B,). With more than ``REASONING_LISTED`` components, the
    components with the largest part in the explained output or in the margin are listed."""
    d = detections.detach().double().cpu()
    ours, theirs = [[t.detach().double().cpu() for t in side] for side in (explained, runner_up)]
    part = d * ours[0] + (1 - d) * ours[1]  # each component's part in the agreement (Eq. 4)
    margin = part - (d * theirs[0] + (1 - d) * theirs[1])
    K, half = d.shape[1], REASONING_LISTED // 2
    sections = []
    for n in range(len(d)):
        if K <= REASONING_LISTED:
            units = list(range(K))
        else:
            units = sorted({*part[n].abs().topk(half).indices.tolist(), *margin[n].abs().topk(half).indices.tolist()})

        def pick(t: torch.Tensor | None, n: int = n, units: list[int] = units) -> list[float] | None:
            return None if t is None else t[n, units].tolist()

        sections.append({"reasoning": ReasoningSection(
            form=form, units=units, detection=pick(d), positive=pick(ours[0]), negative=pick(ours[1]),
            runner_up_positive=pick(theirs[0]), runner_up_negative=pick(theirs[1]),
            indefinite=pick(ours[2] if len(ours) > 2 else None),
            runner_up_indefinite=pick(theirs[2] if len(theirs) > 2 else None),
            concept=None if concepts is None else int(concepts[0][n]),
            runner_up_concept=None if concepts is None else int(concepts[1][n]))})
    return sections


def reasoning_axes(unit_names: list[str], class_names: list[str], concept_classes: list[int]) -> dict[str, Any]:
    """The rows and columns of a (components x reasoning concepts) matrix, named for the global page."""
    per_class = len(concept_classes) // max(1, len(class_names))
    columns = [str(class_names[c]) if per_class == 1 else f"{class_names[c]} ({m % per_class + 1})"
               for m, c in enumerate(concept_classes)]
    title = "classes" if per_class == 1 else f"reasoning concepts of the classes ({per_class} each)"
    return {"rows": list(unit_names), "columns": columns, "row_title": "components", "column_title": title}


def radius_factor(pos_i: torch.Tensor, neg_i: torch.Tensor, beta_i: torch.Tensor, pos_j: torch.Tensor,
                  neg_j: torch.Tensor, beta_j: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """q_ij of the robustness theorem from per-concept parts pos = d.r+, neg = d.r-, beta = sum_k r- (broadcast
    over i and j): with P_ij = pos_i + neg_j, N_ij = neg_i + pos_j and b_ij = beta_i - beta_j, the worst-case gap
    P / t - N t + b stays positive for 1 <= t < q_ij = (b + sqrt(b^2 + 4 N P)) / (2 N). q_ij = inf where N = 0 and
    the gap cannot close; q_ij <= 1 where concept i does not beat j now."""
    helps, hurts, b = pos_i + neg_j, neg_i + pos_j, beta_i - beta_j
    root = torch.sqrt((b * b + 4 * hurts * helps).clamp_min(eps))
    q = (b + root) / (2 * hurts.clamp_min(eps))
    return torch.where(hurts > eps, q, torch.where(helps + b > 0, torch.full_like(q, math.inf), q))


def pairwise_radius_factor(detections: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor,
                           eps: float = 1e-12) -> torch.Tensor:
    """q_ij for every pair of reasoning concepts: (B, M, M), row i (the concept that should win), column j
    (its rival). ``detections`` (B, K), ``positive`` / ``negative`` reasoning (K, M)."""
    dp, dn, beta = detections @ positive, detections @ negative, negative.sum(0)
    return radius_factor(dp.unsqueeze(2), dn.unsqueeze(2), beta.view(1, -1, 1), dp.unsqueeze(1), dn.unsqueeze(1),
                         beta.view(1, 1, -1), eps)


def certified_radius_from(detections: torch.Tensor | None, positive: torch.Tensor, negative: torch.Tensor,
                          concept_classes: torch.Tensor, classes: torch.Tensor, sigma_min: torch.Tensor,
                          clamp: bool = True, parts: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
    """(B,) sigma_min * ln(min_{j not of c} max_{i of c} q_ij) for class ``classes[b]``: the L2 radius within
    which class c keeps the highest probability. Negative when c does not win now (``clamp``: 0 then). Only the
    pairs (concept of c, any concept) are formed: (B, concepts per class, M). ``parts``: (d @ r+, d @ r-) as the
    forward pass computed them (then ``detections`` is not used)."""
    dp, dn = (detections @ positive, detections @ negative) if parts is None else parts
    beta = negative.sum(0)  # (M,)
    per_class = len(concept_classes) // (int(concept_classes[-1]) + 1)  # concepts are grouped by class
    own_index = classes.unsqueeze(1) * per_class + torch.arange(per_class, device=classes.device)  # (B, R)
    pos_i, neg_i, beta_i = (t.unsqueeze(2) for t in (dp.gather(1, own_index), dn.gather(1, own_index),
                                                     beta[own_index]))
    helps, hurts, b = pos_i + dn.unsqueeze(1), neg_i + dp.unsqueeze(1), beta_i - beta  # (B, R, M)
    eps = 1e-12
    if bool((hurts > eps).all()):  # the usual case: radius_factor's formula without its N = 0 branches
        q = (b + torch.addcmul(b * b, hurts, helps, value=4).clamp_min(eps).sqrt()) / (2 * hurts)
    else:
        q = radius_factor(pos_i, neg_i, beta_i, dp.unsqueeze(1), dn.unsqueeze(1), beta.view(1, 1, -1), eps)
    best_own = q.amax(dim=1)  # (B, M): max over the class's concepts i
    own = concept_classes.unsqueeze(0) == classes.unsqueeze(1)
    worst = best_own.masked_fill(own, math.inf).amin(dim=1)  # min over rivals j not of c
    radius = sigma_min * torch.log(worst.clamp_min(1e-30))
    return radius.clamp_min(0) if clamp else radius


def rbf_certified_radius(detections: torch.Tensor | None, positive: torch.Tensor, classes: torch.Tensor,
                         sigma_min: torch.Tensor, clamp: bool = True,
                         probabilities: torch.Tensor | None = None) -> torch.Tensor:
    """(B,) the RBF's closed form sigma_min / 2 * ln(p_c / max_{k != c} p_k), one output per class and r- = 0:
    what ``certified_radius_from`` gives there (b = 0, q = sqrt(p_i / p_j)), in a few operations.
    ``probabilities``: p = d @ r+ as the forward pass computed it (then ``detections`` is not used)."""
    p = detections @ positive if probabilities is None else probabilities  # (B, C)
    own = p.gather(1, classes.unsqueeze(1)).squeeze(1)
    rival = p.scatter(1, classes.unsqueeze(1), -math.inf).max(1).values
    radius = torch.nan_to_num(sigma_min / 2 * (torch.log(own) - torch.log(rival)), nan=0.0)
    return radius.clamp_min(0) if clamp else radius


class ShallowCBC(InterpretableModel):
    """CBC with components in input space (original, stable / robust, RBF); see the module docstring."""

    kind = "component"
    output = "probability"
    output_label = OUTPUT_LABEL
    output_is_distribution = False  # each p_c is in [0, 1]; over the classes they sum to far more than 1
    unit_score = UnitScore(
        name="detection", about="A component's detection is d = exp(-||x - w|| / sigma), the probability that it "
        "is detected in the input: 1 at the component itself, falling with the Euclidean distance. A class's "
        "agreement adds, over the components, d r+ + (1 - d) r-: its positive reasoning r+ counts where the "
        "component is detected, its negative reasoning r- where it is not.")

    def __init__(
        self,
        spec: dict[str, Any],
        reasoning: str = "stable",
        loss: str = "margin",
        num_components: Count | None = 20,
        reasoning_per_class: Depth = 1,
        distance: str = "euclidean",
        sigma_init: Positive = 58.0,
        trainable_sigma: bool = True,
        component_prior: bool = False,
        margin: NonNegative = 0.3,
        robust_margin: NonNegative = 1.58,
        lr: NonNegative = 5e-3,
        certify_eps: list[NonNegative] | None = None,
        sigma_eps: Positive = 1e-7,
    ):
        # metrics() runs inside the base constructor and needs the radii
        self.certify_eps = tuple(CERTIFIED_EPS if certify_eps is None else certify_eps)
        self._certifiable = distance == "euclidean"
        super().__init__(spec)
        self.save_hyperparameters()
        if reasoning not in REASONINGS:
            raise ValueError(f"reasoning must be one of {REASONINGS}, got {reasoning!r}")
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
        if distance not in DISTANCES:
            raise ValueError(f"distance must be one of {DISTANCES}, got {distance!r}")
        if num_components < 1 or reasoning_per_class < 1:
            raise ValueError("need num_components >= 1 and reasoning_per_class >= 1")
        if loss == "robust" and not self.certifiable:
            raise ValueError(f"the robust loss is the certified radius, which needs the non-squared Euclidean "
                             f"distance; got distance={distance!r}")
        if not self.spec.is_image and self.spec.task != "vector_classification":
            raise ValueError(f"shallow CBC takes images or vectors, not {self.spec.task!r} data")
        features = math.prod(self.spec.input_shape)
        K, M = num_components, self.num_classes * reasoning_per_class
        # enlaight's initialisation: components uniform in [0.45, 0.55], kept in [0, 1] (the pixel range)
        self.components = nn.Parameter(torch.rand(K, features) / 10 + 0.45)
        self.sigma = nn.Parameter(torch.full((K,), float(sigma_init)), requires_grad=trainable_sigma)
        self.register_buffer("concept_classes", torch.arange(M) // reasoning_per_class, persistent=False)
        if reasoning == "cbc":
            # q (2, K, M) in [0, 1]: q_0 positive requiredness, q_1 the share of the rest that is negative
            self.requiredness = nn.Parameter(0.6 - 0.2 * torch.rand(2, K, M))
            self.component_prior_logits = nn.Parameter(torch.zeros(K), requires_grad=component_prior)
        elif reasoning == "stable":
            requiredness = 0.6 - 0.2 * torch.rand(K, M)
            prior = torch.softmax(torch.rand(K, M), dim=0)
            joint = torch.cat([prior * requiredness, prior * (1 - requiredness)])  # (2K, M), columns sum to 1
            self.reasoning_logits = nn.Parameter(joint.log())
        else:
            self.rbf_weights = nn.Parameter(torch.empty(M, K))
            nn.init.xavier_uniform_(self.rbf_weights)
        if not self.certify_eps or not all(eps > 0 for eps in self.certify_eps):
            raise ValueError(f"certify_eps must be positive radii, got {list(self.certify_eps)}")
        if loss == "robust":  # a robust model is chosen on certified accuracy at the middle radius
            self.selection_metric = f"val/{eps_name(sorted(self.certify_eps)[len(self.certify_eps) // 2])}"

    # ---- components, detections, reasoning ---------------------------------------------------------------
    @property
    def certifiable(self) -> bool:
        return self._certifiable

    @property
    def num_concepts(self) -> int:
        return self.num_classes * self.hparams.reasoning_per_class

    def sigmas(self) -> torch.Tensor:
        """(K,) positive temperatures: |sigma| + eps (enlaight's trainable sigma)."""
        return self.sigma.abs() + self.hparams.sigma_eps

    def distances(self, x: torch.Tensor) -> torch.Tensor:
        """(B, K) distance of every flattened input to every component (exact, not the matmul shortcut)."""
        flat = x.flatten(1).to(self.components.dtype)
        if self.hparams.distance == "cosine":
            return 1 - F.normalize(flat, dim=1) @ F.normalize(self.components, dim=1).t()
        distance = torch.cdist(flat, self.components, compute_mode="donot_use_mm_for_euclid_dist")
        return distance * distance if self.hparams.distance == "squared_euclidean" else distance

    def detections(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(detection probabilities d (B, K), distances (B, K)). exp(-distance / sigma), or for the cosine
        detection of the NeurIPS paper relu(cosine similarity)."""
        distances = self.distances(x)
        if self.hparams.distance == "cosine":
            return F.relu(1 - distances), distances
        return torch.exp(-distances / self.sigmas()), distances

    def reasoning_probabilities(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(r+ (K, M), r- (K, M)) such that p_m = sum_k d_k r+_km + (1 - d_k) r-_km."""
        form = self.hparams.reasoning
        if form == "cbc":
            q = self.requiredness
            positive, negative = q[0], (1 - q[0]) * q[1]
            prior = torch.softmax(self.component_prior_logits, 0).unsqueeze(1)  # (K, 1); uniform cancels
            norm = (prior * (positive + negative)).sum(0, keepdim=True) + 1e-7
            return prior * positive / norm, prior * negative / norm
        if form == "stable":
            joint = torch.softmax(self.reasoning_logits, dim=0)
            K = self.hparams.num_components
            return joint[:K], joint[K:]
        positive = torch.softmax(self.rbf_weights, dim=1).t()
        return positive, torch.zeros_like(positive)

    def requiredness_probabilities(self) -> dict[str, torch.Tensor]:
        """The reasoning as the paper shows it, per (component, concept): positive, negative (and indefinite for
        the original CBC) requiredness, and the component prior (K, M) they are weighted by."""
        with torch.no_grad():
            positive, negative = self.reasoning_probabilities()
            if self.hparams.reasoning == "cbc":
                q = self.requiredness
                q_pos, q_neg = q[0], (1 - q[0]) * q[1]
                return {"positive": q_pos, "negative": q_neg, "indefinite": 1 - q_pos - q_neg,
                        "component_prior": torch.softmax(self.component_prior_logits, 0)}
            prior = positive + negative
            safe = prior.clamp_min(1e-30)
            return {"positive": positive / safe, "negative": negative / safe, "component_prior": prior}

    def concept_probabilities(self, detections: torch.Tensor) -> torch.Tensor:
        """(B, M) p_m = d @ (r+ - r-) + sum_k r- (AAAI 2025; NeurIPS 2019 Eq. 4 normalised)."""
        positive, negative = self.reasoning_probabilities()
        return detections @ (positive - negative) + negative.sum(0)

    def class_probabilities(self, concept_probabilities: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, C) the best concept of every class, and (B, C) which concept it was."""
        B, rpc = len(concept_probabilities), self.hparams.reasoning_per_class
        per_class = concept_probabilities.view(B, self.num_classes, rpc)
        best, which = per_class.max(dim=2)
        return best, which + torch.arange(self.num_classes, device=which.device).unsqueeze(0) * rpc

    def decompose(self, x: torch.Tensor, certify: bool = False) -> Decomposition:
        """p_c = sum_k contribution_k: each component's positive agreement d_k r+ plus its negative agreement
        (1 - d_k) r- in the class's winning concept. Exact; no bias. ``certify``: also the certified L2 radius of
        every prediction (``extras["certified_radius"]``), from the parts d @ r+ and d @ r- this pass computes
        anyway (closed form, no second pass; refused with ``CertificateError`` where no certificate holds)."""
        if certify and self.certificate_refusal():
            raise CertificateError(self.certificate_refusal())
        detections, distances = self.detections(x)
        positive, negative = self.reasoning_probabilities()
        dp, dn = detections @ positive, detections @ negative  # (B, M): the certificate's P and N parts
        concepts = dp - dn + negative.sum(0)  # (B, M)
        probabilities, winners = self.class_probabilities(concepts)
        pos_w, neg_w = positive.t()[winners], negative.t()[winners]  # (B, C, K)
        contributions = detections.unsqueeze(1) * pos_w + (1 - detections).unsqueeze(1) * neg_w
        extras = {"distances": distances, "concepts": concepts, "winners": winners, "positive": pos_w,
                  "negative": neg_w, "inputs": x, "parts": (dp, dn)}
        if certify:
            extras["certified_radius"] = self._radius(detections, probabilities.argmax(1), True, parts=(dp, dn),
                                                      reasoning=(positive, negative))
        return Decomposition(probabilities, scores=detections, contributions=contributions,
                             bias=probabilities.new_zeros(self.num_classes), output="probability", extras=extras)

    # ---- the certificate ---------------------------------------------------------------------------------
    def certificate_refusal(self, norm: str = "l2") -> str | None:
        """Why no certificate holds for this model and norm (None: it holds)."""
        if norm.lower() not in ("l2", "2"):
            return (f"the certified radius is an L2 bound (the Euclidean triangle inequality); no {norm!r} "
                    f"certificate is derived for CBC")
        if self.hparams.distance == "squared_euclidean":
            return ("a squared Euclidean distance is not a metric (no triangle inequality): the certificate "
                    "needs distance='euclidean'")
        if self.hparams.distance == "cosine":
            return "a cosine detection is not exp(-distance / sigma) of a metric: no certificate for it"
        return None

    def certified_radius(self, x: torch.Tensor, classes: torch.Tensor | None = None, norm: str = "l2",
                         clamp: bool = True) -> torch.Tensor:
        """(B,) L2 radius around each input within which ``classes`` (default: the prediction) keeps the highest
        probability; 0 where that class does not win now (``clamp=False``: the negative value). Refused with
        ``CertificateError`` for a model or norm it does not hold for."""
        refusal = self.certificate_refusal(norm)
        if refusal:
            raise CertificateError(refusal)
        x = self.check_input(x)
        detections, _ = self.detections(x)
        return self._radius(detections, classes, clamp)

    def _radius(self, detections: torch.Tensor, classes: torch.Tensor | None, clamp: bool,
                parts: tuple[torch.Tensor, torch.Tensor] | None = None,
                reasoning: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
        """The radius from the detections, or from the parts (d @ r+, d @ r-) and reasoning (r+, r-) a forward
        pass already computed: only (B, M)-sized work is left then, in float64."""
        positive, negative = self.reasoning_probabilities() if reasoning is None else reasoning
        if parts is None:
            parts = (detections @ positive, detections @ negative)
        if classes is None:
            classes = self.class_probabilities(parts[0] - parts[1] + negative.sum(0))[0].argmax(1)
        sigma_min = self.sigmas().min().double()
        dtype = parts[0].dtype
        if self.hparams.reasoning == "rbf" and self.hparams.reasoning_per_class == 1:
            return rbf_certified_radius(None, positive, classes, sigma_min, clamp,
                                        probabilities=parts[0].double()).to(dtype)
        return certified_radius_from(None, positive, negative.double(), self.concept_classes, classes, sigma_min,
                                     clamp, parts=(parts[0].double(), parts[1].double())).to(dtype)

    def release_checks(self, directory, datamodule, limit: int = 200) -> dict[str, Any]:
        """The explanation metrics and OOD AUROC (``models.evaluation``); and the certificates checked with
        Auto-PGD (L2; CE and DLR losses) on the first ``limit`` test inputs: certified and empirical robust
        accuracy per radius, and violations (must be 0)."""
        from .evaluation import release_evaluation

        checks = release_evaluation(self, datamodule)
        if self.certifiable:
            from .robustness import verify_certificates

            datamodule.setup("test")
            checks["attack_verification"] = verify_certificates(self, datamodule.eval_dataloader("test"),
                                                                self.certify_eps, limit=limit)
        return checks

    # ---- training -------------------------------------------------------------------------------------------
    def loss_terms(self, batch, output: Decomposition) -> dict[str, torch.Tensor]:
        targets, p = batch.targets, output.outputs
        form = self.hparams.loss
        if form == "margin":
            return {"margin": margin_loss(p, targets, self.hparams.margin).mean()}
        if form == "cross_entropy":
            return {"cross_entropy": F.cross_entropy(p, targets)}
        radius = self._radius(output.scores, targets, clamp=False, parts=output.extras.get("parts"))
        return {"robust": F.relu(self.hparams.robust_margin - radius).mean()}

    def evaluation_loss(self, batch, output: Decomposition) -> torch.Tensor:
        return self.total_loss(self.loss_terms(batch, output))

    def metrics(self) -> MetricCollection:
        metrics = super().metrics()
        if self.certifiable:
            metrics.add_metrics({eps_name(eps): MeanMetric() for eps in self.certify_eps})
        return metrics

    def update_metrics(self, metrics: MetricCollection, output: Decomposition, batch) -> None:
        """Accuracy; and certified robust accuracy at each radius: correct and certified at least that far."""
        metrics["acc"].update(output.outputs.detach().float(), batch.targets)
        if not self.certifiable:
            return
        with torch.no_grad():
            correct = output.outputs.argmax(1) == batch.targets
            parts = output.extras.get("parts")
            radius = self._radius(output.scores.detach(), batch.targets, clamp=True,
                                  parts=None if parts is None else tuple(t.detach() for t in parts))
        for eps in self.certify_eps:
            metrics[eps_name(eps)].update((correct & (radius >= eps)).float())

    def configure_optimizers(self):
        return torch.optim.Adam([p for p in self.parameters() if p.requires_grad], lr=self.hparams.lr)

    def on_train_batch_end(self, outputs, batch, batch_idx) -> None:
        """Projected gradient descent, as the papers' code: components stay in the pixel range [0, 1] and the
        original CBC's requiredness code in [0, 1]."""
        with torch.no_grad():
            self.components.clamp_(0, 1)
            if self.hparams.reasoning == "cbc":
                self.requiredness.clamp_(0, 1)

    @torch.no_grad()
    def init_components(self, images: torch.Tensor) -> None:
        """Set the components to given inputs (e.g. class means), checked against the model's input shape."""
        expected = (self.hparams.num_components, *self.spec.input_shape)
        if not isinstance(images, torch.Tensor) or tuple(images.shape) != expected:
            got = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
            raise InputError(f"components for this model are {expected} (num_components, *input_shape of "
                             f"{self.spec.name!r}), got {got}")
        self.components.copy_(images.flatten(1).clamp(0, 1))

    # ---- explanations --------------------------------------------------------------------------------------
    def unit_names(self) -> list[str]:
        return [f"component {k}" for k in range(self.hparams.num_components)]

    def explanation_sections(self, decomposition: Decomposition, batch, classes: torch.Tensor) -> list[dict]:
        # unit_details needs the explained class and the runner-up: the record builder calls this first
        probabilities = decomposition.outputs.detach()
        runner_up = probabilities.scatter(1, classes.unsqueeze(1), -math.inf).argmax(1)
        decomposition.extras["explained"] = classes
        decomposition.extras["runner_up"] = runner_up
        reasoning = self.reasoning_of(decomposition, classes, runner_up)
        if not self.certifiable:
            reason = self.certificate_refusal()
            for_rows = [{"extras": {"certificate": f"none: {reason}"}, **r} for r in reasoning]
            return for_rows
        radius = decomposition.extras.get("certified_radius")
        if radius is None:
            parts = decomposition.extras.get("parts")
            radius = self._radius(decomposition.scores.detach(), probabilities.argmax(1), clamp=True,
                                  parts=None if parts is None else tuple(t.detach() for t in parts))
        assumption = ("non-squared Euclidean distance in the raw input space, detections exp(-d / sigma), "
                      f"sigma_min = {float(self.sigmas().min()):.6g} (Saralajew et al. 2025, Thm. 1)")
        return [{"certificate": CertificateSection(radius=float(r), norm="l2", assumption=assumption), **reasons}
                for r, reasons in zip(radius.tolist(), reasoning)]

    def reasoning_of(self, decomposition: Decomposition, classes: torch.Tensor,
                     runner_up: torch.Tensor) -> list[dict[str, ReasoningSection]]:
        """Each row's reasoning over the components for its explained class and the runner-up (their winning
        reasoning concepts): r+, r- and, for the original CBC, the indefinite share pi q0 / Z (which adds
        nothing to p)."""
        extras, rows = decomposition.extras, torch.arange(len(classes), device=classes.device)
        sides, concepts = [], []
        for chosen in (classes, runner_up):
            concept = extras["winners"][rows, chosen]  # (B,)
            side = [extras["positive"][rows, chosen], extras["negative"][rows, chosen]]
            if self.hparams.reasoning == "cbc":
                side.append(self.indefinite_reasoning().t()[concept])
            sides.append(tuple(side))
            concepts.append(concept)
        return reasoning_sections(self.hparams.reasoning, decomposition.scores, sides[0], sides[1],
                                  (concepts[0], concepts[1]) if self.hparams.reasoning_per_class > 1 else None)

    def indefinite_reasoning(self) -> torch.Tensor | None:
        """(K, M) the original CBC's indefinite reasoning on the scale of r+ and r-: pi q0 / Z, the part of a
        component's share of a concept's reasoning that says the component does not matter (NeurIPS 2019: it is
        left out of the agreement). None for the stable and RBF forms, which have none."""
        if self.hparams.reasoning != "cbc":
            return None
        q = self.requiredness
        positive, negative = q[0], (1 - q[0]) * q[1]
        prior = torch.softmax(self.component_prior_logits, 0).unsqueeze(1)
        norm = (prior * (positive + negative)).sum(0, keepdim=True) + 1e-7  # as reasoning_probabilities
        return prior * (1 - positive - negative) / norm

    def unit_details(self, decomposition: Decomposition, row: int, units: list[int]) -> list[dict[str, Any]]:
        """Each component's detection and distance, its positive / negative reasoning for the explained class
        (its winning concept) and for the runner-up, and its positive / negative agreement."""
        extras = decomposition.extras
        explained = int(extras["explained"][row]) if "explained" in extras else int(decomposition.outputs[row].argmax())
        runner = int(extras["runner_up"][row]) if "runner_up" in extras else explained
        positive, negative = extras["positive"][row], extras["negative"][row]  # (C, K)
        detections = decomposition.scores[row]
        details = []
        for k in units:
            d = float(detections[k])
            details.append({
                "detection": d, "distance": float(extras["distances"][row, k]),
                "concept": int(extras["winners"][row, explained]),
                "positive_reasoning": float(positive[explained, k]),
                "negative_reasoning": float(negative[explained, k]),
                "positive_agreement": d * float(positive[explained, k]),
                "negative_agreement": (1 - d) * float(negative[explained, k]),
                "runner_up": runner, "runner_up_positive_reasoning": float(positive[runner, k]),
                "runner_up_negative_reasoning": float(negative[runner, k]),
            })
        return details

    def unit_maps(self, decomposition: Decomposition, row: int, units: list[int]) -> dict[int, Any]:
        """Where on the input each component is matched: per pixel, ||0 - w_k||^2 - ||x - w_k||^2 restricted to
        that pixel, x (2 w_k - x) summed over channels, how much closer the pixel brings the input to the
        component than a black pixel would. The maps add up to ||w_k||^2 - ||x - w_k||^2 exactly (the Euclidean
        distance's square; for the cosine detection the same map is only indicative). Images only."""
        if not self.spec.is_image:
            return {}
        x = decomposition.extras["inputs"][row].flatten().to(self.components.dtype)
        shape = self.spec.input_shape
        maps = (x * (2 * self.components[units] - x)).view(len(units), *shape).sum(1)  # (k, H, W)
        return dict(zip(units, maps.detach().float().cpu().numpy()))

    def global_explanation(self) -> GlobalExplanation:
        """The components as images and the reasoning matrices (per component and concept)."""
        positive, negative = (t.detach().cpu() for t in self.reasoning_probabilities())
        shape = self.spec.input_shape
        images = self.components.detach().cpu().clamp(0, 1)
        units = []
        for k in range(self.hparams.num_components):
            image = images[k].view(shape).permute(1, 2, 0).numpy() if self.spec.is_image else None
            # p_c is affine in d_k with slope r+ - r-: the read-out weight of a detection, one per class only
            # with one reasoning concept per class (with several, p_c is their max)
            per_class = self.hparams.reasoning_per_class == 1
            weights = (positive[k] - negative[k]).tolist() if per_class else None
            units.append(GlobalUnit(
                index=k, name=self.unit_name(k), role="component", weights=weights,
                image=image, details={"sigma": float(self.sigmas()[k].detach()),
                                      "positive_reasoning": positive[k].tolist(),
                                      "negative_reasoning": negative[k].tolist()}))
        matrices = {"positive_reasoning": positive.numpy(), "negative_reasoning": negative.numpy()}
        matrices.update({f"requiredness_{k}": v.detach().cpu().numpy()
                         for k, v in self.requiredness_probabilities().items()})
        axes = reasoning_axes(self.unit_names(), list(self.spec.class_names), self.concept_classes.tolist())
        return GlobalExplanation(
            kind=self.kind, model=self.variant, class_names=list(self.spec.class_names), units=units,
            matrices=matrices,
            details={"reasoning": self.hparams.reasoning, "distance": self.hparams.distance,
                     "concept_classes": self.concept_classes.tolist(), "certifiable": self.certifiable,
                     "sigma_min": float(self.sigmas().min().detach()),
                     "matrix_axes": {name: axes for name, m in matrices.items() if m.ndim == 2}})


class DeepCBC(InterpretableModel):
    """Deep CBC / RBF head on a CNN feature map (AAAI 2025, code ``si-cim/cbc-aaai-2025`` on PIP-Net).

        x ─backbone (timm)─▶ features (B, D, H', W') ─softmax over channels─▶ (B, K, H', W') ─max-pool─▶ d (B, K)
          ─CBC reasoning (stable: r+ and r- one distribution over 2K per class; rbf: r+ only)─▶ p (B, C)

    The channels are the components (``num_components=None``) or a 1x1 convolution maps the features to
    ``num_components`` channels first. At inference, detections below ``detection_threshold`` (0.1) are zeroed.
    Training, as the reference code's PIP-Net schedule (phases through ``PhaseSchedule``):
      pretrain  backbone + add-on with PIP-Net's alignment loss (the per-location channel distributions of two
                views agree; weight ramped from 0 to 1 over the phase) and tanh loss (every component detected
                somewhere in the batch; weight 5);
      finetune  the reasoning head alone (Adam 5e-3), margin loss m = 0.025;
      joint     everything (Adam 3.75e-4), margin loss (+ ``joint_align_weight`` x alignment; the reference's
                "aligned" configs set ``align_pf_weight: 1.25``, but its loop, ``train_cbcnet.py``, hard-codes
                the alignment weight to 0 for the CBC head outside pretraining, so that value never acts there).
    Every phase trains on both views at once (the margin is averaged over both), as the reference's loop feeds
    ``cat([xs1, xs2])`` in all phases.
    The second view is made inside the model by photometric jitter (brightness, contrast, noise) of the same
    image, so the views stay spatially aligned, as PIP-Net's shared crop / flip with separate colour
    augmentation. Deviations: the reference uses a ConvNeXt-tiny with modified strides (26x26 maps,
    ``convnext_tiny_26``); timm's stock feature map is used here (7x7 at 224 px). The reference trains its
    RBF head ("RBFNet") through PIP-Net's loop instead: that is ``DeepRBF`` (the registered RBF variants); here
    ``reasoning="rbf"`` keeps the CBC schedule and margin loss. No certificate: the
    detections are not exp(-distance) of a metric in input space (``certified_radius`` refuses)."""

    kind = "component"
    output = "probability"
    output_label = OUTPUT_LABEL
    output_is_distribution = False  # each p_c is in [0, 1]; over the classes they sum to far more than 1
    phases = ("pretrain", "finetune", "joint")
    ddp_find_unused_parameters = True
    SOURCES_SEARCHED = 10_000  # training images searched for each component's picture (at export)

    @property
    def unit_score(self) -> UnitScore:
        """A detection, zeroed below the model's threshold: such a component is absent (no map, no box)."""
        return UnitScore(
            name="detection", absent_below=self.hparams.detection_threshold,
            about=f"A component's detection is its largest share, at any location of the feature map, of the "
                  f"softmax over the components (max-pooled); below {self.hparams.detection_threshold:g} the model "
                  f"sets it to 0: the component is absent. A class's agreement adds, over the components, "
                  f"d r+ + (1 - d) r-: an absent component still adds its negative reasoning r-.")

    def __init__(self, spec: dict[str, Any], backbone: str = "convnext_tiny", backbone_pretrained: bool = False,
                 backbone_weights: str | None = None, reasoning: str = "stable", num_components: Count | None = None,
                 margin: NonNegative = 0.025, detection_threshold: Probability = 0.1, pretrain_epochs: Epochs = 12,
                 finetune_epochs: Epochs = 48, joint_epochs: Epochs = 36, lr: NonNegative = 3.75e-4,
                 head_lr: NonNegative = 5e-3, tanh_weight: NonNegative = 5.0, joint_align_weight: NonNegative = 0.0):
        super().__init__(spec)
        self.save_hyperparameters()
        if reasoning not in ("stable", "rbf"):
            raise ValueError(f"deep reasoning must be 'stable' or 'rbf', got {reasoning!r}")
        if min(pretrain_epochs, finetune_epochs) < 0 or joint_epochs < 1:
            raise ValueError("need pretrain_epochs >= 0, finetune_epochs >= 0 and joint_epochs >= 1")
        self.reasoning = reasoning
        K = self._build_body(backbone, backbone_pretrained, backbone_weights, num_components)
        if reasoning == "stable":
            self.reasoning_logits = nn.Parameter(0.6 - 0.2 * torch.randn(2 * K, self.num_classes))
        else:
            self.reasoning_logits = nn.Parameter(0.6 - 0.2 * torch.randn(K, self.num_classes))

    def _build_body(self, backbone: str, pretrained: bool, weights: str | None, num_components: int | None) -> int:
        """The backbone and the optional 1x1 add-on convolution; returns the number of components K."""
        from .backbones import create_backbone

        self.features = create_backbone(backbone, self.spec.input_shape[0], pretrained, weights)
        channels = self.features.out_channels
        self.add_on = nn.Identity() if num_components is None else nn.Conv2d(channels, num_components, 1)
        self.num_components = channels if num_components is None else num_components
        return self.num_components

    def reasoning_probabilities(self) -> tuple[torch.Tensor, torch.Tensor]:
        joint = torch.softmax(self.reasoning_logits, dim=0)
        if self.reasoning == "rbf":
            return joint, torch.zeros_like(joint)
        return joint[: self.num_components], joint[self.num_components :]

    def component_maps(self, x: torch.Tensor) -> torch.Tensor:
        """(B, K, H', W') every location's distribution over components (softmax over channels)."""
        return torch.softmax(self.add_on(self.features(self.normalize(x))), dim=1)

    def decompose(self, x: torch.Tensor) -> Decomposition:
        maps = self.component_maps(x)
        detections = maps.flatten(2).max(dim=2).values  # max-pool over space, (B, K)
        if not self.training:
            detections = detections * (detections >= self.hparams.detection_threshold)
        positive, negative = self.reasoning_probabilities()
        probabilities = detections @ (positive - negative) + negative.sum(0)
        contributions = (detections.unsqueeze(1) * positive.t().unsqueeze(0)
                         + (1 - detections).unsqueeze(1) * negative.t().unsqueeze(0))
        return Decomposition(probabilities, scores=detections, contributions=contributions,
                             bias=probabilities.new_zeros(self.num_classes), output="probability",
                             extras={"maps": maps})

    def certificate_refusal(self, norm: str = "l2") -> str:
        return "deep CBC detections are a softmax over feature channels, not exp(-distance) in input space"

    def release_checks(self, directory, datamodule) -> dict[str, Any]:
        """The explanation metrics (part consistency / stability where the data has parts) and OOD AUROC."""
        from .evaluation import release_evaluation

        return release_evaluation(self, datamodule)

    # ---- training phases ------------------------------------------------------------------------------------
    @property
    def total_epochs(self) -> int:
        hp = self.hparams
        return hp.pretrain_epochs + hp.finetune_epochs + hp.joint_epochs

    def configure_callbacks(self):
        from .phases import PhaseSchedule

        hp = self.hparams
        return [PhaseSchedule([("pretrain", hp.pretrain_epochs), ("finetune", hp.finetune_epochs),
                               ("joint", hp.joint_epochs)])]

    def configure_optimizers(self):
        hp = self.hparams
        body = list(self.features.parameters()) + list(self.add_on.parameters())
        return [torch.optim.Adam(body, lr=hp.lr), torch.optim.Adam([self.reasoning_logits], lr=hp.head_lr),
                torch.optim.Adam(self.parameters(), lr=hp.lr)]

    def on_phase_epoch_start(self, phase: str, first_epoch_of_phase: bool, resumed: bool = False) -> None:
        self.features.requires_grad_(phase != "finetune")
        self.add_on.requires_grad_(phase != "finetune")
        self.reasoning_logits.requires_grad_(phase != "pretrain")

    def second_view(self, x: torch.Tensor) -> torch.Tensor:
        """The same image with other colours: random brightness, contrast and pixel noise (spatially aligned)."""
        B = len(x)
        brightness = 1 + 0.4 * (torch.rand(B, 1, 1, 1, device=x.device) - 0.5)
        contrast = 1 + 0.4 * (torch.rand(B, 1, 1, 1, device=x.device) - 0.5)
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        view = (x - mean) * contrast + mean * brightness
        return (view + 0.02 * torch.randn_like(x)).clamp(0, 1)

    def training_forward(self, batch) -> Decomposition:
        x = batch.inputs
        # both views in one pass in every phase, as the reference code's train loop (BatchNorm normalises them
        # together, the margin is averaged over both); the record of the first view is the output, the second
        # view's maps and probabilities ride along for the losses
        both = self.decompose(torch.cat([x, self.second_view(x)]))
        n = len(x)
        maps, maps_view2 = both.extras["maps"].split(n)
        return Decomposition(both.outputs[:n], scores=both.scores[:n], contributions=both.contributions[:n],
                             bias=both.bias, output="probability",
                             extras={"maps": maps, "maps_view2": maps_view2, "outputs_view2": both.outputs[n:]})

    def loss_terms(self, batch, output: Decomposition) -> dict[str, torch.Tensor]:
        terms: dict[str, torch.Tensor] = {}
        if "maps_view2" in output.extras and (self.phase == "pretrain" or self.hparams.joint_align_weight > 0):
            first, second = output.extras["maps"], output.extras["maps_view2"]
            terms["align"] = two_view_alignment(first, second)
        if self.phase == "pretrain":
            terms["tanh"] = tanh_loss(output.extras["maps"], output.extras["maps_view2"], eps=1e-10)
            return terms
        outputs, targets = output.outputs, batch.targets
        if "outputs_view2" in output.extras:  # the margin over both views, as the reference code
            outputs, targets = torch.cat([outputs, output.extras["outputs_view2"]]), targets.repeat(2)
        terms["margin"] = margin_loss(outputs, targets, self.hparams.margin).mean()
        return terms

    def pretrain_align_ramp(self) -> float:
        """PIP-Net's pretraining: the alignment weight ramps up over the phase, epoch / epochs (1-based)."""
        return (self.current_epoch + 1) / max(1, self.hparams.pretrain_epochs) if self._trainer is not None else 1.0

    def loss_weights(self) -> dict[str, float]:
        hp = self.hparams
        if self.phase == "pretrain":
            return {"align": self.pretrain_align_ramp(), "tanh": hp.tanh_weight}
        return {"align": hp.joint_align_weight, "margin": 1.0}

    def evaluation_loss(self, batch, output: Decomposition) -> torch.Tensor:
        return margin_loss(output.outputs, batch.targets, self.hparams.margin).mean()

    # ---- explanations --------------------------------------------------------------------------------------
    def unit_names(self) -> list[str]:
        return [f"component {k}" for k in range(self.num_components)]

    def explanation_sections(self, decomposition: Decomposition, batch, classes: torch.Tensor) -> list[dict]:
        """Each row's reasoning over the components for its explained class and the runner-up (no certificate:
        ``certificate_refusal``). unit_details needs both classes: the record builder calls this first."""
        runner_up = decomposition.outputs.detach().scatter(1, classes.unsqueeze(1), -math.inf).argmax(1)
        decomposition.extras["explained"], decomposition.extras["runner_up"] = classes, runner_up
        positive, negative = (t.t() for t in self.reasoning_probabilities())  # (C, K)
        return reasoning_sections(self.reasoning, decomposition.scores, (positive[classes], negative[classes]),
                                  (positive[runner_up], negative[runner_up]))

    def unit_details(self, decomposition: Decomposition, row: int, units: list[int]) -> list[dict[str, Any]]:
        """Each component's detection, where on the feature grid it is highest, and its positive / negative
        reasoning for the explained class and for the runner-up."""
        maps = decomposition.extras["maps"][row, units]  # (k, H', W')
        width = maps.shape[-1]
        positive, negative = self.reasoning_probabilities()
        extras = decomposition.extras
        explained = int(extras["explained"][row]) if "explained" in extras else int(decomposition.outputs[row].argmax())
        runner = int(extras["runner_up"][row]) if "runner_up" in extras else explained
        details = []
        for unit, flat in zip(units, maps.flatten(1).argmax(1).tolist()):
            details.append({"location": list(divmod(flat, width)), "detection": float(decomposition.scores[row, unit]),
                            "positive_reasoning": float(positive[unit, explained]),
                            "negative_reasoning": float(negative[unit, explained]), "runner_up": runner,
                            "runner_up_positive_reasoning": float(positive[unit, runner]),
                            "runner_up_negative_reasoning": float(negative[unit, runner])})
        return details

    def unit_maps(self, decomposition: Decomposition, row: int, units: list[int]) -> dict[int, Any]:
        """Where in the image each component was detected: its channel-softmax map over the feature grid."""
        maps = decomposition.extras["maps"][row, units].detach().float().cpu().numpy()
        return dict(zip(units, maps))

    def global_explanation(self) -> GlobalExplanation:
        """The components (their pictures come from the training data at export: ``locate_unit_sources``) and
        the reasoning matrices (components x classes)."""
        positive, negative = (t.detach().cpu() for t in self.reasoning_probabilities())
        # weights: r+ - r-, the slope of p_c in d_k (p_c = d.(r+ - r-) + sum r-)
        units = [GlobalUnit(index=k, name=self.unit_name(k), role="component",
                            weights=(positive[k] - negative[k]).tolist(),
                            details={"positive_reasoning": positive[k].tolist(),
                                     "negative_reasoning": negative[k].tolist()})
                 for k in range(self.num_components)]
        classes = list(range(self.num_classes))  # one reasoning concept per class
        axes = reasoning_axes(self.unit_names(), list(self.spec.class_names), classes)
        return GlobalExplanation(kind=self.kind, model=self.variant, class_names=list(self.spec.class_names),
                                 units=units, matrices={"positive_reasoning": positive.numpy(),
                                                        "negative_reasoning": negative.numpy()},
                                 details={"reasoning": self.reasoning, "backbone": self.hparams.backbone,
                                          "concept_classes": classes,
                                          "detection_threshold": self.hparams.detection_threshold,
                                          "matrix_axes": {"positive_reasoning": axes, "negative_reasoning": axes}})

    @torch.no_grad()
    def locate_unit_sources(self, explanation: GlobalExplanation, dataset) -> None:
        """Each component's picture: the training image (of the first ``SOURCES_SEARCHED``) where its detection
        is highest, boxed where its map is (the 95th-percentile box the overlays draw, as ProtoPNet's push). A
        component never detected there (best detection below the threshold) gets no picture and is flagged."""
        from torch.utils.data import DataLoader, Subset

        from datamodules.batch import as_batch

        from .layers.activation_maps import high_activation_boxes

        searched = min(len(dataset), self.SOURCES_SEARCHED)
        best = index = best_maps = None
        with evaluating(self):
            for start, batch in zip(range(0, searched, 128),
                                    DataLoader(Subset(dataset, range(searched)), batch_size=128)):
                maps = self.component_maps(as_batch(batch).inputs.to(self.device))  # (B, K, H', W')
                value, row = maps.flatten(2).max(2).values.max(0)  # the best image of the batch per component
                if best is None:
                    best, index, best_maps = value, row + start, maps[row, torch.arange(maps.shape[1])]
                    continue
                better = value > best
                best, index = torch.where(better, value, best), torch.where(better, row + start, index)
                best_maps[better] = maps[row[better], better.nonzero().squeeze(1)]
        if best is None:
            return
        boxes = high_activation_boxes(best_maps, tuple(self.spec.input_shape[1:])).tolist()
        threshold = self.hparams.detection_threshold
        for unit in explanation.units:
            k, detection = unit.index, float(best[unit.index])
            if detection < threshold:
                unit.details["never detected in training"] = True
                unit.details["best training detection"] = detection
                continue
            unit.source = SourceRef(split="train", index=int(index[k]), boxes={"high_activation": boxes[k]},
                                    details={"detection": detection, "images_searched": searched})


class DeepRBF(DeepCBC):
    """The deep RBF head (positive reasoning only) trained by PIP-Net's pipeline, as the AAAI 2025 code trains its
    "RBFNet" (``si-cim/cbc-aaai-2025``: ``pipnet_executor.py`` and ``train_pipnet.py`` with
    ``head_type: rbf_head``; PIP-Net: Nauta et al., CVPR 2023, code ``M-Nauta/PIPNet``).

        x ─backbone─▶ softmax over channels ─max-pool─▶ d (B, K) ─▶ p_c = sum_k d_k softmax_k(w_kc)

    The forward pass and the inference threshold (detections < 0.1 zeroed) are ``DeepCBC``'s with ``rbf``
    reasoning; the head's logits w start at N(1, 0.1) (PIP-Net's initialisation of its last layer). Phases
    (``PhaseSchedule``; the reference's 12 pretraining epochs, then its 84 epochs: 3 head-only, the backbone's
    early layers frozen up to epoch ``freeze_epochs`` = 24, everything after):
      pretrain  L = (e / E) L_A + 5 L_T (e = 1..E the epoch of the phase): the last backbone stage and the
                add-on train, the early layers and the head are frozen;
      finetune  L = 2 L_C, the head alone;
      partial   L = 5 L_A + 2 L_T + 2 L_C: head, add-on and last stage;
      joint     the same loss, everything trains.
    L_A, L_T: PIP-Net's alignment and tanh losses (``alignment_loss``, ``tanh_loss``); L_C: its classification
    loss, the NLL of softmax(log1p(p^multiplier)) (``pipnet_class_loss``, multiplier 2, never trained: the
    reference's optimisers leave it out). Both views feed every step (``DeepCBC.training_forward``).
    After every optimiser step outside pretraining the head's logits are clamped, w <- max(w - 1e-3, 0), and once
    more at the start of every 30th and of the last epoch of the second stage (PIP-Net's sparsity clamp; on a
    softmax head it keeps the logits >= 0 and shrinks them, it does not zero a component's share).
    Optimisers (Adam; the reference's AdamW with weight decay 0): one over the backbone groups for pretraining,
    a fresh one over head + backbone for the rest (Adam is per parameter, so this is the reference's separate head
    and network optimisers). Learning rates, set every step (``on_train_batch_start``): pretraining cosine decay
    to ``lr_block / 100`` over its steps; head 0.05 with cosine warm restarts every ``head_restart_epochs`` (10;
    5 when the second stage has <= 30 epochs) down to 1e-3; network cosine decay to ``lr_net / 100`` over the
    second stage, advanced only by the steps that train it. Backbone groups (``pipnet_backbone_groups``): early
    layers ``lr_net``, last stage and last block ``lr_block``, add-on ``lr_block``.
    Deviations: one batch size for both stages (the reference pretrains with 128, then 48); its evaluation also
    clamps the head at every test batch (``eval_pipnet``), which changes the model while testing and is not done
    here; PIP-Net's zeroing of components never detected above 0.1 runs only with ``visualize_data``, off in the
    RBF configs, and is not done either. No certificate (``DeepCBC``'s reason)."""

    phases = ("pretrain", "finetune", "partial", "joint")

    @property
    def unit_score(self) -> UnitScore:
        """DeepCBC's detection (the same max-pooled channel softmax and threshold); the RBF head reads it with
        positive reasoning only."""
        return UnitScore(
            name="detection", absent_below=self.hparams.detection_threshold,
            about=f"A component's detection is its largest share, at any location of the feature map, of the "
                  f"softmax over the components (max-pooled, PIP-Net's presence score); below "
                  f"{self.hparams.detection_threshold:g} the model sets it to 0: the component is absent. The RBF "
                  f"head has positive reasoning only: a class's agreement is the sum of d r+ over the components, so "
                  f"an absent component adds nothing.")

    def __init__(self, spec: dict[str, Any], backbone: str = "convnext_tiny", backbone_pretrained: bool = False,
                 backbone_weights: str | None = None, num_components: Count | None = None,
                 detection_threshold: Probability = 0.1, pretrain_epochs: Epochs = 12, finetune_epochs: Epochs = 3,
                 partial_epochs: Epochs = 21, joint_epochs: Epochs = 60, head_lr: NonNegative = 0.05,
                 head_min_lr: NonNegative = 1e-3, head_restart_epochs: Count | None = None,
                 lr_block: NonNegative = 5e-4, lr_net: NonNegative = 5e-4, multiplier: Positive = 2.0,
                 align_weight: NonNegative = 5.0, tanh_weight: NonNegative = 2.0, class_weight: NonNegative = 2.0,
                 pretrain_tanh_weight: NonNegative = 5.0, clamp_step: NonNegative = 1e-3, clamp_every: Count = 30):
        super(DeepCBC, self).__init__(spec)  # InterpretableModel's: DeepCBC builds another head
        self.save_hyperparameters()
        if min(pretrain_epochs, finetune_epochs, partial_epochs, joint_epochs) < 0 or self.second_stage_epochs < 1:
            raise ValueError("need epochs >= 0 in every phase and at least one epoch after pretraining")
        self.reasoning = "rbf"
        K = self._build_body(backbone, backbone_pretrained, backbone_weights, num_components)
        pipnet_backbone_groups(self.features)  # refuses a backbone whose groups are not defined, before training
        if isinstance(self.add_on, nn.Conv2d):  # PIP-Net's init_weights_xavier
            nn.init.xavier_uniform_(self.add_on.weight, gain=nn.init.calculate_gain("sigmoid"))
        self.reasoning_logits = nn.Parameter(torch.empty(K, self.num_classes).normal_(1.0, 0.1))

    @property
    def second_stage_epochs(self) -> int:
        hp = self.hparams
        return hp.finetune_epochs + hp.partial_epochs + hp.joint_epochs

    @property
    def total_epochs(self) -> int:
        return self.hparams.pretrain_epochs + self.second_stage_epochs

    def configure_callbacks(self):
        from .phases import PhaseSchedule

        hp = self.hparams
        return [PhaseSchedule([("pretrain", hp.pretrain_epochs), ("finetune", hp.finetune_epochs),
                               ("partial", hp.partial_epochs), ("joint", hp.joint_epochs)])]

    def parameter_groups(self) -> dict[str, list[nn.Parameter]]:
        early, last_stage, last_block = pipnet_backbone_groups(self.features)
        return {"early": early, "last_stage": last_stage, "last_block": last_block,
                "add_on": list(self.add_on.parameters()), "head": [self.reasoning_logits]}

    def base_lrs(self) -> dict[str, float]:
        hp = self.hparams
        return {"early": hp.lr_net, "last_stage": hp.lr_block, "last_block": hp.lr_block, "add_on": hp.lr_block,
                "head": hp.head_lr}

    def configure_optimizers(self):
        groups, lrs = self.parameter_groups(), self.base_lrs()
        network = [{"params": groups[n], "lr": lrs[n], "name": n} for n in ("early", "last_stage", "last_block",
                                                                              "add_on") if groups[n]]
        second = [{"params": groups["head"], "lr": lrs["head"], "name": "head"}] + [dict(g) for g in network]
        return [torch.optim.Adam(network), torch.optim.Adam(second)]

    def phase_optimizer(self):
        pretrain, second = self.optimizers()
        return pretrain if self.phase == "pretrain" else second

    def trainable_groups(self, phase: str) -> set[str]:
        """Which parameter groups train in ``phase`` (the reference's requires_grad switches)."""
        return {"pretrain": {"last_stage", "last_block", "add_on"}, "finetune": {"head"},
                "partial": {"head", "last_stage", "last_block", "add_on"},
                "joint": {"head", "early", "last_stage", "last_block", "add_on"}}[phase]

    def on_phase_epoch_start(self, phase: str, first_epoch_of_phase: bool, resumed: bool = False) -> None:
        trainable = self.trainable_groups(phase)
        for name, params in self.parameter_groups().items():
            for p in params:
                p.requires_grad_(name in trainable)
        epoch = self.current_epoch - self.hparams.pretrain_epochs + 1  # 1-based epoch of the second stage
        if phase != "pretrain" and not resumed and (epoch == self.second_stage_epochs
                                                    or epoch % self.hparams.clamp_every == 0):
            self.clamp_head()

    @torch.no_grad()
    def clamp_head(self) -> None:
        """PIP-Net's sparsity clamp of the last layer: w <- max(w - clamp_step, 0)."""
        self.reasoning_logits.copy_((self.reasoning_logits - self.hparams.clamp_step).clamp_min(0))

    def after_optimizer_step(self) -> None:
        if self.phase != "pretrain":
            self.clamp_head()

    def scheduled_lrs(self, epoch: int, batch_idx: int, iters: int) -> dict[str, float]:
        """Every group's learning rate at step ``batch_idx`` of ``epoch``, as the reference's schedulers set it
        (stepped after each batch): CosineAnnealingLR in pretraining and for the network after it,
        CosineAnnealingWarmRestarts(T_0, eta_min=head_min_lr) at epoch e - 1 + i / iters for the head."""
        hp, base = self.hparams, self.base_lrs()

        def cosine(lr: float, floor: float, t: float, period: float) -> float:
            return floor + (lr - floor) * (1 + math.cos(math.pi * t / period)) / 2

        if epoch < hp.pretrain_epochs:
            step, floor = epoch * iters + batch_idx, hp.lr_block / 100
            return {n: cosine(lr, floor, step, iters * hp.pretrain_epochs) for n, lr in base.items() if n != "head"}
        step = (epoch - hp.pretrain_epochs) * iters + batch_idx  # steps of the second stage so far
        restart = hp.head_restart_epochs or (10 if self.second_stage_epochs > 30 else 5)
        lrs = {"head": cosine(hp.head_lr, hp.head_min_lr, (max(step - 1, 0) / iters) % restart, restart)}
        network_steps = max(step - hp.finetune_epochs * iters, 0)  # the network's scheduler skips finetuning
        floor = hp.lr_net / 100
        lrs.update({n: cosine(lr, floor, network_steps, iters * self.second_stage_epochs)
                    for n, lr in base.items() if n != "head"})
        return lrs

    def on_train_batch_start(self, batch, batch_idx: int) -> None:
        iters = self.trainer.num_training_batches
        lrs = self.scheduled_lrs(self.current_epoch, batch_idx, int(iters) if math.isfinite(iters) else 1)
        for group in self.phase_optimizer().param_groups:
            group["lr"] = lrs[group["name"]]

    def loss_terms(self, batch, output: Decomposition) -> dict[str, torch.Tensor]:
        maps, maps_view2 = output.extras["maps"], output.extras["maps_view2"]
        terms: dict[str, torch.Tensor] = {}
        if self.phase != "finetune":
            terms["align"] = two_view_alignment(maps, maps_view2)
            terms["tanh"] = tanh_loss(maps, maps_view2, eps=1e-8)
        if self.phase != "pretrain":
            outputs = torch.cat([output.outputs, output.extras["outputs_view2"]])
            terms["classification"] = pipnet_class_loss(outputs, batch.targets.repeat(2), self.hparams.multiplier)
        return terms

    def loss_weights(self) -> dict[str, float]:
        hp = self.hparams
        if self.phase == "pretrain":
            return {"align": self.pretrain_align_ramp(), "tanh": hp.pretrain_tanh_weight}
        return {"align": hp.align_weight, "tanh": hp.tanh_weight, "classification": hp.class_weight}

    def evaluation_loss(self, batch, output: Decomposition) -> torch.Tensor:
        return pipnet_class_loss(output.outputs, batch.targets, self.hparams.multiplier)


def pipnet_backbone_groups(backbone: nn.Module) -> tuple[list, list, list]:
    """PIP-Net's split of a backbone (``get_optimizers_nn``): the early layers ("params_backbone"), the rest of
    the last stage ("params_to_freeze") and its last block ("params_to_train"). ConvNeXt (timm): ``stages_3``
    without its last block / ``stages_3.blocks.<last>`` (torchvision's features.6-7 and features.7.2 in the
    reference); a ``SmallCNN``: its last conv block / the one before / the rest."""
    from .backbones import SmallCNN

    named = list(backbone.named_parameters())
    if isinstance(backbone, SmallCNN):
        block_of, block = {}, -1
        for module in backbone.features:
            block += isinstance(module, nn.Conv2d)
            for p in module.parameters():
                block_of[id(p)] = block
        groups = ([], [], [])
        for _, p in named:
            groups[min(2, max(0, block_of[id(p)] - block + 2))].append(p)
        return groups
    stages = sorted({n.split(".")[1] for n, _ in named if n.startswith("body.stages_")})
    if not stages:
        raise ValueError(f"PIP-Net's backbone groups are defined for ConvNeXt and the small CNNs, not "
                         f"{type(backbone).__name__} (parameters {named[0][0]!r}, ...)")
    last = stages[-1]
    blocks = sorted({int(n.split(".")[3]) for n, _ in named if n.startswith(f"body.{last}.blocks.")})
    last_block = f"body.{last}.blocks.{blocks[-1]}."
    groups = ([], [], [])
    for n, p in named:
        groups[2 if n.startswith(last_block) else 1 if n.startswith(f"body.{last}.") else 0].append(p)
    return groups


def alignment_loss(maps: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """PIP-Net's alignment: -mean over locations of log sum_k z1_k z2_k (two views' channel distributions)."""
    return -torch.log((maps * targets).sum(dim=1) + 1e-12).mean()


def two_view_alignment(maps: torch.Tensor, maps_view2: torch.Tensor) -> torch.Tensor:
    """PIP-Net's L_A over the two views, each aligned to the other's detached maps, averaged."""
    return (alignment_loss(maps, maps_view2.detach()) + alignment_loss(maps_view2, maps.detach())) / 2


def tanh_loss(maps: torch.Tensor, maps_view2: torch.Tensor, eps: float) -> torch.Tensor:
    """PIP-Net's tanh loss L_T, averaged over the two views: -mean_k log(tanh(sum over the batch of component k's
    max-pooled detection) + eps); every component is to be detected somewhere in the batch."""
    pooled = [m.flatten(2).max(2).values for m in (maps, maps_view2)]
    return sum(-torch.log(torch.tanh(p.sum(0)) + eps).mean() for p in pooled) / 2


def pipnet_class_loss(probabilities: torch.Tensor, targets: torch.Tensor, multiplier: float) -> torch.Tensor:
    """PIP-Net's classification loss L_C: the NLL of softmax(log1p(p^multiplier)) over the classes."""
    return F.nll_loss(F.log_softmax(torch.log1p(probabilities ** multiplier), dim=1), targets)


def margin_loss(probabilities: torch.Tensor, targets: torch.Tensor, margin: float) -> torch.Tensor:
    """(B,) relu(max_{c != y} p_c - p_y + margin) (NeurIPS 2019 Eq. 6)."""
    correct = probabilities.gather(1, targets.unsqueeze(1)).squeeze(1)
    wrong = probabilities.scatter(1, targets.unsqueeze(1), -math.inf).max(1).values
    return F.relu(wrong - correct + margin)


_NEURIPS = ("Saralajew et al., Classification-by-Components: Probabilistic Modeling of Reasoning over a Set of "
            "Components, NeurIPS 2019")
_AAAI = ("Saralajew et al., A Robust Prototype-Based Network with Interpretable RBF Classifier Foundations, "
         "AAAI 2025")
# enlaight's MNIST setting: 20 components, 2 reasoning concepts per class, sigma 58 per component (trainable).
_MNIST = dict(num_components=20, sigma_init=58.0)
# 8x8 digits (64 pixels): distances are about sqrt(64 / 784) = 0.29 of MNIST's, so sigma, the robust margin and
# the certified radii are MNIST's scaled by that factor (16.6; 0.45; 0.15, 0.3, 0.45 for 0.5, 1, 1.58).
_DIGITS = dict(num_components=20, sigma_init=16.6, robust_margin=0.45, certify_eps=[0.15, 0.3, 0.45])


# The deep models of the AAAI paper (CUB / Stanford Cars / Oxford Pets at 224 px); offline machines pass the
# ImageNet weights as a file: backbone_weights=<path>.
_DEEP = dict(backbone_pretrained=True, margin=0.025, pretrain_epochs=12, finetune_epochs=48, joint_epochs=36)


@register_model(DeepCBC, default_data="cub200", paper=_AAAI)
def deep_cbc_convnext_tiny():
    """CBC-C: ConvNeXt-tiny channels as components (paper CUB 87.8%)."""
    return dict(backbone="convnext_tiny", reasoning="stable", **_DEEP)


@register_model(DeepCBC, default_data="cub200", paper=_AAAI)
def deep_cbc_resnet50():
    """CBC-R: ResNet-50 channels as components (paper CUB 83.3%)."""
    return dict(backbone="resnet50", reasoning="stable", **_DEEP)


@register_model(DeepRBF, default_data="cub200", paper=_AAAI)
def deep_rbf_convnext_tiny():
    """The RBF head (positive reasoning only) on ConvNeXt-tiny, trained by PIP-Net's pipeline as the reference's
    ``cub_rbfnet_config_base.yaml``: 12 + 84 epochs, head lr 0.05, network lr 5e-4."""
    return dict(backbone="convnext_tiny", backbone_pretrained=True)


@register_model(DeepRBF, default_data="part_glyphs", paper=_AAAI)
def deep_rbf_small():
    """The RBF pipeline at CPU scale: the small CNN (28 px), 32 learned components, 2 pretraining epochs, then
    1 head-only, 2 with the early layers frozen and 10 joint epochs."""
    return dict(backbone="small_cnn_28", num_components=32, pretrain_epochs=2, finetune_epochs=1,
                partial_epochs=2, joint_epochs=10, lr_block=1e-3, lr_net=1e-3)


@register_model(DeepCBC, default_data="mnist5k", paper=_AAAI)
def deep_cbc_small():
    """A small CNN (28 px) with 32 learned components: the deep pipeline at CPU scale."""
    return dict(backbone="small_cnn_28", num_components=32, pretrain_epochs=2, finetune_epochs=2,
                joint_epochs=6, lr=1e-3)


@register_model(ShallowCBC, default_data="mnist5k", paper=_NEURIPS)
def cbc_shallow():
    """The original CBC (positive / negative / indefinite reasoning, margin loss 0.3) on 28x28 MNIST."""
    return dict(reasoning="cbc", loss="margin", reasoning_per_class=2, **_MNIST)


@register_model(ShallowCBC, default_data="digits", paper=_NEURIPS)
def cbc_shallow8():
    return dict(reasoning="cbc", loss="margin", reasoning_per_class=2, **_DIGITS)


@register_model(ShallowCBC, default_data="mnist5k", paper=_AAAI)
def stable_cbc_shallow():
    """Stable CBC (no indefinite reasoning) with the margin loss."""
    return dict(reasoning="stable", loss="margin", reasoning_per_class=2, **_MNIST)


@register_model(ShallowCBC, default_data="mnist5k", paper=_AAAI)
def robust_cbc_shallow():
    """Robust stable CBC: the stable CBC trained with the robustness-optimising loss (margin 1.58)."""
    return dict(reasoning="stable", loss="robust", reasoning_per_class=2, **_MNIST)


@register_model(ShallowCBC, default_data="digits", paper=_AAAI)
def robust_cbc_shallow8():
    return dict(reasoning="stable", loss="robust", reasoning_per_class=2, **_DIGITS)


@register_model(ShallowCBC, default_data="mnist5k", paper=_AAAI)
def rbf_shallow():
    """Normalised RBF classifier (positive reasoning only), margin loss."""
    return dict(reasoning="rbf", loss="margin", **_MNIST)


@register_model(ShallowCBC, default_data="digits", paper=_AAAI)
def rbf_shallow8():
    return dict(reasoning="rbf", loss="margin", **_DIGITS)


@register_model(ShallowCBC, default_data="mnist5k", paper=_AAAI)
def robust_rbf_shallow():
    """Robust RBF: the RBF classifier trained with the robustness-optimising loss (margin 1.58)."""
    return dict(reasoning="rbf", loss="robust", **_MNIST)


@register_model(ShallowCBC, default_data="digits", paper=_AAAI)
def robust_rbf_shallow8():
    return dict(reasoning="rbf", loss="robust", **_DIGITS)


__all__ = ["CERTIFIED_EPS", "CertificateError", "DeepCBC", "DeepRBF", "ShallowCBC", "certified_radius_from",
           "margin_loss", "pairwise_radius_factor", "pipnet_class_loss"]
