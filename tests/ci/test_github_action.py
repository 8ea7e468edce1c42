"""action.yml run as GitHub would: its shell steps in a simulated runner (GITHUB_* variables, a step-summary file,
an output file, a workspace git repository), checking annotations, summary, outputs and the SARIF file."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from policy_engine.cli.ci import annotation_level, escape_data, escape_property, split_list
from policy_engine.findings import Finding

from .conftest import BAD_MANIFEST, CARD, ROOT, SHARED, needs_shared, write

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def evaluate(expression: str, inputs: dict[str, str], steps: dict[str, dict[str, str]]) -> str:
    """The few expression forms action.yml uses: inputs.X, github.action_path, steps.ID.outputs.X, X != ''."""
    if " != " in expression:
        left, right = expression.split(" != ")
        return "true" if evaluate(left, inputs, steps) != right.strip("'") else ""
    head, _, rest = expression.partition(".")
    if head == "inputs":
        return inputs[rest]
    if head == "github" and rest == "action_path":
        return str(ROOT)
    if head == "steps":
        step, _, name = rest.partition(".outputs.")
        return steps.get(step, {}).get(name, "")
    raise AssertionError(f"action.yml uses an expression this simulation does not know: {expression}")


def substitute(text: str, inputs: dict[str, str], steps: dict[str, dict[str, str]]) -> str:
    return EXPR.sub(lambda m: evaluate(m.group(1), inputs, steps), str(text))


def parse_outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


class Run:
    def __init__(self, returncode: int, log: str, outputs: dict[str, str], summary: str, workspace: Path):
        self.returncode, self.log, self.outputs, self.summary, self.workspace = (
            returncode, log, outputs, summary, workspace)

    def annotations(self, level: str) -> list[str]:
        return [line for line in self.log.splitlines() if line.startswith(f"::{level} ")]


def run_action(workspace: Path, env: dict[str, str], tmp: Path, **given: str) -> Run:
    """Run the composite action's steps in order; `uses:` steps and the install step are the runner's job
    (complyai is on PATH already)."""
    inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    unknown = set(given) - set(inputs)
    assert not unknown, f"not inputs of action.yml: {unknown}"
    inputs.update(given)
    summary, output = tmp / "summary.md", tmp / "output.txt"
    summary.write_text("")
    runner = {**env, "GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_WORKSPACE": str(workspace),
              "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTION_PATH": str(ROOT), "RUNNER_TEMP": str(tmp),
              "GITHUB_EVENT_NAME": "pull_request", "GITHUB_REPOSITORY": "acme/models", "GITHUB_SHA": "0" * 40}
    steps: dict[str, dict[str, str]] = {}
    log, code = "", 0
    for step in ACTION["runs"]["steps"]:
        if "if" in step and not substitute(step["if"], inputs, steps):
            continue
        if "uses" in step or step.get("id") == "install":
            continue
        output.write_text("")
        step_env = {k: substitute(v, inputs, steps) for k, v in (step.get("env") or {}).items()}
        result = subprocess.run([step["shell"], "-e", "-c", substitute(step["run"], inputs, steps)], cwd=workspace,
                                env={**runner, **step_env, "GITHUB_OUTPUT": str(output)}, capture_output=True,
                                text=True, timeout=120)
        log += result.stdout + result.stderr
        if step.get("id"):
            steps[step["id"]] = parse_outputs(output)
        code = result.returncode
        if code:
            break
    outputs = {name: substitute(spec["value"], inputs, steps) for name, spec in ACTION["outputs"].items()}
    return Run(code, log, outputs, summary.read_text(), workspace)


def validate_sarif(path: Path) -> dict:
    log = json.loads(path.read_text())
    if SHARED.exists():
        import jsonschema

        schema = json.loads((SHARED / "data" / "schemas" / "sarif-2.1.0.json").read_text())
        jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER).validate(log)
    return log


def test_a_non_compliant_pull_request_fails_with_annotations_summary_outputs_and_sarif(repo, cli_env, tmp_path):
    write(repo / "data" / "tickets.yaml", BAD_MANIFEST)
    run = run_action(repo, cli_env, tmp_path, **{"changed-since": "main", "fail-on": "high"})
    assert run.returncode == 1, run.log
    # Outputs: every output the action declares is set
    assert all(run.outputs.values()), run.outputs
    assert run.outputs["verdict"] == "fail"
    verdict = json.loads((repo / run.outputs["json-file"]).read_text())
    active = [f for f in verdict["findings"] if not f["waived"]]
    assert int(run.outputs["findings"]) == len(active)
    blocking = [f for f in active if f["severity"] in ("critical", "high")]
    assert int(run.outputs["blocking"]) == len(blocking) > 0
    assert sorted(verdict["artifacts"]) == ["data/tickets.yaml", "models/spam.yaml"]
    # Annotations: one error per blocking finding, at its file and line, relative to the workspace
    errors = run.annotations("error")
    assert len(errors) == len(blocking)
    transfer = next(f for f in blocking if f["rule"] == "GDPR-ART44-TRANSFER-MECHANISM")
    line = transfer["location"]["line"]
    assert any(e.startswith(f"::error file=data/tickets.yaml,line={line},col=") and
               "title=GDPR-ART44-TRANSFER-MECHANISM (critical)::" in e for e in errors)
    assert all("%0AFix: " in e for e in errors)  # the remediation travels with the annotation
    # Step summary: the Markdown report, saying what was audited
    assert "## complyai: **FAIL**" in run.summary and "changed since `main`" in run.summary
    assert "GDPR-ART44-TRANSFER-MECHANISM" in run.summary
    # SARIF: valid, one result per finding, at repository-relative paths
    sarif = validate_sarif(repo / run.outputs["sarif-file"])
    results = sarif["runs"][0]["results"]
    assert len(results) == len(verdict["findings"])
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris <= {"data/tickets.yaml", "models/spam.yaml"} and "data/tickets.yaml" in uris


def test_a_compliant_pull_request_passes_quietly(repo, cli_env, tmp_path):
    write(repo / "models" / "spam.yaml", CARD.replace("internal ticket queue", "internal ticket queue (v2)"))
    run = run_action(repo, cli_env, tmp_path, **{"changed-since": "main", "sarif-file": "reports/c.sarif"})
    assert run.returncode == 0, run.log
    assert run.outputs["verdict"] == "pass" and run.outputs["findings"] == "0"
    assert run.annotations("error") == [] and run.annotations("warning") == []
    assert "## complyai: **PASS**" in run.summary
    assert run.outputs["sarif-file"] == "reports/c.sarif"
    assert validate_sarif(repo / "reports" / "c.sarif")["runs"][0]["results"] == []


def test_nothing_changed_passes_and_says_so_with_an_uploadable_sarif(repo, cli_env, tmp_path):
    run = run_action(repo, cli_env, tmp_path, **{"changed-since": "main"})
    assert run.returncode == 0, run.log
    assert "Nothing to audit" in run.summary and "nothing to audit" in run.log.lower()
    assert run.outputs["verdict"] == "pass"
    validate_sarif(repo / "complyai.sarif")


def test_findings_below_the_threshold_warn_without_failing(repo, cli_env, tmp_path):
    write(repo / "data" / "tickets.yaml", BAD_MANIFEST)
    run = run_action(repo, cli_env, tmp_path, **{"changed-since": "main", "fail-on": "never"})
    assert run.returncode == 0, run.log
    assert run.outputs["verdict"] == "warn" and run.outputs["blocking"] == "0"
    assert run.annotations("error") == [] and run.annotations("warning")


@pytest.mark.parametrize("inputs, message", [
    ({"fail-on": "severe"}, "fail-on must be one of"),
    ({"changed-since": "no-such-ref"}, "'no-such-ref' not found"),
    ({"rulesets": "no-such-ruleset"}, "unknown ruleset"),
])
def test_bad_inputs_exit_2_with_an_error_annotation(repo, cli_env, tmp_path, inputs, message):
    run = run_action(repo, cli_env, tmp_path, **inputs)
    assert run.returncode == 2, run.log
    assert any(message in line for line in run.annotations("error")), run.log
    assert "Traceback" not in run.log


def test_the_whole_repository_without_changed_since(repo, cli_env, tmp_path):
    pytest.importorskip("policy_engine.discovery", reason="discovery (the core pipeline issue) is not here yet")
    write(repo / "data" / "other.yaml", BAD_MANIFEST)
    run = run_action(repo, cli_env, tmp_path, paths="models data")
    assert run.returncode == 1, run.log
    verdict = json.loads((repo / "complyai.json").read_text())
    assert {"models/spam.yaml", "models/other.yaml", "data/other.yaml"} <= set(verdict["artifacts"])


@needs_shared
def test_sarif_check_is_not_vacuous(repo, cli_env, tmp_path):
    import jsonschema

    write(repo / "data" / "tickets.yaml", BAD_MANIFEST)
    run_action(repo, cli_env, tmp_path, **{"changed-since": "main"})
    log = json.loads((repo / "complyai.sarif").read_text())
    log["runs"][0]["results"][0]["level"] = "fatal"
    (repo / "broken.sarif").write_text(json.dumps(log))
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(repo / "broken.sarif")


@pytest.mark.parametrize("text, data, prop", [
    ("plain", "plain", "plain"),
    ("50% done", "50%25 done", "50%25 done"),
    ("a\nb\r", "a%0Ab%0D", "a%0Ab%0D"),
    ("file: a, b", "file: a, b", "file%3A a%2C b"),
])
def test_workflow_command_escaping(text, data, prop):
    assert escape_data(text) == data
    assert escape_property(text) == prop


@pytest.mark.parametrize("severity, waived, fail_on, level", [
    ("critical", False, "high", "error"),
    ("high", False, "high", "error"),
    ("medium", False, "high", "warning"),
    ("medium", False, "medium", "error"),
    ("low", False, "never", "warning"),
    ("info", False, "low", "notice"),
    ("critical", True, "high", "notice"),
])
def test_annotation_level_follows_the_gate(severity, waived, fail_on, level):
    finding = Finding(rule="R", ruleset="x", severity=severity, title="t", message="m", artifact="a.yaml",
                      waived=waived)
    assert annotation_level(finding, fail_on) == level


@pytest.mark.parametrize("value, expected", [
    ("", []),
    (".", ["."]),
    ("models data", ["models", "data"]),
    ("models,data", ["models", "data"]),
    ("models\ndata/x.yaml\n", ["models", "data/x.yaml"]),
    ("'my models' data", ["my models", "data"]),
])
def test_list_inputs_split_like_a_person_writes_them(value, expected):
    assert split_list(value) == expected
