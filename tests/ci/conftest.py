"""A temporary git repository with a compliant model card and its data manifest, and a `complyai` on PATH."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared fixtures not present")

CARD = """\
apiVersion: complyai/v1
kind: ModelCard
metadata:
  name: spam-filter
  version: "1.0"
spec:
  kind: ai_system
  processes_personal_data: false
  market:
    eu_market: false
  risk:
    tier: minimal
  intended_use:
    purpose: Flag spam in an internal ticket queue
  provider:
    name: Acme Support GmbH
    contact_address: Hauptstr. 1, 10115 Berlin, Germany
  conformity:
    declaration:
      place: Berlin
      signatory: Jane Doe, CTO
  datasets:
    - manifest_ref: ../data/tickets.yaml
      split: training
"""

MANIFEST = """\
apiVersion: complyai/v1
kind: DataManifest
metadata:
  name: tickets
  version: "1"
spec:
  contains_personal_data: false
  subjects_in_eu: false
  files:
    - path: tickets-*.csv
"""

# The same manifest made non-compliant: EU personal data sent to the US with no Chapter V mechanism.
BAD_MANIFEST = """\
apiVersion: complyai/v1
kind: DataManifest
metadata:
  name: tickets
  version: "1"
spec:
  contains_personal_data: true
  subjects_in_eu: true
  transfers:
    - destination_country: US
      mechanism: none
"""

OTHER_CARD = CARD.replace("spam-filter", "other").replace("../data/tickets.yaml", "../data/other.yaml")
OTHER_MANIFEST = MANIFEST.replace("name: tickets", "name: other").replace("tickets-*.csv", "other.csv")


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True,
                            env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                                 "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"})
    return result.stdout.strip()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    """models/spam.yaml -> data/tickets.yaml (+ tickets-2024.csv), models/other.yaml -> data/other.yaml,
    committed on `main`; the working directory is the repository."""
    root = tmp_path / "repo"
    write(root / "models" / "spam.yaml", CARD)
    write(root / "data" / "tickets.yaml", MANIFEST)
    write(root / "data" / "tickets-2024.csv", "id,text\n1,buy now\n")
    write(root / "models" / "other.yaml", OTHER_CARD)
    write(root / "data" / "other.yaml", OTHER_MANIFEST)
    write(root / "docs" / "notes.yaml", "title: not an artifact\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "initial")
    monkeypatch.chdir(root)
    return root


@pytest.fixture(scope="session")
def bindir(tmp_path_factory) -> Path:
    """A folder for PATH whose `complyai` is this checkout's CLI (with the `ci` group registered, should the
    command table not list it yet)."""
    folder = tmp_path_factory.mktemp("bin")
    shim = folder / "complyai"
    shim.write_text(f"#!{sys.executable}\n"
                    "from policy_engine.cli import COMMANDS, main\n"
                    "COMMANDS.setdefault('ci', 'policy_engine.cli.ci:ci')\n"
                    "main(prog_name='complyai')\n")
    shim.chmod(0o755)
    return folder


@pytest.fixture
def cli_env(bindir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_", "COMPLYAI_"))}
    env.update(PATH=f"{bindir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
               NO_COLOR="1", PYTHONPATH=str(ROOT))
    return env
