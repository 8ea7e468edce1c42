"""GitLab Code Quality: the fields GitLab reads, stable fingerprints, waivers shown as info."""

from __future__ import annotations

import json
from dataclasses import replace

from policy_engine.report import render


def test_issues_have_exactly_the_fields_gitlab_reads(fail_verdict):
    issues = json.loads(render(fail_verdict, "gitlab"))
    assert len(issues) == len(fail_verdict.findings)
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert isinstance(issue["location"]["lines"]["begin"], int) and issue["location"]["path"]
    by_rule = {issue["check_name"]: issue for issue in issues}
    assert by_rule["EUAIA-ART10-DATA"]["severity"] == "blocker"
    assert by_rule["EUAIA-ART13-IFU"]["severity"] == "critical"
    assert by_rule["EUAIA-ART13-IFU"]["location"] == {
        "path": "samples/models/credit-scoring card.yaml",
        "lines": {"begin": 12},
    }


def test_waived_findings_stay_as_info_with_the_waiver(fail_verdict):
    by_rule = {issue["check_name"]: issue for issue in json.loads(render(fail_verdict, "gitlab"))}
    dpia = by_rule["GDPR-ART35-DPIA"]
    assert dpia["severity"] == "info"
    assert "waived (dpo@example.com, until 2026-03-31)" in dpia["description"]


def test_fingerprints_are_stable_across_runs_and_line_moves_and_differ_per_finding(fail_verdict):
    first = [issue["fingerprint"] for issue in json.loads(render(fail_verdict, "gitlab"))]
    assert len(set(first)) == len(first)
    moved = [
        replace(f, location=replace(f.location, line=f.location.line + 7)) for f in fail_verdict.findings
    ]
    fail_verdict.findings = moved
    second = [issue["fingerprint"] for issue in json.loads(render(fail_verdict, "gitlab"))]
    assert first == second


def test_windows_and_posix_paths_give_the_same_fingerprint(warn_verdict):
    posix = json.loads(render(warn_verdict, "gitlab"))[0]
    warn_verdict.findings[0].artifact = warn_verdict.findings[0].artifact.replace("/", "\\")
    windows = json.loads(render(warn_verdict, "gitlab"))[0]
    assert posix["fingerprint"] == windows["fingerprint"]
    assert windows["location"]["path"] == "samples/data/applicants.manifest.yaml"


def test_same_rule_at_same_pointer_twice_still_gives_two_issues(warn_verdict):
    warn_verdict.findings.append(replace(warn_verdict.findings[0], message="another"))
    prints = [issue["fingerprint"] for issue in json.loads(render(warn_verdict, "gitlab"))]
    assert len(set(prints)) == 2


def test_passing_verdict_is_an_empty_array(pass_verdict):
    assert json.loads(render(pass_verdict, "gitlab")) == []
