"""The pre-commit hooks with the real `pre-commit`: a compliant change commits, a non-compliant one is blocked
with its findings shown, and files that are no artifacts pass through."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from .conftest import BAD_MANIFEST, CARD, ROOT, git, write

HOOKS = ROOT / ".pre-commit-hooks.yaml"


def test_the_manifest_is_valid_for_pre_commit():
    from pre_commit.clientlib import load_manifest

    hooks = {hook["id"]: hook for hook in load_manifest(str(HOOKS))}
    assert set(hooks) == {"complyai-audit", "complyai-scan"}
    assert hooks["complyai-audit"]["pass_filenames"] and hooks["complyai-audit"]["language"] == "python"
    assert hooks["complyai-audit"]["entry"].split()[:3] == ["complyai", "ci", "pre-commit"]
    assert hooks["complyai-scan"]["entry"].split()[:3] == ["complyai", "ci", "scan-changed"]


def test_the_file_filters_pick_artifacts_and_data_files():
    from identify.identify import tags_from_filename
    from pre_commit.clientlib import load_manifest

    audit, scan = load_manifest(str(HOOKS))
    for name in ("card.yaml", "card.yml", "bom.cdx.json", "bom.xml", "README.md", "x.spdx.json"):
        assert tags_from_filename(name) & set(audit["types_or"]), name
    import re

    for name in ("data/train.csv", "a.jsonl.gz", "x.parquet", "notes.txt"):
        assert re.search(scan["files"], name), name
    assert not re.search(scan["files"], "card.yaml")


@pytest.fixture
def hooked(repo: Path, cli_env: dict[str, str], tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The repository with both hooks configured as local system hooks (same id, entry, filters) and installed
    as its git pre-commit hook."""
    hooks = []
    for hook in yaml.safe_load(HOOKS.read_text()):
        local = {k: v for k, v in hook.items() if k not in ("language", "minimum_pre_commit_version")}
        if hook["id"] == "complyai-scan":
            local["args"] = ["--no-model"]
        hooks.append({**local, "language": "system"})
    write(repo / ".pre-commit-config.yaml", yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}))
    git(repo, "add", ".pre-commit-config.yaml")
    git(repo, "commit", "-qm", "hooks")
    env = {**cli_env, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    subprocess.run(["pre-commit", "install"], cwd=repo, env=env, check=True, capture_output=True, timeout=60)
    return repo, env


def commit(repo: Path, env: dict[str, str], *files: str) -> subprocess.CompletedProcess:
    git(repo, "add", *files)
    return subprocess.run(["git", "commit", "-m", "change"], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=120)


def test_a_compliant_change_commits(hooked):
    repo, env = hooked
    head = git(repo, "rev-parse", "HEAD")
    write(repo / "models" / "spam.yaml", CARD.replace("internal ticket queue", "internal ticket queue (v2)"))
    result = commit(repo, env, "models/spam.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert git(repo, "rev-parse", "HEAD") != head
    out = result.stdout + result.stderr
    assert "complyai audit (model cards, data manifests, SBOMs)" in out and "Passed" in out


def test_a_non_compliant_manifest_blocks_the_commit_and_shows_the_findings(hooked):
    repo, env = hooked
    head = git(repo, "rev-parse", "HEAD")
    write(repo / "data" / "tickets.yaml", BAD_MANIFEST)
    result = commit(repo, env, "data/tickets.yaml")
    assert result.returncode != 0
    assert git(repo, "rev-parse", "HEAD") == head  # nothing was committed
    out = result.stdout + result.stderr
    assert "Failed" in out and "GDPR-ART44-TRANSFER-MECHANISM" in out and "data/tickets.yaml" in out
    assert "in 2 artifacts" in out  # the model card linking to the manifest was audited with it
    assert "Traceback" not in out


def test_other_yaml_files_are_not_audited(hooked):
    repo, env = hooked
    write(repo / "docs" / "notes.yaml", "title: still not an artifact\n")
    git(repo, "add", "docs/notes.yaml")
    result = subprocess.run(["pre-commit", "run", "--verbose", "--files", "docs/notes.yaml"], cwd=repo, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "nothing to audit: none of the 1 file(s) is a model card" in result.stdout


def test_the_scan_hook_rescans_a_listed_data_file_and_ignores_others(hooked):
    repo, env = hooked
    write(repo / "data" / "tickets-2025.csv", "id,text\n1,printer is broken\n2,reset my password please\n")
    write(repo / "data" / "unlisted.csv", "id,text\n1,hello\n")
    git(repo, "add", "data/tickets-2025.csv", "data/unlisted.csv")
    result = subprocess.run(["pre-commit", "run", "--verbose", "--hook-stage", "pre-commit"], cwd=repo, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "scanned 1 data file(s) listed in 1 data manifest(s)" in result.stdout
    assert (repo / ".complyai" / "cache").is_dir()  # the evidence the audit reads
