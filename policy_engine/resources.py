"""Where the bundled rulesets, schemas and vocabulary live.

In a source checkout (and an editable install) they are the top-level ``rulesets/`` and
``model_cards/`` folders; a wheel carries the same folders inside the package as
``policy_engine/_bundled/`` (see pyproject.toml).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import yaml

PACKAGE = Path(__file__).resolve().parent
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10x faster


def cache_dir() -> Path:
    """Per-user cache of derived data (validated rulesets); safe to delete at any time."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "complyai"


def _bundled(name: str) -> Path:
    for candidate in (PACKAGE.parent / name, PACKAGE / "_bundled" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled folder {name!r} is missing from this installation; reinstall complyai")


def rulesets_dir() -> Path:
    return _bundled("rulesets")


def model_cards_dir() -> Path:
    return _bundled("model_cards")


@cache
def vocabulary() -> dict:
    """The field vocabulary: {"fields": {path: {type, doc, values?}}, "constants": ..., "macros": ...}."""
    with open(model_cards_dir() / "vocabulary.yaml", encoding="utf-8") as handle:
        return yaml.load(handle, Loader=YAML_LOADER)  # noqa: S506 - a safe loader
