"""Feature extractors shared by every image family: timm CNNs (ResNet, VGG, DenseNet, ConvNeXt) and small
CNNs for 8x8 and 28x28 images. ``create_backbone(name, in_chans, pretrained, weights_file)`` returns a module
mapping (B, C, H, W) images to a (B, D, H', W') feature map and exposing ``out_channels``."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn


class SmallCNN(nn.Module):
    """Conv3x3 blocks (conv-BN-ReLU) with a 2x2 max-pool after each of the first ``num_pools`` stages.

    ``small_cnn_8`` keeps 8x8 digits at a 4x4 map; ``small_cnn_28`` takes 28x28 MNIST to a 7x7 map, the same
    grid as a 224-pixel ImageNet backbone, so prototypes stay part-sized.
    """

    def __init__(self, in_chans: int, widths: tuple[int, ...], num_pools: int):
        super().__init__()
        layers: list[nn.Module] = []
        channels = in_chans
        for i, width in enumerate(widths):
            layers += [nn.Conv2d(channels, width, 3, padding=1, bias=False), nn.BatchNorm2d(width),
                       nn.ReLU(inplace=True)]
            if i < num_pools:
                layers.append(nn.MaxPool2d(2))
            channels = width
        self.features = nn.Sequential(*layers)
        self.out_channels = channels
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)


SMALL_BACKBONES = {
    "small_cnn_8": dict(widths=(32, 64, 64), num_pools=1),
    "small_cnn_28": dict(widths=(32, 64, 128, 128), num_pools=2),
    "small_cnn_48": dict(widths=(16, 32, 64, 64), num_pools=3),  # 48x48 scenes -> a 6x6 map (concept models)
}


class BackboneWeightsError(FileNotFoundError):
    """ImageNet weights a backbone needs that are not on this machine (nothing is downloaded)."""


def local_pretrained_file(name: str) -> Path | None:
    """The cached ImageNet weights of timm model ``name`` (Hugging Face or torch hub cache), if on this machine.
    Only the local caches are looked at: the zoo never downloads at run time."""
    import timm
    from huggingface_hub import try_to_load_from_cache

    cfg = timm.models.get_pretrained_cfg(name)
    if cfg is None:
        return None
    if cfg.hf_hub_id:
        for filename in (cfg.hf_hub_filename, "model.safetensors", "pytorch_model.bin"):
            found = try_to_load_from_cache(cfg.hf_hub_id, filename) if filename else None
            if isinstance(found, str):
                return Path(found)
    if cfg.url:
        cached = Path(torch.hub.get_dir()) / "checkpoints" / Path(cfg.url).name
        if cached.is_file():
            return cached
    return None


HUB = "hub"  # backbone_weights=hub: the user opts in to timm's own download (and its cache)


def local_weights(name: str, pretrained: bool, weights_file: str | None) -> dict:
    """timm keyword arguments that load ``weights_file`` or the locally cached pretrained weights of ``name``
    (empty when neither is asked for); a clear error when they are not on this machine. ``weights_file="hub"``
    is the one way to download: timm fetches the weights into its cache (later runs find them there)."""
    if not (weights_file or pretrained):
        return {}
    if weights_file == HUB:
        return {"pretrained": True}
    path = Path(weights_file) if weights_file else local_pretrained_file(name)
    if path is None:
        raise BackboneWeightsError(
            f"the pretrained weights of {name!r} are not on this machine (nothing is downloaded unless you ask): "
            f"pass backbone_weights=<path to a {name} .safetensors/.pth file>, or backbone_weights=hub to let "
            f"timm download them into its cache, or train from scratch with backbone_pretrained=false")
    if not path.is_file():
        raise BackboneWeightsError(f"backbone weights file {path} does not exist")
    return {"pretrained_cfg_overlay": dict(file=str(path))}


class TimmFeatures(nn.Module):
    """The last feature map of a timm model (``features_only``), e.g. 7x7 for a 224-pixel ResNet. ImageNet
    weights come from ``weights_file`` or the local timm cache, never from the network."""

    def __init__(self, name: str, in_chans: int, pretrained: bool, weights_file: str | None):
        super().__init__()
        import timm

        kwargs = local_weights(name, pretrained, weights_file)
        pretrained = kwargs.pop("pretrained", False) or bool(kwargs)
        self.body = timm.create_model(name, pretrained=pretrained, features_only=True, out_indices=(-1,),
                                      in_chans=in_chans, **kwargs)
        self.out_channels = self.body.feature_info.channels()[-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)[-1]


def create_backbone(name: str, in_chans: int, pretrained: bool = False,
                    weights_file: str | None = None) -> nn.Module:
    if name in SMALL_BACKBONES:
        if pretrained or weights_file:
            raise ValueError(f"{name} has no pretrained weights; it is trained from scratch")
        return SmallCNN(in_chans, **SMALL_BACKBONES[name])
    check_timm_name(name)
    return TimmFeatures(name, in_chans, pretrained, weights_file)


def check_timm_name(name: str) -> None:
    import timm

    if not isinstance(name, str) or not timm.is_model(name):
        raise ValueError(f"unknown backbone {name!r}: use one of {', '.join(SMALL_BACKBONES)} or a timm model name "
                         f"(timm.list_models())")


def receptive_field_boxes(backbone: nn.Module, input_shape: tuple[int, ...]) -> torch.Tensor:
    """(H', W', 4) input boxes ``(y0, y1, x0, x1)`` (end-exclusive) seen by each feature-map cell.

    Found exactly by back-propagating from each cell to the input and taking the rows and columns with a
    non-zero gradient, so it holds for any architecture without per-layer bookkeeping. The gradient is taken
    with all weights set to a positive constant in a copy, so no path can cancel out; max-pools become
    average pools there, since a max-pool passes gradient to one input only.
    """
    import copy

    probe = copy.deepcopy(backbone).eval().float()
    device = next(probe.parameters()).device
    for parent in list(probe.modules()):
        for child_name, child in parent.named_children():
            if isinstance(child, nn.MaxPool2d):
                setattr(parent, child_name, nn.AvgPool2d(child.kernel_size, child.stride, child.padding,
                                                         child.ceil_mode))
    for p in probe.parameters():
        p.data.fill_(1e-2)
    for m in probe.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.zero_()
            m.running_var.fill_(1.0)
    x = torch.ones(1, *input_shape, device=device, requires_grad=True)
    with torch.enable_grad():  # callers may be inside no_grad (explain, push)
        out = probe(x)
        h_out, w_out = out.shape[-2:]
        boxes = torch.zeros(h_out, w_out, 4, dtype=torch.long)
        for i in range(h_out):
            for j in range(w_out):
                (grad,) = torch.autograd.grad(out[0, :, i, j].sum(), x, retain_graph=True)
                mask = (grad[0].abs().sum(0) > 0).cpu()
                rows, cols = mask.any(1).nonzero(), mask.any(0).nonzero()
                boxes[i, j] = torch.tensor([rows.min(), rows.max() + 1, cols.min(), cols.max() + 1])
    return boxes



# ---- token backbones (concept transformers) ---------------------------------------------------------------
class TokenBackbone(nn.Module):
    """Images -> (a global token (B, 1, D) or None, patch tokens (B, N, D)) on a ``grid`` (h, w) of N = h w
    cells; ``dim`` = D."""

    dim: int
    grid: tuple[int, int]
    has_class_token: bool = True

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor]:
        raise NotImplementedError


class SmallViT(TokenBackbone):
    """A small ViT for the embedded datasets: a patch embedding, a class token and learned positions, ``depth``
    pre-norm encoder blocks (GELU MLP), a final LayerNorm. Outputs the class token and the patch tokens."""

    def __init__(self, in_chans: int, image_size: tuple[int, int], patch_size: int, dim: int = 64, depth: int = 2,
                 heads: int = 2, mlp_ratio: float = 2.0, dropout: float = 0.0):
        super().__init__()
        if image_size[0] % patch_size or image_size[1] % patch_size:
            raise ValueError(f"the image size {image_size} is not a multiple of the patch size {patch_size}")
        self.dim, self.grid = dim, (image_size[0] // patch_size, image_size[1] // patch_size)
        self.patch_embed = nn.Conv2d(in_chans, dim, patch_size, stride=patch_size)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + self.grid[0] * self.grid[1], dim))
        layer = nn.TransformerEncoderLayer(dim, heads, int(dim * mlp_ratio), dropout, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        tokens = self.patch_embed(x).flatten(2).transpose(1, 2)  # (B, N, D)
        tokens = torch.cat([self.cls_token.expand(len(x), -1, -1), tokens], 1) + self.pos_embed
        tokens = self.norm(self.blocks(tokens))
        return tokens[:, :1], tokens[:, 1:]


class TimmTokens(TokenBackbone):
    """A timm ViT, Swin or ConvNeXt as a token backbone, the tokens taken after the final norm
    (``forward_features``): a ViT gives its class token and patch tokens; Swin and ConvNeXt give their last
    stage's cells (no class token). Pretrained weights only from ``weights_file`` or the local timm cache."""

    def __init__(self, name: str, in_chans: int, image_size: tuple[int, int], pretrained: bool,
                 weights_file: str | None):
        super().__init__()
        import timm

        kwargs: dict = {"num_classes": 0, "in_chans": in_chans, **local_weights(name, pretrained, weights_file)}
        download = kwargs.pop("pretrained", False)
        family = "vit" if "vit" in name or "deit" in name else "swin" if "swin" in name else "convnext"
        if family in ("vit", "swin"):
            kwargs["img_size"] = image_size
        self.family, self.has_class_token = family, family == "vit"
        self.body = timm.create_model(name, pretrained=download or "pretrained_cfg_overlay" in kwargs, **kwargs)
        self.dim = self.body.num_features
        self.prefix = getattr(self.body, "num_prefix_tokens", 0) if family == "vit" else 0
        if family == "vit":
            self.grid = tuple(self.body.patch_embed.grid_size)
        else:  # the last stage's stride (32 for Swin and ConvNeXt)
            reduction = self.body.feature_info[-1]["reduction"]
            self.grid = (image_size[0] // reduction, image_size[1] // reduction)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor]:
        features = self.body.forward_features(x)
        if self.family == "vit":
            return features[:, :1], features[:, self.prefix:]
        if self.family == "swin":  # (B, H, W, C)
            return None, features.flatten(1, 2)
        return None, features.flatten(2).transpose(1, 2)  # ConvNeXt (B, C, H, W)


def create_token_backbone(name: str, in_chans: int, image_size: tuple[int, int], pretrained: bool = False,
                          weights_file: str | None = None, **small: int) -> TokenBackbone:
    """``small_vit`` (``small`` sets patch_size, dim, depth, heads, mlp_ratio) or a timm ViT / Swin / ConvNeXt."""
    if name == "small_vit":
        if pretrained or weights_file:
            raise ValueError("small_vit has no pretrained weights; it is trained from scratch")
        return SmallViT(in_chans, image_size, **small)
    check_timm_name(name)
    return TimmTokens(name, in_chans, image_size, pretrained, weights_file)
