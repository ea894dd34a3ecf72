import numpy as np
import pytest
import torch

from fer_lib.augment.eval_views import evaluation_views, temporal_starts
from fer_lib.losses.regression import angular_error, combined_loss
from fer_lib.methods.mae_dfer import MAEDFERPretrain
from fer_lib.engine.optim import TOKEN_NAMES, layer_decay_groups
from fer_lib.methods.video_finetune import VideoClassifier, mix_video, video_layer_id, video_mixup
from fer_lib.metrics.regression import angular_error_deg
from fer_lib.models.mae_decoder import MAEDecoder
from fer_lib.models.video_registry import build_video_encoder

TINY = dict(frames=4, image_size=16, tubelet=2, patch=4, dim=32, depth=2, num_heads=4)


def encoder(name):
    torch.manual_seed(0)
    extra = {"region": (2, 2, 4)} if name == "lgi_former" else {}
    return build_video_encoder(name, **TINY, **extra)


def clips(b=4, t=4):
    return torch.randint(0, 256, (b, t, 3, 16, 16), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("name,window,motion", [("lgi_former", (2, 4), True), ("vit", None, False)])
def test_pretraining_step_backward_and_seeded_masks(name, window, motion):
    enc = encoder(name)
    dec = MAEDecoder(enc.grid, 32, dim=16, depth=1, num_heads=2, out_dim=2 * 16 * 3)
    method = MAEDFERPretrain(enc, dec, mask_ratio=0.75, mask_window=window, motion=motion, seed=3)
    loss, logs = method.training_step({"video": clips()})
    loss.backward()
    assert torch.isfinite(loss) and logs["loss"] > 0
    assert all(p.grad is not None for p in method.parameters())
    first = MAEDFERPretrain(enc, dec, mask_ratio=0.75, mask_window=window, seed=3).make_mask(2, torch.device("cpu"))
    again = MAEDFERPretrain(enc, dec, mask_ratio=0.75, mask_window=window, seed=3).make_mask(2, torch.device("cpu"))
    other = MAEDFERPretrain(enc, dec, mask_ratio=0.75, mask_window=window, seed=4).make_mask(2, torch.device("cpu"))
    assert torch.equal(first, again) and not torch.equal(first, other)
    assert first.float().mean().item() == 0.75
    rec = method.reconstruct(clips(2))
    assert rec["pred"][rec["mask"]].isfinite().all() and rec["pred"][~rec["mask"]].isnan().all()


def test_finetune_mixup_step_and_layer_decay_groups():
    model = VideoClassifier(encoder("lgi_former"), 7, mixup=video_mixup(7))
    loss, logs = model.training_step({"video": clips(), "label": torch.tensor([0, 1, 2, 3])})
    loss.backward()
    assert torch.isfinite(loss) and model.head.weight.grad is not None
    groups = layer_decay_groups(model, lr=1e-3, weight_decay=0.05, layer_decay=0.5, num_layers=3,
                                layer_id=video_layer_id, skip=TOKEN_NAMES + ("region_tokens",))
    scales = {id(p): g["lr"] for g in groups for p in g["params"]}
    # depth 2: stem = layer 0, blocks = 1, 2, norm/heads = 3 -> lr · 0.5^(3 − layer)
    assert scales[id(model.encoder.patch_embed.proj.weight)] == pytest.approx(1e-3 * 0.5 ** 3)
    assert scales[id(model.encoder.region_tokens)] == pytest.approx(1e-3 * 0.5 ** 3)
    assert scales[id(model.encoder.blocks[1].mlp.fc1.weight)] == pytest.approx(1e-3 * 0.5)
    assert scales[id(model.head.weight)] == pytest.approx(1e-3)
    wd = {id(p): g["weight_decay"] for g in groups for p in g["params"]}
    assert wd[id(model.encoder.region_tokens)] == 0 and wd[id(model.head.weight)] == 0.05
    assert video_layer_id("encoder.blocks.11.attn.qkv.weight", 13) == 12


def test_video_cutmix_box_is_spatial_and_shared_over_frames():
    mix = video_mixup(3, mixup_alpha=0.0, cutmix_alpha=1.0, label_smoothing=0.0)
    x = torch.zeros(2, 3, 4, 16, 16)
    x[1] = 1.0
    np.random.seed(0)
    mixed, soft = mix_video(mix, x, torch.tensor([0, 2]))
    box = mixed[0, 0, 0] == 1.0  # where clip 0 received clip 1's pixels
    assert box.any() and (mixed[0] == box.float()).all()  # same box on every frame and channel
    lam = 1 - box.float().mean()
    torch.testing.assert_close(soft[0], torch.tensor([lam, 0, 1 - lam]))


def test_pooling_choice_and_eval_views():
    model = VideoClassifier(encoder("lgi_former"), 5, pool_reps=True).eval()
    vit = VideoClassifier(encoder("vit"), 5).eval()
    video = clips(2, t=10)
    views = evaluation_views(video, 4, 2, 16)
    assert views.shape == (2, 4, 4, 3, 16, 16)
    assert torch.equal(views[:, 0], video[:, [0, 2, 4, 6]]) and torch.equal(views[:, 2], video[:, [2, 4, 6, 8]])
    assert temporal_starts(10, 8, 2) == [0, 2]
    for m in (model, vit):
        out = m.predict(video, num_frames=4, stride=2)
        torch.testing.assert_close(out["probs"].sum(1), torch.ones(2))
    short = evaluation_views(clips(1, t=3), 4, 2, 16)  # 3 frames -> frames 0, 1, 2 then pad with 2
    assert torch.equal(short[0, 0], clips(1, t=3)[0, [0, 1, 2, 2]])


def test_gaze_head_combined_loss_and_angular_error():
    model = VideoClassifier(encoder("lgi_former"), 7, num_reg=2, alpha=0.5)
    batch = {"video": clips(), "label": torch.tensor([0, 1, 2, 3]), "gaze": torch.randn(4, 2) * 0.3}
    loss, logs = model.training_step(batch)
    loss.backward()
    assert model.reg_head.weight.grad is not None and "ce" in logs
    logits, pred, target = torch.randn(3, 7), torch.randn(3, 2) * 0.3, torch.randn(3, 2) * 0.3
    labels = torch.tensor([1, 2, 3])
    ref = 0.5 * torch.nn.functional.cross_entropy(logits, labels) + (pred - target).abs().mean()
    torch.testing.assert_close(combined_loss(logits, labels, pred, target, 0.5), ref)
    np.testing.assert_allclose(angular_error(pred, target).numpy(), angular_error_deg(target.numpy(), pred.numpy()),
                               rtol=1e-4, atol=1e-3)
    assert angular_error(torch.tensor([[0.0, 0.0]]), torch.tensor([[0.0, np.pi / 2]])).item() == pytest.approx(90, abs=1e-3)
    with pytest.raises(ValueError, match="mixup"):
        VideoClassifier(encoder("vit"), 7, num_reg=2, mixup=video_mixup(7))
