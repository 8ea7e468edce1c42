"""The Cedar engine: rulesets load and validate, evaluation fails closed, stages nest."""

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from policy_engine import resources
from policy_engine.errors import RulesetError
from policy_engine.rules.cedar_emit import Emitter
from policy_engine.rules.engine import Request, RuleEngine
from policy_engine.rules.expr import parse
from policy_engine.rules.ruleset import load_ruleset

VOCAB = resources.vocabulary()

HEADER = "permit (principal, action, resource);\n"


def make_ruleset(tmp_path: Path, cedar: str, name: str = "custom") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "ruleset.yaml").write_text(textwrap.dedent(f"""\
        id: {name}
        title: Custom rules
        law: Internal policy
        version: "1.0"
        dates:
          go_live: {{date: "2027-01-01", pending: "2027-06-01"}}
        """))
    (folder / "controls.cedar").write_text(HEADER + textwrap.dedent(cedar))
    return folder


CARD = {"uid": {"type": "ModelCard", "id": "card.yaml"}, "attrs": {"risk": {"tier": "high"}}, "parents": []}


def request(context_extra=None):
    context = {"today": "2027-03-01", "derived": [], "dates": {"go_live": "2027-01-01"},
               "model_card": {"__entity": CARD["uid"]}}
    context.update(context_extra or {})
    return Request(resource=CARD["uid"], context=context)


def test_violations_are_reported_by_control_with_their_annotations(tmp_path):
    folder = make_ruleset(tmp_path, """
        @id("X-1") @severity("high") @title("Needs a purpose") @citation("Policy 1") @remediation("Add it")
        @effective("go_live")
        forbid (principal, action in Action::"commit", resource)
        unless { context has model_card && context.model_card has intended_use.purpose };
        """)
    ruleset = load_ruleset(folder, VOCAB)
    control = ruleset.controls[0]
    assert (control.id, control.stage, control.effective, control.pending) == ("X-1", "commit", "2027-01-01", "2027-06-01")
    engine = RuleEngine([ruleset], VOCAB)
    [outcome] = engine.evaluate("commit", [request()], [CARD])
    assert [c.id for c in outcome.violated] == ["X-1"]
    assert outcome.errors == []


def test_stages_nest_commit_release_deploy(tmp_path):
    folder = make_ruleset(tmp_path, """
        @id("AT-RELEASE") @severity("high") @title("t") @citation("c") @remediation("r")
        forbid (principal, action in Action::"release", resource);
        @id("AT-DEPLOY") @severity("high") @title("t") @citation("c") @remediation("r")
        forbid (principal, action == Action::"deploy", resource);
        """)
    engine = RuleEngine([load_ruleset(folder, VOCAB)], VOCAB)
    fired = {stage: sorted(c.id for c in engine.evaluate(stage, [request()], [CARD])[0].violated)
             for stage in ("commit", "release", "deploy")}
    assert fired == {"commit": [], "release": ["AT-RELEASE"], "deploy": ["AT-DEPLOY", "AT-RELEASE"]}


def test_evaluation_error_fails_closed_and_names_the_control(tmp_path):
    # A well-typed policy can still fail at run time (here: integer overflow). Cedar then skips the
    # forbid, which would read as compliance; the engine must surface it instead.
    folder = make_ruleset(tmp_path, """
        @id("BROKEN") @severity("medium") @title("t") @citation("c") @remediation("r")
        forbid (principal, action in Action::"commit", resource)
        when { 9223372036854775807 + 1 > 0 };
        """)
    engine = RuleEngine([load_ruleset(folder, VOCAB)], VOCAB)
    [outcome] = engine.evaluate("commit", [request()], [CARD])
    assert outcome.violated == []
    assert outcome.errors and outcome.errors[0][0].id == "BROKEN"


def test_a_typo_in_a_field_is_a_load_time_error_with_file_and_line(tmp_path):
    folder = make_ruleset(tmp_path, """
        @id("TYPO") @severity("high") @title("t") @citation("c") @remediation("r")
        forbid (principal, action in Action::"commit", resource)
        when { context has model_card && context.model_card has risk && context.model_card.risk.teir == "high" };
        """)
    with pytest.raises(RulesetError) as error:
        RuleEngine([load_ruleset(folder, VOCAB)], VOCAB)
    assert "controls.cedar:3" in error.value.message and "teir" in error.value.message


def test_missing_annotations_and_syntax_errors_are_refused(tmp_path):
    folder = make_ruleset(tmp_path, """
        @id("NO-SEVERITY") @title("t") @citation("c") @remediation("r")
        forbid (principal, action, resource);
        """)
    with pytest.raises(RulesetError, match="@severity"):
        load_ruleset(folder, VOCAB)
    broken = make_ruleset(tmp_path, "forbid (principal, action resource", name="broken")
    with pytest.raises(RulesetError, match="Cedar syntax error"):
        load_ruleset(broken, VOCAB)


@pytest.mark.parametrize(
    ("expression", "document", "holds"),
    [
        ('model_card.risk.tier == "high"', {"risk": {"tier": "high"}}, True),
        ('model_card.risk.tier != "high"', {}, True),
        ("present(model_card.capabilities)", {"capabilities": []}, False),
        ('model_card.capabilities contains "profiling"', {"capabilities": ["profiling"]}, True),
        ("age_days(model_card.risk_management.last_reviewed) <= 365",
         {"risk_management": {"last_reviewed": "2026-06-01"}}, True),
        ("age_days(model_card.risk_management.last_reviewed) <= 365",
         {"risk_management": {"last_reviewed": "2025-06-01"}}, False),
    ],
)
def test_emitted_cedar_agrees_with_the_expression_language(tmp_path, expression, document, holds):
    emitter = Emitter("T", VOCAB["fields"])
    condition = emitter.boolean(parse(expression, VOCAB["constants"], VOCAB["macros"]))
    folder = make_ruleset(tmp_path, f"""
        @id("T") @severity("high") @title("t") @citation("c") @remediation("r")
        forbid (principal, action in Action::"commit", resource) when {{ {condition} }};
        """)
    engine = RuleEngine([load_ruleset(folder, VOCAB)], VOCAB)
    card = {"uid": CARD["uid"], "attrs": document, "parents": []}
    [outcome] = engine.evaluate("commit", [request()], [card])
    assert bool(outcome.violated) is holds and not outcome.errors


def test_bundled_rulesets_load_and_validate():
    from policy_engine.pipeline import load_engine, resolve_rulesets

    engine = load_engine(resolve_rulesets([]))
    per_law = {r.id: len(r.controls) for r in engine.rulesets}
    assert per_law == {"dpdp": 36, "eu-ai-act": 91, "gdpr": 44, "hipaa": 34}
    assert all(c.citation and c.remediation for c in engine.controls.values())
    _ = dt  # dates are exercised in the pipeline tests
