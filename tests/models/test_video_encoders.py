import pytest
import torch

from fer_lib.augment.masking import part_window_tube_mask, tube_mask
from fer_lib.models.lgi_former import LGIFormer
from fer_lib.models.mae_decoder import MAEDecoder
from fer_lib.models.video_registry import VIDEO_ENCODERS, build_video_encoder

TINY = dict(frames=4, image_size=16, tubelet=2, patch=4, dim=32, depth=2)
EXTRA = {"lgi_former": dict(region=(2, 2, 4), num_heads=4), "vit": dict(num_heads=4), "video_mamba": dict(d_state=4)}


def tiny(name, **kw):
    torch.manual_seed(0)
    return build_video_encoder(name, **TINY, **EXTRA.get(name, {}), **kw)


@pytest.mark.parametrize("name", sorted(VIDEO_ENCODERS))
def test_forward_backward_no_nan_all_and_visible_tokens(name):
    model = tiny(name, drop_path=0.1).train()
    video = torch.randn(2, 3, 4, 16, 16)
    mask = part_window_tube_mask(2, model.patch_embed.grid, (2, 4), 0.75, torch.Generator().manual_seed(0))
    for m, n_tokens in ((None, 32), (mask, 8)):
        out = model(video, m)
        assert out.tokens.shape == (2, n_tokens, 32)
        loss = model.norm(out.tokens).square().mean() + (out.reps.square().mean() if out.reps is not None else 0)
        model.zero_grad()
        loss.backward()
        assert torch.isfinite(out.tokens).all()
        grads = [p.grad for p in model.parameters() if p.requires_grad]
        assert all(g is not None and torch.isfinite(g).all() for g in grads)


@pytest.mark.parametrize("name", sorted(VIDEO_ENCODERS))
def test_fused_and_manual_attention_models_agree(name):
    fused, manual = tiny(name, fused=True).eval(), tiny(name, fused=False).eval()
    manual.load_state_dict(fused.state_dict())
    video = torch.randn(2, 3, 4, 16, 16)
    torch.testing.assert_close(fused(video).tokens, manual(video).tokens, atol=1e-5, rtol=1e-5)


def test_lgi_former_paper_regions_and_token_order():
    model = LGIFormer(**{**TINY, 'depth': 0}, num_heads=4, region=(1, 2, 2))
    assert model.num_regions == 2 * 2 * 2
    video = torch.randn(2, 3, 4, 16, 16)
    mask = part_window_tube_mask(2, model.grid, (2, 2), 0.5, torch.Generator().manual_seed(3))
    out = model(video, mask)
    # with no blocks the tokens come back exactly as embedded, in (t, h, w) order of the visible tokens
    emb = model.patch_embed(video) + model.pos_embed
    torch.testing.assert_close(out.tokens, emb[~mask].reshape(2, -1, 32))
    assert out.reps.shape == (2, 8, 32)


def test_lgi_former_rejects_unbalanced_regions():
    model = tiny("lgi_former")
    mask = tube_mask(8, model.grid, 0.75, torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="same number of visible tokens"):
        model(torch.randn(8, 3, 4, 16, 16), mask)


def test_lgi_attention_maps_are_distributions():
    model = tiny("lgi_former", fused=False).eval()
    out = model(torch.randn(1, 3, 4, 16, 16), return_attn=True)
    maps = out.attn[-1]
    assert maps["local"].shape == (1, 2, 17, 17) and maps["global"].shape == (1, 2, 2)
    assert maps["cross"].shape == (1, 32, 2)
    for a in maps.values():
        torch.testing.assert_close(a.sum(-1), torch.ones(a.shape[:-1]))


def test_decoder_predicts_masked_tokens():
    enc = tiny("lgi_former")
    dec = MAEDecoder(enc.grid, encoder_dim=32, dim=16, depth=1, num_heads=2, out_dim=2 * 16 * 3)
    mask = part_window_tube_mask(2, enc.grid, (2, 4), 0.75, torch.Generator().manual_seed(0))
    vis = enc.norm(enc(torch.randn(2, 3, 4, 16, 16), mask).tokens)
    pred = dec(vis, mask)
    assert pred.shape == (2, 24, 96)
    pred.mean().backward()
    assert dec.mask_token.grad is not None
