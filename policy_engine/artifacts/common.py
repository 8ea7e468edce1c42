"""Small helpers every loader shares: problems from parse errors, links from relative references."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from policy_engine.artifacts.base import Artifact, Link, Problem
from policy_engine.artifacts.source import Parsed, ParseError
from policy_engine.findings import PARSE_RULE, Location

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def parse_problem(error: ParseError, remediation: str = "") -> Problem:
    return Problem(
        rule=PARSE_RULE,
        severity="high",
        message=error.message,
        location=Location(pointer=error.pointer, line=error.line, column=error.column),
        remediation=remediation or "Fix the syntax at the line shown; complyai reads UTF-8 YAML, JSON or XML.",
    )


def problem(message: str, pointer: str = "", line: int = 1, column: int = 1, remediation: str = "") -> Problem:
    return parse_problem(ParseError(message, line, column, pointer), remediation)


def unreadable(path: Path, display: str, fmt: str, problems: list[Problem]) -> Artifact:
    """An artifact that could not be parsed or classified: kind "unknown", only problems."""
    return Artifact(path=path, display=display, kind="unknown", format=fmt, name=path.name, sha256="",
                    problems=problems)


def from_parsed(path: Path, display: str, fmt: str, parsed: Parsed) -> Artifact | None:
    """The unreadable artifact for a failed parse, else None (the caller goes on)."""
    if parsed.error is not None:
        return unreadable(path, display, fmt, [parse_problem(parsed.error)])
    return None


def local_link(source: Path, ref: Any, kind: str, pointer: str, role: str = "") -> Link | None:
    """A link to a file named relative to the source's folder; None for URLs, ids with no path shape, etc."""
    if not isinstance(ref, str) or not ref.strip() or _URL.match(ref) or ref.startswith("#"):
        return None
    target = Path(ref.split("#", 1)[0])
    if not target.is_absolute():
        target = source.parent / target
    return Link(kind=kind, target=target.resolve(), pointer=pointer, role=role if isinstance(role, str) else "")


def get(data: Any, *keys: Any) -> Any:
    """data[k1][k2]... or None when any step is missing or of the wrong shape."""
    for key in keys:
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and -len(data) <= key < len(data):
            data = data[key]
        else:
            return None
    return data
