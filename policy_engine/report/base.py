"""What every report format shares: the Formatter interface, rule metadata, ordering and fingerprints.

Formatters read a ``Verdict`` and nothing else. Rule metadata for controls that passed (SARIF lists one
rule per control, JUnit one passing test case per control) cannot come from findings, so the caller may
pass ``RuleInfo`` per control; when it does not, it is derived from the findings, or is just the id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath, PureWindowsPath
from typing import Protocol

from policy_engine.findings import ENGINE_RULESET, SEVERITY_RANK, Finding, Verdict

DECISION_LABELS = {"pass": "PASS", "warn": "WARN", "fail": "FAIL"}


@dataclass(frozen=True)
class RuleInfo:
    """One control's metadata, as its Cedar annotations declare it."""

    id: str
    ruleset: str
    title: str = ""
    severity: str = "medium"
    citation: str = ""
    remediation: str = ""
    help_text: str = ""  # the requirement in plain words, when the ruleset gives one
    help_uri: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False  # ANSI colour in the text format; the CLI sets it only on a TTY without --no-color
    quiet: bool = False  # text format: only the one-line summary
    rules: Mapping[str, RuleInfo] = field(default_factory=dict)


class Formatter(Protocol):
    """One output format. Listed in ``policy_engine.report.FORMATS``; no registration by import."""

    suffix: str  # conventional file suffix, e.g. ".sarif"

    def render(self, verdict: Verdict, options: RenderOptions) -> str: ...


def rule_catalog(verdict: Verdict, rules: Mapping[str, RuleInfo] | None = None) -> dict[str, RuleInfo]:
    """Every control this verdict speaks about, evaluated ones first, in a stable order.

    Metadata comes from ``rules`` when the caller has it, else from the first finding of the control
    (preferring one whose severity was not lowered for a future effective date), else just the id.
    """
    rules = rules or {}
    by_rule: dict[str, list[Finding]] = {}
    for finding in verdict.findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    ids = list(dict.fromkeys([*verdict.controls_evaluated, *by_rule]))
    catalog: dict[str, RuleInfo] = {}
    for rule_id in ids:
        if rule_id in rules:
            catalog[rule_id] = rules[rule_id]
        elif rule_id in by_rule:
            catalog[rule_id] = _info_from_findings(by_rule[rule_id])
        else:
            catalog[rule_id] = RuleInfo(id=rule_id, ruleset=_guess_ruleset(rule_id, verdict), title=rule_id)
    return catalog


def _info_from_findings(findings: list[Finding]) -> RuleInfo:
    best = next((f for f in findings if not f.not_yet_in_force), findings[0])
    return RuleInfo(
        id=best.rule,
        ruleset=best.ruleset,
        title=best.title or best.rule,
        severity=best.severity,
        citation=best.citation,
        remediation=best.remediation,
    )


def _guess_ruleset(rule_id: str, verdict: Verdict) -> str:
    if rule_id.startswith("COMPLYAI-"):
        return ENGINE_RULESET
    if len(verdict.rulesets) == 1:
        return verdict.rulesets[0].id
    return "unknown"


def ordered(findings: Iterable[Finding], artifacts: list[str]) -> list[Finding]:
    """Findings in reading order: by artifact (as the verdict lists them), then worst first, then line."""
    rank = {path: index for index, path in enumerate(artifacts)}
    return sorted(
        findings,
        key=lambda f: (
            rank.get(f.artifact, len(rank)),
            f.artifact,
            -SEVERITY_RANK.get(f.severity, 0),
            f.location.line,
            f.location.column,
            f.rule,
        ),
    )


def group_by_artifact(findings: Iterable[Finding], artifacts: list[str]) -> dict[str, list[Finding]]:
    groups: dict[str, list[Finding]] = {}
    for finding in ordered(findings, artifacts):
        groups.setdefault(finding.artifact, []).append(finding)
    return groups


def posix_path(path: str) -> str:
    """The same path spelled the same way on every OS, so fingerprints and URIs do not depend on it."""
    if "\\" in path:
        return PureWindowsPath(path).as_posix()
    return PurePath(path).as_posix()


def fingerprint(finding: Finding) -> str:
    """A stable id of a finding: rule + artifact + JSON pointer, independent of line numbers and runs."""
    return sha256_hex("\0".join((finding.rule, posix_path(finding.artifact), finding.location.pointer)))


def sha256_hex(text: str) -> str:
    import hashlib  # ~3 ms (OpenSSL) at import: paid only by the formats that fingerprint

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def waiver_note(finding: Finding) -> str:
    if not finding.waived:
        return ""
    if finding.waiver is None:
        return "waived"
    return f"waived ({finding.waiver.approver}, until {finding.waiver.expires})"


def in_force_note(finding: Finding) -> str:
    if finding.not_yet_in_force and finding.effective:
        return f"applies from {finding.effective}"
    return ""


def notes(finding: Finding) -> list[str]:
    return [note for note in (waiver_note(finding), in_force_note(finding)) if note]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def summary_line(verdict: Verdict) -> str:
    """``FAIL  12 findings (2 critical, 5 high; 1 waived) in 6 artifacts — gate: fail-on high, stage commit``."""
    counts = verdict.summary()
    parts = [
        f"{counts[name]} {name}" for name in ("critical", "high", "medium", "low", "info") if counts[name]
    ]
    detail = ", ".join(parts)
    if counts["waived"]:
        detail = f"{detail}; {counts['waived']} waived" if detail else f"{counts['waived']} waived"
    found = _plural(counts["total"], "finding") + (f" ({detail})" if detail else "")
    label = DECISION_LABELS.get(verdict.decision, verdict.decision.upper())
    return (
        f"{label}  {found} in {_plural(len(verdict.artifacts), 'artifact')}"
        f" — gate: fail-on {verdict.fail_on}, stage {verdict.stage}"
    )


# Terminal and XML safety: artifact content quoted in messages may carry control characters.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(text: str) -> str:
    """Make control characters visible (``\\x1b``) so no message can drive a terminal or break a parser."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    # Lone surrogates (from undecodable bytes) cannot be encoded as UTF-8.
    if _SURROGATE.search(text):
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text
