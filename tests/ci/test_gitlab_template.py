"""ci/gitlab/complyai.gitlab-ci.yml: its jobs' scripts run as a GitLab runner would (one shell, CI_* variables),
and the JUnit and Code Quality reports they declare are checked against their formats."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from .conftest import BAD_MANIFEST, CARD, ROOT, SHARED, git, needs_shared, write

TEMPLATE = yaml.safe_load((ROOT / "ci" / "gitlab" / "complyai.gitlab-ci.yml").read_text())
CQ_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def run_job(name: str, workspace: Path, env: dict[str, str], **variables: str) -> subprocess.CompletedProcess:
    """The job's script in one bash with `set -e` (as the runner does); before_script installs complyai, which
    the test environment already has on PATH."""
    job = TEMPLATE[name]
    assert job["extends"] == ".complyai-base"
    merged = {**TEMPLATE["variables"], **TEMPLATE[".complyai-base"]["variables"], **(job.get("variables") or {}),
              **variables}
    script = "\n".join(job["script"])
    return subprocess.run(["bash", "-e", "-c", script], cwd=workspace, capture_output=True, text=True,
                          env={**env, "CI": "true", "GITLAB_CI": "true", **merged}, timeout=120)


def reports(workspace: Path) -> tuple[list[dict], object]:
    from lxml import etree

    reports = TEMPLATE["complyai-audit"]["artifacts"]["reports"]
    quality = json.loads((workspace / reports["codequality"]).read_text())
    junit = etree.parse(str(workspace / reports["junit"])).getroot()
    return quality, junit


def check_code_quality(issues: list[dict], workspace: Path) -> None:
    """The Code Quality (CodeClimate subset) fields GitLab reads."""
    assert isinstance(issues, list)
    for issue in issues:
        assert isinstance(issue["description"], str) and issue["description"]
        assert isinstance(issue["check_name"], str) and issue["check_name"]
        assert isinstance(issue["fingerprint"], str) and issue["fingerprint"]
        assert issue["severity"] in CQ_SEVERITIES
        assert (workspace / issue["location"]["path"]).is_file()  # relative to the repository root
        assert isinstance(issue["location"]["lines"]["begin"], int) and issue["location"]["lines"]["begin"] >= 1
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)


def check_junit(root) -> None:  # noqa: ANN001 - an lxml element
    assert root.tag in ("testsuites", "testsuite")
    if not SHARED.exists():
        return
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(SHARED / "data" / "schemas" / "junit.xsd")))
    for suite in root.findall("testsuite") if root.tag == "testsuites" else [root]:
        single = etree.fromstring(etree.tostring(suite))
        for attr in ("package", "id"):  # only allowed inside <testsuites>
            single.attrib.pop(attr, None)
        schema.assertValid(etree.ElementTree(single))


def failures(junit) -> list[str]:  # noqa: ANN001
    return [case.get("name") for case in junit.iter("testcase") if case.find("failure") is not None]


def test_a_non_compliant_merge_request_fails_with_both_reports(repo, cli_env):
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-qb", "feature")
    write(repo / "data" / "tickets.yaml", BAD_MANIFEST)
    git(repo, "commit", "-qam", "send data to the US")
    result = run_job("complyai-audit", repo, cli_env, CI_PIPELINE_SOURCE="merge_request_event",
                     CI_MERGE_REQUEST_DIFF_BASE_SHA=base)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "GDPR-ART44-TRANSFER-MECHANISM" in result.stdout  # the text report in the job log
    quality, junit = reports(repo)
    check_code_quality(quality, repo)
    assert {i["location"]["path"] for i in quality} == {"data/tickets.yaml"}  # the card itself is clean
    transfer = next(i for i in quality if i["check_name"] == "GDPR-ART44-TRANSFER-MECHANISM")
    assert transfer["severity"] == "blocker"  # critical
    check_junit(junit)
    assert any("GDPR-ART44-TRANSFER-MECHANISM" in name for name in failures(junit))
    verdict = json.loads((repo / "complyai.json").read_text())
    assert sorted(verdict["artifacts"]) == ["data/tickets.yaml", "models/spam.yaml"]  # only the change + linker
    assert (repo / "complyai.md").read_text().startswith("## complyai: **FAIL**")


def test_a_compliant_merge_request_passes(repo, cli_env):
    base = git(repo, "rev-parse", "HEAD")
    write(repo / "models" / "spam.yaml", CARD.replace("internal ticket queue", "internal ticket queue (v2)"))
    git(repo, "commit", "-qam", "reword")
    result = run_job("complyai-audit", repo, cli_env, CI_PIPELINE_SOURCE="merge_request_event",
                     CI_MERGE_REQUEST_DIFF_BASE_SHA=base)
    assert result.returncode == 0, result.stdout + result.stderr
    quality, junit = reports(repo)
    assert quality == []
    check_junit(junit)
    assert failures(junit) == [] and len(list(junit.iter("testcase"))) > 0


def test_the_default_branch_audits_everything_with_the_template_variables(repo, cli_env):
    write(repo / "data" / "other.yaml", BAD_MANIFEST)
    git(repo, "commit", "-qam", "bad other")
    result = run_job("complyai-audit", repo, cli_env, CI_COMMIT_BRANCH="main", CI_DEFAULT_BRANCH="main",
                     COMPLYAI_PATHS="models data", COMPLYAI_FAIL_ON="never", COMPLYAI_RULESETS="gdpr eu-ai-act")
    assert result.returncode == 0, result.stdout + result.stderr  # fail-on never only reports
    verdict = json.loads((repo / "complyai.json").read_text())
    assert {"models/spam.yaml", "models/other.yaml", "data/other.yaml"} <= set(verdict["artifacts"])
    assert {r["id"] for r in verdict["rulesets"]} == {"gdpr", "eu-ai-act"}
    quality, _ = reports(repo)
    assert "data/other.yaml" in {i["location"]["path"] for i in quality}


def test_the_release_job_signs_with_the_key_from_a_file_variable(repo, cli_env, tmp_path):
    env = {**cli_env, "COMPLYAI_KEY_PASSWORD": "correct horse"}
    keygen = subprocess.run(["complyai", "keygen", "--out", str(tmp_path / "release")], env=env,
                            capture_output=True, text=True, timeout=60)
    if keygen.returncode != 0 and "No such command" in keygen.stderr:
        pytest.skip("complyai keygen is not part of this installation")
    assert keygen.returncode == 0, keygen.stderr
    result = run_job("complyai-declare", repo, env, CI_COMMIT_TAG="v1.0.0", COMPLYAI_MODEL_CARD="models/spam.yaml",
                     COMPLYAI_SIGNING_KEY=str(tmp_path / "release.key"))
    assert result.returncode == 0, result.stdout + result.stderr
    declaration = repo / TEMPLATE["variables"]["COMPLYAI_DECLARATION"]
    assert (repo / "complyai-declaration.md").is_file()
    verify = subprocess.run(["complyai", "verify", str(declaration), "models/spam.yaml", "--key",
                             str(tmp_path / "release.pub")], cwd=repo, env=env, capture_output=True, text=True,
                            timeout=60)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_the_release_job_refuses_without_a_model_card(repo, cli_env):
    result = run_job("complyai-declare", repo, cli_env, CI_COMMIT_TAG="v1.0.0")
    assert result.returncode == 2 and "COMPLYAI_MODEL_CARD" in result.stderr


@needs_shared
def test_the_junit_check_is_not_vacuous(repo, cli_env):
    from lxml import etree

    run_job("complyai-audit", repo, cli_env, CI_COMMIT_BRANCH="main")
    _, junit = reports(repo)
    suite = junit.find("testsuite") if junit.tag == "testsuites" else junit
    suite.set("tests", "many")
    with pytest.raises(etree.DocumentInvalid):
        check_junit(junit)
