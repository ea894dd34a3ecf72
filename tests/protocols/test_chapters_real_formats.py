"""The chapters themselves on files in the real datasets' formats: `fer-book run CHAPTER -p dataset real -p <paths>`.

The `smoke` sizes (the `full` model sizes are the dry runs' job, test_full_dry_run.py) with the data read
through each chapter's real-data path: every cell runs, the results name the real data, and nothing synthetic
is rendered (the synthetic cache stays empty). Batches shrink to fit the few fixture items.
"""

import pytest

import real_fixtures as fx
from fer_lib import runner
from fer_lib.data.labels import DFEW_7
from fer_lib.predict.classifier import load_classifier
from fer_lib.results import load_results

CHAPTERS = {
    "abaw6": (lambda root: fx.affwild2(root / "aw2") | fx.expw(root / "expw") | fx.ms1m(root / "ms1m", n=16)
              | {k: v for k, v in fx.affectnet(root / "an").items() if k != "affectnet_val_csv"},
              {"dataset": "real", "batch_size": 8}, "Aff-Wild2 EXPR + AffectNet, ExpW, MS1MV2"),
    "mae_dfer": (lambda root: fx.dfew(root / "dfew") | fx.voxceleb2(root / "vox2"),
                 {"dataset": "DFEW", "pre_batch": 2, "ft_batch": 2}, "VoxCeleb2 -> DFEW"),
    # a user's clips as faces.video writes them: its annotation file and class list are the dataset
    "mae_dfer own": (lambda root: fx.own_clips(root / "aligned"), {"dataset": "own", "pre_batch": 2, "ft_batch": 2},
                     "own annotated clips"),
}


@pytest.mark.notebook
@pytest.mark.parametrize("case", sorted(CHAPTERS))
def test_chapter_runs_on_real_format_files(case, tmp_path, monkeypatch):
    chapter = case.split()[0]
    for variable, folder in (("FER_RESULTS_DIR", "results"), ("FER_CHECKPOINT_DIR", "checkpoints"),
                             ("FER_CACHE_DIR", "cache")):
        monkeypatch.setenv(variable, str(tmp_path / folder))
    write, params, label = CHAPTERS[case]
    params = {**params, **write(tmp_path / "data")}
    [outcome] = runner.run_chapters([chapter], "smoke", params, force=True, out_dir=tmp_path / "executed",
                                    progress=False, name="real")
    assert outcome.status == "ran", f"{chapter}: {outcome.error}"
    results = load_results(chapter, "real", tmp_path / "results")
    assert results["data"] == label and results["tables"]
    if chapter == "mae_dfer":   # the fine-tuned model for fer-book predict, with the data's class list
        model = load_classifier(next((tmp_path / "checkpoints" / "mae_dfer" / "real").glob("*.pt")))
        assert model.classes == (("happy", "sad", "neutral") if case == "mae_dfer own" else DFEW_7)
    assert not (tmp_path / "cache" / "synth").exists(), "a synthetic set was rendered"


@pytest.mark.notebook
def test_crs_cont_chapter_stops_on_real_data_before_any_work(tmp_path, monkeypatch):
    """Its premise, noise and mechanism sections need the generator's labels: the chapter says so in its data
    cell (the real-data protocol itself is exercised by test_full_dry_run)."""
    for variable, folder in (("FER_RESULTS_DIR", "results"), ("FER_CACHE_DIR", "cache")):
        monkeypatch.setenv(variable, str(tmp_path / folder))
    root = tmp_path / "data"
    params = {"dataset": "real", **fx.rafdb(root / "raf"), **fx.affectnet_coarse(root / "an"), **fx.ferplus(root / "fp")}
    [outcome] = runner.run_chapters(["crs_cont"], "smoke", params, force=True, out_dir=tmp_path / "executed",
                                    progress=False, name="real")
    assert outcome.status == "failed" and "synthetic data only" in outcome.error
    assert not (tmp_path / "cache" / "synth").exists()
