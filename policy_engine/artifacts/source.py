"""Located parsing: the parsed value plus a map from JSON pointer to (line, column) for every node.

Every parser here is bounded against hostile input: nesting depth is capped, YAML alias expansion is
counted (a "billion laughs" document is refused before it is expanded), and no parser recurses on the
document's structure in Python, so a 10,000-deep document costs a few microseconds, not a crash.
Errors come back as a ``ParseError`` with the parser's line and column; nothing here raises on bad input.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_DEPTH = 64  # own formats are shallow; anything deeper is an attack or a mistake
MAX_FOREIGN_DEPTH = 128  # SBOMs nest components; allow more, still bounded
ALIAS_BUDGET = 100_000  # alias expansions allowed on top of 10x the document's own nodes

Positions = dict[str, tuple[int, int]]


@dataclass(frozen=True)
class ParseError:
    message: str
    line: int = 1
    column: int = 1
    pointer: str = ""


@dataclass
class Parsed:
    """A parsed document: ``value`` is None when ``error`` is set."""

    value: Any = None
    positions: Positions = field(default_factory=dict)
    error: ParseError | None = None
    warnings: list[ParseError] = field(default_factory=list)  # non-fatal: duplicate keys, extra documents

    @property
    def ok(self) -> bool:
        return self.error is None


def escape(token: Any) -> str:
    """One JSON pointer reference token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def join(pointer: str, token: Any) -> str:
    return f"{pointer}/{escape(token)}"


# ---------------------------------------------------------------------------------------------- YAML

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same events, 10x faster
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_TAG = "tag:yaml.org,2002:"
_CONSTRUCTED_TAGS = {_TAG + name for name in ("int", "float", "bool", "null")}


def _scalar(event: yaml.ScalarEvent) -> Any:
    tag = event.tag
    if tag is None or tag == "!":
        tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag in _CONSTRUCTED_TAGS:
        node = yaml.ScalarNode(tag, event.value)
        return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, node)
    # Strings, timestamps (kept as the ISO text the user wrote), binary and unknown tags: the text.
    return event.value


class _Frame:
    __slots__ = ("value", "pointer", "anchor", "size", "key", "key_line", "merges", "explicit")

    def __init__(self, value: Any, pointer: str, anchor: str | None) -> None:
        self.value = value
        self.pointer = pointer
        self.anchor = anchor
        self.size = 1
        self.key: str | None = None  # mapping: the key waiting for its value
        self.key_line: int = 0
        self.merges: list[dict] = []
        self.explicit: set[str] = set()


class _YamlRefused(Exception):
    def __init__(self, error: ParseError) -> None:
        super().__init__(error.message)
        self.error = error


def parse_yaml(text: str, *, line_offset: int = 0, max_depth: int = MAX_DEPTH) -> Parsed:
    """Parse one YAML document from the event stream, recording where every node starts.

    Mapping entries are located at their key (the line a person edits); sequence items at the item.
    Keys are kept as written (``on:`` stays the string "on"). Timestamps stay ISO strings.
    """
    result = Parsed()
    try:
        _build_yaml(text, result, line_offset, max_depth)
    except _YamlRefused as refused:
        result.value = None
        result.error = refused.error
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or str(exc)
        context = exc.context_mark
        if exc.context and context is not None and mark is not None and context.line != mark.line:
            message += f" ({exc.context} started at line {context.line + 1 + line_offset}, column {context.column + 1})"
        elif exc.context and exc.problem:
            message = f"{exc.context}: {exc.problem}"
        line, column = (mark.line + 1 + line_offset, mark.column + 1) if mark else (1 + line_offset, 1)
        result.value = None
        if "nesting depth" in message:  # newer PyYAML stops deep nesting in its scanner, before our check
            message = f"nesting deeper than {max_depth} levels; complyai refuses such documents"
            result.error = ParseError(message, line, column)
        else:
            result.error = ParseError(f"invalid YAML: {message}", line, column)
    except yaml.reader.ReaderError as exc:  # a control character or undecodable byte
        line, column = LineIndex(text, line_offset)(exc.position)
        result.value = None
        result.error = ParseError(
            f"invalid YAML: unacceptable character #x{exc.character:04x} ({exc.reason}); remove it", line, column
        )
    except yaml.YAMLError as exc:
        result.value = None
        result.error = ParseError(f"invalid YAML: {exc}".replace("\n", " "), 1 + line_offset, 1)
    return result


def _build_yaml(text: str, result: Parsed, line_offset: int, max_depth: int) -> None:
    positions = result.positions
    anchors: dict[str, tuple[Any, int]] = {}
    stack: list[_Frame] = []
    plain_nodes = 0
    alias_nodes = 0
    documents = 0
    root_done = False

    def where(event: yaml.Event) -> tuple[int, int]:
        mark = event.start_mark
        return mark.line + 1 + line_offset, mark.column + 1

    def refuse(message: str, event: yaml.Event, pointer: str = "") -> None:
        line, column = where(event)
        raise _YamlRefused(ParseError(message, line, column, pointer))

    def child_pointer(event: yaml.Event) -> str:
        """The pointer of the node that `event` starts, recording its position."""
        if not stack:
            positions[""] = where(event)
            return ""
        top = stack[-1]
        if isinstance(top.value, list):
            pointer = join(top.pointer, len(top.value))
            positions[pointer] = where(event)
            return pointer
        return join(top.pointer, top.key)  # position was recorded at the key

    def attach(value: Any, size: int) -> None:
        nonlocal root_done
        if not stack:
            result.value = value
            root_done = True
            return
        top = stack[-1]
        top.size += size
        if isinstance(top.value, list):
            top.value.append(value)
            return
        key = top.key
        top.key = None
        if key == "<<" and isinstance(value, (dict, list)):  # YAML merge key: explicit keys win
            top.merges.extend(v for v in (value if isinstance(value, list) else [value]) if isinstance(v, dict))
            return
        top.value[key] = value
        top.explicit.add(key)

    def take_key(key: str, event: yaml.Event) -> None:
        top = stack[-1]
        pointer = join(top.pointer, key)
        if key in top.explicit:
            first = positions.get(pointer, (0, 0))[0]
            line, column = where(event)
            result.warnings.append(
                ParseError(
                    f"duplicate key '{key}' (first at line {first}); YAML keeps only the last one, "
                    "so remove or rename one of them",
                    line,
                    column,
                    pointer,
                )
            )
        top.key = key
        positions[pointer] = where(event)

    loader = _YAML_LOADER(text)
    try:
        while True:
            event = loader.get_event()
            if event is None:
                break
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    result.warnings.append(
                        ParseError(
                            "the file holds more than one YAML document; complyai reads only the first "
                            "(put each artifact in its own file)",
                            *where(event),
                        )
                    )
                    break
                continue
            if isinstance(event, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)):
                continue
            if root_done:
                continue
            expecting_key = bool(stack) and isinstance(stack[-1].value, dict) and stack[-1].key is None
            if isinstance(event, yaml.ScalarEvent):
                plain_nodes += 1
                if expecting_key:
                    take_key(event.value, event)
                    continue
                value = _scalar(event)
                child_pointer(event)
                if event.anchor:
                    anchors[event.anchor] = (value, 1)
                attach(value, 1)
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                plain_nodes += 1
                if expecting_key:
                    refuse("complex mapping keys (a list or mapping used as a key) are not supported", event)
                if len(stack) >= max_depth:
                    refuse(
                        f"nesting deeper than {max_depth} levels; complyai refuses such documents "
                        "(flatten the structure)",
                        event,
                    )
                pointer = child_pointer(event)
                container: Any = {} if isinstance(event, yaml.MappingStartEvent) else []
                stack.append(_Frame(container, pointer, event.anchor))
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frame = stack.pop()
                for merged in frame.merges:
                    for key, value in merged.items():
                        if key not in frame.value:
                            frame.value[key] = value
                if frame.anchor:
                    anchors[frame.anchor] = (frame.value, frame.size)
                attach(frame.value, frame.size)
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor not in anchors:
                    refuse(f"alias '*{event.anchor}' refers to no earlier, complete anchor", event)
                value, size = anchors[event.anchor]
                alias_nodes += size
                if alias_nodes > ALIAS_BUDGET + 10 * plain_nodes:
                    refuse(
                        f"YAML aliases expand to over {alias_nodes:,} nodes from {plain_nodes:,} written ones "
                        "(an alias bomb); complyai refuses such documents",
                        event,
                    )
                if expecting_key:
                    if not isinstance(value, str):
                        refuse("an alias used as a mapping key must name a plain string", event)
                    take_key(value, event)
                    continue
                child_pointer(event)
                attach(value, size)
    finally:
        loader.dispose()
    if not documents:
        result.value = None  # an empty file: the caller says what it expected


# ---------------------------------------------------------------------------------------------- JSON

_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.S)
_NEWLINE = re.compile(r"\n")


class LineIndex:
    """Offset -> (line, column), 1-based, by binary search over line starts."""

    def __init__(self, text: str, line_offset: int = 0) -> None:
        self.starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
        self.line_offset = line_offset

    def __call__(self, offset: int) -> tuple[int, int]:
        index = bisect_right(self.starts, offset) - 1
        return index + 1 + self.line_offset, offset - self.starts[index] + 1


def parse_json(text: str, *, max_depth: int = MAX_FOREIGN_DEPTH) -> Parsed:
    """json.loads for the value (C speed, exact error positions) plus one token scan for positions."""
    result = Parsed()
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        result.error = ParseError(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno)
        return result
    except RecursionError:
        value = None  # the scan below locates the excessive nesting
    except ValueError as exc:  # e.g. an integer literal too long to convert
        result.error = ParseError(f"invalid JSON: {exc}")
        return result
    error = _json_positions(text, result.positions, max_depth)
    if error is not None:
        result.positions.clear()
        result.error = error
        return result
    result.value = value
    return result


def _json_positions(text: str, positions: Positions, max_depth: int) -> ParseError | None:
    """Record the start of every value (members at their key). The text is known to be valid JSON."""
    locate = LineIndex(text)
    # Each frame: [is_object, pointer, next array index or pending key]
    stack: list[list[Any]] = []
    pending: str | None = None  # pointer of the next value
    expect_key = False
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first in ",:":
            if first == "," and stack:
                frame = stack[-1]
                if frame[0]:
                    expect_key = True
                else:
                    frame[2] += 1
                    pending = join(frame[1], frame[2])
            continue
        if first in "}]":
            stack.pop()
            expect_key = False
            continue
        if expect_key:
            key = token[1:-1] if "\\" not in token else json.loads(token)
            pending = join(stack[-1][1], key)
            positions[pending] = locate(match.start())
            expect_key = False
            continue
        if pending is None:  # the root value
            pending = ""
            positions[""] = locate(match.start())
        elif not stack[-1][0]:  # array item: located at the item itself
            positions[pending] = locate(match.start())
        if first in "{[":
            if len(stack) >= max_depth:
                line, column = locate(match.start())
                return ParseError(
                    f"nesting deeper than {max_depth} levels; complyai refuses such documents", line, column
                )
            is_object = first == "{"
            stack.append([is_object, pending, 0])
            if is_object:
                expect_key = True
            else:
                pending = join(pending, 0)
    return None
