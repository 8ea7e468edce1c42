"""Conformity declarations: build, sign, verify.

A declaration is an in-toto Statement v1 (subjects: sha256 of the model card and the files and images
it covers; predicate: EU AI Act Annex V contents plus the release verdict that justified it), signed as
a DSSE envelope with a local key or as a Sigstore bundle (keyless). Public API for other entry points
(the admission webhook): load_declaration, verify_declaration, TrustPolicy, VerifiedStatement.
"""

from policy_engine.attest.keyless import TrustedIdentity
from policy_engine.attest.keys import TrustedKey, load_trusted_key
from policy_engine.attest.statement import PAYLOAD_TYPE, PREDICATE_TYPE, Subject
from policy_engine.attest.verify import (
    Declaration,
    TrustPolicy,
    VerifiedStatement,
    load_declaration,
    parse_declaration,
    verify_declaration,
    verify_loaded,
)

__all__ = [
    "PAYLOAD_TYPE",
    "PREDICATE_TYPE",
    "Declaration",
    "Subject",
    "TrustPolicy",
    "TrustedIdentity",
    "TrustedKey",
    "VerifiedStatement",
    "load_declaration",
    "load_trusted_key",
    "parse_declaration",
    "verify_declaration",
    "verify_loaded",
]
