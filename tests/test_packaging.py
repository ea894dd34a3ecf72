"""Release metadata agrees with itself: one version (fer_lib.__version__, read by pyproject.toml),
echoed by CHANGELOG.md and CITATION.cff; the licence files name what they cover."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from setuptools.config.pyprojecttoml import read_configuration

import fer_lib
from fer_lib.runtime import library_versions

ROOT = Path(__file__).resolve().parents[1]


def test_version_has_one_source_read_by_the_build():
    assert re.fullmatch(r"\d+\.\d+\.\d+", fer_lib.__version__)
    # setuptools expands `dynamic = ["version"]` exactly as a build would (statically, from the attr).
    project = read_configuration(ROOT / "pyproject.toml", expand=True)["project"]
    assert project["version"] == fer_lib.__version__
    static = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in static and static["dynamic"] == ["version"]


def test_results_record_the_library_version():
    assert library_versions()["fer_lib"] == fer_lib.__version__


def test_changelog_top_entry_is_the_current_version():
    headings = re.findall(r"^## (\d+\.\d+\.\d+) - (\d{4}-\d{2}-\d{2})$", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert headings[0][0] == fer_lib.__version__
    assert [h[0] for h in headings] == sorted((h[0] for h in headings), key=lambda v: tuple(map(int, v.split("."))),
                                              reverse=True)


def test_citation_cites_the_book_and_the_four_papers():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and str(cff["version"]) == fer_lib.__version__
    assert cff["preferred-citation"]["type"] == "book"
    refs = {r["notes"].split(";")[0]: r for r in cff["references"]}
    chapters = {f"Chapter book/{c}.md" for c in ("ssl_fer", "mae_dfer", "crs_cont", "abaw6")}
    assert set(refs) == chapters and all((ROOT / c.split()[1]).is_file() for c in chapters)
    assert refs["Chapter book/mae_dfer.md"]["doi"] == "10.1145/3581783.3612365"
    assert refs["Chapter book/crs_cont.md"]["doi"] == "10.1109/TIP.2022.3186536"
    assert all(r["authors"] and r["year"] for r in cff["references"])


def test_licence_names_both_licences_and_third_party_terms():
    text = " ".join((ROOT / "LICENSE").read_text().split())
    assert "MIT License" in text and "CC BY 4.0" in text and "iBUG 300-W" in text and "exclude commercial use" in text
    assert (ROOT / "LICENSES" / "CC-BY-4.0.txt").read_text().startswith(
        "Creative Commons Attribution 4.0 International Public License")
    assert read_configuration(ROOT / "pyproject.toml")["project"]["license"] == "MIT"
