"""Load artifacts: read safely, recognise the format, parse with locations, validate.

``LOADERS`` is the one table of formats (no registration by import). ``load_artifacts`` never raises:
an unreadable, oversized, binary or malformed file comes back as an artifact of kind "unknown" whose
``problems`` say what is wrong, where, and how to fix it.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import traceback
from pathlib import Path

from policy_engine.artifacts import complyai, cyclonedx, huggingface, kubernetes, spdx
from policy_engine.artifacts.base import Artifact, Loader
from policy_engine.artifacts.common import problem, unreadable

__all__ = ["LOADERS", "SNIFF_BYTES", "load_artifact", "load_artifacts", "read_head", "sniff"]

LOADERS: tuple[Loader, ...] = (
    complyai.LOADER,
    cyclonedx.JSON_LOADER,
    cyclonedx.XML_LOADER,
    spdx.LOADER,
    huggingface.LOADER,
    kubernetes.LOADER,
)
SNIFF_BYTES = 8192
TAIL_BYTES = 4096  # some tools sort keys, so a marker (SPDX's spdxVersion) can sit at the end of the file
DEFAULT_MAX_BYTES = 20_000_000
_OTHER_SPDX = re.compile(r"""^\s*(SPDXVersion|spdxVersion)\s*:\s*["']?SPDX-|<spdxVersion>|spdx:specVersion""", re.M)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def sniff(path: Path, head: str) -> str | None:
    """The format whose loader recognises this file by name and first few KB, or None."""
    for loader in LOADERS:
        try:
            if loader.sniff(path, head):
                return loader.format
        except Exception:  # a sniffer must never stop discovery
            continue
    return None


def _sniff_content(head: str) -> str | None:
    """For files named explicitly: recognise by content alone (a CycloneDX BOM saved as .txt, ...)."""
    for loader in LOADERS:
        matches = getattr(loader, "matches", None)
        if matches is not None and matches(head):
            return loader.format
    return None


def _decoding(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return "utf-8"


def read_head(path: Path, size: int = SNIFF_BYTES) -> str:
    """The first ``size`` bytes (and, for a longer file, the last 4 KB) as text, for sniffing.

    Undecodable bytes are replaced; '' for an unreadable or binary file.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read(size)
            tail = b""
            if len(data) == size:
                end = handle.seek(0, 2)
                handle.seek(max(size, end - TAIL_BYTES))
                tail = handle.read(TAIL_BYTES)
    except OSError:
        return ""
    encoding = _decoding(data)
    if b"\x00" in data and encoding == "utf-8":
        return ""  # binary
    head = data.decode(encoding, errors="replace")
    if tail and encoding == "utf-8":
        head += "\n" + tail.decode(encoding, errors="replace")
    return head


def decode(data: bytes) -> tuple[str | None, str]:
    """(text, "") or (None, why): UTF-8 (or UTF-16/32 with a byte-order mark), never binary."""
    encoding = _decoding(data)
    if encoding == "utf-8" and b"\x00" in data[:SNIFF_BYTES]:
        offset = data.index(b"\x00")
        return None, f"binary content, not text (a NUL byte at offset {offset}); complyai reads UTF-8 text files"
    try:
        return data.decode(encoding), ""
    except UnicodeDecodeError as exc:
        start = exc.start
        line = data.count(b"\n", 0, start) + 1
        column = start - (data.rfind(b"\n", 0, start) + 1) + 1
        byte = data[start : start + 1].hex()
        return None, (
            f"not valid {encoding.upper()}: byte 0x{byte} at offset {start} (line {line}, column {column}); "
            "save the file as UTF-8"
        )


def load_artifacts(path: Path, display: str, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Artifact]:
    """Every artifact one file holds: usually one; a CycloneDX ML-BOM adds a model card per model.

    Derived views (model cards inside an SBOM) come first and the file's own artifact last, so a
    mapping by path keeps the file's own artifact.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return [unreadable(path, display, "", [problem(
                f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:g} MB limit "
                "(set `max_artifact_mb` in .complyai.yaml)",
                remediation="Raise `max_artifact_mb` in .complyai.yaml, or exclude this file.")])]
        data = path.read_bytes()
    except OSError as exc:
        return [unreadable(path, display, "", [problem(f"cannot read the file: {exc.strerror or exc}")])]
    digest = hashlib.sha256(data).hexdigest()
    text, why = decode(data)
    if text is None:
        return [_with_digest(unreadable(path, display, "", [problem(why)]), digest)]
    if not text.strip():
        return [_with_digest(unreadable(path, display, "", [problem(
            "the file is empty", remediation="Fill it in from a template (complyai init) or remove it.")]), digest)]
    head = text[:SNIFF_BYTES] + ("\n" + text[-TAIL_BYTES:] if len(text) > SNIFF_BYTES else "")
    fmt = sniff(path, head) or _sniff_content(head)
    if fmt is None and _OTHER_SPDX.search(head):
        return [_with_digest(unreadable(path, display, "", [problem(
            "an SPDX document in tag-value, YAML, XML or RDF form: complyai reads SPDX 2.x JSON",
            remediation="Convert it to JSON (e.g. `pyspdxtools -i doc.spdx -o doc.spdx.json`) or export JSON.")]),
            digest)]
    if fmt is None:
        return [_with_digest(unreadable(path, display, "", [problem(
            "not a recognised artifact: expected a complyai file (apiVersion: complyai/v1), a CycloneDX BOM "
            "(JSON or XML), an SPDX 2.x JSON document or a Hugging Face README.md with YAML front matter",
            remediation="Check the path, or add the apiVersion/kind envelope (complyai init).")]), digest)]
    loader = next(candidate for candidate in LOADERS if candidate.format == fmt)
    try:
        artifacts = loader.load_all(path, text, display)  # type: ignore[attr-defined]
    except Exception as exc:  # a loader bug must not hide the other files' findings
        last = traceback.extract_tb(exc.__traceback__)[-1]
        artifacts = [unreadable(path, display, fmt, [problem(
            f"internal error while loading ({type(exc).__name__}: {exc} at {Path(last.filename).name}:"
            f"{last.lineno}); please report it", remediation="Run with --debug and report the issue.")])]
    return [_with_digest(artifact, digest) for artifact in artifacts]


def load_artifact(path: Path, display: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Artifact:
    """The file's own artifact (for a CycloneDX ML-BOM: the SBOM, without the model-card views)."""
    return load_artifacts(path, display, max_bytes)[-1]


def _with_digest(artifact: Artifact, digest: str) -> Artifact:
    artifact.sha256 = digest
    return artifact
