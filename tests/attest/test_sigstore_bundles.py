"""Keyless declarations: real Sigstore bundles from ../shared/data/sigstore, verified offline."""

from __future__ import annotations

import json

import pytest

from policy_engine.attest import TrustedIdentity, TrustPolicy, verify_declaration
from policy_engine.attest.keyless import verify_bundle
from policy_engine.attest.statement import parse_statement, subjects_of
from policy_engine.attest.subjects import check_files
from policy_engine.errors import UsageError, VerificationError
from tests.attest.conftest import SHARED

SIGSTORE = SHARED / "data" / "sigstore"
CASES = SIGSTORE / "sigstore-conformance" / "bundle-verify"
BEACON = TrustedIdentity(
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/"
    "extremely-dangerous-oidc-beacon.yml@refs/heads/main",
    "https://token.actions.githubusercontent.com",
)

pytestmark = pytest.mark.skipif(not SIGSTORE.exists(), reason="../shared/data/sigstore (real bundles) not present")


def bundle(case: str) -> bytes:
    return (CASES / case / "bundle.sigstore.json").read_bytes()


def rejected(raw: bytes, trust: TrustPolicy) -> str:
    with pytest.raises(VerificationError) as error:
        verify_declaration(raw, trust)
    return error.value.message


def test_real_dsse_bundle_verifies_offline_against_the_bundled_production_root():
    payload, identity = verify_bundle(bundle("happy-path-intoto-in-dsse-v3"), [BEACON])
    assert identity == BEACON
    # The bundle's statement covers a.txt: the same subject matching complyai verify applies.
    subjects = subjects_of(json.loads(payload))
    matched = check_files([CASES / "a.txt"], subjects)
    assert matched[0][1].name == "a.txt"


def test_a_verified_bundle_of_another_predicate_type_is_not_a_declaration():
    # Signature, certificate chain, log entry and identity all pass; the predicate type does not.
    message = rejected(bundle("happy-path-intoto-in-dsse-v3"), TrustPolicy(identities=[BEACON]))
    assert "wrong predicate type 'https://slsa.dev/provenance/v1'" in message
    with pytest.raises(VerificationError, match="wrong predicate type"):
        parse_statement(verify_bundle(bundle("happy-path-intoto-in-dsse-v3"), [BEACON])[0])


def test_wrong_identity():
    wrong = TrustedIdentity("release@example.com", BEACON.issuer)
    message = rejected(bundle("happy-path-intoto-in-dsse-v3"), TrustPolicy(identities=[wrong]))
    assert "certificate identity does not match --cert-identity release@example.com" in message
    assert "extremely-dangerous-oidc-beacon.yml" in message  # who actually signed


def test_wrong_issuer():
    wrong = TrustedIdentity(BEACON.identity, "https://accounts.google.com")
    message = rejected(bundle("happy-path-intoto-in-dsse-v3"), TrustPolicy(identities=[wrong]))
    assert "OIDC issuer does not match --cert-oidc-issuer https://accounts.google.com" in message
    assert "token.actions.githubusercontent.com" in message


def test_custom_trusted_root_file():
    case = CASES / "rekor2-dsse-happy-path"
    trust = TrustPolicy(identities=[BEACON], trusted_root=case / "trusted_root.json")
    assert "wrong predicate type" in rejected(bundle("rekor2-dsse-happy-path"), trust)
    # The same Rekor v2 bundle is not trusted by the public-good root.
    assert "wrong predicate type" not in rejected(bundle("rekor2-dsse-happy-path"), TrustPolicy(identities=[BEACON]))


def test_staging_bundle_with_the_staging_root():
    raw = (SIGSTORE / "sigstore-python" / "a.dsse.staging-rekor-v2.txt.sigstore.json").read_bytes()
    trust = TrustPolicy(identities=[BEACON], trusted_root=SIGSTORE / "trusted-roots" / "staging.trusted_root.json")
    assert "wrong predicate type" in rejected(raw, trust)


def test_flipped_dsse_signature_in_a_bundle():
    assert "signature does not verify" in rejected(bundle("dsse-invalid-sig_fail"), TrustPolicy(identities=[BEACON]))


def test_envelope_that_differs_from_its_log_entry():
    message = rejected(bundle("dsse-mismatch-envelope_fail"), TrustPolicy(identities=[BEACON]))
    assert "does not match its transparency log entry" in message


def test_bundle_over_a_plain_artifact_is_not_a_declaration():
    raw = (SIGSTORE / "sigstore-python" / "bundle_v3.txt.sigstore").read_bytes()
    trust = TrustPolicy(
        identities=[TrustedIdentity("william@yossarian.net", "https://github.com/login/oauth")],
        trusted_root=SIGSTORE / "trusted-roots" / "staging.trusted_root.json",
    )
    assert "signs a plain file, not an in-toto statement" in rejected(raw, trust)


def test_damaged_bundle():
    raw = bundle("happy-path-intoto-in-dsse-v3").replace(b'"dsseEnvelope"', b'"dsseEnvelopX"', 1)
    assert "not a valid Sigstore bundle" in rejected(raw, TrustPolicy(identities=[BEACON]))


def test_a_bundle_needs_an_identity_not_a_key(keypair):
    message = rejected(bundle("happy-path-intoto-in-dsse-v3"), TrustPolicy.from_key_files([keypair["pub"]]))
    assert "keyless (Sigstore) declaration; verifying it needs an identity" in message


def test_trusted_root_that_is_not_one(tmp_path):
    bogus = tmp_path / "root.json"
    bogus.write_text("{}")
    with pytest.raises(UsageError, match="not a Sigstore trusted root"):
        verify_declaration(bundle("happy-path-intoto-in-dsse-v3"), TrustPolicy(identities=[BEACON], trusted_root=bogus))


def test_keyless_signing_without_an_ambient_credential_says_what_to_do(monkeypatch):
    from policy_engine.attest.keyless import sign_bundle

    for name in ("GITHUB_ACTIONS", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "GITLAB_CI",
                 "BUILDKITE", "CIRCLECI", "GOOGLE_SERVICE_ACCOUNT_NAME", "SIGSTORE_ID_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(UsageError, match="no ambient credential was found") as error:
        sign_bundle(b"{}")
    assert "id-token: write" in error.value.diagnostics()


def test_keyless_signing_with_a_malformed_token():
    from policy_engine.attest.keyless import sign_bundle

    with pytest.raises(UsageError, match="identity token is not usable"):
        sign_bundle(b"{}", identity_token="not-a-jwt")



def test_keyless_signing_failure_is_a_refusal_not_a_traceback():
    """A well-formed token, but Sigstore is unreachable (or rejects it): exit 1 with the reason."""
    import base64
    import time

    from policy_engine.attest.keyless import sign_bundle
    from policy_engine.attest.refusals import SigningError

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(time.time())
    claims = {"iss": BEACON.issuer, "aud": "sigstore", "sub": "repo:example/model:ref:refs/heads/main",
              "iat": now, "nbf": now, "exp": now + 600}
    token = f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"
    statement = json.dumps({"_type": "https://in-toto.io/Statement/v1", "predicateType": "x", "predicate": {},
                            "subject": [{"name": "a", "digest": {"sha256": "a" * 64}}]}).encode()
    with pytest.raises(SigningError, match="keyless signing failed") as error:
        sign_bundle(statement, identity_token=token)
    assert error.value.exit_code == 1


@pytest.mark.parametrize(
    ("identity", "issuer", "expected"),
    [
        (BEACON.identity, BEACON.issuer, "wrong predicate type 'https://slsa.dev/provenance/v1'"),
        ("ci@example.com", BEACON.issuer, "does not match --cert-identity ci@example.com"),
        (BEACON.identity, "https://gitlab.com", "does not match --cert-oidc-issuer https://gitlab.com"),
    ],
)
def test_verify_command_with_identity_and_trusted_root(identity, issuer, expected):
    from click.testing import CliRunner

    from policy_engine.cli.attest import verify

    case = CASES / "rekor2-dsse-happy-path"
    result = CliRunner().invoke(verify, [
        str(case / "bundle.sigstore.json"), "--cert-identity", identity, "--cert-oidc-issuer", issuer,
        "--trusted-root", str(case / "trusted_root.json"),
    ])
    assert result.exit_code == 1
    assert expected in result.output
