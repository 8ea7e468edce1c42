"""Hugging Face model cards: README.md with YAML front matter, mapped onto the model-card vocabulary.

What the Hub metadata says is mapped where the meaning is the same (base_model, model-index metrics,
pipeline_tag for generative capabilities); everything a regulation asks that the Hub has no field for
goes under an optional ``complyai:`` key whose value is a spec in complyai's own vocabulary, merged
over the mapped facts and validated against the model-card schema.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from policy_engine.artifacts.base import Artifact, Link
from policy_engine.artifacts.common import get, local_link, parse_problem, problem, unreadable
from policy_engine.artifacts.source import join, parse_yaml

_FENCE = re.compile(r"^---[ \t]*\r?$")
_END = re.compile(r"^(---|\.\.\.)[ \t]*\r?$")
MODEL_KEYS = ("model-index", "pipeline_tag", "base_model", "library_name", "model_name", "complyai")
DATASET_KEYS = ("annotations_creators", "language_creators", "task_categories", "task_ids", "size_categories",
                "source_datasets", "dataset_info", "configs", "multilinguality", "paperswithcode_id")
COMMON_KEYS = ("license", "tags", "datasets", "language", "metrics", "thumbnail", "widget", "inference",
               "co2_eq_emissions", "license_name", "license_link")
_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:", re.M)
# Hub tasks that generate synthetic content or converse (AI Act Art. 50 transparency).
PIPELINE_CAPABILITIES = {
    "text-generation": ["synthetic_content_generation"],
    "text2text-generation": ["synthetic_content_generation"],
    "conversational": ["conversational_interaction", "synthetic_content_generation"],
    "text-to-image": ["synthetic_content_generation"],
    "image-to-image": ["synthetic_content_generation"],
    "text-to-speech": ["synthetic_content_generation"],
    "text-to-audio": ["synthetic_content_generation"],
    "text-to-video": ["synthetic_content_generation"],
    "image-text-to-text": ["synthetic_content_generation"],
}


def front_matter(text: str) -> tuple[str, int] | None:
    """(YAML text, number of lines before it) when the file opens with a '---' fenced block."""
    body = text[1:] if text.startswith("\ufeff") else text
    lines = body.split("\n")
    if not lines or not _FENCE.match(lines[0]):
        return None
    for index in range(1, len(lines)):
        if _END.match(lines[index]):
            return "\n".join(lines[1:index]), 1
    return "\n".join(lines[1:]), -1  # unterminated: the caller reports it


def _top_keys(head: str) -> set[str]:
    matter = front_matter(head)
    return set(_TOP_KEY.findall(matter[0])) if matter else set()


class HuggingFaceLoader:
    format = "huggingface"

    def sniff(self, path: Path, head: str) -> bool:
        name = path.name.lower()
        return name.startswith("readme") and name.endswith(".md") and self.matches(head)

    def matches(self, head: str) -> bool:
        """A model card, not a dataset card: model keys, or common keys without dataset-card keys."""
        keys = _top_keys(head)
        if keys & set(MODEL_KEYS):
            return True
        return bool(keys & set(COMMON_KEYS)) and not keys & set(DATASET_KEYS)

    def load_all(self, path: Path, text: str, display: str) -> list[Artifact]:
        return [self.load(path, text, display)]

    def load(self, path: Path, text: str, display: str) -> Artifact:
        matter = front_matter(text)
        if matter is None:
            return unreadable(path, display, self.format, [problem(
                "no YAML front matter: a Hugging Face model card starts with a '---' line",
                remediation="Add the metadata block (see https://hf.co/docs/hub/model-cards).")])
        yaml_text, offset = matter
        if offset < 0:
            return unreadable(path, display, self.format, [problem(
                "the YAML front matter opened on line 1 is never closed with a '---' line",
                remediation="Add a line '---' after the metadata.")])
        parsed = parse_yaml(yaml_text, line_offset=offset)
        if parsed.error is not None:
            return unreadable(path, display, self.format, [parse_problem(parsed.error)])
        meta = parsed.value
        if not isinstance(meta, dict):
            return unreadable(path, display, self.format, [problem(
                "the front matter must be a mapping of metadata keys", line=2,
                remediation="Write the metadata as `key: value` lines between the '---' fences.")])
        problems = [parse_problem(w) for w in parsed.warnings]
        fields, pointers, links = _map(path, meta)
        own = meta.get("complyai")
        if own is not None:
            from policy_engine.artifacts.validate import schema_problems, spec_validator

            problems += schema_problems(spec_validator("modelcard.schema.json"), own, parsed.positions,
                                        base="/complyai", display=display)
            if isinstance(own, dict):
                _merge(fields, own)
                _pointers_under(own, "", "/complyai", pointers)
                links += _own_links(path, own)
        name = fields.get("name") or (path.parent.name if path.name.lower().startswith("readme") else path.stem)
        fields.setdefault("name", name)
        return Artifact(path=path, display=display, kind="model_card", format=self.format, name=str(name),
                        sha256="", fields=fields, links=links, pointers=pointers, positions=parsed.positions,
                        problems=problems, document=meta)


def _map(path: Path, meta: dict) -> tuple[dict, dict[str, str], list[Link]]:
    fields: dict[str, Any] = {}
    pointers: dict[str, str] = {}
    index = meta.get("model-index")
    name = meta.get("model_name") or get(index, 0, "name")
    if isinstance(name, str) and name:
        fields["name"] = name
        pointers["name"] = "/model_name" if meta.get("model_name") else "/model-index/0/name"
    base = meta.get("base_model")
    if isinstance(base, list):
        base = ", ".join(str(b) for b in base if b)
    if isinstance(base, str) and base:
        fields["lineage"] = {"base_model": base}
        pointers["lineage.base_model"] = "/base_model"
    metrics = []
    for i, model in enumerate(index if isinstance(index, list) else []):
        for result in _items(get(model, "results")):
            dataset = get(result, "dataset", "name") or get(result, "dataset", "type")
            for metric in _items(get(result, "metrics")):
                if not isinstance(metric, dict):
                    continue
                entry: dict[str, Any] = {"name": str(metric.get("name") or metric.get("type") or "")}
                value = _number(metric.get("value"))
                if value is not None:
                    entry["value"] = value
                if dataset:
                    entry["dataset"] = str(dataset)
                metrics.append(entry)
            pointers.setdefault("evaluation.metrics", f"/model-index/{i}/results")
    if metrics:
        fields["evaluation"] = {"metrics": metrics}
    capabilities = PIPELINE_CAPABILITIES.get(str(meta.get("pipeline_tag")), [])
    if capabilities:
        fields["capabilities"] = list(capabilities)
        pointers["capabilities"] = "/pipeline_tag"
    links: list[Link] = []
    datasets = []
    for i, ref in enumerate(meta.get("datasets") if isinstance(meta.get("datasets"), list) else []):
        # Hub dataset ids ("imdb", "org/name") are not files; only a relative path to a manifest links.
        if isinstance(ref, str) and ref.endswith((".yaml", ".yml", ".json")):
            link = local_link(path, ref, "data_manifest", f"/datasets/{i}")
            if link:
                links.append(link)
                datasets.append({"manifest_ref": ref})
    if datasets:
        fields["datasets"] = datasets
        pointers["datasets"] = "/datasets"
    return fields, pointers, links


def _own_links(path: Path, own: dict) -> list[Link]:
    links = []
    for i, dataset in enumerate(own.get("datasets") if isinstance(own.get("datasets"), list) else []):
        link = local_link(path, get(dataset, "manifest_ref"), "data_manifest",
                          f"/complyai/datasets/{i}/manifest_ref", get(dataset, "split") or "")
        if link:
            links.append(link)
    link = local_link(path, own.get("sbom_ref"), "sbom", "/complyai/sbom_ref")
    return links + ([link] if link else [])


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        return float(str(value).strip().rstrip("%")) / (100 if str(value).strip().endswith("%") else 1)
    except ValueError:
        return None


def _merge(target: dict, overlay: dict) -> None:
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def _pointers_under(value: Any, vocab: str, pointer: str, pointers: dict[str, str]) -> None:
    """Map every vocabulary path of the complyai block to its pointer in the front matter."""
    if vocab:
        pointers[vocab] = pointer
    if isinstance(value, dict):
        for key, child in value.items():
            _pointers_under(child, f"{vocab}.{key}" if vocab else str(key), join(pointer, key), pointers)


LOADER = HuggingFaceLoader()


def _items(value: Any) -> list:
    return value if isinstance(value, list) else []
