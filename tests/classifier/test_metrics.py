"""Evaluation metrics used by training and the quality benchmark."""

from __future__ import annotations

import pytest

from training.metrics import binary_f1, roc_auc, span_f1


def test_strict_span_f1_needs_exact_bounds_and_type() -> None:
    gold = [[(0, 5, "PERSON"), (10, 20, "EMAIL_ADDRESS")]]
    pred = [[(0, 5, "PERSON"), (10, 19, "EMAIL_ADDRESS"), (30, 35, "URL")]]
    res = span_f1(gold, pred, ["PERSON", "EMAIL_ADDRESS"])
    assert res["PERSON"]["f1"] == 1.0
    assert res["EMAIL_ADDRESS"]["f1"] == 0.0
    assert res["overall"]["precision"] == 0.5 and res["overall"]["recall"] == 0.5


@pytest.mark.parametrize(
    ("labels", "scores", "auc"),
    [([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], 1.0), ([0, 1], [0.9, 0.1], 0.0), ([0, 1, 0, 1], [0.5] * 4, 0.5),
     ([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.75)],
)
def test_roc_auc_table(labels: list[int], scores: list[float], auc: float) -> None:
    assert roc_auc(labels, scores) == pytest.approx(auc)


def test_binary_f1_at_threshold() -> None:
    assert binary_f1([1, 1, 0, 0], [0.9, 0.4, 0.6, 0.1]) == pytest.approx(0.5)
