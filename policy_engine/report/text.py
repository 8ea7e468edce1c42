"""``--format text``: a table per artifact for people at a terminal, then a one-line summary."""

from __future__ import annotations

import io

from policy_engine.findings import Verdict
from policy_engine.report.base import (
    DECISION_LABELS,
    RenderOptions,
    group_by_artifact,
    notes,
    printable,
    summary_line,
)

WIDTH = 120
SEVERITY_STYLES = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}
DECISION_STYLES = {"pass": "bold green", "warn": "bold yellow", "fail": "bold red"}


class TextFormat:
    suffix = ".txt"

    def render(self, verdict: Verdict, options: RenderOptions) -> str:
        summary = summary_line(verdict)
        if options.quiet and not options.color:
            return summary + "\n"
        # rich costs ~30 ms to import: only the text format pays for it, and only when it renders.
        from rich import box
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        out = io.StringIO()
        console = Console(
            file=out,
            width=WIDTH,
            force_terminal=options.color,
            color_system="standard" if options.color else None,
            no_color=not options.color,
            highlight=False,
            markup=False,
            emoji=False,
            # An empty environment: COLUMNS, NO_COLOR, TERM, ... must not change what we render.
            _environ={},
        )
        if not options.quiet:
            for artifact, findings in group_by_artifact(verdict.findings, verdict.artifacts).items():
                table = Table(
                    title=Text(printable(artifact), style="bold"),
                    title_justify="left",
                    box=box.SIMPLE_HEAD,
                    header_style="bold",
                )
                table.add_column("severity", no_wrap=True)
                table.add_column("line:col", no_wrap=True, justify="right")
                table.add_column("rule", no_wrap=True)
                table.add_column("finding", ratio=1, overflow="fold")
                for finding in findings:
                    severity = Text(finding.severity, style=SEVERITY_STYLES.get(finding.severity, ""))
                    message = Text(printable(finding.title), style="bold")
                    message.append("\n" + printable(finding.message))
                    if finding.citation:
                        message.append("\n" + printable(finding.citation), style="dim")
                    for note in notes(finding):
                        message.append("\n" + note, style="italic dim")
                    if finding.waived:
                        severity.stylize("strike")
                    table.add_row(
                        severity,
                        Text(f"{finding.location.line}:{finding.location.column}"),
                        Text(printable(finding.rule)),
                        message,
                    )
                console.print(table)
        label = DECISION_LABELS.get(verdict.decision, verdict.decision.upper())
        line = Text(summary)
        line.stylize(DECISION_STYLES.get(verdict.decision, "bold"), 0, len(label))
        console.print(line, soft_wrap=True)
        if options.color:
            return out.getvalue()
        # rich pads lines to the console width; plain output should not carry that to files and diffs.
        return "".join(row.rstrip() + "\n" for row in out.getvalue().splitlines())
