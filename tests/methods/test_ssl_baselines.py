"""SimCLR, MoCo-v2 and BYOL training steps replayed by hand from the same generator state."""

import copy

import pytest
import torch
import torch.nn.functional as F

from fer_lib.augment.views import ViewConfig, make_views
from fer_lib.methods.byol import BYOL
from fer_lib.methods.moco import MoCo
from fer_lib.methods.simclr import SimCLR
from fer_lib.models.resnet import ResNetBackbone

VIEWS = (ViewConfig(size=16), ViewConfig(size=16, jitter_p=0.8))


def batch(b=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return {"image": torch.randint(0, 256, (b, 3, 20, 20), generator=g, dtype=torch.uint8)}


def tiny():
    torch.manual_seed(0)
    return ResNetBackbone(depth=10, width=4, stem_stride=2)


def test_simclr_step_equals_manual_nt_xent_and_resumes_views():
    model = SimCLR(tiny(), VIEWS, proj_hidden=16, proj_dim=8, temperature=0.1, seed=3)
    ref = copy.deepcopy(model)
    data = batch()
    loss, logs = model.training_step(data)
    g = ref.rng.generator
    x = torch.cat([make_views(data["image"], VIEWS[0], g), make_views(data["image"], VIEWS[1], g)])
    z = F.normalize(ref.projector(ref.backbone(x)), dim=1)
    logits = z @ z.T / 0.1
    logits.fill_diagonal_(float("-inf"))
    target = torch.arange(8).roll(4)
    torch.testing.assert_close(loss, F.cross_entropy(logits, target), rtol=1e-5, atol=1e-6)
    assert 0 <= logs["pos_top1"] <= 1
    loss.backward()
    assert model.backbone.conv1.weight.grad.abs().sum() > 0
    # The generator state travels in the state dict: a restored copy draws the same next views.
    restored = SimCLR(tiny(), VIEWS, proj_hidden=16, proj_dim=8, temperature=0.1, seed=99)
    restored.load_state_dict(model.state_dict())
    a = make_views(data["image"], VIEWS[0], model.rng.generator)
    b = make_views(data["image"], VIEWS[0], restored.rng.generator)
    torch.testing.assert_close(a, b)


def test_moco_queue_negatives_and_momentum():
    model = MoCo(tiny(), VIEWS, proj_hidden=16, proj_dim=8, queue_size=6, temperature=0.2, momentum=0.5, seed=0,
                 bn_groups=1)   # one BatchNorm group: the plain forward, replayed below
    loss0, logs0 = model.training_step(batch(seed=0))     # empty queue: no negatives -> loss 0
    assert logs0["queue"] == 0 and loss0.item() == 0.0
    ref = copy.deepcopy(model)
    data = batch(seed=1)
    loss, logs = model.training_step(data)
    assert logs["queue"] == 4
    g = ref.rng.generator
    q = F.normalize(ref.projector(ref.backbone(make_views(data["image"], VIEWS[0], g))), dim=1)
    with torch.no_grad():
        k = F.normalize(ref.key_projector(ref.key_backbone(make_views(data["image"], VIEWS[1], g))), dim=1)
    queue = ref.queue.keys()
    logits = torch.cat([(q * k).sum(1, keepdim=True), q @ queue.T], dim=1) / 0.2
    torch.testing.assert_close(loss, F.cross_entropy(logits, torch.zeros(4, dtype=torch.long)), rtol=1e-5, atol=1e-6)
    assert int(model.queue.filled) == 6
    loss.backward()
    before = model.key_backbone.conv1.weight.clone()
    with torch.no_grad():
        model.backbone.conv1.weight.add_(1.0)
    model.after_optimizer_step()
    torch.testing.assert_close(model.key_backbone.conv1.weight, 0.5 * before + 0.5 * model.backbone.conv1.weight)


def moco_keys_replayed(ref, images, groups):
    """MoCo's key step by hand: the views, the permutation, each shuffled chunk alone through the key encoder."""
    g, b = ref.rng.generator, images.shape[0]
    xq = make_views(images, VIEWS[0], g)
    xk = make_views(images, VIEWS[1], g)
    perm = torch.randperm(b, generator=g)
    k = torch.zeros(b, 8)
    with torch.no_grad():
        for chunk in perm.tensor_split(groups):
            k[chunk] = ref.key_projector(ref.key_backbone(xk[chunk]))
    return xq, F.normalize(k, dim=1), perm


def test_moco_shuffle_bn_equals_a_manual_per_group_forward():
    model = MoCo(tiny(), VIEWS, proj_hidden=16, proj_dim=8, queue_size=32, temperature=0.2, momentum=0.5, seed=0,
                 bn_groups=2)
    model.training_step(batch(b=8, seed=0))                 # fills the queue with 8 keys
    ref = copy.deepcopy(model)
    before = ref.rng.generator.get_state()
    images = batch(b=8, seed=1)["image"]
    loss, logs = model.training_step({"image": images})
    queue = ref.queue.keys().clone()
    xq, k, perm = moco_keys_replayed(ref, images, 2)
    q = F.normalize(torch.cat([ref.projector(ref.backbone(x)) for x in (xq[:4], xq[4:])]), dim=1)
    logits = torch.cat([(q * k).sum(1, keepdim=True), q @ queue.T], dim=1) / 0.2
    torch.testing.assert_close(loss, F.cross_entropy(logits, torch.zeros(8, dtype=torch.long)), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(model.queue.keys()[8:], k, rtol=1e-5, atol=1e-6)
    # the grouping matters: the same key views through BatchNorm as one batch give other keys
    with torch.no_grad():
        g = copy.deepcopy(model).rng.generator
        g.set_state(before)
        make_views(images, VIEWS[0], g)
        whole = F.normalize(ref.key_projector(ref.key_backbone(make_views(images, VIEWS[1], g))), dim=1)
    assert not torch.allclose(whole, k, atol=1e-3)
    assert not torch.equal(perm, torch.arange(8))


def test_moco_shuffle_bn_key_ignores_its_query_groups_other_items():
    """Key i is normalised with its shuffled group only: changing an item that shares i's query group but not its
    key group leaves k_i as it is (with one BatchNorm group, every key changes)."""
    images = batch(b=8, seed=1)["image"]
    moco = {g: MoCo(tiny(), VIEWS, proj_hidden=16, proj_dim=8, queue_size=32, momentum=0.5, seed=0, bn_groups=g)
            for g in (2, 1)}
    perm = moco_keys_replayed(copy.deepcopy(moco[2]), images, 2)[2]
    key_group = torch.argsort(perm) // 4                    # position of item i in the shuffled batch -> its group
    i = 0
    j = next(j for j in range(1, 4) if key_group[j] != key_group[i])              # i's query group is items 0..3
    mate = next(m for m in range(8) if m != i and key_group[m] == key_group[i])
    keys = {}
    for groups, model in moco.items():
        out = []
        for change in (None, j, mate):
            m = copy.deepcopy(model)
            x = images.clone()
            if change is not None:
                x[change] = 255 - x[change]
            m.training_step({"image": x})
            out.append(m.queue.keys()[i])
        keys[groups] = out
    same, changed_j, changed_mate = keys[2]
    torch.testing.assert_close(changed_j, same, rtol=0, atol=1e-6)
    assert not torch.allclose(changed_mate, same, atol=1e-4)      # the test can see a change when there is one
    assert not torch.allclose(keys[1][1], keys[1][0], atol=1e-4)  # one group: the leak


def test_moco_shuffle_bn_needs_two_items_per_group():
    model = MoCo(tiny(), VIEWS, proj_hidden=16, proj_dim=8, queue_size=32, bn_groups=4)
    with pytest.raises(ValueError, match="bn_groups=4 needs at least 8"):
        model.training_step(batch(b=6))
    with pytest.raises(ValueError, match="bn_groups must be >= 1"):
        MoCo(tiny(), VIEWS, proj_hidden=16, proj_dim=8, queue_size=32, bn_groups=0)


def test_byol_step_and_target_schedule():
    model = BYOL(tiny(), VIEWS, total_steps=10, proj_hidden=16, proj_dim=8, base_momentum=0.9, seed=1)
    ref = copy.deepcopy(model)
    data = batch()
    loss, logs = model.training_step(data)
    g = ref.rng.generator
    x = torch.cat([make_views(data["image"], VIEWS[0], g), make_views(data["image"], VIEWS[1], g)])
    p = F.normalize(ref.predictor(ref.projector(ref.backbone(x))), dim=1)
    z = F.normalize(ref.target_projector(ref.target_backbone(x)), dim=1).detach()
    manual = (2 - 2 * (p[:4] * z[4:]).sum(1)).mean() + (2 - 2 * (p[4:] * z[:4]).sum(1)).mean()
    torch.testing.assert_close(loss, manual, rtol=1e-5, atol=1e-6)
    assert logs["momentum"] == 0.9
    loss.backward()
    assert model.target_backbone.conv1.weight.grad is None
    model.after_optimizer_step()
    assert int(model.step) == 1 and model.current_momentum() > 0.9
