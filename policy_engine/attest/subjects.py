"""Subjects of a declaration: file digests, their names, image references, and matching files back.

A file subject is named by its path relative to the repository root (the nearest folder above the
files that holds `.git`), or relative to the files' common folder outside a repository. A verifier may
run anywhere, so it matches a given file to the subject whose name is the longest suffix of the file's
absolute path, then compares digests.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from policy_engine.attest.statement import Subject
from policy_engine.errors import UsageError, VerificationError
from policy_engine.fileio import sha256_file

_IMAGE_REF = re.compile(r"^(?P<name>[^@\s]+)@sha256:(?P<digest>[0-9a-f]{64})$")


@dataclass(frozen=True)
class ImageRef:
    """An OCI image pinned by digest: `registry/repo[:tag]@sha256:<hex>`."""

    ref: str
    name: str  # the repository without tag, used as the subject name (as cosign does)
    sha256: str

    @property
    def digest(self) -> str:
        return f"sha256:{self.sha256}"


def parse_image_ref(ref: str) -> ImageRef:
    match = _IMAGE_REF.match(ref.strip())
    if not match:
        raise UsageError(
            f"--image {ref!r} is not pinned by digest",
            hint="give the image as REPOSITORY@sha256:<64 hex digits>, e.g. "
            "`crane digest ghcr.io/org/model:1.0` prints the digest",
        )
    name = match["name"]
    # Drop a tag (a ':' after the last '/'), keeping a registry port such as localhost:5000/repo.
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name = name[: name.rfind(":")]
    return ImageRef(ref=ref.strip(), name=name, sha256=match["digest"])


def repo_root(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def subject_base(files: list[Path]) -> Path:
    """The folder subject names are relative to: the git work tree holding all files, else their common folder."""
    resolved = [f.resolve() for f in files]
    common = Path(os.path.commonpath([str(f.parent) for f in resolved]))
    root = repo_root(common)
    return root if root is not None else common


def file_subjects(files: list[Path]) -> list[Subject]:
    base = subject_base(files)
    return [Subject(name=f.resolve().relative_to(base).as_posix(), sha256=sha256_file(f)) for f in files]


def match_subject(path: Path, subjects: list[Subject]) -> Subject | None:
    """The subject whose name is the longest trailing part of the file's absolute path."""
    parts = path.resolve().parts
    best: Subject | None = None
    best_len = 0
    for subject in subjects:
        name_parts = Path(subject.name).parts
        if name_parts and tuple(parts[-len(name_parts) :]) == name_parts and len(name_parts) > best_len:
            best, best_len = subject, len(name_parts)
    return best


def check_files(files: list[Path], subjects: list[Subject]) -> list[tuple[Path, Subject]]:
    """Every given file must be a subject with the same digest; raise naming the first that is not."""
    matched: list[tuple[Path, Subject]] = []
    for path in files:
        if not path.is_file():
            raise UsageError(f"{path}: no such file", hint="give the files the declaration covers")
        subject = match_subject(path, subjects)
        if subject is None:
            names = ", ".join(s.name for s in subjects)
            raise VerificationError(
                f"{path} is not covered by this declaration (its subjects are: {names})",
                hint="check that you are verifying the declaration issued for this file",
            )
        actual = sha256_file(path)
        if actual != subject.sha256:
            raise VerificationError(
                f"{path} was changed after the declaration was signed: its sha256 is {actual}, "
                f"the declaration covers {subject.name} with sha256 {subject.sha256}",
                hint="re-run the audit and issue a new declaration for the changed file",
            )
        matched.append((path, subject))
    return matched


def locate_subjects(subjects: list[Subject], given: list[Path]) -> tuple[list[Path], list[str]]:
    """Find a file for every subject: a given file, else the subject's name under a folder that a given
    file's match reveals as the naming base (or the current directory). Returns (files, names not found)."""
    bases: list[Path] = []
    found: dict[str, Path] = {}
    for path in given:
        subject = match_subject(path, subjects)
        if subject is not None:
            found[subject.name] = path
            resolved = path.resolve()
            bases.append(resolved.parents[len(Path(subject.name).parts) - 1])
    bases.append(Path.cwd())
    missing: list[str] = []
    for subject in subjects:
        if subject.name in found:
            continue
        candidate = next((b / subject.name for b in bases if (b / subject.name).is_file()), None)
        if candidate is None:
            missing.append(subject.name)
        else:
            found[subject.name] = candidate
    return [found[s.name] for s in subjects if s.name in found], missing
