"""The training code runs end to end on a tiny slice: build data, 2 steps, export, quantise, load."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"

pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                       reason="torch is not installed (training-only dependency)"),
    pytest.mark.skipif(importlib.util.find_spec("onnx") is None,
                       reason="onnx is not installed (training-only dependency, needed to export)"),
    pytest.mark.skipif(not (SHARED / "data").exists(), reason="../shared fixtures not present"),
]


def test_tiny_training_run_exports_a_loadable_model(tmp_path: Path) -> None:
    from policy_engine.scan.classifier import load_classifier
    from training import export, train

    record = train.main(["--tiny", "--max-steps", "2", "--data", str(SHARED / "data"), "--out", str(tmp_path / "ckpt")])
    assert record["steps"] == 2
    assert record["train_examples"] == {"pii": 36, "toxicity": 28}  # 24 sampled + 4 cells + 8 composed
    assert "toxicity_roc_auc" in record["validation_metrics"]

    dest = tmp_path / "shipped"
    code = export.main(["--checkpoint", str(tmp_path / "ckpt"), "--dest", str(dest), "--data", str(SHARED / "data"),
                        "--check-n", "10", "--version", "0.0.0-smoke"])
    assert code == 0
    clf = load_classifier(prefer_gpu=False, model_dir=dest)
    assert clf is not None and clf.version == "0.0.0-smoke"
    (pred,) = clf.predict(["Mail anna@example.com"])
    assert 0.0 <= pred.toxicity <= 1.0
    assert all(0 <= s < e <= len("Mail anna@example.com") for s, e, _, _ in pred.entities)


def test_training_is_reproducible_for_a_seed(tmp_path: Path) -> None:
    from training import train

    args = ["--tiny", "--max-steps", "2", "--data", str(SHARED / "data")]
    a = train.main([*args, "--out", str(tmp_path / "a")])
    b = train.main([*args, "--out", str(tmp_path / "b")])
    assert a["validation_metrics"] == b["validation_metrics"]
