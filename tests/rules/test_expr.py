"""The control expression language: parsing and the null semantics the controls rely on."""

import datetime as dt

import pytest

from policy_engine.rules import expr

TODAY = dt.date(2027, 1, 15)
CONSTANTS = {"EEA": ["DE", "FR"]}
MACROS = {"HIGH_RISK": 'model_card.risk.tier == "high"'}


def holds(text: str, **documents) -> bool:
    return expr.evaluate(expr.parse(text, CONSTANTS, MACROS), expr.Scope(documents, TODAY))


@pytest.mark.parametrize(
    ("text", "documents", "expected"),
    [
        ('model_card.risk.tier == "high"', {"model_card": {"risk": {"tier": "high"}}}, True),
        ('model_card.risk.tier == "high"', {"model_card": {}}, False),
        ('model_card.risk.tier != "high"', {"model_card": {}}, True),  # null != value
        ("model_card.risk.tier == null", {"model_card": {}}, True),
        ("model_card.risk.tier != null", {"model_card": {"risk": {"tier": "x"}}}, True),
        ("model_card.n >= 10", {"model_card": {}}, False),  # ordering with null is false
        ("model_card.n >= 10", {"model_card": {"n": 12}}, True),
        ("present(model_card.list)", {"model_card": {"list": []}}, False),
        ("present(model_card.name)", {"model_card": {"name": ""}}, False),
        ("present(model_card.flag)", {"model_card": {"flag": False}}, True),
        ('model_card.caps contains "x"', {"model_card": {}}, False),
        ('model_card.caps contains_all ["x", "y"]', {"model_card": {"caps": ["y", "x", "z"]}}, True),
        ('model_card.caps contains_any ["q"]', {"model_card": {"caps": ["y"]}}, False),
        ("data_manifest.c in EEA", {"data_manifest": {"c": "DE"}}, True),
        ("data_manifest.c not in EEA", {"data_manifest": {"c": "US"}}, True),
        ("HIGH_RISK", {"model_card": {"risk": {"tier": "high"}}}, True),
        ('today() >= "2027-01-15"', {}, True),
        ('today() >= "2027-01-16"', {}, False),
        ("age_days(model_card.d) <= 365", {"model_card": {"d": "2026-01-16"}}, True),
        ("age_days(model_card.d) <= 365", {"model_card": {"d": "2026-01-14"}}, False),
        ("age_days(model_card.d) <= 365", {"model_card": {}}, False),
        ("model_card.a implies model_card.b", {"model_card": {"a": False}}, True),
        ("not (model_card.a == true)", {"model_card": {}}, True),
        ("model_card.s == []", {"model_card": {"s": []}}, True),
    ],
)
def test_scalar_semantics(text, documents, expected):
    assert holds(text, **documents) is expected


TRANSFERS = {"data_manifest": {"transfers": [
    {"destination_country": "US", "mechanism": "scc"},
    {"destination_country": "DE"},
]}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('all(data_manifest.transfers[].destination_country in EEA or data_manifest.transfers[].mechanism == "scc")', True),
        ('all(data_manifest.transfers[].mechanism == "scc")', False),
        ('any(data_manifest.transfers[].destination_country == "US")', True),
        ('none(data_manifest.transfers[].destination_country == "JP")', True),
        ('all(data_manifest.missing[].x == "y")', True),  # all([]) is true
        ('any(data_manifest.missing[].x == "y")', False),  # any([]) is false
        ('["US", "DE"] subset_of data_manifest.transfers[].destination_country', True),
        ('["JP"] subset_of data_manifest.transfers[].destination_country', False),
    ],
)
def test_quantifiers_bind_one_element(text, expected):
    assert expr.evaluate(expr.parse(text, CONSTANTS, MACROS), expr.Scope(TRANSFERS, TODAY)) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"status": "attested", "by": "Jane", "date": "2026-05-01"}, True),
        ({"status": "attested", "by": "Jane", "date": "2026-05-01", "expires": "2027-01-14"}, False),  # stale
        ({"status": "not_attested", "by": "Jane", "date": "2026-05-01"}, False),
        ({"status": "attested", "date": "2026-05-01"}, False),  # nobody vouches
        (None, False),
    ],
)
def test_attestations_must_be_current_and_signed_by_someone(value, expected):
    assert expr.is_attested(value, TODAY) is expected


@pytest.mark.parametrize("text", ["model_card.x ==", "present(model_card.x", "unknown_root.x == 1", "all()", "1 ~ 2"])
def test_syntax_errors_name_the_problem(text):
    with pytest.raises(expr.ExpressionError):
        expr.parse(text)
