"""One (row, seed)'s training, seen and kept: a named progress bar, a one-line summary, a history CSV.

    log = TrainingLog(run, row.row, seed)                 # in run_row; QUIET where no chapter run exists
    result = log.fit(method, dataset, stage="pretrain", optimizers=opt, batch_size=64, ...)   # engine.fit

:meth:`TrainingLog.fit` calls :func:`fer_lib.engine.trainer.fit` with ``progress=run.progress`` and a bar named
``"<row> · seed <s> · <stage>"`` (step, loss, images/s, ETA), prints one line when the fit ends (row, seed,
steps, final loss, seconds, images/s) and saves the history as ``results/<run>/<chapter>/history/<row>-seed<s>
[-<stage>].csv`` (:meth:`fer_lib.results.Run.save_history`). Inner probes (linear probe, fine-tune of an
evaluation) call the engine directly with ``progress=False``: they stay quiet and are not kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from fer_lib.engine.trainer import FitResult, fit
from fer_lib.results import Run


@dataclass(frozen=True)
class TrainingLog:
    """Where a row's fits show and are kept; ``run=None`` (:data:`QUIET`): no bar, no line, no file."""

    run: Run | None
    row: str
    seed: int

    def label(self, stage: str | None = None) -> str:
        return " · ".join([self.row, f"seed {self.seed}"] + ([stage] if stage else []))

    def fit(self, method, dataset, *, stage: str | None = None, images_per_item: int = 1, **kwargs) -> FitResult:
        """``engine.fit(method, dataset, **kwargs)`` with this row's bar, summary line and history file.

        stage: names the fit when a row trains more than once (e.g. "pretrain" and "finetune").
        images_per_item: images in one dataset item (a tuple of 4 frames: 4), for images/s.
        """
        if self.run is None:
            return fit(method, dataset, progress=False, desc=self.label(stage), images_per_item=images_per_item,
                       **kwargs)
        result = fit(method, dataset, progress=self.run.progress, desc=self.label(stage),
                     images_per_item=images_per_item, **kwargs)
        self.run.save_history(self.row, self.seed, result.history, result.throughput, stage)
        print(summary_line(self.label(stage), result, images_per_item), flush=True)
        return result


def summary_line(label: str, result: FitResult, images_per_item: int = 1) -> str:
    """E.g. ``SimCLR · seed 0 · pretrain: 120 steps, final loss 4.213, 61.2 s, 311 images/s``; a fit that
    loaded a finished checkpoint says so instead of a throughput."""
    loss = result.history[-1].get("loss") if result.history else None
    text = f"{label}: {result.step} steps, final loss " + ("n/a" if loss is None else f"{loss:.4g}")
    if result.samples_per_s == 0:
        return text + f" (loaded from {result.checkpoint}, not trained here)"
    return text + f", {result.seconds:.1f} s, {result.samples_per_s * images_per_item:.0f} images/s"


#: The log of a fit outside a chapter run (tests, torchrun entry points): quiet, nothing written.
QUIET = TrainingLog(None, "", 0)
