"""Resolve a chapter's configuration: paper defaults <- profile <- overrides, into a frozen dataclass.

Each chapter has ``fer_lib/experiments/<chapter>.py`` with a flat ``@dataclass(frozen=True) Config``
whose defaults are the paper's values, and ``PROFILES = {"smoke": {...}, "default": {...}, "full": {...}}``
holding only the keys a profile changes. An unknown key anywhere is an error (nanoGPT style), with
difflib's close matches. Each field declares its allowed values once, beside its comment, with
``typing.Annotated`` markers from :mod:`fer_lib.experiments.ranges` (``epochs: PosInt = 300``); every
value of every layer is checked against its type and markers, and an error names the key, the value,
the layer it came from and what is allowed.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import json
import math
import types
import typing
from pathlib import Path
from typing import Any

from fer_lib.experiments.ranges import NonEmpty, OneOf

PROFILE_NAMES = ("smoke", "default", "full")


def _markers(annotation: Any) -> tuple[Any, tuple]:
    """Split ``Annotated[T, marker, ...]`` into ``(T, markers)`` (``(annotation, ())`` otherwise)."""
    if typing.get_origin(annotation) is typing.Annotated:
        base, *markers = typing.get_args(annotation)
        return base, tuple(markers)
    return annotation, ()


def describe_type(annotation: Any) -> str:
    """A field's type and allowed values in words: 'int >= 1', 'list of int >= 0', "str, one of 'a', 'b'"."""
    base, markers = _markers(annotation)
    origin, args = typing.get_origin(base), typing.get_args(base)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            text = f"list of {describe_type(args[0])}"
        else:
            text = f"list of {len(args)} " + (describe_type(args[0]) if len(set(args)) == 1 else
                                              "(" + ", ".join(describe_type(a) for a in args) + ")")
    elif origin in (typing.Union, types.UnionType):
        text = " or ".join("null" if a is type(None) else describe_type(a) for a in args)
    else:
        text = getattr(base, "__name__", str(base))
    for marker in markers:
        if isinstance(marker, NonEmpty):
            text = f"non-empty {text}"
        else:
            text += ("," if isinstance(marker, OneOf) else "") + f" {marker.describe()}"
    return text


def _coerce(name: str, value: Any, annotation: Any, expected: str | None = None) -> Any:
    """Check ``value`` against the field's type and markers; coerce text from the command line.

    Strict where a silent conversion would change the meaning: a bool is not an int (``true`` is not 1),
    a string is not a list (``"0,1"`` is not ``("0", ",", "1")``), ``null`` only where the type allows it,
    floats must be finite, and every ``Range``/``OneOf`` marker must hold. Raises ValueError naming the key.
    """
    base, markers = _markers(annotation)
    expected = expected or describe_type(annotation)

    def fail(problem: str = "") -> ValueError:
        shown = "null" if value is None else repr(value)
        return ValueError(f"config key {name!r}: got {shown}{', ' + problem if problem else ''}; must be {expected}")

    origin = typing.get_origin(base)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in typing.get_args(base):
            return None
        options = [a for a in typing.get_args(base) if a is not type(None)]
        if len(options) != 1:
            raise TypeError(f"config key {name!r}: unions other than `T | None` are not supported")
        return _coerce(name, value, typing.Annotated[(options[0], *markers)] if markers else options[0], expected)
    if value is None:
        raise fail("leave the key out to keep its default")
    if base is bool:
        if isinstance(value, str) and value.lower() in ("true", "false"):
            value = value.lower() == "true"
        if not isinstance(value, bool):
            raise fail("not true or false")
    elif base is int:
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise fail("not an integer") from None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail("not an integer")
    elif base is float:
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise fail("not a number") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise fail("not a number")
        value = float(value)
        if not math.isfinite(value):
            raise fail("not finite")
    elif base is str:
        if not isinstance(value, str):
            raise fail("not a string")
    elif origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise fail("not a list (pass a JSON list such as [0, 1])")
        args = typing.get_args(base)
        if len(args) == 2 and args[1] is Ellipsis:
            value = tuple(_coerce(f"{name}[{i}]", v, args[0]) for i, v in enumerate(value))
        elif len(value) != len(args):
            raise fail(f"{len(value)} values, not {len(args)}")
        else:
            value = tuple(_coerce(f"{name}[{i}]", v, a) for i, (v, a) in enumerate(zip(value, args)))
    else:
        raise TypeError(f"config key {name!r}: unsupported field type {base!r}")
    for marker in markers:
        if not marker.allows(value):
            raise fail()
    return value


def parse_value(text: str):
    """A ``-p`` value: JSON when it parses (numbers, true/false, lists, dicts, null), else the raw string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def unknown_key_message(key: str, known: list[str], where: str, what: str = "config key") -> str:
    """"unknown config key 'epoch' in overrides; did you mean 'epochs'? (keys: ...)" (difflib's close matches)."""
    close = difflib.get_close_matches(key, known, n=3)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"unknown {what} {key!r} in {where}{hint} (keys: {', '.join(sorted(known))})"


def field_types(config_cls: type) -> dict[str, Any]:
    """Each field's annotation with its ``Annotated`` markers kept."""
    return typing.get_type_hints(config_cls, include_extras=True)


def resolve(config_cls: type, profiles: dict[str, dict[str, Any]], profile: str,
            overrides: dict[str, Any] | None = None):
    """Build ``config_cls`` from its defaults, then ``profiles[profile]``, then ``overrides``.

    Every value, defaults included, is checked against its field's type and ``Range``/``OneOf`` markers.
    Raises KeyError for an unknown profile or key (with close matches and the valid keys) and ValueError
    for a value of the wrong type or out of range (naming the key, the layer and the allowed values).
    """
    if profile not in profiles:
        raise KeyError(f"unknown profile {profile!r}; this chapter has {sorted(profiles)}")
    hints = field_types(config_cls)
    defaults = {f.name: f.default for f in dataclasses.fields(config_cls) if f.default is not dataclasses.MISSING}
    values: dict[str, Any] = {}
    for source, layer in (("defaults", defaults), (f"profile {profile!r}", profiles[profile]),
                          ("overrides", overrides or {})):
        for key, value in layer.items():
            if key not in hints:
                raise KeyError(unknown_key_message(key, list(hints), source))
            try:
                values[key] = _coerce(key, value, hints[key])
            except ValueError as err:
                raise ValueError(f"{err} (from {source})") from None
    return config_cls(**values)


def load_experiment(chapter: str):
    """The chapter's experiment module (``fer_lib.experiments.<chapter>``)."""
    return importlib.import_module(f"fer_lib.experiments.{chapter}")


def chapter_claims(chapter: str, dataset: str | None = None) -> tuple:
    """The claims a chapter judges on ``dataset`` (its ``Config.dataset``): ``CLAIMS_BY_DATASET[dataset]`` where
    the chapter judges other claims on other data (CRS-CONT on real data), else ``CLAIMS``."""
    module = load_experiment(chapter)
    return getattr(module, "CLAIMS_BY_DATASET", {}).get(dataset, module.CLAIMS)


def chapter_config(chapter: str, profile: str, overrides: dict[str, Any] | None = None):
    """Resolve the config of ``chapter`` for ``profile`` with ``overrides`` (the chapters' one-liner)."""
    experiment = load_experiment(chapter)
    return resolve(experiment.Config, experiment.PROFILES, profile, overrides)


def as_dict(config) -> dict[str, Any]:
    """A JSON-ready dict of a resolved config (tuples become lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(config).items()}


def missing_data(chapter: str, cfg, extra: dict[str, Any] | None = None) -> list[str]:
    """Every real-data path ``cfg`` needs that is unset or absent on disk (empty: all present).

    The chapter's ``REAL_PATHS`` (in ``fer_lib.experiments.<chapter>``) maps a ``cfg.dataset`` value to
    ``{config key: "file" | "folder"}`` (``"file?"``, ``"folder?"``: optional, checked when set); a dataset
    value it does not name (``"synthetic"``) needs nothing.
    ``extra``: values that reach the chapter as notebook parameters rather than config keys (they win).
    """
    needs = getattr(load_experiment(chapter), "REAL_PATHS", {}).get(getattr(cfg, "dataset", None), {})
    values = {**dataclasses.asdict(cfg), **(extra or {})}
    problems = []
    for key, kind in needs.items():
        value = values.get(key)
        if not value:
            if not kind.endswith("?"):
                problems.append(f"{key} is not set")
            continue
        kind = kind.rstrip("?")
        if kind == "folder" and not Path(value).is_dir():
            problems.append(f"{key}={value}: no such folder")
        elif kind == "file" and not Path(value).is_file():
            problems.append(f"{key}={value}: no such file")
    return problems


def require_data(chapter: str, cfg, extra: dict[str, Any] | None = None) -> None:
    """Raise FileNotFoundError listing every path of :func:`missing_data`, and how to set them, in one message."""
    problems = missing_data(chapter, cfg, extra)
    if problems:
        raise FileNotFoundError(data_message(chapter, cfg.dataset, problems))


def data_message(chapter: str, dataset: str, problems: list[str]) -> str:
    """The one error for missing real data: what is missing, the -p keys to set, the synthetic alternative."""
    return (f"{chapter}: dataset={dataset!r} reads the real datasets (the full profile's paper experiment) and "
            f"needs {len(problems)} path(s): " + "; ".join(problems) +
            ". Set them with -p KEY PATH, or run the synthetic stand-ins with -p dataset synthetic.")
