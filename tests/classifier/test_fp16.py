"""The float16 GPU model: derived from the shipped int8 one, same answers, chosen only when CUDA runs.

No GPU is needed: onnxruntime's CPU provider runs the float16 graph too (slowly), which is enough to
check that the derivation keeps the model's function. Which provider runs is simulated where needed.
"""

from __future__ import annotations

import collections
import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest

from policy_engine.errors import ComplyError, UsageError
from policy_engine.scan import classifier as C

pytestmark = pytest.mark.skipif(
    any(importlib.util.find_spec(name) is None for name in ("onnx", "sympy")),
    reason="onnx or sympy is not installed (the test and gpu extras bring both)")

INT8 = C.DATA_DIR / C.MODEL_FILE
SENTENCES = [
    "Please send the invoice to maria.keller@example.org by Friday.",
    "Her Aadhaar number is 2345 6789 0124 as per the KYC form.",
    "Call me on +44 20 7946 0958 tomorrow.",
    "Patient John Smith, DOB 04/11/1962, MRN 4481-220, was prescribed metformin for type 2 diabetes.",
    "Ravi Kumar lives at 14 MG Road, Bengaluru and his PAN is ABCDE1234F.",
    "The meeting moved to Thursday at 10:30 in room 4.",
    "IBAN DE89 3704 0044 0532 0130 00, card 4111 1111 1111 1111.",
    "you are a worthless idiot and everyone hates you",
    "Thanks for the quick reply, the build is green again.",
    "Émilie Dubois (émilie.dubois@example.fr) a appelé à 9h.",
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory):
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))  # never the user's own cache
    yield
    mp.undo()


@pytest.fixture(scope="module")
def fp16_path(cache) -> Path:
    from policy_engine.scan import fp16

    return fp16.ensure_fp16_model(INT8)


@pytest.fixture(scope="module")
def int8_clf() -> C.Classifier:
    return C.Classifier(prefer_gpu=False, precision="int8")


@pytest.fixture(scope="module")
def fp16_clf(fp16_path: Path) -> C.Classifier:
    return C.Classifier(prefer_gpu=False, precision="fp16")


def _ops(path: Path) -> collections.Counter:
    import onnx

    return collections.Counter(node.op_type for node in onnx.load(str(path)).graph.node)


def _padded_batch(texts: list[str]) -> dict[str, np.ndarray]:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(C.DATA_DIR / C.TOKENIZER_FILE))
    encodings = tok.encode_batch(texts)  # with [CLS]/[SEP]; lengths differ, so rows are padded
    width = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(texts), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    for row, enc in enumerate(encodings):
        ids[row, : len(enc.ids)] = enc.ids
        mask[row, : len(enc.ids)] = 1
    return {"input_ids": ids, "attention_mask": mask}


def test_derived_model_is_float16_fused_and_keeps_its_interface(fp16_path: Path) -> None:
    import onnx

    model = onnx.load(str(fp16_path))
    ops = collections.Counter(node.op_type for node in model.graph.node)
    assert not {"MatMulInteger", "DynamicQuantizeLinear", "DequantizeLinear"} & set(ops)
    # One fused attention per layer: the GPU's fused multi-head kernels, not 10 small ops each.
    assert ops["Attention"] == 6 and ops["SkipLayerNormalization"] >= 6
    weights = [init for init in model.graph.initializer if init.data_type in (onnx.TensorProto.FLOAT,
                                                                                onnx.TensorProto.FLOAT16)]
    big = [w for w in weights if np.prod(w.dims) >= 1024]
    assert big and all(w.data_type == onnx.TensorProto.FLOAT16 for w in big)
    assert [i.type.tensor_type.elem_type for i in model.graph.input] == [onnx.TensorProto.INT64] * 2
    assert [o.type.tensor_type.elem_type for o in model.graph.output] == [onnx.TensorProto.FLOAT] * 2
    assert fp16_path.stat().st_size < INT8.stat().st_size * 2.5


def test_rewrites_and_fusion_keep_the_function_on_padded_batches() -> None:
    import onnxruntime as ort

    from policy_engine.scan import fp16

    plain = fp16.dequantized_model(INT8)
    fused = fp16.fused_model(fp16.dequantized_model(INT8))
    feeds = _padded_batch(SENTENCES)
    outputs = [ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feeds)
               for m in (plain, fused)]
    valid = feeds["attention_mask"].astype(bool)
    assert np.abs(outputs[0][0] - outputs[1][0])[valid].max() < 1e-3  # token logits
    assert np.abs(outputs[0][1] - outputs[1][1]).max() < 1e-3  # toxicity logits


def test_fp16_gives_the_int8_answers(int8_clf: C.Classifier, fp16_clf: C.Classifier) -> None:
    assert fp16_clf.precision == "fp16" and int8_clf.precision == "int8"
    for a, b in zip(int8_clf.predict(SENTENCES), fp16_clf.predict(SENTENCES), strict=True):
        assert [e[:3] for e in a.entities] == [e[:3] for e in b.entities]
        assert abs(a.toxicity - b.toxicity) < 0.05
    toxic, benign = fp16_clf.predict([SENTENCES[7], SENTENCES[8]])
    assert toxic.toxicity > 0.5 > benign.toxicity


def test_derivation_is_cached_by_the_int8_models_digest(fp16_path: Path, tmp_path: Path) -> None:
    from policy_engine.scan import fp16

    before = fp16_path.stat().st_mtime_ns
    assert fp16.ensure_fp16_model(INT8) == fp16_path
    assert fp16_path.stat().st_mtime_ns == before  # reused, not derived again
    other = tmp_path / "model.onnx"
    other.write_bytes(INT8.read_bytes() + b"\0")  # a different file is a different model
    assert fp16.cached_fp16_path(other) != fp16_path


class _ClaimsCuda:
    """A real CPU session that reports CUDA, as a GPU host's session would."""

    def __init__(self, session) -> None:
        self._session = session

    def get_providers(self) -> list[str]:
        return [C.CUDA, C.CPU]

    def run(self, *args, **kwargs):
        return self._session.run(*args, **kwargs)


def _fake_gpu(monkeypatch: pytest.MonkeyPatch, *, cuda_starts: bool) -> list[tuple[str, list[str]]]:
    import onnxruntime as ort

    opened: list[tuple[str, list[str]]] = []
    real = ort.InferenceSession

    def session(path, sess_options=None, providers=None):
        opened.append((Path(path).name, list(providers)))
        inner = real(path, sess_options=sess_options, providers=[C.CPU])
        return _ClaimsCuda(inner) if cuda_starts and C.CUDA in providers else inner

    monkeypatch.setattr(ort, "get_available_providers", lambda: [C.CUDA, C.CPU])
    monkeypatch.setattr(ort, "InferenceSession", session)
    return opened


def test_gpu_runs_the_float16_model_with_big_batches(monkeypatch: pytest.MonkeyPatch, fp16_path: Path) -> None:
    opened = _fake_gpu(monkeypatch, cuda_starts=True)
    clf = C.load_classifier()
    assert clf is not None
    assert opened == [(fp16_path.name, [C.CUDA, C.CPU])]
    assert (clf.provider, clf.precision, clf.batch_size) == (C.CUDA, "fp16", C.GPU_BATCH)
    (pred,) = clf.predict([SENTENCES[0]])
    assert ("maria.keller@example.org", "EMAIL_ADDRESS") in [(SENTENCES[0][s:e], k) for s, e, k, _ in pred.entities]


def test_cuda_that_does_not_start_means_int8_on_the_cpu(monkeypatch: pytest.MonkeyPatch, fp16_path: Path) -> None:
    opened = _fake_gpu(monkeypatch, cuda_starts=False)
    clf = C.load_classifier()
    assert clf is not None
    assert opened == [(fp16_path.name, [C.CUDA, C.CPU]), (C.MODEL_FILE, [C.CPU])]
    assert (clf.provider, clf.precision, clf.batch_size) == (C.CPU, "int8", C.CPU_BATCH)


def test_without_onnx_or_sympy_the_gpu_runs_int8_and_forcing_fp16_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, cache
) -> None:
    from policy_engine.scan import fp16

    monkeypatch.setattr(fp16, "fp16_available", lambda: False)
    opened = _fake_gpu(monkeypatch, cuda_starts=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = C.load_classifier()
    assert clf is not None and (clf.provider, clf.precision) == (C.CUDA, "int8")
    assert opened == [(C.MODEL_FILE, [C.CUDA, C.CPU])]
    with pytest.raises(ComplyError, match="onnx") as err:
        C.load_classifier(precision="fp16")
    assert "complyai[gpu]" in (err.value.hint or "")


def test_unknown_precision_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="int8, fp16"):
        C.load_classifier(precision="bf16")


def test_a_read_only_cache_keeps_the_float16_model_in_memory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    clf = C.Classifier(prefer_gpu=False, precision="fp16")
    assert clf.precision == "fp16"
    (pred,) = clf.predict([SENTENCES[2]])
    assert ("+44 20 7946 0958", "PHONE_NUMBER") in [(SENTENCES[2][s:e], k) for s, e, k, _ in pred.entities]


def test_a_damaged_cached_copy_falls_back_to_int8(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from policy_engine.scan import fp16

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    damaged = fp16.cached_fp16_path(INT8)
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(b"not an onnx model")
    opened = _fake_gpu(monkeypatch, cuda_starts=True)
    clf = C.load_classifier()
    assert clf is not None and (clf.provider, clf.precision) == (C.CUDA, "int8")
    assert opened == [(damaged.name, [C.CUDA, C.CPU]), (C.MODEL_FILE, [C.CUDA, C.CPU])]
    assert clf.predict(["Call me on +44 20 7946 0958 tomorrow."])[0].entities


def _cuda_runs() -> bool:
    import onnxruntime as ort

    if C.CUDA not in ort.get_available_providers():
        return False
    session = ort.InferenceSession(str(INT8), providers=[C.CUDA, C.CPU])
    return session.get_providers()[0] == C.CUDA


@pytest.mark.skipif(not _cuda_runs(), reason="no working CUDA here (needs onnxruntime-gpu and an NVIDIA GPU)")
def test_on_a_real_gpu_float16_runs_on_cuda_and_agrees_with_the_cpu(int8_clf: C.Classifier, cache) -> None:
    gpu = C.load_classifier()
    assert gpu is not None and (gpu.provider, gpu.precision, gpu.batch_size) == (C.CUDA, "fp16", C.GPU_BATCH)
    for a, b in zip(int8_clf.predict(SENTENCES), gpu.predict(SENTENCES), strict=True):
        assert [e[:3] for e in a.entities] == [e[:3] for e in b.entities]
        assert abs(a.toxicity - b.toxicity) < 0.05
