"""Every real-world BOM and model card in ../shared loads without an exception.

Files the upstream projects label invalid may carry problems; every file a loader recognises and that
is not labelled invalid loads without a COMPLYAI-PARSE problem.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_engine.artifacts import load_artifacts, read_head, sniff

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
REAL = SHARED / "data" / "real-artifacts"
pytestmark = pytest.mark.skipif(not REAL.exists(), reason="../shared fixtures not present")

# Not strict JSON upstream (trailing comma after metadata.timestamp), per cyclonedx/README.md.
KNOWN_UNPARSEABLE = {"cyclonedx/examples/MLBOM/Dataset/bom.json", "cyclonedx/examples/MLBOM/Model/OpenSource/bom.json"}


def _files() -> list[Path]:
    return sorted(p for p in REAL.rglob("*") if p.is_file()) if REAL.exists() else []


def _labelled_invalid(relative: str) -> bool:
    return "/invalid/" in f"/{relative}" or relative in KNOWN_UNPARSEABLE or "invalid" in Path(relative).name


def test_every_real_artifact_loads_without_exception() -> None:
    failures = []
    recognised = 0
    for path in _files():
        relative = path.relative_to(REAL).as_posix()
        artifacts = load_artifacts(path, relative)
        assert artifacts, relative
        internal = [p.message for a in artifacts for p in a.problems if "internal error" in p.message]
        if internal:
            failures.append(f"{relative}: {internal[0]}")
        if sniff(path, read_head(path)) is None:
            continue
        recognised += 1
        parse = [p.message for a in artifacts for p in a.problems if p.rule == "COMPLYAI-PARSE"]
        if parse and not _labelled_invalid(relative):
            failures.append(f"{relative}: {parse[0]}")
    assert not failures, "\n".join(failures)
    assert recognised > 700


def test_upstream_valid_cyclonedx_has_no_schema_problems() -> None:
    valid = [p for p in _files() if "cyclonedx/valid/" in p.as_posix() and p.suffix in (".json", ".xml")]
    assert valid
    bad = []
    for path in valid:
        for artifact in load_artifacts(path, path.name):
            if artifact.problems:
                bad.append(f"{path.name}: {artifact.problems[0].message}")
    assert not bad, "\n".join(bad[:10])


def test_upstream_invalid_cyclonedx_is_reported() -> None:
    invalid = [p for p in _files() if "cyclonedx/invalid/1.6/" in p.as_posix()]
    assert invalid
    silent = [p.name for p in invalid if not any(a.problems for a in load_artifacts(p, p.name))]
    assert not silent, silent


def test_ml_bom_yields_model_cards() -> None:
    for name in ("valid-machine-learning-1.6.json", "valid-machine-learning-1.6.xml"):
        path = REAL / "cyclonedx" / "valid" / "1.6" / name
        kinds = [a.kind for a in load_artifacts(path, name)]
        assert kinds == ["model_card", "sbom"], name
