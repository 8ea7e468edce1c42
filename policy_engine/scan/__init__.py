"""Data scanning: streaming readers, sampling, Presidio-based detection, the classifier hook, evidence.

The public API is light to import; Presidio (~1.5 s) loads only when a file actually needs scanning.

    from policy_engine.scan import scan_files, summarise
    evidence = scan_files([Path("data/customers.csv")], sample=1000, cache_dir=Path(".complyai/cache"))
    facts = summarise(evidence)
"""

from policy_engine.scan.evidence import EVIDENCE_SCHEMA, ColumnEvidence, EntityEvidence, FileEvidence
from policy_engine.scan.scanner import SCANNER_VERSION, all_cached, expand_paths, scan_files
from policy_engine.scan.summary import DIRECT_IDENTIFIERS, PII_TYPE, summarise

__all__ = [
    "DIRECT_IDENTIFIERS", "EVIDENCE_SCHEMA", "PII_TYPE", "SCANNER_VERSION", "ColumnEvidence", "EntityEvidence",
    "FileEvidence", "all_cached", "expand_paths", "scan_files", "summarise",
]
