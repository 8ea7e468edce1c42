"""The ONNX classifier hook: optional, behind a guarded import.

``policy_engine.scan.classifier`` (built separately) offers ``load_classifier() -> Classifier | None`` and
``Classifier.predict(texts) -> list[Prediction]`` with ``Prediction.entities`` = [(start, end, type, score)]
(character offsets) and ``Prediction.toxicity``. When the module or its model file is missing, or the user
passes ``--no-model``, the scan runs on patterns alone and the evidence says why the model did not run;
toxicity is then null, never zero.
"""

from __future__ import annotations

from typing import Any

from policy_engine.scan.detect import Span, resolve_overlaps

MIN_TEXT_CHARS = 3  # cells shorter than this carry no toxicity and no names worth a model call


def load_model(use_model: bool) -> tuple[Any | None, dict[str, Any]]:
    """(classifier or None, the evidence's ``model`` block)."""
    if not use_model:
        return None, {"ran": False, "reason": "disabled (--no-model)"}
    try:
        from policy_engine.scan import classifier as module  # type: ignore[attr-defined]
    except ImportError as exc:
        return None, {"ran": False, "reason": f"classifier not installed ({exc})"}
    try:
        clf = module.load_classifier()
    except Exception as exc:  # a broken model file must not stop a pattern scan; say why instead
        return None, {"ran": False, "reason": f"classifier failed to load: {type(exc).__name__}: {exc}"}
    if clf is None:
        return None, {"ran": False, "reason": "classifier model file not shipped in this build"}
    info = {"ran": True, "name": str(getattr(clf, "name", "classifier")),
            "version": str(getattr(clf, "version", "")), "provider": str(getattr(clf, "provider", ""))}
    if getattr(clf, "precision", None):  # int8 on a CPU, fp16 on a GPU: scores differ in the 3rd decimal
        info["precision"] = str(clf.precision)
    return clf, info


def eligible(text: str) -> bool:
    return len(text) >= MIN_TEXT_CHARS and any(ch.isalpha() for ch in text)


def predict(clf: Any, texts: list[str]) -> list[Any]:
    """Predictions for texts. All in one call: the classifier sorts them by length before it batches
    them (its batch size suits its device), which a caller's fixed chunks would defeat."""
    return clf.predict(texts) if texts else []


def merge(pattern_spans: list[Span], prediction: Any, model_name: str, threshold: float) -> list[Span]:
    """Pattern spans plus the model's; on overlap check-digit-validated ids win, then the higher score."""
    model_spans = [Span(int(s), int(e), str(t), round(float(sc), 4), model_name, False)
                   for s, e, t, sc in getattr(prediction, "entities", []) or [] if float(sc) >= threshold]
    if not model_spans:
        return pattern_spans
    return resolve_overlaps(list(pattern_spans) + model_spans)
