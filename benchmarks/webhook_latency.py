"""Admission latency on loopback: /validate for a cached, declared workload vs /healthz on the same server.

Starts the real webhook (uvicorn, TLS, a certificate and a signed declaration made here) in a child
process, then sends a paced, bounded load from one client connection: N requests at R per second,
alternating /validate (an AdmissionReview for a Deployment whose image is declared and whose audit
result is cached after the first request) with /healthz (the baseline: same server, TLS and HTTP stack,
no decision). Prints p50, p99 and their ratio.

    .venv/bin/python benchmarks/webhook_latency.py [--requests 10000] [--rate 500]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.webhook.conftest import (  # noqa: E402 - the same fixtures the tests use
    COMPLIANT,
    DIGEST,
    IMAGE,
    SAMPLE,
    declare_sample,
    make_pki,
    pod_spec,
    review,
    workload,
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main() -> None:
    import shutil

    import httpx

    from policy_engine.attest.keys import generate_keypair

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000, help="total requests (half to each endpoint)")
    parser.add_argument("--rate", type=float, default=500.0, help="requests per second (paced)")
    args = parser.parse_args()

    os.environ.setdefault("COMPLYAI_KEY_PASSWORD", "benchmark passphrase")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        evidence = root / "evidence"
        shutil.copytree(SAMPLE, evidence)
        (evidence / ".git").mkdir()
        keys = generate_keypair(root / "signing")
        declare_sample(evidence, keys.private, evidence / "declaration.json", DIGEST)
        pki = make_pki(root)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, "-c", "from policy_engine.cli import main; main()", "webhook", "serve",
             "--tls-cert", str(pki["cert"]), "--tls-key", str(pki["key"]), "--host", "127.0.0.1",
             "--port", str(port), "--evidence-dir", str(evidence), "--trust-key", str(keys.public),
             "--log-level", "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"https://127.0.0.1:{port}"
            context = ssl.create_default_context(cafile=str(pki["ca"]))
            with httpx.Client(base_url=base, verify=context, timeout=10) as client:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    try:
                        if client.get("/readyz").status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    time.sleep(0.1)
                else:
                    sys.exit("the webhook did not become ready within 60 s")
                body = review(workload("Deployment", pod_spec(IMAGE), COMPLIANT))
                first = client.post("/validate", json=body).json()["response"]
                assert first["allowed"] is True, first
                payload = json.dumps(body).encode()
                headers = {"content-type": "application/json"}
                for _ in range(200):  # warm the connection, caches and code paths
                    client.post("/validate", content=payload, headers=headers)
                    client.get("/healthz")
                validate: list[float] = []
                health: list[float] = []
                interval = 1.0 / args.rate
                started = time.perf_counter()
                for i in range(args.requests):
                    due = started + i * interval
                    delay = due - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                    t = time.perf_counter()
                    if i % 2 == 0:
                        reply = client.post("/validate", content=payload, headers=headers)
                        validate.append(time.perf_counter() - t)
                        assert reply.status_code == 200
                    else:
                        client.get("/healthz")
                        health.append(time.perf_counter() - t)
                wall = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=15)

    def ms(value: float) -> str:
        return f"{value * 1000:.2f} ms"

    v50, v99 = percentile(validate, 0.50), percentile(validate, 0.99)
    h50, h99 = percentile(health, 0.50), percentile(health, 0.99)
    print(f"{args.requests} requests in {wall:.1f} s ({args.requests / wall:.0f}/s achieved, target {args.rate:.0f}/s), "
          f"one keep-alive TLS connection, {os.cpu_count()} CPU(s)")
    print(f"/validate (cached, declared Deployment): p50 {ms(v50)}  p99 {ms(v99)}  mean {ms(statistics.mean(validate))}")
    print(f"/healthz  (baseline, same server):       p50 {ms(h50)}  p99 {ms(h99)}  mean {ms(statistics.mean(health))}")
    print(f"ratio /validate : /healthz                 p50 {v50 / h50:.2f}x  p99 {v99 / h99:.2f}x")
    print(f"target p99 <= 5 ms for cached declarations: {'met' if v99 <= 0.005 else 'NOT met'}")


if __name__ == "__main__":
    main()
