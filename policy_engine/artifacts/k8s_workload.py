"""Build the ``Workload`` artifact the deploy-stage controls judge, from a Kubernetes object.

The workload's vocabulary fields (model_cards/vocabulary.yaml, ``workload.*``) come from
``complyai.io/`` annotations, one annotation per field: the field path with ``_`` written as ``-``
(``workload.logging.retention_days`` is ``complyai.io/logging.retention-days``). Attestations take
one annotation per key: ``complyai.io/attest.ai-literacy.by``, ``.date``, ``.ref``, ``.role``,
``.expires`` (status defaults to ``attested``). ``ANNOTATIONS`` is the generated table; ci/k8s/README.md
lists it. The region comes from ``complyai.io/region`` or, failing that, from the Pod's node selector
and required node affinity (see regions.py); when the Pod may run in several countries, one Workload
is built per country so that every place it may land is judged.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from policy_engine import resources
from policy_engine.artifacts.base import Artifact, Link, Problem
from policy_engine.findings import SCHEMA_RULE, Location
from policy_engine.webhook import regions
from policy_engine.webhook.podspec import PodTemplate

PREFIX = "complyai.io/"
MODEL_CARDS = PREFIX + "model-cards"
DATA_MANIFESTS = PREFIX + "data-manifests"
RISK_TIER = PREFIX + "risk-tier"
ATTEST_KEYS = ("status", "by", "role", "date", "ref", "expires")
# Fields the webhook fills itself rather than from an annotation of the same name.
_DERIVED = {"workload.name", "workload.model_refs", "workload.dataset_refs"}
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class FieldSpec:
    path: str  # vocabulary path without the "workload." prefix, e.g. "logging.retention_days"
    type: str
    values: tuple[str, ...] = ()


@functools.lru_cache(maxsize=1)
def annotation_table() -> dict[str, FieldSpec]:
    """annotation key -> the workload field it sets, generated from the vocabulary (one table, no magic)."""
    table: dict[str, FieldSpec] = {}
    for path, spec in resources.vocabulary()["fields"].items():
        if not path.startswith("workload.") or path in _DERIVED:
            continue
        rest = path.removeprefix("workload.")
        values = tuple(str(v) for v in spec.get("values") or ())
        if spec["type"] == "attestation":
            key = rest.removeprefix("attestations.").replace("_", "-")
            for part in ATTEST_KEYS:
                table[f"{PREFIX}attest.{key}.{part}"] = FieldSpec(f"{rest}.{part}", "date" if part in (
                    "date", "expires") else "string")
            continue
        table[PREFIX + rest.replace("_", "-")] = FieldSpec(rest, spec["type"], values)
    return table


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _convert(spec: FieldSpec, raw: str) -> tuple[Any, str | None]:
    """(value, None) or (None, why it is not a valid value of that field)."""
    text = raw.strip()
    kind = spec.type
    if kind == "bool":
        if text.lower() in _TRUE:
            return True, None
        if text.lower() in _FALSE:
            return False, None
        return None, f"{text!r} is not true or false"
    if kind == "int":
        if re.fullmatch(r"-?\d{1,18}", text):
            return int(text), None
        return None, f"{text!r} is not a whole number"
    if kind == "date":
        return (text, None) if _DATE.match(text) else (None, f"{text!r} is not a date (YYYY-MM-DD)")
    if kind.startswith("list<"):
        items = _split(text)
        if kind == "list<enum>":
            bad = [i for i in items if i not in spec.values]
            if bad:
                return None, f"{', '.join(bad)} not among {', '.join(spec.values)}"
        return items, None
    if kind == "enum" and text not in spec.values:
        return None, f"{text!r} is not one of {', '.join(spec.values)}"
    return text, None


def _set(fields: dict[str, Any], path: str, value: Any) -> None:
    node = fields
    *parents, last = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def _pointer(key: str) -> str:
    return "/metadata/annotations/" + key.replace("~", "~0").replace("/", "~1")


@dataclass
class WorkloadSource:
    """What the webhook knows about one admitted object, independent of the evidence directory."""

    kind: str
    namespace: str
    name: str
    labels: dict[str, str]
    annotations: dict[str, str]
    template: PodTemplate
    model_cards: list[str] = field(default_factory=list)  # as written in complyai.io/model-cards
    data_manifests: list[str] = field(default_factory=list)

    @property
    def display(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


def _strings(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


def source_of(kind: str, obj: dict[str, Any], template: PodTemplate, namespace: str) -> WorkloadSource:
    """Annotations and labels of the object and its Pod template; the template's win (the Pods carry them)."""
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    annotations = {**_strings(metadata.get("annotations")), **_strings(template.metadata.get("annotations"))}
    labels = {**_strings(metadata.get("labels")), **_strings(template.metadata.get("labels"))}
    name = metadata.get("name") or metadata.get("generateName") or "(unnamed)"
    return WorkloadSource(
        kind=kind, namespace=namespace or str(metadata.get("namespace") or "default"), name=str(name),
        labels=labels, annotations=annotations, template=template,
        model_cards=_split(annotations.get(MODEL_CARDS, "")),
        data_manifests=_split(annotations.get(DATA_MANIFESTS, "")),
    )


def evidence_path(evidence_dir: Path, ref: str) -> Path | None:
    """A reference from an annotation, resolved inside the evidence directory; None if it escapes it."""
    relative = PurePosixPath(ref)
    if relative.is_absolute() or ".." in relative.parts:
        return None
    return (evidence_dir / relative).resolve()


@dataclass
class BuiltWorkload:
    artifacts: list[Artifact]  # one per country the Pod may run in (one when the region is fixed/unknown)
    warnings: list[str]
    facts_hash: str


def build_workload(source: WorkloadSource, cards: list[Path], manifests: list[Path],
                   *, images_verified: bool) -> BuiltWorkload:
    """The Workload artifact(s) for a source, linked to the model cards and data manifests given."""
    table = annotation_table()
    fields: dict[str, Any] = {"name": source.name}
    pointers: dict[str, str] = {"name": "/metadata/name"}
    problems: list[Problem] = []
    warnings: list[str] = []
    for key, raw in sorted(source.annotations.items()):
        normalised = key.replace("_", "-") if key.startswith(PREFIX) else key
        spec = table.get(normalised)
        if spec is None:
            if key.startswith(PREFIX) and key not in (MODEL_CARDS, DATA_MANIFESTS, RISK_TIER):
                warnings.append(f"unknown annotation {key} ignored (see the annotation table)")
            continue
        value, why = _convert(spec, raw)
        if why is not None:
            problems.append(Problem(rule=SCHEMA_RULE, severity="high", message=f"annotation {key}: {why}",
                                    location=Location(pointer=_pointer(key)),
                                    remediation=f"fix the value of the {key} annotation"))
            continue
        _set(fields, spec.path, value)
        pointers[spec.path] = _pointer(key)
    for attestation in (fields.get("attestations") or {}).values():
        if isinstance(attestation, dict):
            attestation.setdefault("status", "attested")
    if source.model_cards:
        fields["model_refs"] = list(source.model_cards)
    if source.data_manifests:
        fields["dataset_refs"] = list(source.data_manifests)
    if images_verified:
        # Every image is pinned by digest and covered by a verified signed declaration.
        fields.setdefault("security", {}).setdefault("integrity_controls", True)

    places: list[str | None] = [fields.get("region")] if "region" in fields else []
    if not places:
        found, unknown = regions.countries(source.template.spec)
        if unknown:
            warnings.append(f"region(s) {', '.join(unknown)} not in the region table: residency not checked; "
                            f"set {PREFIX}region to the ISO country")
        places = list(found) or [None]
    links = [Link(kind="model_card", target=card, pointer=_pointer(MODEL_CARDS)) for card in cards]
    links += [Link(kind="data_manifest", target=m, pointer=_pointer(DATA_MANIFESTS)) for m in manifests]

    artifacts = []
    for place in places:
        own = json.loads(json.dumps(fields))
        display = source.display
        if place is not None:
            own["region"] = place
            if len(places) > 1:
                display += f" (region {place})"
        synthetic = Path("/kubernetes") / source.namespace / source.kind / source.name / (place or "any")
        artifacts.append(Artifact(
            path=synthetic, display=display, kind="workload", format="kubernetes", name=source.name,
            sha256="", fields=own, links=list(links), pointers=dict(pointers), problems=list(problems)))
    digest = hashlib.sha256(json.dumps(
        [[a.fields for a in artifacts], [str(p) for p in cards], [str(p) for p in manifests],
         [p.message for p in problems], source.display], sort_keys=True, default=str).encode()).hexdigest()
    return BuiltWorkload(artifacts=artifacts, warnings=warnings, facts_hash=digest)
