"""summarise: the scan facts the rules read, from a list of FileEvidence.

Entity types map onto the data manifest's ``pii_type`` vocabulary (model_cards/vocabulary.yaml,
``data_manifest.schema.fields[].pii_type``) as the table below says. Choices worth knowing:
UK_NHS -> health_plan_beneficiary_number (it identifies a patient to the health service, a HIPAA identifier);
LOCATION -> geographic_subdivision (addresses and cities tied to a person, HIPAA's term);
DATE_OF_BIRTH -> date_element; MEDICATION and MEDICAL_CONDITION -> health_condition;
US_ITIN and UK_NINO -> national_id; CRYPTO -> account_number; MAC_ADDRESS -> device_identifier.
Types not in the table (e.g. a user recognizer's) map to other_unique_identifier.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from policy_engine.scan.evidence import FileEvidence

PII_TYPE: dict[str, str] = {
    "PERSON": "name",
    "LOCATION": "geographic_subdivision",
    "DATE_OF_BIRTH": "date_element",
    "PHONE_NUMBER": "telephone_number",
    "EMAIL_ADDRESS": "email_address",
    "US_SSN": "ssn",
    "MEDICAL_RECORD_NUMBER": "medical_record_number",
    "UK_NHS": "health_plan_beneficiary_number",
    "US_BANK_NUMBER": "account_number",
    "CRYPTO": "account_number",
    "MEDICAL_LICENSE": "certificate_license_number",
    "US_DRIVER_LICENSE": "certificate_license_number",
    "URL": "url",
    "IP_ADDRESS": "ip_address",
    "MAC_ADDRESS": "device_identifier",
    "IN_AADHAAR": "aadhaar_number",
    "IN_PAN": "pan_number",
    "US_PASSPORT": "passport_number",
    "UK_PASSPORT": "passport_number",
    "IN_PASSPORT": "passport_number",
    "DE_PASSPORT": "passport_number",
    "FR_PASSPORT": "passport_number",
    "US_ITIN": "national_id",
    "UK_NINO": "national_id",
    "CREDIT_CARD": "payment_card_number",
    "IBAN_CODE": "iban",
    "MEDICAL_CONDITION": "health_condition",
    "MEDICATION": "health_condition",
}
OTHER = "other_unique_identifier"

# Values that identify a person on their own (HIPAA Safe Harbor's direct identifiers, GDPR recital 26).
DIRECT_IDENTIFIERS = frozenset({
    "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "US_SSN", "IN_AADHAAR", "IN_PAN", "UK_NHS", "UK_NINO",
    "CREDIT_CARD", "IBAN_CODE", "MEDICAL_RECORD_NUMBER", "IP_ADDRESS", "US_PASSPORT", "UK_PASSPORT",
    "IN_PASSPORT", "DE_PASSPORT", "FR_PASSPORT", "US_ITIN", "US_BANK_NUMBER", "MAC_ADDRESS", "CRYPTO",
})


def decimal4_up(x: float) -> str:
    """An upper bound as a Cedar decimal (4 fractional digits), rounded up so it never understates."""
    return f"{min(1.0, math.ceil(round(x * 10_000, 6)) / 10_000):.4f}"


def summarise(evidence: Sequence[FileEvidence]) -> dict[str, Any]:
    """Facts for the rules: entity_types, direct_identifiers_present, pii_rate_upper, toxicity_rate_upper,
    rows_scanned, date, pii_types_found.

    ``pii_rate_upper`` is the largest per-column upper bound; ``toxicity_rate_upper`` the largest per-file
    upper bound, or None when the classifier ran on no file; ``date`` is the earliest scan date (the data
    as a whole was last scanned no later than that), None if nothing was scanned.
    """
    types = sorted({t for ev in evidence for t in ev.entity_types})
    upper = max((c.pii_rate_upper for ev in evidence for c in ev.columns), default=0.0)
    tox = [ev.toxicity.upper for ev in evidence if ev.toxicity is not None]
    dates = sorted(ev.scanned_at[:10] for ev in evidence if ev.error is None)
    return {
        "entity_types": types,
        "direct_identifiers_present": any(t in DIRECT_IDENTIFIERS for t in types),
        "pii_rate_upper": decimal4_up(upper),
        "toxicity_rate_upper": decimal4_up(max(tox)) if tox else None,
        "rows_scanned": sum(ev.rows_scanned for ev in evidence),
        "date": dates[0] if dates else None,
        "pii_types_found": sorted({PII_TYPE.get(t, OTHER) for t in types}),
    }


def evidence_document(evidence: Sequence[FileEvidence]) -> dict[str, Any]:
    """The ``--format json`` document: schema version, tool, one entry per file, and the summary facts."""
    from policy_engine.scan.evidence import EVIDENCE_SCHEMA
    from policy_engine.scan.scanner import SCANNER_VERSION

    return {
        "schemaVersion": EVIDENCE_SCHEMA,
        "tool": {"name": "complyai scan", "version": SCANNER_VERSION},
        "files": [ev.to_dict() for ev in evidence],
        "summary": summarise(evidence),
    }
