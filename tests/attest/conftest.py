"""Shared fixtures: a declarable model card with its SBOM and manifest, a key pair, a fake release verdict."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from policy_engine.findings import Finding, Location, RulesetRef, Verdict, Waiver

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
PASSWORD = "correct horse battery staple"

CARD = textwrap.dedent(
    """\
    apiVersion: complyai/v1
    kind: ModelCard
    metadata:
      name: triage-assist
      version: 2.1.0
    spec:
      name: Triage Assist
      version: 2.1.0
      kind: ai_system
      processes_personal_data: true
      market:
        eu_market: true
      risk:
        tier: minimal
        art5_screening:
          manipulation: false
          exploitation_of_vulnerabilities: false
          social_scoring: false
          predictive_policing_profiling: false
          facial_image_scraping: false
          emotion_recognition_work_education: false
          biometric_categorisation_sensitive: false
          realtime_rbi_law_enforcement: false
          sexual_deepfake_or_csam: false
      attestations:
        ai_literacy: {status: attested, by: Head of Quality, date: 2025-05-01}
      provider:
        name: Example Health AI GmbH
        contact_address: Musterstrasse 1, 10115 Berlin, Germany
      sbom_ref: sbom.cdx.json
      datasets:
        - manifest_ref: data/train.manifest.yaml
          split: training
      conformity:
        assessment_procedure: notified_body_annex_vii
        notified_body_id: "0123"
        certificate_id: NB-0123-2025-77
        standards_applied: [ISO/IEC 42001:2023]
        declaration:
          sole_responsibility_statement: true
          conformity_statement: true
          standards_referenced: ["ISO/IEC 42001:2023", "ISO/IEC 23894:2023"]
          place: Berlin
          signatory: "Dr. A. Example, Head of Quality, on behalf of Example Health AI GmbH"
    """
)

MANIFEST = textwrap.dedent(
    """\
    apiVersion: complyai/v1
    kind: DataManifest
    metadata: {name: train, version: "1"}
    spec:
      contains_personal_data: false
      subjects_in_eu: false
      controller: {name: Example Health AI GmbH, established_in_eu: true}
      schema:
        fields:
          - {name: text, pii_type: none, justification: free text without identifiers}
      scan: {date: 2025-05-01, pii_types_found: []}
    """
)


@pytest.fixture
def password(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COMPLYAI_KEY_PASSWORD", PASSWORD)
    return PASSWORD


@pytest.fixture
def project(tmp_path: Path) -> dict[str, Path]:
    """A repository with a model card, the SBOM and data manifest it links to, and a separate manifest."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "model").mkdir()
    (root / "model" / "data").mkdir()
    card = root / "model" / "card.yaml"
    card.write_text(CARD)
    sbom = root / "model" / "sbom.cdx.json"
    sbom.write_text('{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": []}\n')
    manifest = root / "model" / "data" / "train.manifest.yaml"
    manifest.write_text(MANIFEST)
    return {"root": root, "card": card, "sbom": sbom, "manifest": manifest}


@pytest.fixture
def keypair(tmp_path: Path, password: str) -> dict[str, Path]:
    from policy_engine.attest.keys import generate_keypair

    pair = generate_keypair(tmp_path / "signing")
    return {"key": pair.private, "pub": pair.public}


def make_verdict(decision: str = "pass", findings: list[Finding] | None = None, stage: str = "release") -> Verdict:
    return Verdict(
        findings=findings or [],
        decision=decision,
        fail_on="high",
        stage=stage,
        as_of="2025-06-01",
        rulesets=[RulesetRef(id="eu-ai-act", version="2024.1", sha256="ab" * 32, controls=42)],
        artifacts=[],
        tool_version="0.1.0",
    )


def failing_finding() -> Finding:
    return Finding(
        rule="EUAIA-ART13-IFU",
        ruleset="eu-ai-act",
        severity="high",
        title="Instructions for use are missing",
        message="spec.instructions_for_use is absent",
        artifact="model/card.yaml",
        location=Location("/spec/instructions_for_use", 7, 3),
    )


def waived_finding() -> Finding:
    finding = failing_finding()
    finding.rule = "EUAIA-ART15-ROBUST"
    finding.waived = True
    finding.waiver = Waiver("EUAIA-ART15-ROBUST", "model/*.yaml", "robustness report due Q3", "cto", "2099-01-01")
    return finding


class FakeAudit:
    """Stands in for the pipeline: records what it was asked to audit, returns a fixed verdict."""

    def __init__(self, verdict: Verdict) -> None:
        self.verdict = verdict
        self.calls: list[list[Path]] = []

    def __call__(self, paths: list[Path]) -> Verdict:
        self.calls.append(list(paths))
        return self.verdict
