"""scan_files end to end: evidence content, masking, cache, sampling, the classifier hook, summarise."""

import csv
import json
import sys
import types
from pathlib import Path

import pytest
import yaml

import policy_engine.scan
from policy_engine.scan import PII_TYPE, scan_files, summarise

EMAIL = "oluwaseun.4821@example.org"
SSN = "536-90-4399"
REPO = Path(__file__).resolve().parents[2]


def write_csv(path: Path, rows: int = 300) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["customer_email", "ssn", "note"])
        for i in range(rows):
            w.writerow([EMAIL if i == 0 else f"user{i}@example.org", SSN if i == 0 else f"536-90-{4400 + i}",
                        "renewal due next month"])
    return path


def test_evidence_is_per_column_and_never_raw(tmp_path):
    ev = scan_files([write_csv(tmp_path / "c.csv")], use_model=False)[0]
    assert ev.error is None and ev.rows_scanned == 300 and len(ev.sha256) == 64
    cols = {c.name: c for c in ev.columns}
    assert [e.type for e in cols["customer_email"].entities] == ["EMAIL_ADDRESS"]
    assert [e.type for e in cols["ssn"].entities] == ["US_SSN"]
    assert cols["note"].entities == []
    email = cols["customer_email"].entities[0]
    assert (email.rows, email.rate, email.rate_lower, email.rate_upper) == (300, 1.0, 1.0, 1.0)  # full scan: exact
    text = json.dumps(ev.to_dict())
    assert EMAIL not in text and SSN not in text and "536-90-44" not in text
    assert "o***@e***.org" in text


def test_cache_hit_on_second_run_and_miss_after_change(tmp_path):
    data = write_csv(tmp_path / "c.csv", rows=50)
    cache = tmp_path / ".complyai" / "cache"
    first = scan_files([data], cache_dir=cache, use_model=False)[0]
    second = scan_files([data], cache_dir=cache, use_model=False)[0]
    assert not first.cached and second.cached
    assert second.to_dict() | {"cached": False} == first.to_dict()
    assert len(list((cache / "scan").glob("*.json"))) == 1
    with data.open("a", encoding="utf-8") as fh:
        fh.write("x@y.org,,\n")
    third = scan_files([data], cache_dir=cache, use_model=False)[0]
    assert not third.cached and third.rows_scanned == 51


def test_sampled_scan_has_wilson_bounds_and_is_deterministic(tmp_path):
    data = write_csv(tmp_path / "c.csv", rows=2000)
    a = scan_files([data], sample=100, use_model=False)[0]
    b = scan_files([data], sample=100, use_model=False)[0]
    assert a.rows_scanned == 100 and a.rows_read == 2000 and a.sampling["mode"] == "reservoir"
    email = next(c for c in a.columns if c.name == "customer_email").entities[0]
    assert email.rate == 1.0 and email.rate_lower == pytest.approx(0.963, abs=1e-3) and email.rate_upper == 1.0
    note = next(c for c in a.columns if c.name == "note")
    assert note.pii_rate == 0.0 and note.pii_rate_upper == pytest.approx(0.037, abs=1e-3)
    assert a.to_dict() | {"scanned_at": ""} == b.to_dict() | {"scanned_at": ""}


def test_bad_files_are_evidence_with_an_error_not_exceptions(tmp_path):
    missing = tmp_path / "nope.csv"
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet at all")
    evs = scan_files([missing, broken], use_model=False)
    assert "no such file" in evs[0].error
    assert "broken.parquet: unreadable Parquet" in evs[1].error


def test_classifier_hook_merges_spans_and_reports_toxicity(tmp_path, monkeypatch):
    class Prediction:
        def __init__(self, text):
            i = text.find("Asha Rao")
            self.entities = [(i, i + 8, "PERSON", 0.9)] if i >= 0 else []
            if "4111" in text:  # the model claims the card is a phone: the Luhn-checked card must win
                j = text.find("4111")
                self.entities.append((j, j + 19, "PHONE_NUMBER", 0.99))
            self.toxicity = 0.9 if "idiot" in text else 0.01

    class Fake:
        name, version, provider = "fake-pii-tox", "0.1", "CPUExecutionProvider"

        def predict(self, texts):
            return [Prediction(t) for t in texts]

    module = types.ModuleType("policy_engine.scan.classifier")
    module.load_classifier = lambda: Fake()
    monkeypatch.setitem(sys.modules, "policy_engine.scan.classifier", module)
    # `from policy_engine.scan import classifier` reads the package attribute first, once imported
    monkeypatch.setattr(policy_engine.scan, "classifier", module, raising=False)
    f = tmp_path / "notes.txt"
    f.write_text("Asha Rao paid with 4111 1111 1111 1111\nyou idiot\nall fine here\nnothing\n", encoding="utf-8")
    ev = scan_files([f])[0]
    assert ev.model == {"ran": True, "name": "fake-pii-tox", "version": "0.1", "provider": "CPUExecutionProvider",
                        "toxic_score_threshold": 0.5}
    assert ev.toxicity.count == 1 and ev.toxicity.rate == 0.25
    types_found = {e.type: e for e in ev.columns[0].entities}
    assert set(types_found) == {"PERSON", "CREDIT_CARD"}
    assert types_found["PERSON"].detectors == ["fake-pii-tox"]
    facts = summarise([ev])
    assert facts["toxicity_rate_upper"] == "0.2500" and "name" in facts["pii_types_found"]


def test_without_classifier_toxicity_is_null(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "policy_engine.scan.classifier", None)  # import fails
    monkeypatch.delattr(policy_engine.scan, "classifier", raising=False)
    f = tmp_path / "t.txt"
    f.write_text("hello a@b.org\n", encoding="utf-8")
    ev = scan_files([f])[0]
    assert ev.model["ran"] is False and "not installed" in ev.model["reason"]
    assert ev.toxicity is None and summarise([ev])["toxicity_rate_upper"] is None
    assert scan_files([f], use_model=False)[0].model == {"ran": False, "reason": "disabled (--no-model)"}


def test_summarise_facts(tmp_path):
    evs = scan_files([write_csv(tmp_path / "c.csv", rows=20)], use_model=False)
    facts = summarise(evs)
    assert set(facts) == {"entity_types", "direct_identifiers_present", "pii_rate_upper", "toxicity_rate_upper",
                          "rows_scanned", "date", "pii_types_found"}
    assert facts["entity_types"] == ["EMAIL_ADDRESS", "US_SSN"]
    assert facts["direct_identifiers_present"] is True
    assert facts["pii_rate_upper"] == "1.0000" and facts["rows_scanned"] == 20
    assert facts["pii_types_found"] == ["email_address", "ssn"]
    assert len(facts["date"]) == 10


def test_pii_type_mapping_uses_the_vocabulary():
    vocab = yaml.safe_load((REPO / "model_cards" / "vocabulary.yaml").read_text(encoding="utf-8"))
    text = json.dumps(vocab)
    doc = text[text.index("data_manifest.schema.fields[].pii_type"):][:2000]
    for value in set(PII_TYPE.values()) | {"other_unique_identifier"}:
        assert value in doc, value
