"""Real HTTPS requests to a real webhook on loopback: each kind, compliant and not, both modes."""

from __future__ import annotations

import concurrent.futures
import json

import pytest

from .conftest import (
    COMPLIANT,
    IMAGE,
    SHARED,
    UNDECLARED_DIGEST,
    UNTRUSTED_DIGEST,
    pod_spec,
    post,
    review,
    workload,
)

KINDS = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"]
WITHOUT_LOGGING = {k: v for k, v in COMPLIANT.items() if not k.startswith("complyai.io/logging.")}


@pytest.mark.parametrize("kind", KINDS)
def test_a_declared_compliant_workload_is_allowed(enforce, kind):
    with enforce.client() as client:
        answer = post(client, review(workload(kind, pod_spec(IMAGE), COMPLIANT)))
    assert answer["allowed"] is True, answer.get("status")
    assert answer["auditAnnotations"]["decision"] == "allowed"


@pytest.mark.parametrize("kind", KINDS)
def test_a_workload_failing_a_deploy_control_is_denied_naming_it(enforce, kind):
    with enforce.client() as client:
        answer = post(client, review(workload(kind, pod_spec(IMAGE), WITHOUT_LOGGING)))
    assert answer["allowed"] is False
    message = answer["status"]["message"]
    assert answer["status"]["code"] == 403
    assert "EUAIA-ART19-26-6-LOG-RETENTION" in message and "Art." in message  # the control and its citation
    assert f"{kind} ml-prod/scorer" in message
    assert "EUAIA-ART19-26-6-LOG-RETENTION" in answer["auditAnnotations"]["failing-controls"].split(",")


@pytest.mark.parametrize(("image", "expected"), [
    ("registry.example/credit-scorer:2.3.0", "not pinned by digest"),
    (f"registry.example/credit-scorer@{UNDECLARED_DIGEST}", "no signed declaration"),
    (f"registry.example/credit-scorer@{UNTRUSTED_DIGEST}", "untrusted declarations"),
])
def test_images_without_a_valid_declaration_are_denied(enforce, image, expected):
    with enforce.client() as client:
        for kind in ("Pod", "Deployment"):
            answer = post(client, review(workload(kind, pod_spec(image), COMPLIANT)))
            assert answer["allowed"] is False
            assert expected in answer["status"]["message"]


def test_init_containers_need_declarations_too(enforce):
    spec = pod_spec(IMAGE, init=("busybox:1.36",))
    with enforce.client() as client:
        answer = post(client, review(workload("Deployment", spec, COMPLIANT)))
    assert answer["allowed"] is False
    assert "initContainers[0]" in answer["status"]["message"]


def test_data_residency_from_node_selector_and_affinity(enforce):
    """Personal data of people in the EU: nodes in ap-south-1 (India) are an undeclared transfer (the
    manifests declare only a US transfer); eu-west-1 (Ireland) is fine; a Pod that may land in either is
    judged for both."""
    annotations = {k: v for k, v in COMPLIANT.items() if k != "complyai.io/region"}

    def pinned(*regions: str) -> dict:
        spec = pod_spec(IMAGE)
        spec["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": [
                {"key": "topology.kubernetes.io/region", "operator": "In", "values": list(regions)}]}]}}}
        return spec

    with enforce.client() as client:
        india = post(client, review(workload("Deployment", pod_spec(IMAGE, node_selector={
            "topology.kubernetes.io/region": "ap-south-1"}), annotations)))
        ireland = post(client, review(workload("Deployment", pod_spec(IMAGE, node_selector={
            "topology.kubernetes.io/zone": "eu-west-1b"}), annotations)))
        either = post(client, review(workload("StatefulSet", pinned("eu-west-1", "ap-south-1"), annotations)))
        unpinned = post(client, review(workload("Deployment", pod_spec(IMAGE), annotations)))
    assert india["allowed"] is False and "GDPR-ART44-WORKLOAD-REGION" in india["status"]["message"]
    assert ireland["allowed"] is True, ireland.get("status")
    assert either["allowed"] is False and "(region IN)" in either["status"]["message"]
    assert "(region IE)" not in either["status"]["message"]
    # Not pinned and no complyai.io/region: where the data goes is unknown, which the control refuses.
    assert unpinned["allowed"] is False and "GDPR-ART44-WORKLOAD-REGION" in unpinned["status"]["message"]


def test_audit_mode_allows_but_warns(audit):
    with audit.client() as client:
        undeclared = post(client, review(workload("Pod", pod_spec("registry.example/x:latest"), COMPLIANT)))
        failing = post(client, review(workload("Deployment", pod_spec(IMAGE), WITHOUT_LOGGING)))
        compliant = post(client, review(workload("Deployment", pod_spec(IMAGE), COMPLIANT)))
    for answer in (undeclared, failing):
        assert answer["allowed"] is True
        assert answer["auditAnnotations"]["decision"] == "audit_violation"
        assert any(w.startswith("complyai (audit mode) would deny") for w in answer["warnings"])
        assert all(len(w) < 256 for w in answer["warnings"]) and len(answer["warnings"]) <= 12
    assert any("not pinned by digest" in w for w in undeclared["warnings"])
    assert any("EUAIA-ART19-26-6-LOG-RETENTION" in w for w in failing["warnings"])
    assert compliant["allowed"] is True and compliant["auditAnnotations"]["decision"] == "allowed"


def test_update_is_judged_like_create_and_delete_connect_pass(enforce):
    failing = workload("Deployment", pod_spec(IMAGE), WITHOUT_LOGGING)
    with enforce.client() as client:
        assert post(client, review(failing, operation="UPDATE"))["allowed"] is False
        assert post(client, review(failing, operation="DELETE"))["allowed"] is True
        assert post(client, review(None, kind="Pod", operation="DELETE"))["allowed"] is True
        assert post(client, review(None, kind="Pod", operation="CONNECT"))["allowed"] is True


def test_dry_run_is_judged_the_same_and_leaves_no_record(enforce, tmp_path):
    import logging

    failing = workload("Deployment", pod_spec(IMAGE), WITHOUT_LOGGING, name="dry")
    log = logging.getLogger("complyai.webhook.decisions")
    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        with enforce.client() as client:
            assert post(client, review(failing, dry_run=True))["allowed"] is False
            assert records == []
            assert post(client, review(failing))["allowed"] is False
        assert len(records) == 1 and json.loads(records[0])["decision"] == "denied"
    finally:
        log.removeHandler(handler)
        log.setLevel(logging.WARNING)


def test_excluded_namespace_is_allowed_without_judgement(enforce):
    obj = workload("Pod", pod_spec("k8s.gcr.io/pause:3.9"))
    with enforce.client() as client:
        answer = post(client, review(obj, namespace="kube-system"))
    assert answer["allowed"] is True and answer["auditAnnotations"]["decision"] == "skipped"


def test_unknown_kinds_and_objects_without_containers(enforce):
    with enforce.client() as client:
        config_map = post(client, review({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}))
        empty = post(client, review(workload("Deployment", {"containers": []}, COMPLIANT)))
        no_spec = post(client, review({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bare"}}))
    assert config_map["allowed"] is True and "does not judge" in config_map["warnings"][0]
    assert empty["allowed"] is False and "no containers" in empty["status"]["message"]
    assert no_spec["allowed"] is False and "no containers" in no_spec["status"]["message"]


def test_bad_annotation_values_are_denied_naming_the_annotation(enforce):
    annotations = {**COMPLIANT, "complyai.io/logging.retention-days": "a year"}
    with enforce.client() as client:
        answer = post(client, review(workload("Deployment", pod_spec(IMAGE), annotations)))
    assert answer["allowed"] is False
    assert "complyai.io/logging.retention-days" in answer["status"]["message"]


@pytest.mark.parametrize(("body", "uid"), [
    (b"not json", None),
    (b"[" * 100_000, None),
    (b"{}", None),
    (b"[]", None),
    (json.dumps({"apiVersion": "v9"}).encode(), None),
    (json.dumps({"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview",
                 "request": {"uid": "u-1"}}).encode(), "u-1"),
    (json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                 "request": {"operation": "CREATE"}}).encode(), None),
    (json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                 "request": {"uid": "u-2", "operation": "CREATE", "object": "a string"}}).encode(), "u-2"),
    (b"\xff\xfe\x00garbage", None),
])
def test_bad_input_is_a_400_with_a_reason_never_a_500(enforce, body, uid):
    with enforce.client() as client:
        reply = client.post("/validate", content=body, headers={"content-type": "application/json"})
    assert reply.status_code == 400
    answer = reply.json()["response"]
    assert answer["allowed"] is False and answer["status"]["message"].startswith("complyai: bad AdmissionReview")
    assert answer["uid"] == (uid or "")


def test_oversize_bodies_are_refused(enforce):
    big = review(workload("Pod", pod_spec(IMAGE), {"padding": "x" * (3 * 1024 * 1024)}))
    with enforce.client() as client:
        reply = client.post("/validate", json=big)
        streamed = client.post("/validate", content=iter([b"{" + b" " * 65536] * 60),
                               headers={"content-type": "application/json"})
    assert reply.status_code == 400 and "larger than" in reply.json()["response"]["status"]["message"]
    assert streamed.status_code == 400


def test_concurrent_requests_all_get_their_own_answer(enforce):
    bodies = [review(workload(kind, pod_spec(IMAGE), COMPLIANT if i % 2 else WITHOUT_LOGGING, name=f"w{i}"))
              for i, kind in enumerate(KINDS * 6)]

    def send(body: dict) -> tuple[dict, dict]:
        with enforce.client() as client:
            return body, post(client, body)

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(send, bodies, timeout=60))
    assert len(results) == len(bodies)
    for i, (_, answer) in enumerate(results):
        assert answer["allowed"] is bool(i % 2)


def test_health_readiness_and_metrics(enforce):
    with enforce.client() as client:
        post(client, review(workload("Pod", pod_spec("registry.example/x:1"))))
        assert client.get("/healthz").text == "ok"
        assert client.get("/readyz").status_code == 200
        metrics = client.get("/metrics").text
    assert 'complyai_webhook_requests_total{decision="denied",dry_run="false"}' in metrics
    assert "complyai_webhook_request_duration_seconds_bucket" in metrics
    assert 'complyai_webhook_declarations{trusted="true"} 2.0' in metrics


def test_plain_http_is_not_served(enforce):
    import httpx

    with httpx.Client(timeout=5) as client, pytest.raises(httpx.HTTPError):
        client.get(enforce.base.replace("https://", "http://") + "/healthz")


@pytest.mark.skipif(not SHARED.exists(), reason="../shared fixtures not present")
def test_real_admission_fixtures_get_well_formed_answers(enforce):
    folder = SHARED / "data" / "k8s" / "kubewarden"
    bodies = [json.loads(p.read_text()) for p in sorted((folder / "admission-reviews").glob("*.json"))]
    bodies += [{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": json.loads(p.read_text())}
               for p in sorted((folder / "admission-requests").glob("*.json"))]
    assert bodies
    with enforce.client() as client:
        for body in bodies:
            request = body["request"]
            answer = post(client, body)
            if request.get("operation") == "DELETE":
                assert answer["allowed"] is True
            else:  # none of these images is declared here
                assert answer["allowed"] is False and "declaration" in answer["status"]["message"] or \
                    "digest" in answer["status"]["message"]


def _tls_socket(enforce):
    import socket
    import ssl
    from urllib.parse import urlsplit

    port = urlsplit(enforce.base).port
    context = ssl.create_default_context(cafile=str(enforce.ca))
    raw = socket.create_connection(("127.0.0.1", port), timeout=15)
    return context.wrap_socket(raw, server_hostname="127.0.0.1")


def test_a_stalled_body_is_cut_off_by_the_server(enforce):
    import time

    with _tls_socket(enforce) as conn:
        conn.sendall(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"apiVersion\":")
        started = time.monotonic()
        reply = b""
        while b"}}" not in reply and time.monotonic() - started < 10:
            chunk = conn.recv(65536)
            if not chunk:
                break
            reply += chunk
        assert time.monotonic() - started < 10
    assert reply.startswith(b"HTTP/1.1 400") and b"did not arrive" in reply


def test_a_silent_connection_is_closed_by_the_server(enforce):
    import time

    with _tls_socket(enforce) as conn:
        started = time.monotonic()
        assert conn.recv(1024) == b""  # closed by the server, not by our 15 s socket timeout
        assert time.monotonic() - started < 10
