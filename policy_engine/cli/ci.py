"""`complyai ci ...`: thin adapters that put the one pipeline into pre-commit and CI systems.

* ``complyai ci pre-commit FILES``: what the pre-commit hook runs. Audits the artifacts among FILES and every
  artifact that links to one of them (a model card whose data manifest changed); other files are ignored.
* ``complyai ci scan-changed FILES``: the optional data hook. Rescans the data files among FILES that a data
  manifest lists (refreshing the evidence cache) and audits those manifests and the artifacts linking to them.
* ``complyai ci github``: the GitHub Action's one step. Runs the audit once and writes JSON, SARIF and Markdown,
  appends the Markdown to ``$GITHUB_STEP_SUMMARY``, prints ``::error``/``::warning``/``::notice`` workflow
  commands per finding, sets ``$GITHUB_OUTPUT`` and exits with the gate's code.

Inputs come as options or, for the action, as ``COMPLYAI_*`` environment variables, so that no input is ever
interpolated into shell code.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import click

from policy_engine.errors import ComplyError, UsageError
from policy_engine.findings import FAIL_ON_CHOICES, SEVERITY_RANK, STAGES, Finding, Verdict

MAX_ANNOTATIONS = 50  # GitHub shows at most 50 annotations per step (10 errors + 10 warnings per step run)


@click.group()
def ci() -> None:
    """Adapters for pre-commit and CI systems (used by .pre-commit-hooks.yaml and action.yml)."""


def _gate_options(command):  # noqa: ANN001, ANN202 - a click decorator
    command = click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                           help="Configuration file (default: the nearest .complyai.yaml).")(command)
    command = click.option("--ruleset", "rulesets", multiple=True, metavar="ID|PATH",
                           help="Ruleset id or folder (repeatable). Default: config, else all bundled.")(command)
    command = click.option("--stage", type=click.Choice(STAGES), default=None,
                           help="Lifecycle stage (default: config, else commit).")(command)
    command = click.option("--fail-on", type=click.Choice(FAIL_ON_CHOICES), default=None,
                           help="Lowest severity that fails (default: config, else high).")(command)
    return command


def _repo_root() -> Path:
    """The top of the git work tree holding the working directory (pre-commit runs hooks there)."""
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


def _audit_files(files: list[Path], fail_on: str | None, stage: str | None, rulesets: tuple[str, ...],
                 config_path: Path | None) -> Verdict:
    from policy_engine.pipeline import AuditOptions, run_audit

    return run_audit(AuditOptions(paths=files, fail_on=fail_on, stage=stage, rulesets=list(rulesets),
                                  config_path=config_path, explicit_only=True))


def _print_report(verdict: Verdict, quiet: bool, no_color: bool) -> None:
    from policy_engine.report import render

    color = sys.stdout.isatty() and not no_color and not os.environ.get("NO_COLOR")
    click.echo(render(verdict, "text", color=color, quiet=quiet), nl=False)


@ci.command("pre-commit")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@_gate_options
@click.option("--quiet", "-q", is_flag=True, help="Print only the one-line summary.")
@click.option("--no-color", is_flag=True, help="Never colour the report.")
def pre_commit(files: tuple[Path, ...], fail_on: str | None, stage: str | None, rulesets: tuple[str, ...],
               config_path: Path | None, quiet: bool, no_color: bool) -> None:
    """Audit the artifacts among FILES and the artifacts that link to them; ignore other files.

    \b
    Exit codes: 0 passed (or nothing to audit) · 1 gate failed · 2 usage/config error · 3 internal error.
    """
    from policy_engine.changes import _relative, affected_artifacts

    targets = _relative(affected_artifacts(list(files), [_repo_root()]))
    if not targets:
        click.echo(f"complyai: nothing to audit: none of the {len(files)} file(s) is a model card, data manifest "
                   "or SBOM, or linked from one")
        return
    verdict = _audit_files(targets, fail_on, stage, rulesets, config_path)
    _print_report(verdict, quiet, no_color)
    sys.exit(verdict.exit_code)


@ci.command("scan-changed")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@_gate_options
@click.option("--no-model", is_flag=True, help="Patterns only: skip the ONNX classifier.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the one-line summary.")
@click.option("--no-color", is_flag=True, help="Never colour the report.")
def scan_changed(files: tuple[Path, ...], fail_on: str | None, stage: str | None, rulesets: tuple[str, ...],
                 config_path: Path | None, no_model: bool, quiet: bool, no_color: bool) -> None:
    """Rescan the data files among FILES that a data manifest lists, then audit those manifests.

    Evidence is cached under .complyai/cache/, where the audit reads it when `scan.enabled` is set in
    .complyai.yaml. Data files no manifest lists are ignored.
    """
    from policy_engine.changes import _relative, candidate_files, linking_artifacts

    root = _repo_root()
    data = [Path(f).resolve() for f in files if Path(f).is_file()]
    manifests = linking_artifacts(data, candidate_files([root])) if data else []
    if not manifests:
        click.echo(f"complyai: nothing to scan: no data manifest lists any of the {len(files)} file(s)")
        return
    from policy_engine.artifacts import load_artifact
    from policy_engine.changes import _manifest_lists
    from policy_engine.scan import scan_files

    listed: list[Path] = []
    listing = 0
    for manifest in manifests:  # the manifests that list the files, and the cards linking to them
        artifact = load_artifact(manifest, str(manifest))
        if artifact.kind == "data_manifest":
            mine = [f for f in data if _manifest_lists(artifact.document, manifest, f)]
            listing += bool(mine)
            listed += [f for f in mine if f not in listed]
    evidence = scan_files(listed, cache_dir=root / ".complyai" / "cache", use_model=not no_model)
    errors = [ev for ev in evidence if getattr(ev, "error", None)]
    unread = f"; {len(errors)} could not be read" if errors else ""
    click.echo(f"complyai: scanned {len(evidence)} data file(s) listed in {listing} data manifest(s){unread}")
    for ev in errors:
        click.echo(f"  {ev.path}: {ev.error}", err=True)
    verdict = _audit_files(_relative(manifests), fail_on, stage, rulesets, config_path)
    _print_report(verdict, quiet, no_color)
    sys.exit(max(verdict.exit_code, 1 if errors else 0))


# --- GitHub Actions -----------------------------------------------------------------------------------------


def split_list(value: str | None) -> list[str]:
    """An action input holding several values: separated by newlines, commas or spaces (shell quoting works)."""
    out: list[str] = []
    for line in (value or "").splitlines():
        try:
            out += shlex.split(line.replace(",", " "))
        except ValueError as error:
            raise UsageError(f"cannot split the list {line!r}: {error}", hint="balance the quotes") from None
    return out


def _choice(value: str | None, choices: tuple[str, ...], name: str) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if value not in choices:
        raise UsageError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def escape_data(text: str) -> str:
    """Escape a workflow-command message (GitHub's toolkit escapeData)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow-command property value (GitHub's toolkit escapeProperty)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_level(finding: Finding, fail_on: str) -> str:
    """error: the finding fails the gate; warning: an active finding below the threshold; notice: the rest."""
    if finding.waived or finding.severity == "info":
        return "notice"
    if fail_on != "never" and SEVERITY_RANK[finding.severity] >= SEVERITY_RANK[fail_on]:
        return "error"
    return "warning"


def _repo_path(artifact: str, workspace: Path) -> str:
    """The finding's file relative to the repository root, the form GitHub annotations need."""
    path = (Path.cwd() / artifact).resolve()
    try:
        return path.relative_to(workspace.resolve()).as_posix()
    except ValueError:
        return Path(artifact).as_posix()


def annotations(verdict: Verdict, workspace: Path, limit: int = MAX_ANNOTATIONS) -> list[str]:
    """One workflow command per finding, gate-failing ones first; a last notice says how many were left out."""
    order = {"error": 0, "warning": 1, "notice": 2}
    ranked = sorted(verdict.findings, key=lambda f: (order[annotation_level(f, verdict.fail_on)],
                                                     -SEVERITY_RANK[f.severity], f.artifact, f.location.line))
    lines = []
    for finding in ranked[:limit]:
        level = annotation_level(finding, verdict.fail_on)
        title = f"{finding.rule} ({'waived' if finding.waived else finding.severity})"
        message = finding.message or finding.title
        if finding.title and finding.title not in message:
            message = f"{finding.title}: {message}"
        if finding.citation:
            message += f"\n{finding.citation}"
        if finding.remediation:
            message += f"\nFix: {finding.remediation}"
        props = (f"file={escape_property(_repo_path(finding.artifact, workspace))},"
                 f"line={max(1, finding.location.line)},col={max(1, finding.location.column)},"
                 f"title={escape_property(title)}")
        lines.append(f"::{level} {props}::{escape_data(message)}")
    if len(ranked) > limit:
        lines.append(f"::notice title=complyai::{len(ranked) - limit} more finding(s) are in the job summary "
                     "and the SARIF file")
    return lines


def write_outputs(path: Path, values: dict[str, str]) -> None:
    """Append name=value lines to $GITHUB_OUTPUT (values are single-line)."""
    with path.open("a", encoding="utf-8") as handle:
        for name, value in values.items():
            handle.write(f"{name}={value.replace(chr(10), ' ')}\n")


@ci.command("github")
@click.option("--paths", envvar="COMPLYAI_PATHS", default=".", show_default=True,
              help="What to audit: paths separated by spaces, commas or newlines (action input `paths`).")
@click.option("--rulesets", envvar="COMPLYAI_RULESETS", default="",
              help="Ruleset ids or folders, separated likewise (default: config, else all bundled).")
@click.option("--fail-on", envvar="COMPLYAI_FAIL_ON", default="", help="critical|high|medium|low|never.")
@click.option("--stage", envvar="COMPLYAI_STAGE", default="", help="commit|release|deploy.")
@click.option("--changed-since", envvar="COMPLYAI_CHANGED_SINCE", default="",
              help="Only artifacts changed since this git ref (and those linking to them).")
@click.option("--config", "config_path", envvar="COMPLYAI_CONFIG", default="", help="Configuration file.")
@click.option("--sarif-file", envvar="COMPLYAI_SARIF_FILE", default="complyai.sarif", show_default=True)
@click.option("--json-file", envvar="COMPLYAI_JSON_FILE", default="complyai.json", show_default=True)
@click.option("--markdown-file", envvar="COMPLYAI_MARKDOWN_FILE", default="complyai.md", show_default=True)
def github(paths: str, rulesets: str, fail_on: str, stage: str, changed_since: str, config_path: str,
           sarif_file: str, json_file: str, markdown_file: str) -> None:
    """Run the audit as a GitHub Actions step: reports, job summary, annotations, outputs, exit code."""
    try:
        _github(paths, rulesets, fail_on, stage, changed_since, config_path, sarif_file, json_file, markdown_file)
    except ComplyError as error:
        # The log line alone is easy to miss in a long job: also raise an annotation on the run.
        click.echo(f"::error title=complyai::{escape_data(error.diagnostics())}")
        raise


def _github(paths: str, rulesets: str, fail_on: str, stage: str, changed_since: str, config_path: str,
            sarif_file: str, json_file: str, markdown_file: str) -> None:
    from policy_engine.cli.audit import rule_infos
    from policy_engine.pipeline import AuditOptions, run_audit
    from policy_engine.report import render, write_atomic

    env = os.environ
    workspace = Path(env.get("GITHUB_WORKSPACE") or Path.cwd())
    config = Path(config_path) if config_path.strip() else None
    if config is not None and not config.is_file():
        raise UsageError(f"config file not found: {config}", hint="set the `config` input to a file in the repo")
    options = AuditOptions(paths=[Path(p) for p in split_list(paths)] or [Path(".")],
                           fail_on=_choice(fail_on, FAIL_ON_CHOICES, "fail-on"),
                           stage=_choice(stage, STAGES, "stage"), rulesets=split_list(rulesets),
                           config_path=config)
    note = ""
    ref = changed_since.strip()
    if ref:
        from policy_engine.changes import changed_artifacts

        options.paths = changed_artifacts(ref, options.paths)
        options.explicit_only = True
        if not options.paths:
            note = (f"Nothing to audit: no model card, data manifest or SBOM under "
                    f"{' '.join(split_list(paths)) or '.'} changed since `{ref}`, and none links to a changed file.")
        else:
            note = f"Audited {len(options.paths)} artifact(s) changed since `{ref}` or linking to a change."
    verdict = run_audit(options)

    infos = rule_infos(verdict)
    markdown = render(verdict, "markdown", rules=infos)
    if note:
        markdown = markdown.replace("\n\n", f"\n\n{note}\n\n", 1)
    outputs = {Path(json_file): render(verdict, "json"), Path(sarif_file): render(verdict, "sarif", rules=infos),
               Path(markdown_file): markdown}
    for path, text in outputs.items():
        if path.parent != Path("."):
            path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)

    if note:
        click.echo(f"complyai: {note.replace('`', '')}")
    click.echo(render(verdict, "text", quiet=True), nl=False)
    for line in annotations(verdict, workspace):
        click.echo(line)
    if env.get("GITHUB_STEP_SUMMARY"):
        with open(env["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")
    counts = verdict.summary()
    blocking = sum(1 for f in verdict.findings if annotation_level(f, verdict.fail_on) == "error")
    if env.get("GITHUB_OUTPUT"):
        write_outputs(Path(env["GITHUB_OUTPUT"]), {
            "verdict": verdict.decision,
            "findings": str(counts["total"] - counts["waived"]),
            "blocking": str(blocking),
            "sarif-file": str(sarif_file),
            "json-file": str(json_file),
            "markdown-file": str(markdown_file),
            "exit-code": str(verdict.exit_code),
        })
    sys.exit(verdict.exit_code)


if __name__ == "__main__":  # `python -m policy_engine.cli.ci ...` until `ci` is in the command table
    from policy_engine.cli import COMMANDS, main

    COMMANDS.setdefault("ci", "policy_engine.cli.ci:ci")
    main(["ci", *sys.argv[1:]], prog_name="complyai")
