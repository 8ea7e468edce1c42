"""What changed: the artifacts a commit, a pull request or a pre-commit run touches, and those that link to them.

``complyai audit --changed-since REF``, the pre-commit hook and the CI steps audit only these, so a gate on a
500-artifact repository costs what three artifacts cost. A change counts when it is committed since the merge
base of REF and HEAD, staged, unstaged, or an untracked file git does not ignore; deleted files are skipped.

An artifact is affected when it changed, or when it links (directly or through other artifacts) to a changed
file: a model card whose data manifest or SBOM changed, a data manifest whose listed data file changed. Finding
those linkers reads the candidate files once and loads only the few whose text names a changed file.
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

from policy_engine.errors import UsageError

# Suffixes an artifact can have (own YAML/JSON, CycloneDX JSON/XML, SPDX JSON, Hugging Face README.md).
ARTIFACT_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".xml", ".md"})
# Data files a manifest may list (see policy_engine.scan.readers; .gz variants too).
DATA_SUFFIXES = frozenset({".csv", ".tsv", ".jsonl", ".ndjson", ".parquet", ".txt", ".md", ".gz"})
_MAX_CANDIDATE_BYTES = 2_000_000  # bigger files are data, not cards: never read while looking for linkers


def _repo(start: Path):  # noqa: ANN202 - git.Repo, imported lazily
    import git

    try:
        return git.Repo(start, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise UsageError(f"{start.resolve()} is not inside a git repository",
                         hint="--changed-since compares with git history: run it in a clone "
                              "(in CI, check out with history, e.g. actions/checkout `fetch-depth: 0`)") from None


def _git_lines(repo, *args: str) -> list[str]:  # noqa: ANN001 - git.Repo
    """Run git with -z output; the NUL-separated names, relative to the repository root."""
    out = repo.git.execute(["git", "-c", "core.quotepath=off", *args], strip_newline_in_stdout=False)
    return [name for name in out.split("\0") if name]


def changed_files(ref: str, start: Path = Path(".")) -> list[Path]:
    """Absolute paths of the existing files changed since REF (committed, staged, unstaged or untracked)."""
    import git

    repo = _repo(start)
    root = Path(repo.working_tree_dir).resolve()
    try:
        base = repo.git.rev_parse("--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    except git.GitCommandError:
        raise UsageError(f"git ref {ref!r} not found in {root}",
                         hint="use a branch, tag or commit that exists locally; in CI fetch it first "
                              "(actions/checkout `fetch-depth: 0`, GitLab `GIT_DEPTH: 0`)") from None
    try:
        # Changes on the base branch since the fork are not this change's: diff from the merge base.
        base = repo.git.merge_base(base, "HEAD")
    except git.GitCommandError:
        pass  # unrelated histories or no HEAD yet: compare with REF itself
    names = set(_git_lines(repo, "diff", "--name-only", "-z", "--no-renames", "--diff-filter=d", base, "--"))
    names.update(_git_lines(repo, "ls-files", "-z", "--others", "--exclude-standard"))
    return sorted(path for path in (root / name for name in names) if path.is_file())


def _within(path: Path, roots: list[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def is_artifact(path: Path) -> bool:
    """True when the file is a model card, data manifest or SBOM complyai can load (by name and content)."""
    from policy_engine.artifacts import read_head, sniff

    if path.suffix.lower() not in ARTIFACT_SUFFIXES or not path.is_file():
        return False
    return sniff(path, read_head(path)) is not None


def _git_toplevel(folder: Path) -> Path | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=folder, capture_output=True, text=True,
                             timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return Path(out.stdout.strip()).resolve() if out.returncode == 0 and out.stdout.strip() else None


def candidate_files(roots: list[Path]) -> list[Path]:
    """Files under ROOTS that could be artifacts: git's tracked and untracked-but-not-ignored files there,
    or a plain walk (skipping hidden folders) outside a repository.

    Plain `git` rather than gitpython here: the pre-commit hook calls this, and importing gitpython would
    cost more than the listing itself.
    """
    roots = [root.resolve() for root in roots]
    files: set[Path] = set()
    top = _git_toplevel(roots[0] if roots[0].is_dir() else roots[0].parent)
    if top is not None:
        inside = [root for root in roots if _within(root, [top])]
        specs = [os.path.relpath(root, top) for root in inside]
        listing = subprocess.run(["git", "-c", "core.quotepath=off", "ls-files", "-z", "--cached", "--others",
                                  "--exclude-standard", "--", *specs], cwd=top, capture_output=True,
                                 timeout=60) if specs else None
        if listing is not None and listing.returncode == 0:
            files.update(top / name for name in listing.stdout.decode("utf-8", "surrogateescape").split("\0")
                         if name)
            roots = [root for root in roots if root not in inside]
    for root in roots:
        if root.is_file():
            files.add(root)
            continue
        for folder, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d not in ("node_modules", "__pycache__")]
            files.update(Path(folder, name) for name in names)
    return sorted(path for path in files if path.suffix.lower() in ARTIFACT_SUFFIXES)


def _read_small(path: Path) -> str | None:
    try:
        if path.stat().st_size > _MAX_CANDIDATE_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _manifest_lists(document: object, manifest: Path, data_file: Path) -> bool:
    """True when a complyai data manifest's spec.files names DATA_FILE (a path or a glob, relative to it)."""
    spec = document.get("spec") if isinstance(document, dict) else None
    entries = spec.get("files") if isinstance(spec, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        pattern = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(pattern, str) or not pattern.strip():
            continue
        full = os.path.normpath(os.path.join(manifest.parent, pattern))
        if Path(full) == data_file or fnmatch.fnmatchcase(str(data_file), full):
            return True
    return False


def linking_artifacts(changed: Iterable[Path], candidates: Iterable[Path]) -> list[Path]:
    """The candidates that link, directly or through other artifacts, to a changed file.

    A candidate is loaded only when its text names a changed file (every link is a relative path ending in the
    target's file name), or, for a changed data file, when it is a data manifest that lists files.
    """
    from policy_engine.artifacts import load_artifacts

    targets = {Path(path).resolve() for path in changed}
    pending = set(targets)
    texts: dict[Path, str] = {}
    for path in candidates:
        path = path.resolve()
        if path not in targets:
            text = _read_small(path)
            if text is not None:
                texts[path] = text
    found: list[Path] = []
    while pending:  # fixed point: a card linking to a manifest that lists a changed data file
        names = {target.name for target in pending}
        data = [target for target in pending if target.suffix.lower() in DATA_SUFFIXES - ARTIFACT_SUFFIXES
                or ".gz" in target.suffixes]
        pending = set()
        for path, text in list(texts.items()):
            named = any(name in text for name in names)
            lists_data = bool(data) and "DataManifest" in text and "files" in text
            if not (named or lists_data):
                continue
            hit = False
            for artifact in load_artifacts(path, str(path), _MAX_CANDIDATE_BYTES):
                if any(link.target in targets for link in artifact.links):
                    hit = True
                elif lists_data and artifact.kind == "data_manifest" and any(
                        _manifest_lists(artifact.document, path, target) for target in data):
                    hit = True
            if hit:
                del texts[path]
                targets.add(path)
                pending.add(path)
                found.append(path)
    return sorted(found)


def affected_artifacts(files: Iterable[Path], roots: list[Path]) -> list[Path]:
    """The artifacts among FILES plus the artifacts under ROOTS that link to any of FILES, sorted.

    FILES that are not artifacts (a data file, a README without front matter) only pull in their linkers.
    """
    files = sorted({Path(path).resolve() for path in files if Path(path).is_file()})
    if not files:
        return []
    own = [path for path in files if is_artifact(path)]
    linkers = linking_artifacts(files, candidate_files(roots))
    return sorted(set(own) | set(linkers))


def changed_artifacts(ref: str, paths: list[Path]) -> list[Path]:
    """Artifacts under PATHS changed since REF, plus those under PATHS that link to a changed file.

    Raises UsageError when REF does not exist or the working directory is not in a git repository;
    returns [] when nothing relevant changed.
    """
    for path in paths:
        if not path.exists():
            raise UsageError(f"path not found: {path}", hint="check the spelling; paths are relative to the "
                                                             "current directory")
    roots = [path.resolve() for path in paths or [Path(".")]]
    changed = [path for path in changed_files(ref, roots[0] if roots[0].is_dir() else roots[0].parent)
               if _within(path, roots)]
    return _relative(affected_artifacts(changed, roots))


def _relative(paths: list[Path]) -> list[Path]:
    """Paths relative to the working directory where possible, so reports show what a person types."""
    cwd = Path.cwd().resolve()
    out = []
    for path in paths:
        try:
            out.append(path.relative_to(cwd))
        except ValueError:
            out.append(path)
    return out
