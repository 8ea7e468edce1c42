"""Find the artifacts under the paths a user gives, without parsing anything.

A file named explicitly is always returned (loading then says what is wrong with it). Directories are
walked: inside a git work tree the file list comes from ``git ls-files`` (so .gitignore is honoured
exactly as git does), elsewhere from a plain walk; tool folders (.git, .venv, node_modules, ...) and
the configured exclude globs are skipped, and a walked file is kept only when a loader recognises its
first few KB. Unrelated YAML (Helm charts, workflows, Kubernetes manifests) is skipped silently.
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
from pathlib import Path, PurePosixPath

from policy_engine.artifacts import read_head, sniff
from policy_engine.errors import UsageError

SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", "node_modules", ".complyai", "__pycache__", ".tox", ".nox",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".idea", ".eggs",
})
# Only these can be artifacts; everything else is skipped without opening it.
SUFFIXES = frozenset({".yaml", ".yml", ".json", ".xml", ".md"})


def discover(
    paths: list[Path],
    excludes: list[str] | None = None,
    includes: list[str] | None = None,
    root: Path | None = None,
) -> list[Path]:
    """The artifact files under ``paths``, sorted and without duplicates.

    ``excludes``/``includes`` are globs (``samples/**``, ``*.cdx.json``) matched against the path
    relative to ``root`` (default: the working directory); a pattern also matches every file below a
    matching folder. Raises UsageError for a path that does not exist.
    """
    base = (root or Path.cwd()).resolve()
    excludes = list(excludes or [])
    found: dict[Path, Path] = {}
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise UsageError(f"path not found: {path}", hint="check the spelling; paths are relative to the current directory")
        if path.is_file():
            found.setdefault(path.resolve(), path)
            continue
        for candidate in _walk(path):
            relative = _relative(candidate, base)
            if _matches(relative, excludes) or (includes and not _matches(relative, includes)):
                continue
            if sniff(candidate, read_head(candidate)) is not None:
                found.setdefault(candidate.resolve(), candidate)
    return sorted(found.values(), key=lambda p: p.as_posix())


def _walk(directory: Path) -> list[Path]:
    listed = _git_files(directory)
    files = listed if listed is not None else _plain_walk(directory)
    depth = len(directory.parts)
    return [f for f in files if f.suffix.lower() in SUFFIXES and not SKIP_DIRS.intersection(f.parts[depth:])]


def _git_files(directory: Path) -> list[Path] | None:
    """Tracked and untracked-but-not-ignored files below ``directory``; None outside a git work tree."""
    try:
        result = subprocess.run(
            ["git", "-C", str(directory), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True, timeout=30, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    names = [name for name in result.stdout.decode("utf-8", "surrogateescape").split("\0") if name]
    if not names and _ignored(directory):
        return None  # a folder git ignores, named explicitly: the user wants it audited anyway
    files = [directory / name for name in dict.fromkeys(names)]
    return [f for f in files if f.is_file()]  # --cached lists deleted-but-tracked files too


def _ignored(directory: Path) -> bool:
    try:
        check = subprocess.run(["git", "-C", str(directory), "check-ignore", "-q", "."], capture_output=True,
                               timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return check.returncode == 0


def _plain_walk(directory: Path) -> list[Path]:
    files: list[Path] = []
    stack = [directory]
    while stack:
        current = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in SKIP_DIRS:
                        stack.append(Path(entry.path))
                elif entry.is_file():
                    files.append(Path(entry.path))
            except OSError:
                continue
    return files


def _relative(path: Path, base: Path) -> str:
    absolute = path.resolve()
    try:
        return absolute.relative_to(base).as_posix()
    except ValueError:
        return absolute.as_posix()


def _matches(relative: str, patterns: list[str]) -> bool:
    """A glob matches the path itself or any folder above it (`build` excludes build/x.yaml)."""
    if not patterns:
        return False
    candidates = [relative]
    parent = PurePosixPath(relative).parent
    while str(parent) not in (".", "/", ""):
        candidates.append(str(parent))
        parent = parent.parent
    for pattern in patterns:
        pattern = pattern.strip().removeprefix("./").rstrip("/")
        if not pattern:
            continue
        for candidate in candidates:
            if fnmatch.fnmatchcase(candidate, pattern) or fnmatch.fnmatchcase(candidate, pattern.removesuffix("/**")):
                return True
        if "/" not in pattern and fnmatch.fnmatchcase(PurePosixPath(relative).name, pattern):
            return True
    return False
