"""Composed (template-free) PII examples: labels sit exactly on the values, look-alikes stay unlabelled."""

from __future__ import annotations

import importlib.util
import random

import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                reason="torch is not installed (training-only dependency)")


def _rows():
    from training.data import PiiExample

    return [
        PiiExample("Hi, my name is Anna Berg and my email is anna@example.com.",
                   [(15, 24, "PERSON"), (41, 57, "EMAIL_ADDRESS")], source="synthetic_faker"),
        PiiExample("Omar Haddad was born on 03/04/1981 in Leeds.",
                   [(0, 11, "PERSON"), (24, 34, "DATE_OF_BIRTH"), (38, 43, "LOCATION")], source="synthetic_faker"),
        PiiExample("MRN 4471029: admitted with asthma.",
                   [(4, 11, "MEDICAL_RECORD_NUMBER"), (27, 33, "MEDICAL_CONDITION")], source="synthetic_faker"),
        PiiExample("Invoice INV-20931 for build 4.2.1", [], source="synthetic_negative"),
    ]


def test_every_label_covers_exactly_a_training_value() -> None:
    from training.augment import augmented_examples

    rows = _rows()
    values = {(row.text[s:e], k) for row in rows for s, e, k in row.spans}
    out = augmented_examples(rows, ["we are going to the park later today"], 300, random.Random(5))
    assert len(out) == 300
    labelled = [(ex.text[s:e], k) for ex in out for s, e, k in ex.spans]
    assert labelled and set(labelled) <= values
    kinds = {k for _, k in labelled}
    assert {"PERSON", "DATE_OF_BIRTH", "MEDICAL_RECORD_NUMBER"} <= kinds


def test_birth_dates_also_appear_unlabelled_as_other_dates() -> None:
    from training.augment import augmented_examples

    out = augmented_examples(_rows(), [], 400, random.Random(5))
    unlabelled = [ex for ex in out if "03/04/1981" in ex.text
                  and not any(ex.text[s:e] == "03/04/1981" for s, e, _ in ex.spans)]
    assert unlabelled, "a birth-date value should also be shown as a non-birth date (unlabelled)"


def test_same_seed_same_examples_other_seed_other_examples() -> None:
    from training.augment import augmented_examples

    a = augmented_examples(_rows(), [], 50, random.Random(13))
    b = augmented_examples(_rows(), [], 50, random.Random(13))
    c = augmented_examples(_rows(), [], 50, random.Random(14))
    assert [(x.text, x.spans) for x in a] == [(x.text, x.spans) for x in b]
    assert [x.text for x in a] != [x.text for x in c]


def test_filler_with_capitalised_words_is_dropped() -> None:
    from training.augment import neutral_filler

    kept = neutral_filler(["That is a friendly person", "I think Maria was right about it",
                           "we are going to the park", "Is it raining", "too\nmany lines here"])
    assert kept == ["That is a friendly person", "we are going to the park", "Is it raining"]
