#!/usr/bin/env python3
"""complyai scan vs a plain Presidio AnalyzerEngine: throughput and entity-level precision/recall/F1.

One run, same texts, same entity types. The corpus is synthetic and fixed-seed (Faker: en_US, en_GB,
en_IN, de_DE, fr_FR) with checksum-valid identifiers and hard negatives (invoice numbers that fail
Verhoeff, card-like numbers that fail Luhn, event dates, versions, order numbers, ISBNs).

Baseline: ``AnalyzerEngine`` offline (``NoOpNlpEngine``, STACK-NOTES §2) with Presidio's default
recognizers plus the same country recognizers complyai enables (IN_AADHAAR, IN_PAN, UK_NINO, IN/UK
passports), ``entities=`` the evaluated types; its F1 is reported at the better of score thresholds 0 and
0.4. complyai: the detector behind ``complyai scan`` (gated recognizers, context words, both cores).
A prediction counts when its type equals the gold type and the spans overlap by at least half their union.

    python benchmarks/scan_speed.py [--n 10000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from policy_engine.scan.checksums import luhn_digit, nhs_digit, verhoeff_digit, verhoeff_ok  # noqa: E402

LOCALES = ["en_US", "en_GB", "en_IN", "de_DE", "fr_FR"]
TYPES = ["EMAIL_ADDRESS", "PHONE_NUMBER", "US_SSN", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "IN_AADHAAR",
         "IN_PAN", "UK_NHS", "DATE_OF_BIRTH", "MEDICAL_RECORD_NUMBER"]
PRESIDIO_LACKS = {"DATE_OF_BIRTH", "MEDICAL_RECORD_NUMBER"}


# ----------------------------------------------------------------------------- corpus

class Values:
    def __init__(self, seed: int) -> None:
        from faker import Faker

        self.r = random.Random(seed)
        self.f = {loc: Faker(loc) for loc in LOCALES}
        for i, loc in enumerate(LOCALES):
            self.f[loc].seed_instance(seed + i)

    def digits(self, n: int) -> str:
        return "".join(self.r.choice(string.digits) for _ in range(n))

    def EMAIL_ADDRESS(self, loc):  # noqa: N802 - named after the label
        return self.f[loc].email()

    def PHONE_NUMBER(self, loc):  # noqa: N802
        return self.f[loc].phone_number()

    def US_SSN(self, loc):  # noqa: N802
        return self.f["en_US"].ssn()

    def CREDIT_CARD(self, loc):  # noqa: N802
        body = self.r.choice(["4", "51", "55", "37"]) + self.digits(13)
        n = body + luhn_digit(body)
        return " ".join(n[i:i + 4] for i in range(0, 16, 4)) if self.r.random() < 0.6 else n

    def IBAN_CODE(self, loc):  # noqa: N802
        iban = self.f[loc if loc in ("de_DE", "fr_FR", "en_GB") else "de_DE"].iban()
        return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4)) if self.r.random() < 0.5 else iban

    def IP_ADDRESS(self, loc):  # noqa: N802
        return self.f[loc].ipv4() if self.r.random() < 0.8 else self.f[loc].ipv6()

    def IN_AADHAAR(self, loc):  # noqa: N802
        body = self.r.choice("23456789") + self.digits(10)
        n = body + verhoeff_digit(body)
        return f"{n[:4]} {n[4:8]} {n[8:]}" if self.r.random() < 0.6 else n

    def IN_PAN(self, loc):  # noqa: N802
        letters = string.ascii_uppercase
        return ("".join(self.r.choice(letters) for _ in range(3)) + "P" + self.r.choice(letters)
                + self.digits(4) + self.r.choice(letters))

    def UK_NHS(self, loc):  # noqa: N802
        while True:
            nine = self.r.choice("4679") + self.digits(8)
            c = nhs_digit(nine)
            if c is not None:
                n = nine + c
                return f"{n[:3]} {n[3:6]} {n[6:]}" if self.r.random() < 0.7 else n

    def DATE_OF_BIRTH(self, loc):  # noqa: N802
        d = self.f[loc].date_of_birth(minimum_age=1, maximum_age=95)
        fmt = {"en_US": ["%m/%d/%Y", "%B %d, %Y", "%Y-%m-%d"], "en_GB": ["%d/%m/%Y", "%d %B %Y"],
               "en_IN": ["%d/%m/%Y", "%d-%m-%Y"], "de_DE": ["%d.%m.%Y", "%Y-%m-%d"], "fr_FR": ["%d/%m/%Y"]}[loc]
        return d.strftime(self.r.choice(fmt))

    def MEDICAL_RECORD_NUMBER(self, loc):  # noqa: N802
        return self.r.choice([self.digits(8), "MRN" + self.digits(7), "PID-" + self.digits(8)])

    def PERSON(self, loc):  # noqa: N802 - filler, not evaluated (neither side has NER offline)
        return self.f[loc].name()

    # hard negatives
    def invoice(self, loc):
        while True:
            n = self.r.choice("23456789") + self.digits(11)
            if not verhoeff_ok(n):
                return n

    def bad_card(self, loc):
        body = "4" + self.digits(14)
        return body + str((int(luhn_digit(body)) + 1) % 10)

    def event_date(self, loc):
        return self.f[loc].date_between("-2y", "+1y").strftime(self.r.choice(["%d/%m/%Y", "%Y-%m-%d"]))

    def version(self, loc):
        return f"{self.r.randint(1, 9)}.{self.r.randint(0, 30)}.{self.r.randint(0, 99)}"

    def order(self, loc):
        return self.r.choice(["ORD-", "SO", "#"]) + self.digits(self.r.randint(6, 9))

    def isbn(self, loc):
        return f"978-{self.r.randint(0, 9)}-{self.digits(3)}-{self.digits(5)}-{self.r.randint(0, 9)}"


TEMPLATES = [
    "Contact {PERSON} at {EMAIL_ADDRESS} or {PHONE_NUMBER}.",
    "Applicant {PERSON}, SSN {US_SSN}, DOB {DATE_OF_BIRTH}.",
    "Card {CREDIT_CARD} was charged; invoice {invoice} settled.",
    "Please pay {IBAN_CODE} and quote order {order}.",
    "Login from {IP_ADDRESS} by {EMAIL_ADDRESS} at build {version}.",
    "Aadhaar: {IN_AADHAAR}, PAN: {IN_PAN}, Name: {PERSON}",
    "NHS number {UK_NHS}, date of birth {DATE_OF_BIRTH}, next visit {event_date}.",
    "MRN {MEDICAL_RECORD_NUMBER}: {PERSON} admitted on {event_date}.",
    "{PERSON} was born on {DATE_OF_BIRTH} and can be reached on {PHONE_NUMBER}.",
    "Reference {invoice} for card ending test {bad_card}, ISBN {isbn}.",
    "Release {version} shipped {event_date}; see ticket {order}.",
    "Patient record number {MEDICAL_RECORD_NUMBER}, phone {PHONE_NUMBER}, mail {EMAIL_ADDRESS}",
    "Invoice {invoice} due {event_date}, total 1{version} EUR.",
]


def make_corpus(n: int, seed: int = 7) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """n texts with gold spans (start, end, type), reproducible for a seed."""
    import re

    values = Values(seed)
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        template, loc = rng.choice(TEMPLATES), rng.choice(LOCALES)
        text, spans, pos = "", [], 0
        for m in re.finditer(r"\{(\w+)\}", template):
            text += template[pos:m.start()]
            value = getattr(values, m.group(1))(loc).replace("\n", " ")
            if m.group(1) in TYPES:
                spans.append((len(text), len(text) + len(value), m.group(1)))
            text += value
            pos = m.end()
        out.append((text + template[pos:], spans))
    return out


# ----------------------------------------------------------------------------- scoring

def score(gold: list[list[tuple[int, int, str]]], pred: list[list[tuple[int, int, str]]], types: set[str]) -> dict:
    tp = fp = fn = 0
    for g, p in zip(gold, pred, strict=True):
        g = [s for s in g if s[2] in types]
        p = [s for s in p if s[2] in types]
        used: set[int] = set()
        for ps in p:
            hit = next((i for i, gs in enumerate(g) if i not in used and gs[2] == ps[2]
                        and min(gs[1], ps[1]) - max(gs[0], ps[0]) >= 0.5 * (max(gs[1], ps[1]) - min(gs[0], ps[0]))),
                       None)
            if hit is None:
                fp += 1
            else:
                tp += 1
                used.add(hit)
        fn += len(g) - len(used)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


# ----------------------------------------------------------------------------- systems

def presidio_engine():
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        InAadhaarRecognizer,
        InPanRecognizer,
        InPassportRecognizer,
        UkNinoRecognizer,
        UkPassportRecognizer,
    )

    from policy_engine.scan.detect import offline_presidio

    offline_presidio()
    nlp = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "no_op"}])
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp)
    for cls in (InAadhaarRecognizer, InPanRecognizer, UkNinoRecognizer, InPassportRecognizer, UkPassportRecognizer):
        registry.add_recognizer(cls())
    return AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["en"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    corpus = make_corpus(args.n, args.seed)
    texts = [t for t, _ in corpus]
    gold = [g for _, g in corpus]
    print(f"corpus: {len(texts)} texts, {sum(map(len, gold))} gold entities, seed {args.seed}")

    engine = presidio_engine()
    entities = [t for t in TYPES if t not in PRESIDIO_LACKS]
    engine.analyze(text=texts[0], language="en", entities=entities)  # warm up
    t0 = time.perf_counter()
    raw = [engine.analyze(text=t, language="en", entities=entities) for t in texts]
    presidio_s = time.perf_counter() - t0

    from policy_engine.scan.detect import Detector
    from policy_engine.scan.parallel import DetectPool

    detector = Detector()
    detector.analyze(texts[0])
    t0 = time.perf_counter()
    single = [[(s.start, s.end, s.type) for s in detector.analyze_many([("", t)])[0]] for t in texts]
    single_s = time.perf_counter() - t0

    detector2 = Detector()  # fresh caches: the corpus must not be served from the single-core run
    pool = DetectPool(detector2)
    t0 = time.perf_counter()
    ours = [[(s.start, s.end, s.type) for s in spans] for spans in pool.run([("", t) for t in texts])]
    pool_s = time.perf_counter() - t0
    pool.close()
    assert ours == single, "parallel and single-core results differ"

    common = set(TYPES) - PRESIDIO_LACKS
    rows = []
    best = None
    for threshold in (0.0, 0.4):
        pred = [[(r.start, r.end, r.entity_type) for r in res if r.score >= threshold] for res in raw]
        cand = (score(gold, pred, common), score(gold, pred, set(TYPES)), threshold)
        if best is None or cand[0]["f1"] > best[0]["f1"]:
            best = cand
    rows.append((f"presidio AnalyzerEngine (1 process, threshold {best[2]})", len(texts) / presidio_s, *best[:2]))
    rows.append(("complyai scan detector, 1 core", len(texts) / single_s,
                 score(gold, single, common), score(gold, single, set(TYPES))))
    rows.append((f"complyai scan detector, {pool.workers} cores", len(texts) / pool_s,
                 score(gold, ours, common), score(gold, ours, set(TYPES))))

    print(f"\n{'system':52s} {'rows/s':>8s}   common types P/R/F1      all types P/R/F1")
    for name, rps, c, a in rows:
        print(f"{name:52s} {rps:8.0f}   {c['precision']:.3f}/{c['recall']:.3f}/{c['f1']:.3f}"
              f"      {a['precision']:.3f}/{a['recall']:.3f}/{a['f1']:.3f}")
    print(f"\nspeed-up vs presidio: {rows[2][1] / rows[0][1]:.1f}x ({pool.workers} cores), "
          f"{rows[1][1] / rows[0][1]:.1f}x (1 core)")
    print(f"common types = {', '.join(sorted(common))}; all types add {', '.join(sorted(PRESIDIO_LACKS))}, "
          "which Presidio has no recognizer for")


if __name__ == "__main__":
    main()
