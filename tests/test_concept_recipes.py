"""Every concept experiment config resolves and builds its model on the CPU (the CUB recipes on the meta device:
every layer and shape, no memory), with the schedule and data its comments promise."""

import pytest
import torch

import train
from configs import available, load_config, to_plain
from datamodules import datamodule_class
from models import create_model

CONCEPT_EXPERIMENTS = [name for name in available("experiment") if name.split("_")[0] in ("cbm", "cem", "ct", "cct")]


@pytest.mark.parametrize("name", CONCEPT_EXPERIMENTS)
def test_concept_experiment_builds(name):
    cfg = to_plain(train.resolve(load_config([f"experiment={name}"])))
    spec = datamodule_class(cfg["data"]["name"]).default_spec()
    args = {**cfg["model"]["args"], "backbone_pretrained": False}
    device = "meta" if spec.input_shape[-1] >= 224 else "cpu"
    with torch.device(device):
        model = create_model(cfg["model"]["name"], spec=spec, **args)
    assert model.total_epochs >= 1 and model.num_classes == spec.num_classes
    if name.endswith("_cub"):
        assert cfg["trainer"]["accelerator"] == "gpu" and cfg["release"]["publish"] is False
    else:
        assert cfg["trainer"]["accelerator"] == "cpu" and cfg["threads"] == 1 and cfg["seed"] == 0


def test_the_papers_cub_settings():
    cfg = to_plain(train.resolve(load_config(["experiment=cbm_joint_cub"])))
    with torch.device("meta"):
        joint = create_model("cbm_joint_inception_v3", spec=datamodule_class("cub200_cbm").default_spec(),
                             backbone_pretrained=False)
    assert joint.hparams.concept_weight == 0.01 and joint.hparams.normalize_loss
    assert joint.hparams.concept_weights == "balanced" and cfg["data"]["args"]["batch_size"] == 64
    assert joint.num_concepts == 112 and joint.num_classes == 200
    cfg = to_plain(train.resolve(load_config(["experiment=ct_cub"])))
    with torch.device("meta"):
        ct = create_model("ct_vit_cub", spec=datamodule_class("cub200_parts").default_spec(),
                          **{**cfg["model"]["args"], "backbone_pretrained": False})
    assert ct.backbone.grid == (14, 14) and len(ct.global_index) == 13 and len(ct.spatial_index) == 95
    assert ct.backbone.dim == 1024 and ct.hparams.num_heads == 16
