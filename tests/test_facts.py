"""Facts: artifact fields become typed Cedar attributes; values of the wrong type are left out."""

import datetime as dt
from pathlib import Path

import pytest

from policy_engine import resources
from policy_engine.artifacts.base import Artifact, Link
from policy_engine.facts import FactBuilder, _coerce


@pytest.mark.parametrize(
    ("value", "cedar", "expected"),
    [
        ("high", "String", "high"),
        (1.5, "String", "1.5"),  # a version written as a YAML number
        (True, "String", None),
        (True, "Bool", True),
        ("yes", "Bool", None),
        (183, "Long", 183),
        (183.0, "Long", 183),
        (True, "Long", None),
        ("2026-08-02", "datetime", "2026-08-02"),
        (dt.date(2026, 8, 2), "datetime", "2026-08-02"),
        ("next year", "datetime", None),
        (0.0312345, "decimal", "0.0312"),
        (1e25, "decimal", None),  # beyond Cedar's decimal range: left for a derived fact
        (["b", "a", "a"], "Set<String>", ["a", "b"]),
        ("a", "Set<String>", None),
        ({"status": "attested", "by": "Jo", "date": "2026-01-02", "extra": 1}, "Attestation",
         {"status": "attested", "by": "Jo", "date": "2026-01-02"}),
        ({"tier": "high", "bogus": 1}, {"tier": "String"}, {"tier": "high"}),
    ],
)
def test_values_are_coerced_to_the_schema_type_or_dropped(value, cedar, expected):
    assert _coerce(value, cedar) == expected


def artifact(kind: str, name: str, fields: dict, links=()) -> Artifact:
    path = Path(f"/repo/{name}")
    return Artifact(path=path, display=name, kind=kind, format="complyai", name=name, sha256="",
                    fields=fields, links=list(links))


def test_a_card_is_judged_with_each_linked_manifest_and_its_sbom():
    manifests = [artifact("data_manifest", f"m{i}.yaml", {}) for i in range(2)]
    sbom = artifact("sbom", "sbom.json", {})
    card = artifact("model_card", "card.yaml", {}, [Link("data_manifest", m.path, "/spec/datasets/0") for m in manifests]
                    + [Link("sbom", sbom.path, "/spec/sbom_ref")])
    builder = FactBuilder(resources.vocabulary(), {})
    bundles = builder.bundles([card, *manifests, sbom])
    card_bundles = [b for b in bundles if b.subject is card]
    assert [b.members["data_manifest"] for b in card_bundles] == manifests
    assert all(b.members["sbom"] is sbom for b in card_bundles)
    # the SBOM is judged with the card's manifests too (their scope decides GDPR's security controls)
    assert {id(b.members.get("data_manifest")) for b in bundles if b.subject is sbom} == {id(m) for m in manifests}


def test_requests_carry_derived_facts_and_links():
    card = artifact("model_card", "card.yaml", {"datasets": [{"split": "testing", "manifest_ref": "x"}]})
    builder = FactBuilder(resources.vocabulary(), {"general_application": "2026-08-02"})
    from policy_engine.rules.expr import parse

    derived = {"X#1": parse('any(model_card.datasets[].split == "testing")'),
               "X#2": parse('all(model_card.datasets[].split == "training")')}
    [bundle] = builder.bundles([card])
    request = builder.request(bundle, dt.date(2027, 1, 1), derived)
    assert request.context["derived"] == ["X#1"]
    assert request.context["model_card"] == {"__entity": {"type": "ModelCard", "id": "card.yaml"}}
    assert request.context["today"] == "2027-01-01" and request.context["dates"]["general_application"]
