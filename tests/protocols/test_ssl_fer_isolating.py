"""SSL-FER's rows that are not in the paper: the second pool, the isolating rows, the premises, the scene index
and the learning curve's snapshots (tiny synthetic sets)."""

import contextlib
import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from fer_lib.config import resolve
from fer_lib.data.synth import swap_frame
from fer_lib.experiments import ssl_fer as E
from fer_lib.faces.swap import swap_faces
from fer_lib.protocols import ssl_fer as P
from fer_lib.protocols import ssl_fer_mechanism as M
from fer_lib.protocols import ssl_fer_data as D
from fer_lib.protocols.ssl_fer_curve import curve_steps, snapshot_path
from fer_lib.protocols.ssl_fer_premises import premise_table, premises

ROWS = {r.row: r for r in E.ROWS + E.CONTROL_ROWS + E.POOL_ROWS + E.ISOLATING_ROWS}


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FER_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        cfg = resolve(E.Config, E.PROFILES, "smoke", {"n_identities": 6, "eval_identities": 8})
        return cfg, P.load_data(cfg)


def batch_of(row, cfg, data, n=None):
    ds, collate, _ = D.tuple_dataset(row, cfg, data, 0)
    return collate([ds[i] for i in range(n or len(ds))])


def test_the_default_pool_is_talking_and_the_pool_rows_pretrain_on_vox(setup):
    cfg, data = setup
    assert E.Config().pretrain_domain == "talking" and E.Config().compare_domain == "vox"
    assert data.pretrain.config.domain == "talking" and data.compare.config.domain == "vox"
    assert data.compare_descriptors.shape[:2] == data.compare.frames.shape[:2]
    row = ROWS["TimeAug · vox pool"]
    ds, collate, _ = D.tuple_dataset(row, cfg, data, 0)
    assert ds.videos is data.compare and collate.videos is data.compare
    item = ds[0]
    c, t = int(item["clip"]), item["t"].numpy()
    assert torch.equal(item["images"][0], torch.from_numpy(data.compare.frames[c, t[0]].transpose(2, 0, 1).copy()))
    assert P.pool_data(ROWS["TimeAug"], data) is data
    with pytest.raises(ValueError, match="second pool"):
        P.pool_data(row, dataclasses.replace(data, compare=None))
    with pytest.raises(ValueError, match="pool must be"):
        E.Row("x", "ssl_fer", pool="elsewhere")


def test_premises_from_hand_built_pools():
    """Constant expression per clip: positives keep it, HardNeg never differs, another clip always does; a head
    turning 1 degree a frame moves every positive (offsets >= 2)."""
    cfg = resolve(E.Config, E.PROFILES, "smoke")
    n, T = 10, 24
    still = SimpleNamespace(classes=("neutral", *[f"c{k}" for k in range(n)]), clips=lambda split: np.arange(n),
                            expression=np.repeat(np.arange(1, n + 1)[:, None], T, 1),
                            pose=np.zeros((n, T, 3), np.float32), aus=np.zeros((n, T, 17), np.float32))
    p = premises(still, cfg)
    assert p["timeaug_pos_same_expr"] == 1.0 and p["timeaug_pos_moves"] == 0.0 and p["neutral_frames"] == 0.0
    assert p["hardneg_neg_differs_expr"] == 0.0 and p["random_neg_differs_expr"] == 1.0
    assert not p["timeaug_premise"] and not p["hardneg_premise"]
    turning = SimpleNamespace(**still.__dict__)
    turning.pose = np.broadcast_to(np.arange(T, dtype=np.float32)[None, :, None], (n, T, 3)).copy()
    assert premises(turning, cfg)["timeaug_pos_moves"] == 1.0 and premises(turning, cfg)["timeaug_premise"]


def test_premise_table_has_both_pools_and_vox_fails_hardnegs_premise(setup):
    cfg, data = setup
    table = premise_table(data, cfg)
    assert [r["pool"] for r in table] == ["talking", "vox"]
    talking, vox = table
    assert talking["neutral_frames"] < vox["neutral_frames"]
    assert talking["hardneg_neg_differs_expr"] > vox["hardneg_neg_differs_expr"]


def test_swap_modes_in_the_collate(setup):
    cfg, data = setup
    v = data.pretrain
    oracle = batch_of(ROWS["TimeAug+HardNeg+FaceSwap · oracle swap"], cfg, data)
    estimated = batch_of(ROWS["TimeAug+HardNeg+FaceSwap"], cfg, data)
    same = batch_of(ROWS["TimeAug+HardNeg+FaceSwap · same-person donor"], cfg, data)
    for batch, kind in ((oracle, "oracle"), (estimated, "estimated")):
        swapped = batch["swapped"].numpy()
        assert 0 < swapped.mean() < 1
        for b in np.flatnonzero(swapped[:, 0])[:3]:
            c, t = int(batch["clip"][b]), int(batch["positive_t"][b])
            dc, dt = int(batch["donor_clip"][b]), int(batch["donor_t"][b])
            if kind == "oracle":
                want, _ = swap_frame(v, c, t, dc, dt)
            else:
                want = swap_faces(np.asarray(v.frames[c, t]), np.asarray(v.frames[dc, dt]), v.landmarks[c, t],
                                  v.landmarks[dc, dt], feather=cfg.swap_feather).image
            assert torch.equal(batch["positive"][b], torch.from_numpy(want.transpose(2, 0, 1).copy()))
    ident, clip, donor = same["identity"].numpy(), same["clip"].numpy(), same["donor_clip"].numpy()
    assert (v.identity[donor] == ident).all() and (donor != clip).all()
    assert (v.identity[estimated["donor_clip"].numpy()] != estimated["identity"].numpy()).all()
    method = P.build_method(ROWS["TimeAug+HardNeg+FaceSwap"], cfg, 0, 1)
    assert method.strategies.face_swap_p == 0.0                    # synthetic: swapped in the loader, not the step


def test_maskfn_isolating_rows(setup):
    cfg, data = setup
    cfg = dataclasses.replace(cfg, mechanism_tuples=64)
    base = M.mechanism_checks(ROWS["TimeAug+HardNeg+MaskFN"], cfg, data)
    apart = M.mechanism_checks(ROWS["TimeAug+HardNeg+MaskFN · no same-clip picks"], cfg, data)
    oracle = M.mechanism_checks(ROWS["TimeAug+HardNeg+MaskFN · oracle descriptor"], cfg, data)
    assert apart["maskfn_same_clip"] == 0.0 < base["maskfn_same_clip"]
    assert oracle["maskfn_precision_expr"] > base["maskfn_precision_expr"]
    # the oracle picks a negative with the anchor's expression whenever the batch holds one
    row = ROWS["TimeAug+HardNeg+MaskFN · oracle descriptor"]
    batch = batch_of(row, cfg, data, n=4)
    masks, fn = P.build_method(row, cfg, 0, 1).contrast_masks(batch)
    expr = torch.cat([batch[f"{r}_expression"] for r in ("anchor", "neg_anchor", "positive", "neg_positive")])
    same = expr[:, None] == expr[None, :]
    chose = fn.any(1)
    available = ((masks.neg_mask | fn) & same).any(1)
    assert torch.equal((fn & same).any(1)[chose], available[chose]) and bool(available.any())
    desc = D.oracle_descriptors(data.pretrain, 0)
    assert desc.shape == (*data.pretrain.expression.shape, len(data.pretrain.classes))
    flat, labels = desc.reshape(-1, desc.shape[-1]), data.pretrain.expression.ravel()
    sim = flat[:200] @ flat[:200].T
    same = labels[:200, None] == labels[None, :200]
    assert sim[same].min() > 0.9 > 0.1 > sim[~same].max()


class Patch(torch.nn.Module):
    """A fixed "encoder": the mean colour of 4x4 patches at the given corners (y, x) of the image: [B, 3 * P]."""

    def __init__(self, where):
        super().__init__()
        self.where = where

    def forward(self, x):
        return torch.cat([x[:, :, y:y + 4, x0:x0 + 4].mean((2, 3)) for y, x0 in self.where], 1)


def test_scene_index_of_a_background_encoder_and_a_face_encoder(setup):
    """Border patches see only the scene: index near 1; the face centre sees the face (in its scene's light)."""
    cfg, data = setup
    assert data.scenes.images.shape[:2] == (3, cfg.scene_triplets)
    assert (data.identities.identity[data.scenes.scene_clip] != data.identities.identity[data.scenes.face[:, 0]]).all()
    edge = cfg.view_size - 4
    border = P.scene_scores(Patch([(0, 0), (0, edge), (edge, 0)]), cfg, data, "cpu")
    mid = cfg.view_size // 2 - 2
    face = P.scene_scores(Patch([(mid, mid), (mid - 4, mid), (mid + 4, mid)]), cfg, data, "cpu")
    assert border["scene_index"] > 0.9 and face["scene_index"] < 0.7
    for s in (border, face):
        assert s["scene_index_low"] <= s["scene_index"] <= s["scene_index_high"]
    records = [{"row": "a", "seed": 0, **border}, {"row": "b", "seed": 1, **face}, {"row": "c", "seed": 0}]
    assert P.scene_intervals(records, 0) == {"a": "{:.3f} [{:.3f}, {:.3f}]".format(
        border["scene_index"], border["scene_index_low"], border["scene_index_high"])}


def test_the_rows_of_the_isolating_claims_exist_and_run_seeds():
    from fer_lib.metrics import claims
    for c in E.ISOLATING_CLAIMS:
        assert c.row_a in ROWS and c.row_b in ROWS and c.paper == "not in paper (ours)"
    same = "TimeAug+HardNeg+FaceSwap · same-person donor"
    cfg = E.Config()
    assert claims.row_seeds(same, E.ISOLATING_CLAIMS, cfg.isolating_seeds, cfg.seeds) == cfg.seeds
    assert claims.row_seeds("TimeAug+HardNeg+FaceSwap · oracle swap", E.ISOLATING_CLAIMS, cfg.isolating_seeds,
                            cfg.seeds) == cfg.isolating_seeds


def test_snapshots_and_the_learning_curve(setup, tmp_path):
    cfg, data = setup
    cfg = dataclasses.replace(cfg, curve_points=2, curve_length=1)
    total = P.total_steps(cfg, data)
    assert curve_steps(4, 100) == (25, 50, 75) and curve_steps(2, total) == (round(total / 2),)
    run = SimpleNamespace(checkpoint_root=lambda: tmp_path, torch_device="cpu",
                          stage=lambda name: contextlib.nullcontext())
    row, control = ROWS["SimCLR"], ROWS["Random init (control)"]
    method, _ = P.pretrain(row, cfg, data, 0, "cpu", tmp_path, snapshots=True)
    path = snapshot_path(P.checkpoint_dir(tmp_path, row, cfg, 0), curve_steps(2, total)[0])
    assert path.exists()
    records = [{"row": control.row, "seed": 0, "F1": 0.1, "identity_probe_acc": 0.5, "scene_index": 0.3},
               {"row": row.row, "seed": 0, "F1": 0.2, "identity_probe_acc": 0.6, "scene_index": 0.4}]
    points = P.learning_curve((row, control), cfg, data, 0, run, records)
    mine = [p for p in points if p["row"] == row.row]
    assert [p["step"] for p in mine] == [0, curve_steps(2, total)[0], total]
    assert mine[0]["F1"] == 0.1 and mine[-1]["F1"] == 0.2 and 0 <= mine[1]["F1"] <= 1
    assert [p["step"] for p in points if p["row"] == control.row] == [0, total]
    with pytest.raises(ValueError, match="no record of row"):
        P.learning_curve((row, control), cfg, data, 1, run, records)


def test_a_longer_learning_curve_trains_the_row_again_and_evaluates_its_end(setup, tmp_path):
    cfg, data = setup
    cfg = dataclasses.replace(cfg, curve_points=2, curve_length=2)
    long = dataclasses.replace(cfg, epochs=2 * cfg.epochs)
    total = P.total_steps(long, data)
    assert total == 2 * P.total_steps(cfg, data)
    run = SimpleNamespace(checkpoint_root=lambda: tmp_path, torch_device="cpu", progress=False,
                          stage=lambda name: contextlib.nullcontext(), save_history=lambda *args: None)
    row, control = ROWS["SimCLR"], ROWS["Random init (control)"]
    records = [{"row": control.row, "seed": 0, "F1": 0.1, "identity_probe_acc": 0.5, "scene_index": 0.3},
               {"row": row.row, "seed": 0, "F1": 0.2, "identity_probe_acc": 0.6, "scene_index": 0.4}]
    points = P.learning_curve((row, control), cfg, data, 0, run, records)
    mine = [p for p in points if p["row"] == row.row]
    assert [p["step"] for p in mine] == [0, curve_steps(2, total)[0], total]
    folder = P.checkpoint_dir(tmp_path, row, long, 0)
    assert (folder / "last.pt").exists() and snapshot_path(folder, curve_steps(2, total)[0]).exists()
    trained, _ = P.pretrain(row, long, data, 0, "cpu", tmp_path)                  # loads the finished row
    assert mine[-1]["F1"] == P.evaluate(trained.backbone, cfg, data, 0, "cpu")["F1"] != 0.2
    assert P.checkpoint_dir(tmp_path, row, cfg, 0) == P.checkpoint_dir(
        tmp_path, row, dataclasses.replace(cfg, curve_length=1), 0)               # the table's rows keep theirs


def test_isolating_table_compares_each_row_with_its_paper_row_at_one_seed():
    rec = lambda row, seed, f1: {"row": row, "seed": seed, "F1": f1, "identity_probe_acc": 0.5,  # noqa: E731
                                 "scene_index": None}
    rows = (ROWS["TimeAug+HardNeg+FaceSwap · oracle swap"],)
    records = [rec("TimeAug+HardNeg+FaceSwap", 0, 0.30), rec("TimeAug+HardNeg+FaceSwap", 1, 0.9),
               rec("TimeAug+HardNeg+FaceSwap · oracle swap", 0, 0.42)]
    (line,) = P.isolating_table(records, rows, seed=0)
    assert line["base"] == "TimeAug+HardNeg+FaceSwap" and line["F1 diff"] == pytest.approx(0.12)
    assert line["identity_probe_acc diff"] == 0.0 and line["scene_index diff"] is None
    with pytest.raises(ValueError, match="no record of row"):
        P.isolating_table(records, rows, seed=2)
    summary = P.summarise(records, (ROWS["TimeAug+HardNeg+FaceSwap"],) + rows)
    assert [s["note"] for s in summary] == ["", "not in paper"]


def test_curve_reading_by_hand():
    from fer_lib.protocols.ssl_fer_curve import curve_reading
    pts = lambda row, f1s: [{"row": row, "step": s, "F1": f} for s, f in zip((0, 10, 20, 30), f1s)]  # noqa: E731
    curve = (pts("ctl", (0.30, 0.30, 0.30, 0.30)) + pts("a", (0.30, 0.31, 0.25, 0.32))
             + pts("b", (0.30, 0.20, 0.22, 0.29)) + pts("c", (0.30, 0.35, 0.36, 0.30)))
    out = curve_reading(curve, "ctl", {"a": "a", "b": "b", "c": "c"}, ("a", "b"))
    assert out["reach-a"] == "from step 30 of 30"        # above at 10, below at 20, above again at 30
    assert out["reach-b"] == "at no point up to step 30"
    assert out["reach-c"] == "from step 10 of 30"        # equal to the control counts as reaching it
    assert out["f1-a"] == "32.0" and out["f1-b"] == "29.0"
    assert out["ahead"] == "3 of 3" and out["steps"] == "30"
