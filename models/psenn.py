"""Prototype self-explaining networks (PSENN): the prototype autoencoder of Li et al. and its probabilistic
extension Prob-PSENN.

``PrototypeAutoencoder``: Li, Liu, Chen, Rudin, "Deep Learning for Case-Based Reasoning through Prototypes: A
Neural Network that Explains Its Predictions", AAAI 2018 (reference code ``OscarcarLi/PrototypeDL``, TF1):

    x ─encoder (4 x conv3x3 stride 2, ReLU; 32-32-32-10 maps)─▶ z (B, 40 on 28x28) ─decoder (mirror, sigmoid)─▶ x̂
    z ─squared L2 to P prototypes p_j (latent vectors)─▶ D (B, P) ─W (P, C), unconstrained─▶ logits = D W

    loss = 20 CE + 1 AE + 1 R1 + 1 R2                                          (Sec. "Cost function")
      AE = mean_i ||x̂_i - x_i||^2;  R1 = mean_j min_i ||p_j - z_i||^2;  R2 = mean_i min_j ||z_i - p_j||^2
Training: Adam 2e-3, batch 250, elastic-deformation augmentation (sigma 4, alpha 20; the datamodule's
``augmentation="elastic"``). Prototypes are explained by decoding them into images. Deviations: the convolutions
pad symmetrically (PyTorch) where TF's "SAME" pads bottom-right; the shapes are the same.

``ProbPSENN``: Vadillo, Santana, Lozano, Kwiatkowska, "Uncertainty-Aware Explanations Through Probabilistic
Self-Explainable Neural Networks" (arXiv 2403.13740). Every prototype is a distribution in latent space
(``distribution``: ``gauss_diag``, ``gauss_full`` or ``mix_gf``, a two-component full-covariance mixture); the
class probabilities are the Monte Carlo mean over S prototype samples, E_s softmax(D_s W). No official code is
public; the details below follow a TF2 implementation vendored in a third-party repository
(hugorecio-7/Praktikak-PrototypeDNN-Robustness-main, ``Prob_PSENN``), which could not be confirmed as the
authors':
  one prototype per class, W initialised to -0.5 I;
  loss = 1.0 NLL (mean over the S samples of -log softmax(D_s W)_y) + 10 reconstruction MSE + 0 R1 + 0.05 R2,
    where R1 = mean_j min_i -log q_j(z_i) and R2 = mean_i -log q_{y_i}(z_i) clipped to [-1, 1e4] are the
    likelihood forms of Li et al.'s terms (no KL term: an expected-NLL objective, not an ELBO);
  training in two phases: the autoencoder alone (reconstruction), then every prototype distribution fitted to
    its class's encodings (mean and covariance) and everything trained jointly; or (``base``, how the shipped
    model was made) the first phase replaced by a trained deterministic PSENN's autoencoder;
  prediction by averaging over samples or from the prototypes' modes (``mode=True``).
The encoder runs once per input; only the prototype layer is sampled. Sampling at evaluation uses a fixed seed
(``seed``), so a prediction is reproducible. Uncertainty (the record's ``UncertaintySection``): predictive
H[E_s p_s], aleatoric E_s H[p_s], epistemic = their difference (mutual information); explanatory uncertainty =
the largest overlap between the Gaussian-KDE densities of the sampled distances to the predicted class's
prototype and to another class's (Riemann sum of min(kde_1, kde_2)); the percentile of the input's distance to
the predicted class's prototype mode among training inputs' distances to their own class's; a prediction is
``uninformed`` when that percentile is above ``uninformed_percentile`` (95).

The mean probability is not a sum over prototypes: records are not complete; what is exact is the
decomposition of the Monte Carlo mean logit, E_s[z_c] = sum_j E_s[D_sj] W_jc, which every record holds (its
``sums_to`` section: the value, the margin over the runner-up, every class's) beside the seed and the number of
samples it was drawn with (its ``UncertaintySection``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from configs.validation import Count, Epochs, NonNegative, Percent, Positive, Samples, Seed

from .base import Decomposition, InputError, InterpretableModel, evaluating
from .explanation import GlobalExplanation, GlobalUnit, SumsToSection, UncertaintySection, UnitScore
from .phases import PhaseSchedule
from .registry import register_model

DISTRIBUTIONS = ("gauss_diag", "gauss_full", "mix_gf")


class ConvAutoencoder(nn.Module):
    """Li et al.'s encoder (conv3x3 stride 2 + ReLU per layer) and the mirrored decoder (transposed convs, ReLU,
    a sigmoid at the end). ``init_std``: weights N(0, init_std) and zero biases as the reference code (0.01);
    None keeps PyTorch's default initialisation, which the variants use: with N(0, 0.01) the network stayed at
    chance (10% validation accuracy after 84 Adam steps on mnist5k)."""

    def __init__(self, input_shape: tuple[int, int, int], channels: tuple[int, ...], init_std: float | None = None):
        super().__init__()
        in_channels, height, width = input_shape
        sizes = [(height, width)]
        encoder, widths = [], [in_channels, *channels]
        for c_in, c_out in zip(widths[:-1], widths[1:]):
            encoder += [nn.Conv2d(c_in, c_out, 3, stride=2, padding=1), nn.ReLU()]
            h, w = sizes[-1]
            sizes.append(((h + 1) // 2, (w + 1) // 2))
        self.encoder = nn.Sequential(*encoder)
        decoder = []
        for i in range(len(channels), 0, -1):
            (h_out, w_out), (h_in, w_in) = sizes[i - 1], sizes[i]
            padding = (h_out - (2 * (h_in - 1) - 2 + 3), w_out - (2 * (w_in - 1) - 2 + 3))
            decoder += [nn.ConvTranspose2d(widths[i], widths[i - 1], 3, stride=2, padding=1, output_padding=padding),
                        nn.ReLU() if i > 1 else nn.Sigmoid()]
        self.decoder = nn.Sequential(*decoder)
        self.latent_shape = (channels[-1], *sizes[-1])
        for m in self.modules():
            if init_std is not None and isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.normal_(m.weight, std=init_std)
                nn.init.zeros_(m.bias)

    @property
    def latent_dim(self) -> int:
        return math.prod(self.latent_shape)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x).flatten(1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z.view(-1, *self.latent_shape))


def squared_distances(z: torch.Tensor, prototypes: torch.Tensor) -> torch.Tensor:
    """(..., B, P) squared L2 distances of codes z (B, Z) to prototypes (..., P, Z), computed exactly."""
    return (z.unsqueeze(-2) - prototypes.unsqueeze(-3)).pow(2).sum(-1)


class PrototypeAutoencoder(InterpretableModel):
    """Li et al. 2018; see the module docstring."""

    kind = "prototype"
    unit_score = UnitScore(name="squared distance", distance=True, about=(
        "A prototype's score is the squared distance ||z - p||^2 between the input's code z and the prototype p in "
        "the latent space: lower = closer, 0 = the prototype itself. A part is distance x weight: a prototype "
        "moves a class by how far the input is from it, so a far prototype can be the largest part. The picture is "
        "the prototype decoded, not a part of the input. No map over the image: the code's few latent cells each "
        "see most of the image."))
    # The code's cells (2 x 2 on 28 x 28 inputs, 1 on 8 x 8) have overlapping receptive fields 16 to 28 pixels
    # wide: a per-cell map upsampled onto the image would point at places it does not measure.
    draw_unit_maps = False

    def __init__(self, spec: dict[str, Any], num_prototypes: Count = 15,
                 channels: tuple[Count, ...] | list[Count] = (32, 32, 32, 10), lr: NonNegative = 2e-3,
                 class_weight: NonNegative = 20.0, ae_weight: NonNegative = 1.0, r1_weight: NonNegative = 1.0,
                 r2_weight: NonNegative = 1.0, init_std: Positive | None = None):
        super().__init__(spec)
        self.save_hyperparameters()
        if not self.spec.is_image:
            raise ValueError(f"{type(self).__name__} takes images, not {self.spec.task!r} data")
        if num_prototypes < 1:
            raise ValueError(f"num_prototypes must be >= 1, got {num_prototypes}")
        self.autoencoder = ConvAutoencoder(tuple(self.spec.input_shape), tuple(channels), init_std)
        self.prototypes = nn.Parameter(torch.rand(num_prototypes, self.autoencoder.latent_dim))
        self.last_layer = nn.Parameter(torch.rand(num_prototypes, self.num_classes))  # (P, C), uniform [0, 1)

    @property
    def num_prototypes(self) -> int:
        return self.hparams.num_prototypes

    def decompose(self, x: torch.Tensor) -> Decomposition:
        """logits = D W: the squared distances (B, P) times W (P, C); the raw pixels are the input (no
        normalisation, as the reference code)."""
        z = self.autoencoder.encode(x)
        distances = squared_distances(z, self.prototypes)
        logits = distances @ self.last_layer
        return Decomposition(logits, scores=distances, weights=self.last_layer.t(),
                             bias=logits.new_zeros(self.num_classes), extras={"codes": z})

    def loss_terms(self, batch, output: Decomposition) -> dict[str, torch.Tensor]:
        x, z, distances = batch.inputs, output.extras["codes"], output.scores
        reconstruction = self.autoencoder.decode(z)
        return {
            "cross_entropy": F.cross_entropy(output.outputs, batch.targets),
            "autoencoder": (reconstruction - x).pow(2).flatten(1).sum(1).mean(),
            "r1": distances.min(dim=0).values.mean(),  # every prototype near some encoded input
            "r2": distances.min(dim=1).values.mean(),  # every encoded input near some prototype
        }

    def loss_weights(self) -> dict[str, float]:
        hp = self.hparams
        return {"cross_entropy": hp.class_weight, "autoencoder": hp.ae_weight, "r1": hp.r1_weight,
                "r2": hp.r2_weight}

    def evaluation_loss(self, batch, output: Decomposition) -> torch.Tensor:
        return F.cross_entropy(output.outputs, batch.targets)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)

    def release_checks(self, directory, datamodule) -> dict[str, Any]:
        """The explanation metrics and OOD AUROC of the card (``models.evaluation``)."""
        from .evaluation import release_evaluation

        return release_evaluation(self, datamodule)

    # ---- explanations --------------------------------------------------------------------------------------
    def unit_names(self) -> list[str]:
        return [f"prototype {j}" for j in range(self.num_prototypes)]

    def unit_details(self, decomposition: Decomposition, row: int, units: list[int]) -> list[dict[str, Any]]:
        return [{"squared_distance": float(decomposition.scores[row, j])} for j in units]

    def reference_prototypes(self) -> torch.Tensor:
        """(P, Z) the latent vectors the unit maps compare with."""
        return self.prototypes

    def unit_maps(self, decomposition: Decomposition, row: int, units: list[int]) -> dict[int, Any]:
        """Where on the latent grid (2 x 2 cells on 28 x 28 inputs) the input matches each prototype: per cell,
        ||z0 - p||^2 - ||z - p||^2 with z the input's code and z0 a black image's, how much closer that cell
        brings the input to the prototype than an empty input is. The cells add up to D(black) - D(x) exactly."""
        shape = self.autoencoder.latent_shape  # (channels, h, w)
        z = decomposition.extras["codes"][row].view(shape)
        with torch.no_grad():
            blank = self.autoencoder.encode(z.new_zeros(1, *self.spec.input_shape)).view(shape)
        prototypes = self.reference_prototypes()[units].view(len(units), *shape)
        maps = (blank - prototypes).pow(2).sum(1) - (z - prototypes).pow(2).sum(1)
        return dict(zip(units, maps.detach().float().cpu().numpy()))

    @torch.no_grad()
    def decoded_prototypes(self) -> torch.Tensor:
        """(P, C, H, W) the prototypes decoded into images."""
        with evaluating(self):
            return self.autoencoder.decode(self.prototypes)

    def global_explanation(self) -> GlobalExplanation:
        images = self.decoded_prototypes().cpu()
        weights = self.last_layer.detach().cpu()
        nearest_class = weights.argmin(1).tolist()  # logits grow with distance: the most negative weight
        units = [GlobalUnit(index=j, name=self.unit_name(j), role="prototype", class_index=nearest_class[j],
                            weights=weights[j].tolist(), image=images[j].permute(1, 2, 0).numpy())
                 for j in range(self.num_prototypes)]
        return GlobalExplanation(kind=self.kind, model=self.variant, class_names=list(self.spec.class_names),
                                 units=units, matrices={"last_layer": weights.numpy()},
                                 details={"latent_shape": list(self.autoencoder.latent_shape),
                                          "unit_picture": "decoded prototype",
                                          "matrix_axes": {"last_layer": ["prototype", "class"]}})


# ---- Prob-PSENN -------------------------------------------------------------------------------------------
def fill_scale_tril(raw: torch.Tensor, dim: int) -> torch.Tensor:
    """(..., Z(Z+1)/2) -> (..., Z, Z) lower-triangular with a softplus diagonal (TFP's FillScaleTriL)."""
    rows, cols = torch.tril_indices(dim, dim, device=raw.device)
    tril = raw.new_zeros(*raw.shape[:-1], dim, dim)
    tril[..., rows, cols] = raw
    diagonal = torch.diagonal(tril, dim1=-2, dim2=-1)
    return tril - torch.diag_embed(diagonal) + torch.diag_embed(F.softplus(diagonal) + 1e-5)


def inverse_fill_scale_tril(tril: torch.Tensor) -> torch.Tensor:
    dim = tril.shape[-1]
    diagonal = torch.diagonal(tril, dim1=-2, dim2=-1).clamp_min(1e-4)
    raw = tril - torch.diag_embed(torch.diagonal(tril, dim1=-2, dim2=-1)) + torch.diag_embed(
        diagonal + torch.log(-torch.expm1(-diagonal)))  # softplus^-1
    rows, cols = torch.tril_indices(dim, dim, device=tril.device)
    return raw[..., rows, cols]


class ProbPSENN(PrototypeAutoencoder):
    """Prob-PSENN on Li et al.'s autoencoder; see the module docstring."""

    output = "mean_probability"
    complete = False
    unit_score = UnitScore(name="mean squared distance", distance=True, about=(
        "A prototype's score is the squared distance between the input's code and the prototype's samples, "
        "averaged over the Monte Carlo samples: lower = closer. A part is distance x weight, and the parts add up to "
        "the Monte Carlo mean logit, not to the mean probability. The picture is the decoded mode of the prototype "
        "distribution. No map over the image: the code's few latent cells each see most of the image."))
    phases = ("autoencoder", "joint")
    selection_metric = "val/acc"

    def __init__(self, spec: dict[str, Any], distribution: str = "gauss_full",
                 channels: tuple[Count, ...] | list[Count] = (32, 32, 32, 10), train_samples: Samples = 16,
                 eval_samples: Samples = 32, lr: NonNegative = 1e-3, nll_weight: NonNegative = 1.0,
                 reconstruction_weight: NonNegative = 10.0, r1_weight: NonNegative = 0.0,
                 r2_weight: NonNegative = 0.05, autoencoder_epochs: Epochs = 5, joint_epochs: Epochs = 40,
                 uninformed_percentile: Percent = 95.0, init_std: Positive | None = None, base: str | None = None):
        super(PrototypeAutoencoder, self).__init__(spec)  # the base only: the prototypes here are distributions
        self.save_hyperparameters()
        if distribution not in DISTRIBUTIONS:
            raise ValueError(f"distribution must be one of {DISTRIBUTIONS}, got {distribution!r}")
        if train_samples < 1 or eval_samples < 1:
            raise ValueError("train_samples and eval_samples must be >= 1")
        if autoencoder_epochs < 0 or joint_epochs < 1:
            raise ValueError("need autoencoder_epochs >= 0 and joint_epochs >= 1")
        self.autoencoder = ConvAutoencoder(tuple(self.spec.input_shape), tuple(channels), init_std)
        P, Z = self.num_classes, self.autoencoder.latent_dim  # one prototype per class
        components = 2 if distribution == "mix_gf" else 1
        self.prototype_loc = nn.Parameter(torch.randn(P, components, Z))  # prior N(0, I)
        if distribution == "gauss_diag":
            self.prototype_scale = nn.Parameter(0.2 + 0.1 * torch.randn(P, components, Z))  # softplus -> std
        else:
            self.prototype_scale = nn.Parameter(0.2 + 0.1 * torch.randn(P, components, Z * (Z + 1) // 2))
        self.mixture_logits = nn.Parameter(1.0 + 0.2 * torch.randn(P, components),
                                           requires_grad=distribution == "mix_gf")
        self.last_layer = nn.Parameter(-0.5 * torch.eye(P, self.num_classes))
        # training distances of every class to its prototype's mode, as 1001 quantiles: the distance percentile
        self.register_buffer("training_distance_quantiles", torch.zeros(self.num_classes, 1001))

    @property
    def num_prototypes(self) -> int:
        return self.num_classes

    # ---- the prototype distributions ---------------------------------------------------------------------
    def scale_tril(self) -> torch.Tensor:
        """(P, K, Z, Z) the Cholesky factor of every prototype's (component's) covariance."""
        Z = self.autoencoder.latent_dim
        if self.hparams.distribution == "gauss_diag":
            return torch.diag_embed(F.softplus(self.prototype_scale) + 1e-5)
        return fill_scale_tril(self.prototype_scale, Z)

    def prototype_distribution(self) -> torch.distributions.Distribution:
        """A batch of P distributions over the latent space."""
        D = torch.distributions
        gaussians = D.MultivariateNormal(self.prototype_loc, scale_tril=self.scale_tril())
        return D.MixtureSameFamily(D.Categorical(logits=self.mixture_logits), gaussians)

    def sample_prototypes(self, samples: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """(S, P, Z) prototype samples, reparameterised (the mixture's component choice is not)."""
        P, K, Z = self.prototype_loc.shape
        noise = torch.randn(samples, P, Z, generator=generator, device=self.prototype_loc.device)
        choice = torch.zeros(samples, P, dtype=torch.long, device=noise.device)
        if K > 1:
            weights = torch.softmax(self.mixture_logits.detach(), 1)
            choice = torch.multinomial(weights, samples, replacement=True, generator=generator).t()
        tril = self.scale_tril()
        if K == 1:
            return self.prototype_loc[:, 0] + torch.einsum("spz,pyz->spy", noise, tril[:, 0])
        index = torch.arange(P, device=noise.device).unsqueeze(0)
        loc, tril = self.prototype_loc[index, choice], tril[index, choice]  # (S, P, Z), (S, P, Z, Z)
        return loc + (tril @ noise.unsqueeze(-1)).squeeze(-1)

    def reference_prototypes(self) -> torch.Tensor:
        return self.prototype_modes()

    def prototype_modes(self) -> torch.Tensor:
        """(P, Z) every prototype's mode: its mean; for a mixture, the mean of the component with the highest
        density at its own mean (a mixture's mode has no closed form)."""
        if self.prototype_loc.shape[1] == 1:
            return self.prototype_loc[:, 0]
        log_density = self.prototype_distribution().log_prob(self.prototype_loc.transpose(0, 1)).t()  # (P, K)
        return self.prototype_loc[torch.arange(self.num_classes), log_density.argmax(1)]

    # ---- prediction ---------------------------------------------------------------------------------------
    def decompose(self, x: torch.Tensor, samples: Samples | None = None, mode: bool = False,
                  seed: Seed = 0) -> Decomposition:
        """E_s softmax(D_s W) over ``samples`` prototype samples (default ``eval_samples``; drawn with ``seed``),
        or from the prototype modes (``mode=True``). Contributions: E_s[D_sj] W_jc, the mean logit's exact
        parts."""
        samples = self.hparams.eval_samples if samples is None else samples
        if not isinstance(samples, int) or isinstance(samples, bool) or samples < 1:
            raise InputError(f"samples must be a positive number of prototype samples, got {samples!r}; for a "
                             f"prediction without sampling pass mode=True")
        z = self.autoencoder.encode(x)
        if mode:
            prototypes = self.prototype_modes().unsqueeze(0)
        else:
            generator = torch.Generator(device=z.device).manual_seed(int(seed))
            prototypes = self.sample_prototypes(samples, generator)
        decomposition = self._decomposition(z, prototypes)
        decomposition.extras["seed"] = None if mode else int(seed)  # what the records say they were drawn with
        return decomposition

    def _decomposition(self, z: torch.Tensor, prototypes: torch.Tensor) -> Decomposition:
        # ||z||^2 - 2 z.p + ||p||^2 for S x P sampled prototypes at once (as the reference code)
        distances = ((z * z).sum(1, keepdim=True) - 2 * z @ prototypes.transpose(1, 2)
                     + (prototypes * prototypes).sum(2).unsqueeze(1)).clamp_min(0)  # (S, B, P)
        logits = distances @ self.last_layer  # (S, B, C)
        probabilities = torch.softmax(logits, -1)
        mean_distances = distances.mean(0)
        exact = ("contributions E_s[D_sj] W_jc add up to the Monte Carlo mean logit E_s[z_c] (bias 0), not to "
                 f"the mean probability E_s softmax(z_s) the outputs hold ({len(prototypes)} prototype samples)")
        return Decomposition(probabilities.mean(0), scores=mean_distances, weights=self.last_layer.t(),
                             bias=z.new_zeros(self.num_classes), output="mean_probability", complete=False,
                             exact=exact, extras={"codes": z, "distances": distances, "logits": logits,
                                                  "probabilities": probabilities})

    def training_forward(self, batch) -> Decomposition:
        z = self.autoencoder.encode(batch.inputs)
        if self.phase == "autoencoder":
            return Decomposition(z.new_zeros(len(z), self.num_classes), extras={"codes": z})
        return self._decomposition(z, self.sample_prototypes(self.hparams.train_samples))

    def loss_terms(self, batch, output: Decomposition) -> dict[str, torch.Tensor]:
        x, z = batch.inputs, output.extras["codes"]
        reconstruction = F.mse_loss(self.autoencoder.decode(z), x)
        if self.phase == "autoencoder":
            return {"reconstruction": reconstruction}
        logits = output.extras["logits"]  # (S, B, C)
        targets = batch.targets
        nll = F.cross_entropy(logits.flatten(0, 1), targets.repeat(len(logits)))
        neg_log_likelihood = -self.prototype_distribution().log_prob(z.unsqueeze(1))  # (B, P)
        return {
            "nll": nll,
            "reconstruction": reconstruction,
            "r1": neg_log_likelihood.min(dim=0).values.mean(),
            "r2": neg_log_likelihood.gather(1, targets.unsqueeze(1)).clamp(-1, 1e4).mean(),
        }

    def loss_weights(self) -> dict[str, float]:
        hp = self.hparams
        return {"nll": hp.nll_weight, "reconstruction": hp.reconstruction_weight, "r1": hp.r1_weight,
                "r2": hp.r2_weight}

    def update_metrics(self, metrics, output: Decomposition, batch) -> None:
        if self.training and self.phase == "autoencoder":
            return
        super().update_metrics(metrics, output, batch)

    def evaluation_loss(self, batch, output: Decomposition) -> torch.Tensor:
        return F.nll_loss(output.outputs.clamp_min(1e-12).log(), batch.targets)

    # ---- phases ---------------------------------------------------------------------------------------------
    @property
    def total_epochs(self) -> int:
        return self.hparams.autoencoder_epochs + self.hparams.joint_epochs

    def configure_callbacks(self):
        hp = self.hparams
        return [PhaseSchedule([("autoencoder", hp.autoencoder_epochs), ("joint", hp.joint_epochs)])]

    def configure_optimizers(self):
        autoencoder = torch.optim.Adam(self.autoencoder.parameters(), lr=self.hparams.lr)
        joint = torch.optim.Adam([p for p in self.parameters() if p.requires_grad], lr=self.hparams.lr)
        return [autoencoder, joint]

    def on_fit_start(self) -> None:
        """With ``base`` (a released ``PrototypeAutoencoder``, "name.tag"): a fresh fit starts from the base's
        trained autoencoder and fits the prototype distributions to its class encodings."""
        if self.hparams.base is None or self.trainer.ckpt_path is not None:
            return
        from .factory import create_model

        name, tag = self.hparams.base.split(".", 1)
        base = create_model(name, pretrained=tag)
        if not isinstance(base, PrototypeAutoencoder) or isinstance(base, ProbPSENN):
            raise ValueError(f"base must be a released prototype autoencoder, got {type(base).__name__}")
        self.autoencoder.load_state_dict(base.autoencoder.state_dict())
        datamodule = self.trainer.datamodule
        if datamodule is not None and hasattr(datamodule, "eval_dataloader"):
            self.fit_prototypes(datamodule.eval_dataloader("train"))

    def on_phase_epoch_start(self, phase: str, first_epoch_of_phase: bool, resumed: bool = False) -> None:
        if phase == "joint" and first_epoch_of_phase and self.hparams.autoencoder_epochs > 0:
            datamodule = self.trainer.datamodule if self._trainer is not None else None
            if datamodule is not None and hasattr(datamodule, "eval_dataloader"):
                self.fit_prototypes(datamodule.eval_dataloader("train"))

    @torch.no_grad()
    def encode_split(self, dataloader) -> tuple[torch.Tensor, torch.Tensor]:
        from datamodules.batch import as_batch

        codes, labels = [], []
        with evaluating(self):
            for batch in dataloader:
                batch = as_batch(batch).to(self.device)
                codes.append(self.autoencoder.encode(batch.inputs))
                labels.append(batch.targets)
        return torch.cat(codes), torch.cat(labels)

    @torch.no_grad()
    def fit_prototypes(self, dataloader) -> None:
        """Every prototype distribution <- its class's encodings: mean and covariance (diagonal variance for
        ``gauss_diag``; both mixture components at the class statistics, spread by one standard deviation)."""
        codes, labels = self.encode_split(dataloader)
        Z = codes.shape[1]
        for c in range(self.num_classes):
            own = codes[labels == c]
            if len(own) < 2:
                continue
            mean = own.mean(0)
            if self.hparams.distribution == "gauss_diag":
                std = own.std(0).clamp_min(1e-3)
                self.prototype_scale[c] = std + torch.log(-torch.expm1(-std))  # softplus^-1
                self.prototype_loc[c] = mean
                continue
            covariance = torch.cov(own.t())
            # a floor on the variances (1% of the mean variance): dead latent units have none, and a zero
            # variance would make R2 (the encodings' NLL) explode
            floor = max(1e-3, 0.01 * float(covariance.diagonal().mean()))
            covariance = covariance + floor * torch.eye(Z, device=own.device)
            tril = torch.linalg.cholesky(covariance)
            self.prototype_scale[c] = inverse_fill_scale_tril(tril).unsqueeze(0).expand_as(self.prototype_scale[c])
            spread = own.std(0) if self.prototype_loc.shape[1] > 1 else torch.zeros_like(mean)
            signs = torch.tensor([1.0, -1.0], device=mean.device)[: self.prototype_loc.shape[1]]
            self.prototype_loc[c] = mean + signs.unsqueeze(1) * spread * 0.5

    def on_validation_epoch_end(self) -> None:
        """Refresh the training distance quantiles (the distance percentile) so every checkpoint has its own."""
        trainer = self._trainer
        if trainer is None or trainer.sanity_checking or trainer.datamodule is None:
            return
        if hasattr(trainer.datamodule, "eval_dataloader"):
            self.fit_distance_quantiles(trainer.datamodule.eval_dataloader("train"))

    @torch.no_grad()
    def fit_distance_quantiles(self, dataloader) -> None:
        codes, labels = self.encode_split(dataloader)
        distances = squared_distances(codes, self.prototype_modes())  # (N, P)
        levels = torch.linspace(0, 1, 1001, device=codes.device)
        for c in range(self.num_classes):
            own = distances[labels == c, c]
            if len(own):
                self.training_distance_quantiles[c] = torch.quantile(own, levels)

    # ---- uncertainty -----------------------------------------------------------------------------------------
    @staticmethod
    def entropy_decomposition(probabilities: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(S, B, C) sampled class probabilities -> (predictive, aleatoric, epistemic), each (B,), in nats."""
        mean = probabilities.mean(0)
        predictive = -(mean * mean.clamp_min(1e-12).log()).sum(-1)
        aleatoric = -(probabilities * probabilities.clamp_min(1e-12).log()).sum(-1).mean(0)
        return predictive, aleatoric, (predictive - aleatoric).clamp_min(0)

    def distance_percentile(self, z: torch.Tensor, classes: torch.Tensor) -> torch.Tensor:
        """(B,) percentile of ||z - mode(p_c)||^2 among training inputs of class c."""
        distances = squared_distances(z, self.prototype_modes())
        own = distances.gather(1, classes.unsqueeze(1))
        quantiles = self.training_distance_quantiles[classes]  # (B, 1001)
        return (quantiles <= own).float().mean(1) * 100

    def explanation_sections(self, decomposition: Decomposition, batch, classes: torch.Tensor) -> list[dict]:
        extras = decomposition.extras
        probabilities, distances, z = extras["probabilities"], extras["distances"], extras["codes"]
        predictive, aleatoric, epistemic = self.entropy_decomposition(probabilities)
        predictions = decomposition.outputs.argmax(1)
        percentile = self.distance_percentile(z, predictions)
        fitted = bool(self.training_distance_quantiles.abs().sum() > 0)
        # What the contributions add up to: the Monte Carlo mean logit E_s[z_c] = sum_j E_s[D_sj] W_jc (bias 0),
        # for the explained class and, for the contrast, minus the runner-up's (the record builder's runner-up:
        # the highest other mean probability).
        mean_logits = extras["logits"].detach().double().mean(0)  # (B, C)
        others = decomposition.outputs.detach().double().clone()
        rows = torch.arange(len(classes), device=others.device)
        others[rows, classes] = -torch.inf
        runner_up = others.argmax(1) if others.shape[1] > 1 else None
        sections = []
        for n in range(len(classes)):
            value = float(mean_logits[n, classes[n]])
            margin = None if runner_up is None else value - float(mean_logits[n, runner_up[n]])
            sums_to = SumsToSection(name="Monte Carlo mean logit", value=value, margin=margin,
                                    outputs=mean_logits[n].tolist())
            overlap = explanatory_overlap(distances[:, n].detach().cpu().double().numpy(), int(predictions[n]))
            uninformed = bool(fitted and percentile[n] > self.hparams.uninformed_percentile)
            sections.append({"uncertainty": UncertaintySection(
                predictive=float(predictive[n]), aleatoric=float(aleatoric[n]), epistemic=float(epistemic[n]),
                explanatory=overlap, distance_percentile=float(percentile[n]) if fitted else None,
                uninformed=uninformed, samples=len(probabilities), seed=extras.get("seed")), "sums_to": sums_to})
        return sections

    @torch.no_grad()
    def uncertainty_scores(self, x: torch.Tensor, samples: Samples | None = None, seed: Seed = 0,
                           batch_size: int = 500) -> dict[str, torch.Tensor]:
        """(N,) predictive, aleatoric and epistemic entropy and the distance percentile of every input."""
        parts: dict[str, list[torch.Tensor]] = {"predictive": [], "aleatoric": [], "epistemic": [], "percentile": []}
        with evaluating(self):
            for i in range(0, len(x), batch_size):
                d = self.decompose(self.check_input(x[i : i + batch_size]), samples=samples, seed=seed)
                for name, value in zip(("predictive", "aleatoric", "epistemic"),
                                       self.entropy_decomposition(d.extras["probabilities"])):
                    parts[name].append(value)
                parts["percentile"].append(self.distance_percentile(d.extras["codes"], d.outputs.argmax(1)))
        return {name: torch.cat(values) for name, values in parts.items()}

    def release_checks(self, directory, datamodule) -> dict[str, Any]:
        """The explanation metrics and the OOD AUROC of every uncertainty score (the entropy decomposition, the
        distance percentile, ...) on the test split against the generated shifts (``models.evaluation``)."""
        from .evaluation import release_evaluation

        return release_evaluation(self, datamodule)

    def unit_details(self, decomposition: Decomposition, row: int, units: list[int]) -> list[dict[str, Any]]:
        distances = decomposition.extras["distances"][:, row]  # (S, P)
        return [{"prototype_class": j, "mean_squared_distance": float(distances[:, j].mean()),
                 "std_squared_distance": float(distances[:, j].std()) if len(distances) > 1 else 0.0}
                for j in units]

    def explain_options(self) -> list[str]:
        return ["samples", "mode", "seed"]

    def global_explanation(self) -> GlobalExplanation:
        with torch.no_grad(), evaluating(self):
            modes = self.autoencoder.decode(self.prototype_modes()).cpu()
            generator = torch.Generator(device=self.prototype_loc.device).manual_seed(0)
            samples = self.autoencoder.decode(self.sample_prototypes(4, generator).flatten(0, 1)).cpu()
        samples = samples.view(4, self.num_classes, *samples.shape[1:])
        weights = self.last_layer.detach().cpu()
        units = [GlobalUnit(index=j, name=self.unit_name(j), role="prototype", class_index=j,
                            weights=weights[j].tolist(), image=modes[j].permute(1, 2, 0).numpy(),
                            details={"distribution": self.hparams.distribution,
                                     "decoded_samples": samples[:, j, 0].numpy().round(3).tolist()})
                 for j in range(self.num_classes)]
        return GlobalExplanation(kind=self.kind, model=self.variant, class_names=list(self.spec.class_names),
                                 units=units, matrices={"last_layer": weights.numpy()},
                                 details={"distribution": self.hparams.distribution,
                                          "unit_picture": "decoded prototype (its mode)",
                                          "decoded_samples": "4 samples of each prototype distribution (seed 0), "
                                                             "decoded (first channel)",
                                          "matrix_axes": {"last_layer": ["prototype", "class"]}})


def explanatory_overlap(distances: np.ndarray, predicted: int, grid: int = 256) -> float | None:
    """Largest overlap (integral of min of the two densities) between the Gaussian KDE of the sampled
    distances to the predicted class's prototype and that of another class's; None with one sample."""
    if len(distances) < 2:
        return None
    from scipy.stats import gaussian_kde

    low, high = distances.min(), distances.max()
    pad = 0.1 * (high - low) + 1e-9
    xs = np.linspace(low - pad, high + pad, grid)
    step = xs[1] - xs[0]

    def density(values: np.ndarray) -> np.ndarray:
        if np.ptp(values) < 1e-12:  # a point mass: a narrow bump on the grid
            out = np.zeros_like(xs)
            out[np.abs(xs - values[0]).argmin()] = 1 / step
            return out
        return gaussian_kde(values)(xs)

    own = density(distances[:, predicted])
    overlaps = [float(np.minimum(own, density(distances[:, c])).sum() * step)
                for c in range(distances.shape[1]) if c != predicted]
    return max(overlaps) if overlaps else None


_LI = ("Li et al., Deep Learning for Case-Based Reasoning through Prototypes: A Neural Network that Explains Its "
       "Predictions, AAAI 2018")
_VADILLO = ("Vadillo et al., Uncertainty-Aware Explanations Through Probabilistic Self-Explainable Neural Networks, "
            "arXiv 2403.13740")


@register_model(PrototypeAutoencoder, default_data="mnist5k", paper=_LI)
def prototype_ae():
    """Li et al.'s MNIST model: 15 prototypes in a 40-dimensional latent space."""
    return dict(num_prototypes=15, channels=[32, 32, 32, 10])


@register_model(PrototypeAutoencoder, default_data="digits", paper=_LI)
def prototype_ae8():
    """8x8 digits: three stride-2 layers (8 -> 4 -> 2 -> 1), a 10-dimensional latent."""
    return dict(num_prototypes=15, channels=[32, 32, 10])


@register_model(ProbPSENN, default_data="mnist5k", paper=_VADILLO)
def prob_psenn():
    """Full-covariance Gaussian prototypes on Li et al.'s autoencoder."""
    return dict(distribution="gauss_full", channels=[32, 32, 32, 10])


@register_model(ProbPSENN, default_data="mnist5k", paper=_VADILLO)
def prob_psenn_diag():
    return dict(distribution="gauss_diag", channels=[32, 32, 32, 10])


@register_model(ProbPSENN, default_data="mnist5k", paper=_VADILLO)
def prob_psenn_mixture():
    return dict(distribution="mix_gf", channels=[32, 32, 32, 10])


@register_model(ProbPSENN, default_data="digits", paper=_VADILLO)
def prob_psenn8():
    return dict(distribution="gauss_full", channels=[32, 32, 10])
