"""A real webhook on 127.0.0.1: a CA and serving certificate made here, signed declarations made here.

The evidence directory holds the credit-scoring sample (model card, data manifests, SBOM) and a
declaration of it covering one image, signed with a key generated for the session; a second image is
declared by an untrusted key. Servers run uvicorn in a thread on an ephemeral loopback port.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import shutil
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "credit-scoring" / "compliant"
SHARED = ROOT.parent / "shared"
DIGEST = "sha256:" + "a1" * 32  # the declared image
UNTRUSTED_DIGEST = "sha256:" + "b2" * 32  # declared, but by a key the webhook does not trust
UNDECLARED_DIGEST = "sha256:" + "c3" * 32
VULNERABLE_DIGEST = "sha256:" + "d4" * 32  # declared; its SBOM has a critical CVE, which only `deploy` judges
IMAGE = f"registry.example/credit-scorer@{DIGEST}"

# Annotations that satisfy every deploy-stage control the credit-scoring card brings into scope.
COMPLIANT = {
    "complyai.io/region": "IE",
    "complyai.io/jurisdictions": "EU",
    "complyai.io/data-classification": "personal",
    "complyai.io/deployment-domain": "credit_scoring",
    "complyai.io/model-version": "2.3.0",
    "complyai.io/logging.enabled": "true",
    "complyai.io/logging.retention-days": "365",
    "complyai.io/logging.audit-events": "access,modification,export,login",
    "complyai.io/human-oversight.operator-assigned": "true",
    "complyai.io/human-oversight.override-enabled": "true",
    "complyai.io/monitoring.enabled": "true",
    "complyai.io/monitoring.incident-contact": "oncall@bank.example",
    "complyai.io/transparency.notices": "annex_iii_decision_subject,ai_interaction",
    "complyai.io/security.tls-enabled": "true",
    "complyai.io/security.tls-min-version": "1.3",
    "complyai.io/security.encryption-at-rest": "true",
    "complyai.io/security.rbac-enforced": "true",
    "complyai.io/security.backup-enabled": "true",
    "complyai.io/fria.ref": "https://bank.example/fria/credit-scorer-2.3",
    "complyai.io/fria.authority-notified": "true",
    "complyai.io/attest.ai-literacy.by": "Head of Credit Risk",
    "complyai.io/attest.ai-literacy.date": "2025-05-01",
}


def make_pki(folder: Path) -> dict[str, Path]:
    """A CA and a serving certificate for 127.0.0.1/localhost signed by it (ECDSA P-256)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "complyai test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "complyai-webhook")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {"ca": folder / "ca.pem", "cert": folder / "tls.crt", "key": folder / "tls.key"}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return paths


def declare_sample(evidence: Path, key: Path, out: Path, digest: str, folder: str = "") -> Path:
    from policy_engine.attest.declare import DeclareRequest, LocalKeySigner, declare
    from policy_engine.attest.subjects import parse_image_ref

    card = evidence / folder / "model_card.yaml"
    declare(DeclareRequest(model_card=card, out=out, signer=LocalKeySigner(key), sboms=[], manifests=[],
                           images=[parse_image_ref(f"registry.example/credit-scorer@{digest}")], rulesets=[]))
    return out


def add_critical_vulnerability(sbom: Path) -> None:
    """A critical, unanalysed (so exploitable) CVE on the first component: the release gate does not look
    at vulnerabilities, the deploy gate does."""
    document = json.loads(sbom.read_text())
    component = document["components"][0]
    document["vulnerabilities"] = [{
        "id": "CVE-2024-3651", "source": {"name": "NVD"},
        "ratings": [{"severity": "critical", "method": "CVSSv31", "score": 9.8}],
        "affects": [{"ref": component["bom-ref"]}]}]
    sbom.write_text(json.dumps(document, indent=2))


@dataclass
class World:
    root: Path
    evidence: Path
    pki: dict[str, Path]
    trusted_pub: Path


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    from policy_engine.attest.keys import generate_keypair

    if not (SAMPLE / "model_card.yaml").is_file():
        pytest.fail(f"the credit-scoring sample is missing from {SAMPLE}")
    root = tmp_path_factory.mktemp("webhook")
    os.environ.setdefault("COMPLYAI_KEY_PASSWORD", "webhook test passphrase")
    evidence = root / "evidence"
    shutil.copytree(SAMPLE, evidence)
    (evidence / ".git").mkdir()  # subject names are relative to the repository root, as in CI
    trusted = generate_keypair(root / "trusted")
    stranger = generate_keypair(root / "stranger")
    declare_sample(evidence, trusted.private, evidence / "credit-scorer.declaration.json", DIGEST)
    declare_sample(evidence, stranger.private, evidence / "other.declaration.json", UNTRUSTED_DIGEST)
    shutil.copytree(SAMPLE, evidence / "vulnerable")
    add_critical_vulnerability(evidence / "vulnerable" / "sbom.cdx.json")
    declare_sample(evidence, trusted.private, evidence / "vulnerable.declaration.json", VULNERABLE_DIGEST,
                   "vulnerable")
    return World(root=root, evidence=evidence, pki=make_pki(root), trusted_pub=trusted.public)


@dataclass
class Server:
    base: str
    ca: Path
    app: Any

    def client(self, **kw: Any) -> httpx.Client:
        return httpx.Client(base_url=self.base, verify=ssl.create_default_context(cafile=str(self.ca)),
                            timeout=10, **kw)


def start_server(world: World, mode: str, **settings: Any) -> Iterator[Server]:
    import uvicorn

    from policy_engine.attest import TrustPolicy
    from policy_engine.webhook.decide import Settings
    from policy_engine.webhook.server import ServeOptions, build, uvicorn_config

    options = ServeOptions(tls_cert=world.pki["cert"], tls_key=world.pki["key"], host="127.0.0.1", port=0,
                           settings=Settings(mode=mode, evidence_dir=world.evidence, **settings),
                           trust=TrustPolicy.from_key_files([world.trusted_pub]), log_level="warning")
    app, _, ready = build(options)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn_config(app, options))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    handle = Server(f"https://127.0.0.1:{sock.getsockname()[1]}", world.pki["ca"], app)
    deadline = time.monotonic() + 60
    with handle.client() as client:
        while time.monotonic() < deadline:
            try:
                if client.get("/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        else:
            pytest.fail("the webhook never became ready")
    yield handle
    server.should_exit = True
    thread.join(timeout=15)
    sock.close()


@pytest.fixture(scope="session")
def enforce(world: World) -> Iterator[Server]:
    yield from start_server(world, "enforce")


@pytest.fixture(scope="session")
def audit(world: World) -> Iterator[Server]:
    yield from start_server(world, "audit")


def pod_spec(*images: str, init: tuple[str, ...] = (), node_selector: dict[str, str] | None = None) -> dict:
    spec: dict[str, Any] = {"containers": [{"name": f"c{i}", "image": image} for i, image in enumerate(images)]}
    if init:
        spec["initContainers"] = [{"name": f"init{i}", "image": image} for i, image in enumerate(init)]
    if node_selector:
        spec["nodeSelector"] = node_selector
    return spec


def workload(kind: str, spec: dict, annotations: dict[str, str] | None = None, name: str = "scorer") -> dict:
    """An object of KIND whose Pod template carries SPEC and ANNOTATIONS."""
    template = {"metadata": {"labels": {"app": name}, "annotations": dict(annotations or {})}, "spec": spec}
    group = {"Pod": "v1", "Job": "batch/v1", "CronJob": "batch/v1"}.get(kind, "apps/v1")
    if kind == "Pod":
        return {"apiVersion": group, "kind": kind, "metadata": {"name": name, "namespace": "ml-prod",
                                                                 **template["metadata"]}, "spec": spec}
    body: dict[str, Any] = {"template": template}
    if kind == "CronJob":
        body = {"schedule": "0 * * * *", "jobTemplate": {"spec": {"template": template}}}
    elif kind != "Job":
        body["selector"] = {"matchLabels": {"app": name}}
    return {"apiVersion": group, "kind": kind, "metadata": {"name": name, "namespace": "ml-prod"}, "spec": body}


def review(obj: dict | None, *, kind: str | None = None, operation: str = "CREATE", namespace: str = "ml-prod",
           dry_run: bool = False, uid: str | None = None) -> dict:
    kind = kind or (obj or {}).get("kind", "Pod")
    group, _, version = ((obj or {}).get("apiVersion") or "v1").rpartition("/")
    request = {"uid": uid or str(uuid.uuid4()), "kind": {"group": group, "version": version, "kind": kind},
               "resource": {"group": group, "version": version, "resource": kind.lower() + "s"},
               "namespace": namespace, "name": ((obj or {}).get("metadata") or {}).get("name", ""),
               "operation": operation, "userInfo": {"username": "dev@bank.example"}, "object": obj,
               "dryRun": dry_run}
    if operation == "UPDATE":
        request["oldObject"] = obj
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}


def post(client: httpx.Client, body: dict) -> dict:
    reply = client.post("/validate", json=body)
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    assert answer["apiVersion"] == "admission.k8s.io/v1" and answer["kind"] == "AdmissionReview"
    assert answer["response"]["uid"] == body["request"]["uid"]
    return answer["response"]
