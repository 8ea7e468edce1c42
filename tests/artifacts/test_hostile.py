"""Whatever a file holds, load_artifacts answers with a located problem, quickly, and never raises."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from policy_engine.artifacts import load_artifacts

BOMB = "apiVersion: complyai/v1\nkind: ModelCard\na: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
CASES = [
    ("bomb.yaml", BOMB.encode(), "alias bomb", None),
    ("deep.yaml", b"apiVersion: complyai/v1\nspec: " + b"[" * 10_000 + b"]" * 10_000, "nesting deeper", None),
    ("deep.json", b'{"bomFormat": "CycloneDX", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nesting deeper",
     None),
    ("junk.json", b"\x00\xff\xfe" * 1000, "binary content", None),
    ("latin1.yaml", b"apiVersion: complyai/v1\nkind: ModelCard\nname: caf\xe9\n", "byte 0xe9 at offset 49 (line 3, column 10)",
     None),
    ("empty.yaml", b"", "empty", None),
    ("blank.yaml", b"\n\n   \n", "empty", None),
    ("list.yaml", b"- apiVersion: complyai/v1\n  kind: ModelCard\n", "top level", None),
    ("truncated.json", b'{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [', "invalid JSON", (1, 65)),
    ("truncated.xml", b'<bom xmlns="http://cyclonedx.org/schema/bom/1.6">\n  <components>\n', "invalid XML", (3, 1)),
    ("broken.yaml", b"apiVersion: complyai/v1\nkind: ModelCard\nmetadata: {name: x\nspec:\n  risk: [\n",
     "invalid YAML", (4, 5)),
    ("notes.txt", b"just some words\n", "not a recognised artifact", None),
    ("doc.spdx", b"SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n", "complyai reads SPDX 2.x JSON", None),
    ("README.md", b"---\nlicense: mit\n", "never closed", None),
]


@pytest.mark.parametrize(("name", "data", "expected", "where"), CASES, ids=[c[0] for c in CASES])
def test_hostile_input_gives_a_parse_problem(tmp_path: Path, name: str, data: bytes, expected: str, where) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    start = time.perf_counter()
    artifacts = load_artifacts(path, name)
    assert time.perf_counter() - start < 2.0
    (artifact,) = artifacts
    assert artifact.kind == "unknown" and artifact.fields == {}
    (problem,) = artifact.problems
    assert problem.rule == "COMPLYAI-PARSE" and problem.severity == "high"
    assert expected in problem.message, problem.message
    if where:
        assert (problem.location.line, problem.location.column) == where


def test_top_level_list_problem_names_the_expected_shape(tmp_path: Path) -> None:
    path = tmp_path / "card.yaml"
    path.write_text("- apiVersion: complyai/v1\n- a\n")
    (artifact,) = load_artifacts(path, "card.yaml")
    assert "expected a mapping with apiVersion, kind, metadata and spec" in artifact.problems[0].message


def test_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("apiVersion: complyai/v1\n" + "# padding\n" * 200_000)
    (artifact,) = load_artifacts(path, "big.yaml", max_bytes=1_000_000)
    (problem,) = artifact.problems
    assert "over the 1 MB limit" in problem.message and "max_artifact_mb" in problem.message


def test_missing_or_unreadable_path_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    (artifact,) = load_artifacts(tmp_path / "gone.yaml", "gone.yaml")
    assert artifact.problems and "cannot read" in artifact.problems[0].message


def test_utf16_with_byte_order_mark_is_read(tmp_path: Path) -> None:
    text = (Path(__file__).parent / "fixtures" / "sbom.spdx.json").read_text()
    path = tmp_path / "sbom.spdx.json"
    path.write_bytes(text.encode("utf-16"))
    (artifact,) = load_artifacts(path, "sbom.spdx.json")
    assert artifact.kind == "sbom" and not artifact.problems
