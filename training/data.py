"""Build the training, validation and held-out sets from ../shared/data (see its README for licenses).

Splits: each row's own ``split`` field gives train/validation; 5 % of the train rows (by an md5 of
the text) become our own ``holdout`` split, which training never reads; optionally the rows of 8 of the 55
generator templates become ``unseen_templates`` (see split_of). Sampling is seeded.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from training.labels import ENTITY_TYPES, IGNORE, LABEL_ID, SPAN_POLICY, SUBTYPES, SUBTYPES_BY_SOURCE

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
PII_FILES = ("synthetic_pii.jsonl.gz", "negatives.jsonl.gz", "presidio_research.jsonl.gz", "wnut17.jsonl.gz")
TOX_FILES = (
    "davidson2017.jsonl",
    "hatecheck.jsonl",
    "wiki_toxicity_subset.jsonl",
    "bias_madlibs_subset.jsonl",
    "toxigen_prompts.jsonl",
)
HOLDOUT_MODULUS = 20  # 1 in 20 train rows is held out


@dataclass
class PiiExample:
    text: str
    spans: list[tuple[int, int, str]]  # eval-label spans only
    ignored: list[tuple[int, int]] = field(default_factory=list)  # labelled by the source, not by the eval
    source: str = ""


@dataclass
class ToxExample:
    text: str
    toxic: int
    subtypes: dict[str, int]  # subtype -> 0/1, only the subtypes this row really annotates
    source: str = ""


# With hold_out_templates (training --hold-out-templates), 1 in 7 generator template ids is never trained
# on: their rows, train or validation, form the ``unseen_templates`` split, the honest measure for
# sentences phrased unlike any training row. The shipped model trains on every template.
UNSEEN_TEMPLATE_MODULUS, UNSEEN_TEMPLATE_REST = 7, 3


def split_of(row: dict, hold_out_templates: bool = False) -> str:
    template = row.get("template_id")
    if hold_out_templates and row.get("source") == "synthetic_faker" and isinstance(template, int) \
            and template % UNSEEN_TEMPLATE_MODULUS == UNSEEN_TEMPLATE_REST:
        return "unseen_templates"
    split = row.get("split", "train")
    if split == "train" and int(hashlib.md5(row["text"].encode("utf-8")).hexdigest(), 16) % HOLDOUT_MODULUS == 0:
        return "holdout"
    return split


def _rows(path: Path) -> Iterator[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def pii_example(row: dict) -> PiiExample:
    policy = SPAN_POLICY.get(row.get("source", ""), {})
    spans, ignored = [], []
    for span in row.get("spans", []):
        start, end, label = span["start"], span["end"], span["label"]
        rule = policy.get(label, "keep")
        if rule == "address_only":
            rule = "keep" if any(ch.isdigit() for ch in row["text"][start:end]) else "ignore"
        if rule == "ignore":
            ignored.append((start, end))
        elif label in ENTITY_TYPES:
            spans.append((start, end, label))
        # labels outside the eval set (ORGANIZATION, TITLE, ...) stay "O": they are not personal data here
    return PiiExample(row["text"], spans, ignored, row.get("source", ""))


def tox_example(row: dict) -> ToxExample:
    toxic = int(row["toxic"])
    labels = set(row.get("labels", []))
    annotated = SUBTYPES if not toxic else SUBTYPES_BY_SOURCE.get(row.get("source", ""), frozenset())
    return ToxExample(row["text"], toxic, {s: int(s in labels) for s in annotated}, row.get("source", ""))


def load_pii(data_dir: Path, split: str, hold_out_templates: bool = False) -> list[PiiExample]:
    return [
        pii_example(row)
        for name in PII_FILES
        for row in _rows(data_dir / "pii" / name)
        if split_of(row, hold_out_templates) == split
    ]


def load_toxicity(data_dir: Path, split: str) -> list[ToxExample]:
    return [
        tox_example(row)
        for name in TOX_FILES
        for row in _rows(data_dir / "toxicity" / name)
        if split_of(row) == split
    ]


def sample_pii(examples: list[PiiExample], n: int, rng: random.Random) -> list[PiiExample]:
    """Mostly the generator's sentences (the eval's semantics), some negatives and real-text NER."""
    share = {"synthetic_faker": 0.66, "synthetic_negative": 0.12, "presidio_synth_dataset_v2": 0.06,
             "presidio_generated_large": 0.06, "wnut17_emerging_entities": 0.10}
    return _stratified(examples, n, share, rng)


def sample_toxicity(examples: list[ToxExample], n: int, rng: random.Random) -> list[ToxExample]:
    """Davidson is 60 % of the rows and 83 % toxic: cap it and keep all of its non-toxic rows first."""
    share = {"davidson2017": 0.32, "hatecheck": 0.30, "wiki_toxicity_nonfuzzed": 0.13,
             "bias_madlibs_77k": 0.19, "toxigen_prompts": 0.06}
    davidson = [e for e in examples if e.source == "davidson2017"]
    rng.shuffle(davidson)
    davidson.sort(key=lambda e: e.toxic)  # stable: non-toxic first, shuffled within each class
    budget = int(n * share["davidson2017"])
    clean = [e for e in davidson if not e.toxic][: budget // 2]
    picked = clean + [e for e in davidson if e.toxic][: budget - len(clean)]
    rest = _stratified([e for e in examples if e.source != "davidson2017"], n - len(picked),
                       {k: v for k, v in share.items() if k != "davidson2017"}, rng)
    out = picked + rest
    rng.shuffle(out)
    return out


def benign_pii_texts(examples: list[PiiExample], n: int, rng: random.Random) -> list[ToxExample]:
    """Non-toxic examples from the PII sentences: without them the toxicity head, which has never seen
    forms, addresses and ids, scores some of them as toxic (1.4 % of generator sentences at 0.5)."""
    pool = [e for e in examples if e.source in ("synthetic_faker", "synthetic_negative", "cells")]
    picked = rng.sample(pool, min(n, len(pool)))
    return [ToxExample(e.text, 0, {s: 0 for s in SUBTYPES}, source="pii_benign") for e in picked]


def _stratified(examples: list, n: int, share: dict[str, float], rng: random.Random) -> list:
    by_source: dict[str, list] = {}
    for e in examples:
        by_source.setdefault(e.source, []).append(e)
    total = sum(share.get(s, 0.0) for s in by_source) or 1.0
    out, leftover = [], []
    for source in sorted(by_source):
        pool = by_source[source][:]
        rng.shuffle(pool)
        k = int(round(n * share.get(source, 0.0) / total))
        out += pool[:k]
        leftover += pool[k:]
    rng.shuffle(leftover)
    out += leftover[: max(0, n - len(out))]  # a source smaller than its share leaves room for others
    rng.shuffle(out)
    return out[:n]


def cell_examples(examples: list[PiiExample], n: int, rng: random.Random) -> list[PiiExample]:
    """Bare values as a table cell holds them ("support@acme.io", "943 476 5919"), cut from training rows.

    Scans read CSV/Parquet cells, which often hold the value alone with no sentence around it. A quarter
    are unlabelled look-alikes cut from the negatives (SKUs, versions, invoice numbers).
    """
    positives = [(e, s) for e in examples for s in e.spans]
    negatives = [w.strip(".,;:()") for e in examples if e.source == "synthetic_negative" for w in e.text.split()
                 if any(ch.isdigit() for ch in w)]
    out = []
    for _ in range(n):
        if negatives and rng.random() < 0.25:
            out.append(PiiExample(rng.choice(negatives), [], source="cells"))
            continue
        ex, (start, end, kind) = rng.choice(positives)
        value = ex.text[start:end]
        out.append(PiiExample(value, [(0, len(value), kind)], source="cells"))
    return out


def token_labels(offsets: list[tuple[int, int]], ex: PiiExample) -> list[int]:
    """BIO label id per token: B on the first token touching a span, I on the rest, IGNORE if unlabelled."""
    labels = [LABEL_ID["O"]] * len(offsets)
    for start, end in ex.ignored:
        for i, (a, b) in enumerate(offsets):
            if a < end and b > start:
                labels[i] = IGNORE
    for start, end, kind in ex.spans:
        first = True
        for i, (a, b) in enumerate(offsets):
            if a < end and b > start and b > a:
                labels[i] = LABEL_ID[("B-" if first else "I-") + kind]
                first = False
    return labels
