"""Declare and verify with the real pipeline and the bundled rulesets, through the `complyai` group."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]


def _sample_cards() -> list[Path]:
    samples = ROOT / "samples"
    if not samples.is_dir():
        return []
    return sorted(p for p in samples.rglob("*.y*ml") if "kind: ModelCard" in p.read_text(errors="ignore"))


def _release_decision(card: Path) -> str | None:
    try:
        from policy_engine.pipeline import AuditOptions, run_audit
    except ImportError:
        return None
    return run_audit(AuditOptions(paths=[card], stage="release", explicit_only=True)).decision


@pytest.fixture(scope="module")
def cards_by_decision() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for card in _sample_cards():
        decision = _release_decision(card)
        if decision is None:
            break
        found.setdefault("fail" if decision == "fail" else "ok", card)
    return found


def run(*args: object):
    from policy_engine.cli import main

    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


def test_declare_verify_tamper_and_reevaluate(cards_by_decision, tmp_path, password, monkeypatch):
    if "ok" not in cards_by_decision:
        pytest.skip("no sample model card passes the release gate yet (samples/ or the pipeline is missing)")
    sample = cards_by_decision["ok"]
    work = tmp_path / "release"
    shutil.copytree(sample.parent, work)
    card = work / sample.name
    assert run("keygen", "--out", tmp_path / "k").exit_code == 0
    out = tmp_path / "decl.json"
    declared = run("declare", card, "--key", tmp_path / "k.key", "--out", out)
    assert declared.exit_code == 0, declared.output

    monkeypatch.chdir(work)
    verified = run("verify", out, "--key", tmp_path / "k.pub", card, "--reevaluate")
    assert verified.exit_code == 0, verified.output
    assert "re-evaluated at deploy" in verified.output

    card.write_text(card.read_text() + "\n# edited after signing\n")
    tampered = run("verify", out, "--key", tmp_path / "k.pub", card)
    assert tampered.exit_code == 1 and "changed after the declaration was signed" in tampered.output


def test_declare_refuses_a_failing_sample(cards_by_decision, tmp_path, password):
    if "fail" not in cards_by_decision:
        pytest.skip("no sample model card fails the release gate (samples/ or the pipeline is missing)")
    assert run("keygen", "--out", tmp_path / "k").exit_code == 0
    out = tmp_path / "decl.json"
    refused = run("declare", cards_by_decision["fail"], "--key", tmp_path / "k.key", "--out", out)
    assert refused.exit_code == 1
    assert "release gate failed" in refused.output and "Failing controls" in refused.output
    assert not out.exists()


def _release_findings(card: Path) -> str:
    from policy_engine.pipeline import AuditOptions, run_audit

    verdict = run_audit(AuditOptions(paths=[card], stage="release", explicit_only=True))
    return "; ".join(f"{f.rule} ({f.severity}): {f.message}" for f in verdict.findings)


def test_fixture_project_through_the_real_pipeline(project, tmp_path, password, monkeypatch):
    """The test card is built to pass the bundled rulesets at release; if a ruleset grows, update the card."""
    monkeypatch.chdir(project["root"])
    card = Path("model/card.yaml")
    assert run("keygen", "--out", tmp_path / "k").exit_code == 0
    out = tmp_path / "decl.json"
    declared = run("declare", card, "--key", tmp_path / "k.key", "--out", out)
    assert declared.exit_code == 0, f"{declared.output}\nrelease findings: {_release_findings(card)}"
    assert "3 subjects" in declared.output

    files = [card, Path("model/sbom.cdx.json"), Path("model/data/train.manifest.yaml")]
    verified = run("verify", out, "--key", tmp_path / "k.pub", *files, "--reevaluate", "--format", "json")
    assert verified.exit_code == 0, verified.output
    report = json.loads(verified.output)
    assert report["reevaluation"] in ("pass", "warn")
    assert sorted(f["subject"] for f in report["filesChecked"]) == sorted(p.as_posix() for p in files)
    # Given only the card, re-evaluation finds the other covered files beside it and checks them too.
    monkeypatch.chdir(tmp_path)
    only_card = run("verify", out, "--key", tmp_path / "k.pub", project["card"], "--reevaluate")
    assert only_card.exit_code == 0 and "re-evaluated at deploy" in only_card.output, only_card.output
    monkeypatch.chdir(project["root"])

    # A prohibited practice declared after signing: the signature still verifies, the file does not.
    text = card.read_text().replace("social_scoring: false", "social_scoring: true")
    card.write_text(text)
    changed = run("verify", out, "--key", tmp_path / "k.pub", card)
    assert changed.exit_code == 1 and "changed after the declaration was signed" in changed.output

    # ...and the same card can no longer be declared: the gate names the control.
    refused = run("declare", card, "--key", tmp_path / "k.key", "--out", tmp_path / "again.json")
    assert refused.exit_code == 1
    assert "EUAIA-ART5" in refused.output and "Failing controls" in refused.output
    assert not (tmp_path / "again.json").exists()
