"""Attach scan evidence to data manifests: what the data contains, next to what the manifest declares.

A data manifest lists its files (``spec.files: [{path, sha256?}]``, paths or globs relative to the
manifest). For each manifest with files, the audit attaches the scanner's summary as the manifest's
``scan.*`` facts, which the scan controls read (data declared de-identified that shows direct
identifiers, personal-data types found but not declared, toxic training data). Evidence comes from the
cache (``.complyai/cache``) when the files are unchanged; the files are scanned only when the
configuration enables it (``scan.enabled``), because scanning reads every row.
"""

from __future__ import annotations

import glob
from pathlib import Path

from policy_engine.artifacts.base import Artifact
from policy_engine.config import Config
from policy_engine.fileio import sha256_file_memo
from policy_engine.findings import ENGINE_RULESET, Finding

SCAN_RULE = "COMPLYAI-SCAN"
HIPAA_18 = frozenset({
    "name", "geographic_subdivision", "date_element", "telephone_number", "fax_number", "email_address", "ssn",
    "medical_record_number", "health_plan_beneficiary_number", "account_number", "certificate_license_number",
    "vehicle_identifier", "device_identifier", "url", "ip_address", "biometric_identifier", "full_face_photo",
    "other_unique_identifier",
})
SPECIAL_CATEGORY_TYPES = frozenset({"MEDICAL_CONDITION", "MEDICATION"})


def manifest_files(manifest: Artifact) -> tuple[list[Path], list[Finding]]:
    """The data files a manifest lists, and findings for missing files or changed pins."""
    entries = manifest.fields.get("files")
    if not isinstance(entries, list):
        return [], []
    files: list[Path] = []
    findings: list[Finding] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            continue
        pattern = str(manifest.path.parent / entry["path"])
        matches = sorted(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file())
        pointer = f"/spec/files/{index}/path"
        if not matches:
            findings.append(_finding(manifest, pointer, "medium", "Data file not found",
                                     f"{entry['path']} matches no file next to the manifest",
                                     "fix the path or glob, relative to the manifest's folder"))
            continue
        pinned = entry.get("sha256")
        if isinstance(pinned, str) and len(matches) == 1 and sha256_file_memo(matches[0]) != pinned.lower():
            findings.append(_finding(manifest, f"/spec/files/{index}/sha256", "high", "Data file changed",
                                     f"{entry['path']} no longer has the sha256 the manifest pins",
                                     "review the new data, then update the pinned sha256"))
        files.extend(matches)
    return files, findings


def _finding(manifest: Artifact, pointer: str, severity: str, title: str, message: str, fix: str) -> Finding:
    return Finding(rule=SCAN_RULE, ruleset=ENGINE_RULESET, severity=severity, title=title, message=message,
                   artifact=manifest.display, location=manifest.locate(pointer), remediation=fix)


def attach_scan_evidence(artifacts: list[Artifact], config: Config) -> list[Finding]:
    """Set ``fields["scan"]`` of every data manifest with files; return findings about the files."""
    manifests = [a for a in artifacts if a.kind == "data_manifest" and isinstance(a.fields.get("files"), list)]
    if not manifests:
        return []
    from policy_engine.scan import all_cached, scan_files, summarise

    findings: list[Finding] = []
    cache_dir = config.root / ".complyai" / "cache"
    for manifest in manifests:
        files, problems = manifest_files(manifest)
        findings.extend(problems)
        if not files:
            continue
        if not config.scan.enabled and not all_cached(files, sample=config.scan.sample, cache_dir=cache_dir,
                                                       use_model=config.scan.use_model):
            continue
        evidence = scan_files(files, sample=config.scan.sample, cache_dir=cache_dir, use_model=config.scan.use_model)
        for item in evidence:
            if item.error:
                findings.append(_finding(manifest, "/spec/files", "medium", "Data file could not be scanned",
                                         item.error, "fix or remove the file, then scan again"))
        summary = summarise([e for e in evidence if not e.error])
        declared = manifest.fields.get("scan") if isinstance(manifest.fields.get("scan"), dict) else {}
        # Measured facts replace what the manifest claims about its own scan.
        manifest.fields["scan"] = {
            **declared,
            "date": summary["date"],
            "entity_types": summary["entity_types"],
            "direct_identifiers_present": summary["direct_identifiers_present"],
            "pii_types_found": summary["pii_types_found"],
            "hipaa_identifiers_found": sorted(set(summary["pii_types_found"]) & HIPAA_18),
            "special_category_detected": bool(SPECIAL_CATEGORY_TYPES & set(summary["entity_types"])),
            "pii_rate_upper": summary["pii_rate_upper"],
            "toxicity_rate_upper": summary["toxicity_rate_upper"],
            "toxicity_threshold": config.scan.toxicity_threshold,
            "rows_scanned": summary["rows_scanned"],
        }
    return findings
