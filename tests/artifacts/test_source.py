"""Located parsing: positions are the lines a person edits; hostile documents are refused quickly."""

from __future__ import annotations

import time

import pytest

from policy_engine.artifacts.source import parse_json, parse_yaml
from policy_engine.artifacts.xmlsource import parse_xml

YAML = """\
apiVersion: complyai/v1
metadata: {name: card, version: "1"}
spec:
  risk:
    tier: high
  released: 2025-01-02
  on: yes
  list:
    - first
    - key: 1
"""


@pytest.mark.parametrize(
    ("pointer", "line", "column"),
    [
        ("", 1, 1),
        ("/apiVersion", 1, 1),
        ("/metadata/name", 2, 12),
        ("/spec/risk", 4, 3),
        ("/spec/risk/tier", 5, 5),
        ("/spec/list/0", 9, 7),
        ("/spec/list/1/key", 10, 7),
    ],
)
def test_yaml_positions(pointer: str, line: int, column: int) -> None:
    assert parse_yaml(YAML).positions[pointer] == (line, column)


def test_yaml_values_keep_dates_as_iso_text_and_keys_as_written() -> None:
    spec = parse_yaml(YAML).value["spec"]
    assert spec["released"] == "2025-01-02"
    assert spec["on"] is True and "on" in spec  # the key stays "on", the value is YAML's boolean
    assert spec["list"] == ["first", {"key": 1}]


def test_yaml_line_offset_shifts_every_position() -> None:
    assert parse_yaml("a:\n  b: 1\n", line_offset=1).positions["/a/b"] == (3, 3)


def test_yaml_duplicate_key_is_a_warning_with_both_lines() -> None:
    parsed = parse_yaml("risk: a\nother: 1\nrisk: b\n")
    assert parsed.value["risk"] == "b"
    (warning,) = parsed.warnings
    assert warning.line == 3 and "first at line 1" in warning.message


def test_yaml_merge_keys_and_aliases_resolve() -> None:
    parsed = parse_yaml("base: &b {p: 1, q: 2}\nchild:\n  <<: *b\n  q: 3\n")
    assert parsed.value["child"] == {"p": 1, "q": 3}


def test_yaml_syntax_error_carries_the_parser_position() -> None:
    error = parse_yaml("metadata: {name: x\nspec:\n  risk: [\n").error
    assert error is not None and error.line == 2 and error.message.startswith("invalid YAML")


BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BOMB, "alias bomb"),
        ("[" * 10_000 + "]" * 10_000, "nesting deeper than 64"),
        ("a:\n" + "".join("  " * i + "- \n" for i in range(1, 2000)), "nesting deeper than 64"),
        ("a: &a [*a]\n", "refers to no earlier"),
        ("a: b\x00\n", "unacceptable character #x0000"),
        ("? [a, b]\n: c\n", "complex mapping keys"),
    ],
)
def test_hostile_yaml_is_refused_in_bounded_time(text: str, expected: str) -> None:
    start = time.perf_counter()
    parsed = parse_yaml(text)
    assert time.perf_counter() - start < 1.0
    assert parsed.error is not None and expected in parsed.error.message and parsed.value is None


def test_json_positions_members_at_keys_items_at_items() -> None:
    parsed = parse_json('{\n  "a": [1,\n    {"b/c": "x\\"y"}],\n  "e": {}\n}')
    assert parsed.value == {"a": [1, {"b/c": 'x"y'}], "e": {}}
    assert parsed.positions["/a"] == (2, 3)
    assert parsed.positions["/a/0"] == (2, 9)
    assert parsed.positions["/a/1/b~1c"] == (3, 6)
    assert parsed.positions["/e"] == (4, 3)


@pytest.mark.parametrize(
    ("text", "line", "column", "expected"),
    [
        ('{"a": [1,', 1, 10, "invalid JSON"),
        ('{\n  "a": 1,\n}', 3, 1, "invalid JSON"),
        ("[" * 100_000 + "]" * 100_000, 1, 129, "nesting deeper than 128"),
    ],
)
def test_bad_json_is_located(text: str, line: int, column: int, expected: str) -> None:
    error = parse_json(text).error
    assert error is not None and expected in error.message and (error.line, error.column) == (line, column)


def test_xml_elements_carry_line_and_column() -> None:
    root = parse_xml('<?xml version="1.0"?>\n<bom xmlns="urn:x">\n  <a k="v">text</a>\n</bom>').root
    assert root is not None and root.tag == "bom" and root.namespace == "urn:x"
    (child,) = root.children
    assert (child.tag, child.attrib, child.text, child.line, child.column) == ("a", {"k": "v"}, "text", 3, 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><r>&b;</r>', "DOCTYPE"),
        ("<r><a></r>", "mismatched tag"),
        ("<r><a>", "no element found"),
        ("<r>" * 5000 + "</r>" * 5000, "nesting deeper than 128"),
    ],
)
def test_hostile_or_broken_xml_is_refused(text: str, expected: str) -> None:
    parsed = parse_xml(text)
    assert parsed.root is None and parsed.error is not None and expected in parsed.error.message
