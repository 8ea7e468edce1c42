"""`.complyai.yaml`: found by walking up from the working directory, validated by its own JSON Schema."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policy_engine.errors import ConfigError
from policy_engine.findings import FAIL_ON_CHOICES, STAGES, Waiver

CONFIG_NAME = ".complyai.yaml"

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "rulesets": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "fail_on": {"enum": list(FAIL_ON_CHOICES)},
        "stage": {"enum": list(STAGES)},
        "include": {"type": "array", "items": {"type": "string"}},
        "exclude": {"type": "array", "items": {"type": "string"}},
        "max_artifact_mb": {"type": "number", "exclusiveMinimum": 0},
        "scan": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "enabled": {"type": "boolean"},
                "sample": {"type": ["integer", "number"], "exclusiveMinimum": 0},
                "use_model": {"type": "boolean"},
                "toxicity_threshold": {"type": "number", "minimum": 0, "maximum": 1},
            },
        },
        "waivers": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["rule", "artifact", "reason", "approver", "expires"],
                "properties": {
                    "rule": {"type": "string", "minLength": 1},
                    "artifact": {"type": "string", "minLength": 1},
                    "reason": {"type": "string", "minLength": 1},
                    "approver": {"type": "string", "minLength": 1},
                    "expires": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                },
            },
        },
    },
}


@dataclass
class ScanSettings:
    enabled: bool = False
    sample: int | float | None = None
    use_model: bool = True
    toxicity_threshold: float = 0.04


@dataclass
class Config:
    path: Path | None = None
    rulesets: list[str] = field(default_factory=list)
    fail_on: str | None = None
    stage: str | None = None
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    max_artifact_mb: float = 20.0
    scan: ScanSettings = field(default_factory=ScanSettings)
    waivers: list[Waiver] = field(default_factory=list)
    waiver_lines: list[int] = field(default_factory=list)  # line of each waiver in the file

    @property
    def root(self) -> Path:
        return self.path.parent if self.path else Path.cwd()


def find_config(start: Path | None = None) -> Path | None:
    """The nearest .complyai.yaml in the directory or its parents."""
    directory = (start or Path.cwd()).resolve()
    for candidate in (directory, *directory.parents):
        path = candidate / CONFIG_NAME
        if path.is_file():
            return path
    return None


def _line_of(positions: dict[str, tuple[int, int]], path: list[Any]) -> int:
    """Line of the value at a JSON-Schema error path, or of its nearest existing parent."""
    parts = [str(part).replace("~", "~0").replace("/", "~1") for part in path]
    while parts:
        pointer = "/" + "/".join(parts)
        if pointer in positions:
            return positions[pointer][0]
        parts.pop()
    return positions.get("", (1, 1))[0]


def load_config(path: Path) -> Config:
    """Parse and validate a config file; every problem is a ConfigError with file:line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the configuration: {error}") from error
    from policy_engine.artifacts.source import parse_yaml  # the located parser artifacts use

    parsed = parse_yaml(text)
    if parsed.error is not None:
        raise ConfigError(f"{path}:{parsed.error.line}:{parsed.error.column}: {parsed.error.message}")
    data = parsed.value if parsed.value is not None else {}
    positions = parsed.positions
    import jsonschema  # lazy: only configs pay for it

    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        where = f"{path}:{_line_of(positions, list(error.absolute_path))}"
        field_path = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ConfigError(f"{where}: {field_path}: {error.message}",
                          hint="see `complyai init` for a commented example configuration")
    scan = data.get("scan") or {}
    config = Config(
        path=path,
        rulesets=list(data.get("rulesets") or []),
        fail_on=data.get("fail_on"),
        stage=data.get("stage"),
        include=list(data.get("include") or []),
        exclude=list(data.get("exclude") or []),
        max_artifact_mb=float(data.get("max_artifact_mb", 20)),
        scan=ScanSettings(enabled=bool(scan.get("enabled", False)), sample=scan.get("sample"),
                          use_model=bool(scan.get("use_model", True)),
                          toxicity_threshold=float(scan.get("toxicity_threshold", 0.04))),
    )
    for index, waiver in enumerate(data.get("waivers") or []):
        try:
            dt.date.fromisoformat(waiver["expires"])
        except ValueError as error:
            line = _line_of(positions, ["waivers", index, "expires"])
            raise ConfigError(f"{path}:{line}: waivers[{index}].expires: {waiver['expires']!r} is not a date") from error
        config.waivers.append(Waiver(**{k: str(v) for k, v in waiver.items()}))
        config.waiver_lines.append(_line_of(positions, ["waivers", index]))
    return config
