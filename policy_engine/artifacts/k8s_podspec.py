"""Where each admitted kind keeps its Pod template, and the container images inside it.

One table (``POD_TEMPLATE``) says, per object kind, the path from the object to its Pod spec and Pod
metadata; the manifest loader and the admission webhook both read it, and nothing else knows the shapes
of Deployment, CronJob and friends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# kind -> path (keys) from the object to the PodTemplateSpec ({metadata, spec}); () means the object is a Pod.
POD_TEMPLATE: dict[str, tuple[str, ...]] = {
    "Pod": (),
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")

# registry/repo[:tag]@sha256:<64 hex>; the digest is what a declaration's image subject names.
_DIGEST = re.compile(r"@(sha256:[0-9a-f]{64})$")


@dataclass(frozen=True)
class Image:
    container: str  # "containers[0] (model)": where a person finds it in the manifest
    ref: str  # as written in the manifest
    digest: str | None  # "sha256:<hex>" when the reference is pinned by digest

    @property
    def name(self) -> str:
        """The repository without tag or digest (the subject name `complyai declare --image` uses)."""
        name = self.ref.split("@", 1)[0]
        head, _, last = name.rpartition("/")
        if ":" in last:  # a tag, not a registry port (which sits before the last '/')
            last = last.split(":", 1)[0]
        return f"{head}/{last}" if head else last


@dataclass(frozen=True)
class PodTemplate:
    metadata: dict[str, Any]
    spec: dict[str, Any]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def pod_template(kind: str, obj: dict[str, Any]) -> PodTemplate | None:
    """The Pod metadata and spec of an object of a known kind (empty dicts where absent); None if unknown."""
    path = POD_TEMPLATE.get(kind)
    if path is None:
        return None
    node: Any = obj
    for key in path:
        node = _dict(node).get(key)
    node = _dict(node)
    return PodTemplate(metadata=_dict(node.get("metadata")), spec=_dict(node.get("spec")))


def images(spec: dict[str, Any]) -> list[Image]:
    """Every container image, init and ephemeral containers included, in manifest order."""
    found = []
    for field in CONTAINER_LISTS:
        containers = spec.get(field)
        if not isinstance(containers, list):
            continue
        for index, container in enumerate(containers):
            container = _dict(container)
            image = container.get("image")
            label = f"{field}[{index}]" + (f" ({container['name']})" if isinstance(container.get("name"), str) else "")
            ref = image.strip() if isinstance(image, str) else ""
            match = _DIGEST.search(ref)
            found.append(Image(container=label, ref=ref, digest=match.group(1) if match else None))
    return found
