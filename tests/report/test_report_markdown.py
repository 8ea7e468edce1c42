"""Markdown for PR comments and step summaries: badge, counts, escaped tables, a cap."""

from __future__ import annotations

from dataclasses import replace

from policy_engine.report import render
from policy_engine.report.markdown import MAX_CHARS, MAX_FINDINGS


def _table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| ") and "`" in line]


def test_header_badge_and_counts(fail_verdict, warn_verdict, pass_verdict):
    assert render(fail_verdict, "markdown").startswith("## complyai: **FAIL**")
    assert render(warn_verdict, "markdown").startswith("## complyai: **WARN**")
    passed = render(pass_verdict, "markdown")
    assert passed.startswith("## complyai: **PASS**") and "No findings." in passed
    assert "| 1 | 2 | 0 | 0 | 1 | 1 | 5 |" in render(fail_verdict, "markdown")


def test_pipes_and_newlines_in_cells_cannot_break_the_table(fail_verdict):
    fail_verdict.findings[0].message = "a | b\nc <script>alert(1)</script>"
    out = render(fail_verdict, "markdown")
    row = next(r for r in _table_rows(out) if "EUAIA-ART13-IFU" in r)
    assert "a \\| b<br>c &lt;script&gt;" in row
    assert "<script>" not in out
    # every row has exactly the five cells of the header
    for line in _table_rows(out):
        assert len(line.replace("\\|", "").split("|")) == 7, line


def test_sections_per_artifact_with_remediation_folded(fail_verdict):
    out = render(fail_verdict, "markdown")
    assert out.index("### `samples/models/credit-scoring card.yaml`") < out.index(
        "### `samples/sboms/credit-scoring.cdx.json`"
    )
    assert "<details><summary>How to fix</summary>" in out
    assert "- `COMPLYAI-PARSE`: Fix the JSON syntax." in out
    assert "~~medium~~" in out and "waived (dpo@example.com, until 2026-03-31)" in out
    assert "applies from 2026-08-02" in out


def test_long_reports_are_capped_with_a_count_of_the_rest(warn_verdict):
    base = warn_verdict.findings[0]
    warn_verdict.findings = [replace(base, location=replace(base.location, line=n)) for n in range(1, 351)]
    out = render(warn_verdict, "markdown")
    assert len(_table_rows(out)) == MAX_FINDINGS
    assert f"… and {350 - MAX_FINDINGS} more findings not shown" in out


def test_huge_messages_stay_under_the_comment_limit(warn_verdict):
    base = warn_verdict.findings[0]
    warn_verdict.findings = [
        replace(base, message="x" * 5000, location=replace(base.location, line=n)) for n in range(1, 40)
    ]
    out = render(warn_verdict, "markdown")
    assert len(out) <= MAX_CHARS + 500
    shown = len(_table_rows(out))
    assert 0 < shown < 39 and f"… and {39 - shown} more findings" in out
