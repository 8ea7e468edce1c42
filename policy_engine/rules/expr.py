"""The control expression language: parse it, and evaluate it in Python.

Controls are written in Cedar, but Cedar has no loops and no floats. The few conditions that need
them ("every transfer has a mechanism", "training compute above 10^25 FLOP") are written in this
small language, stored beside the control (its ``@derive_*`` annotations), and evaluated here by the
facts layer; the Cedar policy reads the result as ``context.derived.contains("ID#n")``.

The language is the one of the control catalog (see docs/expressions.md):
``present(x)``, ``attested(x)``, ``age_days(d)``, ``today()``, ``any(P)``, ``all(P)``, ``none(P)``,
``==  !=  <  <=  >  >=``, ``in``, ``not in``, ``contains``, ``contains_any``, ``contains_all``,
``subset_of``, ``and``, ``or``, ``not``, ``implies``; paths such as ``data_manifest.transfers[].mechanism``;
named constants (``EEA_COUNTRIES``) and scope macros (``HIGH_RISK``).

Null semantics: a missing field is ``None``; ``==`` with ``None`` is false unless both are ``None``;
ordering comparisons with ``None`` are false; ``x in L`` is false when either is ``None``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

# ----------------------------------------------------------------------------------------------- AST


@dataclass(frozen=True)
class Path:
    root: str  # model_card | data_manifest | sbom | workload
    segments: tuple[str, ...]  # "transfers[]", "mechanism"

    @property
    def text(self) -> str:
        return ".".join((self.root, *self.segments))

    @property
    def list_prefix(self) -> Path | None:
        return _list_prefix(self)


@cache
def _list_prefix(path: Path) -> Path | None:
    """The path up to and including the first ``[]`` segment, if any."""
    for index, segment in enumerate(path.segments):
        if segment.endswith("[]"):
            return Path(path.root, path.segments[: index + 1])
    return None


@dataclass(frozen=True, eq=False)  # identity: nodes are parsed once and memoised
class Literal:
    value: Any


@dataclass(frozen=True, eq=False)  # identity: nodes are parsed once and memoised
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, eq=False)  # identity: nodes are parsed once and memoised
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, eq=False)  # identity: nodes are parsed once and memoised
class Not:
    operand: Node


Node = Path | Literal | Call | Binary | Not

FUNCTIONS = {"present": 1, "attested": 1, "age_days": 1, "today": 0, "any": 1, "all": 1, "none": 1}
QUANTIFIERS = ("any", "all", "none")
ROOTS = ("model_card", "data_manifest", "sbom", "workload")
COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")
WORD_OPERATORS = ("contains_any", "contains_all", "contains", "subset_of", "in")


class ExpressionError(ValueError):
    """A syntax error in an expression; the message names the position."""


# -------------------------------------------------------------------------------------------- parser

TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>"(?:[^"\\]|\\.)*")
    | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[\]|\[|\]|,|\.)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ExpressionError(f"unexpected character {text[position:position + 1]!r} at {position}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind), match.start(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str, constants: Mapping[str, list], macros: Mapping[str, str]) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0
        self.constants = constants
        self.macros = macros

    # helpers
    def peek(self, offset: int = 0) -> tuple[str, str, int] | None:
        position = self.index + offset
        return self.tokens[position] if position < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str, int]:
        token = self.peek()
        if token is None:
            raise ExpressionError(f"unexpected end of expression in {self.text!r}")
        if value is not None and token[1] != value:
            raise ExpressionError(f"expected {value!r} at {token[2]}, found {token[1]!r} in {self.text!r}")
        self.index += 1
        return token

    def at(self, *values: str) -> bool:
        token = self.peek()
        return token is not None and token[1] in values

    # grammar: implies < or < and < not < comparison < primary
    def parse(self) -> Node:
        node = self.implies()
        if self.peek() is not None:
            token = self.peek()
            raise ExpressionError(f"unexpected {token[1]!r} at {token[2]} in {self.text!r}")
        return node

    def implies(self) -> Node:
        node = self.disjunction()
        while self.at("implies"):
            self.take()
            node = Binary("implies", node, self.disjunction())
        return node

    def disjunction(self) -> Node:
        node = self.conjunction()
        while self.at("or"):
            self.take()
            node = Binary("or", node, self.conjunction())
        return node

    def conjunction(self) -> Node:
        node = self.negation()
        while self.at("and"):
            self.take()
            node = Binary("and", node, self.negation())
        return node

    def negation(self) -> Node:
        if self.at("not") and not (self.peek(1) and self.peek(1)[1] == "in"):
            self.take()
            return Not(self.negation())
        return self.comparison()

    def comparison(self) -> Node:
        left = self.primary()
        token = self.peek()
        if token is None:
            return left
        if token[1] in COMPARISONS:
            self.take()
            return Binary(token[1], left, self.primary())
        if token[1] == "not" and self.peek(1) and self.peek(1)[1] == "in":
            self.take()
            self.take()
            return Binary("not in", left, self.primary())
        if token[1] in WORD_OPERATORS:
            self.take()
            return Binary(token[1], left, self.primary())
        return left

    def primary(self) -> Node:
        kind, value, position = self.take()
        if value == "(":
            node = self.implies()
            self.take(")")
            return node
        if value == "[]":
            return Literal([])
        if value == "[":
            items = []
            while not self.at("]"):
                item = self.primary()
                if not isinstance(item, Literal):
                    raise ExpressionError(f"list items must be literals at {position} in {self.text!r}")
                items.append(item.value)
                if self.at(","):
                    self.take()
            self.take("]")
            return Literal(items)
        if kind == "string":
            return Literal(bytes(value[1:-1], "utf-8").decode("unicode_escape"))
        if kind == "number":
            number = float(value)
            return Literal(int(number) if number.is_integer() and "e" not in value.lower() and "." not in value
                           else number)
        if kind != "word":
            raise ExpressionError(f"unexpected {value!r} at {position} in {self.text!r}")
        if value in ("true", "false"):
            return Literal(value == "true")
        if value == "null":
            return Literal(None)
        if value in self.constants:
            return Literal(list(self.constants[value]))
        if value in self.macros:
            return _Parser(self.macros[value], self.constants, self.macros).parse()
        if value in FUNCTIONS:
            self.take("(")
            args: list[Node] = []
            while not self.at(")"):
                args.append(self.implies())
                if self.at(","):
                    self.take()
            self.take(")")
            if len(args) != FUNCTIONS[value]:
                raise ExpressionError(f"{value}() takes {FUNCTIONS[value]} argument(s) in {self.text!r}")
            return Call(value, tuple(args))
        if value in ROOTS:
            segments: list[str] = []
            while self.at("."):
                self.take()
                _, name, _ = self.take()
                if self.at("[]"):
                    self.take()
                    name += "[]"
                segments.append(name)
            return Path(value, tuple(segments))
        raise ExpressionError(f"unknown name {value!r} at {position} in {self.text!r}")


def parse(text: str, constants: Mapping[str, list] | None = None, macros: Mapping[str, str] | None = None) -> Node:
    """Parse an expression; constants and macros come from the field vocabulary."""
    return _Parser(text, constants or {}, macros or {}).parse()


def paths(node: Node) -> list[Path]:
    """Every path an expression reads, in order."""
    return list(_paths(node))


@cache
def _paths(node: Node) -> tuple[Path, ...]:
    if isinstance(node, Path):
        return (node,)
    if isinstance(node, Call):
        return tuple(p for arg in node.args for p in _paths(arg))
    if isinstance(node, Binary):
        return _paths(node.left) + _paths(node.right)
    if isinstance(node, Not):
        return _paths(node.operand)
    return ()


@cache
def _list_prefixes(node: Node) -> tuple[Path, ...]:
    """The distinct list prefixes (``x.items[]``) a quantifier body reads, in order."""
    return tuple(dict.fromkeys(p.list_prefix for p in _paths(node) if p.list_prefix is not None))


def render(node: Node, constants: Mapping[str, list] | None = None) -> str:
    """Source text of a node (normalised), used in annotations and explanations.

    With ``constants``, a list literal equal to a named constant is written as its name.
    """
    if isinstance(node, Path):
        return node.text
    if isinstance(node, Literal):
        if constants and isinstance(node.value, list):
            for name, value in constants.items():
                if list(value) == node.value:
                    return name
        return _render_literal(node.value)
    if isinstance(node, Call):
        return f"{node.name}({', '.join(render(a, constants) for a in node.args)})"
    if isinstance(node, Not):
        return f"not ({render(node.operand, constants)})"
    return f"({render(node.left, constants)} {node.op} {render(node.right, constants)})"


def _render_literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_render_literal(v) for v in value) + "]"
    return repr(value)


# ------------------------------------------------------------------------------------------ evaluate


class Scope:
    """The values an expression sees: one document per root, the evaluation date, bound list items."""

    def __init__(self, documents: Mapping[str, Any], today: dt.date) -> None:
        self.documents = documents
        self.today = today
        self.bound: dict[Path, Any] = {}

    def resolve(self, path: Path) -> Any:
        for prefix, item in self.bound.items():
            if prefix.root == path.root and path.segments[: len(prefix.segments)] == prefix.segments:
                return walk(item, path.segments[len(prefix.segments):])
        return walk(self.documents.get(path.root), path.segments)


def walk(value: Any, segments: tuple[str, ...]) -> Any:
    """Follow segments; an unbound ``[]`` projects over the list (flattening one level)."""
    for index, segment in enumerate(segments):
        if value is None:
            return None
        is_list = segment.endswith("[]")
        name = segment[:-2] if is_list else segment
        value = value.get(name) if isinstance(value, Mapping) else None
        if is_list:
            if not isinstance(value, list):
                return None
            rest = segments[index + 1:]
            projected = [walk(item, rest) for item in value]
            return [v for v in projected if v is not None]
    return value


def evaluate(node: Node, scope: Scope) -> Any:
    """Evaluate a node. Boolean nodes return bool; value nodes return the value or None."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Path):
        return scope.resolve(node)
    if isinstance(node, Not):
        return not _truthy(evaluate(node.operand, scope))
    if isinstance(node, Call):
        return _call(node, scope)
    op = node.op
    if op == "and":
        return _truthy(evaluate(node.left, scope)) and _truthy(evaluate(node.right, scope))
    if op == "or":
        return _truthy(evaluate(node.left, scope)) or _truthy(evaluate(node.right, scope))
    if op == "implies":
        return (not _truthy(evaluate(node.left, scope))) or _truthy(evaluate(node.right, scope))
    left, right = evaluate(node.left, scope), evaluate(node.right, scope)
    return _compare(op, left, right)


def _truthy(value: Any) -> bool:
    return value is True


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "==":
        if isinstance(left, list) and isinstance(right, list):
            return set(map(_key, left)) == set(map(_key, right))
        return _key(left) == _key(right) if left is not None and right is not None else left is right is None
    if op == "!=":
        return not _compare("==", left, right)
    if op in ("<", "<=", ">", ">="):
        if left is None or right is None:
            return False
        try:
            left, right = _comparable(left), _comparable(right)
            return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
        except TypeError:
            return False
    if op == "in":
        return left is not None and isinstance(right, list) and _key(left) in map(_key, right)
    if op == "not in":
        return not _compare("in", left, right)
    if op == "contains":
        return isinstance(left, list) and _key(right) in map(_key, left)
    if op == "contains_all":
        return isinstance(left, list) and isinstance(right, list) and set(map(_key, right)) <= set(map(_key, left))
    if op == "contains_any":
        return isinstance(left, list) and isinstance(right, list) and bool(set(map(_key, right)) & set(map(_key, left)))
    if op == "subset_of":  # nothing found is a subset of anything, even of an undeclared list
        left = left or []
        return not left or (isinstance(right, list) and set(map(_key, left)) <= set(map(_key, right)))
    raise ExpressionError(f"unknown operator {op!r}")


def _key(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return value


def _comparable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, bool):
        raise TypeError("booleans are not ordered")
    return value


def _call(node: Call, scope: Scope) -> Any:
    name = node.name
    if name == "today":
        return scope.today.isoformat()
    if name in QUANTIFIERS:
        return _quantify(name, node.args[0], scope)
    value = evaluate(node.args[0], scope)
    if name == "present":
        if isinstance(value, (str, list, dict)):
            return len(value) > 0
        return value is not None
    if name == "attested":
        return is_attested(value, scope.today)
    if name == "age_days":
        day = parse_date(value)
        return None if day is None else (scope.today - day).days
    raise ExpressionError(f"unknown function {name!r}")


def _quantify(name: str, body: Node, scope: Scope) -> bool:
    prefix = next((p for p in _list_prefixes(body) if p not in scope.bound), None)
    if prefix is None:
        raise ExpressionError(f"{name}() needs a list path such as x.items[].field")
    results = _per_item(prefix, body, scope)
    if name == "any":
        return any(results)
    if name == "all":
        return all(results)
    return not any(results)


def _per_item(prefix: Path, body: Node, scope: Scope) -> list[bool]:
    """The body's truth for each element of the list at ``prefix``, that element bound in turn."""
    items = walk(scope.documents.get(prefix.root), prefix.segments[:-1] + (prefix.segments[-1][:-2],))
    results = []
    for item in items if isinstance(items, list) else []:
        scope.bound[prefix] = item
        try:
            results.append(_truthy(evaluate(body, scope)))
        finally:
            del scope.bound[prefix]
    return results


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def is_attested(value: Any, today: dt.date) -> bool:
    """An attestation counts when it says attested, names who and when, and has not expired."""
    if not isinstance(value, Mapping) or value.get("status") != "attested":
        return False
    if not value.get("by") or parse_date(value.get("date")) is None:
        return False
    expires = parse_date(value.get("expires"))
    return expires is None or expires >= today


@dataclass(frozen=True)
class ItemFailure:
    """One list element that breaks an ``all(...)`` or ``none(...)`` condition."""

    list_path: Path  # e.g. data_manifest.transfers[]
    index: int
    condition: str  # the condition, as written


def failing_items(node: Node, scope: Scope, root: str,
                  constants: Mapping[str, list] | None = None) -> list[ItemFailure]:
    """Elements of lists under ``root`` that make an ``all``/``none`` inside ``node`` fail.

    Explains a failed check element by element, so a finding can point at the list item to edit
    rather than at the whole list.
    """
    failures: list[ItemFailure] = []
    for call in _quantifiers(node):
        body = call.args[0]
        prefixes = [p for p in _list_prefixes(body) if p.root == root]
        if not prefixes:
            continue
        prefix = prefixes[0]
        for index, holds in enumerate(_per_item(prefix, body, scope)):
            if holds != (call.name == "all"):
                failures.append(ItemFailure(prefix, index, render(body, constants)))
    return failures


def _quantifiers(node: Node) -> list[Call]:
    if isinstance(node, Call):
        own = [node] if node.name in ("all", "none") else []
        return own + [q for arg in node.args for q in _quantifiers(arg)]
    if isinstance(node, Binary):
        return _quantifiers(node.left) + _quantifiers(node.right)
    if isinstance(node, Not):
        return _quantifiers(node.operand)
    return []
