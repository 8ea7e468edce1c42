"""Scan evidence: what was found where, with rates and bounds. Never raw personal data.

The JSON form (``to_dict``) is the contract with the facts layer and with users: bump ``EVIDENCE_SCHEMA``
on any incompatible change. Rates are per scanned row: the share of rows whose cell in this column holds
the entity type. On a sample the bounds are 95 % Wilson bounds; on a full scan they equal the rate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from policy_engine.scan.mask import mask
from policy_engine.scan.sampling import rate_bounds

EVIDENCE_SCHEMA = "1.0"
MAX_EXAMPLES = 3
TOXIC_SCORE = 0.5  # a row is toxic when the classifier's toxicity score for any of its cells reaches this


@dataclass
class EntityEvidence:
    type: str
    count: int  # spans found
    rows: int  # rows whose cell in this column holds at least one
    rate: float
    rate_lower: float
    rate_upper: float
    detectors: list[str]
    examples: list[str]  # masked


@dataclass
class Rate:
    count: int
    rate: float
    lower: float
    upper: float


@dataclass
class ColumnEvidence:
    name: str
    cells: int  # non-empty cells scanned
    rows_with_pii: int
    pii_rate: float
    pii_rate_lower: float
    pii_rate_upper: float
    entities: list[EntityEvidence]
    toxicity: Rate | None = None


@dataclass
class FileEvidence:
    path: str
    sha256: str
    size_bytes: int
    format: str
    scanned_at: str  # ISO 8601, UTC
    scanner_version: str
    rows_read: int
    rows_scanned: int
    sampling: dict[str, Any]
    columns: list[ColumnEvidence] = field(default_factory=list)
    rows_with_pii: int = 0
    pii_rate: float = 0.0
    pii_rate_lower: float = 0.0
    pii_rate_upper: float = 0.0
    toxicity: Rate | None = None  # null when the classifier did not run
    detectors: list[dict[str, str]] = field(default_factory=list)
    model: dict[str, Any] = field(default_factory=dict)
    read_report: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # the whole file could not be scanned; the message names the fix
    cached: bool = False  # served from .complyai/cache (not stored in the cache itself)

    @property
    def entity_types(self) -> list[str]:
        return sorted({e.type for c in self.columns for e in c.entities})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileEvidence:
        data = dict(data)
        columns = []
        for col in data.pop("columns", []):
            col = dict(col)
            col["entities"] = [EntityEvidence(**e) for e in col.get("entities", [])]
            col["toxicity"] = Rate(**col["toxicity"]) if col.get("toxicity") else None
            columns.append(ColumnEvidence(**col))
        data["toxicity"] = Rate(**data["toxicity"]) if data.get("toxicity") else None
        return cls(columns=columns, **data)


def _r(x: float) -> float:
    return round(x, 6)


class _EntityAcc:
    __slots__ = ("count", "rows", "detectors", "examples")

    def __init__(self) -> None:
        self.count = 0
        self.rows = 0
        self.detectors: set[str] = set()
        self.examples: list[str] = []


class ColumnAccumulator:
    """Counts for one column while rows stream past."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.cells = 0
        self.rows_with_pii = 0
        self.toxic = 0
        self.scored = 0
        self.entities: dict[str, _EntityAcc] = {}

    def add(self, text: str, spans: list[Any]) -> None:
        """``spans``: (start, end, type, score, detector, ...) tuples found in this cell."""
        self.cells += 1
        if not spans:
            return
        self.rows_with_pii += 1
        seen: set[str] = set()
        for s in spans:
            acc = self.entities.get(s[2])
            if acc is None:
                acc = self.entities[s[2]] = _EntityAcc()
            acc.count += 1
            acc.detectors.add(s[4])
            if s[2] not in seen:
                acc.rows += 1
                seen.add(s[2])
            if len(acc.examples) < MAX_EXAMPLES:
                example = mask(text[s[0]:s[1]], s[2])
                if example and example not in acc.examples:
                    acc.examples.append(example)

    def add_toxicity(self, score: float) -> bool:
        self.scored += 1
        toxic = score >= TOXIC_SCORE
        self.toxic += toxic
        return toxic

    def build(self, rows: int, sampled: bool, model_ran: bool) -> ColumnEvidence:
        rate, low, high = rate_bounds(self.rows_with_pii, rows, sampled)
        entities = []
        for etype in sorted(self.entities):
            acc = self.entities[etype]
            e_rate, e_low, e_high = rate_bounds(acc.rows, rows, sampled)
            entities.append(EntityEvidence(etype, acc.count, acc.rows, _r(e_rate), _r(e_low), _r(e_high),
                                           sorted(acc.detectors), acc.examples))
        toxicity = None
        if model_ran:
            t_rate, t_low, t_high = rate_bounds(self.toxic, rows, sampled)
            toxicity = Rate(self.toxic, _r(t_rate), _r(t_low), _r(t_high))
        return ColumnEvidence(self.name, self.cells, self.rows_with_pii, _r(rate), _r(low), _r(high), entities,
                              toxicity)


def file_rate(count: int, rows: int, sampled: bool) -> Rate:
    rate, low, high = rate_bounds(count, rows, sampled)
    return Rate(count, _r(rate), _r(low), _r(high))
