"""Data residency: the countries a Pod can be scheduled in, read from its node selector and affinity.

A Pod pinned with ``topology.kubernetes.io/region`` (or ``.../zone``) to cloud regions runs in the
countries those regions are in. ``CLOUD_REGIONS`` maps the common AWS, Google Cloud and Azure region
names to ISO 3166-1 alpha-2 countries; it is deliberately small and documented (ci/k8s/README.md).
A region it does not know is reported, never guessed: set ``complyai.io/region`` on the workload.
Shared by the Kubernetes manifest loader and the admission webhook, so both place a Pod alike.
"""

from __future__ import annotations

import re
from typing import Any

REGION_LABELS = ("topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region")
ZONE_LABELS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")

CLOUD_REGIONS: dict[str, str] = {
    # AWS
    "us-east-1": "US", "us-east-2": "US", "us-west-1": "US", "us-west-2": "US",
    "ca-central-1": "CA", "sa-east-1": "BR",
    "eu-west-1": "IE", "eu-west-2": "GB", "eu-west-3": "FR", "eu-central-1": "DE", "eu-central-2": "CH",
    "eu-north-1": "SE", "eu-south-1": "IT", "eu-south-2": "ES",
    "ap-south-1": "IN", "ap-south-2": "IN", "ap-southeast-1": "SG", "ap-southeast-2": "AU",
    "ap-northeast-1": "JP", "ap-northeast-2": "KR", "ap-northeast-3": "JP", "ap-east-1": "HK",
    "me-central-1": "AE", "il-central-1": "IL", "af-south-1": "ZA",
    # Google Cloud
    "us-central1": "US", "us-east1": "US", "us-east4": "US", "us-west1": "US", "us-west2": "US",
    "northamerica-northeast1": "CA", "southamerica-east1": "BR",
    "europe-west1": "BE", "europe-west2": "GB", "europe-west3": "DE", "europe-west4": "NL",
    "europe-west6": "CH", "europe-west8": "IT", "europe-west9": "FR", "europe-north1": "FI",
    "europe-central2": "PL", "europe-southwest1": "ES",
    "asia-south1": "IN", "asia-south2": "IN", "asia-southeast1": "SG", "asia-northeast1": "JP",
    "asia-northeast3": "KR", "australia-southeast1": "AU",
    # Azure
    "eastus": "US", "eastus2": "US", "westus": "US", "westus2": "US", "centralus": "US",
    "canadacentral": "CA", "brazilsouth": "BR",
    "westeurope": "NL", "northeurope": "IE", "germanywestcentral": "DE", "francecentral": "FR",
    "swedencentral": "SE", "italynorth": "IT", "polandcentral": "PL", "spaincentral": "ES",
    "uksouth": "GB", "ukwest": "GB", "switzerlandnorth": "CH",
    "centralindia": "IN", "southindia": "IN", "westindia": "IN",
    "japaneast": "JP", "koreacentral": "KR", "southeastasia": "SG", "australiaeast": "AU",
}

# A zone is its region plus a suffix: eu-west-1a (AWS), europe-west3-a (Google Cloud), westeurope-1 (Azure).
_ZONE_SUFFIX = re.compile(r"(?:-?[a-z]|-\d)$")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def region_of(value: str, *, zone: bool = False) -> str | None:
    """The ISO country of a cloud region (or zone) name, or None when it is not in the table."""
    name = value.strip().lower()
    if name in CLOUD_REGIONS:
        return CLOUD_REGIONS[name]
    if zone:
        stripped = _ZONE_SUFFIX.sub("", name)
        return CLOUD_REGIONS.get(stripped)
    return None


def scheduling_values(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs that pin the Pod to regions or zones: nodeSelector and required node affinity.

    Preferred affinity is ignored on purpose: it does not stop the scheduler from using other regions.
    """
    labels = REGION_LABELS + ZONE_LABELS
    pairs: list[tuple[str, str]] = []
    for label, value in _dict(spec.get("nodeSelector")).items():
        if label in labels and isinstance(value, str):
            pairs.append((label, value))
    required = _dict(_dict(_dict(spec.get("affinity")).get("nodeAffinity"))
                     .get("requiredDuringSchedulingIgnoredDuringExecution"))
    terms = required.get("nodeSelectorTerms")
    for term in terms if isinstance(terms, list) else []:
        for expression in _dict(term).get("matchExpressions") or []:
            expression = _dict(expression)
            if expression.get("key") in labels and expression.get("operator") == "In":
                pairs.extend((expression["key"], v) for v in expression.get("values") or [] if isinstance(v, str))
    return pairs


def countries(spec: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(countries the Pod may run in, in first-seen order; region names not in the table)."""
    found: list[str] = []
    unknown: list[str] = []
    for label, value in scheduling_values(spec):
        country = region_of(value, zone=label in ZONE_LABELS)
        if country is None:
            unknown.append(value)
        elif country not in found:
            found.append(country)
    return found, unknown
