"""SPDX JSON (2.2 and 2.3; 3.0 JSON-LD read best-effort): packages become the SBOM's components.

SPDX carries no vulnerabilities, so ``sbom.vulnerabilities`` is absent. The document is checked for the
fields SPDX 2.x requires (a full JSON Schema is not bundled), each missing one a located problem.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from policy_engine.artifacts.base import Artifact, Problem
from policy_engine.artifacts.common import get, parse_problem, problem, unreadable
from policy_engine.artifacts.source import Positions, parse_json
from policy_engine.findings import SCHEMA_RULE, Location

_MARKER_2 = re.compile(r'"spdxVersion"\s*:\s*"SPDX-2\.|"SPDXID"\s*:\s*"SPDXRef-DOCUMENT"')
_MARKER_3 = re.compile(r'"@context"\s*:\s*"https?://spdx\.org/rdf/3\.')
REQUIRED = ("spdxVersion", "SPDXID", "name", "dataLicense", "creationInfo", "documentNamespace")
# SPDX primaryPackagePurpose (2.3) / software_primaryPurpose (3.0) -> CycloneDX-style component type
PURPOSE_TYPES = {
    "application": "application", "framework": "framework", "library": "library", "container": "container",
    "operating-system": "operating-system", "operatingsystem": "operating-system", "device": "device",
    "firmware": "firmware", "file": "file", "source": "file", "archive": "file", "install": "application",
    "model": "machine-learning-model", "data": "data",
}
_NO_VALUE = {"NOASSERTION", "NONE", ""}


class SpdxJsonLoader:
    format = "spdx-json"

    def sniff(self, path: Path, head: str) -> bool:
        return path.suffix.lower() == ".json" and self.matches(head)

    def matches(self, head: str) -> bool:
        return bool(_MARKER_2.search(head) or _MARKER_3.search(head))

    def load_all(self, path: Path, text: str, display: str) -> list[Artifact]:
        return [self.load(path, text, display)]

    def load(self, path: Path, text: str, display: str) -> Artifact:
        parsed = parse_json(text)
        if parsed.error is not None:
            return unreadable(path, display, self.format, [parse_problem(parsed.error)])
        document = parsed.value
        if not isinstance(document, dict):
            return unreadable(path, display, self.format, [problem("an SPDX document must be a JSON object")])
        if "@graph" in document or "@context" in document:
            fields, problems = _spdx3(document), []
        else:
            fields, problems = _spdx2(document), _required(document, parsed.positions)
        pointers = {"components": "/packages" if "packages" in document else "/@graph", "subject": "/name"}
        return Artifact(path=path, display=display, kind="sbom", format=self.format, name=fields["subject"],
                        sha256="", fields=fields, pointers=pointers, positions=parsed.positions,
                        problems=problems, document=document)


def _required(document: dict, positions: Positions) -> list[Problem]:
    problems = []
    version = document.get("spdxVersion")
    if isinstance(version, str) and version not in ("SPDX-2.2", "SPDX-2.3"):
        line, column = positions.get("/spdxVersion", (1, 1))
        problems.append(Problem(SCHEMA_RULE, "high", f"spdxVersion {version!r} is not SPDX-2.2 or SPDX-2.3",
                                Location("/spdxVersion", line, column), "Regenerate the SBOM as SPDX 2.3 JSON."))
    for key in REQUIRED:
        if key not in document:
            problems.append(Problem(SCHEMA_RULE, "high", f"the SPDX document lacks the required field '{key}'",
                                    Location(f"/{key}", *positions.get("", (1, 1))),
                                    f"Add '{key}' (SPDX 2.3 section 6), or regenerate the SBOM with your tool."))
    return problems


def _clean(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() not in _NO_VALUE else None


def _supplier(value: Any) -> str | None:
    value = _clean(value)
    return value.split(":", 1)[1].strip() if value and ":" in value else value


def _spdx2(document: dict) -> dict[str, Any]:
    components = []
    for package in document.get("packages") if isinstance(document.get("packages"), list) else []:
        if not isinstance(package, dict):
            continue
        entry: dict[str, Any] = {}
        if _clean(package.get("name")):
            entry["name"] = package["name"]
        if _clean(package.get("versionInfo")):
            entry["version"] = package["versionInfo"]
        for ref in package.get("externalRefs") if isinstance(package.get("externalRefs"), list) else []:
            if get(ref, "referenceType") == "purl" and isinstance(get(ref, "referenceLocator"), str):
                entry["purl"] = ref["referenceLocator"]
                break
        purpose = str(package.get("primaryPackagePurpose") or "").lower().replace("_", "-")
        if purpose in PURPOSE_TYPES:
            entry["type"] = PURPOSE_TYPES[purpose]
        supplier = _supplier(package.get("supplier")) or _supplier(package.get("originator"))
        if supplier:
            entry["supplier"] = supplier
        licenses = [v for v in (_clean(package.get("licenseConcluded")), _clean(package.get("licenseDeclared"))) if v]
        if licenses:
            entry["licenses"] = list(dict.fromkeys(licenses))
        components.append(entry)
    return {"format": "spdx", "subject": _subject2(document), "components": components}


def _subject2(document: dict) -> str:
    described = document.get("documentDescribes")
    packages = {get(p, "SPDXID"): p for p in document.get("packages") or [] if isinstance(p, dict)}
    if isinstance(described, list) and described and described[0] in packages:
        package = packages[described[0]]
        version = _clean(package.get("versionInfo"))
        if _clean(package.get("name")):
            return f"{package['name']}@{version}" if version else package["name"]
    name = document.get("name")
    return name if isinstance(name, str) and name else "SPDX document"


def _spdx3(document: dict) -> dict[str, Any]:
    components = []
    for element in document.get("@graph") if isinstance(document.get("@graph"), list) else []:
        kind = str(get(element, "type") or get(element, "@type") or "")
        if kind not in ("software_Package", "ai_AIPackage", "dataset_DatasetPackage"):
            continue
        entry: dict[str, Any] = {}
        if isinstance(element.get("name"), str):
            entry["name"] = element["name"]
        if isinstance(element.get("software_packageVersion"), str):
            entry["version"] = element["software_packageVersion"]
        if isinstance(element.get("software_packageUrl"), str):
            entry["purl"] = element["software_packageUrl"]
        purpose = str(element.get("software_primaryPurpose") or "").lower()
        if kind == "ai_AIPackage":
            entry["type"] = "machine-learning-model"
        elif kind == "dataset_DatasetPackage":
            entry["type"] = "data"
        elif purpose in PURPOSE_TYPES:
            entry["type"] = PURPOSE_TYPES[purpose]
        components.append(entry)
    names = [c["name"] for c in components if "name" in c]
    return {"format": "spdx", "subject": names[0] if names else "SPDX document", "components": components}


LOADER = SpdxJsonLoader()
