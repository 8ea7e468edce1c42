"""Verify a declaration: signature, statement, predicate type and version. The webhook calls this too.

A declaration file is either a DSSE envelope signed with a local key or a Sigstore bundle (keyless).
`verify_declaration` returns a VerifiedStatement only when every check passed, and raises
VerificationError with the specific reason otherwise.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policy_engine.attest.dsse import parse_envelope_json, verify_envelope
from policy_engine.attest.keyless import TrustedIdentity, is_bundle, verify_bundle
from policy_engine.attest.keys import TrustedKey, load_trusted_key
from policy_engine.attest.statement import Subject, parse_statement, subjects_of
from policy_engine.attest.subjects import check_files
from policy_engine.errors import UsageError, VerificationError


@dataclass
class TrustPolicy:
    """Whom to believe: local public keys and/or Sigstore identities (checked against a trusted root)."""

    keys: list[TrustedKey] = field(default_factory=list)
    identities: list[TrustedIdentity] = field(default_factory=list)
    trusted_root: Path | None = None  # None: sigstore-python's bundled production root, offline
    today: dt.date | None = None  # for key expiry; None: the current date

    @classmethod
    def from_key_files(cls, paths: list[Path]) -> TrustPolicy:
        return cls(keys=[load_trusted_key(p) for p in paths])


@dataclass(frozen=True)
class Declaration:
    """A declaration file as read, before any check: never act on it without verify_declaration."""

    source: str
    raw: bytes
    document: dict[str, Any]
    kind: str  # "dsse" (local key) | "sigstore-bundle" (keyless)

    def unverified_statement(self) -> dict[str, Any]:
        """The statement without checking the signature: for display only (render), never for trust."""
        envelope = self.document.get("dsseEnvelope", self.document)
        try:
            return json.loads(base64.b64decode(envelope["payload"]))
        except (KeyError, TypeError, ValueError):
            raise VerificationError(f"{self.source}: the declaration's payload cannot be read") from None


@dataclass(frozen=True)
class VerifiedStatement:
    statement: dict[str, Any]
    signer: str  # "key SHA256:... (path)" or "identity ... (issuer ...)"
    declaration_kind: str

    @property
    def subjects(self) -> list[Subject]:
        return subjects_of(self.statement)

    @property
    def predicate_type(self) -> str:
        return self.statement["predicateType"]

    @property
    def predicate(self) -> dict[str, Any]:
        return self.statement["predicate"]

    @property
    def image_subjects(self) -> list[Subject]:
        names = {i.get("name") for i in self.predicate.get("images", []) if isinstance(i, dict)}
        return [s for s in self.subjects if s.name in names]

    def images(self) -> list[dict[str, str]]:
        """{ref, name, digest} of each covered image whose digest is a signed subject."""
        subjects = {(s.name, f"sha256:{s.sha256}") for s in self.subjects}
        return [
            i for i in self.predicate.get("images", [])
            if isinstance(i, dict) and (i.get("name"), i.get("digest")) in subjects
        ]

    def image_digests(self) -> list[str]:
        """`sha256:<hex>` of every image the declaration covers (what the webhook compares to a Pod's)."""
        return [f"sha256:{s.sha256}" for s in self.image_subjects]

    @property
    def file_subjects(self) -> list[Subject]:
        images = set(self.image_subjects)
        return [s for s in self.subjects if s not in images]

    def check_files(self, files: list[Path]) -> list[tuple[Path, Subject]]:
        return check_files(files, self.file_subjects)


def load_declaration(path: Path) -> Declaration:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such declaration file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the declaration ({exc})") from None
    return parse_declaration(raw, str(path))


def parse_declaration(raw: bytes, source: str = "declaration") -> Declaration:
    if not raw.strip():
        raise VerificationError(f"{source}: the declaration file is empty")
    document = parse_envelope_json(raw, source)
    if is_bundle(document):
        return Declaration(source, raw, document, "sigstore-bundle")
    if "payloadType" in document or "payload" in document or "signatures" in document:
        return Declaration(source, raw, document, "dsse")
    raise VerificationError(
        f"{source}: not a declaration: neither a DSSE envelope (payloadType, payload, signatures) "
        "nor a Sigstore bundle (mediaType application/vnd.dev.sigstore.bundle...)"
    )


def verify_declaration(envelope_bytes: bytes, trust: TrustPolicy, *, source: str = "declaration") -> VerifiedStatement:
    """Check signature, statement structure, predicate type and version; raise VerificationError otherwise."""
    declaration = parse_declaration(envelope_bytes, source)
    return verify_loaded(declaration, trust)


def verify_loaded(declaration: Declaration, trust: TrustPolicy) -> VerifiedStatement:
    if declaration.kind == "sigstore-bundle":
        if not trust.identities:
            raise VerificationError(
                f"{declaration.source} is a keyless (Sigstore) declaration; verifying it needs an identity",
                hint="pass --cert-identity and --cert-oidc-issuer (a --key cannot verify a Sigstore bundle)",
            )
        payload, identity = verify_bundle(declaration.raw, trust.identities, trust.trusted_root)
        signer = f"identity {identity.identity} (issuer {identity.issuer})"
    else:
        if not trust.keys:
            raise VerificationError(
                f"{declaration.source} is signed with a local key; verifying it needs the public key",
                hint="pass --key PREFIX.pub (cert identities verify only keyless Sigstore bundles)",
            )
        payload, key = verify_envelope(declaration.document, trust.keys, today=trust.today)
        signer = f"key {key.keyid} ({key.source})" if key.source else f"key {key.keyid}"
    statement = parse_statement(payload)
    return VerifiedStatement(statement=statement, signer=signer, declaration_kind=declaration.kind)
