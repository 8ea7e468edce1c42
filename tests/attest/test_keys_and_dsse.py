"""Key files and DSSE envelopes: the formats other tools (cosign, securesystemslib, sigstore) expect."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import json
import stat

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from policy_engine.attest import TrustPolicy, verify_declaration
from policy_engine.attest.dsse import pae, sign_envelope
from policy_engine.attest.keys import generate_keypair, keyid_of, load_signing_key, load_trusted_key
from policy_engine.attest.statement import PAYLOAD_TYPE, PREDICATE_TYPE, Subject, build_statement, serialise
from policy_engine.errors import UsageError


def test_pae_matches_the_dsse_spec_and_sigstore():
    from sigstore.dsse import _pae

    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )
    body = "prédicat ✓".encode()
    assert pae(PAYLOAD_TYPE, body) == _pae(PAYLOAD_TYPE, body)


def test_keygen_writes_encrypted_private_and_spki_public_pem(tmp_path, password):
    pair = generate_keypair(tmp_path / "release", expires=dt.date.today() + dt.timedelta(days=365))
    private_text = pair.private.read_text()
    assert "-----BEGIN ENCRYPTED PRIVATE KEY-----" in private_text
    assert "PUBLIC KEY" not in private_text
    assert stat.S_IMODE(pair.private.stat().st_mode) == 0o600
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(pair.private.read_bytes(), password=None)
    key = serialization.load_pem_private_key(pair.private.read_bytes(), password=password.encode())
    assert isinstance(key.curve, ec.SECP256R1)
    public = serialization.load_pem_public_key(pair.public.read_bytes())
    assert public.public_numbers() == key.public_key().public_numbers()
    assert "-----BEGIN PUBLIC KEY-----" in pair.public.read_text()


def test_keygen_refuses_without_a_passphrase(tmp_path, monkeypatch):
    monkeypatch.delenv("COMPLYAI_KEY_PASSWORD", raising=False)
    with pytest.raises(UsageError, match="COMPLYAI_KEY_PASSWORD is not set"):
        generate_keypair(tmp_path / "k")
    assert list(tmp_path.iterdir()) == []


def test_keygen_never_overwrites_without_force(tmp_path, password):
    first = generate_keypair(tmp_path / "k")
    before = first.private.read_bytes()
    with pytest.raises(UsageError, match="already exists; refusing to overwrite"):
        generate_keypair(tmp_path / "k")
    assert first.private.read_bytes() == before
    second = generate_keypair(tmp_path / "k", force=True)
    assert second.private.read_bytes() != before


def test_keygen_rejects_an_expiry_in_the_past(tmp_path, password):
    with pytest.raises(UsageError, match="is not in the future"):
        generate_keypair(tmp_path / "k", expires=dt.date.today())


def test_keyid_is_the_ssh_sha256_fingerprint_cosign_computes(tmp_path, password):
    pair = generate_keypair(tmp_path / "k")
    public = load_trusted_key(pair.public).public_key
    # golang.org/x/crypto/ssh FingerprintSHA256: "SHA256:" + unpadded std base64 of sha256(wire key).
    wire = base64.b64decode(public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).split()[1])
    assert wire[4:23] == b"ecdsa-sha2-nistp256"
    expected = "SHA256:" + base64.b64encode(hashlib.sha256(wire).digest()).decode().rstrip("=")
    assert keyid_of(public) == expected == pair.keyid


def test_tampered_expiry_line_is_a_clear_usage_error(tmp_path, password):
    pair = generate_keypair(tmp_path / "k", expires=dt.date.today() + dt.timedelta(days=3))
    pair.public.write_text(pair.public.read_text().replace("complyai-expires: ", "complyai-expires: soon "))
    with pytest.raises(UsageError, match="is not a date"):
        load_trusted_key(pair.public)


def _statement() -> bytes:
    return serialise(build_statement([Subject("card.yaml", "a" * 64)], {"annexV": {}}))


def test_our_envelope_verifies_with_securesystemslib(tmp_path, password):
    from securesystemslib.dsse import Envelope
    from securesystemslib.signer import SSlibKey

    pair = generate_keypair(tmp_path / "k")
    envelope = sign_envelope(_statement(), load_signing_key(pair.private))
    public = load_trusted_key(pair.public).public_key
    key = SSlibKey.from_crypto(public, keyid=pair.keyid)
    # from_dict mutates its argument (STACK-NOTES §3): give it a copy.
    verified = Envelope.from_dict(copy.deepcopy(envelope)).verify([key], 1)
    assert pair.keyid in verified


def test_securesystemslib_envelope_verifies_with_complyai(tmp_path, password):
    from securesystemslib.dsse import Envelope
    from securesystemslib.signer import CryptoSigner, SSlibKey

    pair = generate_keypair(tmp_path / "k")
    private = load_signing_key(pair.private).private_key
    public_key = SSlibKey.from_crypto(private.public_key(), keyid=pair.keyid, scheme="ecdsa-sha2-nistp256")
    signer = CryptoSigner(private, public_key)
    envelope = Envelope(payload=_statement(), payload_type=PAYLOAD_TYPE, signatures={})
    envelope.sign(signer)
    verified = verify_declaration(json.dumps(envelope.to_dict()).encode(), TrustPolicy.from_key_files([pair.public]))
    assert verified.predicate_type == PREDICATE_TYPE


def test_envelope_verifies_with_a_plain_ecdsa_check(tmp_path, password):
    """What `cosign verify-blob-attestation --key` does: ECDSA-SHA256 over PAE with the SPKI key."""
    pair = generate_keypair(tmp_path / "k")
    envelope = sign_envelope(_statement(), load_signing_key(pair.private))
    public = serialization.load_pem_public_key(pair.public.read_bytes())
    payload = base64.b64decode(envelope["payload"])
    message = b"DSSEv1 %d %s %d %s" % (len(PAYLOAD_TYPE), PAYLOAD_TYPE.encode(), len(payload), payload)
    public.verify(base64.b64decode(envelope["signatures"][0]["sig"]), message, ec.ECDSA(hashes.SHA256()))


def test_load_signing_key_with_wrong_passphrase(tmp_path, password, monkeypatch):
    pair = generate_keypair(tmp_path / "k")
    monkeypatch.setenv("COMPLYAI_KEY_PASSWORD", "nope")
    with pytest.raises(UsageError, match="wrong passphrase"):
        load_signing_key(pair.private)


def test_public_key_that_is_not_pem(tmp_path):
    bogus = tmp_path / "k.pub"
    bogus.write_text("ssh-ed25519 AAAA... me@host\n")
    with pytest.raises(UsageError, match="not a PEM public key"):
        load_trusted_key(bogus)
