"""Compile the loaded rulesets once and evaluate requests in batches, failing closed.

Cedar skips a forbid whose evaluation errors, which would read as compliance. Every evaluation error
and every NoDecision therefore comes back as an ``EvalError`` naming the control, and the pipeline
turns it into a COMPLYAI-EVAL finding.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import cedarpy

from policy_engine.errors import RulesetError
from policy_engine.resources import cache_dir
from policy_engine.rules.cedar_emit import ENTITY_TYPES
from policy_engine.rules.ruleset import Control, Ruleset
from policy_engine.rules.schema import build_schema

POLICY_ID = re.compile(r"\bpolicy\d+\b")  # Cedar's positional policy ids, as its messages quote them
PRINCIPAL = {"type": "Auditor", "id": "complyai"}
ACTION_ENTITIES = [
    {"uid": {"type": "Action", "id": "commit"}, "attrs": {}, "parents": []},
    {"uid": {"type": "Action", "id": "release"}, "attrs": {}, "parents": [{"type": "Action", "id": "commit"}]},
    {"uid": {"type": "Action", "id": "deploy"}, "attrs": {}, "parents": [{"type": "Action", "id": "release"}]},
]


@dataclass
class Request:
    resource: dict[str, str]  # {"type": "ModelCard", "id": "..."}
    context: dict[str, Any]
    tag: Any = None  # the caller's handle (subject artifact, bundle)


@dataclass
class Outcome:
    request: Request
    violated: list[Control] = field(default_factory=list)
    errors: list[tuple[Control | None, str]] = field(default_factory=list)


class RuleEngine:
    """The loaded rulesets as one validated Cedar policy set."""

    def __init__(self, rulesets: Sequence[Ruleset], vocabulary: dict) -> None:
        self.rulesets = list(rulesets)
        self.controls: dict[str, Control] = {}
        for ruleset in self.rulesets:
            for control in ruleset.controls:
                if control.id in self.controls:
                    other = self.controls[control.id]
                    raise RulesetError(f"{control.source}: control id {control.id} is also defined by "
                                       f"ruleset {other.ruleset} ({other.source})")
                self.controls[control.id] = control
        date_names = {name for ruleset in self.rulesets for name in ruleset.dates}
        self.dates = {name: nd.date for ruleset in self.rulesets for name, nd in ruleset.dates.items()}
        self.schema_text = build_schema(vocabulary["fields"], date_names)
        self.schema = cedarpy.Schema.from_str(self.schema_text)
        self.policy_text = "\n".join(ruleset.policy_text for ruleset in self.rulesets)
        self._validate()
        # One policy set per entity type, holding only the controls that apply to it: a request then
        # evaluates a quarter of the policies. Built on first use (parsing text is 3x faster than JSON).
        self._policy_sets: dict[str, tuple[cedarpy.PolicySet, list[Control]]] = {}

    def policy_set(self, entity_type: str) -> tuple[cedarpy.PolicySet, list[Control]]:
        """The policies for one entity type, and the control behind each engine id policy1..N."""
        if entity_type not in self._policy_sets:
            kind = next((k for k, t in ENTITY_TYPES.items() if t == entity_type), None)
            if kind is None:
                raise RulesetError(f"no controls for entity type {entity_type}")
            controls = [c for c in self.controls.values() if kind in c.applies_to]
            text = "permit (principal, action, resource);\n" + "\n".join(c.text for c in controls)
            self._policy_sets[entity_type] = (cedarpy.PolicySet.from_str(text), controls)
        return self._policy_sets[entity_type]

    def _validate(self) -> None:
        for ruleset in self.rulesets:
            # A ruleset that validated against this exact schema before need not be validated again.
            key = hashlib.sha256(f"{self.schema_text}\0{ruleset.policy_text}".encode()).hexdigest()
            stamp = cache_dir() / "validated" / key
            if stamp.exists():
                continue
            result = cedarpy.validate_policies(ruleset.policy_text, self.schema)
            if result.validation_passed:
                try:
                    stamp.parent.mkdir(parents=True, exist_ok=True)
                    stamp.touch()
                except OSError:
                    pass
                continue
            by_id = {c.id: c for c in ruleset.controls}
            problems = []
            for error in result.errors[:10]:
                control_id = result.id_annotations_by_policy_id.get(error.policy_id)
                where = by_id[control_id].source if control_id in by_id else str(ruleset.path)
                problems.append(f"{where}: {control_id or error.policy_id}: {error.error}")
            raise RulesetError(
                f"ruleset {ruleset.id} does not validate against the artifact schema:\n  " + "\n  ".join(problems),
                hint="fields must exist in model_cards/vocabulary.yaml with the type used; guard optional "
                     "fields with `has`")

    def derived_for(self, kinds: set[str]) -> dict[str, Any]:
        """Derived expressions of the controls that can apply to these artifact kinds."""
        return {name: node for control in self.controls.values() if kinds & set(control.applies_to)
                for name, node in control.derived.items()}

    def evaluate(self, stage: str, requests: list[Request], entities: list[dict]) -> list[Outcome]:
        if not requests:
            return []
        entity_handle = cedarpy.Entities.from_json_str(json.dumps(entities + ACTION_ENTITIES + [
            {"uid": PRINCIPAL, "attrs": {}, "parents": []}]), self.schema)
        results: list[Any] = [None] * len(requests)
        by_type: dict[str, list[int]] = {}
        for index, request in enumerate(requests):
            by_type.setdefault(request.resource["type"], []).append(index)
        for entity_type, indexes in by_type.items():
            batch = [{"principal": PRINCIPAL, "action": {"type": "Action", "id": stage},
                      "resource": requests[i].resource, "context": requests[i].context} for i in indexes]
            policy_set, controls = self.policy_set(entity_type)
            by_engine_id = {f"policy{position}": control for position, control in enumerate(controls, start=1)}
            for index, result in zip(indexes, cedarpy.is_authorized_batch(batch, policy_set, entity_handle,
                                                                           self.schema), strict=True):
                results[index] = (result, by_engine_id)
        outcomes = []
        for request, (result, by_engine_id) in zip(requests, results, strict=True):
            outcome = Outcome(request)
            for reason in result.diagnostics.reasons:
                control = by_engine_id.get(reason)
                if control is not None:
                    outcome.violated.append(control)
            for message in result.diagnostics.errors:
                text = str(message)
                named = [by_engine_id[i] for i in POLICY_ID.findall(text) if i in by_engine_id]
                outcome.errors.append((named[0] if named else None, text))
            if str(result.decision).endswith("NoDecision") and not outcome.errors:
                outcome.errors.append((None, "Cedar returned no decision"))
            outcomes.append(outcome)
        return outcomes
