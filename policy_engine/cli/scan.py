"""`complyai scan`: PII (and, with the classifier, toxicity) evidence from data files.

Exit codes: 0 every file was scanned; 1 some file could not be scanned (its evidence carries the error);
2 usage error (no such path, bad --sample, --records without --text-field).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import click

from policy_engine.errors import UsageError
from policy_engine.fileio import output

DEFAULT_CACHE = Path(".complyai") / "cache"


@contextmanager
def atomic_output(path: Path | None) -> Iterator[IO[str]]:
    """stdout, or a temporary file next to ``path`` that replaces it only when everything was written.

    An exception or Ctrl-C removes the temporary file, so ``path`` is never half-written.
    """
    if path is not None:
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.is_dir():
            raise UsageError(f"--output {path}: folder {folder} does not exist", hint="create it first")
    with output(path) as handle:
        yield handle


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def render_text(evidence: list) -> str:
    """A short human report: per file, per column, the entity types with rates (and bounds when sampled)."""
    from policy_engine.scan.summary import summarise

    lines: list[str] = []
    for ev in evidence:
        head = f"{ev.path}  sha256:{ev.sha256[:12] or '-'}  {ev.rows_scanned:,} rows scanned"
        if ev.sampling.get("mode") not in (None, "full"):
            head += f" (of {ev.rows_read:,} read; {ev.sampling['mode']} sample, 95% Wilson bounds)"
        if ev.cached:
            head += "  [cached]"
        lines.append(head)
        if ev.error:
            lines.append(f"  error: {ev.error}")
        for col in ev.columns:
            if not col.entities:
                continue
            found = ", ".join(
                f"{e.type} {_pct(e.rate)}" + (f" [{_pct(e.rate_lower)}-{_pct(e.rate_upper)}]"
                                              if e.rate_upper != e.rate_lower else "")
                + (f" e.g. {e.examples[0]}" if e.examples else "")
                for e in col.entities)
            lines.append(f"  {col.name}: {found}")
        clean = [c.name for c in ev.columns if not c.entities]
        if clean:
            lines.append(f"  no PII found in: {', '.join(clean)}")
        report = ev.read_report or {}
        if report.get("malformed_rows"):
            shown = ", ".join(map(str, report["malformed_lines"][:10]))
            lines.append(f"  warning: {report['malformed_rows']} malformed row(s), lines {shown}"
                         + (f" ({report['malformed_examples'][0]})" if report.get("malformed_examples") else ""))
        if report.get("truncated_cells"):
            lines.append(f"  warning: {report['truncated_cells']} cell(s) longer than the limit were cut")
        if report.get("replaced_characters"):
            lines.append(f"  warning: {report['replaced_characters']} undecodable byte(s) replaced")
        if ev.toxicity is not None:
            lines.append(f"  toxicity: {_pct(ev.toxicity.rate)} of rows (upper bound {_pct(ev.toxicity.upper)})")
        elif ev.model and not ev.model.get("ran") and not ev.error:
            lines.append(f"  classifier did not run: {ev.model.get('reason', 'unknown')}")
    facts = summarise(evidence)
    lines.append("")
    lines.append(f"entity types: {', '.join(facts['entity_types']) or 'none'}")
    lines.append(f"direct identifiers present: {'yes' if facts['direct_identifiers_present'] else 'no'}; "
                 f"PII rate upper bound (worst column): {facts['pii_rate_upper']}")
    return "\n".join(lines) + "\n"


@click.command("scan")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--sample", metavar="N|FRACTION",
              help="Scan a fixed-seed sample: N rows (reservoir) or a fraction such as 0.1; rates then carry "
                   "95% Wilson bounds. Default: every row (exact rates).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl"]), default="text", show_default=True,
              help="json: one evidence document; jsonl: one file's evidence per line.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write to FILE atomically instead of stdout.")
@click.option("--no-model", is_flag=True, help="Patterns only: skip the ONNX classifier (toxicity is then null).")
@click.option("--records", is_flag=True,
              help="JSONL in, JSONL out: one {id, entities, toxicity} line per record (needs --text-field).")
@click.option("--text-field", metavar="FIELD", help="With --records: the field holding the text.")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_CACHE,
              show_default=True, help="Reuse evidence of unchanged files (keyed by sha256 and scanner version).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write cached evidence.")
def scan(paths: tuple[Path, ...], sample: str | None, fmt: str, output: Path | None, no_model: bool,
         records: bool, text_field: str | None, cache_dir: Path, no_cache: bool) -> None:
    """Scan data files (CSV, TSV, JSONL, Parquet, text, Markdown; .gz too) for personal data.

    Folders are scanned for supported files. Evidence never holds raw values: examples are masked.

    \b
      complyai scan data/customers.csv
      complyai scan data/ --sample 5000 --format json --output scan.json
      complyai scan eval.jsonl --records --text-field text --output spans.jsonl
    """
    if not paths:
        raise UsageError("give at least one data file or folder to scan",
                         hint="e.g. `complyai scan data/customers.csv`")
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}", hint="check the path and try again")
    if records:
        _run_records(paths, text_field, sample, output, no_model)
        return
    if text_field:
        raise UsageError("--text-field only applies with --records")
    from policy_engine.scan import scan_files
    from policy_engine.scan.sampling import parse_sample

    try:
        spec = parse_sample(sample)
    except ValueError as exc:
        raise UsageError(str(exc), hint="use --sample 1000 (rows) or --sample 0.1 (fraction)") from None
    evidence = scan_files(list(paths), sample=spec.size if spec.size is not None else spec.fraction,
                          cache_dir=None if no_cache else cache_dir, use_model=not no_model, progress=True)
    if not evidence:
        raise UsageError("no supported data files found", hint="scan reads .csv .tsv .jsonl .parquet .txt .md (.gz)")
    from policy_engine.scan.summary import evidence_document

    if fmt == "json":
        text = json.dumps(evidence_document(evidence), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "jsonl":
        doc = evidence_document(evidence)
        text = "".join(json.dumps({"schemaVersion": doc["schemaVersion"], **f}, ensure_ascii=False) + "\n"
                       for f in doc["files"])
    else:
        text = render_text(evidence)
    with atomic_output(output) as out:
        out.write(text)
    failed = [ev for ev in evidence if ev.error]
    for ev in failed:
        click.echo(f"complyai: could not scan {ev.error}", err=True)
    if failed:
        raise SystemExit(1)


def _run_records(paths: tuple[Path, ...], text_field: str | None, sample: str | None, output: Path | None,
                 no_model: bool) -> None:
    from policy_engine.scan.readers import ScanInputError
    from policy_engine.scan.records import scan_records

    if not text_field:
        raise UsageError("--records needs --text-field FIELD", hint="e.g. --records --text-field text")
    if sample is not None:
        raise UsageError("--records scans every record; drop --sample")
    if len(paths) != 1 or paths[0].is_dir():
        raise UsageError("--records takes exactly one JSONL file")
    try:
        with atomic_output(output) as out:
            stats = scan_records(paths[0], text_field, out, use_model=not no_model)
    except ScanInputError as exc:
        raise UsageError(str(exc)) from None
    report = stats.report
    if report.malformed_rows:
        click.echo(f"complyai: skipped {report.malformed_rows} malformed line(s): "
                   f"{', '.join(map(str, report.malformed_lines[:10]))}", err=True)
    if stats.missing_field:
        click.echo(f"complyai: {stats.missing_field} record(s) had no string field {text_field!r}", err=True)
