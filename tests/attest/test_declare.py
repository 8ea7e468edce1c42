"""Issuing declarations: gate, statement contents, Annex V, atomic write (with a stand-in pipeline)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import pytest

from policy_engine.attest.declare import DeclareRequest, LocalKeySigner, declare
from policy_engine.attest.refusals import DeclarationRefused
from policy_engine.attest.statement import PAYLOAD_TYPE, PREDICATE_TYPE, STATEMENT_TYPE
from policy_engine.attest.subjects import parse_image_ref, sha256_file
from policy_engine.errors import UsageError
from tests.attest.conftest import FakeAudit, failing_finding, make_verdict, waived_finding

IMAGE = "ghcr.io/example/triage:2.1.0@sha256:" + "c" * 64
NOW = dt.datetime(2025, 6, 2, 9, 30, tzinfo=dt.timezone.utc)


def request(project: dict[str, Path], keypair: dict[str, Path], out: Path, **extra) -> DeclareRequest:
    fields = dict(
        model_card=project["card"], out=out, signer=LocalKeySigner(keypair["key"]),
        sboms=[], manifests=[], images=[], rulesets=[],
    )
    fields.update(extra)
    return DeclareRequest(**fields)


def statement_of(path: Path) -> dict:
    return json.loads(base64.b64decode(json.loads(path.read_text())["payload"]))


def test_declaration_is_a_signed_in_toto_statement_over_every_covered_file(project, keypair, tmp_path):
    out = tmp_path / "decl.json"
    audit = FakeAudit(make_verdict("warn", [waived_finding()]))
    declare(request(project, keypair, out, images=[parse_image_ref(IMAGE)]), audit, now=NOW)

    envelope = json.loads(out.read_text())
    assert envelope["payloadType"] == PAYLOAD_TYPE
    assert envelope["signatures"][0]["keyid"].startswith("SHA256:")
    statement = statement_of(out)
    assert statement["_type"] == STATEMENT_TYPE
    assert statement["predicateType"] == PREDICATE_TYPE
    subjects = {s["name"]: s["digest"]["sha256"] for s in statement["subject"]}
    # Names are relative to the repository root; linked SBOM and manifest are covered without flags.
    assert subjects == {
        "model/card.yaml": sha256_file(project["card"]),
        "model/sbom.cdx.json": sha256_file(project["sbom"]),
        "model/data/train.manifest.yaml": sha256_file(project["manifest"]),
        "ghcr.io/example/triage": "c" * 64,
    }
    assert audit.calls == [[project["card"]]]


def test_predicate_holds_annex_v_and_the_verdict_that_justified_it(project, keypair, tmp_path):
    out = tmp_path / "decl.json"
    declare(request(project, keypair, out), FakeAudit(make_verdict("warn", [waived_finding()])), now=NOW)
    predicate = statement_of(out)["predicate"]
    annex = predicate["annexV"]
    assert annex["1_system"]["name"] == "Triage Assist" and annex["1_system"]["version"] == "2.1.0"
    assert annex["2_provider"] == {
        "name": "Example Health AI GmbH",
        "address": "Musterstrasse 1, 10115 Berlin, Germany",
        "authorisedRepresentative": None,
    }
    assert "sole responsibility of Example Health AI GmbH" in annex["3_soleResponsibility"]
    assert "Regulation (EU) 2024/1689" in annex["4_conformity"]
    assert "2016/679" in annex["5_dataProtection"]
    assert annex["6_standards"] == ["ISO/IEC 42001:2023", "ISO/IEC 23894:2023"]
    assert annex["7_notifiedBody"] == {
        "identificationNumber": "0123", "procedure": "notified_body_annex_vii", "certificate": "NB-0123-2025-77"
    }
    assert annex["8_issue"] == {
        "place": "Berlin", "date": "2025-06-02",
        "signatory": "Dr. A. Example, Head of Quality, on behalf of Example Health AI GmbH",
    }
    verdict = predicate["verdict"]
    assert verdict["decision"] == "warn" and verdict["stage"] == "release"
    assert verdict["rulesets"][0] == {
        "id": "eu-ai-act", "version": "2024.1", "sha256": "ab" * 32, "controls": 42, "path": ""
    }
    assert verdict["findings"][0]["waived"] is True
    assert verdict["findings"][0]["waiver"]["reason"] == "robustness report due Q3"
    assert predicate["issuedAt"] == "2025-06-02T09:30:00Z"
    assert predicate["tool"]["name"] == "complyai"


def test_failing_gate_refuses_naming_the_controls_and_writes_nothing(project, keypair, tmp_path):
    out = tmp_path / "decl.json"
    with pytest.raises(DeclarationRefused) as refused:
        declare(request(project, keypair, out), FakeAudit(make_verdict("fail", [failing_finding()])))
    assert refused.value.exit_code == 1
    assert "EUAIA-ART13-IFU (high) model/card.yaml:7" in refused.value.message
    assert not out.exists()
    assert list(tmp_path.glob(".decl.json*")) == []


def test_failed_signing_leaves_no_file_and_keeps_an_old_declaration(project, keypair, tmp_path, monkeypatch):
    out = tmp_path / "decl.json"
    out.write_text("previous declaration")
    monkeypatch.setenv("COMPLYAI_KEY_PASSWORD", "wrong passphrase")
    with pytest.raises(UsageError, match="wrong passphrase"):
        declare(request(project, keypair, out), FakeAudit(make_verdict()))
    assert out.read_text() == "previous declaration"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".decl")] == []


def test_missing_annex_v_items_are_each_named(project, keypair, tmp_path):
    card = project["card"]
    card.write_text(card.read_text().replace("  provider:\n", "  supplier:\n").replace("place: Berlin", "city: x"))
    with pytest.raises(DeclarationRefused) as refused:
        declare(request(project, keypair, tmp_path / "d.json"), FakeAudit(make_verdict()))
    message = refused.value.message
    assert "provider name (spec.provider.name)" in message
    assert "provider address" in message and "place of issue" in message
    assert "signatory" not in message


def test_a_card_that_withholds_the_sole_responsibility_statement_cannot_be_declared(project, keypair, tmp_path):
    card = project["card"]
    card.write_text(card.read_text().replace("sole_responsibility_statement: true", "sole_responsibility_statement: false"))
    with pytest.raises(DeclarationRefused, match="sole_responsibility_statement is false"):
        declare(request(project, keypair, tmp_path / "d.json"), FakeAudit(make_verdict()))


@pytest.mark.parametrize("ref", ["ghcr.io/x/y:1.0", "ghcr.io/x/y@sha256:abc", "ghcr.io/x/y@sha512:" + "a" * 64])
def test_image_must_be_pinned_by_sha256(ref):
    with pytest.raises(UsageError, match="not pinned by digest"):
        parse_image_ref(ref)


@pytest.mark.parametrize(
    ("ref", "name"),
    [
        ("ghcr.io/x/y:1.0@sha256:" + "a" * 64, "ghcr.io/x/y"),
        ("localhost:5000/y@sha256:" + "a" * 64, "localhost:5000/y"),
        ("localhost:5000/y:tag@sha256:" + "a" * 64, "localhost:5000/y"),
    ],
)
def test_image_subject_name_drops_the_tag_but_keeps_a_registry_port(ref, name):
    assert parse_image_ref(ref).name == name


def test_declare_outside_a_repository_names_subjects_from_the_common_folder(tmp_path, keypair):
    from tests.attest.conftest import CARD

    folder = tmp_path / "plain" / "release"
    folder.mkdir(parents=True)
    card = folder / "card.yaml"
    card.write_text(CARD)
    out = tmp_path / "d.json"
    declare(
        DeclareRequest(model_card=card, out=out, signer=LocalKeySigner(keypair["key"]), sboms=[], manifests=[],
                       images=[], rulesets=[]),
        FakeAudit(make_verdict()),
    )
    assert [s["name"] for s in statement_of(out)["subject"]] == ["card.yaml"]
