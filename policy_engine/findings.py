"""Findings and verdicts: the contract every report format and every entry point reads.

A Verdict is the single result of the pipeline. Its JSON form (``Verdict.to_dict``) is the
``--format json`` output; every other format is a view of it. The exit code follows from it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = "1.0"

SEVERITIES = ("critical", "high", "medium", "low", "info")
SEVERITY_RANK = {name: rank for rank, name in enumerate(reversed(SEVERITIES))}  # info=0 .. critical=4
FAIL_ON_CHOICES = ("critical", "high", "medium", "low", "never")
STAGES = ("commit", "release", "deploy")

# Findings the engine itself raises, not any ruleset's controls.
PARSE_RULE = "COMPLYAI-PARSE"
SCHEMA_RULE = "COMPLYAI-SCHEMA"
EVAL_RULE = "COMPLYAI-EVAL"
LINK_RULE = "COMPLYAI-LINK"
WAIVER_EXPIRED_RULE = "COMPLYAI-WAIVER-EXPIRED"
WAIVER_UNUSED_RULE = "COMPLYAI-WAIVER-UNUSED"
ENGINE_RULESET = "complyai"


@dataclass(frozen=True)
class Location:
    """Where in the artifact a person must edit: a JSON pointer and its 1-based line and column."""

    pointer: str = ""
    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class Waiver:
    rule: str
    artifact: str
    reason: str
    approver: str
    expires: str  # ISO date


@dataclass
class Finding:
    rule: str
    ruleset: str
    severity: str
    title: str
    message: str
    artifact: str  # path as given/discovered, relative to the working directory when possible
    location: Location = field(default_factory=Location)
    citation: str = ""
    remediation: str = ""
    waived: bool = False
    waiver: Waiver | None = None
    effective: str | None = None  # the date the obligation applies, when the control has one
    not_yet_in_force: bool = False  # reported as info because --as-of is before `effective`

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.waiver is None:
            data["waiver"] = None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        data = dict(data)
        data["location"] = Location(**data.get("location") or {})
        if data.get("waiver"):
            data["waiver"] = Waiver(**data["waiver"])
        return cls(**data)

    @property
    def blocking_severity(self) -> str:
        """The severity that counts for the gate: waived findings never block."""
        return "info" if self.waived else self.severity


@dataclass(frozen=True)
class RulesetRef:
    """Exactly which rules judged a verdict."""

    id: str
    version: str
    sha256: str
    controls: int
    path: str = ""


@dataclass
class Verdict:
    findings: list[Finding]
    decision: str  # pass | warn | fail
    fail_on: str
    stage: str
    as_of: str
    rulesets: list[RulesetRef]
    artifacts: list[str]
    tool_version: str
    controls_evaluated: list[str] = field(default_factory=list)  # rule ids that were evaluated
    # artifact -> the controls evaluated on it (those for its kind at this stage)
    evaluated: dict[str, list[str]] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return 1 if self.decision == "fail" else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "schemaVersion": SCHEMA_VERSION,
            "tool": {"name": "complyai", "version": self.tool_version},
            "decision": self.decision,
            "failOn": self.fail_on,
            "stage": self.stage,
            "asOf": self.as_of,
            "rulesets": [asdict(r) for r in self.rulesets],
            "artifacts": list(self.artifacts),
            "controlsEvaluated": list(self.controls_evaluated),
            "evaluated": {artifact: list(rules) for artifact, rules in self.evaluated.items()},
            "summary": self.summary(),
            "findings": [f.to_dict() for f in self.findings],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Verdict:
        return cls(
            findings=[Finding.from_dict(f) for f in data["findings"]],
            decision=data["decision"],
            fail_on=data["failOn"],
            stage=data["stage"],
            as_of=data["asOf"],
            rulesets=[RulesetRef(**r) for r in data["rulesets"]],
            artifacts=list(data["artifacts"]),
            tool_version=data["tool"]["version"],
            controls_evaluated=list(data.get("controlsEvaluated", [])),
            evaluated={k: list(v) for k, v in (data.get("evaluated") or {}).items()},
        )

    def summary(self) -> dict[str, int]:
        counts = {name: 0 for name in SEVERITIES}
        waived = 0
        for finding in self.findings:
            if finding.waived:
                waived += 1
            else:
                counts[finding.severity] += 1
        counts["waived"] = waived
        counts["total"] = len(self.findings)
        return counts


def gate(findings: list[Finding], fail_on: str) -> str:
    """pass: nothing to report; warn: findings below the threshold; fail: one at or above it."""
    active = [f for f in findings if not f.waived and f.severity != "info"]
    if fail_on != "never":
        threshold = SEVERITY_RANK[fail_on]
        if any(SEVERITY_RANK[f.severity] >= threshold for f in active):
            return "fail"
    return "warn" if active else "pass"
