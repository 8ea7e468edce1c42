"""``--format markdown``: a pull-request comment or a ``$GITHUB_STEP_SUMMARY`` page.

GitHub caps comments at 65,536 characters and renders raw HTML in tables, so cell text is escaped
(pipes, line breaks, ``<``/``>``/``&``) and long reports stop after ``MAX_FINDINGS`` rows or
``MAX_CHARS`` characters with a line saying how many were left out.
"""

from __future__ import annotations

from policy_engine.findings import SEVERITIES, Finding, Verdict
from policy_engine.report.base import DECISION_LABELS, RenderOptions, group_by_artifact, notes, printable

MAX_FINDINGS = 200
MAX_CHARS = 60_000  # under GitHub's 65,536-character comment limit, with room for the footer
_DETAILS_OPEN = "<details><summary>How to fix</summary>\n"  # the blank line lets Markdown render inside
_DETAILS_CLOSE = "\n</details>\n"


class MarkdownFormat:
    suffix = ".md"

    def render(self, verdict: Verdict, options: RenderOptions) -> str:
        label = DECISION_LABELS.get(verdict.decision, verdict.decision.upper())
        counts = verdict.summary()
        as_of = f", as of {cell(verdict.as_of)}" if verdict.as_of else ""
        rulesets = ", ".join(f"{cell(r.id)} {cell(r.version)}" for r in verdict.rulesets) or "none"
        lines = [
            f"## complyai: **{label}**",
            "",
            f"Gate: fail on `{verdict.fail_on}` at stage `{verdict.stage}`{as_of}. "
            f"{len(verdict.controls_evaluated)} controls on {len(verdict.artifacts)} artifacts; "
            f"rulesets: {rulesets}; complyai {cell(verdict.tool_version)}.",
            "",
            "| " + " | ".join([*SEVERITIES, "waived", "total"]) + " |",
            "|" + "---:|" * (len(SEVERITIES) + 2),
            "| " + " | ".join(str(counts[name]) for name in [*SEVERITIES, "waived", "total"]) + " |",
            "",
        ]
        if not verdict.findings:
            lines.append("No findings.")
            return "\n".join(lines) + "\n"
        shown = 0
        size = sum(len(line) + 1 for line in lines)
        for artifact, findings in group_by_artifact(verdict.findings, verdict.artifacts).items():
            section = _section(artifact, findings, budget=(MAX_FINDINGS - shown, MAX_CHARS - size))
            if section is None:
                break
            text, count = section
            lines.append(text)
            shown += count
            size += len(text) + 1
        left = len(verdict.findings) - shown
        if left:
            lines.append(f"_… and {left} more findings not shown here: see the job's SARIF or JSON report._")
            lines.append("")
        return "\n".join(lines)


def _section(artifact: str, findings: list[Finding], budget: tuple[int, int]) -> tuple[str, int] | None:
    """One artifact's table and remediation, cut to the remaining row and character budget."""
    rows_left, chars_left = budget
    head = [
        f"### `{code(artifact)}`",
        "",
        "| Severity | Rule | Line | Finding | Citation |",
        "|---|---|---:|---|---|",
    ]
    used = sum(len(line) + 1 for line in head)
    rows: list[str] = []
    remediations: dict[str, str] = {}
    fixes_size = len(_DETAILS_OPEN) + len(_DETAILS_CLOSE)
    for finding in findings:
        row = _row(finding)
        fix = ""
        if finding.remediation and finding.rule not in remediations:
            fix = f"- `{code(finding.rule)}`: {cell(finding.remediation)}"
        if len(rows) >= rows_left or used + len(row) + 1 + fixes_size + len(fix) + 1 > chars_left:
            break
        rows.append(row)
        used += len(row) + 1
        if fix:
            remediations[finding.rule] = fix
            fixes_size += len(fix) + 1
    if not rows:
        return None
    parts = [*head, *rows, ""]
    if remediations:
        parts += [_DETAILS_OPEN, *remediations.values(), _DETAILS_CLOSE]
    return "\n".join(parts), len(rows)


def _row(finding: Finding) -> str:
    severity = f"~~{finding.severity}~~" if finding.waived else finding.severity
    text = f"**{cell(finding.title)}**: {cell(finding.message)}" if finding.title else cell(finding.message)
    extra = notes(finding)
    if extra:
        text += "<br>_" + cell("; ".join(extra)) + "_"
    return f"| {severity} | `{code(finding.rule)}` | {finding.location.line} | {text} | {cell(finding.citation)} |"


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell: no pipes, no line breaks, no raw HTML."""
    text = printable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(part.strip() for part in text.split("\n"))


def code(text: str) -> str:
    """Text inside a backtick span: a backtick would end it, a pipe would end the cell."""
    return printable(text).replace("`", "'").replace("|", "\\|").replace("\n", " ")
