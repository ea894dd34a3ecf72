"""Weight-decay groups, layer-wise lr decay and the warmup-cosine schedule against hand-computed values."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from fer_lib.engine.optim import WarmupCosine, layer_decay_groups, param_groups, vit_layer_id, warmup_cosine


class TinyViT(nn.Module):
    def __init__(self, depth=3, d=4):
        super().__init__()
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.pos_embed = nn.Parameter(torch.zeros(1, 5, d))
        self.patch_embed = nn.Conv2d(3, d, 2)
        self.blocks = nn.ModuleList(nn.Sequential(nn.LayerNorm(d), nn.Linear(d, d)) for _ in range(depth))
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, 2)


def test_no_decay_on_norms_biases_and_tokens():
    m = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(4, 2))
    decay, no_decay = param_groups(m, 0.05)
    assert decay["weight_decay"] == 0.05 and no_decay["weight_decay"] == 0.0
    ids = lambda ps: {id(p) for p in ps}  # noqa: E731
    assert ids(decay["params"]) == ids([m[0].weight, m[3].weight])
    assert ids(no_decay["params"]) == ids([m[0].bias, m[1].weight, m[1].bias, m[3].bias])
    m[0].weight.requires_grad_(False)  # frozen parameters are left out
    assert ids(param_groups(m, 0.05)[0]["params"]) == ids([m[3].weight])


def test_layer_decay_scales_by_depth():
    vit = TinyViT(depth=3)
    names = {n: vit_layer_id(n, 4) for n, _ in vit.named_parameters()}
    assert names["cls_token"] == 0 and names["patch_embed.weight"] == 0 and names["pos_embed"] == 0
    assert names["blocks.0.1.weight"] == 1 and names["blocks.2.0.bias"] == 3
    assert names["norm.weight"] == 4 and names["head.weight"] == 4
    assert vit_layer_id("encoder.blocks.1.0.weight", 4) == 2
    groups = layer_decay_groups(vit, lr=1.0, weight_decay=0.1, layer_decay=0.5, num_layers=4)
    by_name = {n: g for g in groups for n in g["names"]}
    assert by_name["head.weight"]["lr"] == 1.0 and by_name["head.weight"]["weight_decay"] == 0.1
    assert by_name["head.bias"]["lr"] == 1.0 and by_name["head.bias"]["weight_decay"] == 0.0
    assert by_name["blocks.2.1.weight"]["lr"] == 0.5
    assert by_name["blocks.0.1.weight"]["lr"] == 0.125
    assert by_name["cls_token"]["lr"] == 0.0625 and by_name["cls_token"]["weight_decay"] == 0.0
    assert by_name["patch_embed.weight"]["weight_decay"] == 0.1
    assert sum(len(g["params"]) for g in groups) == len(list(vit.parameters()))
    # the schedule multiplies each group's own lr
    opt = torch.optim.SGD(groups, lr=1.0)
    sched = warmup_cosine(opt, warmup_steps=2, total_steps=4)
    opt.step(), sched.step()  # now at step 1: factor 1/2
    assert {g["layer_id"]: g["lr"] for g in opt.param_groups}[1] == pytest.approx(0.125 * 0.5)


def test_warmup_cosine_hand_values():
    f = WarmupCosine(warmup_steps=4, total_steps=12, min_lr_ratio=0.1)
    assert [f(s) for s in range(5)] == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0])
    # step 8: progress (8-4)/8 = 0.5 -> 0.1 + 0.9 * 0.5 * (1 + cos(pi/2)) = 0.55
    assert f(8) == pytest.approx(0.55)
    assert f(6) == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.25)))
    assert f(12) == pytest.approx(0.1) and f(50) == pytest.approx(0.1)
    p = nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=2.0)
    sched = warmup_cosine(opt, 4, 12, 0.1)
    lrs = []
    for _ in range(12):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs == pytest.approx([2.0 * f(s) for s in range(12)])
    # state_dict round-trips (the callable object, not a lambda)
    sched2 = warmup_cosine(torch.optim.SGD([p], lr=2.0), 1, 2)
    sched2.load_state_dict(sched.state_dict())
    assert sched2.lr_lambdas[0].total_steps == 12
    with pytest.raises(ValueError):
        WarmupCosine(5, 3)


def test_layer_decay_agrees_with_timm_except_final_norm():
    """timm's param_groups_layer_decay as an independent reference on a timm ViT; the one documented
    difference: timm groups the final ``norm`` with the last block, MAE/VideoMAE (and we) with the head."""
    timm = pytest.importorskip("timm")
    from timm.optim import param_groups_layer_decay

    vit = timm.create_model("vit_tiny_patch16_224", pretrained=False, depth=3, embed_dim=12, num_heads=2,
                            img_size=32, num_classes=4)
    ref_groups = param_groups_layer_decay(vit, weight_decay=0.05, layer_decay=0.5,
                                          no_weight_decay_list=vit.no_weight_decay())
    name_of = {id(p): n for n, p in vit.named_parameters()}
    ref = {name_of[id(p)]: (g["lr_scale"], g["weight_decay"]) for g in ref_groups for p in g["params"]}
    mine = {n: (g["lr_scale"], g["weight_decay"])
            for g in layer_decay_groups(vit, lr=1.0, weight_decay=0.05, layer_decay=0.5, num_layers=4)
            for n in g["names"]}
    assert set(ref) == set(mine)
    differ = {n for n in ref if ref[n] != mine[n]}
    assert differ == {"norm.weight", "norm.bias"}
    assert ref["norm.weight"] == (0.5, 0.0) and mine["norm.weight"] == (1.0, 0.0)
