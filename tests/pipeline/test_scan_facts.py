"""Scan evidence reaches the rules: data declared anonymous that holds e-mail addresses fails the gate."""

import datetime as dt
import textwrap
from pathlib import Path

from policy_engine.pipeline import AuditOptions, run_audit

MANIFEST = """\
apiVersion: complyai/v1
kind: DataManifest
metadata: {name: survey, version: "1"}
spec:
  contains_personal_data: false
  subjects_in_eu: true
  personal_data: {identifiability: anonymised}
  files:
    - path: data/*.csv
"""
ROWS = "respondent,email,score\n" + "".join(f"r{i},person{i}@example.org,{i % 5}\n" for i in range(40))


def setup(root: Path, scan_enabled: bool, pin: str | None = None) -> Path:
    (root / "data").mkdir()
    (root / "data" / "answers.csv").write_text(ROWS)
    manifest = MANIFEST if pin is None else MANIFEST + f"      sha256: {pin}\n"
    (root / "survey.yaml").write_text(manifest)
    config = root / ".complyai.yaml"
    config.write_text(textwrap.dedent(f"""\
        scan:
          enabled: {str(scan_enabled).lower()}
          use_model: false
        """))
    return config


def audit(root: Path, config: Path):
    return run_audit(AuditOptions(paths=[root / "survey.yaml"], config_path=config, as_of=dt.date(2027, 1, 1)))


def test_identifiers_found_in_data_declared_anonymous_fail_the_gate(tmp_path):
    config = setup(tmp_path, scan_enabled=True)
    verdict = audit(tmp_path, config)
    finding = next(f for f in verdict.findings if f.rule == "GDPR-REC26-SCAN-ANONYMISED-DIRECT-IDENTIFIERS")
    assert finding.severity == "high" and verdict.decision == "fail"
    # the evidence is cached, so a second audit with scanning switched off still sees it
    config.write_text("scan:\n  enabled: false\n  use_model: false\n")
    again = audit(tmp_path, config)
    assert "GDPR-REC26-SCAN-ANONYMISED-DIRECT-IDENTIFIERS" in {f.rule for f in again.findings}
    assert (tmp_path / ".complyai" / "cache").is_dir()


def test_without_scanning_or_cache_the_declaration_stands(tmp_path):
    verdict = audit(tmp_path, setup(tmp_path, scan_enabled=False))
    assert "GDPR-REC26-SCAN-ANONYMISED-DIRECT-IDENTIFIERS" not in {f.rule for f in verdict.findings}


def test_a_pinned_file_that_changed_is_a_finding_at_the_pin(tmp_path):
    verdict = audit(tmp_path, setup(tmp_path, scan_enabled=False, pin="ab" * 32))
    changed = next(f for f in verdict.findings if f.rule == "COMPLYAI-SCAN")
    assert changed.severity == "high" and changed.location.line == 10


def test_a_pinned_file_is_read_once_per_audit_and_again_after_it_changes(tmp_path, monkeypatch):
    import hashlib

    from policy_engine import fileio

    digest = hashlib.sha256(ROWS.encode()).hexdigest()
    config = setup(tmp_path, scan_enabled=True, pin=digest)
    reads: list[str] = []
    real = fileio.sha256_file
    monkeypatch.setattr(fileio, "sha256_file", lambda path: reads.append(Path(path).name) or real(path))
    verdict = audit(tmp_path, config)
    assert "COMPLYAI-SCAN" not in {f.rule for f in verdict.findings}  # the pin holds
    assert reads == ["answers.csv"]  # pin check and scan cache key share one read
    (tmp_path / "data" / "answers.csv").write_text(ROWS + "r99,new@example.org,1\n")
    changed = audit(tmp_path, config)
    assert "COMPLYAI-SCAN" in {f.rule for f in changed.findings}
    assert reads == ["answers.csv", "answers.csv"]
