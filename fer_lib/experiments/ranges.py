"""Allowed values of config fields, declared once per field with ``typing.Annotated``.

A leaf module (imports nothing from ``fer_lib``), so the experiment modules can use it and stay data:

    epochs: PosInt = 300                       # > 0
    mask_ratio: Annotated[float, Range(0, 1, hi_open=True)] = 0.9
    optimizer: Annotated[str, OneOf("sgd", "adamw")] = "sgd"

``fer_lib.config.resolve`` reads these markers, checks every resolved value against them and names the
key and the allowed values in its error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated


@dataclass(frozen=True)
class Range:
    """``lo <= value <= hi`` (``<`` where open); ``None`` = unbounded on that side."""

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False

    def allows(self, value: float) -> bool:
        if self.lo is not None and (value <= self.lo if self.lo_open else value < self.lo):
            return False
        if self.hi is not None and (value >= self.hi if self.hi_open else value > self.hi):
            return False
        return True

    def describe(self) -> str:
        """E.g. '>= 1', '> 0', 'in [0, 1]', 'in [0, 1)'."""
        if self.lo is not None and self.hi is not None:
            return f"in {'(' if self.lo_open else '['}{self.lo:g}, {self.hi:g}{')' if self.hi_open else ']'}"
        if self.lo is not None:
            return f"{'>' if self.lo_open else '>='} {self.lo:g}"
        if self.hi is not None:
            return f"{'<' if self.hi_open else '<='} {self.hi:g}"
        return "any"


@dataclass(frozen=True)
class OneOf:
    """The value is one of ``choices``."""

    choices: tuple

    def __init__(self, *choices):
        object.__setattr__(self, "choices", choices)

    def allows(self, value) -> bool:
        return value in self.choices

    def describe(self) -> str:
        return "one of " + ", ".join(repr(c) for c in self.choices)


@dataclass(frozen=True)
class NonEmpty:
    """A list with at least one value (a run with no seeds computes nothing)."""

    def allows(self, value) -> bool:
        return len(value) > 0

    def describe(self) -> str:
        return "non-empty"


# The common cases, as type aliases so a field line stays short.
PosInt = Annotated[int, Range(1)]                          # >= 1: counts, sizes, epochs, steps
NonNegInt = Annotated[int, Range(0)]                       # >= 0: 0 = off / none
PosFloat = Annotated[float, Range(0, lo_open=True)]        # > 0: learning rates, temperatures, scales
NonNegFloat = Annotated[float, Range(0)]                   # >= 0: weights, decays, margins
Prob = Annotated[float, Range(0, 1)]                       # in [0, 1]: probabilities, fractions
Fraction = Annotated[float, Range(0, 1, lo_open=True, hi_open=True)]  # in (0, 1): a split that leaves both sides
Seeds = Annotated[tuple[NonNegInt, ...], NonEmpty()]     # the seeds a table is averaged over
