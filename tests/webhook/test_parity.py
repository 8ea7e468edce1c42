"""CI and admission never disagree: for the same files and declaration, what the webhook finds on those
files (decision and failing controls) equals what `complyai audit --stage deploy` finds on them.

The webhook also judges the Workload itself (its annotations, its region), which `complyai audit` cannot
see: those findings are named by the workload in the answer and compared separately.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from .conftest import COMPLIANT, DIGEST, VULNERABLE_DIGEST, pod_spec, post, review, workload

SUBJECT = "Deployment ml-prod/scorer"


def cli_audit(world, card: str) -> tuple[str, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", "from policy_engine.cli import main; main()", "audit", "--stage", "deploy",
         "--format", "json", card], cwd=world.evidence, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    verdict = json.loads(done.stdout)
    failing = {f["rule"] for f in verdict["findings"] if not f["waived"] and f["severity"] in ("critical", "high")}
    return verdict["decision"], failing


def by_artifact(message: str) -> tuple[set[str], set[str]]:
    """(controls failing on the files, controls failing on the workload) from a denial message."""
    on_files, on_workload = set(), set()
    for rule, artifact in re.findall(r"([A-Z][A-Z0-9.-]+-[A-Z0-9.-]+): [^;]*?\[([^\]]+)\](?:;|$)", message):
        (on_workload if artifact == SUBJECT else on_files).add(rule)
    return on_files, on_workload


@pytest.mark.parametrize(("digest", "card"), [
    (DIGEST, "model_card.yaml"),
    (VULNERABLE_DIGEST, "vulnerable/model_card.yaml"),
])
def test_webhook_and_cli_agree_on_the_declared_files(world, enforce, digest, card):
    decision, failing = cli_audit(world, card)
    with enforce.client() as client:
        answer = post(client, review(workload("Deployment", pod_spec(f"registry.example/credit-scorer@{digest}"),
                                              COMPLIANT)))
    controls = set(filter(None, answer["auditAnnotations"].get("failing-controls", "").split(",")))
    on_files, on_workload = by_artifact(answer.get("status", {}).get("message", ""))
    assert on_files == failing
    assert controls == on_files | on_workload
    assert answer["allowed"] is (decision != "fail" and not on_workload)
    if digest == DIGEST:
        assert decision == "pass" and answer["allowed"] is True
    else:  # not vacuous: the CVE fails the deploy gate in both, on the SBOM
        assert "EUAIA-ART15-5-SBOM-VULNERABILITIES" in failing and answer["allowed"] is False
        assert "EUAIA-ART15-5-SBOM-VULNERABILITIES" in on_workload  # the workload runs that SBOM, too
