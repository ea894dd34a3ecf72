import torch

from fer_lib.augment.video_recipe import Augmented, MultiScaleCrop, finetune_transform


def still_clip(t=4, size=32, seed=0):
    """A clip whose frames are all the same image: a shared draw keeps them equal."""
    g = torch.Generator().manual_seed(seed)
    frame = torch.randint(0, 256, (3, size, size), dtype=torch.uint8, generator=g)
    return frame.expand(t, 3, size, size).clone()


def test_multi_scale_sizes_follow_the_code_s_rule():
    # short side 160, scales [1, .875, .75, .66] -> sides [160, 140, 120, 105]; |i - j| <= 1
    sizes = MultiScaleCrop().sizes(160)
    assert sorted(sizes) == sorted([(160, 160), (160, 140), (140, 160), (140, 140), (140, 120), (120, 140),
                                    (120, 120), (120, 105), (105, 120), (105, 105)])


def test_multi_scale_crop_keeps_shape_and_is_shared_by_frames():
    torch.manual_seed(0)
    clip = still_clip()
    out = MultiScaleCrop((0.5,))(clip)
    assert out.shape == clip.shape and out.dtype == torch.uint8
    assert all(torch.equal(out[0], out[k]) for k in range(1, 4))
    # a crop at scale 0.5 is upsampled 2x: neighbouring pixels repeat, so the output is not the input
    assert not torch.equal(out, clip)
    # scale 1 is the identity
    assert torch.equal(MultiScaleCrop((1.0,))(clip), clip)


def test_finetune_transform_draws_once_per_clip_and_erases():
    torch.manual_seed(1)
    clip = still_clip(size=32)
    transform = finetune_transform(32, randaug_n=2, randaug_m=7, rrc_scale=(0.25, 1.0), erasing=1.0)
    for _ in range(5):
        out = transform(clip)
        assert out.shape == clip.shape and out.dtype == torch.uint8
        assert all(torch.equal(out[0], out[k]) for k in range(1, 4))
        assert (out == 0).all(dim=1).any()  # the erased box is 0 in every channel


def test_augmented_dataset_transforms_only_the_video():
    item = {"video": still_clip(), "label": torch.tensor(3)}
    out = Augmented([item], lambda v: v.flip(-1))[0]
    assert torch.equal(out["video"], item["video"].flip(-1)) and out["label"] == 3
    assert item["video"] is not out["video"]
