"""Translate a control written in the expression language into one Cedar ``forbid`` policy.

A control is ``applies_when`` (scope) and ``check`` (the obligation). It becomes

    forbid (principal, action in Action::"<stage>", resource)
    when { <resource kind> && <applies_when> }
    unless { <check> };

Every field read is guarded with ``has`` so that a missing field means "null" exactly as the
expression language defines it, rather than a Cedar evaluation error. Sub-expressions that Cedar
cannot express (loops over lists, floats) become derived facts: the policy reads
``context.derived.contains("ID#n")`` and the annotation ``@derive_n`` holds the expression that
the facts layer evaluates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from policy_engine.rules import expr
from policy_engine.rules.expr import Binary, Call, Literal, Node, Not, Path

ENTITY_TYPES = {"model_card": "ModelCard", "data_manifest": "Dataset", "sbom": "Sbom", "workload": "Workload"}
SCALAR_TYPES = {"string": "String", "ref": "String", "enum": "String", "bool": "Bool", "int": "Long",
                "date": "datetime", "decimal": "decimal"}
DECIMAL_METHODS = {"<": "lessThan", "<=": "lessThanOrEqual", ">": "greaterThan", ">=": "greaterThanOrEqual"}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def cedar_type(vocab_type: str) -> str | None:
    """The Cedar type of a vocabulary type, or None when Cedar cannot hold it (numbers, object lists)."""
    if vocab_type in SCALAR_TYPES:
        return SCALAR_TYPES[vocab_type]
    if vocab_type.startswith("list<") and vocab_type != "list<object>":
        return "Set<String>"
    if vocab_type == "attestation":
        return "Attestation"
    return None


def cedar_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@dataclass
class Emitter:
    control_id: str
    fields: Mapping[str, Mapping[str, Any]]  # vocabulary
    named_dates: Mapping[str, str] = field(default_factory=dict)  # "2027-08-02" -> "annex_i_high_risk"
    derived: dict[str, str] = field(default_factory=dict)  # "ID#1" -> expression text

    # ------------------------------------------------------------------ classification
    def type_of(self, path: Path) -> str | None:
        entry = self.fields.get(path.text)
        return entry["type"] if entry else None

    def path_ok(self, path: Path) -> bool:
        if path.list_prefix is not None:
            return False
        vocab_type = self.type_of(path)
        return vocab_type is not None and (cedar_type(vocab_type) is not None or vocab_type == "object")

    def expressible(self, node: Node) -> bool:
        if isinstance(node, Literal):
            value = node.value
            if isinstance(value, float):
                return False
            return not (isinstance(value, list) and any(isinstance(v, float) for v in value))
        if isinstance(node, Path):
            return self.path_ok(node) and self.type_of(node) != "object"
        if isinstance(node, Not):
            return self.expressible(node.operand)
        if isinstance(node, Call):
            if node.name == "today":
                return True
            if node.name in expr.QUANTIFIERS:
                return False
            arg = node.args[0]
            if not isinstance(arg, Path) or not self.path_ok(arg):
                return False
            if node.name == "attested":
                return self.type_of(arg) == "attestation"
            if node.name == "age_days":
                return self.type_of(arg) == "date"
            return True  # present
        if node.op == "subset_of":
            return False
        if any(isinstance(side, Literal) and isinstance(side.value, float) for side in (node.left, node.right)):
            other = node.right if isinstance(node.left, Literal) else node.left
            return isinstance(other, Path) and self.path_ok(other) and self.type_of(other) == "decimal"
        if isinstance(node.left, Call) and node.left.name == "age_days":
            return self.expressible(node.left) and isinstance(node.right, Literal) and isinstance(node.right.value, int)
        return self.expressible(node.left) and self.expressible(node.right)

    # ------------------------------------------------------------------ emission
    def boolean(self, node: Node) -> str:
        """Cedar text of a boolean node."""
        if isinstance(node, Binary) and node.op in ("and", "or", "implies"):
            left, right = self.boolean(node.left), self.boolean(node.right)
            if node.op == "and":
                return f"({left} && {right})"
            if node.op == "or":
                return f"({left} || {right})"
            return f"(!{left} || {right})"
        if isinstance(node, Not):
            return f"!{self.boolean(node.operand)}"
        if isinstance(node, Literal) and isinstance(node.value, bool):
            return "true" if node.value else "false"
        if not self.expressible(node):
            name = f"{self.control_id}#{len(self.derived) + 1}"
            self.derived[name] = expr.render(node)
            return f"context.derived.contains({cedar_string(name)})"
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Path):  # a bare boolean field
            guard, value = self.access(node)
            return f"({guard} && {value})"
        return self.comparison(node)

    def access(self, path: Path) -> tuple[str, str]:
        """(guard, value) for a field: the guard is true when the field is present."""
        base = f"context.{path.root}"
        attribute = ".".join(path.segments)
        return f"(context has {path.root} && {base} has {attribute})", f"{base}.{attribute}"

    def call(self, node: Call) -> str:
        if node.name == "present":
            path = node.args[0]
            guard, value = self.access(path)
            cedar = cedar_type(self.type_of(path) or "")
            if cedar == "String":
                return f"({guard} && {value} != \"\")"
            if cedar == "Set<String>":
                return f"({guard} && !{value}.isEmpty())"
            return guard
        if node.name == "attested":
            guard, value = self.access(node.args[0])
            return (f"({guard} && {value} has status && {value}.status == \"attested\" && {value} has by && "
                    f"{value} has date && !({value} has expires && {value}.expires < context.today))")
        raise ValueError(f"{node.name}() is not a boolean")

    def value(self, node: Node, hint: str | None = None) -> tuple[str | None, str]:
        """(guard or None, Cedar value) for an operand; hint is the other operand's Cedar type."""
        if isinstance(node, Path):
            return self.access(node)
        if isinstance(node, Call) and node.name == "today":
            return None, "context.today"
        if isinstance(node, (Binary, Not, Call)):  # a boolean sub-expression compared with a flag
            return None, self.boolean(node)
        return None, self.literal(node.value, hint)

    def literal(self, value: Any, hint: str | None) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if hint == "decimal" and isinstance(value, (int, float)):
            return f'decimal("{value:.4f}")'

        if isinstance(value, int):
            return str(value)
        if isinstance(value, str):
            if hint == "datetime" and DATE.match(value):
                if value in self.named_dates:
                    return f"context.dates.{self.named_dates[value]}"
                return f"datetime({cedar_string(value)})"
            return cedar_string(value)
        if isinstance(value, list):
            return "[" + ", ".join(self.literal(v, None) for v in value) + "]"
        raise ValueError(f"no Cedar literal for {value!r}")

    def operand_type(self, node: Node) -> str | None:
        if isinstance(node, Path):
            return cedar_type(self.type_of(node) or "")
        if isinstance(node, Call) and node.name == "today":
            return "datetime"
        return None

    def comparison(self, node: Binary) -> str:
        op = node.op
        if isinstance(node.left, Call) and node.left.name == "age_days":
            guard, value = self.access(node.left.args[0])
            return f"({guard} && context.today.durationSince({value}) {op} duration(\"{node.right.value}d\"))"
        if op in ("==", "!=") and isinstance(node.right, Literal) and node.right.value is None:
            guard, _ = self.value(node.left)
            if not guard:
                return "false" if op == "==" else "true"
            return f"!{guard}" if op == "==" else guard
        left_type, right_type = self.operand_type(node.left), self.operand_type(node.right)
        left_guard, left = self.value(node.left, right_type)
        right_guard, right = self.value(node.right, left_type)
        guards = [g for g in (left_guard, right_guard) if g]
        present = " && ".join(guards)

        def guarded(test: str) -> str:
            return f"({present} && {test})" if present else f"({test})"

        if op in ("==", "!="):
            if isinstance(node.right, Literal) and node.right.value == [] and left_type == "Set<String>":
                test = guarded(f"{left}.isEmpty()")
            elif len(guards) == 2:
                test = f"({guarded(f'{left} == {right}')} || (!{left_guard} && !{right_guard}))"
            else:
                test = guarded(f"{left} == {right}")
            return test if op == "==" else f"!{test}"
        if op in ("<", "<=", ">", ">="):
            if "decimal" in (left_type, right_type):  # Cedar decimals compare by method, not operator
                return guarded(f"{left}.{DECIMAL_METHODS[op]}({right})")
            return guarded(f"{left} {op} {right}")
        if op in ("in", "not in"):
            test = guarded(f"{right}.contains({left})")
            return test if op == "in" else f"!{test}"
        if op == "contains":
            return guarded(f"{left}.contains({right})")
        if op == "contains_all":
            return guarded(f"{left}.containsAll({right})")
        if op == "contains_any":
            return guarded(f"{left}.containsAny({right})")
        raise ValueError(f"operator {op!r} has no Cedar form")


def stage_scope(stage: str) -> str:
    if stage == "deploy":
        return 'action == Action::"deploy"'
    return f'action in Action::"{stage}"'


def kind_condition(applies_to: list[str]) -> str:
    tests = [f"resource is {ENTITY_TYPES[kind]}" for kind in applies_to]
    return tests[0] if len(tests) == 1 else "(" + " || ".join(tests) + ")"
