"""ci/k8s: the manifests say what the issue promises, and gen-certs.sh makes a certificate the server takes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

K8S = Path(__file__).resolve().parents[2] / "ci" / "k8s"


def documents() -> dict[str, dict]:
    found = {}
    for path in sorted(K8S.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document and "metadata" in document:
                found[f"{document['kind']}/{document['metadata'].get('name', '')}"] = document
    return found


def test_webhook_configuration():
    [hook] = documents()["ValidatingWebhookConfiguration/complyai"]["webhooks"]
    assert hook["admissionReviewVersions"] == ["v1"] and hook["sideEffects"] == "None"
    assert hook["timeoutSeconds"] == 5 and hook["failurePolicy"] in ("Fail", "Ignore")
    excluded = hook["namespaceSelector"]["matchExpressions"][0]
    assert excluded["operator"] == "NotIn" and {"kube-system", "complyai-system"} <= set(excluded["values"])
    resources = {r for rule in hook["rules"] for r in rule["resources"]}
    assert resources == {"pods", "deployments", "statefulsets", "daemonsets", "replicasets", "jobs", "cronjobs"}
    assert hook["clientConfig"]["service"]["path"] == "/validate"


def test_deployment_is_redundant_and_locked_down():
    found = documents()
    deployment = found["Deployment/complyai-webhook"]
    assert deployment["spec"]["replicas"] == 2
    pod = deployment["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["resources"]["limits"]["memory"] and container["resources"]["limits"]["cpu"]
    assert container["args"][:2] == ["webhook", "serve"]
    assert found["PodDisruptionBudget/complyai-webhook"]["spec"]["minAvailable"] == 1
    assert found["Service/complyai-webhook"]["spec"]["ports"][0]["port"] == 443
    assert found["Certificate/complyai-webhook"]["spec"]["dnsNames"][0] == "complyai-webhook.complyai-system.svc"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_gen_certs_makes_a_serving_pair_with_the_service_san(tmp_path):
    from cryptography import x509

    from policy_engine.webhook.server import check_tls

    subprocess.run(["sh", str(K8S / "gen-certs.sh"), str(tmp_path)], check=True, capture_output=True, timeout=60)
    check_tls(tmp_path / "tls.crt", tmp_path / "tls.key")
    cert = x509.load_pem_x509_certificate((tmp_path / "tls.crt").read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName)
    assert "complyai-webhook.complyai-system.svc" in names


def test_bad_tls_files_are_a_usage_error_not_a_traceback(tmp_path):
    from policy_engine.errors import UsageError
    from policy_engine.webhook.server import check_tls

    (tmp_path / "c.pem").write_text("not a certificate")
    with pytest.raises(UsageError, match="cannot use"):
        check_tls(tmp_path / "c.pem", tmp_path / "c.pem")
