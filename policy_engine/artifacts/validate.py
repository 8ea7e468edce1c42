"""JSON Schema validation of the own formats, with messages that say what is wrong and how to fix it.

jsonschema is imported lazily, and validators are compiled once per process. Importing jsonschema
normally costs ~0.8 s because its optional ``rfc3987_syntax`` dependency (pulled in by
cyclonedx-python-lib[validation]) builds a grammar at import time; complyai blocks that one module
before the first import, so ``import jsonschema`` costs ~70 ms. The price: the ``iri`` and
``iri-reference`` formats are not checked (our schemas use no formats; CycloneDX URLs go unchecked).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import sys
from functools import cache
from pathlib import Path
from typing import Any

from policy_engine.artifacts.base import Problem
from policy_engine.artifacts.source import Positions, escape
from policy_engine.findings import SCHEMA_RULE, Location

MAX_PROBLEMS = 50  # per document: past this, one more problem says how many were left out


def jsonschema_module() -> Any:
    """Import jsonschema without its slow, optional IRI grammar (see the module docstring)."""
    if "jsonschema" not in sys.modules:
        # Formats no complyai or CycloneDX schema uses ("duration", "color", "uri-template") import
        # heavy parsers at jsonschema import time (~60 ms); leave them unregistered.
        for name in ("rfc3987_syntax", "isoduration", "webcolors", "uri_template"):
            sys.modules.setdefault(name, None)  # type: ignore[arg-type]
    import jsonschema

    return jsonschema


def _stamp(namespace: str, text: str) -> Path:
    from policy_engine.resources import cache_dir

    digest = hashlib.sha256(namespace.encode() + b"\0" + text.encode("utf-8", "surrogatepass")).hexdigest()
    return cache_dir() / "valid" / digest[:2] / digest


def known_valid(namespace: str, text: str) -> bool:
    """True when exactly this text passed exactly this schema before (so a cold start can skip importing
    the validator: ~70 ms for jsonschema, more for CycloneDX). ``namespace`` names the schema version."""
    try:
        return _stamp(namespace, text).exists()
    except OSError:
        return False


def remember_valid(namespace: str, text: str) -> None:
    try:
        stamp = _stamp(namespace, text)
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.touch()
    except OSError:
        pass  # a read-only cache only costs speed


@cache
def schema_namespace(schema_file: str) -> str:
    """Identity of a bundled schema: its name and content digest."""
    from policy_engine.resources import model_cards_dir

    return schema_file + ":" + hashlib.sha256((model_cards_dir() / schema_file).read_bytes()).hexdigest()


@cache
def _validator(schema_file: str) -> Any:
    from policy_engine.resources import model_cards_dir

    schema = json.loads((model_cards_dir() / schema_file).read_text(encoding="utf-8"))
    jsonschema = jsonschema_module()
    return jsonschema.Draft202012Validator(schema)


@cache
def spec_validator(schema_file: str) -> Any:
    """A validator of the `spec` part alone (for specs embedded in foreign formats)."""
    full = _validator(schema_file).schema
    schema = {"$schema": full["$schema"], "$defs": full["$defs"], "$ref": "#/$defs/spec"}
    return jsonschema_module().Draft202012Validator(schema)


def dotted(pointer: str) -> str:
    """/spec/datasets/0/split -> spec.datasets[0].split (how a person reads a YAML path)."""
    out = ""
    for part in pointer.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out or "the document"


def _pointer(path: Any) -> str:
    return "".join("/" + escape(part) for part in path)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _suggest(word: str, choices: Any) -> str:
    choices = [c for c in choices if isinstance(c, str)]
    lowered = {c.lower(): c for c in choices}
    if isinstance(word, str) and word.lower() in lowered:
        return f"; did you mean '{lowered[word.lower()]}'?"
    match = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


_TYPE_WORDS = {
    "string": "a string",
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
    "object": "a mapping of fields",
    "array": "a list",
    "null": "null",
}


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def _explain(error: Any) -> list[tuple[str, str]]:
    """(pointer, message) pairs for one jsonschema error; unknown keys give one pair each."""
    pointer = _pointer(error.absolute_path)
    where = dotted(pointer)
    schema, instance, keyword = error.schema, error.instance, error.validator
    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = list(schema.get("properties", {}))
        patterns = list(schema.get("patternProperties", {}))
        extras = [
            key for key in instance if key not in known and not any(re.search(p, key) for p in patterns)
        ]
        return [
            (
                f"{pointer}/{escape(key)}",
                f"unknown field '{key}' in {where}{_suggest(key, known)}"
                + (" (custom fields must start with 'x-')" if not _suggest(key, known) else ""),
            )
            for key in extras
        ]
    if keyword == "required":
        missing = [name for name in error.validator_value if isinstance(instance, dict) and name not in instance]
        return [(pointer, f"{where} lacks the required field '{name}': add it") for name in missing]
    if keyword == "const":
        return [(pointer, f"{where} must be {_short(error.validator_value)}, not {_short(instance)}")]
    if keyword == "enum":
        allowed = [v for v in error.validator_value if v is not None]
        listing = ", ".join(str(v) for v in allowed[:20]) + (", ..." if len(allowed) > 20 else "")
        return [(pointer, f"{where}: {_short(instance)} is not allowed{_suggest(instance, allowed)} (use one of: {listing})")]
    if keyword == "anyOf" and error.context:
        enums = [sub.validator_value for sub in error.context if sub.validator == "enum"]
        if enums:
            listing = ", ".join(str(v) for v in enums[0][:20])
            return [
                (
                    pointer,
                    f"{where}: {_short(instance)} is not allowed{_suggest(instance, enums[0])} "
                    f"(use one of: {listing}; or a custom value starting with 'x-')",
                )
            ]
    if keyword == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        wanted = " or ".join(_TYPE_WORDS.get(t, t) for t in expected)
        hint = ""
        if "string" in expected and isinstance(instance, (int, float, bool)):
            hint = "; put the value in quotes so YAML keeps it as written (unquoted, 1.10 would read as 1.1)"
        elif "boolean" in expected and isinstance(instance, str):
            hint = "; write true or false without quotes"
        return [(pointer, f"{where} must be {wanted}, not {_type_name(instance)} {_short(instance)}{hint}")]
    if keyword == "pattern" and "[0-9]{4}-" in str(error.validator_value):
        return [(pointer, f"{where} must be an ISO date YYYY-MM-DD, not {_short(instance)}")]
    if keyword == "pattern":
        return [(pointer, f"{where}: {_short(instance)} does not match the pattern {error.validator_value}")]
    if keyword == "minLength":
        return [(pointer, f"{where} must not be empty")]
    return [(pointer, f"{where}: {error.message}")]


def schema_problems(
    validator: Any, instance: Any, positions: Positions, *, base: str = "", display: str = ""
) -> list[Problem]:
    """Validate and turn every error into a located COMPLYAI-SCHEMA problem (nearest parent if absent).

    ``base`` prefixes pointers when ``instance`` is embedded in a larger document (a front-matter key).
    """
    problems: list[Problem] = []
    errors = sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
    for error in errors:
        for pointer, message in _explain(error):
            pointer = base + pointer
            problems.append(
                Problem(
                    rule=SCHEMA_RULE,
                    severity="high",
                    message=message,
                    location=_locate(positions, pointer),
                    remediation=f"Fix {dotted(pointer)} as the message says; the schema is the complyai/v1 "
                    "field vocabulary (model_cards/*.schema.json).",
                )
            )
    problems.sort(key=lambda p: (p.location.line, p.location.column))
    if len(problems) > MAX_PROBLEMS:
        left = len(problems) - MAX_PROBLEMS
        problems = problems[:MAX_PROBLEMS]
        problems.append(
            Problem(SCHEMA_RULE, "high", f"{left} more schema problems in {display or 'this file'} not shown")
        )
    return problems


def _locate(positions: Positions, pointer: str) -> Location:
    probe = pointer
    while True:
        if probe in positions:
            line, column = positions[probe]
            return Location(pointer=pointer, line=line, column=column)
        if not probe:
            return Location(pointer=pointer, line=1, column=1)
        probe = probe.rsplit("/", 1)[0]
