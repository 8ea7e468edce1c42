"""Issue a declaration: audit at `release`, build the statement, sign it, write it atomically.

Only a passing (or warning) release verdict from the one pipeline justifies a declaration; the verdict
travels inside the signed predicate so that a reader sees exactly what was checked.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from policy_engine import __version__
from policy_engine.attest.annex_v import annex_v, read_model_card
from policy_engine.attest.refusals import DeclarationRefused
from policy_engine.attest.statement import Subject, build_statement, serialise
from policy_engine.attest.subjects import ImageRef, file_subjects, sha256_file
from policy_engine.errors import UsageError
from policy_engine.fileio import write_atomic
from policy_engine.findings import SEVERITY_RANK, Finding, Verdict

Audit = Callable[[list[Path]], Verdict]


class Signer(Protocol):
    """Turns the statement bytes into the declaration file's bytes."""

    def sign(self, payload: bytes) -> bytes: ...


@dataclass(frozen=True)
class LocalKeySigner:
    """DSSE envelope signed with an ECDSA P-256 key from `complyai keygen` (air-gapped sites)."""

    key_path: Path

    def sign(self, payload: bytes) -> bytes:
        from policy_engine.attest.dsse import sign_envelope
        from policy_engine.attest.keys import load_signing_key

        envelope = sign_envelope(payload, load_signing_key(self.key_path))
        return (json.dumps(envelope, indent=2) + "\n").encode()


@dataclass(frozen=True)
class KeylessSigner:
    """Sigstore bundle: Fulcio certificate for the CI's OIDC identity, Rekor transparency log entry."""

    identity_token: str | None = None
    staging: bool = False

    def sign(self, payload: bytes) -> bytes:
        from policy_engine.attest.keyless import sign_bundle

        return (sign_bundle(payload, identity_token=self.identity_token, staging=self.staging) + "\n").encode()


@dataclass
class DeclareRequest:
    model_card: Path
    out: Path
    signer: Signer
    sboms: list[Path]
    manifests: list[Path]
    images: list[ImageRef]
    rulesets: list[str]
    config_path: Path | None = None


@dataclass(frozen=True)
class DeclareResult:
    out: Path
    subjects: list[Subject]
    verdict: Verdict
    statement: dict[str, Any]


def pipeline_audit(rulesets: list[str], config_path: Path | None) -> Audit:
    def audit(paths: list[Path]) -> Verdict:
        from policy_engine.pipeline import AuditOptions, run_audit

        return run_audit(
            AuditOptions(
                paths=paths, stage="release", explicit_only=True, rulesets=list(rulesets), config_path=config_path
            )
        )

    return audit


def blocking_findings(verdict: Verdict) -> list[Finding]:
    if verdict.fail_on == "never":
        return []
    threshold = SEVERITY_RANK[verdict.fail_on]
    return [
        f
        for f in verdict.findings
        if not f.waived and f.severity != "info" and SEVERITY_RANK[f.severity] >= threshold
    ]


def describe_failures(verdict: Verdict) -> str:
    lines = [
        f"  {f.rule} ({f.severity}) {f.artifact}:{f.location.line}: {f.title or f.message}"
        for f in blocking_findings(verdict)
    ]
    return "\n".join(lines) or "  (the gate failed without a blocking finding)"


def declare(request: DeclareRequest, audit: Audit | None = None, *, now: dt.datetime | None = None) -> DeclareResult:
    card = read_model_card(request.model_card)
    for path in [*request.sboms, *request.manifests]:
        if not path.is_file():
            raise UsageError(f"{path}: no such file", hint="check the --sbom/--manifest paths")
    audit = audit or pipeline_audit(request.rulesets, request.config_path)
    verdict = audit([request.model_card, *request.sboms, *request.manifests])
    if verdict.stage != "release":
        raise DeclarationRefused(f"the audit ran at stage {verdict.stage!r}; a declaration needs 'release'")
    if verdict.decision == "fail":
        raise DeclarationRefused(
            f"{request.model_card}: the release gate failed (threshold {verdict.fail_on}); "
            f"no declaration was issued. Failing controls:\n{describe_failures(verdict)}",
            hint="fix or waive these findings (complyai audit --stage release shows them), then declare again",
        )

    covered = _covered_files(request, card.linked_files(), verdict)
    files = file_subjects([path for _, path in covered])
    subjects = files + [Subject(name=image.name, sha256=image.sha256) for image in request.images]
    now = now or dt.datetime.now(dt.timezone.utc)
    predicate = {
        "annexV": annex_v(
            card,
            issued=now.date(),
            images=[image.ref for image in request.images],
            card_sha256=sha256_file(request.model_card),
        ),
        "coveredFiles": [
            {"name": subject.name, "kind": kind} for (kind, _), subject in zip(covered, files, strict=True)
        ],
        "images": [{"ref": i.ref, "name": i.name, "digest": i.digest} for i in request.images],
        "verdict": verdict.to_dict(),
        "tool": {"name": "complyai", "version": __version__},
        "issuedAt": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
    }
    statement = build_statement(subjects, predicate)
    signed = request.signer.sign(serialise(statement))
    write_atomically(request.out, signed)
    return DeclareResult(request.out, subjects, verdict, statement)


def _covered_files(
    request: DeclareRequest, linked: list[tuple[str, Path]], verdict: Verdict
) -> list[tuple[str, Path]]:
    """The card, the files given, the files it links to, and any other file the audit read; once each."""
    seen: set[Path] = set()
    covered: list[tuple[str, Path]] = []

    def add(kind: str, path: Path) -> None:
        resolved = path.resolve()
        if resolved not in seen and resolved.is_file():
            seen.add(resolved)
            covered.append((kind, resolved))

    add("model_card", request.model_card)
    for path in request.sboms:
        add("sbom", path)
    for path in request.manifests:
        add("data_manifest", path)
    for kind, path in linked:
        add(kind, path)
    for display in verdict.artifacts:
        add("artifact", Path(display))
    return covered


def write_atomically(out: Path, data: bytes) -> None:
    """Write beside OUT, then rename: readers see the old file or the whole new one."""
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"{out}: the folder {folder} does not exist", hint="create it or choose another --out")
    write_atomic(out, data)
