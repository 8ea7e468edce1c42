"""`--changed-since REF`: what changed, plus the artifacts that link to it; a bad ref is a usage error."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from policy_engine.changes import affected_artifacts, changed_artifacts, changed_files
from policy_engine.errors import UsageError

from .conftest import BAD_MANIFEST, CARD, git, write


def names(paths: list[Path]) -> list[str]:
    return [Path(p).as_posix() for p in paths]


def test_nothing_changed_means_nothing_to_audit(repo):
    assert changed_artifacts("main", [Path(".")]) == []


def test_a_changed_manifest_pulls_in_the_card_that_links_to_it(repo):
    write(repo / "data" / "tickets.yaml", BAD_MANIFEST)  # unstaged edit
    assert names(changed_artifacts("main", [Path(".")])) == ["data/tickets.yaml", "models/spam.yaml"]


@pytest.mark.parametrize("how", ["committed", "staged", "unstaged", "untracked"])
def test_every_kind_of_change_counts(repo, how):
    if how == "untracked":
        write(repo / "models" / "new.yaml", CARD.replace("spam-filter", "new"))
        expected = ["models/new.yaml"]
    else:
        write(repo / "models" / "spam.yaml", CARD + "# edited\n")
        expected = ["models/spam.yaml"]
        if how in ("committed", "staged"):
            git(repo, "add", "models/spam.yaml")
        if how == "committed":
            git(repo, "checkout", "-qb", "feature")
            git(repo, "commit", "-qm", "edit")
    assert names(changed_artifacts("main", [Path(".")])) == expected


def test_changes_on_the_base_branch_since_the_fork_are_not_ours(repo):
    git(repo, "checkout", "-qb", "feature")
    write(repo / "models" / "spam.yaml", CARD + "# ours\n")
    git(repo, "commit", "-qam", "ours")
    git(repo, "checkout", "-q", "main")
    write(repo / "models" / "other.yaml", CARD.replace("spam-filter", "theirs"))
    git(repo, "commit", "-qam", "theirs")
    git(repo, "checkout", "-q", "feature")
    assert names(changed_artifacts("main", [Path(".")])) == ["models/spam.yaml"]


def test_deleted_files_and_non_artifacts_are_skipped(repo):
    (repo / "models" / "other.yaml").unlink()
    write(repo / "docs" / "notes.yaml", "title: still not an artifact\n")
    assert changed_artifacts("main", [Path(".")]) == []
    assert repo / "docs" / "notes.yaml" in changed_files("main")  # changed, just not an artifact


def test_a_changed_data_file_pulls_in_its_manifest_and_the_card(repo):
    write(repo / "data" / "tickets-2025.csv", "id,text\n2,hello\n")  # matches the manifest's glob
    assert names(changed_artifacts("main", [Path(".")])) == ["data/tickets.yaml", "models/spam.yaml"]


def test_paths_limit_what_counts(repo):
    write(repo / "data" / "tickets.yaml", BAD_MANIFEST)
    assert changed_artifacts("main", [Path("models")]) == []  # the change is outside models/
    assert names(changed_artifacts("main", [Path("data")])) == ["data/tickets.yaml"]


def test_linking_is_transitive_and_found_among_many(repo):
    for index in range(40):  # unrelated cards are read but not loaded
        write(repo / "models" / f"m{index}.yaml", CARD.replace("spam-filter", f"m{index}")
              .replace("../data/tickets.yaml", "../data/other.yaml"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "many")
    assert names(affected_artifacts([repo / "data" / "tickets-2024.csv"], [repo])) == [
        str(repo / "data" / "tickets.yaml"), str(repo / "models" / "spam.yaml")]


def test_unknown_ref_is_a_usage_error_naming_it(repo):
    with pytest.raises(UsageError) as caught:
        changed_artifacts("no-such-branch", [Path(".")])
    assert "no-such-branch" in caught.value.message and "fetch" in caught.value.hint


def test_outside_a_repository_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match="not inside a git repository"):
        changed_artifacts("main", [Path(".")])


def test_audit_cli_unknown_ref_exits_2_without_traceback(repo, cli_env):
    result = subprocess.run(["complyai", "audit", "--changed-since", "nope"], capture_output=True, text=True,
                            env=cli_env, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "'nope' not found" in result.stderr and "Traceback" not in result.stderr


def test_audit_cli_audits_the_linking_card(repo, cli_env):
    write(repo / "data" / "tickets.yaml", BAD_MANIFEST)
    result = subprocess.run(["complyai", "audit", "--changed-since", "main", "--format", "json"],
                            capture_output=True, text=True, env=cli_env, timeout=60)
    assert result.returncode == 1, result.stderr
    verdict = json.loads(result.stdout)
    assert sorted(verdict["artifacts"]) == ["data/tickets.yaml", "models/spam.yaml"]
    assert any(f["rule"] == "GDPR-ART44-TRANSFER-MECHANISM" for f in verdict["findings"])
