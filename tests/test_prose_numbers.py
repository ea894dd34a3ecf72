"""Numbers in a chapter's prose cannot drift from the executed results (README: "Numbers in prose").

The rule, for the markdown of each paper chapter outside code cells:
1. In its Reading section (the ``## ...Reading`` heading to the next ``## ``), no number at all: every number
   there comes from the executed notebook through a ``{glue:text}`` role (the rendered claims sentences and
   measured values). Not counted: glue roles, inline code, math, digits inside a name (ResNet-50, FER2013,
   F1), references (Table 1, formula (6), §3.5) and the claim rule's level (95 %).
2. Elsewhere, a decimal number (``0.07``, ``59.3``) must be one of the paper's (``fer_lib/papers/<chapter>.json``)
   or a value of the chapter's config (its ``Config`` defaults and ``PROFILES``): the paper's table and the
   settings, never a measured result typed by hand. Whole numbers (sizes, counts, years, "68 landmarks") pass.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import re
from pathlib import Path

import pytest

from fer_lib.metrics.claims import LEVEL
from fer_lib.runtime import REPO_ROOT

PAPER_CHAPTERS = ("ssl_fer", "mae_dfer", "crs_cont", "abaw6")

# fenced blocks that are code, not prose (admonitions such as ```{important} stay: they are prose)
CODE_FENCE = re.compile(r"^(`{3,})(\{code-cell\}|\{literalinclude\}|[A-Za-z]*\s*$).*?^\1\s*$", re.M | re.S)
FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
NOT_COUNTED = [
    re.compile(r"\{glue(?::\w+)?\}`[^`]*`"),       # glued values
    re.compile(r"\{\w+\}`[^`]*`"),                  # other roles ({doc}`...`)
    re.compile(r"`[^`]*`"),                         # inline code
    re.compile(r"\$\$.*?\$\$", re.S),               # display math
    re.compile(r"\$[^$\n]+\$"),                     # inline math
    re.compile(r"\]\([^)]*\)"),                     # link targets
    re.compile(r"\b(?:Table|formula|Figure|Fig\.|section|Section)\s*\(?\d+\)?"),
    re.compile(r"§\s*\d+(?:\.\d+)*"),
    re.compile(rf"\b{LEVEL * 100:.0f}\s?%"),           # the claim rule's level, fixed in fer_lib.metrics.claims
]
# a number: not glued to a word before it (ResNet-50, FER2013) nor to letters after it (3rd, 50s, F1)
NUMBER = re.compile(r"(?<![\w\-−.+])[-+−]?\d+(?:[.,]\d+)*(?:e[-+]\d+)?(?![\w])")
DECIMAL = re.compile(r"(?<![\w\-−.])\d*\.\d+(?![\w.])")


def prose(text: str) -> str:
    """The chapter's markdown without front matter, code cells, code fences and the parts not counted."""
    text = CODE_FENCE.sub("", FRONT_MATTER.sub("", text))
    for pattern in NOT_COUNTED:
        text = pattern.sub(" ", text)
    return text


def split_reading(text: str) -> tuple[str, str]:
    """(the Reading section, the rest) of a chapter's markdown."""
    match = re.search(r"^## [^\n]*[Rr]eading[^\n]*$", text, re.M)
    if match is None:
        return "", text
    end = re.search(r"^## ", text[match.end():], re.M)
    stop = match.end() + end.start() if end else len(text)
    return text[match.start():stop], text[:match.start()] + text[stop:]


def _numbers(value) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _numbers(v)]
    if isinstance(value, dict):
        return [x for v in value.values() for x in _numbers(v)]
    if isinstance(value, str):  # numbers written inside the paper's source notes
        return [float(m) for m in re.findall(r"\d+\.\d+|\d+", value)]
    return []


def allowed_decimals(chapter: str) -> set[float]:
    """Every number of the paper's table file and of the chapter's config (defaults and profiles)."""
    paper = json.loads((REPO_ROOT / "fer_lib" / "papers" / f"{chapter}.json").read_text())
    experiment = importlib.import_module(f"fer_lib.experiments.{chapter}")
    config = [f.default for f in dataclasses.fields(experiment.Config)] + list(experiment.PROFILES.values())
    return {round(x, 6) for x in _numbers(paper) + _numbers(config)}


def violations(chapter: str) -> list[str]:
    text = (REPO_ROOT / "book" / f"{chapter}.md").read_text()
    reading, rest = split_reading(text)
    bad = [f"Reading: {m.group()!r} in ...{line.strip()[:90]}..." for line in prose(reading).splitlines()
           for m in NUMBER.finditer(line)]
    allowed = allowed_decimals(chapter)
    bad += [f"outside the Reading: {m.group()!r} (not in the paper's table or the config) in ...{line.strip()[:90]}..."
            for line in prose(rest).splitlines() for m in DECIMAL.finditer(line)
            if round(float(m.group()), 6) not in allowed]
    return bad


@pytest.mark.parametrize("chapter", PAPER_CHAPTERS)
def test_prose_quotes_no_hand_typed_result(chapter):
    text = (REPO_ROOT / "book" / f"{chapter}.md").read_text()
    assert split_reading(text)[0], f"book/{chapter}.md has no Reading section"
    bad = violations(chapter)
    assert not bad, f"book/{chapter}.md types numbers by hand (glue them, see README 'Numbers in prose'):\n" + \
        "\n".join(bad)


def test_every_glued_name_in_the_prose_is_glued_by_the_chapter():
    """A {glue:text}`name` must be glued in a code cell of the same chapter or in its reading module
    (``fer_lib/protocols/<chapter>_reading.py``), literally or as a claim's key."""
    from fer_lib.experiments.claim import Claim
    from fer_lib.metrics.claims import glue_key

    for chapter in PAPER_CHAPTERS:
        text = (REPO_ROOT / "book" / f"{chapter}.md").read_text()
        cells = "\n".join(m.group() for m in CODE_FENCE.finditer(text))
        reading = REPO_ROOT / "fer_lib" / "protocols" / f"{chapter}_reading.py"
        cells += "\n" + (reading.read_text() if reading.exists() else "")
        module = importlib.import_module(f"fer_lib.experiments.{chapter}")   # CLAIMS and any other claim tuple
        claims = [c for v in vars(module).values() if isinstance(v, tuple) for c in v if isinstance(c, Claim)]
        known = {glue_key(c.text) for c in claims} | {glue_key(re.sub(r" \[.*\]$", "", c.text)) for c in claims}
        quoted = set(re.findall(r"['\"]([\w-]+)['\"]", cells))
        prefixes = quoted | set(re.findall(r"f['\"]([\w]+)-\{", cells))
        templated = "-{" in cells  # names built as f"{prefix}-{...}" in a cell
        for name in re.findall(r"\{glue(?::\w+)?\}`([^`:]+)", text):
            ok = name in known or name in quoted or (templated and name.split("-")[0] in prefixes)
            assert ok, f"book/{chapter}.md pastes {name!r}, which no cell glues"


def test_the_rule_catches_hand_typed_numbers():
    reading = "## Reading\n\nSimCLR reaches 27.0 ± 2.7 F1 ({glue:text}`f1-simclr`) with ResNet-50 on FER2013.\n"
    assert [m.group() for m in NUMBER.finditer(prose(reading))] == ["27.0", "2.7"]
    assert [m.group() for m in NUMBER.finditer(prose("Table 1, formula (6), §3.5, `lr=1e-3`, $\\eta^2$, 3rd"))] == []
    assert [m.group() for m in DECIMAL.finditer(prose("tau 0.07 and 46.3 %, 12 steps"))] == ["0.07", "46.3"]
    assert split_reading("# T\n\n## Reading\n\nx 1\n\n## Next\n\ny 2\n") == ("## Reading\n\nx 1\n\n", "# T\n\n## Next\n\ny 2\n")
