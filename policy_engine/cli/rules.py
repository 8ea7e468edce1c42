"""`complyai rules`: list, explain, test and document the controls."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from policy_engine.errors import UsageError


def _engine(rulesets: tuple[str, ...]):  # noqa: ANN202
    from policy_engine.pipeline import load_engine, resolve_rulesets

    return load_engine(resolve_rulesets(list(rulesets)))


def control_record(control, ruleset) -> dict:  # noqa: ANN001
    named = ruleset.dates.get(control.effective_name) if control.effective_name else None
    return {
        "id": control.id, "ruleset": control.ruleset, "law": ruleset.law, "title": control.title,
        "severity": control.severity, "citation": control.citation, "stage": control.stage,
        "effective": control.effective, "pending": control.pending,
        "pendingSource": named.pending_source if named and named.pending else None,
        "appliesTo": list(control.applies_to), "fields": list(control.fields_read),
        "requirement": control.requirement, "remediation": control.remediation,
    }


@click.group()
def rules() -> None:
    """List, explain, test and document the controls of the rulesets."""


@rules.command("list")
@click.option("--ruleset", "rulesets", multiple=True, metavar="ID|PATH", help="Only these rulesets.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def list_rules(rulesets: tuple[str, ...], fmt: str) -> None:
    """Every control with its id, ruleset, severity, citation, stage and effective date."""
    engine = _engine(rulesets)
    records = [control_record(c, r) for r in engine.rulesets for c in r.controls]
    if fmt == "json":
        payload = {"rulesets": [{"id": r.id, "title": r.title, "law": r.law, "version": r.version,
                                 "sha256": r.sha256, "controls": len(r.controls)} for r in engine.rulesets],
                   "rules": records}
        click.echo(json.dumps(payload, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False, header_style="bold")
    for column in ("id", "severity", "stage", "effective", "citation"):
        table.add_column(column)
    for record in records:
        effective = record["effective"] or ""
        if record["pending"]:
            effective += f" (pending {record['pending']})"
        table.add_row(record["id"], record["severity"], record["stage"], effective, record["citation"])
    console = Console(no_color=not sys.stdout.isatty(), width=160 if not sys.stdout.isatty() else None)
    console.print(table)
    console.print(f"{len(records)} controls in {len(engine.rulesets)} rulesets")


@rules.command("explain")
@click.argument("control_id")
@click.option("--ruleset", "rulesets", multiple=True, metavar="ID|PATH")
def explain(control_id: str, rulesets: tuple[str, ...]) -> None:
    """Citation, requirement, remediation, fields read, and a failing and a passing example of a control."""
    from policy_engine.ruletests import examples_for

    engine = _engine(rulesets)
    control = engine.controls.get(control_id) or engine.controls.get(control_id.upper())
    if control is None:
        import difflib

        close = difflib.get_close_matches(control_id.upper(), list(engine.controls), n=3)
        raise UsageError(f"no control {control_id!r}", hint=f"did you mean {', '.join(close)}?" if close
                         else "`complyai rules list` shows every id")
    ruleset = next(r for r in engine.rulesets if r.id == control.ruleset)
    record = control_record(control, ruleset)
    lines = [f"{control.id} — {control.title}", "",
             f"  law:          {ruleset.law}", f"  citation:     {control.citation}",
             f"  severity:     {control.severity}", f"  stage:        {control.stage} and later",
             f"  effective:    {control.effective or 'always'}"
             + (f" (pending {control.pending}: {record['pendingSource']})" if control.pending else ""),
             f"  applies to:   {', '.join(control.applies_to)}", f"  defined at:   {control.source}", "",
             "Requirement:", f"  {control.requirement}", "", "Applies when:", f"  {control.applies_when}", "",
             "Check:", f"  {control.check}", "", "Fields read:"]
    lines += [f"  - {field}" for field in control.fields_read] or ["  (none)"]
    lines += ["", "Remediation:", f"  {control.remediation}"]
    failing, passing = examples_for(control)
    if failing:
        lines += ["", "A failing example (spec excerpt):", *("  " + ln for ln in failing.splitlines())]
    if passing:
        lines += ["", "A passing example (spec excerpt):", *("  " + ln for ln in passing.splitlines())]
    click.echo("\n".join(lines))


@rules.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--verbose", "-v", is_flag=True, help="Show every case, not only failures.")
def test_rules(paths: tuple[Path, ...], verbose: bool) -> None:
    """Run the cases in each ruleset's tests/ folder (default: all bundled rulesets).

    A case is a folder with artifacts and an expect.yaml: `fires: [ids]`, `not_fires: [ids]`, and
    optionally `stage:` and `as_of:`. Prints per-control coverage; exits 1 on any failure.
    """
    from policy_engine.ruletests import run_ruleset_tests

    report = run_ruleset_tests([str(p) for p in paths])
    for line in report.lines(verbose):
        click.echo(line)
    sys.exit(1 if report.failures else 0)


@rules.command("docs")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("docs/rules"),
              show_default=True, help="Folder for one Markdown file per ruleset.")
@click.option("--ruleset", "rulesets", multiple=True, metavar="ID|PATH")
def docs(out_dir: Path, rulesets: tuple[str, ...]) -> None:
    """Generate the Markdown reference of every control (id, citation, requirement, fields, examples)."""
    from policy_engine.report import write_atomic
    from policy_engine.ruledocs import ruleset_markdown

    engine = _engine(rulesets)
    out_dir.mkdir(parents=True, exist_ok=True)
    for ruleset in engine.rulesets:
        write_atomic(out_dir / f"{ruleset.id}.md", ruleset_markdown(ruleset))
        click.echo(f"wrote {out_dir / (ruleset.id + '.md')} ({len(ruleset.controls)} controls)")
