"""Generate the JSON Schemas of the complyai envelopes from the field vocabulary.

    python tools/build_schemas.py            # writes model_cards/{modelcard,datamanifest,workload}.schema.json
    python tools/build_schemas.py --check    # exit 1 when the committed schemas are out of date

The vocabulary (model_cards/vocabulary.yaml) is the single source of the field names and types; the
schemas are derived from it and committed, so editors (yaml-language-server) and complyai agree.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_vocabulary import listed_values  # noqa: E402  (one parser of the vocabulary's prose)

ROOT = Path(__file__).resolve().parents[1]
MODEL_CARDS = ROOT / "model_cards"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
ISO_DATE = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
EXTENSION = "^x-"  # user extension keys are allowed wherever the schema is closed

ENVELOPES = {
    "model_card": ("ModelCard", "modelcard.schema.json", "complyai model card"),
    "data_manifest": ("DataManifest", "datamanifest.schema.json", "complyai data manifest"),
    "workload": ("Workload", "workload.schema.json", "complyai workload description"),
}

# Fields the scanner and tools use that are not regulatory vocabulary.
EXTRA_SPEC = {
    "data_manifest": {
        "files": {
            "type": "array",
            "description": "The data files this manifest describes (paths or globs relative to the manifest), "
            "for `complyai scan`; sha256 pins a file's content.",
            "items": {
                "type": "object",
                "required": ["path"],
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    "format": {"enum": ["csv", "jsonl", "parquet", "text"]},
                },
                "patternProperties": {EXTENSION: {}},
                "additionalProperties": False,
            },
        }
    }
}

# Subfields a list<object> names in its doc without typing them in the vocabulary.
UNTYPED_SUBFIELDS = {
    "value": {"type": "number"},
    "threshold": {"type": "number"},
    "date": {"type": "string", "pattern": ISO_DATE},
}

ATTESTATION = {
    "type": "object",
    "description": "A person's statement that a control is met: who, in what role, when, with what evidence.",
    "required": ["status"],
    "properties": {
        "status": {"enum": ["attested", "not_attested"]},
        "by": {"type": "string"},
        "role": {"type": "string"},
        "date": {"type": "string", "pattern": ISO_DATE},
        "ref": {"type": "string"},
        "expires": {"type": "string", "pattern": ISO_DATE},
    },
    "patternProperties": {EXTENSION: {}},
    "additionalProperties": False,
}


def enum_values(path: str, entry: dict, fields: dict, constants: dict) -> list[Any]:
    """The allowed values of an enum field: those listed, a named constant, or another field's values."""
    doc = entry.get("doc", "")
    values = listed_values(doc)
    if len(values) < 2:
        for name, constant in constants.items():
            if name in doc and constant:
                return list(constant)
        match = re.search(r"same values as (\w+)|\b(\w+) values\b", doc)
        if match:
            target = match.group(1) or match.group(2)
            prefix = path.split(".", 1)[0]
            for other, other_entry in fields.items():
                if other.startswith(prefix + ".") and re.split(r"[.\]\[]+", other.rstrip("]"))[-1] == target:
                    if other != path:
                        return enum_values(other, other_entry, fields, constants)
    for value in entry.get("values") or []:
        if value not in values:
            values.append(value)
    return values


def field_schema(path: str, entry: dict, fields: dict, constants: dict) -> dict:
    kind = entry["type"].strip()
    doc = entry.get("doc", "")
    nullable = bool(re.search(r"\bnull\b", doc))
    schema = _type_schema(path, kind, entry, fields, constants)
    if nullable and "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    elif nullable and isinstance(schema.get("type"), str):
        schema["type"] = [schema["type"], "null"]
    schema["description"] = doc
    return schema


def _type_schema(path: str, kind: str, entry: dict, fields: dict, constants: dict) -> dict:
    if kind.startswith("list<") and kind.endswith(">"):
        inner = kind[5:-1]
        if inner == "object":
            return {"type": "array", "items": _object_items(path, entry, fields, constants)}
        return {"type": "array", "items": _type_schema(path, inner, entry, fields, constants)}
    if kind == "enum":
        values = [None if v == "null" else v for v in enum_values(path, entry, fields, constants)]
        if not values:
            return {"type": "string"}
        if "prefixed x-" in entry.get("doc", ""):
            return {"anyOf": [{"enum": values}, {"type": "string", "pattern": EXTENSION}]}
        return {"enum": values}
    simple = {
        "string": {"type": "string"},
        "ref": {"type": "string", "minLength": 1},
        "bool": {"type": "boolean"},
        "int": {"type": "integer"},
        "number": {"type": "number"},
        "decimal": {"type": "number"},
        "date": {"type": "string", "pattern": ISO_DATE},
        "object": {"type": "object"},
        "attestation": {"$ref": "#/$defs/attestation"},
    }
    if kind not in simple:
        raise SystemExit(f"{path}: unknown vocabulary type {kind!r}")
    return dict(simple[kind])


def _object_items(path: str, entry: dict, fields: dict, constants: dict) -> dict:
    """Items of a list<object>: subfields typed where the vocabulary lists them, strings otherwise."""
    properties: dict[str, Any] = {}
    listed = re.search(r"\{([^}]*)\}", entry.get("doc", ""))
    for name in (listed.group(1).split(",") if listed else []):
        name = name.strip()
        properties[name] = dict(UNTYPED_SUBFIELDS.get(name, {"type": "string"}))
    for other, other_entry in fields.items():
        if other.startswith(path + "[]."):
            properties[other[len(path) + 3 :]] = field_schema(other, other_entry, fields, constants)
    return {
        "type": "object",
        "properties": properties,
        "patternProperties": {EXTENSION: {}},
        "additionalProperties": False,
    }


def spec_schema(prefix: str, vocabulary: dict) -> dict:
    fields: dict = vocabulary["fields"]
    constants: dict = vocabulary.get("constants") or {}
    root: dict = _closed_object("The artifact's facts, in the complyai field vocabulary.")
    for path, entry in fields.items():
        if not path.startswith(prefix + ".") or "[]." in path:
            continue
        parts = path[len(prefix) + 1 :].split(".")
        node = root
        for part in parts[:-1]:
            child = node["properties"].setdefault(part, _closed_object(""))
            if child.get("type") != "object" or "properties" not in child:
                raise SystemExit(f"{path}: {part} is both a field and a group in the vocabulary")
            node = child
        leaf = parts[-1]
        if leaf in node["properties"]:
            raise SystemExit(f"{path}: defined twice or both a field and a group")
        node["properties"][leaf] = field_schema(path, entry, fields, constants)
    attestations = root["properties"].get("attestations")
    if attestations is not None:  # any control id may carry an attestation, not just the listed ones
        attestations["additionalProperties"] = {"$ref": "#/$defs/attestation"}
        attestations["description"] = "Attestations by control id or topic; each has the attestation shape."
    root["properties"].update(EXTRA_SPEC.get(prefix, {}))
    return root


def _closed_object(description: str) -> dict:
    schema: dict = {"type": "object", "properties": {}, "patternProperties": {EXTENSION: {}}}
    schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    return schema


def envelope_schema(prefix: str, vocabulary: dict) -> dict:
    kind, filename, title = ENVELOPES[prefix]
    return {
        "$schema": DRAFT,
        "$id": f"https://complyai.dev/schemas/v1/{filename}",
        "title": title,
        "description": f"A complyai/v1 {kind}: generated from model_cards/vocabulary.yaml by tools/build_schemas.py.",
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": "complyai/v1"},
            "kind": {"const": kind},
            "metadata": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "minLength": 1, "description": "Stable identifier of this artifact."},
                    "version": {"type": "string", "description": "Version of what the artifact describes."},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
                },
                "patternProperties": {EXTENSION: {}},
                "additionalProperties": False,
            },
            "spec": {"$ref": "#/$defs/spec"},
        },
        "patternProperties": {EXTENSION: {}},
        "additionalProperties": False,
        "$defs": {"spec": spec_schema(prefix, vocabulary), "attestation": ATTESTATION},
    }


def build(vocabulary_path: Path = MODEL_CARDS / "vocabulary.yaml") -> dict[str, str]:
    vocabulary = yaml.safe_load(vocabulary_path.read_text(encoding="utf-8"))
    return {
        ENVELOPES[prefix][1]: json.dumps(envelope_schema(prefix, vocabulary), indent=2, ensure_ascii=False) + "\n"
        for prefix in ENVELOPES
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the committed schemas are stale")
    args = parser.parse_args(argv)
    stale = []
    for filename, text in build().items():
        target = MODEL_CARDS / filename
        if args.check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                stale.append(filename)
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(ROOT)}")
    if stale:
        print(f"out of date: {', '.join(stale)}; run python tools/build_schemas.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
