"""Every CI file parses and names only things that exist: action inputs/outputs, command options, the
variables a script reads, the reports a job declares, the files a Dockerfile copies."""

from __future__ import annotations

import re

import pytest
import yaml

from policy_engine.cli.ci import ci

from .conftest import ROOT

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
ACTION_TEXT = (ROOT / "action.yml").read_text()
GITLAB_TEXT = (ROOT / "ci" / "gitlab" / "complyai.gitlab-ci.yml").read_text()
GITLAB = yaml.safe_load(GITLAB_TEXT)
WORKFLOWS = sorted((ROOT / "ci" / "github").glob("*.yml"))
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def test_every_ci_yaml_file_parses():
    files = [ROOT / "action.yml", ROOT / ".pre-commit-hooks.yaml", *WORKFLOWS,
             *(ROOT / "ci" / "gitlab").glob("*.yml")]
    assert len(WORKFLOWS) >= 2
    for path in files:
        assert yaml.safe_load(path.read_text()), path


def test_action_expressions_name_declared_inputs_and_step_outputs():
    inputs = set(ACTION["inputs"])
    step_ids = {step.get("id") for step in ACTION["runs"]["steps"]}
    used = re.findall(r"inputs\.([A-Za-z0-9_-]+)", " ".join(EXPR.findall(ACTION_TEXT)))
    assert used and set(used) <= inputs, set(used) - inputs
    assert inputs <= set(used), f"declared but never used: {inputs - set(used)}"
    for name, spec in ACTION["outputs"].items():
        step, output = re.fullmatch(r"\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}", spec["value"]).groups()
        assert step in step_ids, name


def test_the_audit_step_passes_inputs_as_environment_the_command_reads():
    step = next(s for s in ACTION["runs"]["steps"] if s.get("id") == "audit")
    assert "${{" not in step["run"]  # no input is spliced into shell code
    command = ci.get_command(None, step["run"].split()[2])
    envvars = {param.envvar for param in command.params if param.envvar}
    assert {k for k in step["env"] if k.startswith("COMPLYAI_")} == envvars


def test_the_action_installs_itself_and_is_composite():
    assert ACTION["runs"]["using"] == "composite"
    install = next(s for s in ACTION["runs"]["steps"] if s.get("id") == "install")
    assert "$GITHUB_ACTION_PATH" in install["run"] and "GITHUB_PATH" in install["run"]
    for step in ACTION["runs"]["steps"]:
        assert "uses" in step or step.get("shell") == "bash"
        if "uses" in step:
            assert re.search(r"@v\d+$", step["uses"]), step["uses"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_example_workflows_use_only_declared_inputs_and_outputs(path):
    workflow = yaml.safe_load(path.read_text())
    text = path.read_text()
    for job in workflow["jobs"].values():
        ours = [s for s in job["steps"] if str(s.get("uses", "")).startswith("complyai/complyai@")]
        assert ours, "the example should use the action"
        for step in ours:
            assert set(step.get("with") or {}) <= set(ACTION["inputs"])
            for output in re.findall(rf"steps\.{step['id']}\.outputs\.([\w-]+)", text):
                assert output in ACTION["outputs"], output


def test_pull_request_workflow_uploads_sarif_for_changed_files():
    workflow = yaml.safe_load((ROOT / "ci/github/complyai-pull-request.yml").read_text())
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["audit"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    audit = next(s for s in steps if s.get("id") == "complyai")
    assert "pull_request.base.sha" in audit["with"]["changed-since"]
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@"))
    assert "always()" in upload["if"] and "steps.complyai.outputs.sarif-file" in upload["with"]["sarif_file"]


def test_release_workflow_declares_keyless_and_attaches_it():
    workflow = yaml.safe_load((ROOT / "ci/github/complyai-release.yml").read_text())
    assert workflow["permissions"]["id-token"] == "write" and workflow["permissions"]["contents"] == "write"
    assert (workflow.get("on") or workflow[True])["push"]["tags"]  # YAML 1.1 reads a bare `on` as true
    runs = " ".join(s.get("run", "") for s in workflow["jobs"]["declare"]["steps"])
    assert re.search(r"complyai declare \"\$MODEL_CARD\" --keyless --out \"\$DECLARATION\"", runs)
    assert "gh release upload" in runs
    gate = next(s for s in workflow["jobs"]["declare"]["steps"] if s.get("id") == "complyai")
    assert gate["with"]["stage"] == "release"


def test_gitlab_reports_are_the_files_the_script_writes():
    job = GITLAB["complyai-audit"]
    script = " ".join(job["script"])
    reports = job["artifacts"]["reports"]
    assert job["artifacts"]["when"] == "always"  # reports of a failed gate are the point
    for kind, fmt in (("junit", "junit"), ("codequality", "gitlab")):
        assert f"--format {fmt} --output {reports[kind]}" in script
    assert "CI_MERGE_REQUEST_DIFF_BASE_SHA" in script and "--changed-since" in script
    assert any("merge_request_event" in rule["if"] for rule in job["rules"])


def test_gitlab_scripts_read_only_defined_variables():
    secrets = {"COMPLYAI_SIGNING_KEY", "COMPLYAI_KEY_PASSWORD"}  # set by the user as protected CI variables
    defined = set(GITLAB["variables"]) | set(GITLAB[".complyai-base"]["variables"]) | secrets
    for name in ("complyai-audit", "complyai-declare"):
        job = GITLAB[name]
        defined_here = defined | set(job.get("variables") or {}) | set(job.get("id_tokens") or {})
        script = " ".join(job["script"] + GITLAB[".complyai-base"]["before_script"])
        used = set(re.findall(r"\$\{?(COMPLYAI_\w+)", script))
        assert used <= defined_here, used - defined_here


def test_gitlab_release_job_signs_with_a_key_or_keyless():
    job = GITLAB["complyai-declare"]
    script = " ".join(job["script"])
    assert '--key "$COMPLYAI_SIGNING_KEY"' in script and "--keyless" in script
    assert job["id_tokens"]["SIGSTORE_ID_TOKEN"]["aud"] == "sigstore"
    try:
        from policy_engine.cli.attest import declare
    except ImportError:
        pytest.skip("complyai declare is not part of this installation")
    envvars = {param.envvar for param in declare.params}
    assert "SIGSTORE_ID_TOKEN" in envvars  # what the id_token is named for


def test_pre_commit_hooks_run_existing_commands():
    for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text()):
        words = hook["entry"].split()
        assert words[:2] == ["complyai", "ci"] and ci.get_command(None, words[2]) is not None, hook["id"]


def test_dockerfile_is_slim_non_root_with_the_cli_as_entrypoint():
    text = (ROOT / "Dockerfile").read_text()
    froms = re.findall(r"^FROM (\S+)", text, re.M)
    assert froms and all(re.fullmatch(r"python:3\.\d+-slim", image) for image in froms)
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r'^ENTRYPOINT \["complyai"\]$', text, re.M)
    ignored = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", text, re.M):
        for name in source.split():
            assert (ROOT / name).exists(), name
            assert name not in ignored, f"{name} is copied but .dockerignore drops it"
