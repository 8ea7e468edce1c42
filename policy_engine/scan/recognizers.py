"""complyai's own Presidio recognizers, for what Presidio lacks or does measurably worse.

- DATE_OF_BIRTH: Presidio only has DATE_TIME (every date). A date is a date of birth when a context word
  ("born", "DOB", "geb.", "né le", a "dob" column) says so; the base score is below the threshold on purpose.
- MEDICAL_RECORD_NUMBER: Presidio has none. Prefixed forms (MRN1234567, PID-12345678) score on their own;
  bare numbers need context words.
- EMAIL_ADDRESS: Presidio drops addresses whose domain is not in the Public Suffix List (``x@mail.test``,
  ``x@corp.example``, intranet hosts). In a data file such a string is still an e-mail address: ours keeps
  them at the pattern score (0.5) and gives PSL-valid ones 1.0, as Presidio does.
- PHONE_NUMBER: Presidio's PhoneRecognizer runs libphonenumber's matcher over the whole text once per region
  (8 passes, ~0.4 ms a text, most of Presidio's time). Ours finds phone-shaped candidates with one regex and
  validates only those with libphonenumber: same validity rule, a fraction of the time.

They are ordinary Presidio recognizers: they work in a plain ``AnalyzerEngine`` too, and users add their own
recognizers the Presidio way (``extra_recognizers`` in the detector).
"""

from __future__ import annotations

import datetime as _dt
import re

from presidio_analyzer import EntityRecognizer, LocalRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.predefined_recognizers import EmailRecognizer

RECOGNIZER_VERSION = "1.0.0"

_MONTHS = {
    # English, German, French month names and abbreviations -> month number
    **{m: i for i, m in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
         "november", "december"], 1)},
    **{m: i for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)},
    "sept": 9,
    **{m: i for i, m in enumerate(
        ["januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober",
         "november", "dezember"], 1)},
    **{m: i for i, m in enumerate(
        ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
         "novembre", "décembre"], 1)},
}
_MONTH_RE = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))


def _plausible_birth_date(text: str, today: _dt.date | None = None) -> bool:
    """True if the text reads as a real calendar date between 1900 and today (any of d/m/y, m/d/y, y/m/d)."""
    today = today or _dt.date.today()
    low = text.lower()
    nums = [int(n) for n in re.findall(r"\d+", low)]
    month_word = re.search(_MONTH_RE, low)
    candidates: list[tuple[int, int, int]] = []  # (year, month, day)
    if month_word and len(nums) == 2:
        day, year = (nums[0], nums[1]) if nums[1] > 31 else (nums[1], nums[0])
        candidates.append((year, _MONTHS[month_word.group(0).rstrip(".")], day))
    elif len(nums) == 3:
        a, b, c = nums
        if a > 31:  # y-m-d
            candidates.append((a, b, c))
        else:
            year = c if c > 99 else (1900 + c if c > today.year % 100 else 2000 + c)
            candidates += [(year, b, a), (year, a, b)]  # d/m/y and m/d/y
    for year, month, day in candidates:
        try:
            d = _dt.date(year, month, day)
        except ValueError:
            continue
        if _dt.date(1900, 1, 1) <= d <= today:
            return True
    return False


class DateOfBirthRecognizer(PatternRecognizer):
    """Dates that context words mark as a date of birth (en, de, fr)."""

    CONTEXT = ["dob", "d.o.b", "birth", "born", "birthday", "birthdate", "geboren", "geb", "geburtsdatum",
               "né", "née", "naissance", "date of birth", "date de naissance"]
    PATTERNS = [
        Pattern("date numeric", r"\b\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})\b", 0.05),
        Pattern("date iso", r"\b(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}\b", 0.05),
        Pattern("date day month year", rf"\b\d{{1,2}}(?:st|nd|rd|th|er)?\.?\s+(?:{_MONTH_RE})\.?,?\s+(?:19|20)\d{{2}}\b", 0.1),
        Pattern("date month day year", rf"\b(?:{_MONTH_RE})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}\b", 0.1),
    ]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_entity="DATE_OF_BIRTH", patterns=self.PATTERNS, context=self.CONTEXT,
                         supported_language=supported_language, name="DateOfBirthRecognizer",
                         version=RECOGNIZER_VERSION)

    def validate_result(self, pattern_text: str) -> bool | None:
        # None keeps the (low) pattern score for context to raise; False drops dates that cannot be a birth date.
        return None if _plausible_birth_date(pattern_text) else False


class MedicalRecordNumberRecognizer(PatternRecognizer):
    """Medical record numbers: prefixed forms on their own, bare numbers only with context words."""

    CONTEXT = ["mrn", "medical record", "record number", "record no", "patient id", "patient number", "chart",
               "hospital number", "case number", "pid", "patientennummer", "dossier", "numéro de dossier"]
    PATTERNS = [
        Pattern("mrn prefixed", r"\b(?:MRN|PID|MR)[-#: ]?\d{6,10}\b", 0.6),
        Pattern("mrn letters digits", r"\b[A-Z]{2}-?\d{6,7}\b", 0.05),
        Pattern("mrn digits", r"\b\d{6,10}\b", 0.01),
        Pattern("mrn grouped", r"\b\d{4}-\d{3}-\d{2}\b", 0.05),
    ]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_entity="MEDICAL_RECORD_NUMBER", patterns=self.PATTERNS, context=self.CONTEXT,
                         supported_language=supported_language, name="MedicalRecordNumberRecognizer",
                         version=RECOGNIZER_VERSION, global_regex_flags=re.DOTALL | re.MULTILINE)


class LenientEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recognizer without dropping domains outside the Public Suffix List."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_language=supported_language)
        self.name = "LenientEmailRecognizer"
        self.version = RECOGNIZER_VERSION

    def validate_result(self, pattern_text: str) -> bool | None:
        return True if super().validate_result(pattern_text) else None


class FastPhoneRecognizer(LocalRecognizer):
    """Phone numbers: one candidate regex, then libphonenumber validation of each candidate only."""

    SCORE = 0.4
    BARE_SCORE = 0.1  # an unformatted digit run (invoice ids, order numbers) needs context to count
    CONTEXT = ["phone", "telephone", "tel", "cell", "cellphone", "mobile", "call", "fax", "contact", "telefon",
               "handy", "téléphone", "portable"]
    REGIONS = ("US", "GB", "IN", "DE", "FR", "CA", "IL", "BR")
    _CANDIDATE = re.compile(
        r"(?<![\w@./:-])(?:\+|00)?\(?\d[\d\s().\-/]{5,22}\d(?:\s*(?:x|ext\.?|#)\s*\d{1,5})?(?![\w@]|[.:/-]\d)")

    _DATE_SHAPE = re.compile(r"\d{1,4}([/.\-])\d{1,2}\1\d{2,4}")  # 31/02/1985, 1985-03-12: dates, not phones

    def __init__(self, supported_language: str = "en", regions: tuple[str, ...] = REGIONS) -> None:
        self.regions = regions
        self._seen: dict[str, bool] = {}  # candidate -> valid; libphonenumber parsing is the costly part
        super().__init__(supported_entities=["PHONE_NUMBER"], supported_language=supported_language,
                         context=self.CONTEXT, name="FastPhoneRecognizer", version=RECOGNIZER_VERSION)

    def load(self) -> None:  # nothing to load; libphonenumber's metadata loads on first use
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: object = None,
                skip: list[tuple[int, int]] | None = None) -> list[RecognizerResult]:
        """Phone numbers in ``text``; ``skip`` (our extension) lists spans already claimed by stronger ids."""
        import phonenumbers

        results = []
        for match in self._CANDIDATE.finditer(text):
            raw = match.group(0)
            candidate = raw.strip()
            start = match.start() + (len(raw) - len(raw.lstrip()))
            end = start + len(candidate)
            if skip and any(s < end and start < e for s, e in skip):
                continue  # a card/IBAN/Aadhaar/... found here would win the overlap anyway
            digits = sum(ch.isdigit() for ch in candidate)
            if not 7 <= digits <= 18 or self._DATE_SHAPE.fullmatch(candidate):
                continue
            score = self._seen.get(candidate)
            if score is None:
                score = self._score(phonenumbers, candidate)
                if len(self._seen) > 100_000:
                    self._seen.clear()
                self._seen[candidate] = score
            if score > 0:
                results.append(RecognizerResult(
                    "PHONE_NUMBER", start, end, score,
                    recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                          RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}))
        return EntityRecognizer.remove_duplicates(results)

    def _score(self, phonenumbers: object, candidate: str) -> float:
        """0.4 for a valid number (or an international/bracketed one of possible length); 0.1 for a bare digit
        run that is valid but not 10-11 digits long (ids look like that); 0 otherwise."""
        international = candidate.startswith(("+", "00"))
        regions = (None,) if international else self.regions
        number = "+" + candidate[2:] if candidate.startswith("00") else candidate
        possible = False
        for region in regions:
            try:
                parsed = phonenumbers.parse(number, region)  # type: ignore[attr-defined]
            except Exception:  # NumberParseException: not a number in this region
                continue
            if phonenumbers.is_valid_number(parsed):  # type: ignore[attr-defined]
                if candidate.isdigit() and not 10 <= len(candidate) <= 11:
                    return self.BARE_SCORE
                return self.SCORE
            possible = possible or phonenumbers.is_possible_number(parsed)  # type: ignore[attr-defined]
        return self.SCORE if possible and (international or candidate.startswith("(")) else 0.0
