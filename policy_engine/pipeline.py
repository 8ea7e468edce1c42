"""The one pipeline: discover -> load -> validate -> facts -> evaluate -> gate. Every entry point calls it."""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from policy_engine import __version__, resources
from policy_engine.artifacts.base import Artifact
from policy_engine.config import Config, find_config, load_config
from policy_engine.errors import UsageError
from policy_engine.facts import Bundle, FactBuilder
from policy_engine.findings import (
    ENGINE_RULESET,
    EVAL_RULE,
    LINK_RULE,
    WAIVER_EXPIRED_RULE,
    WAIVER_UNUSED_RULE,
    Finding,
    Location,
    RulesetRef,
    Verdict,
    gate,
)
from policy_engine.rules import expr
from policy_engine.rules.engine import RuleEngine
from policy_engine.rules.ruleset import Control, Ruleset, load_ruleset


@dataclass
class AuditOptions:
    paths: list[Path] = field(default_factory=lambda: [Path(".")])
    stage: str | None = None  # default: config, else "commit"
    fail_on: str | None = None  # default: config, else "high"
    rulesets: list[str] = field(default_factory=list)  # ids or folders; [] = config, else all bundled
    as_of: dt.date | None = None
    config_path: Path | None = None
    explicit_only: bool = False  # audit exactly these files (and what they link to), no discovery
    no_config: bool = False
    # Extra artifacts built by an adapter (the admission webhook's Workload), evaluated with the rest.
    extra_artifacts: list[Artifact] = field(default_factory=list)
    evidence_hook: Callable[[list[Artifact], Config], list[Finding]] | None = None


_ENGINES: dict[tuple, RuleEngine] = {}


def resolve_rulesets(names: list[str]) -> list[Path]:
    bundled = resources.rulesets_dir()
    available = sorted(p.name for p in bundled.iterdir() if (p / "ruleset.yaml").is_file())
    if not names:
        return [bundled / name for name in available]
    folders = []
    for name in names:
        if name in available:
            folders.append(bundled / name)
            continue
        path = Path(name)
        if path.is_dir():
            folders.append(path.resolve())
            continue
        raise UsageError(f"unknown ruleset {name!r}",
                         hint=f"use a bundled id ({', '.join(available)}) or the path of a ruleset folder")
    return folders


def load_engine(folders: list[Path]) -> RuleEngine:
    """Rulesets are parsed and validated once per process (keyed by their files' mtimes)."""
    key = tuple((str(folder), max((f.stat().st_mtime_ns for f in folder.iterdir()), default=0))
                for folder in folders)
    if key not in _ENGINES:
        vocabulary = resources.vocabulary()
        rulesets: list[Ruleset] = [load_ruleset(folder, vocabulary) for folder in folders]
        _ENGINES[key] = RuleEngine(rulesets, vocabulary)
    return _ENGINES[key]


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path, Path.cwd())
    except ValueError:
        return str(path)


PARALLEL_FROM = 200  # below this, starting worker processes costs more than it saves


def _load_one(job: tuple[Path, str, int]) -> tuple[Path, list[Artifact]]:
    from policy_engine.artifacts import load_artifacts

    path, display, max_bytes = job
    return path, load_artifacts(path, display, max_bytes)


def _load_parallel(paths: list[Path], max_bytes: int) -> dict[Path, list[Artifact]]:
    """Parse and validate on every core: loading is pure Python and dominates large audits."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    workers = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return {}
    jobs = [(path, _display(path), max_bytes) for path in paths]
    chunk = max(1, len(jobs) // (workers * 4))
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return dict(pool.map(_load_one, jobs, chunksize=chunk))


def _load_all(files: list[Path], max_bytes: int) -> tuple[list[Artifact], list[Finding]]:
    """Load the files and, transitively, every artifact they link to."""
    from policy_engine.artifacts import load_artifacts

    loaded: dict[Path, list[Artifact]] = {}
    findings: list[Finding] = []
    queue = [path.resolve() for path in files]
    if len(queue) >= PARALLEL_FROM:
        loaded.update(_load_parallel(queue, max_bytes))
    while queue:
        path = queue.pop(0)
        if path in loaded:
            continue
        loaded[path] = load_artifacts(path, _display(path), max_bytes)
        for artifact in loaded[path]:
            for link in artifact.links:
                if link.target in loaded or link.target in queue:
                    continue
                if link.target.is_file():
                    queue.append(link.target)
                else:
                    findings.append(Finding(
                        rule=LINK_RULE, ruleset=ENGINE_RULESET, severity="high",
                        title="Linked artifact not found",
                        message=f"links to {_display(link.target)}, which does not exist",
                        artifact=artifact.display, location=artifact.locate(link.pointer),
                        remediation="fix the relative path or add the missing file"))
    artifacts = [a for group in loaded.values() for a in group]
    return _without_shadowed_cards(artifacts), findings


def _without_shadowed_cards(artifacts: list[Artifact]) -> list[Artifact]:
    """An ML-BOM's modelCard is the card only when no complyai or Hugging Face card claims that SBOM.

    A team that writes a full model card and ships an SBOM with a (thinner) modelCard component has
    one system, not two; judging the SBOM's card separately would report fields it was never meant to
    carry.
    """
    claimed = {link.target for a in artifacts if a.kind == "model_card" and not a.format.startswith("cyclonedx")
               for link in a.links if link.kind == "sbom"}
    return [a for a in artifacts
            if not (a.kind == "model_card" and a.format.startswith("cyclonedx") and a.path in claimed)]


def _problem_findings(artifact: Artifact) -> list[Finding]:
    return [Finding(rule=p.rule, ruleset=ENGINE_RULESET, severity=p.severity,
                    title="Artifact cannot be read" if p.rule.endswith("PARSE") else "Artifact does not match its schema",
                    message=p.message, artifact=artifact.display, location=p.location,
                    remediation=p.remediation) for p in artifact.problems]


def _check_paths(control: Control) -> list[str]:
    """The fields the control's check reads (not its scope), in order."""
    node = control.check_node
    found = [p.text for p in expr.paths(node)] if node is not None else list(control.fields_read)
    return list(dict.fromkeys(found))


def _missing_fields(control: Control, bundle: Bundle) -> list[str]:
    """Absent fields a conjunctive check needs; for checks with alternatives the list would mislead."""
    if re.search(r"\b(or|implies|not|none|any)\b|!=", control.check):
        return []
    missing = []
    for path in _check_paths(control):
        kind, _, rest = path.partition(".")
        artifact = bundle.members.get(kind)
        if "[]" in rest:
            continue
        value = expr.walk(artifact.fields, tuple(rest.split("."))) if artifact is not None else None
        if value is None or value == "" or value == []:
            missing.append(rest if kind == bundle.subject.kind else path)
    return missing


def _failing_items(control: Control, bundle: Bundle, as_of: dt.date) -> list[expr.ItemFailure]:
    """The list items of the subject that break the control's all()/none() conditions."""
    node = control.check_node
    if node is None:
        return []
    documents = {kind: artifact.fields for kind, artifact in bundle.members.items()}
    return expr.failing_items(node, expr.Scope(documents, as_of), bundle.subject.kind,
                              resources.vocabulary()["constants"])


def _violation(control: Control, bundle: Bundle, as_of: dt.date) -> Finding:
    subject = bundle.subject
    vocab_path = control.pointer.removeprefix("/spec/").removeprefix("/spec").replace("/", ".")
    pointer = subject.pointer_for(vocab_path) if vocab_path else ""
    location = subject.locate(pointer)
    missing = _missing_fields(control, bundle)
    items = _failing_items(control, bundle, as_of)
    if items:
        first = items[0]
        segments = first.list_path.segments
        list_field = ".".join(segments)[:-2]  # transfers[] -> transfers
        item_pointer = subject.pointer_for(list_field)
        if item_pointer:
            location = subject.locate(f"{item_pointer}/{first.index}")
        names = ", ".join(f"{list_field}[{item.index}]" for item in items[:5]) + (" …" if len(items) > 5 else "")
        verb = "does" if len(items) == 1 else "do"
        message = f"{names} {verb} not satisfy: {first.condition}"
    elif missing:
        message = f"missing: {', '.join(missing[:6])}" + (" …" if len(missing) > 6 else "")
    else:
        check = " ".join(control.check.split())
        message = f"not satisfied: {check[:240]}" + ("…" if len(check) > 240 else "") if check else control.title
    finding = Finding(rule=control.id, ruleset=control.ruleset, severity=control.severity, title=control.title,
                      message=message, artifact=subject.display, location=location, citation=control.citation,
                      remediation=control.remediation, effective=control.effective)
    if control.effective and as_of < dt.date.fromisoformat(control.effective):
        finding.severity = "info"
        finding.not_yet_in_force = True
        finding.message += f" (applies from {control.effective}; reported as info until then)"
    return finding


def _eval_error(control: Control | None, bundle: Bundle, detail: str) -> Finding:
    name = control.id if control else "an unknown control"
    return Finding(rule=EVAL_RULE, ruleset=ENGINE_RULESET, severity="high",
                   title="A control could not be evaluated",
                   message=f"{name} could not be evaluated, so it is treated as failed: {detail[:300]}",
                   artifact=bundle.subject.display, location=Location(),
                   citation=control.citation if control else "",
                   remediation="check the field types in the artifact; report a bug if the artifact is valid")


def _apply_waivers(findings: list[Finding], config: Config, as_of: dt.date) -> list[Finding]:
    extra = []
    config_display = _display(config.path) if config.path else ".complyai.yaml"
    for waiver, line in zip(config.waivers, config.waiver_lines or [1] * len(config.waivers), strict=False):
        expired = dt.date.fromisoformat(waiver.expires) < as_of
        matched = [f for f in findings if fnmatch.fnmatchcase(f.rule, waiver.rule)
                   and (fnmatch.fnmatch(f.artifact, waiver.artifact) or fnmatch.fnmatch(Path(f.artifact).as_posix(),
                                                                                         waiver.artifact))]
        if expired:
            extra.append(Finding(
                rule=WAIVER_EXPIRED_RULE, ruleset=ENGINE_RULESET, severity="high", title="Waiver expired",
                message=f"the waiver for {waiver.rule} on {waiver.artifact} (approved by {waiver.approver}) "
                        f"expired on {waiver.expires}; {len(matched)} finding(s) are no longer waived",
                artifact=config_display, location=Location(pointer="/waivers", line=line, column=1),
                remediation="fix the findings, or renew the waiver with a new expiry date and approval"))
            continue
        if not matched:
            extra.append(Finding(
                rule=WAIVER_UNUSED_RULE, ruleset=ENGINE_RULESET, severity="info", title="Waiver matches nothing",
                message=f"the waiver for {waiver.rule} on {waiver.artifact} matched no finding",
                artifact=config_display, location=Location(pointer="/waivers", line=line, column=1),
                remediation="remove the waiver if the finding was fixed"))
        for finding in matched:
            finding.waived = True
            finding.waiver = waiver
    return findings + extra


def _discover(options: AuditOptions, config: Config) -> list[Path]:
    from policy_engine.discovery import discover

    for path in options.paths:
        if not path.exists():
            raise UsageError(f"path not found: {path}", hint="check the spelling; paths are relative to the "
                                                             "current directory")
    if options.explicit_only:
        return [p for p in options.paths if p.is_file()]
    return discover(list(options.paths), excludes=config.exclude, includes=config.include or None,
                    root=config.root)


def run_audit(options: AuditOptions) -> Verdict:
    config_path = options.config_path or (None if options.no_config else find_config())
    config = load_config(config_path) if config_path else Config()
    stage = options.stage or config.stage or "commit"
    fail_on = options.fail_on or config.fail_on or "high"
    as_of = options.as_of or dt.date.today()
    engine = load_engine(resolve_rulesets(options.rulesets or config.rulesets))

    files = _discover(options, config)
    artifacts, findings = _load_all(files, int(config.max_artifact_mb * 1_000_000))
    artifacts += options.extra_artifacts
    for artifact in artifacts:
        findings.extend(_problem_findings(artifact))
    if options.evidence_hook is not None:
        findings.extend(options.evidence_hook(artifacts, config))
    else:
        from policy_engine.scan_facts import attach_scan_evidence

        findings.extend(attach_scan_evidence(artifacts, config))

    evaluable = [a for a in artifacts if a.kind in ("model_card", "data_manifest", "sbom", "workload")
                 and not any(p.rule.endswith("PARSE") for p in a.problems)]
    builder = FactBuilder(resources.vocabulary(), engine.dates)
    entities = [builder.entity(a) for a in evaluable]
    derived_by_kind: dict[str, dict[str, expr.Node]] = {}
    requests = []
    for bundle in builder.bundles(evaluable):
        kind = bundle.subject.kind
        if kind not in derived_by_kind:
            derived_by_kind[kind] = engine.derived_for({kind})
        requests.append(builder.request(bundle, as_of, derived_by_kind[kind]))

    seen: set[tuple[str, str]] = set()
    for outcome in engine.evaluate(stage, requests, entities):
        bundle: Bundle = outcome.request.tag
        for control in outcome.violated:
            key = (control.id, bundle.subject.display)
            if key not in seen:
                seen.add(key)
                findings.append(_violation(control, bundle, as_of))
        for control, detail in outcome.errors:
            key = (f"{EVAL_RULE}:{control.id if control else '?'}", bundle.subject.display)
            if key not in seen:
                seen.add(key)
                findings.append(_eval_error(control, bundle, detail))

    findings = _apply_waivers(findings, config, as_of)
    findings.sort(key=lambda f: (f.artifact, f.location.line, f.rule))
    by_kind = {kind: sorted(c.id for c in engine.controls.values() if c.holds_at(stage) and kind in c.applies_to)
               for kind in {a.kind for a in evaluable}}
    controls_evaluated = sorted({rule for rules in by_kind.values() for rule in rules})
    evaluated = {a.display: by_kind[a.kind] for a in evaluable}
    return Verdict(
        findings=findings, decision=gate(findings, fail_on), fail_on=fail_on, stage=stage,
        as_of=as_of.isoformat(),
        rulesets=[RulesetRef(r.id, r.version, r.sha256, len(r.controls), _display(r.path)) for r in engine.rulesets],
        artifacts=sorted({a.display for a in artifacts}), tool_version=__version__,
        controls_evaluated=controls_evaluated, evaluated=evaluated,
    )
