"""The command line as a user meets it: exit codes, messages, formats, files written atomically."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from policy_engine.cli import main

CARD = textwrap.dedent("""\
    apiVersion: complyai/v1
    kind: ModelCard
    metadata: {name: chatbot, version: "2.0"}
    spec:
      kind: ai_system
      market: {eu_market: true}
      risk: {tier: limited}
      capabilities: [conversational_interaction]
    """)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    (tmp_path / "card.yaml").write_text(CARD)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and "complyai, version" in result.output


def test_json_report_is_the_verdict_contract(repo):
    result = invoke("audit", "card.yaml", "--format", "json", "--as-of", "2027-01-01", "--stage", "release")
    verdict = json.loads(result.output)
    assert verdict["schemaVersion"] and verdict["decision"] in ("pass", "warn", "fail")
    assert result.exit_code == (1 if verdict["decision"] == "fail" else 0)
    assert {"EUAIA-ART50-1-AI-INTERACTION-DISCLOSURE"} <= {f["rule"] for f in verdict["findings"]}


def test_formats_pair_with_outputs_by_position(repo):
    result = invoke("audit", "card.yaml", "--format", "sarif", "--output", "out.sarif", "--format", "junit",
                    "--output", "out.xml", "--format", "markdown")
    assert (repo / "out.sarif").is_file() and (repo / "out.xml").is_file()
    assert json.loads((repo / "out.sarif").read_text())["version"] == "2.1.0"
    assert result.output.lstrip().startswith("#") or "**" in result.output  # markdown on stdout
    assert not [p for p in repo.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")]


def test_more_outputs_than_formats_is_a_usage_error(repo):
    result = invoke("audit", "card.yaml", "--output", "a.json", "--output", "b.json")
    assert result.exit_code == 2 and "more --output files than --format" in result.output


def test_missing_path_exits_2_naming_it(repo):
    result = invoke("audit", "nope.yaml")
    assert result.exit_code == 2 and "path not found: nope.yaml" in result.output


def test_fail_on_never_exits_0(repo):
    assert invoke("audit", "card.yaml", "--fail-on", "never", "-q").exit_code == 0


def test_broken_config_exits_2_with_file_and_line(repo):
    (repo / ".complyai.yaml").write_text("fail_on: sometimes\n")
    result = invoke("audit", "card.yaml")
    assert result.exit_code == 2 and ".complyai.yaml:1" in result.output and "sometimes" in result.output


def test_broken_user_ruleset_exits_2_with_file_and_line(repo):
    folder = repo / "my-rules"
    folder.mkdir()
    (folder / "ruleset.yaml").write_text("id: mine\ntitle: Mine\nversion: '1'\n")
    (folder / "controls.cedar").write_text(
        'permit (principal, action, resource);\n'
        '@id("MINE-1") @severity("high") @title("t") @citation("c") @remediation("r")\n'
        'forbid (principal, action, resource) when { context.model_card.nonexistent == 1 };\n')
    result = invoke("audit", "card.yaml", "--ruleset", str(folder))
    assert result.exit_code == 2 and "controls.cedar:2" in result.output


def test_unknown_ruleset_lists_the_bundled_ones(repo):
    result = invoke("audit", "--ruleset", "sox")
    assert result.exit_code == 2 and "eu-ai-act" in result.output


def test_internal_errors_exit_3_with_one_line(repo, monkeypatch):
    import policy_engine.pipeline as pipeline

    def boom(options):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(pipeline, "run_audit", boom)
    result = CliRunner().invoke(main, ["audit", "card.yaml"])
    assert result.exit_code == 3 and "internal error: RuntimeError: kaboom" in result.output
    assert "Traceback" not in result.output


def test_rules_list_explain(repo):
    listing = json.loads(invoke("rules", "list", "--format", "json").output)
    assert len(listing["rules"]) == 205
    sample = next(c for c in listing["rules"] if c["id"] == "EUAIA-ART14-HUMAN-OVERSIGHT-DESIGN")
    assert sample["pending"] == "2027-12-02" and sample["stage"] == "release" and sample["law"]
    explained = invoke("rules", "explain", "GDPR-ART44-TRANSFER-MECHANISM")
    citation = next(c["citation"] for c in listing["rules"] if c["id"] == "GDPR-ART44-TRANSFER-MECHANISM")
    assert explained.exit_code == 0 and citation in explained.output and "Remediation" in explained.output
    typo = invoke("rules", "explain", "GDPR-ART44-TRANSFER-MECHANISN")
    assert typo.exit_code == 2 and "did you mean GDPR-ART44-TRANSFER-MECHANISM" in typo.output


def test_init_never_overwrites_without_force(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert invoke("init").exit_code == 0
    assert all((tmp_path / n).is_file() for n in (".complyai.yaml", "model_card.yaml", "datamanifest.yaml"))
    again = invoke("init")
    assert again.exit_code == 2 and "--force" in again.output
    assert invoke("init", "--force").exit_code == 0
    assert invoke("audit", "--fail-on", "never", "-q").exit_code == 0


HOSTILE = {
    "broken.yaml": "apiVersion: complyai/v1\nkind: ModelCard\nmetadata: {name: x\nspec:\n  risk: [\n",
    "bomb.yaml": "apiVersion: complyai/v1\na: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)),
    "deep.yaml": "apiVersion: complyai/v1\nkind: ModelCard\nspec: " + "[" * 5000 + "]" * 5000 + "\n",
    "latin1.yaml": "apiVersion: complyai/v1\nkind: ModelCard\nmetadata: {name: caf\xe9}\n",
    "kind.yaml": "apiVersion: complyai/v1\nkind: ModelCart\nmetadata: {name: x}\nspec: {}\n",
    "api.yaml": "apiVersion: complyai/v9\nkind: ModelCard\nmetadata: {name: x}\nspec: {}\n",
    "list.yaml": "apiVersion: complyai/v1\n- a\n- b\n",
    "empty.yaml": "",
    "bom.json": '{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [',
    "bom.xml": '<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components>',
    "spdx.json": '{"spdxVersion": "SPDX-2.3", "packages": 5}',
    "types.yaml": "apiVersion: complyai/v1\nkind: ModelCard\nmetadata: {name: x}\nspec:\n  risk: {tier: 7}\n"
                  "  market: {eu_market: yes-please}\n  capabilities: high\n",
}


def test_hostile_inputs_give_findings_never_tracebacks(tmp_path):
    for name, text in HOSTILE.items():
        path = tmp_path / name
        path.write_bytes(text.encode("latin-1") if name == "latin1.yaml" else text.encode())
    (tmp_path / "binary.json").write_bytes(b"\x00\xff\xfe" * 1000)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    files = sorted(str(p) for p in tmp_path.iterdir())
    process = subprocess.run([sys.executable, "-m", "policy_engine", "audit", *files, "--format", "json"],
                             capture_output=True, text=True, timeout=60, env=env)
    assert "Traceback" not in process.stderr and process.returncode == 1, process.stderr[-2000:]
    findings = json.loads(process.stdout)["findings"]
    flagged = {Path(f["artifact"]).name for f in findings if f["rule"] in ("COMPLYAI-PARSE", "COMPLYAI-SCHEMA")}
    assert set(HOSTILE) - {"empty.yaml"} <= flagged | {"empty.yaml"}
    assert all(isinstance(f["location"]["line"], int) for f in findings)
