"""``--format gitlab``: a GitLab Code Quality report (the CodeClimate subset GitLab reads).

Fingerprints hash rule + artifact path + JSON pointer, so an issue keeps its identity when lines move
and GitLab's merge-request diff shows only new and fixed findings. Waived findings stay in the report
with severity ``info`` and the waiver in the description: they never look new when a waiver lapses,
and a reviewer still sees them.
"""

from __future__ import annotations

import json

from policy_engine.findings import Verdict
from policy_engine.report.base import RenderOptions, fingerprint, notes, posix_path, sha256_hex

SEVERITIES = {"critical": "blocker", "high": "critical", "medium": "major", "low": "minor", "info": "info"}


class GitlabFormat:
    suffix = ".json"

    def render(self, verdict: Verdict, options: RenderOptions) -> str:
        issues = []
        seen: dict[str, int] = {}
        for finding in verdict.findings:
            print_ = fingerprint(finding)
            # Two findings of one rule at one pointer (say, two scan results) must stay two issues.
            occurrence = seen.get(print_, 0)
            seen[print_] = occurrence + 1
            if occurrence:
                print_ = sha256_hex(f"{print_}#{occurrence}")
            description = f"{finding.rule}: {finding.title or finding.message}"
            if finding.title and finding.message and finding.message != finding.title:
                description = f"{description} — {finding.message}"
            if finding.citation:
                description = f"{description} ({finding.citation})"
            extra = notes(finding)
            if extra:
                description = f"{description} [{'; '.join(extra)}]"
            issue = {
                "description": description,
                "check_name": finding.rule,
                "fingerprint": print_,
                "severity": "info" if finding.waived else SEVERITIES.get(finding.severity, "major"),
                "location": {
                    "path": posix_path(finding.artifact),
                    "lines": {"begin": max(1, finding.location.line)},
                },
            }
            if finding.remediation:
                issue["content"] = {"body": finding.remediation}
            issues.append(issue)
        return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
