"""The admission decision: images declared, then the deploy-stage controls through the one pipeline.

``Decider.decide`` turns a parsed AdmissionRequest into a ``Decision``. It never raises for anything a
request contains. The expensive part (the pipeline) is cached by (the declarations' digests, the hash of
the workload's facts, the evidence generation), so a workload already seen is answered from memory.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from policy_engine.artifacts import k8s_podspec as podspec
from policy_engine.artifacts.k8s_workload import build_workload, source_of
from policy_engine.findings import ENGINE_RULESET, SEVERITY_RANK, Finding, Verdict
from policy_engine.webhook.evidence import EvidenceStore, Record, evidence_path
from policy_engine.webhook.review import AdmissionRequest

MODES = ("enforce", "audit")
PASS_THROUGH_OPERATIONS = ("DELETE", "CONNECT")


class NeedsAudit(Exception):
    """Raised by ``decide(..., may_audit=False)`` when the answer needs a pipeline run."""


@dataclass
class Settings:
    mode: str = "enforce"
    evidence_dir: Path | None = None
    excluded_namespaces: frozenset[str] = frozenset({"kube-system"})
    unknown_kinds: str = "allow"  # allow | deny: objects of kinds that carry no Pod template
    config_path: Path | None = None  # .complyai.yaml (rulesets, threshold, waivers); None: defaults
    rulesets: tuple[str, ...] = ()
    cache_size: int = 4096


@dataclass
class Decision:
    allowed: bool
    outcome: str  # allowed | denied | audit_violation | skipped
    subject: str
    reasons: list[str] = field(default_factory=list)  # why it is (or, in audit mode, would be) denied
    warnings: list[str] = field(default_factory=list)
    controls: list[str] = field(default_factory=list)  # failing control ids, sorted
    cached: bool = False

    @property
    def message(self) -> str:
        if not self.reasons:
            return ""
        verb = "denied" if not self.allowed else "would deny (audit mode)"
        return f"complyai {verb} {self.subject}: " + "; ".join(self.reasons)


@dataclass(frozen=True)
class _Judgement:
    """The cached part of a decision: what the pipeline said about one workload and its declarations."""

    reasons: tuple[str, ...]
    warnings: tuple[str, ...]
    controls: tuple[str, ...]


def _blocking(finding: Finding, fail_on: str) -> bool:
    if finding.waived or finding.severity == "info" or fail_on == "never":
        return False
    return SEVERITY_RANK[finding.severity] >= SEVERITY_RANK[fail_on]


def describe(finding: Finding) -> str:
    """One line per finding: a control by its title and citation, an engine finding by its message."""
    if finding.ruleset == ENGINE_RULESET:
        return f"{finding.rule}: {finding.message} [{finding.artifact}]"
    citation = f" ({finding.citation})" if finding.citation else ""
    return f"{finding.rule}: {finding.title}{citation} [{finding.artifact}]"


def judge(verdict: Verdict) -> _Judgement:
    """Blocking findings become reasons, the rest warnings (waived and plain info ones stay in the log)."""
    reasons, warnings, controls = [], [], set()
    for finding in verdict.findings:
        if _blocking(finding, verdict.fail_on):
            reasons.append(describe(finding))
            controls.add(finding.rule)
        elif not finding.waived and (finding.severity != "info" or finding.not_yet_in_force):
            warnings.append(f"{finding.rule} ({finding.severity}): {finding.title} [{finding.artifact}]")
    return _Judgement(tuple(reasons), tuple(warnings), tuple(sorted(controls)))


class Decider:
    def __init__(self, settings: Settings, store: EvidenceStore) -> None:
        self.settings = settings
        self.store = store
        self._cache: OrderedDict[tuple, _Judgement] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._audit_lock = threading.Lock()  # one pipeline run at a time: it is CPU-bound under the GIL

    # -- the pipeline, cached -------------------------------------------------------------------------
    def audit(self, paths: list[Path], workloads: list) -> Verdict:
        from policy_engine.pipeline import AuditOptions, run_audit

        options = AuditOptions(paths=paths, stage="deploy", explicit_only=True, extra_artifacts=workloads,
                               rulesets=list(self.settings.rulesets), config_path=self.settings.config_path,
                               no_config=self.settings.config_path is None)
        with self._audit_lock:
            return run_audit(options)

    def _judged(self, key: tuple, cards: list[Path], manifests: list[Path], workloads: list,
                may_audit: bool) -> tuple[_Judgement, bool]:
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit, True
        if not may_audit:
            raise NeedsAudit
        judgement = judge(self.audit(cards + manifests, workloads))
        with self._cache_lock:
            self._cache[key] = judgement
            while len(self._cache) > self.settings.cache_size:
                self._cache.popitem(last=False)
        return judgement, False

    def warm_up(self) -> None:
        """Compile the rulesets before the first request (readiness waits for this)."""
        from policy_engine.pipeline import load_engine, resolve_rulesets

        load_engine(resolve_rulesets(list(self.settings.rulesets)))

    # -- the decision -----------------------------------------------------------------------------------
    def _finish(self, subject: str, reasons: list[str], warnings: list[str], controls: list[str],
                cached: bool = False) -> Decision:
        if not reasons:
            return Decision(True, "allowed", subject, [], warnings, controls, cached)
        if self.settings.mode == "audit":
            return Decision(True, "audit_violation", subject, reasons, warnings, controls, cached)
        return Decision(False, "denied", subject, reasons, warnings, controls, cached)

    def decide(self, request: AdmissionRequest, *, may_audit: bool = True) -> Decision:
        """The decision; with ``may_audit=False`` raise NeedsAudit instead of running the pipeline (so the
        caller answers cheap and cached decisions on the event loop, and runs only misses in a thread)."""
        subject = f"{request.kind or 'object'} {request.namespace}/{request.name}".rstrip("/")
        if request.operation in PASS_THROUGH_OPERATIONS:
            return Decision(True, "skipped", subject)
        if request.namespace in self.settings.excluded_namespaces:
            return Decision(True, "skipped", subject)
        template = podspec.pod_template(request.kind, request.object or {})
        if template is None:
            why = f"complyai does not judge objects of kind {request.kind or '(none)'!r}"
            if self.settings.unknown_kinds == "allow":
                return Decision(True, "skipped", subject, warnings=[why + "; allowed"])
            return self._finish(subject, [why + " (unknown kinds are denied by configuration)"], [], [])
        if request.object is None:
            return self._finish(subject, [f"the {request.operation} request carries no object to judge"], [], [])
        source = source_of(request.kind, request.object, template, request.namespace)
        subject = source.display
        images = podspec.images(template.spec)
        if not images:
            return self._finish(subject, ["the Pod template has no containers, so there is nothing declared "
                                          "to run"], [], [])
        reasons, records = self._check_images(images)
        if reasons and self.settings.mode == "enforce":
            return self._finish(subject, reasons, [], [])  # the fast path: no declaration, no audit
        return self._judge_workload(source, images, records, reasons, may_audit)

    def _check_images(self, images: list[podspec.Image]) -> tuple[list[str], list[Record]]:
        reasons: list[str] = []
        records: dict[str, Record] = {}
        for image in images:
            if not image.ref:
                reasons.append(f"{image.container} has no image")
                continue
            if image.digest is None:
                reasons.append(f"image {image.ref} in {image.container} is not pinned by digest; declarations "
                               "cover images by digest: use REPOSITORY@sha256:<digest>")
                continue
            found = self.store.lookup(image.digest)
            trusted = [r for r in found if r.trusted]
            if trusted:
                records.update((r.digest, r) for r in trusted)
                continue
            if found:
                why = "; ".join(f"{r.path.name}: {r.problem}" for r in found[:2])
                reasons.append(f"image {image.ref} is named only by untrusted declarations ({why})")
            else:
                reasons.append(f"no signed declaration in the evidence directory covers image {image.ref} "
                               f"({image.container}); run complyai declare --image in CI and sync the result")
        return reasons, list(records.values())

    def _judge_workload(self, source, images: list[podspec.Image], records: list[Record],
                        reasons: list[str], may_audit: bool) -> Decision:
        folder = self.store.folder
        covered = {card for record in records for card in record.cards}
        cards: list[Path] = []
        manifests: list[Path] = []
        for ref in source.model_cards:
            path = evidence_path(folder, ref) if folder else None
            if path is None or not path.is_file():
                reasons.append(f"model card {ref} (complyai.io/model-cards) is not in the evidence directory")
            elif path not in covered:
                reasons.append(f"model card {ref} is not covered by a valid declaration of the workload's images")
            else:
                cards.append(path)
        if not source.model_cards:
            cards = sorted(covered)
        for ref in source.data_manifests:
            path = evidence_path(folder, ref) if folder else None
            if path is None or not path.is_file():
                reasons.append(f"data manifest {ref} (complyai.io/data-manifests) is not in the evidence directory")
            else:
                manifests.append(path)
        built = build_workload(source, cards, manifests, images_verified=not reasons)
        warnings = list(built.warnings)
        if not cards and not reasons:
            reasons.append("no model card: the declarations of the workload's images cover none")
        if reasons and self.settings.mode == "enforce":
            return self._finish(source.display, reasons, warnings, [])
        key = (tuple(sorted(r.digest for r in records)), built.facts_hash, self.store.generation)
        judgement, cached = self._judged(key, cards, manifests, built.artifacts, may_audit)
        return self._finish(source.display, reasons + list(judgement.reasons), warnings + list(judgement.warnings),
                            list(judgement.controls), cached)
