"""Each format loads into vocabulary-shaped fields, with links, pointers and real line numbers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from policy_engine.artifacts import LOADERS, load_artifact, load_artifacts, sniff

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str):
    return load_artifacts(FIXTURES / name, name)


def test_every_loader_has_a_distinct_format() -> None:
    formats = [loader.format for loader in LOADERS]
    assert len(formats) == len(set(formats)) == 6


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("card.yaml", "complyai"),
        ("manifest.yaml", "complyai"),
        ("bom.cdx.json", "cyclonedx-json"),
        ("bom.cdx.xml", "cyclonedx-xml"),
        ("sbom.spdx.json", "spdx-json"),
        ("hf/README.md", "huggingface"),
    ],
)
def test_sniff_recognises_each_fixture(name: str, fmt: str) -> None:
    path = FIXTURES / name
    assert sniff(path, path.read_text(encoding="utf-8")[:8192]) == fmt
    assert all(not a.problems for a in load(name)), [a.problems for a in load(name)]


def test_complyai_model_card() -> None:
    (card,) = load("card.yaml")
    assert (card.kind, card.format, card.name) == ("model_card", "complyai", "ticket-ranker")
    assert card.fields["risk"]["tier"] == "high"
    assert card.fields["risk_management"]["last_reviewed"] == "2025-03-01"  # ISO text, not a date object
    assert (card.fields["id"], card.fields["version"]) == ("ticket-ranker", "2.1.0")
    assert card.locate(card.pointer_for("risk.tier")).line == 11
    assert card.locate(card.pointer_for("version")).line == 5
    links = {(link.kind, link.target.name, link.role, link.pointer) for link in card.links}
    assert links == {
        ("data_manifest", "manifest.yaml", "training", "/spec/datasets/0/manifest_ref"),
        ("sbom", "bom.cdx.json", "", "/spec/sbom_ref"),
    }
    assert all(link.target.is_absolute() for link in card.links)
    assert len(card.sha256) == 64


def test_missing_field_locates_to_nearest_parent() -> None:
    (card,) = load("card.yaml")
    location = card.locate(card.pointer_for("risk.art5_screening.social_scoring"))
    assert (location.pointer, location.line, location.column) == ("/spec/risk/art5_screening/social_scoring", 10, 3)


def write(tmp_path: Path, text: str, name: str = "card.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "apiVersion: complyai/v1\nkind: ModelCard\nmetadata:\n  name: x\nspec:\n"


@pytest.mark.parametrize(
    ("spec", "line", "pointer", "words"),
    [
        ("  riks:\n    tier: high\n", 6, "/spec/riks", ["unknown field 'riks'", "did you mean 'risk'"]),
        ("  risk:\n    tier: High\n", 7, "/spec/risk/tier", ["not allowed", "did you mean 'high'"]),
        ("  market:\n    eu_market: \"yes\"\n", 7, "/spec/market/eu_market", ["true or false"]),
        ("  risk_management:\n    last_reviewed: 03/01/2025\n", 7, "/spec/risk_management/last_reviewed",
         ["ISO date"]),
        ("  datasets:\n    - split: trianing\n", 7, "/spec/datasets/0/split", ["did you mean 'training'"]),
        ("  attestations:\n    any_control_id: {status: maybe}\n", 7, "/spec/attestations/any_control_id/status",
         ["attested, not_attested"]),
    ],
)
def test_schema_problems_say_what_and_where(tmp_path: Path, spec: str, line: int, pointer: str, words: list) -> None:
    card = load_artifact(write(tmp_path, HEADER + spec), "card.yaml")
    (problem,) = card.problems
    assert problem.rule == "COMPLYAI-SCHEMA" and problem.severity == "high"
    assert (problem.location.line, problem.location.pointer) == (line, pointer)
    for word in words:
        assert word in problem.message


def test_extension_keys_and_any_attestation_id_are_allowed(tmp_path: Path) -> None:
    text = HEADER + "  x-team: ml\n  attestations:\n    EUAIA-ART4: {status: attested, by: Jane, date: 2025-01-01}\n"
    assert load_artifact(write(tmp_path, text), "card.yaml").problems == []


def test_missing_required_metadata_name_points_at_metadata(tmp_path: Path) -> None:
    card = load_artifact(write(tmp_path, "apiVersion: complyai/v1\nkind: ModelCard\nmetadata:\n  version: \"1\"\nspec: {}\n"), "c")
    (problem,) = card.problems
    assert "lacks the required field 'name'" in problem.message and problem.location.line == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("apiVersion: complyai/v2\nkind: ModelCard\n", "unsupported apiVersion 'complyai/v2'"),
        ("apiVersion: complyai/v1\nkind: Modelcard\n", "did you mean ModelCard?"),
        ("apiVersion: complyai/v1\n- a\n", "invalid YAML"),
    ],
)
def test_unclassifiable_envelopes_are_parse_problems(tmp_path: Path, text: str, expected: str) -> None:
    card = load_artifact(write(tmp_path, text), "card.yaml")
    assert card.kind == "unknown"
    assert [p.rule for p in card.problems] == ["COMPLYAI-PARSE"] and expected in card.problems[0].message


def test_cyclonedx_json_sbom_and_model_card_view() -> None:
    card, sbom = load("bom.cdx.json")
    assert (sbom.kind, sbom.format, sbom.name) == ("sbom", "cyclonedx-json", "ticket-ranker@2.1.0")
    numpy = sbom.fields["components"][0]
    assert numpy == {"name": "numpy", "version": "1.26.4", "purl": "pkg:pypi/numpy@1.26.4", "type": "library",
                     "licenses": ["BSD-3-Clause"]}
    assert sbom.fields["vulnerabilities"] == [
        {"id": "CVE-2024-0001", "severity": "critical", "state": "exploitable", "fix_available": False},
        {"id": "CVE-2024-0002", "severity": "low", "state": "not_affected", "fix_available": False},
    ]
    assert sbom.locate("/components/1/name").line == 20
    assert (card.kind, card.name) == ("model_card", "ranker")
    assert card.fields["intended_use"]["purpose"] == "Rank support tickets"
    assert card.fields["evaluation"]["metrics"] == [{"name": "accuracy", "value": 0.91}]
    assert card.fields["evaluation"]["known_limitations"] == ["English only"]
    assert card.locate(card.pointer_for("intended_use.purpose")).line == 28
    assert [(link.kind, link.target) for link in card.links] == [("sbom", sbom.path.resolve())]
    assert load_artifact(FIXTURES / "bom.cdx.json", "x").kind == "sbom"


def test_cyclonedx_xml_maps_like_json() -> None:
    (sbom,) = load("bom.cdx.xml")
    assert sbom.fields["subject"] == "ticket-ranker@2.1.0"
    assert sbom.fields["components"] == [
        {"name": "numpy", "version": "1.26.4", "purl": "pkg:pypi/numpy@1.26.4", "type": "library",
         "licenses": ["BSD-3-Clause"]},
        {"name": "requests", "version": "2.32.0", "type": "library"},
    ]
    assert sbom.locate("/components/1/version").line == 20
    assert sbom.locate("/components/0/licenses/0/license/id").line == 14


def test_cyclonedx_schema_errors_are_located(tmp_path: Path) -> None:
    text = (FIXTURES / "bom.cdx.json").read_text().replace('"type": "library"', '"type": "libary"')
    sbom = load_artifact(write(tmp_path, text, "bom.json"), "bom.json")
    (problem,) = sbom.problems
    assert problem.rule == "COMPLYAI-SCHEMA" and "libary" in problem.message
    assert (problem.location.pointer, problem.location.line) == ("/components/0/type", 11)


def test_cyclonedx_xml_schema_errors_carry_the_line(tmp_path: Path) -> None:
    text = (FIXTURES / "bom.cdx.xml").read_text().replace("<name>requests</name>", "<nam>requests</nam>")
    problems = load_artifact(write(tmp_path, text, "bom.xml"), "bom.xml").problems
    assert problems and problems[0].rule == "COMPLYAI-SCHEMA" and problems[0].location.line == 19


def test_spdx_packages_become_components() -> None:
    (sbom,) = load("sbom.spdx.json")
    assert (sbom.kind, sbom.fields["format"], sbom.name) == ("sbom", "spdx", "ticket-ranker@2.1.0")
    assert sbom.fields["components"] == [
        {"name": "ticket-ranker", "version": "2.1.0", "type": "application"},
        {"name": "numpy", "version": "1.26.4", "purl": "pkg:pypi/numpy@1.26.4",
         "supplier": "NumPy Developers", "licenses": ["BSD-3-Clause"]},
    ]
    assert "vulnerabilities" not in sbom.fields


def test_spdx_missing_required_field(tmp_path: Path) -> None:
    text = (FIXTURES / "sbom.spdx.json").read_text().replace('"dataLicense": "CC0-1.0",', "")
    (problem,) = load_artifact(write(tmp_path, text, "s.spdx.json"), "s").problems
    assert "dataLicense" in problem.message and problem.rule == "COMPLYAI-SCHEMA"


def test_huggingface_front_matter_mapping_with_real_lines() -> None:
    (card,) = load("hf/README.md")
    assert (card.kind, card.format, card.name) == ("model_card", "huggingface", "review-writer")
    assert card.fields["lineage"]["base_model"] == "distilbert-base-uncased"
    assert card.fields["evaluation"]["metrics"] == [{"name": "accuracy", "value": 0.93, "dataset": "IMDB"}]
    assert card.fields["capabilities"] == ["synthetic_content_generation"]
    assert card.fields["risk"]["tier"] == "limited" and card.fields["market"]["eu_market"] is True
    assert card.locate(card.pointer_for("lineage.base_model")).line == 3  # front matter starts at line 2
    assert card.locate(card.pointer_for("risk.tier")).line == 21
    assert [(link.kind, link.target.name) for link in card.links] == [("data_manifest", "manifest.yaml")]


def test_huggingface_complyai_block_is_validated(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "hf" / "README.md", tmp_path / "README.md")
    text = (tmp_path / "README.md").read_text().replace("tier: limited", "tier: lmited")
    (problem,) = load_artifact(write(tmp_path, text, "README.md"), "README.md").problems
    assert problem.location.pointer == "/complyai/risk/tier" and problem.location.line == 21
    assert "did you mean 'limited'" in problem.message
