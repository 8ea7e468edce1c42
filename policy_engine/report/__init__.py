"""Report formats: views of a ``Verdict``. One module per format, listed in ``FORMATS``.

Usage (the CLI's whole contract with this package)::

    text = render(verdict, "sarif", rules=rule_infos)   # str, always ends with a newline
    write_atomic(Path("complyai.sarif"), text)          # or print it to stdout

Each format module is light to import; the text format loads ``rich`` only when it renders.
"""

from __future__ import annotations

from collections.abc import Mapping

from policy_engine.errors import UsageError
from policy_engine.findings import Verdict
from policy_engine.report.atomic import write_atomic
from policy_engine.report.base import (
    Formatter,
    RenderOptions,
    RuleInfo,
    fingerprint,
    rule_catalog,
    summary_line,
)
from policy_engine.report.gitlab import GitlabFormat
from policy_engine.report.junit import JunitFormat
from policy_engine.report.markdown import MarkdownFormat
from policy_engine.report.sarif import SarifFormat
from policy_engine.report.text import TextFormat
from policy_engine.report.verdict_json import JsonFormat

FORMATS: dict[str, Formatter] = {
    "text": TextFormat(),
    "json": JsonFormat(),
    "sarif": SarifFormat(),
    "junit": JunitFormat(),
    "gitlab": GitlabFormat(),
    "markdown": MarkdownFormat(),
}


def render(
    verdict: Verdict,
    fmt: str,
    *,
    color: bool = False,
    rules: Mapping[str, RuleInfo] | None = None,
    quiet: bool = False,
) -> str:
    """The verdict in format ``fmt`` (a key of ``FORMATS``).

    ``color`` and ``quiet`` only affect ``text``. ``rules`` gives metadata for controls without findings
    (SARIF rules, JUnit test names); without it, metadata is derived from the findings.
    """
    formatter = FORMATS.get(fmt)
    if formatter is None:
        raise UsageError(f"unknown report format {fmt!r}", hint=f"choose one of: {', '.join(FORMATS)}")
    return formatter.render(verdict, RenderOptions(color=color, quiet=quiet, rules=dict(rules or {})))


__all__ = [
    "FORMATS",
    "Formatter",
    "RenderOptions",
    "RuleInfo",
    "fingerprint",
    "render",
    "rule_catalog",
    "summary_line",
    "write_atomic",
]
