import pytest
import torch
from torch import nn

from models.backbones import BackboneWeightsError, create_backbone, receptive_field_boxes


def test_receptive_fields_of_a_strided_conv():
    # A 3x3 stride-2 convolution without padding: cell i sees input rows [2i, 2i + 3).
    conv = nn.Conv2d(1, 2, 3, stride=2)
    boxes = receptive_field_boxes(conv, (1, 9, 9))
    assert boxes.shape == (4, 4, 4)
    for i in range(4):
        for j in range(4):
            assert boxes[i, j].tolist() == [2 * i, 2 * i + 3, 2 * j, 2 * j + 3]


def test_receptive_fields_of_small_cnn_8_match_the_layer_arithmetic():
    # conv3 (pad 1) -> max-pool 2 -> conv3 -> conv3: cell i sees rows [2i - 5, 2i + 7) clipped to [0, 8).
    backbone = create_backbone("small_cnn_8", 1)
    with torch.no_grad():  # callers such as explain() run under no_grad
        boxes = receptive_field_boxes(backbone, (1, 8, 8))
    assert boxes.shape == (4, 4, 4)
    for i in range(4):
        expected = [max(0, 2 * i - 5), min(8, 2 * i + 7)]
        assert boxes[i, 0, :2].tolist() == expected
        assert boxes[0, i, 2:].tolist() == expected


def test_receptive_fields_leave_the_backbone_untouched():
    backbone = create_backbone("small_cnn_8", 1)
    before = {k: v.clone() for k, v in backbone.state_dict().items()}
    receptive_field_boxes(backbone, (1, 8, 8))
    for k, v in backbone.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert any(isinstance(m, nn.MaxPool2d) for m in backbone.modules())


def test_timm_backbone_loads_imagenet_weights_from_a_local_file(tmp_path):
    import timm
    from safetensors.torch import save_file


    reference = timm.create_model("resnet18", pretrained=False)
    path = tmp_path / "resnet18.safetensors"
    save_file({k: v.contiguous() for k, v in reference.state_dict().items()}, str(path))
    backbone = create_backbone("resnet18", in_chans=3, weights_file=str(path))
    torch.testing.assert_close(backbone.body.conv1.weight, reference.conv1.weight)
    assert backbone.out_channels == 512
    assert backbone(torch.rand(1, 3, 64, 64)).shape == (1, 512, 2, 2)


def test_backbone_weight_errors_say_what_to_do(tmp_path):

    with pytest.raises(FileNotFoundError, match="does not exist"):
        create_backbone("resnet18", in_chans=3, weights_file=str(tmp_path / "missing.safetensors"))
    import time

    start = time.perf_counter()  # nothing is downloaded: the error comes at once, not after hub retries
    with pytest.raises(BackboneWeightsError, match="not on this machine.*backbone_weights=<path"):
        create_backbone("resnet18", in_chans=3, pretrained=True)
    assert time.perf_counter() - start < 5
    with pytest.raises(ValueError, match="trained from scratch"):
        create_backbone("small_cnn_8", in_chans=1, pretrained=True)


def test_backbone_weights_hub_is_the_opt_in_download_through_timms_cache(tmp_path, monkeypatch):
    """backbone_weights=hub lets timm fetch the weights (here from a fake hub: a local file), and only then."""
    import timm
    import timm.models._hub as hub
    from safetensors.torch import save_file

    reference = timm.create_model("resnet18", pretrained=False)
    with torch.no_grad():
        for p in reference.parameters():
            p.normal_()
    save_file({k: v.contiguous() for k, v in reference.state_dict().items()}, str(tmp_path / "model.safetensors"))
    asked = []

    def fake_download(repo_id, filename=None, **kwargs):
        asked.append(repo_id)
        return str(tmp_path / "model.safetensors")

    monkeypatch.setattr(hub, "hf_hub_download", fake_download)
    backbone = create_backbone("resnet18", in_chans=3, weights_file="hub")
    assert asked and asked[0].startswith("timm/resnet18")
    weight = dict(backbone.named_parameters())["body.conv1.weight"]
    torch.testing.assert_close(weight, reference.conv1.weight)
    asked.clear()
    with pytest.raises(BackboneWeightsError, match="backbone_weights=hub"):
        create_backbone("resnet18", in_chans=3, pretrained=True)  # the default stays offline
    assert not asked
