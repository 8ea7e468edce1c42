"""How fast `complyai audit` is, each figure next to its baseline from the same run.

    python benchmarks/audit_speed.py [--artifacts 2000]

1. Cold start: `complyai audit card.yaml` in a fresh process (median of 10) vs `python -c pass`.
2. Throughput: artifacts/s over N generated model cards and data manifests (all rulesets).
3. Engine overhead: requests/s through RuleEngine.evaluate vs raw cedarpy.is_authorized_batch on the
   same requests, policies and entities.
Targets on a 2-core machine: one card <= 250 ms; >= 1,000 artifacts/s; engine <= 1.5x raw cedarpy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CARD = """\
apiVersion: complyai/v1
kind: ModelCard
metadata: {{name: credit-risk-{i}, version: "1.{i}"}}
spec:
  kind: ai_system
  market: {{eu_market: true}}
  risk: {{tier: {tier}, annex_iii_categories: [5-essential-services]}}
  intended_use: {{purpose: Credit scoring of consumers, domains: [credit_scoring]}}
  datasets:
    - {{manifest_ref: train.yaml, split: training}}
"""
MANIFEST = """\
apiVersion: complyai/v1
kind: DataManifest
metadata: {{name: train-{i}, version: "1"}}
spec:
  contains_personal_data: true
  subjects_in_eu: {eu}
  transfers:
    - {{destination_country: US, mechanism: scc}}
"""


def median_wall(command: list[str], runs: int = 10) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def generate(root: Path, count: int) -> None:
    for i in range(count // 2):
        folder = root / f"m{i:05d}"
        folder.mkdir(parents=True)
        (folder / "card.yaml").write_text(CARD.format(i=i, tier="high" if i % 3 else "limited"))
        (folder / "train.yaml").write_text(MANIFEST.format(i=i, eu="true" if i % 2 else "false"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artifacts", type=int, default=2000)
    args = parser.parse_args()
    complyai = shutil.which("complyai") or str(Path(sys.executable).parent / "complyai")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        generate(tmp_path / "one", 2)
        card = tmp_path / "one" / "m00000" / "card.yaml"
        subprocess.run([complyai, "audit", str(card), "--format", "json"], capture_output=True, check=False)
        python = median_wall([sys.executable, "-c", "pass"])
        cold = median_wall([complyai, "audit", str(card), "--format", "json"])
        print(f"cold start    python -c pass {python * 1000:7.0f} ms | complyai audit card.yaml "
              f"{cold * 1000:7.0f} ms (target <= 250 ms)")

        from policy_engine import resources
        from policy_engine.facts import FactBuilder
        from policy_engine.pipeline import AuditOptions, _load_all, load_engine, resolve_rulesets, run_audit

        generate(tmp_path / "many", args.artifacts)
        # An empty cache: every artifact is parsed and schema-validated, as on a fresh CI runner.
        os.environ["XDG_CACHE_HOME"] = str(tmp_path / "cache")
        run_audit(AuditOptions(paths=[card], no_config=True))  # load the rulesets once, as a warm process would
        for label in ("empty cache", "warm cache"):
            start = time.perf_counter()
            verdict = run_audit(AuditOptions(paths=[tmp_path / "many"], no_config=True))
            elapsed = time.perf_counter() - start
            print(f"throughput    {label}: {len(verdict.artifacts)} artifacts, {len(verdict.findings)} findings in "
                  f"{elapsed:.2f} s = {len(verdict.artifacts) / elapsed:,.0f} artifacts/s (target >= 1,000)")

        import cedarpy

        engine = load_engine(resolve_rulesets([]))
        files = sorted((tmp_path / "many").rglob("*.yaml"))
        artifacts, _ = _load_all(files, 20_000_000)
        builder = FactBuilder(resources.vocabulary(), engine.dates)
        entities = [builder.entity(a) for a in artifacts]
        today = dt.date.today()
        requests = [builder.request(b, today, engine.derived_for({b.subject.kind})) for b in builder.bundles(artifacts)]
        start = time.perf_counter()
        engine.evaluate("release", requests, entities)
        ours = time.perf_counter() - start

        policies = cedarpy.PolicySet.from_str(engine.policy_text)
        handle = cedarpy.Entities.from_json_str(json.dumps(entities + [
            {"uid": {"type": "Auditor", "id": "complyai"}, "attrs": {}, "parents": []},
            {"uid": {"type": "Action", "id": "commit"}, "attrs": {}, "parents": []},
            {"uid": {"type": "Action", "id": "release"}, "attrs": {}, "parents": [{"type": "Action", "id": "commit"}]},
            {"uid": {"type": "Action", "id": "deploy"}, "attrs": {}, "parents": [{"type": "Action", "id": "release"}]},
        ]), engine.schema)
        batch = [{"principal": {"type": "Auditor", "id": "complyai"}, "action": {"type": "Action", "id": "release"},
                  "resource": r.resource, "context": r.context} for r in requests]
        start = time.perf_counter()
        cedarpy.is_authorized_batch(batch, policies, handle, engine.schema)
        raw = time.perf_counter() - start
        print(f"engine        {len(requests)} requests: raw cedarpy (all {len(engine.controls)} policies, one batch) "
              f"{len(requests) / raw:,.0f} req/s | complyai engine {len(requests) / ours:,.0f} req/s "
              f"= {ours / raw:.2f}x the raw time (target <= 1.5x)")


if __name__ == "__main__":
    main()
