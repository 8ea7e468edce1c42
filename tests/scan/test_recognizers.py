"""Recognizers as a table: (column, text, expected type, expected span text).

Expected type None: nothing at all is found; "!TYPE": that type is not found (a failed check digit).
"""

import pytest

CASES = [
    # e-mail, including domains outside the Public Suffix List that Presidio would drop
    ("", "write to asha.12@example.org today", "EMAIL_ADDRESS", "asha.12@example.org"),
    ("", "contact: li.77@mail.test", "EMAIL_ADDRESS", "li.77@mail.test"),
    # payment cards: Luhn
    ("", "card 4111 1111 1111 1111 on file", "CREDIT_CARD", "4111 1111 1111 1111"),
    ("", "card 4111 1111 1111 1112 on file", "!CREDIT_CARD", None),
    # IBAN: mod 97
    ("", "pay GB82 WEST 1234 5698 7654 32 now", "IBAN_CODE", "GB82 WEST 1234 5698 7654 32"),
    ("", "pay GB82 WEST 1234 5698 7654 33 now", "!IBAN_CODE", None),
    # Aadhaar: Verhoeff (Presidio's shipped-but-disabled recognizer, enabled here)
    ("", "Aadhaar 2345 6789 0124", "IN_AADHAAR", "2345 6789 0124"),
    ("", "Aadhaar 2345 6789 0125", "!IN_AADHAAR", None),
    # NHS: mod 11
    ("", "NHS number 943 476 5919", "UK_NHS", "943 476 5919"),
    ("", "NHS number 943 476 5918", "!UK_NHS", None),
    # PAN, NINO, SSN, IP
    ("", "PAN ABCPE1234F", "IN_PAN", "ABCPE1234F"),
    ("", "NI number AB 12 34 56 C", "UK_NINO", "AB 12 34 56 C"),
    ("", "SSN 536-90-4399", "US_SSN", "536-90-4399"),
    ("", "SSN 078-05-1120", "!US_SSN", None),  # the well-known invalid 'Woolworth' SSN
    ("", "server 192.168.10.24 replied", "IP_ADDRESS", "192.168.10.24"),
    # phone numbers: formatted ones alone, bare digit runs only with context
    ("", "call (212) 555-0187 after six", "PHONE_NUMBER", "(212) 555-0187"),
    ("", "invoice 693721648133 was paid", None, None),
    ("phone", "2125550187", "PHONE_NUMBER", "2125550187"),
    # dates of birth: a context word in the text or the column name decides
    ("", "Vansha Sood was born on 1955-10-01 in Deoghar.", "DATE_OF_BIRTH", "1955-10-01"),
    ("", "Patient X, DOB 03/12/1985, seen today", "DATE_OF_BIRTH", "03/12/1985"),
    ("", "Patientin, geb. 12.03.1985, Diagnose", "DATE_OF_BIRTH", "12.03.1985"),
    ("", "Mercedes-Benz reported earnings on 13/09/2024.", None, None),
    ("dob", "1985-03-12", "DATE_OF_BIRTH", "1985-03-12"),
    ("event_date", "1985-03-12", None, None),
    ("", "born on 31/02/1985", None, None),  # no such day
    # medical record numbers
    ("", "MRN1234567 admitted", "MEDICAL_RECORD_NUMBER", "MRN1234567"),
    ("", "medical record number 00482913 on chart", "MEDICAL_RECORD_NUMBER", "00482913"),
    ("mrn", "4829130", "MEDICAL_RECORD_NUMBER", "4829130"),
    ("", "Order 4829130 shipped", None, None),
    # hard negatives
    ("", "Version 2.14.3 build 20240611", None, None),
    ("", "ISBN 978-3-16-148410-0 in stock", None, None),
]


@pytest.mark.parametrize("column, text, expected, span_text", CASES)
def test_recognizer_table(detector, column, text, expected, span_text):
    spans = detector.analyze(text, column)
    found = [(s.type, text[s.start:s.end]) for s in spans]
    if expected is None:
        assert found == [], found
    elif expected.startswith("!"):
        assert expected[1:] not in [t for t, _ in found], found
    else:
        assert (expected, span_text) in found, found


def test_checksum_validated_id_wins_overlap(detector):
    # A valid NHS number also parses as a phone number; the check digit decides.
    spans = detector.analyze("NHS 943 476 5919")
    assert [s.type for s in spans] == ["UK_NHS"]


def test_own_recognizers_work_in_plain_presidio():
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine

    from policy_engine.scan.detect import offline_presidio
    from policy_engine.scan.recognizers import MedicalRecordNumberRecognizer

    offline_presidio()
    nlp = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "no_op"}])
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.add_recognizer(MedicalRecordNumberRecognizer())
    engine = AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["en"])
    results = engine.analyze("MRN1234567 admitted", language="en", entities=["MEDICAL_RECORD_NUMBER"])
    assert [(r.start, r.end) for r in results] == [(0, 10)]
