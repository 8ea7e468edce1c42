"""Every way a declaration can be wrong is rejected, each with its own message."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import pytest

from policy_engine.attest import TrustPolicy, load_trusted_key, verify_declaration
from policy_engine.attest.declare import DeclareRequest, LocalKeySigner, declare
from policy_engine.attest.dsse import sign_envelope
from policy_engine.attest.keys import generate_keypair, load_signing_key
from policy_engine.attest.statement import serialise
from policy_engine.errors import UsageError, VerificationError
from tests.attest.conftest import FakeAudit, make_verdict


@pytest.fixture
def signed(project, keypair, tmp_path) -> dict:
    out = tmp_path / "decl.json"
    declare(
        DeclareRequest(model_card=project["card"], out=out, signer=LocalKeySigner(keypair["key"]),
                       sboms=[], manifests=[], images=[], rulesets=[]),
        FakeAudit(make_verdict()),
    )
    return {"out": out, "envelope": json.loads(out.read_text()), "trust": TrustPolicy.from_key_files([keypair["pub"]]),
            **project, **keypair}


def rejected(data: bytes | dict, trust: TrustPolicy) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    with pytest.raises(VerificationError) as error:
        verify_declaration(raw, trust)
    assert error.value.exit_code == 1
    return error.value.message


def resign(envelope: dict, statement: dict, key_path: Path) -> dict:
    """A validly signed envelope over an edited statement (as an issuer with the key could make)."""
    return sign_envelope(serialise(statement), load_signing_key(key_path))


def payload_of(envelope: dict) -> dict:
    return json.loads(base64.b64decode(envelope["payload"]))


def test_untouched_declaration_verifies_and_matches_its_files(signed):
    verified = verify_declaration(signed["out"].read_bytes(), signed["trust"])
    assert verified.signer.startswith("key SHA256:")
    checked = verified.check_files([signed["card"], signed["sbom"], signed["manifest"]])
    assert [s.name for _, s in checked] == ["model/card.yaml", "model/sbom.cdx.json", "model/data/train.manifest.yaml"]


def test_flipped_byte_in_payload(signed):
    envelope = dict(signed["envelope"])
    payload = bytearray(base64.b64decode(envelope["payload"]))
    payload[40] ^= 0x01
    envelope["payload"] = base64.b64encode(bytes(payload)).decode()
    assert "signature does not verify" in rejected(envelope, signed["trust"])
    assert "payload or the signature was changed after signing" in rejected(envelope, signed["trust"])


def test_flipped_byte_in_signature(signed):
    envelope = dict(signed["envelope"])
    sig = bytearray(base64.b64decode(envelope["signatures"][0]["sig"]))
    sig[-1] ^= 0x01
    envelope["signatures"] = [{**envelope["signatures"][0], "sig": base64.b64encode(bytes(sig)).decode()}]
    assert "signature does not verify" in rejected(envelope, signed["trust"])


def test_signature_with_broken_der_structure_is_called_malformed(signed):
    envelope = dict(signed["envelope"])
    sig = bytearray(base64.b64decode(envelope["signatures"][0]["sig"]))
    sig[0] = 0x31  # SET instead of SEQUENCE
    envelope["signatures"] = [{**envelope["signatures"][0], "sig": base64.b64encode(bytes(sig)).decode()}]
    assert "signature is malformed" in rejected(envelope, signed["trust"])


def test_covered_file_changed_after_signing(signed):
    verified = verify_declaration(signed["out"].read_bytes(), signed["trust"])
    signed["sbom"].write_text(signed["sbom"].read_text() + " ")
    with pytest.raises(VerificationError, match=r"sbom.cdx.json was changed after the declaration was signed"):
        verified.check_files([signed["card"], signed["sbom"]])


def test_file_not_covered_by_the_declaration(signed, tmp_path):
    stranger = tmp_path / "other.yaml"
    stranger.write_text("x: 1\n")
    verified = verify_declaration(signed["out"].read_bytes(), signed["trust"])
    with pytest.raises(VerificationError, match="other.yaml is not covered by this declaration"):
        verified.check_files([stranger])


def test_wrong_key(signed, tmp_path):
    other = generate_keypair(tmp_path / "other")
    message = rejected(signed["envelope"], TrustPolicy.from_key_files([other.public]))
    assert "signed by key SHA256:" in message and "which is not a trusted key" in message


def test_wrong_key_without_keyid_in_the_envelope(signed, tmp_path):
    # cosign writes envelopes with an empty keyid; then every trusted key is tried.
    other = generate_keypair(tmp_path / "other")
    envelope = dict(signed["envelope"])
    envelope["signatures"] = [{"keyid": "", "sig": envelope["signatures"][0]["sig"]}]
    assert "signed by another key" in rejected(envelope, TrustPolicy.from_key_files([other.public]))
    # ...and the right key still verifies it.
    assert verify_declaration(json.dumps(envelope).encode(), signed["trust"])


def test_wrong_predicate_type(signed):
    statement = payload_of(signed["envelope"])
    statement["predicateType"] = "https://slsa.dev/provenance/v1"
    message = rejected(resign(signed["envelope"], statement, signed["key"]), signed["trust"])
    assert "wrong predicate type 'https://slsa.dev/provenance/v1'" in message


def test_newer_predicate_version_is_reported_as_unsupported(signed):
    statement = payload_of(signed["envelope"])
    statement["predicateType"] = statement["predicateType"].rsplit("/", 1)[0] + "/v2"
    message = rejected(resign(signed["envelope"], statement, signed["key"]), signed["trust"])
    assert "unsupported declaration version 'v2'" in message


def test_no_signatures(signed):
    envelope = {**signed["envelope"], "signatures": []}
    assert "the envelope has no signatures" in rejected(envelope, signed["trust"])


def test_extra_signatures(signed):
    first = signed["envelope"]["signatures"][0]
    envelope = {**signed["envelope"], "signatures": [first, first]}
    assert "the envelope has 2 signatures; a complyai declaration carries exactly one" in rejected(
        envelope, signed["trust"]
    )


@pytest.mark.parametrize("cut", [1, 50, -3])
def test_truncated_input(signed, cut):
    raw = signed["out"].read_bytes()
    assert "the declaration is truncated" in rejected(raw[:cut], signed["trust"])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"", "the declaration file is empty"),
        (b"payload: yaml, not json\n", "not valid JSON"),
        (b"\xff\xfe\x00binary", "not UTF-8"),
        (b"[1, 2]", "a JSON object was expected"),
        (b'{"hello": "world"}', "neither a DSSE envelope"),
    ],
)
def test_non_json_input(signed, raw, expected):
    assert expected in rejected(raw, signed["trust"])


def test_payload_that_is_not_base64(signed):
    envelope = {**signed["envelope"], "payload": "not base64!!"}
    assert "payload is not valid base64" in rejected(envelope, signed["trust"])


def test_wrong_payload_type(signed):
    envelope = {**signed["envelope"], "payloadType": "text/plain"}
    assert "payloadType is 'text/plain'" in rejected(envelope, signed["trust"])


def test_expired_key(signed, tmp_path, password):
    pair = generate_keypair(tmp_path / "short", expires=dt.date.today() + dt.timedelta(days=30))
    out = tmp_path / "d.json"
    declare(
        DeclareRequest(model_card=signed["card"], out=out, signer=LocalKeySigner(pair.private),
                       sboms=[], manifests=[], images=[], rulesets=[]),
        FakeAudit(make_verdict()),
    )
    key = load_trusted_key(pair.public)
    assert key.expires == dt.date.today() + dt.timedelta(days=30)
    # Valid until the expiry day, inclusive...
    assert verify_declaration(out.read_bytes(), TrustPolicy(keys=[key], today=key.expires))
    # ...rejected the day after.
    later = TrustPolicy(keys=[key], today=key.expires + dt.timedelta(days=1))
    assert f"expired on {key.expires.isoformat()}" in rejected(out.read_bytes(), later)
    # And the private key no longer signs.
    with pytest.raises(UsageError, match="the signing key expired"):
        load_signing_key(pair.private, today=key.expires + dt.timedelta(days=1))


def test_empty_subject_list(signed):
    statement = payload_of(signed["envelope"])
    statement["subject"] = []
    message = rejected(resign(signed["envelope"], statement, signed["key"]), signed["trust"])
    assert "empty subject list" in message


def test_subject_without_sha256(signed):
    statement = payload_of(signed["envelope"])
    statement["subject"][0]["digest"] = {"md5": "0" * 32}
    assert "has no valid sha256 digest" in rejected(resign(signed["envelope"], statement, signed["key"]), signed["trust"])


def test_payload_that_is_not_a_statement(signed):
    statement = payload_of(signed["envelope"])
    statement["_type"] = "https://in-toto.io/Statement/v0.1"
    assert "not an in-toto Statement v1" in rejected(resign(signed["envelope"], statement, signed["key"]), signed["trust"])


def test_a_key_declaration_needs_a_key_and_a_bundle_needs_an_identity(signed):
    from policy_engine.attest.keyless import TrustedIdentity

    only_identity = TrustPolicy(identities=[TrustedIdentity("a@example.com", "https://accounts.google.com")])
    assert "needs the public key" in rejected(signed["envelope"], only_identity)
