"""``--records`` mode: one JSON line per input record, the contract detection quality is measured with.

Each output line is exactly ``{"id": ..., "entities": [{"start", "end", "type", "score"}], "toxicity": float|null}``
with ``start``/``end`` as character offsets (Python ``str`` indices, i.e. Unicode code points, end exclusive)
into the record's text field. ``id`` is the record's ``id`` field, or its 0-based position among the
records when it has none. A record whose text field is missing or not a string gets no entities; a line
that is not a JSON object is skipped and counted (with its line number) in the returned stats.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from policy_engine.scan.readers import LineSource, ReadReport, ScanInputError, format_of, open_text

RECORD_BATCH = 1024


@dataclass
class RecordStats:
    records: int = 0
    missing_field: int = 0
    report: ReadReport = field(default_factory=ReadReport)


def _records(path: Path, stats: RecordStats) -> Iterator[dict[str, Any]]:
    with open_text(path) as stream:
        source = LineSource(stream, stats.report)
        for line in source:
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                stats.report.malformed(source.line, f"not JSON ({exc})")
                continue
            if not isinstance(record, dict):
                stats.report.malformed(source.line, "expected a JSON object")
                continue
            yield record


def scan_records(path: Path, text_field: str, out: IO[str], *, use_model: bool = True,
                 id_field: str = "id") -> RecordStats:
    """Write one result line per record of the JSONL file ``path`` to ``out``."""
    from policy_engine.scan import model as model_mod
    from policy_engine.scan.detect import THRESHOLD, Detector
    from policy_engine.scan.parallel import DetectPool

    if format_of(path) != "jsonl":
        raise ScanInputError(f"{path}: --records reads JSONL (.jsonl, .ndjson, optionally .gz)")
    stats = RecordStats()
    detector = Detector()
    clf, info = model_mod.load_model(use_model)
    model_name = info.get("name", "classifier")
    pool = DetectPool(detector)
    try:
        batch: list[tuple[Any, str | None]] = []
        for record in _records(path, stats):
            value = record.get(text_field)
            text = value if isinstance(value, str) else None
            if text is None:
                stats.missing_field += 1
            batch.append((record.get(id_field, stats.records), text))
            stats.records += 1
            if len(batch) >= RECORD_BATCH:
                _flush(batch, pool, clf, model_name, THRESHOLD, out)
                batch = []
        if batch:
            _flush(batch, pool, clf, model_name, THRESHOLD, out)
    finally:
        pool.close()
    return stats


def _flush(batch: list[tuple[Any, str | None]], pool: Any, clf: Any, model_name: str, threshold: float,
           out: IO[str]) -> None:
    from policy_engine.scan import model as model_mod

    texts = [(i, t) for i, (_, t) in enumerate(batch) if t]
    spans = pool.run([("", t) for _, t in texts])
    found: dict[int, list[Any]] = {i: s for (i, _), s in zip(texts, spans, strict=True)}
    toxicity: dict[int, float] = {}
    if clf is not None and texts:
        predictions = model_mod.predict(clf, [t for _, t in texts])
        for (i, _), pred in zip(texts, predictions, strict=False):
            found[i] = model_mod.merge(found[i], pred, model_name, threshold)
            toxicity[i] = round(float(getattr(pred, "toxicity", 0.0) or 0.0), 4)
    lines = []
    for i, (rid, text) in enumerate(batch):
        entities = [{"start": s[0], "end": s[1], "type": s[2], "score": round(float(s[3]), 4)}
                    for s in found.get(i, [])]
        tox = toxicity.get(i) if clf is not None and text else None
        lines.append(json.dumps({"id": rid, "entities": entities, "toxicity": tox}, ensure_ascii=False))
    out.write("\n".join(lines) + "\n")
