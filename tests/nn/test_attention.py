import pytest
import torch
from torch import nn

from fer_lib.nn.attention import Attention, CrossAttention


def test_self_attention_fused_manual_and_torch_mha_agree():
    torch.manual_seed(0)
    attn = Attention(32, num_heads=4).eval()
    x = torch.randn(3, 7, 32)
    fused = attn(x)
    attn.fused = False
    manual, weights = attn(x, return_attn=True)
    torch.testing.assert_close(fused, manual, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(weights.sum(-1), torch.ones(3, 4, 7))
    # independent reference: torch's MultiheadAttention with the same weights
    mha = nn.MultiheadAttention(32, 4, bias=True, batch_first=True).eval()
    with torch.no_grad():
        mha.in_proj_weight.copy_(attn.qkv.weight)
        mha.in_proj_bias.copy_(attn.qkv.bias)
        mha.out_proj.weight.copy_(attn.proj.weight)
        mha.out_proj.bias.copy_(attn.proj.bias)
    ref, ref_w = mha(x, x, x, need_weights=True, average_attn_weights=False)
    torch.testing.assert_close(manual, ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(weights, ref_w, atol=1e-6, rtol=1e-5)


def test_cross_attention_fused_manual_and_torch_mha_agree():
    torch.manual_seed(1)
    cross = CrossAttention(16, num_heads=2).eval()
    x, ctx = torch.randn(2, 5, 16), torch.randn(2, 3, 16)
    fused = cross(x, ctx)
    cross.fused = False
    manual, weights = cross(x, ctx, return_attn=True)
    torch.testing.assert_close(fused, manual, atol=1e-5, rtol=1e-5)
    assert weights.shape == (2, 2, 5, 3)
    mha = nn.MultiheadAttention(16, 2, batch_first=True).eval()
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([cross.q.weight, cross.kv.weight]))
        mha.in_proj_bias.copy_(torch.cat([cross.q.bias, cross.kv.bias]))
        mha.out_proj.weight.copy_(cross.proj.weight)
        mha.out_proj.bias.copy_(cross.proj.bias)
    ref, _ = mha(x, ctx, ctx)
    torch.testing.assert_close(manual, ref, atol=1e-5, rtol=1e-5)


def test_attention_rejects_indivisible_heads():
    with pytest.raises(ValueError, match="divisible"):
        Attention(30, num_heads=4)
