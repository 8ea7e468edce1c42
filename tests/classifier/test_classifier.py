"""The shipped classifier: loads offline, labels fixed examples, maps offsets exactly, windows long text."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from policy_engine.errors import UsageError
from policy_engine.scan import classifier as C


@pytest.fixture(scope="module")
def clf(request: pytest.FixtureRequest) -> C.Classifier:
    mp = pytest.MonkeyPatch()
    mp.setenv("HF_HUB_OFFLINE", "1")  # the model must never reach for a hub
    request.addfinalizer(mp.undo)
    loaded = C.load_classifier(prefer_gpu=False)
    assert loaded is not None, f"model not shipped in {C.DATA_DIR}"
    return loaded


def entities_of(clf: C.Classifier, text: str) -> list[tuple[str, str]]:
    return [(text[s:e], kind) for s, e, kind, _ in clf.predict([text])[0].entities]


def test_shipped_files_are_complete_and_small() -> None:
    model = C.DATA_DIR / C.MODEL_FILE
    assert model.stat().st_size <= 30 * 1024 * 1024
    meta = json.loads((C.DATA_DIR / C.METADATA_FILE).read_text())
    assert meta["opset"] >= 17
    assert meta["bio_labels"][0] == "O" and "B-IN_AADHAAR" in meta["bio_labels"]
    assert meta["toxicity_outputs"][0] == "toxic"


def test_identity_and_provider_are_reported(clf: C.Classifier) -> None:
    assert clf.name == "complyai-classifier"
    assert clf.version
    assert clf.provider == "CPUExecutionProvider"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Please send the invoice to maria.keller@example.org by Friday.", ("maria.keller@example.org", "EMAIL_ADDRESS")),
        ("Her Aadhaar number is 2345 6789 0124 as per the KYC form.", ("2345 6789 0124", "IN_AADHAAR")),
        ("Call me on +44 20 7946 0958 tomorrow.", ("+44 20 7946 0958", "PHONE_NUMBER")),
    ],
)
def test_fixed_examples_are_tagged(clf: C.Classifier, text: str, expected: tuple[str, str]) -> None:
    assert expected in entities_of(clf, text)


def test_plain_sentence_has_no_entities(clf: C.Classifier) -> None:
    assert entities_of(clf, "The build finished in four minutes and all checks passed.") == []


def test_toxic_scores_above_benign(clf: C.Classifier) -> None:
    toxic, benign = clf.predict(["You are a worthless idiot and I hate you, go die.",
                                 "Thank you for the helpful review, the changes look good to me."])
    assert toxic.toxicity > 0.5 > benign.toxicity
    assert set(toxic.toxicity_subtypes) == {"insult", "threat", "obscene", "identity_hate"}


def test_results_keep_input_order_across_length_sorted_batches(clf: C.Classifier) -> None:
    texts = ["x " * n + "mail bob.smith@example.com now" for n in (40, 1, 20, 5)] + [""]
    preds = clf.predict(texts, batch_size=2)
    for text, pred in zip(texts[:4], preds[:4], strict=True):
        assert ("bob.smith@example.com", "EMAIL_ADDRESS") in [(text[s:e], k) for s, e, k, _ in pred.entities]
    assert preds[4].entities == []


@pytest.mark.parametrize(
    "prefix",
    ["नमस्ते, मेरा नाम राहुल है। ", "Grüße aus Köln, Straße der Einheit — ", "🎉🎉 great news 👍🏽 ", "ça va? "],
)
def test_offsets_are_exact_after_non_ascii_text(clf: C.Classifier, prefix: str) -> None:
    email = "rahul.verma@example.in"
    text = f"{prefix}Write to {email} today."
    start = text.index(email)
    assert (start, start + len(email), "EMAIL_ADDRESS") in [(s, e, k) for s, e, k, _ in clf.predict([text])[0].entities]


def test_span_end_covers_hindi_vowel_signs_the_tokenizer_drops() -> None:
    # The uncased tokenizer strips combining marks: the token for "ते" covers only "त".
    text = "नमस्ते"
    offsets = [(0, 1), (1, 2), (2, 3), (4, 5)]
    probs = np.zeros((4, 3), dtype=np.float32)
    probs[0, 1] = probs[1:, 2] = 1.0
    assert C.decode_bio(probs, offsets, text, ("O", "B-PERSON", "I-PERSON")) == [(0, 6, "PERSON", 1.0)]


def test_long_text_is_windowed_not_truncated(clf: C.Classifier) -> None:
    filler = "The quarterly report covers sales, logistics and the roadmap for next year. "
    text = filler * 70
    text = text[:4950] + " Contact: priya.nair@example.com."
    assert len(text) > 4980
    start = text.index("priya.nair@example.com")
    spans = [(s, e, k) for s, e, k, _ in clf.predict([text])[0].entities]
    assert (start, start + len("priya.nair@example.com"), "EMAIL_ADDRESS") in spans


def test_windows_cover_every_token_with_overlap() -> None:
    spans = C.window_spans(300, 126, 94)
    assert spans[0] == (0, 126) and spans[-1][1] == 300
    assert all(b[0] < a[1] for a, b in zip(spans, spans[1:], strict=False))  # consecutive windows overlap


def test_cpu_fallback_when_cuda_is_requested_but_absent(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    import onnxruntime as ort

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # a GPU host derives its float16 model there

    # Pretend the GPU wheel is installed (it lists CUDA even without a GPU): the session must still
    # run, on the CPU, and say so.
    monkeypatch.setattr(ort, "get_available_providers", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = C.load_classifier(prefer_gpu=True)
    assert clf is not None and clf.provider == "CPUExecutionProvider"
    assert clf.predict(["hello"])[0].toxicity < 0.5


def test_missing_model_file_means_no_classifier(tmp_path) -> None:
    assert C.load_classifier(model_dir=tmp_path) is None


def test_bad_input_is_a_usage_error(clf: C.Classifier) -> None:
    with pytest.raises(UsageError):
        clf.predict("a single string")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        clf.predict(["ok"], batch_size=0)


def test_thread_count_is_physical_cores_or_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(C.THREADS_ENV, "3")
    assert C.physical_cores() == 3
    monkeypatch.delenv(C.THREADS_ENV)
    assert 1 <= C.physical_cores() <= (__import__("os").cpu_count() or 1)


@pytest.mark.parametrize(
    ("text", "email"),
    [("Email:ana.silva@example.in.", "ana.silva@example.in"), ("<li.wei@example.co.uk>, thanks", "li.wei@example.co.uk"),
     ("write to ravi.kumar@example.in today", "ravi.kumar@example.in")],
)
def test_email_spans_cover_the_whole_address_and_no_separator(clf: C.Classifier, text: str, email: str) -> None:
    assert (email, "EMAIL_ADDRESS") in entities_of(clf, text)


@pytest.mark.parametrize(
    ("prefer_gpu", "available", "asked"),
    # CUDA listed but not starting: the float16 model is tried on CUDA, then int8 runs on the CPU.
    [(True, ["CUDAExecutionProvider", "CPUExecutionProvider"],
      [["CUDAExecutionProvider", "CPUExecutionProvider"], ["CPUExecutionProvider"]]),
     (False, ["CUDAExecutionProvider", "CPUExecutionProvider"], [["CPUExecutionProvider"]]),
     (True, ["AzureExecutionProvider", "CPUExecutionProvider"], [["CPUExecutionProvider"]])],
)
def test_providers_asked_for(monkeypatch: pytest.MonkeyPatch, tmp_path, prefer_gpu: bool, available: list[str],
                             asked: list[list[str]]) -> None:
    import onnxruntime as ort

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    seen: list[list[str]] = []
    real = ort.InferenceSession

    def spy(path, sess_options=None, providers=None):
        seen.append(list(providers))
        return real(path, sess_options=sess_options, providers=["CPUExecutionProvider"])

    monkeypatch.setattr(ort, "get_available_providers", lambda: available)
    monkeypatch.setattr(ort, "InferenceSession", spy)
    clf = C.load_classifier(prefer_gpu=prefer_gpu)
    from policy_engine.scan import fp16

    # Without onnx/sympy there is no float16 model to try: int8 is asked for CUDA directly.
    assert seen == (asked if fp16.fp16_available() else asked[:1])
    assert clf is not None and clf.provider == "CPUExecutionProvider"  # what the session runs, not what was asked


@pytest.mark.parametrize(
    ("value", "kind", "ok"),
    [("a@b.co", "EMAIL_ADDRESS", True), ("bestätigt", "EMAIL_ADDRESS", False), ("a@localhost", "EMAIL_ADDRESS", False),
     ("10.0.0.1", "IP_ADDRESS", True), ("5eb9:147c:a2b5:e573:e838:f46f:f015:500a", "IP_ADDRESS", True),
     ("10:42:17", "IP_ADDRESS", False), ("999.1.1.1", "IP_ADDRESS", False)],
)
def test_addresses_must_be_well_formed(value: str, kind: str, ok: bool) -> None:
    assert C._well_formed(value, kind) is ok


def test_an_id_split_across_types_becomes_one_entity() -> None:
    # "7069-793-05": pieces lean to different id types; the run is one entity of the majority type.
    text = "MRN 7069-793-05"
    offsets = [(0, 3), (4, 6), (6, 8), (8, 9), (9, 12), (12, 13), (13, 15)]
    labels = ("O", "B-UK_NHS", "I-UK_NHS", "B-MEDICAL_RECORD_NUMBER", "I-MEDICAL_RECORD_NUMBER")
    probs = np.zeros((7, 5), dtype=np.float32)
    probs[0, 0] = 1.0
    probs[1:3, 3] = probs[3:6, 4] = 0.9
    probs[6, 1] = 0.8
    assert [(s, e, k) for s, e, k, _ in C.decode_bio(probs, offsets, text, labels)] == [
        (4, 15, "MEDICAL_RECORD_NUMBER")]


def test_empty_inputs(clf: C.Classifier) -> None:
    assert clf.predict([]) == []
    (blank,) = clf.predict(["   "])
    assert blank.entities == [] and blank.toxicity < 0.5


def test_texts_without_candidate_tokens_have_no_entities() -> None:
    # predict() skips decoding a text none of whose tokens could start an entity; that shortcut is
    # only sound if decoding such a text could never find one. Random probabilities near the boundary:
    rng = np.random.default_rng(7)
    labels = ("O", "B-PERSON", "I-PERSON", "B-US_SSN", "I-US_SSN")
    text = "ab cd ef gh ij kl"
    offsets = [(0, 2), (3, 5), (6, 8), (9, 11), (12, 14), (15, 17)]
    skipped = decoded = 0
    for _ in range(500):
        probs = rng.dirichlet([3.0, 0.6, 0.6, 0.6, 0.6], size=len(offsets)).astype(np.float32)
        entities = C.decode_bio(probs, offsets, text, labels)
        if not C.entity_candidates(probs, labels).any():
            skipped += 1
            assert entities == []
        elif entities:
            decoded += 1
    assert skipped > 50 and decoded > 50  # both sides of the shortcut were exercised
