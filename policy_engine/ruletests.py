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
from functools import cache
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


NO_FIELDS = "(none of the fields the control reads)"
KIND_FILES = {"model_card": ("model_card.yaml", "README.md"), "data_manifest": ("data_manifest.yaml",),
              "sbom": ("sbom.cdx.json", "sbom.spdx.json"), "workload": ("workload.yaml",)}


@dataclass(frozen=True)
class _Case:
    path: Path
    fires: frozenset[str]
    not_fires: frozenset[str]
    note: str  # the first comment line of expect.yaml: what the case changes


@cache
def _case_index(folder: Path) -> tuple[_Case, ...]:
    cases = []
    for case in _cases(folder):
        text = (case / "expect.yaml").read_text(encoding="utf-8")
        expect = yaml.safe_load(text) or {}
        first = text.splitlines()[0] if text else ""
        cases.append(_Case(case, frozenset(expect.get("fires") or []), frozenset(expect.get("not_fires") or []),
                           first.lstrip("# ").strip() if first.startswith("#") else ""))
    return tuple(cases)


def _excerpt(case: _Case, control: Control) -> str:
    """The part of the case's artifact that the control reads, as YAML, with what the case changed."""
    kind = control.applies_to[0] if control.applies_to else ""
    candidates = [case.path / name for name in KIND_FILES.get(kind, ())] + sorted(
        p for p in case.path.iterdir() if p.is_file() and p.name != "expect.yaml")
    source = next((p for p in candidates if p.is_file()), None)
    if source is None:
        return ""
    try:
        document = yaml.safe_load(source.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return ""
    spec = document.get("spec", document) if isinstance(document, dict) else {}
    keys = list(dict.fromkeys(path.split(".")[1] for path in control.fields_read
                              if path.startswith(kind + ".") and "." in path))
    shown = {key: spec[key] for key in keys if isinstance(spec, dict) and key in spec}
    lines = [f"# {case.path.parent.name}/{case.path.name}/{source.name}"]
    if case.note:
        lines.append(f"# {case.note}")
    body = yaml.safe_dump({"spec": shown} if shown else {"spec": NO_FIELDS},
                          sort_keys=False, width=100, allow_unicode=True).rstrip()
    return "\n".join(lines) + "\n" + body


def examples_for(control: Control, rulesets_root: Path | None = None) -> tuple[str, str]:
    """(failing, passing) example excerpts taken from the ruleset's own test cases."""
    from policy_engine import resources

    folder = (rulesets_root or resources.rulesets_dir()) / control.ruleset
    cases = _case_index(folder)
    failing = next((c for c in cases if control.id in c.fires), None)
    # Prefer a passing case that shows the fields the control reads (where it applies and holds).
    passing_text = ""
    for case in (c for c in cases if control.id in c.not_fires):
        text = _excerpt(case, control)
        if text and NO_FIELDS not in text:
            passing_text = text
            break
        passing_text = passing_text or text
    return (_excerpt(failing, control) if failing else "", passing_text)
