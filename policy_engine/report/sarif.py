"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One run; the driver lists one rule per control (also the controls that passed, so a viewer can show
what was checked); each finding is a result pointing at its line. Waived findings stay in the log with
an external suppression carrying the waiver, as SARIF intends.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from urllib.parse import quote

from policy_engine.findings import Finding, Verdict
from policy_engine.report.base import RenderOptions, RuleInfo, fingerprint, posix_path, rule_catalog

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/complyai/complyai"
FINGERPRINT_KEY = "complyai/v1"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}


class SarifFormat:
    suffix = ".sarif"

    def render(self, verdict: Verdict, options: RenderOptions) -> str:
        return json.dumps(sarif_log(verdict, options), indent=2, ensure_ascii=False) + "\n"


def sarif_log(verdict: Verdict, options: RenderOptions) -> dict:
    catalog = rule_catalog(verdict, options.rules)
    index = {rule_id: position for position, rule_id in enumerate(catalog)}
    run = {
        "tool": {
            "driver": {
                "name": "complyai",
                "version": verdict.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(info) for info in catalog.values()],
            }
        },
        "invocations": [{"executionSuccessful": True, "exitCode": verdict.exit_code}],
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f.rule]) for f in verdict.findings],
        "properties": {
            "decision": verdict.decision,
            "failOn": verdict.fail_on,
            "stage": verdict.stage,
            "asOf": verdict.as_of,
            "rulesets": [{"id": r.id, "version": r.version, "sha256": r.sha256} for r in verdict.rulesets],
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _rule(info: RuleInfo) -> dict:
    title = info.title or info.id
    help_lines = [info.help_text or title]
    if info.citation:
        help_lines.append(f"Citation: {info.citation}")
    if info.remediation:
        help_lines.append(f"Remediation: {info.remediation}")
    help_text = "\n".join(help_lines)
    rule = {
        "id": info.id,
        "name": _pascal(title),
        "shortDescription": {"text": title},
        "fullDescription": {"text": help_text},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": LEVELS.get(info.severity, "warning")},
        "properties": {
            "severity": info.severity,
            "citation": info.citation,
            "ruleset": info.ruleset,
            "tags": list(dict.fromkeys(["compliance", info.ruleset, *info.tags])),
        },
    }
    if info.help_uri:
        rule["helpUri"] = info.help_uri
    return rule


def _pascal(title: str) -> str:
    """SARIF's rule ``name`` is an identifier-like word: "Instructions for use" -> InstructionsForUse."""
    words = "".join(ch if ch.isalnum() else " " for ch in title).split()
    return "".join(word[:1].upper() + word[1:] for word in words) or "Control"


def _result(finding: Finding, rule_index: int) -> dict:
    text = finding.message or finding.title or finding.rule
    if finding.citation:
        text = f"{text} ({finding.citation})"
    if finding.not_yet_in_force and finding.effective:
        text = f"{text} Applies from {finding.effective}."
    region = {"startLine": max(1, finding.location.line), "startColumn": max(1, finding.location.column)}
    result: dict = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS.get(finding.severity, "warning"),
        "message": {"text": text},
        "locations": [
            {"physicalLocation": {"artifactLocation": _artifact_location(finding.artifact), "region": region}}
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(finding)},
        "properties": {
            "severity": finding.severity,
            "ruleset": finding.ruleset,
            "pointer": finding.location.pointer,
        },
    }
    if finding.location.pointer:
        result["locations"][0]["logicalLocations"] = [
            {"fullyQualifiedName": finding.location.pointer, "kind": "element"}
        ]
    if finding.effective:
        result["properties"]["effective"] = finding.effective
        result["properties"]["notYetInForce"] = finding.not_yet_in_force
    if finding.remediation:
        result["properties"]["remediation"] = finding.remediation
    if finding.waived:
        suppression: dict = {"kind": "external", "status": "accepted"}
        if finding.waiver is not None:
            suppression["justification"] = (
                f"{finding.waiver.reason} (approved by {finding.waiver.approver}, until {finding.waiver.expires})"
            )
            suppression["properties"] = {
                "approver": finding.waiver.approver,
                "expires": finding.waiver.expires,
            }
        result["suppressions"] = [suppression]
    return result


def _artifact_location(artifact: str) -> dict:
    path = PurePosixPath(posix_path(artifact))
    if path.is_absolute():
        return {"uri": path.as_uri()}
    # Relative to the repository root, percent-encoded so that spaces and '#' make a valid URI reference.
    return {"uri": quote(str(path), safe="/"), "uriBaseId": "%SRCROOT%"}
