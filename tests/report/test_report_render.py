"""The format table, the JSON contract and the text view."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from policy_engine.errors import UsageError
from policy_engine.findings import Verdict
from policy_engine.report import FORMATS, render

ANSI = re.compile(r"\x1b\[")
SGR = re.compile(r"\x1b\[[0-9;]*m")


def test_every_format_renders_every_verdict(fail_verdict, warn_verdict, pass_verdict):
    for verdict in (fail_verdict, warn_verdict, pass_verdict):
        for fmt in FORMATS:
            out = render(verdict, fmt)
            assert out.strip() and out.endswith("\n"), fmt
            assert render(verdict, fmt) == out, f"{fmt} is not deterministic"


def test_unknown_format_is_a_usage_error_naming_the_choices(pass_verdict):
    with pytest.raises(UsageError) as err:
        render(pass_verdict, "html")
    assert "html" in err.value.message and "sarif" in err.value.hint


def test_json_is_exactly_the_verdict_and_round_trips(fail_verdict):
    out = render(fail_verdict, "json")
    data = json.loads(out)
    assert data == fail_verdict.to_dict()
    assert list(data) == list(fail_verdict.to_dict())  # the contract's key order, not sorted
    again = Verdict.from_dict(data)
    assert again.findings == fail_verdict.findings
    assert render(again, "json") == out


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        (
            "fail_verdict",
            "FAIL  5 findings (1 critical, 2 high, 1 info; 1 waived) in 3 artifacts"
            " — gate: fail-on high, stage commit",
        ),
        ("warn_verdict", "WARN  1 finding (1 medium) in 3 artifacts — gate: fail-on high, stage commit"),
        ("pass_verdict", "PASS  0 findings in 3 artifacts — gate: fail-on high, stage commit"),
    ],
)
def test_text_ends_with_the_summary_line_and_quiet_prints_only_it(request, fixture, expected):
    verdict = request.getfixturevalue(fixture)
    assert render(verdict, "text").rstrip("\n").splitlines()[-1] == expected
    assert render(verdict, "text", quiet=True) == expected + "\n"


def test_text_groups_by_artifact_and_shows_location_waiver_and_effective_date(fail_verdict):
    out = render(fail_verdict, "text")
    assert out.index("credit-scoring card.yaml") < out.index("credit-scoring.cdx.json")
    assert "12:5" in out and "17:22" in out
    assert "waived (dpo@example.com, until 2026-03-31)" in out
    assert "applies from 2026-08-02" in out
    # worst first within an artifact
    assert out.index("EUAIA-ART10-DATA") < out.index("EUAIA-ART13-IFU")


def test_text_colour_only_when_asked(fail_verdict):
    plain = render(fail_verdict, "text", color=False)
    coloured = render(fail_verdict, "text", color=True)
    assert not ANSI.search(plain)
    assert ANSI.search(coloured)
    assert ANSI.search(render(fail_verdict, "text", color=True, quiet=True))
    assert SGR.sub("", render(fail_verdict, "text", color=True, quiet=True)).startswith("FAIL  5 findings")


def test_text_ignores_the_environment(fail_verdict, monkeypatch):
    plain = render(fail_verdict, "text")
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    assert render(fail_verdict, "text") == plain


def test_text_never_passes_terminal_escapes_from_artifact_content(fail_verdict):
    fail_verdict.findings[0].message = "name: \x1b[2J\x1b]0;pwned\x07 [bold]x[/bold]"
    out = render(fail_verdict, "text")
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b[2J" in out
    assert "[bold]x[/bold]" in out  # rich markup in data is shown, not interpreted


def test_text_lines_fit_the_width_and_carry_no_trailing_spaces(fail_verdict):
    fail_verdict.findings[0].message = "word " * 200
    for line in render(fail_verdict, "text").splitlines():
        assert len(line) <= 120 and line == line.rstrip()


def test_importing_the_report_package_does_not_load_rich():
    code = "import sys, policy_engine.report; print('rich' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "False"
