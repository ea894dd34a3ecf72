"""Every chapter runs end to end under the `smoke` profile through the same runner as `make book`."""

import pytest

from fer_lib import runner
from fer_lib.results import load_results


@pytest.mark.notebook
@pytest.mark.parametrize("chapter", runner.notebook_chapters())
def test_chapter_runs_in_smoke_profile(chapter, tmp_path, monkeypatch):
    monkeypatch.setenv("FER_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("FER_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))
    [outcome] = runner.run_chapters([chapter], "smoke", force=True, out_dir=tmp_path / "executed", progress=False)
    assert outcome.status == "ran", f"{chapter}: {outcome.error}"
    if runner.config_keys(chapter) is not None:
        results = load_results(chapter, "smoke", tmp_path / "results")
        assert results["profile"] == "smoke" and results["tables"], f"{chapter} wrote no table"
