"""The Cedar schema that types every artifact entity; every ruleset is validated against it at load.

It is generated from the field vocabulary, so a control that reads a field the vocabulary does not
define (a typo) is a load-time error, and so is a comparison of a field with the wrong type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from policy_engine.rules.cedar_emit import ENTITY_TYPES, cedar_type

ATTESTATION = ("type Attestation = { status?: String, by?: String, role?: String, date?: datetime, "
               "ref?: String, expires?: datetime };")


def attribute_tree(fields: Mapping[str, Mapping[str, Any]], kind: str) -> dict:
    """Nested {name: cedar type | subtree} of the fields of one artifact kind that Cedar can hold."""
    tree: dict = {}
    prefix = kind + "."
    for path, entry in fields.items():
        if not path.startswith(prefix) or "[]" in path:
            continue
        cedar = cedar_type(entry["type"])
        if cedar is None:
            continue
        node = tree
        parts = path[len(prefix):].split(".")
        for part in parts[:-1]:
            existing = node.get(part)
            if not isinstance(existing, dict):
                existing = node[part] = {}
            node = existing
        if not isinstance(node.get(parts[-1]), dict):
            node[parts[-1]] = cedar
    return tree


def _record(tree: Mapping[str, Any], indent: str = "  ") -> str:
    lines = []
    for name, value in sorted(tree.items()):
        rendered = _record(value, indent + "  ") if isinstance(value, dict) else value
        lines.append(f"{indent}{name}?: {rendered},")
    return "{\n" + "\n".join(lines) + "\n" + indent[:-2] + "}"


def build_schema(fields: Mapping[str, Mapping[str, Any]], date_names: Iterable[str]) -> str:
    """Cedar schema text for the vocabulary plus the named dates the loaded rulesets define."""
    parts = [ATTESTATION, "entity Auditor;"]
    for kind, entity in ENTITY_TYPES.items():
        parts.append(f"entity {entity} = {_record(attribute_tree(fields, kind))};")
    dates = ", ".join(f"{name}: datetime" for name in sorted(set(date_names)))
    links = ", ".join(f"{kind}?: {entity}" for kind, entity in ENTITY_TYPES.items())
    parts.append(f"type Context = {{ today: datetime, derived: Set<String>, dates: {{ {dates} }}, {links} }};")
    resources = ", ".join(ENTITY_TYPES.values())
    applies = f"appliesTo {{ principal: [Auditor], resource: [{resources}], context: Context }}"
    parts.append(f"action commit {applies};")
    parts.append(f'action release in [Action::"commit"] {applies};')
    parts.append(f'action deploy in [Action::"release"] {applies};')
    return "\n".join(parts) + "\n"
