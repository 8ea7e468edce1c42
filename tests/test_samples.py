"""The showcase in samples/: each non-compliant variant shows its documented gaps, each compliant one passes.

The audit date is fixed (AS_OF) so that the samples' review and attestation dates do not age out of
their one-year windows under the tests; the README's `complyai audit samples/` runs on today's date.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest

from policy_engine.pipeline import AuditOptions, run_audit

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
AS_OF = dt.date(2026, 12, 1)
SCENARIOS = ("credit-scoring", "hospital-readmission", "india-lending-children", "gpai-foundation-model",
             "customer-chatbot")

# Rules each non-compliant variant must raise at the release stage (info findings included: most DPDP
# obligations apply from 2027-05-13).
EXPECTED = {
    "credit-scoring": {
        "EUAIA-ART4-AI-LITERACY", "EUAIA-ART10-1-DATASET-SPLITS", "EUAIA-ART10-2F-BIAS-EXAMINATION",
        "EUAIA-ART11-TECHNICAL-DOCUMENTATION", "EUAIA-ART14-HUMAN-OVERSIGHT-DESIGN",
        "GDPR-ART9-SPECIAL-CATEGORY-CONDITION", "GDPR-ART22-AUTOMATED-DECISIONS", "GDPR-ART35-DPIA-REQUIRED",
        "GDPR-ART44-TRANSFER-MECHANISM",
    },
    "hospital-readmission": {
        "HIPAA-164.514B2-SAFE-HARBOR-18-IDENTIFIERS", "HIPAA-164.514B2-ZIP-DATES-AGES",
        "HIPAA-164.514B2-SCAN-RESIDUAL-IDENTIFIERS", "HIPAA-164.514B2II-NO-ACTUAL-KNOWLEDGE",
        "HIPAA-164.502E-BUSINESS-ASSOCIATE-AGREEMENT", "HIPAA-164.406-408-MEDIA-AND-SECRETARY",
    },
    "india-lending-children": {
        "DPDP-S6-9-R4-CONSENT-MANAGER-REGISTERED", "DPDP-S9-1-R10-VERIFIABLE-PARENTAL-CONSENT",
        "DPDP-S9-3-NO-TRACKING-OR-TARGETED-ADS-CHILDREN", "DPDP-S5-R3-NOTICE", "DPDP-R7-2-BOARD-72H-REPORT",
    },
    "gpai-foundation-model": {
        "EUAIA-ART51-SYSTEMIC-RISK-THRESHOLD", "EUAIA-ART52-1-COMMISSION-NOTIFICATION",
        "EUAIA-ART53-1C-COPYRIGHT-POLICY", "EUAIA-ART53-1C-TDM-OPTOUT-IN-DATA",
        "EUAIA-ART53-1D-TRAINING-CONTENT-SUMMARY", "EUAIA-ART55-1A-MODEL-EVALUATION",
        "EUAIA-ART55-1B-SYSTEMIC-RISK-ASSESSMENT",
    },
    "customer-chatbot": {
        "EUAIA-ART5-SCREENING-COMPLETE", "EUAIA-ART50-1-AI-INTERACTION-DISCLOSURE",
        "EUAIA-ART50-2-MACHINE-READABLE-MARKING",
    },
}
DPDP_IN_FORCE = dt.date(2027, 6, 1)
GAP = re.compile(r"GAP \(([A-Z0-9.-]+)")


def audit(*paths: Path, stage: str = "release", as_of: dt.date = AS_OF):
    return run_audit(AuditOptions(paths=list(paths), stage=stage, as_of=as_of, no_config=True))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_compliant_variant_passes_the_release_gate(scenario: str) -> None:
    verdict = audit(SAMPLES / scenario / "compliant")
    blocking = [f"{f.rule} {f.artifact}:{f.location.line}" for f in verdict.findings if f.severity != "info"]
    assert verdict.decision == "pass", blocking
    assert verdict.exit_code == 0


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_noncompliant_variant_shows_its_documented_gaps(scenario: str) -> None:
    # Most DPDP Rules obligations apply from 2027-05-13; before that they are info findings only.
    as_of = DPDP_IN_FORCE if scenario == "india-lending-children" else AS_OF
    verdict = audit(SAMPLES / scenario / "noncompliant", as_of=as_of)
    rules = {f.rule for f in verdict.findings}
    assert EXPECTED[scenario] <= rules, sorted(EXPECTED[scenario] - rules)
    assert verdict.decision == "fail"
    # every finding of a control points at a line a person can edit
    assert all(isinstance(f.location.line, int) and f.location.line >= 1 for f in verdict.findings)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_gap_comment_names_a_control_that_fires(scenario: str) -> None:
    """A "GAP (ID)" comment in a non-compliant file is a promise; the audit (at deploy) keeps it."""
    folder = SAMPLES / scenario / "noncompliant"
    promised = set()
    for path in folder.rglob("*"):
        if path.is_file():
            promised |= set(GAP.findall(path.read_text(encoding="utf-8")))
    verdict = audit(folder, stage="deploy", as_of=dt.date(2027, 6, 1))
    rules = {f.rule for f in verdict.findings}
    assert promised, f"{folder} documents no gap"
    assert promised <= rules, sorted(promised - rules)


def test_dpdp_obligations_are_info_until_13_may_2027() -> None:
    folder = SAMPLES / "india-lending-children" / "noncompliant"
    before = {f.rule: f.severity for f in audit(folder, as_of=dt.date(2027, 5, 12)).findings}
    after = {f.rule: f.severity for f in audit(folder, as_of=dt.date(2027, 5, 13)).findings}
    assert before["DPDP-S9-1-R10-VERIFIABLE-PARENTAL-CONSENT"] == "info"
    assert after["DPDP-S9-1-R10-VERIFIABLE-PARENTAL-CONSENT"] not in ("info", None)
    # consent managers are regulated since 13 Nov 2026 (DPDP Rules phase 2)
    assert before["DPDP-S6-9-R4-CONSENT-MANAGER-REGISTERED"] != "info"


def test_audit_of_all_samples_fails_with_findings_of_all_four_laws() -> None:
    verdict = audit(SAMPLES, stage="commit")
    assert verdict.decision == "fail"
    assert {"eu-ai-act", "gdpr", "hipaa", "dpdp"} <= {f.ruleset for f in verdict.findings}


def test_the_declarable_sample_passes_from_the_command_line() -> None:
    """The declare command signs samples/credit-scoring/compliant/model_card.yaml: keep it passing."""
    card = SAMPLES / "credit-scoring" / "compliant" / "model_card.yaml"
    proc = subprocess.run([sys.executable, "-m", "policy_engine", "audit", str(card), "--stage", "release",
                           "--as-of", AS_OF.isoformat(), "--no-color"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS" in proc.stdout


def test_one_card_is_in_hugging_face_readme_format() -> None:
    readme = SAMPLES / "gpai-foundation-model" / "noncompliant" / "README.md"
    verdict = audit(readme)
    assert readme.read_text(encoding="utf-8").startswith("---\n")
    assert "EUAIA-ART51-SYSTEMIC-RISK-THRESHOLD" in {f.rule for f in verdict.findings}
    assert any(f.artifact.endswith("README.md") for f in verdict.findings)
