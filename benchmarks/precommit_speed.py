#!/usr/bin/env python3
"""Pre-commit hook speed: a repository of 500 artifacts of which 3 changed.

Target: the hook (`complyai ci pre-commit FILES`, what `.pre-commit-hooks.yaml` runs) <= 1 s wall.
Baseline, measured in the same run: a full `complyai audit` of all 500 artifacts, what a hook without
change selection would cost. Also shown: `complyai audit --changed-since HEAD` (the CI steps' mode).

    .venv/bin/python benchmarks/precommit_speed.py [--artifacts 500] [--runs 3]

The repository holds N/2 model cards, each linked to its own data manifest. The 3 changes: one card edited,
one manifest edited (so its card is audited too), one new card: 4 artifacts to audit. Each figure is the
median of --runs cold CLI runs (a new process each time, as pre-commit runs it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CARD = """\
apiVersion: complyai/v1
kind: ModelCard
metadata:
  name: model-{i}
  version: "1.0"
spec:
  kind: ai_system
  processes_personal_data: false
  market:
    eu_market: false
  risk:
    tier: minimal
  intended_use:
    purpose: Classify support tickets, variant {i}
  datasets:
    - manifest_ref: ../data/data-{i}.yaml
      split: training
"""

MANIFEST = """\
apiVersion: complyai/v1
kind: DataManifest
metadata:
  name: data-{i}
  version: "1"
spec:
  contains_personal_data: false
  subjects_in_eu: false
"""

# The CLI with the `ci` group, whether or not the installed command table lists it yet.
LAUNCH = ("from policy_engine.cli import COMMANDS, main; "
          "COMMANDS.setdefault('ci', 'policy_engine.cli.ci:ci'); main(prog_name='complyai')")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=b@example.org", "-c", "user.name=bench", *args], cwd=repo,
                   check=True, capture_output=True)


def build(repo: Path, artifacts: int) -> list[str]:
    """The repository, committed, then 3 changes staged; returns the staged file names."""
    (repo / "models").mkdir(parents=True)
    (repo / "data").mkdir()
    for i in range(artifacts // 2):
        (repo / "models" / f"model-{i}.yaml").write_text(CARD.format(i=i))
        (repo / "data" / f"data-{i}.yaml").write_text(MANIFEST.format(i=i))
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "artifacts")
    (repo / "models" / "model-7.yaml").write_text(CARD.format(i=7).replace("variant 7", "variant 7b"))
    (repo / "data" / "data-42.yaml").write_text(MANIFEST.format(i=42) + "  # reviewed\n")
    (repo / "models" / "model-new.yaml").write_text(CARD.format(i="new").replace("data-new", "data-3"))
    changed = ["models/model-7.yaml", "data/data-42.yaml", "models/model-new.yaml"]
    git(repo, "add", *changed)
    return changed


def timed(args: list[str], repo: Path, runs: int) -> tuple[float, subprocess.CompletedProcess]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", LAUNCH, *args], cwd=repo, env=env, capture_output=True,
                                text=True)
        times.append(time.perf_counter() - start)
        if result.returncode not in (0, 1):
            sys.exit(f"complyai {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return statistics.median(times), result


def summary(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stdout.splitlines() if line.startswith(("PASS", "WARN", "FAIL"))]
    return lines[-1] if lines else result.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        changed = build(repo, args.artifacts)
        startup, _ = timed(["--version"], repo, args.runs)
        hook, hook_result = timed(["ci", "pre-commit", "--quiet", *changed], repo, args.runs)
        since, since_result = timed(["audit", "--quiet", "--changed-since", "HEAD"], repo, args.runs)
        full, full_result = timed(["audit", "--quiet", "."], repo, args.runs)
    print(f"repository: {args.artifacts} artifacts ({args.artifacts // 2} model cards + manifests), "
          f"3 changed; median of {args.runs} cold runs")
    print(f"  complyai --version (interpreter + CLI start)   {startup:6.2f} s")
    print(f"  pre-commit hook (ci pre-commit, 3 files)       {hook:6.2f} s   {summary(hook_result)}")
    print(f"  audit --changed-since HEAD                     {since:6.2f} s   {summary(since_result)}")
    print(f"  baseline: full audit of all {args.artifacts:<4}              {full:6.2f} s   {summary(full_result)}")
    verdict = "meets" if hook <= 1.0 else "misses"
    print(f"hook {verdict} the 1 s target; {full / hook:.1f}x faster than the full audit")


if __name__ == "__main__":
    main()
