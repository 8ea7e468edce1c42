"""Evaluation metrics shared by training and the quality benchmark (numpy only)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

Span = tuple[int, int, str]


def span_f1(gold: Iterable[Iterable[Span]], pred: Iterable[Iterable[Span]], types: Sequence[str]) -> dict:
    """Strict entity-level precision/recall/F1 (same start, end and type), per type and micro overall.

    Predicted spans of types outside ``types`` are not counted, so a baseline that also emits, say,
    URL is not punished for labels the evaluation does not cover.
    """
    wanted = set(types)
    tp, fp, fn = Counter(), Counter(), Counter()
    for g_spans, p_spans in zip(gold, pred, strict=True):
        g = {s for s in g_spans if s[2] in wanted}
        p = {(s[0], s[1], s[2]) for s in p_spans if s[2] in wanted}
        for s in g & p:
            tp[s[2]] += 1
        for s in p - g:
            fp[s[2]] += 1
        for s in g - p:
            fn[s[2]] += 1
    out: dict = {}
    for t in list(types) + ["overall"]:
        a, b, c = (sum(x.values()) for x in (tp, fp, fn)) if t == "overall" else (tp[t], fp[t], fn[t])
        precision = a / (a + b) if a + b else 0.0
        recall = a / (a + c) if a + c else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[t] = {"precision": precision, "recall": recall, "f1": f1, "support": a + c}
    return out


def roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Area under the ROC curve via the rank-sum (Mann-Whitney U) statistic; ties get average ranks."""
    import numpy as np

    y = np.asarray(labels, dtype=np.int64)
    s = np.asarray(scores, dtype=np.float64)
    n_pos, n_neg = int(y.sum()), int((1 - y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_s = s[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def binary_f1(labels: Sequence[int], scores: Sequence[float], threshold: float = 0.5) -> float:
    tp = sum(1 for y, s in zip(labels, scores, strict=True) if y and s >= threshold)
    fp = sum(1 for y, s in zip(labels, scores, strict=True) if not y and s >= threshold)
    fn = sum(1 for y, s in zip(labels, scores, strict=True) if y and s < threshold)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0
