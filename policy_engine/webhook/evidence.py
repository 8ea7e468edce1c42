"""The evidence directory: declarations (verified once, cached by digest) and the files they cover.

The operator mounts a folder synced from CI holding the signed declarations and the model cards, data
manifests and SBOMs they cover, laid out as in the repository (subject names are repository-relative).
``EvidenceStore.refresh`` walks it, verifies each new declaration once (keyed by the sha256 of its
bytes), checks the digests of the covered files it finds, and swaps in a new index: image digest ->
declarations. Admission only reads the index, so a request never waits on signature checks or disk.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from policy_engine.errors import ComplyError
from policy_engine.fileio import sha256_file

DECLARATION_SUFFIXES = (".json", ".jsonl", ".dsse", ".sigstore", ".bundle")
MAX_FILE_BYTES = 10_000_000  # a declaration or artifact bigger than this is skipped, with a reason
MAX_FILES = 20_000  # files walked per refresh: a mounted folder, not a data lake


def evidence_path(evidence_dir: Path, ref: str) -> Path | None:
    """A reference from an annotation, resolved inside the evidence directory; None if it escapes it."""
    relative = PurePosixPath(ref)
    if relative.is_absolute() or ".." in relative.parts:
        return None
    return (evidence_dir / relative).resolve()


@dataclass(frozen=True)
class Record:
    """One declaration file and what came of checking it."""

    path: Path
    digest: str  # sha256 of the declaration bytes: the cache key and what audit results are keyed by
    trusted: bool  # signature, statement and covered files all check out
    problem: str  # why it is not trusted ("" when trusted)
    images: tuple[str, ...]  # "sha256:<hex>" image digests it covers (only signed ones when trusted)
    cards: tuple[Path, ...] = ()  # covered model cards found in the evidence directory
    files: tuple[Path, ...] = ()  # every covered file found (cards, manifests, SBOMs)
    system: str = ""  # "name version" from Annex V, for messages
    signer: str = ""
    verdict: str = ""  # the release verdict's decision inside the predicate


@dataclass
class _Verified:
    """The part of a record that depends only on the declaration bytes (cached across refreshes)."""

    ok: bool
    problem: str
    verified: Any = None  # the attest library's VerifiedStatement when ok
    images: tuple[str, ...] = ()


def _unverified_images(raw: bytes) -> tuple[str, ...]:
    """Image digests a declaration names, read without trusting it: only to explain a refusal."""
    try:
        document = json.loads(raw)
        envelope = document.get("dsseEnvelope", document)
        statement = json.loads(base64.b64decode(envelope["payload"]))
        return tuple(i["digest"] for i in statement["predicate"]["images"] if isinstance(i.get("digest"), str))
    except Exception:  # noqa: BLE001 - best effort for a message; the declaration is refused anyway
        return ()


class EvidenceStore:
    """Verified declarations from one folder, indexed by the image digests they cover."""

    def __init__(self, folder: Path | None, trust: Any) -> None:
        self.folder = folder.resolve() if folder else None
        self.trust = trust
        self.generation = 0  # bumps whenever the index changes: cached audit results are keyed by it
        self.loaded = False
        self._verified: dict[str, _Verified] = {}  # declaration sha256 -> outcome, verified once
        self._file_hashes: dict[Path, tuple[int, int, str]] = {}  # path -> (mtime_ns, size, sha256)
        self._by_image: dict[str, list[Record]] = {}
        self._records: list[Record] = []
        self._signature = ""
        self._lock = threading.Lock()

    @property
    def records(self) -> list[Record]:
        return self._records

    def lookup(self, digest: str) -> list[Record]:
        """Declarations naming this image digest: trusted ones first, then refused ones (for the reason)."""
        return self._by_image.get(digest, [])

    def _hash(self, path: Path) -> str | None:
        try:
            stat = path.stat()
        except OSError:
            return None
        cached = self._file_hashes.get(path)
        if cached and cached[:2] == (stat.st_mtime_ns, stat.st_size):
            return cached[2]
        if stat.st_size > MAX_FILE_BYTES:
            return None
        try:
            digest = sha256_file(path)
        except OSError:
            return None
        self._file_hashes[path] = (stat.st_mtime_ns, stat.st_size, digest)
        return digest

    def _walk(self) -> list[Path]:
        if self.folder is None or not self.folder.is_dir():
            return []
        found: list[Path] = []
        for root, dirs, files in os.walk(self.folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # skips ..data symlink farms' twins
            for name in sorted(files):
                if not name.startswith("."):
                    found.append(Path(root) / name)
                if len(found) >= MAX_FILES:
                    return found
        return found

    def _verify(self, path: Path, raw: bytes, digest: str) -> _Verified | None:
        """None when the file is not a declaration at all (an SBOM in JSON, say)."""
        from policy_engine.attest.verify import parse_declaration, verify_loaded

        if digest in self._verified:
            return self._verified[digest]
        try:
            declaration = parse_declaration(raw, str(path))
        except ComplyError:
            return None
        try:
            verified = verify_loaded(declaration, self.trust)
            outcome = _Verified(True, "", verified, tuple(verified.image_digests()))
        except ComplyError as error:
            outcome = _Verified(False, error.message, images=_unverified_images(raw))
        except Exception as error:  # noqa: BLE001 - a hostile file must not stop the webhook from loading
            outcome = _Verified(False, f"cannot be verified ({type(error).__name__}: {error})",
                                images=_unverified_images(raw))
        self._verified[digest] = outcome
        return outcome

    def refresh(self) -> bool:
        """Re-read the folder; True when the index changed. Safe to call from a background thread."""
        from policy_engine.attest.subjects import match_subject

        with self._lock:
            files = self._walk()
            declarations: list[tuple[Path, str, _Verified]] = []
            artifacts: list[Path] = []
            for path in files:
                if path.suffix.lower() not in DECLARATION_SUFFIXES:
                    artifacts.append(path)
                    continue
                digest = self._hash(path)
                if digest is None:
                    continue
                outcome = self._verified.get(digest)
                if outcome is None:
                    try:
                        raw = path.read_bytes()
                    except OSError:
                        continue
                    outcome = self._verify(path, raw, digest)
                if outcome is None:
                    artifacts.append(path)
                else:
                    declarations.append((path, digest, outcome))
            records = [self._record(path, digest, outcome, artifacts, match_subject)
                       for path, digest, outcome in declarations]
            by_image: dict[str, list[Record]] = {}
            for record in sorted(records, key=lambda r: (not r.trusted, str(r.path))):
                for image in record.images:
                    by_image.setdefault(image, []).append(record)
            signature = hashlib.sha256(json.dumps(
                [[str(r.path), r.digest, r.trusted, r.problem, [str(f) for f in r.files]] for r in records]
                + [[str(p), (self._file_hashes.get(p) or (0, 0, ""))[2]] for p in artifacts]).encode()).hexdigest()
            changed = signature != self._signature
            self._by_image, self._records, self._signature = by_image, records, signature
            if changed:
                self.generation += 1
            self.loaded = True
            return changed

    def _record(self, path: Path, digest: str, outcome: _Verified, artifacts: list[Path], match) -> Record:
        if not outcome.ok:
            return Record(path, digest, False, outcome.problem, outcome.images)
        verified = outcome.verified
        predicate = verified.predicate
        file_subjects = verified.file_subjects
        kinds = {c.get("name"): c.get("kind") for c in predicate.get("coveredFiles", []) if isinstance(c, dict)}
        system = (predicate.get("annexV") or {}).get("1_system") or {}
        label = " ".join(str(system.get(k)) for k in ("name", "version") if system.get(k))
        verdict = str((predicate.get("verdict") or {}).get("decision", ""))
        located: dict[str, Path] = {}
        for subject in file_subjects:
            direct = self.folder / subject.name if self.folder else None
            if direct is not None and direct.is_file():
                located[subject.name] = direct.resolve()
        for candidate in artifacts:
            subject = match(candidate, file_subjects)
            if subject is not None and subject.name not in located:
                located[subject.name] = candidate.resolve()
        problems = []
        cards: list[Path] = []
        checked: list[Path] = []
        for subject in file_subjects:
            where = located.get(subject.name)
            if where is None:
                if kinds.get(subject.name) == "model_card":
                    problems.append(f"the model card {subject.name} it covers is not in the evidence directory")
                continue
            if self._hash(where) != subject.sha256:
                problems.append(f"{subject.name} was changed after the declaration was signed (sha256 differs)")
                continue
            checked.append(where)
            if kinds.get(subject.name) == "model_card":
                cards.append(where)
        if verdict == "fail":
            problems.append("its embedded release verdict is 'fail'")
        return Record(path, digest, not problems, "; ".join(problems), outcome.images, tuple(cards),
                      tuple(checked), label, verified.signer, verdict)
