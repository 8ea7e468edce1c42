"""SARIF 2.1.0: schema-valid, one rule per control, located results, suppressions for waivers."""

from __future__ import annotations

import json

import pytest

from policy_engine.report import render

from .conftest import CONTROLS, SHARED, needs_shared

SCHEMA = SHARED / "data" / "schemas" / "sarif-2.1.0.json"


@needs_shared
@pytest.mark.parametrize("fixture", ["fail_verdict", "warn_verdict", "pass_verdict"])
@pytest.mark.parametrize("with_rules", [False, True])
def test_sarif_validates_against_the_official_schema(request, fixture, with_rules, rules):
    import jsonschema

    log = json.loads(render(request.getfixturevalue(fixture), "sarif", rules=rules if with_rules else None))
    schema = json.loads(SCHEMA.read_text())
    # With format checks: artifact URIs must be valid URI references (spaces percent-encoded).
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER).validate(log)


@needs_shared
def test_the_real_world_example_validates_too():
    """Guards the validation itself: a real tool's SARIF passes, a broken copy does not."""
    import jsonschema

    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))
    real = json.loads((SHARED / "data/real-artifacts/sarif/trivy-alpine-310.sarif.json").read_text())
    validator.validate(real)
    real["runs"][0]["results"][0]["level"] = "fatal"
    assert not validator.is_valid(real)


def test_one_rule_per_control_even_those_that_passed(fail_verdict, rules):
    run = json.loads(render(fail_verdict, "sarif", rules=rules))["runs"][0]
    ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert ids == [*CONTROLS, "COMPLYAI-PARSE"]
    ropa = run["tool"]["driver"]["rules"][
        CONTROLS.index("GDPR-ART30-ROPA")
    ]  # no finding: metadata from rules
    assert ropa["shortDescription"]["text"] == "Title of GDPR-ART30-ROPA"
    assert "Citation of GDPR-ART30-ROPA" in ropa["fullDescription"]["text"]
    assert "Fix GDPR-ART30-ROPA." in ropa["help"]["text"]
    assert ropa["properties"]["ruleset"] == "gdpr"
    assert ropa["defaultConfiguration"]["level"] == "error"


def test_rule_metadata_is_derived_from_findings_without_rule_info(fail_verdict):
    driver = json.loads(render(fail_verdict, "sarif"))["runs"][0]["tool"]["driver"]
    assert driver["name"] == "complyai" and driver["version"] == "0.1.0" and driver["informationUri"]
    by_id = {rule["id"]: rule for rule in driver["rules"]}
    assert by_id["EUAIA-ART10-DATA"]["properties"]["severity"] == "critical"
    assert by_id["EUAIA-ART10-DATA"]["shortDescription"]["text"] == "Title of EUAIA-ART10-DATA"
    assert by_id["GDPR-ART30-ROPA"]["shortDescription"]["text"] == "GDPR-ART30-ROPA"


def test_results_point_at_lines_with_levels_and_rule_indexes(fail_verdict):
    run = json.loads(render(fail_verdict, "sarif"))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    by_rule = {result["ruleId"]: result for result in run["results"]}
    assert len(run["results"]) == len(fail_verdict.findings)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    ifu = by_rule["EUAIA-ART13-IFU"]
    location = ifu["locations"][0]["physicalLocation"]
    assert location["region"] == {"startLine": 12, "startColumn": 5}
    assert location["artifactLocation"] == {
        "uri": "samples/models/credit-scoring%20card.yaml",
        "uriBaseId": "%SRCROOT%",
    }
    assert ifu["level"] == "error"
    assert "Regulation (EU) 2024/1689" in ifu["message"]["text"]
    assert by_rule["EUAIA-ART50-GPAI"]["level"] == "note"
    assert "2026-08-02" in by_rule["EUAIA-ART50-GPAI"]["message"]["text"]


def test_waived_findings_carry_an_external_suppression(fail_verdict):
    results = json.loads(render(fail_verdict, "sarif"))["runs"][0]["results"]
    waived = [r for r in results if "suppressions" in r]
    assert [r["ruleId"] for r in waived] == ["GDPR-ART35-DPIA"]
    suppression = waived[0]["suppressions"][0]
    assert suppression["kind"] == "external"
    assert "DPIA in review" in suppression["justification"]
    assert "dpo@example.com" in suppression["justification"]


def test_fingerprints_are_stable_and_ignore_line_moves(fail_verdict):
    first = json.loads(render(fail_verdict, "sarif"))["runs"][0]["results"]
    fail_verdict.findings[0].location = type(fail_verdict.findings[0].location)(
        pointer="/spec/instructions_for_use", line=99, column=1
    )
    second = json.loads(render(fail_verdict, "sarif"))["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in first] == [r["partialFingerprints"] for r in second]
    assert len({json.dumps(r["partialFingerprints"]) for r in first}) == len(first)


def test_absolute_artifact_paths_become_file_uris(fail_verdict):
    fail_verdict.findings[0].artifact = "/srv/repo/model card.yaml"
    result = json.loads(render(fail_verdict, "sarif"))["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "file:///srv/repo/model%20card.yaml"
    }
