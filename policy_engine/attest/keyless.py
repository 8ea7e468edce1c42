"""Sigstore keyless signing and bundle verification (sigstore-python, imported lazily: ~0.5 s).

Signing needs an OIDC identity token (ambient in CI: GitHub Actions with `id-token: write`, GitLab
`id_tokens`, Buildkite, GCP) and the network (Fulcio, Rekor). Verification runs offline against a trusted
root: the public-good production root bundled in sigstore-python, or a file given with --trusted-root.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policy_engine.errors import UsageError, VerificationError

BUNDLE_MEDIA_PREFIX = "application/vnd.dev.sigstore.bundle"


@dataclass(frozen=True)
class TrustedIdentity:
    """A Fulcio certificate identity (SAN: email, workflow URI...) and the OIDC issuer that vouched for it."""

    identity: str
    issuer: str


def sign_bundle(payload: bytes, *, identity_token: str | None = None, staging: bool = False) -> str:
    """Sign the statement bytes as a DSSE envelope inside a Sigstore bundle; return the bundle JSON."""
    from sigstore import dsse
    from sigstore.errors import Error as SigstoreError
    from sigstore.models import ClientTrustConfig
    from sigstore.oidc import IdentityError, IdentityToken, detect_credential
    from sigstore.sign import SigningContext

    from policy_engine.attest.refusals import SigningError

    token = identity_token
    if not token:
        try:
            token = detect_credential()
        except IdentityError as exc:
            raise UsageError(
                f"keyless signing: ambient OIDC credential detection failed ({exc})",
                hint="check the CI job's OIDC settings, or sign with a local key (--key)",
            ) from None
    if not token:
        raise UsageError(
            "keyless signing needs an OIDC identity, and no ambient credential was found",
            hint="run in CI with an OIDC token (GitHub Actions: `permissions: id-token: write`; GitLab: "
            "`id_tokens: SIGSTORE_ID_TOKEN: {aud: sigstore}`), pass --identity-token, "
            "or sign with a local key (--key) on air-gapped sites",
        )
    try:
        identity = IdentityToken(token)
    except Exception as exc:  # sigstore raises several types for a malformed or expired JWT
        raise UsageError(f"keyless signing: the OIDC identity token is not usable ({exc})") from None
    try:
        statement = dsse.Statement(payload)
        config = ClientTrustConfig.staging() if staging else ClientTrustConfig.production()
        context = SigningContext.from_trust_config(config)
        with context.signer(identity, cache=False) as signer:
            bundle = signer.sign_dsse(statement)
    except SigstoreError as exc:
        raise SigningError(
            f"keyless signing failed: {exc}",
            hint="Sigstore (Fulcio, Rekor) must be reachable; air-gapped sites sign with --key",
        ) from None
    except OSError as exc:
        raise SigningError(f"keyless signing failed: cannot reach Sigstore ({exc})") from None
    return bundle.to_json()


@functools.lru_cache(maxsize=8)
def _verifier(trusted_root: str | None) -> Any:
    """One verifier per trust root per process: building it parses the root's keys and certificates."""
    from sigstore.verify import Verifier

    if trusted_root is None:
        return Verifier.production(offline=True)
    from sigstore.models import TrustedRoot

    try:
        return Verifier(trusted_root=TrustedRoot.from_file(trusted_root))
    except FileNotFoundError:
        raise UsageError(f"--trusted-root {trusted_root}: no such file") from None
    except Exception as exc:
        raise UsageError(
            f"--trusted-root {trusted_root}: not a Sigstore trusted root ({exc})",
            hint="pass a trusted_root.json (e.g. from `sigstore` TUF, or your private Sigstore instance)",
        ) from None


def verify_bundle(
    bundle_json: bytes, identities: list[TrustedIdentity], trusted_root: Path | None = None
) -> tuple[bytes, TrustedIdentity]:
    """Verify a Sigstore bundle offline; return the DSSE payload and the identity that signed it."""
    if not identities:
        raise VerificationError(
            "no trusted identity was given to verify a keyless declaration",
            hint="pass --cert-identity and --cert-oidc-issuer",
        )
    from sigstore.errors import Error as SigstoreError
    from sigstore.models import Bundle
    from sigstore.verify.policy import Identity

    from policy_engine.attest.statement import PAYLOAD_TYPE

    try:
        bundle = Bundle.from_json(bundle_json)
    except Exception as exc:  # pydantic and sigstore errors for a damaged bundle
        raise VerificationError(f"not a valid Sigstore bundle: {_first_line(exc)}") from None
    if "dsseEnvelope" not in json.loads(bundle_json):
        raise VerificationError(
            "the Sigstore bundle signs a plain file, not an in-toto statement: it is not a declaration",
            hint="complyai declarations are DSSE bundles written by complyai declare --keyless",
        )
    verifier = _verifier(str(trusted_root) if trusted_root else None)
    failures: list[str] = []
    for trusted in identities:
        try:
            payload_type, payload = verifier.verify_dsse(
                bundle, Identity(identity=trusted.identity, issuer=trusted.issuer)
            )
        except SigstoreError as exc:
            failures.append(_explain(str(exc), trusted, bundle))
            continue
        if payload_type != PAYLOAD_TYPE:
            raise VerificationError(
                f"the bundle's DSSE payloadType is {payload_type!r}, expected {PAYLOAD_TYPE!r}"
            )
        return payload, trusted
    raise VerificationError("; ".join(failures), hint="do not trust this declaration")


def _explain(message: str, trusted: TrustedIdentity, bundle: Any) -> str:
    """sigstore's messages, restated in terms of the options the user gave."""
    if "SANs do not match" in message:
        return (
            f"the certificate identity does not match --cert-identity {trusted.identity} "
            f"(the bundle was signed by {_san(bundle)})"
        )
    if "OIDCIssuer" in message and "does not match" in message:
        got = message.split("got ", 1)[-1].split(",", 1)[0].strip("'") if "got " in message else "another issuer"
        return (
            f"the certificate's OIDC issuer does not match --cert-oidc-issuer {trusted.issuer} "
            f"(the identity was vouched for by {got})"
        )
    if "DSSE: invalid signature" in message:
        return "the bundle's signature does not verify: the payload or the signature was changed after signing"
    if "payload hash does not match" in message or "mismatch" in message:
        return f"the bundle's envelope does not match its transparency log entry ({message})"
    return f"the Sigstore bundle does not verify: {message}"


def _san(bundle: Any) -> str:
    from cryptography import x509

    try:
        ext = bundle.signing_certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        names = [str(v) for v in ext.value.get_values_for_type(x509.RFC822Name)]
        names += [str(v) for v in ext.value.get_values_for_type(x509.UniformResourceIdentifier)]
        return ", ".join(names) or "an unknown identity"
    except Exception:  # a certificate without SAN: sigstore reported that already
        return "an unknown identity"


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def is_bundle(document: dict[str, Any]) -> bool:
    media = document.get("mediaType")
    return isinstance(media, str) and media.startswith(BUNDLE_MEDIA_PREFIX)
