"""scan_files: read, sample, detect, aggregate, cache. Produces evidence; never judges it."""

from __future__ import annotations

import datetime as _dt
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from policy_engine.fileio import sha256_file_memo
from policy_engine.scan import cache as cache_mod
from policy_engine.scan.evidence import (
    TOXIC_SCORE,
    ColumnAccumulator,
    FileEvidence,
    file_rate,
)
from policy_engine.scan.readers import (
    READERS,
    SUFFIXES,
    ReadReport,
    Row,
    ScanInputError,
    format_of,
    read_rows,
)
from policy_engine.scan.sampling import SampleSpec, bernoulli, parse_sample, reservoir

SCANNER_VERSION = "1.0.0"  # bump when detection or evidence changes: it invalidates cached evidence
BATCH_ROWS = 2048
_SKIP_DIRS = {".git", ".complyai", ".venv", "node_modules", "__pycache__"}


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders expanded to the supported files below them (sorted, hidden folders skipped)."""
    out: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
                out.extend(Path(root, f) for f in sorted(files) if format_of(Path(f)) is not None)
        else:
            out.append(path)
    return out


file_sha256 = sha256_file_memo  # the evidence's name for it; shared with the pin check


class _Engine:
    """Detector, worker pool and classifier, built on first need and shared by all files of one call."""

    def __init__(self, use_model: bool) -> None:
        from policy_engine.scan.detect import Detector
        from policy_engine.scan.model import load_model
        from policy_engine.scan.parallel import DetectPool

        self.detector = Detector()
        self.detectors = self.detector.detectors()
        self.classifier, self.model_info = load_model(use_model)
        self.pool = DetectPool(self.detector)  # fork after the detector exists: workers inherit it

    def close(self) -> None:
        self.pool.close()


class _Progress:
    """A rich progress line with rows/s on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool) -> None:
        self._progress = None
        if enabled and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                SpinnerColumn(), TextColumn("{task.description}"),
                TextColumn("{task.completed:,.0f} rows"),
                TextColumn("[progress.data.speed]{task.fields[rate]}"),
                TimeElapsedColumn(), console=Console(stderr=True), transient=True)
            self._progress.start()
        self._task: Any = None

    def file(self, name: str) -> None:
        if self._progress is not None:
            self._task = self._progress.add_task(name, total=None, rate="")

    def advance(self, rows: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, rows)
            speed = self._progress.tasks[-1].speed
            self._progress.update(self._task, rate=f"{speed:,.0f} rows/s" if speed else "")

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


def scan_files(paths: list[Path], *, sample: int | float | None = None, cache_dir: Path | None = None,
               use_model: bool = True, progress: bool = False) -> list[FileEvidence]:
    """Evidence for each file (folders expand to their supported files), in order.

    ``sample``: None scans every row; an int N keeps a fixed-seed reservoir of N rows; a float in (0, 1)
    keeps that fraction. ``cache_dir`` (e.g. ``.complyai/cache``) reuses evidence for unchanged files;
    None disables the cache. A file that cannot be read gives evidence with ``error`` set, not an exception.
    Raises ValueError for a bad ``sample``.
    """
    import importlib.metadata as md

    spec = parse_sample(sample)
    settings = {"sampling": spec.describe(), "model": bool(use_model),
                "presidio": md.version("presidio-analyzer")}
    results: list[FileEvidence] = []
    with ExitStack() as stack:
        engine: _Engine | None = None
        bar = _Progress(progress)
        stack.callback(bar.close)
        for path in expand_paths(paths):
            evidence, key = _prepare(path, settings, cache_dir)
            if evidence is None:
                if engine is None:
                    engine = _Engine(use_model)
                    stack.callback(engine.close)
                bar.file(path.name)
                evidence = _scan_one(path, spec, engine, bar, evidence_base(path))
                if cache_dir is not None and key and evidence.error is None:
                    cache_mod.store(cache_dir, key, evidence)
            results.append(evidence)
    return results


def all_cached(paths: list[Path], *, sample: int | float | None = None, cache_dir: Path | None = None,
               use_model: bool = True) -> bool:
    """True when ``scan_files`` with these settings would find every file's evidence in the cache."""
    import importlib.metadata as md

    if cache_dir is None:
        return False
    try:
        spec = parse_sample(sample)
    except ValueError:
        return False
    settings = {"sampling": spec.describe(), "model": bool(use_model), "presidio": md.version("presidio-analyzer")}
    for path in expand_paths(paths):
        evidence, _ = _prepare(path, settings, cache_dir)
        if evidence is None or evidence.error:
            return False
    return True


def evidence_base(path: Path) -> FileEvidence:
    return FileEvidence(path=str(path), sha256="", size_bytes=0, format=format_of(path) or "unknown",
                        scanned_at=_dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
                        scanner_version=SCANNER_VERSION, rows_read=0, rows_scanned=0, sampling={})


def _prepare(path: Path, settings: dict[str, Any], cache_dir: Path | None) -> tuple[FileEvidence | None, str]:
    """(cached or error evidence, cache key); (None, key) when the file must be scanned."""
    base = evidence_base(path)
    try:
        base.size_bytes = path.stat().st_size
        base.sha256 = file_sha256(path)
    except FileNotFoundError:
        base.error = f"{path}: no such file; check the path (or the glob in the data manifest)"
        return base, ""
    except OSError as exc:
        base.error = f"{path}: cannot read ({exc.strerror or exc})"
        return base, ""
    if base.format == "unknown":
        base.error = f"{path}: unsupported file type; scan reads {', '.join(sorted(SUFFIXES))} (and their .gz)"
        return base, ""
    key = cache_mod.cache_key(base.sha256, SCANNER_VERSION, settings)
    if cache_dir is not None:
        hit = cache_mod.load(cache_dir, key)
        if hit is not None:
            hit.path = str(path)
            return hit, key
    return None, key


def _selected_rows(rows: Iterator[Row], spec: SampleSpec, counter: list[int]) -> Iterable[Row]:
    def counted() -> Iterator[Row]:
        for row in rows:
            counter[0] += 1
            yield row

    if spec.size is not None:
        return reservoir(counted(), spec.size, spec.seed)
    if spec.fraction is not None:
        return bernoulli(counted(), spec.fraction, spec.seed)
    return counted()


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _scan_one(path: Path, spec: SampleSpec, engine: _Engine, bar: _Progress, base: FileEvidence) -> FileEvidence:
    from policy_engine.scan import model as model_mod
    from policy_engine.scan.detect import THRESHOLD

    base.sha256 = base.sha256 or file_sha256(path)
    base.size_bytes = base.size_bytes or path.stat().st_size
    base.sampling = spec.describe()
    base.detectors = engine.detectors
    base.model = dict(engine.model_info)
    report = ReadReport()
    columns: dict[str, ColumnAccumulator] = {}
    rows_read = [0]
    scanned = rows_with_pii = toxic_rows = 0
    clf = engine.classifier
    model_name = base.model.get("name", "classifier")
    try:
        for batch in _batches(_selected_rows(read_rows(path, report), spec, rows_read), BATCH_ROWS):
            items = [(col, text) for _, cells in batch for col, text in cells.items()]
            spans_per_item = engine.pool.run(items)
            scores: list[float | None] = [None] * len(items)
            if clf is not None:
                wanted = [i for i, (_, text) in enumerate(items) if model_mod.eligible(text)]
                predictions = model_mod.predict(clf, [items[i][1] for i in wanted])
                for i, pred in zip(wanted, predictions, strict=False):
                    spans_per_item[i] = model_mod.merge(spans_per_item[i], pred, model_name, THRESHOLD)
                    scores[i] = float(getattr(pred, "toxicity", 0.0) or 0.0)
            k = 0
            for _, cells in batch:
                row_pii = row_toxic = False
                for col, text in cells.items():
                    acc = columns.get(col)
                    if acc is None:
                        acc = columns[col] = ColumnAccumulator(col)
                    spans = spans_per_item[k]
                    acc.add(text, spans)
                    row_pii = row_pii or bool(spans)
                    if scores[k] is not None:
                        row_toxic = acc.add_toxicity(scores[k]) or row_toxic  # type: ignore[arg-type]
                    k += 1
                scanned += 1
                rows_with_pii += row_pii
                toxic_rows += row_toxic
            bar.advance(len(batch))
    except ScanInputError as exc:
        base.error = str(exc)
    except UnicodeError as exc:
        base.error = f"{path}: cannot decode ({exc}); convert the file to UTF-8"
    sampled = not spec.full
    model_ran = clf is not None
    base.rows_read = rows_read[0]
    base.rows_scanned = scanned
    base.columns = [acc.build(scanned, sampled, model_ran) for acc in columns.values()]
    pii = file_rate(rows_with_pii, scanned, sampled)
    base.rows_with_pii, base.pii_rate, base.pii_rate_lower, base.pii_rate_upper = (
        pii.count, pii.rate, pii.lower, pii.upper)
    base.toxicity = file_rate(toxic_rows, scanned, sampled) if model_ran else None
    if model_ran:
        base.model["toxic_score_threshold"] = TOXIC_SCORE
    base.read_report = report.to_dict()
    return base


__all__ = ["READERS", "SCANNER_VERSION", "expand_paths", "scan_files"]
