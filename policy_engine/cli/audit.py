"""`complyai audit`: the gate."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from policy_engine.cli.options import DATE
from policy_engine.errors import UsageError
from policy_engine.findings import FAIL_ON_CHOICES, STAGES, Verdict

FORMAT_CHOICES = ("text", "json", "sarif", "junit", "gitlab", "markdown")


def rule_infos(verdict: Verdict) -> dict:
    """Metadata of every control that judged the verdict, for SARIF rules and JUnit test cases."""
    from policy_engine.pipeline import load_engine
    from policy_engine.report import RuleInfo

    engine = load_engine([Path(r.path).resolve() for r in verdict.rulesets])  # already loaded: cached
    return {c.id: RuleInfo(id=c.id, ruleset=c.ruleset, title=c.title, severity=c.severity, citation=c.citation,
                           remediation=c.remediation, help_text=c.requirement, tags=(c.ruleset, c.stage))
            for c in engine.controls.values()}


def emit(verdict: Verdict, formats: tuple[str, ...], outputs: tuple[Path, ...], quiet: bool, no_color: bool) -> None:
    """Write each requested format: the n-th --output file belongs to the n-th --format."""
    from policy_engine.report import render, write_atomic

    formats = formats or ("text",)
    if len(outputs) > len(formats):
        raise UsageError("more --output files than --format options",
                         hint="pair them in order: --format sarif --output complyai.sarif --format text")
    infos = rule_infos(verdict) if {"sarif", "junit"} & set(formats) else None
    color = sys.stdout.isatty() and not no_color
    for index, fmt in enumerate(formats):
        text = render(verdict, fmt, color=color and index >= len(outputs), rules=infos, quiet=quiet)
        if index < len(outputs):
            write_atomic(outputs[index], text)
        else:
            click.echo(text, nl=False)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "formats", multiple=True, type=click.Choice(FORMAT_CHOICES),
              help="Report format (repeatable). Default: text.")
@click.option("--output", "outputs", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report of the matching --format (same position) to FILE, atomically.")
@click.option("--fail-on", type=click.Choice(FAIL_ON_CHOICES), default=None,
              help="Lowest severity that fails the gate (default: config, else high). 'never' only reports.")
@click.option("--stage", type=click.Choice(STAGES), default=None,
              help="Lifecycle stage whose controls apply (default: config, else commit).")
@click.option("--ruleset", "rulesets", multiple=True, metavar="ID|PATH",
              help="Ruleset id (eu-ai-act, gdpr, hipaa, dpdp) or folder; repeatable. Default: all bundled.")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Configuration file (default: the nearest .complyai.yaml above the working directory).")
@click.option("--as-of", type=DATE, default=None,
              help="Evaluate as on this date (YYYY-MM-DD); obligations not yet in force are reported as info.")
@click.option("--changed-since", metavar="REF", default=None,
              help="Only artifacts changed since the git REF, plus artifacts that link to changed files.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the one-line summary.")
@click.option("--no-color", is_flag=True, help="Never colour the text report.")
def audit(paths: tuple[Path, ...], formats: tuple[str, ...], outputs: tuple[Path, ...], fail_on: str | None,
          stage: str | None, rulesets: tuple[str, ...], config_path: Path | None, as_of, changed_since: str | None,
          quiet: bool, no_color: bool) -> None:
    """Audit model cards, data manifests and SBOMs under PATHS (default: .) and gate on the findings.

    \b
    Exit codes: 0 gate passed · 1 gate failed · 2 usage/config error · 3 internal error.
    \b
    Examples:
      complyai audit samples/
      complyai audit --stage release --fail-on medium model_cards/
      complyai audit --format sarif --output complyai.sarif --format text
      complyai audit --as-of 2027-12-02 --ruleset eu-ai-act
    """
    from policy_engine.pipeline import AuditOptions, run_audit

    options = AuditOptions(paths=list(paths) or [Path(".")], stage=stage, fail_on=fail_on, rulesets=list(rulesets),
                           as_of=as_of, config_path=config_path)
    if changed_since:
        from policy_engine.changes import changed_artifacts

        options.paths = changed_artifacts(changed_since, list(paths) or [Path(".")])
        options.explicit_only = True
        if not options.paths:  # stderr, so that JSON or SARIF on stdout stays a valid (empty) report
            click.echo(f"complyai: nothing to audit: no model card, data manifest or SBOM changed since "
                       f"{changed_since}, and none links to a changed file", err=True)
    verdict = run_audit(options)
    emit(verdict, formats, outputs, quiet, no_color)
    sys.exit(verdict.exit_code)
