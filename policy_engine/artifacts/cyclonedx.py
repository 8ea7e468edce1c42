"""CycloneDX BOMs (JSON and XML, spec 1.2-1.7): the SBOM facts, plus a model card per ML model.

The BOM is validated with cyclonedx-python-lib's bundled schemas for its declared specVersion (strict
JSON schema; XSD for XML). cyclonedx-python-lib does not model ``modelCard`` (``Bom.from_json`` drops
it), so everything is read from the raw document; XML is first converted to the JSON layout so one
mapping serves both encodings, with positions recorded at the JSON-layout pointers.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from policy_engine.artifacts.base import Artifact, Link, Problem
from policy_engine.artifacts.common import get, parse_problem, problem, unreadable
from policy_engine.artifacts.source import Positions, join, parse_json
from policy_engine.artifacts.xmlsource import Element, parse_xml
from policy_engine.findings import SCHEMA_RULE, Location

_JSON_MARKER = re.compile(r'"bomFormat"\s*:\s*"CycloneDX"')
_XML_MARKER = re.compile(r"<(?:\w+:)?bom\b[^>]*\bxmlns(?::\w+)?\s*=\s*[\"']http://cyclonedx\.org/schema/bom/([0-9.]+)")
SEVERITY_ORDER = ("critical", "high", "medium", "low", "none", "unknown")
_SEVERITY_MAP = {"info": "none"}  # CycloneDX "info" has no security impact
_FIX_RESPONSES = {"update", "rollback"}
MAX_SCHEMA_PROBLEMS = 50


# ------------------------------------------------------------------------------------------- loaders

class CycloneDxJsonLoader:
    format = "cyclonedx-json"

    def sniff(self, path: Path, head: str) -> bool:
        return path.suffix.lower() == ".json" and self.matches(head)

    def matches(self, head: str) -> bool:
        return bool(_JSON_MARKER.search(head))

    def load(self, path: Path, text: str, display: str) -> Artifact:
        return self.load_all(path, text, display)[-1]

    def load_all(self, path: Path, text: str, display: str) -> list[Artifact]:
        parsed = parse_json(text)
        if parsed.error is not None:
            return [unreadable(path, display, self.format, [parse_problem(parsed.error)])]
        document = parsed.value
        if not isinstance(document, dict):
            return [unreadable(path, display, self.format, [problem("a CycloneDX BOM must be a JSON object")])]
        problems = _validate_json(text, document.get("specVersion"), parsed.positions)
        return _artifacts(path, display, self.format, document, parsed.positions, problems)


class CycloneDxXmlLoader:
    format = "cyclonedx-xml"

    def sniff(self, path: Path, head: str) -> bool:
        return path.suffix.lower() == ".xml" and self.matches(head)

    def matches(self, head: str) -> bool:
        return bool(_XML_MARKER.search(head))

    def load(self, path: Path, text: str, display: str) -> Artifact:
        return self.load_all(path, text, display)[-1]

    def load_all(self, path: Path, text: str, display: str) -> list[Artifact]:
        parsed = parse_xml(text)
        if parsed.error is not None or parsed.root is None:
            return [unreadable(path, display, self.format, [parse_problem(parsed.error)])]  # type: ignore[arg-type]
        root = parsed.root
        if root.tag != "bom" or "cyclonedx.org/schema/bom/" not in root.namespace:
            return [unreadable(path, display, self.format, [problem(
                f"the root element is <{root.tag}> in namespace {root.namespace or 'none'}, "
                "not a CycloneDX <bom>", line=root.line, column=root.column)])]
        positions: Positions = {}
        document = _xml_to_json(root, "", positions)
        document["specVersion"] = root.namespace.rsplit("/", 1)[-1]
        problems = _validate_xml(text, document["specVersion"], positions)
        return _artifacts(path, display, self.format, document, positions, problems)


JSON_LOADER = CycloneDxJsonLoader()
XML_LOADER = CycloneDxXmlLoader()


# ---------------------------------------------------------------------------------------- validation

@cache
def _validator(kind: str, version: str) -> Any:
    from policy_engine.artifacts.validate import jsonschema_module

    jsonschema_module()  # import jsonschema the light way before cyclonedx pulls it in
    from cyclonedx.schema import SchemaVersion

    schema_version = SchemaVersion.from_version(version)
    if kind == "json":
        from cyclonedx.validation.json import JsonStrictValidator

        return JsonStrictValidator(schema_version)
    from cyclonedx.validation.xml import XmlValidator

    return XmlValidator(schema_version)


def _unsupported(version: Any, positions: Positions) -> list[Problem]:
    line, column = positions.get("/specVersion", (1, 1))
    return [Problem(SCHEMA_RULE, "high",
                    f"specVersion {version!r} is not a CycloneDX version this complyai can validate (1.2-1.7)",
                    Location("/specVersion", line, column),
                    "Set specVersion to the version the BOM follows, or regenerate the BOM with a current tool.")]


def _namespace(kind: str, version: Any) -> str:
    from importlib.metadata import version as installed

    return f"cyclonedx-{kind}-{version}-{installed('cyclonedx-python-lib')}"


def _validate_json(text: str, version: Any, positions: Positions) -> list[Problem]:
    from policy_engine.artifacts.validate import known_valid, remember_valid

    if known_valid(_namespace("json", version), text):
        return []
    try:
        validator = _validator("json", str(version))
    except Exception:  # unknown version, or a version without a JSON schema (1.0, 1.1)
        return _unsupported(version, positions)
    problems = _json_problems(validator, text, version, positions)
    if not problems:
        remember_valid(_namespace("json", version), text)
    return problems


def _json_problems(validator: Any, text: str, version: Any, positions: Positions) -> list[Problem]:
    from policy_engine.artifacts.validate import _locate, dotted

    problems = []
    for error in validator.validate_str(text, all_errors=True) or []:
        data = error.data
        best = _best(data)
        pointer = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in best.absolute_path)
        message = f"{dotted(pointer)}: {_clip(best.message)}"
        problems.append(Problem(SCHEMA_RULE, "high", message, _locate(positions, pointer),
                                f"Make the BOM valid CycloneDX {version} (regenerate it, or fix the field)."))
    return _capped(problems)


def _validate_xml(text: str, version: str, positions: Positions) -> list[Problem]:
    from policy_engine.artifacts.validate import known_valid, remember_valid

    if known_valid(_namespace("xml", version), text):
        return []
    try:
        validator = _validator("xml", version)
    except Exception:
        return _unsupported(version, positions)
    problems = _xml_problems(validator, text, version, positions)
    if not problems:
        remember_valid(_namespace("xml", version), text)
    return problems


def _xml_problems(validator: Any, text: str, version: str, positions: Positions) -> list[Problem]:
    by_line: dict[int, tuple[str, int]] = {}
    for pointer, (line, column) in positions.items():
        by_line.setdefault(line, (pointer, column))
    problems = []
    try:
        errors = list(validator.validate_str(text, all_errors=True) or [])
    except Exception as exc:  # lxml refuses the document outright
        return [Problem(SCHEMA_RULE, "high", f"cannot validate against the CycloneDX {version} XSD: {exc}")]
    for error in errors:
        entry = error.data
        line = getattr(entry, "line", 1) or 1
        pointer, column = by_line.get(line, ("", getattr(entry, "column", 1) or 1))
        message = _clip(str(getattr(entry, "message", entry)))
        problems.append(Problem(SCHEMA_RULE, "high", message, Location(pointer, line, max(column, 1)),
                                f"Make the BOM valid CycloneDX {version} (regenerate it, or fix the element)."))
    return _capped(problems)


def _best(error: Any) -> Any:
    """The most specific sub-error of an anyOf/oneOf failure (jsonschema's own heuristic)."""
    if getattr(error, "context", None):
        from jsonschema.exceptions import best_match

        return best_match(error.context) or error
    return error


def _clip(message: str, limit: int = 240) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 3] + "..."


def _capped(problems: list[Problem]) -> list[Problem]:
    if len(problems) <= MAX_SCHEMA_PROBLEMS:
        return problems
    left = len(problems) - MAX_SCHEMA_PROBLEMS
    return problems[:MAX_SCHEMA_PROBLEMS] + [Problem(SCHEMA_RULE, "high", f"{left} more schema problems not shown")]


# ------------------------------------------------------------------------------------------- mapping

def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _walk_components(document: dict) -> list[tuple[str, dict]]:
    """(pointer, component) for every component, nested ones included, without recursion."""
    found: list[tuple[str, dict]] = []
    stack = [(f"/components/{i}", c) for i, c in reversed(list(enumerate(_as_list(document.get("components")))))]
    while stack:
        pointer, component = stack.pop()
        if not isinstance(component, dict):
            continue
        found.append((pointer, component))
        children = _as_list(component.get("components"))
        stack.extend((f"{pointer}/components/{i}", c) for i, c in reversed(list(enumerate(children))))
    return found


def _licenses(component: dict) -> list[str]:
    names = []
    for choice in _as_list(component.get("licenses")):
        license_ = get(choice, "license")
        name = get(license_, "id") or get(license_, "name") or get(choice, "expression")
        if isinstance(name, str):
            names.append(name)
    return names


def _component_fields(component: dict) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    for key in ("name", "version", "purl", "type"):
        if isinstance(component.get(key), str):
            entry[key] = component[key]
    supplier = get(component, "supplier", "name") or get(component, "manufacturer", "name") or component.get("publisher")
    if isinstance(supplier, str):
        entry["supplier"] = supplier
    licenses = _licenses(component)
    if licenses:
        entry["licenses"] = licenses
    return entry


def _vulnerability_fields(vulnerability: dict) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if isinstance(vulnerability.get("id"), str):
        entry["id"] = vulnerability["id"]
    severities = []
    for rating in _as_list(vulnerability.get("ratings")):
        severity = str(get(rating, "severity") or "").lower()
        severity = _SEVERITY_MAP.get(severity, severity)
        if severity in SEVERITY_ORDER:
            severities.append(severity)
    entry["severity"] = min(severities, key=SEVERITY_ORDER.index) if severities else "unknown"
    state = get(vulnerability, "analysis", "state")
    entry["state"] = state if isinstance(state, str) else "exploitable"  # no analysis: assume the worst
    analysis = get(vulnerability, "analysis") or {}
    responses = set(_as_list(get(analysis, "response")) + _as_list(get(analysis, "responses")))
    unaffected = any(
        get(version, "status") == "unaffected"
        for affect in _as_list(vulnerability.get("affects"))
        for version in _as_list(get(affect, "versions"))
    )
    entry["fix_available"] = bool(responses & _FIX_RESPONSES or unaffected or vulnerability.get("recommendation"))
    return entry


def _subject(document: dict, path: Path) -> str:
    component = get(document, "metadata", "component")
    name, version = get(component, "name"), get(component, "version")
    if isinstance(name, str) and name:
        return f"{name}@{version}" if isinstance(version, (str, int, float)) and version != "" else name
    serial = document.get("serialNumber")
    return serial if isinstance(serial, str) and serial else path.name


def _artifacts(path: Path, display: str, fmt: str, document: dict, positions: Positions,
               problems: list[Problem]) -> list[Artifact]:
    components = _walk_components(document)
    metadata_component = get(document, "metadata", "component")
    fields: dict[str, Any] = {
        "format": "cyclonedx",
        "subject": _subject(document, path),
        "components": [_component_fields(c) for _, c in components],
        "vulnerabilities": [_vulnerability_fields(v) for v in _as_list(document.get("vulnerabilities"))
                            if isinstance(v, dict)],
    }
    pointers = {"format": "/bomFormat" if "/bomFormat" in positions else "", "subject": "/metadata/component",
                "components": "/components", "vulnerabilities": "/vulnerabilities"}
    sbom = Artifact(path=path, display=display, kind="sbom", format=fmt, name=fields["subject"], sha256="",
                    fields=fields, pointers=pointers, positions=positions, problems=problems, document=document)
    models = [(p, c) for p, c in components if c.get("type") == "machine-learning-model" and "modelCard" in c]
    if isinstance(metadata_component, dict) and metadata_component.get("type") == "machine-learning-model" \
            and "modelCard" in metadata_component:
        models.insert(0, ("/metadata/component", metadata_component))
    cards = [_model_card(path, display, fmt, pointer, component, positions, document) for pointer, component in models]
    return [*cards, sbom]


def _model_card(path: Path, display: str, fmt: str, base: str, component: dict, positions: Positions,
                document: dict) -> Artifact:
    card = component.get("modelCard") if isinstance(component.get("modelCard"), dict) else {}
    mc = f"{base}/modelCard"
    fields: dict[str, Any] = {}
    pointers: dict[str, str] = {}

    def put(vocab: str, value: Any, pointer: str) -> None:
        if value in (None, "", [], {}):
            return
        node = fields
        parts = vocab.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
        pointers[vocab] = pointer

    group, name = component.get("group"), component.get("name")
    full_name = f"{group}/{name}" if isinstance(group, str) and group and isinstance(name, str) else name
    put("id", component.get("bom-ref") or full_name, base)
    put("name", full_name, f"{base}/name")
    put("version", component.get("version") if isinstance(component.get("version"), str) else None,
        f"{base}/version")
    supplier = get(component, "supplier", "name") or get(component, "manufacturer", "name") \
        or component.get("publisher") or component.get("author")
    put("provider.name", supplier if isinstance(supplier, str) else None, base)
    considerations = card.get("considerations") if isinstance(card.get("considerations"), dict) else {}
    use_cases = [u for u in _as_list(considerations.get("useCases")) if isinstance(u, str)]
    put("intended_use.purpose", "; ".join(use_cases), f"{mc}/considerations/useCases")
    limits = [t for t in _as_list(considerations.get("technicalLimitations")) if isinstance(t, str)]
    put("evaluation.known_limitations", limits, f"{mc}/considerations/technicalLimitations")
    risks = []
    for item in _as_list(considerations.get("ethicalConsiderations")):
        risk, mitigation = get(item, "name"), get(item, "mitigationStrategy")
        if isinstance(risk, str):
            risks.append(f"{risk} (mitigation: {mitigation})" if isinstance(mitigation, str) else risk)
    put("risk_management.residual_risks", risks, f"{mc}/considerations/ethicalConsiderations")
    metrics = []
    for metric in _as_list(get(card, "quantitativeAnalysis", "performanceMetrics")):
        if not isinstance(metric, dict):
            continue
        entry: dict[str, Any] = {"name": str(metric.get("type") or "")}
        try:
            entry["value"] = float(metric.get("value"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            pass
        if isinstance(metric.get("slice"), str):
            entry["x-slice"] = metric["slice"]
        metrics.append(entry)
    put("evaluation.metrics", metrics, f"{mc}/quantitativeAnalysis/performanceMetrics")
    ancestors = _as_list(get(component, "pedigree", "ancestors"))
    if ancestors and isinstance(get(ancestors, 0, "name"), str):
        ancestor = ancestors[0]
        base_model = ancestor["name"] + (f"@{ancestor['version']}" if isinstance(ancestor.get("version"), str) else "")
        put("lineage.base_model", base_model, f"{base}/pedigree/ancestors/0")
    link = Link(kind="sbom", target=path.resolve(), pointer=base)
    return Artifact(path=path, display=display, kind="model_card", format=fmt, name=str(full_name or path.name),
                    sha256="", fields=fields, links=[link], pointers=pointers, positions=positions, problems=[],
                    document=document)


# ------------------------------------------------------------------------------------- XML -> JSON

_LIST_KEYS = {"licenses"}  # children of different tags, each wrapped: [{"license": ...}, {"expression": ...}]


def _plural_of(container: str, child: str) -> bool:
    return container in (child + "s", child + "es") or (child.endswith("y") and container == child[:-1] + "ies")


def _xml_to_json(element: Element, pointer: str, positions: Positions) -> dict:
    """Convert a CycloneDX XML tree to the JSON layout, iteratively, recording positions."""
    positions[pointer] = (element.line, element.column)
    root: dict = dict(element.attrib)
    stack: list[tuple[Element, str, Any]] = [(element, pointer, root)]
    while stack:
        node, node_pointer, target = stack.pop()
        children = node.children
        tags = {child.tag for child in children}
        if isinstance(target, list):  # a plural container: its children become the items
            for index, child in enumerate(children):
                item_pointer = join(node_pointer, index)
                if node.tag in _LIST_KEYS:
                    wrapper: dict = {}
                    target.append(wrapper)
                    positions[item_pointer] = (child.line, child.column)
                    _convert_child(child, join(item_pointer, child.tag), wrapper, child.tag, positions, stack)
                else:
                    _append_child(child, item_pointer, target, positions, stack)
            continue
        repeated = {tag for tag in tags if sum(1 for c in children if c.tag == tag) > 1}
        for child in children:
            if child.tag in repeated:
                values = target.setdefault(child.tag, [])
                _append_child(child, join(join(node_pointer, child.tag), len(values)), values, positions, stack)
            else:
                _convert_child(child, join(node_pointer, child.tag), target, child.tag, positions, stack)
    return root


def _shape(child: Element) -> Any:
    if child.tag in _LIST_KEYS:
        return []
    if child.children and len({c.tag for c in child.children}) == 1 and _plural_of(child.tag, child.children[0].tag):
        return []
    if child.tag == "property" and "name" in child.attrib:
        return {"name": child.attrib["name"], "value": child.text}
    if child.children or child.attrib:
        value = dict(child.attrib)
        if child.text and not child.children:
            value["content"] = child.text
        return value
    return child.text


def _convert_child(child: Element, pointer: str, target: dict, key: str, positions: Positions,
                   stack: list) -> None:
    positions[pointer] = (child.line, child.column)
    value = _shape(child)
    target[key] = value
    if isinstance(value, (list, dict)) and child.children:
        stack.append((child, pointer, value))


def _append_child(child: Element, pointer: str, target: list, positions: Positions, stack: list) -> None:
    positions[pointer] = (child.line, child.column)
    value = _shape(child)
    target.append(value)
    if isinstance(value, (list, dict)) and child.children:
        stack.append((child, pointer, value))
