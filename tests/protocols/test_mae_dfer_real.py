"""MAE-DFER's real-data helpers: the per-fold and mean table, the older notebook parameters as config keys."""

import pytest

from fer_lib.config import chapter_config
from fer_lib.protocols.mae_dfer_real import fold_summary, with_notebook_paths


def payload(fold, records, dataset="DFEW"):
    return {"config": {"dataset": dataset, "fold": fold},
            "tables": {"per_seed": [{"row": r, "seed": s, "uar": u, "war": w} for r, s, u, w in records]}}


def test_fold_summary_means_seeds_per_fold_then_folds():
    runs = [payload(2, [("A", 0, 60.0, 70.0), ("A", 1, 62.0, 72.0), ("B", 0, 50.0, 55.0)]),
            payload(1, [("A", 0, 50.0, 66.0), ("B", 0, 40.0, 45.0)])]
    a, b = fold_summary(runs)
    assert a["UAR fold 1"] == 50.0 and a["UAR fold 2"] == 61.0 and a["WAR fold 2"] == 71.0   # seeds averaged
    assert a["UAR"] == pytest.approx(55.5) and a["WAR"] == pytest.approx(68.5) and a["UAR folds"] == 2
    assert (b["row"], b["UAR"], b["WAR"]) == ("B", 45.0, 50.0)


def test_fold_summary_refuses_mixed_datasets_and_repeated_folds():
    with pytest.raises(ValueError, match="several datasets"):
        fold_summary([payload(1, [("A", 0, 1.0, 1.0)]), payload(2, [("A", 0, 1.0, 1.0)], "MAFW")])
    with pytest.raises(ValueError, match="appears twice"):
        fold_summary([payload(1, [("A", 0, 1.0, 1.0)]), payload(1, [("A", 0, 1.0, 1.0)])])


def test_notebook_dfew_root_becomes_the_config_keys():
    cfg = with_notebook_paths(chapter_config("mae_dfer", "full"), "/data/DFEW", 3, "/data/vox2.txt")
    assert (cfg.dfew_root, cfg.fold, cfg.voxceleb2_list) == ("/data/DFEW", 3, "/data/vox2.txt")
    with pytest.raises(ValueError, match="-p dataset DFEW"):
        with_notebook_paths(chapter_config("mae_dfer", "default"), "/data/DFEW", 1, None)
