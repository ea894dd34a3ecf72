import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import torch  # noqa: E402

from fer_lib.methods.mae_dfer import MAEDFERPretrain  # noqa: E402
from fer_lib.models.lgi_former import LGIFormer, region_index  # noqa: E402
from fer_lib.models.mae_decoder import MAEDecoder  # noqa: E402
from fer_lib.plots.mae_dfer import (label_fraction_figure, lgi_attention_figure, reconstruction_figure,  # noqa: E402
                                    reconstruction_panels, representative_attention_map)


def test_representative_attention_map_places_weights_on_region_tokens():
    grid, region = (2, 2, 2), (1, 2, 1)  # 4 regions of 2 tokens
    rid = region_index(grid, region).numpy()
    local = np.zeros((4, 3, 3))
    for r in range(4):
        local[r, 0, 1:] = [10 * r + 1, 10 * r + 2]
    out = representative_attention_map(local, rid, grid)
    for r in range(4):
        tokens = np.flatnonzero(rid == r)
        np.testing.assert_array_equal(out.reshape(-1)[tokens], [10 * r + 1, 10 * r + 2])
    fig = lgi_attention_figure(np.zeros((8, 8, 3)), out, np.full((4, 4), 0.25), rid, grid)
    assert len(fig.axes) == 4


def test_reconstruction_panels_keep_visible_pixels():
    torch.manual_seed(0)
    enc = LGIFormer(frames=4, image_size=16, tubelet=2, patch=4, dim=16, depth=1, num_heads=2, region=(2, 2, 4))
    method = MAEDFERPretrain(enc, MAEDecoder(enc.grid, 16, 8, 1, 2, out_dim=96), 0.75, (2, 4), True)
    video = torch.randint(0, 256, (1, 4, 3, 16, 16), dtype=torch.uint8)
    panels = reconstruction_panels(method.reconstruct(video), enc.grid, 4)
    assert set(panels) == {"input", "masked", "appearance", "motion target", "motion predicted"}
    assert panels["input"].shape == (2, 16, 16, 3)
    visible = panels["masked"] != 0.5
    np.testing.assert_allclose(panels["appearance"][visible], panels["input"][visible])
    assert reconstruction_figure(panels).axes


def test_label_fraction_figure_draws_one_line_per_model_and_evaluation():
    table = [{"evaluation": e, "model": m, "labels (%)": f, "UAR": u, "UAR_std": 1.0}
             for e in ("probe", "finetune") for m, u in (("a", 30.0), ("b", 20.0)) for f in (10, 100)]
    fig = label_fraction_figure(table, chance=100 / 7)
    probe_ax = fig.axes[0]
    ys = sorted(tuple(line.get_ydata()) for line in probe_ax.lines if len(line.get_xdata()) == 2
                and line.get_linestyle() == "-")
    assert ys == [(20.0, 20.0), (30.0, 30.0)]
    assert probe_ax.get_xscale() == "log"
