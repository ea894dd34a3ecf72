"""A row's fit through :class:`TrainingLog`: one named bar, one summary line, one history CSV the plot reads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from fer_lib.plots.training import plot_saved_histories
from fer_lib.protocols.training_log import QUIET, TrainingLog, summary_line
from fer_lib.results import Run, history_name, read_histories


class Points(torch.utils.data.Dataset):
    """24 items {"x": [3], "y": scalar} of a fixed linear target."""

    def __init__(self):
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(24, 3, generator=g)
        self.y = self.x @ torch.tensor([1.0, -2.0, 0.5])

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"x": self.x[i], "y": self.y[i]}


class Regression(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 1)

    def training_step(self, batch):
        err = self.lin(batch["x"]).squeeze(1) - batch["y"]
        return (err ** 2).mean(), {"abs_err": err.abs().mean()}


def _fit(log: TrainingLog, **kw):
    torch.manual_seed(0)
    method = Regression()
    opt = torch.optim.SGD(method.parameters(), lr=0.05)
    return log.fit(method, Points(), optimizers=opt, batch_size=4, max_steps=6, log_every=2, device="cpu",
                   seed=0, **kw)


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("FER_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.delenv("FER_PROGRESS", raising=False)
    return Run("toy", "smoke", config={}, seeds=[3], data="synthetic", device="cpu")


def test_history_csv_has_the_fit_s_steps_losses_lr_and_throughput(run, tmp_path, capsys):
    result = _fit(TrainingLog(run, "Row A+B", 3), stage="pretrain", images_per_item=2)
    path = tmp_path / "results" / "smoke" / "toy" / "history" / "Row_A_B-seed3-pretrain.csv"
    assert path.is_file() and path.name == history_name("Row A+B", 3, "pretrain")
    frame = pd.read_csv(path)
    assert list(frame.columns) == ["row", "seed", "stage", "step", "epoch", "lr", "loss", "abs_err", "images_per_s"]
    assert len(frame) == 3 and frame["step"].tolist() == [2, 4, 6]             # 6 steps, one line per 2
    assert frame["row"].unique().tolist() == ["Row A+B"] and set(frame["seed"]) == {3}
    np.testing.assert_allclose(frame["loss"], [h["loss"] for h in result.history], rtol=1e-12)
    np.testing.assert_allclose(frame["lr"], 0.05)
    assert frame["epoch"].tolist() == [0, 0, 1]  # 6 steps per epoch: the entry after step 6 opens epoch 1
    assert (frame["images_per_s"] > 0).all()
    err = capsys.readouterr()
    assert "Row A+B · seed 3 · pretrain: 6 steps, final loss" in err.out       # the one summary line
    assert "Row A+B · seed 3 · pretrain" in err.err and "img/s" in err.err     # the bar, on stderr


def test_throughput_is_images_not_items(run):
    one = _fit(TrainingLog(run, "r", 0))
    assert [t["step"] for t in one.throughput] == [h["step"] for h in one.history]
    line = summary_line("r", one, images_per_item=4)
    assert line.endswith(f"{one.samples_per_s * 4:.0f} images/s")


def test_the_plot_reads_the_saved_histories(run):
    first = _fit(TrainingLog(run, "A", 0))
    _fit(TrainingLog(run, "B", 1), stage="finetune")
    folder = run.history_dir()
    assert len(read_histories(folder)) == 6
    fig = plot_saved_histories(folder, keys=("loss", "images_per_s"))
    loss_ax = fig.axes[0]
    assert [line.get_label() for line in loss_ax.lines] == ["A · seed 0", "B · seed 1 · finetune"]
    np.testing.assert_allclose(loss_ax.lines[0].get_ydata(), [h["loss"] for h in first.history])
    assert len(plot_saved_histories(folder, stage="finetune").axes[0].lines) == 1
    with pytest.raises(ValueError, match="seed=7"):
        plot_saved_histories(folder, seed=7)


def test_quiet_log_and_no_progress_write_and_show_nothing(run, tmp_path, capsys, monkeypatch):
    _fit(QUIET)
    assert not (tmp_path / "results").exists()
    assert capsys.readouterr() == ("", "")
    monkeypatch.setenv("FER_PROGRESS", "0")
    quiet = Run("toy", "smoke", config={}, seeds=[0], data="synthetic", device="cpu")
    _fit(TrainingLog(quiet, "A", 0))
    out = capsys.readouterr()
    assert out.err == "" and "A · seed 0: 6 steps" in out.out


def test_reading_an_empty_or_foreign_folder_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="no training histories"):
        read_histories(tmp_path)
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="x.csv"):
        read_histories(tmp_path)
