"""The webhook's parts without a server: Pod templates, images, regions, annotations, reviews, evidence."""

from __future__ import annotations

import json
import shutil

import pytest

from policy_engine.artifacts import k8s_podspec as podspec
from policy_engine.artifacts import k8s_regions as regions
from policy_engine.artifacts.k8s_workload import annotation_table, build_workload, source_of
from policy_engine.webhook import review
from policy_engine.webhook.evidence import evidence_path

from .conftest import DIGEST, SAMPLE, UNTRUSTED_DIGEST, declare_sample, pod_spec, workload


@pytest.mark.parametrize(("ref", "digest", "name"), [
    (f"registry.example/m@{DIGEST}", DIGEST, "registry.example/m"),
    (f"registry.example:5000/team/m:1.2@{DIGEST}", DIGEST, "registry.example:5000/team/m"),
    ("registry.example:5000/team/m:1.2", None, "registry.example:5000/team/m"),
    ("busybox", None, "busybox"),
    (f"m@{DIGEST[:-1]}", None, "m"),  # a truncated digest is no digest
])
def test_images_and_digests(ref, digest, name):
    [image] = podspec.images({"containers": [{"name": "c", "image": ref}]})
    assert (image.digest, image.name) == (digest, name)


@pytest.mark.parametrize("kind", ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"])
def test_every_kind_yields_its_pod_template(kind):
    obj = workload(kind, pod_spec("a", init=("b",)), {"complyai.io/region": "DE"})
    template = podspec.pod_template(kind, obj)
    assert [i.ref for i in podspec.images(template.spec)] == ["b", "a"]  # init containers first
    assert template.metadata["annotations"]["complyai.io/region"] == "DE"


def test_unknown_kind_has_no_template():
    assert podspec.pod_template("ConfigMap", {}) is None


@pytest.mark.parametrize(("value", "zone", "country"), [
    ("eu-west-1", False, "IE"), ("europe-west3", False, "DE"), ("ap-south-1", False, "IN"),
    ("us-east-1", False, "US"), ("westeurope", False, "NL"), ("eu-west-1a", True, "IE"),
    ("europe-west3-b", True, "DE"), ("westeurope-2", True, "NL"), ("mars-north-1", False, None),
    ("eu-west-1a", False, None),  # a zone name given as a region is not guessed
])
def test_cloud_regions_map_to_countries(value, zone, country):
    assert regions.region_of(value, zone=zone) == country


def test_annotation_table_covers_the_workload_vocabulary():
    table = annotation_table()
    assert table["complyai.io/logging.retention-days"].path == "logging.retention_days"
    assert table["complyai.io/attest.ai-literacy.by"].path == "attestations.ai_literacy.by"
    assert table["complyai.io/data-classification"].type == "list<enum>"
    assert all(len(key.split("/", 1)[1]) <= 63 for key in table)  # Kubernetes' limit on the name part


def test_annotations_become_typed_fields_and_bad_values_problems():
    obj = workload("Deployment", pod_spec("a"), {
        "complyai.io/logging.enabled": "true", "complyai.io/logging.retention-days": "400",
        "complyai.io/data-classification": "personal,phi", "complyai.io/attest.ai-literacy.by": "CISO",
        "complyai.io/attest.ai-literacy.date": "2025-01-01", "complyai.io/security.mfa": "maybe",
        "complyai.io/no-such-field": "x"})
    source = source_of("Deployment", obj, podspec.pod_template("Deployment", obj), "ml-prod")
    built = build_workload(source, [], [], images_verified=False)
    [artifact] = built.artifacts
    fields = artifact.fields
    assert fields["logging"] == {"enabled": True, "retention_days": 400}
    assert fields["data_classification"] == ["personal", "phi"]
    assert fields["attestations"]["ai_literacy"] == {"by": "CISO", "date": "2025-01-01", "status": "attested"}
    assert "security" not in fields  # neither the bad value nor integrity_controls (images not verified)
    [problem] = artifact.problems
    assert "complyai.io/security.mfa" in problem.message and "'maybe'" in problem.message
    assert any("complyai.io/no-such-field" in w for w in built.warnings)


@pytest.mark.parametrize(("claimed", "advised"), [("minimal", True), ("high", False), (None, False)])
def test_a_risk_tier_unlike_the_cards_is_a_warning_at_admission(claimed: str | None, advised: bool) -> None:
    annotations = {"complyai.io/risk-tier": claimed} if claimed else {}
    obj = workload("Deployment", pod_spec("a"), annotations)
    source = source_of("Deployment", obj, podspec.pod_template("Deployment", obj), "ml-prod")
    built = build_workload(source, [SAMPLE / "model_card.yaml"], [], images_verified=False)  # tier: high
    advice = [w for w in built.warnings if "risk-tier" in w]
    assert bool(advice) is advised
    if advised:
        assert "risk-tier=minimal" in advice[0] and "risk tier high" in advice[0]


def test_several_possible_countries_give_one_workload_each():
    spec = pod_spec("a")
    spec["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "topology.kubernetes.io/region", "operator": "In",
                               "values": ["eu-west-1", "eu-central-1", "mars-1"]}]}]}}}
    obj = workload("Pod", spec)
    built = build_workload(source_of("Pod", obj, podspec.pod_template("Pod", obj), "ns"), [], [],
                           images_verified=True)
    assert [a.fields["region"] for a in built.artifacts] == ["IE", "DE"]
    assert len({a.display for a in built.artifacts}) == 2 and len({a.path for a in built.artifacts}) == 2
    assert any("mars-1" in w for w in built.warnings)


def test_evidence_paths_cannot_escape_the_folder(tmp_path):
    assert evidence_path(tmp_path, "cards/card.yaml") == (tmp_path / "cards" / "card.yaml").resolve()
    assert evidence_path(tmp_path, "../etc/passwd") is None
    assert evidence_path(tmp_path, "/etc/passwd") is None


def test_responses_fit_the_api_server_limits():
    answer = review.response("u", True, warnings=["x\n" * 300] * 40)["response"]
    assert len(answer["warnings"]) == review.MAX_WARNINGS
    assert all(len(w) < 256 and w.isprintable() for w in answer["warnings"])
    assert "more" in answer["warnings"][-1]


def test_store_refuses_a_declaration_whose_card_changed(tmp_path, monkeypatch):
    from policy_engine.attest import TrustPolicy
    from policy_engine.attest.keys import generate_keypair
    from policy_engine.webhook.evidence import EvidenceStore

    monkeypatch.setenv("COMPLYAI_KEY_PASSWORD", "unit test passphrase")
    evidence = tmp_path / "evidence"
    shutil.copytree(SAMPLE, evidence)
    (evidence / ".git").mkdir()
    keys = generate_keypair(tmp_path / "k")
    declare_sample(evidence, keys.private, evidence / "d.json", DIGEST)
    (evidence / "junk.json").write_text(json.dumps({"not": "a declaration"}))
    store = EvidenceStore(evidence, TrustPolicy.from_key_files([keys.public]))
    assert store.refresh() is True
    [record] = store.lookup(DIGEST)
    assert record.trusted and record.cards == ((evidence / "model_card.yaml").resolve(),)
    assert store.refresh() is False  # nothing changed: same generation, nothing re-verified
    generation = store.generation

    card = evidence / "model_card.yaml"
    card.write_text(card.read_text().replace("2.3.0", "2.3.1", 1))
    assert store.refresh() is True and store.generation == generation + 1
    [record] = store.lookup(DIGEST)
    assert not record.trusted and "changed after the declaration was signed" in record.problem
    assert store.lookup(UNTRUSTED_DIGEST) == []


def test_store_without_trust_refuses_with_the_reason(tmp_path, monkeypatch):
    from policy_engine.attest import TrustPolicy
    from policy_engine.attest.keys import generate_keypair
    from policy_engine.webhook.evidence import EvidenceStore

    monkeypatch.setenv("COMPLYAI_KEY_PASSWORD", "unit test passphrase")
    evidence = tmp_path / "evidence"
    shutil.copytree(SAMPLE, evidence)
    keys = generate_keypair(tmp_path / "k")
    declare_sample(evidence, keys.private, evidence / "d.json", DIGEST)
    store = EvidenceStore(evidence, TrustPolicy())
    store.refresh()
    [record] = store.lookup(DIGEST)
    assert not record.trusted and "public key" in record.problem
