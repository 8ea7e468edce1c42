"""Located XML parsing with expat: elements with their line and column, no DTDs, no entities.

Document type declarations and entity declarations are refused outright (the "billion laughs" and
external-entity attacks both need them), depth is capped, and the tree is built without recursion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.parsers import expat

from policy_engine.artifacts.source import MAX_FOREIGN_DEPTH, ParseError


@dataclass
class Element:
    tag: str  # local name, namespace stripped
    namespace: str
    attrib: dict[str, str]
    line: int
    column: int
    children: list[Element] = field(default_factory=list)
    text: str = ""


@dataclass
class ParsedXml:
    root: Element | None = None
    error: ParseError | None = None


class _Refused(Exception):
    pass


def parse_xml(text: str, *, max_depth: int = MAX_FOREIGN_DEPTH) -> ParsedXml:
    parser = expat.ParserCreate(namespace_separator="}")
    stack: list[Element] = []
    chunks: list[list[str]] = []
    result = ParsedXml()

    def refuse(message: str) -> None:
        raise _Refused(message)

    def start(name: str, attrs: dict[str, str]) -> None:
        namespace, _, local = name.rpartition("}")
        if len(stack) >= max_depth:
            refuse(f"nesting deeper than {max_depth} levels; complyai refuses such documents")
        element = Element(
            local,
            namespace,
            {key.rpartition("}")[2]: value for key, value in attrs.items()},
            parser.CurrentLineNumber,
            parser.CurrentColumnNumber + 1,
        )
        if stack:
            stack[-1].children.append(element)
        else:
            result.root = element
        stack.append(element)
        chunks.append([])

    def end(_name: str) -> None:
        element = stack.pop()
        element.text = "".join(chunks.pop()).strip()

    def data(content: str) -> None:
        if chunks:
            chunks[-1].append(content)

    def no_doctype(*_args: object) -> None:
        refuse("XML document type declarations (DOCTYPE) are not accepted: remove the <!DOCTYPE ...> line")

    def no_entities(*_args: object) -> None:
        refuse("XML entity declarations are not accepted (they enable entity-expansion attacks)")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    parser.StartDoctypeDeclHandler = no_doctype
    parser.EntityDeclHandler = no_entities
    parser.ExternalEntityRefHandler = no_entities
    try:
        parser.Parse(text, True)
    except _Refused as refused:
        result.root = None
        result.error = ParseError(str(refused), parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)
    except expat.ExpatError as exc:
        result.root = None
        message = expat.ErrorString(exc.code) if exc.code else str(exc)
        result.error = ParseError(f"invalid XML: {message}", exc.lineno, exc.offset + 1)
    if result.error is None and result.root is None:
        result.error = ParseError("invalid XML: no root element")
    return result
