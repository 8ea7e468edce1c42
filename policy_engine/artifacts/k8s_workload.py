"""Build the ``Workload`` artifact the deploy-stage controls judge, from a Kubernetes object.

One builder for both entry points: the manifest loader (kubernetes.py, for ``complyai audit``) and the
admission webhook call it with the same object and get the same fields, so CI and admission agree.

The workload's vocabulary fields (model_cards/vocabulary.yaml, ``workload.*``) come from
``complyai.io/`` annotations, one annotation per field: the field path with ``_`` written as ``-``
(``workload.logging.retention_days`` is ``complyai.io/logging.retention-days``). Attestations take
one annotation per key: ``complyai.io/attest.ai-literacy.by``, ``.date``, ``.ref``, ``.role``,
``.expires`` (status defaults to ``attested``). ``annotation_table()`` is the generated table;
ci/k8s/README.md lists it. The region comes from ``complyai.io/region`` or, failing that, from the Pod's
node selector and required node affinity (see k8s_regions.py); when the Pod may run in several countries, one Workload
is built per country so that every place it may land is judged.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from policy_engine import resources
from policy_engine.artifacts import k8s_regions as regions
from policy_engine.artifacts.base import Artifact, Link, Problem
from policy_engine.artifacts.k8s_podspec import POD_TEMPLATE, PodTemplate
from policy_engine.artifacts.source import Positions, escape
from policy_engine.findings import SCHEMA_RULE, Location

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
    return "/metadata/annotations/" + escape(key)


@dataclass
class WorkloadSource:
    """What is known about one object, independent of where its model cards are looked up."""

    kind: str
    namespace: str
    name: str
    labels: dict[str, str]
    annotations: dict[str, str]
    template: PodTemplate
    model_cards: list[str] = field(default_factory=list)  # as written in complyai.io/model-cards
    data_manifests: list[str] = field(default_factory=list)
    # JSON pointers into the document holding the object (a manifest file, or the admitted object)
    base: str = ""  # the object itself ("/items/2" inside a List)
    template_pointer: str = ""  # its PodTemplateSpec ("/spec/template" for a Deployment)
    annotation_pointers: dict[str, str] = field(default_factory=dict)  # key -> where it is written
    name_pointer: str = "/metadata/name"

    @property
    def display(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"

    def pointer_of(self, key: str) -> str:
        return self.annotation_pointers.get(key) or self.base + _pointer(key)


@dataclass(frozen=True)
class Notice:
    """Advice about the object (an unknown annotation, a region not in the table): a warning at admission,
    a low-severity finding in ``complyai audit``."""

    message: str
    pointer: str


def _strings(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


def source_of(kind: str, obj: dict[str, Any], template: PodTemplate, namespace: str,
              base: str = "") -> WorkloadSource:
    """Annotations and labels of the object and its Pod template; the template's win (the Pods carry them).

    ``base`` is the object's JSON pointer in its document, so that every field can be located.
    """
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    template_pointer = base + "".join(f"/{escape(key)}" for key in POD_TEMPLATE.get(kind, ()))
    own = _strings(metadata.get("annotations"))
    inherited = _strings(template.metadata.get("annotations"))
    annotations = {**own, **inherited}
    where = {key: f"{base}/metadata/annotations/{escape(key)}" for key in own}
    where.update({key: f"{template_pointer}/metadata/annotations/{escape(key)}" for key in inherited})
    labels = {**_strings(metadata.get("labels")), **_strings(template.metadata.get("labels"))}
    name = metadata.get("name") or metadata.get("generateName") or "(unnamed)"
    name_field = "name" if metadata.get("name") or not metadata.get("generateName") else "generateName"
    return WorkloadSource(
        kind=kind, namespace=namespace or str(metadata.get("namespace") or "default"), name=str(name),
        labels=labels, annotations=annotations, template=template,
        model_cards=_split(annotations.get(MODEL_CARDS, "")),
        data_manifests=_split(annotations.get(DATA_MANIFESTS, "")),
        base=base, template_pointer=template_pointer, annotation_pointers=where,
        name_pointer=f"{base}/metadata/{name_field}",
    )


@dataclass
class BuiltWorkload:
    artifacts: list[Artifact]  # one per country the Pod may run in (one when the region is fixed/unknown)
    notices: list[Notice]
    facts_hash: str

    @property
    def warnings(self) -> list[str]:
        return [notice.message for notice in self.notices]


def _region_pointer(source: WorkloadSource) -> str:
    spec = source.template.spec
    field_name = "nodeSelector" if isinstance(spec.get("nodeSelector"), dict) else "affinity"
    return f"{source.template_pointer}/spec/{field_name}"


def declared_risk_tiers(cards: list[Path]) -> set[str]:
    """The risk tiers the model cards declare; a card without one (or unreadable) adds none.

    Cards are read by the artifact loaders, so any card format counts and a hostile file meets the same
    size, depth and alias limits as everywhere else (its own audit reports what is wrong with it).
    """
    from policy_engine.artifacts import load_artifact  # the package imports this module

    tiers = set()
    for card in cards:
        tier = (load_artifact(card, str(card)).fields.get("risk") or {}).get("tier")
        if isinstance(tier, str) and tier:
            tiers.add(tier)
    return tiers


def _risk_tier_notices(source: WorkloadSource, cards: list[Path]) -> list[Notice]:
    """Advice when the object's complyai.io/risk-tier (annotation or label) is not its cards' tier."""
    claimed = source.annotations.get(RISK_TIER)
    pointer = source.pointer_of(RISK_TIER)
    if not claimed:
        claimed = source.labels.get(RISK_TIER)
        pointer = source.base + "/metadata/labels/" + escape(RISK_TIER)
    tiers = declared_risk_tiers(cards) if claimed and cards else set()
    if not tiers or claimed in tiers:
        return []
    return [Notice(f"{RISK_TIER}={claimed} but the model card declares risk tier {', '.join(sorted(tiers))}; "
                   "the card's tier is the one the rules use", pointer)]


def build_workload(source: WorkloadSource, cards: list[Path], manifests: list[Path],
                   *, images_verified: bool, path: Path | None = None, display: str | None = None,
                   positions: Positions | None = None) -> BuiltWorkload:
    """The Workload artifact(s) for a source, linked to the model cards and data manifests given.

    ``path``, ``display`` and ``positions`` place the artifacts in a manifest file (``complyai audit``);
    without them (admission) each artifact gets a synthetic path naming the object and the country.
    """
    table = annotation_table()
    fields: dict[str, Any] = {"name": source.name}
    pointers: dict[str, str] = {"name": source.name_pointer}
    problems: list[Problem] = []
    notices: list[Notice] = []
    for key, raw in sorted(source.annotations.items()):
        normalised = key.replace("_", "-") if key.startswith(PREFIX) else key
        spec = table.get(normalised)
        if spec is None:
            if key.startswith(PREFIX) and key not in (MODEL_CARDS, DATA_MANIFESTS, RISK_TIER):
                notices.append(Notice(f"unknown annotation {key} ignored (see the annotation table)",
                                      source.pointer_of(key)))
            continue
        value, why = _convert(spec, raw)
        if why is not None:
            problems.append(Problem(rule=SCHEMA_RULE, severity="high", message=f"annotation {key}: {why}",
                                    location=Location(pointer=source.pointer_of(key)),
                                    remediation=f"fix the value of the {key} annotation"))
            continue
        _set(fields, spec.path, value)
        pointers[spec.path] = source.pointer_of(key)
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
            notices.append(Notice(f"region(s) {', '.join(unknown)} not in the region table: residency not "
                                  f"checked; set {PREFIX}region to the ISO country", _region_pointer(source)))
        places = list(found) or [None]
    notices.extend(_risk_tier_notices(source, cards))
    links = [Link(kind="model_card", target=card, pointer=source.pointer_of(MODEL_CARDS)) for card in cards]
    links += [Link(kind="data_manifest", target=m, pointer=source.pointer_of(DATA_MANIFESTS)) for m in manifests]

    artifacts = []
    for place in places:
        own = json.loads(json.dumps(fields))
        shown = display or source.display
        if place is not None:
            own["region"] = place
            if len(places) > 1:
                shown += f" (region {place})"
        where = path or Path("/kubernetes") / source.namespace / source.kind / source.name / (place or "any")
        artifact = Artifact(
            path=where, display=shown, kind="workload", format="kubernetes", name=source.name,
            sha256="", fields=own, links=list(links), pointers=dict(pointers), positions=dict(positions or {}),
            problems=list(problems))
        if positions:
            artifact.problems = [replace(p, location=artifact.locate(p.location.pointer)) for p in problems]
        artifacts.append(artifact)
    digest = hashlib.sha256(json.dumps(
        [[a.fields for a in artifacts], [str(p) for p in cards], [str(p) for p in manifests],
         [p.message for p in problems], source.display], sort_keys=True, default=str).encode()).hexdigest()
    return BuiltWorkload(artifacts=artifacts, notices=notices, facts_hash=digest)
