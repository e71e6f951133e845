"""ProtoPNet: "This Looks Like That: Deep Learning for Interpretable Image Recognition" (Chen et al., NeurIPS
2019), written to be read beside the paper (Sec. 2.1 architecture, Sec. 2.2 the three training stages).

    x ─f (backbone + add-on layers)─▶ z (B, D, H', W') ─g_p─▶ squared L2 distances to the P prototypes
      (B, P, H', W') ─global min-pool─▶ log-similarity (B, P) ─h (last layer, no bias)─▶ logits (B, C)

Training (Sec. 2.2), run by Lightning with the callbacks from ``configure_callbacks``:
  warm   add-on layers + prototypes (backbone frozen), Adam;
  joint  stage 1, SGD of every layer before the last: CE + 0.8 Clst - 0.08 Sep, StepLR;
  push   stage 2, projection: every prototype <- its nearest latent training patch of its own class;
  last   stage 3, the last layer alone: CE + 1e-4 * L1 over the weights off each prototype's class.
The schedule (``phase_blocks``) always ends on push + last layer, so a finished model's prototypes are real
training patches. Only projected models are faithful, so checkpoints are selected on ``val/acc_projected``.

Where this differs from the reference code (cfchen-duke/ProtoPNet), and why:
- the push is vectorised over prototypes (same result as its per-prototype loop: first minimum wins ties);
- in the last-layer phase the frozen layers stay in eval mode (the code keeps model.train()), so BatchNorm
  statistics cannot drift and the final prototypes stay exactly their training patches;
- pruning masks instead of removing: a pruned prototype keeps its slot, its last-layer weights are held at
  zero (the weights are multiplied by ``prototype_mask``) and it takes no part in the costs or the push;
- high-activation boxes use torch's bicubic upsampling (the code uses cv2.INTER_CUBIC, same kernel).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Subset
from torchmetrics.classification import MulticlassAccuracy

from configs.validation import Count, Epochs, NonNegative, Positive
from datamodules.batch import as_batch, collate

from .backbones import create_backbone, receptive_field_boxes
from .base import Decomposition, InterpretableModel, in_eval_mode
from .explanation import GlobalExplanation, GlobalUnit, SourceRef, UnitScore
from .layers.activation_maps import high_activation_boxes
from .phases import PhaseSchedule
from .registry import register_model

PHASES = ("warm", "joint", "last_layer")


def add_on_layers(in_channels: int, prototype_dim: int, kind: str) -> nn.Sequential:
    """Sec. 2.1: two (or more) 1x1 convolutions after the backbone; the last activation is a sigmoid."""
    if kind == "regular":
        layers = [nn.Conv2d(in_channels, prototype_dim, 1), nn.ReLU(),
                  nn.Conv2d(prototype_dim, prototype_dim, 1), nn.Sigmoid()]
    elif kind == "bottleneck":  # halve the channels until D, one conv-ReLU-conv pair per halving
        layers, channels = [], in_channels
        while channels > prototype_dim or not layers:
            out = max(prototype_dim, channels // 2)
            layers += [nn.Conv2d(channels, out, 1), nn.ReLU(), nn.Conv2d(out, out, 1)]
            layers.append(nn.ReLU() if out > prototype_dim else nn.Sigmoid())
            channels = out
    else:
        raise ValueError(f"add_on must be 'regular' or 'bottleneck', got {kind!r}")
    block = nn.Sequential(*layers)
    for m in block.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            nn.init.zeros_(m.bias)
    return block


def squared_distances(z: torch.Tensor, prototypes: torch.Tensor) -> torch.Tensor:
    """Squared L2 distance of every 1x1 patch of ``z`` (B, D, H, W) to every prototype (P, D, 1, 1), by the
    conv trick ||z||^2 - 2 z.p + ||p||^2 (clamped at 0 against round-off): (B, P, H, W)."""
    z_squared = F.conv2d(z * z, torch.ones_like(prototypes))  # (B, P, H, W), the same for every p
    z_dot_p = F.conv2d(z, prototypes)
    p_squared = (prototypes * prototypes).sum(dim=(1, 2, 3)).view(1, -1, 1, 1)
    return F.relu(z_squared - 2 * z_dot_p + p_squared)


def log_similarity(distances: torch.Tensor, epsilon: float = 1e-4) -> torch.Tensor:
    """Sec. 2.1: g(d) = log((d + 1) / (d + epsilon)), large when a patch is close to the prototype."""
    return torch.log((distances + 1) / (distances + epsilon))


def choose_push_winners(distances: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
    """(W, P) best distance and dataset index found by each of W ranks -> (P,) the winning rank: the smallest
    distance, ties broken by the lowest dataset index, so every rank makes the same choice."""
    best = distances.min(0).values
    unused = torch.iinfo(indices.dtype).max
    candidates = torch.where((distances == best) & (indices >= 0), indices, unused)
    return candidates.argmin(0)


class ProtoPNet(InterpretableModel):
    """Prototypical part network. ``prototypes_per_class`` prototypes per class, each a (D, 1, 1) latent
    patch; prototype j belongs to class j // prototypes_per_class."""

    kind = "prototype"
    selection_metric = "val/acc_projected"
    phases = PHASES  # one optimiser each (Sec. 2.2)
    # Phases freeze parts of the network after DDP has wrapped it: DDP must look for unused parameters
    # (strategy="ddp_find_unused_parameters_true").
    ddp_find_unused_parameters = True

    def __init__(
        self,
        spec: dict[str, Any],
        backbone: str = "small_cnn_28",
        backbone_pretrained: bool = False,
        backbone_weights: str | None = None,
        prototypes_per_class: Count = 10,
        prototype_dim: Count = 128,
        add_on: str = "regular",
        similarity: str = "log",
        epsilon: Positive = 1e-4,
        incorrect_class_connection: float = -0.5,
        cluster_cost_weight: NonNegative = 0.8,
        separation_cost_weight: NonNegative = 0.08,
        l1_weight: NonNegative = 1e-4,
        train_epochs: Epochs = 31,
        warm_epochs: Epochs = 5,
        push_start: Epochs = 10,
        push_every: Count = 10,
        last_layer_epochs: Epochs = 20,
        warm_lr: NonNegative = 3e-3,
        features_lr: NonNegative = 1e-4,
        add_on_lr: NonNegative = 3e-3,
        prototype_lr: NonNegative = 3e-3,
        last_layer_lr: NonNegative = 1e-4,
        weight_decay: NonNegative = 1e-3,
        joint_lr_step: Count = 5,
        joint_lr_gamma: float = 0.1,
        prune: bool = False,
        prune_k: Count = 6,
        prune_threshold: Count = 3,
    ):
        super().__init__(spec)
        self.save_hyperparameters()
        if similarity not in ("log", "linear"):
            raise ValueError(f"similarity must be 'log' or 'linear', got {similarity!r}")
        if not (1 <= train_epochs and 0 <= warm_epochs <= train_epochs and push_every >= 1
                and last_layer_epochs >= 1):
            raise ValueError("need 1 <= train_epochs, 0 <= warm_epochs <= train_epochs, push_every >= 1 and "
                             "last_layer_epochs >= 1 (the run ends on push + last layer)")
        self.features = create_backbone(backbone, self.spec.input_shape[0], backbone_pretrained,
                                        backbone_weights)
        self.add_on_layers = add_on_layers(self.features.out_channels, prototype_dim, add_on)
        num_prototypes = prototypes_per_class * self.num_classes
        self.prototype_shape = (num_prototypes, prototype_dim, 1, 1)
        self.prototype_vectors = nn.Parameter(torch.rand(self.prototype_shape))
        classes = torch.arange(num_prototypes) // prototypes_per_class
        self.register_buffer("prototype_class_identity", F.one_hot(classes, self.num_classes).float(), False)
        self.last_layer = nn.Linear(num_prototypes, self.num_classes, bias=False)
        self.set_last_layer_incorrect_connection(incorrect_class_connection)

        self.register_buffer("prototype_mask", torch.ones(num_prototypes, dtype=torch.bool))  # False: pruned
        # The push record (Sec. 2.2 stage 2), saved with the weights: where each prototype came from.
        self.register_buffer("prototypes_projected", torch.zeros((), dtype=torch.bool))
        self.register_buffer("source_index", torch.full((num_prototypes,), -1, dtype=torch.long))
        self.register_buffer("source_class", torch.full((num_prototypes,), -1, dtype=torch.long))
        self.register_buffer("source_location", torch.full((num_prototypes, 2), -1, dtype=torch.long))
        self.register_buffer("source_receptive_field", torch.full((num_prototypes, 4), -1, dtype=torch.long))
        self.register_buffer("source_high_activation", torch.full((num_prototypes, 4), -1, dtype=torch.long))
        self.register_buffer("source_distance", torch.full((num_prototypes,), float("nan")))
        self._receptive_fields: torch.Tensor | None = None  # (H', W', 4), computed once when first needed

        self.val_acc_projected = MulticlassAccuracy(num_classes=self.num_classes, average="micro")

    # ---- architecture (Sec. 2.1) --------------------------------------------------------------------
    @property
    def num_prototypes(self) -> int:
        return self.prototype_shape[0]

    @property
    def prototype_classes(self) -> torch.Tensor:
        """(P,) the class of every prototype."""
        return self.prototype_class_identity.argmax(1)

    def set_last_layer_incorrect_connection(self, incorrect_strength: float) -> None:
        """w(k, j) = 1 if prototype j belongs to class k, else ``incorrect_strength`` (-0.5)."""
        positive = self.prototype_class_identity.t()  # (C, P)
        with torch.no_grad():
            self.last_layer.weight.copy_(positive + incorrect_strength * (1 - positive))

    def conv_features(self, x: torch.Tensor) -> torch.Tensor:
        """f(x): backbone then add-on layers, (B, D, H', W'); ``x`` are raw images in [0, 1]."""
        return self.add_on_layers(self.features(self.normalize(x)))

    def push_forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(latent patches z (B, D, H', W'), squared distances to every prototype (B, P, H', W'))."""
        z = self.conv_features(x)
        with torch.autocast(z.device.type, enabled=False):  # in bf16/fp16, ||z||^2 - 2z.p + ||p||^2 cancels
            return z, squared_distances(z.float(), self.prototype_vectors.float())

    def distance_to_similarity(self, distances: torch.Tensor) -> torch.Tensor:
        if self.hparams.similarity == "log":
            return log_similarity(distances, self.hparams.epsilon)
        return -distances

    def effective_weights(self) -> torch.Tensor:
        """(C, P) the last layer with pruned prototypes' columns held at zero."""
        return self.last_layer.weight * self.prototype_mask.to(self.last_layer.weight.dtype)

    def decompose(self, x: torch.Tensor) -> Decomposition:
        """logits = h(g_p(f(x))): similarities (B, P) times the last layer (C, P); no bias."""
        _, distances = self.push_forward(x)  # (B, P, H', W'), float32
        with torch.autocast(distances.device.type, enabled=False):
            min_distances = distances.flatten(2).min(dim=2).values  # global min-pool, (B, P)
            similarities = self.distance_to_similarity(min_distances)
            weights = self.effective_weights().float()
            logits = F.linear(similarities, weights)
        return Decomposition(logits, similarities, weights, logits.new_zeros(self.num_classes),
                             extras={"distances": distances, "min_distances": min_distances})

    # ---- losses (Sec. 2.2) ---------------------------------------------------------------------------
    def loss_terms(self, batch, output: Decomposition) -> dict[str, torch.Tensor]:
        """CE; Clst = mean_i min over own-class prototypes and patches of the squared distance; Sep = the same
        over the other classes' prototypes; L1 = |w(k, j)| summed over prototypes j not of class k."""
        targets = batch.targets
        min_distances = output.extras["min_distances"]  # (B, P)
        own_class = self.prototype_class_identity[:, targets].t().bool()  # (B, P)
        active = self.prototype_mask.unsqueeze(0)
        max_distance = float(self.hparams.prototype_dim)  # the distance bound the paper's code falls back on
        off_class = 1 - self.prototype_class_identity.t()  # (C, P)
        return {
            "cross_entropy": F.cross_entropy(output.outputs, targets),
            "cluster": _masked_min(min_distances, own_class & active, max_distance).mean(),
            "separation": _masked_min(min_distances, ~own_class & active, max_distance).mean(),
            "l1": (self.effective_weights() * off_class).abs().sum(),
        }

    def loss_weights(self) -> dict[str, float]:
        """CE + 0.8 Clst - 0.08 Sep + 1e-4 L1 (the paper's coefficients are the defaults)."""
        hp = self.hparams
        return {"cross_entropy": 1.0, "cluster": hp.cluster_cost_weight, "separation": -hp.separation_cost_weight,
                "l1": hp.l1_weight}

    # ---- training phases -----------------------------------------------------------------------------
    def phase_blocks(self) -> list[tuple[str, int]]:
        """The paper's ``main.py`` loop as (phase, epochs) blocks: epochs < warm_epochs are warm, the rest
        joint; after joint epoch e with e >= push_start and e % push_every == 0, and always after the last
        one, a push and ``last_layer_epochs`` last-layer epochs (the push runs at the start of that block)."""
        hp = self.hparams
        blocks: list[tuple[str, int]] = []
        for epoch in range(hp.train_epochs):
            phase = "warm" if epoch < hp.warm_epochs else "joint"
            if blocks and blocks[-1][0] == phase:
                blocks[-1] = (phase, blocks[-1][1] + 1)
            else:
                blocks.append((phase, 1))
            if (epoch >= hp.push_start and epoch % hp.push_every == 0) or epoch == hp.train_epochs - 1:
                blocks.append(("last_layer", hp.last_layer_epochs))
        return blocks

    @property
    def total_epochs(self) -> int:
        """Trainer epochs of the whole schedule (warm + joint + every last-layer block): use as max_epochs."""
        return sum(epochs for _, epochs in self.phase_blocks())

    def configure_callbacks(self) -> list[L.Callback]:
        schedule = PhaseSchedule(self.phase_blocks())
        return [schedule, PrototypePush(schedule)]

    def configure_optimizers(self):
        hp = self.hparams
        warm = torch.optim.Adam([
            {"params": self.add_on_layers.parameters(), "lr": hp.warm_lr, "weight_decay": hp.weight_decay},
            {"params": [self.prototype_vectors], "lr": hp.warm_lr},
        ])
        joint = torch.optim.Adam([
            {"params": self.features.parameters(), "lr": hp.features_lr, "weight_decay": hp.weight_decay},
            {"params": self.add_on_layers.parameters(), "lr": hp.add_on_lr, "weight_decay": hp.weight_decay},
            {"params": [self.prototype_vectors], "lr": hp.prototype_lr},
        ])
        last_layer = torch.optim.Adam([{"params": self.last_layer.parameters(), "lr": hp.last_layer_lr}])
        joint_schedule = torch.optim.lr_scheduler.StepLR(joint, step_size=hp.joint_lr_step,
                                                         gamma=hp.joint_lr_gamma)
        return [warm, joint, last_layer], [joint_schedule]

    def on_phase_epoch_start(self, phase: str, first_epoch_of_phase: bool, resumed: bool = False) -> None:
        """Called by ``PhaseSchedule``. What trains in each phase (``main.py``'s warm_only / joint /
        last_only); the last layer keeps requires_grad in warm and joint but is in neither optimiser, as in
        the paper."""
        if phase not in PHASES:
            raise ValueError(f"unknown ProtoPNet phase {phase!r}; phases are {PHASES}")
        self.phase = phase
        # Deviation from the paper's code (model.train() in every phase): in the last-layer phase the frozen
        # layers stay in eval mode, so BatchNorm statistics cannot drift away from the pushed patches.
        self.train()
        self.features.train(phase != "last_layer")
        self.add_on_layers.train(phase != "last_layer")
        self.features.requires_grad_(phase == "joint")
        self.add_on_layers.requires_grad_(phase != "last_layer")
        self.prototype_vectors.requires_grad_(phase != "last_layer")
        self.last_layer.requires_grad_(True)
        if phase == "joint" and not resumed:  # a resumed epoch's step is already in the checkpoint
            with warnings.catch_warnings():  # the paper steps the joint scheduler before each joint epoch
                warnings.filterwarnings("ignore", message=".*lr_scheduler.step.*")
                self.lr_schedulers().step()

    def skip_training_step(self) -> bool:
        return self.phase == "last_layer" and self.hparams.similarity == "linear"  # as the paper's code

    def selection_help(self) -> str:
        first_push = PhaseSchedule(self.phase_blocks()).block_starts("last_layer")[0]
        ran = self.trainer.max_epochs if self._trainer is not None else "?"
        return (f"ProtoPNet is selected on {self.selection_metric}, which exists only after a push: this schedule's "
                f"first push is at epoch {first_push}, and the run had {ran} epoch(s). Leave trainer.max_epochs "
                f"unset (the schedule's {self.total_epochs}) or set it above {first_push}.")

    def after_optimizer_step(self) -> None:
        if self.phase != "last_layer":
            self.prototypes_projected.fill_(False)
        elif not self.prototype_mask.all():
            with torch.no_grad():  # Adam's momentum would move pruned weights even with zero gradient
                self.last_layer.weight[:, ~self.prototype_mask] = 0

    def validation_step(self, batch, batch_idx):
        output = self._eval_step(batch, self.val_metrics, "val")
        if self.prototypes_projected:
            self.val_acc_projected.update(output.outputs, as_batch(batch).targets)

    def on_validation_epoch_end(self) -> None:
        # Accuracy of the projected model only; NaN (no value: never selected) while the prototypes are not
        # training patches.
        if self.prototypes_projected:
            value = self.val_acc_projected.compute()
        else:
            value = torch.tensor(float("nan"), device=self.device)
        self.val_acc_projected.reset()
        self.log("val/acc_projected", value, prog_bar=True, sync_dist=True)

    # ---- projection (Sec. 2.2 stage 2) ---------------------------------------------------------------
    @torch.no_grad()
    @in_eval_mode
    def push(self, dataloader, world_size: int | None = None) -> dict[str, Any]:
        """Project every prototype onto its nearest latent training patch of its own class.

        ``dataloader`` yields un-augmented batches of the push split (items with their ``ids``: their index
        in that split; without ids, batches are taken as the split in order). Per
        batch, all prototypes at once: distance maps masked to each prototype's class, argmin over
        (image, h, w), kept when strictly better than the best so far (so ties go to the lowest index). Under
        torch.distributed every rank pushes its own shard, then the ranks exchange their best candidates and
        all keep the same winners. Returns a short summary."""
        device = self.prototype_vectors.device
        P = self.num_prototypes
        best_distance = torch.full((P,), math.inf, device=device)
        best_index = torch.full((P,), -1, dtype=torch.long, device=device)
        best_class = torch.full((P,), -1, dtype=torch.long, device=device)
        best_location = torch.full((P, 2), -1, dtype=torch.long, device=device)
        rf = self.receptive_field_boxes().to(device)  # (H', W', 4)
        best_map = torch.zeros((P, *rf.shape[:2]), device=device)  # each source image's distance map
        best_patch = self.prototype_vectors.detach().flatten(1).clone()  # (P, D)
        prototype_indices = torch.arange(P, device=device)
        identity = self.prototype_class_identity.bool()  # (P, C)
        input_size = tuple(self.spec.input_shape[1:])
        seen = 0
        for batch in dataloader:
            batch = as_batch(batch).to(device)
            x, y = batch.inputs, batch.targets
            index = batch.ids if batch.ids is not None else torch.arange(seen, seen + len(x), device=device)
            seen += len(x)
            z, distances = self.push_forward(self.check_input(x))  # (B, D, H, W), (B, P, H, W)
            B, _, H, W = z.shape
            own_class = identity[:, y] & self.prototype_mask[:, None]  # (P, B): class-specific push
            candidates = distances.transpose(0, 1).masked_fill(~own_class[:, :, None, None], math.inf)
            batch_best, flat = candidates.flatten(1).min(dim=1)  # over (image, h, w); first minimum on ties
            improved = batch_best < best_distance  # no host sync in the loop: torch.where, never `if`
            image, position = flat // (H * W), flat % (H * W)
            h, w = position // W, position % W
            best_distance = torch.where(improved, batch_best, best_distance)
            best_index = torch.where(improved, index[image], best_index)
            best_class = torch.where(improved, y[image], best_class)
            best_location = torch.where(improved[:, None], torch.stack([h, w], 1), best_location)
            best_patch = torch.where(improved[:, None], z[image, :, h, w], best_patch)
            best_map = torch.where(improved[:, None, None], distances[image, prototype_indices], best_map)
        if world_size is None:
            world_size = _world_size()
        if world_size > 1:
            winner = choose_push_winners(_all_gather(best_distance), _all_gather(best_index))
            best_distance, best_index, best_class, best_location, best_map, best_patch = (
                _all_gather(t)[winner, prototype_indices] for t in
                (best_distance, best_index, best_class, best_location, best_map, best_patch))
        found = best_index >= 0
        if (~found & self.prototype_mask).any():
            missing = torch.nonzero(~found & self.prototype_mask).flatten().tolist()
            warnings.warn(f"push found no image of their class for prototypes {missing[:10]}; they keep "
                          f"their vectors and have no source", stacklevel=2)
        self.prototype_vectors.data.copy_(best_patch.view(self.prototype_shape))
        rows, cols = best_location.clamp(min=0).unbind(1)
        self.source_index.copy_(best_index)
        self.source_class.copy_(best_class)
        self.source_location.copy_(best_location)
        self.source_receptive_field.copy_(torch.where(found[:, None], rf[rows, cols], -1))
        # As push.py: the high-activation box of the source image's map for the prototype as it was before this
        # projection; upsampled once, for the winners only.
        boxes = high_activation_boxes(self.distance_to_similarity(best_map), input_size)
        self.source_high_activation.copy_(torch.where(found[:, None], boxes, -1))
        self.source_distance.copy_(best_distance.masked_fill(~found, math.nan))
        self.prototypes_projected.fill_(True)
        return {"projected": int(found.sum()), "mean_distance": float(best_distance[found].mean())
                if found.any() else math.nan}

    def receptive_field_boxes(self) -> torch.Tensor:
        """(H', W', 4) input box ``(y0, y1, x0, x1)`` of every latent cell; the add-on layers are 1x1, so they
        are the backbone's. Computed once."""
        if self._receptive_fields is None:
            self._receptive_fields = receptive_field_boxes(self.features, tuple(self.spec.input_shape))
        return self._receptive_fields

    def release_checks(self, directory, datamodule) -> dict[str, Any]:
        """Part consistency and stability (EvalProtoPNet, where the data has part annotations), deletion /
        insertion of the most similar prototype's region, and OOD AUROC (``models.evaluation``)."""
        from .evaluation import release_evaluation

        return release_evaluation(self, datamodule)

    # ---- pruning (the paper's pruning step) ----------------------------------------------------------
    @torch.no_grad()
    @in_eval_mode
    def prune_prototypes(self, dataloader, k: int | None = None, threshold: int | None = None) -> list[int]:
        """Mask out every prototype for which fewer than ``threshold`` (3) of its ``k`` (6) nearest training
        patches are of its class; "nearest patches" are, as in the paper, each image's closest patch. The
        pruned prototypes' last-layer weights are zeroed; re-optimise the last layer afterwards (the push
        callback prunes before the final last-layer block). Returns the newly pruned indices."""
        k = k or self.hparams.prune_k
        threshold = threshold or self.hparams.prune_threshold
        device = self.prototype_vectors.device
        nearest = torch.full((0, self.num_prototypes), math.inf, device=device)
        nearest_labels = torch.full((0, self.num_prototypes), -1, dtype=torch.long, device=device)
        for batch in dataloader:
            batch = as_batch(batch).to(device)
            x, y = batch.inputs, batch.targets
            _, distances = self.push_forward(x)
            per_image = distances.flatten(2).min(dim=2).values  # (B, P)
            nearest = torch.cat([nearest, per_image])
            nearest_labels = torch.cat([nearest_labels, y[:, None].expand_as(per_image)])
            order = nearest.topk(min(k, len(nearest)), dim=0, largest=False).indices  # (k, P)
            nearest, nearest_labels = nearest.gather(0, order), nearest_labels.gather(0, order)
        own = (nearest_labels == self.prototype_classes[None]).sum(0)
        pruned = (own < threshold) & self.prototype_mask
        self.prototype_mask &= ~pruned
        self.last_layer.weight[:, pruned] = 0
        return torch.nonzero(pruned).flatten().tolist()

    # ---- explanations --------------------------------------------------------------------------------
    @property
    def unit_score(self) -> UnitScore:
        """A prototype's score is g_pj (Sec. 2.1): the similarity of the input's closest latent patch to p_j,
        log((d + 1) / (d + epsilon)) of its squared distance d (or -d for ``similarity="linear"``)."""
        if self.hparams.similarity == "log":
            epsilon = self.hparams.epsilon
            return UnitScore(name="log-similarity", about=(
                f"A prototype's score is ProtoPNet's log-similarity log((d + 1) / (d + {epsilon:g})) of the input's "
                f"closest latent patch at squared distance d from the prototype (Sec. 2.1): "
                f"{math.log(1 / epsilon):.3g} when the patch is the prototype, near 0 when it is far."))
        return UnitScore(name="negative squared distance", about=(
            "A prototype's score is minus the squared distance d of the input's closest latent patch to the "
            "prototype: 0 when the patch is the prototype, lower the farther it is."))

    def unit_names(self) -> list[str]:
        names = self.spec.class_names
        return [f"prototype {j} (class {names[c]})" for j, c in enumerate(self.prototype_classes.tolist())]

    def source_record(self, unit: int) -> dict[str, Any] | None:
        """Where prototype ``unit`` was projected from at the last push (None before any push)."""
        if int(self.source_index[unit]) < 0:
            return None
        return {
            "index": int(self.source_index[unit]),
            "class": int(self.source_class[unit]),
            "location": self.source_location[unit].tolist(),
            "receptive_field_box": self.source_receptive_field[unit].tolist(),
            "high_activation_box": self.source_high_activation[unit].tolist(),
            "distance": float(self.source_distance[unit]),
        }

    def unit_details(self, decomposition: Decomposition, sample: int, units: list[int]) -> list[dict[str, Any]]:
        """Sec. 3 ("this looks like that"): where in the input each prototype matched best, the receptive field
        and high-activation box there, and the training patch the prototype is."""
        distance_maps = decomposition.extras["distances"][sample, units]  # (k, H', W')
        width = distance_maps.shape[2]
        best = distance_maps.flatten(1).argmin(1).tolist()
        boxes = high_activation_boxes(self.distance_to_similarity(distance_maps),
                                      tuple(self.spec.input_shape[1:])).tolist()
        receptive_fields = self.receptive_field_boxes()
        details = []
        for unit, flat, box, distance_map in zip(units, best, boxes, distance_maps):
            h, w = divmod(flat, width)
            prototype_class = int(self.prototype_classes[unit])
            details.append({
                "prototype_class": prototype_class,
                "prototype_class_name": self.spec.class_names[prototype_class],
                "location": [h, w],
                "distance": float(distance_map[h, w]),
                "receptive_field_box": receptive_fields[h, w].tolist(),
                "high_activation_box": box,
                "projected": bool(self.prototypes_projected),
                "source": self.source_record(unit),
            })
        return details

    def unit_maps(self, decomposition: Decomposition, row: int, units: list[int]) -> dict[int, Any]:
        """Each unit's similarity map over the latent grid (the exporters upsample it onto the image)."""
        distances = decomposition.extras["distances"][row, units]
        return dict(zip(units, self.distance_to_similarity(distances).detach().float().cpu().numpy()))

    def global_explanation(self) -> GlobalExplanation:
        """Every prototype: its class, last-layer weights, and the training patch it was projected onto."""
        weights = self.effective_weights().detach().cpu()
        units = []
        for j, c in enumerate(self.prototype_classes.tolist()):
            record = self.source_record(j)
            source = None if record is None else SourceRef(
                split="train", index=record["index"],
                boxes={"high_activation": record["high_activation_box"],
                       "receptive_field": record["receptive_field_box"]},
                details={"class": record["class"], "location": record["location"], "distance": record["distance"]})
            units.append(GlobalUnit(index=j, name=self.unit_name(j), role="prototype", class_index=c,
                                    weights=weights[:, j].tolist(), source=source,
                                    details={"pruned": not bool(self.prototype_mask[j])}))
        return GlobalExplanation(
            kind=self.kind, model=self.variant, class_names=list(self.spec.class_names), units=units,
            matrices={"last_layer": weights.numpy()},
            details={"prototype_shape": list(self.prototype_shape), "similarity": self.hparams.similarity,
                     "projected": bool(self.prototypes_projected),
                     "unit_picture": "training patch and its source image",
                     "matrix_axes": {"last_layer": ["class", "prototype"]}})


def _masked_min(values: torch.Tensor, mask: torch.Tensor, empty: float) -> torch.Tensor:
    """Row-wise min of ``values`` over ``mask``; ``empty`` where a row has nothing selected."""
    result = values.masked_fill(~mask, math.inf).min(dim=1).values
    return torch.where(mask.any(1), result, torch.full_like(result, empty))


def _world_size() -> int:
    dist = torch.distributed
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def _all_gather(tensor: torch.Tensor) -> torch.Tensor:
    """(W, *tensor.shape) from every rank."""
    gathered = [torch.empty_like(tensor) for _ in range(torch.distributed.get_world_size())]
    torch.distributed.all_gather(gathered, tensor.contiguous())
    return torch.stack(gathered)


class PrototypePush(L.Callback):
    """Runs the push (and, before the final one, optional pruning) at the start of every last-layer block
    of ``schedule``, over the datamodule's un-augmented training split (``eval_dataloader("train")``); each rank
    takes its shard."""

    def __init__(self, schedule: PhaseSchedule, phase: str = "last_layer"):
        self.schedule, self.phase = schedule, phase

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: ProtoPNet) -> None:
        epoch = trainer.current_epoch
        if self.schedule.phase_at(epoch) != self.phase or not self.schedule.starts_phase(epoch):
            return
        datamodule = trainer.datamodule
        if datamodule is None or not hasattr(datamodule, "eval_dataloader"):
            raise RuntimeError("ProtoPNet's push needs the un-augmented training split: fit with a zoo "
                               "datamodule (trainer.fit(model, datamodule=...))")
        loader = datamodule.eval_dataloader("train")
        if trainer.world_size > 1:  # each rank its shard; the items keep their index in the whole split
            shard = Subset(loader.dataset, range(trainer.global_rank, len(loader.dataset), trainer.world_size))
            loader = DataLoader(shard, batch_size=loader.batch_size, num_workers=loader.num_workers,
                                collate_fn=collate)
        summary = pl_module.push(loader, world_size=trainer.world_size)
        if pl_module.hparams.prune and epoch == self.schedule.block_starts(self.phase)[-1]:
            # every rank sees the whole push set, so all prune the same prototypes
            summary["pruned"] = len(pl_module.prune_prototypes(datamodule.eval_dataloader("train")))
        pl_module.print(f"push at epoch {epoch}: {summary}")


_PAPER = "Chen et al., This Looks Like That: Deep Learning for Interpretable Image Recognition, NeurIPS 2019"
# Small images, backbone trained from scratch: a short warm-up, a push every 6 epochs, 4 last-layer epochs
# (21 epochs in all), and a 10x larger backbone learning rate than the paper's fine-tuning one (digits: 87%
# test accuracy with 1e-4, 96% with 1e-3).
_SMALL_SCHEDULE = dict(train_epochs=13, warm_epochs=2, push_start=6, push_every=6, last_layer_epochs=4,
                       features_lr=1e-3, joint_lr_step=10)
# CUB: the paper's settings.py (warm 5, push from epoch 10 every 10, 20 last-layer epochs), 31 epochs of
# warm + joint ("50 epochs or less" in the paper), ending on the push after epoch 30.
_CUB = dict(prototypes_per_class=10, prototype_dim=128, add_on="regular", backbone_pretrained=True)


@register_model(ProtoPNet, default_data="digits", paper=_PAPER)
def protopnet_small8():
    """8x8 digits: small CNN (4x4 map), 10 prototypes per class of dim 64, the small-image schedule."""
    return dict(backbone="small_cnn_8", prototypes_per_class=10, prototype_dim=64, **_SMALL_SCHEDULE)


@register_model(ProtoPNet, default_data="mnist5k", paper=_PAPER)
def protopnet_small():
    """28x28 MNIST: small CNN (7x7 map, like a 224-pixel ResNet), 10 prototypes per class of dim 128."""
    return dict(backbone="small_cnn_28", prototypes_per_class=10, prototype_dim=128, **_SMALL_SCHEDULE)


@register_model(ProtoPNet, default_data="cub200", paper=_PAPER)
def protopnet_resnet34():
    """CUB-200-2011 (paper: 79.2% on bounding-box crops): ImageNet ResNet-34, 2000 prototypes of dim 128. Offline
    machines pass the ImageNet weights as a file: ``backbone_weights=<path>``."""
    return dict(backbone="resnet34", **_CUB)


@register_model(ProtoPNet, default_data="cub200", paper=_PAPER)
def protopnet_resnet50():
    return dict(backbone="resnet50", **_CUB)


@register_model(ProtoPNet, default_data="cub200", paper=_PAPER)
def protopnet_vgg19():
    return dict(backbone="vgg19", **_CUB)


@register_model(ProtoPNet, default_data="cub200", paper=_PAPER)
def protopnet_densenet121():
    return dict(backbone="densenet121", **_CUB)


@register_model(ProtoPNet, default_data="cub200", paper=_PAPER)
def protopnet_convnext_tiny():
    return dict(backbone="convnext_tiny", **_CUB)
