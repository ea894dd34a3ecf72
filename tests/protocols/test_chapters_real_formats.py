"""The chapters themselves on files in the real datasets' formats: `fer-book run CHAPTER -p dataset real -p <paths>`.

The `smoke` sizes (the `full` model sizes are the dry runs' job, test_full_dry_run.py) with the data read
through each chapter's real-data path: every cell runs, the results name the real data, and nothing synthetic
is rendered (the synthetic cache stays empty). Batches shrink to fit the few fixture items.
"""

import json

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
    "crs_cont": (lambda root: fx.rafdb(root / "raf") | fx.affectnet_coarse(root / "an") | fx.ferplus(root / "fp")
                 | fx.image_lists(root / "mine"),
                 {"dataset": "real", "batch_size": 8, "probe_batch_size": 4, "user_target_name": "my lab set"},
                 "RAF-DB + AffectNet -> RAF-DB, AffectNet, FERPlus"),
    "mae_dfer": (lambda root: fx.dfew(root / "dfew") | fx.voxceleb2(root / "vox2"),
                 {"dataset": "DFEW", "pre_batch": 2, "ft_batch": 2}, "VoxCeleb2 -> DFEW"),
    # a user's clips as faces.video writes them: its annotation file and class list are the dataset
    "mae_dfer own": (lambda root: fx.own_clips(root / "aligned"), {"dataset": "own", "pre_batch": 2, "ft_batch": 2},
                     "own annotated clips"),
}


def crs_cont_on_real_data(results: dict, notebook: str) -> None:
    """The paper's targets and the user's, the real claims, and the synthetic-only sections skipped, saying why."""
    from fer_lib.experiments.crs_cont import REAL_CLAIMS
    from fer_lib.protocols.crs_cont_reading import CAVEAT, SKIPPED

    tables = results["tables"]
    targets = {c["target"] for c in tables["cells"]}
    assert targets == {"RAF-DB 7", "AffectNet 7", "AffectNet coarse 4", "FERPlus 8", "my lab set"}
    assert [c["claim"] for c in tables["claims"]] == [c.text for c in REAL_CLAIMS] and tables["premise"] == []
    assert {r["row"] for r in tables["linear_eval"]} >= {"crs_cont", "no_weight", "supervised_ce"}
    assert not any("noise" in r["row"] or "unseen" in r["row"] for r in tables["linear_eval"])
    outputs = json.dumps([c.get("outputs", []) for c in json.loads(notebook)["cells"]])
    for text in (SKIPPED["premise"], SKIPPED["mechanism"], CAVEAT[True]):
        assert json.dumps(text)[1:-1] in outputs, text
    assert "RAF-like" not in outputs and "AffectNet-like" not in outputs            # no synthetic target shown


#: per chapter, more checks on (its results, its executed notebook as text)
CHECKS = {"crs_cont": crs_cont_on_real_data}


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
    if chapter in CHECKS:
        [notebook] = (tmp_path / "executed").rglob(f"{chapter}.ipynb")
        CHECKS[chapter](results, notebook.read_text())
