import gzip
import json

import pytest

from policy_engine.scan import readers
from policy_engine.scan.readers import ReadReport, ScanInputError, read_rows


def rows(path):
    report = ReadReport()
    return list(read_rows(path, report)), report


def test_csv_semicolon_dialect_is_sniffed(tmp_path):
    f = tmp_path / "people.csv"
    f.write_text("name;email\nAsha;asha@example.org\nLi;li@example.org\n", encoding="utf-8")
    got, report = rows(f)
    assert got == [(2, {"name": "Asha", "email": "asha@example.org"}), (3, {"name": "Li", "email": "li@example.org"})]
    assert report.malformed_rows == 0


def test_tsv_and_gzip(tmp_path):
    f = tmp_path / "people.tsv.gz"
    with gzip.open(f, "wt", encoding="utf-8") as fh:
        fh.write("name\tphone\nAsha\t+44 20 7946 0958\n")
    got, _ = rows(f)
    assert got == [(2, {"name": "Asha", "phone": "+44 20 7946 0958"})]


def test_malformed_csv_rows_are_counted_with_line_numbers(tmp_path):
    f = tmp_path / "bad.csv"
    # line 3 holds a quoted field spanning two lines: the next record starts on line 5
    f.write_text('a,b\n1,2\n"x\ny",3\n4,5,6\n7\n8,9\n', encoding="utf-8")
    got, report = rows(f)
    assert report.malformed_rows == 2
    assert report.malformed_lines == [5, 6]
    assert "expected 2 fields, found 3" in report.malformed_examples[0]
    assert [line for line, _ in got] == [2, 3, 5, 6, 7]  # malformed rows are still scanned, not dropped
    assert got[2][1][readers.EXTRA_COLUMN] == "6"


def test_jsonl_flattens_and_reports_bad_lines(tmp_path):
    f = tmp_path / "people.jsonl"
    f.write_text(json.dumps({"id": 7, "user": {"email": "a@b.org"}, "tags": ["x", "y"], "ok": True}) + "\n"
                 + "not json\n[1, 2]\n", encoding="utf-8")
    got, report = rows(f)
    assert got == [(1, {"id": "7", "user.email": "a@b.org", "tags[]": "x\ny"})]
    assert report.malformed_lines == [2, 3]


def test_parquet_batches_and_gzip(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table({"email": [f"u{i}@example.org" for i in range(10_000)], "n": list(range(10_000))})
    f = tmp_path / "t.parquet"
    pq.write_table(table, f, row_group_size=3000)
    got, _ = rows(f)
    assert len(got) == 10_000 and got[-1] == (10_000, {"email": "u9999@example.org", "n": "9999"})
    g = tmp_path / "t.parquet.gz"
    g.write_bytes(gzip.compress(f.read_bytes()))
    assert len(rows(g)[0]) == 10_000


def test_unreadable_parquet_names_the_file(tmp_path):
    f = tmp_path / "broken.parquet"
    f.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(ScanInputError, match="broken.parquet: unreadable Parquet"):
        rows(f)


def test_binary_and_unknown_encoding_get_clear_messages(tmp_path):
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ScanInputError, match="binary file"):
        rows(binary)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name\nJos\xe9\n".encode("latin-1"))
    with pytest.raises(ScanInputError, match="not UTF-8.*iconv"):
        rows(latin)


def test_overlong_lines_and_huge_cells_are_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_LINE_CHARS", 1000)
    monkeypatch.setattr(readers, "MAX_CELL_CHARS", 100)
    f = tmp_path / "notes.txt"
    f.write_text("short line\n" + "x" * 5000 + "\n" + "y" * 500 + "\nlast\n", encoding="utf-8")
    got, report = rows(f)
    assert [line for line, _ in got] == [1, 3, 4]
    assert len(got[1][1]["text"]) == 100
    assert report.skipped_long_lines == 1 and report.truncated_cells == 1 and report.malformed_lines == [2]


def test_markdown_and_unsupported_types(tmp_path):
    md = tmp_path / "README.md"
    md.write_text("# Title\n\nMail me: a@b.org\n", encoding="utf-8")
    assert rows(md)[0] == [(1, {"text": "# Title"}), (3, {"text": "Mail me: a@b.org"})]
    with pytest.raises(ScanInputError, match="unsupported file type"):
        rows(tmp_path / "sheet.xlsx")
