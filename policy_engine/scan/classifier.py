"""Runtime of complyai's own ONNX classifier: PII token tagging and toxicity scoring in one pass.

The model, its tokenizer and a metadata JSON ship in ``policy_engine/data/classifier/``. Only
onnxruntime, tokenizers and numpy are needed here; torch is a training-time dependency only.

Texts longer than the model's window are cut into overlapping token windows: every token is scored
by the window in which it has the most context, and a text's toxicity is the maximum over its
windows, so nothing is truncated silently. Windows of all texts are sorted by length before they are
batched, which keeps padding (wasted compute) small.
"""

from __future__ import annotations

import json
import logging
import os
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policy_engine.errors import ComplyError, UsageError

if TYPE_CHECKING:  # numpy is imported lazily at run time, like onnxruntime
    import numpy as np

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "classifier"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
METADATA_FILE = "metadata.json"
CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"
PRECISIONS = ("auto", "int8", "fp16")
CPU_BATCH = 64  # windows per model call; more only adds padding on a CPU
GPU_BATCH = 512  # enough rows to fill a GPU with short texts
# Environment override for the CPU thread count (e.g. when several scanners share one host).
THREADS_ENV = "COMPLYAI_CLASSIFIER_THREADS"

Entity = tuple[int, int, str, float]

log = logging.getLogger(__name__)


@dataclass
class Prediction:
    """What the model says about one text."""

    entities: list[Entity] = field(default_factory=list)  # (start, end, type, score), end-exclusive chars
    toxicity: float = 0.0  # probability that the text is toxic
    toxicity_subtypes: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Metadata:
    name: str
    version: str
    max_length: int
    bio_labels: tuple[str, ...]
    toxicity_outputs: tuple[str, ...]  # first is "toxic", the rest subtypes
    cls_id: int
    sep_id: int
    pad_id: int

    @classmethod
    def read(cls, path: Path) -> Metadata:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                name=str(raw["name"]),
                version=str(raw["version"]),
                max_length=int(raw["max_length"]),
                bio_labels=tuple(raw["bio_labels"]),
                toxicity_outputs=tuple(raw["toxicity_outputs"]),
                cls_id=int(raw["special_ids"]["cls"]),
                sep_id=int(raw["special_ids"]["sep"]),
                pad_id=int(raw["special_ids"]["pad"]),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ComplyError(
                f"{path}: the classifier metadata cannot be read ({exc})",
                hint="reinstall complyai, or regenerate the model with training/export.py",
            ) from exc


def physical_cores() -> int:
    """Physical cores usable by this process: hyper-threads share one core's matmul units."""
    override = os.environ.get(THREADS_ENV, "").strip()
    if override.isdigit() and int(override) > 0:
        return int(override)
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count() or 1
    cores: set[tuple[str, str]] = set()
    try:
        physical = core = ""
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key = key.strip()
            if key == "physical id":
                physical = value.strip()
            elif key == "core id":
                core = value.strip()
                cores.add((physical, core))
    except OSError:
        pass
    # Hyper-threading halves logical CPUs; never go above what the affinity mask allows.
    logical = os.cpu_count() or usable
    per_core = max(1, logical // len(cores)) if cores else 1
    return max(1, usable // per_core)


def window_spans(n_tokens: int, window: int, stride: int) -> list[tuple[int, int]]:
    """Token ranges [a, b) of the windows covering n_tokens; consecutive windows overlap."""
    if n_tokens <= window:
        return [(0, n_tokens)]
    spans, start = [], 0
    while True:
        end = min(start + window, n_tokens)
        spans.append((start, end))
        if end == n_tokens:
            return spans
        start += stride


def extend_over_marks(text: str, end: int) -> int:
    """Move a span end past combining marks the (accent-stripping) tokenizer dropped, e.g. Hindi matras."""
    while end < len(text) and (unicodedata.category(text[end]).startswith("M") or text[end] == "\u200d"):
        end += 1
    return end


def _words(offsets: list[tuple[int, int]], text: str) -> list[list[int]]:
    """Token indices grouped by word: word pieces glued letter-to-letter ("abc"+"##pe"+"##12") are one word."""
    words: list[list[int]] = []
    for i, (a, _) in enumerate(offsets):
        prev_end = offsets[i - 1][1] if i else -1
        if words and a == prev_end and 0 < a < len(text) and text[a - 1].isalnum() and text[a].isalnum():
            words[-1].append(i)
        else:
            words.append([i])
    return words


@lru_cache(maxsize=8)
def _label_layout(labels: tuple[str, ...]) -> tuple[tuple[str, ...], Any, Any, int]:
    """(entity types, index of B- per type, index of I- per type, index of O) for a label list."""
    import numpy as np

    kinds = tuple(sorted({label[2:] for label in labels if label != "O"}))
    b_idx = np.array([labels.index(f"B-{k}") for k in kinds], dtype=np.intp)
    i_idx = np.array([labels.index(f"I-{k}") for k in kinds], dtype=np.intp)
    return kinds, b_idx, i_idx, labels.index("O")


def entity_candidates(probs: np.ndarray, labels: tuple[str, ...]) -> np.ndarray:
    """Per token [..., T]: could this token be part of an entity?

    A word is an entity when some type's B+I mass beats O in the mean over its tokens; that mean cannot
    beat O unless one of its tokens does, so a text with no candidate token has no entity and skips
    decoding. Most texts a scan meets are such texts.
    """
    _, b_idx, i_idx, o_idx = _label_layout(labels)
    return (probs[..., b_idx] + probs[..., i_idx]).max(axis=-1) > probs[..., o_idx]


def decode_bio(
    probs: np.ndarray, offsets: list[tuple[int, int]], text: str, labels: tuple[str, ...]
) -> list[Entity]:
    """Turn per-token label probabilities [T, L] into char spans; a span's score is its words' mean.

    Decisions are taken per word, not per word piece: a word's type is the argmax of its pieces' mean
    probability summed over B- and I- of each type, so one word never ends up split across two types.
    """
    return decode_many([(probs, offsets, text)], labels)[0]


def decode_many(
    items: list[tuple[np.ndarray, list[tuple[int, int]], str]], labels: tuple[str, ...]
) -> list[list[Entity]]:
    """``decode_bio`` for many texts, with the array work done once for all of them.

    Per-text numpy calls cost more than their arithmetic on short texts, so the word means, type scores
    and entity decisions of every text are computed on one concatenated array; only the walk over the
    (few) entity words stays per text.
    """
    import numpy as np

    kinds, b_idx, i_idx, o_idx = _label_layout(tuple(labels))
    words_of = [_words(offsets, text) for _, offsets, text in items]
    firsts: list[int] = []
    sizes: list[int] = []
    word_base = [0]  # index of each text's first word in the concatenation
    token_base = 0
    for (probs, _, _), words in zip(items, words_of, strict=True):
        for word in words:
            firsts.append(token_base + word[0])
            sizes.append(len(word))
        word_base.append(len(firsts))
        token_base += len(probs)
    if not firsts:
        return [[] for _ in items]
    stacked = np.concatenate([np.asarray(probs, dtype=np.float32) for probs, _, _ in items])
    # Word means in one pass: a word is a run of consecutive tokens, so reduceat over its first tokens.
    avg = np.add.reduceat(stacked, np.asarray(firsts, dtype=np.intp), axis=0)
    avg /= np.asarray(sizes, dtype=np.float32)[:, None]
    type_scores = avg[:, b_idx] + avg[:, i_idx]
    best = type_scores.argmax(axis=1)
    rows = np.arange(len(firsts))
    best_score = type_scores[rows, best]
    entity_words = np.flatnonzero(best_score > avg[:, o_idx])
    begins = (avg[rows, b_idx[best]] >= avg[rows, i_idx[best]]).tolist()
    score_list = best_score.tolist()
    # Entity words of text k are entity_words[cut[k]:cut[k + 1]] (global word indices).
    cut = np.searchsorted(entity_words, word_base).tolist()
    entity_list = entity_words.tolist()

    out: list[list[Entity]] = []
    for k, ((_, offsets, text), words) in enumerate(zip(items, words_of, strict=True)):
        base = word_base[k]
        spans = [(w - base, w) for w in entity_list[cut[k] : cut[k + 1]]]
        out.append(_walk(spans, words, offsets, text, kinds, type_scores, begins, score_list))
    return out


def _walk(spans: list[tuple[int, int]], words: list[list[int]], offsets: list[tuple[int, int]], text: str,
          kinds: tuple[str, ...], type_scores: np.ndarray, begins: list[bool], scores: list[float]) -> list[Entity]:
    """Join a text's entity words into entities; ``spans`` = (word index in the text, global word index)."""
    entities: list[Entity] = []
    current: list[Any] | None = None  # [first_token, last_token, summed type scores, [word scores]]

    def close() -> None:
        if current is not None:
            # The run's type is its words' majority by probability mass: an id such as "7069-793-05"
            # whose pieces lean to different types becomes one entity of one type.
            kind = kinds[int(current[2].argmax())]
            start, end = offsets[current[0]][0], extend_over_marks(text, offsets[current[1]][1])
            while start < end and text[start] in _EDGE_PUNCT:
                start += 1
            while end > start and text[end - 1] in ",;:":
                end -= 1
            if start < end:
                entities.append((start, end, kind, float(sum(current[3]) / len(current[3]))))

    previous = -2
    for w, g in spans:
        word = words[w]
        if w != previous + 1:  # a word that is no entity lies between: the open span ends there
            close()
            current = None
        previous = w
        # Glued to the open span (no space between: "7069" + "-" + "793") or tagged I-: same entity.
        glued = current is not None and offsets[word[0]][0] == offsets[current[1]][1]
        if current is None or (begins[g] and not glued):
            close()
            current = [word[0], word[-1], type_scores[g].copy(), [scores[g]]]
        else:
            current[1] = word[-1]
            current[2] += type_scores[g]
            current[3].append(scores[g])
    close()
    return _widen_atomic(text, entities) if entities else []


_EDGE_PUNCT = ",;:.-\u2013\u2014 "  # never the first character of an entity


# Types whose values never hold whitespace: the whole non-space run is the value, so a tagger that
# stops early (a ".in" read as the word "in") is corrected from the text itself.
ATOMIC_TYPES = frozenset({"EMAIL_ADDRESS", "IP_ADDRESS"})
_STOP = set(" \t\r\n:/=<>()[]{},;|\"'")  # separators around an address ("Email:a@b.c", "<a@b.c>")
_TRAILING = ".!?"


def _well_formed(value: str, kind: str) -> bool:
    if kind == "EMAIL_ADDRESS":
        local, at, domain = value.rpartition("@")
        return bool(at and local and "." in domain.strip("."))
    import ipaddress

    try:
        ipaddress.ip_address(value.split("%", 1)[0])  # "fe80::1%eth0": zone index is not part of the parse
    except ValueError:
        return False
    return True


def _widen_atomic(text: str, entities: list[Entity]) -> list[Entity]:
    widened = []
    for start, end, kind, score in entities:
        if kind in ATOMIC_TYPES:
            while start > 0 and not text[start - 1].isspace() and text[start - 1] not in _STOP:
                start -= 1
            while end < len(text) and not text[end].isspace() and text[end] not in _STOP:
                end += 1
            while end > start + 1 and text[end - 1] in _TRAILING:  # the sentence's full stop
                end -= 1
        widened.append((start, end, kind, score))
    # Syntax, not checksums: an "email" without "@" or an "IP" that does not parse (a clock time
    # "10:42:17") is dropped. Check digits are Presidio's job in the scanner.
    widened = [e for e in widened if e[2] not in ATOMIC_TYPES or _well_formed(text[e[0] : e[1]], e[2])]
    # A widened span swallows the pieces of the same run that were tagged as something else.
    atomic = [e for e in widened if e[2] in ATOMIC_TYPES]
    out: list[Entity] = []
    for ent in widened:
        if ent[2] not in ATOMIC_TYPES and any(a[0] < ent[1] and ent[0] < a[1] for a in atomic):
            continue
        if out and out[-1][2] == ent[2] and ent[2] in ATOMIC_TYPES and out[-1][:2] == ent[:2]:
            continue  # two pieces of one address widened to the same span
        out.append(ent)
    return out


def _softmax(x: np.ndarray) -> np.ndarray:
    import numpy as np

    z = x - x.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    import numpy as np

    return 1.0 / (1.0 + np.exp(-x))


class Classifier:
    """One ONNX session plus its tokenizer. Thread-safe for predict (onnxruntime sessions are)."""

    def __init__(self, model_dir: Path = DATA_DIR, *, prefer_gpu: bool = True, precision: str = "auto") -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if precision not in PRECISIONS:
            raise UsageError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
        self.model_dir = Path(model_dir)
        self.meta = Metadata.read(self.model_dir / METADATA_FILE)
        self.name = self.meta.name
        self.version = self.meta.version
        self.tokenizer = Tokenizer.from_file(str(self.model_dir / TOKENIZER_FILE))
        # Windows are cut here, never by the tokenizer: its truncation would drop text silently.
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()

        int8_model = self.model_dir / MODEL_FILE
        # get_available_providers lists what is compiled in; the session below tells what really runs.
        want_gpu = prefer_gpu and CUDA in ort.get_available_providers()
        providers = [CUDA, CPU] if want_gpu else [CPU]
        self.precision = "int8"
        model: Path | bytes = int8_model
        if precision == "fp16" or (precision == "auto" and want_gpu):
            fp16_model = self._fp16_model(int8_model, required=precision == "fp16")
            if fp16_model is not None:
                model, self.precision = fp16_model, "fp16"
        try:
            self.session = _session(ort, model, providers)
        except Exception as exc:  # e.g. a damaged cached copy: the shipped int8 model still works
            if precision != "auto" or self.precision != "fp16":
                raise
            log.warning("the float16 classifier does not load (%s); the GPU runs the int8 model", exc)
            self.session, self.precision = _session(ort, int8_model, providers), "int8"
        if precision == "auto" and self.precision == "fp16" and self.session.get_providers()[0] != CUDA:
            # CUDA is compiled in but did not start (no driver, wrong CUDA/cuDNN): on a CPU the int8
            # model is the fast one.
            log.warning("CUDA did not start; the classifier runs int8 on the CPU")
            self.session, self.precision = _session(ort, int8_model, [CPU]), "int8"
        self.provider = self.session.get_providers()[0]
        # Big batches keep a GPU busy; on a CPU they only add padding to short texts.
        self.batch_size = GPU_BATCH if self.provider == CUDA else CPU_BATCH
        self.window = self.meta.max_length - 2  # room for [CLS] and [SEP]
        self.stride = max(1, self.window * 3 // 4)
        self.entity_types = list(_label_layout(self.meta.bio_labels)[0])

    @staticmethod
    def _fp16_model(int8_model: Path, *, required: bool) -> Path | bytes | None:
        from policy_engine.scan import fp16

        if not fp16.fp16_available():
            if required:
                raise ComplyError("the float16 classifier needs the onnx and sympy packages",
                                  hint="pip install 'complyai[gpu]' (see the README's GPU section)")
            log.warning("the onnx or sympy package is missing, so the GPU runs the int8 model; "
                        "install complyai[gpu] for float16")
            return None
        try:
            return fp16.ensure_fp16_model(int8_model)
        except Exception as exc:  # the int8 model still works: fall back instead of failing the scan
            if required:
                raise ComplyError(f"{int8_model}: cannot derive the float16 model ({exc})") from exc
            log.warning("cannot derive the float16 classifier (%s); the GPU runs the int8 model", exc)
            return None

    def __repr__(self) -> str:
        return (f"Classifier(name={self.name!r}, version={self.version!r}, provider={self.provider!r}, "
                f"precision={self.precision!r})")

    def predict(self, texts: list[str], batch_size: int | None = None) -> list[Prediction]:
        """Entities and toxicity for each text, in input order (windows of ``batch_size`` per model call)."""
        import numpy as np

        batch_size = self.batch_size if batch_size is None else batch_size

        if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
            raise UsageError("Classifier.predict takes a list of str", hint="wrap a single text as [text]")
        if batch_size < 1:
            raise UsageError(f"batch_size must be >= 1, got {batch_size}")
        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        token_ids = [enc.ids for enc in encodings]  # each .ids access copies out of Rust: read once
        # (text index, token start, token end) for every window of every text.
        windows = [
            (i, a, b)
            for i, ids in enumerate(token_ids)
            for a, b in window_spans(len(ids), self.window, self.stride)
        ]
        windows.sort(key=lambda w: w[2] - w[1])
        labels = self.meta.bio_labels
        # A text that fits one window keeps a view of its batch's probabilities; only windowed texts
        # get their own arrays, filled token by token from the window that gives each the most context.
        token_probs: list[np.ndarray | None] = [None] * len(texts)
        token_margin: dict[int, np.ndarray] = {}
        maybe_entity = [False] * len(texts)
        seq_probs = np.zeros((len(texts), len(self.meta.toxicity_outputs)), dtype=np.float32)

        for first in range(0, len(windows), batch_size):
            batch = windows[first : first + batch_size]
            width = max(b - a for _, a, b in batch) + 2
            ids = np.full((len(batch), width), self.meta.pad_id, dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, (i, a, b) in enumerate(batch):
                n = b - a
                ids[row, 0] = self.meta.cls_id
                ids[row, 1 : n + 1] = token_ids[i][a:b]
                ids[row, n + 1] = self.meta.sep_id
                mask[row, : n + 2] = 1
            token_logits, seq_logits = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
            probs = _softmax(token_logits.astype(np.float32, copy=False))
            candidates = entity_candidates(probs, labels).tolist()
            owners = np.fromiter((w[0] for w in batch), dtype=np.intp, count=len(batch))
            np.maximum.at(seq_probs, owners, _sigmoid(seq_logits.astype(np.float32, copy=False)))
            for row, (i, a, b) in enumerate(batch):
                n = b - a
                if n == 0:
                    continue
                maybe_entity[i] = maybe_entity[i] or any(candidates[row][1 : n + 1])
                window_probs = probs[row, 1 : n + 1]
                if n == len(token_ids[i]):
                    if maybe_entity[i]:  # else never read: don't keep the batch's array alive for it
                        token_probs[i] = window_probs
                    continue
                if i not in token_margin:
                    token_probs[i] = np.zeros((len(token_ids[i]), len(labels)), dtype=np.float32)
                    token_margin[i] = np.full(len(token_ids[i]), -1, dtype=np.int64)
                pos = np.arange(n)
                # A token's context in this window: its distance to the nearer window edge.
                margin = np.minimum(pos, n - 1 - pos)
                better = margin > token_margin[i][a:b]
                token_probs[i][a:b][better] = window_probs[better]
                token_margin[i][a:b][better] = margin[better]

        # Texts with no token that could start an entity have nothing to decode (most texts a scan meets).
        to_decode = [i for i, probs_i in enumerate(token_probs) if probs_i is not None and maybe_entity[i]]
        decoded = decode_many([(token_probs[i], encodings[i].offsets, texts[i]) for i in to_decode], labels)
        entities_of = dict(zip(to_decode, decoded, strict=True))
        predictions = []
        subtypes = self.meta.toxicity_outputs[1:]
        for i, scores in enumerate(seq_probs.tolist()):
            entities = entities_of.get(i, [])
            predictions.append(
                Prediction(
                    entities=entities,
                    toxicity=scores[0],
                    toxicity_subtypes=dict(zip(subtypes, scores[1:], strict=True)),
                )
            )
        return predictions


def _session(ort: Any, model: Path | bytes, providers: list[str]) -> Any:
    options = ort.SessionOptions()
    options.intra_op_num_threads = physical_cores()
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    source = model if isinstance(model, bytes) else str(model)
    return ort.InferenceSession(source, sess_options=options, providers=providers)


def load_classifier(
    *, prefer_gpu: bool = True, model_dir: Path | None = None, precision: str = "auto"
) -> Classifier | None:
    """The shipped classifier, or None when the package was built without the model file.

    ``precision``: "auto" runs float16 on a GPU and int8 on a CPU; "int8" or "fp16" force one.
    """
    directory = Path(model_dir) if model_dir is not None else DATA_DIR
    if not (directory / MODEL_FILE).is_file():
        return None
    return Classifier(directory, prefer_gpu=prefer_gpu, precision=precision)
