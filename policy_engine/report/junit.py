"""``--format junit``: JUnit XML (Ant schema) for CI test-report views such as GitLab's and Jenkins'.

One ``<testsuite>`` per ruleset; one ``<testcase>`` per control and artifact, named by the control and
classed by the artifact path. A control with a finding on an artifact fails there; a waived or ``info``
finding (for instance one not yet in force) is skipped with the reason; every other evaluated
control/artifact pair passes. Times are 0 and the timestamp is the verdict's as-of date, so the same
verdict always gives the same bytes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from policy_engine.findings import Finding, Verdict
from policy_engine.report.base import RenderOptions, RuleInfo, notes, ordered, printable, rule_catalog

# XML 1.0 cannot carry control characters or U+FFFE/U+FFFF even escaped; artifact content quoted in
# messages may have them. printable() already makes controls and lone surrogates visible.
_NOT_XML = re.compile("[\ufffe\uffff]")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


class JunitFormat:
    suffix = ".xml"

    def render(self, verdict: Verdict, options: RenderOptions) -> str:
        catalog = rule_catalog(verdict, options.rules)
        cases = _cases(verdict, catalog)
        timestamp = _timestamp(verdict.as_of)
        root = ET.Element("testsuites")
        suites: dict[str, list[tuple[str, str, list[Finding]]]] = {}
        for (rule_id, artifact), findings in cases.items():
            suites.setdefault(catalog[rule_id].ruleset, []).append((rule_id, artifact, findings))
        for suite_id, (ruleset, members) in enumerate(sorted(suites.items())):
            failures = sum(1 for _, _, found in members if _outcome(found) == "failure")
            skipped = sum(1 for _, _, found in members if _outcome(found) == "skipped")
            suite = ET.SubElement(
                root,
                "testsuite",
                {
                    "name": _token(ruleset) or "unknown",
                    "package": _token(ruleset) or "unknown",
                    "id": str(suite_id),
                    "timestamp": timestamp,
                    "hostname": "localhost",
                    "tests": str(len(members)),
                    "failures": str(failures),
                    "errors": "0",
                    "skipped": str(skipped),
                    "time": "0",
                },
            )
            properties = ET.SubElement(suite, "properties")
            for name, value in _properties(verdict, ruleset):
                ET.SubElement(properties, "property", {"name": name, "value": _xml_text(value)})
            for rule_id, artifact, found in members:
                _testcase(suite, catalog[rule_id], artifact, found)
            ET.SubElement(suite, "system-out")
            ET.SubElement(suite, "system-err")
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _cases(verdict: Verdict, catalog: dict[str, RuleInfo]) -> dict[tuple[str, str], list[Finding]]:
    """Control × artifact pairs: every evaluated control on every artifact, plus every finding's pair."""
    cases: dict[tuple[str, str], list[Finding]] = {}
    for artifact in verdict.artifacts:
        # Only the controls that apply to the artifact's kind, when the verdict says which those are.
        rules = verdict.evaluated.get(artifact, []) if verdict.evaluated else verdict.controls_evaluated
        for rule_id in rules:
            cases[(rule_id, artifact)] = []
    for finding in ordered(verdict.findings, verdict.artifacts):
        cases.setdefault((finding.rule, finding.artifact), []).append(finding)
    artifact_rank = {path: index for index, path in enumerate(verdict.artifacts)}
    rule_rank = {rule_id: index for index, rule_id in enumerate(catalog)}
    return dict(
        sorted(
            cases.items(),
            key=lambda item: (
                artifact_rank.get(item[0][1], len(artifact_rank)),
                item[0][1],
                rule_rank[item[0][0]],
            ),
        )
    )


def _outcome(findings: list[Finding]) -> str:
    if any(not f.waived and f.severity != "info" for f in findings):
        return "failure"
    return "skipped" if findings else "passed"


def _testcase(suite: ET.Element, info: RuleInfo, artifact: str, findings: list[Finding]) -> None:
    name = f"{info.id} {info.title}" if info.title and info.title != info.id else info.id
    case = ET.SubElement(
        suite, "testcase", {"name": _token(name), "classname": _token(artifact) or ".", "time": "0"}
    )
    outcome = _outcome(findings)
    if outcome == "failure":
        blocking = [f for f in findings if not f.waived and f.severity != "info"]
        worst = blocking[0]  # ordered worst first
        message = worst.message if len(findings) == 1 else f"{len(findings)} findings: {worst.message}"
        element = ET.SubElement(case, "failure", {"message": _xml_text(message), "type": worst.severity})
        element.text = _xml_text(_details(findings))
    elif outcome == "skipped":
        reason = "; ".join(dict.fromkeys(note for f in findings for note in notes(f))) or "informational"
        element = ET.SubElement(case, "skipped", {"message": _xml_text(reason)})
        element.text = _xml_text(_details(findings))


def _details(findings: list[Finding]) -> str:
    blocks = []
    for f in findings:
        lines = [
            f"{f.severity} {f.rule} at {f.artifact}:{f.location.line}:{f.location.column}"
            + (f" ({f.location.pointer})" if f.location.pointer else ""),
            f.message,
        ]
        lines += [f"Note: {note}" for note in notes(f)]
        if f.waived and f.waiver is not None:
            lines.append(f"Waiver reason: {f.waiver.reason}")
        if f.citation:
            lines.append(f"Citation: {f.citation}")
        if f.remediation:
            lines.append(f"Remediation: {f.remediation}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _properties(verdict: Verdict, ruleset: str) -> list[tuple[str, str]]:
    props = [
        ("complyai.version", verdict.tool_version),
        ("decision", verdict.decision),
        ("failOn", verdict.fail_on),
        ("stage", verdict.stage),
        ("asOf", verdict.as_of),
    ]
    props += [("ruleset.version", r.version) for r in verdict.rulesets if r.id == ruleset]
    return props


def _timestamp(as_of: str) -> str:
    # The schema wants a zone-less dateTime; the as-of date is what the verdict was judged against.
    return f"{as_of[:10]}T00:00:00" if _DATE.match(as_of or "") else "1970-01-01T00:00:00"


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", printable(text))


def _token(text: str) -> str:
    """xs:token: no line breaks or tabs, no leading, trailing or doubled spaces."""
    return " ".join(_xml_text(text).split())
