import pytest
import torch
import torchvision

from fer_lib.models.resnet import ResNetBackbone


def n_params(m):
    return sum(p.numel() for p in m.parameters())


def test_resnet50_is_torchvision_resnet50():
    torch.manual_seed(0)
    ours = ResNetBackbone(depth=50, width=64, stem_stride=4).eval()
    tv = torchvision.models.resnet50(weights=None).eval()
    assert ours.feature_dim == 2048
    state = {k: v for k, v in tv.state_dict().items() if not k.startswith("fc.")}
    ours.load_state_dict(state, strict=True)
    tv.fc = torch.nn.Identity()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), tv(x))


def test_resnet18_equals_torchvision_parameter_count():
    tv = torchvision.models.resnet18(weights=None)
    assert n_params(ResNetBackbone(depth=18)) == n_params(tv) - n_params(tv.fc)


@pytest.mark.parametrize("depth,width,stem", [(10, 8, 2), (18, 8, 1), (50, 4, 4)])
def test_forward_backward_shapes_no_nan(depth, width, stem):
    torch.manual_seed(0)
    model = ResNetBackbone(depth=depth, width=width, stem_stride=stem)
    x = torch.randn(2, 3, 32, 32)
    y = model(x)
    expansion = 4 if depth >= 50 else 1
    assert y.shape == (2, width * 8 * expansion) == (2, model.feature_dim)
    y.square().mean().backward()
    assert torch.isfinite(y).all()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


def test_channels_last_matches_contiguous():
    torch.manual_seed(0)
    model = ResNetBackbone(depth=10, width=8, stem_stride=2).eval()
    x = torch.randn(2, 3, 32, 32)
    ref = model(x)
    out = model.to(memory_format=torch.channels_last)(x.to(memory_format=torch.channels_last))
    torch.testing.assert_close(out, ref, rtol=1e-4, atol=1e-5)


def test_bad_config_errors():
    with pytest.raises(ValueError, match="depth"):
        ResNetBackbone(depth=12)
    with pytest.raises(ValueError, match="stem_stride"):
        ResNetBackbone(stem_stride=3)
