"""The library's layout rules (README, "How a chapter is built"), checked on the source with ``ast``.

1. Only ``protocols/`` (and the engine itself) call :func:`fer_lib.engine.trainer.fit`; a method is a
   ``training_step`` and never runs the loop.
2. ``experiments/`` is data (Config, PROFILES, ROWS, CLAIMS): it imports nothing from the rest of fer_lib.
3. Imports point one way along the data flow: the NEVER table lists the directions that must not exist.

Each checker also runs on a small tree written with a violation, so a checker that stopped finding
anything would fail here too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[1] / "fer_lib"

#: part of fer_lib -> folders (relative to fer_lib/)
PARTS = {
    "data": ("data",), "faces": ("faces",), "augment": ("augment",), "models": ("models", "nn"),
    "losses": ("losses",), "methods": ("methods",), "protocols": ("protocols",), "experiments": ("experiments",),
    "engine": ("engine",), "metrics": ("metrics",), "plots": ("plots",),
}

#: (importer, imported, why): imports that must never exist.
NEVER = (
    ("data", "engine", "data knows no training"),
    ("data", "models", "datasets return raw frames"),
    ("data", "methods", "data knows no method"),
    ("data", "protocols", "data knows no chapter"),
    ("losses", "engine", "losses are pure functions of tensors"),
    ("losses", "methods", "losses are pure functions of tensors"),
    ("losses", "models", "losses are pure functions of tensors"),
    ("losses", "protocols", "losses are pure functions of tensors"),
    ("models", "engine", "models know no training loop"),
    ("models", "losses", "models know no objective"),
    ("models", "methods", "models know no method"),
    ("models", "protocols", "models know no chapter"),
    ("metrics", "engine", "metrics are pure"),
    ("metrics", "methods", "metrics are pure"),
    ("metrics", "protocols", "metrics are pure"),
    ("plots", "engine", "plots draw, never train"),
    ("plots", "methods", "plots draw, never train"),
    ("plots", "protocols", "plots draw, never train"),
    ("faces", "engine", "face geometry knows no training"),
    ("faces", "models", "face geometry knows no models"),
    ("augment", "engine", "augmentations are pure"),
    ("augment", "methods", "augmentations are pure"),
    ("engine", "methods", "the engine runs any method's training_step; it names none"),
    ("engine", "protocols", "the engine knows no chapter"),
    ("methods", "protocols", "a method is a training_step; the protocol runs it"),
    ("methods", "experiments", "a method takes explicit arguments, not a chapter's config module"),
)

#: parts that may call the engine's fit
FIT_CALLERS = ("protocols", "engine")


def part_of(module: str) -> str | None:
    """'methods.ssl_fer' or 'methods/ssl_fer.py' -> 'methods' (None: a top-level module such as config)."""
    head = module.replace("/", ".").split(".")[0]
    return next((part for part, folders in PARTS.items() if head in folders), None)


def imports(path: Path, lib: Path) -> list[tuple[str, int, tuple[str, ...]]]:
    """(fer_lib-relative module, line, imported names) of every fer_lib import in a file, relative ones resolved."""
    package = list(path.relative_to(lib).parts[:-1])   # a module's package (an __init__'s own package)
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            out += [(a.name[len("fer_lib."):], node.lineno, ()) for a in node.names if a.name.startswith("fer_lib.")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            elif node.module and (node.module == "fer_lib" or node.module.startswith("fer_lib.")):
                mod = node.module[len("fer_lib"):].lstrip(".")
            else:
                continue
            names = tuple(a.name for a in node.names)
            out.append((mod, node.lineno, names))
            if not mod:  # `from fer_lib import protocols`: the names are the modules
                out += [(name, node.lineno, ()) for name in names]
    return out


def import_violations(lib: Path) -> list[str]:
    found = []
    for path in sorted(lib.rglob("*.py")):
        src = part_of(path.relative_to(lib).as_posix())
        if src is None:
            continue
        for mod, line, _ in imports(path, lib):
            dst = part_of(mod) if mod else None
            where = f"fer_lib/{path.relative_to(lib).as_posix()}:{line} imports fer_lib.{mod}"
            if src == "experiments" and dst != "experiments" and mod:
                found.append(f"{where} (experiments/ is data only: it imports nothing from fer_lib)")
            found += [f"{where} ({a} -> {b}: {why})" for a, b, why in NEVER if (src, dst) == (a, b)]
    return found


def fit_violations(lib: Path) -> list[str]:
    """Calls of the engine's fit outside protocols/ and engine/: an imported ``fit`` name, or ``trainer.fit``."""
    found = []
    for path in sorted(lib.rglob("*.py")):
        rel = path.relative_to(lib).as_posix()
        if part_of(rel) in FIT_CALLERS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        fit_names = {a.asname or a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                     and "engine" in (node.module or "").split(".") for a in node.names if a.name == "fit"}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            if isinstance(f, ast.Name) and f.id in fit_names:
                found.append(f"fer_lib/{rel}:{node.lineno} calls the engine's fit ({f.id})")
            elif (isinstance(f, ast.Attribute) and f.attr == "fit" and isinstance(f.value, ast.Name)
                  and f.value.id in ("trainer", "engine")):
                found.append(f"fer_lib/{rel}:{node.lineno} calls {f.value.id}.fit")
    return found


def test_only_protocols_call_the_engines_fit():
    assert fit_violations(LIB) == []


def test_methods_define_a_training_step_and_never_call_fit():
    """Every module of methods/ (except its package file) defines a class with a ``training_step``."""
    for path in sorted((LIB / "methods").glob("*.py")):
        if path.name == "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        steps = [n for c in ast.walk(tree) if isinstance(c, ast.ClassDef) for n in c.body
                 if isinstance(n, ast.FunctionDef) and n.name == "training_step"]
        assert steps, f"fer_lib/methods/{path.name} has no class with a training_step: it belongs elsewhere"


def test_no_import_runs_against_the_data_flow_and_experiments_is_a_leaf():
    assert import_violations(LIB) == []


@pytest.fixture
def broken_lib(tmp_path):
    """A tiny fer_lib with one of each violation."""
    files = {
        "methods/bad.py": "from fer_lib.engine.trainer import fit\nfrom ..protocols import ssl_fer\n"
                          "def train(m, d):\n    return fit(m, d)\n",
        "methods/worse.py": "from fer_lib.engine import trainer\ndef train(m, d):\n    return trainer.fit(m, d)\n",
        "experiments/leaky.py": "from fer_lib.methods.probe import Target\n",
        "losses/impure.py": "import fer_lib.engine.trainer\n",
        "protocols/fine.py": "from fer_lib.engine.trainer import fit\nfit(None, None)\n",
        "data/ok.py": "from fer_lib.faces import crops\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def test_the_checkers_find_each_kind_of_violation(broken_lib):
    fits = fit_violations(broken_lib)
    assert fits == ["fer_lib/methods/bad.py:4 calls the engine's fit (fit)", "fer_lib/methods/worse.py:3 calls trainer.fit"]
    found = import_violations(broken_lib)
    assert any("experiments/leaky.py:1" in f and "data only" in f for f in found)
    assert any("losses/impure.py:1" in f and "losses -> engine" in f for f in found)
    assert any("methods/bad.py:2" in f and "methods -> protocols" in f for f in found)   # a relative import
    assert not any("protocols/fine.py" in f or "data/ok.py" in f for f in found + fits)
