"""AdmissionReview in and out (admission.k8s.io/v1): parse a request strictly, build a response.

Parsing never raises anything but ``BadReview``, whose message is safe to return to the caller. Messages
and warnings are cut to the sizes the API server accepts (warnings: under 256 characters each, a few of
them), and stripped of control characters, which the API server refuses in warnings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

API_VERSION = "admission.k8s.io/v1"
KIND = "AdmissionReview"
MAX_WARNINGS = 12
MAX_WARNING_CHARS = 250
MAX_MESSAGE_CHARS = 4000


class BadReview(ValueError):
    """The body is not a usable AdmissionReview; the message says why (answered with HTTP 400)."""

    def __init__(self, message: str, uid: str | None = None) -> None:
        super().__init__(message)
        self.uid = uid


@dataclass
class AdmissionRequest:
    uid: str
    kind: str  # the object kind, e.g. "Deployment"
    operation: str  # CREATE | UPDATE | DELETE | CONNECT
    namespace: str
    name: str
    dry_run: bool
    object: dict[str, Any] | None
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


def parse(body: bytes) -> AdmissionRequest:
    try:
        document = json.loads(body)
    except RecursionError:
        raise BadReview("the body is nested too deeply to be an AdmissionReview") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise BadReview(f"the body is not JSON ({error})") from None
    if not isinstance(document, dict):
        raise BadReview("the body is not a JSON object, so not an AdmissionReview")
    request = document.get("request")
    uid = request.get("uid") if isinstance(request, dict) else None
    uid = uid if isinstance(uid, str) and uid else None
    if document.get("apiVersion") != API_VERSION or document.get("kind") != KIND:
        raise BadReview(f"expected apiVersion {API_VERSION} kind {KIND}, got apiVersion "
                        f"{str(document.get('apiVersion'))[:60]!r} kind {str(document.get('kind'))[:60]!r} "
                        "(set admissionReviewVersions: [v1] in the ValidatingWebhookConfiguration)", uid)
    if not isinstance(request, dict):
        raise BadReview("the AdmissionReview has no request object", uid)
    if uid is None:
        raise BadReview("the AdmissionReview request has no uid")
    kind_info = request.get("kind") if isinstance(request.get("kind"), dict) else {}
    obj = request.get("object")
    if obj is not None and not isinstance(obj, dict):
        raise BadReview("request.object is not a JSON object", uid)
    kind = kind_info.get("kind") or (obj or {}).get("kind") or ""
    operation = request.get("operation")
    if not isinstance(operation, str) or not operation:
        raise BadReview("the AdmissionReview request has no operation", uid)
    namespace = request.get("namespace") or ((obj or {}).get("metadata") or {}).get("namespace") or ""
    return AdmissionRequest(
        uid=uid, kind=str(kind), operation=operation.upper(), namespace=str(namespace),
        name=str(request.get("name") or ""), dry_run=request.get("dryRun") is True, object=obj, raw=request)


def clean(text: str, limit: int) -> str:
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def response(uid: str | None, allowed: bool, *, message: str = "", code: int | None = None,
             warnings: list[str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"uid": uid or "", "allowed": allowed}
    if message or code:
        body["status"] = {"code": code or (200 if allowed else 403), "message": clean(message, MAX_MESSAGE_CHARS)}
        if not allowed:
            body["status"]["reason"] = "Forbidden" if (code or 403) == 403 else "BadRequest"
    if warnings:
        kept = [clean(w, MAX_WARNING_CHARS) for w in warnings[:MAX_WARNINGS]]
        if len(warnings) > MAX_WARNINGS:
            kept[-1] = f"… and {len(warnings) - MAX_WARNINGS + 1} more (see the webhook's decision log)"
        body["warnings"] = kept
    return {"apiVersion": API_VERSION, "kind": KIND, "response": body}
