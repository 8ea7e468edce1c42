"""The own format: `apiVersion: complyai/v1`, `kind: ModelCard | DataManifest`, `metadata`, `spec`."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from policy_engine.artifacts.base import Artifact, Link
from policy_engine.artifacts.common import from_parsed, get, local_link, parse_problem, problem, unreadable
from policy_engine.artifacts.source import parse_json, parse_yaml

API_VERSION = "complyai/v1"
KINDS = {
    "ModelCard": ("model_card", "modelcard.schema.json"),
    "DataManifest": ("data_manifest", "datamanifest.schema.json"),
    # How a deployment serves a model: what admission sees, written down for tests and dry runs.
    "Workload": ("workload", "workload.schema.json"),
}
SUFFIXES = (".yaml", ".yml", ".json")
# Text-level marker, so that a complyai file that no longer parses is still found and reported.
_MARKER = re.compile(r"""^\s*(?:-\s+)?["']?apiVersion["']?\s*:\s*["']?complyai/""", re.M)


class ComplyaiLoader:
    format = "complyai"

    def sniff(self, path: Path, head: str) -> bool:
        return path.suffix.lower() in SUFFIXES and self.matches(head)

    def matches(self, head: str) -> bool:
        return bool(_MARKER.search(head))

    def load_all(self, path: Path, text: str, display: str) -> list[Artifact]:
        return [self.load(path, text, display)]

    def load(self, path: Path, text: str, display: str) -> Artifact:
        parsed = parse_json(text) if path.suffix.lower() == ".json" else parse_yaml(text)
        failed = from_parsed(path, display, self.format, parsed)
        if failed:
            return failed
        warnings = [parse_problem(w) for w in parsed.warnings]
        document, positions = parsed.value, parsed.positions
        if not isinstance(document, dict):
            found = "nothing" if document is None else f"a {type(document).__name__}"
            return unreadable(path, display, self.format, [problem(
                f"expected a mapping with apiVersion, kind, metadata and spec at the top level, found {found}",
                remediation="Start from the template: complyai init (or model_cards/templates/).")])
        classify = self._classify(document, positions)
        if isinstance(classify, list):
            return unreadable(path, display, self.format, warnings + classify)
        kind, schema_file = classify

        from policy_engine.artifacts.validate import (
            _validator,
            known_valid,
            remember_valid,
            schema_namespace,
            schema_problems,
        )

        namespace = schema_namespace(schema_file)
        if known_valid(namespace, text):
            problems = list(warnings)
        else:
            found = schema_problems(_validator(schema_file), document, positions, display=display)
            if not found:
                remember_valid(namespace, text)
            problems = warnings + found
        metadata = document.get("metadata") if isinstance(document.get("metadata"), dict) else {}
        spec = document.get("spec") if isinstance(document.get("spec"), dict) else {}
        fields = dict(spec)
        pointers: dict[str, str] = {}
        name = metadata.get("name")
        if "id" not in fields and isinstance(name, str):
            fields["id"] = name
            pointers["id"] = "/metadata/name"
        if "version" not in fields and metadata.get("version") is not None:
            fields["version"] = str(metadata["version"])
            pointers["version"] = "/metadata/version"
        return Artifact(
            path=path,
            display=display,
            kind=kind,
            format=self.format,
            name=str(name) if name else path.stem,
            sha256="",
            fields=fields,
            links=_links(path, kind, spec),
            pointers=pointers,
            positions=positions,
            problems=problems,
            document=document,
        )

    @staticmethod
    def _classify(document: dict, positions: dict) -> tuple[str, str] | list:
        api = document.get("apiVersion")
        if api != API_VERSION:
            line, column = positions.get("/apiVersion", (1, 1))
            return [problem(f"unsupported apiVersion {api!r}: this complyai reads {API_VERSION}",
                            "/apiVersion", line, column, remediation=f"Set `apiVersion: {API_VERSION}`.")]
        kind = document.get("kind")
        if kind not in KINDS:
            line, column = positions.get("/kind", (1, 1))
            close = difflib.get_close_matches(str(kind), list(KINDS), n=1, cutoff=0.5)
            hint = f" (did you mean {close[0]}?)" if close else ""
            return [problem(f"unknown kind {kind!r}{hint}: use one of {', '.join(KINDS)}", "/kind", line, column,
                            remediation="Set `kind: ModelCard`, `kind: DataManifest` or `kind: Workload`.")]
        return KINDS[kind]


def _links(path: Path, kind: str, spec: dict) -> list[Link]:
    links: list[Link] = []
    if kind == "workload":
        for field, target in (("model_refs", "model_card"), ("dataset_refs", "data_manifest")):
            refs = spec.get(field) if isinstance(spec.get(field), list) else []
            for index, ref in enumerate(refs):
                link = local_link(path, ref, target, f"/spec/{field}/{index}")
                if link:
                    links.append(link)
        return links
    if kind != "model_card":
        return links
    for index, dataset in enumerate(spec.get("datasets") or [] if isinstance(spec.get("datasets"), list) else []):
        link = local_link(path, get(dataset, "manifest_ref"), "data_manifest",
                          f"/spec/datasets/{index}/manifest_ref", get(dataset, "split") or "")
        if link:
            links.append(link)
    link = local_link(path, spec.get("sbom_ref"), "sbom", "/spec/sbom_ref")
    if link:
        links.append(link)
    return links


LOADER = ComplyaiLoader()
