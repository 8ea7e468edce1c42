"""The in-toto Statement v1 a declaration signs: build it, serialise it, and check one read back.

The payload bytes are produced once (sorted keys, no whitespace) and signed as they are; a verifier
parses the exact bytes that were signed and never re-serialises them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from policy_engine.errors import VerificationError

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
# The predicate type names the document and its major version; a verifier accepts only versions it knows.
PREDICATE_TYPE_BASE = "https://complyai.dev/attestation/eu-declaration-of-conformity"
PREDICATE_VERSION = "v1"
PREDICATE_TYPE = f"{PREDICATE_TYPE_BASE}/{PREDICATE_VERSION}"
SUPPORTED_PREDICATE_VERSIONS = ("v1",)

_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Subject:
    """One thing the statement vouches for: a file (repo-relative path) or an image (repository name)."""

    name: str
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "digest": {"sha256": self.sha256}}


def build_statement(subjects: list[Subject], predicate: dict[str, Any]) -> dict[str, Any]:
    if not subjects:
        raise ValueError("a statement needs at least one subject")
    return {
        "_type": STATEMENT_TYPE,
        "subject": [s.to_dict() for s in subjects],
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate,
    }


def serialise(statement: dict[str, Any]) -> bytes:
    """Deterministic bytes: the same statement always signs the same payload."""
    return json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def parse_statement(payload: bytes) -> dict[str, Any]:
    """Check the structure of a signed payload (signature already verified); raise with a precise reason."""
    try:
        statement = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise VerificationError(
            f"the signed payload is not JSON ({exc})",
            hint="the declaration was not produced by complyai declare, or it was damaged",
        ) from None
    if not isinstance(statement, dict):
        raise VerificationError("the signed payload is not a JSON object, so not an in-toto Statement")
    if statement.get("_type") != STATEMENT_TYPE:
        raise VerificationError(
            f"the signed payload is not an in-toto Statement v1 (_type is {statement.get('_type')!r}, "
            f"expected {STATEMENT_TYPE!r})"
        )
    check_predicate_type(statement.get("predicateType"))
    subjects = statement.get("subject")
    if not isinstance(subjects, list) or not subjects:
        raise VerificationError(
            "the statement has an empty subject list: it vouches for no file and no image",
            hint="a declaration must name the digests of the model card and the files it covers",
        )
    for index, subject in enumerate(subjects):
        digest = subject.get("digest") if isinstance(subject, dict) else None
        sha = digest.get("sha256") if isinstance(digest, dict) else None
        if not isinstance(sha, str) or not _SHA256_HEX.match(sha):
            raise VerificationError(f"subject {index} of the statement has no valid sha256 digest")
        if not isinstance(subject.get("name"), str) or not subject["name"]:
            raise VerificationError(f"subject {index} of the statement has no name")
    if not isinstance(statement.get("predicate"), dict):
        raise VerificationError("the statement has no predicate object")
    return statement


def check_predicate_type(predicate_type: object) -> None:
    """Accept only this project's declaration predicate, in a version this release understands."""
    if not isinstance(predicate_type, str) or not predicate_type.startswith(PREDICATE_TYPE_BASE + "/"):
        raise VerificationError(
            f"wrong predicate type {predicate_type!r}: this is not a complyai declaration of conformity "
            f"(expected {PREDICATE_TYPE})",
            hint="verify other attestation types with the tool that produced them",
        )
    version = predicate_type[len(PREDICATE_TYPE_BASE) + 1 :]
    if version not in SUPPORTED_PREDICATE_VERSIONS:
        raise VerificationError(
            f"unsupported declaration version {version!r} in predicate type {predicate_type} "
            f"(this complyai understands {', '.join(SUPPORTED_PREDICATE_VERSIONS)})",
            hint="upgrade complyai to verify declarations of a newer version",
        )


def subjects_of(statement: dict[str, Any]) -> list[Subject]:
    return [Subject(name=s["name"], sha256=s["digest"]["sha256"]) for s in statement["subject"]]
