"""CI and admission never disagree: for the same files and declaration, what the webhook finds on those
files (decision and failing controls) equals what `complyai audit --stage deploy` finds on them; and for
the same Deployment, written as a manifest file next to those files, `complyai audit --stage deploy
deploy.yaml` fails exactly the controls the webhook fails, on the files and on the workload itself.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys

import pytest
import yaml

from .conftest import COMPLIANT, DIGEST, VULNERABLE_DIGEST, pod_spec, post, review, workload

SUBJECT = "Deployment ml-prod/scorer"


def cli_verdict(world, path: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", "from policy_engine.cli import main; main()", "audit", "--stage", "deploy",
         "--format", "json", path], cwd=world.evidence, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def blocking(verdict: dict) -> list[dict]:
    return [f for f in verdict["findings"] if not f["waived"] and f["severity"] in ("critical", "high")]


def cli_audit(world, card: str) -> tuple[str, set[str]]:
    verdict = cli_verdict(world, card)
    return verdict["decision"], {f["rule"] for f in blocking(verdict)}


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


# The same Deployment for the webhook and for `complyai audit`: refs are relative to the evidence
# directory, where the manifest is written, so they name the same files in both.
NONCOMPLIANT = {k: v for k, v in COMPLIANT.items() if not k.startswith(("complyai.io/fria.",
                                                                       "complyai.io/logging.retention"))}
TWO_REGIONS = {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
    "nodeSelectorTerms": [{"matchExpressions": [{"key": "topology.kubernetes.io/region", "operator": "In",
                                                  "values": ["eu-west-1", "us-east-1"]}]}]}}}}
_COUNTER = itertools.count()


def region_of(artifact: str) -> str:
    found = re.search(r"\(region ([A-Z]{2})\)$", artifact)
    return found.group(1) if found else ""


@pytest.mark.parametrize(("digest", "annotations", "scheduling"), [
    pytest.param(DIGEST, {**COMPLIANT, "complyai.io/model-cards": "model_card.yaml"}, {}, id="compliant"),
    pytest.param(VULNERABLE_DIGEST, {**COMPLIANT, "complyai.io/model-cards": "vulnerable/model_card.yaml"}, {},
                 id="vulnerable-sbom"),
    pytest.param(DIGEST, {**NONCOMPLIANT, "complyai.io/model-cards": "model_card.yaml",
                          "complyai.io/security.mfa": "maybe", "complyai.io/no-such-field": "x"}, {},
                 id="noncompliant-workload"),
    pytest.param(DIGEST, {**{k: v for k, v in COMPLIANT.items() if k != "complyai.io/region"},
                          "complyai.io/model-cards": "model_card.yaml",
                          "complyai.io/data-manifests": "data/loan-holdout.yaml"}, TWO_REGIONS,
                 id="two-regions-and-a-manifest"),
])
def test_webhook_and_cli_agree_on_the_workload_manifest(world, enforce, digest, annotations, scheduling):
    spec = {**pod_spec(f"registry.example/credit-scorer@{digest}"), **scheduling}
    obj = workload("Deployment", spec, annotations)
    # Dot-named: the evidence store skips it, so the webhook's caches stay warm for the other tests.
    manifest = world.evidence / f".parity-{next(_COUNTER)}.yaml"
    manifest.write_text(yaml.safe_dump_all([{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}},
                                            obj], sort_keys=False))
    try:
        verdict = cli_verdict(world, manifest.name)
    finally:
        manifest.unlink()
    with enforce.client() as client:
        answer = post(client, review(obj))

    def place(artifact: str, workload_name: str) -> str:
        if not artifact.startswith(workload_name):
            return "files"
        return f"workload {region_of(artifact)}".strip()  # "workload IE" when the Pod may run in several

    cli_failing = {(f["rule"], place(f["artifact"], manifest.name)) for f in blocking(verdict)}
    cli_files = {rule for rule, where in cli_failing if where == "files"}
    cli_workload = {(rule, where) for rule, where in cli_failing if where != "files"}
    message = answer.get("status", {}).get("message", "")
    hook_failing = {(rule, place(artifact, SUBJECT)) for rule, artifact in re.findall(
        r"([A-Z][A-Z0-9.-]+-[A-Z0-9.-]+): [^;]*?\[([^\]]+)\](?:;|$)", message)}
    assert cli_failing == hook_failing
    # Non-blocking control findings: warnings in the admission answer, medium/low findings in CI.
    cli_advice = {(f["rule"], place(f["artifact"], manifest.name)) for f in verdict["findings"]
                  if f not in blocking(verdict) and not f["waived"] and not f["rule"].startswith("COMPLYAI-")
                  and (f["severity"] != "info" or f["not_yet_in_force"])}
    hook_advice = {(rule, place(artifact, SUBJECT)) for warning in answer.get("warnings", [])
                   for rule, artifact in re.findall(r"^([A-Z][A-Z0-9.-]+-[A-Z0-9.-]+) \(\w+\): .*\[([^\]]+)\]$",
                                                    warning)}
    assert cli_advice == hook_advice
    controls = set(filter(None, answer["auditAnnotations"].get("failing-controls", "").split(",")))
    assert controls == cli_files | {rule for rule, _ in cli_workload}
    assert answer["allowed"] is (verdict["decision"] != "fail")
    # Not vacuous: each case fails (or passes) for the reason it was written for.
    workload_rules = {rule for rule, _ in cli_workload}
    regions = {where.split()[-1] for _, where in cli_workload | cli_advice if where != "files"}
    if digest == VULNERABLE_DIGEST:
        assert "EUAIA-ART15-5-SBOM-VULNERABILITIES" in workload_rules & cli_files
    elif "complyai.io/security.mfa" in annotations:
        assert {"COMPLYAI-SCHEMA", "EUAIA-ART27-FRIA", "EUAIA-ART19-26-6-LOG-RETENTION"} <= workload_rules
        assert not cli_files
    elif scheduling:
        assert regions == {"IE", "US"}  # one workload per country the Pod may be scheduled in
    else:
        assert verdict["decision"] != "fail" and answer["allowed"] is True
        assert ("EUAIA-ART10-4-DEPLOYMENT-SETTING", "workload") in cli_advice  # IE is not in the data's context
