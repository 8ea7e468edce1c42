"""Ruleset test cases, as `opa test` runs them: artifacts plus the control ids that must (not) fire.

A case is a folder under ``rulesets/<id>/tests/`` holding artifacts and an ``expect.yaml``::

    fires: [EUAIA-ART13-INSTRUCTIONS-FOR-USE]
    not_fires: [EUAIA-ART5-1A-MANIPULATION]
    stage: release        # optional, default commit
    as_of: 2026-09-01     # optional, default today
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from policy_engine.errors import ConfigError
from policy_engine.rules.ruleset import Control


@dataclass
class CaseResult:
    ruleset: str
    case: Path
    missing: list[str] = field(default_factory=list)  # expected to fire, did not
    unexpected: list[str] = field(default_factory=list)  # expected not to fire, did
    error: str = ""

    @property
    def ok(self) -> bool:
        return not (self.missing or self.unexpected or self.error)


@dataclass
class TestReport:
    results: list[CaseResult] = field(default_factory=list)
    controls: dict[str, list[str]] = field(default_factory=dict)  # ruleset -> control ids
    fired: dict[str, set[str]] = field(default_factory=dict)  # control -> cases where it fired as expected
    held: dict[str, set[str]] = field(default_factory=dict)  # control -> cases where it held as expected

    @property
    def failures(self) -> list[CaseResult]:
        return [r for r in self.results if not r.ok]

    def coverage(self, ruleset: str) -> tuple[int, int]:
        ids = self.controls.get(ruleset, [])
        covered = [i for i in ids if self.fired.get(i) and self.held.get(i)]
        return len(covered), len(ids)

    def lines(self, verbose: bool = False) -> list[str]:
        out = []
        for result in self.results:
            if result.ok and not verbose:
                continue
            status = "ok  " if result.ok else "FAIL"
            out.append(f"{status} {result.ruleset}: {result.case.name}")
            if result.error:
                out.append(f"     error: {result.error}")
            for rule in result.missing:
                out.append(f"     expected {rule} to fire; it did not")
            for rule in result.unexpected:
                out.append(f"     expected {rule} not to fire; it did")
        for ruleset in self.controls:
            covered, total = self.coverage(ruleset)
            percent = 100.0 * covered / total if total else 100.0
            cases = sum(1 for r in self.results if r.ruleset == ruleset)
            out.append(f"{ruleset}: {cases} cases, control coverage {covered}/{total} ({percent:.1f} %)")
            uncovered = [i for i in self.controls[ruleset] if not (self.fired.get(i) and self.held.get(i))]
            if uncovered and verbose:
                out.append("  not covered both ways: " + ", ".join(uncovered))
        failed = len(self.failures)
        out.append(f"{len(self.results) - failed} passed, {failed} failed")
        return out


def _cases(folder: Path) -> list[Path]:
    tests = folder / "tests"
    return sorted(p.parent for p in tests.rglob("expect.yaml")) if tests.is_dir() else []


def run_case(ruleset_folder: Path, case: Path) -> tuple[CaseResult, set[str], set[str]]:
    from policy_engine.pipeline import AuditOptions, run_audit

    expect_path = case / "expect.yaml"
    expect = yaml.safe_load(expect_path.read_text(encoding="utf-8")) or {}
    result = CaseResult(ruleset_folder.name, case)
    fires, not_fires = set(expect.get("fires") or []), set(expect.get("not_fires") or [])
    as_of = expect.get("as_of")
    if isinstance(as_of, str):
        as_of = dt.date.fromisoformat(as_of)
    files = sorted(p for p in case.rglob("*") if p.is_file() and p.name != "expect.yaml")
    try:
        verdict = run_audit(AuditOptions(paths=files, stage=expect.get("stage", "commit"), fail_on="never",
                                         rulesets=[str(ruleset_folder)], as_of=as_of, explicit_only=True,
                                         no_config=True))
    except ConfigError as error:
        result.error = error.diagnostics()
        return result, set(), set()
    fired = {f.rule for f in verdict.findings if not f.not_yet_in_force or expect.get("count_info", True)}
    result.missing = sorted(fires - fired)
    result.unexpected = sorted(not_fires & fired)
    return result, fires & fired, not_fires - fired


def run_ruleset_tests(folders: list[str]) -> TestReport:
    from policy_engine.pipeline import load_engine, resolve_rulesets

    report = TestReport()
    resolved = resolve_rulesets(folders) if folders else resolve_rulesets([])
    for folder in resolved:
        engine = load_engine([folder])
        ruleset = engine.rulesets[0]
        report.controls[ruleset.id] = [c.id for c in ruleset.controls]
        for case in _cases(folder):
            result, fired, held = run_case(folder, case)
            result.ruleset = ruleset.id
            report.results.append(result)
            for rule in fired:
                report.fired.setdefault(rule, set()).add(case.name)
            for rule in held:
                report.held.setdefault(rule, set()).add(case.name)
    return report


def _excerpt(case: Path, limit: int = 40) -> str:
    files = sorted(p for p in case.rglob("*") if p.is_file() and p.name != "expect.yaml")
    if not files:
        return ""
    text = files[0].read_text(encoding="utf-8", errors="replace").splitlines()
    body = text[:limit] + (["# …"] if len(text) > limit else [])
    return f"# {files[0].relative_to(case.parent.parent)}\n" + "\n".join(body)


def examples_for(control: Control, rulesets_root: Path | None = None) -> tuple[str, str]:
    """(failing, passing) example excerpts taken from the ruleset's own test cases."""
    from policy_engine import resources

    folder = (rulesets_root or resources.rulesets_dir()) / control.ruleset
    failing = passing = ""
    for case in _cases(folder):
        expect = yaml.safe_load((case / "expect.yaml").read_text(encoding="utf-8")) or {}
        if not failing and control.id in (expect.get("fires") or []):
            failing = _excerpt(case)
        if not passing and control.id in (expect.get("not_fires") or []):
            passing = _excerpt(case)
        if failing and passing:
            break
    return failing, passing
