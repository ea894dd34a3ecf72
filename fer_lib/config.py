"""Resolve a chapter's configuration: paper defaults <- profile <- overrides, into a frozen dataclass.

Each chapter has ``fer_lib/experiments/<chapter>.py`` with a flat ``@dataclass(frozen=True) Config``
whose defaults are the paper's values, and ``PROFILES = {"smoke": {...}, "default": {...}, "full": {...}}``
holding only the keys a profile changes. An unknown key anywhere is an error (nanoGPT style).
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import typing
from typing import Any

PROFILE_NAMES = ("smoke", "default", "full")


def _coerce(name: str, value: Any, annotation: Any) -> Any:
    """Coerce a CLI/papermill value to the field's declared type (str '3' -> int 3, list -> tuple)."""
    origin = typing.get_origin(annotation)
    if annotation in (int, float, str, bool):
        if annotation is bool and isinstance(value, str):
            if value.lower() not in ("true", "false", "1", "0"):
                raise ValueError(f"config key {name!r}: cannot read {value!r} as a bool")
            return value.lower() in ("true", "1")
        if annotation is int and isinstance(value, float) and not value.is_integer():
            raise ValueError(f"config key {name!r}: {value!r} is not an integer")
        try:
            return annotation(value)
        except (TypeError, ValueError) as err:
            raise ValueError(f"config key {name!r}: cannot read {value!r} as {annotation.__name__}") from err
    if origin is tuple and isinstance(value, (list, tuple)):
        args = typing.get_args(annotation)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(name, v, args[0]) for v in value)
        return tuple(_coerce(name, v, a) for v, a in zip(value, args, strict=True))
    return value


def parse_value(text: str):
    """A ``-p`` value: JSON when it parses (numbers, true/false, lists, dicts, null), else the raw string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def resolve(config_cls: type, profiles: dict[str, dict[str, Any]], profile: str,
            overrides: dict[str, Any] | None = None):
    """Build ``config_cls`` from its defaults, then ``profiles[profile]``, then ``overrides``.

    Raises KeyError for an unknown profile or an unknown key (naming it and the valid keys).
    """
    if profile not in profiles:
        raise KeyError(f"unknown profile {profile!r}; this chapter has {sorted(profiles)}")
    hints = typing.get_type_hints(config_cls)
    fields = {f.name for f in dataclasses.fields(config_cls)}
    values: dict[str, Any] = {}
    for source, layer in ((f"profile {profile!r}", profiles[profile]), ("overrides", overrides or {})):
        unknown = sorted(set(layer) - fields)
        if unknown:
            raise KeyError(f"unknown config key(s) {unknown} in {source}; valid keys: {sorted(fields)}")
        for key, value in layer.items():
            if value is None:
                continue
            values[key] = _coerce(key, value, hints[key])
    return config_cls(**values)


def load_experiment(chapter: str):
    """The chapter's experiment module (``fer_lib.experiments.<chapter>``)."""
    return importlib.import_module(f"fer_lib.experiments.{chapter}")


def chapter_config(chapter: str, profile: str, overrides: dict[str, Any] | None = None):
    """Resolve the config of ``chapter`` for ``profile`` with ``overrides`` (the chapters' one-liner)."""
    experiment = load_experiment(chapter)
    return resolve(experiment.Config, experiment.PROFILES, profile, overrides)


def as_dict(config) -> dict[str, Any]:
    """A JSON-ready dict of a resolved config (tuples become lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(config).items()}
