"""Hand-built verdicts: one that fails, one that warns, one that passes."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_engine.findings import Finding, Location, RulesetRef, Verdict, Waiver, gate
from policy_engine.report import RuleInfo

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared fixtures not present")

CARD = "samples/models/credit-scoring card.yaml"  # a space: URIs must encode it
SBOM = "samples/sboms/credit-scoring.cdx.json"
MANIFEST = "samples/data/applicants.manifest.yaml"

CONTROLS = ["EUAIA-ART13-IFU", "EUAIA-ART10-DATA", "EUAIA-ART50-GPAI", "GDPR-ART35-DPIA", "GDPR-ART30-ROPA"]


def _finding(
    rule: str, ruleset: str, severity: str, artifact: str, line: int, column: int, pointer: str, **extra
) -> Finding:
    return Finding(
        rule=rule,
        ruleset=ruleset,
        severity=severity,
        title=extra.pop("title", f"Title of {rule}"),
        message=extra.pop("message", f"{rule} is violated at {pointer}"),
        artifact=artifact,
        location=Location(pointer=pointer, line=line, column=column),
        citation=extra.pop("citation", f"Regulation (EU) 2024/1689, {rule[6:]}"),
        remediation=extra.pop("remediation", f"Add {pointer} to the model card."),
        **extra,
    )


def failing_findings() -> list[Finding]:
    return [
        _finding(
            "EUAIA-ART13-IFU",
            "eu-ai-act",
            "high",
            CARD,
            12,
            5,
            "/spec/instructions_for_use",
            message="Instructions for use are missing | the deployer cannot operate the system",
        ),
        _finding("EUAIA-ART10-DATA", "eu-ai-act", "critical", CARD, 30, 7, "/spec/datasets/0"),
        _finding(
            "GDPR-ART35-DPIA",
            "gdpr",
            "medium",
            MANIFEST,
            4,
            3,
            "/spec/dpia",
            waived=True,
            waiver=Waiver(
                rule="GDPR-ART35-DPIA",
                artifact="samples/data/*",
                reason="DPIA in review",
                approver="dpo@example.com",
                expires="2026-03-31",
            ),
        ),
        _finding(
            "EUAIA-ART50-GPAI",
            "eu-ai-act",
            "info",
            CARD,
            40,
            3,
            "/spec/gpai/transparency",
            effective="2026-08-02",
            not_yet_in_force=True,
        ),
        _finding(
            "COMPLYAI-PARSE",
            "complyai",
            "high",
            SBOM,
            17,
            22,
            "",
            title="Unparseable artifact",
            message="expected ',' or '}' at line 17 column 22",
            citation="",
            remediation="Fix the JSON syntax.",
        ),
    ]


def make_verdict(findings: list[Finding], fail_on: str = "high") -> Verdict:
    return Verdict(
        findings=findings,
        decision=gate(findings, fail_on),
        fail_on=fail_on,
        stage="commit",
        as_of="2025-11-28",
        rulesets=[
            RulesetRef(id="eu-ai-act", version="2024.1", sha256="a" * 64, controls=3),
            RulesetRef(id="gdpr", version="2016.1", sha256="b" * 64, controls=2),
        ],
        artifacts=[CARD, SBOM, MANIFEST],
        tool_version="0.1.0",
        controls_evaluated=list(CONTROLS),
    )


@pytest.fixture
def fail_verdict() -> Verdict:
    return make_verdict(failing_findings())


@pytest.fixture
def warn_verdict() -> Verdict:
    medium = _finding("GDPR-ART30-ROPA", "gdpr", "medium", MANIFEST, 9, 1, "/spec/records")
    return make_verdict([medium])


@pytest.fixture
def pass_verdict() -> Verdict:
    return make_verdict([])


@pytest.fixture
def rules() -> dict[str, RuleInfo]:
    rulesets = {"EUAIA": "eu-ai-act", "GDPR-": "gdpr"}
    return {
        rule: RuleInfo(
            id=rule,
            ruleset=rulesets[rule[:5]],
            title=f"Title of {rule}",
            severity="high",
            citation=f"Citation of {rule}",
            remediation=f"Fix {rule}.",
            help_text=f"Requirement {rule}.",
        )
        for rule in CONTROLS
    }
