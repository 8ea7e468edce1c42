"""Local signing keys for air-gapped sites: ECDSA P-256, PEM files, optional expiry.

`PREFIX.key` is an encrypted PKCS#8 PEM (passphrase from COMPLYAI_KEY_PASSWORD), `PREFIX.pub` the SPKI
PEM that cosign reads. Metadata travels inside the key files as RFC 7468 explanatory text, i.e. lines
before `-----BEGIN`, which OpenSSL, `cryptography` and Go's `pem.Decode` (cosign) all skip:

    complyai-key-id: SHA256:<base64>     the DSSE keyid (the key's SSH SHA-256 fingerprint, as cosign
                                         computes it when an envelope names a keyid)
    complyai-expires: 2027-06-30         optional; after this date complyai neither signs with the key
                                         nor accepts declarations it signed

Keeping the expiry in the public key file binds it to the trust anchor a verifier already holds; it is
not in the envelope, whose keyid field is unsigned and could be edited.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from policy_engine.errors import UsageError, VerificationError

PASSWORD_ENV = "COMPLYAI_KEY_PASSWORD"
_KEYID = "complyai-key-id"
_EXPIRES = "complyai-expires"


def keyid_of(public_key: ec.EllipticCurvePublicKey) -> str:
    """SHA256:<unpadded base64 of sha256(ssh wire key)>: what go-securesystemslib derives for cosign."""
    openssh = public_key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    wire = base64.b64decode(openssh.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(wire).digest()).decode().rstrip("=")


def _header(text: str) -> dict[str, str]:
    """The `name: value` lines before the PEM boundary."""
    fields: dict[str, str] = {}
    for line in text.split("-----BEGIN", 1)[0].splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip().lower()] = value.strip()
    return fields


def _parse_expiry(value: str | None, source: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"{source}: {_EXPIRES} {value!r} is not a date",
            hint="write it as YYYY-MM-DD, or remove the line for a key that does not expire",
        ) from None


def password_from_env(action: str) -> bytes:
    password = os.environ.get(PASSWORD_ENV)
    if not password:
        raise UsageError(
            f"{PASSWORD_ENV} is not set: it is needed to {action}",
            hint=f"export {PASSWORD_ENV}=... (in CI, from a secret) and run the command again",
        )
    return password.encode("utf-8")


@dataclass(frozen=True)
class KeyPairPaths:
    private: Path
    public: Path
    keyid: str
    expires: dt.date | None


def generate_keypair(prefix: Path, *, expires: dt.date | None = None, force: bool = False) -> KeyPairPaths:
    """Write PREFIX.key (encrypted) and PREFIX.pub; refuse to overwrite either without force."""
    password = password_from_env("encrypt the new private key")
    private_path = prefix.with_name(prefix.name + ".key")
    public_path = prefix.with_name(prefix.name + ".pub")
    if not force:
        for path in (private_path, public_path):
            if path.exists():
                raise UsageError(
                    f"{path} already exists; refusing to overwrite a key",
                    hint="choose another --out prefix, or pass --force to replace the key pair",
                )
    if not prefix.parent.is_dir():
        raise UsageError(f"{prefix.parent}: no such directory", hint="create it or choose another --out")
    if expires is not None and expires <= dt.date.today():
        raise UsageError(f"--expires {expires} is not in the future", hint="give a date after today")
    key = ec.generate_private_key(ec.SECP256R1())
    keyid = keyid_of(key.public_key())
    header = f"{_KEYID}: {keyid}\n" + (f"{_EXPIRES}: {expires.isoformat()}\n" if expires else "")
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _write_new(private_path, header.encode() + private_pem, mode=0o600)
    _write_new(public_path, header.encode() + public_pem, mode=0o644)
    return KeyPairPaths(private_path, public_path, keyid, expires)


def _write_new(path: Path, data: bytes, *, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class SigningKey:
    private_key: ec.EllipticCurvePrivateKey
    keyid: str
    expires: dt.date | None
    source: str


@dataclass(frozen=True)
class TrustedKey:
    """A public key a verifier trusts, with its optional expiry."""

    public_key: ec.EllipticCurvePublicKey
    keyid: str
    expires: dt.date | None = None
    source: str = ""

    def check_not_expired(self, today: dt.date) -> None:
        if self.expires is not None and today > self.expires:
            raise VerificationError(
                f"the signing key {self.keyid} ({self.source}) expired on {self.expires.isoformat()}; "
                "declarations it signed are no longer accepted",
                hint="issue a new declaration signed with a current key (complyai keygen --expires ...)",
            )


def load_signing_key(path: Path, *, today: dt.date | None = None) -> SigningKey:
    text = _read_text(path, "private key")
    password = password_from_env(f"decrypt {path}")
    try:
        key = serialization.load_pem_private_key(text.encode(), password=password)
    except ValueError as exc:
        reason = "wrong passphrase" if "password" in str(exc).lower() else str(exc)
        raise UsageError(
            f"{path}: cannot load the private key ({reason})",
            hint=f"check {PASSWORD_ENV} and that the file is a key written by complyai keygen",
        ) from None
    except TypeError:
        raise UsageError(
            f"{path}: the private key is not encrypted",
            hint="complyai only signs with passphrase-protected keys; create one with complyai keygen",
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise UsageError(f"{path}: not an ECDSA P-256 key", hint="create one with complyai keygen")
    fields = _header(text)
    expires = _parse_expiry(fields.get(_EXPIRES), str(path))
    today = today or dt.date.today()
    if expires is not None and today > expires:
        raise UsageError(
            f"{path}: the signing key expired on {expires.isoformat()}",
            hint="create a new key with complyai keygen and distribute its .pub to verifiers",
        )
    return SigningKey(key, keyid_of(key.public_key()), expires, str(path))


def load_trusted_key(path: Path) -> TrustedKey:
    text = _read_text(path, "public key")
    try:
        key = serialization.load_pem_public_key(text.encode())
    except ValueError:
        raise UsageError(
            f"{path}: not a PEM public key",
            hint="pass the PREFIX.pub written by complyai keygen (SPKI PEM, as cosign uses)",
        ) from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise UsageError(f"{path}: not an ECDSA P-256 public key", hint="complyai signs with P-256 keys")
    fields = _header(text)
    return TrustedKey(key, keyid_of(key), _parse_expiry(fields.get(_EXPIRES), str(path)), str(path))


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such {what} file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the {what} ({exc})") from None
