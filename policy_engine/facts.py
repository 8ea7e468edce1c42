"""Turn loaded artifacts into Cedar entities and requests: the only module that knows both sides.

Each artifact becomes one entity (ModelCard, Dataset, Sbom, Workload) whose attributes are its
vocabulary fields, coerced to the Cedar types of the schema (a value of the wrong type is left out:
the JSON Schema check has already reported it). A request evaluates one *subject* artifact together
with the artifacts it is linked to (a card with one of its data manifests and its SBOM), so that
cross-artifact controls read ``context.data_manifest`` or ``context.sbom``. Loops and floats, which
Cedar lacks, are evaluated here as the controls' derived expressions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from policy_engine.artifacts.base import Artifact
from policy_engine.rules import expr
from policy_engine.rules.cedar_emit import ENTITY_TYPES
from policy_engine.rules.engine import Request
from policy_engine.rules.schema import attribute_tree

ATTESTATION_KEYS = {"status": "String", "by": "String", "role": "String", "date": "datetime",
                    "ref": "String", "expires": "datetime"}


@dataclass
class Bundle:
    """One subject artifact and the artifacts it is evaluated with."""

    subject: Artifact
    members: dict[str, Artifact] = field(default_factory=dict)  # kind -> artifact


def entity_uid(artifact: Artifact) -> dict[str, str]:
    return {"type": ENTITY_TYPES[artifact.kind], "id": artifact.display}


def _coerce(value: Any, cedar: Any) -> Any:
    """The value in the Cedar type of the schema, or None when it does not fit."""
    if isinstance(cedar, dict):
        if not isinstance(value, Mapping):
            return None
        record = {}
        for name, sub in cedar.items():
            if name in value:
                coerced = _coerce(value[name], sub)
                if coerced is not None:
                    record[name] = coerced
        return record
    if cedar == "String":
        if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
            return None
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()
        return str(value)
    if cedar == "Bool":
        return value if isinstance(value, bool) else None
    if cedar == "Long":
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value if -(2**63) <= value < 2**63 else None
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return None
    if cedar == "datetime":
        day = expr.parse_date(value)
        return day.isoformat() if day else None
    if cedar == "decimal":  # Cedar decimals: at most 4 fractional digits, within +/- 9.2e14
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            return None
        try:
            number = float(value)
        except ValueError:
            return None
        return f"{number:.4f}" if abs(number) < 9e14 else None
    if cedar == "Set<String>":
        if not isinstance(value, list):
            return None
        return sorted({str(v) for v in value if isinstance(v, (str, int, float)) and not isinstance(v, bool)})
    if cedar == "Attestation":
        return _coerce(value, ATTESTATION_KEYS)
    return None


class FactBuilder:
    """Builds entities and requests for one audit; the vocabulary fixes the attribute types."""

    def __init__(self, vocabulary: Mapping[str, Any], dates: Mapping[str, str]) -> None:
        self.trees = {kind: attribute_tree(vocabulary["fields"], kind) for kind in ENTITY_TYPES}
        self.dates = dict(dates)

    def document(self, artifact: Artifact) -> dict[str, Any]:
        """Vocabulary view of an artifact, with its identity filled in."""
        fields = dict(artifact.fields)
        fields.setdefault("id", artifact.name)
        return fields

    def entity(self, artifact: Artifact) -> dict[str, Any]:
        attrs = _coerce(self.document(artifact), self.trees[artifact.kind]) or {}
        return {"uid": entity_uid(artifact), "attrs": attrs, "parents": []}

    def bundles(self, artifacts: list[Artifact]) -> list[Bundle]:
        by_path = {(a.path, a.kind): a for a in artifacts}
        linked_from: dict[Any, list[Artifact]] = {}
        for artifact in artifacts:
            for link in artifact.links:
                linked_from.setdefault((link.target, link.kind), []).append(artifact)
        bundles = []
        for subject in artifacts:
            if subject.kind not in ENTITY_TYPES:
                continue
            if subject.kind == "model_card":
                bundles.extend(self._card_bundles(subject, by_path))
                continue
            if subject.kind == "workload":
                bundles.extend(self._workload_bundles(subject, by_path))
                continue
            cards = list({id(c): c for c in linked_from.get((subject.path, subject.kind), [])
                          if c.kind == "model_card"}.values())
            if not cards:
                bundles.append(Bundle(subject, {subject.kind: subject}))
            for card in cards:
                # The subject is judged with everything its card links: an SBOM with the card's data
                # manifests (their scope decides whether GDPR's security controls apply to it), a
                # manifest with the card's SBOM.
                for bundle in self._card_bundles(card, by_path):
                    if bundle.members.get(subject.kind, subject) is subject:
                        bundles.append(Bundle(subject, {**bundle.members, subject.kind: subject}))
        return bundles

    def _card_bundles(self, card: Artifact, by_path: Mapping[Any, Artifact]) -> list[Bundle]:
        sbom = self._sbom_of(card, by_path)
        base = {"model_card": card}
        if sbom is not None:
            base["sbom"] = sbom
        manifests = [by_path[(link.target, link.kind)] for link in card.links
                     if link.kind == "data_manifest" and (link.target, link.kind) in by_path]
        if not manifests:
            return [Bundle(card, base)]
        unique = list({id(m): m for m in manifests}.values())
        return [Bundle(card, {**base, "data_manifest": manifest}) for manifest in unique]

    def _workload_bundles(self, workload: Artifact, by_path: Mapping[Any, Artifact]) -> list[Bundle]:
        """A workload is judged with each model card it serves (and that card's data and SBOM)."""
        cards = [by_path[(link.target, link.kind)] for link in workload.links
                 if link.kind == "model_card" and (link.target, link.kind) in by_path]
        manifests = [by_path[(link.target, link.kind)] for link in workload.links
                     if link.kind == "data_manifest" and (link.target, link.kind) in by_path]
        if not cards:
            if not manifests:
                return [Bundle(workload, {"workload": workload})]
            return [Bundle(workload, {"workload": workload, "data_manifest": m}) for m in manifests]
        bundles = []
        for card in cards:
            for bundle in self._card_bundles(card, by_path):
                bundles.append(Bundle(workload, {**bundle.members, "workload": workload}))
            for manifest in manifests:  # data the workload itself declares it processes
                members = {"model_card": card, "workload": workload, "data_manifest": manifest}
                sbom = self._sbom_of(card, by_path)
                if sbom is not None:
                    members["sbom"] = sbom
                bundles.append(Bundle(workload, members))
        return bundles

    @staticmethod
    def _sbom_of(card: Artifact, by_path: Mapping[Any, Artifact]) -> Artifact | None:
        return next((by_path[(link.target, link.kind)] for link in card.links
                     if link.kind == "sbom" and (link.target, link.kind) in by_path), None)

    def request(self, bundle: Bundle, today: dt.date, derived: Mapping[str, expr.Node]) -> Request:
        documents = {kind: self.document(artifact) for kind, artifact in bundle.members.items()}
        scope = expr.Scope(documents, today)
        holds = []
        for name, node in derived.items():
            try:
                if expr.evaluate(node, scope) is True:
                    holds.append(name)
            except (expr.ExpressionError, TypeError, ValueError):
                continue  # a derived fact that cannot be computed stays false: the control then fires
        context: dict[str, Any] = {"today": today.isoformat(), "derived": sorted(holds), "dates": self.dates}
        for kind, artifact in bundle.members.items():
            context[kind] = {"__entity": entity_uid(artifact)}
        return Request(resource=entity_uid(bundle.subject), context=context, tag=bundle)


def kinds_of(artifacts: Iterable[Artifact]) -> set[str]:
    return {a.kind for a in artifacts}
