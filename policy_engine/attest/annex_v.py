"""EU AI Act Annex V contents, taken from a complyai model card (`kind: ModelCard`).

Annex V lists what an EU declaration of conformity (Art. 47) contains; the keys of the predicate's
`annexV` object follow its eight points. Fields come from the card's `spec` following
model_cards/vocabulary.yaml (`model_card.provider.*`, `model_card.conformity.*`,
`model_card.conformity.declaration.*`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from policy_engine.attest.refusals import DeclarationRefused

REGULATION = "Regulation (EU) 2024/1689 (Artificial Intelligence Act)"
DATA_PROTECTION_LAW = "Regulation (EU) 2016/679, Regulation (EU) 2018/1725 and Directive (EU) 2016/680"


@dataclass(frozen=True)
class ModelCard:
    path: Path
    document: dict[str, Any]

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.document.get("spec")
        return spec if isinstance(spec, dict) else {}

    @property
    def metadata(self) -> dict[str, Any]:
        meta = self.document.get("metadata")
        return meta if isinstance(meta, dict) else {}

    def get(self, dotted: str) -> Any:
        node: Any = self.spec
        for part in dotted.split("."):
            if not isinstance(node, dict):
                return None
            node = node.get(part)
        return node

    def linked_files(self) -> list[tuple[str, Path]]:
        """(kind, path) for the SBOM and data manifests the card links to by relative path."""
        links: list[tuple[str, str]] = []
        if isinstance(self.get("sbom_ref"), str):
            links.append(("sbom", self.get("sbom_ref")))
        for dataset in self.get("datasets") or []:
            if isinstance(dataset, dict) and isinstance(dataset.get("manifest_ref"), str):
                links.append(("data_manifest", dataset["manifest_ref"]))
        found = []
        for kind, ref in links:
            if "://" in ref:
                continue  # a URL is documentation, not a file the declaration can digest
            target = (self.path.parent / ref.split("#", 1)[0]).resolve()
            if target.is_file():
                found.append((kind, target))
        return found


def read_model_card(path: Path) -> ModelCard:
    from policy_engine.errors import UsageError

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such model card") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the model card ({exc})") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise DeclarationRefused(
            f"{path}{where}: the model card is not valid YAML",
            hint="run complyai audit on it to see the parse error",
        ) from None
    if not isinstance(document, dict) or document.get("kind") != "ModelCard":
        raise UsageError(
            f"{path}: not a complyai model card (expected `apiVersion: complyai/v1` and `kind: ModelCard`)",
            hint="declare takes the model card as its first argument; SBOM and manifests go to --sbom/--manifest",
        )
    return ModelCard(path, document)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [_text(v) for v in value if _text(v)]
    return [_text(value)] if _text(value) else []


def annex_v(card: ModelCard, *, issued: dt.date, images: list[str], card_sha256: str) -> dict[str, Any]:
    """The eight points of Annex V; raise DeclarationRefused naming every mandatory item missing."""
    decl = "conformity.declaration."
    name = _text(card.get("name")) or _text(card.metadata.get("name"))
    version = _text(card.get("version")) or _text(card.metadata.get("version"))
    provider = _text(card.get("provider.name"))
    address = _text(card.get("provider.contact_address"))
    place = _text(card.get(decl + "place"))
    signatory = _text(card.get(decl + "signatory"))
    missing = [
        label
        for label, value in (
            ("AI system name (spec.name or metadata.name)", name),
            ("AI system version (spec.version or metadata.version)", version),
            ("provider name (spec.provider.name)", provider),
            ("provider address (spec.provider.contact_address)", address),
            ("place of issue (spec.conformity.declaration.place)", place),
            ("signatory (spec.conformity.declaration.signatory)", signatory),
        )
        if not value
    ]
    if missing:
        raise DeclarationRefused(
            f"{card.path}: cannot issue an EU declaration of conformity: Annex V needs "
            + "; ".join(missing),
            hint="add these fields to the model card (see model_cards/vocabulary.yaml) and declare again",
        )
    for statement in ("sole_responsibility_statement", "conformity_statement"):
        if card.get(decl + statement) is False:
            raise DeclarationRefused(
                f"{card.path}: spec.conformity.declaration.{statement} is false: the provider does not make "
                "this Annex V statement, so no declaration can be issued",
                hint=f"set spec.conformity.declaration.{statement}: true once the provider takes that responsibility",
            )

    representative = _text(card.get("authorised_representative.name"))
    other_law = _list(card.get(decl + "other_union_law"))
    standards = _list(card.get(decl + "standards_referenced")) or _list(card.get("conformity.standards_applied"))
    personal_data = card.get("processes_personal_data") is True or card.get(decl + "data_protection_statement")
    procedure = _text(card.get("conformity.assessment_procedure"))
    body_id = _text(card.get("conformity.notified_body_id"))
    notified_body = None
    if body_id or procedure == "notified_body_annex_vii":
        notified_body = {
            "identificationNumber": body_id,
            "procedure": procedure,
            "certificate": _text(card.get("conformity.certificate_id")),
        }
    reference = _text(card.get(decl + "system_reference")) or f"{name} {version}"
    return {
        "1_system": {
            "name": name,
            "version": version,
            "id": _text(card.metadata.get("name")),
            "type": _text(card.get("kind")),
            "reference": reference,
            "modelCardSha256": card_sha256,
            "images": images,
        },
        "2_provider": {
            "name": provider,
            "address": address,
            "authorisedRepresentative": representative or None,
        },
        "3_soleResponsibility": (
            f"This EU declaration of conformity is issued under the sole responsibility of {provider}."
        ),
        "4_conformity": (
            f"The AI system {name} {version} is in conformity with {REGULATION}"
            + (f" and with {', '.join(other_law)}." if other_law else ".")
        ),
        "4_otherUnionLaw": other_law,
        "5_dataProtection": (
            f"The AI system complies with {DATA_PROTECTION_LAW} as applicable to its processing of personal data."
            if personal_data
            else None
        ),
        "6_standards": standards,
        "6_otherSolutionsRef": _text(card.get("conformity.other_solutions_ref")) or None,
        "7_notifiedBody": notified_body,
        "8_issue": {"place": place, "date": issued.isoformat(), "signatory": signatory},
    }
