"""Entity detection: Presidio recognizers, offline, each behind a cheap gate.

Presidio's ``AnalyzerEngine`` runs every recognizer over every text. Here each recognizer in the explicit
table below has a *gate*: a small regex that any of its matches must contain (e.g. ``@`` for e-mail, four
digits for a card). A text with no digit, ``@`` or ``:`` skips everything in one test; otherwise only the
recognizers whose gate fires run. Gates are necessary conditions of the recognizers' own patterns, so they
never lose a detection (tests/scan/test_detect.py checks this against ungated runs).

Context words (Presidio's ``recognizer.context``) raise a low score as Presidio's enhancer does (+0.35,
at least 0.4) when they occur in the few words before a match or in the column name ("dob", "mrn").
Presidio's own enhancer needs an NLP model for lemmas; with the offline ``NoOpNlpEngine`` it does nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

THRESHOLD = 0.4
CONTEXT_BOOST = 0.35  # Presidio's context_similarity_factor
MIN_SCORE_WITH_CONTEXT = 0.4  # Presidio's min_score_with_context_similarity
CONTEXT_WINDOW_CHARS = 48  # about five words before the match, like Presidio's context_prefix_count
_CACHE_MAX_TEXT = 256
_CACHE_MAX_ENTRIES = 200_000

# Any match of any gated recognizer contains a digit, "@" or ":" (IPv6/MAC); text without one skips them all.
PREFILTER = re.compile(r"[0-9@:]")

# The explicit table: (recognizer class name, gate regex or None = always run). Order does not matter.
# Presidio ships the country recognizers below but disables them by default; they are enabled here.
RECOGNIZERS: tuple[tuple[str, str | None], ...] = (
    ("CreditCardRecognizer", r"\d{4}[- ]?\d{3}"),
    ("LenientEmailRecognizer", r"@"),
    ("IbanRecognizer", r"[a-z]{2}\d{2}"),
    ("IpRecognizer", r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|[0-9a-f]{0,4}:[0-9a-f]{0,4}:"),
    ("MacAddressRecognizer", r"[0-9a-f]{2}[:-][0-9a-f]{2}[:-]|[0-9a-f]{4}\.[0-9a-f]{4}\."),
    ("CryptoRecognizer", r"(?:bc1|[13])[a-z0-9]{25}"),
    ("NhsRecognizer", r"\d{3}[- ]?\d{3}[- ]?\d{4}"),
    ("UsSsnRecognizer", r"\d{3}[- .]?\d{2}[- .]?\d{4}|\d{5}-\d{4}|\d{3}-\d{6}"),
    ("UsItinRecognizer", r"9\d{2}[- ]?[5-9]\d"),
    ("UsPassportRecognizer", r"\d{8}"),
    ("InAadhaarRecognizer", r"\d{4}[- :]?\d{4}[- :]?\d{4}"),
    ("InPanRecognizer", r"[a-z]{5}\d{4}[a-z]"),
    ("InPassportRecognizer", r"[a-z][1-9]\d\s?\d{4}[1-9]"),
    ("UkNinoRecognizer", r"[a-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[a-d]"),
    ("UkPassportRecognizer", r"[a-z]{2}\d{7}"),
    ("DePassportRecognizer", r"[cfghjklmnprtvwxyz][cfghjklmnprtvwxyz0-9]{7}\d"),
    # complyai's own (policy_engine.scan.recognizers)
    ("FastPhoneRecognizer", r"\d(?:[\s().\-/]{0,3}\d){6}"),
    ("DateOfBirthRecognizer", r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d\d|(?:19|20)\d\d"),
    ("MedicalRecordNumberRecognizer", r"\d{6}|\d{4}-\d{3}-\d{2}"),
)
OWN_RECOGNIZERS = ("LenientEmailRecognizer", "FastPhoneRecognizer", "DateOfBirthRecognizer", "MedicalRecordNumberRecognizer")


class Span(NamedTuple):
    start: int
    end: int
    type: str
    score: float
    detector: str
    validated: bool = False  # a check digit confirmed it: wins every overlap


def offline_presidio() -> None:
    """Stop tldextract from fetching the Public Suffix List (STACK-NOTES §2): use its bundled copy."""
    import tldextract

    if not getattr(tldextract.extract, "_complyai_offline", False):
        extractor = tldextract.TLDExtract(suffix_list_urls=())
        extractor._complyai_offline = True  # type: ignore[attr-defined]
        tldextract.extract = extractor
        try:  # the e-mail recognizer imports the function by name
            from presidio_analyzer.predefined_recognizers.generic import email_recognizer

            if hasattr(email_recognizer, "tldextract"):
                email_recognizer.tldextract.extract = extractor
        except ImportError:
            pass


def build_recognizer(name: str) -> object:
    """Instantiate one recognizer of the table by class name, for English text."""
    from policy_engine.scan import recognizers as own

    if hasattr(own, name):
        return getattr(own, name)()
    from presidio_analyzer import predefined_recognizers as pre

    cls = getattr(pre, name)
    try:
        return cls(supported_language="en")
    except TypeError:
        return cls()


def column_tokens(column: str) -> str:
    """'customerEmail' / 'customer_email' -> ' customer email ' (padded, for whole-word phrase tests)."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", column)
    return " " + " ".join(re.findall(r"[a-z0-9#]+", spaced.lower())) + " "


class _Entry:
    __slots__ = ("recognizer", "name", "gate", "entities", "context_re", "context_words", "strong", "weak",
                 "takes_skip")

    def __init__(self, recognizer: object, gate: str | None, threshold: float) -> None:
        self.recognizer = recognizer
        self.name: str = recognizer.name  # type: ignore[attr-defined]
        self.gate = re.compile(gate, re.IGNORECASE) if gate else None
        self.takes_skip = _takes_skip(recognizer)
        self.strong, self.weak = _pattern_split(recognizer, threshold) if gate else (None, None)
        self.entities: list[str] = list(recognizer.supported_entities)  # type: ignore[attr-defined]
        words = [w.lower() for w in (getattr(recognizer, "context", None) or []) if w]
        self.context_words = words
        self.context_re = (re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(w) for w in words) + r")(?![a-z0-9])")
                           if words else None)


def _takes_skip(recognizer: object) -> bool:
    import inspect

    try:
        return "skip" in inspect.signature(recognizer.analyze).parameters  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return False


def _pattern_split(recognizer: object, threshold: float) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """The recognizer's own patterns, compiled with the stdlib, split by what they can reach on their own.

    strong: patterns that can reach the threshold alone (score >= threshold, or a validator that can raise
    the score to 1.0); weak: the others, which only count with a context word. (None, None) when the
    recognizer has no patterns or one does not compile with ``re``: then only the hand gate filters.
    """
    from presidio_analyzer import PatternRecognizer

    patterns = getattr(recognizer, "patterns", None)
    if not isinstance(recognizer, PatternRecognizer) or not patterns:
        return None, None
    validates = type(recognizer).validate_result is not PatternRecognizer.validate_result
    flags = getattr(recognizer, "global_regex_flags", None) or (re.DOTALL | re.MULTILINE | re.IGNORECASE)
    strong = [p.regex for p in patterns if validates or p.score >= threshold]
    weak = [p.regex for p in patterns if not (validates or p.score >= threshold)]
    try:
        return (re.compile("|".join(f"(?:{r})" for r in strong), flags) if strong else _NEVER,
                re.compile("|".join(f"(?:{r})" for r in weak), flags) if weak else _NEVER)
    except re.error:
        return None, None


_NEVER = re.compile(r"(?!x)x")


class Detector:
    """Runs the gated recognizers on one text at a time; picklable state is rebuilt in forked workers."""

    def __init__(self, entities: Iterable[str] | None = None, *, extra_recognizers: Sequence[object] = (),
                 threshold: float = THRESHOLD, gates: bool = True) -> None:
        offline_presidio()
        wanted = set(entities) if entities is not None else None
        self.threshold = threshold
        self._entries: list[_Entry] = []
        for name, gate in RECOGNIZERS:
            rec = build_recognizer(name)
            if wanted is None or wanted & set(rec.supported_entities):  # type: ignore[attr-defined]
                self._entries.append(_Entry(rec, gate if gates else None, threshold))
        for rec in extra_recognizers:  # user recognizers: no gate, always run
            self._entries.append(_Entry(rec, None, threshold))
        # recognizers that accept ``skip`` (our phone recognizer) run last, after the ids they must not overlap
        self._entries.sort(key=lambda e: e.takes_skip)
        self._gated = [e for e in self._entries if e.gate is not None]
        self._ungated = [e for e in self._entries if e.gate is None]
        self._column_ctx: dict[str, frozenset[str]] = {}
        self._cache: dict[tuple[str, str], list[Span]] = {}

    @property
    def entity_types(self) -> list[str]:
        return sorted({t for e in self._entries for t in e.entities})

    def detectors(self) -> list[dict[str, str]]:
        """Names and versions of the recognizers in use, for the evidence."""
        import importlib.metadata as md

        presidio = md.version("presidio-analyzer")
        out = []
        for e in self._entries:
            own = e.name in OWN_RECOGNIZERS
            version = getattr(e.recognizer, "version", "") if own else f"presidio-analyzer {presidio}"
            out.append({"name": e.name, "version": str(version), "entities": ",".join(e.entities)})
        return out

    def _columns_hits(self, column: str) -> frozenset[str]:
        hits = self._column_ctx.get(column)
        if hits is None:
            padded = column_tokens(column)
            hits = frozenset(e.name for e in self._entries
                             if any(f" {w} " in padded for w in e.context_words))
            self._column_ctx[column] = hits
        return hits

    def analyze(self, text: str, column: str = "") -> list[Span]:
        """Entities in ``text`` (a cell of ``column``), overlaps resolved, scores >= threshold."""
        key = (column, text)
        if len(text) <= _CACHE_MAX_TEXT:
            cached = self._cache.get(key)
            if cached is not None:
                return cached
        spans = self._analyze(text, column)
        if len(text) <= _CACHE_MAX_TEXT:
            if len(self._cache) >= _CACHE_MAX_ENTRIES:
                self._cache.clear()
            self._cache[key] = spans
        return spans

    def analyze_many(self, items: Sequence[tuple[str, str]]) -> list[list[Span]]:
        """(column, text) pairs -> spans per pair; the unit of work sent to a worker process."""
        return [self.analyze(text, column) for column, text in items]

    def _analyze(self, text: str, column: str) -> list[Span]:
        entries = self._ungated
        if PREFILTER.search(text):
            entries = [e for e in self._gated if e.gate.search(text)] + entries  # type: ignore[union-attr]
        if not entries:
            return []
        column_hits = self._columns_hits(column) if column else frozenset()
        spans: list[Span] = []
        lowered = text.lower()
        for entry in entries:
            if entry.strong is not None and not entry.strong.search(text):
                # only weak patterns can match: they count only with a context word, so skip the call unless
                # one of them matches and a context word is in the column name or anywhere in the text
                if not entry.weak.search(text) or not (  # type: ignore[union-attr]
                        entry.name in column_hits or (entry.context_re and entry.context_re.search(lowered))):
                    continue
            if entry.takes_skip:
                claimed = [(s.start, s.end) for s in spans if s.validated or s.score > 0.5]
                found = entry.recognizer.analyze(text, entry.entities, None, skip=claimed)  # type: ignore[attr-defined]
            else:
                found = entry.recognizer.analyze(text, entry.entities, None)  # type: ignore[attr-defined]
            others = [(r.start, r.end) for r in found]
            for r in found:
                score = float(r.score)
                if score <= 0:
                    continue
                if score < self.threshold and entry.context_re is not None:
                    if entry.name in column_hits:
                        score = min(1.0, max(score + CONTEXT_BOOST, MIN_SCORE_WITH_CONTEXT))
                    else:
                        if _context_before(entry.context_re, lowered, r.start, others):
                            score = min(1.0, max(score + CONTEXT_BOOST, MIN_SCORE_WITH_CONTEXT))
                if score + 1e-9 < self.threshold:
                    continue
                explanation = getattr(r, "analysis_explanation", None)
                validated = bool(explanation is not None and getattr(explanation, "validation_result", None))
                spans.append(Span(r.start, r.end, r.entity_type, round(score, 4), entry.name, validated))
        return resolve_overlaps(spans)


def _context_before(context_re: re.Pattern[str], lowered: str, start: int, others: list[tuple[int, int]]) -> bool:
    """A context word in the few words before ``start``, with no other match of the recognizer in between.

    "date of birth 09/02/1961, next visit 2025-05-11": "birth" belongs to the first date, not the second.
    """
    low = max(0, start - CONTEXT_WINDOW_CHARS)
    ends = [m.end() for m in context_re.finditer(lowered, low, start)]
    if not ends:
        return False
    return not any(s < start and e > ends[-1] for s, e in others)


def resolve_overlaps(spans: list[Span]) -> list[Span]:
    """Keep the best of overlapping spans: check-digit-validated first, then score, then length."""
    if len(spans) < 2:
        return spans
    ranked = sorted(spans, key=lambda s: (s.validated, s.score, s.end - s.start), reverse=True)
    kept: list[Span] = []
    for s in ranked:
        if all(s.end <= k.start or s.start >= k.end for k in kept):
            kept.append(s)
    kept.sort(key=lambda s: s.start)
    return kept
