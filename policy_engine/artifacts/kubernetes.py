"""Kubernetes manifests: the workloads that carry ``complyai.io/`` annotations, judged as at admission.

A YAML file (one or several documents, split on ``---`` lines as kubectl does) or a JSON file holding
Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers, Jobs, CronJobs (or a
``kind: List`` of them) yields one ``workload`` artifact per object that carries ``complyai.io/``
annotations, built by the admission webhook's own builder (k8s_workload.py): the same object gives
the same fields in CI and at admission. Objects without such annotations, and other kinds, are not
artifacts, so ordinary manifests stay out of an audit.

What differs from admission, on purpose: references in ``complyai.io/model-cards`` and
``complyai.io/data-manifests`` resolve against the manifest's folder (the webhook: against its evidence
directory, falling back to the cards its images' declarations cover), and images are not checked (the
webhook requires signed declarations of them and only then sets ``security.integrity_controls``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policy_engine.artifacts.base import Artifact, Problem
from policy_engine.artifacts.common import local_link, parse_problem, unreadable
from policy_engine.artifacts.k8s_podspec import CONTAINER_LISTS, POD_TEMPLATE, pod_template
from policy_engine.artifacts.source import Parsed, Positions, escape, parse_json, parse_yaml
from policy_engine.findings import SCHEMA_RULE, Location

if TYPE_CHECKING:
    from policy_engine.artifacts.k8s_workload import WorkloadSource

# k8s_workload.PREFIX: the builder is imported only when a manifest is loaded, so sniffing stays cheap.
PREFIX = "complyai.io/"
SUFFIXES = (".yaml", ".yml", ".json")
KINDS = tuple(POD_TEMPLATE)
# Label keys that are not workload annotations (the namespace opt-out of complyai's own webhook).
_NOT_ANNOTATIONS = {PREFIX + "webhook"}
# Text-level markers (cheap, never parse): a workload kind and a complyai.io/ key, in YAML or JSON.
_KINDS = "|".join(KINDS)
_KIND = re.compile(rf"""^\s*(?:-\s+)?["']?kind["']?\s*:\s*["']?(?:{_KINDS})["']?\s*(?:[,}}#]|$)"""
                   rf'|"kind"\s*:\s*"(?:{_KINDS})"', re.M)
_ANNOTATION = re.compile(r"""["']?complyai\.io/(?!webhook["'\s:])[A-Za-z0-9][-A-Za-z0-9_.]*["']?\s*:""")
# kubectl's YAML reader splits a stream at lines that start with "---" followed by nothing but a comment.
_SEPARATOR = re.compile(r"^---[ \t]*(?:#[^\n]*)?$", re.M)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _documents(path: Path, text: str) -> list[Parsed]:
    """Every non-empty document of the file, parsed with positions in the file's own lines."""
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        return [parse_json(text)]
    found = []
    starts = [0] + [match.end() for match in _SEPARATOR.finditer(text)]
    ends = [match.start() for match in _SEPARATOR.finditer(text)] + [len(text)]
    for start, end in zip(starts, ends, strict=True):
        chunk = text[start:end]
        if not re.sub(r"(?m)^\s*#.*$", "", chunk).strip():
            continue  # only blank lines and comments: kubectl skips it too
        offset = text.count("\n", 0, start)
        found.append(parse_yaml(chunk, line_offset=offset))
    return found


def _objects(value: Any) -> list[tuple[dict[str, Any], str]]:
    """(object, its JSON pointer) for the document itself or, for a ``kind: List``, each of its items."""
    if isinstance(value, dict) and value.get("kind") == "List" and isinstance(value.get("items"), list):
        return [(item, f"/items/{index}") for index, item in enumerate(value["items"]) if isinstance(item, dict)]
    return [(value, "")] if isinstance(value, dict) else []


def _annotated(kind: str, obj: dict[str, Any]) -> bool:
    """True for a workload kind whose metadata or Pod template carries a complyai.io/ annotation."""
    template = pod_template(kind, obj)
    if template is None:
        return False
    for written in (_dict(obj.get("metadata")).get("annotations"), template.metadata.get("annotations")):
        if any(isinstance(key, str) and key.startswith(PREFIX) and key not in _NOT_ANNOTATIONS
               for key in _dict(written)):
            return True
    return False


class KubernetesLoader:
    format = "kubernetes"

    def sniff(self, path: Path, head: str) -> bool:
        return path.suffix.lower() in SUFFIXES and self.matches(head)

    def matches(self, head: str) -> bool:
        # Both markers in one document: an annotated Service next to a plain Deployment is no workload.
        return any(_KIND.search(chunk) and _ANNOTATION.search(chunk) for chunk in _SEPARATOR.split(head))

    def load(self, path: Path, text: str, display: str) -> Artifact:
        return self.load_all(path, text, display)[-1]

    def load_all(self, path: Path, text: str, display: str) -> list[Artifact]:
        artifacts: list[Artifact] = []
        found: list[tuple[dict[str, Any], str, Positions, list[Problem]]] = []
        for parsed in _documents(path, text):
            if parsed.error is not None:
                artifacts.append(unreadable(path, display, self.format, [parse_problem(parsed.error)]))
                continue
            warnings = [parse_problem(w) for w in parsed.warnings]
            for obj, base in _objects(parsed.value):
                kind = obj.get("kind")
                if isinstance(kind, str) and _annotated(kind, obj):
                    found.append((obj, base, parsed.positions, warnings))
        shown: set[str] = set()
        for obj, base, positions, warnings in found:
            built = _workloads(path, display, obj, base, positions, warnings, len(found) > 1, shown)
            artifacts.extend(built)
        if not artifacts:
            return [unreadable(path, display, self.format, [Problem(
                rule=SCHEMA_RULE, severity="info",
                message=f"no {', '.join(KINDS)} here carries {PREFIX} annotations, so no workload is judged",
                location=Location(line=1, column=1),
                remediation=f"Annotate the Pod template with {PREFIX}... (see ci/k8s/README.md), or leave the "
                            "file out of the audit.")])]
        return artifacts


def _workloads(path: Path, display: str, obj: dict[str, Any], base: str, positions: Positions,
               warnings: list[Problem], several: bool, taken: set[str]) -> list[Artifact]:
    """The workload artifact(s) of one object (one per country it may run in), with its own problems.

    With several objects in the file each display names its object, since findings and Cedar entities
    are told apart by display; ``taken`` keeps them unique even when two objects share a name.
    """
    from policy_engine.artifacts.k8s_workload import (
        DATA_MANIFESTS,
        MODEL_CARDS,
        annotation_table,
        build_workload,
        source_of,
    )

    kind = str(obj["kind"])
    template = pod_template(kind, obj)
    assert template is not None  # _annotated checked the kind
    source = source_of(kind, obj, template, "", base=base)
    shown = f"{display} ({source.display})" if several else display
    if shown in taken:
        shown = f"{display} ({source.display} at {base or '/'})" if base else f"{shown} #{len(taken) + 1}"
    taken.add(shown)
    extra = list(warnings)

    def at(pointer: str, message: str, remediation: str, severity: str = "high") -> None:
        line, column = _locate(positions, pointer)
        extra.append(Problem(rule=SCHEMA_RULE, severity=severity, message=message,
                             location=Location(pointer=pointer, line=line, column=column), remediation=remediation))

    metadata_pointers = (f"{base}/metadata", f"{source.template_pointer}/metadata")
    for holder, pointer in zip((_dict(obj.get("metadata")), template.metadata), metadata_pointers, strict=True):
        annotations = holder.get("annotations")
        if annotations is not None and not isinstance(annotations, dict):
            at(f"{pointer}/annotations", f"{pointer}/annotations is a {type(annotations).__name__}, not a mapping",
               "Write annotations as a mapping of string keys to string values.")
        for key, value in _dict(annotations).items():
            if isinstance(key, str) and key.startswith(PREFIX) and not isinstance(value, str):
                written = json.dumps(value, default=str)
                at(f"{pointer}/annotations/{escape(key)}",
                   f"annotation {key}: {written} is not a string; Kubernetes annotation values are strings "
                   "(the API server rejects this manifest)", f"Quote the value: {key}: {json.dumps(written)}")
    if not any(isinstance(template.spec.get(name), list) and template.spec[name] for name in CONTAINER_LISTS):
        at(f"{source.template_pointer}/spec", f"the Pod template of {source.display} has no containers, so "
           "there is nothing to run (admission denies it)", "Add the containers the workload runs.")

    cards, manifests = [], []
    for ref_key, refs, targets, kind_name in ((MODEL_CARDS, source.model_cards, cards, "model_card"),
                                              (DATA_MANIFESTS, source.data_manifests, manifests, "data_manifest")):
        pointer = source.pointer_of(ref_key)
        for ref in refs:
            link = local_link(path, ref, kind_name, pointer)
            if link is None:
                at(pointer, f"annotation {ref_key}: {ref!r} is not a path to a file", "Give the path of the "
                   f"{kind_name.replace('_', ' ')} relative to this manifest, as in the evidence directory.")
            else:
                targets.append(link.target)
    if not source.model_cards:
        at(source.template_pointer + "/metadata", f"no {MODEL_CARDS} annotation: {source.display} is judged "
           "without the model card it serves (admission uses the cards its images' declarations cover)",
           f"Name the model card(s) in {MODEL_CARDS}, relative to this manifest.", severity="low")

    built = build_workload(source, cards, manifests, images_verified=False, path=path,
                                          display=shown, positions=positions)
    for notice in built.notices:
        at(notice.pointer, notice.message, "See the annotation and region tables in ci/k8s/README.md.",
           severity="low")
    home = _home(source, positions)
    for artifact in built.artifacts:
        artifact.problems = extra + artifact.problems
        artifact.document = obj
        if "region" not in artifact.pointers and source.template.spec.get("nodeSelector") is not None:
            artifact.pointers["region"] = _region_home(source)
        for spec in annotation_table().values():  # a missing field points where its annotation belongs
            artifact.pointers.setdefault(spec.path, home)
    return built.artifacts


def _home(source: WorkloadSource, positions: Positions) -> str:
    """Where a missing annotation should be written: the Pod template's annotations, else its metadata."""
    for pointer in (f"{source.template_pointer}/metadata/annotations", f"{source.base}/metadata/annotations",
                    f"{source.template_pointer}/metadata"):
        if pointer in positions:
            return pointer
    return source.name_pointer


def _region_home(source: WorkloadSource) -> str:
    return f"{source.template_pointer}/spec/nodeSelector"


def _locate(positions: Positions, pointer: str) -> tuple[int, int]:
    """Line and column of a pointer or of its nearest located parent."""
    probe = pointer
    while probe and probe not in positions:
        probe = probe.rsplit("/", 1)[0]
    return positions.get(probe, (1, 1))


LOADER = KubernetesLoader()
