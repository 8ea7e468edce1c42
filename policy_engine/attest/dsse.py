"""DSSE envelopes signed with a local key: the format `cosign verify-blob-attestation --key` reads.

{"payloadType": "application/vnd.in-toto+json", "payload": <base64>, "signatures": [{"keyid", "sig"}]}
where sig is a DER ECDSA P-256/SHA-256 signature over PAE(payloadType, payload).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from policy_engine.attest.keys import SigningKey, TrustedKey
from policy_engine.attest.statement import PAYLOAD_TYPE
from policy_engine.errors import VerificationError


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding; lengths are byte lengths."""
    encoded_type = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(encoded_type), encoded_type, len(payload), payload)


def sign_envelope(payload: bytes, key: SigningKey) -> dict[str, Any]:
    signature = key.private_key.sign(pae(PAYLOAD_TYPE, payload), ec.ECDSA(hashes.SHA256()))
    return {
        "payloadType": PAYLOAD_TYPE,
        "payload": base64.b64encode(payload).decode("ascii"),
        "signatures": [{"keyid": key.keyid, "sig": base64.b64encode(signature).decode("ascii")}],
    }


def _b64(value: object, what: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise VerificationError(f"the envelope's {what} is missing or not a string")
    try:
        # DSSE allows both the standard and the URL-safe alphabet.
        return base64.b64decode(value.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise VerificationError(
            f"the envelope's {what} is not valid base64: the declaration was damaged or edited"
        ) from None


def verify_envelope(
    envelope: dict[str, Any], keys: list[TrustedKey], *, today: dt.date | None = None
) -> tuple[bytes, TrustedKey]:
    """Return the verified payload and the key that signed it; raise with the precise reason otherwise."""
    if not keys:
        raise VerificationError("no trusted public key was given to verify a key-signed declaration")
    payload_type = envelope.get("payloadType")
    if payload_type != PAYLOAD_TYPE:
        raise VerificationError(
            f"the envelope's payloadType is {payload_type!r}, expected {PAYLOAD_TYPE!r} (an in-toto statement)"
        )
    payload = _b64(envelope.get("payload"), "payload")
    signatures = envelope.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        raise VerificationError(
            "the envelope has no signatures: the declaration was never signed or the signature was removed",
            hint="issue declarations with complyai declare --key or --keyless",
        )
    if len(signatures) > 1:
        # One declaration, one signer: an extra signature could come from anyone and means nothing
        # to a verifier that trusts one key, so it is refused rather than silently ignored.
        raise VerificationError(
            f"the envelope has {len(signatures)} signatures; a complyai declaration carries exactly one",
            hint="someone added signatures to the envelope; use the file complyai declare wrote",
        )
    entry = signatures[0]
    if not isinstance(entry, dict):
        raise VerificationError("the envelope's signature entry is not an object")
    signature = _b64(entry.get("sig"), "signature")
    try:
        decode_dss_signature(signature)
    except ValueError:
        raise VerificationError(
            "the envelope's signature is malformed (not a DER-encoded ECDSA signature): it was damaged or edited"
        ) from None
    keyid = entry.get("keyid") or ""
    candidates = [k for k in keys if k.keyid == keyid] if keyid else list(keys)
    if not candidates:
        trusted = ", ".join(f"{k.keyid} ({k.source})" for k in keys)
        raise VerificationError(
            f"the declaration was signed by key {keyid}, which is not a trusted key (trusted: {trusted})",
            hint="verify with the public key of the signer, if you trust it",
        )
    message = pae(payload_type, payload)
    for key in candidates:
        try:
            key.public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            continue
        key.check_not_expired(today or dt.date.today())
        return payload, key
    if keyid:
        reason = "the payload or the signature was changed after signing"
    else:
        reason = "it was signed by another key, or the payload or signature was changed after signing"
    raise VerificationError(
        f"the signature does not verify with {', '.join(k.source or k.keyid for k in candidates)}: {reason}",
        hint="do not trust this declaration; obtain the original from its issuer",
    )


def parse_envelope_json(data: bytes, source: str) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise VerificationError(f"{source}: not a declaration (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        what = "truncated" if exc.pos >= len(data.rstrip()) else "not valid JSON"
        raise VerificationError(
            f"{source}: the declaration is {what} (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            hint="obtain the complete declaration file again from its issuer",
        ) from None
    if not isinstance(value, dict):
        raise VerificationError(f"{source}: not a declaration (a JSON object was expected)")
    return value
