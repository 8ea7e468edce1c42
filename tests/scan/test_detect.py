"""The gates are an optimisation only: with and without them the detector finds exactly the same spans."""

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "scan_speed.py"


@pytest.fixture(scope="module")
def corpus():
    pytest.importorskip("faker")
    spec = importlib.util.spec_from_file_location("scan_speed", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_corpus(400, seed=11)


def test_gates_never_lose_a_detection(detector, corpus):
    from policy_engine.scan.detect import Detector

    ungated = Detector(gates=False)
    for text, _ in corpus:
        assert detector.analyze(text, "note") == ungated.analyze(text, "note"), text


def test_detector_finds_the_corpus_entities(detector, corpus):
    found = total = 0
    for text, gold in corpus:
        spans = {(s.start, s.end, s.type) for s in detector.analyze(text)}
        total += len(gold)
        found += sum(tuple(g) in spans for g in gold)
    assert found / total > 0.9


def test_parallel_pool_matches_single_process(detector, corpus):
    from policy_engine.scan.parallel import MIN_PARALLEL_ITEMS, DetectPool

    items = [("note", t) for t, _ in corpus] * (MIN_PARALLEL_ITEMS // len(corpus) + 1)
    items = [(c, t + f" #{i}") for i, (c, t) in enumerate(items)]  # distinct texts: no dedup shortcut
    pool = DetectPool(detector, workers=2)
    try:
        assert pool.run(items) == detector.analyze_many(items)
    finally:
        pool.close()
