"""The committed schemas match the vocabulary, are valid draft 2020-12, and accept the templates."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from policy_engine.artifacts import load_artifact

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schemas_are_up_to_date() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "build_schemas.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", ["modelcard.schema.json", "datamanifest.schema.json"])
def test_schemas_are_valid_draft_2020_12(name: str) -> None:
    from jsonschema import Draft202012Validator

    schema = json.loads((ROOT / "model_cards" / name).read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize(("name", "kind"), [("modelcard.yaml", "model_card"), ("datamanifest.yaml", "data_manifest")])
def test_templates_are_valid(name: str, kind: str) -> None:
    artifact = load_artifact(ROOT / "model_cards" / "templates" / name, name)
    assert artifact.kind == kind and artifact.problems == []


def test_enum_values_are_read_past_parenthesised_notes() -> None:
    schema = json.loads((ROOT / "model_cards" / "datamanifest.schema.json").read_text())
    dpdp = schema["$defs"]["spec"]["properties"]["dpdp"]["properties"]
    assert dpdp["third_schedule_class"]["enum"] == ["none", "ecommerce", "online_gaming", "social_media"]
    assert None in dpdp["sectoral_localisation"]["enum"] and "null" not in dpdp["sectoral_localisation"]["enum"]
