"""How a table row is trained and evaluated: one module per paper chapter, all in one shape.

    data = protocols.<chapter>.load_data(cfg)                    # synthetic or real, chosen by the config
    record = protocols.<chapter>.run_row(row, cfg, data, seed, run)   # one (row, seed): a dict of numbers
    table = protocols.<chapter>.summarise(records)              # mean ± std per row, in ROWS order

``row`` is one of ``fer_lib.experiments.<chapter>.ROWS``; ``run`` is the chapter's
:class:`fer_lib.results.Run` (its ``torch_device``, ``stage`` timer and checkpoint folder). Protocols are the
only callers of :func:`fer_lib.engine.trainer.fit`; evaluation shared by chapters lives in :mod:`.probes`.
Chapters import the package and call the modules by qualified name (``protocols.ssl_fer.run_row``); the
submodules load on first use, so a chapter does not import the others' dependencies.
"""

from __future__ import annotations

import importlib
import pkgutil

CHAPTERS = ("ssl_fer", "mae_dfer", "crs_cont", "abaw6")
#: every module of the package: the chapters' protocols, their companions (``ssl_fer_reading``, ...), ``probes``
_MODULES = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__)))


def __getattr__(name: str):
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r} (protocols: {', '.join(CHAPTERS)}, and "
                         f"their companions: {', '.join(m for m in _MODULES if m not in CHAPTERS)})")


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_MODULES))
