import time

import torch

from fer_lib.metrics.cost import cost_on_meta, count_flops, count_parameters, train_step_seconds
from fer_lib.models.lgi_former import LGIFormer
from fer_lib.models.video_vit import VideoViT

KW = dict(frames=4, image_size=16, tubelet=2, patch=4, dim=32, depth=2, num_heads=4)


def vit_macs(n, p, d, depth):
    """Tubelet conv + per block: qkv/proj 4ND², attention 2N²D, MLP 8ND²."""
    return n * p * d + depth * (12 * n * d * d + 2 * n * n * d)


def lgi_macs(r, s, p, d, depth):
    n = r * s
    local = 4 * r * (1 + s) * d * d + 2 * r * (1 + s) ** 2 * d
    glob = 4 * r * d * d + 2 * r * r * d
    cross = 2 * n * d * d + 2 * r * d * d + 2 * n * r * d
    mlp = 8 * r * (1 + s) * d * d
    return n * p * d + depth * (local + glob + cross + mlp)


def test_flops_match_the_analytic_count_on_real_and_meta_tensors():
    vit = VideoViT(**KW).eval()
    measured = count_flops(vit, torch.randn(1, 3, 4, 16, 16))
    assert measured["macs"] == vit_macs(32, 96, 32, 2) and measured["flops"] == 2 * measured["macs"]
    lgi = cost_on_meta(lambda: LGIFormer(**KW, region=(2, 2, 4)), (1, 3, 4, 16, 16))
    assert lgi["macs"] == lgi_macs(2, 16, 96, 32, 2)
    assert lgi["params"] == count_parameters(LGIFormer(**KW, region=(2, 2, 4)))


def test_fused_attention_is_counted_inside_math_backend():
    fused = VideoViT(**KW, fused=True).eval()
    manual = VideoViT(**KW, fused=False).eval()
    x = torch.randn(1, 3, 4, 16, 16)
    assert count_flops(fused, x)["macs"] == count_flops(manual, x)["macs"]


def test_paper_configuration_params_and_macs():
    """MAE-DFER reports 85 M / 50 G vs VideoMAE (ViT-B) 86 M / 81 G at 16×160² ("GFLOPs" = GMACs)."""
    lgi = cost_on_meta(LGIFormer, (1, 3, 16, 160, 160))
    vit_b = cost_on_meta(lambda: VideoViT(dim=768, depth=12, num_heads=12), (1, 3, 16, 160, 160))
    assert round(lgi["params"] / 1e6) == 85 and round(lgi["macs"] / 1e9) == 50
    assert round(vit_b["params"] / 1e6) == 86 and round(vit_b["macs"] / 1e9) == 81


def test_train_step_seconds_times_forward_and_backward():
    small = torch.nn.Linear(64, 64)
    calls = []
    small.register_full_backward_hook(lambda *a: calls.append("backward"))
    x = torch.randn(8, 64)
    assert train_step_seconds(small, x, iters=3, warmup=1) > 0
    assert calls == ["backward"] * 4   # warm-up + 3 timed calls, each with its backward
    # gradient of sum(x W^T + b) w.r.t. b is the batch size
    assert torch.allclose(small.bias.grad, torch.full((64,), 8.0))

    # a model whose forward sleeps 50 ms takes at least that long per step
    class Slow(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.ones(1))

        def forward(self, x):
            time.sleep(0.05)
            return x * self.w
    assert train_step_seconds(Slow(), x, iters=2, warmup=0) >= 0.05
