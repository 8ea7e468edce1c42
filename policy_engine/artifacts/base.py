"""What every artifact kind produces when loaded: the contract between loaders and the facts layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from policy_engine.findings import Location

ARTIFACT_KINDS = ("model_card", "data_manifest", "sbom")


@dataclass(frozen=True)
class Problem:
    """Something wrong with the artifact itself (unparseable, schema-invalid, too big, ...).

    The pipeline turns each problem into a finding (rule COMPLYAI-PARSE, COMPLYAI-SCHEMA, ...).
    """

    rule: str
    severity: str
    message: str
    location: Location = field(default_factory=Location)
    remediation: str = ""


@dataclass(frozen=True)
class Link:
    """A reference from one artifact to another, by relative path (resolved against the source)."""

    kind: str  # the kind of the target: "data_manifest" | "sbom" | "model_card"
    target: Path  # absolute, resolved path of the referenced file
    pointer: str  # where the link is written in the source, e.g. "/spec/datasets/0/manifest_ref"
    role: str = ""  # e.g. the dataset split ("training", "testing") for a model card's data sets


@dataclass
class Artifact:
    path: Path  # absolute path
    display: str  # the path shown in reports (relative to the working directory when possible)
    kind: str  # one of ARTIFACT_KINDS; "unknown" only when a parse problem prevented classification
    format: str  # "complyai" | "huggingface" | "cyclonedx-json" | "cyclonedx-xml" | "spdx-json"
    name: str
    sha256: str
    # Vocabulary-shaped data without the kind prefix: for a model card {"risk": {"tier": "high"}, ...}
    # following model_cards/vocabulary.yaml; absent fields are simply absent.
    fields: dict[str, Any] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    # vocabulary path ("risk.tier") -> JSON pointer in this document ("/spec/risk/tier")
    pointers: dict[str, str] = field(default_factory=dict)
    # JSON pointer -> (line, column), 1-based, for every node of the document
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    document: Any = None  # the parsed document (dict), for formats that need the raw view

    def pointer_for(self, vocab_path: str | None) -> str:
        """The source pointer of a vocabulary path; own formats nest it under /spec."""
        if not vocab_path:
            return ""
        if vocab_path in self.pointers:
            return self.pointers[vocab_path]
        if self.format == "complyai":
            return "/spec/" + vocab_path.replace(".", "/")
        return ""

    def locate(self, pointer: str) -> Location:
        """Line and column of a pointer, or of its nearest existing parent when it is absent."""
        probe = pointer
        while True:
            if probe in self.positions:
                line, column = self.positions[probe]
                return Location(pointer=pointer, line=line, column=column)
            if not probe:
                return Location(pointer=pointer, line=1, column=1)
            probe = probe.rsplit("/", 1)[0]


class Loader(Protocol):
    """One artifact format. Listed in policy_engine.artifacts.LOADERS; no registration by import."""

    format: str

    def sniff(self, path: Path, head: str) -> bool:
        """True when the first few KB of text say this file is in this format (cheap, never raises)."""

    def load(self, path: Path, text: str, display: str) -> Artifact:
        """Parse, locate and validate; problems go into Artifact.problems, never raised."""
