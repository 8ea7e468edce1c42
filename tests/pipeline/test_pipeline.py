"""End to end through the library: findings, locations, dates, waivers, fail-closed gating."""

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from policy_engine.config import load_config
from policy_engine.errors import ConfigError, UsageError
from policy_engine.pipeline import AuditOptions, run_audit

LATER = dt.date(2028, 9, 1)


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


def audit(root: Path, **kwargs):
    return run_audit(AuditOptions(paths=[root], no_config="config_path" not in kwargs, **kwargs))


def rules(verdict, artifact=None):
    return {f.rule for f in verdict.findings if artifact is None or f.artifact.endswith(artifact)}


def test_high_risk_card_fails_with_located_findings(project):
    verdict = audit(project, as_of=LATER)
    assert verdict.decision == "fail" and verdict.exit_code == 1
    card_rules = rules(verdict, "card.yaml")
    assert "EUAIA-ART5-SCREENING-COMPLETE" in card_rules
    finding = next(f for f in verdict.findings if f.rule == "EUAIA-ART5-SCREENING-COMPLETE")
    # points at the nearest existing parent of the missing risk.art5_screening block: `risk:` (line 10)
    assert (finding.location.line, finding.citation) == (10, "Regulation (EU) 2024/1689, Art. 5(1)")
    assert "GDPR-ART44-TRANSFER-MECHANISM" in rules(verdict, "train.yaml")
    assert {r.id for r in verdict.rulesets} == {"eu-ai-act", "gdpr", "hipaa", "dpdp"}
    assert all(len(r.sha256) == 64 for r in verdict.rulesets)


def test_obligations_not_yet_in_force_are_info_and_name_their_date(project):
    before = audit(project, as_of=dt.date(2026, 8, 1), stage="release")
    after = audit(project, as_of=dt.date(2026, 8, 3), stage="release")
    early = next(f for f in before.findings if f.rule == "EUAIA-ART14-HUMAN-OVERSIGHT-DESIGN")
    late = next(f for f in after.findings if f.rule == "EUAIA-ART14-HUMAN-OVERSIGHT-DESIGN")
    assert (early.severity, early.not_yet_in_force) == ("info", True)
    assert "applies from 2026-08-02" in early.message
    assert (late.severity, late.not_yet_in_force) == ("high", False)


def test_release_stage_adds_controls_that_commit_does_not_check(project):
    commit = rules(audit(project, as_of=LATER, stage="commit"))
    release = rules(audit(project, as_of=LATER, stage="release"))
    assert "EUAIA-ART14-HUMAN-OVERSIGHT-DESIGN" in release - commit


def test_fail_on_never_reports_without_failing(project):
    verdict = audit(project, as_of=LATER, fail_on="never")
    assert verdict.findings and verdict.decision == "warn" and verdict.exit_code == 0


def test_waivers_mark_findings_and_expired_waivers_are_findings(project):
    config = write(project / ".complyai.yaml", """\
        waivers:
          - rule: GDPR-ART44-TRANSFER-MECHANISM
            artifact: "train.yaml"
            reason: "SCCs being signed, ticket 12"
            approver: dpo@example.com
            expires: "2029-01-01"
          - rule: EUAIA-ART5-SCREENING-COMPLETE
            artifact: "card.yaml"
            reason: "old exception"
            approver: cto@example.com
            expires: "2028-01-01"
          - rule: HIPAA-*
            artifact: "nothing/*"
            reason: "unused"
            approver: x@example.com
            expires: "2029-01-01"
        """)
    verdict = audit(project, as_of=LATER, config_path=config)
    waived = next(f for f in verdict.findings if f.rule == "GDPR-ART44-TRANSFER-MECHANISM")
    assert waived.waived and waived.waiver.approver == "dpo@example.com"
    screening = next(f for f in verdict.findings if f.rule == "EUAIA-ART5-SCREENING-COMPLETE")
    assert not screening.waived
    expired = next(f for f in verdict.findings if f.rule == "COMPLYAI-WAIVER-EXPIRED")
    assert expired.severity == "high" and expired.location.line == 7
    assert any(f.rule == "COMPLYAI-WAIVER-UNUSED" and f.severity == "info" for f in verdict.findings)


def test_broken_config_is_a_config_error_with_line(project):
    config = write(project / ".complyai.yaml", """\
        fail_on: high
        waivers:
          - rule: X
            artifact: "*"
        """)
    with pytest.raises(ConfigError, match=r"\.complyai\.yaml:3"):
        load_config(config)


def test_missing_path_is_a_usage_error(project):
    with pytest.raises(UsageError, match="path not found"):
        run_audit(AuditOptions(paths=[project / "nope"], no_config=True))


def test_a_broken_link_is_a_finding_at_the_link(project):
    write(project / "card.yaml", (project / "card.yaml").read_text().replace("train.yaml", "missing.yaml"))
    verdict = audit(project, as_of=LATER)
    link = next(f for f in verdict.findings if f.rule == "COMPLYAI-LINK")
    assert "missing.yaml" in link.message and link.location.line == 17


def test_cross_artifact_control_reads_the_linked_manifest(project):
    """EUAIA-ART10 bias examination on the card is judged from its training manifest."""
    verdict = audit(project, as_of=LATER, stage="release")
    card_rules = rules(verdict, "card.yaml")
    assert any(r.startswith("EUAIA-ART10") for r in card_rules)


def test_a_failing_list_item_is_named_and_located(project):
    verdict = audit(project, as_of=LATER)
    finding = next(f for f in verdict.findings if f.rule == "GDPR-ART44-TRANSFER-MECHANISM")
    assert finding.message.startswith("transfers[0] does not satisfy:")
    assert "EEA_COUNTRIES" in finding.message
    assert (finding.location.pointer, finding.location.line) == ("/spec/transfers/0", 10)
