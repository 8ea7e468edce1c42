"""JUnit XML: schema-valid, one suite per ruleset, one case per control × artifact, right counts."""

from __future__ import annotations

import pytest

from policy_engine.report import render

from .conftest import CONTROLS, SHARED, needs_shared

XSD = SHARED / "data" / "schemas" / "junit.xsd"


def _parse(text: str):
    from lxml import etree

    return etree.fromstring(text.encode("utf-8"))


def _schema():
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(XSD)))


def _suite_docs(root):
    """The XSD's root is one <testsuite>; each suite of <testsuites> must validate on its own."""
    from lxml import etree

    for suite in root.findall("testsuite"):
        single = etree.fromstring(etree.tostring(suite))
        for attr in ("package", "id"):  # only allowed inside <testsuites>
            del single.attrib[attr]
        yield single


@needs_shared
@pytest.mark.parametrize("fixture", ["fail_verdict", "warn_verdict", "pass_verdict"])
def test_junit_validates_against_the_schema(request, fixture):
    from lxml import etree

    schema = _schema()
    root = _parse(render(request.getfixturevalue(fixture), "junit"))
    # The XSD declares <testsuites> as a global element too: validate the whole document ...
    schema.assertValid(etree.ElementTree(root))
    # ... and each suite as a standalone document, the form most consumers also accept.
    for suite in _suite_docs(root):
        schema.assertValid(etree.ElementTree(suite))


@needs_shared
def test_schema_check_is_not_vacuous(fail_verdict):
    from lxml import etree

    root = _parse(render(fail_verdict, "junit"))
    root.find("testsuite/testcase").attrib.pop("time")
    assert not _schema().validate(etree.ElementTree(root))


def test_one_suite_per_ruleset_and_one_case_per_control_and_artifact(fail_verdict, rules):
    root = _parse(render(fail_verdict, "junit", rules=rules))
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert set(suites) == {"eu-ai-act", "gdpr", "complyai"}
    # 3 EU AI Act controls and 2 GDPR controls, each on 3 artifacts; the parse finding adds one case.
    assert suites["eu-ai-act"].get("tests") == "9" and len(suites["eu-ai-act"].findall("testcase")) == 9
    assert suites["gdpr"].get("tests") == "6"
    assert suites["complyai"].get("tests") == "1"
    names = {(case.get("classname"), case.get("name")) for case in root.iter("testcase")}
    assert ("samples/models/credit-scoring card.yaml", "EUAIA-ART13-IFU Title of EUAIA-ART13-IFU") in names


def test_without_rule_info_a_control_that_never_fired_has_no_known_ruleset(fail_verdict):
    root = _parse(render(fail_verdict, "junit"))
    unknown = next(s for s in root.findall("testsuite") if s.get("name") == "unknown")
    assert {case.get("name") for case in unknown.iter("testcase")} == {"GDPR-ART30-ROPA"}


def test_failure_and_skip_counts_follow_the_findings(fail_verdict):
    root = _parse(render(fail_verdict, "junit"))
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    eu = suites["eu-ai-act"]
    assert (eu.get("failures"), eu.get("skipped"), eu.get("errors")) == ("2", "1", "0")
    assert len(eu.findall("testcase/failure")) == 2
    gdpr = suites["gdpr"]
    assert (gdpr.get("failures"), gdpr.get("skipped")) == ("0", "1")  # the waived DPIA finding
    skipped = gdpr.find("testcase/skipped")
    assert "waived (dpo@example.com, until 2026-03-31)" in skipped.get("message")
    eu_skip = eu.find("testcase/skipped")
    assert eu_skip.get("message") == "applies from 2026-08-02"
    failure = next(f for f in eu.iter("failure") if f.get("type") == "critical")
    assert "samples/models/credit-scoring card.yaml:30:7" in failure.text
    assert "Remediation:" in failure.text


def test_passing_verdict_has_only_passing_cases(pass_verdict):
    root = _parse(render(pass_verdict, "junit"))
    cases = list(root.iter("testcase"))
    assert len(cases) == len(CONTROLS) * 3
    assert all(len(case) == 0 for case in cases)
    assert all(suite.get("failures") == "0" for suite in root.findall("testsuite"))


def test_rule_info_names_cases_and_places_controls_in_rulesets(pass_verdict, rules):
    root = _parse(render(pass_verdict, "junit", rules=rules))
    gdpr = next(s for s in root.findall("testsuite") if s.get("name") == "gdpr")
    assert {case.get("name") for case in gdpr.iter("testcase")} == {
        "GDPR-ART35-DPIA Title of GDPR-ART35-DPIA",
        "GDPR-ART30-ROPA Title of GDPR-ART30-ROPA",
    }


def test_two_findings_of_one_control_on_one_artifact_are_one_failing_case(warn_verdict):
    from dataclasses import replace

    first = warn_verdict.findings[0]
    warn_verdict.findings.append(
        replace(first, message="second problem", location=replace(first.location, line=20))
    )
    root = _parse(render(warn_verdict, "junit"))
    failures = list(root.iter("failure"))
    assert len(failures) == 1
    assert failures[0].get("message").startswith("2 findings")
    assert "second problem" in failures[0].text


def test_characters_xml_cannot_carry_do_not_break_the_document(fail_verdict):
    fail_verdict.findings[0].message = 'bad \x00 byte \x1b and \ufffe and <tag> & "quote"'
    fail_verdict.findings[0].title = "multi\nline\ttitle"
    root = _parse(render(fail_verdict, "junit"))
    text = "".join(root.itertext())
    assert '<tag> & "quote"' in text
    assert any(case.get("name") == "EUAIA-ART13-IFU multi line title" for case in root.iter("testcase"))
