"""Streaming readers: one small Protocol and an explicit table of implementations.

A reader turns a file into rows ``(number, {column: text})``: CSV/TSV and Parquet by their columns, JSONL by
flattened keys (``address.city``, ``phones[]``), plain text and Markdown as one column ``text`` per line.
Files may be gzip-compressed (``.csv.gz``). Memory stays bounded: lines longer than ``MAX_LINE_CHARS`` are
skipped and reported, cells longer than ``MAX_CELL_CHARS`` are cut and counted, Parquet is read batch by
batch. Problems with single rows are counted in the ``ReadReport`` with line numbers; problems with the
whole file (binary, unknown encoding, unreadable Parquet) raise ``ScanInputError`` with the fix.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

MAX_LINE_CHARS = 1_000_000
MAX_CELL_CHARS = 10_000
HEAD_BYTES = 64 * 1024
PARQUET_BATCH_ROWS = 4096
MAX_REPORTED_LINES = 50
TEXT_COLUMN = "text"
EXTRA_COLUMN = "_extra_fields"

Row = tuple[int, dict[str, str]]


class ScanInputError(Exception):
    """The whole file cannot be scanned; the message names the file and says what to do."""


@dataclass
class ReadReport:
    """What went wrong with single rows; never fatal."""

    malformed_rows: int = 0
    malformed_examples: list[str] = field(default_factory=list)  # "line 7: expected 5 fields, found 6"
    malformed_lines: list[int] = field(default_factory=list)
    truncated_cells: int = 0
    skipped_long_lines: int = 0
    replaced_characters: int = 0  # undecodable bytes after the first 64 KiB, replaced by U+FFFD

    def malformed(self, line: int, reason: str) -> None:
        self.malformed_rows += 1
        if len(self.malformed_lines) < MAX_REPORTED_LINES:
            self.malformed_lines.append(line)
        if len(self.malformed_examples) < 10:
            self.malformed_examples.append(f"line {line}: {reason}")

    def to_dict(self) -> dict[str, Any]:
        return {"malformed_rows": self.malformed_rows, "malformed_lines": self.malformed_lines,
                "malformed_examples": self.malformed_examples, "truncated_cells": self.truncated_cells,
                "skipped_long_lines": self.skipped_long_lines, "replaced_characters": self.replaced_characters}


class Reader(Protocol):
    """Rows of one file format."""

    def rows(self, path: Path, report: ReadReport) -> Iterator[Row]: ...


# --------------------------------------------------------------------------- opening files

def is_gzip(path: Path) -> bool:
    return path.suffix.lower() == ".gz"


def format_of(path: Path) -> str | None:
    """The reader key for a path (``data.csv.gz`` -> ``csv``), or None if unsupported."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return SUFFIXES.get(suffixes[-1]) if suffixes else None


def open_binary(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if is_gzip(path) else path.open("rb")


def _read_head(path: Path) -> bytes:
    try:
        with open_binary(path) as fh:
            return fh.read(HEAD_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise ScanInputError(f"{path}: cannot read ({exc}); check that the file is complete and, for .gz, "
                             "a valid gzip archive") from exc


def sniff_encoding(path: Path, head: bytes) -> str:
    """utf-8 / utf-8-sig / utf-16, or ScanInputError for binary data and other encodings."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise ScanInputError(f"{path}: looks like a binary file (NUL bytes in the first {len(head)} bytes); "
                             "scan supports CSV, TSV, JSONL, Parquet, text and Markdown, optionally .gz")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise ScanInputError(
            f"{path}: not UTF-8 text (byte 0x{head[exc.start]:02x} at offset {exc.start}); convert it first, "
            f"e.g. `iconv -f latin1 -t utf-8 {path.name} > {path.stem}.utf8{path.suffix}`") from exc
    return "utf-8"


def open_text(path: Path) -> IO[str]:
    """A text stream after the binary/encoding checks; later undecodable bytes become U+FFFD (counted)."""
    encoding = sniff_encoding(path, _read_head(path))
    return io.TextIOWrapper(open_binary(path), encoding=encoding, errors="replace", newline="")


class LineSource:
    """Physical lines with bounded length; ``line`` is the number of the line last yielded (1-based)."""

    def __init__(self, stream: IO[str], report: ReadReport) -> None:
        self.stream = stream
        self.report = report
        self.line = 0

    def __iter__(self) -> Iterator[str]:
        read = self.stream.readline
        while True:
            text = read(MAX_LINE_CHARS)
            if not text:
                return
            self.line += 1
            if len(text) >= MAX_LINE_CHARS and not text.endswith("\n"):
                while True:  # drain the rest of the overlong line without keeping it
                    rest = read(MAX_LINE_CHARS)
                    if not rest or rest.endswith("\n"):
                        break
                self.report.skipped_long_lines += 1
                self.report.malformed(self.line, f"line longer than {MAX_LINE_CHARS} characters, skipped")
                continue
            if "\ufffd" in text:
                self.report.replaced_characters += text.count("\ufffd")
            yield text


def bound(text: str, report: ReadReport) -> str:
    if len(text) > MAX_CELL_CHARS:
        report.truncated_cells += 1
        return text[:MAX_CELL_CHARS]
    return text


# --------------------------------------------------------------------------- CSV / TSV

class CsvReader:
    """Delimited text with a header row; the dialect is sniffed unless fixed (TSV)."""

    def __init__(self, delimiter: str | None = None) -> None:
        self.delimiter = delimiter

    def _dialect(self, stream: IO[str]) -> type[csv.Dialect] | csv.Dialect:
        if self.delimiter == "\t":
            return csv.excel_tab
        sample = stream.read(HEAD_BYTES)
        stream.seek(0)
        if "\n" in sample:
            sample = sample[: sample.rindex("\n") + 1]
        try:
            return csv.Sniffer().sniff(sample, delimiters=",;\t|")
        except csv.Error:
            return csv.excel

    def rows(self, path: Path, report: ReadReport) -> Iterator[Row]:
        csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_CHARS))
        with open_text(path) as stream:
            dialect = self._dialect(stream)
            source = LineSource(stream, report)
            reader = csv.reader(iter(source), dialect)
            header: list[str] | None = None
            while True:
                start = source.line + 1
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    report.malformed(start, f"CSV error: {exc}")
                    continue
                if not fields or all(not f.strip() for f in fields):
                    continue
                if header is None:
                    header = _header(fields)
                    continue
                if len(fields) != len(header):
                    report.malformed(start, f"expected {len(header)} fields, found {len(fields)}")
                cells = {name: bound(value, report) for name, value in zip(header, fields, strict=False) if value}
                if len(fields) > len(header):
                    cells[EXTRA_COLUMN] = bound(" | ".join(fields[len(header):]), report)
                yield start, cells


def _header(fields: list[str]) -> list[str]:
    names: list[str] = []
    for i, raw in enumerate(fields, 1):
        name = raw.strip() or f"column_{i}"
        base, n = name, 2
        while name in names:
            name, n = f"{base}_{n}", n + 1
        names.append(name)
    return names


# --------------------------------------------------------------------------- JSONL

def flatten(value: Any, prefix: str, out: dict[str, list[str]]) -> None:
    """Nested JSON -> {"a.b": [...], "tags[]": [...]}; strings and integers only (floats/bools are not PII)."""
    if isinstance(value, dict):
        for key, sub in value.items():
            flatten(sub, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        for sub in value:
            flatten(sub, f"{prefix}[]", out)
    elif isinstance(value, str):
        if value:
            out.setdefault(prefix or "(value)", []).append(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        out.setdefault(prefix or "(value)", []).append(str(value))


def flat_cells(record: dict[str, Any], report: ReadReport) -> dict[str, str]:
    out: dict[str, list[str]] = {}
    flatten(record, "", out)
    return {k: bound("\n".join(v), report) for k, v in out.items()}


class JsonlReader:
    """One JSON object per line; other lines are malformed rows."""

    def rows(self, path: Path, report: ReadReport) -> Iterator[Row]:
        with open_text(path) as stream:
            source = LineSource(stream, report)
            for text in source:
                if not text.strip():
                    continue
                try:
                    record = json.loads(text)
                except ValueError as exc:
                    report.malformed(source.line, f"not JSON ({exc})")
                    continue
                if not isinstance(record, dict):
                    report.malformed(source.line, f"expected a JSON object, found {type(record).__name__}")
                    continue
                yield source.line, flat_cells(record, report)


# --------------------------------------------------------------------------- Parquet

class ParquetReader:
    """Apache Parquet via pyarrow, one record batch at a time; rows are numbered from 1."""

    def rows(self, path: Path, report: ReadReport) -> Iterator[Row]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        with tempfile.TemporaryDirectory(prefix="complyai-scan-") as tmp:
            source = path
            if is_gzip(path):  # Parquet needs random access: decompress to a temporary file first
                source = Path(tmp, path.stem)
                try:
                    with gzip.open(path, "rb") as src, source.open("wb") as dst:
                        shutil.copyfileobj(src, dst)
                except (OSError, EOFError, zlib.error) as exc:
                    raise ScanInputError(f"{path}: cannot decompress ({exc})") from exc
            try:
                parquet = pq.ParquetFile(source)
                number = 0
                for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
                    for record in batch.to_pylist():
                        number += 1
                        yield number, flat_cells(record, report)
            except (pa.ArrowException, OSError, ValueError) as exc:
                raise ScanInputError(f"{path}: unreadable Parquet file ({exc}); check that it is complete and "
                                     "was written by a Parquet writer") from exc


# --------------------------------------------------------------------------- text / Markdown

class TextReader:
    """Plain text and Markdown: every non-blank line is a row of the single column ``text``."""

    def rows(self, path: Path, report: ReadReport) -> Iterator[Row]:
        with open_text(path) as stream:
            source = LineSource(stream, report)
            for text in source:
                text = text.rstrip("\r\n")
                if text.strip():
                    yield source.line, {TEXT_COLUMN: bound(text, report)}


READERS: dict[str, Reader] = {
    "csv": CsvReader(),
    "tsv": CsvReader("\t"),
    "jsonl": JsonlReader(),
    "parquet": ParquetReader(),
    "text": TextReader(),
}

SUFFIXES: dict[str, str] = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".parquet": "parquet", ".pq": "parquet", ".txt": "text", ".text": "text", ".md": "text",
    ".markdown": "text", ".log": "text",
}


def read_rows(path: Path, report: ReadReport) -> Iterator[Row]:
    """Rows of any supported file; ScanInputError for an unsupported type or an unreadable file."""
    kind = format_of(path)
    if kind is None:
        supported = ", ".join(sorted(SUFFIXES))
        raise ScanInputError(f"{path}: unsupported file type; scan reads {supported} (and their .gz)")
    try:
        yield from READERS[kind].rows(path, report)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ScanInputError(f"{path}: truncated or corrupt gzip data ({exc})") from exc
    except OSError as exc:
        raise ScanInputError(f"{path}: cannot read ({exc})") from exc
