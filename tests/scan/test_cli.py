"""The click command, invoked directly (the group registers it as `complyai scan`)."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from policy_engine.cli.scan import atomic_output, scan
from policy_engine.errors import UsageError


def run(*args):
    return CliRunner().invoke(scan, [str(a) for a in args], catch_exceptions=True)


def test_json_evidence_document(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("email,city\nasha.1@example.org,Pune\n", encoding="utf-8")
    out = tmp_path / "scan.json"
    result = run(f, "--format", "json", "--output", out, "--no-model", "--no-cache")
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["schemaVersion"] == "1.0" and doc["files"][0]["sha256"]
    assert doc["summary"]["entity_types"] == ["EMAIL_ADDRESS"]
    assert "asha.1@example.org" not in out.read_text(encoding="utf-8")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_text_report_and_unscannable_file_exit_1(tmp_path):
    good = tmp_path / "c.csv"
    good.write_text("email\nasha.1@example.org\n", encoding="utf-8")
    bad = tmp_path / "bin.csv"
    bad.write_bytes(b"\x00\x01\x02")
    result = run(good, bad, "--no-model", "--no-cache")
    assert result.exit_code == 1
    assert "email: EMAIL_ADDRESS 100.0% e.g. a***@e***.org" in result.output
    assert "binary file" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args, message", [
    (["missing.csv"], "no such file"),
    ([], "at least one"),
    (["{f}", "--sample", "zero"], "--sample"),
    (["{f}", "--records"], "--text-field"),
])
def test_usage_errors(tmp_path, args, message):
    f = tmp_path / "c.csv"
    f.write_text("a\n1\n", encoding="utf-8")
    result = run(*[a.format(f=f) for a in args])
    assert isinstance(result.exception, UsageError) and message in result.exception.message


def test_records_offsets_are_exact_with_non_ascii(tmp_path):
    texts = [
        "Zoë Müller — 电话 +49 30 901820, mail zoë.m@example.de, SSN 536-90-4399 🙂",
        "Aadhaar २ no: 2345 6789 0124 and card 4111 1111 1111 1111",
        "nothing personal here",
    ]
    f = tmp_path / "in.jsonl"
    f.write_text("".join(json.dumps({"id": f"r{i}", "text": t}, ensure_ascii=False) + "\n"
                         for i, t in enumerate(texts)) + "not json\n" + json.dumps({"body": "x"}) + "\n",
                 encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run(f, "--records", "--text-field", "text", "--no-model", "--output", out)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [set(line) for line in lines] == [{"id", "entities", "toxicity"}] * 4
    assert [line["id"] for line in lines] == ["r0", "r1", "r2", 3]
    got = {(texts[0][e["start"]:e["end"]], e["type"]) for e in lines[0]["entities"]}
    assert {("zoë.m@example.de", "EMAIL_ADDRESS"), ("536-90-4399", "US_SSN"), ("+49 30 901820", "PHONE_NUMBER")} <= got
    got1 = {(texts[1][e["start"]:e["end"]], e["type"]) for e in lines[1]["entities"]}
    assert got1 == {("2345 6789 0124", "IN_AADHAAR"), ("4111 1111 1111 1111", "CREDIT_CARD")}
    assert lines[2]["entities"] == [] and lines[0]["toxicity"] is None
    assert all(set(e) == {"start", "end", "type", "score"} for e in lines[0]["entities"])


def test_interrupted_output_leaves_nothing(tmp_path):
    target = tmp_path / "report.json"
    with pytest.raises(KeyboardInterrupt), atomic_output(target) as out:
        out.write("{half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_output(target) as out:
        out.write("new")
        raise RuntimeError("boom")
    assert target.read_text(encoding="utf-8") == "old" and list(tmp_path.iterdir()) == [Path(target)]
