"""What a user can look up before running: ``fer-book list`` and ``fer-book config CHAPTER``.

``list`` names the chapters, the profiles and what each is for, with the estimated CPU time of each
chapter per profile (measured on the 2-core build machine; the last run's own time when there is one).
``config`` prints every key of a chapter's ``Config``: its type and allowed values, its value under a
profile, the paper's default and the comment written beside it in ``fer_lib/experiments/<chapter>.py``
(read from the source with ``ast`` and ``tokenize``, so the comment stays where it is written).
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import inspect
import io
import json
import tokenize
from pathlib import Path

from fer_lib.config import PROFILE_NAMES, chapter_config, describe_type, field_types, load_experiment
from fer_lib.book import ChapterFiles, config_keys, notebook_chapters

PROFILE_PURPOSES = {
    "smoke": "every cell runs in seconds on tiny models (the tests use it); its numbers mean nothing",
    "default": "the embedded synthetic data at CPU size: the numbers this book shows",
    "full": "the paper's experiment on its real datasets (set their paths; -p dataset synthetic: the stand-ins "
            "at paper size): for GPUs, estimated cost in the README",
}
#: Minutes of one chapter on the 2-core build machine (README, "Measured"); smoke: the test suite's. The
#: default ssl_fer on the idle machine, mae_dfer and abaw6 at a load average of about 7 on the 2 cores (upper
#: bounds).
ESTIMATED_CPU_MINUTES = {
    "smoke": {"data": 0.2, "faces": 0.5, "ssl_fer": 0.5, "mae_dfer": 0.3, "crs_cont": 0.3, "abaw6": 0.5},
    "default": {"data": 0.4, "faces": 1.3, "ssl_fer": 20, "mae_dfer": 30, "crs_cont": 14, "abaw6": 44},
}


def title(book_dir: Path, chapter: str) -> str:
    """The chapter's first ``# `` heading."""
    for line in (book_dir / f"{chapter}.md").read_text().splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return chapter


def configured_chapters(book_dir: Path) -> list[str]:
    return [c for c in notebook_chapters(book_dir) if config_keys(c) is not None]


def unknown_chapter(chapter: str, book_dir: Path) -> str:
    known = configured_chapters(book_dir)
    close = difflib.get_close_matches(chapter, known, n=2)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"unknown chapter {chapter!r}{hint} (chapters with a config: {', '.join(known)})"


def last_minutes(book_dir: Path, chapter: str, profile: str) -> float | None:
    """Wall time of the last successful run of ``chapter`` under ``profile`` here, in minutes."""
    provenance = ChapterFiles(book_dir / "executed" / profile, chapter).provenance
    if not provenance.exists():
        return None
    return json.loads(provenance.read_text()).get("seconds", 0) / 60


def list_text(book_dir: Path) -> str:
    lines = ["profiles:"]
    lines += [f"  {name:<8} {PROFILE_PURPOSES[name]}" for name in PROFILE_NAMES]
    lines += ["", "chapters (estimated CPU minutes on 2 cores: smoke / default; * = this machine's last run; "
                  "full needs a GPU):"]
    for chapter in notebook_chapters(book_dir):
        times = []
        for profile in ("smoke", "default"):
            measured = last_minutes(book_dir, chapter, profile)
            estimate = ESTIMATED_CPU_MINUTES[profile].get(chapter)
            times.append(f"{measured:.1f}*" if measured is not None else "?" if estimate is None else f"{estimate:g}")
        lines.append(f"  {chapter:<10} {' / '.join(times):<14} {title(book_dir, chapter)}")
    lines += ["", "fer-book config CHAPTER [--profile P] lists a chapter's keys; "
                  "fer-book run --profile P [-p KEY VALUE ...] CHAPTER runs it."]
    return "\n".join(lines)


def field_comments(config_cls: type) -> dict[str, str]:
    """The ``# comment`` on each field's line(s) of a Config class, read from its source."""
    source = inspect.getsource(inspect.getmodule(config_cls))
    comments: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.string.lstrip("#").strip()
    [cls] = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ClassDef) and n.name == config_cls.__name__]
    found = {}
    for node in cls.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            text = " ".join(comments[i] for i in range(node.lineno, node.end_lineno + 1) if i in comments)
            found[node.target.id] = text
    return found


def show(value) -> str:
    return json.dumps(list(value) if isinstance(value, tuple) else value)


def config_text(chapter: str, profile: str) -> str:
    """A table of every key: name, type, value under ``profile`` (``*`` where it is not the default),
    the paper's default and the comment."""
    experiment = load_experiment(chapter)
    cfg = chapter_config(chapter, profile)
    types = field_types(experiment.Config)
    comments = field_comments(experiment.Config)
    rows = []
    for field in dataclasses.fields(experiment.Config):
        value, default = getattr(cfg, field.name), field.default
        mark = "*" if value != default else ""
        rows.append((field.name, describe_type(types[field.name]), show(value) + mark, show(default),
                     comments.get(field.name, "")))
    header = ("key", "type", f"{profile}", "default", "comment")
    widths = [min(max(len(r[i]) for r in rows + [header]), 32) for i in range(4)]
    out = [f"{chapter}: profile {profile!r} (* = changed by the profile); defaults are the paper's values", ""]
    for row in [header] + rows:
        out.append("  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths)) + "  " + row[4])
    out += ["", f"change one with: fer-book run --profile {profile} -p KEY VALUE {chapter}"]
    return "\n".join(line.rstrip() for line in out)
