"""The record a chapter's ``CLAIMS`` are made of: one claim of a paper as a comparison of two table rows. Data only.

Kept here, inside ``experiments/``, so that the experiment modules stay a leaf of the package: they import
this file and nothing else from ``fer_lib``. The rule that judges a claim is ``fer_lib.metrics.claims``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Claim:
    """One claim of a paper.

    text: the claim in words ("same-clip hard negatives help").
    row_a, row_b: the two table rows compared (their key value in the chapter's per-seed records); the claim
        is about A − B. None for a claim no pair of rows here can test.
    metric: the per-seed record column compared (e.g. "F1"); metric_b: B's column when it differs (a
        teacher's F1 against a baseline's F1), else the same.
    direction: ">" when the paper says A is higher than B, "<" when it says A is lower.
    paper: the paper's own difference A − B in the metric's published unit (a number), or its expectation in
        words when it publishes none; None when it says nothing more than ``text``.
    untestable: why this claim cannot be tested here (e.g. "needs real VoxCeleb dynamics"); None if it can.
    """

    text: str
    row_a: str | None
    row_b: str | None
    metric: str | None
    direction: str = ">"
    paper: float | str | None = None
    untestable: str | None = None
    metric_b: str | None = None

    def __post_init__(self):
        if self.direction not in (">", "<"):
            raise ValueError(f"claim {self.text!r}: direction must be '>' or '<', got {self.direction!r}")
        if self.untestable is None and None in (self.row_a, self.row_b, self.metric):
            raise ValueError(f"claim {self.text!r}: a testable claim needs row_a, row_b and metric "
                             "(or give the reason it is untestable)")

    @property
    def testable(self) -> bool:
        return self.untestable is None
