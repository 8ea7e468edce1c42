"""The commands as a user runs them: options, messages, exit codes (stand-in pipeline for declare)."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from policy_engine.attest import declare as declare_module
from policy_engine.cli.attest import declare, keygen, verify
from tests.attest.conftest import FakeAudit, failing_finding, make_verdict


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def fake_pipeline(monkeypatch):
    audit = FakeAudit(make_verdict())
    monkeypatch.setattr(declare_module, "pipeline_audit", lambda rulesets, config: audit)
    return audit


def invoke(runner: CliRunner, command, *args: object):
    result = runner.invoke(command, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture
def declared(runner, project, keypair, fake_pipeline, tmp_path) -> Path:
    out = tmp_path / "decl.json"
    result = invoke(runner, declare, project["card"], "--key", keypair["key"], "--out", out)
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "3 subjects" in result.output
    return out


def test_keygen_then_refuses_to_overwrite(runner, tmp_path, password):
    result = invoke(runner, keygen, "--out", tmp_path / "ci", "--expires", "2099-12-31")
    assert result.exit_code == 0
    assert (tmp_path / "ci.key").exists() and (tmp_path / "ci.pub").exists()
    assert "expires 2099-12-31" in result.output
    again = invoke(runner, keygen, "--out", tmp_path / "ci")
    assert again.exit_code == 2 and "refusing to overwrite" in again.output
    assert invoke(runner, keygen, "--out", tmp_path / "ci", "--force").exit_code == 0


def test_keygen_without_passphrase_is_a_usage_error(runner, tmp_path, monkeypatch):
    monkeypatch.delenv("COMPLYAI_KEY_PASSWORD", raising=False)
    result = invoke(runner, keygen, "--out", tmp_path / "k")
    assert result.exit_code == 2
    assert "COMPLYAI_KEY_PASSWORD is not set" in result.output
    assert list(tmp_path.iterdir()) == []


def test_declare_then_verify_with_files(runner, declared, project, keypair):
    result = invoke(runner, verify, declared, "--key", keypair["pub"], project["card"], project["sbom"])
    assert result.exit_code == 0, result.output
    assert "signed by key SHA256:" in result.output
    assert "ok " in result.output and "model/card.yaml" in result.output
    assert "Triage Assist 2.1.0 by Example Health AI GmbH" in result.output


def test_verify_json_output(runner, declared, project, keypair):
    result = invoke(runner, verify, declared, "--key", keypair["pub"], project["card"], "--format", "json")
    report = json.loads(result.output)
    assert report["verified"] is True
    assert report["filesChecked"][0]["subject"] == "model/card.yaml"


def test_verify_rejects_a_changed_file_with_exit_1(runner, declared, project, keypair):
    project["card"].write_text(project["card"].read_text() + "# edited\n")
    result = invoke(runner, verify, declared, "--key", keypair["pub"], project["card"])
    assert result.exit_code == 1
    assert "card.yaml was changed after the declaration was signed" in result.output


def test_verify_rejects_a_flipped_signature_bit(runner, declared, keypair, tmp_path):
    envelope = json.loads(declared.read_text())
    sig = bytearray(base64.b64decode(envelope["signatures"][0]["sig"]))
    sig[-1] ^= 1
    envelope["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(envelope))
    result = invoke(runner, verify, bad, "--key", keypair["pub"])
    assert result.exit_code == 1 and "signature does not verify" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "say whom to trust"),
        (("--cert-identity", "a@b.c"), "go together"),
        (("--trusted-root", "root.json", "--key", "k.pub"), "--trusted-root applies to keyless"),
    ],
)
def test_verify_usage_errors_exit_2(runner, declared, args, message, tmp_path, keypair):
    args = tuple(str(keypair["pub"]) if a == "k.pub" else a for a in args)
    result = invoke(runner, verify, declared, *args)
    assert result.exit_code == 2 and message in result.output


def test_declare_refuses_on_a_failing_gate_and_writes_nothing(runner, project, keypair, fake_pipeline, tmp_path):
    fake_pipeline.verdict = make_verdict("fail", [failing_finding()])
    out = tmp_path / "decl.json"
    result = invoke(runner, declare, project["card"], "--key", keypair["key"], "--out", out)
    assert result.exit_code == 1
    assert "EUAIA-ART13-IFU" in result.output and "no declaration was issued" in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ((), "choose one way to sign"),
        (("--keyless", "--key", "k"), "choose one way to sign"),
        (("--key", "k"), "--out FILE is required"),
        (("--key", "k", "--out", "d.json", "--image", "ghcr.io/x:1"), "not pinned by digest"),
    ],
)
def test_declare_usage_errors_exit_2(runner, project, keypair, fake_pipeline, extra, message):
    extra = tuple(str(keypair["key"]) if a == "k" else a for a in extra)
    result = invoke(runner, declare, project["card"], *extra)
    assert result.exit_code == 2 and message in result.output


def test_declare_keyless_without_ci_credential_is_explained(runner, project, fake_pipeline, tmp_path, monkeypatch):
    for name in ("GITHUB_ACTIONS", "ACTIONS_ID_TOKEN_REQUEST_URL", "GITLAB_CI", "SIGSTORE_ID_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    out = tmp_path / "decl.json"
    result = invoke(runner, declare, project["card"], "--keyless", "--out", out)
    assert result.exit_code == 2
    assert "no ambient credential was found" in result.output
    assert not out.exists()


def test_render_markdown(runner, declared):
    result = invoke(runner, declare, "--render", "markdown", declared)
    assert result.exit_code == 0
    text = result.output
    assert text.startswith("# EU declaration of conformity")
    assert "## 2\\. Provider" in text or "## 2. Provider" in text
    assert "Example Health AI GmbH" in text and "ISO/IEC 42001:2023" in text
    assert "not verified by this rendering" in text


def test_render_html_escapes_card_content(runner, project, keypair, fake_pipeline, tmp_path):
    hostile = '<script>alert("x")</script> & Co'
    card = project["card"]
    card.write_text(card.read_text().replace("name: Example Health AI GmbH", "name: '" + hostile + "'"))
    out = tmp_path / "decl.json"
    assert invoke(runner, declare, card, "--key", keypair["key"], "--out", out).exit_code == 0
    page_path = tmp_path / "decl.html"
    assert invoke(runner, declare, "--render", "html", out, "--out", page_path).exit_code == 0
    page = page_path.read_text()
    assert "<script>" not in page
    assert html.escape(hostile) in page
    markdown = invoke(runner, declare, "--render", "markdown", out).output
    assert "<script>" not in markdown


def test_render_of_a_damaged_file(runner, tmp_path):
    bad = tmp_path / "d.json"
    bad.write_text('{"payloadType": "application/vnd.in-toto+json", "payload": "!!"')
    result = invoke(runner, declare, "--render", "html", bad)
    assert result.exit_code == 1 and "truncated" in result.output


def test_verify_names_covered_files_that_were_not_given(runner, declared, project, keypair):
    result = invoke(runner, verify, declared, "--key", keypair["pub"], project["card"])
    assert "covered but not given, so not checked: model/sbom.cdx.json, model/data/train.manifest.yaml" in result.output


def test_image_digests_for_the_admission_webhook(runner, project, keypair, fake_pipeline, tmp_path):
    from policy_engine.attest import TrustPolicy, load_declaration, verify_loaded

    image = "registry.example.com/triage:2.1.0@sha256:" + "d" * 64
    out = tmp_path / "decl.json"
    assert invoke(runner, declare, project["card"], "--key", keypair["key"], "--image", image, "--out", out).exit_code == 0
    verified = verify_loaded(load_declaration(out), TrustPolicy.from_key_files([keypair["pub"]]))
    assert verified.image_digests() == ["sha256:" + "d" * 64]
    assert verified.images() == [{"ref": image, "name": "registry.example.com/triage", "digest": "sha256:" + "d" * 64}]
    assert "registry.example.com/triage" not in [s.name for s in verified.file_subjects]
    result = invoke(runner, verify, out, "--key", keypair["pub"])
    assert "covers image sha256:" + "d" * 64 in result.output


def test_reevaluate_needs_every_covered_file(runner, declared, project, keypair, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    project["manifest"].unlink()
    result = invoke(runner, verify, declared, "--key", keypair["pub"], project["card"], "--reevaluate")
    assert result.exit_code == 2
    assert "not found: model/data/train.manifest.yaml" in result.output


def test_reevaluate_reports_a_deploy_gate_that_fails_now(runner, declared, project, keypair, monkeypatch):
    import policy_engine.pipeline as pipeline

    audited = []

    def run_audit(options):
        audited.append(options)
        return make_verdict("fail", [failing_finding()], stage="deploy")

    monkeypatch.setattr(pipeline, "run_audit", run_audit)
    result = invoke(runner, verify, declared, "--key", keypair["pub"], project["card"], "--reevaluate")
    assert result.exit_code == 1
    assert "fail the deploy gate now" in result.output and "EUAIA-ART13-IFU" in result.output
    assert audited[0].stage == "deploy" and audited[0].explicit_only
    assert sorted(p.name for p in audited[0].paths) == ["card.yaml", "sbom.cdx.json", "train.manifest.yaml"]
