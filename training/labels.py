"""Label sets of the classifier: entity types (BIO), toxicity outputs, and which source labels what."""

from __future__ import annotations

ENTITY_TYPES = (
    "PERSON",
    "LOCATION",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "DATE_OF_BIRTH",
    "US_SSN",
    "US_PASSPORT",
    "UK_PASSPORT",
    "IN_PASSPORT",
    "DE_PASSPORT",
    "FR_PASSPORT",
    "IN_AADHAAR",
    "IN_PAN",
    "UK_NHS",
    "IBAN_CODE",
    "CREDIT_CARD",
    "MEDICAL_RECORD_NUMBER",
    "IP_ADDRESS",
    "MEDICAL_CONDITION",
    "MEDICATION",
)
BIO_LABELS = ("O",) + tuple(f"{p}-{t}" for t in ENTITY_TYPES for p in ("B", "I"))
LABEL_ID = {label: i for i, label in enumerate(BIO_LABELS)}
IGNORE = -100  # token label that contributes no loss

TOXICITY_OUTPUTS = ("toxic", "insult", "threat", "obscene", "identity_hate")
SUBTYPES = TOXICITY_OUTPUTS[1:]

# Subtypes each toxicity source really annotates on its toxic rows; any other subtype is masked out
# of the loss for that source's toxic rows (a non-toxic row is negative for every subtype).
SUBTYPES_BY_SOURCE: dict[str, frozenset[str]] = {
    "davidson2017": frozenset({"identity_hate"}),
    "hatecheck": frozenset(SUBTYPES),
    "wiki_toxicity_nonfuzzed": frozenset(),
    "bias_madlibs_77k": frozenset({"identity_hate"}),
    "toxigen_prompts": frozenset({"identity_hate"}),
}

# PII sources label some things the evaluation does not (every city, every date). Those spans are
# neither positives nor negatives for us: their tokens are ignored in the loss.
# Per source: label -> "keep" | "ignore" | "address_only" (keep when it holds a digit, else ignore).
SPAN_POLICY: dict[str, dict[str, str]] = {
    "presidio_synth_dataset_v2": {"LOCATION": "address_only", "DATE_TIME": "ignore"},
    "presidio_generated_large": {"LOCATION": "address_only", "DATE_TIME": "ignore"},
    "wnut17_emerging_entities": {"LOCATION": "ignore"},
}
