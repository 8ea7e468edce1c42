"""Evidence cache under ``.complyai/cache/scan/``, keyed by file hash, scanner version and scan settings.

A changed file has a new hash, a new scanner version changes the key: stale evidence is never served.
Writes are atomic (temporary file + rename), so an interrupted scan leaves no half-written entry.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from policy_engine.errors import UsageError
from policy_engine.fileio import write_atomic
from policy_engine.scan.evidence import FileEvidence

DEFAULT_CACHE_DIR = Path(".complyai") / "cache"


def cache_key(sha256: str, scanner_version: str, settings: dict[str, object]) -> str:
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]
    return f"{sha256}-{scanner_version}-{digest}"


def load(cache_dir: Path, key: str) -> FileEvidence | None:
    path = cache_dir / "scan" / f"{key}.json"
    try:
        evidence = FileEvidence.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError):
        return None  # missing or unreadable entries are simply re-scanned
    evidence.cached = True
    return evidence


def store(cache_dir: Path, key: str, evidence: FileEvidence) -> None:
    folder = cache_dir / "scan"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        data = evidence.to_dict()
        data["cached"] = False
        write_atomic(folder / f"{key}.json", json.dumps(data, indent=1))
    except (OSError, UsageError):
        pass  # a read-only checkout still scans; it just cannot cache
