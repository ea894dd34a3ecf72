"""The benchmarks are scripts nobody runs in CI: at least their imports and definitions must follow the library
(a module moved by a refactor once left one importing a path that no longer existed)."""

import importlib.util
from pathlib import Path

import pytest

BENCHMARKS = sorted((Path(__file__).resolve().parents[1] / "benchmarks").glob("*.py"))


@pytest.mark.parametrize("path", BENCHMARKS, ids=[p.stem for p in BENCHMARKS])
def test_benchmark_imports(path):
    spec = importlib.util.spec_from_file_location(f"benchmark_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # runs the imports and definitions; the measurement is under __main__
    assert callable(getattr(module, "main", None)), f"{path.name} has no main()"
