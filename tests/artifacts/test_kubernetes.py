"""Kubernetes manifests: workloads with complyai.io/ annotations become located Workload artifacts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from policy_engine.artifacts import load_artifacts, sniff
from policy_engine.discovery import discover
from policy_engine.pipeline import AuditOptions, run_audit

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "credit-scoring" / "compliant"

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: scorer
  namespace: ml-prod
spec:
  selector:
    matchLabels: {app: scorer}
  template:
    metadata:
      labels: {app: scorer}
      annotations:
        complyai.io/model-cards: cards/model_card.yaml
        complyai.io/region: IE
        complyai.io/jurisdictions: EU
        complyai.io/data-classification: personal
        complyai.io/deployment-domain: credit_scoring
        complyai.io/logging.enabled: "true"
        complyai.io/logging.retention-days: "30"
    spec:
      containers:
        - name: scorer
          image: registry.example/credit-scorer:2.3
"""
SERVICE = "apiVersion: v1\nkind: Service\nmetadata:\n  name: scorer\n  annotations:\n    complyai.io/region: IE\n"
PLAIN = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n" \
        "      containers: [{name: web, image: nginx}]\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


def rules(artifact) -> list[str]:
    return [problem.message for problem in artifact.problems]


# -- recognition ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "text", "fmt"), [
    ("deploy.yaml", DEPLOYMENT, "kubernetes"),
    ("deploy.json", json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": "p", "annotations": {"complyai.io/region": "DE"}}, "spec": {}}), "kubernetes"),
    ("cron.yml", "kind: CronJob\nspec:\n  jobTemplate:\n    spec:\n      template:\n        metadata:\n"
                 "          annotations: {complyai.io/region: DE}\n", "kubernetes"),
    ("web.yaml", PLAIN, None),  # an ordinary manifest: not an artifact
    ("svc.yaml", SERVICE, None),  # annotated, but a Service runs no Pods
    ("ns.yaml", "kind: Namespace\nmetadata:\n  labels:\n    complyai.io/webhook: ignore\n", None),
    ("deploy.txt", DEPLOYMENT, None),  # discovery looks at YAML and JSON files only
])
def test_recognised_only_with_complyai_annotations(tmp_path, name, text, fmt):
    path = write(tmp_path, name, text)
    assert sniff(path, text) == fmt


def test_the_sniffer_and_the_builder_agree_on_the_prefix():
    from policy_engine.artifacts import k8s_workload, kubernetes

    assert kubernetes.PREFIX == k8s_workload.PREFIX


def test_discovery_keeps_annotated_workloads_and_skips_ordinary_manifests(tmp_path):
    write(tmp_path, "k8s/deploy.yaml", DEPLOYMENT)
    write(tmp_path, "k8s/web.yaml", PLAIN)
    write(tmp_path, "k8s/svc.yaml", SERVICE)
    write(tmp_path, "k8s/all.yaml", PLAIN + "---\n" + SERVICE)
    found = discover([tmp_path], root=tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["k8s/deploy.yaml"]


def test_the_workload_carries_the_webhook_fields(tmp_path):
    [workload] = load_artifacts(write(tmp_path, "deploy.yaml", DEPLOYMENT), "deploy.yaml")
    assert (workload.kind, workload.format, workload.name, workload.display) == (
        "workload", "kubernetes", "scorer", "deploy.yaml")
    assert workload.fields["logging"] == {"enabled": True, "retention_days": 30}
    assert workload.fields["data_classification"] == ["personal"]
    assert workload.fields["model_refs"] == ["cards/model_card.yaml"]
    assert "security" not in workload.fields  # images are admission's business: nothing verified here
    assert workload.sha256  # the file's digest, as for every artifact


# -- several objects in one file -----------------------------------------------------------------------

def test_each_annotated_object_of_a_multi_document_file_is_an_artifact(tmp_path):
    cron = ("apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: retrain\nspec:\n  jobTemplate:\n"
            "    spec:\n      template:\n        metadata:\n          annotations:\n"
            "            complyai.io/region: DE\n        spec:\n          containers: [{name: t, image: t}]\n")
    text = "# the whole app\n---\n" + SERVICE + "---\n" + DEPLOYMENT + "--- # batch\n" + PLAIN + "---\n\n---\n" + cron
    artifacts = load_artifacts(write(tmp_path, "app.yaml", text), "app.yaml")
    assert [(a.kind, a.display) for a in artifacts] == [
        ("workload", "app.yaml (Deployment ml-prod/scorer)"), ("workload", "app.yaml (CronJob default/retrain)")]
    deployment, cronjob = artifacts
    assert deployment.locate(deployment.pointers["logging.retention_days"]).line == line_of(text, "retention-days")
    assert cronjob.fields["region"] == "DE"
    assert cronjob.locate(cronjob.pointers["region"]).line == line_of(text, "complyai.io/region: DE")
    assert cronjob.locate(cronjob.pointers["name"]).line == line_of(text, "name: retrain")


def test_a_kind_list_yields_its_annotated_items(tmp_path):
    item = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "annotations": {
        "complyai.io/logging.retention-days": "soon"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}
    text = json.dumps({"apiVersion": "v1", "kind": "List", "items": [{"kind": "Service"}, item]}, indent=1)
    [pod] = load_artifacts(write(tmp_path, "list.json", text), "list.json")
    [problem] = [p for p in pod.problems if "'soon' is not a whole number" in p.message]
    assert problem.location.pointer == "/items/1/metadata/annotations/complyai.io~1logging.retention-days"
    assert problem.location.line == line_of(text, "retention-days")


def test_a_pod_that_may_run_in_two_countries_is_judged_in_both(tmp_path):
    text = DEPLOYMENT.replace("        complyai.io/region: IE\n", "").replace(
        "    spec:\n      containers:", "    spec:\n      nodeSelector:\n"
        "        topology.kubernetes.io/zone: eu-west-1a\n      containers:")
    text = text.replace("eu-west-1a", "mars-1")
    [workload] = load_artifacts(write(tmp_path, "deploy.yaml", text), "deploy.yaml")
    assert "region" not in workload.fields
    [notice] = [p for p in workload.problems if "mars-1" in p.message]
    assert (notice.severity, notice.location.line) == ("low", line_of(text, "nodeSelector"))
    text = DEPLOYMENT.replace("        complyai.io/region: IE\n", "").replace(
        "    spec:\n      containers:", "    spec:\n      affinity:\n        nodeAffinity:\n"
        "          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n"
        "              - matchExpressions:\n                  - key: topology.kubernetes.io/region\n"
        "                    operator: In\n                    values: [eu-central-1, us-east-1]\n      containers:")
    artifacts = load_artifacts(write(tmp_path, "deploy.yaml", text), "deploy.yaml")
    assert [(a.display, a.fields["region"]) for a in artifacts] == [
        ("deploy.yaml (region DE)", "DE"), ("deploy.yaml (region US)", "US")]


# -- references ----------------------------------------------------------------------------------------

def test_refs_resolve_against_the_manifest_folder(tmp_path):
    text = DEPLOYMENT.replace("complyai.io/model-cards: cards/model_card.yaml",
                              "complyai.io/model-cards: ../cards/model_card.yaml, https://hub.example/card\n"
                              "        complyai.io/data-manifests: ../data/train.yaml")
    [workload] = load_artifacts(write(tmp_path, "k8s/deploy.yaml", text), "k8s/deploy.yaml")
    assert [(link.kind, link.target) for link in workload.links] == [
        ("model_card", (tmp_path / "cards" / "model_card.yaml").resolve()),
        ("data_manifest", (tmp_path / "data" / "train.yaml").resolve())]
    assert {workload.locate(link.pointer).line for link in workload.links} == {
        line_of(text, "model-cards"), line_of(text, "data-manifests")}
    [url] = [p for p in workload.problems if "https://hub.example/card" in p.message]
    assert (url.severity, url.location.line) == ("high", line_of(text, "model-cards"))


def test_without_model_cards_the_workload_is_judged_alone_and_told_so(tmp_path):
    text = DEPLOYMENT.replace("        complyai.io/model-cards: cards/model_card.yaml\n", "")
    [workload] = load_artifacts(write(tmp_path, "deploy.yaml", text), "deploy.yaml")
    [notice] = workload.problems
    assert notice.severity == "low" and "complyai.io/model-cards" in notice.message
    assert workload.links == []


# -- findings through the pipeline ---------------------------------------------------------------------

@pytest.fixture
def project(tmp_path: Path) -> Path:
    if not (SAMPLE / "model_card.yaml").is_file():
        pytest.fail(f"the credit-scoring sample is missing from {SAMPLE}")
    shutil.copytree(SAMPLE, tmp_path / "cards")
    return tmp_path


def audit(path: Path):
    return run_audit(AuditOptions(paths=[path], stage="deploy", no_config=True))


def test_deploy_stage_findings_point_at_the_annotation_to_edit(project):
    text = DEPLOYMENT.replace('"30"', "thirty")
    verdict = audit(write(project, "deploy.yaml", text))
    on_workload = {f.rule: f for f in verdict.findings if f.artifact.endswith("deploy.yaml")}
    # A wrong value: the annotation's own line.
    assert on_workload["COMPLYAI-SCHEMA"].location.line == line_of(text, "retention-days")
    # A missing field: the annotations of the Pod template, where it must be added.
    assert on_workload["EUAIA-ART27-FRIA"].location.line == line_of(text, "annotations:")
    assert on_workload["EUAIA-ART27-FRIA"].location.pointer == "/spec/template/metadata/annotations"
    # The card the workload serves is audited with it.
    assert any(f.artifact.endswith("model_card.yaml") for f in verdict.findings) or \
        any(a.endswith("model_card.yaml") for a in verdict.artifacts)
    assert verdict.decision == "fail"

    verdict = audit(write(project, "deploy.yaml", DEPLOYMENT))
    [retention] = [f for f in verdict.findings if f.rule == "EUAIA-ART19-26-6-LOG-RETENTION"]
    # Retention is there but too short: the control points at the logging annotation it names.
    assert retention.location.line == line_of(DEPLOYMENT, "complyai.io/logging.enabled")


def test_a_missing_model_card_is_a_located_link_finding(project):
    text = DEPLOYMENT.replace("cards/model_card.yaml", "cards/nope.yaml")
    verdict = audit(write(project, "deploy.yaml", text))
    [link] = [f for f in verdict.findings if f.rule == "COMPLYAI-LINK"]
    assert link.location.line == line_of(text, "complyai.io/model-cards")


def test_a_risk_tier_annotation_unlike_the_cards_is_a_low_finding_at_the_annotation(project):
    claimed = DEPLOYMENT.replace("        complyai.io/region: IE\n",
                                 "        complyai.io/region: IE\n        complyai.io/risk-tier: minimal\n")
    verdict = audit(write(project, "deploy.yaml", claimed))
    [advice] = [f for f in verdict.findings if "risk-tier" in f.message]
    assert advice.severity == "low" and advice.location.line == line_of(claimed, "complyai.io/risk-tier")
    assert "minimal" in advice.message and "high" in advice.message  # what it says, what the card says

    agreeing = claimed.replace("risk-tier: minimal", "risk-tier: high")
    verdict = audit(write(project, "deploy.yaml", agreeing))
    assert not [f for f in verdict.findings if "risk-tier" in f.message]


# -- hostile input: problems, never exceptions ---------------------------------------------------------

HOSTILE = {
    "no containers": DEPLOYMENT.split("    spec:\n      containers:")[0] + "    spec: {}\n",
    "containers not a list": DEPLOYMENT.split("      containers:")[0] + "      containers: lots\n",
    "annotations a list": "kind: Deployment\nmetadata:\n  annotations: {complyai.io/region: IE}\nspec:\n"
                          "  template:\n    metadata:\n      annotations: [complyai.io/region]\n"
                          "    spec: {containers: [{image: i}]}\n",
    "number value": DEPLOYMENT.replace('"30"', "30"),
    "null value": DEPLOYMENT.replace('"30"', "null"),
    "junk values": DEPLOYMENT.replace('"true"', "perhaps").replace("credit_scoring", "astrology"),
    "template not a mapping": "kind: Deployment\nmetadata:\n  annotations: {complyai.io/region: IE}\n"
                              "spec:\n  template: [1, 2]\n",
    "spec a string": "kind: CronJob\nmetadata:\n  annotations: {complyai.io/region: IE}\nspec: junk\n",
    "bad YAML in one document": SERVICE + "---\n" + DEPLOYMENT + "---\nkind: Pod\nmetadata: {name: [\n",
    "sniffed but nothing annotated": PLAIN + "  labels: {complyai.io/risk-tier: high}\n",
    "deep nesting": "kind: Pod\nmetadata:\n  annotations: {complyai.io/region: IE}\nspec: " + "[" * 200 + "]" * 200,
    "alias bomb": "kind: Pod\nmetadata:\n  annotations: {complyai.io/region: IE}\nspec:\n  a: &a [x, x, x, x]\n"
                  + "".join(f"  {c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
                            for p, c in zip("abcdefgh", "bcdefghi", strict=True)),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_manifests_give_problems_not_exceptions(tmp_path, case):
    text = HOSTILE[case]
    artifacts = load_artifacts(write(tmp_path, "deploy.yaml", text), "deploy.yaml")
    problems = [p for a in artifacts for p in a.problems]
    assert problems, case
    assert not any("internal error" in p.message for p in problems), [p.message for p in problems]
    assert all(p.location.line >= 1 for p in problems)
    verdict = audit(tmp_path / "deploy.yaml")  # and the pipeline copes with what came out
    assert verdict.findings


def test_hostile_cases_say_what_is_wrong(tmp_path):
    def messages(case: str) -> str:
        artifacts = load_artifacts(write(tmp_path, "deploy.yaml", HOSTILE[case]), "deploy.yaml")
        return " | ".join(p.message for a in artifacts for p in a.problems)

    assert "no containers" in messages("no containers")
    assert "no containers" in messages("containers not a list")
    assert "not a mapping" in messages("annotations a list")
    assert '30 is not a string' in messages("number value")
    assert "null is not a string" in messages("null value")
    assert "'perhaps' is not true or false" in messages("junk values")
    assert "'astrology' is not one of" in messages("junk values")
    assert "invalid YAML" in messages("bad YAML in one document")
    assert "no Pod, Deployment" in messages("sniffed but nothing annotated")
    artifacts = load_artifacts(write(tmp_path, "deploy.yaml", HOSTILE["bad YAML in one document"]), "deploy.yaml")
    assert sorted(a.kind for a in artifacts) == ["unknown", "workload"]  # the good document is still judged
    [broken] = [a for a in artifacts if a.kind == "unknown"]
    assert broken.problems[0].location.line >= line_of(HOSTILE["bad YAML in one document"], "kind: Pod")
